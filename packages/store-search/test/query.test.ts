/** runSearch over a hand-built store index: facets with counts, filters, sorts, cursors, pins, boosts, did-you-mean. */
import { DEFAULT_BM25F, DEFAULT_RERANK, InMemorySearchEngine } from '@storeloom/search';
import { describe, expect, it } from 'vitest';
import type { LoadedIndex, StoreConfig } from '../src/cache.ts';
import { toSearchDocument } from '../src/documents.ts';
import { decodeOffsetCursor, runSearch } from '../src/query.ts';
import type { IndexedDoc } from '../src/tables.ts';

const doc = (over: Partial<IndexedDoc> & { title: string }): IndexedDoc => ({
  handle: over.title.toLowerCase().replace(/\W+/g, '-'),
  description: '',
  vendor: null,
  productType: null,
  tags: [],
  collectionIds: [],
  collections: [],
  options: [],
  optionPairs: [],
  skus: [],
  priceMin: 1000,
  priceMax: 1000,
  inStock: true,
  createdAt: '2026-01-01T00:00:00.000Z',
  image: null,
  ...over,
});

const CATALOGUE: [string, IndexedDoc][] = [
  [
    'p1',
    doc({
      title: 'Red Cotton T-Shirt',
      vendor: 'Acme',
      productType: 'Shirts',
      tags: ['summer'],
      optionPairs: ['size:S', 'size:M', 'colour:Red'],
      options: ['S', 'M', 'Red'],
      priceMin: 1500,
      priceMax: 1700,
      collectionIds: ['c1'],
      collections: ['Summer'],
      createdAt: '2026-01-03T00:00:00.000Z',
    }),
  ],
  [
    'p2',
    doc({
      title: 'Blue Cotton T-Shirt',
      vendor: 'Acme',
      productType: 'Shirts',
      tags: ['summer', 'sale'],
      optionPairs: ['size:M', 'colour:Blue'],
      options: ['M', 'Blue'],
      priceMin: 3000,
      priceMax: 3000,
      inStock: false,
      collectionIds: ['c1'],
      collections: ['Summer'],
      createdAt: '2026-01-02T00:00:00.000Z',
    }),
  ],
  [
    'p3',
    doc({
      title: 'Wool Sweater',
      vendor: 'Borealis',
      productType: 'Knitwear',
      tags: ['winter'],
      optionPairs: ['size:L'],
      options: ['L'],
      priceMin: 12000,
      priceMax: 12000,
      skus: ['WOOL-42'],
      createdAt: '2026-01-04T00:00:00.000Z',
    }),
  ],
  ['p4', doc({ title: 'Cotton Tote Bag', vendor: 'Borealis', productType: 'Bags', priceMin: 800, priceMax: 800, createdAt: '2026-01-01T00:00:00.000Z' })],
];

function index(config: Partial<StoreConfig> = {}): LoadedIndex {
  const cfg: StoreConfig = { version: '1', stopWords: [], language: 'en', inStockBoost: 0, synonyms: [], pins: new Map(), ...config };
  const engine = new InMemorySearchEngine({ bm25f: DEFAULT_BM25F, rerank: DEFAULT_RERANK, synonyms: cfg.synonyms });
  const docs = new Map<string, IndexedDoc>();
  for (const [id, d] of CATALOGUE) {
    docs.set(id, d);
    engine.index(toSearchDocument(id, d));
  }
  return { schema: 's', engine, docs, seq: 1, config: cfg, checkedAt: 0, loadedAt: 0 };
}

const ids = (r: { hits: { productId: string }[] }) => r.hits.map((h) => h.productId);

