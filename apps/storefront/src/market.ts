/**
 * The market of a storefront request and the catalogue's prices in it. The market follows the shopper's country:
 * the country selector (a cookie), else a locale prefix with a region (`/de-de/…`), else the region of the
 * browser's Accept-Language, else the store's own country. Never an IP lookup. Catalogue prices are converted
 * with the market's rate and rounding increment, or its fixed price per variant, exactly as the cart prices them
 * (packages/commerce markets.ts), so the product page shows what the cart will charge.
 */
import { isIsoCountry, lowestPricesInLast30Days, marketAmount, marketPrice, type PricingMarket, type StorefrontSettings } from '@storeloom/commerce';
import type { Kysely, TenantDatabase } from '@storeloom/db';
import { toDecimalString } from '@storeloom/money';
import { mapPageCards, pageCards } from './page-cards.ts';
import type { Card, PageData, ProductData, VariantData } from './ui/types.ts';

export const COUNTRY_COOKIE = 'sf_country';

/** A valid ISO 3166-1 alpha-2 code in upper case, or null. */
export function countryCode(v: string | null | undefined): string | null {
  const c = v?.trim().toUpperCase() ?? '';
  return /^[A-Z]{2}$/.test(c) && isIsoCountry(c) ? c : null;
}

/** The shopper's country, in the order of the module comment. */
export function shopperCountry(o: {
  cookie?: string | undefined;
  prefixCountry: string | null;
  acceptCountry: string | null;
  storeCountry: string | null;
}): string | null {
  return countryCode(o.cookie) ?? countryCode(o.prefixCountry) ?? countryCode(o.acceptCountry) ?? countryCode(o.storeCountry);
}

/** `country` when one of the store's markets sells there, else null. */
export function marketCountry(settings: { markets?: readonly PricingMarket[] | undefined }, country: string | null): string | null {
  return country && settings.markets?.some((m) => m.countries.includes(country)) ? country : null;
}

/**
 * The language a shopper moves to when picking a country: a market speaks its `languages` (those the store offers,
 * in the market's order). When the current language is not among them the first one is taken, as on Shopify; a
 * market without languages (or none the store offers) keeps the shopper's language (null = no change).
 */
export function marketLanguage<L extends string>(market: Pick<PricingMarket, 'languages'>, offered: readonly L[], current: L): L | null {
  const spoken = spokenIn(market, offered);
  if (!spoken.length || spoken.includes(current)) return null;
  return spoken[0] as L;
}

/** The store languages a market speaks (its `languages` matched to the offered ones, regional tags by language). */
function spokenIn<L extends string>(market: Pick<PricingMarket, 'languages'>, offered: readonly L[]): L[] {
  const fit = (tag: string): L | undefined =>
    offered.find((l) => l.toLowerCase() === tag.toLowerCase()) ?? offered.find((l) => l.toLowerCase().split('-')[0] === tag.toLowerCase().split('-')[0]);
  return market.languages.map(fit).filter((l): l is L => l !== undefined);
}

/** Whether `lang` is one of the languages the market speaks (the primary market names none). */
export function marketSpeaks<L extends string>(market: Pick<PricingMarket, 'languages'>, offered: readonly L[], lang: L): boolean {
  return spokenIn(market, offered).includes(lang);
}

/** The countries a shopper can pick: the store's own and every market's, each once, sorted by their name in `locale`. */
type SelectableCountry = { code: string; name: string; currency: string };

/**
 * Country lists already built, by the store's markets (the array its cached settings hold: new settings, new
 * array, so nothing goes stale) and then by store country and locale. Naming and sorting the countries
 * (`Intl.DisplayNames`, a locale-aware sort) cost about as much as the rest of rendering a page; the list only
 * changes with the settings. Callers copy the entries before changing them.
 */
const countryLists = new WeakMap<readonly PricingMarket[], Map<string, readonly SelectableCountry[]>>();

export function selectableCountries(markets: readonly PricingMarket[], storeCountry: string | null, locale: string): readonly SelectableCountry[] {
  let byKey = countryLists.get(markets);
  if (!byKey) {
    byKey = new Map();
    countryLists.set(markets, byKey);
  }
  const key = `${storeCountry ?? ''}|${locale}`;
  let list = byKey.get(key);
  if (!list) {
    list = Object.freeze(buildCountryList(markets, storeCountry, locale));
    byKey.set(key, list);
  }
  return list;
}

function buildCountryList(markets: readonly PricingMarket[], storeCountry: string | null, locale: string): SelectableCountry[] {
  const byCode = new Map<string, string>();
  for (const m of markets) for (const c of m.countries) byCode.set(c, m.currency);
  const names = new Intl.DisplayNames([locale], { type: 'region' });
  const out = [...byCode].map(([code, currency]) => ({ code, currency, name: names.of(code) ?? code }));
  if (storeCountry && !byCode.has(storeCountry)) out.push({ code: storeCountry, currency: '', name: names.of(storeCountry) ?? storeCountry });
  return out.sort((a, b) => a.name.localeCompare(b.name, locale));
}

