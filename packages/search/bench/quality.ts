/**
 * `node --import tsx packages/search/bench/quality.ts [--config full|anchor] [--per-query DIR] [--set KEY=JSON ...]`
 *
 * Search-quality benchmark (see ../shared/bench/search/README.md): indexes
 * the CrowdFlower catalogue (name -> title, description -> description), runs
 * every dev query and every typo query through `search()` (top 100), writes
 * the run files to a temp dir, scores each with the shared evaluate.mjs and
 * prints its JSON lines (clean first, then typo), then one JSON line with the
 * index build time and per-query latency.
 *
 * The shared folder is `../shared` relative to the repository root, resolved
 * from this file's location. The data is read, never copied.
 *
 * --config anchor   reproduces the README's bm25f-name3 + Porter anchor
 * --set a.b=value   overrides one config value (JSON), for tuning on dev, e.g.
 *                   --set rerank.coverage=0.4 --set plan.prefix='"off"'
 */

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { DEFAULT_BM25F, DEFAULT_RERANK, type EngineConfig, InMemorySearchEngine } from '../src/index.ts';

const here = dirname(fileURLToPath(import.meta.url)); // <repo>/packages/search/bench
const repoRoot = resolve(here, '..', '..', '..');
const shared = resolve(repoRoot, '..', 'shared');
const dataDir = join(shared, 'data', 'search-relevance');
const benchDir = join(shared, 'bench', 'search');
const evaluator = join(benchDir, 'evaluate.mjs');

interface Product {
  id: string;
  name: string;
  description: string;
}
interface Query {
  id: string;
  text: string;
}

function readJsonl<T>(path: string): T[] {
  let buf = readFileSync(path);
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
  return buf
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

export const CONFIGS: Record<string, EngineConfig> = {
  /** The README's best anchor: BM25F name 3 / description 1, k1 1.2, b 0.75, Porter, runs of letters and digits. */
  anchor: {
    analyzer: { tokenizer: { splitAlphanumeric: false, joinHyphenated: false, apostrophes: false }, stopWords: new Set() },
    bm25f: DEFAULT_BM25F,
    rerank: null,
    plan: { typo: false, prefix: 'off', decompound: false, join: false, stopWords: false },
  },
  full: {
    bm25f: DEFAULT_BM25F,
    rerank: DEFAULT_RERANK,
    plan: {},
  },
};

function parseArgs(argv: string[]): { config: string; perQuery: string | null; sets: [string, unknown][] } {
  let config = 'full';
  let perQuery: string | null = null;
  const sets: [string, unknown][] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--config' && v) {
      config = v;
      i++;
    } else if (a === '--per-query' && v) {
      perQuery = v;
      i++;
    } else if (a === '--set' && v) {
      const eq = v.indexOf('=');
      if (eq < 0) throw new Error(`--set needs key=value, got ${v}`);
      sets.push([v.slice(0, eq), JSON.parse(v.slice(eq + 1))]);
      i++;
    } else throw new Error(`unknown argument ${a}`);
  }
  return { config, perQuery, sets };
}

function applySet(config: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const [head, ...rest] = path.split('.');
  if (head === undefined) return config;
  const cur = config[head];
  const next = rest.length === 0 ? value : applySet({ ...((cur as Record<string, unknown> | null | undefined) ?? {}) }, rest.join('.'), value);
  return { ...config, [head]: next };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx] as number;
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const base = CONFIGS[args.config];
  if (!base) throw new Error(`unknown config ${args.config} (${Object.keys(CONFIGS).join(', ')})`);
  let config = base as unknown as Record<string, unknown>;
  for (const [k, v] of args.sets) config = applySet(config, k, v);

  const products = readJsonl<Product>(join(dataDir, 'products.jsonl.gz'));
  const engine = new InMemorySearchEngine(config as EngineConfig);
  const t0 = performance.now();
  for (const p of products) engine.index({ id: p.id, title: p.name, description: p.description });
  // warm the lazily built lookups (typo deletion index, prefix array) as part of the build
  engine.search('warmup');
  const buildMs = performance.now() - t0;

  const sets: [string, Query[]][] = [
    ['clean', readJsonl<Query>(join(dataDir, 'queries-dev.jsonl'))],
    ['typo', readJsonl<Query>(join(benchDir, 'queries-typo.jsonl'))],
  ];
  const dir = mkdtempSync(join(tmpdir(), 'storeloom-search-'));
  const latencies: number[] = [];
  try {
    for (const [name, queries] of sets) {
      const lines: string[] = [];
      for (const q of queries) {
        const s = performance.now();
        const res = engine.search(q.text, { limit: 100 });
        latencies.push(performance.now() - s);
        lines.push(JSON.stringify({ query: q.id, products: res.hits.map((h) => h.id) }));
      }
      const runFile = join(dir, `${name}-run.jsonl`);
      writeFileSync(runFile, lines.join('\n') + '\n');
      const evalArgs = [evaluator, '--run', runFile];
      if (args.perQuery) evalArgs.push('--per-query', join(args.perQuery, `${name}-per-query.jsonl`));
      const out = execFileSync(process.execPath, evalArgs, { encoding: 'utf8' }).trim();
      process.stdout.write(`${out}\n`);
      if (args.perQuery) writeFileSync(join(args.perQuery, `${name}-run.jsonl`), lines.join('\n') + '\n');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  latencies.sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 100) / 100;
  process.stdout.write(
    `${JSON.stringify({
      config: args.config,
      lines: 'evaluate.mjs output above: clean dev queries, then typo queries',
      products: products.length,
      build_ms: Math.round(buildMs),
      queries: latencies.length,
      latency_ms_p50: round(percentile(latencies, 50)),
      latency_ms_p95: round(percentile(latencies, 95)),
      latency_ms_max: round(latencies[latencies.length - 1] ?? 0),
    })}\n`,
  );
}

main();
