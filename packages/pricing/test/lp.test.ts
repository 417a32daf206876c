import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { solvePricingLP, solveSmallLP } from '../src/lp.ts';

const P = [29.9, 34.9, 39.9, 44.9];
const D = [0.8, 0.6, 0.3, 0.1];

describe('solvePricingLP: hand-checked cases', () => {
  it('tight stock, c = 0.25: mix 39.9 : 44.9 = 0.75 : 0.25, value 10.1', () => {
    const s = solvePricingLP(P, D, 0.25);
    expect(s.value).toBeCloseTo(10.1, 10);
    expect(s.x[0]).toBe(0);
    expect(s.x[1]).toBe(0);
    expect(s.x[2]).toBeCloseTo(0.75, 12);
    expect(s.x[3]).toBeCloseTo(0.25, 12);
    // Duals: 0.3 l + m = 11.97 and 0.1 l + m = 4.49  =>  l = 37.4, m = 0.75.
    expect(s.inventoryDual).toBeCloseTo(37.4, 10);
    expect(s.timeDual).toBeCloseTo(0.75, 10);
  });

  it('c = 0.5: mix 34.9 : 39.9 = 2/3 : 1/3, value 17.95', () => {
    const s = solvePricingLP(P, D, 0.5);
    expect(s.value).toBeCloseTo(17.95, 10);
    expect(s.x[1]).toBeCloseTo(2 / 3, 12);
    expect(s.x[2]).toBeCloseTo(1 / 3, 12);
    expect(s.x[0]! + s.x[3]!).toBe(0);
  });

  it('non-binding stock picks the revenue-maximising price alone', () => {
    const s = solvePricingLP(P, D, 0.9);
    expect(s.value).toBeCloseTo(29.9 * 0.8, 10);
    expect(s.x).toEqual([1, 0, 0, 0]);
    expect(s.inventoryDual).toBe(0);
  });

  it('very scarce stock: highest price alone with sum x < 1', () => {
    const s = solvePricingLP(P, D, 0.05);
    expect(s.value).toBeCloseTo(44.9 * 0.05, 10);
    expect(s.x[3]).toBeCloseTo(0.5, 12);
    expect(s.x.slice(0, 3)).toEqual([0, 0, 0]);
  });

  it('no stock gives zero', () => {
    const s = solvePricingLP(P, D, 0);
    expect(s.value).toBe(0);
    expect(s.x.every((v) => v === 0)).toBe(true);
  });

  it('exactly degenerate c = d_k: that price alone', () => {
    const s = solvePricingLP(P, D, 0.3);
    expect(s.value).toBeCloseTo(39.9 * 0.3, 10);
    expect(s.x[2]).toBeCloseTo(1, 12);
  });

  it('mask removes prices from the LP', () => {
    const s = solvePricingLP(P, D, 0.25, [true, true, true, false]);
    // Without 44.9 the best is 39.9 alone at 0.25/0.3 of the periods (34.9/39.9 mixes are worse).
    expect(s.x[3]).toBe(0);
    expect(s.value).toBeCloseTo(39.9 * 0.25, 10);
  });

  it('two-price hand case', () => {
    // p = (10, 20), d = (0.5, 0.2), c = 0.3: x1 + x2 = 1, 0.5 x1 + 0.2 x2 = 0.3 => x1 = 1/3, x2 = 2/3.
    const s = solvePricingLP([10, 20], [0.5, 0.2], 0.3);
    expect(s.x[0]).toBeCloseTo(1 / 3, 12);
    expect(s.x[1]).toBeCloseTo(2 / 3, 12);
    expect(s.value).toBeCloseTo((10 * 0.5) / 3 + (20 * 0.2 * 2) / 3, 12);
  });

  it('rejects invalid input', () => {
    expect(() => solvePricingLP(P, D, -0.1)).toThrow(RangeError);
    expect(() => solvePricingLP(P, [0.5, 1.5, 0, 0], 0.2)).toThrow(RangeError);
    expect(() => solvePricingLP(P, [0.5], 0.2)).toThrow(RangeError);
  });
});