interface VariantPrice {
  id: string;
  product_id: string;
  price: number;
  compare_at_price: number | null;
  position: number;
  fixed: number | null;
}

/**
 * The page's catalogue prices in `market` (cards, product variants, related and add-on cards, the free-shipping
 * threshold). The primary market is the store's own prices: the data comes back unchanged and nothing is read.
 */
export async function pageInMarket(t: Kysely<TenantDatabase>, market: PricingMarket, data: PageData): Promise<PageData> {
  if (market.id === null) return data;
  const cards = pageCards(data);
  if (!cards.length && data.page !== 'product' && data.page !== 'cart') return data;
  const productIds = [...new Set([...cards.map((c) => c.id), ...(data.page === 'product' ? [data.product.id] : [])])];
  const rows: VariantPrice[] = productIds.length
    ? await t
        .selectFrom('variants as v')
        .leftJoin('market_prices as mp', (j) => j.onRef('mp.variant_id', '=', 'v.id').on('mp.market_id', '=', market.id as string))
        .select(['v.id', 'v.product_id', 'v.price', 'v.compare_at_price', 'v.position', 'mp.price as fixed'])
        .where('v.product_id', 'in', productIds)
        .execute()
    : [];
  const priceOf = (v: VariantPrice) => marketPrice(market, v.price, v.fixed);
  const compareOf = (v: VariantPrice) => (v.compare_at_price === null ? null : marketPrice(market, v.compare_at_price));
  const byVariant = new Map(rows.map((v) => [v.id, v]));
  const byProduct = new Map<string, VariantPrice[]>();
  for (const v of rows) byProduct.set(v.product_id, [...(byProduct.get(v.product_id) ?? []), v]);
  // A card shows the product's lowest price in this market and that variant's compare-at price (as catalog.ts does in store prices).
  const card = (c: Card): Card => {
    const vs = byProduct.get(c.id);
    if (!vs?.length)
      return { ...c, price: marketPrice(market, c.price), compareAtPrice: c.compareAtPrice === null ? null : marketPrice(market, c.compareAtPrice) };
    const cheapest = [...vs].sort((a, b) => priceOf(a) - priceOf(b) || a.position - b.position)[0] as VariantPrice;
    return { ...c, price: priceOf(cheapest), compareAtPrice: compareOf(cheapest) };
  };
  const variant = (v: VariantData): VariantData => {
    const row = byVariant.get(v.id);
    return row
      ? { ...v, price: priceOf(row), compareAtPrice: compareOf(row) }
      : { ...v, price: marketPrice(market, v.price), compareAtPrice: v.compareAtPrice === null ? null : marketPrice(market, v.compareAtPrice) };
  };
  const priced = mapPageCards(data, card);
  if (priced.page === 'product') return { ...priced, product: { ...priced.product, variants: priced.product.variants.map(variant) } };
  if (priced.page === 'cart') return { ...priced, freeOver: priced.freeOver === null ? null : marketAmount(market, priced.freeOver) };
  return priced;
}

/** A product page's JSON-LD offers in the market's prices and currency (matched by the variant in each offer's URL). */
export function offersInMarket(jsonLd: unknown[] | undefined, data: PageData, currency: string): unknown[] | undefined {
  if (!jsonLd || data.page !== 'product') return jsonLd;
  const prices = new Map(data.product.variants.map((v) => [v.id, v.price]));
  return jsonLd.map((item) => {
    const product = item as { '@type'?: string; offers?: { url?: string; price?: string; priceCurrency?: string }[] };
    if (product['@type'] !== 'Product' || !Array.isArray(product.offers)) return item;
    return {
      ...product,
      offers: product.offers.map((o) => {
        const id = o.url ? new URL(o.url).searchParams.get('variant') : null;
        const price = id ? prices.get(id) : undefined;
        return price === undefined ? o : { ...o, price: toDecimalString(price, currency), priceCurrency: currency };
      }),
    };
  });
}

/**
 * The EU price-reduction rule (issue 22): wherever the page shows a reduced price against a previous one (a card's,
 * a product variant's or a cart line's compare-at price above its price, in the market's prices), the lowest price
 * of the 30 days before the reduction (`lowestPricesInLast30Days`, @storeloom/commerce) goes with it. Nothing is
 * read when the page shows no reduction. Run after `pageInMarket` (it reads the market's prices as shown).
 */
