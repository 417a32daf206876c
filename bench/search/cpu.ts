/**
 * In-process CPU harness for search latency (`node --import tsx bench/search/cpu.ts [--products 40000] [--rounds 3]`).
 *
 * Builds the latency bench's large store (bench/search/catalogue.ts: the same
 * rows, variants S/M with SKUs, prices and stock as the bulk insert) straight
 * into a store index in this process, then runs the bench's query mix through
 * the same code the storefront runs (`runSearch` with facets, and the CPU part
 * of autocomplete), one query at a time. CPU ms per query does not depend on
 * how many connections queue in front of the process, so it is the
 * load-independent figure to set beside the HTTP latencies. One JSON line per
 * figure on stdout. Add `--cpu-prof` to node for a profile.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  decodeStoreSnapshot,
  encodeOffsetCursor,
  encodeStoreSnapshot,
  estimateIndexBytes,
  type IndexedDoc,
  type LoadedIndex,
  autocompleteIndex,
  newStoreEngine,
  runSearch,
  type StoreConfig,
} from '@storeloom/store-search';
import { DEFAULT_BM25F, DEFAULT_RERANK, executePlan } from '@storeloom/search';
import { emit, progress } from '../lib/report.ts';
import { catalogue, indexCatalogue, latencyQueries } from './catalogue.ts';

const { values } = parseArgs({
  options: {
    products: { type: 'string' },
    rounds: { type: 'string' },
    only: { type: 'string' },
    dump: { type: 'string' },
    snapshot: { type: 'string' },
    'write-snapshot': { type: 'string' },
  },
});
const products = Number(values.products ?? 40_000);
const rounds = Number(values.rounds ?? 3);

const config: StoreConfig = { version: '1', stopWords: [], language: 'en', inStockBoost: 0, synonyms: [], pins: new Map() };
const heap0 = process.memoryUsage().heapUsed;
const t0 = performance.now();
let index: LoadedIndex;
if (values.snapshot) {
  // --snapshot FILE: the index decoded from a store snapshot written by `--write-snapshot FILE` (quicker iterations)
  const restored = await decodeStoreSnapshot(readFileSync(values.snapshot), config);
  index = { schema: 'bench', seq: 0, config, checkedAt: Date.now(), loadedAt: Date.now(), ...restored };
} else {
  const engine = newStoreEngine(config);
  const docs = new Map<string, IndexedDoc>();
  indexCatalogue(engine, docs, catalogue(products));
  engine.search('warmup');
  engine.store.trim();
  index = { schema: 'bench', engine, docs, seq: 0, config, checkedAt: Date.now(), loadedAt: Date.now() };
}
const { engine, docs } = index;
const buildMs = performance.now() - t0;
if (values['write-snapshot']) writeFileSync(values['write-snapshot'], await encodeStoreSnapshot(index));
if (global.gc) global.gc();
const heapMb = (process.memoryUsage().heapUsed - heap0) / 1e6;
progress(`built ${docs.size} documents in ${(buildMs / 1000).toFixed(1)} s, heap +${heapMb.toFixed(0)} MB`);
emit({ bench: 'search.cpu-build', metric: 'ms', value: buildMs, target: null, products: docs.size, heap_mb: heapMb });
emit({
  bench: 'search.index-memory',
  metric: 'heap_mb_per_1000_products',
  value: (heapMb * 1000) / docs.size,
  target: null,
  products: docs.size,
  heap_mb: heapMb,
  posting_arrays_mb: engine.store.postingBytes() / 1e6,
  // the cache's byte-budget estimate of this index, beside the measured heap (calibration)
  estimate_mb: estimateIndexBytes(index) / 1e6,
});

{
  // Cold load from a snapshot (what a process does for a store it has not cached): decode + first query.
  const e0 = performance.now();
  const snap = await encodeStoreSnapshot(index);
  const encodeMs = performance.now() - e0;
  const c0 = process.cpuUsage();
  const d0 = performance.now();
  const restored = await decodeStoreSnapshot(snap, config);
  const loaded: LoadedIndex = { ...index, ...restored };
  runSearch(loaded, { q: 'warmup' });
  const loadMs = performance.now() - d0;
  const cpu = process.cpuUsage(c0);
  progress(`snapshot ${(snap.length / 1e6).toFixed(1)} MB (encode ${encodeMs.toFixed(0)} ms); cold load from it ${loadMs.toFixed(0)} ms`);
  emit({
    bench: 'search.cold-load',
    metric: 'ms',
    value: loadMs,
    target: '<=2000',
    products: docs.size,
    cpu_ms: (cpu.user + cpu.system) / 1000,
    snapshot_mb: snap.length / 1e6,
    encode_ms: encodeMs,
    rebuild_ms: buildMs,
  });
}

const { search, prefixes } = latencyQueries();
if (values.dump) {
  // Results of every query (for checking that a speed change keeps the same answers), then exit.
  const lines: string[] = [];
  for (const q of search) lines.push(JSON.stringify({ q, r: runSearch(index, { q, limit: 48 }) }));
  for (const q of search)
    lines.push(JSON.stringify({ q, filtered: runSearch(index, { q, filters: { inStock: true, tag: ['red', 'sale'] }, sort: 'price_asc' }) }));
  for (const q of prefixes) lines.push(JSON.stringify({ q, ac: autocompleteIndex(index, q, [], 5) }));
  // deeper pages, the default in-stock boost and explain: the paths that reach past the reranked matches
  const boosted: LoadedIndex = { ...index, config: { ...config, inStockBoost: 0.1 } };
  for (const q of search) {
    lines.push(JSON.stringify({ q, page2: runSearch(index, { q, limit: 100, cursor: encodeOffsetCursor(960) }) }));
    lines.push(JSON.stringify({ q, boosted: runSearch(boosted, { q, limit: 24 }) }));
    lines.push(JSON.stringify({ q, explain: runSearch(boosted, { q, limit: 5, explain: true }).hits }));
  }
  writeFileSync(values.dump, `${lines.join('\n')}\n`);
  process.exit(0);
}
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
function measure(label: string, items: string[], run: (q: string) => unknown) {
  for (const q of items) run(q); // warm-up round
  const lat: number[] = [];
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  for (let r = 0; r < rounds; r++)
    for (const q of items) {
      const s = performance.now();
      run(q);
      lat.push(performance.now() - s);
    }
  const wall = performance.now() - w0;
  const cpu = process.cpuUsage(c0);
  lat.sort((a, b) => a - b);
  const n = lat.length;
  const fig = {
    queries: n,
    cpu_ms_per_query: (cpu.user + cpu.system) / 1000 / n,
    wall_ms_per_query: wall / n,
    p50_ms: pct(lat, 50),
    p95_ms: pct(lat, 95),
    p99_ms: pct(lat, 99),
    max_ms: lat.at(-1) ?? 0,
  };
  progress(
    `${label}: ${fig.cpu_ms_per_query.toFixed(2)} CPU ms/query, p50 ${fig.p50_ms.toFixed(2)} ms, p95 ${fig.p95_ms.toFixed(2)} ms, max ${fig.max_ms.toFixed(1)} ms`,
  );
  emit({ bench: label, metric: 'cpu_ms_per_query', value: fig.cpu_ms_per_query, target: null, products: docs.size, ...fig });
}
{
  // Stage-1 work (load-independent): postings scored by the top-k stage vs every posting of the plans' alternatives.
  let scored = 0;
  let total = 0;
  let docsScored = 0;
  let matches = 0;
  for (const q of search) {
    const m = executePlan(engine.store, engine.plan(q), { bm25f: DEFAULT_BM25F, rerank: DEFAULT_RERANK });
    scored += m.stats.postingsScored;
    total += m.stats.postingsTotal;
    docsScored += m.stats.docsScored;
    matches += m.count;
  }
  progress(`stage 1: ${scored} of ${total} postings scored (${((100 * scored) / total).toFixed(1)} %), ${docsScored} of ${matches} matches`);
  emit({
    bench: 'search.stage1-postings',
    metric: 'share_scored',
    value: scored / total,
    target: null,
    products: docs.size,
    postings_scored: scored,
    postings_total: total,
    docs_scored: docsScored,
    matches,
  });
}
if (!values.only || values.only === 'search') measure('search.cpu', search, (q) => runSearch(index, { q }));
if (!values.only || values.only === 'autocomplete') measure('search.cpu-autocomplete', prefixes, (q) => autocompleteIndex(index, q, [], 5));
