/**
 * Scale-group figures (`npm run bench -- --only scale`):
 *   tenant.role-overhead      single-statement tenant reads per second under SET LOCAL ROLE
 *                             (store-role isolation) vs schema qualification only, same run (reported)
 *   tenant.role-overhead.trx  three-statement tenant transactions per second, the same comparison (reported)
 *   jobs.fair-wait-p95        p95 enqueue-to-start wait of a quiet store's single job while a busy
 *                             store has a backlog of N jobs, vs the same wait on an idle queue (<= 2)
 *   jobs.fifo-wait-p95        the same with fair scheduling off (BullMQ FIFO), for comparison (reported)
 */
import { randomUUID } from 'node:crypto';
import { createDatabase, type Database, migrateTenant, newId, schemaNameForStore, sql } from '@storeloom/db';
import { defineJob, type Job, type JobEnvelope, Queues } from '@storeloom/jobs';
import { z } from 'zod';
import { createBenchDatabase, openDatabase } from './database.ts';
import { onCleanup } from './cleanup.ts';
import { REDIS_URL, randomSuffix } from './env.ts';
import { emit, emitError, progress } from './report.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const p95 = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.95))] as number;
};

async function opsPerSecond(ms: number, op: () => Promise<unknown>): Promise<number> {
  const end = performance.now() + ms;
  let n = 0;
  // Four concurrent clients, like a small request burst.
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (performance.now() < end) {
        await op();
        n++;
      }
    }),
  );
  return n / (ms / 1000);
}

export async function roleOverheadFigures(quick: boolean): Promise<void> {
  try {
    const database = await createBenchDatabase('roles');
    const { db: roleDb } = await openDatabase(database.url, 4);
    const schemaDb: Database = createDatabase({ url: database.url, poolMax: 4, applicationName: 'storeloom-bench', tenantIsolation: 'schema' });
    onCleanup('close schema-only pool', () => schemaDb.destroy());
    const schema = schemaNameForStore(newId());
    await migrateTenant(roleDb, schema);
    const id = newId();
    await roleDb.tenant(schema).insertInto('products').values({ id, handle: 'p', title: 'P', description: '', options: '[]', status: 'active' }).execute();
    const read = (db: Database) => () => db.tenant(schema).selectFrom('products').select(['id', 'title']).where('id', '=', id).executeTakeFirst();
    const trx = (db: Database) => () =>
      db.tenantTransaction(schema, async (t) => {
        await t.selectFrom('products').select('id').where('id', '=', id).execute();
        await t.updateTable('products').set({ title: 'P' }).where('id', '=', id).execute();
        await sql`select 1`.execute(t);
      });
    const runMs = quick ? 1500 : 4000;
    for (const [bench, make] of [
      ['tenant.role-overhead', read],
      ['tenant.role-overhead.trx', trx],
    ] as const) {
      // Interleaved A B B A so machine drift hits both sides alike.
      await opsPerSecond(500, make(roleDb));
      await opsPerSecond(500, make(schemaDb));
      const r1 = await opsPerSecond(runMs, make(roleDb));
      const s1 = await opsPerSecond(runMs, make(schemaDb));
      const s2 = await opsPerSecond(runMs, make(schemaDb));
      const r2 = await opsPerSecond(runMs, make(roleDb));
      const role = (r1 + r2) / 2;
      const plain = (s1 + s2) / 2;
      emit({
        bench,
        metric: 'ratio_role_vs_schema_only',
        value: role / plain,
        target: null,
        role_ops_per_s: role,
        schema_only_ops_per_s: plain,
        concurrency: 4,
        run_ms: runMs,
      });
    }
  } catch (e) {
    emitError('tenant.role-overhead', 'ratio_role_vs_schema_only', null, e);
  }
}

const benchJob = defineJob({
  name: 'bench.fair-work',
  version: 1,
  queue: 'catalog',
  schema: z.object({ storeId: z.string(), at: z.number() }),
  attempts: 1,
});

