/**
 * Pricing a cart, as an ordered list of steps: line prices → discounts →
 * shipping → tax → tenders. Each step reads the state the steps before it
 * left and returns the next one, so a feature (promotions, gift cards) adds a
 * step in its slot instead of editing the arithmetic of the others. The
 * default pipeline (no discount or tender steps) computes exactly what
 * `computeTotals` computes; the checkout quote and the placed order both run
 * it, so the page and the charge cannot disagree.
 */
import type { Kysely, TenantDatabase } from '@storeloom/db';
import type { CartLineView } from './cart.ts';
import type { CodeRejection } from './pricing-engine.ts';
import { fixedMarketPrices, marketPrice, type PricingMarket } from './markets.ts';
import { quoteZoneShipping } from './shipping-zones.ts';
import { type TaxComputation, type TaxProvider, tableTaxProvider } from './tax.ts';
import type { StorefrontSettings } from './settings.ts';
import { applyTax, lineTotals, shippingCost, type Totals } from './totals.ts';

/** A change to what the shopper pays that is not a line price: a discount (negative) or a tender (gift card, store credit). */
export interface PriceAdjustment {
  /** `discount` lowers the taxable amount; `tender` pays part of the total after tax. */
  kind: 'discount' | 'tender';
  /** The promotion or tender behind it (a code, an id); null for automatic ones. */
  source: string | null;
  label: string;
  /** Minor units, positive: how much it takes off. */
  amount: number;
  /** Per line (variantId → minor units), when the adjustment is allocated to lines (refunds, reporting). */
  lines?: Record<string, number>;
  /** A merchant discount (promotions): its id, code (null when automatic) and whether it discounts shipping. */
  discountId?: string;
  code?: string | null;
  shipping?: boolean;
  /** A gift card tender: the card, its last 4 characters and its balance before this order. */
  giftCardId?: string;
  last4?: string;
  balance?: number;
}

/** What the promotion steps found besides adjustments: codes that do not apply, and gift-card trouble. */
export interface PromotionNotes {
  rejectedCodes: CodeRejection[];
  /** Set when a card on the cart is no longer usable, or was spent elsewhere since it was applied. */
  giftCardProblem: 'unusable' | 'balance_spent' | null;
  /** Usable cards with balances, in the order applied (for the tender step). */
  giftCards: { id: string; last4: string; balance: number }[];
}

export interface PricingState {
  lines: CartLineView[];
  totals: Totals;
  adjustments: PriceAdjustment[];
  /** Set by the promotion steps. */
  promotions?: PromotionNotes;
  /** Set by the shipping step when the store has shipping zones: whether the destination can be shipped to, and how. */
  shipping?: { available: boolean; method: string | null };
  /** Set by the tax step when the store taxes by destination: tax per rate and per line (key: variant id or 'shipping'). */
  tax?: TaxComputation & { reverseCharge: boolean; country: string };
}

/** Where the cart ships to and who buys (tax by destination, shipping zones). */
export interface PricingDestination {
  country: string;
  region: string | null;
  /** A business buyer's VAT id, format-checked. */
  vatId: string | null;
  /** The merchant enabled reverse charge, the buyer gave a valid VAT id and ships to another EU country. */
  reverseCharge: boolean;
}

/** What a step may look at besides the state: the store's settings and who is checking out. */
export interface PricingContext {
  /** The tenant handle (inside `place`, its transaction), for steps that read promotion rows. */
  t: Kysely<TenantDatabase>;
  storeId: string;
  cartId: string;
  settings: StorefrontSettings;
  customerId: string | null;
  email: string | null;
  /** Codes the shopper entered (discount codes, gift cards); the steps decide what they mean. */
  codes: readonly string[];
  /** `quote` for a page, `place` inside the order's transaction (a step may lock or count usage there). */
  phase: 'quote' | 'place';
  now: Date;
  /** The market the cart's country picked (issue 19); `settings` are already that market's (see marketSettings). Absent = primary. */
  market?: PricingMarket;
  /** Known once the cart has a country (or the checkout an address); absent: zones and destination tax wait for it. */
  destination?: PricingDestination | null;
  /** Replaces the built-in rate table for destination tax. */
  taxProvider?: TaxProvider;
  /** A draft order's discount codes (a checkout's are on its cart). */
  discountCodes?: readonly string[];
}

