/**
 * Exact solver for small linear programs by enumerating basic solutions.
 *
 *   maximise  c.x   s.t.  A x <= b,  x >= 0          (A is m x n)
 *
 * With slacks s >= 0 the constraints read [A I][x; s] = b. Every vertex of the
 * feasible region is a basic solution: choose m of the n + m columns, solve the
 * m x m system, keep it if it is non-negative. If the LP has a finite optimum,
 * some optimal basis is also dual feasible (reduced costs <= 0), so checking
 * the best basic solutions for dual feasibility tells "optimal" from
 * "unbounded". This is the shared bench's `solveLP` idea generalised to any
 * number of constraints; it is exact (up to floating point) and cheap while
 * C(n + m, m) is small — e.g. 15 bases for 4 prices and 2 constraints.
 */

import { at } from './util.ts';

export interface SmallLP {
  /** Objective coefficients c (length n). */
  readonly objective: readonly number[];
  /** Constraint rows A (m rows of length n). */
  readonly constraints: readonly (readonly number[])[];
  /** Right-hand sides b (length m). */
  readonly rhs: readonly number[];
}

export type SmallLPResult =
  | {
      readonly status: 'optimal';
      readonly value: number;
      readonly x: number[];
      /** Dual prices (shadow prices) of the m constraints, >= 0. */
      readonly duals: number[];
    }
  | { readonly status: 'infeasible' }
  | { readonly status: 'unbounded' };

/** Refuse problems whose basis enumeration would be too slow to be "small". */
export const MAX_BASES = 200_000;

/** Tolerances, applied after scaling every row and the objective to unit max magnitude. */
const FEAS_TOL = 1e-10;
const PIVOT_TOL = 1e-13;
const DUAL_TOL = 1e-9;

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return Math.round(r);
}

/** Checked read from a number[] (monomorphic, so the hot loops stay fast). */
function f64(a: number[], i: number): number {
  const v = a[i];
  if (v === undefined) throw new RangeError(`index ${i} out of range (length ${a.length})`);
  return v;
}

/**
 * Solve M z = r by Gaussian elimination with partial pivoting. M is a dense
 * row-major m x m matrix; M is destroyed and r is overwritten with z.
 * Returns false when (numerically) singular.
 */
function solveSquareInPlace(M: number[], r: number[], m: number): boolean {
  for (let c = 0; c < m; c++) {
    let piv = c;
    let best = Math.abs(f64(M, c * m + c));
    for (let row = c + 1; row < m; row++) {
      const v = Math.abs(f64(M, row * m + c));
      if (v > best) {
        best = v;
        piv = row;
      }
    }
    if (best < PIVOT_TOL) return false;
    if (piv !== c) {
      for (let k = 0; k < m; k++) {
        const t = f64(M, c * m + k);
        M[c * m + k] = f64(M, piv * m + k);
        M[piv * m + k] = t;
      }
      const t = f64(r, c);
      r[c] = f64(r, piv);
      r[piv] = t;
    }
    const p = f64(M, c * m + c);
    const rc = f64(r, c);
    for (let row = c + 1; row < m; row++) {
      const f = f64(M, row * m + c) / p;
      if (f === 0) continue;
      for (let k = c; k < m; k++) M[row * m + k] = f64(M, row * m + k) - f * f64(M, c * m + k);
      r[row] = f64(r, row) - f * rc;
    }
  }
  for (let row = m - 1; row >= 0; row--) {
    let s = f64(r, row);
    for (let k = row + 1; k < m; k++) s -= f64(M, row * m + k) * f64(r, k);
    r[row] = s / f64(M, row * m + row);
  }
  return true;
}

