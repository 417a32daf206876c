/**
 * The law of a day's demand relative to its forecast mean, and demand
 * scenarios drawn from it.
 *
 * Daily demand here is lumpy and heavy-tailed (half the units come on days
 * with more than twice the mean; some days bring 20x). A normal law gets the
 * tail wrong and a variant's own handful of past large orders is too noisy a
 * guide to the next ones, so the default law is a hurdle lognormal: zero with
 * probability z, otherwise lognormal with log-sd sigma, mean 1. z is mostly the
 * variant's own rate of zero days; sigma is shrunk strongly toward a
 * catalogue-wide prior. ('bootstrap' resamples the variant's own ratios instead.)
 */
import { createRng, gammaDraw, normalDraw, normalQuantile, quantileSorted, randomInt } from './stats.ts';

export interface DistributionParams {
  distribution: 'lognormal' | 'bootstrap';
  /** Prior probability of a zero open day and its pseudo-count. */
  zeroPrior: number;
  zeroPriorWeight: number;
  /** Prior log-sd of the non-zero days and its pseudo-count. */
  sigmaPrior: number;
  sigmaPriorWeight: number;
}

export interface DemandLaw {
  kind: 'lognormal' | 'bootstrap';
  /** Probability of a zero open day. */
  zeroProb: number;
  /** Log-sd of non-zero days (lognormal; NaN for bootstrap). */
  logSd: number;
  /** Number of one-step ratios it was fitted to. */
  ratios: number;
  /** Equally likely values of actual / mean, ascending, mean 1. */
  table: Float64Array;
}

const LAW_TABLE_SIZE = 2048;

/** Ratios blow up when the forecast was near zero (a first sale after a pause): cap them. */
function capRatios(ratios: readonly number[]): number[] {
  const sorted = Float64Array.from(ratios).sort();
  const cap = Math.max(10, 10 * quantileSorted(sorted, 0.9));
  return ratios.map((r) => Math.min(r, cap));
}

/** Fit the law to one-step-ahead ratios actual / forecast. */
export function fitDemandLaw(rawRatios: readonly number[], p: DistributionParams): DemandLaw {
  const ratios = rawRatios.length > 0 ? capRatios(rawRatios) : [1];
  const n = ratios.length;
  if (p.distribution === 'bootstrap') {
    const table = Float64Array.from(ratios).sort();
    const zeros = ratios.filter((r) => r <= 0).length;
    return { kind: 'bootstrap', zeroProb: zeros / n, logSd: Number.NaN, ratios: n, table };
  }
  const logs = ratios.filter((r) => r > 0).map(Math.log);
  const zeros = n - logs.length;
  const m = logs.reduce((a, b) => a + b, 0) / Math.max(1, logs.length);
  const ss = logs.reduce((a, l) => a + (l - m) * (l - m), 0);
  const zeroProb = Math.min(0.98, (zeros + p.zeroPriorWeight * p.zeroPrior) / (n + p.zeroPriorWeight));
  const dof = Math.max(0, logs.length - 1);
  const logSd = Math.sqrt((ss + p.sigmaPriorWeight * p.sigmaPrior * p.sigmaPrior) / Math.max(1e-9, dof + p.sigmaPriorWeight));
  const mu = -Math.log(1 - zeroProb) - (logSd * logSd) / 2; // mean 1
  const table = new Float64Array(LAW_TABLE_SIZE);
  for (let i = 0; i < LAW_TABLE_SIZE; i++) {
    const q = (i + 0.5) / LAW_TABLE_SIZE;
    table[i] = q <= zeroProb ? 0 : Math.exp(mu + logSd * normalQuantile((q - zeroProb) / (1 - zeroProb)));
  }
  // The discretisation trims the far tail: rescale so the mean is exactly 1.
  const mean = table.reduce((a, b) => a + b, 0) / LAW_TABLE_SIZE;
  if (mean > 0) for (let i = 0; i < LAW_TABLE_SIZE; i++) table[i] = (table[i] ?? 0) / mean;
  return { kind: 'lognormal', zeroProb, logSd, ratios: n, table };
}

/** Quantile of the law (relative to the mean). */
export function lawQuantile(law: DemandLaw, p: number): number {
  return quantileSorted(law.table, p);
}

/**
 * n draws from an ascending table of equally likely values, one in each of n
 * equal-probability strata, shuffled: each day's marginal law is reproduced
 * closely even with a few hundred scenarios.
 */
function stratifiedDraws(table: Float64Array, n: number, rng: () => number): Float64Array {
  const out = new Float64Array(n);
  const m = table.length;
  for (let i = 0; i < n; i++) out[i] = table[Math.min(m - 1, Math.floor(((i + rng()) / n) * m))] ?? 0;
  for (let i = n - 1; i > 0; i--) {
    const j = randomInt(rng, i + 1);
    const t = out[i] ?? 0;
    out[i] = out[j] ?? 0;
    out[j] = t;
  }
  return out;
}

/**
 * Demand scenarios: scenarios[s][h] = means[h] x level factor of scenario s x
 * an independent draw of the law. `levelShape` > 0 adds a Gamma level factor
 * (mean 1, cv 1/sqrt(shape)) per scenario: the error of the estimated level.
 * `driftVar` > 0 lets that factor wander as a random walk in log space, with
 * this variance per open day (mean kept at 1): the level can move before the
 * stock ordered today is sold, the more so the longer the horizon.
 */
export function drawScenarios(means: readonly number[], law: DemandLaw, count: number, seed: number, levelShape = 0, driftVar = 0): number[][] {
  const rng = createRng(seed);
  const horizon = means.length;
  const scenarios: number[][] = [];
  for (let s = 0; s < count; s++) scenarios.push(new Array<number>(horizon).fill(0));
  const factors = new Float64Array(count).fill(1);
  if (levelShape > 0) for (let s = 0; s < count; s++) factors[s] = gammaDraw(rng, levelShape) / levelShape;
  const walkSd = Math.sqrt(Math.max(0, driftVar));
  for (let h = 0; h < horizon; h++) {
    const mu = means[h] ?? 0;
    if (!(mu > 0)) continue;
    if (walkSd > 0) for (let s = 0; s < count; s++) factors[s] = (factors[s] ?? 1) * Math.exp(walkSd * normalDraw(rng) - driftVar / 2);
    const draws = stratifiedDraws(law.table, count, rng);
    for (let s = 0; s < count; s++) {
      const row = scenarios[s];
      if (row) row[h] = mu * (factors[s] ?? 1) * (draws[s] ?? 0);
    }
  }
  return scenarios;
}
