/**
 * Executes a query plan over the index in two stages.
 *
 * Stage 1, BM25F per clause: a clause's score in a document is the best of
 * its alternatives, each scored as BM25F with its own idf and scaled by the
 * alternative's weight (1 for the typed word, less for corrections and
 * completions). A span alternative (joined compound, multi-word synonym)
 * replaces the clauses it covers when it scores higher than they do together.
 *
 * Stage 2, rerank: every matching document gets a linear score over the
 * features described at `Features` (all in [0, 1]): the stage-1 score divided
 * by the query's best, plus weighted coverage, title coverage, proximity,
 * phrase, query head in title and title head noun. Weights are
 * `RerankWeights.weights` (DEFAULT_RERANK was chosen on the benchmark's dev
 * queries with round values; see the package README). Then the category
 * prior (`RerankWeights.categoryPrior`): the best results vote for their
 * title head noun and the best 50 gain by their noun's share of the votes.
 * Optionally (off by default) pseudo-relevance feedback
 * (`RerankWeights.feedback`): the best results' shared words rescore the
 * best reranked matches. An exact SKU match always comes first.
 */

import { FIELD_COUNT, type InvertedIndex, normalizeSku, type PostingList } from '../index/inverted-index.ts';
import type { Alternative, Clause, QueryPlan } from '../query/plan.ts';
import { TITLE } from '../types.ts';
import { type Bm25fParams, DEFAULT_BM25F, fieldArrays, fieldTf, idf, saturate } from './bm25f.ts';
import { matchTerms } from './matcher.ts';

export const FEATURE_NAMES = [
  'bm25f',
  'coverage',
  'titleCoverage',
  'primaryTitleCoverage',
  'head',
  'headCoverage',
  'proximity',
  'phrase',
  'titleStart',
  'titleFocus',
  'titleHead',
  'titleHeadRated',
] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];

/**
 * Second-stage features of one document, each in [0, 1]:
 *
 * - bm25f: stage-1 score divided by the query's best stage-1 score;
 * - coverage: idf-weighted share of the query's non-optional words matched
 *   anywhere (each counted with its alternative's weight);
 * - titleCoverage: the same, in the title;
 * - primaryTitleCoverage: the same, in the title before its first qualifier
 *   word ("Case for iPhone 5" is a case, not an iPhone);
 * - head: the query's head word matched in the title before any qualifier;
 * - headCoverage: head x coverage;
 * - proximity: share of adjacent query-word pairs found in order in the title
 *   (at most `proximityGap` positions apart);
 * - phrase: every pair adjacent, i.e. the query reads as a phrase in the title;
 * - titleStart: 1 / (1 + position of the first query word in the title);
 * - titleFocus: share of the title's positions taken by query words;
 * - titleHead: the query's head word is the title's head noun (or the word
 *   just before it): the product is the thing asked for, not an accessory;
 * - titleHeadRated: titleHead scaled by how often the catalogue uses the
 *   query's head word as a title head (fades out for brand-only queries).
 */
export type Features = Record<FeatureName, number>;

export interface RerankWeights {
  /** Weight per feature; bm25f always counts 1. */
  readonly weights: Partial<Record<Exclude<FeatureName, 'bm25f'>, number>>;
  /** Weight coverage by the words' idf (true) or count words equally (false). */
  readonly idfWeightedCoverage: boolean;
  /** Largest position difference that still counts as adjacent for the proximity feature. */
  readonly proximityGap: number;
  /** How many words before the title's head noun the query head may sit and still count (titleHead). */
  readonly titleHeadSlack?: number;
  /**
   * Query-category prior from the results themselves (round 13, chosen by cross-validation): the `top` best reranked
   * matches vote for their title's head noun (the product type the catalogue gives each), and each of the best
   * `window` gains `weight` × the share of the votes its own head noun got. A query whose best results are mostly
   * "cases" pushes the stray charger down, whatever words the query used (brand-only and misspelt queries included).
   * Absent or weight 0: off.
   */
  readonly categoryPrior?: { readonly weight: number; readonly top: number; readonly window: number };
  /**
   * Pseudo-relevance feedback (round 16, RM3-style expansion scored over the reranked window; off by default, see
   * docs/design/search.md): after the second stage and the category prior, the `top` best reranked matches vote for
   * the terms of their documents (1 for a term in the title, `description` for a term found only in other fields);
   * a term's weight is its share of the votes × its idf. The query's own terms, stop words and terms only one
   * voter has are left out; the `terms` heaviest are the expansion. Each of the best `window` matches then gains
   * `weight` × the weighted share of the expansion it contains (title 1, other fields `description`). A query
   * that names a brand only ("nike shox") thereby favours the products whose titles share the words its best
   * results share ("running", "shoes"), whatever the query said. Absent or weight 0: off.
   */
  readonly feedback?: {
    readonly weight: number;
    readonly top: number;
    readonly terms: number;
    readonly window: number;
    readonly description: number;
  };
}

export const DEFAULT_RERANK: RerankWeights = {
  weights: { coverage: 1, titleCoverage: 0.5, head: 0.75, proximity: 0.25, phrase: 0.25, titleHead: 0.25 },
  idfWeightedCoverage: true,
  proximityGap: 1,
  titleHeadSlack: 0,
  categoryPrior: { weight: 0.2, top: 10, window: 50 },
};

export type ScoreParts = Features & {
  /** Stage-1 BM25F score (sum over clauses), before normalisation. */
  readonly bm25fRaw: number;
  readonly skuMatch: boolean;
};

export interface ScoredDoc {
  readonly ordinal: number;
  readonly score: number;
  readonly parts: ScoreParts;
  /** Labels of the alternatives that matched, per clause (for explain). */
  readonly matched: readonly (string | null)[];
}

