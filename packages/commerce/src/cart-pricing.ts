/**
 * The single pricing path for a cart: the server-rendered cart/checkout pages,
 * the Storefront API and order placement all price through `priceCartOf`,
 * so what a shopper sees is what checkout charges.
 */
import type { Kysely, TenantDatabase } from '@storeloom/db';
import { type CartLineView, CartService } from './cart.ts';
import { DiscountService } from './discounts.ts';
import { GiftCardService } from './gift-cards.ts';
import { type PricingResult, priceCart } from './pricing-engine.ts';
import type { StorefrontSettings } from './settings.ts';

export interface CartState {
  id: string;
  email: string | null;
  country: string | null;
  discountCodes: string[];
  giftCards: { id: string; balance: number }[];
}

export interface PricedCart {
  cart: CartState;
  lines: CartLineView[];
  pricing: PricingResult;
}

export async function cartState(t: Kysely<TenantDatabase>, cartId: string): Promise<CartState | null> {
  const row = await t.selectFrom('carts').select(['id', 'email', 'country', 'discount_codes', 'gift_cards']).where('id', '=', cartId).executeTakeFirst();
  if (!row) return null;
  return { id: row.id, email: row.email, country: row.country, discountCodes: row.discount_codes ?? [], giftCards: row.gift_cards ?? [] };
}

/** Collection ids of the given products, only fetched when a live discount targets collections. */
async function collectionsOf(t: Kysely<TenantDatabase>, productIds: string[]): Promise<Map<string, string[]>> {
  const map = new Map<string, string[]>();
  if (!productIds.length) return map;
  const rows = await t.selectFrom('collection_products').select(['product_id', 'collection_id']).where('product_id', 'in', productIds).execute();
  for (const r of rows) map.set(r.product_id, [...(map.get(r.product_id) ?? []), r.collection_id]);
  return map;
}

export interface PriceCartOptions {
  settings: StorefrontSettings;
  currency: string;
  clock?: () => Date;
  /** Lines already loaded (e.g. priced from a checkout snapshot); read from the cart otherwise. */
  lines?: CartLineView[];
  /** The e-mail to check once-per-customer codes against (checkout's); the cart's otherwise. */
  email?: string | null;
  state?: CartState;
}

export async function priceCartOf(t: Kysely<TenantDatabase>, cartId: string, opts: PriceCartOptions): Promise<PricedCart> {
  const clock = opts.clock ?? (() => new Date());
  const state = opts.state ?? (await cartState(t, cartId)) ?? { id: cartId, email: null, country: null, discountCodes: [], giftCards: [] };
  const lines = opts.lines ?? (await new CartService(t).lines(cartId));
  const live = await new DiscountService(t, clock).live(state.discountCodes, opts.email ?? state.email);
  const needsCollections = [...live.codeRules, ...live.automatic].some(
    (r) => (r.appliesTo?.collectionIds?.length ?? 0) > 0 || (r.buyXGetY?.buyCollectionIds?.length ?? 0) > 0 || (r.buyXGetY?.getCollectionIds?.length ?? 0) > 0,
  );
  const collections = needsCollections ? await collectionsOf(t, [...new Set(lines.map((l) => l.productId))]) : new Map<string, string[]>();
  const giftCards = await new GiftCardService(t, clock).usable(
    state.giftCards.map((g) => g.id),
    opts.currency,
  );
  const pricing = priceCart({
    lines: lines.map((l) => ({
      id: l.variantId,
      productId: l.productId,
      collectionIds: collections.get(l.productId) ?? [],
      unitPrice: l.unitPrice,
      quantity: l.quantity,
      weightGrams: l.weightGrams,
    })),
    shipping: opts.settings.shipping,
    tax: opts.settings.tax,
    codeDiscounts: live.codeRules,
    codeRejections: live.rejections,
    automaticDiscounts: live.automatic,
    giftCards: lines.length ? giftCards : [],
  });
  return { cart: state, lines, pricing };
}
