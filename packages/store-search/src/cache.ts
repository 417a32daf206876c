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
import type { Database, Kysely } from '@storeloom/db';
import { ENGLISH_STOP_WORDS, DEFAULT_BM25F, DEFAULT_RERANK, InMemorySearchEngine, type SynonymRule } from '@storeloom/search';
import { DocTable } from './doc-table.ts';
import { toSearchDocument } from './documents.ts';
import { type IndexedDoc, type SearchDb, searchDb } from './tables.ts';

export interface StoreConfig {
  version: string;
  stopWords: string[];
  inStockBoost: number;
  synonyms: SynonymRule[];
  /** Normalised query -> pinned product ids, in order. */
  pins: Map<string, string[]>;
}

export interface LoadedIndex {
  readonly schema: string;
  engine: InMemorySearchEngine;
  readonly docs: Map<string, IndexedDoc>;
  /** The documents by engine ordinal with interned facet values; built on first use when absent. */
  table?: DocTable;
  seq: number;
  config: StoreConfig;
  checkedAt: number;
  loadedAt: number;
}

export interface CacheOptions {
  /** Total documents kept across stores before the least recently used store is dropped. */
  maxDocs?: number;
  /** How stale a served index may be, in ms (0: check on every query). */
  freshnessMs?: number;
}

export const normaliseQuery = (q: string) => q.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();

const PAGE = 2000;

/** The engine a store's settings call for (stop words, synonyms); empty until documents are indexed. */
export function newStoreEngine(config: StoreConfig): InMemorySearchEngine {
  const stopWords = config.stopWords.length ? new Set([...ENGLISH_STOP_WORDS, ...config.stopWords.map(normaliseQuery)]) : ENGLISH_STOP_WORDS;
  return new InMemorySearchEngine({ analyzer: { stopWords }, bm25f: DEFAULT_BM25F, rerank: DEFAULT_RERANK, plan: {}, synonyms: config.synonyms });
}

export class SearchIndexCache {
  private readonly entries = new Map<string, LoadedIndex>();
  private readonly pending = new Map<string, Promise<LoadedIndex>>();
  private readonly maxDocs: number;
  private readonly freshnessMs: number;
  stats = { loads: 0, refreshes: 0, evictions: 0 };

  constructor(
    private readonly db: Database,
    opts: CacheOptions = {},
  ) {
    // About 16 KB of heap per product (measured at 40k products): 50k documents is ~0.8 GB.
    this.maxDocs = opts.maxDocs ?? 50_000;
    this.freshnessMs = opts.freshnessMs ?? 250;
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

  /** Drops a store (e.g. after its settings changed in this process); the next query reloads. */
  invalidate(schema: string): void {
    this.entries.delete(schema);
  }

  get size(): { stores: number; documents: number } {
    let documents = 0;
    for (const e of this.entries.values()) documents += e.docs.size;
    return { stores: this.entries.size, documents };
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
      ])
      .where('id', '=', 1)
      .executeTakeFirst();
    return { seq: Number(row?.seq ?? 0), config: String(row?.version ?? '0') };
  }

  private async loadConfig(schema: string): Promise<StoreConfig> {
    const t = this.t(schema);
    const [cfg, synonyms, pins] = await Promise.all([
      t.selectFrom('search_config').selectAll().where('id', '=', 1).executeTakeFirst(),
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
      version: String(cfg?.version ?? '0'),
      stopWords: cfg?.stop_words ?? [],
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
    engine.search('warmup');
    this.stats.loads++;
    this.entries.set(schema, entry);
    this.evict(schema);
    return entry;
  }

  private async refresh(entry: LoadedIndex): Promise<LoadedIndex> {
    const v = await this.version(entry.schema);
    if (v.config !== entry.config.version) {
      const config = await this.loadConfig(entry.schema);
      if (config.stopWords.join('\n') !== entry.config.stopWords.join('\n')) {
        this.entries.delete(entry.schema);
        return this.load(entry.schema);
      }
      entry.engine.setSynonyms(config.synonyms);
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
        entry.seq = Number(r.seq);
      }
      this.stats.refreshes++;
    }
    entry.checkedAt = Date.now();
    return entry;
  }

  private evict(keep: string): void {
    let total = this.size.documents;
    for (const [schema, e] of this.entries) {
      if (total <= this.maxDocs) break;
      if (schema === keep) continue;
      this.entries.delete(schema);
      total -= e.docs.size;
      this.stats.evictions++;
    }
  }
}