export interface ScoreOptions {
  /**
   * Second-stage features are computed for at most this many documents, the
   * best by stage-1 score (an upper bound counting every span alternative);
   * the others keep their stage-1 score only and rank after them. Default 1000.
   */
  readonly rerankTopK?: number;
  /** Score every posting in stage 1 instead of the MaxScore top-k (the reference the top-k is tested against). */
  readonly exhaustive?: boolean;
  readonly bm25f?: Bm25fParams;
  /** `null` disables the second stage (plain BM25F order). */
  readonly rerank?: RerankWeights | null;
}

const ZERO_FEATURES: Omit<Features, 'bm25f'> = {
  coverage: 0,
  titleCoverage: 0,
  primaryTitleCoverage: 0,
  head: 0,
  headCoverage: 0,
  proximity: 0,
  phrase: 0,
  titleStart: 0,
  titleFocus: 0,
  titleHead: 0,
  titleHeadRated: 0,
};

/**
 * The matches of a plan with their final scores, in no particular order
 * (`scorePlan` sorts them; callers that need one page select from them).
 * Score parts are built on demand: building them for every match is what made
 * queries with common words slow.
 */
export interface PlanMatches {
  /** Number of matching documents. */
  readonly count: number;
  /** Document ordinal of each match (indexes 0..count-1). */
  readonly ordinals: Int32Array;
  /** Final score of each match. */
  readonly scores: Float64Array;
  /**
   * Matches whose stage-1 score was not computed (the top-k stage skipped
   * them); their `scores` hold a placeholder below every real score until
   * `complete()` is called.
   */
  readonly pruned: number;
  /** Every pruned match's final score is below this (-Infinity when none is pruned). */
  readonly pruneBound: number;
  /** Whether match `i` got second-stage features (it is among the top `rerankTopK` by stage-1 estimate, or a SKU match). */
  isReranked(i: number): boolean;
  /** Work done: postings scored by stage 1, postings of all alternatives, documents stage 1 scored in full. */
  readonly stats: { readonly postingsScored: number; readonly postingsTotal: number; readonly docsScored: number };
  /** Computes the pruned matches' scores (exhaustive stage 1) into `scores`; idempotent. */
  complete(): void;
  /** Score parts and matched alternatives of match `i`. */
  detail(i: number): { parts: ScoreParts; matched: readonly (string | null)[] };
}

interface AltRun {
  readonly ci: number;
  readonly clause: Clause;
  readonly alt: Alternative;
  readonly list: PostingList;
  readonly idf: number;
  /** alt.weight * idf: a match scores scale * saturate(tf~). */
  readonly scale: number;
  /** False for a span alternative (it may replace the clauses it covers). */
  readonly single: boolean;
}

interface Ctx {
  readonly weights: readonly number[];
  readonly bs: readonly number[];
  readonly avg: readonly number[];
  readonly k1: number;
  readonly nc: number;
  readonly lengths: Int32Array;
}

/** BM25F tf~ of the postings [from, to) of one document (in list order, i.e. fields ascending). */
function tfTilde(list: PostingList, from: number, to: number, doc: number, ctx: Ctx): number {
  let t = 0;
  const base = doc * FIELD_COUNT;
  for (let x = from; x < to; x++) {
    const f = list.field(x);
    t += fieldTf(list.tf(x), ctx.weights[f] ?? 0, ctx.bs[f] ?? 0, ctx.lengths[base + f] ?? 0, ctx.avg[f] ?? 0);
  }
  return t;
}

/** End of the postings of the document at `from` (postings of one document are adjacent). */
function docEnd(list: PostingList, from: number): number {
  const doc = list.doc(from);
  let to = from + 1;
  while (to < list.n && list.doc(to) === doc) to++;
  return to;
}

/**
 * Largest tf~ of any document in the list: the alternative's stage-1 score is
 * at most scale * saturate(this). Exact, cached on the list for the index's
 * current epoch (any add/remove changes the average field lengths) and the
 * BM25F parameters it was computed with.
 */
function maxTfTilde(list: PostingList, ctx: Ctx, epoch: number, key: unknown): number {
  if (list.ubEpoch === epoch && list.ubKey === key) return list.ubTft;
  let max = 0;
  for (let i = 0; i < list.n; ) {
    const j = docEnd(list, i);
    const t = tfTilde(list, i, j, list.doc(i), ctx);
    if (t > max) max = t;
    i = j;
  }
  list.ubEpoch = epoch;
  list.ubKey = key;
  list.ubTft = max;
  return max;
}

/** Ordering of scorePlan: score descending, then ordinal ascending. */
export function compareScored(a: { score: number; ordinal: number }, b: { score: number; ordinal: number }): number {
  return b.score - a.score || a.ordinal - b.ordinal;
}

export function scorePlan(index: InvertedIndex, plan: QueryPlan, options: ScoreOptions = {}): ScoredDoc[] {
  const m = executePlan(index, plan, options);
  m.complete();
  const out: ScoredDoc[] = new Array(m.count);
  for (let i = 0; i < m.count; i++) {
    const d = m.detail(i);
    out[i] = { ordinal: m.ordinals[i] as number, score: m.scores[i] as number, parts: d.parts, matched: d.matched };
  }
  out.sort(compareScored);
  return out;
}

/**
 * Stage-1 scores of every match by exhaustive scoring (every posting of every
 * alternative): `stage1` sums the clauses (before spans replace clauses),
 * `estimate` adds every span alternative too (an upper bound of the reranked
 * stage-1 score). Indexed like `matchDocs` (`slotOf[ordinal] - 1`).
 */
function exhaustiveStage1(runs: readonly AltRun[], count: number, slotOf: Int32Array, ctx: Ctx): { stage1: Float64Array; estimate: Float64Array } {
  const nc = ctx.nc;
  const best = new Float64Array(Math.max(1, count * nc));
  const span = new Float64Array(count);
  for (const run of runs) {
    const list = run.list;
    for (let i = 0; i < list.n; ) {
      const doc = list.doc(i);
      const j = docEnd(list, i);
      const s = run.scale * saturate(tfTilde(list, i, j, doc, ctx), ctx.k1);
      i = j;
      const slot = (slotOf[doc] as number) - 1;
      if (run.single) {
        const at = slot * nc + run.ci;
        if (s > (best[at] as number)) best[at] = s;
      } else span[slot] = (span[slot] as number) + s;
    }
  }
  const stage1 = new Float64Array(count);
  const estimate = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    let e = 0;
    for (let k = 0; k < nc; k++) e += best[i * nc + k] as number;
    stage1[i] = e;
    estimate[i] = e + (span[i] as number);
  }
  return { stage1, estimate };
}

