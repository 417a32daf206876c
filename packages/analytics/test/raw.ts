/**
 * The dashboard's figures computed straight from the raw tables (orders, order lines, payments, events), with no
 * aggregate involved: the tests compare the maintained aggregates with these, and the benchmark times them as the
 * "no aggregates" baseline. Store-currency amounts use the orders' store_* columns (single-currency stores: the
 * order's own amounts).
 */
import { type Kysely, sql, type TenantDatabase } from '@storeloom/db';
import { type DateRange, daysOf } from '../src/index.ts';

const PAID = sql`('paid','partially_refunded','refunded')`;
const bounds = (r: DateRange) => ({ from: new Date(`${r.from}T00:00:00Z`), to: new Date(Date.parse(`${r.to}T00:00:00Z`) + 86_400_000) });

export interface RawFigures {
  grossSales: number;
  discounts: number;
  returns: number;
  netSales: number;
  shipping: number;
  tax: number;
  totalSales: number;
  orders: number;
  units: number;
  averageOrderValue: number;
  newCustomers: number;
  returningCustomers: number;
}

/** Refunds are summed in the order's own currency: exact for same-currency orders (what the tests compare by range). */
export async function rawSummary(t: Kysely<TenantDatabase>, r: DateRange): Promise<RawFigures> {
  const { from, to } = bounds(r);
  const s = await t
    .selectFrom('orders as o')
    .select([
      sql<number>`count(*)::bigint`.as('orders'),
      sql<number>`coalesce(sum(coalesce(o.store_subtotal, o.subtotal)), 0)::bigint`.as('gross'),
      sql<number>`coalesce(sum(coalesce(o.store_discount_total, o.discount_total)), 0)::bigint`.as('discounts'),
      sql<number>`coalesce(sum(coalesce(o.store_shipping, o.shipping)), 0)::bigint`.as('shipping'),
      sql<number>`coalesce(sum(coalesce(o.store_tax, o.tax)), 0)::bigint`.as('tax'),
      sql<number>`coalesce(sum(coalesce(o.store_total, o.total)), 0)::bigint`.as('total'),
      (eb) =>
        eb.fn
          .count<number>(
            sql`case when ${eb.exists(
              eb
                .selectFrom('orders as p')
                .select('p.id')
                .whereRef('p.email', '=', 'o.email')
                .where('p.paid_at', 'is not', null)
                .where(sql<boolean>`p.payment_status in ${PAID}`)
                .where(sql<boolean>`(p.paid_at < o.paid_at or (p.paid_at = o.paid_at and p.id < o.id))`),
            )} then 1 end`,
          )
          .as('returning'),
    ])
    .where('o.paid_at', '>=', from)
    .where('o.paid_at', '<', to)
    .where(sql<boolean>`o.payment_status in ${PAID}`)
    .executeTakeFirstOrThrow();
  const u = await t
    .selectFrom('order_lines as l')
    .innerJoin('orders as o', 'o.id', 'l.order_id')
    .select(sql<number>`coalesce(sum(l.quantity), 0)::bigint`.as('units'))
    .where('o.paid_at', '>=', from)
    .where('o.paid_at', '<', to)
    .where(sql<boolean>`o.payment_status in ${PAID}`)
    .executeTakeFirstOrThrow();
  const ref = await t
    .selectFrom('payments as p')
    .select(sql<number>`coalesce(sum(p.amount), 0)::bigint`.as('refunds'))
    .where('p.kind', '=', 'refund')
    .where('p.status', '=', 'succeeded')
    .where('p.created_at', '>=', from)
    .where('p.created_at', '<', to)
    .executeTakeFirstOrThrow();
  // Exchange price differences paid in the range (same-currency orders: the amount is the store amount): their tax
  // is tax, the rest gross sales.
  const exch = await t
    .selectFrom('payments as p')
    .select([sql<number>`coalesce(sum(p.amount), 0)::bigint`.as('charges'), sql<number>`coalesce(sum(p.tax), 0)::bigint`.as('tax')])
    .where('p.kind', '=', 'charge')
    .where('p.reason', '=', 'exchange difference')
    .where('p.status', '=', 'succeeded')
    .where('p.created_at', '>=', from)
    .where('p.created_at', '<', to)
    .executeTakeFirstOrThrow();
  const n = (v: unknown) => Number(v);
  const orders = n(s.orders);
  const exchangeCharges = n(exch.charges);
  const gross = n(s.gross) + exchangeCharges - n(exch.tax);
  const discounts = n(s.discounts);
  const refunds = n(ref.refunds);
  return {
    grossSales: gross,
    discounts,
    returns: refunds,
    netSales: gross - discounts - refunds,
    shipping: n(s.shipping),
    tax: n(s.tax) + n(exch.tax),
    totalSales: n(s.total) + exchangeCharges - refunds,
    orders,
    units: n(u.units),
    averageOrderValue: orders ? Math.round((gross - discounts) / orders) : 0,
    newCustomers: orders - n(s.returning),
    returningCustomers: n(s.returning),
  };
}

