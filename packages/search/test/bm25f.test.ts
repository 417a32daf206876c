import { describe, expect, it } from 'vitest';
import { type Bm25fParams, DEFAULT_BM25F, idf, InMemorySearchEngine } from '../src/index.ts';

// Title weight 3, description weight 1, b = 0.75 on both, k1 = 1.2 (the README's bm25f-name3 anchor).
const params: Bm25fParams = DEFAULT_BM25F;

function tinyEngine() {
  const engine = new InMemorySearchEngine({
    analyzer: { stemmer: null, stopWords: new Set() },
    bm25f: params,
    rerank: null,
    plan: { typo: false, prefix: 'off', decompound: false, join: false, stopWords: false },
  });
  engine.index({ id: 'd1', title: 'red apple', description: '' }); // title 2, description 0
  engine.index({ id: 'd2', title: 'green apple pie', description: 'apple pie recipe' }); // title 3, description 3
  engine.index({ id: 'd3', title: 'blue car', description: 'fast car' }); // title 2, description 2
  return engine;
}

describe('BM25F on a hand-checked corpus', () => {
  // N = 3; mean title length 7/3, mean description length 5/3.
  const idfApple = Math.log(1 + (3 - 2 + 0.5) / (2 + 0.5)); // df 2 -> ln 1.6 = 0.470004
  const idfPie = Math.log(1 + (3 - 1 + 0.5) / (1 + 0.5)); // df 1 -> ln 2.6667 = 0.980829

  // d1: "apple" once in a 2-word title: 3 * 1 / (0.25 + 0.75 * 2 / (7/3)) = 3 / 0.892857 = 3.36
  const tfD1 = 3.36;
  // d2: once in a 3-word title and once in a 3-word description:
  //     3 / (0.25 + 0.75 * 3 / (7/3)) + 1 / (0.25 + 0.75 * 3 / (5/3)) = 3 / 1.214286 + 1 / 1.6 = 2.470588 + 0.625
  const tfD2 = 2.470588235 + 0.625;

  it('uses the Robertson idf with the +1 inside the log', () => {
    expect(idf(3, 2)).toBeCloseTo(0.470004, 6);
    expect(idf(3, 1)).toBeCloseTo(0.980829, 6);
  });

  it('scores a single term with per-field length normalisation', () => {
    const res = tinyEngine().search('apple');
    expect(res.total).toBe(2);
    expect(res.hits.map((h) => h.id)).toEqual(['d1', 'd2']); // the shorter title wins despite fewer occurrences
    expect(res.hits[0]?.parts.bm25fRaw).toBeCloseTo((idfApple * tfD1) / (1.2 + tfD1), 6); // 0.346318
    expect(res.hits[1]?.parts.bm25fRaw).toBeCloseTo((idfApple * tfD2) / (1.2 + tfD2), 6); // 0.338705
    expect(res.hits[0]?.parts.bm25fRaw).toBeCloseTo(0.346318, 6);
  });

  it('sums query terms', () => {
    const res = tinyEngine().search('apple pie');
    expect(res.hits.map((h) => h.id)).toEqual(['d2', 'd1']);
    // "pie" has the same field counts as "apple" in d2
    expect(res.hits[0]?.parts.bm25fRaw).toBeCloseTo(((idfApple + idfPie) * tfD2) / (1.2 + tfD2), 6); // 1.045533
    expect(res.hits[0]?.parts.bm25f).toBe(1); // normalised by the query's best score
  });

  it('forgets removed documents in every statistic', () => {
    const engine = tinyEngine();
    expect(engine.remove('d3')).toBe(true);
    expect(engine.remove('d3')).toBe(false);
    expect(engine.search('car').total).toBe(0);
    expect(engine.store.df('car')).toBe(0);
    expect(engine.store.docCount).toBe(2);
    // N = 2 now; mean title length 5/2
    const res = engine.search('apple');
    const norm = 0.25 + (0.75 * 2) / (5 / 2);
    const tf = 3 / norm;
    expect(res.hits[0]?.parts.bm25fRaw).toBeCloseTo((Math.log(1 + 0.5 / 2.5) * tf) / (1.2 + tf), 6);
    // re-indexing the same id replaces the document
    engine.index({ id: 'd1', title: 'yellow banana' });
    expect(engine.search('apple').hits.map((h) => h.id)).toEqual(['d2']);
    expect(engine.size).toBe(2);
  });
});
