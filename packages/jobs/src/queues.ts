/**
 * Queue factory over one of two BullMQ backends: Redis (ioredis) when
 * REDIS_URL is set, otherwise BullMQ's Postgres backend on the platform
 * database, so the embedded mode needs no Redis.
 */
import { createPostgresBackend, type Job, type JobsOptions, Queue, runMigrations, UnrecoverableError, withBackend, Worker, type WorkerOptions } from 'bullmq';
import { Cluster, Redis } from 'ioredis';
import pg from 'pg';
import type { z } from 'zod';
import { type JobDefinition, type JobEnvelope, QUEUES, type QueueName, UNTRACKED_JOBS } from './definitions.ts';
import { StoreJobLedger, type StoreJobView, storeIdOf } from './tracking.ts';
import { FairDispatcher, type StoreQueueDepth } from './fair.ts';

export interface QueueConfig {
  redisUrl?: string | undefined;
  databaseUrl: string;
  /** Namespace: Redis key prefix, or Postgres schema of the queue tables. */
  prefix: string;
  /** Postgres backend schema; default bullmq_<prefix>. */
  pgSchema?: string | undefined;
  /** `redisUrl` lists the seed nodes of a Redis Cluster (comma separated). */
  redisCluster?: boolean | undefined;
  /**
   * Jobs with a `storeId` in their payload are scheduled fairly: at most this
   * many of one store are in BullMQ at a time (default 2; 0 turns fairness off).
   * Keep it below the worker concurrency so a busy store never holds every slot.
   */
  perStoreInFlight?: number | undefined;
}

/** A job that ended up failed for good, as shown in the dead-letter view. */
export interface DeadJob {
  queue: QueueName;
  id: string;
  name: string;
  storeId: string | null;
  attemptsMade: number;
  /** The attempts the job was allowed (its job options; 1 when unset). */
  maxAttempts: number;
  failedReason: string;
  failedAt: string | null;
  payload: unknown;
}

const payloadStoreId = (payload: unknown): string | null => {
  const id = (payload as { storeId?: unknown } | null)?.storeId;
  return typeof id === 'string' && id ? id : null;
};

/** A hand retry starts a job's attempts over (BullMQ keeps counting by default: "attempt 4 of 3", one try only). */
const RESET_ATTEMPTS = { resetAttemptsMade: true, resetAttemptsStarted: true } as const;

export type QueueBackend = 'redis' | 'postgres';

type AnyQueue = Queue<JobEnvelope, unknown, string>;
type AnyWorker = Worker<JobEnvelope, unknown, string>;

/** What a merchant following a store job sees (BullMQ's state names: 'waiting', 'active', 'completed', 'failed', …). */
export interface StoreJobStatus {
  state: string;
  progress: number;
  result: unknown;
  failedReason: string | null;
}

export interface JobHandle {
  id: string;
  name: string;
}

export class Queues {
  readonly backend: QueueBackend;
  private readonly queues = new Map<QueueName, AnyQueue>();
  private readonly workers: AnyWorker[] = [];
  private redis: Redis | Cluster | undefined;
  private pgPool: pg.Pool | undefined;
  private fairPool: pg.Pool | undefined;
  private fairDispatcher: FairDispatcher | undefined;
  private reconcileTimer: NodeJS.Timeout | undefined;
  private ready: Promise<void> | undefined;
  /** Store jobs (payload with `storeId`) are mirrored in control.store_jobs for the console. */
  readonly storeJobs: StoreJobLedger;

  constructor(private readonly cfg: QueueConfig) {
    this.backend = cfg.redisUrl ? 'redis' : 'postgres';
    this.storeJobs = new StoreJobLedger({ url: cfg.databaseUrl });
  }

  /** The Postgres backend's tables live in their own schema; create/upgrade it once. */
  async init(): Promise<void> {
    this.ready ??= (async () => {
      if (this.backend === 'postgres') {
        const client = new pg.Client({ connectionString: this.cfg.databaseUrl });
        await client.connect();
        try {
          await runMigrations(client, this.pgSchema);
        } finally {
          await client.end();
        }
      }
      await this.fair?.init();
    })();
    return this.ready;
  }

