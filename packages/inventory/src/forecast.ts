/**
 * Per-variant daily demand forecast.
 *
 * Model (all on open days; closed days forecast 0):
 *   demand(day) = level x weekday factor x ratio
 * - weekday profile: per-weekday mean of winsorised demand over recent weeks,
 *   shrunk toward flat; weekdays the store is closed get factor 0;
 * - level: `smooth` series use an EWMA (optionally damped Holt trend) of the
 *   deseasonalised demand capped at `spikeCap` x level, plus a slower EWMA of
 *   the part above the cap (large one-off orders: they are part of the mean but
 *   must not jerk the level around); `intermittent` series (many zero days) use
 *   TSB (probability of a sale x size, both exponentially smoothed); `new-product`
 *   series (few open days since the first sale) use the plain mean since launch
 *   and a wider, parameter-uncertainty-inflated distribution;
 * - distribution: the one-step-ahead ratios actual / forecast over recent open
 *   days are resampled in blocks (block bootstrap) to draw demand scenarios over
 *   the horizon. This keeps the lumpiness (ratios of 0 and of 20x) and some of
 *   the autocorrelation (level drift) instead of assuming a normal law.
 *
 * Pure: the same history and options give the same forecast (seeded PRNG).
 */

import { dateOfDayNumber, dayNumber, weekdayOfDayNumber } from './calendar.ts';
import { alphaFromHalfLife, createRng, normalQuantile, quantileSorted, randomInt } from './stats.ts';

/** One day of a variant's sales history. Missing days count as zero demand. */
export interface DemandObservation {
  /** ISO date YYYY-MM-DD. */
  date: string;
  /** Units demanded that day (sales plus recorded lost demand). */
  demand: number;
  /** Was the shop open? Unknown -> inferred from the weekday pattern. */
  open?: boolean | undefined;
}

export type ForecastMethod = 'smooth' | 'intermittent' | 'new-product' | 'no-history';

export interface ForecastParams {
  /** Half-life (open days) of the base level EWMA. */
  levelHalfLife: number;
  /** Weight of the trend estimated by double smoothing (0 = no trend, 1 = full). */
  trendWeight: number;
  /** Damping of the trend per open day (0..1). */
  trendDamping: number;
  /** Deseasonalised demand above spikeCap x level counts as a spike. */
  spikeCap: number;
  /** Half-life (open days) of the spike-excess EWMA. */
  spikeHalfLife: number;
  /** Apply the large-order share (excess / base over spikeHalfLife) to the current base level. */
  spikeRelative: boolean;
  /** Open days used for the weekday profile. */
  profileWindow: number;
  /** Pseudo-count (per weekday) shrinking the profile toward flat. */
  profileShrink: number;
  /** Open days of one-step-ahead ratios kept for the bootstrap. */
  residualWindow: number;
  /** Law of actual / forecast: hurdle lognormal with shrinkage, or resampled ratios. */
  distribution: 'lognormal' | 'bootstrap';
  /** Prior probability of a zero open day, and its pseudo-count. */
  zeroPrior: number;
  zeroPriorWeight: number;
  /** Prior log-sd of non-zero days, and its pseudo-count. */
  sigmaPrior: number;
  sigmaPriorWeight: number;
  /** Average inter-demand interval (open days) above which TSB is used. */
  intermittentAdi: number;
  /** Half-life (open days) of the TSB probability of a sale. */
  tsbProbHalfLife: number;
  /** Fewer open days than this since the first sale -> new product. */
  newProductDays: number;
}

export const DEFAULT_FORECAST_PARAMS: Readonly<ForecastParams> = Object.freeze({
  levelHalfLife: 20,
  trendWeight: 0,
  trendDamping: 0.98,
  spikeCap: 3,
  spikeHalfLife: 120,
  spikeRelative: false,
  profileWindow: 156,
  profileShrink: 4,
  residualWindow: 156,
  distribution: 'lognormal',
  zeroPrior: 0.19,
  zeroPriorWeight: 10,
  sigmaPrior: 1.18,
  sigmaPriorWeight: 1000,
  intermittentAdi: 1.32,
  tsbProbHalfLife: 60,
  newProductDays: 28,
});