describe('solvePricingLP: optimality certificate on random instances', () => {
  // Purchase probabilities as Thompson samples produce them: exactly 0 or not absurdly tiny.
  const prob = fc.oneof(fc.constant(0), fc.double({ min: 1e-6, max: 1, noNaN: true }));
  it('primal feasible, dual feasible, equal objectives', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 100_000 }), prob), { minLength: 1, maxLength: 7 }),
        fc.oneof(fc.constant(0), fc.double({ min: 1e-6, max: 1.5, noNaN: true })),
        (pairs, c) => {
          const p = pairs.map(([q]) => q);
          const d = pairs.map(([, v]) => v);
          const s = solvePricingLP(p, d, c);
          const tol = 1e-7 * (1 + s.value);
          const sumX = s.x.reduce((a, b) => a + b, 0);
          const rate = s.x.reduce((a, x, k) => a + x * d[k]!, 0);
          const obj = s.x.reduce((a, x, k) => a + x * d[k]! * p[k]!, 0);
          expect(s.x.every((x) => x >= 0)).toBe(true);
          expect(sumX).toBeLessThanOrEqual(1 + 1e-9);
          expect(rate).toBeLessThanOrEqual(c + 1e-9);
          expect(Math.abs(obj - s.value)).toBeLessThan(tol);
          // Weak duality bound is attained: value = l c + m with p_k d_k <= l d_k + m.
          expect(s.inventoryDual).toBeGreaterThanOrEqual(0);
          expect(s.timeDual).toBeGreaterThanOrEqual(0);
          for (let k = 0; k < p.length; k++) {
            expect(p[k]! * d[k]!).toBeLessThanOrEqual(s.inventoryDual * d[k]! + s.timeDual + tol);
          }
          expect(Math.abs(s.inventoryDual * c + s.timeDual - s.value)).toBeLessThan(tol);
        },
      ),
      { numRuns: 500, seed: 42, interruptAfterTimeLimit: 20_000, markInterruptAsFailure: true },
    );
  });
});

describe('solveSmallLP (general)', () => {
  it('textbook example: max 3x + 5y, x <= 4, 2y <= 12, 3x + 2y <= 18 -> 36 at (2, 6)', () => {
    const r = solveSmallLP({
      objective: [3, 5],
      constraints: [
        [1, 0],
        [0, 2],
        [3, 2],
      ],
      rhs: [4, 12, 18],
    });
    expect(r.status).toBe('optimal');
    if (r.status !== 'optimal') return;
    expect(r.value).toBeCloseTo(36, 12);
    expect(r.x[0]).toBeCloseTo(2, 12);
    expect(r.x[1]).toBeCloseTo(6, 12);
    expect(r.duals[0]).toBeCloseTo(0, 12);
    expect(r.duals[1]).toBeCloseTo(1.5, 12);
    expect(r.duals[2]).toBeCloseTo(1, 12);
  });

  it('detects unbounded and infeasible problems', () => {
    expect(solveSmallLP({ objective: [1, 1], constraints: [[1, -1]], rhs: [1] }).status).toBe('unbounded');
    expect(solveSmallLP({ objective: [1], constraints: [[1]], rhs: [-1] }).status).toBe('infeasible');
    expect(solveSmallLP({ objective: [-1, -2], constraints: [], rhs: [] })).toMatchObject({ status: 'optimal', value: 0 });
  });

  it('handles degenerate vertices (redundant constraints)', () => {
    const r = solveSmallLP({
      objective: [1, 1],
      constraints: [
        [1, 0],
        [0, 1],
        [1, 1],
      ],
      rhs: [1, 1, 2],
    });
    expect(r).toMatchObject({ status: 'optimal' });
    if (r.status === 'optimal') expect(r.value).toBeCloseTo(2, 12);
  });

  it('random bounded LPs carry a valid dual certificate', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }).chain((n) =>
          fc.record({
            c: fc.array(fc.double({ min: -5, max: 10, noNaN: true }), { minLength: n, maxLength: n }),
            A: fc.array(fc.array(fc.double({ min: 0.05, max: 3, noNaN: true }), { minLength: n, maxLength: n }), {
              minLength: 1,
              maxLength: 3,
            }),
          }),
        ),
        fc.array(fc.double({ min: 0, max: 10, noNaN: true }), { minLength: 3, maxLength: 3 }),
        ({ c, A }, bAll) => {
          const b = bAll.slice(0, A.length);
          const r = solveSmallLP({ objective: c, constraints: A, rhs: b });
          expect(r.status).toBe('optimal');
          if (r.status !== 'optimal') return;
          const tol = 1e-7 * (1 + Math.abs(r.value));
          A.forEach((row, i) => {
            expect(row.reduce((s, a, j) => s + a * r.x[j]!, 0)).toBeLessThanOrEqual(b[i]! + 1e-9);
          });
          for (let j = 0; j < c.length; j++) {
            expect(A.reduce((s, row, i) => s + row[j]! * r.duals[i]!, 0)).toBeGreaterThanOrEqual(c[j]! - tol);
          }
          expect(Math.abs(b.reduce((s, bi, i) => s + bi * r.duals[i]!, 0) - r.value)).toBeLessThan(tol);
        },
      ),
      { numRuns: 300, seed: 7, interruptAfterTimeLimit: 20_000, markInterruptAsFailure: true },
    );
  });
});