  /** The fair scheduler, or undefined when fairness is off. */
  get fair(): FairDispatcher | undefined {
    const perStore = this.cfg.perStoreInFlight ?? 2;
    if (perStore <= 0) return undefined;
    if (!this.fairDispatcher) {
      this.fairPool = new pg.Pool({ connectionString: this.cfg.databaseUrl, max: 4, application_name: 'storeloom-jobs-fair' });
      this.fairPool.on('error', () => {});
      this.fairPool.on('connect', (client) => {
        client.on('error', () => {});
      });
      this.fairDispatcher = new FairDispatcher(this.fairPool, this.cfg.prefix, perStore, async (queue, name, data, opts) => {
        await this.queue(queue as QueueName).add(name, data as JobEnvelope, opts);
      });
    }
    return this.fairDispatcher;
  }

  private get pgSchema() {
    return this.cfg.pgSchema ?? `bullmq_${this.cfg.prefix}`;
  }

  private connectionOptions(): Record<string, unknown> {
    if (this.backend === 'redis') {
      this.redis ??= this.cfg.redisCluster
        ? new Cluster(
            (this.cfg.redisUrl as string).split(',').map((u) => {
              const url = new URL(u.trim());
              return { host: url.hostname, port: Number(url.port || 6379) };
            }),
            { redisOptions: { maxRetriesPerRequest: null }, enableOfflineQueue: true },
          )
        : new Redis(this.cfg.redisUrl as string, { maxRetriesPerRequest: null, enableOfflineQueue: true });
      // Reconnects are automatic; without a listener ioredis prints every failed attempt.
      if (this.redis.listenerCount('error') === 0) this.redis.on('error', () => {});
      // The hash tag puts every key of the namespace in one Redis Cluster slot, as BullMQ's scripts require.
      return { connection: this.redis, prefix: `{${this.cfg.prefix}}` };
    }
    return { connection: { connectionString: this.cfg.databaseUrl, schema: this.pgSchema, max: 3 } };
  }

  private classes() {
    if (this.backend === 'redis') return { Queue, Worker };
    const b = withBackend(createPostgresBackend);
    return { Queue: b.Queue as unknown as typeof Queue, Worker: b.Worker as unknown as typeof Worker };
  }

  queue(name: QueueName): AnyQueue {
    let q = this.queues.get(name);
    if (!q) {
      const { Queue: Q } = this.classes();
      q = new Q<JobEnvelope, unknown, string>(name, this.connectionOptions() as never) as AnyQueue;
      q.on('error', () => {});
      this.queues.set(name, q);
    }
    return q;
  }

  async enqueue<S extends z.ZodType>(
    def: JobDefinition<string, S>,
    payload: z.infer<S>,
    opts: JobsOptions = {},
    ledger: Pick<StoreJobLedger, 'record'> = this.storeJobs,
  ): Promise<JobHandle> {
    await this.init();
    const parsed = def.schema.parse(payload);
    const data: JobEnvelope = { v: def.version, payload: parsed };
    const jobOpts: JobsOptions = {
      attempts: def.attempts,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: { age: 7 * 24 * 3600, count: 1000 },
      removeOnFail: { age: 30 * 24 * 3600 },
      ...(def.jobId ? { jobId: def.jobId(parsed) } : {}),
      ...opts,
    };
    const storeId = payloadStoreId(parsed);
    const fair = this.fair;
    // Delayed and prioritised jobs keep BullMQ's own scheduling.
    if (def.untracked) return { id: (await this.queue(def.queue).add(def.name, data, jobOpts)).id as string, name: def.name };
    if (fair && storeId && !jobOpts.delay && !jobOpts.priority) {
      const id = await fair.enqueue(def.queue, storeId, def.name, data, jobOpts);
      await ledger.record({ queue: def.queue, id, name: def.name, data, maxAttempts: jobOpts.attempts ?? def.attempts }).catch(() => {}); // the worker records it when it starts, should this write fail
      return { id, name: def.name };
    }
    const job = await this.queue(def.queue).add(def.name, data, jobOpts);
    // BullMQ assigns an id on add (its type leaves it optional for jobs not yet added).
    if (!job.id) throw new Error(`BullMQ added ${def.name} without an id`);
    await ledger.record({ queue: def.queue, id: job.id, name: def.name, data: job.data, maxAttempts: job.opts.attempts ?? def.attempts }).catch(() => {}); // the worker records it when it starts, should this write fail
    return { id: job.id, name: job.name };
  }

