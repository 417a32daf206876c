import { describe, expect, it } from 'vitest';
import { easeScores, invertSpdInPlace, invertSymmetricInPlace, matMul, trainEase } from '../src/index.ts';

describe('matrix inversion', () => {
  it('inverts a random SPD matrix (A·A⁻¹ = I) with both methods', () => {
    const n = 40;
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const m = new Float64Array(n * n);
    for (let i = 0; i < n * n; i++) m[i] = rnd() - 0.5;
    const a = matMul(
      m,
      Float64Array.from({ length: n * n }, (_, k) => m[(k % n) * n + Math.floor(k / n)] as number),
      n,
      n,
      n,
    );
    for (let i = 0; i < n; i++) a[i * n + i] = (a[i * n + i] as number) + 0.5;
    for (const inv of [invertSymmetricInPlace(a.slice(), n), invertSpdInPlace(a.slice(), n)]) {
      const id = matMul(a, inv, n, n, n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(id[i * n + j]).toBeCloseTo(i === j ? 1 : 0, 9);
    }
  });

  it('rejects a matrix that is not positive definite', () => {
    expect(() => invertSymmetricInPlace(Float64Array.from([1, 2, 2, 1]), 2)).toThrow(/positive definite/);
    expect(() => invertSpdInPlace(Float64Array.from([0, 1, 1, 0]), 2)).toThrow(/positive definite/);
  });
});

describe('EASE', () => {
  // Users: {0,1}, {1,2}, {0,1,2}. G = XᵀX = [[2,2,1],[2,3,2],[1,2,2]]; λ = 1:
  // A = [[3,2,1],[2,4,2],[1,2,3]], det 16, P = A⁻¹ = [[.5,-.25,0],[-.25,.5,-.25],[0,-.25,.5]]
  // B_ij = -P_ij / P_jj → [[0,.5,0],[.5,0,.5],[0,.5,0]].
  const rows = [Int32Array.from([0, 1]), Int32Array.from([1, 2]), Int32Array.from([0, 1, 2])];

  it('matches the hand-computed B for 3 items', () => {
    const m = trainEase(rows, [0, 1, 2], 3, 1);
    const expected = [0, 0.5, 0, 0.5, 0, 0.5, 0, 0.5, 0];
    for (const [k, v] of expected.entries()) expect(m.b[k]).toBeCloseTo(v, 12);
  });

  it('scores a profile as x·B and ignores items outside the model', () => {
    const m = trainEase(rows, [0, 1, 2], 4, 1);
    const s = easeScores(
      m,
      new Map([
        [0, 1],
        [3, 5],
      ]),
      new Float64Array(4),
    );
    for (const [k, v] of [0, 0.5, 0, 0].entries()) expect(s[k]).toBeCloseTo(v, 12);
    const s2 = easeScores(
      m,
      new Map([
        [0, 1],
        [2, 2],
      ]),
      new Float64Array(4),
    );
    for (const [k, v] of [0, 1.5, 0, 0].entries()) expect(s2[k]).toBeCloseTo(v, 12);
  });

  it('restricted to the top-K items, keeps only those (2 items: B01 = G01/(G11+λ))', () => {
    // Items {0,1}: G = [[2,2],[2,3]], λ = 1 → A = [[3,2],[2,4]], P ∝ [[4,-2],[-2,3]]
    // B01 = -P01/P11 = 2/3, B10 = -P10/P00 = 2/4.
    const m = trainEase(rows, [0, 1], 3, 1);
    expect(m.size).toBe(2);
    expect(m.local[2]).toBe(-1);
    expect(m.b[1]).toBeCloseTo(2 / 3, 12);
    expect(m.b[2]).toBeCloseTo(0.5, 12);
    expect(m.b[0]).toBe(0);
  });
});
