/**
 * Policy + guardrails: the entry point a worker uses to set a store price.
 *
 * The policy only ever chooses among its candidate prices that are currently
 * within guardrails, so every observation stays attributable to a candidate
 * price. Only if no candidate is allowed (e.g. the daily change limit keeps
 * the price far from every candidate) is the policy's choice clamped; the
 * clamped price may then not be a candidate (`priceIndex: null`) and its
 * sales should not be fed to `updatePosterior`.
 */

import { clampToGuardrails, type Guardrails, isWithinGuardrails } from './guardrails.ts';
import { decidePrice, type PeriodContext, type PricingPolicyState } from './policy.ts';
import type { Rng } from './rng.ts';
import { at } from './util.ts';

export interface PriceRecommendation {
  /** Price to set, integer minor units; always within the guardrails. */
  readonly price: number;
  /** Candidate index of `price`, or null when the price had to be clamped off the candidate set. */
  readonly priceIndex: number | null;
  /** True when no candidate was allowed and the policy's choice was clamped. */
  readonly clamped: boolean;
}

export function recommendPrice(state: PricingPolicyState, ctx: Omit<PeriodContext, 'allowed'>, rng: Rng, guardrails: Guardrails): PriceRecommendation {
  const allowed = state.prices.map((p) => isWithinGuardrails(p, guardrails));
  if (allowed.some(Boolean)) {
    const { priceIndex } = decidePrice(state, { ...ctx, allowed }, rng);
    // decidePrice honours `allowed`; re-check so a bug can never leak a bad price.
    const price = at(state.prices, priceIndex);
    if (isWithinGuardrails(price, guardrails)) return { price, priceIndex, clamped: false };
  }
  const { priceIndex } = decidePrice(state, ctx, rng);
  const price = clampToGuardrails(at(state.prices, priceIndex), guardrails);
  const idx = state.prices.indexOf(price);
  return { price, priceIndex: idx >= 0 ? idx : null, clamped: true };
}