export async function withLowestPrices(t: Kysely<TenantDatabase>, market: PricingMarket, data: PageData): Promise<PageData> {
  const reduced = (x: { price: number; compareAtPrice: number | null }) => x.compareAtPrice !== null && x.compareAtPrice > x.price;
  const cards = pageCards(data);
  const saleCards = cards.filter(reduced);
  const variantIds = new Set<string>();
  if (data.page === 'product') for (const v of data.product.variants) if (reduced(v)) variantIds.add(v.id);
  // A card shows its product's cheapest variant in the market (pageInMarket's and catalog.ts's rule): find it.
  // The primary market has no fixed prices (the nil id joins none).
  const cardVariant = new Map<string, string>();
  if (saleCards.length) {
    const rows: VariantPrice[] = await t
      .selectFrom('variants as v')
      .leftJoin('market_prices as mp', (j) =>
        j.onRef('mp.variant_id', '=', 'v.id').on('mp.market_id', '=', market.id ?? '00000000-0000-0000-0000-000000000000'),
      )
      .select(['v.id', 'v.product_id', 'v.price', 'v.compare_at_price', 'v.position', 'mp.price as fixed'])
      .where('v.product_id', 'in', [...new Set(saleCards.map((c) => c.id))])
      .execute();
    const priceOf = (v: VariantPrice) => (market.id === null ? v.price : marketPrice(market, v.price, v.fixed));
    const sorted = [...rows].sort((a, b) => priceOf(a) - priceOf(b) || a.position - b.position);
    for (const v of sorted) if (!cardVariant.has(v.product_id)) cardVariant.set(v.product_id, v.id);
    for (const id of cardVariant.values()) variantIds.add(id);
  }
  // Cart lines: the variant's compare-at price in the market beside the line's unit price.
  let lineCompare = new Map<string, number | null>();
  if (data.page === 'cart' && data.lines.length) {
    const rows = await t
      .selectFrom('variants')
      .select(['id', 'compare_at_price'])
      .where(
        'id',
        'in',
        data.lines.map((l) => l.variantId),
      )
      .execute();
    lineCompare = new Map(
      rows.map((r) => [r.id, r.compare_at_price === null ? null : market.id === null ? r.compare_at_price : marketPrice(market, r.compare_at_price)]),
    );
    for (const l of data.lines) {
      const compare = lineCompare.get(l.variantId) ?? null;
      if (compare !== null && compare > l.unitPrice) variantIds.add(l.variantId);
    }
  }
  if (!variantIds.size) return data;
  const lowest = await lowestPricesInLast30Days(t, [...variantIds], market);
  const card = (c: Card): Card => {
    const id = reduced(c) ? cardVariant.get(c.id) : undefined;
    return id && lowest.has(id) ? { ...c, lowestPrice30: lowest.get(id) as number } : c;
  };
  const withCards = mapPageCards(data, card);
  if (withCards.page === 'product')
    return {
      ...withCards,
      product: {
        ...withCards.product,
        variants: withCards.product.variants.map((v) => (reduced(v) && lowest.has(v.id) ? { ...v, lowestPrice30: lowest.get(v.id) as number } : v)),
      },
    };
  if (withCards.page === 'cart')
    return {
      ...withCards,
      lines: withCards.lines.map((l) => {
        const compare = lineCompare.get(l.variantId) ?? null;
        return compare !== null && compare > l.unitPrice ? { ...l, compareAtPrice: compare, lowestPrice30: lowest.get(l.variantId) ?? null } : l;
      }),
    };
  return withCards;
}

/** One product's variants in `market`: its prices, compare-at prices and, where reduced, the EU lowest-30-days price. */
export async function productInMarket(t: Kysely<TenantDatabase>, market: PricingMarket, product: ProductData): Promise<ProductData> {
  const page: PageData = {
    page: 'product',
    product,
    selectedVariantId: product.variants[0]?.id ?? '',
    related: [],
    relatedTitle: 'youMayLike',
    collection: null,
  };
  const shown = await withLowestPrices(t, market, await pageInMarket(t, market, page));
  return shown.page === 'product' ? shown.product : product;
}

/**
 * The product page's tax note: "incl. tax" in a tax-inclusive market, "excl. tax" in an exclusive one, nothing where
 * the shopper's country pays no tax. With rates by destination the country must have a non-zero rate (as the cart taxes
 * it); a store without them is taxed when its single store-wide rate is above zero.
 */
export function taxNote(
  settings: Pick<StorefrontSettings, 'tax' | 'taxRates'>,
  market: Pick<PricingMarket, 'taxInclusive'>,
  country: string | null,
): 'included' | 'excluded' | null {
  const taxed = settings.taxRates?.length
    ? Boolean(country && settings.taxRates.some((r) => r.country === country && r.rateMilli > 0))
    : settings.tax.ratePercent > 0;
  if (!taxed) return null;
  return market.taxInclusive ? 'included' : 'excluded';
}
