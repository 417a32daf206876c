/**
 * Training-only validation: the shared backtest's simulation and forecast
 * scoring replayed on pseudo test windows that lie entirely inside the
 * training period (days before 2011-09-01), against the same reorder-point
 * reference frontier and 56-day-mean forecast. Used to choose the model
 * settings; the real test period is never read here.
 *
 *   node --import tsx packages/inventory/bench/validate.ts [--lead-time 7] [--forecast]
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import type { DemandObservation } from '../src/forecast.ts';
import { backtestScript, referencePolicy } from './paths.ts';
import { type ForecastRequest, type OrderState, type PolicyInit, createPolicy, forecast as ourForecast } from './policy.ts';

interface SkuData {
  code: string;
  desc: string;
  unitPrice: number | null;
  demand: Float64Array;
}
interface LoadedData {
  days: string[];
  trainDays: number;
  openDays: Uint8Array;
}
interface BacktestModule {
  loadDemand(file: string): LoadedData & { skus: Map<string, SkuData> };
  selectSkus(data: LoadedData, n: number): SkuData[];
  referenceCoverAt(points: { fillRate: number; daysOfCover: number }[], f: number): number | null;
  FRONTIER_Z: (number | null)[];
}
export interface Policy {
  orderQuantity(s: OrderState): number | Promise<number>;
  observe?(o: unknown): void;
}
export type CreatePolicy = (init: PolicyInit & { safetyFactor?: number }) => Policy;
export type ForecastFn = (req: ForecastRequest) => number[] | Float64Array;

/** A pseudo test window [start, start + length) of day indices, all before the real test start. */
export interface Window {
  start: number;
  length: number;
}
/** Windows used for tuning: the last 100 training days, and the 100 days before the last 54. */
export const DEFAULT_WINDOWS: Window[] = [
  { start: 174, length: 100 },
  { start: 120, length: 100 },
];

export interface Dataset {
  data: LoadedData;
  skus: SkuData[];
  histories: DemandObservation[][];
  bt: BacktestModule;
  /** Distinguishes modified copies (withRamp) in the frontier cache. */
  tag?: string;
}

/**
 * A copy of the dataset whose demand from day `start` on is multiplied by
 * `scale(dayIndex - start)`: a synthetic ramp to check level adaptation
 * (the training data has no sustained trend to test it on).
 */
export function withRamp(ds: Dataset, start: number, scale: (d: number) => number): Dataset {
  const histories = ds.histories.map((h) => h.map((o, i) => (i < start ? o : Object.freeze({ ...o, demand: Math.round(o.demand * scale(i - start)) }))));
  return { ...ds, histories, tag: `${ds.tag ?? ''}ramp${start}:${scale(50)}` };
}

export async function loadDataset(nSkus = 200): Promise<Dataset> {
  const bt = (await import(pathToFileURL(backtestScript).href)) as BacktestModule;
  const { resolve } = await import('node:path');
  const file = resolve(backtestScript, '..', '..', '..', 'data', 'online-retail', 'online-retail.csv.gz');
  const data = bt.loadDemand(file);
  const skus = bt.selectSkus(data, nSkus);
  // Only training days are ever handed out.
  const T = data.trainDays;
  const histories = skus.map((s) =>
    data.days.slice(0, T).map((date, i) => Object.freeze({ date, demand: s.demand[i] as number, open: data.openDays[i] === 1 })),
  );
  return { data, skus, histories, bt };
}

export interface SimRow {
  demanded: number;
  served: number;
  lost: number;
  avgOnHand: number;
  avgDemand: number;
  orders: number;
}

export async function simulate(ds: Dataset, create: CreatePolicy, w: Window, leadTime: number, serviceTarget: number, safetyFactor?: number) {
  const rows: SimRow[] = [];
  if (w.start + w.length > ds.data.trainDays) throw new Error('validation window must end inside training');
  for (let k = 0; k < ds.skus.length; k++) {
    const sku = ds.skus[k]!;
    const hist = ds.histories[k]!;
    const T0 = w.start;
    let trainUnits = 0;
    for (let i = 0; i < T0; i++) trainUnits += hist[i]!.demand;
    const init: PolicyInit & { safetyFactor?: number } = {
      sku: { stockCode: sku.code, description: sku.desc, unitPrice: sku.unitPrice },
      history: hist.slice(0, T0),
      leadTimeDays: leadTime,
      serviceTarget,
    };
    if (safetyFactor !== undefined) init.safetyFactor = safetyFactor;
    const policy = create(init);
    const arrivals = new Float64Array(w.length + leadTime + 1);
    let onHand = Math.round(14 * (trainUnits / T0));
    let onOrder = 0;
    const r = { demanded: 0, served: 0, lost: 0, sumOnHand: 0, orders: 0 };
    for (let d = 0; d < w.length; d++) {
      const gi = T0 + d;
      onHand += arrivals[d]!;
      onOrder -= arrivals[d]!;
      const recentDemand = hist.slice(Math.max(0, gi - 56), gi).map((h) => h.demand);
      const q = Math.round(await policy.orderQuantity({ day: d, date: hist[gi]!.date, onHand, onOrder, recentDemand }));
      if (!Number.isFinite(q) || q < 0) throw new Error(`bad order ${q}`);
      if (q > 0) {
        arrivals[d + leadTime]! += q;
        onOrder += q;
        r.orders++;
      }
      const dem = hist[gi]!.demand;
      const sales = Math.min(onHand, dem);
      onHand -= sales;
      r.demanded += dem;
      r.served += sales;
      r.lost += dem - sales;
      r.sumOnHand += onHand;
    }
    rows.push({ demanded: r.demanded, served: r.served, lost: r.lost, avgOnHand: r.sumOnHand / w.length, avgDemand: r.demanded / w.length, orders: r.orders });
  }
  const sum = (f: (r: SimRow) => number) => rows.reduce((s, r) => s + f(r), 0);
  return {
    fillRate: sum((r) => r.served) / sum((r) => r.demanded),
    daysOfCover: sum((r) => r.avgOnHand) / sum((r) => r.avgDemand),
    ordersPerSku: sum((r) => r.orders) / rows.length,
    rows,
  };
}

