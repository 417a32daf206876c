import { describe, expect, it } from 'vitest';
import {
  choosePriceIndex,
  createPricingPolicy,
  createRng,
  decidePrice,
  type PricingPolicyState,
  posterior,
  posteriorMean,
  projectNonIncreasing,
  restoreRng,
  updatePosterior,
} from '../src/index.ts';
import { runEpisode, tsUpdate } from './helpers/simulate.ts';

const PRICES = [2990, 3490, 3990, 4490];
const PROBS = [0.8, 0.6, 0.3, 0.1];

/** A state whose posterior is concentrated on the true probabilities. */
function confident(prices: readonly number[], probs: readonly number[], n = 1_000_000): PricingPolicyState {
  let s = createPricingPolicy({ prices });
  probs.forEach((d, k) => {
    s = updatePosterior(s, { priceIndex: k, offers: n, sales: Math.round(d * n) });
  });
  return s;
}

function frequencies(state: PricingPolicyState, ctx: { remainingInventory: number; remainingPeriods: number }, n: number, seed: string) {
  const rng = createRng(seed);
  const f = new Array<number>(state.prices.length).fill(0);
  for (let i = 0; i < n; i++) f[choosePriceIndex(state, ctx, rng)]! += 1;
  return f.map((c) => c / n);
}

describe('createPricingPolicy', () => {
  it('starts with zero counts and a Beta(1, 1) prior', () => {
    const s = createPricingPolicy({ prices: PRICES });
    expect(s.offers).toEqual([0, 0, 0, 0]);
    expect(s.sales).toEqual([0, 0, 0, 0]);
    expect(posterior(s)).toEqual({ a: [1, 1, 1, 1], b: [1, 1, 1, 1] });
    expect(s.monotoneDemand).toBe(true);
  });

  it('accepts per-price priors', () => {
    const s = createPricingPolicy({
      prices: [100, 200],
      prior: [
        { successes: 3, failures: 1 },
        { successes: 1, failures: 3 },
      ],
    });
    expect(posteriorMean(s)).toEqual([0.75, 0.25]);
  });

  it('rejects invalid configurations', () => {
    expect(() => createPricingPolicy({ prices: [] })).toThrow(RangeError);
    expect(() => createPricingPolicy({ prices: [29.9, 34.9] })).toThrow(/minor units/);
    expect(() => createPricingPolicy({ prices: [100, 100] })).toThrow(/distinct/);
    expect(() => createPricingPolicy({ prices: [100], prior: { successes: 0, failures: 1 } })).toThrow(RangeError);
    expect(() => createPricingPolicy({ prices: [100, 200], prior: [{ successes: 1, failures: 1 }] })).toThrow(RangeError);
  });
});

describe('updatePosterior', () => {
  it('adds offers and sales to the offered price only, without mutating the input', () => {
    const s0 = createPricingPolicy({ prices: PRICES });
    const s1 = updatePosterior(s0, { priceIndex: 2, offers: 1, sales: 1 });
    const s2 = updatePosterior(s1, { priceIndex: 2, offers: 1, sales: 0 });
    const s3 = updatePosterior(s2, { priceIndex: 0, offers: 10, sales: 7 });
    expect(s0.offers).toEqual([0, 0, 0, 0]);
    expect(s3.offers).toEqual([10, 0, 2, 0]);
    expect(s3.sales).toEqual([7, 0, 1, 0]);
    // Beta(1 + sales, 1 + offers - sales).
    expect(posterior(s3)).toEqual({ a: [8, 1, 2, 1], b: [4, 1, 2, 1] });
    expect(posteriorMean(s3)).toEqual([8 / 12, 0.5, 0.5, 0.5]);
  });

  it('rejects impossible observations', () => {
    const s = createPricingPolicy({ prices: PRICES });
    expect(() => updatePosterior(s, { priceIndex: 4, offers: 1, sales: 0 })).toThrow(RangeError);
    expect(() => updatePosterior(s, { priceIndex: -1, offers: 1, sales: 0 })).toThrow(RangeError);
    expect(() => updatePosterior(s, { priceIndex: 0, offers: 1, sales: 2 })).toThrow(RangeError);
    expect(() => updatePosterior(s, { priceIndex: 0, offers: 1.5, sales: 0 })).toThrow(RangeError);
    expect(() => updatePosterior(s, { priceIndex: 0, offers: -1, sales: 0 })).toThrow(RangeError);
  });

  it('posterior mean converges to the observed rate', () => {
    const s = confident(PRICES, PROBS, 10_000);
    posteriorMean(s).forEach((m, k) => {
      expect(m).toBeCloseTo(PROBS[k]!, 3);
    });
  });
});

