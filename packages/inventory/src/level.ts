/**
 * Level estimators on the deseasonalised open-day series x = demand / weekday
 * factor. Each makes one pass, recording the one-step-ahead ratios
 * actual / forecast that the demand distribution is fitted to.
 */
import { alphaFromHalfLife, Ewma, median } from './stats.ts';

export interface LevelParams {
  /** Half-life (open days) of the base level EWMA. */
  levelHalfLife: number;
  /** Weight of a trend from double smoothing (0 = none, 1 = Brown's full trend). */
  trendWeight: number;
  /** Deseasonalised demand above spikeCap x base level is a large order: capped out of the base. */
  spikeCap: number;
  /** Half-life (open days) of the large-order allowance. */
  spikeHalfLife: number;
  /** Half-life (open days) of the probability of a sale (TSB). */
  tsbProbHalfLife: number;
  /** Open days of one-step-ahead ratios kept. */
  residualWindow: number;
}

export interface LevelEstimate {
  /** Base level per open day (deseasonalised), without the large-order allowance. */
  base: number;
  /** Expected large-order units per open day on top of the base. */
  allowance: number;
  /** Trend of the base per open day. */
  trend: number;
  /** One-step-ahead ratios actual / forecast of the last residualWindow open days. */
  ratios: number[];
  /** The level forecast (base + allowance) before each of those days, same positions as `ratios` (for drift). */
  levels: number[];
}

/**
 * Smooth demand: base = EWMA of x capped at spikeCap x base; allowance = slower
 * EWMA of the part above the cap. One large wholesale order then adds a small,
 * slowly fading allowance instead of jerking the level up for weeks.
 */
export function smoothLevel(xs: readonly number[], p: LevelParams): LevelEstimate {
  const n = xs.length;
  const base = new Ewma(p.levelHalfLife);
  const base2 = new Ewma(p.levelHalfLife);
  const spikes = new Ewma(p.spikeHalfLife);
  const init = xs.slice(0, 14);
  const m0 = Math.max(median(init), 1e-9);
  const initLevel = init.reduce((acc, x) => acc + Math.min(x, p.spikeCap * m0), 0) / Math.max(1, init.length);
  const ratios: number[] = [];
  const levels: number[] = [];
  const ratioFrom = n - p.residualWindow;
  xs.forEach((x, i) => {
    const b = base.weight > 0 ? base.value : initLevel;
    const pred = b + spikes.value;
    if (i >= ratioFrom && pred > 0) {
      ratios.push(x / pred);
      levels.push(pred);
    }
    const c = b > 0 ? Math.min(x, p.spikeCap * b) : x;
    base.update(c);
    base2.update(base.value);
    spikes.update(x - c);
  });
  let level = base.value;
  let trend = 0;
  if (p.trendWeight > 0) {
    // Brown's double smoothing: an EWMA lags a linear trend b by (1 - a) / a
    // steps and the EWMA of the EWMA lags it twice as much.
    const a = alphaFromHalfLife(p.levelHalfLife);
    const lag = (1 - a) / a;
    trend = (p.trendWeight * (base.value - base2.value)) / lag;
    level = Math.max(0, base.value + lag * trend);
  }
  return { base: level, allowance: spikes.value, trend, ratios, levels };
}

/**
 * Intermittent demand, TSB (Teunter-Syntetos-Babai): probability of a sale,
 * updated every open day (so it decays when sales stop), times the size of a
 * sale, updated on sale days (capped, with its own large-order allowance).
 */
export function intermittentLevel(xs: readonly number[], p: LevelParams): LevelEstimate {
  const n = xs.length;
  const prob = new Ewma(p.tsbProbHalfLife);
  const size = new Ewma(p.levelHalfLife);
  const sizeExcess = new Ewma(p.spikeHalfLife);
  const init = xs.slice(0, 28);
  const initSales = init.filter((x) => x > 0);
  const initProb = initSales.length / Math.max(1, init.length);
  const initSize = median(initSales);
  const ratios: number[] = [];
  const levels: number[] = [];
  const ratioFrom = n - p.residualWindow;
  xs.forEach((x, i) => {
    const sz = size.weight > 0 ? size.value : initSize;
    const pr = prob.weight > 0 ? prob.value : initProb;
    const pred = pr * (sz + sizeExcess.value);
    if (i >= ratioFrom && pred > 0) {
      ratios.push(x / pred);
      levels.push(pred);
    }
    prob.update(x > 0 ? 1 : 0);
    if (x > 0) {
      const c = sz > 0 ? Math.min(x, p.spikeCap * sz) : x;
      size.update(c);
      sizeExcess.update(x - c);
    }
  });
  return { base: prob.value * size.value, allowance: prob.value * sizeExcess.value, trend: 0, ratios, levels };
}

/** New product: the plain mean since launch; ratios against the running mean. */
export function newProductLevel(xs: readonly number[]): LevelEstimate {
  const ratios: number[] = [];
  let sum = 0;
  xs.forEach((x, i) => {
    if (i > 0 && sum > 0) ratios.push(x / (sum / i));
    sum += x;
  });
  return { base: xs.length > 0 ? sum / xs.length : 0, allowance: 0, trend: 0, ratios, levels: [] };
}

/**
 * Drift of the level: variance per open day of a random walk in log level,
 * from how much the level forecast moved over `lag` open days in the recent
 * history, less what the estimator's own sampling noise explains
 * (var[log l(t+k) - log l(t)] = k q + 2 v (1 - (1 - a)^k) for an EWMA of
 * weight a with sampling variance v = estimateCv2).
 */
export function levelDrift(levels: readonly number[], lag: number, alpha: number, estimateCv2: number): number {
  const d: number[] = [];
  for (let i = 0; i + lag < levels.length; i++) {
    const a = levels[i] ?? 0;
    const b = levels[i + lag] ?? 0;
    if (a > 0 && b > 0) d.push(Math.log(b / a));
  }
  if (d.length < 2 * lag) return 0;
  const m = d.reduce((s, x) => s + x, 0) / d.length;
  const v = d.reduce((s, x) => s + (x - m) * (x - m), 0) / (d.length - 1);
  const noise = 2 * estimateCv2 * (1 - (1 - alpha) ** lag);
  return Math.max(0, v - noise) / lag;
}