export interface RawProductFigures {
  productId: string | null;
  orders: number;
  units: number;
  grossSales: number;
  discounts: number;
  netSales: number;
}

/**
 * Per product: the lines of the orders paid in the range, then the exchanges closed in the range (returns
 * `exchanged`): the returned units leave their line's product (units, and their share of the line's total and
 * discount, rounded down) and join the replacement's product at the replacement's price (one more order for it).
 */
async function rawProductFigures(t: Kysely<TenantDatabase>, r: DateRange): Promise<Map<string | null, RawProductFigures>> {
  const { from, to } = bounds(r);
  const rows = await t
    .selectFrom('order_lines as l')
    .innerJoin('orders as o', 'o.id', 'l.order_id')
    .select([
      'l.product_id',
      sql<number>`count(distinct l.order_id)::bigint`.as('orders'),
      sql<number>`sum(l.quantity)::bigint`.as('units'),
      sql<number>`sum(l.total)::bigint`.as('gross'),
      sql<number>`sum(l.discount_total)::bigint`.as('discounts'),
    ])
    .where('o.paid_at', '>=', from)
    .where('o.paid_at', '<', to)
    .where(sql<boolean>`o.payment_status in ${PAID}`)
    .groupBy('l.product_id')
    .execute();
  const out = new Map<string | null, RawProductFigures>();
  const at = (productId: string | null) => {
    const cur = out.get(productId) ?? { productId, orders: 0, units: 0, grossSales: 0, discounts: 0, netSales: 0 };
    out.set(productId, cur);
    return cur;
  };
  for (const x of rows) {
    const p = at(x.product_id);
    p.orders += Number(x.orders);
    p.units += Number(x.units);
    p.grossSales += Number(x.gross);
    p.discounts += Number(x.discounts);
  }
  const exchanged = await t
    .selectFrom('returns as r')
    .innerJoin('return_lines as rl', 'rl.return_id', 'r.id')
    .innerJoin('order_lines as l', 'l.id', 'rl.order_line_id')
    .innerJoin('orders as o', 'o.id', 'r.order_id')
    .leftJoin('variants as v', 'v.id', 'rl.exchange_variant_id')
    .select([
      'r.id as return_id',
      'rl.quantity',
      'rl.exchange_unit_price',
      'l.product_id as old_product',
      'l.quantity as line_quantity',
      'l.total',
      'l.discount_total',
      'v.product_id as new_product',
    ])
    .where('r.status', '=', 'exchanged')
    .where('rl.exchange_unit_price', 'is not', null)
    .where('r.closed_at', '>=', from)
    .where('r.closed_at', '<', to)
    .where('o.paid_at', 'is not', null)
    .where(sql<boolean>`o.payment_status in ${PAID}`)
    .execute();
  const counted = new Set<string>();
  for (const x of exchanged) {
    const old = at(x.old_product);
    old.units -= x.quantity;
    old.grossSales -= Math.floor((x.total * x.quantity) / x.line_quantity);
    old.discounts -= Math.floor((x.discount_total * x.quantity) / x.line_quantity);
    const next = at(x.new_product ?? null);
    next.units += x.quantity;
    next.grossSales += (x.exchange_unit_price ?? 0) * x.quantity;
    const key = `${x.return_id}|${x.new_product}`;
    if (!counted.has(key)) next.orders += 1;
    counted.add(key);
  }
  for (const p of out.values()) p.netSales = p.grossSales - p.discounts;
  return out;
}

