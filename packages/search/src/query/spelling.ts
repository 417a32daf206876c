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
 * one, and a common word ("shirt" next to "short") is left alone. The typed
 * word itself always stays an alternative with weight 1.
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
}

export interface Correction {
  readonly term: string;
  readonly surface: string;
  readonly distance: number;
  readonly weight: number;
}

export function corrections(word: string, ctx: { analyzer: Analyzer; index: InvertedIndex; lexicon: Lexicon }, opts: SpellingOptions = {}): Correction[] {
  if (!isTypoCorrectable(word)) return [];
  const maxD = maxEditsFor(word.length);
  if (maxD === 0) return [];
  const { analyzer, index, lexicon } = ctx;
  const term = analyzer.term(word);
  const own = index.df(term);
  if (own > 0 && word.length < (opts.knownMinLength ?? 5)) return [];
  const errorRate = opts.errorRate ?? 0.1;
  const byTerm = new Map<string, { surface: string; distance: number; score: number }>();
  for (const c of lexicon.typoCandidates(word, maxD)) {
    const t = lexicon.termOf(c.surface) ?? c.surface;
    if (t === term) continue;
    const score = index.df(t) * errorRate ** c.distance;
    const prev = byTerm.get(t);
    if (!prev || score > prev.score || (score === prev.score && lexicon.surfaceDf(c.surface) > lexicon.surfaceDf(prev.surface))) {
      byTerm.set(t, { surface: c.surface, distance: c.distance, score });
    }
  }
  if (byTerm.size === 0) return [];
  const best = Math.max(...[...byTerm.values()].map((c) => c.score));
  const norm = Math.max(own, best);
  if (norm <= 0) return [];
  const maxWeight = opts.maxWeight ?? 0.9;
  const minWeight = opts.minWeight ?? 0.05;
  return [...byTerm.entries()]
    .map(([t, c]) => ({ term: t, surface: c.surface, distance: c.distance, weight: (maxWeight * c.score) / norm }))
    .filter((c) => c.weight >= minWeight)
    .sort((a, b) => b.weight - a.weight || (a.term < b.term ? -1 : 1))
    .slice(0, opts.maxCandidates ?? 3);
}
