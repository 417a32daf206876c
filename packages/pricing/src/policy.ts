/**
 * Thompson sampling with an inventory constraint, re-solved every period from
 * the REMAINING stock and time (TS-update of Ferreira, Simchi-Levi & Wang 2018,
 * single product, Bernoulli demand), as pure functions over plain-JSON state.
 *
 * Period:  sample theta_k ~ Beta(a0_k + sales_k, b0_k + offers_k - sales_k),
 *          optionally project the sample onto non-increasing demand in price,
 *          solve max sum p_k theta_k x_k s.t. sum theta_k x_k <= I_t / T_t,
 *          sum x_k <= 1, scale x to sum 1 and offer k with probability x_k.
 * Update:  offers_k += n, sales_k += s for the offered price.
 */

import { sampleBeta, sampleGamma, sampleIndex } from './distributions.ts';
import { solvePricingLP } from './lp.ts';
import type { Rng } from './rng.ts';
import { at } from './util.ts';

export const POLICY_STATE_VERSION = 1 as const;

/** Beta prior pseudo-counts for one price. */
export interface BetaPrior {
  readonly successes: number;
  readonly failures: number;
}

export interface PricingPolicyConfig {
  /** Candidate prices in integer minor units (e.g. cents), distinct and > 0. */
  readonly prices: readonly number[];
  /** Beta prior, one for all prices or one per price. Default Beta(1, 1) (uniform). */
  readonly prior?: BetaPrior | readonly BetaPrior[];
  /**
   * Assume purchase probability does not increase with price and project each
   * posterior sample onto that shape before solving the LP. Default true.
   */
  readonly monotoneDemand?: boolean;
  /**
   * 'bernoulli' (default): one offer = one customer who buys at most one unit,
   * Beta posteriors. 'poisson': one offer = one period (e.g. a day) of unknown
   * traffic, units sold ~ Poisson(lambda_k), Gamma(successes, failures) prior
   * on lambda_k (shape, rate); the LP's stock rate is then units per period.
   */
  readonly demandModel?: DemandModel;
}

export type DemandModel = 'bernoulli' | 'poisson';

/** Plain-JSON, versioned state: everything the worker must persist per product. */
export interface PricingPolicyState {
  readonly version: typeof POLICY_STATE_VERSION;
  readonly prices: readonly number[];
  readonly priorSuccesses: readonly number[];
  readonly priorFailures: readonly number[];
  readonly monotoneDemand: boolean;
  /** Absent in states written before it existed: 'bernoulli'. */
  readonly demandModel?: DemandModel;
  /** Customers (periods) offered each price. */
  readonly offers: readonly number[];
  /** Units sold at each price. */
  readonly sales: readonly number[];
}

export interface PeriodContext {
  /** Units left to sell (>= 0). */
  readonly remainingInventory: number;
  /** Periods left including the current one (>= 1). */
  readonly remainingPeriods: number;
  /** Optional eligibility per price (false = must not be offered, e.g. guardrails). */
  readonly allowed?: readonly boolean[];
}

export interface Observation {
  readonly priceIndex: number;
  /** Customers that saw the price (1 per simulator period). */
  readonly offers: number;
  /** Units they bought (0 <= sales <= offers). */
  readonly sales: number;
}

export interface PriceDecision {
  readonly priceIndex: number;
  /** The sampled demand vector the decision was based on (after projection). */
  readonly sampledDemand: number[];
  /** Offer probabilities actually used (sum 1 over allowed prices). */
  readonly mix: number[];
}

const isPosInt = (v: number) => Number.isInteger(v) && v > 0;
const isCount = (v: number) => Number.isInteger(v) && v >= 0;

export function createPricingPolicy(config: PricingPolicyConfig): PricingPolicyState {
  const prices = [...config.prices];
  const K = prices.length;
  if (K === 0) throw new RangeError('at least one price is required');
  if (!prices.every(isPosInt)) throw new RangeError('prices must be positive integers (minor units)');
  if (new Set(prices).size !== K) throw new RangeError('prices must be distinct');
  const prior = config.prior ?? { successes: 1, failures: 1 };
  const priors: readonly BetaPrior[] = Array.isArray(prior) ? prior : prices.map(() => prior as BetaPrior);
  if (priors.length !== K) throw new RangeError(`expected ${K} priors, got ${priors.length}`);
  for (const p of priors) {
    if (!(p.successes > 0 && p.failures > 0 && Number.isFinite(p.successes) && Number.isFinite(p.failures))) {
      throw new RangeError('prior pseudo-counts must be finite and > 0');
    }
  }
  return {
    version: POLICY_STATE_VERSION,
    prices,
    priorSuccesses: priors.map((p) => p.successes),
    priorFailures: priors.map((p) => p.failures),
    monotoneDemand: config.monotoneDemand ?? true,
    demandModel: config.demandModel ?? 'bernoulli',
    offers: new Array<number>(K).fill(0),
    sales: new Array<number>(K).fill(0),
  };
}

/** Record what happened at one price; returns a new state (the input is not modified). */
export function updatePosterior(state: PricingPolicyState, obs: Observation): PricingPolicyState {
  const K = state.prices.length;
  if (!(Number.isInteger(obs.priceIndex) && obs.priceIndex >= 0 && obs.priceIndex < K)) {
    throw new RangeError(`priceIndex ${obs.priceIndex} out of range [0, ${K - 1}]`);
  }
  if (!isCount(obs.offers) || !isCount(obs.sales) || (!isPoisson(state) && obs.sales > obs.offers)) {
    throw new RangeError(`bad observation: offers=${obs.offers} sales=${obs.sales}`);
  }
  const offers = state.offers.map((n, k) => (k === obs.priceIndex ? n + obs.offers : n));
  const sales = state.sales.map((n, k) => (k === obs.priceIndex ? n + obs.sales : n));
  return { ...state, offers, sales };
}

