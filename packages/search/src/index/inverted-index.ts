/**
 * In-memory inverted index. Every structure here maps 1:1 onto a Postgres
 * table in the store's schema, so a persistent implementation only has to
 * read and write rows:
 *
 * | structure                      | table                                                          |
 * |--------------------------------|----------------------------------------------------------------|
 * | `postings`                     | search_postings(term, product_id, field, tf, positions int[])  |
 * | `termDf`, `titleDf`, `headDf`  | search_terms(term, df, title_df, head_df)                      |
 * | per-ordinal columns (DocRecord)| search_docs(product_id, field_lengths int[], skus text[],      |
 * |                                |   title_break, title_head, head_term)                          |
 * | `vocab`                        | search_vocab(surface, term, df)                                |
 * | `skuIndex`                     | search_skus(sku, product_id)                                   |
 * | `fieldLengthSum`, `docCount`   | search_stats(field, length_sum) + count(*) of search_docs      |
 * | Lexicon's deletion index       | search_vocab_deletes(variant, surface)                         |
 *
 * Indexing a product is "delete its rows, insert its rows, adjust the counts"
 * (the forward lists `terms`/`surfaces` in DocRecord say which counts), which
 * is what a BullMQ job would do per product change.
 *
 * Documents get a dense internal ordinal for fast scoring arrays; the public
 * id (product id) is what a table would key on.
 */

import type { Analyzer } from '../analysis/analyzer.ts';
import { normalizeText } from '../analysis/normalize.ts';
import type { TokenGroup } from '../analysis/tokenize.ts';
import { ATTRIBUTE_WORDS, QUALIFIER_WORDS } from '../analysis/stopwords.ts';
import { FIELDS, type FieldId, type SearchDocument, TITLE } from '../types.ts';
import { BaseMap, type StringMap } from './base-map.ts';
import { PostingList } from './postings.ts';

export { PostingList };
export type { StringMap };

/** Number of fields (stride of the per-document length table). */
export const FIELD_COUNT = FIELDS.length;
/** titleBreak of a title without a qualifier word, in the Int32 table. */
const NO_BREAK = 0x7fffffff;

export interface DocRecord {
  readonly id: string;
  readonly ordinal: number;
  /** Token positions used per field (BM25F field length), indexed by FieldId. */
  readonly fieldLengths: readonly number[];
  readonly skus: readonly string[];
  /**
   * First title position of a qualifier word ("for", "with", ...): words after
   * it usually describe what the product fits or comes with, not what it is.
   * Infinity when the title has none.
   */
  readonly titleBreak: number;
  /** Title position of the head noun of the title's main phrase (see titleHeadPosition), -1 if none. */
  readonly titleHead: number;
  /** Index term of that head noun. */
  readonly headTerm: string | null;
  /** Distinct terms and surfaces of the document (forward index, needed for removal). */
  readonly terms: readonly string[];
  readonly surfaces: readonly string[];
}

/** What removing a document needs to know about it: its distinct terms and surfaces, SKUs and head term. */
export interface Forward {
  readonly terms: readonly string[];
  readonly surfaces: readonly string[];
  readonly skus: readonly string[];
  readonly headTerm: string | null;
}

/**
 * Forward lists of the documents restored from a snapshot, kept as index ranges into the snapshot's
 * typed arrays (CSR: item `k` of ordinal `o`'s terms is `terms[termIdx[termStart[o] + k]]`, up to
 * `termStart[o + 1]`), so a cold load builds no per-document arrays; a document's strings are
 * materialised only when it is removed or replaced (`InvertedIndex.forwardOf`).
 */
export interface RestoredForward {
  readonly terms: readonly string[];
  readonly surfaces: readonly string[];
  readonly skus: readonly string[];
  readonly termIdx: Int32Array;
  readonly termStart: Int32Array;
  readonly surfaceIdx: Int32Array;
  readonly surfaceStart: Int32Array;
  readonly skuIdx: Int32Array;
  readonly skuStart: Int32Array;
  /** Per ordinal, the index in `terms` of the head term, -1 for none. */
  readonly headTerm: Int32Array;
}

/**
 * Everything an index holds (what a snapshot stores). `importState` adopts these objects (no copy):
 * the Maps, arrays and growable tables become the index's own.
 */
