/**
 * Adapter from the shared inventory backtest's policy interface
 * (`createPolicy`, and `forecast` for --forecast mode) to the package's
 * forecastDemand / computeReorderPlan. No logic of its own beyond keeping the
 * history up to date.
 */
import { addDays } from '../src/calendar.ts';
import { type DemandObservation, type ForecastParams, forecastDemand } from '../src/forecast.ts';
import { computeReorderPlan, type ServiceMeasure } from '../src/reorder.ts';
import { seedFromString } from '../src/stats.ts';

export interface BenchSku {
  stockCode: string;
  description?: string;
  unitPrice?: number | null;
}

export interface PolicyInit {
  sku: BenchSku;
  history: readonly DemandObservation[];
  leadTimeDays: number;
  serviceTarget: number;
}

export interface OrderState {
  day: number;
  date: string;
  onHand: number;
  onOrder: number;
  recentDemand: readonly number[];
}

export interface PolicyConfig {
  /** Forecast model parameters (defaults: DEFAULT_FORECAST_PARAMS). */
  params: Partial<ForecastParams>;
  scenarios: number;
  serviceMeasure: ServiceMeasure;
  /** Service level handed to computeReorderPlan as a function of the target. */
  serviceLevel: (target: number) => number;
  orderCycleDays: number;
}

export const DEFAULT_POLICY_CONFIG: PolicyConfig = {
  params: {},
  scenarios: 500,
  serviceMeasure: 'fill',
  serviceLevel: (t) => t,
  orderCycleDays: 0,
};

export function makePolicy(overrides: Partial<PolicyConfig> = {}) {
  const cfg: PolicyConfig = { ...DEFAULT_POLICY_CONFIG, ...overrides };
  return function createPolicy(init: PolicyInit) {
    const L = init.leadTimeDays;
    const history: DemandObservation[] = init.history.map((h) => ({ date: h.date, demand: h.demand, open: h.open }));
    const trainDays = history.length;
    const level = cfg.serviceLevel(init.serviceTarget);
    const seed = seedFromString(init.sku.stockCode);
    return {
      orderQuantity(state: OrderState): number {
        // Append the days seen since the last call (recentDemand ends yesterday).
        const missing = trainDays + state.day - history.length;
        const recent = state.recentDemand;
        for (let i = missing; i > 0; i--) {
          const demand = recent[recent.length - i];
          if (demand === undefined) throw new Error(`recentDemand too short to fill ${missing} days`);
          history.push({ date: addDays(state.date, -i), demand });
        }
        const forecast = forecastDemand(history, {
          horizonDays: L + 1 + cfg.orderCycleDays,
          startDate: state.date,
          scenarios: cfg.scenarios,
          seed,
          params: cfg.params,
        });
        const plan = computeReorderPlan({
          forecast,
          leadTimeDays: L,
          serviceLevel: level,
          onHand: state.onHand,
          onOrder: state.onOrder,
          serviceMeasure: cfg.serviceMeasure,
          orderCycleDays: cfg.orderCycleDays,
        });
        return plan.suggestedOrderQty;
      },
    };
  };
}

export const createPolicy = makePolicy();

export interface ForecastRequest {
  sku: BenchSku;
  history: readonly DemandObservation[];
  horizonDays: number;
  futureDates: readonly { date: string; open: boolean }[];
}

export type PointForecast = 'mean' | 'median';

export function makeForecast(params: Partial<ForecastParams> = {}, point: PointForecast = 'mean') {
  return function forecast(req: ForecastRequest): number[] {
    const first = req.futureDates[0];
    const f = forecastDemand(req.history, {
      horizonDays: req.horizonDays,
      ...(first ? { startDate: first.date } : {}),
      futureOpen: req.futureDates.map((d) => d.open),
      scenarios: 1,
      params,
    });
    return f.days.map((d) => (point === 'median' ? d.median : d.mean));
  };
}

/** --forecast mode: point forecast per calendar day. */
export const forecast = makeForecast();
