import { describe, expect, it } from 'vitest';
import { createPricingPolicy, detectBrokenData, type PricingPolicyState, updatePosterior } from '../src/index.ts';

const PRICES = [2990, 3490, 3990, 4490];

function withCounts(offers: number[], sales: number[]): PricingPolicyState {
  return { ...createPricingPolicy({ prices: PRICES }), offers, sales };
}

const codes = (r: ReturnType<typeof detectBrokenData>) => r.issues.map((i) => i.code);

describe('detectBrokenData', () => {
  it('accepts plausible data', () => {
    let s = createPricingPolicy({ prices: PRICES });
    s = updatePosterior(s, { priceIndex: 0, offers: 100, sales: 79 });
    s = updatePosterior(s, { priceIndex: 2, offers: 200, sales: 61 });
    const r = detectBrokenData({
      state: s,
      initialInventory: 500,
      remainingInventory: 360,
      observations: [
        { t: 1, priceIndex: 0, offers: 1, sales: 1, stockBefore: 3 },
        { t: 2, priceIndex: 2, offers: 1, sales: 0, stockBefore: 2 },
      ],
    });
    expect(r).toEqual({ ok: true, issues: [], reasons: [] });
    // The fresh state round-tripped through JSON is fine too.
    expect(detectBrokenData({ state: JSON.parse(JSON.stringify(createPricingPolicy({ prices: PRICES }))) }).ok).toBe(true);
  });

  it('flags impossible counts', () => {
    const r = detectBrokenData({ state: withCounts([10, 5, 0, 0], [11, -1, 0, 0]) });
    expect(r.ok).toBe(false);
    expect(codes(r)).toEqual(['sales-exceed-offers', 'invalid-count']);
    expect(r.issues[0]!.priceIndex).toBe(0);
    expect(r.reasons[0]).toMatch(/11 sales from only 10 offers/);
    expect(codes(detectBrokenData({ state: withCounts([1.5, 0, 0, 0], [0, 0, 0, 0]) }))).toEqual(['invalid-count']);
  });

  it('flags sales that the stock cannot explain', () => {
    const s = withCounts([100, 100, 0, 0], [60, 50, 0, 0]);
    expect(codes(detectBrokenData({ state: s, initialInventory: 100 }))).toContain('sales-exceed-inventory');
    expect(codes(detectBrokenData({ state: s, initialInventory: 200, remainingInventory: 100 }))).toContain('inventory-mismatch');
    expect(detectBrokenData({ state: s, initialInventory: 200, remainingInventory: 90 }).ok).toBe(true);
  });

  it('flags a higher price selling significantly better than a lower one', () => {
    const r = detectBrokenData({ state: withCounts([200, 0, 0, 200], [20, 0, 0, 150]) });
    expect(r.ok).toBe(true); // a warning, not an error
    expect(r.issues).toEqual([expect.objectContaining({ code: 'demand-increases-with-price', severity: 'warning', priceIndex: 3 })]);
    // Small noisy differences are not flagged.
    expect(codes(detectBrokenData({ state: withCounts([200, 200, 0, 0], [100, 110, 0, 0]) }))).toEqual([]);
    // Too few offers: no test.
    expect(codes(detectBrokenData({ state: withCounts([10, 0, 0, 10], [0, 0, 0, 10]) }))).toEqual([]);
  });

  it('flags broken sales tracking', () => {
    expect(codes(detectBrokenData({ state: withCounts([300, 300, 0, 0], [0, 0, 0, 0]) }))).toEqual(['no-sales-recorded']);
    expect(codes(detectBrokenData({ state: withCounts([0, 0, 80, 0], [0, 0, 80, 0]) }))).toEqual(['every-offer-sold']);
  });

  it('flags impossible observation records', () => {
    const r = detectBrokenData({
      state: createPricingPolicy({ prices: PRICES }),
      observations: [
        { t: 5, priceIndex: 7, offers: 1, sales: 0 },
        { t: 5, priceIndex: 1, offers: 1, sales: 2 },
        { t: 6, priceIndex: 1, offers: 1, sales: 1, stockBefore: 0 },
        { t: 7, priceIndex: 1, offers: -1, sales: 0 },
      ],
    });
    expect(r.ok).toBe(false);
    expect(codes(r)).toEqual(['price-index-out-of-range', 'sales-exceed-offers', 'time-not-increasing', 'sale-without-stock', 'invalid-count']);
  });

  it('reports malformed state instead of throwing', () => {
    const bad = (patch: Record<string, unknown>) =>
      detectBrokenData({ state: { ...createPricingPolicy({ prices: PRICES }), ...patch } as unknown as PricingPolicyState });
    expect(codes(bad({ version: 2 }))).toEqual(['malformed-state']);
    expect(codes(bad({ offers: [0, 0] }))).toEqual(['malformed-state']);
    expect(codes(bad({ sales: null }))).toEqual(['malformed-state']);
    expect(codes(bad({ prices: [1, 1, 2, 3] }))).toEqual(['malformed-state']);
    expect(bad({ priorFailures: [1, 1, 0, 1] }).ok).toBe(false);
    expect(detectBrokenData({ state: null as unknown as PricingPolicyState }).ok).toBe(false);
  });
});