function validate(lp: SmallLP): { n: number; m: number } {
  const n = lp.objective.length;
  const m = lp.constraints.length;
  if (lp.rhs.length !== m) throw new RangeError(`rhs has ${lp.rhs.length} entries for ${m} constraints`);
  for (const row of lp.constraints) {
    if (row.length !== n) throw new RangeError(`constraint row has ${row.length} entries, expected ${n}`);
    if (!row.every(Number.isFinite)) throw new RangeError('constraint coefficients must be finite');
  }
  if (!lp.objective.every(Number.isFinite)) throw new RangeError('objective coefficients must be finite');
  if (!lp.rhs.every(Number.isFinite)) throw new RangeError('rhs must be finite');
  if (binomial(n + m, m) > MAX_BASES) throw new RangeError(`LP too large for basis enumeration (n=${n}, m=${m})`);
  return { n, m };
}

function maxAbs(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s = Math.max(s, Math.abs(v));
  return s;
}

/**
 * Solve a small LP exactly. Ties between optimal vertices are broken
 * deterministically by basis enumeration order (lexicographic column subsets).
 */
export function solveSmallLP(input: SmallLP): SmallLPResult {
  const { n, m } = validate(input);
  if (m === 0) {
    if (input.objective.some((c) => c > 0)) return { status: 'unbounded' };
    return { status: 'optimal', value: 0, x: new Array<number>(n).fill(0), duals: [] };
  }
  const cols = n + m;
  // Scale each row and the objective to unit max magnitude so that the
  // absolute tolerances mean the same thing for tiny or huge data.
  const rowScale = input.constraints.map((row, i) => maxAbs([...row, at(input.rhs, i)]) || 1);
  const objScale = maxAbs(input.objective) || 1;
  // Column-major [A I] (entry (row, j) at j * m + row), costs (0 for slacks), rhs.
  const colData = new Array<number>(cols * m).fill(0);
  const cost = new Array<number>(cols).fill(0);
  const b = new Array<number>(m).fill(0);
  let bounded = false; // a row with only positive coefficients bounds every x >= 0
  input.constraints.forEach((row, i) => {
    const sc = at(rowScale, i);
    let positive = true;
    row.forEach((a, j) => {
      colData[j * m + i] = a / sc;
      if (!(a > 0)) positive = false;
    });
    colData[(n + i) * m + i] = 1;
    b[i] = at(input.rhs, i) / sc;
    if (positive) bounded = true;
  });
  input.objective.forEach((c, j) => {
    cost[j] = c / objScale;
  });

  const basis = Array.from({ length: m }, (_, i) => i);
  const M = new Array<number>(m * m).fill(0);
  const z = new Array<number>(m).fill(0);
  let bestValue = Number.NEGATIVE_INFINITY;
  let best: number[][] = []; // bases attaining bestValue, in enumeration order

  const loadBasis = (bas: readonly number[]): boolean => {
    for (let k = 0; k < m; k++) {
      const j = at(bas, k);
      for (let row = 0; row < m; row++) M[row * m + k] = f64(colData, j * m + row);
      z[k] = f64(b, k);
    }
    return solveSquareInPlace(M, z, m);
  };

  for (;;) {
    if (loadBasis(basis)) {
      let feasible = true;
      let value = 0;
      for (let k = 0; k < m; k++) {
        const zk = f64(z, k);
        if (zk < -FEAS_TOL) {
          feasible = false;
          break;
        }
        value += f64(cost, f64(basis, k)) * Math.max(0, zk);
      }
      if (feasible) {
        const tol = 1e-12 * (1 + Math.abs(value));
        if (value > bestValue + tol) {
          bestValue = value;
          best = [basis.slice()];
        } else if (value >= bestValue - tol) {
          best.push(basis.slice());
        }
      }
    }
    // Next m-subset of {0 .. cols-1} in lexicographic order.
    let i = m - 1;
    while (i >= 0 && basis[i] === cols - m + i) i--;
    if (i < 0) break;
    basis[i] = f64(basis, i) + 1;
    for (let k = i + 1; k < m; k++) basis[k] = f64(basis, k - 1) + 1;
  }

  if (best.length === 0) return { status: 'infeasible' };

  // Prefer an optimal basis that is dual feasible (proves optimality). If none
  // is, the LP is unbounded, unless it is bounded by construction, in which
  // case the violation is rounding error and the least-violating basis wins.
  let chosen: { basis: number[]; y: number[]; violation: number } | undefined;
  for (const cand of best) {
    // B^T y = c_B: row k of B^T is column cand[k] of [A I].
    const y = new Array<number>(m).fill(0);
    for (let k = 0; k < m; k++) {
      const j = f64(cand, k);
      for (let row = 0; row < m; row++) M[k * m + row] = f64(colData, j * m + row);
      y[k] = f64(cost, j);
    }
    if (!solveSquareInPlace(M, y, m)) continue;
    let violation = 0;
    for (let j = 0; j < cols; j++) {
      let reduced = f64(cost, j);
      for (let row = 0; row < m; row++) reduced -= f64(y, row) * f64(colData, j * m + row);
      violation = Math.max(violation, reduced);
    }
    if (!chosen || violation < chosen.violation) chosen = { basis: cand, y, violation };
    if (violation <= DUAL_TOL) break;
  }
  if (!chosen || (chosen.violation > DUAL_TOL && !bounded)) return { status: 'unbounded' };
  const x = new Array<number>(n).fill(0);
  if (!loadBasis(chosen.basis)) throw new Error('internal: optimal basis became singular');
  chosen.basis.forEach((j, k) => {
    if (j < n) x[j] = Math.max(0, f64(z, k));
  });
  let value = 0;
  x.forEach((xj, j) => {
    value += at(input.objective, j) * xj;
  });
  const y = chosen.y;
  return {
    status: 'optimal',
    value,
    x,
    duals: y.map((v, i) => (Math.max(0, v) * objScale) / at(rowScale, i)),
  };
}

