/**
 * Store search as the APIs use it: queries over the cached index, autocomplete
 * (products + query suggestions), click/analytics recording, and the
 * merchant's settings (synonyms, stop words, pins, in-stock boost). Every
 * settings write bumps `search_config.version`, which every serving process
 * sees on its next freshness check.
 */
import { randomUUID } from 'node:crypto';
import { type Database, type Kysely, newId, sql } from '@storeloom/db';
import { AppError, ErrorCode, notFound } from '@storeloom/errors';
import { type CacheOptions, normaliseQuery, SearchIndexCache } from './cache.ts';
import { type Autocomplete, autocompleteIndex, runSearch, type SearchOutcome, type SearchRequest } from './query.ts';
import { type SearchDb, searchDb } from './tables.ts';

export interface StoreRef {
  id: string;
  schema: string;
}

/** The seam for another engine: the APIs only call this. */
export interface ProductSearch {
  search(store: StoreRef, req: SearchRequest, opts?: { record?: boolean }): Promise<SearchOutcome & { searchId: string | null }>;
  autocomplete(store: StoreRef, q: string, limit?: number, locale?: string): Promise<Autocomplete>;
}

export interface SynonymView {
  id: string;
  kind: 'two_way' | 'one_way';
  terms: string[];
  synonyms: string[];
  createdAt: Date;
}

export interface PinView {
  id: string;
  query: string;
  productId: string;
  position: number;
}

interface PendingQuery {
  id: string;
  query: string;
  results: number;
  created_at: Date;
}

/** Suggestions from past queries per autocomplete request. */
const POPULAR_LIMIT = 5;
/** A store's past queries are cached whole up to this many rows (~100 bytes each). */
const POPULAR_STORE_ROWS = 5000;
/** Stores whose past-query lists are cached at once, and cached per-prefix reads (stores over `POPULAR_STORE_ROWS`). */
const POPULAR_STORES_MAX = 200;
const POPULAR_PREFIXES_MAX = 10_000;

type PopularList = { query: string; searches: number }[];

/** The `POPULAR_LIMIT` most searched queries of `list` (sorted by query) that start with `prefix`; ties by query. */
export function popularIn(list: PopularList, prefix: string): string[] {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((list[mid] as PopularList[number]).query < prefix) lo = mid + 1;
    else hi = mid;
  }
  const run: PopularList = [];
  for (let i = lo; i < list.length; i++) {
    const row = list[i] as PopularList[number];
    if (!row.query.startsWith(prefix)) break;
    run.push(row);
  }
  run.sort((x, y) => y.searches - x.searches || (x.query < y.query ? -1 : x.query > y.query ? 1 : 0));
  return run.slice(0, POPULAR_LIMIT).map((r) => r.query);
}

const cleanList = (xs: string[]) => [...new Set(xs.map((x) => x.trim()).filter(Boolean))];

export class StoreSearchService implements ProductSearch {
  readonly cache: SearchIndexCache;
  private readonly pending = new Map<string, PendingQuery[]>();
  private flushTimer: NodeJS.Timeout | null = null;
  /**
   * Autocomplete's popular-query suggestions. Per store: the whole list of
   * past queries that found something (when it has at most
   * `POPULAR_STORE_ROWS` rows; then every prefix is answered in memory, exactly
   * as the SQL would), read at most once per `suggestTtlMs`. A store with more
   * past queries falls back to one SQL read per prefix, cached per
   * `schema \n prefix` for the same TTL. Entries hold the in-flight read, so
   * concurrent callers share it; a failed read is not kept.
   */
  private readonly popularStores = new Map<string, { at: number; value: Promise<PopularList | null> }>();
  private readonly popularPrefixes = new Map<string, { at: number; value: Promise<string[]> }>();
  /** Suggestion reads answered from the cache (`hits`) and SQL reads (`misses`: whole-store lists and per-prefix queries). */
  popularStats = { hits: 0, misses: 0 };

  constructor(
    private readonly db: Database,
    opts: CacheOptions & { analyticsFlushMs?: number; suggestTtlMs?: number } = {},
  ) {
    this.cache = new SearchIndexCache(db, opts);
    this.flushMs = opts.analyticsFlushMs ?? 1000;
    this.suggestTtlMs = opts.suggestTtlMs ?? 5000;
  }
  private readonly flushMs: number;
  /** How stale autocomplete's popular-query suggestions may be, in ms (0: query every time). This process's own analytics flush drops its store's entries at once. */
  private readonly suggestTtlMs: number;

