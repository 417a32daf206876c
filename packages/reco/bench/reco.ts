/**
 * Benchmark on the shared Online Retail split:
 *   node --import tsx packages/reco/bench/reco.ts [--train-end YYYY-MM-DD] [--test-end YYYY-MM-DD] [--out DIR]
 *
 * 1. runs ../shared/bench/reco/split.mjs (repo-relative, resolved from this file);
 * 2. trains the recommender from train.csv + items.csv through ../src only;
 * 3. writes all.jsonl / new.jsonl / also.jsonl in the evaluator's format;
 * 4. runs evaluate.mjs once per task and once for all three, printing each
 *    JSON line; the last line printed is the evaluator's combined report.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { alsoBought, recommendForUser, trainRecommender } from '../src/index.ts';
import { loadSplit } from './load.ts';

const here = dirname(fileURLToPath(import.meta.url)); // <repo>/packages/reco/bench
const repoRoot = resolve(here, '..', '..', '..');
const benchDir = resolve(repoRoot, '..', 'shared', 'bench', 'reco');
const splitJs = join(benchDir, 'split.mjs');
const evaluateJs = join(benchDir, 'evaluate.mjs');
if (!existsSync(splitJs)) {
  process.stderr.write(`bench:reco: split script not found at ${splitJs}\n`);
  process.exit(2);
}

const argv = process.argv.slice(2);
const pass: string[] = [];
let out = resolve(here, '..', '.bench-out');
for (let i = 0; i < argv.length; i++) {
  const a = argv[i] as string;
  const v = argv[i + 1];
  if ((a === '--train-end' || a === '--test-end') && v !== undefined) {
    pass.push(a, v);
    i++;
  } else if (a === '--out' && v !== undefined) {
    out = resolve(v);
    i++;
  } else {
    process.stderr.write(`usage: reco.ts [--train-end YYYY-MM-DD] [--test-end YYYY-MM-DD] [--out DIR]\n`);
    process.exit(2);
  }
}
const splitDir = join(out, 'split');
mkdirSync(splitDir, { recursive: true });

function run(script: string, args: string[]): string {
  const r = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) {
    process.stderr.write(r.stderr);
    process.exit(r.status ?? 1);
  }
  return r.stdout;
}

run(splitJs, ['--out', splitDir, ...pass]);
const inputs = loadSplit(splitDir);

// Training: time and peak memory (sampled RSS/heap while training, plus the process's max RSS).
let peakRss = 0;
let peakHeap = 0;
const sample = () => {
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed + m.arrayBuffers);
};
sample();
const rssBefore = process.memoryUsage().rss;
const timer = setInterval(sample, 50);
const t0 = performance.now();
const model = trainRecommender(inputs.interactions, inputs.catalogue);
const trainMs = performance.now() - t0;
sample();
clearInterval(timer);

const t1 = performance.now();
const lines = (rows: object[]) => `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`;
const allPath = join(out, 'all.jsonl');
const newPath = join(out, 'new.jsonl');
const alsoPath = join(out, 'also.jsonl');
writeFileSync(allPath, lines(inputs.users.map((u) => ({ user: u, items: recommendForUser(model, u, { mode: 'all', n: 100 }) }))));
writeFileSync(newPath, lines(inputs.users.map((u) => ({ user: u, items: recommendForUser(model, u, { mode: 'new', n: 100 }) }))));
// One list per distinct query item answers every query of that item.
const qItems = [...new Set(inputs.queries.map((q) => q.item))];
writeFileSync(alsoPath, lines(qItems.map((it) => ({ item: it, items: alsoBought(model, it, 100) }))));
const scoreMs = performance.now() - t1;
sample();

const mib = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;
process.stdout.write(
  `${JSON.stringify({
    engine: '@storeloom/reco',
    train_s: Math.round(trainMs / 100) / 10,
    score_s: Math.round(scoreMs / 100) / 10,
    peak_rss_mib: mib(Math.max(peakRss, process.resourceUsage().maxRSS * 1024)),
    rss_before_train_mib: mib(rssBefore),
    peak_heap_plus_buffers_mib: mib(peakHeap),
    items: model.ds.itemIds.length,
    customers: model.ds.userIds.length,
    ease_items: model.ease.size,
    config: model.train,
  })}\n`,
);
const base = ['--split', splitDir];
process.stdout.write(run(evaluateJs, [...base, '--pred-all', allPath]));
process.stdout.write(run(evaluateJs, [...base, '--pred-new', newPath]));
process.stdout.write(run(evaluateJs, [...base, '--pred-also', alsoPath]));
process.stdout.write(run(evaluateJs, [...base, '--pred-all', allPath, '--pred-new', newPath, '--pred-also', alsoPath]));
