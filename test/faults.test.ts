/**
 * Faults survived, nothing lost: a worker killed mid-job (the job is retried
 * and its effect applied once), Postgres connections killed under load (503,
 * then service again without a restart; every acknowledged write is there)
 * and Redis going away (the storefront keeps serving; readiness reports it and
 * recovers when Redis is back). Uses pg_terminate_backend and a private
 * redis-server: the machine's Postgres and Redis are never stopped.
 */
import { type ChildProcess, execFile, fork, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createLogger } from '@storeloom/log';
import { defineJob, Queues } from '@storeloom/jobs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createStorefrontApp } from '../apps/storefront/src/app.ts';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform, testEnv } from './helpers/platform.ts';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const effectJob = defineJob({ name: 'test.effect', version: 1, queue: 'catalog', schema: z.object({ key: z.string() }), attempts: 3 });

describe('a worker killed mid-job', () => {
  let p: TestPlatform;
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    p = await startTestPlatform();
    await p.db.pool.query('create table fault_effects (key text primary key, at timestamptz not null default now())');
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await p.close();
  });

  it('is retried by another worker and its effect is applied exactly once', async () => {
    const prefix = (p.queues as unknown as { cfg: { prefix: string } }).cfg.prefix;
    child = fork(
      join(import.meta.dirname, 'helpers/job-worker-child.ts'),
      [JSON.stringify({ databaseUrl: p.testDb.url, redisUrl: testEnv.TEST_REDIS_URL, prefix })],
      {
        execArgv: ['--import', 'tsx'],
        stdio: 'ignore',
      },
    );
    const messages: { type: string; jobId?: string }[] = [];
    child.on('message', (m) => messages.push(m as { type: string }));
    await until(() => messages.some((m) => m.type === 'ready'), 60_000, 'the child worker');
    const key = randomUUID();
    const { id } = await p.queues.enqueue(effectJob, { key });
    await until(() => messages.some((m) => m.type === 'mid-job'), 60_000, 'the job to start in the child');
    child.kill('SIGKILL');
    // A healthy worker takes over once the dead worker's lock expires.
    let runs = 0;
    const queues = new Queues({ redisUrl: testEnv.TEST_REDIS_URL, databaseUrl: p.testDb.url, prefix });
    try {
      queues.worker(
        'catalog',
        async (job) => {
          runs++;
          await p.db.pool.query('insert into fault_effects (key) values ($1) on conflict (key) do nothing', [(job.data.payload as { key: string }).key]);
        },
        { concurrency: 1, lockDuration: 2000, stalledInterval: 1000 },
      );
      await until(async () => (await (await p.queues.getJob('catalog', id as string))?.getState()) === 'completed', 60_000, 'the job to complete');
    } finally {
      await queues.close();
    }
    expect(runs).toBe(1);
    const rows = await p.db.pool.query('select key from fault_effects where key = $1', [key]);
    expect(rows.rowCount).toBe(1);
  });
});

