/**
 * Per-process cache of store indexes, loaded from `search_documents` and
 * kept fresh by a cheap version check (max seq + config version, one
 * indexed round trip, at most every `freshnessMs`): changed rows are applied
 * incrementally, a changed analyzer (stop words) rebuilds. Memory is bounded
 * by an LRU over stores with a budget in documents.
 *
 * Why not score in SQL: the ranking needs per-query typo/prefix planning over
 * the vocabulary and a feature rerank over postings with positions; done in
 * SQL that is several round trips and a scan of the postings of every
 * matching term per query (see notes/search.md for the measured comparison).
 */
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { Database, Kysely } from '@storeloom/db';
import {
  decodeIndex,
  DEFAULT_BM25F,
  DEFAULT_RERANK,
  ENGLISH_STOP_WORDS,
  encodeIndex,
  InMemorySearchEngine,
  languageAnalysis,
  SNAPSHOT_FORMAT,
  type SynonymRule,
} from '@storeloom/search';
import { sql } from 'kysely';
import { type DocsById, DocTable, docTextBytes, TableDocs } from './doc-table.ts';
import { localeDocument, pickTranslation, toSearchDocument } from './documents.ts';
import { type IndexedDoc, type SearchDb, searchDb } from './tables.ts';

export interface StoreConfig {
  /** search_config's version and the store's default language (a change of either reloads the config). */
  version: string;
  stopWords: string[];
  /**
   * The store's default language (the first of its `languages` setting, 'en' without one): the default index and its
   * queries are analysed in it (a German store's originals with the German stemmer), translations in their own.
   */
  language: string;
  inStockBoost: number;
  synonyms: SynonymRule[];
  /** Normalised query -> pinned product ids, in order. */
  pins: Map<string, string[]>;
}

export interface LoadedIndex {
  readonly schema: string;
  engine: InMemorySearchEngine;
  /** The documents by product id (a Map, or a lazy view of `table` for an index restored from a snapshot). */
  readonly docs: DocsById;
  /** The documents by engine ordinal with interned facet values; built on first use when absent. */
  table?: DocTable;
  seq: number;
  config: StoreConfig;
  checkedAt: number;
  loadedAt: number;
  /**
   * Per-locale views (issue 19), built on a locale's first query from `docs`: an engine with that language's
   * analysis over every product (translated text where there is some, the original otherwise) and its document
   * table. `null`: no product has a translation in that locale, so its queries use the default index.
   */
  locales?: Map<string, LocaleView | null>;
}

/** One locale's engine and document table (kept in step with the default index by the cache's refresh). */
export interface LocaleView {
  readonly locale: string;
  engine: InMemorySearchEngine;
  readonly table: DocTable;
}

export interface CacheOptions {
  /**
   * Bytes of index kept across stores (each store's estimated footprint, see
   * `estimateIndexBytes`) before the least recently used store is dropped.
   * Default 512 MiB.
   */
  maxBytes?: number;
  /** Optionally also a bound in documents (no bound by default). */
  maxDocs?: number;
  /** How stale a served index may be, in ms (0: check on every query). */
  freshnessMs?: number;
  /**
   * Stores with at least this many documents get a serialised index snapshot
   * (search_snapshots), written after a full load and when a loaded snapshot
   * was far behind; a cold load reads it and applies only later rows.
   * Default 1,000; 0 turns snapshots off.
   */
  snapshotMinDocs?: number;
}

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);
/** Snapshot chunk size (one bytea row each). */
const SNAPSHOT_CHUNK = 4 << 20;
/** Format of the store-level snapshot: the index's format, then this wrapper's. */
const STORE_SNAPSHOT_FORMAT = SNAPSHOT_FORMAT * 100 + 3;

/** The document table's sections in a store snapshot (Int32 each, after `price` as Float64). */
const TABLE_SECTIONS = [
  'vendorOf',
  'typeOf',
  'bucketOf',
  'inStockOf',
  'ratedOf',
  'textOf',
  'collStart',
  'collIdx',
  'tagStart',
  'tagIdx',
  'optStart',
  'optIdx',
  'docStart',
  'order',
] as const;
type TableSection = (typeof TABLE_SECTIONS)[number];

