import { describe, expect, it } from 'vitest';
import {
  adjacentKeys,
  cooccurrence,
  DEFAULT_SPELLING_CONTEXT,
  DeletionIndex,
  deletions,
  editDistance,
  InMemorySearchEngine,
  keyboardDistance,
  maxEditsFor,
  type SearchDocument,
  type SpellingOptions,
} from '../src/index.ts';

function catalogue(): SearchDocument[] {
  const docs: SearchDocument[] = [];
  const add = (title: string, n: number, description = '') => {
    for (let i = 0; i < n; i++) docs.push({ id: `${title.replace(/\W+/g, '-').toLowerCase()}-${i}`, title: `${title} ${i}`, description });
  };
  add('Stainless Refrigerator with Freezer', 6);
  add('Mini Refrigerator Black', 4);
  add('Memory Card 16GB', 5);
  add('Blender Pro Series', 5);
  add('Blendtec Designer Blender', 2);
  add('Harley Davidson Leather Jacket', 3);
  add('Coffee Maker 12-Cup', 6);
  add('Cofee Filter Papers', 1); // a misspelling in the catalogue itself
  add('Cotton Shirt Blue', 4);
  add('Cargo Shorts Khaki', 4);
  add('MacBook Air Sleeve', 3);
  add('Nike Shox Running Shoes', 2);
  add('Floral Shirtdress', 2);
  return docs;
}

function engine(config: ConstructorParameters<typeof InMemorySearchEngine>[0] = {}) {
  const e = new InMemorySearchEngine(config);
  for (const d of catalogue()) e.index(d);
  return e;
}

const titlesOf = (e: InMemorySearchEngine, q: string, opts = {}) => e.search(q, { limit: 50, ...opts }).hits.map((h) => h.id);

