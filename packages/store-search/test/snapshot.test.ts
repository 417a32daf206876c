/**
 * Store snapshots (format 3: the document table as columns, documents as JSON decoded on demand): a restored store
 * answers every kind of request like the index it was written from, keeps its documents' order, follows edits and
 * deletes the way the cache's refresh applies them, and writes a snapshot of itself that restores again.
 */
import { describe, expect, it } from 'vitest';
import {
  decodeStoreSnapshot,
  encodeStoreSnapshot,
  estimateIndexBytes,
  indexForLocale,
  type LoadedIndex,
  newStoreEngine,
  type StoreConfig,
} from '../src/cache.ts';
import { DocTable } from '../src/doc-table.ts';
import { toSearchDocument } from '../src/documents.ts';
import { encodeOffsetCursor, runSearch, type SearchRequest } from '../src/query.ts';
import type { IndexedDoc } from '../src/tables.ts';

const doc = (n: number, over: Partial<IndexedDoc> = {}): IndexedDoc => ({
  handle: `item-${n}`,
  title: `${['Red', 'Blue', 'Green'][n % 3]} ${['Cotton', 'Wool', 'Linen'][(n % 5) % 3]} ${['Shirt', 'Sweater', 'Tote Bag', 'Scarf'][n % 4]} ${n}`,
  description: n % 2 ? 'Soft and warm, <b>machine</b> washable' : '',
  vendor: n % 7 === 0 ? null : (['Acme', 'Borealis', 'Cedar'][n % 3] as string),
  productType: ['Shirts', 'Knitwear', 'Bags', null][n % 4] as string | null,
  tags: n % 3 ? ['summer', ...(n % 5 ? [] : ['sale'])] : [],
  collectionIds: n % 2 ? ['c1'] : ['c1', 'c2'],
  collections: n % 2 ? ['Summer'] : ['Summer', 'Gifts'],
  options: ['S', 'M'],
  optionPairs: ['size:S', `size:${n % 2 ? 'M' : 'L'}`, `colour:${['Red', 'Blue', 'Green'][n % 3]}`],
  skus: [`SKU-${n}`],
  priceMin: 500 + ((n * 1373) % 30000),
  priceMax: 900 + ((n * 1373) % 30000),
  inStock: n % 4 !== 1,
  createdAt: `2026-01-${String(1 + (n % 28)).padStart(2, '0')}T00:00:00.000Z`,
  image: n % 3 ? `https://cdn.example/${n}.jpg` : null,
  ...(n % 6 === 0 ? { rating: { average: 3 + (n % 3), count: n % 9 } } : {}),
  ...(n % 10 === 0 ? { translations: { de: { title: `Hemd ${n}` } } } : {}),
  ...over,
});

const config: StoreConfig = { version: '1', stopWords: [], language: 'en', inStockBoost: 0, synonyms: [], pins: new Map([['scarf', ['p7', 'p3']]]) };

/** An entry as the cache's full load builds it (documents in the table too). */
function built(n: number): LoadedIndex {
  const engine = newStoreEngine(config);
  const docs = new Map<string, IndexedDoc>();
  const table = new DocTable();
  for (let i = 0; i < n; i++) {
    docs.set(`p${i}`, doc(i));
    engine.index(toSearchDocument(`p${i}`, doc(i)));
    table.set(engine.store.ordinalOf(`p${i}`) as number, `p${i}`, doc(i));
  }
  engine.store.trim();
  return { schema: 's', engine, docs, table, seq: 1, config, checkedAt: 0, loadedAt: 0 };
}

/** One changed row, applied as SearchIndexCache.refresh does (`d` null: deleted). */
function apply(e: LoadedIndex, id: string, d: IndexedDoc | null): void {
  const before = e.engine.store.ordinalOf(id);
  if (before !== undefined) e.table?.clear(before);
  e.engine.remove(id);
  e.docs.delete(id);
  if (d) {
    e.docs.set(id, d);
    e.engine.index(toSearchDocument(id, d));
    e.table?.set(e.engine.store.ordinalOf(id) as number, id, d);
  }
}

/** The cache's memory estimate without the posting arrays (a restored list has no growth slack). */
const estimate = (e: LoadedIndex) => estimateIndexBytes(e) - e.engine.store.postingBytes();

async function restore(e: LoadedIndex): Promise<LoadedIndex> {
  return { ...e, ...(await decodeStoreSnapshot(await encodeStoreSnapshot(e), config)), locales: undefined };
}

const REQUESTS: SearchRequest[] = [
  { q: 'shirt' },
  { q: 'cotton sweater', limit: 50 },
  { q: 'scarf' },
  { q: 'sku-12' },
  { q: 'swaeter' },
  { q: 'sca', prefix: true, limit: 5, facets: false },
  { q: '' },
  { q: '', sort: 'price_desc', limit: 30 },
  { q: '', sort: 'newest', cursor: encodeOffsetCursor(24) },
  { q: 'tote', filters: { vendor: ['Acme', 'Cedar'], inStock: true } },
  { q: 'wool', filters: { option: ['size:M'], priceMin: 1000, priceMax: 20000 }, sort: 'price_asc' },
  { q: '', filters: { tag: ['sale'], collection: ['c2'], productType: ['Bags'] } },
  { q: 'red', explain: true, limit: 5 },
  { q: 'green linen', locale: 'de' },
];

const answers = (e: LoadedIndex) => REQUESTS.map((r) => runSearch(e, r));

describe('store snapshots', () => {
  it('restore a store that answers every request like the original, then follows the same edits', async () => {
    const original = built(120);
    for (const i of [5, 17, 40]) apply(original, `p${i}`, null); // free ordinals travel in the snapshot
    apply(original, 'p8', doc(8, { title: 'Striped Scarf', rating: { average: 5, count: 3 } })); // reused ordinal
    const restored = await restore(original);
    expect(restored.docs.size).toBe(original.docs.size);
    expect([...restored.docs]).toEqual([...original.docs]); // same documents, same (Map) order
    expect(estimate(restored)).toBe(estimate(original));
    expect(answers(restored)).toEqual(answers(original));
    const boost = (e: LoadedIndex) => ({ ...e, config: { ...config, inStockBoost: 0.1 } });
    expect(answers(boost(restored))).toEqual(answers(boost(original)));

    // edits and deletes of restored documents (never decoded before), a new product, a deleted one back
    for (const e of [original, restored]) {
      apply(e, 'p9', doc(9, { title: 'Linen Scarf', inStock: false, vendor: 'Dune' }));
      apply(e, 'p10', null);
      apply(e, 'p11', doc(11, { translations: { de: { title: 'Wollschal' } } }));
      apply(e, 'p200', doc(200, { tags: ['new'] }));
      apply(e, 'p17', doc(17));
    }
    expect([...restored.docs]).toEqual([...original.docs]);
    expect(estimate(restored)).toBe(estimate(original));
    expect(answers(restored)).toEqual(answers(original));
    expect(indexForLocale(restored, 'de').engine).not.toBe(restored.engine);

    // a snapshot of the edited restored store restores again
    const again = await restore(restored);
    expect([...again.docs]).toEqual([...original.docs]);
    expect(answers(again)).toEqual(answers(original));
  });

  it('restores an empty store', async () => {
    const empty = await restore(built(0));
    expect(empty.docs.size).toBe(0);
    expect(runSearch(empty, { q: '' }).total).toBe(0);
  });
});
