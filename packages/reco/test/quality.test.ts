/** The review prior of recommendations (issue 20; quality.ts, docs/design/reco.md "Reviews"). */
import { describe, expect, it } from 'vitest';
import { bayesianRating, REVIEW_MIN_COUNT, reviewQualityFactor, withReviewPrior } from '../src/quality.ts';
import { blend } from '../src/store/serving.ts';

describe('review quality prior', () => {
  it('orders two otherwise equal candidates by their reviews', () => {
    // The same score from the model (both bought with the anchor equally often).
    const candidates = blend(
      [
        {
          w: 1,
          items: [
            { p: 'beta-loved', s: 3, src: 'cf' },
            { p: 'alpha-plain', s: 3, src: 'cf' },
          ],
        },
      ],
      new Set(),
    );
    expect(candidates.map((c) => c.productId)).toEqual(['alpha-plain', 'beta-loved']); // the blend's id tie-break
    const ratings = new Map([
      ['alpha-plain', { average: 2.1, count: 30 }],
      ['beta-loved', { average: 4.8, count: 30 }],
    ]);
    expect(withReviewPrior(candidates, ratings).map((c) => c.productId)).toEqual(['beta-loved', 'alpha-plain']);
    // And the other way round: the tie-break would have put 'a' first, the reviews put 'b' first.
    const tie = [
      { productId: 'a', score: 1, source: 'cf' },
      { productId: 'b', score: 1, source: 'cf' },
    ];
    const flipped = withReviewPrior(
      tie,
      new Map([
        ['a', { average: 2, count: 20 }],
        ['b', { average: 4.5, count: 20 }],
      ]),
    );
    expect(flipped.map((c) => c.productId)).toEqual(['b', 'a']);
    expect(flipped[0]?.score).toBeGreaterThan(1);
    expect(flipped[1]?.score).toBeLessThan(1);
  });

  it('does not let a single 5-star review beat a well-reviewed item', () => {
    const tie = [
      { productId: 'one-review', score: 1, source: 'cf' },
      { productId: 'well-reviewed', score: 1, source: 'cf' },
    ];
    const ratings = new Map([
      ['one-review', { average: 5, count: 1 }],
      ['well-reviewed', { average: 4.6, count: 40 }],
    ]);
    expect(withReviewPrior(tie, ratings).map((c) => c.productId)).toEqual(['well-reviewed', 'one-review']);
    // Even at the minimum count, a few perfect reviews stay below many very good ones.
    const few = new Map([
      ['one-review', { average: 5, count: REVIEW_MIN_COUNT }],
      ['well-reviewed', { average: 4.6, count: 40 }],
    ]);
    expect(withReviewPrior(tie, few).map((c) => c.productId)).toEqual(['well-reviewed', 'one-review']);
  });

  it('is neutral without enough reviews and bounded to ±10 %, so it cannot lift a clearly weaker candidate', () => {
    expect(reviewQualityFactor(undefined)).toBe(1);
    expect(reviewQualityFactor({ average: 1, count: REVIEW_MIN_COUNT - 1 })).toBe(1);
    expect(bayesianRating({ average: 5, count: 1 })).toBeNull();
    expect(reviewQualityFactor({ average: 5, count: 1_000_000 })).toBeLessThanOrEqual(1.1);
    expect(reviewQualityFactor({ average: 1, count: 1_000_000 })).toBeGreaterThanOrEqual(0.9);
    const items = [
      { productId: 'strong', score: 1, source: 'cf' },
      { productId: 'weak', score: 0.8, source: 'cf' },
    ];
    const ratings = new Map([
      ['strong', { average: 1, count: 500 }],
      ['weak', { average: 5, count: 500 }],
    ]);
    expect(withReviewPrior(items, ratings).map((c) => c.productId)).toEqual(['strong', 'weak']);
  });

  it('changes nothing for products without reviews (scores and order kept exactly)', () => {
    const items = [
      { productId: 'x', score: 0.7, source: 'cf' },
      { productId: 'y', score: 0.7, source: 'content' },
      { productId: 'z', score: 0, source: 'popular' },
    ];
    expect(withReviewPrior(items, new Map())).toEqual(items);
    expect(withReviewPrior(items, new Map([['other', { average: 5, count: 50 }]]))).toEqual(items);
  });

  it('orders position-only fallbacks (score 0) by reviews too, within the same bound', () => {
    const fill = Array.from({ length: 20 }, (_, i) => ({ productId: `p${i}`, score: 0, source: 'popular' }));
    const out = withReviewPrior(fill, new Map([['p1', { average: 5, count: 100 }]])).map((c) => c.productId);
    // p1 (second, +~9.5 %) passes p0 (first, 20/20 vs 19/20 · 1.095 = 1.04): reviews reorder near neighbours only.
    expect(out[0]).toBe('p1');
    expect(out.indexOf('p19')).toBe(19);
    expect(out.every((id) => fill.find((f) => f.productId === id)?.score === 0)).toBe(true);
  });
});
