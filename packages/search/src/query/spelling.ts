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
}

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

export function spellingModel(word: string, ctx: { analyzer: Analyzer; index: InvertedIndex; lexicon: Lexicon }, opts: SpellingOptions = {}): SpellingModel {
  if (!isTypoCorrectable(word)) return NONE;
  const maxD = maxEditsFor(word.length);
  if (maxD === 0) return NONE;
  const { analyzer, index, lexicon } = ctx;
  const term = analyzer.term(word);
  const own = index.df(term);
  if (own > 0 && word.length < (opts.knownMinLength ?? 5)) return NONE;
  const errorRate = opts.errorRate ?? 0.1;
  const keyboard = opts.keyboard ?? false;
  const distantKey = opts.distantKey ?? 1.5;
  const byTerm = new Map<string, { surface: string; distance: number; score: number }>();
  for (const c of lexicon.typoCandidates(word, maxD)) {
    const t = lexicon.termOf(c.surface) ?? c.surface;
    if (t === term) continue;
    const cost = keyboard ? keyboardDistance(word, c.surface, c.distance, distantKey) : c.distance;
    const score = index.df(t) * errorRate ** cost;
    const prev = byTerm.get(t);
    if (!prev || score > prev.score || (score === prev.score && lexicon.surfaceDf(c.surface) > lexicon.surfaceDf(prev.surface))) {
      byTerm.set(t, { surface: c.surface, distance: c.distance, score });
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
