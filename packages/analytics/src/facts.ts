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
 * - Each exchange price-difference charge counts on the UTC day it was paid: its tax (`payments.tax`, what the
 *   replacement's tax adds over the returned units' when the order added tax on top) as tax, the rest as gross sales.
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
  id: string;
  product_id: string | null;
  quantity: number;
  total: number;
  discount_total: number;
}
export interface FactRefund {
  amount: number;
  created_at: Date;
}
/** An exchange's price-difference charge: `amount` paid, `tax` of it (`payments.tax`: 0 when prices include tax). */
export interface FactCharge extends FactRefund {
  tax?: number;
}

/** Units of a line swapped for another variant by a closed exchange (returns `exchanged`, return_lines). */
export interface FactExchange {
  return_id: string;
  order_line_id: string;
  quantity: number;
  /** The replacement's product (null: its variant or product was deleted since). */
  product_id: string | null;
  /** The replacement's unit price in the order's currency. */
  unit_price: number;
  closed_at: Date;
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
  exchangeCharges: readonly FactCharge[] = [],
  exchanges: readonly FactExchange[] = [],
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
  // An exchange's price difference, paid after the order: sales on the day it was paid, like a small order of its
  // own that adds no order, unit or customer (the order's lines still name the returned variant). Its tax is tax and
  // the rest gross sales, as an order's subtotal and tax (the store-currency gross is the converted amount less the
  // converted tax, so gross + tax = total there too).
  for (const c of exchangeCharges) {
    const d = utcDay(c.created_at);
    const row = byDay.get(d) ?? { day: d, ...key };
    const tax = c.tax ?? 0;
    const stored = toStore(c.amount, null);
    const storedTax = toStore(tax, null);
    row.gross = (row.gross ?? 0) + stored - storedTax;
    row.tax = (row.tax ?? 0) + storedTax;
    row.total = (row.total ?? 0) + stored;
    row.presentment_gross = (row.presentment_gross ?? 0) + c.amount - tax;
    row.presentment_total = (row.presentment_total ?? 0) + c.amount;
    byDay.set(d, row);
  }
  daily.push(...byDay.values());

  const products = new Map<string, ProductFact & { orders: number; units: number; gross: number; discounts: number }>();
  const productRow = (d: string, pid: string) => {
    const k = `${d}|${pid}`;
    const p = products.get(k) ?? { day: d, product_id: pid, orders: 0, units: 0, gross: 0, discounts: 0 };
    products.set(k, p);
    return p;
  };
  for (const l of lines) {
    const p = productRow(day, l.product_id ?? NO_PRODUCT);
    p.orders = 1;
    p.units += l.quantity;
    p.gross += toStore(l.total, null);
    p.discounts += toStore(l.discount_total, null);
  }
  // An exchange moves its units to the replacement's product on the day it closed: they leave the returned line's
  // product with their share of its total and discount (rounded down), and join the replacement at its price, as
  // one more order of that product. The product's net moves by the exchange's difference, as the daily net does
  // (a dearer swap's charge is gross, a cheaper one's refund a return).
  const exchangedInto = new Set<string>();
  for (const x of exchanges) {
    const line = lines.find((l) => l.id === x.order_line_id);
    if (!line || line.quantity <= 0) continue;
    const d = utcDay(x.closed_at);
    const from = productRow(d, line.product_id ?? NO_PRODUCT);
    from.units -= x.quantity;
    from.gross -= toStore(Math.floor((line.total * x.quantity) / line.quantity), null);
    from.discounts -= toStore(Math.floor((line.discount_total * x.quantity) / line.quantity), null);
    const pid = x.product_id ?? NO_PRODUCT;
    const to = productRow(d, pid);
    to.units += x.quantity;
    to.gross += toStore(x.unit_price * x.quantity, null);
    if (!exchangedInto.has(`${x.return_id}|${pid}`)) to.orders += 1;
    exchangedInto.add(`${x.return_id}|${pid}`);
  }
  return { daily, products: [...products.values()] };
}
