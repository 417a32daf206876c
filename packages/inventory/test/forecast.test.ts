import { describe, expect, it } from 'vitest';
import { addDays, dayNumber, weekdayOf } from '../src/calendar.ts';
import { demandQuantile, expectedDemand, forecastDemand } from '../src/forecast.ts';
import { series } from './helpers.ts';

// 2024-01-07 is a Sunday.
const SUNDAY = '2024-01-07';

describe('calendar', () => {
  it('computes weekdays and day arithmetic without time zones', () => {
    expect(weekdayOf(SUNDAY)).toBe(0);
    expect(weekdayOf('2011-09-01')).toBe(4); // a Thursday
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2024-02-29', 1)).toBe('2024-03-01');
    expect(addDays('2011-01-01', -1)).toBe('2010-12-31');
    expect(dayNumber('1970-01-02')).toBe(1);
    expect(() => dayNumber('2011-02-29')).toThrow(RangeError);
    expect(() => dayNumber('2011-9-1')).toThrow(RangeError);
  });
});

describe('forecastDemand: weekly seasonality', () => {
  // 8 weeks: Sunday 5 units, Monday..Friday 10 units, Saturday closed.
  const history = series(SUNDAY, 56, (_, w) => (w === 6 ? { demand: 0, open: false } : { demand: w === 0 ? 5 : 10, open: true }));

  it('recovers the weekday profile exactly without shrinkage', () => {
    const f = forecastDemand(history, { horizonDays: 7, params: { profileShrink: 0 } });
    expect(f.startDate).toBe('2024-03-03'); // the day after the history, a Sunday
    expect(f.method).toBe('smooth');
    // open-day mean = (5 + 5 x 10) / 6 = 55/6; factors = weekday mean / 55/6
    expect(f.level).toBeCloseTo(55 / 6, 9);
    expect(f.weekdayProfile[0]).toBeCloseTo(5 / (55 / 6), 9);
    expect(f.weekdayProfile[1]).toBeCloseTo(10 / (55 / 6), 9);
    expect(f.weekdayProfile[6]).toBe(0);
    expect(f.days.map((d) => Number(d.mean.toFixed(9)))).toEqual([5, 10, 10, 10, 10, 10, 0]);
    expect(f.days[6]).toMatchObject({ weekday: 6, open: false, mean: 0, upper: 0 });
    expect(expectedDemand(f, 7)).toBeCloseTo(55, 6);
  });

  it('shrinks the profile toward flat but keeps the pattern and the weekly total', () => {
    const f = forecastDemand(history, { horizonDays: 14 });
    // profileShrink 4 with 8 weeks: Sunday (8 x 6/11 + 4) / 12 = 0.697, Monday (8 x 12/11 + 4) / 12 = 1.0606
    expect(f.weekdayProfile[0]).toBeCloseTo((8 * (6 / 11) + 4) / 12, 9);
    expect(f.weekdayProfile[1]).toBeCloseTo((8 * (12 / 11) + 4) / 12, 9);
    expect(f.days[1]!.mean).toBeGreaterThan(1.4 * f.days[0]!.mean);
    expect(f.days[6]!.mean).toBe(0);
    expect(f.days[13]!.mean).toBe(0);
    // The level tracks the deseasonalised series, so a week sums to about 55.
    expect(expectedDemand(f, 7)).toBeGreaterThan(52);
    expect(expectedDemand(f, 7)).toBeLessThan(58);
  });

  it('infers a closed weekday without open flags and honours futureOpen', () => {
    const noFlags = history.map(({ date, demand }) => ({ date, demand }));
    const f = forecastDemand(noFlags, { horizonDays: 7, futureOpen: [true, false, true, true, true, true, false] });
    expect(f.weekdayProfile[6]).toBe(0);
    expect(f.days[1]!.mean).toBe(0); // Monday declared closed (a bank holiday)
    expect(f.days[2]!.mean).toBeGreaterThan(0);
  });

  it('gives prediction intervals that widen with the horizon and contain the mean', () => {
    const f = forecastDemand(history, { horizonDays: 14 });
    const d = f.days[1]!;
    expect(d.lower).toBeLessThanOrEqual(d.median);
    expect(d.median).toBeLessThanOrEqual(d.upper);
    expect(d.upper).toBeGreaterThan(d.mean);
    const q7 = demandQuantile(f, 7, 0.95);
    const q14 = demandQuantile(f, 14, 0.95);
    expect(q7).toBeGreaterThan(expectedDemand(f, 7));
    expect(q14).toBeGreaterThan(q7);
  });

  it('is deterministic for a given seed', () => {
    const a = forecastDemand(history, { horizonDays: 7, seed: 42 });
    const b = forecastDemand(history, { horizonDays: 7, seed: 42 });
    expect(a.scenarios).toEqual(b.scenarios);
  });

  it('does not let one huge order move the base level, but keeps it in the mean as an allowance', () => {
    const spiky = history.map((h, i) => (i === 30 ? { ...h, demand: 1000 } : h));
    const f = forecastDemand(spiky, { horizonDays: 7, params: { profileShrink: 0, spikeHalfLife: 1e9 } });
    const plain = forecastDemand(history, { horizonDays: 7, params: { profileShrink: 0 } });
    // Base level: the spike enters capped at 3 x level, so it stays near 55/6 = 9.17.
    const base = f.level - f.largeOrderAllowance;
    expect(base).toBeGreaterThan(9);
    expect(base).toBeLessThan(10.5);
    // Allowance: the ~970 units above the cap spread over the 48 open days (~20 a day).
    expect(f.largeOrderAllowance).toBeGreaterThan(15);
    expect(f.largeOrderAllowance).toBeLessThan(22);
    expect(plain.largeOrderAllowance).toBe(0);
    expect(expectedDemand(f, 7)).toBeGreaterThan(expectedDemand(plain, 7) + 6 * 15);
  });
});

