/**
 * Writes a store's search documents. Every write runs under a per-store
 * advisory lock and stamps the rows it changes with the next `seq`, so seq
 * order is commit order and readers can catch up incrementally. Unchanged
 * documents are left alone (no seq bump, no cache churn).
 */
import { type Kysely, sql, type TenantDatabase } from '@storeloom/db';
import { buildDocuments, docHash } from './documents.ts';
import { type SearchDb, searchDb } from './tables.ts';

export interface IndexBatchResult {
  indexed: number;
  removed: number;
  unchanged: number;
}

export interface ConsistencyReport {
  products: number;
  documents: number;
  missing: number;
  stale: number;
  orphaned: number;
  repaired: boolean;
  sample: string[];
}

const BATCH = 500;

export class SearchIndexer {
  private readonly t: Kysely<SearchDb>;
  constructor(
    t: Kysely<TenantDatabase>,
    private readonly schema: string,
  ) {
    this.t = searchDb(t);
  }

  /** Brings the given products' documents in line with the catalogue. */
  async indexProducts(productIds: readonly string[]): Promise<IndexBatchResult> {
    const ids = [...new Set(productIds)];
    const result: IndexBatchResult = { indexed: 0, removed: 0, unchanged: 0 };
    for (let i = 0; i < ids.length; i += BATCH) {
      const r = await this.writeBatch(ids.slice(i, i + BATCH));
      result.indexed += r.indexed;
      result.removed += r.removed;
      result.unchanged += r.unchanged;
    }
    return result;
  }

