/**
 * Typo correction as a small noisy-channel model. For a typed word w and each
 * vocabulary word c within the edit budget (maxEditsFor):
 *
 *   score(w) = df(w)                 the word as typed, if the catalogue has it
 *   score(c) = df(c) * errorRate^d   a correction d edits away
 *
 * where df is the document frequency of the index term. A correction becomes
 * an alternative with weight maxWeight * score(c) / max(score(w), best score(c)):
 * an unknown word is replaced by its likeliest corrections, a rare word next
 * to a far more common one ("coffe" next to "coffee") also gets the common
 * one, and a common word ("shirt" next to "short") is left alone.
 *
 * The typed word stays an alternative. With `typed: 'posterior'` its weight is
 * its own share of the channel, score(w) / max(score(w), best score(c)): a word
 * the catalogue has once ("sytem", a typo in one description) next to a common
 * correction no longer outranks it with the rare word's large idf; with
 * 'keep' it is always 1.
 *
 * With `context` = κ > 0 (default 3, DEFAULT_SPELLING_CONTEXT), the channel also asks which candidate fits the query's other words (a naive-Bayes
 * context model over the store's own documents, Jelinek–Mercer smoothed with weight λ = κ/(1+κ)):
 *
 *   P(t | c) = λ·n(c,t)/df(c) + (1−λ)·df(t)/N     for each other known, non-stop query term t
 *
 * where n(c,t) counts the documents holding both c and t. Dividing by the background (1−λ)·df(t)/N, the same for
 * every candidate, leaves the factor Π_t (1 + κ·lift(c,t)), lift = n(c,t)·N / (df(c)·df(t)), on both score(w) and
 * score(c): "beer sten" prefers stein (seen with beer) to the commoner step, which never is; "kitchen facet" faucet to face.
 * Candidates that never co-occur with the context keep their context-free order. Cost: one posting-list
 * intersection per (candidate, context term), walking the shorter list and seeking in the longer.
 *
 * With `keyboard` (off by default: the bench's typos are uniform, so CV shows no gain), a one-letter substitution between keys that are
 * neighbours on a QWERTY keyboard, and a transposition, count as one edit;
 * a substitution by a distant key counts `distantKey` edits (default 1.5),
 * the usual finding that most substitution typos hit a neighbouring key.
 */

import type { Analyzer } from '../analysis/analyzer.ts';
import type { InvertedIndex } from '../index/inverted-index.ts';
import type { Lexicon } from './lexicon.ts';
import { isTypoCorrectable, maxEditsFor } from './typo-index.ts';

export interface SpellingOptions {
  /** Per-edit likelihood factor (default 0.1). */
  readonly errorRate?: number;
  /** Weight of the best correction of an unknown word (default 0.9). */
  readonly maxWeight?: number;
  /** Corrections below this weight are dropped (default 0.05). */
  readonly minWeight?: number;
  /** At most this many corrections per word (default 3). */
  readonly maxCandidates?: number;
  /** Known words shorter than this are never corrected (default 5: short words have too many neighbours). */
  readonly knownMinLength?: number;
  /** Weight of the typed word: always 1 ('keep') or its posterior share against the corrections ('posterior'). */
  readonly typed?: 'keep' | 'posterior';
  /** Keyboard-aware edit cost for one-letter substitutions (default false: no gain in cross-validation, see docs/design/search.md). */
  readonly keyboard?: boolean;
  /** Edits a substitution by a non-neighbouring key counts as (default 1.5). */
  readonly distantKey?: number;
  /**
   * Weight κ of the query's other words as evidence for a correction (default DEFAULT_SPELLING_CONTEXT; 0 is
   * context-free; see above). buildPlan passes the other words' terms.
   */
  readonly context?: number;
}

/**
 * κ = 3 (λ = 0.75): chosen by 5-fold CV on synthetic typos (docs/design/search.md, round 19). Every value from 1 to
 * 30 scores the same there: what matters is whether a candidate co-occurs with the other words at all.
 */
export const DEFAULT_SPELLING_CONTEXT = 3;

const QWERTY = ['qwertyuiop', 'asdfghjkl', 'zxcvbnm'];
const KEY_POS = new Map<string, [number, number]>();
QWERTY.forEach((row, r) => {
  for (let c = 0; c < row.length; c++) KEY_POS.set(row[c] as string, [r, c + r * 0.5]);
});

/** Whether two letters are neighbouring keys on a QWERTY keyboard (same or adjacent row, at most one key apart). */
export function adjacentKeys(a: string, b: string): boolean {
  const p = KEY_POS.get(a);
  const q = KEY_POS.get(b);
  if (!p || !q || a === b) return false;
  return Math.abs(p[0] - q[0]) <= 1 && Math.abs(p[1] - q[1]) <= 1;
}

/**
 * Edit cost of a candidate found at OSA distance `distance`: the distance, except that a single substitution by a
 * key that is not a neighbour of the typed one costs `distantKey`.
 */