describe('projectNonIncreasing', () => {
  it('pools adjacent violators with weights', () => {
    expect(projectNonIncreasing([0.2, 0.5, 0.1], [1, 1, 1], [0, 1, 2])).toEqual([0.35, 0.35, 0.1]);
    expect(projectNonIncreasing([0.2, 0.5, 0.1], [3, 1, 1], [0, 1, 2])).toEqual([0.275, 0.275, 0.1]);
    expect(projectNonIncreasing([0.9, 0.5, 0.1], [1, 1, 1], [0, 1, 2])).toEqual([0.9, 0.5, 0.1]);
  });

  it('follows the given price order, not the index order', () => {
    // Index 0 is the most expensive price here.
    // Along ascending price (2, 1, 0) the values read 0.3, 0.5, 0.1: pool the first two.
    const out = projectNonIncreasing([0.1, 0.5, 0.3], [1, 1, 1], [2, 1, 0]);
    expect(out[0]).toBeCloseTo(0.1, 12);
    expect(out[1]).toBeCloseTo(0.4, 12);
    expect(out[2]).toBeCloseTo(0.4, 12);
  });
});

describe('choosePriceIndex', () => {
  it('with a confident posterior follows the LP mix for the remaining stock rate', () => {
    const s = confident(PRICES, PROBS);
    // c = 250 / 1000: mix 39.9 : 44.9 = 0.75 : 0.25.
    const f = frequencies(s, { remainingInventory: 250, remainingPeriods: 1000 }, 4000, 'mix/a');
    expect(f[0]! + f[1]!).toBe(0);
    expect(Math.abs(f[2]! - 0.75)).toBeLessThan(0.03);
    // c = 500 / 1000: mix 34.9 : 39.9 = 2/3 : 1/3.
    const g = frequencies(s, { remainingInventory: 500, remainingPeriods: 1000 }, 4000, 'mix/b');
    expect(g[0]! + g[3]!).toBe(0);
    expect(Math.abs(g[1]! - 2 / 3)).toBeLessThan(0.03);
  });

  it('re-solves with the REMAINING stock and time', () => {
    const s = confident(PRICES, PROBS);
    // Same initial ratio, but only 100 units left for the last 800 periods: c = 0.125 -> prices 39.9/44.9 mostly 44.9.
    const f = frequencies(s, { remainingInventory: 100, remainingPeriods: 800 }, 4000, 'remaining');
    // x3 = (0.125 - 0.1) / 0.2 = 0.125.
    expect(Math.abs(f[2]! - 0.125)).toBeLessThan(0.03);
    expect(f[3]!).toBeGreaterThan(0.8);
  });

  it('scales a mix with sum x < 1 instead of wasting periods', () => {
    const s = confident(PRICES, PROBS);
    // c = 0.05 < every demand: LP says 44.9 half the time; scaled it is always 44.9.
    expect(frequencies(s, { remainingInventory: 50, remainingPeriods: 1000 }, 500, 'scale')).toEqual([0, 0, 0, 1]);
  });

  it('at the end of the horizon (stock >= periods left) maximises revenue per customer', () => {
    const s = confident(PRICES, PROBS);
    expect(frequencies(s, { remainingInventory: 5, remainingPeriods: 3 }, 500, 'end')).toEqual([1, 0, 0, 0]);
    expect(frequencies(s, { remainingInventory: 1, remainingPeriods: 1 }, 500, 'end1')).toEqual([1, 0, 0, 0]);
  });

  it('never offers a price that is not allowed', () => {
    const rng = createRng('allowed');
    let s = createPricingPolicy({ prices: PRICES });
    const allowed = [false, true, false, true];
    for (let t = 0; t < 500; t++) {
      const d = decidePrice(s, { remainingInventory: 100, remainingPeriods: 500 - t, allowed }, rng);
      expect(allowed[d.priceIndex]).toBe(true);
      expect(d.mix[0]! + d.mix[2]!).toBe(0);
      s = updatePosterior(s, { priceIndex: d.priceIndex, offers: 1, sales: rng.next() < PROBS[d.priceIndex]! ? 1 : 0 });
    }
    expect(() => decidePrice(s, { remainingInventory: 1, remainingPeriods: 1, allowed: [false, false, false, false] }, rng)).toThrow();
  });

  it('monotone projection makes sampled demand non-increasing in price', () => {
    const rng = createRng('mono');
    const s = createPricingPolicy({ prices: [4000, 1000, 3000, 2000] });
    for (let i = 0; i < 200; i++) {
      const th = decidePrice(s, { remainingInventory: 10, remainingPeriods: 100 }, rng).sampledDemand;
      // Ascending price order is indices 1, 3, 2, 0.
      expect(th[1]! >= th[3]! && th[3]! >= th[2]! && th[2]! >= th[0]!).toBe(true);
    }
  });

  it('rejects a bad context', () => {
    const s = createPricingPolicy({ prices: PRICES });
    const rng = createRng(1);
    expect(() => choosePriceIndex(s, { remainingInventory: -1, remainingPeriods: 3 }, rng)).toThrow(RangeError);
    expect(() => choosePriceIndex(s, { remainingInventory: 1, remainingPeriods: 0 }, rng)).toThrow(RangeError);
  });
});

