import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  clampToGuardrails,
  createPricingPolicy,
  createRng,
  GuardrailError,
  type Guardrails,
  isWithinGuardrails,
  recommendPrice,
  tryClampToGuardrails,
  updatePosterior,
} from '../src/index.ts';

/** Independent re-statement of the rules (does not call the code under test). */
function valid(p: number, g: Guardrails): boolean {
  if (!Number.isInteger(p)) return false;
  if (p < g.floor || p > g.ceiling) return false;
  if (g.step !== undefined && (((p - (g.stepAnchor ?? 0)) % g.step) + g.step) % g.step !== 0) return false;
  if (g.allowedPricePoints !== undefined && !g.allowedPricePoints.includes(p)) return false;
  if (g.previousPrice !== undefined) {
    const move = Math.abs(p - g.previousPrice);
    if (g.maxChangePerDay !== undefined && move > g.maxChangePerDay) return false;
    if (g.maxChangeFractionPerDay !== undefined && move > g.previousPrice * g.maxChangeFractionPerDay + 1e-9) return false;
  }
  return true;
}

describe('clampToGuardrails: examples', () => {
  const base: Guardrails = { floor: 1000, ceiling: 5000 };

  it('clamps to floor and ceiling and keeps valid prices', () => {
    expect(clampToGuardrails(500, base)).toBe(1000);
    expect(clampToGuardrails(9000, base)).toBe(5000);
    expect(clampToGuardrails(2345, base)).toBe(2345);
    expect(tryClampToGuardrails(2345, base)).toEqual({ ok: true, price: 2345, adjusted: false });
    expect(tryClampToGuardrails(500, base)).toEqual({ ok: true, price: 1000, adjusted: true });
  });

  it('rounds fractional minor units to the nearest integer, ties down', () => {
    expect(clampToGuardrails(2345.4, base)).toBe(2345);
    expect(clampToGuardrails(2345.6, base)).toBe(2346);
    expect(clampToGuardrails(2345.5, base)).toBe(2345);
  });

  it('snaps to the step grid (nearest, ties to the lower price)', () => {
    const g = { ...base, step: 50 };
    expect(clampToGuardrails(2374, g)).toBe(2350);
    expect(clampToGuardrails(2376, g)).toBe(2400);
    expect(clampToGuardrails(2375, g)).toBe(2350);
    expect(clampToGuardrails(999, g)).toBe(1000);
    // x.99 pricing: anchor 99, step 100.
    const charm = { floor: 1000, ceiling: 5000, step: 100, stepAnchor: 99 };
    expect(clampToGuardrails(2450, charm)).toBe(2499);
    expect(clampToGuardrails(2440, charm)).toBe(2399);
    expect(clampToGuardrails(1000, charm)).toBe(1099);
    expect(clampToGuardrails(5000, charm)).toBe(4999);
  });

  it('uses only allowed price points', () => {
    const g = { ...base, allowedPricePoints: [999, 1999, 2999, 4999, 5999] };
    expect(clampToGuardrails(2400, g)).toBe(1999);
    expect(clampToGuardrails(2600, g)).toBe(2999);
    expect(clampToGuardrails(9000, g)).toBe(4999); // 5999 is above the ceiling
    expect(clampToGuardrails(100, g)).toBe(1999); // 999 is below the floor
  });

  it('limits the daily move from the previous price (absolute and relative)', () => {
    expect(clampToGuardrails(4000, { ...base, previousPrice: 3000, maxChangePerDay: 200 })).toBe(3200);
    expect(clampToGuardrails(1000, { ...base, previousPrice: 3000, maxChangePerDay: 200 })).toBe(2800);
    expect(clampToGuardrails(4000, { ...base, previousPrice: 3000, maxChangeFractionPerDay: 0.1 })).toBe(3300);
    // The tighter of the two wins; grid applies inside the band.
    expect(clampToGuardrails(4000, { ...base, previousPrice: 3000, maxChangePerDay: 250, maxChangeFractionPerDay: 0.1, step: 100 })).toBe(3200);
    // Without a previous price the change limits cannot apply.
    expect(clampToGuardrails(4000, { ...base, maxChangePerDay: 1 })).toBe(4000);
  });

  it('throws rather than return a price outside the guardrails', () => {
    const err = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const e1 = err(() => clampToGuardrails(3000, { ...base, previousPrice: 8000, maxChangePerDay: 100 }));
    expect(e1).toBeInstanceOf(GuardrailError);
    expect((e1 as GuardrailError).code).toBe('infeasible');
    expect((err(() => clampToGuardrails(3000, { floor: 1010, ceiling: 1090, step: 100 })) as GuardrailError).code).toBe('infeasible');
    expect((err(() => clampToGuardrails(3000, { floor: 5000, ceiling: 1000 })) as GuardrailError).code).toBe('invalid-guardrails');
    expect((err(() => clampToGuardrails(3000, { floor: 10.5, ceiling: 1000 })) as GuardrailError).code).toBe('invalid-guardrails');
    expect((err(() => clampToGuardrails(Number.NaN, base)) as GuardrailError).code).toBe('invalid-price');
    expect(tryClampToGuardrails(3000, { ...base, step: 0 })).toMatchObject({ ok: false, code: 'invalid-guardrails' });
  });

  it('isWithinGuardrails agrees with the rules', () => {
    const g = { ...base, step: 100, previousPrice: 3000, maxChangePerDay: 300 };
    expect(isWithinGuardrails(3300, g)).toBe(true);
    expect(isWithinGuardrails(3400, g)).toBe(false);
    expect(isWithinGuardrails(3250, g)).toBe(false);
    expect(isWithinGuardrails(3000.5, g)).toBe(false);
    expect(isWithinGuardrails(3000, { floor: 2, ceiling: 1 })).toBe(false);
  });
});