export interface IndexState {
  readonly postings: StringMap<PostingList>;
  readonly termDf: StringMap<number>;
  readonly titleDf: StringMap<number>;
  readonly headDf: StringMap<number>;
  readonly vocab: StringMap<VocabEntry>;
  readonly skuIndex: StringMap<Set<number>>;
  readonly fieldLengthSum: number[];
  /** Product id by ordinal (undefined: free ordinal). */
  readonly ids: (string | undefined)[];
  /** Forward data of documents added in process, by ordinal (undefined: see `restored`). */
  readonly forward: (Forward | undefined)[];
  /** Forward lists of documents restored from a snapshot and not changed since. */
  readonly restored: RestoredForward | null;
  readonly freeOrdinals: number[];
  readonly lengths: Int32Array<ArrayBuffer>;
  readonly titleBreaks: Int32Array<ArrayBuffer>;
  readonly titleHeads: Int32Array<ArrayBuffer>;
}

export interface VocabEntry {
  readonly term: string;
  df: number;
}

/** Gap between values of an array field so phrases never span two values. */
const VALUE_GAP = 2;

function getOrCreate<K, V>(map: { get(key: K): V | undefined; set(key: K, value: V): unknown }, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = make();
    map.set(key, v);
  }
  return v;
}

function bump(map: StringMap<number>, key: string, by: number): void {
  const v = (map.get(key) ?? 0) + by;
  if (v <= 0) map.delete(key);
  else map.set(key, v);
}

export function normalizeSku(sku: string): string {
  return normalizeText(sku).replace(/[^\p{L}\p{N}]+/gu, '');
}

/**
 * The head noun of a product title, by a simple reading of how titles are
 * written: the title splits into phrases at punctuation (",", "(", " - ", ...)
 * and before qualifier words ("for", "with"); the main phrase is the first one
 * of at least three words not opened by a qualifier (shorter leading phrases
 * are usually a brand: "Seagate - Portable Hard Drive - Black"), else the
 * longest; its head is its last word without digits that is not an
 * attribute word (colour, size, audience, unit). "Case Logic Portable
 * Hard Drive Case, Black" -> "case"; "Samsonite Spin Trunk 25" -> "trunk".
 */
export function titleHeadPosition(groups: readonly TokenGroup[]): number {
  const segments: { groups: TokenGroup[]; qualifier: boolean }[] = [];
  let cur: { groups: TokenGroup[]; qualifier: boolean } = { groups: [], qualifier: false };
  for (const g of groups) {
    const isQualifier = QUALIFIER_WORDS.has(g.text);
    if ((g.breakBefore || isQualifier) && cur.groups.length > 0) {
      segments.push(cur);
      cur = { groups: [], qualifier: false };
    }
    if (isQualifier && cur.groups.length === 0) cur.qualifier = true;
    else cur.groups.push(g);
  }
  if (cur.groups.length > 0) segments.push(cur);
  const main = segments.filter((s) => !s.qualifier);
  let primary = main.find((s) => s.groups.length >= 3);
  if (!primary) for (const s of main) if (!primary || s.groups.length > primary.groups.length) primary = s;
  if (!primary) return -1;
  let fallback = -1;
  for (let i = primary.groups.length - 1; i >= 0; i--) {
    const g = primary.groups[i] as TokenGroup;
    if (g.kind !== 'word' || /\p{N}/u.test(g.text)) continue;
    if (!ATTRIBUTE_WORDS.has(g.text)) return g.pos;
    if (fallback < 0) fallback = g.pos;
  }
  return fallback;
}

export class InvertedIndex {
  readonly analyzer: Analyzer;
  // The Maps are replaced (not copied into) by importState; every reader goes through the index. A restored
  // index's are BaseMaps (base-map.ts): values read from the snapshot's arrays when a query first needs them.
  postings: StringMap<PostingList> = new Map<string, PostingList>();
  termDf: StringMap<number> = new Map<string, number>();
  /** Documents with the term in the title. */
  titleDf: StringMap<number> = new Map<string, number>();
  /** Documents whose title head noun is the term. */
  headDf: StringMap<number> = new Map<string, number>();
  vocab: StringMap<VocabEntry> = new Map<string, VocabEntry>();
  skuIndex: StringMap<Set<number>> = new Map<string, Set<number>>();
  fieldLengthSum: number[] = FIELDS.map(() => 0);
  /** Product id by ordinal (undefined: free). */
  private ids: (string | undefined)[] = [];
  /** Forward data by ordinal of documents added in this process (restored ones are in `restored`). */
  private forward: (Forward | undefined)[] = [];
  private restored: RestoredForward | null = null;
  /** Field lengths by ordinal * FIELD_COUNT + field (the scorer's hot path reads these, not DocRecords). */
  lengths = new Int32Array(64 * FIELD_COUNT);
  /** titleBreak by ordinal (NO_BREAK for none). */
  titleBreaks = new Int32Array(64);
  /** titleHead by ordinal (-1 for none). */
  titleHeads = new Int32Array(64);
  /** Bumped on every add/remove: cached per-term score bounds are valid for one epoch. */
  epoch = 0;
  private ordinals = new Map<string, number>();
  private freeOrdinals: number[] = [];
  private liveDocs = 0;
  /** Bumped whenever a surface enters or leaves the vocabulary (lets derived lookups rebuild lazily). */
  vocabVersion = 0;
  /** Called with each surface that enters the vocabulary. */
  onNewSurface: ((surface: string) => void) | null = null;