interface TableHeader {
  dictionaries: { vendor: string[]; productType: string[]; collection: string[]; tag: string[]; option: string[] };
  collectionTitles: [string, string][];
  createdAt: (string | null)[];
  /** Int32 lengths of the sections (the Float64 price section has `capacity` entries). */
  sections: Record<TableSection, number>;
}

/** CSR (starts with capacity + 1 entries, then the items) of per-ordinal lists. */
function toCsr(lists: readonly (readonly number[])[], cap: number): { start: Int32Array; idx: Int32Array } {
  const start = new Int32Array(cap + 1);
  let n = 0;
  for (let o = 0; o < cap; o++) {
    start[o] = n;
    n += lists[o]?.length ?? 0;
  }
  start[cap] = n;
  const idx = new Int32Array(n);
  let at = 0;
  for (let o = 0; o < cap; o++) for (const x of lists[o] ?? []) idx[at++] = x;
  return { start, idx };
}

const EMPTY_LIST: readonly number[] = [];

function fromCsr(start: Int32Array, idx: Int32Array, cap: number): (readonly number[])[] {
  const out = new Array<readonly number[]>(cap);
  for (let o = 0; o < cap; o++) {
    const a = start[o] as number;
    const n = (start[o + 1] as number) - a;
    if (n === 0) {
      out[o] = EMPTY_LIST;
      continue;
    }
    const list = new Array<number>(n);
    for (let k = 0; k < n; k++) list[k] = idx[a + k] as number;
    out[o] = list;
  }
  return out;
}

/**
 * A store's index as bytes, gzip (level 1) over: u32 length + the engine's index (encodeIndex); u32 length + the
 * typo lookup's arrays (surfaces as JSON, u32 count, then the hash and owner Int32/Uint32 arrays); u32 length + the
 * document table's header (JSON: facet dictionaries, collection titles, creation times), its columns (Float64
 * prices, then Int32 sections: facet ids, stock, reviews, text sizes, facet lists as CSR, where each document's JSON
 * starts, and the documents' Map order as ordinals); then every document's JSON back to back, by ordinal.
 * Nothing per document is parsed on a cold load: a document's JSON is decoded when a query first needs it.
 */