describe('runSearch', () => {
  it('counts facets over the matches, each group ignoring its own filter (disjunctive)', () => {
    const r = runSearch(index(), { q: 'cotton', filters: { vendor: ['Acme'] } });
    expect(ids(r).sort()).toEqual(['p1', 'p2']);
    // vendor counts ignore the vendor filter: Borealis's tote still shows as an option
    expect(r.facets?.vendor).toEqual([
      { value: 'Acme', count: 2 },
      { value: 'Borealis', count: 1 },
    ]);
    // other groups are counted within the vendor filter
    expect(r.facets?.productType).toEqual([{ value: 'Shirts', count: 2 }]);
    expect(r.facets?.option.size).toEqual([
      { value: 'M', count: 2 },
      { value: 'S', count: 1 },
    ]);
    expect(r.facets?.tag).toEqual([
      { value: 'summer', count: 2 },
      { value: 'sale', count: 1 },
    ]);
    expect(r.facets?.collection).toEqual([{ value: 'c1', label: 'Summer', count: 2 }]);
    expect(r.facets?.price).toEqual([
      { min: 0, max: 2500, count: 1 },
      { min: 2500, max: 5000, count: 1 },
    ]);
    expect(r.facets?.inStock).toBe(1);
  });

  it('filters by option, price, stock, tag and collection', () => {
    const i = index();
    expect(ids(runSearch(i, { q: '', filters: { option: ['size:M'] }, sort: 'price_asc' }))).toEqual(['p1', 'p2']);
    expect(ids(runSearch(i, { q: '', filters: { option: ['Size:M', 'colour:Red'] } }))).toEqual(['p1']);
    expect(ids(runSearch(i, { q: '', filters: { priceMin: 1000, priceMax: 5000 }, sort: 'price_asc' }))).toEqual(['p1', 'p2']);
    expect(ids(runSearch(i, { q: 'cotton', filters: { inStock: true } })).sort()).toEqual(['p1', 'p4']);
    expect(ids(runSearch(i, { q: '', filters: { tag: ['sale', 'winter'] }, sort: 'price_asc' }))).toEqual(['p2', 'p3']);
    expect(ids(runSearch(i, { q: '', filters: { collection: ['c1'] }, sort: 'newest' }))).toEqual(['p1', 'p2']);
  });

  it('sorts by price and newest, and pages with cursors', () => {
    const i = index();
    expect(ids(runSearch(i, { q: '', sort: 'price_desc' }))).toEqual(['p3', 'p2', 'p1', 'p4']);
    expect(ids(runSearch(i, { q: '' }))).toEqual(['p3', 'p1', 'p2', 'p4']);
    const first = runSearch(i, { q: '', sort: 'price_asc', limit: 3 });
    expect(ids(first)).toEqual(['p4', 'p1', 'p2']);
    expect(first.total).toBe(4);
    const second = runSearch(i, { q: '', sort: 'price_asc', limit: 3, cursor: first.nextCursor as string });
    expect(ids(second)).toEqual(['p3']);
    expect(second.hits[0]?.position).toBe(4);
    expect(second.nextCursor).toBeNull();
    expect(() => decodeOffsetCursor('garbage')).toThrow(/cursor/);
  });

  it('puts an exact SKU first, pins ahead of relevance, and boosts stock', () => {
    expect(ids(runSearch(index(), { q: 'wool-42' }))[0]).toBe('p3');
    const pinned = runSearch(index({ pins: new Map([['cotton', ['p3']]]) }), { q: 'Cotton' });
    expect(ids(pinned)[0]).toBe('p3');
    expect(pinned.hits[0]?.pinned).toBe(true);
    // The two shirts tie on text ("t-shirt"); the boost lifts the one in stock.
    const plain = runSearch(index(), { q: 'shirt', explain: true });
    const boosted = runSearch(index({ inStockBoost: 5 }), { q: 'shirt', explain: true });
    expect(boosted.hits.find((h) => h.productId === 'p1')?.explain?.boost).toBe(5);
    expect(boosted.hits.find((h) => h.productId === 'p2')?.explain?.boost).toBe(0);
    expect(ids(boosted)[0]).toBe('p1');
    expect(plain.plan?.clauses).toHaveLength(1);
  });

  it('corrects typos with a did-you-mean and applies synonyms', () => {
    const r = runSearch(index(), { q: 'sweatr' });
    expect(ids(r)).toEqual(['p3']);
    expect(r.didYouMean).toBe('sweater');
    expect(runSearch(index(), { q: 'sweater' }).didYouMean).toBeNull();
    expect(runSearch(index(), { q: 'jumper' }).total).toBe(0);
    const syn = index({ synonyms: [{ from: ['jumper'], to: ['sweater'] }] });
    expect(ids(runSearch(syn, { q: 'jumper' }))).toEqual(['p3']);
    // one-way: "sweater" does not match a jumper (there is none) — and still finds the sweater
    expect(ids(runSearch(syn, { q: 'sweater' }))).toEqual(['p3']);
    const twoWay = index({ synonyms: [{ from: ['tote', 'carrier'], to: ['tote', 'carrier'] }] });
    expect(ids(runSearch(twoWay, { q: 'carrier' }))).toEqual(['p4']);
  });

  it('completes the last word as a prefix for autocomplete', () => {
    expect(runSearch(index(), { q: 'swea' }).total).toBe(1);
    expect(ids(runSearch(index(), { q: 'cott', prefix: true })).sort()).toEqual(['p1', 'p2', 'p4']);
  });
});