/** Bounded min-heap of the k largest values seen. */
class TopValues {
  private readonly heap: Float64Array;
  size = 0;
  constructor(private readonly k: number) {
    this.heap = new Float64Array(k);
  }
  get full(): boolean {
    return this.size >= this.k;
  }
  get min(): number {
    return this.heap[0] as number;
  }
  push(v: number): void {
    const h = this.heap;
    if (this.size < this.k) {
      let i = this.size++;
      h[i] = v;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if ((h[p] as number) <= v) break;
        h[i] = h[p] as number;
        i = p;
      }
      h[i] = v;
      return;
    }
    if (v <= (h[0] as number)) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.size) break;
      const r = l + 1;
      const c = r < this.size && (h[r] as number) < (h[l] as number) ? r : l;
      if ((h[c] as number) >= v) break;
      h[i] = h[c] as number;
      i = c;
    }
    h[i] = v;
  }
}

/** Relative slack on score bounds so float rounding never prunes a document that ties the threshold. */
const BOUND_SLACK = 1e-9;

/**
 * The documents whose stage-1 estimate is at least the k-th largest estimate
 * of all matches (ties included), with their estimates: exactly the set
 * `exhaustiveStage1` + sort would select, without scoring every posting.
 *
 * MaxScore (Turtle & Flood 1995), document at a time, one scoring unit per
 * alternative: each has an upper bound (scale x saturate of its largest
 * tf~), and a document's estimate is at most its partial estimate plus the
 * bounds of the alternatives not yet looked at (a clause takes the best of
 * its alternatives, so adding one raises the estimate by at most its bound).
 * Alternatives are sorted by bound; once k documents are held, those whose
 * bounds together stay below the k-th best estimate are non-essential: a
 * document matching only them cannot enter, so candidates come from the
 * essential lists alone, and a candidate's non-essential alternatives are
 * looked up by seeking (galloping search) only while its partial estimate
 * plus their remaining bounds can still reach the threshold. Each fully
 * scored document's estimate is then summed in the same order as the
 * exhaustive scorer, so the values (and the selected set) are bit-identical.
 */
function maxScoreTop(
  runs: readonly AltRun[],
  k: number,
  ctx: Ctx,
  epoch: number,
  key: unknown,
): { docs: number[]; estimates: number[]; cutoff: number; scored: number; postings: number } {
  const nc = ctx.nc;
  const R = runs.length;
  const runUb = runs.map((r) => r.scale * saturate(maxTfTilde(r.list, ctx, epoch, key), ctx.k1));
  const order = runs.map((_, i) => i).sort((a, b) => (runUb[a] as number) - (runUb[b] as number));
  const cum = new Float64Array(R);
  let acc = 0;
  for (let u = 0; u < R; u++) {
    acc += runUb[order[u] as number] as number;
    cum[u] = acc * (1 + BOUND_SLACK) + 1e-300;
  }
  const pos = new Int32Array(R);
  const runScore = new Float64Array(R);
  const clauseBest = new Float64Array(nc);
  const top = new TopValues(k);
  let theta = Number.NEGATIVE_INFINITY;
  let firstEssential = 0;
  const docs: number[] = [];
  const estimates: number[] = [];
  let scored = 0;
  let postings = 0;

  /** Scores run ri at doc d (seeking forward); returns its score, 0 when d is not in its list. */
  const scoreRun = (ri: number, d: number, cursor: Int32Array): number => {
    const run = runs[ri] as AltRun;
    const list = run.list;
    let c = cursor[ri] as number;
    if (c < list.n && list.doc(c) < d) c = list.seek(d, c);
    let s = 0;
    if (c < list.n && list.doc(c) === d) {
      const j = docEnd(list, c);
      postings += j - c;
      s = run.scale * saturate(tfTilde(list, c, j, d, ctx), ctx.k1);
      c = j;
    }
    cursor[ri] = c;
    return s;
  };
  /** The estimate of the current document from runScore, in the exhaustive scorer's order. */
  const estimate = (): number => {
    clauseBest.fill(0);
    let spans = 0;
    for (let ri = 0; ri < R; ri++) {
      const run = runs[ri] as AltRun;
      const s = runScore[ri] as number;
      if (run.single) {
        if (s > (clauseBest[run.ci] as number)) clauseBest[run.ci] = s;
      } else if (s !== 0) spans += s;
    }
    let e = 0;
    for (let c = 0; c < nc; c++) e += clauseBest[c] as number;
    return e + spans;
  };
  const raise = () => {
    theta = top.min;
    while (firstEssential < R && (cum[firstEssential] as number) < theta) firstEssential++;
  };

  // Seed the threshold: the documents of the best-bounded alternative are scored in full before the walk
  // (up to 2k of them), so the threshold starts near its final value instead of rising from the first
  // documents in ordinal order. They enter the heap once, here; the walk still collects them.
  const seeded = new Set<number>();
  if (R > 1) {
    const list = (runs[order[R - 1] as number] as AltRun).list;
    const seedPos = new Int32Array(R);
    for (let i = 0; i < list.n && seeded.size < 2 * k; ) {
      const d = list.doc(i);
      i = docEnd(list, i);
      for (let ri = 0; ri < R; ri++) runScore[ri] = scoreRun(ri, d, seedPos);
      top.push(estimate());
      seeded.add(d);
    }
    runScore.fill(0);
    if (top.full) raise();
  }

  for (;;) {
    let d = 0x7fffffff;
    for (let u = firstEssential; u < R; u++) {
      const ri = order[u] as number;
      const list = (runs[ri] as AltRun).list;
      const c = pos[ri] as number;
      if (c < list.n) {
        const doc = list.doc(c);
        if (doc < d) d = doc;
      }
    }
    if (d === 0x7fffffff) break;
    // partial estimate (an upper-bound-safe running value: clause maxima and spans so far)
    clauseBest.fill(0);
    let partial = 0;
    let pruned = false;
    for (let u = R - 1; u >= 0; u--) {
      if (u < firstEssential && partial + (cum[u] as number) < theta) {
        pruned = true;
        break;
      }
      const ri = order[u] as number;
      const s = scoreRun(ri, d, pos);
      if (s === 0) continue;
      runScore[ri] = s;
      const run = runs[ri] as AltRun;
      if (!run.single) partial += s;
      else if (s > (clauseBest[run.ci] as number)) {
        partial += s - (clauseBest[run.ci] as number);
        clauseBest[run.ci] = s;
      }
    }
    if (!pruned) {
      scored++;
      const est = estimate();
      if (est >= theta) {
        docs.push(d);
        estimates.push(est);
        if (!seeded.has(d)) {
          top.push(est);
          if (top.full) raise();
        }
      }
    }
    runScore.fill(0);
  }
  const cutoff = top.full ? top.min : Number.NEGATIVE_INFINITY;
  return { docs, estimates, cutoff, scored, postings };
}

