/**
 * Postgres statement timeouts on the app pool (DATABASE_STATEMENT_TIMEOUT_MS): a handler whose SQL is stuck
 * has that SQL cancelled by Postgres (not merely abandoned by the request deadline), the request answers
 * 503 `service_unavailable` with Retry-After, and the handler's transaction is rolled back.
 */
import { randomBytes } from 'node:crypto';
import { createDatabase, type Database } from '@storeloom/db';
import { createTestDatabase, type TestDatabase } from '@storeloom/db/testing';
import { createLogger } from '@storeloom/log';
import { Queues } from '@storeloom/jobs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createControlPlaneApp } from '../src/app.ts';
import type { ControlPlaneConfig } from '../src/context.ts';
import { buildServices } from '../src/services.ts';
import { ORIGIN, testEnv } from '../../../test/helpers/platform.ts';

const APP_NAME = `storeloom-timeouts-${randomBytes(3).toString('hex')}`;

describe('statement timeouts', () => {
  let testDb: TestDatabase;
  let db: Database;
  let queues: Queues;
  let app: ReturnType<typeof createControlPlaneApp>;
  const request = async (method: string, path: string, o: { cookie?: string; body?: unknown } = {}) => {
    const headers: Record<string, string> = {};
    if (method !== 'GET') headers.origin = ORIGIN;
    if (o.cookie) headers.cookie = o.cookie;
    if (o.body !== undefined) headers['content-type'] = 'application/json';
    const res = await app.request(`${ORIGIN}${path}`, { method, headers, body: o.body === undefined ? undefined : JSON.stringify(o.body) });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null, text };
  };

  beforeAll(async () => {
    testDb = await createTestDatabase(testEnv.TEST_DATABASE_URL);
    // The app's own pool, as apps/control-plane/src/main.ts builds it from the environment.
    db = createDatabase({ url: testDb.url, poolMax: 4, applicationName: APP_NAME, statementTimeoutMs: 2000, idleInTransactionTimeoutMs: 5000 });
    queues = new Queues({ redisUrl: testEnv.TEST_REDIS_URL, databaseUrl: testDb.url, prefix: `t${randomBytes(5).toString('hex')}` });
    const config: ControlPlaneConfig = {
      publicUrl: ORIGIN,
      storeRootDomain: 'localhost',
      storefrontPort: 3001,
      storefrontProtocol: 'http',
      trustedOrigins: [],
      trustProxy: false,
      secureCookies: false,
      maxBodyBytes: 1024 * 1024,
      // No request deadline: a 503 here can only come from Postgres cancelling the statement.
      requestTimeoutMs: 0,
    };
    app = createControlPlaneApp(buildServices(db, queues, config), createLogger({ level: 'silent' }));
  });

  afterAll(async () => {
    await queues?.obliterate().catch(() => {});
    await queues?.close();
    await db?.destroy();
    await testDb?.drop();
  });

  it('applies the timeouts to every pool connection', async () => {
    const client = await db.pool.connect();
    try {
      expect((await client.query('show statement_timeout')).rows[0].statement_timeout).toBe('2s');
      expect((await client.query('show idle_in_transaction_session_timeout')).rows[0].idle_in_transaction_session_timeout).toBe('5s');
    } finally {
      client.release();
    }
  });

  it('cancels a stuck statement, answers 503 service_unavailable and writes nothing', async () => {
    const signup = await request('POST', '/api/v1/auth/signup', {
      body: { email: `t${randomBytes(4).toString('hex')}@example.com`, password: 'correct horse battery', name: 'T' },
    });
    expect(signup.status).toBe(201);
    const cookie = (signup.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const store = await request('POST', '/api/v1/stores', {
      cookie,
      body: { name: 'Timeouts', slug: `to-${randomBytes(4).toString('hex')}`, currency: 'EUR' },
    });
    expect(store.status).toBe(201);
    const schema = (await testDb.db.control.selectFrom('stores').select('schema_name').where('id', '=', store.body.id).executeTakeFirstOrThrow()).schema_name;
    const product = (sku: string) => ({
      title: `Stuck ${sku}`,
      status: 'active',
      variants: [{ sku, price: 1000, inventoryQuantity: 3 }],
    });

    // Another session blocks writes to variants (reads still pass): creating a product inserts the product row,
    // then waits on the variants insert until statement_timeout cancels it.
    const blocker = await testDb.db.pool.connect();
    try {
      await blocker.query('begin');
      await blocker.query(`lock table "${schema}".variants in exclusive mode`);
      const res = await request('POST', `/api/v1/stores/${store.body.id}/products`, { cookie, body: product('STUCK-1') });
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('service_unavailable');
      expect(res.headers.get('retry-after')).toBe('1');
      expect(res.text).not.toMatch(/canceling statement|57014|variants/);
      // The lock is still held, yet none of the app's statements is waiting on it: Postgres cancelled it.
      const waiting = await blocker.query(`select count(*)::int as n from pg_stat_activity where application_name = $1 and wait_event_type = 'Lock'`, [
        APP_NAME,
      ]);
      expect(waiting.rows[0].n).toBe(0);
    } finally {
      await blocker.query('rollback');
      blocker.release();
    }

    // Nothing half-written: neither the product row nor its variant exists.
    const t = testDb.db.tenant(schema);
    expect(await t.selectFrom('products').select('id').where('title', '=', 'Stuck STUCK-1').execute()).toEqual([]);
    expect(await t.selectFrom('variants').select('id').where('sku', '=', 'STUCK-1').execute()).toEqual([]);

    // The pool serves again, and the same write now succeeds once.
    const again = await request('POST', `/api/v1/stores/${store.body.id}/products`, { cookie, body: product('STUCK-1') });
    expect(again.status).toBe(201);
    expect(await t.selectFrom('variants').select('id').where('sku', '=', 'STUCK-1').execute()).toHaveLength(1);
  });
});
