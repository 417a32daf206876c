/**
 * Validation tuning, on data before the benchmark's split date only:
 * `node --import tsx packages/reco/bench/tune.ts <val-split-dir>` where the
 * split dir was made with e.g. --train-end 2011-06-09 --test-end 2011-09-08.
 * The validation answers are rebuilt here from the shared lib (days <= the
 * validation --test-end, which precedes the benchmark's TEST window).
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type ScoringConfig, DEFAULT_SCORING, alsoBought, recommendForUser, trainRecommender } from '../src/index.ts';
import { loadSplit } from './load.ts';

const here = dirname(fileURLToPath(import.meta.url));
const shared = resolve(here, '..', '..', '..', '..', 'shared', 'bench', 'reco');
const dir = process.argv[2] as string;
const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as { train_end: string; test_end: string; seed: number; also_max: number };
if (meta.test_end >= '2011-09-09') throw new Error('validation must end before the benchmark split date');
const lib = (await import(pathToFileURL(join(shared, 'lib.mjs')).href)) as any;
const ab = (await import(pathToFileURL(join(shared, 'also-bought.mjs')).href)) as any;
const { events } = await lib.readCleanEvents();
const { train, test } = lib.splitEvents(events, { trainEnd: meta.train_end, testEnd: meta.test_end });
const items = lib.catalogue(train);
const queries = ab.sampleAlsoBought(test, items, { seed: meta.seed, max: meta.also_max }) as { id: number; item: string; target: string }[];
const users = lib.testUsers(train, test) as string[];
const trainItems = new Map<string, Set<string>>();
for (const e of train) {
  let s = trainItems.get(e.customer);
  if (!s) {
    s = new Set();
    trainItems.set(e.customer, s);
  }
  s.add(e.item);
}
const relAll = new Map<string, Set<string>>(users.map((u) => [u, new Set()]));
for (const e of test) relAll.get(e.customer)?.add(e.item);
const relNew = new Map<string, Set<string>>();
for (const [u, rel] of relAll) {
  const f = new Set([...rel].filter((x) => !trainItems.get(u)?.has(x)));
  if (f.size) relNew.set(u, f);
}
function metrics(list: string[], rel: Set<string>): [number, number] {
  let dcg = 0;
  let hr = 0;
  for (let r = 1; r <= Math.min(20, list.length); r++) {
    if (!rel.has(list[r - 1] as string)) continue;
    dcg += 1 / Math.log2(r + 1);
    if (r <= 10) hr = 1;
  }
  let idcg = 0;
  for (let r = 1; r <= Math.min(rel.size, 20); r++) idcg += 1 / Math.log2(r + 1);
  return [dcg / idcg, hr];
}

const inputs = loadSplit(dir);
const lambdas = (process.env.LAMBDAS ?? '300').split(',').map(Number);
// SEL_HL: easeSelectionHalfLifeDays
const blambdas = (process.env.BLAMBDAS ?? '0').split(',').map(Number);
const topK = Number(process.env.TOPK ?? 2000);
const evalAll = (model: ReturnType<typeof trainRecommender>, s: ScoringConfig) => {
  let a = 0;
  for (const [u, rel] of relAll) a += metrics(recommendForUser(model, u, { mode: 'all', n: 20 }, s), rel)[0];
  return a / relAll.size;
};
const evalNew = (model: ReturnType<typeof trainRecommender>, s: ScoringConfig) => {
  let a = 0;
  for (const [u, rel] of relNew) a += metrics(recommendForUser(model, u, { mode: 'new', n: 20 }, s), rel)[0];
  return a / relNew.size;
};
const evalAlso = (model: ReturnType<typeof trainRecommender>, s: ScoringConfig) => {
  let h = 0;
  for (const q of queries) h += metrics(alsoBought(model, q.item, 20, s), new Set([q.target]))[1];
  return h / queries.length;
};
const out = (o: unknown) => console.log(JSON.stringify(o));
for (const lambda of lambdas)
  for (const bl of blambdas) {
    const t = performance.now();
    const model = trainRecommender(inputs.interactions, inputs.catalogue, {
      easeLambda: lambda,
      easeTopK: topK,
      basketEaseLambda: bl,
      easeSelectionHalfLifeDays: Number(process.env.SEL_HL ?? Number.POSITIVE_INFINITY),
      easeRowHalfLifeDays: Number(process.env.ROW_HL ?? Number.POSITIVE_INFINITY),
    });
    out({ lambda, bl, trainS: ((performance.now() - t) / 1000).toFixed(1) });
    const grid = JSON.parse(process.env.GRID ?? '[]') as { task: 'all' | 'new' | 'also'; patch: Record<string, number> }[];
    const base = DEFAULT_SCORING;
    for (const g of grid) {
      const s: ScoringConfig = { ...base, [g.task]: { ...base[g.task], ...g.patch } } as ScoringConfig;
      const v = g.task === 'all' ? evalAll(model, s) : g.task === 'new' ? evalNew(model, s) : evalAlso(model, s);
      out({ lambda, bl, task: g.task, patch: g.patch, v: Number(v.toFixed(4)) });
    }
  }
