import { describe, expect, it } from 'vitest';
import { createPolicy } from '../bench/policy.ts';
import { choosePriceIndex, createPricingPolicy, createRng, updatePosterior } from '../src/index.ts';

const PRICES = [29.9, 34.9, 39.9, 44.9];
const PROBS = [0.8, 0.6, 0.3, 0.1];

function runAdapter(seed: number, T: number, I: number): string {
  const p = createPolicy({ prices: PRICES, horizon: T, inventory: I, seed });
  const demand = createRng(`adapter-demand/${seed}`);
  let stock = I;
  let out = '';
  for (let t = 0; t < T && stock > 0; t++) {
    const k = p.choosePrice({ t, remainingInventory: stock, remainingPeriods: T - t });
    expect(Number.isInteger(k) && k >= 0 && k < PRICES.length).toBe(true);
    const sold = demand.next() < PROBS[k]!;
    if (sold) stock -= 1;
    p.observe({ t, priceIndex: k, sold });
    out += `${k}${sold ? '+' : '-'}`;
  }
  return out;
}

describe('bench adapter (simulator interface)', () => {
  it('is deterministic by seed', () => {
    expect(runAdapter(1, 300, 75)).toBe(runAdapter(1, 300, 75));
    expect(runAdapter(1, 300, 75)).not.toBe(runAdapter(2, 300, 75));
  });

  it('makes exactly the decisions of the src policy on minor-unit prices', () => {
    const T = 300;
    const I = 75;
    const seed = 4;
    const viaAdapter = runAdapter(seed, T, I);
    let state = createPricingPolicy({ prices: [2990, 3490, 3990, 4490] });
    const rng = createRng(`policy/${seed}`);
    const demand = createRng(`adapter-demand/${seed}`);
    let stock = I;
    let direct = '';
    for (let t = 0; t < T && stock > 0; t++) {
      const k = choosePriceIndex(state, { remainingInventory: stock, remainingPeriods: T - t }, rng);
      const sold = demand.next() < PROBS[k]!;
      if (sold) stock -= 1;
      state = updatePosterior(state, { priceIndex: k, offers: 1, sales: sold ? 1 : 0 });
      direct += `${k}${sold ? '+' : '-'}`;
    }
    expect(viaAdapter).toBe(direct);
  });

  it('handles prices that need more than two decimals', () => {
    const p = createPolicy({ prices: [9.999, 10.001], horizon: 10, inventory: 5, seed: 1 });
    expect([0, 1]).toContain(p.choosePrice({ t: 0, remainingInventory: 5, remainingPeriods: 10 }));
  });
});
