import { describe, expect, it } from 'vitest';
import { forecastDemand } from '../src/forecast.ts';
import { computeReorderPlan, coverDays, fillRatePenalty } from '../src/reorder.ts';
import { forecastFromScenarios, series } from './helpers.ts';

const constant = (perDay: number, days: number, n = 10) => forecastFromScenarios(Array.from({ length: n }, () => new Array<number>(days).fill(perDay)));
// Half the scenarios sell nothing, half sell 20 units every day.
const twoPoint = (days: number, n = 10) => forecastFromScenarios(Array.from({ length: n }, (_, s) => new Array<number>(days).fill(s % 2 === 0 ? 0 : 20)));

describe('computeReorderPlan: deterministic demand', () => {
  const f = constant(10, 8);

  it('covers lead time + review period: 10/day x (3 + 1) days = 40', () => {
    for (const serviceMeasure of ['fill', 'newsvendor', 'cycle'] as const) {
      const plan = computeReorderPlan({ forecast: f, leadTimeDays: 3, serviceLevel: 0.95, onHand: 12, onOrder: 8, serviceMeasure });
      expect(plan.protectionDays).toBe(4);
      expect(plan.expectedDemand).toBeCloseTo(40, 9);
      expect(plan.reorderPoint).toBeCloseTo(40, 9);
      expect(plan.safetyStock).toBeCloseTo(0, 9);
      expect(plan.inventoryPosition).toBe(20);
      expect(plan.suggestedOrderQty).toBe(20); // up to 40 from a position of 12 + 8
      expect(plan.daysOfCover).toBeCloseTo(1.2, 9); // 12 units at 10 a day
    }
  });

  it('item fill rate 95% accepts 5% of the last day short: 40 - 0.05 x 10 = 39.5', () => {
    const plan = computeReorderPlan({ forecast: f, leadTimeDays: 3, serviceLevel: 0.95, onHand: 12, onOrder: 8, serviceMeasure: 'item-fill' });
    expect(plan.reorderPoint).toBeCloseTo(39.5, 4);
    expect(plan.suggestedOrderQty).toBe(20); // ceil(39.5 - 20)
  });

  it('orders nothing above the reorder point, and counts backorders against the position', () => {
    expect(computeReorderPlan({ forecast: f, leadTimeDays: 3, serviceLevel: 0.95, onHand: 30, onOrder: 20 }).suggestedOrderQty).toBe(0);
    const owed = computeReorderPlan({ forecast: f, leadTimeDays: 3, serviceLevel: 0.95, onHand: 30, onOrder: 20, backorders: 15 });
    expect(owed.inventoryPosition).toBe(35);
    expect(owed.suggestedOrderQty).toBe(5);
  });

  it('adds expected demand of extra cycle days to the order-up-to level', () => {
    const plan = computeReorderPlan({ forecast: f, leadTimeDays: 3, serviceLevel: 0.95, onHand: 0, orderCycleDays: 4, serviceMeasure: 'cycle' });
    expect(plan.reorderPoint).toBeCloseTo(40, 4);
    expect(plan.orderUpTo).toBeCloseTo(80, 4);
    expect(plan.suggestedOrderQty).toBe(80);
  });

  it('rounds fractional orders up', () => {
    const plan = computeReorderPlan({ forecast: constant(2.5, 4), leadTimeDays: 2, serviceLevel: 0.9, onHand: 0, serviceMeasure: 'cycle' });
    expect(plan.reorderPoint).toBeCloseTo(7.5, 9);
    expect(plan.suggestedOrderQty).toBe(8);
  });
});