  private async writeBatch(ids: string[]): Promise<IndexBatchResult> {
    const docs = await buildDocuments(this.t, ids);
    return this.t.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(hashtext(${`storeloom:search:${this.schema}`}))`.execute(trx);
      const existing = await trx.selectFrom('search_documents').select(['product_id', 'source_hash', 'deleted']).where('product_id', 'in', ids).execute();
      const prior = new Map(existing.map((r) => [r.product_id, r]));
      const top = await trx
        .selectFrom('search_documents')
        .select((eb) => eb.fn.coalesce(eb.fn.max('seq'), sql<string>`0`).as('seq'))
        .executeTakeFirstOrThrow();
      let seq = Number(top.seq);
      const now = new Date();
      const upserts = [];
      const removals: string[] = [];
      let unchanged = 0;
      for (const id of ids) {
        const doc = docs.get(id);
        const before = prior.get(id);
        if (doc) {
          const hash = docHash(doc);
          if (before && !before.deleted && before.source_hash === hash) unchanged++;
          else upserts.push({ product_id: id, seq: ++seq, deleted: false, doc: JSON.stringify(doc), source_hash: hash, indexed_at: now });
        } else if (before && !before.deleted) removals.push(id);
        else unchanged++;
      }
      if (upserts.length)
        await trx
          .insertInto('search_documents')
          .values(upserts)
          .onConflict((oc) =>
            oc.column('product_id').doUpdateSet((eb) => ({
              seq: eb.ref('excluded.seq'),
              deleted: false,
              doc: eb.ref('excluded.doc'),
              source_hash: eb.ref('excluded.source_hash'),
              indexed_at: eb.ref('excluded.indexed_at'),
            })),
          )
          .execute();
      for (const id of removals)
        await trx
          .updateTable('search_documents')
          .set({ deleted: true, doc: '{}', source_hash: '', seq: ++seq, indexed_at: now })
          .where('product_id', '=', id)
          .execute();
      return { indexed: upserts.length, removed: removals.length, unchanged };
    });
  }

  /** Product ids of the store in id order, in pages (all statuses: inactive ones are removed from the index). */
  private async *productPages(since?: Date): AsyncGenerator<string[]> {
    let after: string | null = null;
    for (;;) {
      let q = this.t.selectFrom('products').select('id').orderBy('id').limit(BATCH);
      if (after) q = q.where('id', '>', after);
      if (since) q = q.where('updated_at', '>=', since);
      const rows = await q.execute();
      if (!rows.length) return;
      yield rows.map((r) => r.id);
      after = rows.at(-1)?.id ?? null;
      if (rows.length < BATCH) return;
    }
  }

  private async orphanIds(): Promise<string[]> {
    const rows = await this.t
      .selectFrom('search_documents as d')
      .select('d.product_id')
      .where('d.deleted', '=', false)
      .where((eb) => eb.not(eb.exists(eb.selectFrom('products as p').select('p.id').whereRef('p.id', '=', 'd.product_id'))))
      .execute();
    return rows.map((r) => r.product_id);
  }

  /** Full reindex (or only products changed since `since`), reporting progress in [0, 1]. */
  async reindex(opts: { since?: Date; onProgress?: (fraction: number) => Promise<void> | void } = {}): Promise<IndexBatchResult & { products: number }> {
    let total = Number(
      (
        await this.t
          .selectFrom('products')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .$if(!!opts.since, (q) => q.where('updated_at', '>=', opts.since as Date))
          .executeTakeFirstOrThrow()
      ).n,
    );
    total = Math.max(total, 1);
    const result = { indexed: 0, removed: 0, unchanged: 0, products: 0 };
    for await (const ids of this.productPages(opts.since)) {
      const r = await this.writeBatch(ids);
      result.indexed += r.indexed;
      result.removed += r.removed;
      result.unchanged += r.unchanged;
      result.products += ids.length;
      await opts.onProgress?.(Math.min(0.99, result.products / total));
    }
    const orphans = await this.orphanIds();
    if (orphans.length) result.removed += (await this.indexProducts(orphans)).removed;
    await opts.onProgress?.(1);
    return result;
  }

  /** Compares the index with the catalogue; with `repair`, re-indexes what differs. */
  async check(opts: { repair?: boolean } = {}): Promise<ConsistencyReport> {
    const report: ConsistencyReport = { products: 0, documents: 0, missing: 0, stale: 0, orphaned: 0, repaired: false, sample: [] };
    const bad: string[] = [];
    for await (const ids of this.productPages()) {
      const docs = await buildDocuments(this.t, ids);
      const rows = await this.t.selectFrom('search_documents').select(['product_id', 'source_hash', 'deleted']).where('product_id', 'in', ids).execute();
      const stored = new Map(rows.map((r) => [r.product_id, r]));
      for (const id of ids) {
        const doc = docs.get(id);
        const row = stored.get(id);
        const live = row && !row.deleted;
        if (doc) report.products++;
        if (doc && !live) {
          report.missing++;
          bad.push(id);
        } else if (doc && row && docHash(doc) !== row.source_hash) {
          report.stale++;
          bad.push(id);
        } else if (!doc && live) {
          report.orphaned++;
          bad.push(id);
        }
      }
    }
    const orphans = await this.orphanIds();
    report.orphaned += orphans.length;
    bad.push(...orphans);
    report.documents = Number(
      (
        await this.t
          .selectFrom('search_documents')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('deleted', '=', false)
          .executeTakeFirstOrThrow()
      ).n,
    );
    report.sample = bad.slice(0, 20);
    if (opts.repair && bad.length) {
      await this.indexProducts(bad);
      report.repaired = true;
    }
    return report;
  }

  /** Active products in the catalogue: what a complete index holds. */
  async activeProducts(): Promise<number> {
    const row = await this.t
      .selectFrom('products')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('status', '=', 'active')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async status(): Promise<{ documents: number; lastIndexedAt: Date | null; seq: number }> {
    const row = await this.t
      .selectFrom('search_documents')
      .select((eb) => [
        eb.fn.countAll<string>().filterWhere('deleted', '=', false).as('n'),
        eb.fn.max('indexed_at').as('last'),
        eb.fn.coalesce(eb.fn.max('seq'), sql<string>`0`).as('seq'),
      ])
      .executeTakeFirstOrThrow();
    return { documents: Number(row.n), lastIndexedAt: row.last ? new Date(row.last as Date) : null, seq: Number(row.seq) };
  }
}
