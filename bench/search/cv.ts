/**
 * `npm run bench:search -- --cv 5 [--fit none|bm25|fields|rerank|rerankx|prior|prf|prfw|spelling|spellingx|context|contextx|all] [--seed 20261207 | --seeds 20261207,1,2]
 *  [--min-gain 0.002] [--set key=json ...] [--vs key=json ...] [--typos file|synthetic:N[:seed]]`
 *
 * K-fold cross-validation of search quality on the dev queries (issue 23, target 6). The held-out queries are
 * never seen here; this gives an honest estimate of how a configuration does on queries it was not chosen on.
 *
 * - Index: the labelled catalogue built in this process into a store engine with the storefront's configuration
 *   (`newStoreEngine`, the documents `buildDocuments` makes from the imported CSV: title, description as text), so
 *   the scoring is the platform's without HTTP. `--check` also scores the full dev set of the base configuration
 *   with the shared evaluate.mjs, to set beside `npm run bench:search` (the platform path): they must be equal.
 * - Folds: the dev query ids shuffled by a seeded PRNG (mulberry32, `--seed`, default 20261207) and dealt round-robin
 *   into k folds; a typo query is in the fold of its clean query (same id).
 * - Typo set: the shared queries-typo.jsonl (one typo per dev query, the default), or with `--typos synthetic:N[:seed]`
 *   N typos per dev query drawn by the same documented process (bench/search/typos.ts; default seed 1). A query's typo
 *   NDCG@10 is the mean over its variants; `--check` then compares the clean run only (evaluate.mjs takes one line per
 *   query).
 * - Fitting: with `--fit AXES`, every parameter of those axes is fitted on the k−1 training folds by coordinate ascent
 *   over a fixed grid (two passes, starting from the base configuration), maximising the mean of clean and typo
 *   NDCG@10 on the training queries; the fitted configuration is scored on the held fold. `--fit none` scores the base
 *   configuration on each fold (nothing learned). `--min-gain X` makes each fitted move earn more than X on the
 *   training folds (a fit shrunk toward the base configuration).
 * - `--set key=json` changes the base configuration (e.g. `--set rerank.weights.head=0.5`), to compare candidates.
 * - Every fold is also scored with the shipped configuration (or the one `--vs key=json` makes of it), and the summary
 *   gives the paired per-fold differences (mean and standard error) and whether they pass the decision rule
 *   (docs/design/search.md, round 11: a gain above two standard errors on clean or typo, no such loss on the other).
 * - `--seeds a,b,c` repeats the whole run on several fold splits (one engine, one score cache) and summarises how
 *   the paired gain, its standard error, the worst fold and the rule's verdict vary with the split: the noise floor a
 *   gain of a few thousandths has to clear.
 * - NDCG@10 is computed here exactly as evaluate.mjs does (gain 2^g − 1, log2 discount, ideal from every judged
 *   product, unjudged = 0).
 *
 * Prints one JSON line per fold (`search.cv-fold`), then the summary (`search.cv`: mean ± sd over folds of clean and
 * typo NDCG@10 and typo loss, with the held-out targets) and, for fitted runs, the parameters fitted on all dev
 * queries (what would ship).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Bm25fParams,
  buildPlan,
  DEFAULT_BM25F,
  DEFAULT_RERANK,
  DEFAULT_SPELLING_CONTEXT,
  executePlan,
  type PlanOptions,
  type RerankWeights,
} from '@storeloom/search';
import { htmlToText, newStoreEngine } from '@storeloom/store-search';
import { topK } from '@storeloom/collections';
import { emit, progress } from '../lib/report.ts';
import { mulberry32 } from './typos.ts';

export interface Candidate {
  bm25f: Bm25fParams;
  rerank: RerankWeights | null;
  plan: PlanOptions;
}

export interface Labelled {
  products: { id: string; name: string; description: string }[];
  clean: { id: string; text: string }[];
  /**
   * Typo queries; several may share a query id (`--typos synthetic:N`): a query's typo NDCG@10 is then the mean over
   * its variants, so every query weighs the same in a fold whatever N is.
   */
  typo: { id: string; text: string }[];
  /** Which typo set `typo` is ('file': the shared queries-typo.jsonl, the default; or 'synthetic:N:seed'). */
  typoSet?: string;
  /** query id -> product id -> grade */
  qrels: Map<string, Map<string, number>>;
}

