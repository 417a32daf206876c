/**
 * The store job ledger the console's jobs page reads: one `control.store_jobs`
 * row per store job (any job whose payload has a `storeId`), written when it is
 * enqueued and kept current by the worker (state, progress, attempts, error).
 * Reading our own table is stable across queue backends and survives BullMQ's
 * clean-up of finished jobs. Ledger writes never fail a job.
 */
import { type ControlDatabase, createDatabase, type Database, isUuid, type Kysely, newId, sql } from '@storeloom/db';
import type { StoreJobState } from '@storeloom/db';
import type { Job } from 'bullmq';

export interface StoreJobView {
  id: string;
  name: string;
  queue: string;
  state: StoreJobState;
  progress: number;
  attempts: number;
  maxAttempts: number;
  error: string | null;
  result: unknown;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  updatedAt: Date;
}

type Row = {
  id: string;
  name: string;
  queue: string;
  state: StoreJobState;
  progress: number;
  attempts: number;
  max_attempts: number;
  error: string | null;
  result: unknown;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  updated_at: Date;
};

const toView = (r: Row): StoreJobView => ({
  id: r.id,
  name: r.name,
  queue: r.queue,
  state: r.state,
  progress: r.progress,
  attempts: r.attempts,
  maxAttempts: r.max_attempts,
  error: r.error,
  result: r.result ?? null,
  createdAt: r.created_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  updatedAt: r.updated_at,
});

/** The store a job belongs to, from its envelope; null for platform jobs. */
export function storeIdOf(data: unknown): string | null {
  const id = (data as { payload?: { storeId?: unknown } } | undefined)?.payload?.storeId;
  return typeof id === 'string' && isUuid(id) ? id : null;
}

const clampProgress = (p: unknown) => (typeof p === 'number' && Number.isFinite(p) ? Math.max(0, Math.min(100, Math.round(p))) : null);

export class StoreJobLedger {
  private ownDb: Database | undefined;

  constructor(private readonly source: Database | { url: string }) {}

  private get db(): Database {
    if ('control' in this.source) return this.source;
    this.ownDb ??= createDatabase({ url: this.source.url, poolMax: 2, applicationName: 'storeloom-job-ledger' });
    return this.ownDb;
  }

  async close(): Promise<void> {
    await this.ownDb?.destroy();
    this.ownDb = undefined;
  }

  /** Upsert by (queue, BullMQ id): a deduplicated enqueue of a known job changes nothing. */
  async record(
    job: { queue: string; id: string; name: string; data: unknown; maxAttempts: number },
    db: Kysely<ControlDatabase> = this.db.control,
  ): Promise<void> {
    const storeId = storeIdOf(job.data);
    if (!storeId) return;
    await db
      .insertInto('store_jobs')
      .values({
        id: newId(),
        store_id: storeId,
        queue: job.queue,
        job_id: job.id,
        name: job.name,
        data: JSON.stringify(job.data),
        max_attempts: job.maxAttempts,
        error: null,
        result: null,
        started_at: null,
        finished_at: null,
        created_at: new Date(),
        updated_at: new Date(),
      })
      .onConflict((oc) => oc.columns(['queue', 'job_id']).doNothing())
      .execute();
  }

  private async update(queue: string, jobId: string, set: Record<string, unknown>) {
    await this.db.control
      .updateTable('store_jobs')
      .set({ ...set, updated_at: new Date() })
      .where('queue', '=', queue)
      .where('job_id', '=', jobId)
      .execute();
  }

  async started(queue: string, job: Job): Promise<void> {
    await this.record({ queue, id: job.id as string, name: job.name, data: job.data, maxAttempts: job.opts.attempts ?? 1 });
    await this.update(queue, job.id as string, {
      state: 'active',
      attempts: job.attemptsMade + 1,
      started_at: sql`coalesce(started_at, now())`,
      finished_at: null,
    });
  }

  async progress(queue: string, jobId: string, progress: unknown): Promise<void> {
    const p = clampProgress(progress);
    if (p !== null) await this.update(queue, jobId, { progress: p });
  }

  async completed(queue: string, jobId: string, result: unknown): Promise<void> {
    await this.update(queue, jobId, { state: 'completed', progress: 100, error: null, result: JSON.stringify(result ?? null), finished_at: new Date() });
  }

  /** A failure with attempts left goes back to `waiting` (BullMQ retries it with backoff). */
  async failed(queue: string, jobId: string, error: unknown, final: boolean): Promise<void> {
    const message = (error instanceof Error ? error.message : String(error)).slice(0, 1000);
    await this.update(queue, jobId, { state: final ? 'failed' : 'waiting', error: message, ...(final ? { finished_at: new Date() } : {}) });
  }

