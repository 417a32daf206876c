import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { executePlan, InMemorySearchEngine } from '../src/index.ts';

// A small vocabulary with near neighbours (typo alternatives), a compound ("sunglasses" / "sun glasses": span
// alternatives) and plural forms, so plans have clauses with several alternatives and spans.
const WORDS = ['cable', 'table', 'tables', 'usb', 'charger', 'sun', 'glasses', 'sunglasses', 'red', 'blue', 'case', 'phone', 'black', 'chair', 'lamp'];
const word = fc.constantFrom(...WORDS);
const text = (min: number, max: number) => fc.array(word, { minLength: min, maxLength: max }).map((w) => w.join(' '));
const doc = fc.record({
  title: text(1, 6),
  description: text(0, 20),
  vendor: fc.option(fc.constantFrom('Acme', 'Globex', 'Initech'), { nil: undefined }),
  tags: fc.array(word, { maxLength: 3 }),
});
const query = fc.oneof(
  text(1, 3),
  // a typo of a word: a deletion or a doubled letter
  fc.tuple(word, fc.nat(10), fc.boolean()).map(([w, i, del]) => {
    const at = i % w.length;
    return del ? w.slice(0, at) + w.slice(at + 1) : w.slice(0, at + 1) + w.slice(at);
  }),
  fc.constant('sun glasses'),
  fc.constant('sunglasses case'),
);

function build(docs: { title: string; description: string; vendor?: string; tags: string[] }[], removeEvery: number) {
  const e = new InMemorySearchEngine({ synonyms: ['lamp, light'] });
  docs.forEach((d, i) => {
    e.index({ id: `d${i}`, ...d });
  });
  // removals and re-adds reuse ordinals: postings are then inserted in the middle of the lists
  if (removeEvery > 0) {
    docs.forEach((_, i) => {
      if (i % removeEvery === 0) e.remove(`d${i}`);
    });
    docs.forEach((d, i) => {
      if (i % (2 * removeEvery) === 0) e.index({ id: `d${i}`, ...d, title: `${d.title} red` });
    });
  }
  return e;
}

describe('top-k stage 1 (MaxScore) against exhaustive scoring', () => {
  it('selects the same documents with bit-identical scores, for any corpus, query and k', () => {
    fc.assert(
      fc.property(
        fc.array(doc, { minLength: 1, maxLength: 60 }),
        fc.array(query, { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 5 }),
        fc.boolean(),
        (docs, queries, k, removeEvery, prefix) => {
          const e = build(docs, removeEvery);
          for (const q of queries) {
            const plan = e.plan(q, prefix ? { prefix: 'always' } : {});
            const ref = executePlan(e.store, plan, { rerankTopK: k, exhaustive: true });
            const top = executePlan(e.store, plan, { rerankTopK: k });
            expect([...top.ordinals]).toEqual([...ref.ordinals]);
            for (let i = 0; i < ref.count; i++) {
              expect(top.isReranked(i)).toBe(ref.isReranked(i));
              if (ref.isReranked(i)) expect(top.scores[i]).toBe(ref.scores[i]);
              // an unscored match is below the bound the callers rely on
              else if (top.pruned > 0) expect(ref.scores[i] as number).toBeLessThan(top.pruneBound);
            }
            top.complete();
            expect([...top.scores]).toEqual([...ref.scores]);
            for (let i = 0; i < ref.count; i++) expect(top.detail(i)).toEqual(ref.detail(i));
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('pages of the engine equal the exhaustive order at every offset', () => {
    fc.assert(
      fc.property(fc.array(doc, { minLength: 20, maxLength: 80 }), query, fc.integer({ min: 0, max: 40 }), (docs, q, offset) => {
        const e = build(docs, 0);
        const plan = e.plan(q);
        const ref = executePlan(e.store, plan, { rerankTopK: 5, exhaustive: true });
        const order = [...ref.ordinals.keys()].sort(
          (a, b) => (ref.scores[b] as number) - (ref.scores[a] as number) || (ref.ordinals[a] as number) - (ref.ordinals[b] as number),
        );
        const expected = order.slice(offset, offset + 10).map((i) => e.store.doc(ref.ordinals[i] as number)?.id);
        expect(e.search(q, { offset, limit: 10, rerankTopK: 5 }).hits.map((h) => h.id)).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  });

  it('does not score every posting when a common word meets a rare one', () => {
    const e = new InMemorySearchEngine({ plan: { typo: false } });
    for (let i = 0; i < 2000; i++) e.index({ id: `p${i}`, title: `cable ${i % 50 === 0 ? 'lightning' : 'power'} ${i}`, description: 'a cable' });
    const plan = e.plan('lightning cable');
    const top = executePlan(e.store, plan, { rerankTopK: 20 });
    const ref = executePlan(e.store, plan, { rerankTopK: 20, exhaustive: true });
    expect(top.count).toBe(2000);
    // the 40 "lightning" products are scored (seeding, then the walk); the "cable"-only ones are skipped
    expect(top.stats.postingsScored).toBeLessThan(top.stats.postingsTotal / 4);
    expect(top.stats.docsScored).toBeLessThan(100);
    expect(ref.stats.postingsScored).toBe(ref.stats.postingsTotal);
    top.complete();
    expect([...top.scores]).toEqual([...ref.scores]);
  });
});
