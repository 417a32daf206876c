import { describe, expect, it } from 'vitest';
import { Analyzer, DEFAULT_RERANK, decodeIndex, encodeIndex, InMemorySearchEngine, type RerankWeights, SynonymMap } from '../src/index.ts';

const ids = (e: InMemorySearchEngine, q: string) => e.search(q, { limit: 50 }).hits.map((h) => h.id);

describe('synonyms', () => {
  function engine(rules: string[]) {
    // typo tolerance off: in a 7-product catalogue "iphone" is one edit from the equally rare "phone"
    const e = new InMemorySearchEngine({ synonyms: rules, plan: { typo: false } });
    e.index({ id: 'tv', title: 'Samsung 55 inch TV' });
    e.index({ id: 'television', title: 'LG OLED Television' });
    e.index({ id: 'phone', title: 'Android Smartphone' });
    e.index({ id: 'iphone', title: 'Apple iPhone 15' });
    e.index({ id: 'sofa', title: 'Velvet Sofa' });
    e.index({ id: 'couch', title: 'Leather Couch' });
    e.index({ id: 'cell', title: 'Cell Phone Holder' });
    return e;
  }

  it('two-way rules match in both directions', () => {
    const e = engine(['tv, television']);
    expect(ids(e, 'tv').sort()).toEqual(['television', 'tv']);
    expect(ids(e, 'television').sort()).toEqual(['television', 'tv']);
    expect(ids(e, 'tv')[0]).toBe('tv'); // the typed word ranks first
  });

  it('one-way rules only expand their left side', () => {
    const e = engine(['iphone => smartphone']);
    expect(ids(e, 'iphone').sort()).toEqual(['iphone', 'phone']);
    expect(ids(e, 'smartphone')).toEqual(['phone']);
  });

  it('supports multi-word phrases on either side', () => {
    const e = engine(['cell phone => smartphone', 'couch => velvet sofa']);
    expect(ids(e, 'cell phone')).toContain('phone');
    expect(ids(e, 'couch').sort()).toEqual(['couch', 'sofa']);
    expect(ids(e, 'sofa')).toEqual(['sofa']);
  });

  it('without rules nothing is expanded, and rules can be replaced', () => {
    const e = engine([]);
    expect(ids(e, 'tv')).toEqual(['tv']);
    e.setSynonyms(['sofa, couch']);
    expect(ids(e, 'sofa').sort()).toEqual(['couch', 'sofa']);
  });

  it('analyses rules like queries', () => {
    const map = new SynonymMap(new Analyzer(), ['Cell-Phones => mobile']);
    expect(map.match(['cell', 'phone'], 0)).toEqual([{ span: 2, alternatives: [['mobil']] }]);
  });
});