export interface ForecastOptions {
  /** Number of days to forecast (default 14). */
  horizonDays?: number;
  /** First forecast day (default: the day after the last history day). Days between are zero demand. */
  startDate?: string;
  /** Open flags of the forecast days; default: inferred from the weekday pattern. */
  futureOpen?: readonly boolean[];
  /** Number of demand scenarios (default 500). */
  scenarios?: number;
  /**
   * PRNG seed (default 1). Pass a stable per-variant value (e.g. seedFromString(variantId)):
   * the same seed from day to day keeps the reorder point from jittering with
   * Monte Carlo noise, and different seeds across variants keep their noise independent.
   */
  seed?: number;
  /** Weekday profile (Sun..Sat) to start a new product with, e.g. the store's. */
  weekdayPrior?: readonly number[];
  params?: Partial<ForecastParams>;
}

export interface ForecastDay {
  date: string;
  /** 0 = Sunday .. 6 = Saturday. */
  weekday: number;
  open: boolean;
  /** Expected demand. */
  mean: number;
  /** Median and central 80% prediction interval of the day's demand. */
  median: number;
  lower: number;
  upper: number;
}

export interface DemandForecast {
  startDate: string;
  horizonDays: number;
  method: ForecastMethod;
  /** Deseasonalised expected demand per open day at the forecast origin (base level + large-order allowance). */
  level: number;
  /** Part of `level` from demand above spikeCap x base level (large one-off orders), smoothed slowly. */
  largeOrderAllowance: number;
  /** Trend of the level per open day (0 without trend). */
  trend: number;
  /** Weekday multipliers, Sunday first; mean 1 over open days, 0 when closed. */
  weekdayProfile: number[];
  days: ForecastDay[];
  /** Law of a day's demand relative to its mean (open days). */
  dispersion: { zeroProb: number; logSd: number; ratios: number };
  /** Demand scenarios: scenarios[s][h] = units on forecast day h in scenario s. */
  scenarios: number[][];
  /** Human-readable notes on the model choice. */
  reasons: string[];
}

interface Day {
  day: number;
  weekday: number;
  demand: number;
  /** undefined until inferred from the weekday pattern */
  open: boolean | undefined;
}

/** Dense day-by-day calendar from the first history day to the day before `end` (day numbers). */
function densify(history: readonly DemandObservation[], end: number | undefined): { days: Day[]; flagged: boolean } {
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  const nums = new Array<number>(history.length);
  for (let i = 0; i < history.length; i++) {
    const h = history[i]!;
    if (!Number.isFinite(h.demand) || h.demand < 0) throw new RangeError(`demand must be a finite number >= 0 (${h.date}: ${h.demand})`);
    const n = dayNumber(h.date);
    nums[i] = n;
    if (n < first) first = n;
    if (n > last) last = n;
  }
  const days: Day[] = [];
  let flagged = false;
  if (history.length === 0) return { days, flagged };
  const stop = end ?? last + 1;
  for (let d = first; d < stop; d++) days.push({ day: d, weekday: weekdayOfDayNumber(d), demand: 0, open: undefined });
  for (let i = 0; i < history.length; i++) {
    const h = history[i]!;
    const slot = days[nums[i]! - first];
    if (!slot) continue; // on or after the forecast start: ignored
    slot.demand += h.demand;
    if (h.open !== undefined) {
      flagged = true;
      slot.open = slot.open === true || h.open;
    }
  }
  return { days, flagged };
}

