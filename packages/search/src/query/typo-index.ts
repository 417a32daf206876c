/**
 * Symmetric-deletion lookup over the vocabulary's surface forms (SymSpell
 * idea): every word is stored under the strings obtained by deleting up to
 * one character (two for words of 8+ letters); a query word's own deletions
 * are looked up and the candidates verified with the real edit distance.
 *
 * Persistent form: search_vocab_deletes(variant, surface). Entries of words
 * that left the vocabulary are skipped at lookup (the vocabulary is the
 * source of truth) and cleaned on the next rebuild.
 */

import { deletions, editDistance } from './edit-distance.ts';

export interface TypoCandidate {
  readonly surface: string;
  readonly distance: number;
}

const LETTERS_ONLY = /^\p{L}+$/u;

/** Typo budget for a query word of this length: none below 4 letters, 1 for 4-7, 2 from 8. */
export function maxEditsFor(length: number): number {
  if (length < 4) return 0;
  return length >= 8 ? 2 : 1;
}

export function isTypoCorrectable(surface: string): boolean {
  return LETTERS_ONLY.test(surface);
}

export class DeletionIndex {
  private readonly map = new Map<string, string[]>();
  private size = 0;

  get entries(): number {
    return this.size;
  }

  add(surface: string): void {
    if (surface.length < 3 || !isTypoCorrectable(surface)) return;
    // Two deletions are only needed on words of 8+ letters: a query within 2 edits
    // of a shorter word always reaches it with one deletion on the word's side.
    const depth = surface.length >= 8 ? 2 : 1;
    for (const v of deletions(surface, depth)) {
      const list = this.map.get(v);
      if (list) {
        if (!list.includes(surface)) list.push(surface);
      } else this.map.set(v, [surface]);
      this.size++;
    }
  }

  /**
   * Vocabulary words within `maxDistance` edits of `word` (the word itself excluded).
   * `exists` filters out words that left the vocabulary.
   */
  lookup(word: string, maxDistance: number, exists: (surface: string) => boolean): TypoCandidate[] {
    if (maxDistance <= 0) return [];
    const seen = new Set<string>();
    const out: TypoCandidate[] = [];
    for (const v of deletions(word, maxDistance)) {
      const list = this.map.get(v);
      if (!list) continue;
      for (const s of list) {
        if (s === word || seen.has(s)) continue;
        seen.add(s);
        if (!exists(s)) continue;
        const d = editDistance(word, s, maxDistance);
        if (d <= maxDistance) out.push({ surface: s, distance: d });
      }
    }
    return out;
  }
}
