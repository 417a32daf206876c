import { describe, expect, it } from 'vitest';
import { buildContentIndex, buildCooccurrence, coocScores, contentScores, tokenize, topN } from '../src/index.ts';

describe('co-occurrence', () => {
  // Baskets {0,1} {0,1,2} {0,2} {3}: support 3,2,2,1; c01 = 2, c02 = 2, c12 = 1.
  const baskets = [[0, 1], [0, 1, 2], [0, 2], [3]].map((b) => Int32Array.from(b));
  const m = buildCooccurrence(baskets, 4);

  it('counts shared baskets and support', () => {
    expect([...m.support]).toEqual([3, 2, 2, 1]);
    expect(m.counts[0]?.get(1)).toBe(2);
    expect(m.counts[1]?.get(2)).toBe(1);
    expect(m.counts[3]?.size).toBe(0);
  });

  it('normalises: β=0.5 cosine, β=0 conditional probability, β=1 divides by the candidate', () => {
    const cos = coocScores(m, 1, 0.5, new Float64Array(4));
    expect(cos[0]).toBeCloseTo(2 / Math.sqrt(2 * 3), 12);
    expect(cos[2]).toBeCloseTo(1 / Math.sqrt(2 * 2), 12);
    expect(cos[1]).toBe(0);
    const cond = coocScores(m, 1, 0, new Float64Array(4));
    expect(cond[0]).toBeCloseTo(1, 12); // both baskets of item 1 contain item 0
    expect(cond[2]).toBeCloseTo(0.5, 12);
    const cand = coocScores(m, 1, 1, new Float64Array(4));
    expect(cand[0]).toBeCloseTo(2 / 3, 12);
    expect(cand[2]).toBeCloseTo(1 / 2, 12);
  });
});

describe('content similarity', () => {
  it('TF-IDF cosine matches the hand value and is 0 without shared terms', () => {
    const idx = buildContentIndex(['Red Retrospot Bag', 'red retrospot cup', 'blue owl clock', '']);
    const s = contentScores(idx, 0, new Float64Array(4));
    // df(red) = df(retrospot) = 2 → idf ln(1 + 3/2)... with n = 4 texts: ln(1 + 4/2) = ln 3; df 1 → ln 5.
    const a = Math.log(3);
    const b = Math.log(5);
    expect(s[1]).toBeCloseTo((2 * a * a) / (2 * a * a + b * b), 12);
    expect(s[2]).toBe(0);
    expect(s[3]).toBe(0);
    expect(s[0]).toBe(0); // never the query itself
  });

  it('tokenises lower-case words, dropping numbers and stop words', () => {
    expect(tokenize('SET OF 3 Cake-Tins, PANTRY design')).toEqual(['cake', 'tins', 'pantry', 'design']);
  });
});

describe('topN', () => {
  it('orders by score, then tie-break, then index, and honours the mask', () => {
    expect(topN([1, 3, 3, 2, 5], 3, [1, 1, 1, 1, 0], [0, 1, 2, 0, 0])).toEqual([2, 1, 3]);
    expect(topN([0, 0, 0], 2)).toEqual([0, 1]);
  });
});