/** Which weekdays the shop opens, from explicit flags or (without flags) from where sales ever happen. */
function openWeekdays(days: readonly Day[], flagged: boolean): boolean[] {
  const seen = new Array<number>(7).fill(0);
  const open = new Array<number>(7).fill(0);
  for (const d of days) {
    if (flagged && d.open === undefined) continue;
    seen[d.weekday]! += 1;
    if (flagged ? d.open : d.demand > 0) open[d.weekday]! += 1;
  }
  if (flagged) return seen.map((n, w) => (n === 0 ? true : open[w]! / n >= 0.5));
  // No flags: a weekday is closed only if it never sells although, at the
  // product's sale-day rate on the other weekdays, several sales were expected.
  const total = seen.reduce((a, b) => a + b, 0);
  const sales = open.reduce((a, b) => a + b, 0);
  return seen.map((n, w) => {
    if (open[w]! > 0 || n === 0) return true;
    const otherRate = sales / Math.max(1, total - n);
    return otherRate * n < 4;
  });
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const s = Float64Array.from(values).sort();
  return quantileSorted(s, 0.5);
}

/** Weekday multipliers from open-day demand (winsorised), shrunk toward flat, mean 1 over open days. */
function weekdayProfile(
  ys: readonly number[],
  ws: readonly number[],
  openW: readonly boolean[],
  p: ForecastParams,
  prior: readonly number[] | undefined,
): number[] {
  const n = ys.length;
  const from = Math.max(0, n - p.profileWindow);
  const nonzero: number[] = [];
  for (let i = from; i < n; i++) if ((ys[i] as number) > 0) nonzero.push(ys[i] as number);
  const cap = nonzero.length > 0 ? p.spikeCap * Math.max(median(nonzero), 1e-9) : Number.POSITIVE_INFINITY;
  const sum = new Array<number>(7).fill(0);
  const cnt = new Array<number>(7).fill(0);
  for (let i = from; i < n; i++) {
    const w = ws[i] as number;
    sum[w]! += Math.min(ys[i] as number, cap);
    cnt[w]! += 1;
  }
  const totalN = cnt.reduce((a, b) => a + b, 0);
  const totalS = sum.reduce((a, b) => a + b, 0);
  const overall = totalN > 0 ? totalS / totalN : 0;
  const base = normalisedPrior(prior, openW);
  const f = new Array<number>(7).fill(0);
  for (let w = 0; w < 7; w++) {
    if (!openW[w]) continue;
    const raw = cnt[w]! > 0 && overall > 0 ? sum[w]! / cnt[w]! / overall : base[w]!;
    f[w] = (cnt[w]! * raw + p.profileShrink * base[w]!) / (cnt[w]! + p.profileShrink);
  }
  // Normalise: mean 1 over the open days of the window (or over open weekdays).
  let norm = 0;
  let wsum = 0;
  for (let w = 0; w < 7; w++) {
    if (!openW[w]) continue;
    const weight = totalN > 0 ? cnt[w]! : 1;
    norm += weight * f[w]!;
    wsum += weight;
  }
  const k = norm > 0 ? wsum / norm : 1;
  return f.map((x) => x * k);
}

function normalisedPrior(prior: readonly number[] | undefined, openW: readonly boolean[]): number[] {
  const f = openW.map((o, w) => (o ? Math.max(0, prior?.[w] ?? 1) : 0));
  const openCount = openW.filter(Boolean).length;
  const s = f.reduce((a, b) => a + b, 0);
  if (!(s > 0)) return openW.map((o) => (o ? 1 : 0));
  return f.map((x) => (x * openCount) / s);
}

/**
 * One-step ratios explode when the forecast was near zero (e.g. the first sale
 * after a long pause); cap them at a multiple of the mean of the others.
 */
function capRatios(ratios: number[]): void {
  const sorted = Float64Array.from(ratios).sort();
  const cap = Math.max(MAX_RATIO_FLOOR, MAX_RATIO_VS_Q90 * quantileSorted(sorted, 0.9));
  for (let i = 0; i < ratios.length; i++) if (ratios[i]! > cap) ratios[i] = cap;
}
const MAX_RATIO_FLOOR = 10;
const MAX_RATIO_VS_Q90 = 10;

export interface RatioLaw {
  zeroProb: number;
  mu: number;
  sigma: number;
  quantile(p: number): number;
}

