/**
 * Applies one store's retention settings (settings.ts): deletes what is older
 * than the store keeps it, in batches of `batchSize` rows (each batch its own
 * short statement, so a store with millions of old events never holds a long
 * lock or a huge transaction), and returns how many of each went. Every step is
 * a conditional delete or update of what is still past its date, so running
 * it twice, or concurrently, or after a crash half-way, removes each row once
 * and never anything younger.
 */
import { type Database, type Kysely, sql, type TenantDatabase } from '@storeloom/db';
import { archiveKey, type Storage, storeStorage } from '@storeloom/storage';
import type { StoreRef } from './export.ts';
import { loadPrivacySettings, type RetentionSettings } from './settings.ts';

const DAY_MS = 86_400_000;

export interface RetentionCounts {
  carts: number;
  events: number;
  purchaseKeys: number;
  recommendationLists: number;
  searchQueries: number;
  searchClicks: number;
  searchStats: number;
  sessions: number;
  mailBodies: number;
  storeExports: number;
  privacyExports: number;
}

export interface RetentionOptions {
  /** The job's clock (tests move it). */
  now?: Date;
  batchSize?: number;
  /** Media storage holding export archives; without it archives are left alone (counted as 0). */
  storage?: Storage | null;
  /** Overrides the store's settings (tests). */
  settings?: RetentionSettings;
  onProgress?: (fraction: number) => void | Promise<void>;
}

const affected = (r: { numDeletedRows?: bigint; numUpdatedRows?: bigint } | undefined) => Number(r?.numDeletedRows ?? r?.numUpdatedRows ?? 0n);

/**
 * Repeats one batch until a batch deletes nothing; returns the total. Not "until a batch comes back short": beside
 * a concurrent run, a batch can come back short (rows it picked were taken by the other) while rows remain.
 */
async function inBatches(step: () => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await step();
    total += n;
    if (n === 0) return total;
  }
}

