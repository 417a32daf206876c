/**
 * The reorder planning step as the worker runs it, and as the shared backtest
 * scores it (bench/policy.ts calls this same function): forecast the variant's
 * demand from its daily history, then the reorder point and order-up-to level
 * for its lead time, review period and service target.
 */
import { type DemandForecast, type ForecastParams, forecastDemand } from './forecast.ts';
import type { DemandObservation } from './history.ts';
import { computeReorderPlan, FILL_PENALTY_EXPONENT, FILL_PENALTY_SCALE, type ReorderPlan, type ServiceMeasure } from './reorder.ts';

export interface PlanSettings {
  /** Forecast model parameters on top of DEFAULT_FORECAST_PARAMS. */
  params: Partial<ForecastParams>;
  scenarios: number;
  serviceMeasure: ServiceMeasure;
  fillPenaltyScale: number;
  fillPenaltyExponent: number;
  orderCycleDays: number;
}

/**
 * Production settings. Chosen on the backtest (see notes/pricing.md for the
 * figures at several lead times); the trend term follows level drift such as a
 * seasonal ramp-up, the fill penalty trades stock against lost units.
 */
export const DEFAULT_PLAN_SETTINGS: Readonly<PlanSettings> = Object.freeze({
  params: { trendWeight: 0.5 },
  scenarios: 500,
  serviceMeasure: 'fill',
  fillPenaltyScale: FILL_PENALTY_SCALE,
  fillPenaltyExponent: FILL_PENALTY_EXPONENT,
  orderCycleDays: 0,
});

export interface PlanInput {
  history: readonly DemandObservation[];
  /** First day to plan for (today), YYYY-MM-DD; history covers the days before it. */
  startDate: string;
  leadTimeDays: number;
  serviceLevel: number;
  onHand: number;
  onOrder?: number;
  reviewPeriodDays?: number;
  /** Extra forecast days beyond the protection period (for display). */
  extraForecastDays?: number;
  /** Stable per variant (seedFromString(variantId)). */
  seed: number;
  settings?: Partial<PlanSettings>;
}

export interface VariantPlan {
  forecast: DemandForecast;
  plan: ReorderPlan;
}

export function planReorder(input: PlanInput): VariantPlan {
  const s: PlanSettings = { ...DEFAULT_PLAN_SETTINGS, ...input.settings };
  const review = input.reviewPeriodDays ?? 1;
  const forecast = forecastDemand(input.history, {
    horizonDays: input.leadTimeDays + review + s.orderCycleDays + (input.extraForecastDays ?? 0),
    startDate: input.startDate,
    scenarios: s.scenarios,
    seed: input.seed,
    params: s.params,
  });
  const plan = computeReorderPlan({
    forecast,
    leadTimeDays: input.leadTimeDays,
    serviceLevel: input.serviceLevel,
    onHand: input.onHand,
    onOrder: input.onOrder ?? 0,
    reviewPeriodDays: review,
    serviceMeasure: s.serviceMeasure,
    orderCycleDays: s.orderCycleDays,
    fillPenaltyScale: s.fillPenaltyScale,
    fillPenaltyExponent: s.fillPenaltyExponent,
  });
  return { forecast, plan };
}

export interface ServiceRecord {
  /** Units demanded (served + lost) over the review window so far. */
  demand: number;
  /** Units served from stock over the same days. */
  served: number;
}

/**
 * Fill-rate target for the coming days that makes up for the service already
 * delivered: the catalogue target is a fill rate over a season, so a shortfall
 * so far (e.g. the days before the first order could arrive) raises the target
 * for the next `catchUpDemand` expected units, and a surplus lowers it. Clamped
 * to [floor, ceiling]; without a record the target is returned as it is.
 */
export function catchUpServiceLevel(target: number, record: ServiceRecord | undefined, catchUpDemand: number, floor = 0.5, ceiling = 0.995): number {
  if (!record || !(record.demand > 0) || !(catchUpDemand > 0)) return target;
  const needed = (target * (record.demand + catchUpDemand) - record.served) / catchUpDemand;
  return Math.min(ceiling, Math.max(floor, needed));
}
