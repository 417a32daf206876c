import { describe, expect, it } from 'vitest';
import type { PriceChange, PriceHistory } from '../src/lib/api.ts';
import { isDefaultVariant, priceSeries, splitPoints, toCsv } from '../src/lib/planning.ts';

const change = (over: Partial<PriceChange>): PriceChange => ({
  id: 'c',
  variantId: 'v',
  productId: 'p',
  oldPrice: 4500,
  newPrice: 4000,
  reason: '',
  inputs: {},
  expectedRevenuePerDay: null,
  status: 'applied',
  source: 'policy',
  rollbackOf: null,
  decidedBy: null,
  decidedAt: null,
  appliedAt: null,
  createdAt: '2026-11-01T00:00:00Z',
  ...over,
});

describe('price history series', () => {
  const variant = (changes: PriceChange[], daily: PriceHistory['variants'][number]['daily'] = []): PriceHistory['variants'][number] => ({
    variantId: 'v',
    title: 'Default Title',
    currentPrice: 4500,
    daily,
    changes,
  });

  it('steps the price at each applied change and puts units on their day', () => {
    const s = priceSeries(
      variant(
        [
          change({ oldPrice: 4500, newPrice: 4000, appliedAt: '2026-11-20T10:00:00Z' }),
          // A waiting suggestion is not a price that was in effect.
          change({ oldPrice: 4000, newPrice: 3000, status: 'suggested', appliedAt: null }),
          change({ oldPrice: 4000, newPrice: 4500, source: 'rollback', appliedAt: '2026-11-23T09:00:00Z' }),
        ],
        [
          { day: '2026-11-19', units: 2, revenue: 9000, avgPriceShown: 4500 },
          { day: '2026-11-21', units: 5, revenue: 20000, avgPriceShown: 4000 },
        ],
      ),
      '2026-11-25',
      7,
    );
    expect(s.map((d) => d.day)).toEqual(['2026-11-19', '2026-11-20', '2026-11-21', '2026-11-22', '2026-11-23', '2026-11-24', '2026-11-25']);
    expect(s.map((d) => d.price)).toEqual([4500, 4000, 4000, 4000, 4500, 4500, 4500]);
    expect(s.map((d) => d.units)).toEqual([2, 0, 5, 0, 0, 0, 0]);
  });

  it('starts at the earliest sale or change when it is older than the window, and is flat without changes', () => {
    const s = priceSeries(variant([], [{ day: '2026-10-01', units: 1, revenue: 4500, avgPriceShown: 4500 }]), '2026-11-25', 30);
    expect(s[0]).toEqual({ day: '2026-10-01', price: 4500, units: 1 });
    expect(s).toHaveLength(56);
    expect(new Set(s.map((d) => d.price))).toEqual(new Set([4500]));
  });
});

describe('purchase order CSV', () => {
  it('quotes separators and quotes, and defuses spreadsheet formulas', () => {
    expect(toCsv([['a', 'b,c', 'say "hi"', 3, null]])).toBe('a,"b,c","say ""hi""",3,\r\n');
    expect(toCsv([['=HYPERLINK("x")', '+1', '-2', '@x', 'ok']])).toBe(`"'=HYPERLINK(""x"")",'+1,'-2,'@x,ok\r\n`);
    // Numbers are numbers, even negative ones.
    expect(toCsv([[-2]])).toBe('-2\r\n');
  });
});

describe('price point input', () => {
  it('splits on commas, spaces or semicolons and keeps decimal commas between spaces', () => {
    expect(splitPoints('29, 34, 39')).toEqual(['29', '34', '39']);
    expect(splitPoints('29 34;39')).toEqual(['29', '34', '39']);
    expect(splitPoints('29.5,34,39.99')).toEqual(['29.5', '34', '39.99']);
    expect(splitPoints('29,50 34,50')).toEqual(['29,50', '34,50']);
    expect(splitPoints('  ')).toEqual([]);
  });

  it('knows the default variant titles', () => {
    expect(isDefaultVariant('Default Title')).toBe(true);
    expect(isDefaultVariant('Default')).toBe(true);
    expect(isDefaultVariant('M / Blue')).toBe(false);
  });
});