export async function applyRetention(db: Database, store: Pick<StoreRef, 'id' | 'schema_name'>, opts: RetentionOptions = {}): Promise<RetentionCounts> {
  const t: Kysely<TenantDatabase> = db.tenant(store.schema_name);
  const now = opts.now ?? new Date();
  const size = opts.batchSize ?? 1000;
  const r = opts.settings ?? (await loadPrivacySettings(t)).retention;
  const before = (d: number) => new Date(now.getTime() - d * DAY_MS);
  const counts: RetentionCounts = {
    carts: 0,
    events: 0,
    purchaseKeys: 0,
    recommendationLists: 0,
    searchQueries: 0,
    searchClicks: 0,
    searchStats: 0,
    sessions: 0,
    mailBodies: 0,
    storeExports: 0,
    privacyExports: 0,
  };
  const steps = 7;
  let done = 0;
  const progress = async () => {
    done++;
    await opts.onProgress?.(done / steps);
  };

  // Abandoned carts: untouched since the cut-off (lines cascade). A cart in use is touched on every change.
  const carts = before(r.abandonedCartsDays);
  counts.carts = await inBatches(async () =>
    affected(
      await t
        .deleteFrom('carts')
        .where('id', 'in', (eb) => eb.selectFrom('carts').select('id').where('updated_at', '<', carts).limit(size))
        .where('updated_at', '<', carts)
        .executeTakeFirst(),
    ),
  );
  await progress();

  // Shopper events and the purchase keys beside them.
  const events = before(r.eventsDays);
  counts.events = await inBatches(async () =>
    affected(
      await t
        .deleteFrom('reco_events')
        .where('id', 'in', (eb) => eb.selectFrom('reco_events').select('id').where('occurred_at', '<', events).limit(size))
        .where('occurred_at', '<', events)
        .executeTakeFirst(),
    ),
  );
  counts.purchaseKeys = await inBatches(async () =>
    affected(
      await t
        .deleteFrom('reco_orders')
        .where('order_id', 'in', (eb) => eb.selectFrom('reco_orders').select('order_id').where('occurred_at', '<', events).limit(size))
        .where('occurred_at', '<', events)
        .executeTakeFirst(),
    ),
  );
  // Per-customer lists derived from those events: a customer none of whose events remain has no list.
  counts.recommendationLists = affected(
    await t
      .deleteFrom('reco_customer_recs')
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('reco_events').select(sql`1`.as('one')).whereRef('reco_events.customer_id', '=', 'reco_customer_recs.customer_id'))),
      )
      .executeTakeFirst(),
  );
  await progress();

  // Search logs: queries, clicks, and per-query counts not searched since the cut-off.
  const search = before(r.searchLogsDays);
  const s = t as unknown as Kysely<SearchLogTables>;
  counts.searchQueries = await inBatches(async () =>
    affected(
      await s
        .deleteFrom('search_queries')
        .where('id', 'in', (eb) => eb.selectFrom('search_queries').select('id').where('created_at', '<', search).limit(size))
        .where('created_at', '<', search)
        .executeTakeFirst(),
    ),
  );
  counts.searchClicks = await inBatches(async () =>
    affected(
      await s
        .deleteFrom('search_clicks')
        .where('id', 'in', (eb) => eb.selectFrom('search_clicks').select('id').where('created_at', '<', search).limit(size))
        .where('created_at', '<', search)
        .executeTakeFirst(),
    ),
  );
  counts.searchStats = await inBatches(async () =>
    affected(
      await s
        .deleteFrom('search_query_stats')
        .where('query', 'in', (eb) => eb.selectFrom('search_query_stats').select('query').where('last_at', '<', search).limit(size))
        .where('last_at', '<', search)
        .executeTakeFirst(),
    ),
  );
  await progress();

  // Customer sessions: expired ones, and any older than the store lets a sign-in last.
  const sessions = before(r.sessionsDays);
  counts.sessions = await inBatches(async () =>
    affected(
      await t
        .deleteFrom('customer_sessions')
        .where('id', 'in', (eb) =>
          eb
            .selectFrom('customer_sessions')
            .select('id')
            .where((w) => w.or([w('expires_at', '<=', now), w('created_at', '<', sessions)]))
            .limit(size),
        )
        .where((w) => w.or([w('expires_at', '<=', now), w('created_at', '<', sessions)]))
        .executeTakeFirst(),
    ),
  );
  await progress();

  // Mail bodies of this store's mail that is finished with (sent, or given up): recipient, subject, dates stay.
  const mail = before(r.mailBodiesDays);
  counts.mailBodies = await inBatches(async () =>
    affected(
      await db.control
        .updateTable('mail_outbox')
        .set({ text_body: '', html_body: null })
        .where('id', 'in', (eb) =>
          eb
            .selectFrom('mail_outbox')
            .select('id')
            .where('store_id', '=', store.id)
            .where('status', 'in', ['sent', 'failed'])
            .where('created_at', '<', mail)
            .where((w) => w.or([w('text_body', '<>', ''), w('html_body', 'is not', null)]))
            .limit(size),
        )
        .where('store_id', '=', store.id)
        .where('status', 'in', ['sent', 'failed'])
        .where('created_at', '<', mail)
        .executeTakeFirst(),
    ),
  );
  await progress();

  // Whole-store export archives: the file goes, the job row says when.
  const exportsBefore = before(r.exportArchivesDays);
  const storage = opts.storage ? storeStorage(opts.storage, store.id) : null;
  if (storage) {
    const rows = await db.control
      .selectFrom('store_jobs')
      .select(['id', 'data'])
      .where('store_id', '=', store.id)
      .where('name', '=', 'stores.export')
      .where('state', '=', 'completed')
      .where('finished_at', '<', exportsBefore)
      .where(sql<boolean>`result ? 'key'`)
      .where(sql<boolean>`not (result ? 'expiredAt')`)
      .execute();
    for (const row of rows) {
      const exportId = (row.data as { payload?: { exportId?: unknown } } | null)?.payload?.exportId;
      if (typeof exportId !== 'string') continue;
      await storage.delete(archiveKey(store.id, exportId));
      const u = await db.control
        .updateTable('store_jobs')
        .set({ result: sql`result || jsonb_build_object('expiredAt', ${now.toISOString()}::text)` as never })
        .where('id', '=', row.id)
        .where(sql<boolean>`not (result ? 'expiredAt')`)
        .executeTakeFirst();
      counts.storeExports += affected(u);
    }
  }
  await progress();

  // Shoppers' export archives: at their own expiry, or sooner when the store keeps them for less.
  if (storage) {
    const privacyBefore = before(r.privacyExportsDays);
    const rows = await t
      .selectFrom('privacy_requests')
      .select(['id', 'archive_key'])
      .where('archive_key', 'is not', null)
      .where((w) => w.or([w('archive_expires_at', '<=', now), w('completed_at', '<', privacyBefore)]))
      .execute();
    for (const row of rows) {
      await storage.delete(row.archive_key as string);
      const u = await t
        .updateTable('privacy_requests')
        .set({ archive_key: null, archive_expires_at: now, updated_at: now })
        .where('id', '=', row.id)
        .where('archive_key', '=', row.archive_key as string)
        .executeTakeFirst();
      counts.privacyExports += affected(u);
    }
  }
  await progress();
  return counts;
}

/** The search log tables (declared by packages/store-search, which this package does not depend on). */
interface SearchLogTables {
  search_queries: { id: string; query: string; results: number; created_at: Date };
  search_clicks: { id: string; search_id: string; product_id: string; position: number; created_at: Date };
  search_query_stats: { query: string; searches: number; last_results: number; last_at: Date };
}
