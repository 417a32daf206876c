export { addDays, daysBetween, weekdayOf } from './calendar.ts';
export {
  DEFAULT_FORECAST_PARAMS,
  demandQuantile,
  expectedDemand,
  forecastDemand,
  scenarioTotals,
  type DemandForecast,
  type DemandObservation,
  type ForecastDay,
  type ForecastMethod,
  type ForecastOptions,
  type ForecastParams,
} from './forecast.ts';
export { computeReorderPlan, coverDays, fillRateLevel, type ReorderInput, type ReorderPlan, type ServiceMeasure } from './reorder.ts';
export { shouldAlertLowStock } from './alerts.ts';