/**
 * Scores a plan in two stages. Every match is found from the alternatives'
 * document ids (the match set: total and facets need all of it). Stage 1
 * selects the `rerankTopK` best matches by their stage-1 estimate (every span
 * alternative counted) with MaxScore, which scores only the documents that
 * can still reach the top k; stage 2 computes the second-stage features of
 * those (and of SKU matches). The other matches rank after them by their
 * stage-1 score, which is computed only when `complete()` is called (a caller
 * needs it when the page reaches past the reranked documents, or when it
 * orders by something else first).
 */
export function executePlan(index: InvertedIndex, plan: QueryPlan, options: ScoreOptions = {}): PlanMatches {
  const params = options.bm25f ?? DEFAULT_BM25F;
  const rerank = options.rerank === undefined ? DEFAULT_RERANK : options.rerank;
  const { weights, bs } = fieldArrays(params);
  const avg = weights.map((_, f) => index.avgFieldLength(f));
  const n = index.docCount;
  const cap = index.capacity;
  const clauses = plan.clauses;
  const nc = clauses.length;
  const ctx: Ctx = { weights, bs, avg, k1: params.k1, nc, lengths: index.lengths };
  // importance of each word for coverage: idf of the typed word, else of its best alternative
  const clauseIdf = new Float64Array(nc);
  const exactIdf = new Float64Array(nc);

  const runs: AltRun[] = [];
  clauses.forEach((clause: Clause, ci) => {
    for (const alt of clause.alternatives) {
      const m = matchTerms(index, alt.terms);
      if (m.postings.n === 0) continue;
      const altIdf = idf(n, m.df);
      if (alt.source === 'exact') exactIdf[ci] = altIdf;
      else if (altIdf > (clauseIdf[ci] as number)) clauseIdf[ci] = altIdf;
      runs.push({ ci, clause, alt, list: m.postings, idf: altIdf, scale: alt.weight * altIdf, single: alt.span <= 1 });
    }
  });
  for (let ci = 0; ci < nc; ci++) {
    if ((exactIdf[ci] as number) > 0) clauseIdf[ci] = exactIdf[ci] as number;
    else if (clauseIdf[ci] === 0) clauseIdf[ci] = idf(n, 1);
  }
  const skuKey = normalizeSku(plan.text);
  const skuDocs = skuKey.length > 0 ? index.skuIndex.get(skuKey) : undefined;

  // ---- the match set, from document ids only
  const slotOf = borrowSlots(index, cap + 1); // ordinal -> index in `ordinals` + 1 (0: no match)
  let textMatches = 0;
  for (const run of runs) {
    const e = run.list.entries;
    for (let i = 0, m = 2 * run.list.n; i < m; i += 2) {
      const d = e[i] as number;
      if (slotOf[d] === 0) {
        slotOf[d] = 1;
        textMatches++;
      }
    }
  }
  let count = textMatches;
  if (skuDocs)
    for (const d of skuDocs)
      if (slotOf[d] === 0) {
        slotOf[d] = 1;
        count++;
      }
  const ordinals = new Int32Array(count);
  for (let d = 0, s = 0; s < count; d++)
    if (slotOf[d] === 1) {
      ordinals[s] = d;
      slotOf[d] = ++s;
    }

  // ---- stage 1: the documents that get second-stage features
  const topK = options.rerankTopK ?? 1000;
  let stage1: Float64Array | null = null;
  const detailedDocs: number[] = [];
  let cutoff = Number.NEGATIVE_INFINITY;
  let postingsTotal = 0;
  for (const run of runs) postingsTotal += run.list.n;
  let postingsScored = postingsTotal;
  let docsScored = textMatches;
  if (rerank && textMatches > topK && !options.exhaustive) {
    const top = maxScoreTop(runs, topK, ctx, index.epoch, params);
    postingsScored = top.postings;
    docsScored = top.scored;
    cutoff = top.cutoff;
    top.docs.forEach((d, i) => {
      if ((top.estimates[i] as number) >= cutoff) detailedDocs.push(d);
    });
    if (skuDocs) for (const d of skuDocs) detailedDocs.push(d);
  } else {
    const ex = exhaustiveStage1(runs, count, slotOf, ctx);
    stage1 = ex.stage1;
    if (rerank && count > topK) {
      const est = ex.estimate.slice();
      est.sort();
      cutoff = est[est.length - topK] as number;
    }
    for (let i = 0; i < count; i++) {
      const doc = ordinals[i] as number;
      if ((ex.estimate[i] as number) >= cutoff || skuDocs?.has(doc)) detailedDocs.push(doc);
    }
  }
  const detailedSorted = Int32Array.from(detailedDocs).sort();
  let nDetailed = 0;
  for (let i = 0; i < detailedSorted.length; i++)
    if (i === 0 || detailedSorted[i] !== detailedSorted[i - 1]) detailedSorted[nDetailed++] = detailedSorted[i] as number;
  const detailDocs = detailedSorted.subarray(0, nDetailed);

  // ---- stage 2: second-stage features of the selected documents
  const det = new Detail(detailDocs, nc);
  accumulate(index, runs, det, ctx);

  const required: number[] = [];
  clauses.forEach((c, i) => {
    if (!c.optional) required.push(i);
  });
  if (required.length === 0) for (let i = 0; i < nc; i++) required.push(i);
  const covWeight = required.map((i) => (rerank?.idfWeightedCoverage ? (clauseIdf[i] as number) : 1));
  const covTotal = covWeight.reduce((a, b) => a + b, 0) || 1;
  const gap = rerank?.proximityGap ?? 2;
  const headClause = clauses.findIndex((c) => c.head);
  const headSlack = rerank?.titleHeadSlack ?? 0;
  const headClauseObj = headClause >= 0 ? clauses[headClause] : undefined;
  const headRate = headClauseObj ? Math.min(1, 2 * index.headRate(headClauseObj.alternatives[0]?.terms[0] ?? '')) : 0;

  // Per reranked document (row r, in ordinal order): stage-1 score, features (FEATURE_NAMES after bm25f), SKU match.
  const rowBm = new Float64Array(nDetailed);
  const rowF = new Float64Array(nDetailed * NF);
  const rowSku = new Uint8Array(nDetailed);
  const inSpanPair = new Float64Array(nc);
  const stamp = new PositionStamp();
  let maxBm = 0;
  for (let r = 0; r < nDetailed; r++) {
    const doc = detailDocs[r] as number;
    const at0 = r * nc;
    inSpanPair.fill(0);
    const spans = det.spans[r];
    if (spans) {
      for (const sp of spans) {
        let sum = 0;
        for (let k = sp.clause; k < sp.clause + sp.span; k++) sum += det.score[at0 + k] as number;
        if (sp.score > sum) {
          for (let k = sp.clause; k < sp.clause + sp.span; k++) {
            det.score[at0 + k] = sp.score / sp.span;
            det.labelRun[at0 + k] = sp.run;
          }
        }
        for (let k = sp.clause; k < sp.clause + sp.span; k++) {
          const at = at0 + k;
          if (sp.weight > (det.matchW[at] as number)) det.matchW[at] = sp.weight;
          if (sp.title) {
            if (sp.weight > (det.titleW[at] as number)) det.titleW[at] = sp.weight;
            if (sp.weight > (det.primaryW[at] as number) && ((clauses[k] as Clause).qualifier || anyBefore(sp.title, index.titleBreakOf(doc))))
              det.primaryW[at] = sp.weight;
            for (let x = 0; x < sp.title.length; x++) det.addInterval(at, sp.title[x] as number, (sp.title[x] as number) + sp.width - 1, sp.weight);
            if (k < sp.clause + sp.span - 1) inSpanPair[k] = Math.max(inSpanPair[k] as number, sp.weight);
          }
        }
      }
    }
    let bm = 0;
    for (let k = 0; k < nc; k++) bm += det.score[at0 + k] as number;
    let cov = 0;
    let tcov = 0;
    let pcov = 0;
    let firstPos = Number.POSITIVE_INFINITY;
    let titleHits = 0;
    for (let q = 0; q < required.length; q++) {
      const at = at0 + (required[q] as number);
      const w = covWeight[q] as number;
      cov += w * (det.matchW[at] as number);
      tcov += w * (det.titleW[at] as number);
      pcov += w * (det.primaryW[at] as number);
      let iv = det.ivHead[at] as number;
      if (iv >= 0) {
        // distinct title positions covered by this clause's matches
        stamp.next();
        for (; iv >= 0; iv = det.ivNext[iv] as number) {
          const start = det.ivStart[iv] as number;
          if (start < firstPos) firstPos = start;
          for (let p = start, end = det.ivEnd[iv] as number; p <= end; p++) if (stamp.mark(p)) titleHits++;
        }
      }
    }
    cov /= covTotal;
    tcov /= covTotal;
    pcov /= covTotal;
    const head = headClause >= 0 ? (det.primaryW[at0 + headClause] as number) : 0;
    let proximity = 0;
    let phrase = 0;
    if (required.length > 1) {
      let pairs = 0;
      let minPair = 1;
      for (let q = 0; q + 1 < required.length; q++) {
        const a = required[q] as number;
        const b = required[q + 1] as number;
        const w = Math.max(inSpanPair[a] as number, det.adjacent(at0 + a, at0 + b, gap + (b - a - 1)));
        pairs += w;
        if (w < minPair) minPair = w;
      }
      proximity = pairs / (required.length - 1);
      phrase = minPair;
    }
    // per-ordinal columns (a matched document is live, so these are its DocRecord's values)
    const titleLength = index.lengths[doc * FIELD_COUNT + TITLE] as number;
    const docHead = index.titleHeads[doc] as number;
    let titleHead = 0;
    if (docHead >= 0 && headClause >= 0) {
      for (let iv = det.ivHead[at0 + headClause] as number; iv >= 0; iv = det.ivNext[iv] as number) {
        const d = docHead - (det.ivEnd[iv] as number);
        if (d >= 0 && d <= headSlack) titleHead = Math.max(titleHead, det.ivWeight[iv] as number);
      }
    }
    if (bm > maxBm) maxBm = bm;
    rowBm[r] = bm;
    const f = r * NF;
    // FEATURE_NAMES order: coverage, titleCoverage, primaryTitleCoverage, head, headCoverage, proximity, phrase,
    // titleStart, titleFocus, titleHead, titleHeadRated
    rowF[f] = cov;
    rowF[f + 1] = tcov;
    rowF[f + 2] = pcov;
    rowF[f + 3] = head;
    rowF[f + 4] = head * cov;
    rowF[f + 5] = proximity;
    rowF[f + 6] = phrase;
    rowF[f + 7] = Number.isFinite(firstPos) ? 1 / (1 + firstPos) : 0;
    rowF[f + 8] = titleLength > 0 ? Math.min(1, titleHits / titleLength) : 0;
    rowF[f + 9] = titleHead;
    rowF[f + 10] = titleHead * headRate;
    rowSku[r] = skuDocs?.has(doc) ? 1 : 0;
  }

  // match index -> row (-1: not reranked); slotOf still maps ordinal -> match index + 1 here
  const rowOf = new Int32Array(count).fill(-1);
  for (let r = 0; r < nDetailed; r++) rowOf[(slotOf[detailDocs[r] as number] as number) - 1] = r;
  releaseSlots(index, slotOf, ordinals);

  const featureWeights = new Float64Array(rerank ? NF : 0);
  if (rerank)
    FEATURE_NAMES.slice(1).forEach((name, j) => {
      featureWeights[j] = rerank.weights[name as Exclude<FeatureName, 'bm25f'>] ?? 0;
    });
  const scores = new Float64Array(count);
  let pruned = 0;
  const fillPruned = (s1: Float64Array) => {
    for (let i = 0; i < count; i++) {
      if ((rowOf[i] as number) >= 0) continue;
      // A pruned document ranks after every reranked one (its stage-1 score, shifted below them).
      scores[i] = (maxBm > 0 ? (s1[i] as number) / maxBm : 0) - 1;
    }
  };
  for (let i = 0; i < count; i++) {
    const r = rowOf[i] as number;
    if (r < 0) {
      pruned++;
      scores[i] = PRUNED_SCORE;
      continue;
    }
    let score = maxBm > 0 ? (rowBm[r] as number) / maxBm : 0;
    for (let j = 0, f = r * NF; j < featureWeights.length; j++) score += (featureWeights[j] as number) * (rowF[f + j] as number);
    if (rowSku[r]) score += 1000;
    scores[i] = score;
  }
  const prior = rerank?.categoryPrior;
  if (prior && prior.weight > 0 && prior.top > 0 && nDetailed > 0) applyCategoryPrior(index, prior, scores, ordinals, rowOf, count);
  const fb = rerank?.feedback;
  if (fb && fb.weight > 0 && fb.top > 1 && fb.terms > 0 && nDetailed > 0) applyFeedback(index, fb, runs, scores, ordinals, rowOf, count);
  if (stage1 && pruned > 0) fillPruned(stage1);
  // A pruned match's stage-1 score is below the cutoff estimate, so its final score is below this.
  const pruneBound = pruned === 0 ? Number.NEGATIVE_INFINITY : (maxBm > 0 ? cutoff / maxBm : 0) - 1;
  let completed = stage1 !== null;
  const stage1Of = (): Float64Array => {
    if (!stage1) {
      const slots = new Int32Array(cap + 1);
      for (let i = 0; i < count; i++) slots[ordinals[i] as number] = i + 1;
      stage1 = exhaustiveStage1(runs, count, slots, ctx).stage1;
    }
    return stage1;
  };
  const labels = (d: Detail, r: number): (string | null)[] => {
    const out: (string | null)[] = new Array(nc);
    for (let k = 0; k < nc; k++) {
      const ri = d.labelRun[r * nc + k] as number;
      out[k] = ri >= 0 ? (runs[ri] as AltRun).alt.label : null;
    }
    return out;
  };
  return {
    count,
    ordinals,
    scores,
    get pruned() {
      return completed ? 0 : pruned;
    },
    pruneBound,
    stats: { postingsScored, postingsTotal, docsScored },
    isReranked: (i: number) => (rowOf[i] as number) >= 0,
    complete() {
      if (completed) return;
      completed = true;
      if (pruned > 0) fillPruned(stage1Of());
    },
    detail(i: number) {
      const doc = ordinals[i] as number;
      const r = rowOf[i] as number;
      if (r >= 0) {
        const features = { bm25f: maxBm > 0 ? (rowBm[r] as number) / maxBm : 0 } as Features;
        FEATURE_NAMES.slice(1).forEach((name, j) => {
          features[name] = rowF[r * NF + j] as number;
        });
        return { parts: { ...features, bm25fRaw: rowBm[r] as number, skuMatch: rowSku[r] === 1 }, matched: labels(det, r) };
      }
      const bm = stage1Of()[i] as number;
      const one = new Detail(Int32Array.of(doc), nc);
      accumulate(index, runs, one, ctx);
      const features: Features = { bm25f: maxBm > 0 ? bm / maxBm : 0, ...ZERO_FEATURES };
      return { parts: { ...features, bm25fRaw: bm, skuMatch: false }, matched: labels(one, 0) };
    },
  };
}