describe('computeReorderPlan: lumpy two-point demand (0 or 20 a day, lead time 3)', () => {
  // D_P over 4 days is 0 or 80, D_L over 3 days is 0 or 60, each with probability 1/2.
  const f = twoPoint(4);

  it('newsvendor: all or nothing. C(0) = 10 x penalty, C(80) = 40, so cover iff penalty > 4', () => {
    // critical ratio 0.9 -> penalty 9: C(0) = 90 > C(80) = 40
    expect(computeReorderPlan({ forecast: f, leadTimeDays: 3, serviceLevel: 0.9, onHand: 0, serviceMeasure: 'newsvendor' }).reorderPoint).toBe(80);
    // critical ratio 0.75 -> penalty 3: C(0) = 30 < C(80) = 40
    expect(computeReorderPlan({ forecast: f, leadTimeDays: 3, serviceLevel: 0.75, onHand: 0, serviceMeasure: 'newsvendor' }).reorderPoint).toBe(0);
  });

  it('item fill rate: expected short 0.5 x (80 - s) <= (1 - 0.95) x 10 gives s = 79', () => {
    const plan = computeReorderPlan({ forecast: f, leadTimeDays: 3, serviceLevel: 0.95, onHand: 0, serviceMeasure: 'item-fill' });
    expect(plan.reorderPoint).toBeCloseTo(79, 3);
  });

  it('catalogue fill rate: the newsvendor at penalty target / (1 - target) x 7.25 x protection days^(1/4)', () => {
    expect(fillRatePenalty(0.95, 4)).toBeCloseTo(19 * 7.25 * Math.SQRT2, 9);
    expect(fillRatePenalty(0.5, 1)).toBeCloseTo(7.25, 9);
    expect(fillRatePenalty(0.95, 8)).toBeGreaterThan(fillRatePenalty(0.95, 4));
    expect(fillRatePenalty(0.99, 4)).toBeGreaterThan(fillRatePenalty(0.95, 4));
    expect(() => fillRatePenalty(1, 4)).toThrow(RangeError);
    // penalty 195 > 4: cover the 20-a-day scenarios fully
    expect(computeReorderPlan({ forecast: f, leadTimeDays: 3, serviceLevel: 0.95, onHand: 0 }).reorderPoint).toBe(80);
    // target 0.3 -> penalty 0.3 / 0.7 x 7.25 x 4^(1/4) = 4.39 > 4: still covers; 0.25 -> 3.42 < 4: nothing
    expect(computeReorderPlan({ forecast: f, leadTimeDays: 3, serviceLevel: 0.3, onHand: 0 }).reorderPoint).toBe(80);
    expect(computeReorderPlan({ forecast: f, leadTimeDays: 3, serviceLevel: 0.25, onHand: 0 }).reorderPoint).toBe(0);
  });

  it('cycle service: quantile of D_P', () => {
    expect(computeReorderPlan({ forecast: f, leadTimeDays: 3, serviceLevel: 0.4, onHand: 0, serviceMeasure: 'cycle' }).reorderPoint).toBe(0);
    expect(computeReorderPlan({ forecast: f, leadTimeDays: 3, serviceLevel: 0.9, onHand: 0, serviceMeasure: 'cycle' }).reorderPoint).toBe(80);
  });
});

describe('computeReorderPlan: validation and real forecasts', () => {
  it('rejects bad arguments', () => {
    const f = constant(1, 4);
    expect(() => computeReorderPlan({ forecast: f, leadTimeDays: 3, serviceLevel: 1, onHand: 0 })).toThrow(RangeError);
    expect(() => computeReorderPlan({ forecast: f, leadTimeDays: 3, serviceLevel: 0, onHand: 0 })).toThrow(RangeError);
    expect(() => computeReorderPlan({ forecast: f, leadTimeDays: 7, serviceLevel: 0.9, onHand: 0 })).toThrow(/covers 4 days/);
    expect(() => computeReorderPlan({ forecast: f, leadTimeDays: 1.5, serviceLevel: 0.9, onHand: 0 })).toThrow(RangeError);
    expect(() => computeReorderPlan({ forecast: f, leadTimeDays: 1, serviceLevel: 0.9, onHand: Number.NaN })).toThrow(RangeError);
  });

  it('holds more safety stock for a higher service level and for lumpier demand', () => {
    const smooth = series('2024-01-07', 140, () => ({ demand: 20, open: true }));
    const lumpy = series('2024-01-07', 140, (i) => ({ demand: i % 10 === 0 ? 200 : 0, open: true }));
    const plan = (h: typeof smooth, serviceLevel: number) =>
      computeReorderPlan({ forecast: forecastDemand(h, { horizonDays: 8 }), leadTimeDays: 7, serviceLevel, onHand: 0 });
    const a = plan(smooth, 0.9);
    const b = plan(smooth, 0.99);
    expect(a.expectedDemand).toBeCloseTo(160, 6);
    expect(b.reorderPoint).toBeGreaterThan(a.reorderPoint);
    expect(a.reorderPoint).toBeGreaterThan(a.expectedDemand);
    const c = plan(lumpy, 0.9);
    expect(c.expectedDemand).toBeGreaterThan(150);
    expect(c.expectedDemand).toBeLessThan(170);
    expect(c.safetyStock).toBeGreaterThan(a.safetyStock);
    expect(c.reasons.some((r) => r.includes('intermittent'))).toBe(true);
  });

  it('days of cover walks the daily forecast and extrapolates past the horizon', () => {
    const f = forecastFromScenarios([[10, 0, 20, 10]]);
    expect(coverDays(f, 5)).toBeCloseTo(0.5, 9);
    expect(coverDays(f, 10)).toBeCloseTo(1, 9); // day 0 takes all 10
    expect(coverDays(f, 25)).toBeCloseTo(2.75, 9);
    expect(coverDays(f, 50)).toBeCloseTo(4 + 10 / 10, 9); // beyond: 40 units / 4 days = 10 a day
    expect(coverDays(forecastFromScenarios([[0, 0]]), 5)).toBeNull();
  });
});
