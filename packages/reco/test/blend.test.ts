import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DAY_MS, DEFAULT_SCORING, type Interaction, recommendForCustomer, type ScoringConfig, topN, trainRecommender } from '../src/index.ts';
import { blend } from '../src/store/serving.ts';
import { holdoutMetrics } from '../src/store/training.ts';

describe('request-time blend', () => {
  it('max-normalises each list, weights it, and keeps the strongest source', () => {
    const out = blend(
      [
        {
          w: 1,
          items: [
            { p: 'x', s: 4, src: 'cf' },
            { p: 'y', s: 2, src: 'cf' },
          ],
        },
        {
          w: 0.5,
          items: [
            { p: 'y', s: 10, src: 'content' },
            { p: 'z', s: 5, src: 'content' },
          ],
        },
      ],
      new Set(),
    );
    // x: 1·4/4 = 1; y: 1·2/4 + 0.5·10/10 = 1 (strongest part 0.5 vs 0.5 → first kept: cf); z: 0.5·5/10 = 0.25
    expect(out).toEqual([
      { productId: 'x', score: 1, source: 'cf' },
      { productId: 'y', score: 1, source: 'cf' },
      { productId: 'z', score: 0.25, source: 'content' },
    ]);
  });

  it('drops excluded products and ranks zero-score fallback lists by position', () => {
    const out = blend(
      [
        {
          w: 1,
          items: [
            { p: 'a', s: 0, src: 'popular' },
            { p: 'b', s: 0, src: 'popular' },
            { p: 'c', s: 0, src: 'popular' },
          ],
        },
      ],
      new Set(['a']),
    );
    expect(out.map((r) => r.productId)).toEqual(['b', 'c']);
  });
});

describe('heap top-N', () => {
  it('matches a full sort', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -5, max: 5 }), { maxLength: 60 }), fc.integer({ min: 0, max: 70 }), (xs, n) => {
        const tie = xs.map((_, i) => (i * 7) % 5);
        const expected = xs
          .map((_, i) => i)
          .sort((a, b) => (xs[b] as number) - (xs[a] as number) || (tie[b] as number) - (tie[a] as number) || a - b)
          .slice(0, n);
        expect(topN(xs, n, undefined, tie)).toEqual(expected);
      }),
    );
  });
});

describe('per-customer lists', () => {
  const T0 = Date.UTC(2024, 0, 1);
  const line = (c: string, i: string, day: number, order: string): Interaction => ({
    customerId: c,
    itemId: i,
    timestamp: T0 + day * DAY_MS,
    quantity: 1,
    orderId: order,
  });
  const data = [
    line('u', 'A', 0, 'o1'),
    line('u', 'A', 5, 'o2'),
    line('u', 'B', 5, 'o2'),
    line('v', 'A', 1, 'o3'),
    line('v', 'C', 1, 'o3'),
    line('w', 'C', 2, 'o4'),
  ];

  it('"all" puts the re-bought item first (history); "fresh" never repeats a purchase', () => {
    const model = trainRecommender(data, [], { easeTopK: 10, easeLambda: 1 });
    const r = recommendForCustomer(model, 'u', 3);
    expect(r.all[0]).toMatchObject({ id: 'A', source: 'history' });
    expect(r.fresh.map((x) => x.id)).toEqual(['C']);
    expect(r.fresh[0]?.source).toBe('cf');
  });
});

describe('"fresh" list: similar text to what the customer bought', () => {
  const T0 = Date.UTC(2024, 0, 1);
  const line = (c: string, i: string, order: string): Interaction => ({ customerId: c, itemId: i, timestamp: T0, quantity: 1, orderId: order });
  // u bought the red teapot; the blue teapot never sold; the hose sold twice to others (popular, no co-purchase with the teapot).
  const data = [line('u', 'tp-red', 'o1'), line('v', 'hose', 'o2'), line('w', 'hose', 'o3')];
  const catalogue = [
    { itemId: 'tp-red', title: 'Red ceramic teapot' },
    { itemId: 'tp-blue', title: 'Blue ceramic teapot' },
    { itemId: 'hose', title: 'Garden hose' },
  ];
  const withContent = (content: number): ScoringConfig => ({ ...DEFAULT_SCORING, new: { ...DEFAULT_SCORING.new, popularity: 0.02, content } });

  it('without the content weight the popular hose leads; with it the similar unsold teapot does', () => {
    const model = trainRecommender(data, catalogue, { easeTopK: 10, easeLambda: 1 });
    expect(recommendForCustomer(model, 'u', 2, withContent(0)).fresh[0]).toMatchObject({ id: 'hose', source: 'popular' });
    const fresh = recommendForCustomer(model, 'u', 2, withContent(0.5)).fresh;
    // tp-blue: 0.5 · cos/max = 0.5 (content); hose: 0.02 · 1 (popularity).
    expect(fresh.map((x) => x.id)).toEqual(['tp-blue', 'hose']);
    expect(fresh[0]).toMatchObject({ source: 'content', score: 0.5 });
    expect(fresh[1]?.score).toBeCloseTo(0.02, 10);
  });
});

describe('training holdout', () => {
  it('is skipped, with a reason, when a store has too few orders', () => {
    const m = holdoutMetrics([{ customerId: 'c', itemId: 'i', timestamp: 0, quantity: 1, orderId: 'o' }], []);
    expect(m.skipped).toMatch(/too little data/);
  });
});