/** Score of a match whose stage-1 score was not computed (below every real score; see `PlanMatches.complete`). */
const PRUNED_SCORE = -1e300;

/**
 * Adds the category prior (`RerankWeights.categoryPrior`) to the scores of the best `window` reranked matches, in
 * the page order (score descending, then ordinal). Only reranked matches take part: a pruned match ranks after all of
 * them anyway, and the prior (at most `weight`) never lifts a reranked one over a SKU match (+1000).
 */
function applyCategoryPrior(
  index: InvertedIndex,
  prior: NonNullable<RerankWeights['categoryPrior']>,
  scores: Float64Array,
  ordinals: Int32Array,
  rowOf: Int32Array,
  count: number,
): void {
  const best = bestReranked(Math.max(prior.window, prior.top), scores, ordinals, rowOf, count);
  const heads = best.map((i) => index.headTermOf(ordinals[i] as number));
  const voters = Math.min(prior.top, best.length);
  const votes = new Map<string, number>();
  for (let v = 0; v < voters; v++) {
    const h = heads[v];
    if (h != null) votes.set(h, (votes.get(h) ?? 0) + 1);
  }
  for (let v = 0; v < best.length; v++) {
    const h = heads[v];
    if (h != null) scores[best[v] as number] = (scores[best[v] as number] as number) + (prior.weight * (votes.get(h) ?? 0)) / voters;
  }
}

