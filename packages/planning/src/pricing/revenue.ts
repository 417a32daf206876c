/**
 * What pricing did and would do for a product: the history chart (daily
 * sales at the prices shown, every change) and the expected revenue per day
 * at the current price, at the suggestion and under the policy's plan.
 */
import { notFound } from '@storeloom/errors';
import { type PricingPolicyState, posteriorMean, solvePricingLP } from '@storeloom/pricing';
import { addDaysIso } from '../members.ts';
import { dailySales, utcDay } from '../sales.ts';
import { listChanges } from './changes.ts';
import { DEFAULT_HORIZON_DAYS, type PriceObservation, type PricingContext } from './shared.ts';

export class PricingRevenue {
  constructor(private readonly ctx: PricingContext) {}

  /** Price changes and daily sales of a product's variants, for the history chart. */
  async history(productId: string, days = 90, now = new Date()) {
    const variants = await this.ctx.t.selectFrom('variants').select(['id', 'title', 'price']).where('product_id', '=', productId).orderBy('position').execute();
    if (variants.length === 0) throw notFound('Product');
    const today = utcDay(now);
    const sales = await dailySales(
      this.ctx.t,
      variants.map((v) => v.id),
      addDaysIso(today, -days),
      addDaysIso(today, 1),
    );
    const changes = await listChanges(this.ctx.t, { productId, limit: 500 });
    return {
      productId,
      variants: variants.map((v) => ({
        variantId: v.id,
        title: v.title,
        currentPrice: v.price,
        daily: sales.get(v.id) ?? [],
        changes: changes.filter((c) => c.variantId === v.id).reverse(),
      })),
    };
  }

  /** Expected revenue per day at the current price and under the policy's plan, from the posterior means. */
  async expectedRevenue(productId: string) {
    const variants = await this.ctx.t
      .selectFrom('variants')
      .select(['id', 'title', 'price', 'inventory_quantity'])
      .where('product_id', '=', productId)
      .orderBy('position')
      .execute();
    if (variants.length === 0) throw notFound('Product');
    const states = await this.ctx.t
      .selectFrom('pricing_policy_state')
      .select(['variant_id', 'state'])
      .where(
        'variant_id',
        'in',
        variants.map((v) => v.id),
      )
      .execute();
    const open = await listChanges(this.ctx.t, { productId, status: 'suggested' });
    const notLearned: PriceObservation[] = [];
    return {
      productId,
      variants: variants.map((v) => {
        const row = states.find((s) => s.variant_id === v.id);
        if (!row)
          return {
            variantId: v.id,
            title: v.title,
            currentPrice: v.price,
            learned: false,
            prices: notLearned,
            atCurrentPrice: null,
            suggestedPrice: null,
            atSuggestedPrice: null,
            planPerDay: null,
          };
        const state = row.state as PricingPolicyState;
        const means = posteriorMean(state);
        const per = (p: number) => {
          const k = state.prices.indexOf(p);
          return k >= 0 ? Math.round(p * (means[k] as number)) : null;
        };
        const suggestion = open.find((c) => c.variantId === v.id);
        const plan = solvePricingLP(state.prices, means, v.inventory_quantity / DEFAULT_HORIZON_DAYS, undefined, Number.POSITIVE_INFINITY);
        return {
          variantId: v.id,
          title: v.title,
          currentPrice: v.price,
          learned: true,
          prices: state.prices.map(
            (p, k): PriceObservation => ({
              price: p,
              daysObserved: state.offers[k] ?? 0,
              unitsSold: state.sales[k] ?? 0,
              expectedUnitsPerDay: Math.round((means[k] as number) * 1000) / 1000,
              expectedRevenuePerDay: per(p),
            }),
          ),
          atCurrentPrice: per(v.price),
          suggestedPrice: suggestion?.newPrice ?? null,
          atSuggestedPrice: suggestion ? per(suggestion.newPrice) : null,
          planPerDay: Math.round(plan.value),
        };
      }),
    };
  }
}
