import { describe, expect, it } from 'vitest';
import { type CatalogueItem, DAY_MS, type Interaction, alsoBought, buildDataset, recommendForUser, repurchaseScores, trainRecommender } from '../src/index.ts';

const T0 = Date.UTC(2024, 0, 1);
const line = (c: string, i: string, day: number, order: string): Interaction => ({
  customerId: c,
  itemId: i,
  timestamp: T0 + day * DAY_MS,
  quantity: 1,
  orderId: order,
});

describe('repurchase scoring', () => {
  // Alice: A on days 0 and 30, B on day 30 (ref time = day 30).
  const ds = buildDataset([line('alice', 'A', 0, 'o1'), line('alice', 'A', 30, 'o2'), line('alice', 'B', 30, 'o2')]);
  const u = ds.userIndex.get('alice') as number;
  const a = ds.itemIndex.get('A') as number;
  const b = ds.itemIndex.get('B') as number;

  it('counts orders without decay', () => {
    const s = repurchaseScores(ds, u, Number.POSITIVE_INFINITY);
    expect(s.get(a)).toBe(2);
    expect(s.get(b)).toBe(1);
  });

  it('halves an order one half-life old', () => {
    const s = repurchaseScores(ds, u, 30);
    expect(s.get(a)).toBeCloseTo(1.5, 12);
    expect(s.get(b)).toBeCloseTo(1, 12);
  });

  it('ranks the re-bought item first in "all" mode', () => {
    const model = trainRecommender([line('alice', 'A', 0, 'o1'), line('alice', 'A', 30, 'o2'), line('alice', 'B', 30, 'o2')], [], {
      easeTopK: 10,
      easeLambda: 1,
    });
    const recs = recommendForUser(
      model,
      'alice',
      { mode: 'all', n: 2 },
      {
        all: {
          repurchase: 1,
          repurchaseExponent: 1,
          repeatRate: 0,
          cf: 0,
          popularity: 0,
          repurchaseHalfLifeDays: Number.POSITIVE_INFINITY,
          profileHalfLifeDays: 90,
        },
        new: { repurchase: 0, repurchaseExponent: 1, repeatRate: 0, cf: 1, popularity: 0, repurchaseHalfLifeDays: 60, profileHalfLifeDays: 90 },
        also: { ease: 1, cooc: 1, content: 0, popularity: 0, coocBeta: 0.5 },
        repeatRateThreshold: 0.3,
      },
    );
    expect(recs).toEqual(['A', 'B']);
  });
});

describe('exclusion rules', () => {
  const catalogue: CatalogueItem[] = [
    { itemId: 'MUG', title: 'ceramic mug' },
    { itemId: 'TEA', title: 'loose leaf tea', status: 'active' },
    { itemId: 'POT', title: 'tea pot', status: 'out_of_stock' },
    { itemId: 'CUP', title: 'tea cup', status: 'draft' },
    { itemId: 'SPOON', title: 'tea spoon', status: 'active' },
    { itemId: 'NEWTHING', title: 'ceramic mug large', status: 'active' },
  ];
  // Many customers buy MUG+TEA+POT+CUP+SPOON together; TEA is re-bought (repeat item).
  const orders: Interaction[] = [];
  for (let c = 0; c < 6; c++) {
    for (const it of ['MUG', 'TEA', 'POT', 'CUP', 'SPOON']) orders.push(line(`c${c}`, it, c, `a${c}`));
    orders.push(line(`c${c}`, 'TEA', 10 + c, `b${c}`));
  }
  // Bob just bought MUG and TEA (day 20) for the first time.
  orders.push(line('bob', 'MUG', 20, 'bob1'), line('bob', 'TEA', 20, 'bob1'));
  const model = trainRecommender(orders, catalogue, { easeTopK: 10, easeLambda: 1 });

  it('never recommends out-of-stock or draft items', () => {
    for (const mode of ['all', 'new'] as const) {
      const recs = recommendForUser(model, 'bob', { mode, n: 10 });
      expect(recs).not.toContain('POT');
      expect(recs).not.toContain('CUP');
    }
    const also = alsoBought(model, 'MUG', 10);
    expect(also).not.toContain('POT');
    expect(also).not.toContain('CUP');
    expect(also).not.toContain('MUG');
    expect(also[0]).toBe('TEA');
  });

  it('hides just-bought items unless they are repeat items', () => {
    const recs = recommendForUser(model, 'bob', { mode: 'all', n: 10, justBoughtDays: 7 });
    expect(recs).not.toContain('MUG'); // one-off purchase 0 days ago
    expect(recs).toContain('TEA'); // every customer re-buys tea
    const later = recommendForUser(model, 'bob', { mode: 'all', n: 10, justBoughtDays: 7, now: T0 + 40 * DAY_MS });
    expect(later).toContain('MUG'); // outside the window
  });

  it('"new" mode drops everything the customer bought', () => {
    const recs = recommendForUser(model, 'bob', { mode: 'new', n: 10 });
    expect(recs).not.toContain('MUG');
    expect(recs).not.toContain('TEA');
    expect(recs[0]).toBe('SPOON');
  });

  it('falls back to content similarity for an item nobody bought', () => {
    expect(alsoBought(model, 'NEWTHING', 1)).toEqual(['MUG']);
  });

  it('serves trending items to an unknown customer', () => {
    expect(recommendForUser(model, 'stranger', { mode: 'all', n: 1 })).toEqual(['TEA']);
  });
});