export interface PricingStep {
  readonly name: string;
  apply(state: PricingState, ctx: PricingContext): PricingState | Promise<PricingState>;
}

/** Slots for extra steps; the line, shipping and tax steps are fixed. */
export interface PricingExtensions {
  /** After line prices, before shipping (free-shipping thresholds see the discounted subtotal). */
  discounts?: readonly PricingStep[];
  /** After tax: tenders pay part of the total. */
  tenders?: readonly PricingStep[];
}

/**
 * Gift cards sold as products are a tender for sale, not goods: their lines are in the subtotal and the total but
 * ship nothing, carry no tax and take no discount. What they add up to (and how many units) in the market's currency.
 */
export function giftCardGoods(lines: readonly CartLineView[]): { amount: number; units: number; weightGrams: number } {
  let amount = 0;
  let units = 0;
  let weightGrams = 0;
  for (const l of lines)
    if (l.giftCard) {
      amount += l.unitPrice * l.quantity;
      units += l.quantity;
      weightGrams += l.weightGrams * l.quantity;
    }
  return { amount, units, weightGrams };
}

export const discountTotal = (s: PricingState) => s.adjustments.reduce((sum, a) => (a.kind === 'discount' ? sum + a.amount : sum), 0);
export const tenderTotal = (s: PricingState) => s.adjustments.reduce((sum, a) => (a.kind === 'tender' ? sum + a.amount : sum), 0);

/** Line prices in the market's currency: its fixed price for the variant, else the store price converted and rounded. */
export const marketPricesStep: PricingStep = {
  name: 'market',
  async apply(state, ctx) {
    const m = ctx.market;
    if (!m || m.id === null || !state.lines.length) return state;
    // A draft order's custom item is priced in the draft's currency already (no variant, no conversion).
    const custom = (l: { variantId: string }) => l.variantId.startsWith('custom:');
    const fixed = await fixedMarketPrices(
      ctx.t,
      m.id,
      state.lines.filter((l) => !custom(l)).map((l) => l.variantId),
    );
    const lines = state.lines.map((l) =>
      custom(l)
        ? l
        : {
            ...l,
            unitPrice: marketPrice(m, l.unitPrice, fixed.get(l.variantId)),
            compareAtPrice: l.compareAtPrice === null ? null : marketPrice(m, l.compareAtPrice),
          },
    );
    return { ...state, lines };
  },
};

/** Subtotal, item count and weight from the line prices. */
export const linePricesStep: PricingStep = {
  name: 'lines',
  apply: (state) => ({ ...state, totals: { ...state.totals, ...lineTotals(state.lines) } }),
};

/**
 * Shipping on the subtotal after discounts (a free-over threshold counts what the shopper pays for goods). With
 * shipping zones: the cheapest fitting rate of the destination's zone, or unavailable; a free-shipping discount
 * then covers the zone's rate.
 */
export const shippingStep: PricingStep = {
  name: 'shipping',
  apply(state, ctx) {
    // Gift cards sold as products ship nothing: shipping sees the goods only.
    const gift = giftCardGoods(state.lines);
    const subtotal = state.totals.subtotal - gift.amount;
    const weightGrams = state.totals.weightGrams - gift.weightGrams;
    const itemCount = state.totals.itemCount - gift.units;
    const zones = ctx.settings.shippingZones;
    if (zones?.length && itemCount > 0) {
      const country = ctx.destination?.country;
      if (!country) return { ...state, totals: { ...state.totals, shipping: 0 } };
      const goods = subtotal - state.adjustments.reduce((s, a) => (a.kind === 'discount' && !a.shipping ? s + a.amount : s), 0);
      const q = quoteZoneShipping(zones, country, ctx.market, goods, weightGrams);
      const adjustments = state.adjustments.map((a) => (a.kind === 'discount' && a.shipping ? { ...a, amount: q.price } : a));
      return { ...state, adjustments, shipping: { available: q.available, method: q.method }, totals: { ...state.totals, shipping: q.price } };
    }
    return { ...state, totals: { ...state.totals, shipping: shippingCost(ctx.settings.shipping, subtotal - discountTotal(state), weightGrams, itemCount) } };
  },
};

