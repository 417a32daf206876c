/**
 * The dashboard's figures for a date range (UTC days, both ends included) and the period of the same length right
 * before it, read from the daily aggregates only (never from orders): at most one row per day, currency and market
 * for the totals, one per day and product for the top lists.
 */
import { type Kysely, sql, type TenantDatabase } from '@storeloom/db';
import { AppError, ErrorCode } from '@storeloom/errors';
import { NO_PRODUCT } from './facts.ts';

export const MAX_RANGE_DAYS = 732;
const DAY_MS = 86_400_000;
const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

export interface DateRange {
  from: string;
  to: string;
}

export interface SalesSummary {
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
export interface DailySales {
  day: string;
  grossSales: number;
  discounts: number;
  returns: number;
  netSales: number;
  shipping: number;
  tax: number;
  totalSales: number;
  orders: number;
  units: number;
}
export interface Funnel {
  sessions: number;
  productViews: number;
  addToCart: number;
  checkouts: number;
  orders: number;
}
export interface ProductSales {
  productId: string | null;
  title: string;
  orders: number;
  units: number;
  grossSales: number;
  discounts: number;
  netSales: number;
}
export interface CollectionSales {
  collectionId: string;
  title: string;
  units: number;
  grossSales: number;
  discounts: number;
  netSales: number;
}
export interface MarketSales {
  marketId: string | null;
  market: string;
  currency: string;
  orders: number;
  presentmentGrossSales: number;
  presentmentNetSales: number;
  netSales: number;
}
export interface SalesReport {
  range: DateRange;
  previousRange: DateRange | null;
  currency: string;
  summary: SalesSummary;
  previous: SalesSummary | null;
  daily: DailySales[];
  previousDaily: DailySales[] | null;
  funnel: Funnel;
  previousFunnel: Funnel | null;
  topProducts: ProductSales[];
  topCollections: CollectionSales[];
  markets: MarketSales[];
  /** Orders changed since the worker's last pass (their changes are not in the figures yet). */
  pendingOrders: number;
}

const invalid = (message: string, path: string) => new AppError(ErrorCode.ValidationFailed, message, { details: [{ path, message }] });

export function parseRange(from: string, to: string): DateRange {
  for (const [name, v] of [
    ['from', from],
    ['to', to],
  ] as const)
    if (!DAY_RE.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`)) || new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) !== v)
      throw invalid(`${name}: a date YYYY-MM-DD`, name);
  const days = rangeDays({ from, to });
  if (days < 1) throw invalid('to: on or after from', 'to');
  if (days > MAX_RANGE_DAYS) throw invalid(`to: at most ${MAX_RANGE_DAYS} days after from`, 'to');
  return { from, to };
}

export const rangeDays = (r: DateRange) => Math.round((Date.parse(`${r.to}T00:00:00Z`) - Date.parse(`${r.from}T00:00:00Z`)) / DAY_MS) + 1;
const shift = (day: string, days: number) => new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

/** The period of the same length ending the day before `r` starts. */
export function previousRange(r: DateRange): DateRange {
  const n = rangeDays(r);
  return { from: shift(r.from, -n), to: shift(r.from, -1) };
}

export function daysOf(r: DateRange): string[] {
  const out: string[] = [];
  for (let d = r.from; d <= r.to; d = shift(d, 1)) out.push(d);
  return out;
}

const dayText = sql<string>`to_char(day, 'YYYY-MM-DD')`;

type Sums = {
  orders: number;
  units: number;
  gross: number;
  discounts: number;
  refunds: number;
  shipping: number;
  tax: number;
  total: number;
  new_customers: number;
  returning_customers: number;
};
const SUM_COLS = ['orders', 'units', 'gross', 'discounts', 'refunds', 'shipping', 'tax', 'total', 'new_customers', 'returning_customers'] as const;

function toDaily(day: string, s: Sums): DailySales {
  return {
    day,
    grossSales: s.gross,
    discounts: s.discounts,
    returns: s.refunds,
    netSales: s.gross - s.discounts - s.refunds,
    shipping: s.shipping,
    tax: s.tax,
    totalSales: s.total - s.refunds,
    orders: s.orders,
    units: s.units,
  };
}

function toSummary(s: Sums): SalesSummary {
  return {
    grossSales: s.gross,
    discounts: s.discounts,
    returns: s.refunds,
    netSales: s.gross - s.discounts - s.refunds,
    shipping: s.shipping,
    tax: s.tax,
    totalSales: s.total - s.refunds,
    orders: s.orders,
    units: s.units,
    // Shopify's definition: (gross sales − discounts) / orders, rounded to the minor unit.
    averageOrderValue: s.orders ? Math.round((s.gross - s.discounts) / s.orders) : 0,
    newCustomers: s.new_customers,
    returningCustomers: s.returning_customers,
  };
}

const zero = (): Sums => ({ orders: 0, units: 0, gross: 0, discounts: 0, refunds: 0, shipping: 0, tax: 0, total: 0, new_customers: 0, returning_customers: 0 });

async function dailySums(t: Kysely<TenantDatabase>, r: DateRange): Promise<Map<string, Sums>> {
  const rows = await t
    .selectFrom('analytics_daily')
    .select(dayText.as('d'))
    .select(SUM_COLS.map((c) => sql<number>`sum(${sql.ref(c)})::bigint`.as(c)))
    .where('day', '>=', r.from)
    .where('day', '<=', r.to)
    .groupBy('day')
    .execute();
  return new Map(rows.map((row) => [row.d, Object.fromEntries(SUM_COLS.map((c) => [c, Number(row[c])])) as Sums]));
}

async function funnelOf(t: Kysely<TenantDatabase>, r: DateRange): Promise<Funnel> {
  const f = await t
    .selectFrom('analytics_funnel_daily')
    .select([
      sql<number>`coalesce(sum(sessions), 0)::bigint`.as('sessions'),
      sql<number>`coalesce(sum(product_views), 0)::bigint`.as('views'),
      sql<number>`coalesce(sum(add_to_cart), 0)::bigint`.as('carts'),
      sql<number>`coalesce(sum(checkouts), 0)::bigint`.as('checkouts'),
      sql<number>`coalesce(sum(orders), 0)::bigint`.as('orders'),
    ])
    .where('day', '>=', r.from)
    .where('day', '<=', r.to)
    .executeTakeFirstOrThrow();
  return { sessions: Number(f.sessions), productViews: Number(f.views), addToCart: Number(f.carts), checkouts: Number(f.checkouts), orders: Number(f.orders) };
}

function series(r: DateRange, sums: Map<string, Sums>) {
  const total = zero();
  const daily = daysOf(r).map((d) => {
    const s = sums.get(d) ?? zero();
    for (const c of SUM_COLS) total[c] += s[c];
    return toDaily(d, s);
  });
  return { daily, summary: toSummary(total) };
}

export async function topProducts(t: Kysely<TenantDatabase>, r: DateRange, limit: number): Promise<ProductSales[]> {
  const rows = await t
    .selectFrom('analytics_product_daily as a')
    .leftJoin('products as p', 'p.id', 'a.product_id')
    .select([
      'a.product_id',
      sql<string | null>`max(p.title)`.as('title'),
      sql<number>`sum(a.orders)::bigint`.as('orders'),
      sql<number>`sum(a.units)::bigint`.as('units'),
      sql<number>`sum(a.gross)::bigint`.as('gross'),
      sql<number>`sum(a.discounts)::bigint`.as('discounts'),
    ])
    .where('a.day', '>=', r.from)
    .where('a.day', '<=', r.to)
    .groupBy('a.product_id')
    .orderBy(sql`sum(a.gross) - sum(a.discounts)`, 'desc')
    .orderBy('a.product_id')
    .limit(limit)
    .execute();
  return rows
    .map((x) => ({
      productId: x.product_id === NO_PRODUCT ? null : x.product_id,
      title: x.title ?? 'Deleted product',
      orders: Number(x.orders),
      units: Number(x.units),
      grossSales: Number(x.gross),
      discounts: Number(x.discounts),
      netSales: Number(x.gross) - Number(x.discounts),
    }))
    .filter((x) => x.units || x.grossSales);
}

/** By the collections products are in now. */
export async function topCollections(t: Kysely<TenantDatabase>, r: DateRange, limit: number): Promise<CollectionSales[]> {
  const rows = await t
    .selectFrom('analytics_product_daily as a')
    .innerJoin('collection_products as cp', 'cp.product_id', 'a.product_id')
    .innerJoin('collections as c', 'c.id', 'cp.collection_id')
    .select([
      'c.id',
      sql<string>`max(c.title)`.as('title'),
      sql<number>`sum(a.units)::bigint`.as('units'),
      sql<number>`sum(a.gross)::bigint`.as('gross'),
      sql<number>`sum(a.discounts)::bigint`.as('discounts'),
    ])
    .where('a.day', '>=', r.from)
    .where('a.day', '<=', r.to)
    .groupBy('c.id')
    .orderBy(sql`sum(a.gross) - sum(a.discounts)`, 'desc')
    .orderBy('c.id')
    .limit(limit)
    .execute();
  return rows.map((x) => ({
    collectionId: x.id,
    title: x.title,
    units: Number(x.units),
    grossSales: Number(x.gross),
    discounts: Number(x.discounts),
    netSales: Number(x.gross) - Number(x.discounts),
  }));
}

export async function marketSales(t: Kysely<TenantDatabase>, r: DateRange): Promise<MarketSales[]> {
  const rows = await t
    .selectFrom('analytics_daily as a')
    .leftJoin('markets as m', (j) => j.on(sql`m.id::text`, '=', sql.ref('a.market_id')))
    .select([
      'a.market_id',
      'a.currency',
      sql<string | null>`max(m.name)`.as('name'),
      sql<number>`sum(a.orders)::bigint`.as('orders'),
      sql<number>`sum(a.presentment_gross)::bigint`.as('pgross'),
      sql<number>`sum(a.presentment_gross - a.presentment_discounts - a.presentment_refunds)::bigint`.as('pnet'),
      sql<number>`sum(a.gross - a.discounts - a.refunds)::bigint`.as('net'),
    ])
    .where('a.day', '>=', r.from)
    .where('a.day', '<=', r.to)
    .groupBy(['a.market_id', 'a.currency'])
    .orderBy(sql`sum(a.gross - a.discounts - a.refunds)`, 'desc')
    .orderBy('a.currency')
    .execute();
  return rows.map((x) => ({
    marketId: x.market_id || null,
    market: x.market_id ? (x.name ?? 'Deleted market') : 'Primary',
    currency: x.currency,
    orders: Number(x.orders),
    presentmentGrossSales: Number(x.pgross),
    presentmentNetSales: Number(x.pnet),
    netSales: Number(x.net),
  }));
}

export async function salesReport(
  t: Kysely<TenantDatabase>,
  opts: { range: DateRange; compare: boolean; currency: string; top?: number },
): Promise<SalesReport> {
  const r = opts.range;
  const prev = opts.compare ? previousRange(r) : null;
  const top = opts.top ?? 10;
  const [cur, before, funnel, previousFunnel, products, collections, markets, pending] = await Promise.all([
    dailySums(t, r),
    prev ? dailySums(t, prev) : Promise.resolve(null),
    funnelOf(t, r),
    prev ? funnelOf(t, prev) : Promise.resolve(null),
    topProducts(t, r, top),
    topCollections(t, r, top),
    marketSales(t, r),
    t.selectFrom('analytics_pending').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow(),
  ]);
  const now = series(r, cur);
  const then = prev && before ? series(prev, before) : null;
  return {
    range: r,
    previousRange: prev,
    currency: opts.currency,
    summary: now.summary,
    previous: then?.summary ?? null,
    daily: now.daily,
    previousDaily: then?.daily ?? null,
    funnel,
    previousFunnel,
    topProducts: products,
    topCollections: collections,
    markets,
    pendingOrders: Number(pending.n),
  };
}

export const EXPORT_REPORTS = ['daily', 'products', 'collections', 'markets'] as const;
export type ExportReport = (typeof EXPORT_REPORTS)[number];

/** RFC 4180 field; a leading = + - @ is prefixed with ' so a spreadsheet does not run it as a formula. */
function csvField(v: string | number | null): string {
  if (v === null) return '';
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
const csv = (rows: (string | number | null)[][]) => `${rows.map((r) => r.map(csvField).join(',')).join('\r\n')}\r\n`;

/** One report as CSV; amounts as decimal strings of the currency given by `decimal`. */
export async function exportCsv(
  t: Kysely<TenantDatabase>,
  report: ExportReport,
  r: DateRange,
  decimal: (minor: number, currency?: string) => string,
  storeCurrency: string,
): Promise<string> {
  if (report === 'daily') {
    const { daily } = series(r, await dailySums(t, r));
    return csv([
      ['day', 'currency', 'orders', 'units', 'gross_sales', 'discounts', 'returns', 'net_sales', 'shipping', 'tax', 'total_sales'],
      ...daily.map((d) => [
        d.day,
        storeCurrency,
        d.orders,
        d.units,
        decimal(d.grossSales),
        decimal(d.discounts),
        decimal(d.returns),
        decimal(d.netSales),
        decimal(d.shipping),
        decimal(d.tax),
        decimal(d.totalSales),
      ]),
    ]);
  }
  if (report === 'products') {
    const rows = await topProducts(t, r, 100_000);
    return csv([
      ['product_id', 'title', 'currency', 'orders', 'units', 'gross_sales', 'discounts', 'net_sales'],
      ...rows.map((p) => [p.productId, p.title, storeCurrency, p.orders, p.units, decimal(p.grossSales), decimal(p.discounts), decimal(p.netSales)]),
    ]);
  }
  if (report === 'collections') {
    const rows = await topCollections(t, r, 100_000);
    return csv([
      ['collection_id', 'title', 'currency', 'units', 'gross_sales', 'discounts', 'net_sales'],
      ...rows.map((c) => [c.collectionId, c.title, storeCurrency, c.units, decimal(c.grossSales), decimal(c.discounts), decimal(c.netSales)]),
    ]);
  }
  const rows = await marketSales(t, r);
  return csv([
    ['market_id', 'market', 'currency', 'orders', 'gross_sales', 'net_sales', 'store_currency', 'store_net_sales'],
    ...rows.map((m) => [
      m.marketId,
      m.market,
      m.currency,
      m.orders,
      decimal(m.presentmentGrossSales, m.currency),
      decimal(m.presentmentNetSales, m.currency),
      storeCurrency,
      decimal(m.netSales),
    ]),
  ]);
}