/**
 * Hurdle lognormal law of actual / forecast on an open day, mean 1: zero with
 * probability z, else lognormal with log-sd sigma. z and sigma are the
 * variant's own estimates shrunk toward catalogue-wide priors (pseudo-counts
 * zeroPriorWeight, sigmaPriorWeight): a few past large orders must not dictate
 * the tail on their own.
 */
export function fitHurdleLognormal(ratios: readonly number[], p: ForecastParams): RatioLaw {
  let zeros = 0;
  let n = 0;
  let s1 = 0;
  const logs: number[] = [];
  for (const r of ratios) {
    n++;
    if (r <= 0) zeros++;
    else {
      const l = Math.log(r);
      logs.push(l);
      s1 += l;
    }
  }
  const m = logs.length > 0 ? s1 / logs.length : 0;
  let ss = 0;
  for (const l of logs) ss += (l - m) * (l - m);
  const zeroProb = Math.min(0.98, (zeros + p.zeroPriorWeight * p.zeroPrior) / (n + p.zeroPriorWeight));
  const dof = Math.max(0, logs.length - 1);
  const sigma = Math.sqrt((ss + p.sigmaPriorWeight * p.sigmaPrior * p.sigmaPrior) / Math.max(1e-9, dof + p.sigmaPriorWeight));
  const mu = -Math.log(1 - zeroProb) - (sigma * sigma) / 2;
  return {
    zeroProb,
    mu,
    sigma,
    quantile(q: number) {
      if (q <= zeroProb) return 0;
      const u = (q - zeroProb) / (1 - zeroProb);
      if (u >= 1) return Number.POSITIVE_INFINITY;
      return Math.exp(mu + sigma * normalQuantile(u));
    },
  };
}

/** Equally likely values of a law: its quantiles at (i + 0.5) / LAW_TABLE_SIZE, rescaled to mean 1. */
const LAW_TABLE_SIZE = 2048;
function lawTable(law: RatioLaw): Float64Array {
  const table = new Float64Array(LAW_TABLE_SIZE);
  for (let i = 0; i < LAW_TABLE_SIZE; i++) table[i] = law.quantile((i + 0.5) / LAW_TABLE_SIZE);
  // The discretisation trims the far tail: rescale so the mean is exactly 1.
  let m = 0;
  for (let i = 0; i < LAW_TABLE_SIZE; i++) m += table[i]!;
  m /= LAW_TABLE_SIZE;
  if (m > 0) for (let i = 0; i < LAW_TABLE_SIZE; i++) table[i]! /= m;
  return table;
}

/**
 * n draws from an ascending table of equally likely values, stratified (one
 * draw in each of n equal-probability strata) and shuffled: the marginal law
 * of each forecast day is reproduced closely even with a few hundred scenarios.
 */