/**
 * Match indexes of the best `n` reranked matches in the page order (score descending, then ordinal), kept sorted by
 * insertion: n is small and most matches fail the first compare against the n-th best.
 */
function bestReranked(n: number, scores: Float64Array, ordinals: Int32Array, rowOf: Int32Array, count: number): number[] {
  const best: number[] = [];
  const before = (a: number, b: number) => {
    const d = (scores[a] as number) - (scores[b] as number);
    return d > 0 || (d === 0 && (ordinals[a] as number) < (ordinals[b] as number));
  };
  for (let i = 0; i < count; i++) {
    if ((rowOf[i] as number) < 0) continue;
    if (best.length === n && !before(i, best[n - 1] as number)) continue;
    let at = best.length === n ? n - 1 : best.length;
    while (at > 0 && before(i, best[at - 1] as number)) {
      best[at] = best[at - 1] as number;
      at--;
    }
    best[at] = i;
  }
  return best;
}

/**
 * Where a term occurs in the document at posting `at` (found by `list.seek`): 1 in the title, `other` only in other
 * fields, 0 not at all. Postings of one document are adjacent and in field order, so the first one says whether the
 * title has the term.
 */
function presenceAt(list: PostingList, at: number, doc: number, other: number): number {
  if (at >= list.n || list.doc(at) !== doc) return 0;
  return list.field(at) === TITLE ? 1 : other;
}