/** p95 of a quiet store's enqueue-to-start wait, idle and while a busy store has `backlog` queued jobs. */
async function fairWaits(
  dbUrl: string,
  perStoreInFlight: number,
  backlog: number,
  samples: number,
): Promise<{ idle: number; loaded: number; drained: number }> {
  const queues = new Queues({ redisUrl: REDIS_URL, databaseUrl: dbUrl, prefix: `benchfair_${randomSuffix()}`, perStoreInFlight });
  const cleanup = onCleanup('obliterate fair bench queues', async () => {
    await queues.obliterate().catch(() => {});
    await queues.close();
  });
  const waits = new Map<string, (ms: number) => void>();
  let busyDone = 0;
  const worker = queues.worker(
    'catalog',
    async (job: Job<JobEnvelope>) => {
      const p = job.data.payload as { storeId: string; at: number };
      const resolve = waits.get(`${p.storeId}:${p.at}`);
      if (resolve) resolve(Date.now() - p.at);
      else busyDone++;
      await sleep(4); // an I/O-bound job
    },
    { concurrency: 4 },
  );
  const quiet = randomUUID();
  const oneWait = async () => {
    const at = Date.now();
    const done = new Promise<number>((r) => waits.set(`${quiet}:${at}`, r));
    await queues.enqueue(benchJob, { storeId: quiet, at });
    const ms = await done;
    waits.delete(`${quiet}:${at}`);
    return ms;
  };
  await queues.init();
  for (let i = 0; i < 5; i++) await oneWait(); // warm-up
  const idle: number[] = [];
  for (let i = 0; i < samples; i++) {
    idle.push(await oneWait());
    await sleep(20);
  }
  const busy = randomUUID();
  progress(`fair bench (${perStoreInFlight ? `fair, ${perStoreInFlight} in flight per store` : 'FIFO'}): enqueueing ${backlog} jobs of one store`);
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < backlog) {
        next++;
        await queues.enqueue(benchJob, { storeId: busy, at: 0 });
      }
    }),
  );
  const loaded: number[] = [];
  for (let i = 0; i < samples && busyDone < backlog * 0.9; i++) {
    loaded.push(await oneWait());
    await sleep(20);
  }
  const drained = busyDone;
  await worker.close();
  await cleanup();
  // FIFO makes each sample wait for the whole backlog, so it may get only one; fair scheduling must sustain them.
  if (loaded.length < (perStoreInFlight ? samples / 2 : 1)) throw new Error(`the backlog drained after ${loaded.length} samples; raise the backlog`);
  return { idle: p95(idle), loaded: p95(loaded), drained };
}

export async function fairJobFigures(quick: boolean): Promise<void> {
  const backlog = quick ? 2000 : 10_000;
  const samples = quick ? 30 : 60;
  let dbUrl: string;
  try {
    dbUrl = (await createBenchDatabase('jobs')).url;
  } catch (e) {
    emitError('jobs.fair-wait-p95', 'p95_ratio_loaded_vs_idle', '<=2', e);
    return;
  }
  for (const [bench, perStore, target] of [
    ['jobs.fair-wait-p95', 2, '<=2'],
    ['jobs.fifo-wait-p95', 0, null],
  ] as const) {
    try {
      const r = await fairWaits(dbUrl, perStore, backlog, samples);
      emit({
        bench,
        metric: 'p95_ratio_loaded_vs_idle',
        value: r.loaded / Math.max(1, r.idle),
        target,
        p95_idle_ms: r.idle,
        p95_loaded_ms: r.loaded,
        backlog,
        samples,
        busy_jobs_done_during_samples: r.drained,
        worker_concurrency: 4,
        per_store_in_flight: perStore,
        backend: 'redis',
      });
    } catch (e) {
      emitError(bench, 'p95_ratio_loaded_vs_idle', target, e);
    }
  }
}