export const HELD_OUT_TARGETS = { clean: 0.8108, typoLoss: 0.05 } as const;
const DEFAULT_SEED = 20261207;

export const baseCandidate = (): Candidate => structuredClone({ bm25f: DEFAULT_BM25F, rerank: DEFAULT_RERANK, plan: {} }) as Candidate;

/** Fold of each query id: ids sorted, shuffled (Fisher–Yates, seeded), dealt round-robin. */
export function assignFolds(ids: readonly string[], k: number, seed = DEFAULT_SEED): Map<string, number> {
  const order = [...ids].sort();
  const rnd = mulberry32(seed);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [order[i], order[j]] = [order[j] as string, order[i] as string];
  }
  return new Map(order.map((id, i) => [id, i % k]));
}

const DISC = Array.from({ length: 11 }, (_, r) => (r === 0 ? 0 : 1 / Math.log2(r + 1)));
const gain = (g: number) => 2 ** g - 1;

/** NDCG@10 of one ranked list, as evaluate.mjs computes it (null when the query has no judged gain). */
export function ndcg10(list: readonly string[], judged: ReadonlyMap<string, number>): number | null {
  const ideal = [...judged.values()].sort((a, b) => b - a);
  let idcg = 0;
  for (let r = 1; r <= Math.min(10, ideal.length); r++) idcg += gain(ideal[r - 1] as number) * (DISC[r] as number);
  if (idcg <= 0) return null;
  const seen = new Set<string>();
  let dcg = 0;
  let r = 0;
  for (const id of list) {
    if (seen.has(id)) continue;
    seen.add(id);
    r++;
    if (r > 10) break;
    dcg += gain(judged.get(id) ?? 0) * (DISC[r] as number);
  }
  return dcg / idcg;
}

export type StoreEngine = ReturnType<typeof newStoreEngine>;

/** The catalogue indexed as the storefront indexes the imported products (default store configuration). */
export function buildEngine(data: Labelled): StoreEngine {
  const engine = newStoreEngine({ stopWords: [], synonyms: [] });
  for (const p of data.products)
    engine.index({ id: p.id, title: p.name, description: htmlToText(p.description), tags: [], collections: [], options: [], skus: [] });
  engine.search('warmup');
  return engine;
}

/** Top `limit` product ids for one query under a candidate configuration (the storefront's relevance order). */
export function searchIds(engine: StoreEngine, text: string, c: Candidate, limit = 100): string[] {
  const plan = buildPlan(text, { analyzer: engine.analyzer, index: engine.store, lexicon: engine.lexicon, synonyms: engine.synonyms }, c.plan);
  const m = executePlan(engine.store, plan, { bm25f: c.bm25f, rerank: c.rerank });
  const { scores, ordinals } = m;
  const select = () =>
    topK(m.count, limit, (a, b) => {
      const d = (scores[a] as number) - (scores[b] as number);
      return d > 0 || (d === 0 && (ordinals[a] as number) < (ordinals[b] as number));
    });
  let order = select();
  if (m.pruned > 0 && (order.length === 0 || (scores[order[order.length - 1] as number] as number) <= m.pruneBound)) {
    m.complete();
    order = select();
  }
  const out: string[] = [];
  for (const i of order) {
    const id = engine.store.idOf(ordinals[i] as number);
    if (id !== undefined) out.push(id);
  }
  return out;
}

/** Per-query NDCG@10 (clean and typo, by query id) of a candidate, cached by its JSON. */
export class Scorer {
  private cache = new Map<string, { clean: Map<string, number>; typo: Map<string, number> }>();
  evaluations = 0;
  constructor(
    readonly engine: StoreEngine,
    readonly data: Labelled,
  ) {}

