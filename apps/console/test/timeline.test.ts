import { formatMoney } from '@storeloom/money';
import { describe, expect, it } from 'vitest';
import { type MessageKey, translate } from '../src/i18n/messages.ts';
import { paymentMethodLabel, type TimelineEntry, timelineText } from '../src/lib/timeline.ts';

const en = (key: MessageKey, params?: Record<string, string | number>) => translate('en', key, params);
const zh = (key: MessageKey, params?: Record<string, string | number>) => translate('zh-CN', key, params);
const usd = (minor: number) => formatMoney(minor, 'USD', 'en');

describe('order timeline in the console', () => {
  it('writes payments and refunds with formatted money and a payment method, never the reference or minor units', () => {
    const paid = timelineText(en, usd, { type: 'paid', message: 'Payment received (manual)', data: { provider: 'manual', amount: 4900 } });
    expect(paid).toBe('Manual payment: $49.00 received');
    const refund = timelineText(en, usd, {
      type: 'refunded',
      message: 'Refunded 1250 (1 unit)',
      data: { provider: 'stripe', amount: 1250, units: 1, reason: null },
    });
    expect(refund).toBe('$12.50 refunded · Card · 1 item');
    expect(refund).not.toContain('1250');
    expect(timelineText(en, usd, { type: 'refunded', message: '', data: { provider: 'manual', amount: 2500, units: 2 } })).toBe(
      '$25.00 refunded · Manual payment · 2 items',
    );
  });

  it('says how much of an exchange difference is tax (tax-exclusive orders tax the replacement)', () => {
    expect(timelineText(en, usd, { type: 'return_exchange', message: '', data: { toPay: 1650, tax: 150 } })).toBe('Exchange: $16.50 to pay (incl. $1.50 tax)');
    expect(timelineText(en, usd, { type: 'return_exchanged', message: '', data: { refunded: 2670, tax: 40 } })).toBe(
      'Return exchanged; $26.70 refunded (incl. $0.40 tax)',
    );
    expect(timelineText(en, usd, { type: 'return_exchanged', message: '', data: { paid: 1650, tax: 0 } })).toBe('Return exchanged; $16.50 paid');
    expect(timelineText(zh, usd, { type: 'return_exchange', message: '', data: { toPay: 1650, tax: 150 } })).toContain('$1.50');
  });

  it('writes every known type in the merchant’s language, and older events without data by their type', () => {
    const types = [
      'placed',
      'paid',
      'payment_failed',
      'expired',
      'refunded',
      'fulfilled',
      'tracking_updated',
      'edited',
      'return_requested',
      'return_approved',
      'return_declined',
      'return_received',
      'return_refunded',
      'return_exchanged',
      'return_exchange',
      'return_label',
    ];
    for (const type of types) {
      const message = `English server text for ${type}`;
      const text = timelineText(zh, usd, { type, message });
      expect(text, type).not.toBe(message);
      expect(text, type).not.toMatch(/[A-Za-z]{4,}/);
    }
    expect(timelineText(en, usd, { type: 'placed', message: 'Order placed; stock reserved until 2026-12-06T21:00:00.000Z' })).toBe('Order placed');
    expect(timelineText(en, usd, { type: 'fulfilled', message: '', data: { carrier: 'DHL', trackingNumber: '12345' } })).toBe('Order fulfilled · DHL 12345');
    expect(timelineText(en, usd, { type: 'something_new', message: 'manual_charge:abc:1' })).toBe('Order updated');
  });

  it('writes an entry exactly as the order API sends it (the type comes from the generated OpenAPI document)', () => {
    const entries: TimelineEntry[] = [
      { at: '2026-12-06T20:00:00.000Z', type: 'placed', message: 'Order placed', data: { reservedUntil: '2026-12-06T21:00:00.000Z' } },
      { at: '2026-12-06T20:01:00.000Z', type: 'paid', message: 'Payment received (stripe)', data: { provider: 'stripe', amount: 10300 } },
      { at: '2026-12-06T20:02:00.000Z', type: 'edited', message: 'Order edited', data: {} },
    ];
    expect(entries.map((e) => timelineText(en, usd, e))).toEqual(['Order placed', 'Card: $103.00 received', 'Order edited']);
  });

  it('names payment methods as merchants do', () => {
    expect(paymentMethodLabel(en, 'manual')).toBe('Manual payment');
    expect(paymentMethodLabel(en, 'stripe', '4242')).toBe('Card ·· 4242');
    expect(paymentMethodLabel(en, 'gift_card')).toBe('Gift card');
    expect(paymentMethodLabel(zh, 'manual')).toBe('手动付款');
  });
});
