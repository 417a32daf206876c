/**
 * Promotions as steps of the pricing pipeline (pricing.ts):
 *
 *   line prices → [discounts: this file] → shipping → tax → [tenders: this file]
 *
 * The discount step reads the cart's codes and gift cards, the live discounts
 * and (only when a discount targets collections) the lines' collections, runs
 * the pure engine (pricing-engine.ts) and emits one adjustment per applied
 * discount with its per-line allocation. The tender step pays the total after
 * tax from the cart's gift cards, each up to its balance.
 */
import type { Kysely, TenantDatabase } from '@storeloom/db';
import { cartState } from './cart-pricing.ts';
import { DiscountService } from './discounts.ts';
import { GiftCardService } from './gift-cards.ts';
import type { PriceAdjustment, PricingExtensions, PricingStep } from './pricing.ts';
import { marketAmount, marketPrice, type PricingMarket } from './markets.ts';
import { type DiscountRule, pricePromotions } from './pricing-engine.ts';

async function collectionsOf(t: Kysely<TenantDatabase>, productIds: string[]): Promise<Map<string, string[]>> {
  const map = new Map<string, string[]>();
  if (!productIds.length) return map;
  const rows = await t.selectFrom('collection_products').select(['product_id', 'collection_id']).where('product_id', 'in', productIds).execute();
  for (const r of rows) map.set(r.product_id, [...(map.get(r.product_id) ?? []), r.collection_id]);
  return map;
}

/**
 * A discount's money in a market's currency (issue 18 with markets, issue 19): a fixed amount off converts like a
 * price (the market's rate, then its rounding increment: "£5 off" reads as a round "€6 off"), a minimum subtotal like
 * the other thresholds (free-over shipping: the rate, to the minor unit). Percentages and quantities do not change.
 */
export function marketRules(m: PricingMarket | undefined): (r: DiscountRule) => DiscountRule {
  if (!m || (m.currency === m.storeCurrency && m.rate.rate === '1')) return (r) => r;
  return (r) => ({
    ...r,
    value: r.kind === 'fixed_amount' ? marketPrice(m, r.value) : r.value,
    minSubtotal: r.minSubtotal === null ? null : marketAmount(m, r.minSubtotal),
  });
}

export function promotionPricing(currency: string, clock: () => Date = () => new Date()): PricingExtensions {
  const discounts: PricingStep = {
    name: 'promotions.discounts',
    async apply(state, ctx) {
      const cart = await cartState(ctx.t, ctx.cartId);
      // The cart holds the shopper's discount codes (ctx.codes belong to other steps).
      const codes = [...(ctx.discountCodes ?? cart?.discountCodes ?? [])];
      const live = await new DiscountService(ctx.t, clock).live(codes, ctx.email ?? cart?.email ?? null);
      // Amounts of a discount are in the store currency: a cart in another market's currency sees them converted.
      const inMarket = marketRules(ctx.market);
      const codeRules = live.codeRules.map(inMarket);
      const automaticRules = live.automatic.map(inMarket);
      const rules = [...codeRules, ...automaticRules];
      const needsCollections = rules.some(
        (r) =>
          (r.appliesTo?.collectionIds?.length ?? 0) > 0 || (r.buyXGetY?.buyCollectionIds?.length ?? 0) > 0 || (r.buyXGetY?.getCollectionIds?.length ?? 0) > 0,
      );
      const collections = needsCollections ? await collectionsOf(ctx.t, [...new Set(state.lines.map((l) => l.productId))]) : new Map<string, string[]>();
      const applied = cart?.giftCards ?? [];
      const usable = state.lines.length
        ? await new GiftCardService(ctx.t, clock).usable(
            applied.map((g) => g.id),
            // A card pays in its own currency: the cart's market's (the store's at home).
            ctx.market?.currency ?? currency,
          )
        : [];
      const spent = applied.some((a) => {
        const now = usable.find((u) => u.id === a.id);
        return now !== undefined && now.balance < a.balance;
      });
      const giftCardProblem = state.lines.length && usable.length < applied.length ? 'unusable' : spent ? 'balance_spent' : null;
      if (!rules.length) return { ...state, promotions: { rejectedCodes: live.rejections, giftCardProblem, giftCards: usable } };
      const result = pricePromotions({
        // Gift cards sold as products take no discount (a discount on money would be money off money).
        lines: state.lines
          .filter((l) => !l.giftCard)
          .map((l) => ({
            id: l.variantId,
            productId: l.productId,
            collectionIds: collections.get(l.productId) ?? [],
            unitPrice: l.unitPrice,
            quantity: l.quantity,
            weightGrams: l.weightGrams,
          })),
        shipping: ctx.settings.shipping,
        tax: ctx.settings.tax,
        codeDiscounts: codeRules,
        codeRejections: live.rejections,
        automaticDiscounts: automaticRules,
        giftCards: [],
      });
      const adjustments: PriceAdjustment[] = result.discounts.map((d) => {
        const lines: Record<string, number> = {};
        for (const a of result.allocations) if (a.discountId === d.discountId && a.lineId) lines[a.lineId] = (lines[a.lineId] ?? 0) + a.amount;
        return {
          kind: 'discount',
          source: d.code ?? d.discountId,
          label: d.title,
          amount: d.amount,
          discountId: d.discountId,
          code: d.code,
          ...(d.class === 'shipping' ? { shipping: true } : { lines }),
        };
      });
      return {
        ...state,
        adjustments: [...state.adjustments, ...adjustments],
        promotions: { rejectedCodes: result.rejectedCodes, giftCardProblem, giftCards: usable },
      };
    },
  };
  const tenders: PricingStep = {
    name: 'promotions.gift-cards',
    apply(state) {
      const cards = state.promotions?.giftCards ?? [];
      if (!cards.length) return state;
      let due = state.totals.total;
      const adjustments: PriceAdjustment[] = [];
      for (const g of cards) {
        const amount = Math.max(0, Math.min(g.balance, due));
        due -= amount;
        adjustments.push({ kind: 'tender', source: g.id, label: `Gift card •••• ${g.last4}`, amount, giftCardId: g.id, last4: g.last4, balance: g.balance });
      }
      return { ...state, adjustments: [...state.adjustments, ...adjustments] };
    },
  };
  return { discounts: [discounts], tenders: [tenders] };
}