export async function encodeStoreSnapshot(entry: LoadedIndex): Promise<Uint8Array> {
  const store = entry.engine.store;
  const index = encodeIndex(store);
  const del = entry.engine.lexicon.exportDeletions();
  const surfaces = Buffer.from(JSON.stringify(del.surfaces), 'utf8');
  const table = entry.table ?? DocTable.build(entry.engine, entry.docs);
  const cap = store.capacity;
  const cols = table.columns();
  const order = new Int32Array(entry.docs.size);
  let k = 0;
  for (const id of entry.docs.keys()) {
    const o = store.ordinalOf(id);
    if (o === undefined || table.ids[o] !== id) throw new Error('snapshot: documents do not match the index');
    order[k++] = o;
  }
  const docParts: (string | Buffer)[] = [];
  const docStart = new Int32Array(cap + 1);
  let bytes = 0;
  for (let o = 0; o < cap; o++) {
    docStart[o] = bytes;
    if (table.ids[o] === undefined) continue;
    const json = table.docJson(o);
    docParts.push(json);
    bytes += typeof json === 'string' ? Buffer.byteLength(json, 'utf8') : json.length;
  }
  docStart[cap] = bytes;
  const int32 = (a: ArrayLike<number>) => Int32Array.from({ length: cap }, (_, o) => (a[o] as number | undefined) ?? 0);
  const noneAs = (a: Int32Array) => Int32Array.from({ length: cap }, (_, o) => (o < a.length ? (a[o] as number) : -1));
  const coll = toCsr(cols.collectionsOf, cap);
  const tag = toCsr(cols.tagsOf, cap);
  const opt = toCsr(cols.optionsOf, cap);
  const sections: Record<TableSection, Int32Array> = {
    vendorOf: noneAs(cols.vendorOf),
    typeOf: noneAs(cols.typeOf),
    bucketOf: int32(cols.bucketOf),
    inStockOf: int32(cols.inStockOf),
    ratedOf: int32(cols.ratedOf),
    textOf: int32(cols.textOf),
    collStart: coll.start,
    collIdx: coll.idx,
    tagStart: tag.start,
    tagIdx: tag.idx,
    optStart: opt.start,
    optIdx: opt.idx,
    docStart,
    order,
  };
  const price = Float64Array.from({ length: cap }, (_, o) => (o < cols.priceOf.length ? (cols.priceOf[o] as number) : 0));
  const header: TableHeader = {
    dictionaries: cols.dictionaries,
    collectionTitles: cols.collectionTitles,
    createdAt: Array.from({ length: cap }, (_, o) => cols.createdAt[o] ?? null),
    sections: Object.fromEntries(TABLE_SECTIONS.map((n) => [n, sections[n].length])) as Record<TableSection, number>,
  };
  const tableJson = Buffer.from(JSON.stringify(header), 'utf8');
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n, 0);
    return b;
  };
  const raw = (a: Uint32Array | Int32Array | Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  return gzipAsync(
    Buffer.concat([
      u32(index.length),
      index,
      u32(surfaces.length),
      surfaces,
      u32(del.hashes.length),
      raw(del.hashes),
      raw(del.owners),
      u32(tableJson.length),
      tableJson,
      raw(price),
      ...TABLE_SECTIONS.map((n) => raw(sections[n])),
      ...docParts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)),
    ]),
    { level: 1 },
  );
}

/** The engine, documents and document table of a snapshot, for a store with `config`. */
export async function decodeStoreSnapshot(bytes: Uint8Array, config: StoreConfig): Promise<Pick<LoadedIndex, 'engine' | 'docs' | 'table'>> {
  // large output chunks: a cold load's ~70 MB come out in a few pieces instead of thousands of 16 KB ones
  const raw = await gunzipAsync(bytes, { chunkSize: 1 << 22 });
  let at = 0;
  const next = (n: number) => {
    const out = raw.subarray(at, at + n);
    at += n;
    return out;
  };
  const u32 = () => next(4).readUInt32LE(0);
  const engine = newStoreEngine(config);
  decodeIndex(engine.store, next(u32()));
  const surfaces = JSON.parse(next(u32()).toString('utf8')) as string[];
  const entries = u32();
  // copies: the slices of `raw` need not be 4-byte aligned
  const hashes = new Uint32Array(new Uint8Array(next(4 * entries)).buffer);
  const owners = new Int32Array(new Uint8Array(next(4 * entries)).buffer);
  engine.lexicon.importDeletions({ surfaces, hashes, owners });
  const header = JSON.parse(next(u32()).toString('utf8')) as TableHeader;
  const store = engine.store;
  const cap = header.createdAt.length;
  if (cap !== store.capacity) throw new Error('snapshot documents do not match its index');
  let ints = 0;
  for (const n of TABLE_SECTIONS) ints += header.sections[n];
  // one aligned copy of the columns (prices first, so the Float64 view is aligned too)
  const block = new Uint8Array(next(8 * cap + 4 * ints)).buffer;
  const priceOf = new Float64Array(block, 0, cap);
  const sec = {} as Record<TableSection, Int32Array<ArrayBuffer>>;
  let off = 8 * cap;
  for (const n of TABLE_SECTIONS) {
    sec[n] = new Int32Array(block, off, header.sections[n]);
    off += 4 * header.sections[n];
  }
  // the documents' JSON (a copy, so the decompressed buffer is not kept alive by it)
  const json = Buffer.from(raw.subarray(at));
  if (json.length !== sec.docStart[cap]) throw new Error('snapshot documents are truncated');
  const ids = Array.from({ length: cap }, (_, o) => store.idOf(o));
  const table = DocTable.restore(
    {
      ids,
      dictionaries: header.dictionaries,
      collectionTitles: header.collectionTitles,
      createdAt: header.createdAt.map((c) => c ?? undefined),
      vendorOf: sec.vendorOf,
      typeOf: sec.typeOf,
      bucketOf: Int8Array.from(sec.bucketOf),
      inStockOf: Uint8Array.from(sec.inStockOf),
      ratedOf: Uint8Array.from(sec.ratedOf),
      priceOf,
      textOf: sec.textOf,
      collectionsOf: fromCsr(sec.collStart, sec.collIdx, cap),
      tagsOf: fromCsr(sec.tagStart, sec.tagIdx, cap),
      optionsOf: fromCsr(sec.optStart, sec.optIdx, cap),
    },
    json,
    sec.docStart,
  );
  const order: string[] = [];
  for (const o of sec.order) {
    const id = ids[o];
    if (id === undefined) throw new Error('snapshot documents do not match its index');
    order.push(id);
  }
  if (order.length !== store.docCount) throw new Error('snapshot documents do not match its index');
  const docs = new TableDocs(table, (id) => store.ordinalOf(id), order);
  return { engine, docs, table };
}