describe('determinism and persistence', () => {
  const curve = { prices: PRICES, probabilities: PROBS };

  it('the same seed gives the same episode; different seeds differ', () => {
    const a = runEpisode(curve, 600, 150, 3, tsUpdate(curve));
    const b = runEpisode(curve, 600, 150, 3, tsUpdate(curve));
    const c = runEpisode(curve, 600, 150, 4, tsUpdate(curve));
    expect(a.trace).toBe(b.trace);
    expect(a.revenue).toBe(b.revenue);
    expect(c.trace).not.toBe(a.trace);
  });

  it('persisting state and rng as JSON every period changes nothing', () => {
    const direct = runEpisode(curve, 400, 100, 9, tsUpdate(curve));
    const persisted = runEpisode(curve, 400, 100, 9, (seed) => {
      // Worker-style: load JSON, decide, update, save JSON.
      let stored = JSON.stringify({ state: createPricingPolicy({ prices: PRICES }), rng: createRng(`policy/${seed}`).getState() });
      return {
        choose: (ctx) => {
          const { state, rng } = JSON.parse(stored);
          const r = restoreRng(rng);
          const k = choosePriceIndex(state, ctx, r);
          stored = JSON.stringify({ state, rng: r.getState() });
          return k;
        },
        observe: (k, sold) => {
          const { state, rng } = JSON.parse(stored);
          stored = JSON.stringify({ state: updatePosterior(state, { priceIndex: k, offers: 1, sales: sold ? 1 : 0 }), rng });
        },
      };
    });
    expect(persisted.trace).toBe(direct.trace);
  });
});

describe('Poisson demand model (one period = one day, several units a day)', () => {
  it('posterior is Gamma(prior shape + units, prior rate + days)', () => {
    let s = createPricingPolicy({ prices: [1000, 2000], demandModel: 'poisson', prior: { successes: 1, failures: 1 } });
    s = updatePosterior(s, { priceIndex: 0, offers: 4, sales: 22 });
    s = updatePosterior(s, { priceIndex: 1, offers: 2, sales: 3 });
    expect(posterior(s)).toEqual({ a: [23, 4], b: [5, 3] });
    expect(posteriorMean(s)).toEqual([23 / 5, 4 / 3]);
  });

  it('with a confident posterior follows the LP for units per day, whose stock rate is not capped at 1', () => {
    // 12 units/day at 1000, 5/day at 2000: revenue 12000 vs 10000 a day. With 3 units a day to sell
    // the LP keeps the higher price (5 > 3 units/day) but with plenty of stock it sells at 1000.
    let s = createPricingPolicy({ prices: [1000, 2000], demandModel: 'poisson' });
    s = updatePosterior(s, { priceIndex: 0, offers: 100_000, sales: 1_200_000 });
    s = updatePosterior(s, { priceIndex: 1, offers: 100_000, sales: 500_000 });
    const rng = createRng('poisson-lp');
    const pick = (inv: number) => {
      const f = [0, 0];
      for (let i = 0; i < 200; i++) f[choosePriceIndex(s, { remainingInventory: inv, remainingPeriods: 10 }, rng)]! += 1;
      return f;
    };
    expect(pick(30)).toEqual([0, 200]);
    expect(pick(1000)).toEqual([200, 0]);
  });

  it('learns to price a daily-demand product near the fluid optimum', () => {
    // Units/day Poisson with means 6, 4, 2.5 at 10, 15, 20; 30 days, stock 75 (binding: 2.5/day).
    const prices = [1000, 1500, 2000];
    const rates = [6, 4, 2.5];
    let state = createPricingPolicy({ prices, demandModel: 'poisson', prior: { successes: 1, failures: 1 } });
    const rng = createRng('poisson-episode');
    const demand = createRng('poisson-demand');
    const poisson = (lambda: number) => {
      let k = 0;
      let prod = demand.next();
      const l = Math.exp(-lambda);
      while (prod > l) {
        k++;
        prod *= demand.next();
      }
      return k;
    };
    let stock = 300;
    let revenue = 0;
    const T = 120;
    for (let t = 0; t < T && stock > 0; t++) {
      const k = choosePriceIndex(state, { remainingInventory: stock, remainingPeriods: T - t }, rng);
      const sold = Math.min(stock, poisson(rates[k]!));
      stock -= sold;
      revenue += sold * prices[k]!;
      state = updatePosterior(state, { priceIndex: k, offers: 1, sales: sold });
    }
    // Fluid bound: 2.5 units/day x 120 days at 2000 = 600000 (stock 300 = 2.5/day exactly).
    expect(revenue / 600_000).toBeGreaterThan(0.85);
    // Always the lowest price sells out at 10.00: 300 x 1000.
    expect(revenue).toBeGreaterThan(300 * 1000 * 1.3);
  });
});