describe('edit distance and deletions', () => {
  it('counts an adjacent swap as one edit', () => {
    expect(editDistance('meomry', 'memory')).toBe(1);
    expect(editDistance('refrigirator', 'refrigerator')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('kitten', 'sitting', 1)).toBe(2); // capped at max + 1
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('enumerates deletions', () => {
    expect([...deletions('abc', 1)].sort()).toEqual(['ab', 'abc', 'ac', 'bc']);
    expect(deletions('abcd', 2).size).toBe(1 + 4 + 6);
  });

  it('finds vocabulary words within the budget through the deletion index', () => {
    const di = new DeletionIndex();
    for (const w of ['memory', 'refrigerator', 'blender', 'blendtec']) di.add(w);
    const all = () => true;
    expect(di.lookup('meomry', 1, all).map((c) => c.surface)).toEqual(['memory']);
    expect(di.lookup('refrigirater', 2, all)).toEqual([{ surface: 'refrigerator', distance: 2 }]);
    expect(di.lookup('refrigirater', 1, all)).toEqual([]);
    expect(di.lookup('memory', 1, (s) => s !== 'memory')).toEqual([]);
  });

  it('allows one edit for 4-7 letters and two from 8', () => {
    expect([3, 4, 7, 8, 12].map(maxEditsFor)).toEqual([0, 1, 1, 2, 2]);
  });
});

describe('typo tolerance', () => {
  it('corrects unknown words to the likeliest vocabulary word', () => {
    const e = engine();
    const plain = titlesOf(e, 'refrigerator');
    expect(plain).toHaveLength(10);
    expect(titlesOf(e, 'refrigirator').sort()).toEqual([...plain].sort());
    expect(
      titlesOf(e, 'meomry card')
        .slice(0, 5)
        .every((id) => id.startsWith('memory-card')),
    ).toBe(true);
    const plan = e.plan('refrigirator');
    expect(plan.clauses[0]?.alternatives.map((a) => [a.source, a.label])).toContainEqual(['typo', 'refrigerator']);
  });

  it('also offers a far more common neighbour of a rare known word', () => {
    const e = engine();
    const hits = titlesOf(e, 'cofee maker');
    expect(hits[0]).toMatch(/^coffee-maker/);
    expect(hits).toContain('cofee-filter-papers-0');
  });

  it('leaves common words and short words alone', () => {
    const e = engine();
    expect(e.plan('shirt').clauses[0]?.alternatives.filter((a) => a.source === 'typo')).toEqual([]);
    expect(titlesOf(e, 'shirt').every((id) => id.startsWith('cotton-shirt'))).toBe(true);
    expect(e.plan('shox').clauses[0]?.alternatives.map((a) => a.source)).toEqual(['exact']);
  });

  it('can be switched off', () => {
    expect(titlesOf(engine({ plan: { typo: false, decompound: false } }), 'refrigirator')).toEqual([]);
  });
});

describe('compounds', () => {
  it('splits an unknown word into two known words', () => {
    const e = engine();
    expect(titlesOf(e, 'harleydavidson')).toHaveLength(3);
    expect(e.plan('harleydavidson').clauses[0]?.alternatives.find((a) => a.source === 'split')?.terms).toEqual(['harlei', 'davidson']);
  });

  it('joins adjacent words whose concatenation is a known word', () => {
    const e = engine();
    const hits = titlesOf(e, 'mac book air');
    expect(hits.slice(0, 3).every((id) => id.startsWith('macbook-air'))).toBe(true);
  });

  it('matches letter/digit parts of model numbers', () => {
    const e = engine();
    expect(
      titlesOf(e, '16 gb card')
        .slice(0, 5)
        .every((id) => id.startsWith('memory-card')),
    ).toBe(true);
    expect(titlesOf(e, '16gb').length).toBe(5);
  });
});

describe('prefix matching', () => {
  it('completes an unknown last word by default', () => {
    const e = engine();
    const hits = titlesOf(e, 'refrig');
    expect(hits).toHaveLength(10);
    expect(e.plan('refrig').clauses[0]?.alternatives.some((a) => a.source === 'prefix' && a.label === 'refrigerator')).toBe(true);
  });

  it('completes known words too in autocomplete mode, ranking the exact word first', () => {
    const e = engine();
    expect(titlesOf(e, 'blend')).toHaveLength(7); // not a word of this catalogue: completed to blender/blendtec
    expect(titlesOf(e, 'blend', { plan: { prefix: 'off', typo: false } })).toEqual([]);
    const exact = titlesOf(e, 'shirt');
    expect(exact).toHaveLength(4); // known word: no completion by default
    const auto = titlesOf(e, 'shirt', { plan: { prefix: 'always' } });
    expect(auto).toHaveLength(6);
    expect(auto.slice(0, 4).sort()).toEqual([...exact].sort());
    expect(auto.slice(4).every((id) => id.startsWith('floral-shirtdress'))).toBe(true);
  });

  it('only completes the last word', () => {
    const e = engine();
    const plan = e.plan('memo card', { prefix: 'always', typo: false });
    expect(plan.clauses[0]?.alternatives.some((a) => a.source === 'prefix')).toBe(false);
    expect(plan.clauses[1]?.alternatives.some((a) => a.source === 'prefix')).toBe(false); // "card" has no longer completion here
    const plan2 = e.plan('card memo', { prefix: 'always', typo: false });
    expect(plan2.clauses[1]?.alternatives.some((a) => a.source === 'prefix' && a.label === 'memory')).toBe(true);
  });
});

describe('spelling model options', () => {
  it('knows QWERTY neighbours', () => {
    expect(adjacentKeys('s', 'd')).toBe(true);
    expect(adjacentKeys('s', 'x')).toBe(true);
    expect(adjacentKeys('d', 'c')).toBe(true);
    expect(adjacentKeys('q', 'p')).toBe(false);
    expect(adjacentKeys('a', 'a')).toBe(false);
  });

  it('charges a distant-key substitution more than a neighbouring one, and a transposition one edit', () => {
    expect(keyboardDistance('cofgee', 'coffee', 1, 1.5)).toBe(1);
    expect(keyboardDistance('copfee', 'coffee', 1, 1.5)).toBe(1.5);
    expect(keyboardDistance('cofefe', 'coffee', 1, 1.5)).toBe(1);
    expect(keyboardDistance('cofee', 'coffee', 1, 1.5)).toBe(1);
  });

  it("keeps the typed word at weight 1, or at its posterior share when a correction is likelier ('posterior')", () => {
    const e = engine();
    const typedWeight = (typed: 'keep' | 'posterior') =>
      e.plan('cofee', { spelling: { typed, errorRate: 0.5 } }).clauses[0]?.alternatives.find((a) => a.source === 'exact')?.weight;
    expect(typedWeight('keep')).toBe(1);
    // "cofee" is in one product, "coffee" in six: 1 / (6 x 0.5)
    expect(typedWeight('posterior')).toBeCloseTo(1 / 3, 6);
    // a word far more common than its neighbours keeps weight 1
    expect(e.plan('shirt', { spelling: { typed: 'posterior', errorRate: 0.5 } }).clauses[0]?.alternatives[0]?.weight).toBe(1);
  });
});

describe('joining corrected words (joinCorrections)', () => {
  it('joins a typo correction with its neighbour when the catalogue has the compound', () => {
    const e = new InMemorySearchEngine();
    for (let i = 0; i < 5; i++) e.index({ id: `n${i}`, title: `Nutrisystem Meal Plan ${i}` });
    for (let i = 0; i < 5; i++) e.index({ id: `s${i}`, title: `Sound System ${i}` });
    const joins = (joinCorrections: boolean) =>
      e
        .plan('nutri sytem', { joinCorrections })
        .clauses[0]?.alternatives.filter((a) => a.source === 'join')
        .map((a) => a.label);
    expect(joins(false)).toEqual([]);
    expect(joins(true)).toEqual(['nutrisystem']);
    expect(e.search('nutri sytem', { plan: { joinCorrections: true } }).hits[0]?.id).toMatch(/^n/);
  });
});

describe('spelling in context (spelling.context)', () => {
  // "sten" is one edit from "step" (ten products) and "stein" (two): alone it reads as "step"; after "beer" the
  // catalogue's own documents say "stein" (every stein is a beer stein, no step is)
  function steins() {
    const e = new InMemorySearchEngine();
    for (let i = 0; i < 10; i++) e.index({ id: `step${i}`, title: `Step Stool ${i}`, description: 'folding step for the kitchen' });
    for (let i = 0; i < 2; i++) e.index({ id: `stein${i}`, title: `Beer Stein ${i}`, description: 'glass stein for beer' });
    for (let i = 0; i < 3; i++) e.index({ id: `beer${i}`, title: `Beer Glass ${i}` });
    // the rest of the store: beer and stein are rare in it, so seeing them together is evidence (lift 9)
    for (let i = 0; i < 30; i++) e.index({ id: `hose${i}`, title: `Garden Hose ${i}` });
    return e;
  }
  const bestTypo = (e: InMemorySearchEngine, q: string, spelling: SpellingOptions) =>
    e
      .plan(q, { spelling })
      .clauses.find((c) => c.text === 'sten')
      ?.alternatives.filter((a) => a.source === 'typo')
      .map((a) => a.label)[0];

  it('picks the correction that co-occurs with the query’s other words', () => {
    const e = steins();
    expect(bestTypo(e, 'beer sten', { context: 0 })).toBe('step');
    expect(bestTypo(e, 'beer sten', { context: 1 })).toBe('stein');
    // the engine's ranking follows: a stein first
    expect(e.search('beer sten', { plan: { spelling: { context: 1 } } }).hits[0]?.id).toMatch(/^stein/);
    // no other word, no context: the commoner word stays first
    expect(bestTypo(e, 'sten', { context: 1 })).toBe('step');
    // on by default (round 19)
    expect(DEFAULT_SPELLING_CONTEXT).toBeGreaterThan(0);
    expect(bestTypo(e, 'beer sten', {})).toBe('stein');
  });

  it('leaves the context-free order when no candidate co-occurs with the other words', () => {
    const e = steins();
    e.index({ id: 'mug', title: 'Coffee Mug' });
    const labels = (spelling: SpellingOptions) => e.plan('coffee sten', { spelling }).clauses[1]?.alternatives.map((a) => [a.label, a.weight]);
    expect(labels({ context: 1 })).toEqual(labels({ context: 0 }));
  });

  it('counts documents, not fields, holding both terms', () => {
    const e = steins();
    // "stein" is in the title and the description of both stein products, as is "beer"
    expect(cooccurrence(e.store, e.analyzer.term('stein'), e.analyzer.term('beer'))).toBe(2);
    expect(cooccurrence(e.store, e.analyzer.term('step'), e.analyzer.term('beer'))).toBe(0);
    expect(cooccurrence(e.store, e.analyzer.term('step'), e.analyzer.term('kitchen'))).toBe(10);
    expect(cooccurrence(e.store, 'nosuchterm', e.analyzer.term('beer'))).toBe(0);
  });
});