  private t(schema: string): Kysely<SearchDb> {
    return searchDb(this.db.tenant(schema));
  }

  async search(store: StoreRef, req: SearchRequest, opts: { record?: boolean } = {}): Promise<SearchOutcome & { searchId: string | null }> {
    const index = this.cache.forLocale(await this.cache.get(store.schema), req.locale);
    const out = runSearch(index, req);
    let searchId: string | null = null;
    if (opts.record && out.query && !req.cursor) {
      searchId = randomUUID();
      this.record(store.schema, { id: searchId, query: normaliseQuery(out.query).slice(0, 200), results: out.total, created_at: new Date() });
    }
    return { ...out, searchId };
  }

  async autocomplete(store: StoreRef, q: string, limit = 5, locale?: string): Promise<Autocomplete> {
    const query = normaliseQuery(q).slice(0, 100);
    if (!query) return { query, suggestions: [], products: [] };
    // The index and the suggestions are independent reads: neither waits for the other.
    const [index, popular] = await Promise.all([this.cache.get(store.schema), this.popular(store.schema, query)]);
    return autocompleteIndex(this.cache.forLocale(index, locale), query, popular, limit, locale);
  }

  /** `value` from `map` if read less than `suggestTtlMs` ago, else `load()` kept there (bounded, oldest dropped first). */
  private cached<T>(map: Map<string, { at: number; value: Promise<T> }>, key: string, max: number, load: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const hit = map.get(key);
    if (hit && now - hit.at < this.suggestTtlMs) {
      this.popularStats.hits++;
      return hit.value;
    }
    this.popularStats.misses++;
    const value = load();
    if (this.suggestTtlMs > 0) {
      const entry = { at: now, value };
      map.delete(key);
      map.set(key, entry);
      value.catch(() => {
        if (map.get(key) === entry) map.delete(key);
      });
      while (map.size > max) {
        const oldest = map.keys().next().value;
        if (oldest === undefined) break;
        map.delete(oldest);
      }
    }
    return value;
  }

