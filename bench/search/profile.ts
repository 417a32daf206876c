/**
 * Phase profiler for the search harness (not part of `npm run bench`):
 * `node --expose-gc --import tsx bench/search/profile.ts --snapshot FILE [--build] [--out DIR]`.
 * With --build it builds the 40k bench store and writes its store snapshot to FILE; otherwise it
 * reads FILE and writes one .cpuprofile per phase (cold load, search mix, autocomplete mix) to DIR.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  autocompleteIndex,
  decodeStoreSnapshot,
  encodeStoreSnapshot,
  type IndexedDoc,
  type LoadedIndex,
  newStoreEngine,
  runSearch,
  type StoreConfig,
} from '@storeloom/store-search';
import { catalogue, indexCatalogue, latencyQueries } from './catalogue.ts';

const { values } = parseArgs({ options: { snapshot: { type: 'string' }, build: { type: 'boolean' }, out: { type: 'string' }, products: { type: 'string' } } });
const file = values.snapshot ?? '/tmp/search-40k.snap';
const config: StoreConfig = { version: '1', stopWords: [], language: 'en', inStockBoost: 0, synonyms: [], pins: new Map() };
if (values.build) {
  const engine = newStoreEngine(config);
  const docs = new Map<string, IndexedDoc>();
  indexCatalogue(engine, docs, catalogue(Number(values.products ?? 40_000)));
  engine.search('warmup');
  engine.store.trim();
  const index: LoadedIndex = { schema: 'bench', engine, docs, seq: 0, config, checkedAt: Date.now(), loadedAt: Date.now() };
  writeFileSync(file, await encodeStoreSnapshot(index));
  process.exit(0);
}
const out = values.out ?? '/tmp/search-prof';
mkdirSync(out, { recursive: true });
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 200 });
async function phase<T>(name: string, run: () => Promise<T> | T): Promise<T> {
  if (global.gc) global.gc();
  await session.post('Profiler.start');
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const v = await run();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(join(out, `${name}.cpuprofile`), JSON.stringify(profile));
  console.log(JSON.stringify({ phase: name, wall_ms: Math.round(wall), cpu_ms: Math.round((cpu.user + cpu.system) / 1000) }));
  return v;
}
const bytes = readFileSync(file);
const index = await phase('cold-load', async () => {
  const restored = await decodeStoreSnapshot(bytes, config);
  const loaded: LoadedIndex = { schema: 'bench', seq: 0, config, checkedAt: Date.now(), loadedAt: Date.now(), ...restored };
  runSearch(loaded, { q: 'warmup' });
  return loaded;
});
const { search, prefixes } = latencyQueries();
for (const q of search) runSearch(index, { q });
const lat: number[] = [];
await phase('search', () => {
  for (const q of search) {
    const s = performance.now();
    runSearch(index, { q });
    lat.push(performance.now() - s);
  }
});
lat.sort((a, b) => a - b);
console.log(
  JSON.stringify({ search_p50: lat[Math.floor(lat.length / 2)]?.toFixed(1), p95: lat[Math.floor(lat.length * 0.95)]?.toFixed(1), max: lat.at(-1)?.toFixed(1) }),
);
await phase('autocomplete', () => {
  for (const q of prefixes) autocompleteIndex(index, q, [], 5);
});
