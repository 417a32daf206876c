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

/** FNV-1a over UTF-16 code units. */
function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Whether `v` is `s` with at most `depth` characters deleted (i.e. one of `deletions(s, depth)`). */
function isDeletionOf(v: string, s: string, depth: number): boolean {
  const extra = s.length - v.length;
  if (extra < 0 || extra > depth) return false;
  let j = 0;
  for (let i = 0; i < s.length && j < v.length; i++) if (s.charCodeAt(i) === v.charCodeAt(j)) j++;
  return j === v.length;
}

const depthOf = (surface: string) => (surface.length >= 8 ? 2 : 1);

/** The deletion index's bulk part as plain arrays (what a snapshot stores). */
export interface DeletionArrays {
  readonly surfaces: readonly string[];
  /** (hash of a deletion variant, index into surfaces), sorted by hash then index. */
  readonly hashes: Uint32Array;
  readonly owners: Int32Array;
}

/**
 * Words stored under their deletion variants. The bulk of the vocabulary
 * sits in two sorted typed arrays keyed by a 32-bit hash of the variant (8
 * bytes per entry instead of a Map entry per variant string); a hash hit is
 * confirmed by checking that the variant really is a deletion of the word,
 * so collisions never add candidates. Words added after the bulk build go to
 * a small Map, looked up after the arrays (the order a Map-only index had).
 */
export class DeletionIndex {
  private readonly map = new Map<string, string[]>();
  private base: DeletionArrays = { surfaces: [], hashes: new Uint32Array(0), owners: new Int32Array(0) };
  private size = 0;

  get entries(): number {
    return this.size;
  }

  /** Bulk build over surfaces (in vocabulary order). */
  static build(surfaces: Iterable<string>): DeletionIndex {
    const kept: string[] = [];
    const keys: number[] = [];
    for (const s of surfaces) {
      if (s.length < 3 || !isTypoCorrectable(s)) continue;
      const idx = kept.length;
      kept.push(s);
      for (const v of deletions(s, depthOf(s))) keys.push(hash32(v) * 2 ** 21 + idx);
    }
    if (kept.length >= 2 ** 21) {
      // beyond the packing range: fall back to the Map (never at catalogue sizes)
      const di = new DeletionIndex();
      for (const s of kept) di.add(s);
      return di;
    }
    const packed = Float64Array.from(keys).sort();
    const hashes = new Uint32Array(packed.length);
    const owners = new Int32Array(packed.length);
    for (let i = 0; i < packed.length; i++) {
      const k = packed[i] as number;
      const h = Math.floor(k / 2 ** 21);
      hashes[i] = h;
      owners[i] = k - h * 2 ** 21;
    }
    const di = new DeletionIndex();
    di.base = { surfaces: kept, hashes, owners };
    di.size = packed.length;
    return di;
  }

  /** An index over arrays from `toArrays` (e.g. read from a snapshot). */
  static fromArrays(arrays: DeletionArrays): DeletionIndex {
    const di = new DeletionIndex();
    di.base = arrays;
    di.size = arrays.hashes.length;
    return di;
  }

  /** The bulk arrays, with every word added since folded in (for a snapshot). */
  toArrays(): DeletionArrays {
    if (this.map.size === 0) return this.base;
    const all = new Set<string>(this.base.surfaces);
    for (const list of this.map.values()) for (const s of list) all.add(s);
    return DeletionIndex.build(all).base;
  }

  add(surface: string): void {
    if (surface.length < 3 || !isTypoCorrectable(surface)) return;
    // Two deletions are only needed on words of 8+ letters: a query within 2 edits
    // of a shorter word always reaches it with one deletion on the word's side.
    for (const v of deletions(surface, depthOf(surface))) {
      const list = this.map.get(v);
      if (list) {
        if (!list.includes(surface)) list.push(surface);
      } else this.map.set(v, [surface]);
      this.size++;
    }
  }

  /** Words stored under variant v: the bulk arrays' (confirmed), then the added ones. */
  private owners(v: string, visit: (surface: string) => void): void {
    const { hashes, owners, surfaces } = this.base;
    const h = hash32(v);
    let lo = 0;
    let hi = hashes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((hashes[mid] as number) < h) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < hashes.length && hashes[i] === h; i++) {
      const s = surfaces[owners[i] as number] as string;
      if (isDeletionOf(v, s, depthOf(s))) visit(s);
    }
    const list = this.map.get(v);
    if (list) for (const s of list) visit(s);
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
      this.owners(v, (s) => {
        if (s === word || seen.has(s)) return;
        seen.add(s);
        if (!exists(s)) return;
        const d = editDistance(word, s, maxDistance);
        if (d <= maxDistance) out.push({ surface: s, distance: d });
      });
    }
    return out;
  }
}
