/**
 * A product as a shopper in a market sees it (issue 19, the console's market preview): the variants' prices as the
 * product page shows them (`marketPrice` with the market's fixed prices) and one of the first variant in a fresh
 * cart shipped to a country of the market, priced through the storefront's pipeline (market prices, automatic
 * discounts, shipping zones, tax by destination). The settings are loaded exactly as the storefront loads them, so
 * the preview and the storefront cannot disagree.
 */
import type { Database, Kysely, TenantDatabase } from '@storeloom/db';
import { newId } from '@storeloom/db';
import { AppError, ErrorCode } from '@storeloom/errors';
import type { CartLineView } from './cart.ts';
import { fixedMarketPrices, loadPricingMarkets, marketFor, marketPrice, marketSettings, type PricingMarket, type UsedRate } from './markets.ts';
import { priceCart, pricingSteps } from './pricing.ts';
import { promotionPricing } from './promotion-steps.ts';
import { loadSettings, type StorefrontSettings } from './settings.ts';
import { loadShippingZones } from './shipping-zones.ts';
import { loadTaxRates, pricingDestination } from './tax.ts';

/** The storefront's settings of a store: its own settings with markets (and the rates they use now), zones and tax rates. */
export async function loadPricingSettings(
  t: Kysely<TenantDatabase>,
  db: Database,
  store: { currency: string; country?: string | null },
): Promise<StorefrontSettings> {
  const [settings, markets, shippingZones, taxRates] = await Promise.all([
    loadSettings(t),
    loadPricingMarkets(t, db, store.currency),
    loadShippingZones(t),
    loadTaxRates(t),
  ]);
  return { ...settings, markets, shippingZones, taxRates, storeCountry: store.country ?? null };
}

export interface MarketPreview {
  marketId: string;
  country: string;
  currency: string;
  storeCurrency: string;
  rateUsed: UsedRate;
  taxInclusive: boolean;
  product: { id: string; title: string; handle: string };
  variants: { id: string; title: string | null; storePrice: number; price: number; compareAtPrice: number | null; fixedPrice: boolean }[];
  /** One of the first variant in a fresh cart shipped to `country`. */
  cart: {
    subtotal: number;
    discount: number;
    shipping: number;
    shippingAvailable: boolean;
    shippingMethod: string | null;
    tax: number;
    taxIncluded: boolean;
    total: number;
  };
}

export interface MarketPreviewInput {
  storeId: string;
  store: { currency: string; country?: string | null };
  marketId: string;
  /** Default: the store's first active product. */
  productId?: string;
  /** A country of the market (default: its first). */
  country?: string;
  now?: Date;
}

export async function previewMarketProduct(t: Kysely<TenantDatabase>, db: Database, input: MarketPreviewInput): Promise<MarketPreview> {
  const settings = await loadPricingSettings(t, db, input.store);
  const stored = await t.selectFrom('markets').select(['id', 'currency']).where('id', '=', input.marketId).executeTakeFirst();
  if (!stored) throw new AppError(ErrorCode.NotFound, 'Market not found');
  const priced = settings.markets?.find((m) => m.id === input.marketId);
  if (!priced)
    throw new AppError(ErrorCode.ExchangeRateUnavailable, `No ${input.store.currency}→${stored.currency} rate in the rate table`, {
      details: { base: input.store.currency, quote: stored.currency },
    });
  const country = (input.country ?? priced.countries[0] ?? '').trim().toUpperCase();
  if (!priced.countries.includes(country))
    throw new AppError(ErrorCode.ValidationFailed, `country: not a country of the market`, { details: [{ path: 'country', message: 'not in this market' }] });
  const market: PricingMarket = marketFor(settings, input.store.currency, country);
  const productId =
    input.productId ??
    (await t.selectFrom('products').select('id').where('status', '=', 'active').orderBy('created_at').orderBy('id').limit(1).executeTakeFirst())?.id;
  if (!productId) throw new AppError(ErrorCode.NotFound, 'Product not found');

  const rows = await t
    .selectFrom('variants as v')
    .innerJoin('products as p', 'p.id', 'v.product_id')
    .select([
      'p.id as product_id',
      'p.title',
      'p.handle',
      'p.tax_class',
      'v.id',
      'v.title as variant_title',
      'v.sku',
      'v.price',
      'v.compare_at_price',
      'v.inventory_quantity',
      'v.weight_grams',
    ])
    .where('p.id', '=', productId)
    .orderBy('v.position')
    .orderBy('v.id')
    .execute();
  const first = rows[0];
  if (!first) throw new AppError(ErrorCode.NotFound, 'Product not found');
  const fixed = await fixedMarketPrices(
    t,
    market.id as string,
    rows.map((r) => r.id),
  );
  const variantTitle = (title: string | null) => (title === 'Default' || title === 'Default Title' ? null : title);

  const line: CartLineView = {
    variantId: first.id,
    productId: first.product_id,
    handle: first.handle,
    title: first.title,
    variantTitle: variantTitle(first.variant_title),
    sku: first.sku,
    quantity: 1,
    unitPrice: first.price,
    compareAtPrice: first.compare_at_price,
    available: first.inventory_quantity,
    weightGrams: first.weight_grams,
    imageUrl: null,
    taxClass: first.tax_class,
  };
  const now = input.now ?? new Date();
  const state = await priceCart(
    [line],
    {
      t,
      storeId: input.storeId,
      // A cart that does not exist: no codes or gift cards, only what every shopper gets (automatic discounts).
      cartId: newId(),
      settings: marketSettings(settings, market),
      customerId: null,
      email: null,
      codes: [],
      phase: 'quote',
      now,
      market,
      destination: pricingDestination(settings, country, null, null),
    },
    pricingSteps(promotionPricing(market.currency, () => now)),
  );
  const discount = state.adjustments.reduce((s, a) => (a.kind === 'discount' ? s + a.amount : s), 0);
  return {
    marketId: input.marketId,
    country,
    currency: market.currency,
    storeCurrency: input.store.currency,
    rateUsed: market.rate,
    taxInclusive: market.taxInclusive,
    product: { id: first.product_id, title: first.title, handle: first.handle },
    variants: rows.map((r) => ({
      id: r.id,
      title: variantTitle(r.variant_title),
      storePrice: r.price,
      price: marketPrice(market, r.price, fixed.get(r.id)),
      compareAtPrice: r.compare_at_price === null ? null : marketPrice(market, r.compare_at_price),
      fixedPrice: fixed.has(r.id),
    })),
    cart: {
      subtotal: state.totals.subtotal,
      discount,
      shipping: state.totals.shipping,
      shippingAvailable: state.shipping?.available ?? true,
      shippingMethod: state.shipping?.method ?? null,
      tax: state.totals.tax,
      taxIncluded: state.totals.taxIncluded,
      total: state.totals.total,
    },
  };
}
