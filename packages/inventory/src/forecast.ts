/**
 * Per-variant daily demand forecast with a demand distribution.
 *
 *   demand(open day) = (base level + large-order allowance) x weekday factor x ratio
 *
 * - weekday profile (seasonality.ts): open/closed weekdays and a multiplier per
 *   open weekday;
 * - level (level.ts): `smooth` demand uses an EWMA of capped demand plus a slow
 *   allowance for large one-off orders; `intermittent` demand (sales on fewer
 *   than ~3 of 4 open days) uses TSB; a `new-product` (fewer than 28 open days
 *   since its first sale) uses the mean since launch, a prior weekday profile
 *   and extra level uncertainty;
 * - ratio (distribution.ts): a hurdle-lognormal law of actual / forecast with
 *   mean 1, from which demand scenarios over the horizon are drawn.
 *
 * Pure and deterministic: the same history and options give the same forecast.
 */
import { dateOfDayNumber, dayNumber, weekdayOfDayNumber } from './calendar.ts';
import { type DemandLaw, type DistributionParams, drawScenarios, fitDemandLaw, lawQuantile } from './distribution.ts';
import { type DemandObservation, dailyHistory, openDaySeries } from './history.ts';
import { intermittentLevel, type LevelEstimate, type LevelParams, levelDrift, newProductLevel, smoothLevel } from './level.ts';
import { type ProfileParams, priorProfile, weekdayProfile } from './seasonality.ts';
import { alphaFromHalfLife, quantileSorted } from './stats.ts';

export type { DemandObservation } from './history.ts';

export type ForecastMethod = 'smooth' | 'intermittent' | 'new-product' | 'no-history';

export interface ForecastParams extends LevelParams, ProfileParams, DistributionParams {
  /** Damping of the trend per open day ahead (with trendWeight > 0). */
  trendDamping: number;
  /** Average interval between sales (open days) above which TSB is used. */
  intermittentAdi: number;
  /** Fewer open days than this since the first sale: new product. */
  newProductDays: number;
  /**
   * Weight of the level's estimation error in the scenarios (0 = the level is
   * taken as known, 1 = the EWMA/TSB estimator's own sampling variance).
   */
  levelUncertainty: number;
  /** Weight of the level's drift (random walk per open day, measured on the history) in the scenarios (0 = none). */
  levelDriftWeight: number;
}

/**
 * Defaults, chosen on the benchmark's training period only (pseudo test
 * windows inside it, see bench/validate.ts); sigmaPrior and zeroPrior are the
 * pooled values of the one-step ratios over the training period.
 */
export const DEFAULT_FORECAST_PARAMS: Readonly<ForecastParams> = Object.freeze({
  levelHalfLife: 20,
  trendWeight: 0,
  trendDamping: 0.98,
  spikeCap: 3,
  spikeHalfLife: 120,
  tsbProbHalfLife: 60,
  residualWindow: 156,
  profileWindow: 156,
  profileShrink: 4,
  distribution: 'lognormal',
  zeroPrior: 0.19,
  zeroPriorWeight: 10,
  sigmaPrior: 1.18,
  sigmaPriorWeight: 1000,
  intermittentAdi: 1.32,
  newProductDays: 28,
  levelUncertainty: 0,
  levelDriftWeight: 0,
});

export interface ForecastOptions {
  /** Number of days to forecast (default 14). */
  horizonDays?: number;
  /** First forecast day (default: the day after the last history day). Days in between had no sales. */
  startDate?: string;
  /** Open flags of the forecast days (e.g. holidays); default: from the weekday pattern. */
  futureOpen?: readonly boolean[];
  /** Number of demand scenarios (default 500). */
  scenarios?: number;
  /**
   * PRNG seed (default 1). Pass a stable per-variant value (seedFromString(variantId)):
   * the same seed from day to day keeps the reorder point from jittering with
   * sampling noise, different seeds keep the noise of variants independent.
   */
  seed?: number;
  /** Weekday profile (Sunday first) for a new product, e.g. the store's; default flat. */
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
  /** Median and 80% prediction interval (10% .. 90%) of the day's demand. */
  median: number;
  lower: number;
  upper: number;
}

