/**
 * Fair per-store scheduling on top of BullMQ (whose OSS edition has no job
 * groups). A job whose payload names a `storeId` is first written to a staging
 * table; at most `perStoreInFlight` jobs of one store are handed to BullMQ at a
 * time (waiting, active or backing off), the rest wait in the table in FIFO
 * order and are dispatched as the store's earlier jobs finish. A store with
 * 10,000 queued jobs therefore occupies at most that many worker slots and
 * queue positions, and another store's single job goes straight into the
 * BullMQ queue and is picked by a free slot. The same staging table serves
 * both BullMQ backends (Redis and Postgres), so fairness behaves identically.
 *
 * Crash safety: a row is marked dispatched (under a per-store advisory lock)
 * before its BullMQ add, and the add uses the row's fixed job id, so a crash
 * between the two is repaired by `reconcile()` re-adding it (deduplicated by
 * id). A row is deleted when its job finishes for good; `reconcile()` also
 * removes rows whose job BullMQ already finished (a crash before release).
 *
 * The staging table is `control.fair_jobs` (a control migration), shared by every queue namespace through `ns`.
 */
import { randomUUID } from 'node:crypto';
import type { JobsOptions } from 'bullmq';
import type pg from 'pg';

export interface FairJobRow {
  id: string;
  queue: string;
  store_id: string;
  name: string;
  data: unknown;
  opts: JobsOptions;
  bull_id: string;
}

export type BullAdd = (queue: string, name: string, data: unknown, opts: JobsOptions) => Promise<void>;
/** BullMQ state of a job id ('completed', 'failed', 'active', …) or null when it does not exist. */
export type BullState = (queue: string, id: string) => Promise<string | null>;

export interface StoreQueueDepth {
  queue: string;
  storeId: string;
  /** Staged, not yet handed to BullMQ. */
  pending: number;
  /** Handed to BullMQ and not finished (waiting, active, delayed for a retry). */
  inFlight: number;
}

export class FairDispatcher {
  private readonly table = 'control.fair_jobs';
  private ready: Promise<void> | undefined;

  constructor(
    private readonly pool: pg.Pool,
    /** Queue namespace (the queue prefix), so several namespaces can share one schema. */
    private readonly ns: string,
    private readonly perStoreInFlight: number,
    private readonly add: BullAdd,
  ) {}

  /** Checks once that the control migrations created the staging table, so a missing one fails with a clear error. */
  init(): Promise<void> {
    this.ready ??= (async () => {
      const { rows } = await this.pool.query<{ t: string | null }>(`select to_regclass('${this.table}')::text as t`);
      if (!rows[0]?.t) throw new Error(`${this.table} does not exist: run the control migrations (npm run migrate) first`);
    })().catch((e) => {
      this.ready = undefined;
      throw e;
    });
    return this.ready;
  }

  /** Stages a job; returns its BullMQ id (the custom id when given: a duplicate id stages nothing). */
  async enqueue(queue: string, storeId: string, name: string, data: unknown, opts: JobsOptions): Promise<string> {
    await this.init();
    const { jobId, ...rest } = opts;
    const bullId = jobId ?? `fair-${randomUUID()}`;
    await this.pool.query(
      `insert into ${this.table} (ns, queue, store_id, name, data, opts, bull_id) values ($1, $2, $3, $4, $5, $6, $7)
       on conflict (ns, queue, bull_id) do nothing`,
      [this.ns, queue, storeId, name, JSON.stringify(data), JSON.stringify(rest), bullId],
    );
    await this.dispatch(queue, storeId);
    return bullId;
  }