export const normaliseQuery = (q: string) => q.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();

const PAGE = 2000;

/** The store's default language: the first of its `languages` setting (as the storefront reads it), null without one. */
const defaultLanguage = (t: Kysely<SearchDb>) => t.selectFrom('store_settings').select(sql<string | null>`value->>0`.as('l')).where('key', '=', 'languages');

const configVersion = (version: unknown, language: string | null | undefined) => `${String(version ?? '0')}|${language || 'en'}`;

/**
 * The engine a store's settings call for (stop words, synonyms, its default language's analysis); empty until documents
 * are indexed. An English store keeps the English analysis (stop words, the default stemmer) exactly as before.
 */
export function newStoreEngine(config: Pick<StoreConfig, 'stopWords' | 'synonyms'> & { language?: string }): InMemorySearchEngine {
  if (config.language && !isEnglish(config.language)) return newLocaleEngine(config, config.language);
  const stopWords = config.stopWords.length ? new Set([...ENGLISH_STOP_WORDS, ...config.stopWords.map(normaliseQuery)]) : ENGLISH_STOP_WORDS;
  return new InMemorySearchEngine({ analyzer: { stopWords }, bm25f: DEFAULT_BM25F, rerank: DEFAULT_RERANK, plan: {}, synonyms: config.synonyms });
}

const isEnglish = (language: string) => language.toLowerCase() === 'en' || language.toLowerCase().startsWith('en-');

/** What the index's analysis depends on (a change rebuilds it; a snapshot made with another is not used). */
export function analyzerKey(config: Pick<StoreConfig, 'stopWords' | 'language'>): string {
  const words = config.stopWords.join('\n');
  // English stores keep the key they had before languages counted, so their snapshots stay usable.
  return isEnglish(config.language) ? words : `${words}\n\u0000lang=${config.language}`;
}

/** The engine of `locale`: that language's stemmer and function words (plus the store's stop words), same ranking. */
export function newLocaleEngine(config: Pick<StoreConfig, 'stopWords' | 'synonyms'>, locale: string): InMemorySearchEngine {
  const lang = languageAnalysis(locale);
  const stopWords = config.stopWords.length ? new Set([...lang.stopWords, ...config.stopWords.map(normaliseQuery)]) : lang.stopWords;
  return new InMemorySearchEngine({
    analyzer: { stopWords, stemmer: lang.stemmer },
    bm25f: DEFAULT_BM25F,
    rerank: DEFAULT_RERANK,
    plan: {},
    synonyms: config.synonyms,
  });
}

const localeKey = (locale: string) => locale.toLowerCase();