/**
 * Tax in basis points, rounded half up once per order; shipping is taxed like goods. With destination rates (and
 * a known destination): per line and tax class at the destination's rates, shipping at its class (see tax.ts).
 */
export const taxStep: PricingStep = {
  name: 'tax',
  async apply(state, ctx) {
    // Gift cards sold as products are not a taxable sale (the goods they buy later are): outside the tax, inside the total.
    const gift = giftCardGoods(state.lines).amount;
    const taxable = Math.max(0, state.totals.subtotal - gift - discountTotal(state)) + state.totals.shipping;
    const dest = ctx.destination;
    if (!dest || !(ctx.settings.taxRates?.length || ctx.taxProvider)) {
      const taxed = applyTax(taxable, ctx.settings.tax);
      return { ...state, totals: { ...state.totals, ...taxed, total: taxed.total + gift } };
    }
    const lineDiscount = new Map<string, number>();
    let shippingDiscount = 0;
    for (const a of state.adjustments) {
      if (a.kind !== 'discount') continue;
      if (a.shipping) shippingDiscount += a.amount;
      for (const [k, x] of Object.entries(a.lines ?? {})) lineDiscount.set(k, (lineDiscount.get(k) ?? 0) + x);
    }
    const items = [
      ...state.lines
        .filter((l) => !l.giftCard)
        .map((l) => ({
          key: l.variantId,
          taxClass: l.taxClass ?? 'standard',
          amount: Math.max(0, l.unitPrice * l.quantity - (lineDiscount.get(l.variantId) ?? 0)),
        })),
      { key: 'shipping', taxClass: ctx.settings.taxes?.shippingTaxClass ?? 'standard', amount: Math.max(0, state.totals.shipping - shippingDiscount) },
    ];
    const inclusive = ctx.settings.tax.includedInPrices;
    const provider = ctx.taxProvider ?? tableTaxProvider(ctx.settings.taxRates ?? []);
    const computed = await provider.calculate({ country: dest.country, region: dest.region, inclusive, items });
    // Reverse charge: the buyer accounts for the VAT; an inclusive price is charged without the VAT inside it.
    const tax = dest.reverseCharge ? 0 : computed.tax;
    const total = (inclusive ? taxable - (dest.reverseCharge ? computed.tax : 0) : taxable + tax) + gift;
    const kept = dest.reverseCharge ? { tax: 0, perItem: {}, lines: [] } : computed;
    return {
      ...state,
      tax: { ...kept, reverseCharge: dest.reverseCharge, country: dest.country },
      totals: { ...state.totals, tax, total, taxIncluded: inclusive },
    };
  },
};

export function pricingSteps(ext: PricingExtensions = {}): PricingStep[] {
  return [marketPricesStep, linePricesStep, ...(ext.discounts ?? []), shippingStep, taxStep, ...(ext.tenders ?? [])];
}

const EMPTY_TOTALS: Totals = { subtotal: 0, shipping: 0, tax: 0, total: 0, taxIncluded: false, itemCount: 0, weightGrams: 0 };

/** Runs the steps in order over the cart's lines (already priced: live or from the checkout's snapshot). */
export async function priceCart(lines: CartLineView[], ctx: PricingContext, steps: readonly PricingStep[] = pricingSteps()): Promise<PricingState> {
  let state: PricingState = { lines, totals: EMPTY_TOTALS, adjustments: [] };
  for (const step of steps) state = await step.apply(state, ctx);
  return state;
}