describe('forecastDemand: intermittent demand (TSB)', () => {
  // Open every day; 8 units every 4th day from the first. Over 112 = 4 x 28 days every weekday sells 4 times.
  const history = series(SUNDAY, 112, (i) => ({ demand: i % 4 === 0 ? 8 : 0, open: true }));

  it('classifies it and forecasts probability x size = 2 units a day', () => {
    const f = forecastDemand(history, { horizonDays: 7 });
    expect(f.method).toBe('intermittent');
    for (let w = 0; w < 7; w++) expect(f.weekdayProfile[w]).toBeCloseTo(1, 9);
    for (const d of f.days) expect(d.mean).toBeGreaterThan(1.95);
    for (const d of f.days) expect(d.mean).toBeLessThan(2.05);
    expect(f.dispersion.zeroProb).toBeGreaterThan(0.6);
    expect(f.days[0]!.median).toBe(0); // most days sell nothing
  });

  it('decays once sales stop (obsolescence)', () => {
    const stopped = [...history, ...series(addDays(SUNDAY, 112), 56, () => ({ demand: 0, open: true }))];
    const before = forecastDemand(history, { horizonDays: 7, params: { tsbProbHalfLife: 30 } });
    const after = forecastDemand(stopped, { horizonDays: 7, params: { tsbProbHalfLife: 30 } });
    expect(after.method).toBe('intermittent');
    expect(expectedDemand(after, 7)).toBeLessThan(0.5 * expectedDemand(before, 7));
  });
});

describe('forecastDemand: new products and sparse histories', () => {
  it('uses the mean since launch and a wider distribution for a new product', () => {
    const launch = '2024-03-04';
    const young = [...series('2024-02-01', 32, () => ({ demand: 0 })), ...series(launch, 10, () => ({ demand: 5 }))];
    const f = forecastDemand(young, { horizonDays: 7 });
    expect(f.method).toBe('new-product');
    expect(f.level).toBeCloseTo(5, 9); // the zero days before the first sale do not count
    for (const d of f.days) expect(d.mean).toBeCloseTo(5, 9);

    const old = forecastDemand(
      series('2023-11-05', 130, () => ({ demand: 5 })),
      { horizonDays: 7 },
    );
    expect(old.method).toBe('smooth');
    expect(expectedDemand(old, 7)).toBeCloseTo(35, 6);
    const spreadNew = demandQuantile(f, 7, 0.95) / expectedDemand(f, 7);
    const spreadOld = demandQuantile(old, 7, 0.95) / expectedDemand(old, 7);
    expect(spreadNew).toBeGreaterThan(spreadOld);
  });

  it('counts days missing from the history as zero demand', () => {
    // Only the two sale days are recorded, 13 days apart; the forecast starts the day after the window.
    const f = forecastDemand(
      [
        { date: '2024-03-01', demand: 7 },
        { date: '2024-03-14', demand: 7 },
      ],
      { horizonDays: 7, startDate: '2024-03-15' },
    );
    expect(f.method).toBe('new-product');
    expect(f.level).toBeCloseTo(1, 9); // 14 units over 14 days
    expect(expectedDemand(f, 7)).toBeCloseTo(7, 9);
  });

  it('forecasts zero without any sale', () => {
    const f = forecastDemand([], { horizonDays: 5, startDate: '2024-01-01' });
    expect(f.method).toBe('no-history');
    expect(expectedDemand(f, 5)).toBe(0);
    expect(demandQuantile(f, 5, 0.99)).toBe(0);
  });

  it('rejects bad input', () => {
    expect(() => forecastDemand([{ date: '2024-01-01', demand: -1 }])).toThrow(RangeError);
    expect(() => forecastDemand([{ date: '2024-01-01', demand: 1 }], { horizonDays: 0 })).toThrow(RangeError);
    expect(() => forecastDemand([])).toThrow(RangeError);
  });
});
