/**
 * Adapter from the shared pricing simulator's interface
 * (../shared/bench/pricing/README.md) to the policy in ../src. It holds no
 * pricing logic of its own: it converts the simulator's float prices to
 * integer minor units, keeps the plain-JSON policy state and the seeded rng,
 * and forwards every call to the same functions the worker uses.
 */

import { choosePriceIndex, createPricingPolicy, createRng, inferMinorUnitScale, type PricingPolicyState, toMinorUnits, updatePosterior } from '../src/index.ts';

export interface SimulatorInit {
  readonly prices: readonly number[];
  readonly horizon: number;
  readonly inventory: number;
  readonly seed: number;
}

export interface SimulatorPolicy {
  choosePrice(ctx: { t: number; remainingInventory: number; remainingPeriods: number }): number;
  observe(obs: { t: number; priceIndex: number; sold: boolean }): void;
}

export function createPolicy({ prices, seed }: SimulatorInit): SimulatorPolicy {
  // Cents, or finer if the simulator's prices need it (e.g. 9.999).
  const scale = inferMinorUnitScale(prices, 6, 2);
  let state: PricingPolicyState = createPricingPolicy({ prices: prices.map((p) => toMinorUnits(p, scale)) });
  // Own stream per run seed, separate from the simulator's demand stream.
  const rng = createRng(`policy/${seed}`);
  return {
    choosePrice({ remainingInventory, remainingPeriods }) {
      return choosePriceIndex(state, { remainingInventory, remainingPeriods }, rng);
    },
    observe({ priceIndex, sold }) {
      state = updatePosterior(state, { priceIndex, offers: 1, sales: sold ? 1 : 0 });
    },
  };
}