  /**
   * A store job started by hand ("Recompute now", "Train now", "Reindex"): while one of the same kind is waiting or
   * running for the store, a second request enqueues nothing and gets that job back (`existing`), however many
   * arrive at once. The answer carries the ledger row (id, state) so the console shows "Queued" at once.
   *
   * The ledger row is committed under the lock first and the job handed to BullMQ (or the fair queue) after: adding it
   * inside the lock's transaction waited for itself on embedded PGlite, where all connections share one session and
   * another connection's statements wait while a transaction is open. Should the hand-over fail, the row is marked
   * failed (the merchant sees the error and can start again); a process that dies in between leaves a waiting row
   * without a job, which stops blocking the store after six hours like any lost job's row.
   */
  async enqueueOnce<S extends z.ZodType>(
    def: JobDefinition<string, S>,
    payload: z.infer<S>,
  ): Promise<{ id: string; jobId: string; state: StoreJobView['state']; existing: boolean }> {
    await this.init();
    const parsed = def.schema.parse(payload);
    const storeId = payloadStoreId(parsed);
    if (!storeId || def.untracked || !def.jobId) throw new Error(`${def.name}: enqueueOnce needs a tracked store job with a jobId`);
    const jobId = def.jobId(parsed);
    const data: JobEnvelope = { v: def.version, payload: parsed };
    const { job, existing } = await this.storeJobs.exclusive(storeId, def.name, async (ledger) => {
      await ledger.record({ queue: def.queue, id: jobId, name: def.name, data, maxAttempts: def.attempts });
      return jobId;
    });
    if (!existing) {
      try {
        // The same jobId: BullMQ and the fair queue add it once, and the ledger already has its row.
        await this.enqueue(def, parsed);
      } catch (err) {
        await this.storeJobs.releaseRetry(storeId, job.id, err instanceof Error ? err.message : 'could not queue the job').catch(() => {});
        throw err;
      }
    }
    return { id: job.id, jobId: job.jobId, state: job.state, existing };
  }