/**
 * Pseudo-relevance feedback (`RerankWeights.feedback`): the best `top` reranked matches vote for their terms, the
 * `terms` heaviest by vote share × idf (query terms, stop words and single-voter terms excluded) form the expansion,
 * and each of the best `window` matches gains `weight` × the weighted share of the expansion it contains. Cost:
 * one posting-list search per distinct term of each voter and per (expansion term, window match); no object per
 * document beyond the window's index list. Like the prior, only reranked matches take part, and the bonus (at most
 * `weight`) never lifts one over a SKU match (+1000).
 */
function applyFeedback(
  index: InvertedIndex,
  fb: NonNullable<RerankWeights['feedback']>,
  runs: readonly AltRun[],
  scores: Float64Array,
  ordinals: Int32Array,
  rowOf: Int32Array,
  count: number,
): void {
  const best = bestReranked(Math.max(fb.window, fb.top), scores, ordinals, rowOf, count);
  const voters = Math.min(fb.top, best.length);
  if (voters < 2) return;
  const own = new Set<string>();
  for (const run of runs) for (const t of run.alt.terms) own.add(t);
  const other = Math.max(0, Math.min(1, fb.description));
  const share = new Map<string, number>();
  const docs = new Map<string, number>();
  for (let v = 0; v < voters; v++) {
    const doc = ordinals[best[v] as number] as number;
    index.forEachTerm(doc, (t) => {
      if (own.has(t) || index.analyzer.isStopWord(t)) return;
      const list = index.postings.get(t);
      if (!list) return;
      const w = presenceAt(list, list.seek(doc, 0), doc, other);
      if (w === 0) return;
      share.set(t, (share.get(t) ?? 0) + w);
      docs.set(t, (docs.get(t) ?? 0) + 1);
    });
  }
  const n = index.docCount;
  const picked: { term: string; w: number }[] = [];
  for (const [t, s] of share) {
    if ((docs.get(t) as number) < 2) continue;
    picked.push({ term: t, w: (s / voters) * idf(n, index.df(t)) });
  }
  if (picked.length === 0) return;
  picked.sort((a, b) => b.w - a.w || (a.term < b.term ? -1 : a.term > b.term ? 1 : 0));
  const expansion = picked.slice(0, fb.terms);
  let total = 0;
  for (const e of expansion) total += e.w;
  if (!(total > 0)) return;
  // the window by ordinal, so each expansion term's list is searched forward once
  const window = best.slice().sort((a, b) => (ordinals[a] as number) - (ordinals[b] as number));
  const bonus = new Float64Array(window.length);
  for (const e of expansion) {
    const list = index.postings.get(e.term) as PostingList;
    let from = 0;
    for (let x = 0; x < window.length; x++) {
      const doc = ordinals[window[x] as number] as number;
      from = list.seek(doc, from);
      if (from >= list.n) break;
      bonus[x] = (bonus[x] as number) + e.w * presenceAt(list, from, doc, other);
    }
  }
  for (let x = 0; x < window.length; x++) {
    const i = window[x] as number;
    scores[i] = (scores[i] as number) + (fb.weight * (bonus[x] as number)) / total;
  }
}
/** Number of second-stage features besides bm25f. */
const NF = FEATURE_NAMES.length - 1;

/** Whether any position is below `limit`. */
function anyBefore(positions: Int32Array, limit: number): boolean {
  for (let x = 0; x < positions.length; x++) if ((positions[x] as number) < limit) return true;
  return false;
}

/** Marks title positions once per round (counting distinct positions without a Set). */
class PositionStamp {
  private marks = new Int32Array(256);
  private round = 0;
  next(): void {
    this.round++;
  }
  /** Marks p; true when it was not marked in this round yet. */
  mark(p: number): boolean {
    if (p >= this.marks.length) {
      const grown = new Int32Array(Math.max(p + 1, 2 * this.marks.length));
      grown.set(this.marks);
      this.marks = grown;
    }
    if (this.marks[p] === this.round) return false;
    this.marks[p] = this.round;
    return true;
  }
}

/**
 * Second-stage detail of the reranked documents (`docs`, ordinals ascending; row r is docs[r]), per row and clause
 * (index r * nc + clause) in flat typed arrays: no object per document. Title matches are intervals in one pool,
 * chained per (row, clause).
 */
