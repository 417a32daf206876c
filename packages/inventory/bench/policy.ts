/**
 * Adapter from the shared inventory backtest's policy interface
 * (`createPolicy`, and `forecast` for --forecast mode) to the package's
 * forecastDemand / computeReorderPlan. No logic of its own beyond keeping the
 * history up to date.
 */
import { addDays } from '../src/calendar.ts';
import { type DemandObservation, type ForecastParams, forecastDemand } from '../src/forecast.ts';
import { catchUpServiceLevel, DEFAULT_PLAN_SETTINGS, type PlanSettings, planReorder, type ServiceRecord } from '../src/plan.ts';
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

/** Overrides of the production plan settings (experiments only; the default is exactly what the worker runs). */
export function makePolicy(overrides: Partial<PlanSettings> & { catchUpDays?: number; catchUpFloor?: number } = {}) {
  const { catchUpDays = 0, catchUpFloor, ...settings } = overrides;
  return function createPolicy(init: PolicyInit) {
    const history: DemandObservation[] = init.history.map((h) => ({ date: h.date, demand: h.demand, open: h.open }));
    const trainDays = history.length;
    const seed = seedFromString(init.sku.stockCode);
    const record: ServiceRecord = { demand: 0, served: 0 };
    const trainMean = init.history.reduce((s, h) => s + h.demand, 0) / Math.max(1, init.history.length);
    return {
      observe(o: { demand: number; sales: number }) {
        record.demand += o.demand;
        record.served += o.sales;
      },
      orderQuantity(state: OrderState): number {
        // Append the days seen since the last call (recentDemand ends yesterday).
        const missing = trainDays + state.day - history.length;
        const recent = state.recentDemand;
        for (let i = missing; i > 0; i--) {
          const demand = recent[recent.length - i];
          if (demand === undefined) throw new Error(`recentDemand too short to fill ${missing} days`);
          history.push({ date: addDays(state.date, -i), demand });
        }
        const { plan } = planReorder({
          history,
          startDate: state.date,
          leadTimeDays: init.leadTimeDays,
          serviceLevel:
            catchUpDays > 0 ? catchUpServiceLevel(init.serviceTarget, record, catchUpDays * trainMean, catchUpFloor ?? init.serviceTarget) : init.serviceTarget,
          onHand: state.onHand,
          onOrder: state.onOrder,
          seed,
          settings,
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

/** --forecast mode: point forecast per calendar day, with the forecast parameters the worker uses. */
export const forecast = makeForecast(DEFAULT_PLAN_SETTINGS.params);
