/**
 * A cart's state besides its lines (contact, codes, gift cards) and its price
 * through the one pricing pipeline (pricing.ts with the promotion steps): the
 * server-rendered pages, the Storefront API and order placement all price the
 * same way, so what a shopper sees is what checkout charges.
 */
import type { Kysely, TenantDatabase } from '@storeloom/db';
import { type CartLineView, CartService } from './cart.ts';
import { marketFor, marketSettings, type PricingMarket } from './markets.ts';
import { pricingDestination } from './tax.ts';
import { type PricingState, priceCart, pricingSteps, tenderTotal } from './pricing.ts';
import { promotionPricing } from './promotion-steps.ts';
import type { StorefrontSettings } from './settings.ts';

export interface CartState {
  id: string;
  email: string | null;
  country: string | null;
  vatId: string | null;
  discountCodes: string[];
  /** Each applied card with its balance when applied. */
  giftCards: { id: string; balance: number }[];
}

export async function cartState(t: Kysely<TenantDatabase>, cartId: string): Promise<CartState | null> {
  const row = await t
    .selectFrom('carts')
    .select(['id', 'email', 'country', 'vat_id', 'discount_codes', 'gift_cards'])
    .where('id', '=', cartId)
    .executeTakeFirst();
  if (!row) return null;
  return {
    id: row.id,
    email: row.email,
    country: row.country,
    vatId: row.vat_id ?? null,
    discountCodes: row.discount_codes ?? [],
    giftCards: row.gift_cards ?? [],
  };
}

export interface PriceCartOptions {
  storeId: string;
  settings: StorefrontSettings;
  currency: string;
  clock?: () => Date;
  /** The e-mail to check once-per-customer codes against; the cart's otherwise. */
  email?: string | null;
}

export interface PricedCart {
  lines: CartLineView[];
  state: PricingState;
  discountTotal: number;
  giftCardTotal: number;
  amountDue: number;
  /** The market the cart's country picked: its currency is the currency of every amount here. */
  market: PricingMarket;
}

/** Lines + pipeline for one cart (a read: phase `quote`). */
export async function priceCartOf(t: Kysely<TenantDatabase>, cartId: string, opts: PriceCartOptions): Promise<PricedCart> {
  const clock = opts.clock ?? (() => new Date());
  const lines = await new CartService(t).lines(cartId);
  const s = opts.settings;
  const cart = s.markets?.length || s.shippingZones?.length || s.taxRates?.length ? await cartState(t, cartId) : null;
  const market = marketFor(opts.settings, opts.currency, cart?.country);
  const state = await priceCart(
    lines,
    {
      t,
      storeId: opts.storeId,
      cartId,
      settings: marketSettings(opts.settings, market),
      customerId: null,
      email: opts.email ?? null,
      codes: [],
      phase: 'quote',
      now: clock(),
      market,
      destination: pricingDestination(opts.settings, cart?.country, null, cart?.vatId),
    },
    pricingSteps(promotionPricing(market.currency, clock)),
  );
  const discountTotal = state.adjustments.reduce((s, a) => (a.kind === 'discount' ? s + a.amount : s), 0);
  const giftCardTotal = tenderTotal(state);
  return { lines: state.lines, state, discountTotal, giftCardTotal, amountDue: state.totals.total - giftCardTotal, market };
}