describe('Postgres connections killed under load', () => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await startTestPlatform();
  });
  afterAll(async () => {
    await p.close();
  });

  const killBackends = async () => {
    const admin = new pg.Client({ connectionString: testEnv.TEST_DATABASE_URL });
    await admin.connect();
    try {
      const r = await admin.query(
        "select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and application_name = 'storeloom-test' and pid <> pg_backend_pid()",
        [p.testDb.name],
      );
      return r.rowCount ?? 0;
    } finally {
      await admin.end();
    }
  };

  it('answers 503 (never 500) while connections die, loses no acknowledged write and recovers without a restart', async () => {
    const m = await signup(p);
    const store = await createStore(p, m.cookie);
    // A request stuck on a lock when its connection is killed gets 503 + Retry-After.
    const locker = new pg.Client({ connectionString: p.testDb.url });
    locker.on('error', () => {});
    await locker.connect();
    await locker.query('begin');
    await locker.query('lock table control.memberships in access exclusive mode');
    const stuck = p.request('GET', '/api/v1/stores', { cookie: m.cookie });
    await sleep(300);
    expect(await killBackends()).toBeGreaterThan(0);
    const res = await stuck;
    await locker.end().catch(() => {});
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('service_unavailable');
    expect(res.headers.get('retry-after')).toBeTruthy();

    // Writes under repeated connection kills: each answer is 201 or 503, and every 201 is stored.
    const acked: string[] = [];
    const statuses: number[] = [];
    const writes = Array.from({ length: 30 }, async (_, i) => {
      await sleep(i * 20);
      const r = await p.request('POST', `/api/v1/stores/${store.id}/products`, {
        cookie: m.cookie,
        body: { title: `Fault ${i}`, status: 'active', variants: [{ sku: `F-${i}-${randomBytes(3).toString('hex')}`, price: 100, inventoryQuantity: 1 }] },
      });
      statuses.push(r.status);
      if (r.status === 201) acked.push(r.body.id);
    });
    const killer = (async () => {
      for (let k = 0; k < 3; k++) {
        await sleep(150);
        await killBackends();
      }
    })();
    await Promise.all([...writes, killer]);
    for (const s of statuses) expect([201, 503]).toContain(s);
    // Recovered, same process: a write after the kills is acknowledged (and checked below with the rest).
    const after = await p.request('POST', `/api/v1/stores/${store.id}/products`, {
      cookie: m.cookie,
      body: { title: 'After the kills', status: 'active', variants: [{ sku: `F-after-${randomBytes(3).toString('hex')}`, price: 100, inventoryQuantity: 1 }] },
    });
    expect(after.status).toBe(201);
    acked.push(after.body.id);
    const row = await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', store.id).executeTakeFirstOrThrow();
    const stored = await p.db.tenant(row.schema_name).selectFrom('products').select('id').execute();
    const ids = new Set(stored.map((r) => r.id));
    for (const id of acked) expect(ids.has(id), `acknowledged product ${id}`).toBe(true);
    // Recovered, same process.
    expect((await p.request('GET', `/api/v1/stores/${store.id}/products`, { cookie: m.cookie })).status).toBe(200);
    expect((await p.request('GET', '/readyz')).status).toBe(200);
  });
});

describe('Redis going away', () => {
  let dir: string;
  let port: number;
  let redis: ChildProcess | undefined;
  let p: TestPlatform | undefined;
  const startRedis = () => {
    redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--dir', dir], { stdio: 'ignore' });
  };
  const redisUp = async () => {
    try {
      await run('redis-cli', ['-p', String(port), 'ping']);
      return true;
    } catch {
      return false;
    }
  };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'storeloom-redis-fault-'));
    port = await freePort();
    startRedis();
    await until(redisUp, 20_000, 'the private redis-server');
  });
  afterAll(async () => {
    await p?.close().catch(() => {});
    redis?.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps the storefront and catalogue reads serving, reports it in readiness, and recovers when Redis returns', async () => {
    // The platform's queues use the private Redis (the helper reads TEST_REDIS_URL, so build it by hand).
    p = await startTestPlatform({ queueBackend: 'redis' });
    const queues = new Queues({ redisUrl: `redis://127.0.0.1:${port}`, databaseUrl: p.testDb.url, prefix: `r${randomBytes(4).toString('hex')}` });
    (p.services as { queues: Queues }).queues = queues;
    const m = await signup(p);
    const store = await createStore(p, m.cookie);
    await createProduct(p, m.cookie, store.id, { title: 'Still here' });
    const sf = createStorefrontApp(p.db, createLogger({ level: 'silent' }), { rootDomain: 'localhost' });
    const home = () => sf.request(`http://${store.slug}.localhost/`, { headers: { host: `${store.slug}.localhost` } });
    expect((await home()).status).toBe(200);
    expect((await p.request('GET', '/readyz')).status).toBe(200);

    redis?.kill('SIGKILL');
    await until(async () => !(await redisUp()), 10_000, 'redis to stop');
    const page = await home();
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Still here');
    expect((await p.request('GET', `/api/v1/stores/${store.id}/products`, { cookie: m.cookie })).status).toBe(200);
    const ready = await p.request('GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ database: true, queue: false });

    startRedis();
    await until(redisUp, 20_000, 'redis to return');
    await until(async () => (await p?.request('GET', '/readyz'))?.status === 200, 30_000, 'readiness to recover');
    await queues.close();
  });
});
