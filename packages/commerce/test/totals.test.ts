import { describe, expect, it } from 'vitest';
import { computeTotals, DEFAULT_SHIPPING, divRoundHalfUp, parseSettings, shippingCost } from '../src/index.ts';

const line = (unitPrice: number, quantity: number, weightGrams = 0) => ({ unitPrice, quantity, weightGrams });
const noTax = { ratePercent: 0, includedInPrices: false };

describe('totals', () => {
  it('charges a flat rate, free over a threshold', () => {
    const s = { mode: 'flat' as const, flatRate: 499, freeOver: 5000, weightRates: [] };
    expect(computeTotals([line(1000, 2)], s, noTax)).toMatchObject({ subtotal: 2000, shipping: 499, tax: 0, total: 2499, itemCount: 2 });
    expect(computeTotals([line(2500, 2)], s, noTax)).toMatchObject({ subtotal: 5000, shipping: 0, total: 5000 });
    expect(computeTotals([], s, noTax)).toMatchObject({ subtotal: 0, shipping: 0, total: 0 });
  });

  it('picks the weight band that covers the parcel, the heaviest band beyond the last', () => {
    const s = {
      mode: 'weight' as const,
      flatRate: 0,
      freeOver: null,
      weightRates: [
        { upToGrams: 2000, rate: 900 },
        { upToGrams: 500, rate: 400 },
      ],
    };
    expect(shippingCost(s, 100, 500, 1)).toBe(400);
    expect(shippingCost(s, 100, 501, 1)).toBe(900);
    expect(shippingCost(s, 100, 9000, 1)).toBe(900);
    expect(computeTotals([line(100, 3, 200)], s, noTax)).toMatchObject({ weightGrams: 600, shipping: 900 });
  });

  it('adds excluded tax on goods and shipping, rounding half up once', () => {
    const s = { ...DEFAULT_SHIPPING, flatRate: 0 };
    // 8.25% of 1000 = 82.5 -> 83
    expect(computeTotals([line(1000, 1)], s, { ratePercent: 8.25, includedInPrices: false })).toMatchObject({ tax: 83, total: 1083, taxIncluded: false });
    // 8.25% of 999 = 82.4175 -> 82
    expect(computeTotals([line(333, 3)], s, { ratePercent: 8.25, includedInPrices: false })).toMatchObject({ tax: 82, total: 1081 });
    expect(computeTotals([line(1000, 1)], { ...DEFAULT_SHIPPING, flatRate: 500 }, { ratePercent: 10, includedInPrices: false })).toMatchObject({
      tax: 150,
      total: 1650,
    });
  });

  it('extracts included tax without changing the total', () => {
    const s = { ...DEFAULT_SHIPPING, flatRate: 0 };
    // 1200 gross at 20% -> 200 tax
    expect(computeTotals([line(1200, 1)], s, { ratePercent: 20, includedInPrices: true })).toMatchObject({ tax: 200, total: 1200, taxIncluded: true });
    // 1000 gross at 19% -> 159.66 -> 160
    expect(computeTotals([line(1000, 1)], s, { ratePercent: 19, includedInPrices: true })).toMatchObject({ tax: 160, total: 1000 });
  });

  it('rounds half up', () => {
    expect(divRoundHalfUp(5, 2)).toBe(3);
    expect(divRoundHalfUp(7, 2)).toBe(4);
    expect(divRoundHalfUp(4, 3)).toBe(1);
    expect(divRoundHalfUp(0, 7)).toBe(0);
  });

  it('falls back to defaults for missing or malformed settings', () => {
    const s = parseSettings([
      { key: 'theme', value: { primaryColor: '#ff0000', font: 'bogus' } },
      { key: 'languages', value: ['zh-CN', 'en'] },
      { key: 'shipping', value: { mode: 'weight', flatRate: 100, freeOver: null, weightRates: [] } },
    ]);
    // Key by key (@storeloom/theme, as the settings API reads it): the bad font falls back, the good colour stays.
    expect(s.theme).toMatchObject({ primaryColor: '#ff0000', font: 'system', accentColor: '#d97706' });
    expect(s.languages).toEqual(['zh-CN', 'en']);
    expect(s.shipping).toEqual(DEFAULT_SHIPPING);
    expect(s.tax).toEqual({ ratePercent: 0, includedInPrices: false });
    expect(parseSettings([{ key: 'theme', value: { primaryColor: '#ff0000' } }]).theme.primaryColor).toBe('#ff0000');
  });
});
