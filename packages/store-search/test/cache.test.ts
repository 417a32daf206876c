/**
 * The index on Postgres: the indexer writes documents from the catalogue,
 * the per-process cache loads them, follows later writes incrementally
 * (edits, deletes, settings), keeps stores apart and stays within its budget.
 */
import { randomBytes } from 'node:crypto';
import { type Database, migrateTenant, newId } from '@storeloom/db';
import { createTestDatabase, type TestDatabase } from '@storeloom/db/testing';
import { loadEnv, testEnvSchema } from '@storeloom/env';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimateIndexBytes, SearchIndexCache } from '../src/cache.ts';
import { SearchIndexer } from '../src/indexer.ts';
import { runSearch } from '../src/query.ts';
import { popularIn, StoreSearchService } from '../src/service.ts';
import { searchDb } from '../src/tables.ts';

const env = loadEnv(testEnvSchema);
let testDb: TestDatabase;
let db: Database;
const schemas: string[] = [];

async function storeSchema(): Promise<string> {
  const schema = `t_${randomBytes(8).toString('hex')}`;
  await migrateTenant(db, schema);
  schemas.push(schema);
  return schema;
}

async function product(schema: string, title: string, opts: { status?: 'active' | 'draft'; qty?: number; sku?: string } = {}): Promise<string> {
  const id = newId();
  const t = db.tenant(schema);
  await t
    .insertInto('products')
    .values({
      id,
      handle: `${title.toLowerCase().replace(/\W+/g, '-')}-${id.slice(-6)}`,
      title,
      description: '',
      status: opts.status ?? 'active',
      tags: [],
      options: '[]',
    })
    .execute();
  await t
    .insertInto('variants')
    .values({
      id: newId(),
      product_id: id,
      sku: opts.sku ?? null,
      title: 'Default Title',
      option_values: '{}',
      price: 1000,
      inventory_quantity: opts.qty ?? 1,
      position: 0,
    })
    .execute();
  return id;
}

beforeAll(async () => {
  testDb = await createTestDatabase(env.TEST_DATABASE_URL);
  db = testDb.db;
});
afterAll(async () => {
  await testDb?.drop();
});

