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
 * queries with round values; see the package README). An exact SKU match
 * always comes first.
 */

import type { InvertedIndex, Posting } from '../index/inverted-index.ts';
import { normalizeSku } from '../index/inverted-index.ts';
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
}

export const DEFAULT_RERANK: RerankWeights = {
  weights: { coverage: 1, titleCoverage: 0.5, head: 0.75, proximity: 0.25, phrase: 0.25, titleHead: 0.25 },
  idfWeightedCoverage: true,
  proximityGap: 1,
  titleHeadSlack: 0,
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
  readonly bm25f?: Bm25fParams;
  /** `null` disables the second stage (plain BM25F order). */
  readonly rerank?: RerankWeights | null;
}

interface Interval {
  readonly start: number;
  readonly end: number;
  /** Weight of the alternative that matched here. */
  readonly weight: number;
}

interface DocAcc {
  readonly score: Float64Array;
  readonly matchW: Float64Array;
  readonly titleW: Float64Array;
  /** Best weight of a title match before the title's qualifier break. */
  readonly primaryW: Float64Array;
  readonly title: (Interval[] | undefined)[];
  readonly label: (string | null)[];
  readonly labelScore: Float64Array;
  spans: SpanHit[] | undefined;
}

interface SpanHit {
  readonly clause: number;
  readonly span: number;
  readonly score: number;
  readonly weight: number;
  readonly title: Interval[] | undefined;
  readonly label: string;
}

function newAcc(n: number): DocAcc {
  return {
    score: new Float64Array(n),
    matchW: new Float64Array(n),
    titleW: new Float64Array(n),
    primaryW: new Float64Array(n),
    title: new Array<Interval[] | undefined>(n).fill(undefined),
    label: new Array<string | null>(n).fill(null),
    labelScore: new Float64Array(n),
    spans: undefined,
  };
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
  /** Score parts and matched alternatives of match `i`. */
  detail(i: number): { parts: ScoreParts; matched: readonly (string | null)[] };
}

interface AltRun {
  readonly ci: number;
  readonly clause: Clause;
  readonly alt: Alternative;
  readonly postings: readonly Posting[];
  readonly idf: number;
}

/** Ordering of scorePlan: score descending, then ordinal ascending. */
export function compareScored(a: { score: number; ordinal: number }, b: { score: number; ordinal: number }): number {
  return b.score - a.score || a.ordinal - b.ordinal;
}

export function scorePlan(index: InvertedIndex, plan: QueryPlan, options: ScoreOptions = {}): ScoredDoc[] {
  const m = executePlan(index, plan, options);
  const out: ScoredDoc[] = new Array(m.count);
  for (let i = 0; i < m.count; i++) {
    const d = m.detail(i);
    out[i] = { ordinal: m.ordinals[i] as number, score: m.scores[i] as number, parts: d.parts, matched: d.matched };
  }
  out.sort(compareScored);
  return out;
}