/** Builds `locale`'s view of the entry, or null when no document has a translation in it. */
export function buildLocaleView(entry: LoadedIndex, locale: string): LocaleView | null {
  let any = false;
  for (const d of entry.docs.values())
    if (pickTranslation(d, locale)) {
      any = true;
      break;
    }
  if (!any) return null;
  const engine = newLocaleEngine(entry.config, locale);
  const table = new DocTable();
  for (const [id, d] of entry.docs) {
    engine.index(localeDocument(id, d, locale));
    table.set(engine.store.ordinalOf(id) as number, id, d);
  }
  engine.store.trim();
  return { locale, engine, table };
}

/**
 * The index a query in `locale` runs on: the locale's view when some product is translated into it (built on first
 * use), else the entry itself (the default language, and every locale of a store without translations).
 */
export function indexForLocale(entry: LoadedIndex, locale: string | undefined): LoadedIndex {
  if (!locale) return entry;
  // The store's default language is the default index itself (its originals, analysed in that language).
  if (locale.toLowerCase() === entry.config.language.toLowerCase()) return entry;
  const key = localeKey(locale);
  entry.locales ??= new Map();
  let view = entry.locales.get(key);
  if (view === undefined) {
    view = buildLocaleView(entry, locale);
    entry.locales.set(key, view);
  }
  return view ? { ...entry, engine: view.engine, table: view.table } : entry;
}

/** Applies one changed row to the entry's locale views (`doc` null: removed). */
function applyToLocales(entry: LoadedIndex, id: string, doc: IndexedDoc | null): void {
  if (!entry.locales) return;
  for (const [key, view] of entry.locales) {
    if (view === null) {
      // a first translation into this locale: build the view on its next query
      if (doc && pickTranslation(doc, key)) entry.locales.delete(key);
      continue;
    }
    const before = view.engine.store.ordinalOf(id);
    if (before !== undefined) view.table.clear(before);
    view.engine.remove(id);
    if (doc) {
      view.engine.index(localeDocument(id, doc, view.locale));
      view.table.set(view.engine.store.ordinalOf(id) as number, id, doc);
    }
  }
}

/**
 * Estimated heap bytes of one cached store index: the posting lists' typed
 * arrays exactly, plus per document, term and surface constants and the
 * documents' text (UTF-16), calibrated against measured heap at 40,000
 * products (bench/search/cpu.ts `search.index-memory`; see docs/design/search.md).
 */
export function estimateIndexBytes(entry: LoadedIndex): number {
  const store = entry.engine.store;
  let text = 0;
  // the table keeps the sum (reading every document would decode a restored table's documents)
  if (entry.table) text = entry.table.textBytes;
  else for (const d of entry.docs.values()) text += docTextBytes(d);
  let locales = 0;
  for (const view of entry.locales?.values() ?? []) {
    if (!view) continue;
    const s = view.engine.store;
    locales += s.postingBytes() + s.postings.size * 260 + s.vocab.size * 420 + entry.docs.size * 600;
  }
  return store.postingBytes() + store.postings.size * 260 + store.vocab.size * 420 + entry.docs.size * 2400 + text + locales;
}

export class SearchIndexCache {
  private readonly entries = new Map<string, LoadedIndex>();
  private readonly pending = new Map<string, Promise<LoadedIndex>>();
  private readonly maxDocs: number;
  private readonly maxBytes: number;
  /** Estimated bytes per cached store (refreshed after every load and refresh). */
  private readonly bytes = new Map<string, number>();
  private readonly freshnessMs: number;
  private readonly snapshotMinDocs: number;
  private readonly snapshotWrites = new Map<string, Promise<void>>();
  stats = { loads: 0, refreshes: 0, evictions: 0, snapshotLoads: 0, snapshotWrites: 0, snapshotErrors: 0 };

  constructor(
    private readonly db: Database,
    opts: CacheOptions = {},
  ) {
    this.maxDocs = opts.maxDocs ?? Number.POSITIVE_INFINITY;
    this.maxBytes = opts.maxBytes ?? 512 * 1024 * 1024;
    this.freshnessMs = opts.freshnessMs ?? 250;
    this.snapshotMinDocs = opts.snapshotMinDocs ?? 1000;
  }