describe('InMemorySearchEngine', () => {
  it('puts an exact SKU match first', () => {
    const e = new InMemorySearchEngine();
    e.index({ id: 'a', title: 'Widget AB-1234 compatible cable', skus: ['CBL-1'] });
    e.index({ id: 'b', title: 'Widget', skus: ['AB-1234'] });
    const res = e.search('ab1234');
    expect(res.hits[0]?.id).toBe('b');
    expect(res.hits[0]?.parts.skuMatch).toBe(true);
    expect(e.search('AB 1234').hits[0]?.id).toBe('b');
  });

  it('searches CJK titles with bigrams', () => {
    const e = new InMemorySearchEngine();
    e.index({ id: 'case', title: '苹果手机壳 透明' });
    e.index({ id: 'phone', title: '华为手机' });
    e.index({ id: 'apple', title: '新鲜苹果' });
    expect(ids(e, '手机壳')).toEqual(['case', 'phone']); // both bigrams, in order, beat one bigram
    expect(ids(e, '手机').sort()).toEqual(['case', 'phone']);
    expect(ids(e, '苹果')[0]).toBe('apple');
    expect(ids(e, '壳')).toEqual([]); // no bigram starts with it
    expect(ids(e, '透')).toEqual(['case']); // the bigram of "透明" starts with it
    expect(ids(e, '华')).toEqual(['phone']); // a single character completes to the bigrams it starts
  });

  it('ranks documents matching every query word above partial matches', () => {
    const e = new InMemorySearchEngine();
    e.index({ id: 'both', title: 'Stainless Steel Necklace' });
    e.index({ id: 'steel-only', title: 'Steel Steel Steel' });
    e.index({ id: 'necklace-desc', title: 'Pendant', description: 'a stainless steel necklace' });
    expect(ids(e, 'steel necklace')).toEqual(['both', 'necklace-desc', 'steel-only']);
  });

  it('prefers the product itself over accessories for it', () => {
    const e = new InMemorySearchEngine();
    e.index({ id: 'case', title: 'Leather Case for Galaxy Phone' });
    e.index({ id: 'charger', title: 'Galaxy Phone Charger' });
    e.index({ id: 'phone', title: 'Samsung Galaxy Phone, 128GB' });
    const res = e.search('galaxy phone', { explain: true });
    expect(res.hits[0]?.id).toBe('phone');
    expect(res.hits[0]?.parts.titleHead).toBe(1);
    expect(res.hits.find((h) => h.id === 'case')?.parts.primaryTitleCoverage).toBe(0);
    expect(res.plan?.clauses.map((c) => c.head)).toEqual([false, true]);
  });

  it('ranks the product type most of the best results share above a stray one (category prior)', () => {
    // "volcom" names no product type; four of the five Volcom titles are shorts, so the sticker (a shorter title,
    // hence the best BM25F score) drops below them. With the prior off it ranks first.
    function engine(rerank: RerankWeights) {
      const e = new InMemorySearchEngine({ rerank });
      e.index({ id: 'stone', title: 'Volcom Stone Board Shorts, Blue' });
      e.index({ id: 'chino', title: 'Volcom Frickin Chino Shorts, Khaki' });
      e.index({ id: 'tech', title: 'Volcom Mod Tech Shorts, Black' });
      e.index({ id: 'lido', title: 'Volcom Lido Board Shorts, Grey' });
      e.index({ id: 'sticker', title: 'Volcom Stone Logo Sticker' });
      e.index({ id: 'other', title: 'Hurley Board Shorts' });
      return e;
    }
    expect(DEFAULT_RERANK.categoryPrior?.weight).toBeGreaterThan(0);
    expect(ids(engine(DEFAULT_RERANK), 'volcom')).toEqual(['stone', 'chino', 'tech', 'lido', 'sticker']);
    expect(ids(engine({ ...DEFAULT_RERANK, categoryPrior: { weight: 0, top: 10, window: 50 } }), 'volcom')[0]).toBe('sticker');
  });

  describe('pseudo-relevance feedback (RerankWeights.feedback)', () => {
    const feedback = { weight: 0.5, top: 10, terms: 10, window: 50, description: 0 };
    // "nike" names neither a product type nor a use; three of the four Nike titles are running gear (all of a
    // different type, so the category prior cannot tell them apart), and the cap (the shortest title, hence the best
    // BM25F score) is the odd one out.
    const catalogue = [
      { id: 'cap', title: 'Nike Cap' },
      { id: 'shoes', title: 'Nike Running Shoes' },
      { id: 'shorts', title: 'Nike Running Shorts' },
      { id: 'jacket', title: 'Nike Running Jacket', description: 'windproof' },
      { id: 'adidas', title: 'Adidas Running Shoes' },
      { id: 'golf', title: 'Callaway Golf Cap' },
    ];
    function engine(rerank: RerankWeights) {
      const e = new InMemorySearchEngine({ rerank });
      for (const d of catalogue) e.index(d);
      return e;
    }

    it('is off by default', () => {
      expect(DEFAULT_RERANK.feedback?.weight ?? 0).toBe(0);
      expect(ids(engine(DEFAULT_RERANK), 'nike')[0]).toBe('cap');
    });

    it("ranks the results that share the top results' words above the odd one out", () => {
      const on = ids(engine({ ...DEFAULT_RERANK, feedback }), 'nike');
      expect(on.slice(0, 3).sort()).toEqual(['jacket', 'shoes', 'shorts']);
      expect(on[3]).toBe('cap');
      // a non-matching product never enters through the expansion: it only rescores matches
      expect(on).not.toContain('adidas');
    });

    it('leaves the order alone when no word is shared by two of the top results', () => {
      const e = engine({ ...DEFAULT_RERANK, feedback });
      const off = engine(DEFAULT_RERANK);
      // "cap" matches the Nike and the Callaway cap: their other words (nike, callaway, golf) have one voter each
      expect(e.search('cap', { limit: 10 }).hits.map((h) => [h.id, h.score])).toEqual(off.search('cap', { limit: 10 }).hits.map((h) => [h.id, h.score]));
    });

    it('counts words found outside the title only with a `description` weight', () => {
      // titles of equal length share no word but the brand; three descriptions share "running"
      const e = (description: number) => {
        const x = new InMemorySearchEngine({ rerank: { ...DEFAULT_RERANK, feedback: { ...feedback, description } } });
        x.index({ id: 'cap', title: 'Nike Cap' });
        x.index({ id: 'shoes', title: 'Nike Shoes', description: 'for running' });
        x.index({ id: 'shorts', title: 'Nike Shorts', description: 'for running' });
        x.index({ id: 'jacket', title: 'Nike Jacket', description: 'for running' });
        return x;
      };
      expect(ids(e(0), 'nike')[0]).toBe('cap');
      expect(ids(e(0.5), 'nike')[3]).toBe('cap');
    });

    it('scores a restored index exactly as the one it was saved from', () => {
      const original = engine({ ...DEFAULT_RERANK, feedback });
      original.store.trim();
      const restored = new InMemorySearchEngine({ rerank: { ...DEFAULT_RERANK, feedback } });
      decodeIndex(restored.store, encodeIndex(original.store));
      for (const q of ['nike', 'running', 'cap'])
        expect(restored.search(q, { limit: 10 }).hits.map((h) => [h.id, h.score])).toEqual(original.search(q, { limit: 10 }).hits.map((h) => [h.id, h.score]));
    });
  });

  it('treats stop words as optional and explains matches', () => {
    const e = new InMemorySearchEngine();
    e.index({ id: 'a', title: 'Flea Collar for Dogs' });
    e.index({ id: 'b', title: 'Flea Shampoo' });
    const res = e.search('flea collar for the dogs', { explain: true });
    expect(res.hits.map((h) => h.id)).toEqual(['a', 'b']);
    expect(res.plan?.clauses.filter((c) => c.optional).map((c) => c.text)).toEqual(['for', 'the']);
    expect(res.hits[0]?.matched).toEqual(['flea', 'collar', 'for', null, 'dogs']);
    expect(res.hits[0]?.parts.coverage).toBeCloseTo(1, 9);
  });

  it('pages through results', () => {
    const e = new InMemorySearchEngine();
    for (let i = 0; i < 30; i++) e.index({ id: String(i), title: `lamp model ${i}` });
    const first = e.search('lamp', { limit: 10 });
    const second = e.search('lamp', { limit: 10, offset: 10 });
    expect(first.total).toBe(30);
    expect(first.hits).toHaveLength(10);
    expect(new Set([...first.hits, ...second.hits].map((h) => h.id)).size).toBe(20);
  });
});
