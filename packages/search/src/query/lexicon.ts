/**
 * Vocabulary lookups derived from the index's surface vocabulary: typo
 * candidates (deletion index), prefix completions (sorted surfaces) and
 * two-word decompounding. Derived structures are built lazily and kept in
 * step with the vocabulary (the deletion index incrementally, the sorted
 * prefix array on the next lookup after a change).
 *
 * Postgres: prefix completion is `surface LIKE $1 || '%'` on a
 * text_pattern_ops index of search_vocab; the deletion index is a table.
 */

import type { InvertedIndex } from '../index/inverted-index.ts';
import { type DeletionArrays, DeletionIndex, isTypoCorrectable, type TypoCandidate } from './typo-index.ts';

export interface Completion {
  readonly surface: string;
  readonly df: number;
}

export interface Split {
  readonly parts: readonly [string, string];
  readonly score: number;
}

export class Lexicon {
  private deletionIndex: DeletionIndex | null = null;
  private sorted: string[] | null = null;
  private sortedVersion = -1;

  constructor(private readonly index: InvertedIndex) {
    index.onNewSurface = (s) => {
      this.deletionIndex?.add(s);
    };
  }

  /** Document frequency of a surface form (0 when unknown). */
  surfaceDf(surface: string): number {
    return this.index.vocab.get(surface)?.df ?? 0;
  }

  termOf(surface: string): string | undefined {
    return this.index.vocab.get(surface)?.term;
  }

  private deletions(): DeletionIndex {
    if (!this.deletionIndex) this.deletionIndex = DeletionIndex.build(this.index.vocab.keys());
    return this.deletionIndex;
  }

  /** The typo lookup's arrays (built now if needed), for a snapshot. */
  exportDeletions(): DeletionArrays {
    return this.deletions().toArrays();
  }

  /** Uses arrays from `exportDeletions` (of the same vocabulary) instead of building them on first use. */
  importDeletions(arrays: DeletionArrays): void {
    this.deletionIndex = DeletionIndex.fromArrays(arrays);
  }

  /** Vocabulary surfaces within `maxDistance` edits. */
  typoCandidates(word: string, maxDistance: number): TypoCandidate[] {
    if (!isTypoCorrectable(word)) return [];
    return this.deletions().lookup(word, maxDistance, (s) => this.index.vocab.has(s));
  }

  /** Up to `limit` vocabulary surfaces that start with `prefix` (itself excluded), most frequent first. */
  completions(prefix: string, limit: number): Completion[] {
    if (this.sorted === null || this.sortedVersion !== this.index.vocabVersion) {
      this.sorted = [...this.index.vocab.keys()].sort();
      this.sortedVersion = this.index.vocabVersion;
    }
    const arr = this.sorted;
    let lo = 0;
    let hi = arr.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((arr[mid] as string) < prefix) lo = mid + 1;
      else hi = mid;
    }
    const out: Completion[] = [];
    for (let i = lo; i < arr.length; i++) {
      const s = arr[i] as string;
      if (!s.startsWith(prefix)) break;
      if (s === prefix) continue;
      out.push({ surface: s, df: this.surfaceDf(s) });
    }
    out.sort((a, b) => b.df - a.df || (a.surface < b.surface ? -1 : 1));
    return out.slice(0, limit);
  }

  /**
   * Best split of an unknown word into two known words ("harleydavidson" ->
   * "harley" "davidson"), also allowing the letter at the seam to be shared
   * ("hardisk" -> "hard" "disk"). Parts need `minPart` letters and a df of at
   * least `minDf`; the split whose rarer part is most frequent wins.
   */
  split(word: string, minPart = 3, minDf = 2): Split | null {
    if (!isTypoCorrectable(word) || word.length < 2 * minPart) return null;
    let best: Split | null = null;
    const consider = (a: string, b: string) => {
      if (a.length < minPart || b.length < minPart) return;
      const score = Math.min(this.surfaceDf(a), this.surfaceDf(b));
      if (score < minDf) return;
      if (!best || score > best.score) best = { parts: [a, b], score };
    };
    for (let i = minPart; i <= word.length - minPart; i++) {
      consider(word.slice(0, i), word.slice(i));
      consider(word.slice(0, i), word.slice(i - 1)); // shared seam letter
    }
    return best;
  }
}