class Detail {
  readonly score: Float64Array;
  readonly matchW: Float64Array;
  readonly titleW: Float64Array;
  /** Best weight of a title match before the title's qualifier break. */
  readonly primaryW: Float64Array;
  readonly labelScore: Float64Array;
  /** Run (alternative) whose label names the match of each (row, clause); -1 for none. */
  readonly labelRun: Int32Array;
  /** First title interval of each (row, clause) in the pool; -1 for none. */
  readonly ivHead: Int32Array;
  ivStart = new Int32Array(256);
  ivEnd = new Int32Array(256);
  ivWeight = new Float64Array(256);
  ivNext = new Int32Array(256);
  private ivN = 0;
  /** Span alternatives that matched, per row (rare: compounds and multi-word synonyms). */
  readonly spans: (SpanHit[] | undefined)[];

  constructor(
    readonly docs: Int32Array,
    nc: number,
  ) {
    const n = docs.length * nc;
    this.score = new Float64Array(n);
    this.matchW = new Float64Array(n);
    this.titleW = new Float64Array(n);
    this.primaryW = new Float64Array(n);
    this.labelScore = new Float64Array(n);
    this.labelRun = new Int32Array(n).fill(-1);
    this.ivHead = new Int32Array(n).fill(-1);
    this.spans = new Array<SpanHit[] | undefined>(docs.length).fill(undefined);
  }

  addInterval(at: number, start: number, end: number, weight: number): void {
    if (this.ivN === this.ivStart.length) {
      const size = 2 * this.ivN;
      const grow = <T extends Int32Array | Float64Array>(a: T, b: T): T => {
        b.set(a);
        return b;
      };
      this.ivStart = grow(this.ivStart, new Int32Array(size));
      this.ivEnd = grow(this.ivEnd, new Int32Array(size));
      this.ivWeight = grow(this.ivWeight, new Float64Array(size));
      this.ivNext = grow(this.ivNext, new Int32Array(size));
    }
    const i = this.ivN++;
    this.ivStart[i] = start;
    this.ivEnd[i] = end;
    this.ivWeight[i] = weight;
    this.ivNext[i] = this.ivHead[at] as number;
    this.ivHead[at] = i;
  }

  /** Best weight of an in-order pair of title matches of (a, b) at most `maxGap` positions apart (0 when none). */
  adjacent(a: number, b: number, maxGap: number): number {
    let best = 0;
    for (let x = this.ivHead[a] as number; x >= 0; x = this.ivNext[x] as number) {
      for (let y = this.ivHead[b] as number; y >= 0; y = this.ivNext[y] as number) {
        const d = (this.ivStart[y] as number) - (this.ivEnd[x] as number);
        if (d >= 1 && d <= maxGap) best = Math.max(best, Math.min(this.ivWeight[x] as number, this.ivWeight[y] as number));
      }
    }
    return best;
  }
}

interface SpanHit {
  readonly clause: number;
  readonly span: number;
  readonly score: number;
  readonly weight: number;
  /** Title positions where the span starts (undefined: not in the title). */
  readonly title: Int32Array | undefined;
  /** Words in the span (an interval is [start, start + width - 1]). */
  readonly width: number;
  /** Run index of the span alternative (its label). */
  readonly run: number;
}

/** Per-document detail of every alternative (scores, weights, title intervals, spans, labels), for `det.docs` only. */
function accumulate(index: InvertedIndex, runs: readonly AltRun[], det: Detail, ctx: Ctx): void {
  const docs = det.docs;
  if (docs.length === 0) return;
  const nc = ctx.nc;
  for (let ri = 0; ri < runs.length; ri++) {
    const { ci, clause, alt, list, idf: altIdf } = runs[ri] as AltRun;
    const width = alt.terms.length;
    let c = 0;
    for (let r = 0; r < docs.length; r++) {
      const doc = docs[r] as number;
      c = list.seek(doc, c);
      if (c >= list.n) break;
      if (list.doc(c) !== doc) continue;
      const j = docEnd(list, c);
      let tx = -1;
      for (let x = c; x < j; x++) if (list.field(x) === TITLE) tx = x;
      const tft = tfTilde(list, c, j, doc, ctx);
      c = j;
      const s = alt.weight * altIdf * saturate(tft, ctx.k1);
      const at = r * nc + ci;
      if (alt.span <= 1) {
        if (s > (det.score[at] as number)) det.score[at] = s;
        if (alt.weight > (det.matchW[at] as number)) det.matchW[at] = alt.weight;
        if (tx >= 0) {
          const from = list.start(tx);
          const to = list.end(tx);
          const pos = list.positions;
          if (alt.weight > (det.titleW[at] as number)) det.titleW[at] = alt.weight;
          if (alt.weight > (det.primaryW[at] as number)) {
            let primary = clause.qualifier;
            if (!primary) {
              const brk = index.titleBreakOf(doc);
              for (let x = from; x < to && !primary; x++) primary = (pos[x] as number) < brk;
            }
            if (primary) det.primaryW[at] = alt.weight;
          }
          for (let x = from; x < to; x++) det.addInterval(at, pos[x] as number, (pos[x] as number) + width - 1, alt.weight);
        }
        if (s > (det.labelScore[at] as number)) {
          det.labelScore[at] = s;
          det.labelRun[at] = ri;
        }
      } else {
        const spans = det.spans[r] ?? [];
        det.spans[r] = spans;
        spans.push({
          clause: ci,
          span: Math.min(alt.span, nc - ci),
          score: s,
          weight: alt.weight,
          title: tx >= 0 ? list.positionsOf(tx) : undefined,
          width,
          run: ri,
        });
      }
    }
  }
}

/** Scratch ordinal -> slot arrays, one per index, all zero between calls (executePlan is synchronous). */
const slotScratch = new WeakMap<InvertedIndex, Int32Array>();

function borrowSlots(index: InvertedIndex, size: number): Int32Array {
  const s = slotScratch.get(index);
  if (s && s.length >= size) {
    slotScratch.delete(index);
    return s;
  }
  return new Int32Array(Math.max(size, 64));
}

/** Zeroes the used entries and keeps the array for the next call. */
function releaseSlots(index: InvertedIndex, slots: Int32Array, ordinals: Int32Array): void {
  for (let i = 0; i < ordinals.length; i++) slots[ordinals[i] as number] = 0;
  slotScratch.set(index, slots);
}
