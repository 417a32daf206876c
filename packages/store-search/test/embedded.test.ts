/** The search tables, indexer, cache and settings on the embedded database (PGlite, a newer Postgres than the machine's 15). */
import { ProductService, UNLIMITED_CATALOG } from '@storeloom/catalog';
import { type Database, migrateTenant } from '@storeloom/db';
import { createEmbeddedTestDatabase, type TestDatabase } from '@storeloom/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SearchIndexer } from '../src/indexer.ts';
import { StoreSearchService } from '../src/service.ts';

describe('search on embedded Postgres (PGlite)', () => {
  let tdb: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    tdb = await createEmbeddedTestDatabase({ poolMax: 4 });
    db = tdb.db;
  }, 300_000);
  afterAll(async () => {
    await tdb?.drop();
  });

  it('indexes, searches with facets and typos, follows edits and records analytics', async () => {
    const schema = 't_embedded_search';
    await migrateTenant(db, schema);
    const products = new ProductService(db.tenant(schema), UNLIMITED_CATALOG);
    const lamp = await products.create({ title: 'Brass Desk Lamp', status: 'active', vendor: 'Lumen', variants: [{ price: 5900, inventoryQuantity: 2 }] });
    await products.create({ title: 'Paper Floor Lamp', status: 'active', vendor: 'Washi', variants: [{ price: 12900, inventoryQuantity: 0 }] });
    const indexer = new SearchIndexer(db.tenant(schema), schema);
    expect(await indexer.reindex()).toMatchObject({ indexed: 2, products: 2 });
    const search = new StoreSearchService(db, { freshnessMs: 0 });
    const store = { id: 'e', schema };
    const r = await search.search(store, { q: 'lmap' }, { record: true });
    expect(r.total).toBe(2);
    expect(r.didYouMean).toBe('lamp');
    expect(r.facets?.inStock).toBe(1);
    await products.update(lamp.id, { version: lamp.version, title: 'Brass Reading Lamp' });
    await indexer.indexProducts([lamp.id]);
    expect((await search.search(store, { q: 'reading' })).hits.map((h) => h.title)).toEqual(['Brass Reading Lamp']);
    await search.addSynonym(store, { kind: 'two_way', terms: ['light', 'lamp'] });
    expect((await search.search(store, { q: 'light' })).total).toBe(2);
    expect((await search.autocomplete(store, 'bra')).products.map((p) => p.title)).toEqual(['Brass Reading Lamp']);
    expect(await indexer.check()).toMatchObject({ missing: 0, stale: 0, orphaned: 0 });
    const stats = await search.analytics(store, 1);
    expect(stats.topQueries.map((q) => q.query)).toEqual(['lmap']);
  });
});