describe('search index on Postgres', () => {
  it('indexes active products only, skips unchanged ones, and follows edits and deletes in a loaded cache', async () => {
    const schema = await storeSchema();
    const indexer = new SearchIndexer(db.tenant(schema), schema);
    const kettle = await product(schema, 'Copper Kettle');
    await product(schema, 'Draft Kettle', { status: 'draft' });
    expect(await indexer.reindex()).toMatchObject({ indexed: 1, removed: 0, products: 2 });
    expect(await indexer.indexProducts([kettle])).toEqual({ indexed: 0, removed: 0, unchanged: 1 });

    const cache = new SearchIndexCache(db, { freshnessMs: 0 });
    const titles = async (q: string) => runSearch(await cache.get(schema), { q }).hits.map((h) => h.title);
    expect(await titles('kettle')).toEqual(['Copper Kettle']);

    await db.tenant(schema).updateTable('products').set({ title: 'Copper Teapot' }).where('id', '=', kettle).execute();
    const teapot = await product(schema, 'Steel Teapot', { qty: 0 });
    await indexer.indexProducts([kettle, teapot]);
    expect((await titles('teapot')).sort()).toEqual(['Copper Teapot', 'Steel Teapot']);
    expect(await titles('kettle')).toEqual([]);
    expect(cache.stats.loads).toBe(1);
    expect(cache.stats.refreshes).toBeGreaterThanOrEqual(1);

    await db.tenant(schema).deleteFrom('products').where('id', '=', teapot).execute();
    expect(await indexer.indexProducts([teapot])).toEqual({ indexed: 0, removed: 1, unchanged: 0 });
    expect(await titles('teapot')).toEqual(['Copper Teapot']);
    expect(await indexer.check()).toMatchObject({ products: 1, documents: 1, missing: 0, stale: 0, orphaned: 0 });
  });

  it('reports and repairs an index that drifted from the catalogue', async () => {
    const schema = await storeSchema();
    const indexer = new SearchIndexer(db.tenant(schema), schema);
    const a = await product(schema, 'Alpha Lamp');
    const b = await product(schema, 'Beta Lamp');
    await indexer.reindex();
    await db.tenant(schema).updateTable('products').set({ title: 'Beta Lantern' }).where('id', '=', b).execute();
    await db.tenant(schema).deleteFrom('products').where('id', '=', a).execute();
    const c = await product(schema, 'Gamma Lamp');
    const report = await indexer.check({ repair: true });
    expect(report).toMatchObject({ products: 2, missing: 1, stale: 1, orphaned: 1, repaired: true });
    expect(report.sample.sort()).toEqual([a, b, c].sort());
    expect(await indexer.check()).toMatchObject({ missing: 0, stale: 0, orphaned: 0 });
  });

  it('never answers one store with another store’s products', async () => {
    const s1 = await storeSchema();
    const s2 = await storeSchema();
    await product(s1, 'Garden Hose');
    await product(s2, 'Garden Rake', { sku: 'RAKE-1' });
    await new SearchIndexer(db.tenant(s1), s1).reindex();
    await new SearchIndexer(db.tenant(s2), s2).reindex();
    const search = new StoreSearchService(db, { freshnessMs: 0 });
    const r1 = await search.search({ id: 'a', schema: s1 }, { q: 'garden' });
    const r2 = await search.search({ id: 'b', schema: s2 }, { q: 'garden' });
    expect(r1.hits.map((h) => h.title)).toEqual(['Garden Hose']);
    expect(r2.hits.map((h) => h.title)).toEqual(['Garden Rake']);
    expect((await search.search({ id: 'a', schema: s1 }, { q: 'RAKE-1' })).total).toBe(0);
    await search.close();
  });

  it('applies synonyms and stop words from the settings, and evicts the least recently used store past its budget', async () => {
    const s1 = await storeSchema();
    const s2 = await storeSchema();
    for (let i = 0; i < 3; i++) await product(s1, `Ceramic Mug ${i}`);
    for (let i = 0; i < 3; i++) await product(s2, `Glass Vase ${i}`);
    await new SearchIndexer(db.tenant(s1), s1).reindex();
    await new SearchIndexer(db.tenant(s2), s2).reindex();
    const search = new StoreSearchService(db, { freshnessMs: 0, maxDocs: 4 });
    const store = { id: 'x', schema: s1 };
    expect((await search.search(store, { q: 'cup' })).total).toBe(0);
    await search.addSynonym(store, { kind: 'two_way', terms: ['cup', 'mug'] });
    expect((await search.search(store, { q: 'cup' })).total).toBe(3);
    const optional = async () => (await search.search(store, { q: 'ceramic mug', explain: true })).plan?.clauses.map((c) => c.optional);
    expect(await optional()).toEqual([false, false]);
    await search.updateSettings(store, { stopWords: ['Ceramic'] });
    // A stop word is optional in queries: scored, but not required for coverage.
    expect(await optional()).toEqual([true, false]);
    expect(search.cache.stats.loads).toBe(2); // the stop word change rebuilt the index

    await search.search({ id: 'y', schema: s2 }, { q: 'vase' });
    expect(search.cache.size).toEqual({ stores: 1, documents: 3 });
    expect(search.cache.stats.evictions).toBe(1);
    await search.close();
  });

  it('caches autocomplete suggestions per store, and drops them when this process records searches', async () => {
    const s1 = await storeSchema();
    const s2 = await storeSchema();
    await product(s1, 'Linen Shirt');
    await product(s2, 'Linen Towel');
    await new SearchIndexer(db.tenant(s1), s1).reindex();
    await new SearchIndexer(db.tenant(s2), s2).reindex();
    const stat = (schema: string, query: string, searches: number) =>
      searchDb(db.tenant(schema)).insertInto('search_query_stats').values({ query, searches, last_results: 1, last_at: new Date() }).execute();
    await stat(s1, 'linen shirt', 5);
    await stat(s2, 'linen towel', 5);
    const search = new StoreSearchService(db, { freshnessMs: 0, suggestTtlMs: 60_000 });
    const a = { id: 'a', schema: s1 };
    const b = { id: 'b', schema: s2 };
    expect((await search.autocomplete(a, 'lin')).suggestions[0]).toBe('linen shirt');
    expect((await search.autocomplete(b, 'lin')).suggestions[0]).toBe('linen towel');
    expect(search.popularStats).toEqual({ hits: 0, misses: 2 });

    // Another process's stats are not seen within the TTL...
    await stat(s1, 'linen sheet', 9);
    expect((await search.autocomplete(a, 'lin')).suggestions[0]).toBe('linen shirt');
    expect(search.popularStats).toEqual({ hits: 1, misses: 2 });
    // ...but this process's own recorded searches drop the store's cached prefixes at the flush.
    await search.search(a, { q: 'linen shirt' }, { record: true });
    await search.flush();
    expect((await search.autocomplete(a, 'lin')).suggestions.slice(0, 2)).toEqual(['linen sheet', 'linen shirt']);
    expect((await search.autocomplete(b, 'lin')).suggestions[0]).toBe('linen towel');
    expect(search.popularStats).toEqual({ hits: 2, misses: 3 });

    // Without a TTL every request reads the stats.
    const fresh = new StoreSearchService(db, { freshnessMs: 0, suggestTtlMs: 0 });
    await fresh.autocomplete(a, 'lin');
    await stat(s1, 'linen scarf', 50);
    expect((await fresh.autocomplete(a, 'lin')).suggestions[0]).toBe('linen scarf');
    expect(fresh.popularStats).toEqual({ hits: 0, misses: 2 });
    await search.close();
    await fresh.close();
  });

  it('answers suggestions of a store with many past queries by one cached SQL read per prefix', async () => {
    const schema = await storeSchema();
    await product(schema, 'Linen Shirt');
    await new SearchIndexer(db.tenant(schema), schema).reindex();
    const rows = Array.from({ length: 5600 }, (_, i) => ({
      query: `q${String(i).padStart(5, '0')}`,
      searches: i % 97,
      last_results: i % 10 ? 1 : 0,
      last_at: new Date(),
    }));
    await searchDb(db.tenant(schema)).insertInto('search_query_stats').values(rows).execute();
    const expected = (prefix: string) =>
      rows
        .filter((r) => r.last_results > 0 && r.query.startsWith(prefix))
        .sort((x, y) => y.searches - x.searches || (x.query < y.query ? -1 : 1))
        .slice(0, 5)
        .map((r) => r.query);
    const search = new StoreSearchService(db, { freshnessMs: 0 });
    const store = { id: 's', schema };
    for (const prefix of ['q0', 'q012', 'q4999', 'q5']) expect((await search.autocomplete(store, prefix)).suggestions.slice(0, 5)).toEqual(expected(prefix));
    // 5,040 past queries with results: over the whole-store limit, so 1 store read (remembered as too big) + 4 prefix reads.
    expect(search.popularStats).toEqual({ hits: 3, misses: 5 });
    expect((await search.autocomplete(store, 'q012')).suggestions.slice(0, 5)).toEqual(expected('q012'));
    expect(search.popularStats).toEqual({ hits: 5, misses: 5 });
    await search.close();
  });

  it('picks the most searched past queries of a prefix from a sorted list', () => {
    const list = ['a', 'ab', 'abc', 'abd', 'abe', 'abf', 'abg', 'ac', 'b'].map((query, i) => ({ query, searches: i % 3 }));
    expect(popularIn(list, 'ab')).toEqual(['abc', 'abf', 'ab', 'abe', 'abd']);
    expect(popularIn(list, 'b')).toEqual(['b']);
    expect(popularIn(list, 'x')).toEqual([]);
    expect(popularIn([], 'a')).toEqual([]);
  });

  it('writes a snapshot of a loaded store, and a cold cache loads it and applies later writes on top', async () => {
    const schema = await storeSchema();
    const indexer = new SearchIndexer(db.tenant(schema), schema);
    const kettle = await product(schema, 'Copper Kettle', { sku: 'CK-1' });
    const lamp = await product(schema, 'Desk Lamp');
    await product(schema, 'Steel Kettle');
    await indexer.reindex();

    const first = new SearchIndexCache(db, { freshnessMs: 0, snapshotMinDocs: 1 });
    const fromRows = runSearch(await first.get(schema), { q: 'kettle' });
    await first.flushSnapshots();
    expect(first.stats).toMatchObject({ loads: 1, snapshotLoads: 0, snapshotWrites: 1, snapshotErrors: 0 });
    const snap = await searchDb(db.tenant(schema)).selectFrom('search_snapshots').select(['seq', 'chunk', 'chunks']).execute();
    expect(snap).toHaveLength(1);

    // writes after the snapshot: an edit and a delete
    await db.tenant(schema).updateTable('products').set({ title: 'Copper Teapot' }).where('id', '=', kettle).execute();
    await db.tenant(schema).updateTable('products').set({ status: 'draft' }).where('id', '=', lamp).execute();
    await indexer.indexProducts([kettle, lamp]);

    const cold = new SearchIndexCache(db, { freshnessMs: 0, snapshotMinDocs: 1 });
    const index = await cold.get(schema);
    expect(cold.stats).toMatchObject({ loads: 1, snapshotLoads: 1 });
    expect(index.seq).toBeGreaterThan(Number(snap[0]?.seq));
    const titles = (q: string) => runSearch(index, { q }).hits.map((h) => h.title);
    expect(titles('kettle')).toEqual(['Steel Kettle']);
    expect(titles('teapot')).toEqual(['Copper Teapot']);
    expect(titles('lamp')).toEqual([]);
    expect(runSearch(index, { q: 'ck-1' }).hits[0]?.title).toBe('Copper Teapot');

    // the same answers as a cache that loads every row, facets included
    const rows = new SearchIndexCache(db, { freshnessMs: 0, snapshotMinDocs: 0 });
    const full = await rows.get(schema);
    for (const q of ['kettle', 'teapot', 'coper', 'steel kettle', '']) expect(runSearch(index, { q })).toEqual(runSearch(full, { q }));
    expect(fromRows.total).toBe(2);

    // edits and deletes after the cold load reach documents restored from the snapshot (their forward lists are
    // ranges into the snapshot until then): rename one, delete one, bring the deleted lamp back
    const steel = runSearch(index, { q: 'steel' }).hits[0]?.productId;
    expect(steel).toBeDefined();
    await db
      .tenant(schema)
      .updateTable('products')
      .set({ title: 'Steel Stockpot' })
      .where('id', '=', steel as string)
      .execute();
    await db.tenant(schema).updateTable('products').set({ status: 'draft' }).where('id', '=', kettle).execute();
    await db.tenant(schema).updateTable('products').set({ status: 'active', title: 'Brass Desk Lamp' }).where('id', '=', lamp).execute();
    await indexer.indexProducts([steel as string, kettle, lamp]);
    const after = await cold.get(schema);
    expect(after).toBe(index);
    expect(titles('kettle')).toEqual([]);
    expect(titles('stockpot')).toEqual(['Steel Stockpot']);
    expect(titles('teapot')).toEqual([]);
    expect(titles('lamp')).toEqual(['Brass Desk Lamp']);
    expect(runSearch(index, { q: 'ck-1' }).total).toBe(0);
    const again = await new SearchIndexCache(db, { freshnessMs: 0, snapshotMinDocs: 0 }).get(schema);
    for (const q of ['kettle', 'stockpot', 'steel', 'lamp', 'brass lamp', 'teapot', '']) expect(runSearch(index, { q })).toEqual(runSearch(again, { q }));
  });

  it('ignores a snapshot of an older format, rebuilds from the rows and replaces it with one a later cold load uses', async () => {
    const schema = await storeSchema();
    const indexer = new SearchIndexer(db.tenant(schema), schema);
    await product(schema, 'Copper Kettle', { sku: 'CK-1' });
    await product(schema, 'Desk Lamp');
    await indexer.reindex();
    const t = searchDb(db.tenant(schema));
    const seq = (
      await t
        .selectFrom('search_documents')
        .select((eb) => eb.fn.max('seq').as('m'))
        .executeTakeFirstOrThrow()
    ).m;
    // what a process of the previous release left: format 102 (index format 1), at the store's current seq
    await t
      .insertInto('search_snapshots')
      .values({ seq: String(seq), chunk: 0, chunks: 1, format: 102, stop_words: '', data: Buffer.from('old') })
      .execute();

    const first = new SearchIndexCache(db, { freshnessMs: 0, snapshotMinDocs: 1 });
    const fromRows = runSearch(await first.get(schema), { q: 'kettle' });
    await first.flushSnapshots();
    expect(first.stats).toMatchObject({ loads: 1, snapshotLoads: 0, snapshotWrites: 1, snapshotErrors: 0 });
    const left = await t.selectFrom('search_snapshots').select(['seq', 'format']).execute();
    expect(left).toHaveLength(1);
    expect(left[0]?.format).not.toBe(102);

    const cold = new SearchIndexCache(db, { freshnessMs: 0, snapshotMinDocs: 1 });
    const index = await cold.get(schema);
    expect(cold.stats).toMatchObject({ loads: 1, snapshotLoads: 1 });
    expect(runSearch(index, { q: 'kettle' })).toEqual(fromRows);
  });

  it('keeps its stores within a byte budget, dropping the least recently used', async () => {
    const a = await storeSchema();
    const b = await storeSchema();
    for (const [schema, titles] of [
      [a, ['Copper Kettle', 'Steel Kettle']],
      [b, ['Desk Lamp', 'Floor Lamp', 'Lamp Shade']],
    ] as const) {
      for (const t of titles) await product(schema, t);
      await new SearchIndexer(db.tenant(schema), schema).reindex();
    }
    const probe = new SearchIndexCache(db, { freshnessMs: 0, snapshotMinDocs: 0 });
    const bytesA = estimateIndexBytes(await probe.get(a));
    const bytesB = estimateIndexBytes(await probe.get(b));
    expect(probe.size).toEqual({ stores: 2, documents: 5 });
    expect(probe.bytesUsed).toBe(bytesA + bytesB);
    expect(bytesB).toBeGreaterThan(bytesA);

    const cache = new SearchIndexCache(db, { freshnessMs: 0, snapshotMinDocs: 0, maxBytes: bytesA + bytesB - 1 });
    await cache.get(a);
    await cache.get(b);
    expect(cache.size).toEqual({ stores: 1, documents: 3 });
    expect(cache.bytesUsed).toBe(bytesB);
    expect(cache.stats.evictions).toBe(1);
    // the newest store stays even when it alone is over the budget
    const tiny = new SearchIndexCache(db, { freshnessMs: 0, snapshotMinDocs: 0, maxBytes: 1 });
    expect(runSearch(await tiny.get(b), { q: 'lamp' }).total).toBe(3);
    expect(tiny.size.stores).toBe(1);
  });
});