  /** A repeating job (cron pattern or every N ms), upserted so restarts never duplicate it. */
  async schedule<S extends z.ZodType>(def: JobDefinition<string, S>, payload: z.infer<S>, repeat: { every?: number; pattern?: string }): Promise<void> {
    await this.init();
    await this.queue(def.queue).upsertJobScheduler(`schedule:${def.name}`, repeat, {
      name: def.name,
      data: { v: def.version, payload: def.schema.parse(payload) },
      opts: { attempts: def.attempts, removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } },
    });
  }

  async getJob(queue: QueueName, id: string): Promise<Job<JobEnvelope> | undefined> {
    return (await this.queue(queue).getJob(id)) ?? undefined;
  }

  /**
   * A store job's state as the merchant follows it, or null when the store has no such job. BullMQ's copy when it
   * has one; otherwise the ledger row, which covers a job the fair scheduler still holds back (not in BullMQ until
   * the store's earlier jobs finish) and a finished job BullMQ has since cleaned up; failing that, a job staged in
   * the fair queue whose ledger write was lost is still "waiting".
   */
  async storeJobStatus(queue: QueueName, storeId: string, jobId: string): Promise<StoreJobStatus | null> {
    const first = await this.getJob(queue, jobId);
    if (first && payloadStoreId(first.data?.payload) === storeId) {
      // The state is read after the snapshot: a job that finished in between reads
      // "completed" with the old snapshot's null result. Re-read a finished job.
      const state = await first.getState();
      const found = state === 'completed' || state === 'failed' ? ((await this.getJob(queue, jobId)) ?? first) : first;
      return {
        state,
        progress: typeof found.progress === 'number' ? found.progress : 0,
        result: (found.returnvalue as unknown) ?? null,
        failedReason: found.failedReason ?? null,
      };
    }
    if (first) return null;
    const row = await this.storeJobs.byJobId(storeId, queue, jobId);
    if (row) return { state: row.state, progress: row.progress, result: row.result ?? null, failedReason: row.error };
    if (await this.fair?.holds(queue, storeId, jobId)) return { state: 'waiting', progress: 0, result: null, failedReason: null };
    return null;
  }

  worker(name: QueueName, processor: (job: Job<JobEnvelope>) => Promise<unknown>, opts: Partial<WorkerOptions> = {}): AnyWorker {
    const { Worker: W } = this.classes();
    // The Postgres backend cannot always rely on LISTEN/NOTIFY (a LISTEN connection can be lost,
    // a pooler may not deliver them): poll idle queues every second as well.
    const drain = this.backend === 'postgres' ? { drainDelay: 1 } : {};
    const fair = this.fair;
    // A fair job frees its store's slot when it finishes for good (success, or no attempts left).
    const fairProcessor = async (job: Job<JobEnvelope>) => {
      const fairJob = fair && job.id && payloadStoreId(job.data?.payload) ? job.id : null;
      const release = () => (fairJob ? fair?.release(name, fairJob).catch(() => {}) : undefined);
      try {
        const result = await processor(job);
        await release();
        return result;
      } catch (err) {
        if (err instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) await release();
        throw err;
      }
    };
    if (fair && !this.reconcileTimer) {
      this.reconcileTimer = setInterval(() => {
        void this.reconcileFair().catch(() => {});
      }, 15_000);
      this.reconcileTimer.unref();
    }
    const w = new W<JobEnvelope, unknown, string>(
      name,
      fairProcessor as never,
      { ...(this.connectionOptions() as object), concurrency: 4, ...drain, ...opts } as never,
    ) as AnyWorker;
    this.workers.push(w);
    return w;
  }

  /** Wraps a worker processor so store jobs keep their ledger row current (state, progress, attempts, error). */
  tracked(queue: QueueName, processor: (job: Job<JobEnvelope>) => Promise<unknown>): (job: Job<JobEnvelope>) => Promise<unknown> {
    const ledger = this.storeJobs;
    return async (job) => {
      if (!storeIdOf(job.data) || !job.id || UNTRACKED_JOBS.has(job.name)) return processor(job);
      const id = job.id;
      await ledger.started(queue, job).catch(() => {});
      const update = job.updateProgress.bind(job);
      job.updateProgress = async (progress) => {
        await update(progress);
        await ledger.progress(queue, id, progress).catch(() => {});
      };
      try {
        const result = await processor(job);
        await ledger.completed(queue, id, result).catch(() => {});
        return result;
      } catch (err) {
        const final = err instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        await ledger.failed(queue, id, err, final).catch(() => {});
        throw err;
      }
    };
  }

  /**
   * Retries a failed store job from the console: BullMQ's own retry when it still has the job, else a fresh copy.
   * Either way its attempts start over, so a hand retry gets every attempt (and backoff) it had the first time.
   *
   * The worker writes a final failure to the ledger just before BullMQ moves the job to failed, so a retry can
   * arrive while BullMQ still holds the job as active: it waits (up to `settleMs`) for BullMQ's failed state and
   * retries then, instead of answering "retried" with nothing retried. A job BullMQ holds as failed is retried
   * even when its ledger row missed the failure (a worker that died between the two writes). Of two concurrent
   * retries exactly one claims the row (a conditional update), so one click retries once.
   */
  async retryStoreJob(storeId: string, id: string, settleMs = 10_000): Promise<'retried' | 'not_found' | 'not_failed'> {
    const row = await this.storeJobs.get(storeId, id);
    if (!row) return 'not_found';
    await this.init();
    const queue = row.queue as QueueName;
    if (!(await this.storeJobs.claimRetry(storeId, id))) {
      // The ledger missed the failure BullMQ recorded: claim from the state the row shows (one claimant wins).
      const held = row.state === 'failed' || row.state === 'completed' ? undefined : await this.getJob(queue, row.jobId);
      if (!held || (await held.getState()) !== 'failed' || !(await this.storeJobs.claimRetry(storeId, id, row.state))) return 'not_failed';
    }
    try {
      let job = await this.getJob(queue, row.jobId);
      let state = job ? await job.getState() : 'unknown';
      // Still finishing the failure the ledger already shows: wait for BullMQ to record it.
      for (const until = Date.now() + settleMs; job && state === 'active' && Date.now() < until; ) {
        await new Promise((r) => setTimeout(r, 50));
        job = await this.getJob(queue, row.jobId);
        state = job ? await job.getState() : 'unknown';
      }
      if (job && state === 'failed') await job.retry('failed', RESET_ATTEMPTS);
      else if (!job || state === 'unknown')
        await this.queue(queue).add(row.name, row.data as JobEnvelope, {
          jobId: row.jobId,
          attempts: row.maxAttempts,
          backoff: { type: 'exponential', delay: 1000 },
        });
      // Waiting, delayed or prioritised: BullMQ runs it again anyway. Anything else cannot be retried now.
      else if (!['waiting', 'delayed', 'prioritized', 'waiting-children'].includes(state)) {
        await this.storeJobs.releaseRetry(storeId, id, row.error ?? 'retry failed').catch(() => {});
        return 'not_failed';
      }
      return 'retried';
    } catch (err) {
      await this.storeJobs.releaseRetry(storeId, id, err instanceof Error ? err.message : 'retry failed').catch(() => {});
      throw err;
    }
  }

  /** Repairs fair-scheduling state after crashes (also runs every 15 s in workers). */
  async reconcileFair(olderThanSeconds = 30): Promise<{ readded: number; released: number }> {
    const fair = this.fair;
    if (!fair) return { readded: 0, released: 0 };
    return fair.reconcile(async (queue, id) => {
      const job = await this.queue(queue as QueueName).getJob(id);
      if (!job) return null;
      const state = await job.getState();
      return state === 'unknown' ? null : state;
    }, olderThanSeconds);
  }

  /** Per-store queue depth of fairly scheduled jobs (staged + in flight), largest first. */
  async storeDepths(limit = 1000, storeId?: string): Promise<StoreQueueDepth[]> {
    await this.init();
    return (await this.fair?.depth(limit, storeId)) ?? [];
  }

  /** Dead letters: jobs that failed with no attempts left, newest first, optionally of one store. */
  async deadJobs(opts: { storeId?: string; limit?: number } = {}): Promise<DeadJob[]> {
    await this.init();
    const limit = opts.limit ?? 100;
    const out: DeadJob[] = [];
    for (const queue of QUEUES) {
      const failed = await this.queue(queue).getFailed(0, 999);
      for (const job of failed) {
        const storeId = payloadStoreId(job.data?.payload);
        if (opts.storeId && storeId !== opts.storeId) continue;
        out.push({
          queue,
          id: String(job.id),
          name: job.name,
          storeId,
          attemptsMade: job.attemptsMade,
          maxAttempts: job.opts.attempts ?? 1,
          failedReason: job.failedReason ?? '',
          failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
          payload: job.data?.payload ?? null,
        });
      }
    }
    out.sort((a, b) => (b.failedAt ?? '').localeCompare(a.failedAt ?? ''));
    return out.slice(0, limit);
  }

  /** Puts a dead job back in line (its attempts start over). */
  async retryDeadJob(queue: QueueName, id: string): Promise<boolean> {
    const job = await this.queue(queue).getJob(id);
    if (!job || (await job.getState()) !== 'failed') return false;
    await job.retry('failed', RESET_ATTEMPTS);
    return true;
  }

  /** Reachability for /readyz. */
  async ping(): Promise<boolean> {
    try {
      if (this.backend === 'redis') {
        this.connectionOptions();
        // The offline queue would hold a ping until Redis returns: readiness must answer now.
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<string>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), 1000);
        });
        try {
          return (await Promise.race([(this.redis as Redis).ping(), timeout])) === 'PONG';
        } finally {
          clearTimeout(timer);
        }
      }
      this.pgPool ??= new pg.Pool({ connectionString: this.cfg.databaseUrl, max: 1 });
      this.pgPool.on('error', () => {});
      await this.pgPool.query('select 1');
      return true;
    } catch {
      return false;
    }
  }

  /** Graceful: workers finish their current jobs first. */
  async close(): Promise<void> {
    if (this.reconcileTimer) clearInterval(this.reconcileTimer);
    await Promise.allSettled(this.workers.map((w) => w.close()));
    await Promise.allSettled([...this.queues.values()].map((q) => q.close()));
    await this.pgPool?.end().catch(() => {});
    await this.storeJobs.close().catch(() => {});
    await this.fairPool?.end().catch(() => {});
    if (this.redis) this.redis.disconnect();
  }

  /**
   * Erasure: removes every job not running now whose payload, result, error or
   * log mentions one of `needles` (case-insensitive), in every queue. Our
   * payloads carry ids, so this finds only what a handler let slip.
   */
  async scrubJobs(needles: string[]): Promise<number> {
    await this.init();
    const lower = needles.map((n) => n.toLowerCase()).filter(Boolean);
    if (!lower.length) return 0;
    let removed = 0;
    const states = ['waiting', 'delayed', 'prioritized', 'completed', 'failed', 'waiting-children'] as const;
    for (const name of QUEUES) {
      const q = this.queue(name);
      const matching: Job<JobEnvelope>[] = [];
      for (let start = 0; ; start += 500) {
        const jobs = await q.getJobs([...states], start, start + 499);
        for (const job of jobs) {
          if (!job) continue;
          const text = JSON.stringify([job.data, job.returnvalue, job.failedReason, job.stacktrace]).toLowerCase();
          if (lower.some((n) => text.includes(n))) matching.push(job);
        }
        if (jobs.length < 500) break;
      }
      // Removed after the scan, so the pages above do not shift under it (a job removes its logs with it).
      for (const job of matching)
        await job.remove().then(
          () => removed++,
          () => {},
        );
    }
    return removed;
  }

  /** Test clean-up: remove everything this namespace holds. */
  async obliterate(): Promise<void> {
    for (const name of QUEUES)
      await this.queue(name)
        .obliterate({ force: true })
        .catch(() => {});
    await this.fairDispatcher?.drop();
    if (this.backend === 'postgres' || this.fairDispatcher) {
      const c = new pg.Client({ connectionString: this.cfg.databaseUrl });
      await c.connect();
      if (this.pgSchema !== 'public') await c.query(`drop schema if exists "${this.pgSchema}" cascade`).catch(() => {});
      await c.end();
    }
  }
}

/** Decodes a job's envelope against its definition; a version it does not know is a permanent failure. */
export function decodeJob<S extends z.ZodType>(def: JobDefinition<string, S>, job: Job<JobEnvelope>): z.infer<S> {
  if (job.data.v !== def.version) throw new UnrecoverableError(`${def.name}: payload version ${job.data.v}, handler knows ${def.version}`);
  return def.schema.parse(job.data.payload);
}

export { UnrecoverableError, UnrecoverableError as UnrecoverableJobError };
