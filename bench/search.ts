/**
 * `npm run bench:search [-- --queries F --qrels F] [--latency [--products N] [--embedded | --embedded-only] [--embedded-connections 2]]`
 *
 * Quality (default): a fresh database and the real control plane, worker and
 * storefront processes; the labelled catalogue of ../shared/data/search-relevance
 * is imported through the merchant CSV import API (name -> Title, description ->
 * Body, dataset id in the handle `cf-<id>`), the worker indexes it, and every
 * query goes to the storefront's GET /api/storefront/v1/search?q=…&limit=100
 * exactly as typed. Run files are written to a temp dir and scored with the
 * shared evaluator; its JSON line is printed for the clean dev queries, then
 * for the typo queries (last). With --queries/--qrels only that set runs.
 *
 * Latency (--latency): see bench/search/latency.ts.
 *
 * Cross-validation (--cv K [--fit none|bm25|fields|rerank|rerankx|prior|prf|prfw|spelling|spellingx|context|contextx|all] [--seed N]
 * [--seeds N,N,...] [--min-gain X] [--set key=json] [--vs key=json] [--check] [--typos file|synthetic:N[:seed]]): see
 * bench/search/cv.ts; in process against the built index, no HTTP. --seeds repeats the run on several fold splits;
 * --typos synthetic:N[:seed] scores N generated typos per dev query (bench/search/typos.ts) instead of the shared file.
 *
 * The data is read from ../shared, never copied into the repository.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { cleanupAll, onCleanup } from './lib/cleanup.ts';
import { createBenchDatabase } from './lib/database.ts';
import { REDIS_URL } from './lib/env.ts';
import { ROOT } from './lib/paths.ts';
import { progress } from './lib/report.ts';
import { runCv, runRepeatedCv } from './search/cv.ts';
import { parseTypoSpec, syntheticTypos } from './search/typos.ts';
import { runLatency } from './search/latency.ts';
import { type CsvProduct, importAndIndex, merchantWithStore, startSearchPlatform, storefrontGet, toCsv } from './search/platform.ts';

export const SHARED = resolve(ROOT, '..', 'shared');
const DATA = join(SHARED, 'data', 'search-relevance');
const EVALUATOR = join(SHARED, 'bench', 'search', 'evaluate.mjs');

export function readJsonl<T>(path: string): T[] {
  let buf = readFileSync(path);
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
  return buf
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

export interface LabelledProduct {
  id: string;
  name: string;
  description: string;
}

export const labelledCsvProducts = (): CsvProduct[] =>
  readJsonl<LabelledProduct>(join(DATA, 'products.jsonl.gz')).map((p) => ({
    handle: `cf-${p.id}`,
    title: p.name,
    description: p.description,
    sku: '',
    price: '10.00',
    qty: 5,
  }));

/** Sends each query to the storefront search API (a few at a time) and returns dataset ids, best first. */
async function runQueries(port: number, host: string, queries: { id: string; text: string }[]): Promise<{ query: string; products: string[] }[]> {
  const out: { query: string; products: string[] }[] = new Array(queries.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      const q = queries[i];
      if (!q) return;
      const res = await storefrontGet(port, host, `/api/storefront/v1/search?q=${encodeURIComponent(q.text)}&limit=100`);
      if (res.status !== 200) throw new Error(`query ${q.id}: ${res.status} ${res.body.slice(0, 500)}`);
      const body = JSON.parse(res.body) as { hits: { handle: string }[] };
      out[i] = { query: q.id, products: body.hits.map((h) => h.handle.replace(/^cf-/, '')) };
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return out;
}

async function quality(args: { queries?: string; qrels?: string }) {
  const dir = mkdtempSync(join(tmpdir(), 'storeloom-search-bench-'));
  onCleanup('remove run files', () => rmSync(dir, { recursive: true, force: true }));
  const database = await createBenchDatabase('search');
  const platform = await startSearchPlatform({ databaseUrl: database.url, redisUrl: REDIS_URL, logDir: dir, workerConcurrency: 4 });
  const { cookie, storeId, slug } = await merchantWithStore(platform.api);
  const products = labelledCsvProducts();
  progress(`importing ${products.length} products into store ${slug}`);
  // Four files imported side by side (the worker runs jobs concurrently): the same path, less wall time.
  const parts = [0, 1, 2, 3].map((k) => toCsv(products.filter((_, i) => i % 4 === k)));
  const { importMs, indexWaitMs } = await importAndIndex(platform.api, cookie, storeId, parts);
  progress(`import ${(importMs / 1000).toFixed(1)} s, then indexing finished ${(indexWaitMs / 1000).toFixed(1)} s later`);
  const host = `${slug}.localhost`;
  const port = platform.storefrontPort;
  const sets: { label: string; queries: string; qrels?: string }[] = args.queries
    ? [{ label: 'custom', queries: args.queries, ...(args.qrels ? { qrels: args.qrels } : {}) }]
    : [
        { label: 'clean', queries: join(DATA, 'queries-dev.jsonl') },
        { label: 'typo', queries: join(SHARED, 'bench', 'search', 'queries-typo.jsonl') },
      ];
  // First query loads the store's index into the storefront's cache.
  const warm = await storefrontGet(port, host, '/api/storefront/v1/search?q=warmup');
  if (warm.status !== 200) throw new Error(`storefront search: ${warm.status} ${warm.body.slice(0, 500)}`);
  const lines: string[] = [];
  for (const s of sets) {
    const queries = readJsonl<{ id: string; text: string }>(s.queries);
    const t0 = Date.now();
    const run = await runQueries(port, host, queries);
    progress(`${s.label}: ${queries.length} queries in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const runFile = join(dir, `${s.label}-run.jsonl`);
    writeFileSync(runFile, `${run.map((r) => JSON.stringify(r)).join('\n')}\n`);
    const line = execFileSync(process.execPath, [EVALUATOR, '--run', runFile, ...(s.qrels ? ['--qrels', s.qrels] : [])], { encoding: 'utf8' }).trim();
    lines.push(line);
  }
  for (const l of lines) process.stdout.write(`${l}\n`);
}

async function main() {
  const { values } = parseArgs({
    options: {
      queries: { type: 'string' },
      qrels: { type: 'string' },
      latency: { type: 'boolean', default: false },
      products: { type: 'string' },
      embedded: { type: 'boolean', default: false },
      'embedded-only': { type: 'boolean', default: false },
      'embedded-connections': { type: 'string' },
      duration: { type: 'string' },
      connections: { type: 'string' },
      cv: { type: 'string' },
      fit: { type: 'string', multiple: true },
      seed: { type: 'string' },
      seeds: { type: 'string' },
      'min-gain': { type: 'string' },
      set: { type: 'string', multiple: true },
      vs: { type: 'string', multiple: true },
      check: { type: 'boolean', default: false },
      typos: { type: 'string' },
    },
  });
  if (values.cv) {
    const qrels = new Map<string, Map<string, number>>();
    for (const line of readFileSync(join(DATA, 'qrels-dev.csv'), 'utf8').split('\n').slice(1)) {
      const [q, p, g] = line.split(',');
      if (!q || !p || g === undefined) continue;
      let m = qrels.get(q);
      if (!m) {
        m = new Map();
        qrels.set(q, m);
      }
      m.set(p, Number(g));
    }
    const data = {
      products: readJsonl<LabelledProduct>(join(DATA, 'products.jsonl.gz')),
      clean: readJsonl<{ id: string; text: string }>(join(DATA, 'queries-dev.jsonl')),
      typo: readJsonl<{ id: string; text: string }>(join(SHARED, 'bench', 'search', 'queries-typo.jsonl')),
      typoSet: 'file',
      qrels,
    };
    const typos = parseTypoSpec(values.typos);
    if (typos.kind === 'synthetic') {
      data.typo = syntheticTypos(data.clean, typos.n, typos.seed);
      data.typoSet = `synthetic:${typos.n}:${typos.seed}`;
    }
    const pairs = (kvs: string[] | undefined, flag: string) =>
      (kvs ?? []).map((kv): [string, unknown] => {
        const eq = kv.indexOf('=');
        if (eq < 0) throw new Error(`${flag} needs key=json, got ${kv}`);
        return [kv.slice(0, eq), JSON.parse(kv.slice(eq + 1))];
      });
    const sets = pairs(values.set, '--set');
    const vs = pairs(values.vs, '--vs');
    const options = {
      k: Number(values.cv),
      ...(values.seed ? { seed: Number(values.seed) } : {}),
      fit: values.fit ?? ['none'],
      sets,
      vs,
      ...(values['min-gain'] ? { minGain: Number(values['min-gain']) } : {}),
      ...(values.check ? { check: { evaluator: EVALUATOR } } : {}),
    };
    if (values.seeds) runRepeatedCv(data, options, values.seeds.split(',').map(Number));
    else runCv(data, options);
  } else if (values.latency)
    await runLatency({
      products: Number(values.products ?? 40_000),
      embedded: (values.embedded ?? false) || (values['embedded-only'] ?? false),
      embeddedOnly: values['embedded-only'] ?? false,
      embeddedConnections: Number(values['embedded-connections'] ?? 2),
      durationS: Number(values.duration ?? 20),
      connections: Number(values.connections ?? 8),
    });
  else await quality({ ...(values.queries ? { queries: values.queries } : {}), ...(values.qrels ? { qrels: values.qrels } : {}) });
}

try {
  await main();
} catch (e) {
  progress(`failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exitCode = 1;
} finally {
  await cleanupAll();
}