  /** Hands the store's next staged jobs to BullMQ while it has fewer than perStoreInFlight there. */
  async dispatch(queue: string, storeId: string): Promise<number> {
    const client = await this.pool.connect();
    let rows: FairJobRow[];
    try {
      await client.query('begin');
      await client.query('select pg_advisory_xact_lock(hashtext($1))', [`storeloom:fair:${this.ns}:${queue}:${storeId}`]);
      const busy = await client.query<{ n: number }>(
        `select count(*)::int as n from ${this.table} where ns = $1 and queue = $2 and store_id = $3 and state = 'dispatched'`,
        [this.ns, queue, storeId],
      );
      const free = this.perStoreInFlight - (busy.rows[0]?.n ?? 0);
      rows =
        free > 0
          ? (
              await client.query<FairJobRow>(
                `update ${this.table} set state = 'dispatched', dispatched_at = now()
                  where id in (select id from ${this.table} where ns = $1 and queue = $2 and store_id = $3 and state = 'pending' order by id limit $4)
                  returning id, queue, store_id, name, data, opts, bull_id`,
                [this.ns, queue, storeId, free],
              )
            ).rows
          : [];
      await client.query('commit');
    } catch (e) {
      await client.query('rollback').catch(() => {});
      throw e;
    } finally {
      client.release();
    }
    rows.sort((a, b) => Number(a.id) - Number(b.id));
    for (const r of rows) await this.add(r.queue, r.name, r.data, { ...r.opts, jobId: r.bull_id });
    return rows.length;
  }

  /** A fair job finished for good (completed, or failed with no attempts left): free its slot, dispatch the next. */
  async release(queue: string, bullId: string): Promise<void> {
    await this.init();
    const { rows } = await this.pool.query<{ store_id: string }>(`delete from ${this.table} where ns = $1 and queue = $2 and bull_id = $3 returning store_id`, [
      this.ns,
      queue,
      bullId,
    ]);
    const storeId = rows[0]?.store_id;
    if (storeId) await this.dispatch(queue, storeId);
  }

  /**
   * Repairs what a crash can leave behind: dispatched rows whose BullMQ job is
   * missing (re-added under the same id) or already finished (released).
   */
  async reconcile(state: BullState, olderThanSeconds = 30): Promise<{ readded: number; released: number }> {
    await this.init();
    const { rows } = await this.pool.query<FairJobRow>(
      `select id, queue, store_id, name, data, opts, bull_id from ${this.table}
        where ns = $1 and state = 'dispatched' and dispatched_at < now() - make_interval(secs => $2) order by id limit 1000`,
      [this.ns, olderThanSeconds],
    );
    let readded = 0;
    let released = 0;
    for (const r of rows) {
      const s = await state(r.queue, r.bull_id);
      if (s === null) {
        await this.add(r.queue, r.name, r.data, { ...r.opts, jobId: r.bull_id });
        readded++;
      } else if (s === 'completed' || s === 'failed') {
        await this.release(r.queue, r.bull_id);
        released++;
      }
    }
    // Stores whose slots are free but which still have staged work (a release that crashed before dispatching).
    const idle = await this.pool.query<{ queue: string; store_id: string }>(
      `select distinct queue, store_id from ${this.table} p where ns = $1 and state = 'pending'
          and (select count(*) from ${this.table} d where d.ns = p.ns and d.queue = p.queue and d.store_id = p.store_id and d.state = 'dispatched') < $2
        limit 1000`,
      [this.ns, this.perStoreInFlight],
    );
    for (const s of idle.rows) await this.dispatch(s.queue, s.store_id);
    return { readded, released };
  }

  /** Whether the store has this job staged or in flight here (a staged job is not in BullMQ yet). */
  async holds(queue: string, storeId: string, bullId: string): Promise<boolean> {
    await this.init();
    const { rows } = await this.pool.query(`select 1 from ${this.table} where ns = $1 and queue = $2 and bull_id = $3 and store_id = $4`, [
      this.ns,
      queue,
      bullId,
      storeId,
    ]);
    return rows.length > 0;
  }

  /** Queue depth per store (staged + in flight), largest first; bounded to `limit` stores. */
  async depth(limit = 1000, storeId?: string): Promise<StoreQueueDepth[]> {
    await this.init();
    const { rows } = await this.pool.query<{ queue: string; store_id: string; pending: number; in_flight: number }>(
      `select queue, store_id, count(*) filter (where state = 'pending')::int as pending, count(*) filter (where state = 'dispatched')::int as in_flight
         from ${this.table} where ns = $1 and ($3::text is null or store_id = $3) group by queue, store_id order by count(*) desc limit $2`,
      [this.ns, limit, storeId ?? null],
    );
    return rows.map((r) => ({ queue: r.queue, storeId: r.store_id, pending: r.pending, inFlight: r.in_flight }));
  }

  /** Test clean-up. */
  async drop(): Promise<void> {
    await this.pool.query(`delete from ${this.table} where ns = $1`, [this.ns]).catch(() => {});
  }
}
