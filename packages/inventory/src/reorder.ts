/**
 * Reorder point and order-up-to level from a demand forecast.
 *
 * Periodic review every `reviewPeriodDays` (default 1: daily). An order placed
 * today arrives `leadTimeDays` later and the next chance to order comes after
 * one review period, so today's order must cover the protection period
 * P = leadTimeDays + reviewPeriodDays forecast days (forecast day 0 = today,
 * whose demand is not yet deducted from onHand).
 *
 * - reorderPoint s: the service-level point of demand over P, taken from the
 *   forecast's demand scenarios (no normal assumption):
 *   - serviceMeasure 'fill' (default): the smallest s whose expected units
 *     short in the last review period of P (E[(D_P - s)+] - E[(D_L - s)+]) are
 *     at most (1 - serviceLevel) x expected demand of that period;
 *   - serviceMeasure 'cycle': the serviceLevel quantile of D_P (probability of
 *     no stockout before the next order can arrive).
 * - orderUpTo S = s + expected demand over `orderCycleDays` extra days (default
 *   0: base stock, order whenever the position is below s).
 * - suggestedOrderQty = ceil(S - position) when position = onHand + onOrder
 *   (- backorders) is at or below s, else 0.
 */

import { type DemandForecast, expectedDemand } from './forecast.ts';

export type ServiceMeasure = 'fill' | 'cycle' | 'newsvendor';

export interface ReorderInput {
  forecast: DemandForecast;
  leadTimeDays: number;
  /** Target service level in (0, 1): fill rate or cycle service level (see serviceMeasure). */
  serviceLevel: number;
  onHand: number;
  onOrder?: number;
  /** Units owed to customers (backorders), deducted from the position. */
  backorders?: number;
  reviewPeriodDays?: number;
  orderCycleDays?: number;
  serviceMeasure?: ServiceMeasure;
}

export interface ReorderPlan {
  reorderPoint: number;
  orderUpTo: number;
  suggestedOrderQty: number;
  /** onHand + onOrder - backorders. */
  inventoryPosition: number;
  /** Days the on-hand stock lasts at the forecast mean (null: no demand expected). */
  daysOfCover: number | null;
  protectionDays: number;
  /** Expected demand over the protection period. */
  expectedDemand: number;
  /** reorderPoint - expectedDemand. */
  safetyStock: number;
  reasons: string[];
}

/** Scenario totals over the first `lead` and the first `protect` forecast days. */
function totals(forecast: DemandForecast, lead: number, protect: number): { tl: Float64Array; tp: Float64Array } {
  const n = forecast.scenarios.length;
  const tl = new Float64Array(n);
  const tp = new Float64Array(n);
  for (let s = 0; s < n; s++) {
    const row = forecast.scenarios[s]!;
    let t = 0;
    for (let h = 0; h < protect; h++) {
      if (h === lead) tl[s] = t;
      t += row[h]!;
    }
    if (lead >= protect) tl[s] = t;
    tp[s] = t;
  }
  return { tl, tp };
}

/** Expected units short in the review period at base-stock level s. */
function expectedShort(tl: Float64Array, tp: Float64Array, s: number): number {
  let short = 0;
  for (let i = 0; i < tp.length; i++) {
    const a = tp[i]! - s;
    if (a <= 0) continue;
    const b = tl[i]! - s;
    short += b > 0 ? a - b : a;
  }
  return short / Math.max(1, tp.length);
}

