/**
 * In-memory inverted index. Every structure here maps 1:1 onto a Postgres
 * table in the store's schema, so a persistent implementation only has to
 * read and write rows:
 *
 * | structure                      | table                                                          |
 * |--------------------------------|----------------------------------------------------------------|
 * | `postings`                     | search_postings(term, product_id, field, tf, positions int[])  |
 * | `termDf`, `titleDf`, `headDf`  | search_terms(term, df, title_df, head_df)                      |
 * | `docs` (DocRecord)             | search_docs(product_id, field_lengths int[], skus text[],      |
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
import { PostingList } from './postings.ts';

export { PostingList };

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

/** Everything an index holds (what a snapshot stores). */
export interface IndexState {
  readonly postings: ReadonlyMap<string, PostingList>;
  readonly termDf: ReadonlyMap<string, number>;
  readonly titleDf: ReadonlyMap<string, number>;
  readonly headDf: ReadonlyMap<string, number>;
  readonly vocab: ReadonlyMap<string, VocabEntry>;
  readonly skuIndex: ReadonlyMap<string, Set<number>>;
  readonly fieldLengthSum: readonly number[];
  readonly docs: readonly (DocRecord | undefined)[];
  readonly freeOrdinals: readonly number[];
  readonly lengths: Int32Array<ArrayBuffer>;
  readonly titleBreaks: Int32Array<ArrayBuffer>;
}

export interface VocabEntry {
  readonly term: string;
  df: number;
}

/** Gap between values of an array field so phrases never span two values. */
const VALUE_GAP = 2;

function getOrCreate<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = make();
    map.set(key, v);
  }
  return v;
}

function bump(map: Map<string, number>, key: string, by: number): void {
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
  readonly postings = new Map<string, PostingList>();
  readonly termDf = new Map<string, number>();
  /** Documents with the term in the title. */
  readonly titleDf = new Map<string, number>();
  /** Documents whose title head noun is the term. */
  readonly headDf = new Map<string, number>();
  readonly vocab = new Map<string, VocabEntry>();
  readonly skuIndex = new Map<string, Set<number>>();
  readonly fieldLengthSum: number[] = FIELDS.map(() => 0);
  private readonly docs: (DocRecord | undefined)[] = [];
  /** Field lengths by ordinal * FIELD_COUNT + field (the scorer's hot path reads these, not DocRecords). */
  lengths = new Int32Array(64 * FIELD_COUNT);
  /** titleBreak by ordinal (NO_BREAK for none). */
  titleBreaks = new Int32Array(64);
  /** Bumped on every add/remove: cached per-term score bounds are valid for one epoch. */
  epoch = 0;
  private readonly ordinals = new Map<string, number>();
  private readonly freeOrdinals: number[] = [];
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
    return this.docs.length;
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
  }

  /** Drops the growth slack of every posting list (after a bulk build). */
  trim(): void {
    for (const list of this.postings.values()) list.trim();
  }

  /** Bytes held by the posting lists' typed arrays. */
  postingBytes(): number {
    let b = 0;
    for (const list of this.postings.values()) b += list.bytes;
    return b;
  }

  doc(ordinal: number): DocRecord | undefined {
    return this.docs[ordinal];
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
      docs: this.docs,
      freeOrdinals: this.freeOrdinals,
      lengths: this.lengths,
      titleBreaks: this.titleBreaks,
    };
  }

  /** Replaces the (empty) index's state with one read from a snapshot. */
  importState(state: IndexState): void {
    if (this.liveDocs !== 0 || this.docs.length !== 0) throw new Error('importState needs an empty index');
    for (const [k, v] of state.postings) this.postings.set(k, v);
    for (const [k, v] of state.termDf) this.termDf.set(k, v);
    for (const [k, v] of state.titleDf) this.titleDf.set(k, v);
    for (const [k, v] of state.headDf) this.headDf.set(k, v);
    for (const [k, v] of state.vocab) this.vocab.set(k, v);
    for (const [k, v] of state.skuIndex) this.skuIndex.set(k, v);
    state.fieldLengthSum.forEach((v, f) => {
      this.fieldLengthSum[f] = v;
    });
    state.docs.forEach((rec, ordinal) => {
      this.docs[ordinal] = rec;
      if (rec) {
        this.ordinals.set(rec.id, ordinal);
        this.liveDocs++;
      }
    });
    this.freeOrdinals.push(...state.freeOrdinals);
    this.lengths = state.lengths;
    this.titleBreaks = state.titleBreaks;
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
    const ordinal = this.freeOrdinals.pop() ?? this.docs.length;
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
    this.epoch++;
    this.docs[ordinal] = {
      id: doc.id,
      ordinal,
      fieldLengths,
      skus,
      titleBreak,
      titleHead,
      headTerm,
      terms: [...occurrences.keys()],
      surfaces: [...surfaces.keys()],
    };
    this.ordinals.set(doc.id, ordinal);
    this.liveDocs++;
  }

  remove(id: string): boolean {
    const ordinal = this.ordinals.get(id);
    if (ordinal === undefined) return false;
    const rec = this.docs[ordinal];
    if (!rec) return false;
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
    rec.fieldLengths.forEach((len, f) => {
      this.fieldLengthSum[f] = (this.fieldLengthSum[f] ?? 0) - len;
    });
    this.docs[ordinal] = undefined;
    for (let f = 0; f < FIELD_COUNT; f++) this.lengths[ordinal * FIELD_COUNT + f] = 0;
    this.titleBreaks[ordinal] = NO_BREAK;
    this.epoch++;
    this.ordinals.delete(id);
    this.freeOrdinals.push(ordinal);
    this.liveDocs--;
    return true;
  }
}