  /** A page of the store's jobs, newest first, each with its payload (`data`) so callers can name what it worked on. */
  async list(
    storeId: string,
    opts: { cursor?: string | undefined; limit: number },
  ): Promise<{ data: (StoreJobView & { data: unknown })[]; nextCursor: string | null }> {
    let q = this.db.control
      .selectFrom('store_jobs')
      .select([
        'id',
        'name',
        'queue',
        'state',
        'progress',
        'attempts',
        'max_attempts',
        'error',
        'result',
        'data',
        'created_at',
        'started_at',
        'finished_at',
        'updated_at',
      ])
      .where('store_id', '=', storeId);
    if (opts.cursor) q = q.where('id', '<', opts.cursor);
    const rows = (await q
      .orderBy('id', 'desc')
      .limit(opts.limit + 1)
      .execute()) as (Row & { data: unknown })[];
    const page = rows.slice(0, opts.limit);
    return { data: page.map((r) => ({ ...toView(r), data: r.data })), nextCursor: rows.length > opts.limit ? (page.at(-1)?.id ?? null) : null };
  }

  /** The store's most recent jobs of one kind (e.g. its exports), newest first, with their payloads. */
  /** The ledger ids of a store's BullMQ jobs, for links from the dead-letter list to retry. */
  async ledgerIds(storeId: string, jobIds: string[]): Promise<{ id: string; queue: string; jobId: string }[]> {
    if (jobIds.length === 0) return [];
    const rows = await this.db.control
      .selectFrom('store_jobs')
      .select(['id', 'queue', 'job_id'])
      .where('store_id', '=', storeId)
      .where('job_id', 'in', jobIds)
      .execute();
    return rows.map((r) => ({ id: r.id, queue: r.queue, jobId: r.job_id }));
  }

  async listNamed(storeId: string, name: string, limit: number): Promise<(StoreJobView & { data: unknown })[]> {
    const rows = await this.db.control
      .selectFrom('store_jobs')
      .selectAll()
      .where('store_id', '=', storeId)
      .where('name', '=', name)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ ...toView(r as Row), data: r.data }));
  }

  /** The store's ledger row of one BullMQ job (by queue and BullMQ id), e.g. a run the fair scheduler still holds. */
  async byJobId(storeId: string, queue: string, jobId: string): Promise<StoreJobView | null> {
    const r = await this.db.control
      .selectFrom('store_jobs')
      .selectAll()
      .where('store_id', '=', storeId)
      .where('queue', '=', queue)
      .where('job_id', '=', jobId)
      .executeTakeFirst();
    return r ? toView(r as Row) : null;
  }

  async get(storeId: string, id: string): Promise<(StoreJobView & { jobId: string; data: unknown }) | null> {
    const r = await this.db.control.selectFrom('store_jobs').selectAll().where('store_id', '=', storeId).where('id', '=', id).executeTakeFirst();
    return r ? { ...toView(r as Row), jobId: r.job_id, data: r.data } : null;
  }

  /**
   * One job of a kind per store at a time: under a transaction-scoped advisory lock on (store, kind), returns the
   * store's job of that kind still waiting or running (touched in the last six hours: a row a lost job left behind
   * does not block the store for ever), or else runs `create`, which records its new job through the ledger it is
   * given (the same transaction, so the pool's other connection stays free) and returns its BullMQ id.
   */
  async exclusive(
    storeId: string,
    name: string,
    create: (ledger: Pick<StoreJobLedger, 'record'>) => Promise<string>,
  ): Promise<{ job: StoreJobView & { jobId: string }; existing: boolean }> {
    return this.db.control.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(hashtext(${`storeloom-store-job:${storeId}:${name}`}))`.execute(trx);
      const open = await trx
        .selectFrom('store_jobs')
        .selectAll()
        .where('store_id', '=', storeId)
        .where('name', '=', name)
        .where('state', 'in', ['waiting', 'active'])
        .where('updated_at', '>', sql<Date>`now() - interval '6 hours'`)
        .orderBy('created_at', 'desc')
        .executeTakeFirst();
      if (open) return { job: { ...toView(open as Row), jobId: open.job_id }, existing: true };
      const bound: Pick<StoreJobLedger, 'record'> = { record: (job) => this.record(job, trx) };
      const jobId = await create(bound);
      const row = await trx.selectFrom('store_jobs').selectAll().where('store_id', '=', storeId).where('job_id', '=', jobId).executeTakeFirstOrThrow();
      return { job: { ...toView(row as Row), jobId: row.job_id }, existing: false };
    });
  }

  /** `from` (failed) → waiting, conditionally: of two concurrent retries exactly one wins. */
  async claimRetry(storeId: string, id: string, from: StoreJobState = 'failed'): Promise<boolean> {
    const r = await this.db.control
      .updateTable('store_jobs')
      .set({ state: 'waiting', error: null, progress: 0, finished_at: null, updated_at: new Date() })
      .where('store_id', '=', storeId)
      .where('id', '=', id)
      .where('state', '=', from)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Marks a row failed with `error`: a retry, or a job started by hand, that could not be handed to the queue. */
  async releaseRetry(storeId: string, id: string, error: string): Promise<void> {
    await this.db.control
      .updateTable('store_jobs')
      .set({ state: 'failed', error, updated_at: new Date() })
      .where('store_id', '=', storeId)
      .where('id', '=', id)
      .execute();
  }
}
