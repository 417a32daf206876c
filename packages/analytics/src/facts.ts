/**
 * What one order contributes to the sales figures, computed from its raw rows only (no aggregate, no clock), so
 * the worker's incremental path and the rebuild give identical numbers. Amounts are integer minor units: the
 * store's currency for the headline figures, the order's own (presentment) currency for the `presentment*` ones.
 *
 * - The sale counts on the UTC day the order was paid: gross = line prices × quantities (the order's subtotal, as
 *   charged: tax-inclusive stores' prices include tax), discounts, shipping, tax, total, units, and whether it was
 *   the buyer's first paid order (by e-mail) or a returning buyer's.
 * - Each refund counts on the UTC day it was made. Its store-currency amount follows the order's bookkeeping
 *   (`store_refunded` is converted cumulatively at the order's rate), so the refund rows of an order sum to its
 *   `store_refunded` exactly.
 */
import type { Order } from '@storeloom/db';
import { convert } from '@storeloom/money';

export const NO_PRODUCT = '00000000-0000-0000-0000-000000000000';
export const PAID_STATUSES = ['paid', 'partially_refunded', 'refunded'] as const;

export const DAILY_MEASURES = [
  'orders',
  'units',
  'gross',
  'discounts',
  'refunds',
  'shipping',
  'tax',
  'total',
  'new_customers',
  'returning_customers',
  'presentment_gross',
  'presentment_discounts',
  'presentment_refunds',
  'presentment_total',
] as const;
export type DailyMeasure = (typeof DAILY_MEASURES)[number];
export const PRODUCT_MEASURES = ['orders', 'units', 'gross', 'discounts'] as const;
export type ProductMeasure = (typeof PRODUCT_MEASURES)[number];

export interface DailyFact extends Partial<Record<DailyMeasure, number>> {
  day: string;
  currency: string;
  market_id: string;
}
export interface ProductFact extends Partial<Record<ProductMeasure, number>> {
  day: string;
  product_id: string;
}
export interface OrderFacts {
  daily: DailyFact[];
  products: ProductFact[];
}

export type FactOrder = Pick<
  Order,
  | 'id'
  | 'currency'
  | 'store_currency'
  | 'exchange_rate'
  | 'market_id'
  | 'payment_status'
  | 'paid_at'
  | 'subtotal'
  | 'discount_total'
  | 'shipping'
  | 'tax'
  | 'total'
  | 'store_subtotal'
  | 'store_discount_total'
  | 'store_shipping'
  | 'store_tax'
  | 'store_total'
>;
export interface FactLine {
  product_id: string | null;
  quantity: number;
  total: number;
  discount_total: number;
}
export interface FactRefund {
  amount: number;
  created_at: Date;
}

/** `payments.reason` of the charge that pays an exchange's price difference (written by the returns service). */
export const EXCHANGE_CHARGE_REASON = 'exchange difference';

export const utcDay = (d: Date | string): string => new Date(d).toISOString().slice(0, 10);

export function isCounted(o: Pick<Order, 'payment_status' | 'paid_at'>): boolean {
  return o.paid_at !== null && (PAID_STATUSES as readonly string[]).includes(o.payment_status);
}

/**
 * The order's contribution. `returning`: an earlier paid order (by paid time, then id) has the same e-mail.
 * Unpaid, failed and expired orders contribute nothing.
 */
export function orderFacts(
  o: FactOrder,
  lines: readonly FactLine[],
  refunds: readonly FactRefund[],
  returning: boolean,
  exchangeCharges: readonly FactRefund[] = [],
): OrderFacts {
  if (!isCounted(o) || !o.paid_at) return { daily: [], products: [] };
  const storeCurrency = o.store_currency ?? o.currency;
  const toStore = (presentment: number, stored: number | null) =>
    stored ?? (storeCurrency === o.currency ? presentment : convert(presentment, o.currency, storeCurrency, o.exchange_rate, { invert: true }));
  const day = utcDay(o.paid_at);
  const key = { currency: o.currency, market_id: o.market_id ?? '' };
  const units = lines.reduce((n, l) => n + l.quantity, 0);
  const storeTotal = toStore(o.total, o.store_total);
  const daily: DailyFact[] = [
    {
      day,
      ...key,
      orders: 1,
      units,
      gross: toStore(o.subtotal, o.store_subtotal),
      discounts: toStore(o.discount_total, o.store_discount_total),
      shipping: toStore(o.shipping, o.store_shipping),
      tax: toStore(o.tax, o.store_tax),
      total: storeTotal,
      new_customers: returning ? 0 : 1,
      returning_customers: returning ? 1 : 0,
      presentment_gross: o.subtotal,
      presentment_discounts: o.discount_total,
      presentment_total: o.total,
    },
  ];
  // Refunds in time order; the store-currency side is cumulative like OrderService.recordRefund's store_refunded.
  let refunded = 0;
  let storeRefunded = 0;
  const byDay = new Map<string, DailyFact>();
  for (const r of [...refunds].sort((a, b) => new Date(a.created_at).getTime() - new Date(b.created_at).getTime())) {
    refunded += r.amount;
    const cumulative = refunded === o.total ? storeTotal : toStore(refunded, null);
    const storeDelta = cumulative - storeRefunded;
    storeRefunded = cumulative;
    const d = utcDay(r.created_at);
    const row = byDay.get(d) ?? { day: d, ...key, refunds: 0, presentment_refunds: 0 };
    row.refunds = (row.refunds ?? 0) + storeDelta;
    row.presentment_refunds = (row.presentment_refunds ?? 0) + r.amount;
    byDay.set(d, row);
  }
  // An exchange's price difference, paid after the order: sales (gross and total) on the day it was paid, like a
  // small order of its own that adds no order, unit or customer (the order's lines still name the returned variant).
  for (const c of exchangeCharges) {
    const d = utcDay(c.created_at);
    const row = byDay.get(d) ?? { day: d, ...key };
    const stored = toStore(c.amount, null);
    row.gross = (row.gross ?? 0) + stored;
    row.total = (row.total ?? 0) + stored;
    row.presentment_gross = (row.presentment_gross ?? 0) + c.amount;
    row.presentment_total = (row.presentment_total ?? 0) + c.amount;
    byDay.set(d, row);
  }
  daily.push(...byDay.values());

  const products = new Map<string, ProductFact & { orders: number; units: number; gross: number; discounts: number }>();
  for (const l of lines) {
    const pid = l.product_id ?? NO_PRODUCT;
    const p = products.get(pid) ?? { day, product_id: pid, orders: 1, units: 0, gross: 0, discounts: 0 };
    p.units += l.quantity;
    p.gross += toStore(l.total, null);
    p.discounts += toStore(l.discount_total, null);
    products.set(pid, p);
  }
  return { daily, products: [...products.values()] };
}