  /** Up to 5 past queries starting with `query` that found something, most searched first (cached, see `popularStores`). */
  private async popular(schema: string, query: string): Promise<string[]> {
    const list = await this.cached(this.popularStores, schema, POPULAR_STORES_MAX, async () => {
      const rows = await this.t(schema)
        .selectFrom('search_query_stats')
        .select(['query', 'searches'])
        .where('last_results', '>', 0)
        .orderBy('query')
        .limit(POPULAR_STORE_ROWS + 1)
        .execute();
      if (rows.length > POPULAR_STORE_ROWS) return null;
      // Code-unit order, so that the queries with one prefix are one contiguous run.
      const sorted = rows.map((r) => ({ query: r.query, searches: Number(r.searches) })).sort((x, y) => (x.query < y.query ? -1 : x.query > y.query ? 1 : 0));
      return sorted;
    });
    if (list) return popularIn(list, query);
    return this.cached(this.popularPrefixes, `${schema}\n${query}`, POPULAR_PREFIXES_MAX, async () => {
      const like = `${query.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
      const rows = await this.t(schema)
        .selectFrom('search_query_stats')
        .select('query')
        .where('query', 'like', like)
        .where('last_results', '>', 0)
        .orderBy('searches', 'desc')
        .orderBy('query')
        .limit(POPULAR_LIMIT)
        .execute();
      return rows.map((r) => r.query);
    });
  }

  /** Drops the cached suggestions of one store (after its query stats changed). */
  private dropPopular(schema: string): void {
    this.popularStores.delete(schema);
    const prefix = `${schema}\n`;
    for (const key of this.popularPrefixes.keys()) if (key.startsWith(prefix)) this.popularPrefixes.delete(key);
  }

  // ---- analytics

  private record(schema: string, q: PendingQuery): void {
    const list = this.pending.get(schema) ?? [];
    list.push(q);
    this.pending.set(schema, list);
    if (list.length >= 500) void this.flush();
    else if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => void this.flush(), this.flushMs);
      this.flushTimer.unref();
    }
  }

  /** Writes buffered searches (one insert per store) and their per-query rollup. */
  async flush(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    const batches = [...this.pending.entries()];
    this.pending.clear();
    for (const [schema, rows] of batches) {
      const t = this.t(schema);
      try {
        await t.insertInto('search_queries').values(rows).execute();
        const byQuery = new Map<string, { n: number; results: number; at: Date }>();
        for (const r of rows) {
          const e = byQuery.get(r.query);
          byQuery.set(r.query, { n: (e?.n ?? 0) + 1, results: r.results, at: r.created_at });
        }
        await t
          .insertInto('search_query_stats')
          .values([...byQuery].map(([query, e]) => ({ query, searches: e.n, last_results: e.results, last_at: e.at })))
          .onConflict((oc) =>
            oc.column('query').doUpdateSet((eb) => ({
              searches: sql`${eb.ref('search_query_stats.searches')} + ${eb.ref('excluded.searches')}`,
              last_results: eb.ref('excluded.last_results'),
              last_at: eb.ref('excluded.last_at'),
            })),
          )
          .execute();
        this.dropPopular(schema);
      } catch {
        // Analytics are best effort: a store deleted meanwhile, or a failover, loses this batch only.
      }
    }
  }

  async recordClick(store: StoreRef, click: { searchId: string; productId: string; position: number }): Promise<void> {
    await this.t(store.schema)
      .insertInto('search_clicks')
      .values({ id: newId(), search_id: click.searchId, product_id: click.productId, position: click.position, created_at: new Date() })
      .onConflict((oc) => oc.columns(['search_id', 'product_id']).doNothing())
      .execute();
  }

  async analytics(store: StoreRef, days: number) {
    await this.flush();
    const t = this.t(store.schema);
    const since = new Date(Date.now() - days * 86_400_000);
    const [totals, top, zero, clicks] = await Promise.all([
      t
        .selectFrom('search_queries')
        .select((eb) => [eb.fn.countAll<string>().as('searches'), eb.fn.countAll<string>().filterWhere('results', '=', 0).as('zero')])
        .where('created_at', '>=', since)
        .executeTakeFirstOrThrow(),
      t
        .selectFrom('search_queries as q')
        .leftJoin('search_clicks as c', 'c.search_id', 'q.id')
        .select((eb) => [
          'q.query',
          eb.fn.count<string>('q.id').distinct().as('searches'),
          eb.fn.count<string>('c.search_id').distinct().as('clicked'),
          eb.fn.max('q.results').as('results'),
        ])
        .where('q.created_at', '>=', since)
        .groupBy('q.query')
        .orderBy('searches', 'desc')
        .limit(20)
        .execute(),
      t
        .selectFrom('search_queries')
        .select((eb) => ['query', eb.fn.countAll<string>().as('searches')])
        .where('created_at', '>=', since)
        .where('results', '=', 0)
        .groupBy('query')
        .orderBy('searches', 'desc')
        .limit(20)
        .execute(),
      t
        .selectFrom('search_clicks')
        .select((eb) => [eb.fn.count<string>('search_id').distinct().as('clicked'), eb.fn.avg<string>('position').as('avgPosition')])
        .where('created_at', '>=', since)
        .executeTakeFirstOrThrow(),
    ]);
    const searches = Number(totals.searches);
    return {
      days,
      searches,
      zeroResultSearches: Number(totals.zero),
      clickThroughRate: searches ? Number(clicks.clicked) / searches : 0,
      averageClickPosition: clicks.avgPosition === null ? null : Number(clicks.avgPosition),
      topQueries: top.map((r) => ({
        query: r.query,
        searches: Number(r.searches),
        results: Number(r.results ?? 0),
        clickThroughRate: Number(r.searches) ? Number(r.clicked) / Number(r.searches) : 0,
      })),
      zeroResultQueries: zero.map((r) => ({ query: r.query, searches: Number(r.searches) })),
    };
  }

  // ---- settings

  private async bump(t: Kysely<SearchDb>) {
    await t.updateTable('search_config').set({ version: sql`version + 1`, updated_at: new Date() }).where('id', '=', 1).execute();
  }

  async settings(store: StoreRef) {
    const row = await this.t(store.schema).selectFrom('search_config').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();
    return { stopWords: row.stop_words, inStockBoost: row.in_stock_boost, version: Number(row.version), updatedAt: row.updated_at };
  }

  /** With `version`, a conditional update: 409 version_conflict when the config changed since it was read (synonyms and pins bump it too). */
  async updateSettings(store: StoreRef, patch: { stopWords?: string[]; inStockBoost?: number; version?: number }) {
    const set: Record<string, unknown> = { version: sql`version + 1`, updated_at: new Date() };
    if (patch.stopWords) set.stop_words = cleanList(patch.stopWords.map((w) => normaliseQuery(w)));
    if (patch.inStockBoost !== undefined) set.in_stock_boost = patch.inStockBoost;
    let q = this.t(store.schema).updateTable('search_config').set(set).where('id', '=', 1);
    if (patch.version !== undefined) q = q.where('version', '=', String(patch.version));
    const r = await q.executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0)
      throw new AppError(ErrorCode.VersionConflict, 'The search settings changed since you loaded them; reload and try again', {
        details: [{ path: 'version', message: 'stale' }],
      });
    return this.settings(store);
  }

  async listSynonyms(store: StoreRef): Promise<SynonymView[]> {
    const rows = await this.t(store.schema).selectFrom('search_synonyms').selectAll().orderBy('created_at').execute();
    return rows.map((r) => ({ id: r.id, kind: r.kind, terms: r.terms, synonyms: r.synonyms, createdAt: r.created_at }));
  }

  async addSynonym(store: StoreRef, input: { kind: 'two_way' | 'one_way'; terms: string[]; synonyms?: string[] }): Promise<SynonymView> {
    const terms = cleanList(input.terms);
    const synonyms = cleanList(input.synonyms ?? []);
    if (input.kind === 'two_way' && terms.length < 2)
      throw new AppError(ErrorCode.ValidationFailed, 'terms: a two-way synonym needs at least two terms', {
        details: [{ path: 'terms', message: 'at least 2' }],
      });
    if (input.kind === 'one_way' && (!terms.length || !synonyms.length))
      throw new AppError(ErrorCode.ValidationFailed, 'synonyms: a one-way synonym needs terms and synonyms', {
        details: [{ path: 'synonyms', message: 'at least 1' }],
      });
    const t = this.t(store.schema);
    return t.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto('search_synonyms')
        .values({ id: newId(), kind: input.kind, terms, synonyms: input.kind === 'two_way' ? [] : synonyms, created_at: new Date() })
        .returningAll()
        .executeTakeFirstOrThrow();
      await this.bump(trx);
      return { id: row.id, kind: row.kind, terms: row.terms, synonyms: row.synonyms, createdAt: row.created_at };
    });
  }

  async deleteSynonym(store: StoreRef, id: string): Promise<void> {
    await this.t(store.schema)
      .transaction()
      .execute(async (trx) => {
        const r = await trx.deleteFrom('search_synonyms').where('id', '=', id).executeTakeFirst();
        if (Number(r.numDeletedRows) === 0) throw notFound('Synonym');
        await this.bump(trx);
      });
  }

  async listPins(store: StoreRef): Promise<PinView[]> {
    const rows = await this.t(store.schema).selectFrom('search_pins').selectAll().orderBy('query').orderBy('position').execute();
    return rows.map((r) => ({ id: r.id, query: r.query, productId: r.product_id, position: r.position }));
  }

  async addPin(store: StoreRef, input: { query: string; productId: string; position?: number }): Promise<PinView> {
    const query = normaliseQuery(input.query);
    if (!query) throw new AppError(ErrorCode.ValidationFailed, 'query: must not be empty', { details: [{ path: 'query', message: 'required' }] });
    const t = this.t(store.schema);
    return t.transaction().execute(async (trx) => {
      const product = await trx.selectFrom('products').select('id').where('id', '=', input.productId).executeTakeFirst();
      if (!product) throw notFound('Product');
      const row = await trx
        .insertInto('search_pins')
        .values({ id: newId(), query, product_id: input.productId, position: input.position ?? 0, created_at: new Date() })
        .onConflict((oc) => oc.columns(['query', 'product_id']).doUpdateSet({ position: input.position ?? 0 }))
        .returningAll()
        .executeTakeFirstOrThrow();
      await this.bump(trx);
      return { id: row.id, query: row.query, productId: row.product_id, position: row.position };
    });
  }

  async deletePin(store: StoreRef, id: string): Promise<void> {
    await this.t(store.schema)
      .transaction()
      .execute(async (trx) => {
        const r = await trx.deleteFrom('search_pins').where('id', '=', id).executeTakeFirst();
        if (Number(r.numDeletedRows) === 0) throw notFound('Pin');
        await this.bump(trx);
      });
  }

  async close(): Promise<void> {
    await this.flush();
  }
}
