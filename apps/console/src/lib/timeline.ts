/**
 * An order's timeline in the merchant's language: each event written from its `type` and `data` (amounts through
 * the money formatter, payment providers as "Manual payment" or "Card"), never from the server's English `message`
 * or a payment reference (those are internal ids such as `manual_charge:<order>:1`). Pure: the order page and the
 * unit test pass the translator and the money formatter.
 */
import type { MessageKey } from '../i18n/messages.ts';
import type { OrderDetail } from './api.ts';

type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

/** One entry of an order's timeline, as the order API sends it (from the generated OpenAPI types). */
export type TimelineEntry = OrderDetail['timeline'][number];

/**
 * What `timelineText` reads of an entry: its type and data (the English `message` is accepted so an API entry passes
 * as it is, never shown). `data` may be left out: an entry without it is written from its type alone.
 */
export type TimelineEvent = Pick<TimelineEntry, 'type' | 'message'> & Partial<Pick<TimelineEntry, 'data'>>;

/** How an order was paid, as a merchant says it; `last4` when the provider told us the card. */
export function paymentMethodLabel(t: Translate, provider: string, last4?: string | null): string {
  if (provider === 'manual') return t('payment.manual');
  if (provider === 'gift_card') return t('payment.giftCard');
  if (provider === 'stripe' || provider === 'card') return last4 ? t('payment.cardEnding', { last4 }) : t('payment.card');
  return t('payment.other');
}

const SIMPLE: Record<string, MessageKey> = {
  placed: 'timeline.placed',
  payment_failed: 'timeline.paymentFailed',
  expired: 'timeline.expired',
  edited: 'orderEdit.edited',
  return_approved: 'timeline.returnApproved',
  return_declined: 'timeline.returnDeclined',
  return_received: 'timeline.returnReceived',
  return_refunded: 'timeline.returnRefunded',
};

export function timelineText(t: Translate, money: (minor: number) => string, ev: TimelineEvent): string {
  const d = ev.data ?? {};
  const simple = SIMPLE[ev.type];
  if (simple) return t(simple);
  switch (ev.type) {
    case 'paid': {
      const method = d.provider ? paymentMethodLabel(t, d.provider) : null;
      if (d.amount !== undefined && method) return t('timeline.paidAmount', { amount: money(d.amount), method });
      return t('timeline.paid');
    }
    case 'refunded': {
      const method = d.provider ? paymentMethodLabel(t, d.provider) : null;
      if (d.amount === undefined || !method) return t('timeline.refunded');
      const text = d.units
        ? t('timeline.refundedUnits', { amount: money(d.amount), method, count: d.units })
        : t('timeline.refundedAmount', { amount: money(d.amount), method });
      return d.reason ? `${text} · ${d.reason}` : text;
    }
    case 'fulfilled':
    case 'tracking_updated': {
      const base = t(ev.type === 'fulfilled' ? 'timeline.fulfilled' : 'timeline.trackingUpdated');
      const tracking = [d.carrier, d.trackingNumber].filter(Boolean).join(' ');
      return tracking ? `${base} · ${tracking}` : base;
    }
    case 'return_requested':
      return d.units ? t('timeline.returnRequestedUnits', { count: d.units }) : t('timeline.returnRequested');
    case 'return_exchanged': {
      // Tax-exclusive orders: the difference includes the replacement's tax, said apart as an invoice would.
      const tax = d.tax ? ` ${t('timeline.inclTax', { amount: money(d.tax) })}` : '';
      if (d.refunded !== undefined) return t('timeline.returnExchangedRefunded', { amount: money(d.refunded) }) + tax;
      if (d.paid !== undefined) return t('timeline.returnExchangedPaid', { amount: money(d.paid) }) + tax;
      return t('timeline.returnExchanged');
    }
    case 'return_exchange': {
      const tax = d.tax ? ` ${t('timeline.inclTax', { amount: money(d.tax) })}` : '';
      return d.toPay !== undefined ? t('timeline.exchangeToPay', { amount: money(d.toPay) }) + tax : t('timeline.returnExchanged');
    }
    case 'return_label':
      return d.label ? t('timeline.returnLabel', { label: d.label }) : t('timeline.returnApproved');
    default:
      // A type this console does not know yet (a newer server): say that the order changed, not the English text.
      return t('timeline.updated');
  }
}