function stratifiedDraws(sorted: ArrayLike<number>, n: number, rng: () => number): Float64Array {
  const out = new Float64Array(n);
  const m = sorted.length;
  for (let i = 0; i < n; i++) out[i] = sorted[Math.min(m - 1, Math.floor(((i + rng()) / n) * m))]!;
  for (let i = n - 1; i > 0; i--) {
    const j = randomInt(rng, i + 1);
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}

/** Normalised EWMA: sum of decayed values / sum of decayed weights (0 before any update). */
class Ewma {
  private s = 0;
  weight = 0;
  private readonly decay: number;
  constructor(halfLife: number) {
    this.decay = 1 - alphaFromHalfLife(halfLife);
  }
  update(x: number): void {
    this.s = this.decay * this.s + x;
    this.weight = this.decay * this.weight + 1;
  }
  get value(): number {
    return this.weight > 0 ? this.s / this.weight : 0;
  }
}

/** Gamma(shape, 1) draw (Marsaglia-Tsang), shape >= 1. */
function gammaDraw(rng: () => number, shape: number): number {
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      // Box-Muller normal
      const u1 = Math.max(rng(), 1e-12);
      const u2 = rng();
      x = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = Math.max(rng(), 1e-12);
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/**
 * Forecast daily demand of one variant from its daily history (oldest first
 * or in any order; days absent from the history count as zero demand).
 */
export function forecastDemand(history: readonly DemandObservation[], opts: ForecastOptions = {}): DemandForecast {
  const p: ForecastParams = { ...DEFAULT_FORECAST_PARAMS, ...opts.params };
  const horizon = opts.horizonDays ?? 14;
  if (!Number.isInteger(horizon) || horizon < 1) throw new RangeError(`horizonDays must be a positive integer, got ${horizon}`);
  const nScen = opts.scenarios ?? 500;
  const reasons: string[] = [];

  const startDay = opts.startDate !== undefined ? dayNumber(opts.startDate) : undefined;
  const { days, flagged } = densify(history, startDay);
  const openW = openWeekdays(days, flagged);
  for (const d of days) if (d.open === undefined) d.open = openW[d.weekday]! || d.demand > 0;
  const start = startDay ?? (days.length > 0 ? days[days.length - 1]!.day + 1 : undefined);
  if (start === undefined) throw new RangeError('forecastDemand needs a history or opts.startDate');
  const startDate = dateOfDayNumber(start);

  const future: { date: string; weekday: number; open: boolean }[] = [];
  for (let h = 0; h < horizon; h++) {
    const weekday = weekdayOfDayNumber(start + h);
    future.push({ date: dateOfDayNumber(start + h), weekday, open: opts.futureOpen?.[h] ?? openW[weekday]! });
  }

  // Open-day series from the first sale on.
  const launch = days.findIndex((d) => d.demand > 0);
  const ys: number[] = [];
  const ws: number[] = [];
  if (launch >= 0) {
    for (let i = launch; i < days.length; i++) {
      const d = days[i]!;
      if (!d.open && d.demand <= 0) continue;
      ys.push(d.demand);
      ws.push(d.weekday);
    }
  }
  const n = ys.length;

  if (n === 0) {
    reasons.push('no sales in the history: forecast 0');
    return {
      startDate,
      horizonDays: horizon,
      method: 'no-history',
      level: 0,
      largeOrderAllowance: 0,
      trend: 0,
      weekdayProfile: normalisedPrior(opts.weekdayPrior, openW),
      days: future.map((f) => ({ ...f, mean: 0, median: 0, lower: 0, upper: 0 })),
      dispersion: { zeroProb: 1, logSd: 0, ratios: 0 },
      scenarios: Array.from({ length: nScen }, () => new Array<number>(horizon).fill(0)),
      reasons,
    };
  }

  let method: ForecastMethod;
  if (n < p.newProductDays) {
    method = 'new-product';
    reasons.push(`new product: ${n} open days since the first sale (< ${p.newProductDays})`);
  } else {
    const recent = ys.slice(-112);
    const nz = recent.filter((y) => y > 0).length;
    const adi = nz > 0 ? recent.length / nz : Number.POSITIVE_INFINITY;
    method = adi > p.intermittentAdi ? 'intermittent' : 'smooth';
    reasons.push(`${method} demand: sales on ${nz} of the last ${recent.length} open days (ADI ${adi.toFixed(2)})`);
  }

  // A few weeks of sales cannot tell a weekday pattern from noise: new
  // products take the given prior (e.g. the store's profile) or a flat one.
  const profile = method === 'new-product' ? normalisedPrior(opts.weekdayPrior, openW) : weekdayProfile(ys, ws, openW, p, opts.weekdayPrior);
  const fw = (w: number) => (profile[w]! > 0 ? profile[w]! : 1);

  // One pass over the open days: level state and one-step-ahead ratios.
  const ratios: number[] = [];
  const ratioFrom = Math.max(0, n - p.residualWindow);
  let level = 0;
  let trend = 0;
  let excess = 0;
  let levelUncertaintyShape = 0; // > 0: gamma level factor per scenario
  if (method === 'new-product') {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const x = ys[i]! / fw(ws[i]!);
      if (i > 0) {
        const mu = (s / i) * fw(ws[i]!);
        if (mu > 0) ratios.push(ys[i]! / mu);
      }
      s += x;
    }
    level = s / n;
    // Few ratios: the first ones are noisy; keep them all, and add level
    // uncertainty (cv 1/sqrt(n)) to widen the distribution.
    levelUncertaintyShape = Math.max(1, n);
    if (ratios.length === 0) ratios.push(1);
  } else if (method === 'smooth') {
    // Normalised EWMAs (long half-lives do not hinge on a start value): base
    // level of the capped demand, plus the part above the cap.
    const base = new Ewma(p.levelHalfLife);
    const base2 = new Ewma(p.levelHalfLife); // EWMA of the EWMA: its lag gives the trend (Brown)
    // Large orders are rare: their share of demand is learnt slowly, as a
    // ratio to the base level over the same slow window, and applied to the
    // current base level (more business, proportionally more large orders).
    const spikes = new Ewma(p.spikeHalfLife);
    const slowBase = new Ewma(p.spikeHalfLife);
    const allowance = (b: number) => (p.spikeRelative && slowBase.value > 0 ? (spikes.value / slowBase.value) * b : spikes.value);
    const init = ys.slice(0, Math.min(n, 14)).map((y, i) => y / fw(ws[i]!));
    const m0 = median(init);
    const initLevel = init.reduce((acc, x) => acc + Math.min(x, p.spikeCap * Math.max(m0, 1e-9)), 0) / init.length;
    for (let i = 0; i < n; i++) {
      const x = ys[i]! / fw(ws[i]!);
      const b = base.weight > 0 ? base.value : initLevel;
      const pred = b + allowance(b);
      if (i >= ratioFrom && pred > 0) ratios.push(x / pred);
      const c = b > 0 ? Math.min(x, p.spikeCap * b) : x;
      base.update(c);
      base2.update(base.value);
      spikes.update(x - c);
      slowBase.update(c);
    }
    level = base.value;
    excess = allowance(base.value);
    if (p.trendWeight > 0) {
      // Brown's double smoothing: an EWMA lags a linear trend b by (1 - a) / a
      // steps, and the EWMA of the EWMA lags it twice as much.
      const a = alphaFromHalfLife(p.levelHalfLife);
      const lag = (1 - a) / a;
      const b = (p.trendWeight * (base.value - base2.value)) / lag;
      trend = b;
      level = Math.max(0, base.value + lag * b);
    }
  } else {
    // TSB on deseasonalised demand: probability of a sale (updated every open
    // day, so it decays when sales stop) times the size of a sale (updated on
    // sale days), both as normalised EWMAs.
    const prob = new Ewma(p.tsbProbHalfLife);
    const size = new Ewma(p.levelHalfLife);
    const sizeExcess = new Ewma(p.spikeHalfLife);
    const init = ys
      .slice(0, Math.min(n, 28))
      .map((y, i) => y / fw(ws[i]!))
      .filter((x) => x > 0);
    const initSize = median(init);
    for (let i = 0; i < n; i++) {
      const x = ys[i]! / fw(ws[i]!);
      const sz = size.weight > 0 ? size.value : initSize;
      const pred = (prob.weight > 0 ? prob.value : init.length / Math.min(n, 28)) * (sz + sizeExcess.value);
      if (i >= ratioFrom && pred > 0) ratios.push(x / pred);
      prob.update(x > 0 ? 1 : 0);
      if (x > 0) {
        const c = sz > 0 ? Math.min(x, p.spikeCap * sz) : x;
        size.update(c);
        sizeExcess.update(x - c);
      }
    }
    level = prob.value * size.value;
    excess = prob.value * sizeExcess.value;
  }
  if (ratios.length === 0) ratios.push(1);
  capRatios(ratios);

  const baseLevel = level;
  let k = 0;
  let damp = 0;
  const means = future.map((f) => {
    if (!f.open) return 0;
    k++;
    damp += p.trendDamping ** k;
    return Math.max(0, baseLevel + trend * damp) * fw(f.weekday) + excess * fw(f.weekday);
  });
  // Profile factor for a closed weekday is 0; fw() falls back to 1 only for
  // history days that sold on a weekday the profile marks closed.
  for (let h = 0; h < horizon; h++) if (profile[future[h]!.weekday] === 0) means[h] = 0;

  const rng = createRng(opts.seed ?? 1);
  const law = p.distribution === 'lognormal' ? fitHurdleLognormal(ratios, p) : null;
  const table = law ? lawTable(law) : Float64Array.from(ratios).sort();
  const scenarios: number[][] = Array.from({ length: nScen }, () => new Array<number>(horizon).fill(0));
  if (levelUncertaintyShape > 0) {
    // New product: one level factor per scenario, Gamma with mean 1 and cv 1/sqrt(n).
    const factors = Array.from({ length: nScen }, () => gammaDraw(rng, levelUncertaintyShape) / levelUncertaintyShape);
    for (let h = 0; h < horizon; h++) {
      const mu = means[h]!;
      if (mu <= 0) continue;
      const draws = stratifiedDraws(table, nScen, rng);
      for (let s = 0; s < nScen; s++) scenarios[s]![h] = mu * factors[s]! * draws[s]!;
    }
  } else {
    for (let h = 0; h < horizon; h++) {
      const mu = means[h]!;
      if (mu <= 0) continue;
      const draws = stratifiedDraws(table, nScen, rng);
      for (let s = 0; s < nScen; s++) scenarios[s]![h] = mu * draws[s]!;
    }
  }

  let q10: number;
  let q50: number;
  let q90: number;
  if (law) {
    q10 = law.quantile(0.1);
    q50 = law.quantile(0.5);
    q90 = law.quantile(0.9);
    reasons.push(`daily demand: ${(law.zeroProb * 100).toFixed(0)}% zero days, otherwise lognormal with log-sd ${law.sigma.toFixed(2)}`);
  } else {
    const sortedRatios = Float64Array.from(ratios).sort();
    q10 = quantileSorted(sortedRatios, 0.1);
    q50 = quantileSorted(sortedRatios, 0.5);
    q90 = quantileSorted(sortedRatios, 0.9);
  }
  const outDays: ForecastDay[] = future.map((f, h) => {
    const mu = means[h]!;
    return { ...f, mean: mu, median: mu * q50, lower: mu * q10, upper: mu * q90 };
  });
  if (excess > 0) reasons.push(`large-order allowance ${excess.toFixed(2)} units per open day on top of a base level ${level.toFixed(2)}`);
  return {
    startDate,
    horizonDays: horizon,
    method,
    level: level + excess,
    largeOrderAllowance: excess,
    trend,
    weekdayProfile: profile,
    days: outDays,
    dispersion: { zeroProb: law?.zeroProb ?? ratios.filter((r) => r <= 0).length / ratios.length, logSd: law?.sigma ?? Number.NaN, ratios: ratios.length },
    scenarios,
    reasons,
  };
}

/** Expected total demand over the first `days` forecast days. */
export function expectedDemand(forecast: DemandForecast, days: number): number {
  let s = 0;
  for (let h = 0; h < Math.min(days, forecast.days.length); h++) s += forecast.days[h]!.mean;
  return s;
}

/** Ascending-sorted scenario totals over the first `days` forecast days. */
export function scenarioTotals(forecast: DemandForecast, days: number): Float64Array {
  if (days > forecast.horizonDays) throw new RangeError(`forecast covers ${forecast.horizonDays} days, ${days} requested`);
  const out = new Float64Array(forecast.scenarios.length);
  forecast.scenarios.forEach((row, s) => {
    let t = 0;
    for (let h = 0; h < days; h++) t += row[h]!;
    out[s] = t;
  });
  return out.sort();
}

/** Quantile `p` of total demand over the first `days` forecast days (prediction interval bound). */
export function demandQuantile(forecast: DemandForecast, days: number, p: number): number {
  return quantileSorted(scenarioTotals(forecast, days), p);
}
