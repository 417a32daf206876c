/**
 * Variant price history (issue 22, the EU price-reduction rule of the Omnibus directive, Directive 2019/2161
 * art. 6a of 98/6/EC): every price a variant takes is written here, in the transaction that changes it, through
 * `recordPriceChanges` and nothing else. The callers: ProductService create/update (API, console, CSV/Shopify
 * import), `updateVariantPrice` (dynamic pricing apply, approve and rollback), MarketService.setPrice and a
 * market's currency change (fixed prices). A row repeats nothing: a price equal to the series' latest is skipped.
 *
 * `lowestBeforeReduction` is the rule itself (pure); `lowestPricesInLast30Days` in @storeloom/commerce applies it
 * to a market (conversion or fixed prices) and is what the storefront calls.
 */
import { type Kysely, newId, type PriceHistorySource, type TenantDatabase, type Transaction } from '@storeloom/db';

export type { PriceHistorySource };

export interface PriceHistoryEntry {
  variantId: string;
  /** null/absent: the store-currency price; else the market's fixed price (null price = fixed price removed). */
  marketId?: string | null;
  price: number | null;
}

type Db = Kysely<TenantDatabase> | Transaction<TenantDatabase>;

/**
 * The one writer of variant_price_history. Call it inside the transaction that changed the prices, with the prices
 * as they now are; entries equal to their series' latest row are skipped (so callers may pass every variant they
 * touched). `at` is for tests and data loads; it defaults to the database clock.
 */
export async function recordPriceChanges(t: Db, entries: readonly PriceHistoryEntry[], source: PriceHistorySource, at?: Date): Promise<number> {
  if (!entries.length) return 0;
  const ids = [...new Set(entries.map((e) => e.variantId))];
  const latest = await t
    .selectFrom('variant_price_history')
    .select(['variant_id', 'market_id', 'price'])
    .distinctOn(['variant_id', 'market_id'])
    .where('variant_id', 'in', ids)
    .orderBy('variant_id')
    .orderBy('market_id')
    .orderBy('changed_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  const key = (variantId: string, marketId: string | null | undefined) => `${variantId}|${marketId ?? ''}`;
  const last = new Map(latest.map((r) => [key(r.variant_id, r.market_id), r.price]));
  const rows: { id: string; variant_id: string; market_id: string | null; price: number | null; source: PriceHistorySource; changed_at?: Date }[] = [];
  for (const e of entries) {
    const k = key(e.variantId, e.marketId);
    // A removed fixed price with no fixed price before it changes nothing.
    const before = last.has(k) ? last.get(k) : e.marketId ? null : undefined;
    if (before === e.price) continue;
    last.set(k, e.price);
    rows.push({ id: newId(), variant_id: e.variantId, market_id: e.marketId ?? null, price: e.price, source, ...(at ? { changed_at: at } : {}) });
  }
  if (!rows.length) return 0;
  // Rows written in one statement share the transaction's clock: order them by id (newId is time-ordered).
  await t.insertInto('variant_price_history').values(rows).execute();
  return rows.length;
}

export interface PricePoint {
  at: Date;
  price: number;
}

export interface HistoryRow {
  variant_id: string;
  market_id: string | null;
  price: number | null;
  changed_at: Date;
}

const DAY_MS = 86_400_000;
export const LOWEST_PRICE_WINDOW_DAYS = 30;

/**
 * The history rows of `variantIds` in the store currency and (when given) one market that can matter at `now`:
 * every row of the last 2 × 30 days and, per series, the latest row before that.
 */
export async function readPriceHistory(t: Db, variantIds: readonly string[], marketId: string | null, now: Date): Promise<HistoryRow[]> {
  if (!variantIds.length) return [];
  const since = new Date(now.getTime() - 2 * LOWEST_PRICE_WINDOW_DAYS * DAY_MS);
  const series = (q: any) =>
    marketId ? q.where((eb: any) => eb.or([eb('market_id', 'is', null), eb('market_id', '=', marketId)])) : q.where('market_id', 'is', null);
  const recent = await series(
    t
      .selectFrom('variant_price_history')
      .select(['variant_id', 'market_id', 'price', 'changed_at'])
      .where('variant_id', 'in', variantIds)
      .where('changed_at', '>', since)
      .where('changed_at', '<=', now),
  )
    .orderBy('changed_at')
    .orderBy('id')
    .execute();
  const before = await series(
    t
      .selectFrom('variant_price_history')
      .select(['variant_id', 'market_id', 'price', 'changed_at'])
      .distinctOn(['variant_id', 'market_id'])
      .where('variant_id', 'in', variantIds)
      .where('changed_at', '<=', since),
  )
    .orderBy('variant_id')
    .orderBy('market_id')
    .orderBy('changed_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  return [...before, ...recent] as HistoryRow[];
}

/**
 * The effective price series of one variant in one market: at each change of either the store price or the market's
 * fixed price, the fixed price when there is one, else `convert(store price)`. Rows must be in time order.
 */
export function effectiveSeries(rows: readonly HistoryRow[], convert: (storePrice: number) => number): PricePoint[] {
  const sorted = [...rows].sort((a, b) => a.changed_at.getTime() - b.changed_at.getTime());
  let base: number | null = null;
  let fixed: number | null = null;
  const out: PricePoint[] = [];
  for (const r of sorted) {
    if (r.market_id === null) base = r.price;
    else fixed = r.price;
    const price = fixed ?? (base === null ? null : convert(base));
    if (price === null) continue;
    const prev = out.at(-1);
    if (prev && prev.at.getTime() === r.changed_at.getTime()) prev.price = price;
    else out.push({ at: r.changed_at, price });
  }
  return out;
}

/**
 * The EU rule: the lowest price applied in the 30 days before the current price took effect (the reduction).
 * - The current price is the series' last; its run starts at the first of the equal prices that end the series.
 * - Every earlier price in effect at any instant of [start − 30 days, start) counts: a price replaced exactly at
 *   start − 30 days does not, one replaced a millisecond later does (the window is 30 × 24 h, not calendar days).
 * - A variant with less history counts all of it (a new product: the lowest over its existence); with no earlier
 *   price at all, or a current price already in effect for 30 days or more by `now`, the current price is the
 *   lowest of the last 30 days and is returned.
 * Returns null for an empty series.
 */
export function lowestBeforeReduction(series: readonly PricePoint[], now: Date, days = LOWEST_PRICE_WINDOW_DAYS): number | null {
  const points = series.filter((p) => p.at.getTime() <= now.getTime());
  if (!points.length) return null;
  let start = points.length - 1;
  const current = (points[start] as PricePoint).price;
  while (start > 0 && (points[start - 1] as PricePoint).price === current) start--;
  const reducedAt = (points[start] as PricePoint).at.getTime();
  const windowMs = days * DAY_MS;
  if (reducedAt <= now.getTime() - windowMs) return current;
  const from = reducedAt - windowMs;
  let lowest: number | null = null;
  for (let i = 0; i < start; i++) {
    const until = (points[i + 1] as PricePoint).at.getTime();
    if (until <= from) continue;
    const p = (points[i] as PricePoint).price;
    if (lowest === null || p < lowest) lowest = p;
  }
  return lowest ?? current;
}