export function keyboardDistance(typed: string, candidate: string, distance: number, distantKey: number): number {
  if (distance !== 1 || typed.length !== candidate.length) return distance;
  let diff = -1;
  for (let i = 0; i < typed.length; i++) {
    if (typed[i] === candidate[i]) continue;
    if (diff >= 0) return distance; // two differences at distance 1: a transposition
    diff = i;
  }
  if (diff < 0) return distance;
  return adjacentKeys(typed[diff] as string, candidate[diff] as string) ? 1 : distantKey;
}

export interface SpellingModel {
  /** Weight of the word as typed (1 unless `typed: 'posterior'` finds a likelier correction). */
  readonly typedWeight: number;
  readonly corrections: Correction[];
}

export interface Correction {
  readonly term: string;
  readonly surface: string;
  readonly distance: number;
  readonly weight: number;
}

export function corrections(word: string, ctx: { analyzer: Analyzer; index: InvertedIndex; lexicon: Lexicon }, opts: SpellingOptions = {}): Correction[] {
  return spellingModel(word, ctx, opts).corrections;
}

const NONE: SpellingModel = { typedWeight: 1, corrections: [] };

/** Documents holding both terms: the shorter list's documents, each sought in the longer list (postings are sorted by document). */
export function cooccurrence(index: InvertedIndex, a: string, b: string): number {
  let x = index.postings.get(a);
  let y = index.postings.get(b);
  if (!x || !y || x.n === 0 || y.n === 0) return 0;
  if (x.n > y.n) [x, y] = [y, x];
  let count = 0;
  let last = -1;
  let j = 0;
  for (let i = 0; i < x.n && j < y.n; i++) {
    const d = x.doc(i);
    if (d === last) continue; // another field of the same document
    last = d;
    j = y.seek(d, j);
    if (j < y.n && y.doc(j) === d) count++;
  }
  return count;
}

/** Π over the context terms of (1 + κ·lift(term, t)): the context model's factor on a score (1 without context). */
function contextFactor(index: InvertedIndex, term: string, df: number, context: readonly string[], kappa: number): number {
  if (kappa <= 0 || df <= 0) return 1;
  const n = index.docCount;
  let f = 1;
  for (const t of context) {
    if (t === term) continue;
    const dt = index.df(t);
    if (dt <= 0) continue;
    const both = cooccurrence(index, term, t);
    if (both > 0) f *= 1 + (kappa * both * n) / (df * dt);
  }
  return f;
}

/**
 * The spelling model of one query word. `context`: index terms of the query's other words (used only with
 * `opts.context` > 0).
 */
export function spellingModel(
  word: string,
  ctx: { analyzer: Analyzer; index: InvertedIndex; lexicon: Lexicon },
  opts: SpellingOptions = {},
  context: readonly string[] = [],
): SpellingModel {
  if (!isTypoCorrectable(word)) return NONE;
  const maxD = maxEditsFor(word.length);
  if (maxD === 0) return NONE;
  const { analyzer, index, lexicon } = ctx;
  const term = analyzer.term(word);
  const ownDf = index.df(term);
  if (ownDf > 0 && word.length < (opts.knownMinLength ?? 5)) return NONE;
  const kappa = context.length > 0 ? (opts.context ?? DEFAULT_SPELLING_CONTEXT) : 0;
  const own = ownDf * contextFactor(index, term, ownDf, context, kappa);
  const errorRate = opts.errorRate ?? 0.1;
  const keyboard = opts.keyboard ?? false;
  const distantKey = opts.distantKey ?? 1.5;
  const byTerm = new Map<string, { surface: string; distance: number; score: number; factor: number }>();
  for (const c of lexicon.typoCandidates(word, maxD)) {
    const t = lexicon.termOf(c.surface) ?? c.surface;
    if (t === term) continue;
    const cost = keyboard ? keyboardDistance(word, c.surface, c.distance, distantKey) : c.distance;
    const prev = byTerm.get(t);
    const df = index.df(t);
    // a term reached from two surfaces has one context factor: computed once
    const factor = prev ? prev.factor : contextFactor(index, t, df, context, kappa);
    const score = df * errorRate ** cost * factor;
    if (!prev || score > prev.score || (score === prev.score && lexicon.surfaceDf(c.surface) > lexicon.surfaceDf(prev.surface))) {
      byTerm.set(t, { surface: c.surface, distance: c.distance, score, factor });
    }
  }
  if (byTerm.size === 0) return NONE;
  const best = Math.max(...[...byTerm.values()].map((c) => c.score));
  const norm = Math.max(own, best);
  if (norm <= 0) return NONE;
  const maxWeight = opts.maxWeight ?? 0.9;
  const minWeight = opts.minWeight ?? 0.05;
  // 'posterior': the typed word keeps at least the weight of a correction of the same score (maxWeight x own / norm).
  const typedWeight = opts.typed === 'posterior' && own > 0 ? Math.max(minWeight, Math.min(1, own / norm)) : 1;
  const list = [...byTerm.entries()]
    .map(([t, c]) => ({ term: t, surface: c.surface, distance: c.distance, weight: (maxWeight * c.score) / norm }))
    .filter((c) => c.weight >= minWeight)
    .sort((a, b) => b.weight - a.weight || (a.term < b.term ? -1 : 1))
    .slice(0, opts.maxCandidates ?? 3);
  return { typedWeight, corrections: list };
}