export interface DemandForecast {
  startDate: string;
  horizonDays: number;
  method: ForecastMethod;
  /** Expected demand per open day (deseasonalised) at the origin, allowance included. */
  level: number;
  /** Part of `level` for large one-off orders. */
  largeOrderAllowance: number;
  /** Trend of the level per open day (0 unless trendWeight > 0). */
  trend: number;
  /** Weekday multipliers, Sunday first; mean 1 over open days, 0 when closed. */
  weekdayProfile: number[];
  days: ForecastDay[];
  /** Law of an open day's demand relative to its mean. */
  dispersion: { kind: 'lognormal' | 'bootstrap'; zeroProb: number; logSd: number; ratios: number };
  /** Demand scenarios: scenarios[s][h] = units on forecast day h in scenario s. */
  scenarios: number[][];
  /** Notes on the model choice, for people. */
  reasons: string[];
}

/**
 * Forecast the daily demand of one variant from its daily history (any
 * order; days absent from the history count as zero demand).
 */
export function forecastDemand(history: readonly DemandObservation[], opts: ForecastOptions = {}): DemandForecast {
  const p: ForecastParams = { ...DEFAULT_FORECAST_PARAMS, ...opts.params };
  const horizon = opts.horizonDays ?? 14;
  if (!Number.isInteger(horizon) || horizon < 1) throw new RangeError(`horizonDays must be a positive integer, got ${horizon}`);
  const nScen = opts.scenarios ?? 500;
  if (!Number.isInteger(nScen) || nScen < 1) throw new RangeError(`scenarios must be a positive integer, got ${nScen}`);
  const startDay = opts.startDate !== undefined ? dayNumber(opts.startDate) : undefined;
  const { days, openWeekdays } = dailyHistory(history, startDay);
  const lastDay = days[days.length - 1];
  const start = startDay ?? (lastDay ? lastDay.day + 1 : undefined);
  if (start === undefined) throw new RangeError('forecastDemand needs a history or opts.startDate');
  const future = Array.from({ length: horizon }, (_, h) => {
    const weekday = weekdayOfDayNumber(start + h);
    return { date: dateOfDayNumber(start + h), weekday, open: opts.futureOpen?.[h] ?? openWeekdays[weekday] === true };
  });

  const { ys, ws } = openDaySeries(days);
  const n = ys.length;
  const reasons: string[] = [];
  let method: ForecastMethod;
  if (n === 0) {
    method = 'no-history';
    reasons.push('no sales in the history: forecast 0');
  } else if (n < p.newProductDays) {
    method = 'new-product';
    reasons.push(`new product: ${n} open days since the first sale (< ${p.newProductDays})`);
  } else {
    const recent = ys.slice(-112);
    const sales = recent.filter((y) => y > 0).length;
    const adi = sales > 0 ? recent.length / sales : Number.POSITIVE_INFINITY;
    method = adi > p.intermittentAdi ? 'intermittent' : 'smooth';
    reasons.push(`${method} demand: sales on ${sales} of the last ${recent.length} open days`);
  }

  // A few weeks of sales cannot tell a weekday pattern from noise: new
  // products take the prior (e.g. the store's profile) or a flat one.
  const profile =
    method === 'smooth' || method === 'intermittent'
      ? weekdayProfile(ys, ws, openWeekdays, p, opts.weekdayPrior)
      : priorProfile(opts.weekdayPrior, openWeekdays);
  const factor = (w: number) => {
    const f = profile[w] ?? 0;
    return f > 0 ? f : 1; // a sale on a weekday marked closed is taken as it is
  };
  const xs = ys.map((y, i) => y / factor(ws[i] ?? 0));
  let est: LevelEstimate;
  if (method === 'smooth') est = smoothLevel(xs, p);
  else if (method === 'intermittent') est = intermittentLevel(xs, p);
  else est = newProductLevel(xs);

  let k = 0;
  let damp = 0;
  const means = future.map((f) => {
    const w = profile[f.weekday] ?? 0;
    if (!f.open || w <= 0) return 0;
    k++;
    damp += p.trendDamping ** k;
    return (Math.max(0, est.base + est.trend * damp) + est.allowance) * w;
  });

  const law: DemandLaw = fitDemandLaw(est.ratios, p);
  const levelCv2 = method === 'smooth' || method === 'intermittent' ? p.levelUncertainty * levelEstimateCv2(method, law, p) : 0;
  // Gamma level factor per scenario (mean 1, cv^2 = 1/shape): a new product's
  // level is the mean of its n open days; an established one's carries the
  // estimator's sampling error. Shared by all days of a scenario, it makes the
  // spread of lead-time demand grow with the lead time, not only its root.
  const levelShape = method === 'new-product' ? Math.max(1, n) : levelCv2 > 0 ? 1 / levelCv2 : 0;
  let driftVar = 0;
  if ((method === 'smooth' || method === 'intermittent') && p.levelDriftWeight > 0) {
    const lag = Math.max(1, Math.round(p.levelHalfLife));
    driftVar = p.levelDriftWeight * levelDrift(est.levels, lag, alphaFromHalfLife(p.levelHalfLife), levelEstimateCv2(method, law, p));
  }
  const scenarios = drawScenarios(means, law, nScen, opts.seed ?? 1, levelShape, driftVar);
  const q10 = lawQuantile(law, 0.1);
  const q50 = lawQuantile(law, 0.5);
  const q90 = lawQuantile(law, 0.9);
  if (est.allowance > 0) reasons.push(`large-order allowance ${est.allowance.toFixed(2)} units per open day on top of a base level of ${est.base.toFixed(2)}`);
  if (n > 0) reasons.push(`daily demand: ${(law.zeroProb * 100).toFixed(0)}% zero days, ${law.kind} spread (log-sd ${law.logSd.toFixed(2)})`);
  return {
    startDate: dateOfDayNumber(start),
    horizonDays: horizon,
    method,
    level: est.base + est.allowance,
    largeOrderAllowance: est.allowance,
    trend: est.trend,
    weekdayProfile: profile,
    days: future.map((f, h) => {
      const mu = means[h] ?? 0;
      return { ...f, mean: mu, median: mu * q50, lower: mu * q10, upper: mu * q90 };
    }),
    dispersion: { kind: law.kind, zeroProb: n === 0 ? 1 : law.zeroProb, logSd: law.logSd, ratios: law.ratios },
    scenarios,
    reasons,
  };
}