/**
 * Scores a plan in two passes. Pass 1 walks each alternative's postings
 * once into flat typed arrays (per match: best score and weight per clause,
 * summed span scores) without allocating per document. Pass 2 computes the
 * second-stage features (title positions, proximity, head, ...) only for the
 * `rerankTopK` best matches by their stage-1 upper bound (and SKU matches);
 * the others keep their stage-1 score and rank after them.
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
  const k1 = params.k1;
  // importance of each word for coverage: idf of the typed word, else of its best alternative
  const clauseIdf = new Float64Array(nc);
  const exactIdf = new Float64Array(nc);

  const runs: AltRun[] = [];
  let postingTotal = 0;
  clauses.forEach((clause: Clause, ci) => {
    for (const alt of clause.alternatives) {
      const m = matchTerms(index, alt.terms);
      if (m.postings.length === 0) continue;
      const altIdf = idf(n, m.df);
      if (alt.source === 'exact') exactIdf[ci] = altIdf;
      else if (altIdf > (clauseIdf[ci] as number)) clauseIdf[ci] = altIdf;
      runs.push({ ci, clause, alt, postings: m.postings, idf: altIdf });
      postingTotal += m.postings.length;
    }
  });
  for (let ci = 0; ci < nc; ci++) {
    if ((exactIdf[ci] as number) > 0) clauseIdf[ci] = exactIdf[ci] as number;
    else if (clauseIdf[ci] === 0) clauseIdf[ci] = idf(n, 1);
  }
  const skuKey = normalizeSku(plan.text);
  const skuDocs = skuKey.length > 0 ? index.skuIndex.get(skuKey) : undefined;

  // ---- pass 1: stage-1 scores of every match, in flat arrays
  const maxSlots = Math.min(cap, postingTotal) + (skuDocs?.size ?? 0);
  const slotOf = new Int32Array(cap + 1); // ordinal -> slot + 1 (0: no match)
  const slotDoc = new Int32Array(maxSlots);
  const slotScore = new Float64Array(Math.max(1, maxSlots * nc));
  const slotSpan = new Float64Array(maxSlots);
  let slots = 0;
  const altTft = new Float64Array(cap + 1);
  const altDocs = new Int32Array(cap + 1);
  const altSeen = new Int32Array(cap + 1); // ordinal -> run number + 1 of the last run that listed it
  let runNo = 0;
  for (const run of runs) {
    runNo++;
    let na = 0;
    for (const p of run.postings) {
      const rec = index.doc(p.doc);
      if (!rec) continue;
      const contrib = fieldTf(p.tf, weights[p.field] ?? 0, bs[p.field] ?? 0, rec.fieldLengths[p.field] ?? 0, avg[p.field] ?? 0);
      if (altSeen[p.doc] !== runNo) {
        altSeen[p.doc] = runNo;
        altDocs[na++] = p.doc;
      }
      altTft[p.doc] = (altTft[p.doc] as number) + contrib;
    }
    const scale = run.alt.weight * run.idf;
    const single = run.alt.span <= 1;
    const ci = run.ci;
    for (let j = 0; j < na; j++) {
      const doc = altDocs[j] as number;
      const tft = altTft[doc] as number;
      altTft[doc] = 0;
      const s = scale * saturate(tft, k1);
      let slot = (slotOf[doc] as number) - 1;
      if (slot < 0) {
        slot = slots++;
        slotOf[doc] = slot + 1;
        slotDoc[slot] = doc;
      }
      if (single) {
        const at = slot * nc + ci;
        if (s > (slotScore[at] as number)) slotScore[at] = s;
      } else slotSpan[slot] = (slotSpan[slot] as number) + s;
    }
  }
  if (skuDocs)
    for (const d of skuDocs) {
      if ((slotOf[d] as number) > 0) continue;
      slotOf[d] = slots + 1;
      slotDoc[slots++] = d;
    }

  const stage1 = new Float64Array(slots); // sum over clauses (before spans replace clauses)
  const estimate = new Float64Array(slots); // upper bound: every span alternative counted too
  for (let i = 0; i < slots; i++) {
    let e = 0;
    for (let k = 0; k < nc; k++) e += slotScore[i * nc + k] as number;
    stage1[i] = e;
    estimate[i] = e + (slotSpan[i] as number);
  }
  // Stage-1 cut-off: with very common words most matches cannot reach the top; skip their features.
  const topK = options.rerankTopK ?? 1000;
  let cutoff = Number.NEGATIVE_INFINITY;
  if (rerank && slots > topK) {
    const est = estimate.slice();
    est.sort();
    cutoff = est[est.length - topK] as number;
  }

  // ---- pass 2: second-stage features of the documents above the cut-off
  const detailed = new Map<number, DocAcc>();
  for (let i = 0; i < slots; i++) {
    const doc = slotDoc[i] as number;
    if ((estimate[i] as number) >= cutoff || skuDocs?.has(doc)) detailed.set(doc, newAcc(nc));
  }
  accumulate(index, runs, detailed, { weights, bs, avg, k1, nc });

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
  const titleBreakOf = (doc: number) => index.doc(doc)?.titleBreak ?? Number.POSITIVE_INFINITY;

  let maxBm = 0;
  const rows = new Map<number, { bm: number; f: Omit<Features, 'bm25f'>; sku: boolean; matched: (string | null)[] }>();
  for (const [doc, acc] of detailed) {
    const inSpanPair = new Map<number, number>();
    if (acc.spans) {
      for (const sp of acc.spans) {
        let sum = 0;
        for (let k = sp.clause; k < sp.clause + sp.span; k++) sum += acc.score[k] as number;
        if (sp.score > sum) {
          for (let k = sp.clause; k < sp.clause + sp.span; k++) {
            acc.score[k] = sp.score / sp.span;
            acc.label[k] = sp.label;
          }
        }
        for (let k = sp.clause; k < sp.clause + sp.span; k++) {
          if (sp.weight > (acc.matchW[k] as number)) acc.matchW[k] = sp.weight;
          if (sp.title) {
            if (sp.weight > (acc.titleW[k] as number)) acc.titleW[k] = sp.weight;
            if (sp.weight > (acc.primaryW[k] as number) && ((clauses[k] as Clause).qualifier || sp.title.some((iv) => iv.start < titleBreakOf(doc))))
              acc.primaryW[k] = sp.weight;
            addIntervals(acc, k, sp.title);
            if (k < sp.clause + sp.span - 1) inSpanPair.set(k, Math.max(inSpanPair.get(k) ?? 0, sp.weight));
          }
        }
      }
    }
    let bm = 0;
    for (let k = 0; k < nc; k++) bm += acc.score[k] as number;
    let cov = 0;
    let tcov = 0;
    let pcov = 0;
    let firstPos = Number.POSITIVE_INFINITY;
    let titleHits = 0;
    required.forEach((ci, r) => {
      cov += (covWeight[r] as number) * (acc.matchW[ci] as number);
      tcov += (covWeight[r] as number) * (acc.titleW[ci] as number);
      pcov += (covWeight[r] as number) * (acc.primaryW[ci] as number);
      const t = acc.title[ci];
      if (t) {
        const seen = new Set<number>();
        for (const iv of t) {
          if (iv.start < firstPos) firstPos = iv.start;
          for (let p = iv.start; p <= iv.end; p++) seen.add(p);
        }
        titleHits += seen.size;
      }
    });
    cov /= covTotal;
    tcov /= covTotal;
    pcov /= covTotal;
    const head = headClause >= 0 ? (acc.primaryW[headClause] as number) : 0;
    let proximity = 0;
    let phrase = 0;
    if (required.length > 1) {
      let pairs = 0;
      let minPair = 1;
      for (let r = 0; r + 1 < required.length; r++) {
        const a = required[r] as number;
        const b = required[r + 1] as number;
        const w = Math.max(inSpanPair.get(a) ?? 0, adjacent(acc.title[a], acc.title[b], gap + (b - a - 1)));
        pairs += w;
        if (w < minPair) minPair = w;
      }
      proximity = pairs / (required.length - 1);
      phrase = minPair;
    }
    const rec = index.doc(doc);
    const titleLength = rec?.fieldLengths[TITLE] ?? 0;
    let titleHead = 0;
    const headHits = headClause >= 0 ? acc.title[headClause] : undefined;
    if (rec && rec.titleHead >= 0 && headHits) {
      for (const iv of headHits) {
        const d = rec.titleHead - iv.end;
        if (d >= 0 && d <= headSlack) titleHead = Math.max(titleHead, iv.weight);
      }
    }
    if (bm > maxBm) maxBm = bm;
    rows.set(doc, {
      bm,
      f: {
        coverage: cov,
        titleCoverage: tcov,
        primaryTitleCoverage: pcov,
        head,
        headCoverage: head * cov,
        proximity,
        phrase,
        titleStart: Number.isFinite(firstPos) ? 1 / (1 + firstPos) : 0,
        titleFocus: titleLength > 0 ? Math.min(1, titleHits / titleLength) : 0,
        titleHead,
        titleHeadRated: titleHead * headRate,
      },
      sku: skuDocs?.has(doc) ?? false,
      matched: acc.label,
    });
  }

  const featureWeights: [Exclude<FeatureName, 'bm25f'>, number][] = [];
  if (rerank) for (const name of FEATURE_NAMES) if (name !== 'bm25f') featureWeights.push([name, rerank.weights[name] ?? 0]);
  const scores = new Float64Array(slots);
  for (let i = 0; i < slots; i++) {
    const row = rows.get(slotDoc[i] as number);
    if (!row) {
      // A pruned document ranks after every reranked one (its stage-1 score, shifted below them).
      scores[i] = (maxBm > 0 ? (stage1[i] as number) / maxBm : 0) - 1;
      continue;
    }
    let score = maxBm > 0 ? row.bm / maxBm : 0;
    for (const [name, w] of featureWeights) score += w * row.f[name];
    if (row.sku) score += 1000;
    scores[i] = score;
  }
  const ordinals = slotDoc.subarray(0, slots);
  return {
    count: slots,
    ordinals,
    scores,
    detail(i: number) {
      const doc = ordinals[i] as number;
      const row = rows.get(doc);
      if (row) {
        const features: Features = { bm25f: maxBm > 0 ? row.bm / maxBm : 0, ...row.f };
        return { parts: { ...features, bm25fRaw: row.bm, skuMatch: row.sku }, matched: row.matched };
      }
      const bm = stage1[i] as number;
      const one = new Map([[doc, newAcc(nc)]]);
      accumulate(index, runs, one, { weights, bs, avg, k1, nc });
      const features: Features = { bm25f: maxBm > 0 ? bm / maxBm : 0, ...ZERO_FEATURES };
      return { parts: { ...features, bm25fRaw: bm, skuMatch: false }, matched: one.get(doc)?.label ?? [] };
    },
  };
}

/** Per-document detail of every alternative (scores, weights, title intervals, spans, labels), for the given documents only. */
function accumulate(
  index: InvertedIndex,
  runs: readonly AltRun[],
  accs: Map<number, DocAcc>,
  p: { weights: number[]; bs: number[]; avg: number[]; k1: number; nc: number },
): void {
  if (accs.size === 0) return;
  const titleBreakOf = (doc: number) => index.doc(doc)?.titleBreak ?? Number.POSITIVE_INFINITY;
  for (const { ci, clause, alt, postings, idf: altIdf } of runs) {
    const perDoc = new Map<number, { tft: number; title: readonly number[] | undefined }>();
    for (const post of postings) {
      if (!accs.has(post.doc)) continue;
      const rec = index.doc(post.doc);
      if (!rec) continue;
      const w = p.weights[post.field] ?? 0;
      const contrib = fieldTf(post.tf, w, p.bs[post.field] ?? 0, rec.fieldLengths[post.field] ?? 0, p.avg[post.field] ?? 0);
      const cur = perDoc.get(post.doc);
      if (cur) {
        cur.tft += contrib;
        if (post.field === TITLE) cur.title = post.positions;
      } else perDoc.set(post.doc, { tft: contrib, title: post.field === TITLE ? post.positions : undefined });
    }
    const width = alt.terms.length;
    for (const [doc, { tft, title }] of perDoc) {
      const s = alt.weight * altIdf * saturate(tft, p.k1);
      const acc = accs.get(doc) as DocAcc;
      const intervals = title?.map((start) => ({ start, end: start + width - 1, weight: alt.weight }));
      if (alt.span <= 1) {
        if (s > (acc.score[ci] as number)) acc.score[ci] = s;
        if (alt.weight > (acc.matchW[ci] as number)) acc.matchW[ci] = alt.weight;
        if (intervals) {
          if (alt.weight > (acc.titleW[ci] as number)) acc.titleW[ci] = alt.weight;
          if (alt.weight > (acc.primaryW[ci] as number) && (clause.qualifier || intervals.some((iv) => iv.start < titleBreakOf(doc))))
            acc.primaryW[ci] = alt.weight;
          addIntervals(acc, ci, intervals);
        }
        if (s > (acc.labelScore[ci] as number)) {
          acc.labelScore[ci] = s;
          acc.label[ci] = alt.label;
        }
      } else {
        acc.spans ??= [];
        acc.spans.push({ clause: ci, span: Math.min(alt.span, p.nc - ci), score: s, weight: alt.weight, title: intervals, label: alt.label });
      }
    }
  }
}

function addIntervals(acc: DocAcc, clause: number, intervals: readonly Interval[]): void {
  const cur = acc.title[clause];
  if (cur) cur.push(...intervals);
  else acc.title[clause] = [...intervals];
}

/** Best weight of an in-order pair of matches at most `maxGap` positions apart (0 when none). */
function adjacent(a: Interval[] | undefined, b: Interval[] | undefined, maxGap: number): number {
  if (!a || !b) return 0;
  let best = 0;
  for (const x of a) {
    for (const y of b) {
      const d = y.start - x.end;
      if (d >= 1 && d <= maxGap) best = Math.max(best, Math.min(x.weight, y.weight));
    }
  }
  return best;
}