export async function rawTopProducts(t: Kysely<TenantDatabase>, r: DateRange): Promise<RawProductFigures[]> {
  // As the report: a product whose units and sales came to nothing (all its units exchanged away) is not listed.
  return [...(await rawProductFigures(t, r)).values()]
    .filter((p) => p.units || p.grossSales)
    .sort(
      (a, b) =>
        b.netSales - a.netSales ||
        String(a.productId ?? '00000000-0000-0000-0000-000000000000').localeCompare(String(b.productId ?? '00000000-0000-0000-0000-000000000000')),
    );
}

export async function rawTopCollections(t: Kysely<TenantDatabase>, r: DateRange) {
  const products = await rawProductFigures(t, r);
  const members = await t.selectFrom('collection_products').select(['collection_id', 'product_id']).execute();
  const out = new Map<string, { collectionId: string; units: number; grossSales: number; discounts: number; netSales: number }>();
  for (const m of members) {
    const p = products.get(m.product_id);
    if (!p) continue;
    const cur = out.get(m.collection_id) ?? { collectionId: m.collection_id, units: 0, grossSales: 0, discounts: 0, netSales: 0 };
    cur.units += p.units;
    cur.grossSales += p.grossSales;
    cur.discounts += p.discounts;
    cur.netSales += p.netSales;
    out.set(m.collection_id, cur);
  }
  return [...out.values()].sort((a, b) => b.netSales - a.netSales || a.collectionId.localeCompare(b.collectionId));
}

