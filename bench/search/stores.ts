/**
 * Memory of one serving process with many stores' indexes in its search cache
 * (`node --expose-gc --import tsx bench/search/stores.ts [--stores 1000] [--products 100] [--budget-mb 512] [--distinct 20]`).
 *
 * Builds `--distinct` different small stores from the latency bench's
 * catalogue (bench/search/catalogue.ts; consecutive slices of `--products`
 * products), snapshots each (the format a cold load reads), then decodes
 * snapshots round-robin into `--stores` separate store indexes and hands them
 * to one `SearchIndexCache` with a byte budget, the way a storefront process
 * fills its cache from cold loads. Prints the process's heap and RSS, the
 * cache's estimated bytes and how many stores the budget kept, plus the
 * per-store snapshot size and decode time (a cold load's CPU part).
 */
import { parseArgs } from 'node:util';
import type { Database } from '@storeloom/db';
import {
  decodeStoreSnapshot,
  encodeStoreSnapshot,
  type IndexedDoc,
  type LoadedIndex,
  newStoreEngine,
  runSearch,
  SearchIndexCache,
  type StoreConfig,
} from '@storeloom/store-search';
import { emit, progress } from '../lib/report.ts';
import { catalogue, indexCatalogue } from './catalogue.ts';

const { values } = parseArgs({
  options: { stores: { type: 'string' }, products: { type: 'string' }, 'budget-mb': { type: 'string' }, distinct: { type: 'string' } },
});
const stores = Number(values.stores ?? 1000);
const perStore = Number(values.products ?? 100);
const budgetMb = Number(values['budget-mb'] ?? 512);
const distinct = Math.min(stores, Number(values.distinct ?? 20));

const config: StoreConfig = { version: '1', stopWords: [], language: 'en', inStockBoost: 0.1, synonyms: [], pins: new Map() };
const rows = catalogue(perStore * distinct);
const gc = () => (global.gc ? global.gc() : undefined);

const snapshots: Uint8Array[] = [];
for (let s = 0; s < distinct; s++) {
  const engine = newStoreEngine(config);
  const docs = new Map<string, IndexedDoc>();
  indexCatalogue(engine, docs, rows, s * perStore, (s + 1) * perStore);
  engine.store.trim();
  snapshots.push(await encodeStoreSnapshot({ schema: `s${s}`, engine, docs, seq: 0, config, checkedAt: 0, loadedAt: 0 }));
}
const snapshotBytes = snapshots.reduce((a, b) => a + b.length, 0) / snapshots.length;
progress(`${distinct} distinct stores of ${perStore} products, snapshot ${(snapshotBytes / 1024).toFixed(1)} KB each (gzip)`);

gc();
const heap0 = process.memoryUsage().heapUsed;
const rss0 = process.memoryUsage().rss;
// The cache never touches the database here: entries are handed to it as a cold load would produce them.
const cache = new SearchIndexCache(null as unknown as Database, { maxBytes: budgetMb * 1024 * 1024, snapshotMinDocs: 0 });
const c0 = process.cpuUsage();
const t0 = performance.now();
for (let s = 0; s < stores; s++) {
  const restored = await decodeStoreSnapshot(snapshots[s % distinct] as Uint8Array, config);
  const now = Date.now();
  const entry: LoadedIndex = { schema: `store_${s}`, ...restored, seq: 0, config, checkedAt: now, loadedAt: now };
  runSearch(entry, { q: 'red' }); // first query (lazy lookups built, as after a real load)
  cache.put(entry);
}
const decodeMs = (performance.now() - t0) / stores;
const cpu = process.cpuUsage(c0);
gc();
const mem = process.memoryUsage();
const size = cache.size;
const fig = {
  stores_loaded: stores,
  stores_kept: size.stores,
  products_per_store: perStore,
  budget_mb: budgetMb,
  estimated_mb: cache.bytesUsed / 1e6,
  heap_mb: (mem.heapUsed - heap0) / 1e6,
  rss_mb: mem.rss / 1e6,
  rss_growth_mb: (mem.rss - rss0) / 1e6,
  array_buffers_mb: mem.arrayBuffers / 1e6,
  evictions: cache.stats.evictions,
  snapshot_kb: snapshotBytes / 1024,
  cold_load_cpu_ms: (cpu.user + cpu.system) / 1000 / stores,
  cold_load_wall_ms: decodeMs,
};
progress(
  `${stores} stores loaded, ${size.stores} kept within ${budgetMb} MB (estimate ${fig.estimated_mb.toFixed(0)} MB): heap +${fig.heap_mb.toFixed(0)} MB, RSS ${fig.rss_mb.toFixed(0)} MB; decode ${fig.cold_load_cpu_ms.toFixed(1)} CPU ms per store`,
);
emit({ bench: 'search.cache-stores', metric: 'heap_mb', value: fig.heap_mb, target: null, ...fig });
emit({ bench: 'search.cache-stores-budget', metric: 'heap_mb_over_budget', value: fig.heap_mb / budgetMb, target: '<=1', ...fig });