export const isPoisson = (state: PricingPolicyState) => state.demandModel === 'poisson';

/** Posterior parameters per price: Beta(a, b), or Gamma(shape a, rate b) for the Poisson model. */
export function posterior(state: PricingPolicyState): { a: number[]; b: number[] } {
  const a = state.sales.map((s, k) => at(state.priorSuccesses, k) + s);
  const poisson = isPoisson(state);
  const b = state.offers.map((n, k) => at(state.priorFailures, k) + n - (poisson ? 0 : at(state.sales, k)));
  return { a, b };
}

/** Posterior mean purchase probability (or units per period, Poisson) per price. */
export function posteriorMean(state: PricingPolicyState): number[] {
  const { a, b } = posterior(state);
  if (isPoisson(state)) return a.map((ak, k) => ak / at(b, k));
  return a.map((ak, k) => ak / (ak + at(b, k)));
}

/**
 * Weighted least-squares projection of `values` onto sequences that are
 * non-increasing along `order` (pool-adjacent-violators).
 */
export function projectNonIncreasing(values: readonly number[], weights: readonly number[], order: readonly number[]): number[] {
  const blocks: { sum: number; w: number; n: number }[] = [];
  for (const k of order) {
    const w = Math.max(at(weights, k), 1e-12);
    let cur = { sum: at(values, k) * w, w, n: 1 };
    // Merge backwards while the previous block's mean is below the new one.
    for (let prev = blocks.pop(); prev; prev = blocks.pop()) {
      if (prev.sum / prev.w >= cur.sum / cur.w) {
        blocks.push(prev);
        break;
      }
      cur = { sum: prev.sum + cur.sum, w: prev.w + cur.w, n: prev.n + cur.n };
    }
    blocks.push(cur);
  }
  const out = values.slice();
  let i = 0;
  for (const blk of blocks) {
    const v = blk.sum / blk.w;
    for (let j = 0; j < blk.n; j++) out[at(order, i++)] = v;
  }
  return out;
}

/** Price indices sorted by ascending price. */
function ascendingOrder(prices: readonly number[]): number[] {
  return prices.map((_, k) => k).sort((i, j) => at(prices, i) - at(prices, j));
}

/** One posterior draw of the purchase probabilities (after the optional monotone projection). */
export function sampleDemand(state: PricingPolicyState, rng: Rng): number[] {
  const { a, b } = posterior(state);
  const poisson = isPoisson(state);
  const theta = a.map((ak, k) => (poisson ? sampleGamma(rng, ak) / at(b, k) : sampleBeta(rng, ak, at(b, k))));
  if (!state.monotoneDemand) return theta;
  return projectNonIncreasing(
    theta,
    // Weights: pseudo-observations behind each draw (periods for Poisson).
    a.map((ak, k) => (poisson ? at(b, k) : ak + at(b, k))),
    ascendingOrder(state.prices),
  );
}

/** Index of the highest allowed price (fallback when nothing else is sensible). */
function highestAllowed(prices: readonly number[], allowed?: readonly boolean[]): number {
  let best = -1;
  prices.forEach((p, k) => {
    if (allowed?.[k] === false) return;
    if (best < 0 || p > at(prices, best)) best = k;
  });
  return best;
}

/**
 * Choose the price to offer in this period. Pure apart from consuming
 * draws from `rng`; the state is not modified.
 */
export function decidePrice(state: PricingPolicyState, ctx: PeriodContext, rng: Rng): PriceDecision {
  const K = state.prices.length;
  const allowed = ctx.allowed;
  if (allowed && allowed.length !== K) throw new RangeError(`allowed has ${allowed.length} entries, expected ${K}`);
  const fallback = highestAllowed(state.prices, allowed);
  if (fallback < 0) throw new RangeError('no price is allowed');
  const theta = sampleDemand(state, rng);
  const { remainingInventory: inv, remainingPeriods: left } = ctx;
  if (!(isCount(inv) && isPosInt(left))) {
    throw new RangeError(`bad context: remainingInventory=${inv} remainingPeriods=${left}`);
  }
  const oneHot = (k: number) => state.prices.map((_, j) => (j === k ? 1 : 0));
  if (inv === 0) {
    // Nothing to sell: any price is as good as another; keep the highest.
    return { priceIndex: fallback, sampledDemand: theta, mix: oneHot(fallback) };
  }
  // Bernoulli: each period sells at most one unit, so a rate above 1 never binds.
  const poisson = isPoisson(state);
  const c = poisson ? inv / left : Math.min(1, inv / left);
  const { x } = solvePricingLP(state.prices, theta, c, allowed, poisson ? Number.POSITIVE_INFINITY : 1);
  let total = 0;
  for (const v of x) total += v;
  if (!(total > 1e-12)) {
    return { priceIndex: fallback, sampledDemand: theta, mix: oneHot(fallback) };
  }
  // sum x < 1 means stock binds and time does not: scaling the mix keeps the
  // revenue per unit sold and sells out earlier; re-solving keeps it on track.
  const mix = x.map((v) => v / total);
  const k = sampleIndex(rng, mix);
  const priceIndex = k >= 0 ? k : fallback;
  return { priceIndex, sampledDemand: theta, mix };
}

/** Convenience wrapper around `decidePrice` returning only the index. */
export function choosePriceIndex(state: PricingPolicyState, ctx: PeriodContext, rng: Rng): number {
  return decidePrice(state, ctx, rng).priceIndex;
}
