/**
 * "Lowest price in the last 30 days" (issue 22, the EU Omnibus price-reduction rule) in a market: the variant's
 * price history (@storeloom/catalog price-history.ts, written by every price change) turned into the prices the
 * market showed — its fixed price while it had one, else the store price converted exactly as `marketPrice`
 * converts the shown price (today's rate and rounding increment) — then `lowestBeforeReduction`. The primary
 * market (id null) is the store price itself. This is the only place the storefront (pages, cards, cart, the
 * Storefront API) gets the figure from.
 */
import { effectiveSeries, lowestBeforeReduction, readPriceHistory } from '@storeloom/catalog';
import type { Kysely, TenantDatabase } from '@storeloom/db';
import { marketPrice, type PricingMarket } from './markets.ts';

/** Per variant id: the lowest price of the 30 days before its current price took effect, in the market's currency. */
export async function lowestPricesInLast30Days(
  t: Kysely<TenantDatabase>,
  variantIds: readonly string[],
  market: PricingMarket,
  now: Date = new Date(),
): Promise<Map<string, number>> {
  const ids = [...new Set(variantIds)];
  const out = new Map<string, number>();
  if (!ids.length) return out;
  const rows = await readPriceHistory(t, ids, market.id, now);
  const byVariant = new Map<string, typeof rows>();
  for (const r of rows) byVariant.set(r.variant_id, [...(byVariant.get(r.variant_id) ?? []), r]);
  const convert = market.id === null ? (p: number) => p : (p: number) => marketPrice(market, p);
  for (const [id, list] of byVariant) {
    const lowest = lowestBeforeReduction(effectiveSeries(list, convert), now);
    if (lowest !== null) out.set(id, lowest);
  }
  return out;
}

/** One variant's figure (null: no price history at all). */
export async function lowestPriceInLast30Days(
  t: Kysely<TenantDatabase>,
  variantId: string,
  market: PricingMarket,
  now: Date = new Date(),
): Promise<number | null> {
  return (await lowestPricesInLast30Days(t, [variantId], market, now)).get(variantId) ?? null;
}