  constructor(analyzer: Analyzer) {
    this.analyzer = analyzer;
  }

  get docCount(): number {
    return this.liveDocs;
  }

  /** One more than the highest ordinal ever used (size for arrays indexed by ordinal). */
  get capacity(): number {
    return this.ids.length;
  }

  avgFieldLength(field: FieldId): number {
    return this.liveDocs === 0 ? 0 : (this.fieldLengthSum[field] ?? 0) / this.liveDocs;
  }

  /** Title position of the first qualifier word of a document (Infinity when none). */
  titleBreakOf(ordinal: number): number {
    const b = this.titleBreaks[ordinal];
    return b === undefined || b === NO_BREAK ? Number.POSITIVE_INFINITY : b;
  }

  private ensureOrdinal(ordinal: number): void {
    if (ordinal < this.titleBreaks.length) return;
    const size = Math.max(ordinal + 1, this.titleBreaks.length * 2);
    const lengths = new Int32Array(size * FIELD_COUNT);
    lengths.set(this.lengths);
    this.lengths = lengths;
    const breaks = new Int32Array(size);
    breaks.set(this.titleBreaks);
    this.titleBreaks = breaks;
    const heads = new Int32Array(size);
    heads.set(this.titleHeads);
    this.titleHeads = heads;
  }

  /** Drops the growth slack of every posting list (after a bulk build). */
  trim(): void {
    // a restored list not read yet is a view of its exact size: no slack to drop, no need to make it
    const lists = this.postings instanceof BaseMap ? this.postings.madeValues() : this.postings.values();
    for (const list of lists) list.trim();
  }

  /** Bytes held by the posting lists' typed arrays. */
  postingBytes(): number {
    if (this.postings instanceof BaseMap) return this.postings.sum((list) => list.bytes);
    let b = 0;
    for (const list of this.postings.values()) b += list.bytes;
    return b;
  }

  /** Product id of a live ordinal. */
  idOf(ordinal: number): string | undefined {
    return this.ids[ordinal];
  }

  /** The document at an ordinal, assembled from the per-ordinal columns (not for hot paths). */
  doc(ordinal: number): DocRecord | undefined {
    const id = this.ids[ordinal];
    if (id === undefined) return undefined;
    const fwd = this.forwardOf(ordinal);
    return {
      id,
      ordinal,
      fieldLengths: Array.from(this.lengths.subarray(ordinal * FIELD_COUNT, (ordinal + 1) * FIELD_COUNT)),
      skus: fwd.skus,
      titleBreak: this.titleBreakOf(ordinal),
      titleHead: this.titleHeads[ordinal] as number,
      headTerm: fwd.headTerm,
      terms: fwd.terms,
      surfaces: fwd.surfaces,
    };
  }

  /**
   * The head noun (analysed term) of a live document's title, or null: the catalogue's product type of the document,
   * read without materialising its forward lists (the category prior reads it for the top results of every query).
   */
  headTermOf(ordinal: number): string | null {
    const own = this.forward[ordinal];
    if (own) return own.headTerm;
    const r = this.restored;
    if (!r || this.ids[ordinal] === undefined || ordinal >= r.headTerm.length) return null;
    const head = r.headTerm[ordinal] as number;
    return head < 0 ? null : (r.terms[head] as string);
  }

  /**
   * Calls `fn` with each distinct term of a live document, without materialising a restored document's forward
   * lists (pseudo-relevance feedback reads the terms of the top results of every query).
   */
  forEachTerm(ordinal: number, fn: (term: string) => void): void {
    const own = this.forward[ordinal];
    if (own) {
      for (const t of own.terms) fn(t);
      return;
    }
    const r = this.restored;
    if (!r || this.ids[ordinal] === undefined || ordinal + 1 >= r.termStart.length) return;
    for (let i = r.termStart[ordinal] as number, to = r.termStart[ordinal + 1] as number; i < to; i++) fn(r.terms[r.termIdx[i] as number] as string);
  }

