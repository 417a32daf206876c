export { addDays, daysBetween, weekdayOf } from './calendar.ts';
export type { DemandObservation } from './history.ts';
export {
  DEFAULT_FORECAST_PARAMS,
  demandQuantile,
  expectedDemand,
  forecastDemand,
  scenarioTotals,
  type DemandForecast,
  type ForecastDay,
  type ForecastMethod,
  type ForecastOptions,
  type ForecastParams,
} from './forecast.ts';
export {
  computeReorderPlan,
  coverDays,
  fillRatePenalty,
  type ReorderInput,
  type ReorderPlan,
  type ServiceMeasure,
} from './reorder.ts';
export { shouldAlertLowStock } from './alerts.ts';
export { seedFromString } from './stats.ts';
export { DEFAULT_PLAN_SETTINGS, type PlanInput, type PlanSettings, planReorder, type VariantPlan } from './plan.ts';