const guardrailsArb = fc
  .record(
    {
      floor: fc.integer({ min: 0, max: 3000 }),
      width: fc.integer({ min: 0, max: 2000 }),
      step: fc.option(fc.integer({ min: 1, max: 300 }), { nil: undefined }),
      stepAnchor: fc.option(fc.integer({ min: -50, max: 300 }), { nil: undefined }),
      allowedPricePoints: fc.option(fc.array(fc.integer({ min: 0, max: 6000 }), { maxLength: 8 }), { nil: undefined }),
      maxChangePerDay: fc.option(fc.integer({ min: 0, max: 600 }), { nil: undefined }),
      maxChangeFractionPerDay: fc.option(fc.double({ min: 0, max: 0.5, noNaN: true }), { nil: undefined }),
    },
    { requiredKeys: ['floor', 'width'] },
  )
  .map(({ floor, width, ...rest }): Guardrails => {
    const g: Record<string, unknown> = { floor, ceiling: floor + width };
    for (const [k, v] of Object.entries(rest)) if (v !== undefined) g[k] = v;
    return g as unknown as Guardrails;
  });

describe('clampToGuardrails: properties', () => {
  it('returns the nearest valid price, or reports infeasible exactly when none exists', () => {
    fc.assert(
      fc.property(
        guardrailsArb,
        fc.option(fc.integer({ min: 0, max: 6000 }), { nil: undefined }),
        fc.oneof(fc.integer({ min: -1000, max: 8000 }), fc.double({ min: -1000, max: 8000, noNaN: true })),
        (g0, prev, price) => {
          const g: Guardrails = prev === undefined ? g0 : { ...g0, previousPrice: prev };
          const feasible: number[] = [];
          for (let p = g.floor; p <= g.ceiling; p++) if (valid(p, g)) feasible.push(p);
          const r = tryClampToGuardrails(price, g);
          if (feasible.length === 0) {
            expect(r).toMatchObject({ ok: false, code: 'infeasible' });
            expect(() => clampToGuardrails(price, g)).toThrow(GuardrailError);
            return;
          }
          expect(r.ok).toBe(true);
          if (!r.ok) return;
          expect(valid(r.price, g)).toBe(true);
          const best = Math.min(...feasible.map((p) => Math.abs(p - price)));
          expect(Math.abs(r.price - price)).toBe(best);
          expect(r.price).toBe(feasible.find((p) => Math.abs(p - price) === best));
        },
      ),
      { numRuns: 400, seed: 11, interruptAfterTimeLimit: 20_000, markInterruptAsFailure: true },
    );
  });

  it('no sequence of sales makes the recommended price leave the guardrails', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 100, max: 8000 }), { minLength: 1, maxLength: 6 }),
        guardrailsArb,
        fc.integer({ min: 0, max: 8000 }),
        fc.array(fc.nat({ max: 5 }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 1_000 }),
        (prices, g, start, salesPerDay, seed) => {
          const first = tryClampToGuardrails(start, g);
          fc.pre(first.ok);
          if (!first.ok) return;
          let prev = first.price;
          let state = createPricingPolicy({ prices });
          const rng = createRng(`prop/${seed}`);
          let stock = salesPerDay.reduce((a, b) => a + b, 0) + 3;
          salesPerDay.forEach((wanted, day) => {
            const today: Guardrails = { ...g, previousPrice: prev };
            const rec = recommendPrice(state, { remainingInventory: stock, remainingPeriods: salesPerDay.length - day }, rng, today);
            expect(valid(rec.price, today)).toBe(true);
            if (rec.priceIndex !== null) {
              expect(prices[rec.priceIndex]).toBe(rec.price);
              const sold = Math.min(wanted, stock);
              state = updatePosterior(state, { priceIndex: rec.priceIndex, offers: Math.max(sold, 5), sales: sold });
              stock -= sold;
            }
            prev = rec.price;
          });
        },
      ),
      { numRuns: 300, seed: 5, interruptAfterTimeLimit: 30_000, markInterruptAsFailure: true },
    );
  });

  it('daily pricing (Poisson demand, several units a day): no sequence of sales leaves the guardrails', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 100, max: 8000 }), { minLength: 1, maxLength: 6 }),
        guardrailsArb,
        fc.integer({ min: 0, max: 8000 }),
        fc.array(fc.nat({ max: 40 }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 1_000 }),
        (prices, g, start, unitsPerDay, seed) => {
          const first = tryClampToGuardrails(start, g);
          fc.pre(first.ok);
          if (!first.ok) return;
          let prev = first.price;
          let state = createPricingPolicy({ prices, demandModel: 'poisson', prior: { successes: 0.5, failures: 1 } });
          const rng = createRng(`prop-poisson/${seed}`);
          let stock = Math.floor(unitsPerDay.reduce((a, b) => a + b, 0) / 2) + 1;
          unitsPerDay.forEach((wanted, day) => {
            const today: Guardrails = { ...g, previousPrice: prev };
            const rec = recommendPrice(state, { remainingInventory: stock, remainingPeriods: unitsPerDay.length - day }, rng, today);
            expect(valid(rec.price, today)).toBe(true);
            if (rec.priceIndex !== null) {
              const sold = Math.min(wanted, stock);
              state = updatePosterior(state, { priceIndex: rec.priceIndex, offers: 1, sales: sold });
              stock -= sold;
            }
            prev = rec.price;
          });
        },
      ),
      { numRuns: 200, seed: 9, interruptAfterTimeLimit: 30_000, markInterruptAsFailure: true },
    );
  });

  it('the policy only picks candidates inside the guardrails when some are', () => {
    const prices = [1999, 2499, 2999, 3499];
    let state = createPricingPolicy({ prices });
    const rng = createRng('inside');
    const g: Guardrails = { floor: 2000, ceiling: 3000, previousPrice: 2499, maxChangePerDay: 600 };
    for (let i = 0; i < 300; i++) {
      const rec = recommendPrice(state, { remainingInventory: 50, remainingPeriods: 300 - i }, rng, g);
      expect(rec.clamped).toBe(false);
      expect([2499, 2999]).toContain(rec.price);
      state = updatePosterior(state, { priceIndex: rec.priceIndex!, offers: 1, sales: rng.next() < 0.3 ? 1 : 0 });
    }
    // No candidate reachable today: the choice is clamped and not attributed to a candidate.
    const far = recommendPrice(state, { remainingInventory: 5, remainingPeriods: 5 }, rng, {
      floor: 100,
      ceiling: 9000,
      previousPrice: 5000,
      maxChangePerDay: 100,
    });
    expect(far.clamped).toBe(true);
    expect(far.priceIndex).toBeNull();
    expect(far.price).toBeGreaterThanOrEqual(4900);
    expect(far.price).toBeLessThanOrEqual(5100);
  });
});
