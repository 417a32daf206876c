/**
 * The production plan (planReorder, what the worker and the bench run) on
 * synthetic series of our own, not the benchmark's: a daily lost-sales
 * simulation with lead time, checking the fill rate it reaches and the stock
 * it holds for weekly-seasonal, intermittent, lumpy, growing and new-product
 * demand. A control (no shortage penalty) shows the fill bar can fail.
 *
 * Known weakness these figures show (see notes/pricing.md): the dispersion
 * prior is fitted to the benchmark's wholesale data (heavy tails), so on
 * light-tailed demand the plan overshoots the target (fill ~1.0 at a 0.8 or
 * 0.95 target) and holds more stock than needed, most for intermittent demand.
 * The cover bounds below record that level so a regression shows up.
 */
import { describe, expect, it } from 'vitest';
import { addDays } from '../src/calendar.ts';
import type { DemandObservation } from '../src/history.ts';
import { planReorder } from '../src/plan.ts';
import { createRng } from '../src/stats.ts';

type Gen = (day: number, weekday: number, rng: () => number) => number;

function poisson(rng: () => number, lambda: number): number {
  if (lambda <= 0) return 0;
  const l = Math.exp(-lambda);
  let k = 0;
  let p = rng();
  while (p > l) {
    k++;
    p *= rng();
  }
  return k;
}

const START = '2025-01-06'; // a Monday

interface SimResult {
  fillRate: number;
  daysOfCover: number;
}

/** `historyDays` of history, then `testDays` of daily reordering with lead time L, lost sales. */
function simulate(gen: Gen, opts: { historyDays: number; testDays: number; leadTime: number; seed: number; serviceLevel?: number; scale?: number }): SimResult {
  const rng = createRng(opts.seed);
  const history: DemandObservation[] = [];
  for (let d = 0; d < opts.historyDays; d++) {
    const date = addDays(START, d);
    history.push({ date, demand: gen(d, new Date(`${date}T00:00:00Z`).getUTCDay(), rng) });
  }
  const recentMean = history.slice(-28).reduce((a, h) => a + h.demand, 0) / 28;
  let onHand = Math.round(recentMean * (opts.leadTime + 3));
  const pipeline = new Map<number, number>();
  let demanded = 0;
  let served = 0;
  let stockSum = 0;
  for (let t = 0; t < opts.testDays; t++) {
    const day = opts.historyDays + t;
    const date = addDays(START, day);
    onHand += pipeline.get(t) ?? 0;
    pipeline.delete(t);
    const onOrder = [...pipeline.values()].reduce((a, b) => a + b, 0);
    const { plan } = planReorder({
      history,
      startDate: date,
      leadTimeDays: opts.leadTime,
      serviceLevel: opts.serviceLevel ?? 0.95,
      onHand,
      onOrder,
      seed: 7,
      ...(opts.scale !== undefined ? { settings: { fillPenaltyScale: opts.scale } } : {}),
    });
    if (plan.suggestedOrderQty > 0) pipeline.set(t + opts.leadTime, (pipeline.get(t + opts.leadTime) ?? 0) + plan.suggestedOrderQty);
    const d = gen(day, new Date(`${date}T00:00:00Z`).getUTCDay(), rng);
    const s = Math.min(d, onHand);
    onHand -= s;
    demanded += d;
    served += s;
    stockSum += onHand;
    history.push({ date, demand: d });
  }
  return { fillRate: served / demanded, daysOfCover: stockSum / opts.testDays / (demanded / opts.testDays) };
}

const weekly: Gen = (_d, w, rng) => poisson(rng, [1, 8, 8, 9, 10, 14, 4][w] as number);
const intermittent: Gen = (_d, _w, rng) => (rng() < 0.25 ? 1 + poisson(rng, 3) : 0);
const lumpy: Gen = (_d, _w, rng) => (rng() < 0.03 ? 40 + poisson(rng, 20) : poisson(rng, 3));
const growing: Gen = (d, _w, rng) => poisson(rng, 2 + d * 0.05);

describe('planReorder in a daily lost-sales simulation on synthetic demand', () => {
  it.each([
    ['weekly seasonality', weekly, 120],
    ['intermittent demand', intermittent, 120],
    ['lumpy demand with large orders', lumpy, 120],
    ['a new product with three weeks of history', weekly, 21],
    ['growing demand', growing, 60],
  ] as const)('%s: fill rate above 0.9, stock bounded', (_name, gen, historyDays) => {
    for (const leadTime of [3, 10]) {
      const r = simulate(gen, { historyDays, testDays: 120, leadTime, seed: 100 + leadTime });
      expect(r.fillRate, `lead time ${leadTime}`).toBeGreaterThan(0.9);
      // Current level: intermittent demand at a 10-day lead time holds ~65 days (see the note above).
      expect(r.daysOfCover, `lead time ${leadTime}`).toBeLessThan(leadTime * 6 + 20);
    }
  });

  it('a higher service target holds more stock for at least the same fill rate', () => {
    const lo = simulate(lumpy, { historyDays: 120, testDays: 150, leadTime: 10, seed: 3, serviceLevel: 0.8 });
    const hi = simulate(lumpy, { historyDays: 120, testDays: 150, leadTime: 10, seed: 3, serviceLevel: 0.99 });
    expect(hi.fillRate).toBeGreaterThanOrEqual(lo.fillRate);
    expect(hi.daysOfCover).toBeGreaterThan(lo.daysOfCover);
  });

  it('control: without the shortage penalty (scale ~0) the same series miss the bar', () => {
    const r = simulate(weekly, { historyDays: 120, testDays: 120, leadTime: 7, seed: 5, scale: 0.01 });
    expect(r.fillRate).toBeLessThan(0.9);
  });
});