  scores(c: Candidate): { clean: Map<string, number>; typo: Map<string, number> } {
    const key = JSON.stringify(c);
    const hit = this.cache.get(key);
    if (hit) return hit;
    this.evaluations++;
    const run = (qs: { id: string; text: string }[]) => {
      const sum = new Map<string, { total: number; n: number }>();
      // a query's synthetic variants repeat texts (e.g. a query with no long word is unchanged): search each once
      const byText = new Map<string, number>();
      for (const q of qs) {
        const judged = this.data.qrels.get(q.id);
        if (!judged) continue;
        const textKey = `${q.id}\u0000${q.text}`;
        let v = byText.get(textKey);
        if (v === undefined) {
          v = ndcg10(searchIds(this.engine, q.text, c, 10), judged) ?? 0;
          byText.set(textKey, v);
        }
        const acc = sum.get(q.id) ?? { total: 0, n: 0 };
        acc.total += v;
        acc.n++;
        sum.set(q.id, acc);
      }
      return new Map([...sum].map(([id, a]) => [id, a.total / a.n]));
    };
    const res = { clean: run(this.data.clean), typo: run(this.data.typo) };
    this.cache.set(key, res);
    return res;
  }
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const sd = (xs: readonly number[]) => {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
};

export function subsetMeans(s: { clean: Map<string, number>; typo: Map<string, number> }, ids: ReadonlySet<string>) {
  const pick = (m: Map<string, number>) => mean([...m].filter(([id]) => ids.has(id)).map(([, v]) => v));
  const clean = pick(s.clean);
  const typo = pick(s.typo);
  return { clean, typo, loss: clean - typo, objective: (clean + typo) / 2 };
}

/** One fitted parameter: where it sits in a candidate and the grid of values tried. */
export interface Axis {
  name: string;
  values: readonly number[];
  get(c: Candidate): number;
  set(c: Candidate, v: number): void;
}

const field = (f: keyof Bm25fParams['fields'], k: 'weight' | 'b', values: number[]): Axis => ({
  name: `bm25f.${f}.${k}`,
  values,
  get: (c) => c.bm25f.fields[f][k],
  set: (c, v) => {
    (c.bm25f.fields[f] as { weight: number; b: number })[k] = v;
  },
});
const rerankWeight = (w: keyof RerankWeights['weights'], values: number[]): Axis => ({
  name: `rerank.${w}`,
  values,
  get: (c) => c.rerank?.weights[w] ?? 0,
  set: (c, v) => {
    if (c.rerank) (c.rerank.weights as Record<string, number>)[w] = v;
  },
});
const spelling = (k: 'errorRate' | 'maxWeight' | 'context' | 'knownMinLength', values: number[], dflt: number): Axis => ({
  name: `spelling.${k}`,
  values,
  get: (c) => c.plan.spelling?.[k] ?? dflt,
  set: (c, v) => {
    c.plan = { ...c.plan, spelling: { ...c.plan.spelling, [k]: v } };
  },
});

const priorAxis = (k: 'weight' | 'top', values: number[]): Axis => ({
  name: `rerank.categoryPrior.${k}`,
  values,
  get: (c) => c.rerank?.categoryPrior?.[k] ?? 0,
  set: (c, v) => {
    if (c.rerank) c.rerank = { ...c.rerank, categoryPrior: { weight: 0, top: 10, window: 50, ...c.rerank.categoryPrior, [k]: v } };
  },
});

/** Pseudo-relevance feedback (`RerankWeights.feedback`) off: what `--fit prf` starts from (weight 0). */
export const FEEDBACK_OFF = { weight: 0, top: 10, terms: 10, window: 50, description: 0 } as const;

const feedbackAxis = (k: keyof typeof FEEDBACK_OFF, values: number[]): Axis => ({
  name: `rerank.feedback.${k}`,
  values,
  get: (c) => c.rerank?.feedback?.[k] ?? FEEDBACK_OFF[k],
  set: (c, v) => {
    if (c.rerank) c.rerank = { ...c.rerank, feedback: { ...FEEDBACK_OFF, ...c.rerank.feedback, [k]: v } };
  },
});

/** An on/off plan option as a 0/1 axis. */
const planSwitch = (name: string, get: (p: PlanOptions) => boolean, set: (p: PlanOptions, on: boolean) => PlanOptions): Axis => ({
  name,
  values: [0, 1],
  get: (c) => (get(c.plan) ? 1 : 0),
  set: (c, v) => {
    c.plan = set(c.plan, v === 1);
  },
});

/** The second-stage weights the defaults use (`--fit rerank`); `rerankx` adds the ones they leave at 0. */
const RERANK_AXES: Axis[] = [
  rerankWeight('coverage', [0, 0.5, 1, 1.5]),
  rerankWeight('titleCoverage', [0, 0.25, 0.5, 1]),
  rerankWeight('head', [0, 0.25, 0.5, 0.75, 1]),
  rerankWeight('proximity', [0, 0.125, 0.25, 0.5]),
  rerankWeight('phrase', [0, 0.125, 0.25, 0.5]),
  rerankWeight('titleHead', [0, 0.125, 0.25, 0.5]),
];

/** The parameter families that can be fitted on folds. Grids are coarse on purpose (fewer ways to overfit). */
export const AXES: Record<string, Axis[]> = {
  bm25: [
    {
      name: 'bm25f.k1',
      values: [0.6, 0.9, 1.2, 1.6, 2.0],
      get: (c) => c.bm25f.k1,
      set: (c, v) => {
        (c.bm25f as { k1: number }).k1 = v;
      },
    },
    field('title', 'weight', [1.5, 2, 3, 4, 6]),
    field('title', 'b', [0.25, 0.5, 0.75, 0.9]),
    field('description', 'b', [0.25, 0.5, 0.75, 0.9]),
  ],
  rerank: RERANK_AXES,
  /** Round 13: every second-stage weight, the five the defaults leave at 0 included (a learned linear reranker). */
  rerankx: [
    ...RERANK_AXES,
    rerankWeight('primaryTitleCoverage', [0, 0.25, 0.5]),
    rerankWeight('headCoverage', [0, 0.25, 0.5]),
    rerankWeight('titleStart', [0, 0.125, 0.25, 0.5]),
    rerankWeight('titleFocus', [0, 0.125, 0.25, 0.5]),
    rerankWeight('titleHeadRated', [0, 0.125, 0.25, 0.5]),
  ],
  /** Round 13: the query-category prior (`RerankWeights.categoryPrior`): its weight and how many top results vote. */
  prior: [priorAxis('weight', [0, 0.1, 0.2, 0.3, 0.5]), priorAxis('top', [5, 10, 20])],
  /**
   * Round 16: pseudo-relevance feedback (`RerankWeights.feedback`): bonus weight, feedback documents, expansion
   * terms, the window that can gain, and the vote of a term found outside the title. Starts from the base
   * configuration (off unless `--set rerank.feedback=...`); the weight comes first, so the others move only once
   * feedback is on.
   */
  prf: [
    feedbackAxis('weight', [0, 0.1, 0.2, 0.3, 0.5]),
    feedbackAxis('top', [5, 10, 20]),
    feedbackAxis('terms', [5, 10, 20]),
    feedbackAxis('window', [50, 100, 200]),
    feedbackAxis('description', [0, 0.25, 0.5]),
  ],
  /** Round 16: the feedback weight alone, with RM3's textbook 10 feedback documents and 10 terms (fewer ways to overfit). */
  prfw: [feedbackAxis('weight', [0, 0.1, 0.2, 0.3, 0.5])],
  /** Round 14: BM25F field weights and length normalisation only (k1 stays), to fit beside the prior. */
  fields: [
    field('title', 'weight', [2, 3, 4]),
    field('description', 'weight', [0.5, 1, 1.5]),
    field('title', 'b', [0.5, 0.75, 0.9]),
    field('description', 'b', [0.5, 0.75, 0.9]),
  ],
  /** Round 14: spelling from the store's vocabulary: corrected words joined (`joinCorrections`), known 4-letter words corrected. */
  spellingx: [
    planSwitch(
      'plan.joinCorrections',
      (p) => p.joinCorrections ?? false,
      (p, on) => ({ ...p, joinCorrections: on }),
    ),
    {
      name: 'spelling.knownMinLength',
      values: [4, 5],
      get: (c) => c.plan.spelling?.knownMinLength ?? 5,
      set: (c, v) => {
        c.plan = { ...c.plan, spelling: { ...c.plan.spelling, knownMinLength: v } };
      },
    },
  ],
  spelling: [spelling('errorRate', [0.03, 0.05, 0.1, 0.2], 0.1), spelling('maxWeight', [0.7, 0.8, 0.9, 1], 0.9)],
  /** Round 19: the context model's weight κ (`spelling.context`: the query's other words as evidence for a correction). */
  context: [spelling('context', [0, 0.03, 0.1, 0.3, 1, 3], DEFAULT_SPELLING_CONTEXT)],
  /** Round 19: κ, then whether known 4-letter words are corrected too (a deleted letter often leaves a known word). */
  contextx: [spelling('context', [0, 0.03, 0.1, 0.3, 1, 3], DEFAULT_SPELLING_CONTEXT), spelling('knownMinLength', [4, 5], 5)],
};

/**
 * Coordinate ascent over the axes' grids on the training queries (two passes; ties keep the current value). A move
 * must raise the objective by more than `minGain` (default 0): a positive value shrinks the fit toward the base
 * configuration, so a parameter moves only for a gain larger than the training folds' noise.
 */
export function fit(scorer: Scorer, base: Candidate, axes: readonly Axis[], train: ReadonlySet<string>, minGain = 0): Candidate {
  let cur = structuredClone(base);
  let best = subsetMeans(scorer.scores(cur), train).objective;
  for (let pass = 0; pass < 2; pass++) {
    let changed = false;
    for (const axis of axes) {
      for (const v of axis.values) {
        if (v === axis.get(cur)) continue;
        const next = structuredClone(cur);
        axis.set(next, v);
        const o = subsetMeans(scorer.scores(next), train).objective;
        if (o > best + Math.max(minGain, 1e-9)) {
          best = o;
          cur = next;
          changed = true;
        }
      }
    }
    if (!changed) break;
  }
  return cur;
}

function applySet(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let o = obj;
  for (const k of keys.slice(0, -1)) {
    if (typeof o[k] !== 'object' || o[k] === null) o[k] = {};
    o = o[k] as Record<string, unknown>;
  }
  o[keys.at(-1) as string] = value;
}

export interface CvOptions {
  k: number;
  seed?: number;
  fit: string[];
  sets: [string, unknown][];
  /** Changes to the configuration the candidate is compared with (default: the shipped one), e.g. a feature off. */
  vs?: [string, unknown][];
  check?: { evaluator: string };
  label?: string;
  /** Smallest training-objective gain a fitted move must bring (see `fit`). */
  minGain?: number;
  /** Quiet: no per-fold lines (repeated CV prints its own summary). */
  summaryOnly?: boolean;
}

/** What one k-fold run found: per-fold figures and the paired differences against the compared configuration. */
export interface CvSummary {
  seed: number;
  clean: number;
  typo: number;
  deltaClean: number;
  deltaCleanSe: number;
  deltaTypo: number;
  deltaTypoSe: number;
  /** Smallest (worst) per-fold paired difference. */
  worstClean: number;
  worstTypo: number;
  beats: boolean;
  folds: ReturnType<typeof subsetMeans>[];
}

export function runCv(data: Labelled, o: CvOptions, engine = buildEngine(data), scorer = new Scorer(engine, data)): CvSummary {
  const base = baseCandidate();
  for (const [k, v] of o.sets) applySet(base as unknown as Record<string, unknown>, k, v);
  const axes = o.fit.flatMap((f) => {
    if (f === 'none') return [];
    if (f === 'all') return Object.values(AXES).flat();
    const a = AXES[f];
    if (!a) throw new Error(`--fit ${f}: one of none, all, ${Object.keys(AXES).join(', ')}`);
    return a;
  });
  const ids = data.clean.filter((q) => data.qrels.has(q.id)).map((q) => q.id);
  const foldOf = assignFolds(ids, o.k, o.seed ?? DEFAULT_SEED);
  const label = o.label ?? (o.fit.join('+') || 'none');
  const folds: ReturnType<typeof subsetMeans>[] = [];
  // The shipped configuration on the same folds: the decision rule compares paired per-fold differences.
  const reference = baseCandidate();
  for (const [k, v] of o.vs ?? []) applySet(reference as unknown as Record<string, unknown>, k, v);
  const shipped = scorer.scores(reference);
  const shippedFolds: ReturnType<typeof subsetMeans>[] = [];
  for (let f = 0; f < o.k; f++) {
    const test = new Set(ids.filter((id) => foldOf.get(id) === f));
    const train = new Set(ids.filter((id) => foldOf.get(id) !== f));
    const t0 = performance.now();
    const chosen = axes.length ? fit(scorer, base, axes, train, o.minGain) : base;
    const s = subsetMeans(scorer.scores(chosen), test);
    const tr = subsetMeans(scorer.scores(chosen), train);
    folds.push(s);
    const sh = subsetMeans(shipped, test);
    shippedFolds.push(sh);
    const params = Object.fromEntries(axes.map((a) => [a.name, a.get(chosen)]));
    if (!o.summaryOnly)
      emit({
        bench: 'search',
        metric: 'cv-fold',
        value: s.clean,
        target: null,
        label,
        typos: data.typoSet ?? 'file',
        fold: f,
        queries: test.size,
        clean: s.clean,
        typo: s.typo,
        typo_loss: s.loss,
        shipped_clean: sh.clean,
        shipped_typo: sh.typo,
        train_clean: tr.clean,
        train_typo: tr.typo,
        ...(axes.length ? { params } : {}),
        fit_s: (performance.now() - t0) / 1000,
      });
  }
  const all = new Set(ids);
  const finalCandidate = axes.length ? fit(scorer, base, axes, all, o.minGain) : base;
  const dev = subsetMeans(scorer.scores(finalCandidate), all);
  const c = folds.map((x) => x.clean);
  const t = folds.map((x) => x.typo);
  const l = folds.map((x) => x.loss);
  const dc = folds.map((x, i) => x.clean - (shippedFolds[i] as ReturnType<typeof subsetMeans>).clean);
  const dt = folds.map((x, i) => x.typo - (shippedFolds[i] as ReturnType<typeof subsetMeans>).typo);
  const se = (xs: number[]) => sd(xs) / Math.sqrt(xs.length);
  // Decision rule (docs/design/search.md, round 11): mean paired gain above 2 se on one of clean/typo, and no loss
  // of that size on the other.
  const beats = (g: number[], other: number[]) => mean(g) > 2 * se(g) && mean(g) > 0 && !(mean(other) < -2 * se(other) && mean(other) < 0);
  const summary: CvSummary = {
    seed: o.seed ?? DEFAULT_SEED,
    clean: mean(c),
    typo: mean(t),
    deltaClean: mean(dc),
    deltaCleanSe: se(dc),
    deltaTypo: mean(dt),
    deltaTypoSe: se(dt),
    worstClean: Math.min(...dc),
    worstTypo: Math.min(...dt),
    beats: beats(dc, dt) || beats(dt, dc),
    folds,
  };
  if (o.summaryOnly) return summary;
  emit({
    bench: 'search',
    metric: 'cv',
    value: mean(c),
    target: `>=${HELD_OUT_TARGETS.clean}`,
    label,
    typos: data.typoSet ?? 'file',
    k: o.k,
    seed: o.seed ?? DEFAULT_SEED,
    clean_mean: mean(c),
    clean_sd: sd(c),
    typo_mean: mean(t),
    typo_sd: sd(t),
    typo_loss_mean: mean(l),
    typo_loss_sd: sd(l),
    typo_loss_target: `<=${HELD_OUT_TARGETS.typoLoss}`,
    typo_loss_pass: mean(l) <= HELD_OUT_TARGETS.typoLoss,
    dev_clean: dev.clean,
    dev_typo: dev.typo,
    dev_typo_loss: dev.loss,
    delta_clean: mean(dc),
    delta_clean_se: se(dc),
    delta_typo: mean(dt),
    delta_typo_se: se(dt),
    worst_fold_delta_clean: summary.worstClean,
    worst_fold_delta_typo: summary.worstTypo,
    beats_shipped: summary.beats,
    ...(axes.length ? { fitted_on_all_dev: Object.fromEntries(axes.map((a) => [a.name, a.get(finalCandidate)])) } : {}),
    ...(o.sets.length ? { set: Object.fromEntries(o.sets) } : {}),
    ...(o.vs?.length ? { vs: Object.fromEntries(o.vs) } : {}),
    evaluations: scorer.evaluations,
  });
  if (o.check) checkWithEvaluator(engine, data, finalCandidate, o.check.evaluator, dev);
  return summary;
}

/**
 * Repeated CV: the same run on several fold splits (`seeds`), one engine and one score cache for all. The paired
 * gain's mean hardly depends on the split when the fits agree; what the splits show is how much its standard error and
 * the rule's verdict do, i.e. how noisy a gain of a few thousandths is. Prints one `search.cv-seed` line per split and
 * a `search.cv-seeds` summary (mean, min and max over splits, and how many pass the rule).
 */
export function runRepeatedCv(
  data: Labelled,
  o: CvOptions,
  seeds: readonly number[],
  engine = buildEngine(data),
  scorer = new Scorer(engine, data),
): CvSummary[] {
  const label = o.label ?? (o.fit.join('+') || 'none');
  const out: CvSummary[] = [];
  for (const seed of seeds) {
    const r = runCv(data, { ...o, seed, summaryOnly: true }, engine, scorer);
    out.push(r);
    emit({
      bench: 'search',
      metric: 'cv-seed',
      value: r.clean,
      target: null,
      label,
      typos: data.typoSet ?? 'file',
      k: o.k,
      seed,
      clean: r.clean,
      typo: r.typo,
      delta_clean: r.deltaClean,
      delta_clean_se: r.deltaCleanSe,
      delta_typo: r.deltaTypo,
      delta_typo_se: r.deltaTypoSe,
      worst_fold_delta_clean: r.worstClean,
      worst_fold_delta_typo: r.worstTypo,
      beats_shipped: r.beats,
    });
  }
  const range = (f: (r: CvSummary) => number) => {
    const xs = out.map(f);
    return { mean: mean(xs), min: Math.min(...xs), max: Math.max(...xs) };
  };
  emit({
    bench: 'search',
    metric: 'cv-seeds',
    value: range((r) => r.clean).mean,
    target: `>=${HELD_OUT_TARGETS.clean}`,
    label,
    typos: data.typoSet ?? 'file',
    k: o.k,
    seeds: [...seeds],
    clean: range((r) => r.clean),
    typo: range((r) => r.typo),
    delta_clean: range((r) => r.deltaClean),
    delta_clean_se: range((r) => r.deltaCleanSe),
    delta_typo: range((r) => r.deltaTypo),
    delta_typo_se: range((r) => r.deltaTypoSe),
    worst_fold_delta_clean: range((r) => r.worstClean),
    worst_fold_delta_typo: range((r) => r.worstTypo),
    seeds_beating_shipped: out.filter((r) => r.beats).length,
    ...(o.sets.length ? { set: Object.fromEntries(o.sets) } : {}),
    ...(o.vs?.length ? { vs: Object.fromEntries(o.vs) } : {}),
    evaluations: scorer.evaluations,
  });
  return out;
}

/** Scores the full dev set (top 100) with the shared evaluator: the in-process figure must equal the evaluator's. */
function checkWithEvaluator(engine: StoreEngine, data: Labelled, c: Candidate, evaluator: string, dev: { clean: number; typo: number }): void {
  const dir = mkdtempSync(join(tmpdir(), 'storeloom-search-cv-'));
  try {
    // evaluate.mjs takes one run line per query: a synthetic set (several variants per id) is checked in process only
    const sets = [['clean', data.clean, dev.clean] as const, ...((data.typoSet ?? 'file') === 'file' ? [['typo', data.typo, dev.typo] as const] : [])];
    for (const [name, qs, mine] of sets) {
      const file = join(dir, `${name}.jsonl`);
      writeFileSync(file, `${qs.map((q) => JSON.stringify({ query: q.id, products: searchIds(engine, q.text, c, 100) })).join('\n')}\n`);
      const line = JSON.parse(execFileSync(process.execPath, [evaluator, '--run', file], { encoding: 'utf8' })) as Record<string, number>;
      progress(`check ${name}: evaluate.mjs ${JSON.stringify(line)}`);
      emit({
        bench: 'search',
        metric: `cv-check-${name}`,
        value: line['ndcg@10'] as number,
        target: null,
        in_process: mine,
        equal: Math.abs((line['ndcg@10'] as number) - mine) < 1e-4,
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