  /** Resolves when the snapshot writes started so far have ended (tests, shutdown). */
  async flushSnapshots(): Promise<void> {
    while (this.snapshotWrites.size > 0) await Promise.all([...this.snapshotWrites.values()]);
  }

  /** Writes the entry's snapshot in the background (one write per store at a time; failures only counted). */
  private scheduleSnapshot(entry: LoadedIndex): void {
    if (this.snapshotMinDocs <= 0 || entry.docs.size < this.snapshotMinDocs || this.snapshotWrites.has(entry.schema)) return;
    const p = this.writeSnapshot(entry)
      .then(() => {
        this.stats.snapshotWrites++;
      })
      .catch(() => {
        this.stats.snapshotErrors++;
      })
      .finally(() => this.snapshotWrites.delete(entry.schema));
    this.snapshotWrites.set(entry.schema, p);
  }

  private async writeSnapshot(entry: LoadedIndex): Promise<void> {
    const seq = entry.seq;
    const stopWords = analyzerKey(entry.config);
    const bytes = await encodeStoreSnapshot(entry);
    const chunks = Math.max(1, Math.ceil(bytes.length / SNAPSHOT_CHUNK));
    await this.t(entry.schema)
      .transaction()
      .execute(async (trx) => {
        await sql`select pg_advisory_xact_lock(hashtext(${`storeloom:search-snapshot:${entry.schema}`}))`.execute(trx);
        // only a usable snapshot (this format and analysis) at least as new makes this one redundant: one of
        // another format (an older release's) or other stop words at the same seq is replaced, else a cold
        // load would rebuild from the rows until the next product change
        const newer = await trx
          .selectFrom('search_snapshots')
          .select('seq')
          .where('seq', '>=', String(seq))
          .where('format', '=', STORE_SNAPSHOT_FORMAT)
          .where('stop_words', '=', stopWords)
          .limit(1)
          .executeTakeFirst();
        if (newer) return;
        await trx
          .deleteFrom('search_snapshots')
          .where((eb) => eb.or([eb('seq', '<=', String(seq)), eb('format', '<>', STORE_SNAPSHOT_FORMAT), eb('stop_words', '<>', stopWords)]))
          .execute();
        for (let i = 0; i < chunks; i++) {
          await trx
            .insertInto('search_snapshots')
            .values({
              seq: String(seq),
              chunk: i,
              chunks,
              format: STORE_SNAPSHOT_FORMAT,
              stop_words: stopWords,
              data: bytes.subarray(i * SNAPSHOT_CHUNK, (i + 1) * SNAPSHOT_CHUNK),
            })
            .execute();
        }
      });
  }