/**
 * Squared coefficient of variation of the level estimate: an EWMA with weight
 * a of independent days with squared cv c2 has variance c2 x a / (2 - a)
 * relative to the mean squared. TSB: the sale probability (every open day,
 * Bernoulli) and the sale size (sale days only) are two such EWMAs.
 */
export function levelEstimateCv2(method: 'smooth' | 'intermittent', law: DemandLaw, p: ForecastParams): number {
  let m2 = 0;
  for (const x of law.table) m2 += x * x;
  const dayCv2 = Math.max(0, m2 / Math.max(1, law.table.length) - 1);
  const shrink = (halfLife: number) => {
    const a = alphaFromHalfLife(halfLife);
    return a / (2 - a);
  };
  if (method === 'smooth') return dayCv2 * shrink(p.levelHalfLife);
  const prob = Math.min(0.999, Math.max(0.001, 1 - law.zeroProb));
  const sizeCv2 = Math.max(0, prob * (1 + dayCv2) - 1);
  return ((1 - prob) / prob) * shrink(p.tsbProbHalfLife) + sizeCv2 * shrink(p.levelHalfLife);
}

/** Expected total demand over the first `days` forecast days. */
export function expectedDemand(forecast: DemandForecast, days: number): number {
  return forecast.days.slice(0, days).reduce((s, d) => s + d.mean, 0);
}

/** Ascending scenario totals over the first `days` forecast days. */
export function scenarioTotals(forecast: DemandForecast, days: number): Float64Array {
  if (days > forecast.horizonDays) throw new RangeError(`forecast covers ${forecast.horizonDays} days, ${days} requested`);
  return Float64Array.from(forecast.scenarios, (row) => row.slice(0, days).reduce((a, b) => a + b, 0)).sort();
}

/** Quantile `p` of total demand over the first `days` forecast days (a prediction-interval bound). */
export function demandQuantile(forecast: DemandForecast, days: number, p: number): number {
  return quantileSorted(scenarioTotals(forecast, days), p);
}