export interface PricingLPSolution {
  /** Optimal revenue per period. */
  readonly value: number;
  /** Share of periods at each price (sum <= 1). */
  readonly x: number[];
  /** Shadow price of one unit of stock (revenue units per unit). */
  readonly inventoryDual: number;
  /** Shadow price of one period of selling time. */
  readonly timeDual: number;
}

/**
 * The single-product fluid pricing LP:
 *
 *   max  sum_k p_k d_k x_k   s.t.  sum_k d_k x_k <= c,  sum_k x_k <= 1,  x >= 0
 *
 * where c = remaining inventory / remaining periods. Always feasible and
 * bounded for d >= 0 and c >= 0 (x = 0 is feasible, sum x <= 1 bounds it).
 * `mask[k] === false` excludes price k (e.g. outside guardrails).
 */
export function solvePricingLP(
  prices: readonly number[],
  demand: readonly number[],
  c: number,
  mask?: readonly boolean[],
  /** Largest valid demand per period: 1 for purchase probabilities, Infinity for Poisson rates. */
  maxDemand = 1,
): PricingLPSolution {
  const K = prices.length;
  if (demand.length !== K) throw new RangeError('prices and demand differ in length');
  if (!(c >= 0) || !Number.isFinite(c)) throw new RangeError(`capacity rate must be finite and >= 0, got ${c}`);
  const keep: number[] = [];
  demand.forEach((d, k) => {
    if (!(d >= 0 && d <= maxDemand && Number.isFinite(d))) throw new RangeError(`demand must lie in [0, ${maxDemand}], got ${d}`);
    if (mask?.[k] !== false) keep.push(k);
  });
  const res = solveSmallLP({
    objective: keep.map((k) => at(prices, k) * at(demand, k)),
    constraints: [keep.map((k) => at(demand, k)), keep.map(() => 1)],
    rhs: [c, 1],
  });
  if (res.status !== 'optimal') throw new Error(`internal: pricing LP ${res.status}`);
  const x = new Array<number>(K).fill(0);
  keep.forEach((k, i) => {
    x[k] = at(res.x, i);
  });
  return { value: res.value, x, inventoryDual: res.duals[0] ?? 0, timeDual: res.duals[1] ?? 0 };
}