/** Per market and presentment currency: orders and gross by payment day, refunds by refund day (presentment). */
export async function rawMarkets(t: Kysely<TenantDatabase>, r: DateRange) {
  const { from, to } = bounds(r);
  const sales = await t
    .selectFrom('orders as o')
    .select([
      sql<string>`coalesce(o.market_id::text, '')`.as('market'),
      'o.currency',
      sql<number>`count(*)::bigint`.as('orders'),
      sql<number>`sum(o.subtotal)::bigint`.as('gross'),
      sql<number>`sum(o.discount_total)::bigint`.as('discounts'),
    ])
    .where('o.paid_at', '>=', from)
    .where('o.paid_at', '<', to)
    .where(sql<boolean>`o.payment_status in ${PAID}`)
    .groupBy([sql`coalesce(o.market_id::text, '')`, 'o.currency'])
    .execute();
  const refunds = await t
    .selectFrom('payments as p')
    .innerJoin('orders as o', 'o.id', 'p.order_id')
    .select([sql<string>`coalesce(o.market_id::text, '')`.as('market'), 'o.currency', sql<number>`sum(p.amount)::bigint`.as('refunds')])
    .where('p.kind', '=', 'refund')
    .where('p.status', '=', 'succeeded')
    .where('p.created_at', '>=', from)
    .where('p.created_at', '<', to)
    .groupBy([sql`coalesce(o.market_id::text, '')`, 'o.currency'])
    .execute();
  const out = new Map<string, { marketId: string | null; currency: string; orders: number; presentmentGrossSales: number; presentmentNetSales: number }>();
  for (const s of sales)
    out.set(`${s.market}|${s.currency}`, {
      marketId: s.market || null,
      currency: s.currency,
      orders: Number(s.orders),
      presentmentGrossSales: Number(s.gross),
      presentmentNetSales: Number(s.gross) - Number(s.discounts),
    });
  const exchangeCharges = await t
    .selectFrom('payments as p')
    .innerJoin('orders as o', 'o.id', 'p.order_id')
    .select([sql<string>`coalesce(o.market_id::text, '')`.as('market'), 'o.currency', sql<number>`sum(p.amount - p.tax)::bigint`.as('charges')])
    .where('p.kind', '=', 'charge')
    .where('p.reason', '=', 'exchange difference')
    .where('p.status', '=', 'succeeded')
    .where('p.created_at', '>=', from)
    .where('p.created_at', '<', to)
    .groupBy([sql`coalesce(o.market_id::text, '')`, 'o.currency'])
    .execute();
  for (const x of exchangeCharges) {
    const k = `${x.market}|${x.currency}`;
    const cur = out.get(k) ?? { marketId: x.market || null, currency: x.currency, orders: 0, presentmentGrossSales: 0, presentmentNetSales: 0 };
    cur.presentmentGrossSales += Number(x.charges);
    cur.presentmentNetSales += Number(x.charges);
    out.set(k, cur);
  }
  for (const x of refunds) {
    const k = `${x.market}|${x.currency}`;
    const cur = out.get(k) ?? { marketId: x.market || null, currency: x.currency, orders: 0, presentmentGrossSales: 0, presentmentNetSales: 0 };
    cur.presentmentNetSales -= Number(x.refunds);
    out.set(k, cur);
  }
  return [...out.values()].sort((a, b) => `${a.marketId}|${a.currency}`.localeCompare(`${b.marketId}|${b.currency}`));
}

/** Funnel: per UTC day distinct shoppers (as the aggregates count them), summed over the range. */
export async function rawFunnel(t: Kysely<TenantDatabase>, r: DateRange) {
  const { from, to } = bounds(r);
  const actor = sql`coalesce(session_id, customer_id)`;
  const day = sql`date_trunc('day', occurred_at at time zone 'UTC')`;
  const ev = await t
    .selectFrom('reco_events')
    .select([
      day.as('d'),
      sql<number>`count(distinct ${actor}) filter (where kind <> 'purchase')`.as('sessions'),
      sql<number>`count(distinct ${actor}) filter (where kind = 'view')`.as('views'),
      sql<number>`count(distinct ${actor}) filter (where kind = 'add_to_cart')`.as('carts'),
    ])
    .where('occurred_at', '>=', from)
    .where('occurred_at', '<', to)
    .groupBy(day)
    .execute();
  const placed = await t
    .selectFrom('orders')
    .select(sql<number>`count(*)::bigint`.as('n'))
    .where('created_at', '>=', from)
    .where('created_at', '<', to)
    .executeTakeFirstOrThrow();
  const paid = await t
    .selectFrom('orders')
    .select(sql<number>`count(*)::bigint`.as('n'))
    .where('paid_at', '>=', from)
    .where('paid_at', '<', to)
    .where(sql<boolean>`payment_status in ${PAID}`)
    .executeTakeFirstOrThrow();
  const sum = (k: 'sessions' | 'views' | 'carts') => ev.reduce((n, x) => n + Number(x[k]), 0);
  return { sessions: sum('sessions'), productViews: sum('views'), addToCart: sum('carts'), checkouts: Number(placed.n), orders: Number(paid.n) };
}

/** Daily net sales straight from the raw tables (same-currency stores). */
export async function rawDailyNet(t: Kysely<TenantDatabase>, r: DateRange): Promise<Map<string, number>> {
  const out = new Map(daysOf(r).map((d) => [d, 0]));
  for (const d of daysOf(r)) out.set(d, (await rawSummary(t, { from: d, to: d })).netSales);
  return out;
}