  /** A live document's forward data (strings materialised from the snapshot's ranges for a restored one). */
  forwardOf(ordinal: number): Forward {
    const own = this.forward[ordinal];
    if (own) return own;
    const r = this.restored;
    if (!r || this.ids[ordinal] === undefined || ordinal + 1 >= r.termStart.length) throw new Error(`no document at ordinal ${ordinal}`);
    const pick = (names: readonly string[], idx: Int32Array, start: Int32Array) => {
      const from = start[ordinal] as number;
      const to = start[ordinal + 1] as number;
      const out = new Array<string>(to - from);
      for (let i = from; i < to; i++) out[i - from] = names[idx[i] as number] as string;
      return out;
    };
    const head = r.headTerm[ordinal] as number;
    return {
      terms: pick(r.terms, r.termIdx, r.termStart),
      surfaces: pick(r.surfaces, r.surfaceIdx, r.surfaceStart),
      skus: pick(r.skus, r.skuIdx, r.skuStart),
      headTerm: head < 0 ? null : (r.terms[head] as string),
    };
  }

  /** The whole state as plain data (see snapshot.ts, which serialises it). */
  exportState(): IndexState {
    return {
      postings: this.postings,
      termDf: this.termDf,
      titleDf: this.titleDf,
      headDf: this.headDf,
      vocab: this.vocab,
      skuIndex: this.skuIndex,
      fieldLengthSum: this.fieldLengthSum,
      ids: this.ids,
      forward: this.forward,
      restored: this.restored,
      freeOrdinals: this.freeOrdinals,
      lengths: this.lengths,
      titleBreaks: this.titleBreaks,
      titleHeads: this.titleHeads,
    };
  }

  /** Replaces the (empty) index's state with one read from a snapshot: its objects become the index's own. */
  importState(state: IndexState): void {
    if (this.liveDocs !== 0 || this.ids.length !== 0) throw new Error('importState needs an empty index');
    if (state.fieldLengthSum.length !== FIELD_COUNT) throw new Error('importState: field count differs');
    this.postings = state.postings;
    this.termDf = state.termDf;
    this.titleDf = state.titleDf;
    this.headDf = state.headDf;
    this.vocab = state.vocab;
    this.skuIndex = state.skuIndex;
    this.fieldLengthSum = state.fieldLengthSum;
    this.ids = state.ids;
    this.forward = state.forward;
    this.restored = state.restored;
    const ordinals = new Map<string, number>();
    let live = 0;
    const { ids } = state;
    for (let ordinal = 0; ordinal < ids.length; ordinal++) {
      const id = ids[ordinal];
      if (id === undefined) continue;
      ordinals.set(id, ordinal);
      live++;
    }
    this.ordinals = ordinals;
    this.liveDocs = live;
    this.freeOrdinals = state.freeOrdinals;
    this.lengths = state.lengths;
    this.titleBreaks = state.titleBreaks;
    this.titleHeads = state.titleHeads;
    this.vocabVersion++;
    this.epoch++;
  }

  ordinalOf(id: string): number | undefined {
    return this.ordinals.get(id);
  }

  df(term: string): number {
    return this.termDf.get(term) ?? 0;
  }

  /**
   * How often the term is the head noun of the titles it appears in, smoothed
   * towards 0 for rare terms: high for product nouns ("blender", "shoes"),
   * low for brands and modifiers ("levis", "golf").
   */
  headRate(term: string): number {
    return (this.headDf.get(term) ?? 0) / ((this.titleDf.get(term) ?? 0) + 2);
  }

  has(id: string): boolean {
    return this.ordinals.has(id);
  }