  /** The store's latest usable snapshot (same format and stop words), or null. */
  private async readSnapshot(schema: string, config: StoreConfig): Promise<{ seq: number; bytes: Uint8Array } | null> {
    if (this.snapshotMinDocs <= 0) return null;
    const t = this.t(schema);
    const head = await t
      .selectFrom('search_snapshots')
      .select(['seq', 'chunks', 'format', 'stop_words'])
      .where('chunk', '=', 0)
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!head || head.format !== STORE_SNAPSHOT_FORMAT || head.stop_words !== analyzerKey(config)) return null;
    const rows = await t.selectFrom('search_snapshots').select(['chunk', 'data']).where('seq', '=', head.seq).orderBy('chunk').execute();
    if (rows.length !== head.chunks) return null;
    return { seq: Number(head.seq), bytes: Buffer.concat(rows.map((r) => r.data)) };
  }

  private t(schema: string): Kysely<SearchDb> {
    return searchDb(this.db.tenant(schema));
  }

  /** The store's index, fresh to within `freshnessMs`. Concurrent callers share one load/refresh. */
  async get(schema: string): Promise<LoadedIndex> {
    const hit = this.entries.get(schema);
    if (hit) {
      this.entries.delete(schema);
      this.entries.set(schema, hit);
      if (Date.now() - hit.checkedAt < this.freshnessMs) return hit;
    }
    let p = this.pending.get(schema);
    if (!p) {
      p = (hit ? this.refresh(hit) : this.load(schema)).finally(() => this.pending.delete(schema));
      this.pending.set(schema, p);
    }
    return p;
  }

  /** Adopts an index built elsewhere (a bench, a warm-up from a snapshot) as the store's cached entry, within the budget. */
  put(entry: LoadedIndex): void {
    this.entries.delete(entry.schema);
    this.entries.set(entry.schema, entry);
    this.evict(entry.schema);
  }

  /** `indexForLocale`, counting a locale view built by this call against the memory budget. */
  forLocale(entry: LoadedIndex, locale: string | undefined): LoadedIndex {
    if (!locale) return entry;
    const built = !entry.locales?.has(localeKey(locale));
    const out = indexForLocale(entry, locale);
    if (built && out !== entry && this.entries.get(entry.schema) === entry) this.evict(entry.schema);
    return out;
  }

  /** Drops a store (e.g. after its settings changed in this process); the next query reloads. */
  invalidate(schema: string): void {
    this.entries.delete(schema);
    this.bytes.delete(schema);
  }

  get size(): { stores: number; documents: number } {
    let documents = 0;
    for (const e of this.entries.values()) documents += e.docs.size;
    return { stores: this.entries.size, documents };
  }

  /** Estimated bytes of the cached indexes (what `maxBytes` bounds). */
  get bytesUsed(): number {
    let bytes = 0;
    for (const schema of this.entries.keys()) bytes += this.bytes.get(schema) ?? 0;
    return bytes;
  }

  private async version(schema: string): Promise<{ seq: number; config: string }> {
    const t = this.t(schema);
    const row = await t
      .selectFrom('search_config')
      .select([
        'version',
        t
          .selectFrom('search_documents')
          .select((eb) => eb.fn.max('seq').as('m'))
          .as('seq'),
        defaultLanguage(t).as('language'),
      ])
      .where('id', '=', 1)
      .executeTakeFirst();
    return { seq: Number(row?.seq ?? 0), config: configVersion(row?.version, row?.language) };
  }

  private async loadConfig(schema: string): Promise<StoreConfig> {
    const t = this.t(schema);
    const [cfg, synonyms, pins] = await Promise.all([
      t.selectFrom('search_config').selectAll().select(defaultLanguage(t).as('language')).where('id', '=', 1).executeTakeFirst(),
      t.selectFrom('search_synonyms').selectAll().orderBy('created_at').execute(),
      t.selectFrom('search_pins').select(['query', 'product_id']).orderBy('query').orderBy('position').orderBy('created_at').execute(),
    ]);
    const pinMap = new Map<string, string[]>();
    for (const p of pins) {
      const list = pinMap.get(p.query);
      if (list) list.push(p.product_id);
      else pinMap.set(p.query, [p.product_id]);
    }
    return {
      version: configVersion(cfg?.version, cfg?.language),
      stopWords: cfg?.stop_words ?? [],
      language: cfg?.language || 'en',
      inStockBoost: cfg?.in_stock_boost ?? 0,
      synonyms: synonyms.map((s) => (s.kind === 'two_way' ? { from: s.terms, to: s.terms } : { from: s.terms, to: s.synonyms })),
      pins: pinMap,
    };
  }

  private newEngine(config: StoreConfig): InMemorySearchEngine {
    return newStoreEngine(config);
  }

  private async load(schema: string): Promise<LoadedIndex> {
    const v = await this.version(schema);
    const config = await this.loadConfig(schema);
    const snap = await this.readSnapshot(schema, config).catch(() => null);
    if (snap) {
      const restored = await decodeStoreSnapshot(snap.bytes, config).catch(() => null);
      if (restored) {
        const now = Date.now();
        const entry: LoadedIndex = { schema, ...restored, seq: snap.seq, config, checkedAt: now, loadedAt: now };
        // config.version was read with this config: the refresh only applies the rows written after the snapshot
        const behind = v.seq - snap.seq;
        await this.refresh(entry);
        entry.engine.search('warmup');
        this.stats.loads++;
        this.stats.snapshotLoads++;
        this.entries.set(schema, entry);
        this.evict(schema);
        // far behind (every refresh of a cold load would replay these rows): write a newer one
        if (behind > Math.max(100, entry.docs.size / 10)) this.scheduleSnapshot(entry);
        return entry;
      }
    }
    const engine = this.newEngine(config);
    const docs = new Map<string, IndexedDoc>();
    const table = new DocTable();
    let after: string | null = null;
    for (;;) {
      let q = this.t(schema).selectFrom('search_documents').select(['product_id', 'doc']).where('deleted', '=', false).orderBy('product_id').limit(PAGE);
      if (after) q = q.where('product_id', '>', after);
      const rows = await q.execute();
      for (const r of rows) {
        const doc = r.doc as IndexedDoc;
        docs.set(r.product_id, doc);
        engine.index(toSearchDocument(r.product_id, doc));
        table.set(engine.store.ordinalOf(r.product_id) as number, r.product_id, doc);
      }
      if (rows.length < PAGE) break;
      after = rows.at(-1)?.product_id ?? null;
    }
    // Every row with seq <= v.seq was visible to the pages; later writes are applied by the refresh below.
    const entry: LoadedIndex = { schema, engine, docs, table, seq: v.seq, config, checkedAt: Date.now(), loadedAt: Date.now() };
    engine.store.trim();
    engine.search('warmup');
    this.stats.loads++;
    this.entries.set(schema, entry);
    this.evict(schema);
    this.scheduleSnapshot(entry);
    return entry;
  }

  private async refresh(entry: LoadedIndex): Promise<LoadedIndex> {
    const v = await this.version(entry.schema);
    let applied = 0;
    if (v.config !== entry.config.version) {
      const config = await this.loadConfig(entry.schema);
      if (analyzerKey(config) !== analyzerKey(entry.config)) {
        this.entries.delete(entry.schema);
        return this.load(entry.schema);
      }
      entry.engine.setSynonyms(config.synonyms);
      for (const view of entry.locales?.values() ?? []) view?.engine.setSynonyms(config.synonyms);
      entry.config = config;
    }
    while (v.seq > entry.seq) {
      const rows = await this.t(entry.schema)
        .selectFrom('search_documents')
        .select(['product_id', 'seq', 'deleted', 'doc'])
        .where('seq', '>', String(entry.seq))
        .orderBy('seq')
        .limit(PAGE)
        .execute();
      if (!rows.length) break;
      const table = entry.table;
      for (const r of rows) {
        const before = entry.engine.store.ordinalOf(r.product_id);
        if (before !== undefined) table?.clear(before);
        entry.engine.remove(r.product_id);
        entry.docs.delete(r.product_id);
        if (!r.deleted) {
          const doc = r.doc as IndexedDoc;
          entry.docs.set(r.product_id, doc);
          entry.engine.index(toSearchDocument(r.product_id, doc));
          table?.set(entry.engine.store.ordinalOf(r.product_id) as number, r.product_id, doc);
        }
        applyToLocales(entry, r.product_id, r.deleted ? null : (r.doc as IndexedDoc));
        entry.seq = Number(r.seq);
        applied++;
      }
      this.stats.refreshes++;
    }
    entry.checkedAt = Date.now();
    if (this.entries.get(entry.schema) === entry && applied > 0) this.evict(entry.schema);
    return entry;
  }

  private evict(keep: string): void {
    const kept = this.entries.get(keep);
    if (kept) this.bytes.set(keep, estimateIndexBytes(kept));
    let { documents } = this.size;
    let bytes = this.bytesUsed;
    for (const [schema, e] of this.entries) {
      if (documents <= this.maxDocs && bytes <= this.maxBytes) break;
      if (schema === keep) continue;
      this.entries.delete(schema);
      documents -= e.docs.size;
      bytes -= this.bytes.get(schema) ?? 0;
      this.bytes.delete(schema);
      this.stats.evictions++;
    }
  }
}
