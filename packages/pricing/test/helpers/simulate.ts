/**
 * In-process episode simulator for tests: the shared benchmark's model (one
 * customer per period, buys with probability d_k if stock remains) driven by
 * the package's own seeded rng, scoring against the fluid LP bound.
 */

import { choosePriceIndex, createPricingPolicy, type PricingPolicyConfig, updatePosterior } from '../../src/index.ts';
import { solvePricingLP } from '../../src/lp.ts';
import { createRng } from '../../src/rng.ts';

export interface Curve {
  readonly prices: readonly number[]; // minor units
  readonly probabilities: readonly number[];
}

export type Chooser = (ctx: { remainingInventory: number; remainingPeriods: number }) => number;

export interface EpisodeResult {
  readonly revenue: number;
  readonly bound: number;
  readonly ratio: number;
  readonly leftover: number;
  readonly trace: string;
}

/** Run one episode with a custom chooser (observe gets every outcome). */
export function runEpisode(
  curve: Curve,
  T: number,
  inventory: number,
  seed: number,
  make: (seed: number) => { choose: Chooser; observe: (k: number, sold: boolean) => void },
): EpisodeResult {
  const demand = createRng(`test-demand/${seed}`);
  const policy = make(seed);
  let stock = inventory;
  let revenue = 0;
  const trace: string[] = [];
  for (let t = 0; t < T; t++) {
    const u = demand.next();
    if (stock === 0) break;
    const k = policy.choose({ remainingInventory: stock, remainingPeriods: T - t });
    const sold = u < curve.probabilities[k]!;
    if (sold) {
      stock -= 1;
      revenue += curve.prices[k]!;
    }
    trace.push(`${k}${sold ? '+' : '-'}`);
    policy.observe(k, sold);
  }
  const bound = solvePricingLP(curve.prices, curve.probabilities, inventory / T).value * T;
  return { revenue, bound, ratio: revenue / bound, leftover: stock, trace: trace.join('') };
}

/** The package's policy, wired exactly like bench/policy.ts. */
export function tsUpdate(curve: Curve, config: Omit<PricingPolicyConfig, 'prices'> = {}) {
  return (seed: number) => {
    let state = createPricingPolicy({ prices: curve.prices, ...config });
    const rng = createRng(`policy/${seed}`);
    return {
      choose: ((ctx) => choosePriceIndex(state, ctx, rng)) as Chooser,
      observe: (k: number, sold: boolean) => {
        state = updatePosterior(state, { priceIndex: k, offers: 1, sales: sold ? 1 : 0 });
      },
    };
  };
}

export function meanRatio(curve: Curve, T: number, alpha: number, seeds: readonly number[], make: Parameters<typeof runEpisode>[4]) {
  const inv = Math.round(alpha * T);
  const ratios = seeds.map((s) => runEpisode(curve, T, inv, s, make).ratio);
  return ratios.reduce((a, b) => a + b, 0) / ratios.length;
}