const frontierCache = new Map<string, { fillRate: number; daysOfCover: number }[]>();

export async function referenceFrontier(ds: Dataset, w: Window, leadTime: number) {
  const key = `${ds.tag ?? ''}/${w.start}/${w.length}/${leadTime}`;
  const hit = frontierCache.get(key);
  if (hit) return hit;
  const ref = (await import(pathToFileURL(referencePolicy).href)) as { createPolicy: CreatePolicy };
  const pts = [];
  for (const z of ds.bt.FRONTIER_Z) {
    pts.push(await simulate(ds, ref.createPolicy, w, leadTime, 0.95, z === null ? undefined : z));
  }
  frontierCache.set(key, pts);
  return pts;
}

export async function validatePolicy(ds: Dataset, create: CreatePolicy, w: Window, leadTime: number, serviceTarget = 0.95) {
  const res = await simulate(ds, create, w, leadTime, serviceTarget);
  const pts = await referenceFrontier(ds, w, leadTime);
  const refCover = ds.bt.referenceCoverAt(pts, res.fillRate);
  return { ...res, referenceCover: refCover, coverVsReference: refCover ? res.daysOfCover / refCover : null };
}

/** WAPE / bias of a forecast over origins every 7 days inside the window, horizon 14, and of the 56-day mean. */
export async function validateForecast(ds: Dataset, fc: ForecastFn, w: Window, horizon = 14) {
  let err = 0;
  let errRef = 0;
  let actual = 0;
  let signed = 0;
  for (let k = 0; k < ds.skus.length; k++) {
    const hist = ds.histories[k]!;
    const sku = ds.skus[k]!;
    for (let o = 0; o + horizon <= w.length; o += 7) {
      const gi = w.start + o;
      const futureDates = hist.slice(gi, gi + horizon).map((h) => ({ date: h.date, open: h.open === true }));
      const f = await fc({ sku: { stockCode: sku.code }, history: hist.slice(0, gi), horizonDays: horizon, futureDates });
      let m = 0;
      for (let i = Math.max(0, gi - 56); i < gi; i++) m += hist[i]!.demand;
      m /= Math.min(56, gi);
      for (let h = 0; h < horizon; h++) {
        const y = hist[gi + h]!.demand;
        err += Math.abs((f[h] as number) - y);
        errRef += Math.abs(m - y);
        signed += (f[h] as number) - y;
        actual += y;
      }
    }
  }
  return { wape: err / actual, referenceWape: errRef / actual, bias: signed / actual };
}

async function main() {
  const { values } = parseArgs({
    options: { 'lead-time': { type: 'string' }, forecast: { type: 'boolean' }, 'service-target': { type: 'string' } },
  });
  const ds = await loadDataset();
  const r4 = (x: number | null) => (x === null ? null : Math.round(x * 1e4) / 1e4);
  for (const w of DEFAULT_WINDOWS) {
    if (values.forecast) {
      const r = await validateForecast(ds, ourForecast, w);
      console.log(JSON.stringify({ type: 'validate-forecast', window: w, wape: r4(r.wape), referenceWape: r4(r.referenceWape), bias: r4(r.bias) }));
    } else {
      const L = Number(values['lead-time'] ?? 7);
      const r = await validatePolicy(ds, createPolicy as CreatePolicy, w, L, Number(values['service-target'] ?? 0.95));
      console.log(
        JSON.stringify({
          type: 'validate',
          window: w,
          leadTimeDays: L,
          fillRate: r4(r.fillRate),
          daysOfCover: r4(r.daysOfCover),
          referenceCover: r4(r.referenceCover),
          coverVsReference: r4(r.coverVsReference),
          ordersPerSku: r4(r.ordersPerSku),
        }),
      );
    }
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
