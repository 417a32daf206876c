/**
 * The discount editor's live summary: what a discount does, in the merchant's language, from the same fields the
 * API takes (amounts in minor units, formatted with @storeloom/money in the store currency). Pure: the editor and
 * the unit test pass the translator.
 */
import { formatMoney } from '@storeloom/money';
import type { MessageKey } from '../i18n/messages.ts';
import type { BodyOf } from './api.ts';

export type DiscountInput = BodyOf<'/stores/{storeId}/discounts', 'post'>;
type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

const count = (tr: Translate, _locale: string, key: 'discounts.s.products' | 'discounts.s.collections', n: number) => tr(key, { count: n });

function target(tr: Translate, locale: string, productIds: string[] | null | undefined, collectionIds: string[] | null | undefined, whole: MessageKey) {
  if (productIds?.length) return count(tr, locale, 'discounts.s.products', productIds.length);
  if (collectionIds?.length) return count(tr, locale, 'discounts.s.collections', collectionIds.length);
  return tr(whole);
}

const day = (iso: string, locale: string) => new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric' }).format(new Date(iso));

/** The summary as short sentences, the first saying what the discount takes off. */
export function discountSummary(d: DiscountInput, currency: string, locale: string, tr: Translate): string[] {
  const parts: string[] = [];
  const value = d.value ?? 0;
  if (d.kind === 'percentage')
    parts.push(tr('discounts.s.percentOff', { value, target: target(tr, locale, d.appliesTo?.productIds, d.appliesTo?.collectionIds, 'discounts.s.order') }));
  else if (d.kind === 'fixed_amount')
    parts.push(
      tr('discounts.s.amountOff', {
        amount: formatMoney(value, currency, locale),
        target: target(tr, locale, d.appliesTo?.productIds, d.appliesTo?.collectionIds, 'discounts.s.order'),
      }),
    );
  else if (d.kind === 'free_shipping') parts.push(tr('discounts.s.freeShipping'));
  else if (d.buyXGetY) {
    const b = d.buyXGetY;
    const params = {
      buy: b.buyQuantity,
      get: b.getQuantity,
      percent: b.getPercent,
      buyTarget: target(tr, locale, b.buyProductIds, b.buyCollectionIds, 'discounts.s.anyProduct'),
      getTarget: target(tr, locale, b.getProductIds, b.getCollectionIds, 'discounts.s.anyProduct'),
    };
    parts.push(tr(b.getPercent >= 100 ? 'discounts.s.bxgyFree' : 'discounts.s.bxgy', params));
  }
  parts.push(d.automatic ? tr('discounts.s.automatic') : d.code ? tr('discounts.s.code', { code: d.code.toUpperCase() }) : tr('discounts.s.noCode'));
  parts.push(d.minSubtotal ? tr('discounts.s.minimum', { amount: formatMoney(d.minSubtotal, currency, locale) }) : tr('discounts.s.noMinimum'));
  if (d.usageLimit) parts.push(tr('discounts.s.limit', { count: d.usageLimit }));
  if (d.oncePerCustomer) parts.push(tr('discounts.s.once'));
  if (d.startsAt && d.endsAt) parts.push(tr('discounts.s.fromUntil', { start: day(d.startsAt, locale), end: day(d.endsAt, locale) }));
  else if (d.startsAt) parts.push(tr('discounts.s.from', { start: day(d.startsAt, locale) }));
  else if (d.endsAt) parts.push(tr('discounts.s.until', { end: day(d.endsAt, locale) }));
  else parts.push(tr('discounts.s.now'));
  const c = d.combinesWith ?? {};
  const kinds = [
    c.orderDiscounts ? tr('discounts.combines.order') : null,
    c.productDiscounts ? tr('discounts.combines.product') : null,
    c.shippingDiscounts ? tr('discounts.combines.shipping') : null,
  ].filter((x): x is string => x !== null);
  parts.push(
    kinds.length
      ? tr('discounts.s.combines', { list: new Intl.ListFormat(locale, { type: 'conjunction' }).format(kinds.map((k) => k.toLowerCase())) })
      : tr('discounts.s.noCombine'),
  );
  return parts;
}
