import { addDays } from '../src/calendar.ts';
import type { DemandForecast, DemandObservation } from '../src/forecast.ts';

/** `days` consecutive days from `start`, demand and open flag from a function of (date index, weekday). */
export function series(start: string, days: number, f: (i: number, weekday: number) => { demand: number; open?: boolean }): DemandObservation[] {
  const out: DemandObservation[] = [];
  for (let i = 0; i < days; i++) {
    const date = addDays(start, i);
    const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
    out.push({ date, ...f(i, weekday) });
  }
  return out;
}

/** A forecast with given scenarios (each a row of daily demand) and means = scenario averages. */
export function forecastFromScenarios(scenarios: number[][], startDate = '2024-01-01'): DemandForecast {
  const horizon = scenarios[0]?.length ?? 0;
  const days = Array.from({ length: horizon }, (_, h) => {
    const mean = scenarios.reduce((s, row) => s + (row[h] ?? 0), 0) / scenarios.length;
    return { date: addDays(startDate, h), weekday: 0, open: true, mean, median: mean, lower: mean, upper: mean };
  });
  return {
    startDate,
    horizonDays: horizon,
    method: 'smooth',
    level: 0,
    largeOrderAllowance: 0,
    trend: 0,
    weekdayProfile: [1, 1, 1, 1, 1, 1, 1],
    days,
    dispersion: { kind: 'lognormal', zeroProb: 0, logSd: 0, ratios: 0 },
    scenarios,
    reasons: [],
  };
}