  add(doc: SearchDocument): void {
    if (this.ordinals.has(doc.id)) this.remove(doc.id);
    const ordinal = this.freeOrdinals.pop() ?? this.ids.length;
    const fieldLengths = FIELDS.map(() => 0);
    // term -> field -> positions
    const occurrences = new Map<string, Map<FieldId, number[]>>();
    const surfaces = new Map<string, string>(); // surface -> term
    let titleBreak = Number.POSITIVE_INFINITY;
    let titleHead = -1;
    let headTerm: string | null = null;
    FIELDS.forEach((name, field) => {
      const raw = doc[name];
      const values = raw === undefined ? [] : typeof raw === 'string' ? [raw] : raw;
      let offset = 0;
      let length = 0;
      for (const value of values) {
        const analyzed = this.analyzer.analyze(value);
        if (analyzed.length === 0) continue;
        if (field === TITLE && offset === 0) {
          titleHead = titleHeadPosition(analyzed.groups);
          const g = analyzed.groups.find((x) => x.pos === titleHead);
          headTerm = g ? this.analyzer.term(g.text) : null;
        }
        for (const tok of analyzed.tokens) {
          const byField = getOrCreate(occurrences, tok.term, () => new Map<FieldId, number[]>());
          getOrCreate(byField, field, () => []).push(offset + tok.pos);
          surfaces.set(tok.surface, tok.term);
          if (field === TITLE && offset === 0 && tok.pos < titleBreak && QUALIFIER_WORDS.has(tok.surface)) titleBreak = tok.pos;
        }
        offset += analyzed.length + VALUE_GAP;
        length += analyzed.length;
      }
      fieldLengths[field] = length;
    });
    for (const [term, byField] of occurrences) {
      const list = getOrCreate(this.postings, term, () => new PostingList());
      const fields = [...byField.keys()].sort((a, b) => a - b);
      const positions = fields.map((f) => (byField.get(f) as number[]).sort((a, b) => a - b));
      list.add(ordinal, fields, positions);
      this.termDf.set(term, (this.termDf.get(term) ?? 0) + 1);
      if (byField.has(TITLE)) bump(this.titleDf, term, 1);
    }
    if (headTerm !== null) bump(this.headDf, headTerm, 1);
    for (const [surface, term] of surfaces) {
      const v = this.vocab.get(surface);
      if (v) v.df++;
      else {
        this.vocab.set(surface, { term, df: 1 });
        this.vocabVersion++;
        this.onNewSurface?.(surface);
      }
    }
    const skus = (doc.skus ?? []).map(normalizeSku).filter((s) => s.length > 0);
    for (const sku of skus) {
      getOrCreate(this.skuIndex, sku, () => new Set()).add(ordinal);
    }
    this.ensureOrdinal(ordinal);
    fieldLengths.forEach((len, f) => {
      this.fieldLengthSum[f] = (this.fieldLengthSum[f] ?? 0) + len;
      this.lengths[ordinal * FIELD_COUNT + f] = len;
    });
    this.titleBreaks[ordinal] = Number.isFinite(titleBreak) ? titleBreak : NO_BREAK;
    this.titleHeads[ordinal] = titleHead;
    this.epoch++;
    this.ids[ordinal] = doc.id;
    this.forward[ordinal] = { terms: [...occurrences.keys()], surfaces: [...surfaces.keys()], skus, headTerm };
    this.ordinals.set(doc.id, ordinal);
    this.liveDocs++;
  }

  remove(id: string): boolean {
    const ordinal = this.ordinals.get(id);
    if (ordinal === undefined) return false;
    if (this.ids[ordinal] === undefined) return false;
    const rec = this.forwardOf(ordinal);
    for (const term of rec.terms) {
      const list = this.postings.get(term);
      const gone = list?.remove(ordinal);
      if (list && list.n === 0) this.postings.delete(term);
      bump(this.termDf, term, -1);
      if (gone?.title) bump(this.titleDf, term, -1);
    }
    if (rec.headTerm !== null) bump(this.headDf, rec.headTerm, -1);
    for (const surface of rec.surfaces) {
      const v = this.vocab.get(surface);
      if (!v) continue;
      v.df--;
      if (v.df <= 0) {
        this.vocab.delete(surface);
        this.vocabVersion++;
      }
    }
    for (const sku of rec.skus) {
      const set = this.skuIndex.get(sku);
      set?.delete(ordinal);
      if (set && set.size === 0) this.skuIndex.delete(sku);
    }
    for (let f = 0; f < FIELD_COUNT; f++) {
      this.fieldLengthSum[f] = (this.fieldLengthSum[f] ?? 0) - (this.lengths[ordinal * FIELD_COUNT + f] as number);
      this.lengths[ordinal * FIELD_COUNT + f] = 0;
    }
    this.ids[ordinal] = undefined;
    this.forward[ordinal] = undefined;
    this.titleBreaks[ordinal] = NO_BREAK;
    this.titleHeads[ordinal] = -1;
    this.epoch++;
    this.ordinals.delete(id);
    this.freeOrdinals.push(ordinal);
    this.liveDocs--;
    return true;
  }
}