/** Smallest base-stock level meeting a fill-rate target on the scenarios. */
export function fillRateLevel(tl: Float64Array, tp: Float64Array, fill: number): number {
  let periodDemand = 0;
  let hi = 0;
  for (let i = 0; i < tp.length; i++) {
    periodDemand += tp[i]! - tl[i]!;
    if (tp[i]! > hi) hi = tp[i]!;
  }
  periodDemand /= Math.max(1, tp.length);
  const allowed = (1 - fill) * periodDemand;
  if (expectedShort(tl, tp, 0) <= allowed) return 0;
  let lo = 0;
  for (let it = 0; it < 50 && hi - lo > 1e-6 * Math.max(1, hi); it++) {
    const mid = (lo + hi) / 2;
    if (expectedShort(tl, tp, mid) <= allowed) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * Base-stock level minimising, on the scenarios, expected end-of-period stock
 * plus `penalty` x expected units short in the review period:
 *   C(s) = E[(s - D_P)+] + penalty x (E[(D_P - s)+] - E[(D_L - s)+]).
 * C is piecewise linear with kinks at the scenario totals, so the minimum is
 * at one of them; evaluated exactly with sorted totals and prefix sums.
 */
export function newsvendorLevel(tl: Float64Array, tp: Float64Array, penalty: number): number {
  const n = tp.length;
  if (n === 0) return 0;
  const sp = Float64Array.from(tp).sort();
  const sl = Float64Array.from(tl).sort();
  const prefP = new Float64Array(n + 1);
  const prefL = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    prefP[i + 1] = prefP[i]! + sp[i]!;
    prefL[i + 1] = prefL[i]! + sl[i]!;
  }
  const totP = prefP[n]!;
  const totL = prefL[n]!;
  // E[(s - X)+] and E[(X - s)+] for sorted X with prefix sums; k = #{X <= s}.
  let iP = 0;
  let iL = 0;
  let best = 0;
  let bestCost = Number.POSITIVE_INFINITY;
  const cands = new Float64Array(2 * n + 1);
  cands.set(sp, 0);
  cands.set(sl, n);
  cands[2 * n] = 0;
  cands.sort();
  for (let c = 0; c < cands.length; c++) {
    const s = cands[c]!;
    while (iP < n && sp[iP]! <= s) iP++;
    while (iL < n && sl[iL]! <= s) iL++;
    const over = s * iP - prefP[iP]!;
    const shortP = totP - prefP[iP]! - s * (n - iP);
    const shortL = totL - prefL[iL]! - s * (n - iL);
    const cost = over + penalty * (shortP - shortL);
    if (cost < bestCost - 1e-12) {
      bestCost = cost;
      best = s;
    }
  }
  return best;
}

function quantileOf(values: Float64Array, p: number): number {
  const s = Float64Array.from(values).sort();
  const n = s.length;
  if (n === 0) return 0;
  const h = (n - 1) * Math.min(1, Math.max(0, p));
  const lo = Math.floor(h);
  return s[lo]! + (h - lo) * (s[Math.min(n - 1, lo + 1)]! - s[lo]!);
}

/** Days until the on-hand stock runs out at the forecast mean demand. */
export function coverDays(forecast: DemandForecast, onHand: number): number | null {
  const days = forecast.days;
  let left = Math.max(0, onHand);
  let total = 0;
  for (let h = 0; h < days.length; h++) {
    const m = days[h]!.mean;
    total += m;
    if (m > 0 && left <= m) return h + left / m;
    left -= m;
  }
  if (!(total > 0)) return null;
  return days.length + left / (total / days.length);
}

export function computeReorderPlan(input: ReorderInput): ReorderPlan {
  const { forecast, leadTimeDays, serviceLevel, onHand } = input;
  const onOrder = input.onOrder ?? 0;
  const backorders = input.backorders ?? 0;
  const review = input.reviewPeriodDays ?? 1;
  const cycle = input.orderCycleDays ?? 0;
  const measure = input.serviceMeasure ?? 'fill';
  if (!Number.isInteger(leadTimeDays) || leadTimeDays < 0) throw new RangeError(`leadTimeDays must be an integer >= 0, got ${leadTimeDays}`);
  if (!Number.isInteger(review) || review < 1) throw new RangeError(`reviewPeriodDays must be an integer >= 1, got ${review}`);
  if (!(serviceLevel > 0 && serviceLevel < 1)) throw new RangeError(`serviceLevel must lie in (0, 1), got ${serviceLevel}`);
  for (const [k, v] of [
    ['onHand', onHand],
    ['onOrder', onOrder],
    ['backorders', backorders],
  ] as const) {
    if (!Number.isFinite(v)) throw new RangeError(`${k} must be finite, got ${v}`);
  }
  const protect = leadTimeDays + review;
  if (forecast.horizonDays < protect + cycle) {
    throw new RangeError(`forecast covers ${forecast.horizonDays} days; lead time + review + cycle needs ${protect + cycle}`);
  }
  const reasons: string[] = [];
  const { tl, tp } = totals(forecast, leadTimeDays, protect);
  const mu = expectedDemand(forecast, protect);
  let reorderPoint: number;
  if (measure === 'newsvendor') {
    const penalty = serviceLevel / (1 - serviceLevel);
    reorderPoint = newsvendorLevel(tl, tp, penalty);
    reasons.push(
      `reorder point balances holding against lost sales at critical ratio ${serviceLevel} (a unit short costs ${penalty.toFixed(1)} unit-days of stock) over ${protect} days (lead time ${leadTimeDays} + review ${review})`,
    );
  } else if (measure === 'cycle') {
    reorderPoint = quantileOf(tp, serviceLevel);
    reasons.push(`reorder point = ${(serviceLevel * 100).toFixed(1)}% quantile of demand over ${protect} days (lead time ${leadTimeDays} + review ${review})`);
  } else {
    reorderPoint = fillRateLevel(tl, tp, serviceLevel);
    reasons.push(
      `reorder point = stock covering ${(serviceLevel * 100).toFixed(1)}% of expected demand over ${protect} days (lead time ${leadTimeDays} + review ${review})`,
    );
  }
  const cycleStock = cycle > 0 ? expectedDemand(forecast, protect + cycle) - mu : 0;
  const orderUpTo = reorderPoint + cycleStock;
  const position = onHand + onOrder - backorders;
  let suggestedOrderQty = 0;
  if (position <= reorderPoint && orderUpTo > position) {
    suggestedOrderQty = Math.ceil(orderUpTo - position - 1e-9);
    reasons.push(`position ${position} <= reorder point ${reorderPoint.toFixed(1)}: order up to ${orderUpTo.toFixed(1)}`);
  } else {
    reasons.push(`position ${position} above reorder point ${reorderPoint.toFixed(1)}: no order`);
  }
  reasons.push(...forecast.reasons);
  return {
    reorderPoint,
    orderUpTo,
    suggestedOrderQty,
    inventoryPosition: position,
    daysOfCover: coverDays(forecast, onHand),
    protectionDays: protect,
    expectedDemand: mu,
    safetyStock: reorderPoint - mu,
    reasons,
  };
}
