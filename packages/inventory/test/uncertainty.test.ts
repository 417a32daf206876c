/**
 * Level uncertainty and drift in the demand scenarios, the penalty exponent,
 * and the catch-up fill target: the maths on small cases.
 */
import { describe, expect, it } from 'vitest';
import { drawScenarios, fitDemandLaw } from '../src/distribution.ts';
import { DEFAULT_FORECAST_PARAMS, forecastDemand, levelEstimateCv2 } from '../src/forecast.ts';
import { levelDrift } from '../src/level.ts';
import { catchUpServiceLevel } from '../src/plan.ts';
import { fillRatePenalty } from '../src/reorder.ts';
import { alphaFromHalfLife, createRng, normalDraw } from '../src/stats.ts';
import { series } from './helpers.ts';

const variance = (xs: readonly number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return xs.reduce((a, x) => a + (x - m) * (x - m), 0) / (xs.length - 1);
};
const totalsOver = (scenarios: number[][], days: number) => scenarios.map((row) => row.slice(0, days).reduce((a, b) => a + b, 0));

describe('level estimate variance', () => {
  const law = fitDemandLaw([0.5, 1.5, 0.8, 1.2, 1, 0.9, 1.1], { ...DEFAULT_FORECAST_PARAMS, sigmaPriorWeight: 0, zeroPriorWeight: 0 });
  it('smooth: the EWMA of iid days has variance cv^2 x a / (2 - a)', () => {
    let m2 = 0;
    for (const x of law.table) m2 += x * x;
    const dayCv2 = m2 / law.table.length - 1;
    const a = alphaFromHalfLife(DEFAULT_FORECAST_PARAMS.levelHalfLife);
    expect(levelEstimateCv2('smooth', law, DEFAULT_FORECAST_PARAMS)).toBeCloseTo((dayCv2 * a) / (2 - a), 12);
    // A longer half-life averages more days: a smaller error.
    expect(levelEstimateCv2('smooth', law, { ...DEFAULT_FORECAST_PARAMS, levelHalfLife: 80 })).toBeLessThan(
      levelEstimateCv2('smooth', law, DEFAULT_FORECAST_PARAMS),
    );
  });
  it('intermittent: rarer sales give a noisier level', () => {
    const often = fitDemandLaw([0, 1.2, 1.2, 1.2, 0, 1.2], { ...DEFAULT_FORECAST_PARAMS, zeroPriorWeight: 0 });
    const rare = fitDemandLaw([0, 0, 0, 0, 0, 6], { ...DEFAULT_FORECAST_PARAMS, zeroPriorWeight: 0 });
    expect(levelEstimateCv2('intermittent', rare, DEFAULT_FORECAST_PARAMS)).toBeGreaterThan(levelEstimateCv2('intermittent', often, DEFAULT_FORECAST_PARAMS));
  });
});

describe('levelDrift', () => {
  it('is zero for a constant level and for too short a history', () => {
    expect(levelDrift(new Array(100).fill(5), 10, 0.1, 0)).toBe(0);
    expect(levelDrift([1, 2, 3], 10, 0.1, 0)).toBe(0);
  });
  it('recovers the step variance of a log random walk', () => {
    const rng = createRng(7);
    const q = 0.01;
    const levels: number[] = [];
    let log = 0;
    for (let i = 0; i < 4000; i++) {
      levels.push(Math.exp(log));
      log += Math.sqrt(q) * normalDraw(rng);
    }
    expect(levelDrift(levels, 20, 0.1, 0)).toBeGreaterThan(q * 0.7);
    expect(levelDrift(levels, 20, 0.1, 0)).toBeLessThan(q * 1.3);
    // What the estimator's own noise explains is not counted as drift.
    expect(levelDrift(levels, 20, 0.1, 0.05)).toBeLessThan(levelDrift(levels, 20, 0.1, 0));
  });
});

describe('drawScenarios with level uncertainty and drift', () => {
  const law = fitDemandLaw([1], { ...DEFAULT_FORECAST_PARAMS, sigmaPrior: 0.3, sigmaPriorWeight: 1000, zeroPrior: 0, zeroPriorWeight: 0 });
  const means = new Array<number>(20).fill(10);
  it('keeps the mean and widens long-horizon totals more than short ones', () => {
    const plain = drawScenarios(means, law, 4000, 3);
    const shared = drawScenarios(means, law, 4000, 3, 25); // level cv 0.2
    const walking = drawScenarios(means, law, 4000, 3, 0, 0.004);
    for (const sc of [plain, shared, walking]) {
      const m = totalsOver(sc, 20).reduce((a, b) => a + b, 0) / sc.length;
      expect(m).toBeGreaterThan(200 * 0.96);
      expect(m).toBeLessThan(200 * 1.04);
    }
    // Relative spread of totals: independent days shrink like 1/sqrt(days); a shared level does not.
    const relSd = (sc: number[][], d: number) => Math.sqrt(variance(totalsOver(sc, d))) / (10 * d);
    expect(relSd(plain, 20) / relSd(plain, 1)).toBeLessThan(0.3);
    expect(relSd(shared, 20) / relSd(shared, 1)).toBeGreaterThan(0.5);
    // A drifting level: the last day varies more than the first.
    const day = (sc: number[][], h: number) => sc.map((row) => row[h] ?? 0);
    expect(variance(day(walking, 19))).toBeGreaterThan(variance(day(walking, 0)) * 1.1);
  });
  it('forecastDemand turns the options on and off without moving the mean', () => {
    const hist = series('2024-01-01', 200, (i) => ({ demand: 5 + ((i * 7) % 5) }));
    const off = forecastDemand(hist, { horizonDays: 14, scenarios: 400, seed: 1 });
    const on = forecastDemand(hist, { horizonDays: 14, scenarios: 400, seed: 1, params: { levelUncertainty: 1, levelDriftWeight: 1 } });
    expect(on.days.map((d) => d.mean)).toEqual(off.days.map((d) => d.mean));
    expect(variance(totalsOver(on.scenarios, 14))).toBeGreaterThan(variance(totalsOver(off.scenarios, 14)));
  });
});

describe('penalty exponent and catch-up target', () => {
  it('exponent 0 makes the penalty independent of the protection period', () => {
    expect(fillRatePenalty(0.95, 2, 10, 0)).toBeCloseTo(190, 9);
    expect(fillRatePenalty(0.95, 15, 10, 0)).toBeCloseTo(190, 9);
    expect(fillRatePenalty(0.95, 16, 10, 0.25)).toBeCloseTo(380, 9);
  });
  it('raises the target after a shortfall, lowers it after a surplus, within bounds', () => {
    expect(catchUpServiceLevel(0.95, undefined, 100)).toBe(0.95);
    expect(catchUpServiceLevel(0.95, { demand: 0, served: 0 }, 100)).toBe(0.95);
    // 100 demanded, 80 served: (0.95 x 200 - 80) / 100 = 1.1 -> capped at 0.995.
    expect(catchUpServiceLevel(0.95, { demand: 100, served: 80 }, 100)).toBe(0.995);
    // 100 demanded, 93 served: (190 - 93) / 100 = 0.97.
    expect(catchUpServiceLevel(0.95, { demand: 100, served: 93 }, 100)).toBeCloseTo(0.97, 12);
    // A surplus lowers it, down to the floor.
    expect(catchUpServiceLevel(0.95, { demand: 100, served: 100 }, 100, 0.9)).toBeCloseTo(0.9, 12);
    expect(catchUpServiceLevel(0.95, { demand: 100, served: 100 }, 400, 0.5)).toBeCloseTo((0.95 * 500 - 100) / 400, 12);
  });
});
