/**
 * Issue 15 item 4: plan limits hold on every path that publishes products (the catalogue service checks them, not
 * the routes), and under concurrency: parallel creates, bulk publishing, CSV import (the Shopify CSV path), an archive
 * import and a clone, on real Postgres and Redis with billing on (a Free store: 10 active products).
 * Issue 15 item 5: stores per account (Free stores when billing is on, all stores always), a creation rate limit on
 * every path that creates a store, and purge dropping the store's Postgres role.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, tenantRoleName } from '@storeloom/db';
import { archiveKey } from '@storeloom/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';

const HEADER = ['Handle', 'Title', 'Variant Price', 'Status'];

async function waitFor<T>(fn: () => Promise<T | null | undefined | false>, what: string, ms = 60_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('plan limits in the catalogue service (issue 15 item 4)', () => {
  let p: TestPlatform;
  let uploads: string;

  const schemaOf = async (storeId: string) =>
    (await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', storeId).executeTakeFirstOrThrow()).schema_name;
  const statuses = async (storeId: string) => {
    const rows = await p.db
      .tenant(await schemaOf(storeId))
      .selectFrom('products')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  };
  const activeCount = async (storeId: string) => (await statuses(storeId)).active ?? 0;

  beforeAll(async () => {
    uploads = await mkdtemp(join(tmpdir(), 'storeloom-limits-'));
    p = await startTestPlatform({
      config: {
        storage: { driver: 'local', uploadsDir: uploads, mediaPublicUrl: 'http://localhost:3000/media' },
        // Billing on (no Stripe call is made by these tests): stores are limited by their plan.
        billing: {
          graceDays: 7,
          stripe: {
            secretKey: 'sk_test_limits',
            billingWebhookSecret: 'whsec_a',
            connectWebhookSecret: 'whsec_b',
            apiUrl: 'http://127.0.0.1:9',
            prices: { basic: 'price_b', pro: 'price_p' },
          },
        },
      },
    });
    await p.startWorker();
  });
  afterAll(async () => {
    await p?.close();
    await rm(uploads, { recursive: true, force: true });
  });

  it('15 parallel creates of active products on a Free store: exactly 10 pass, the rest 403 plan_limit_reached', async () => {
    const m = await signup(p);
    const store = await createStore(p, m.cookie);
    const results = await Promise.all(
      Array.from({ length: 15 }, (_, i) =>
        p.request('POST', `/api/v1/stores/${store.id}/products`, {
          cookie: m.cookie,
          body: { title: `Parallel ${i}`, status: 'active', variants: [{ price: 100 }] },
        }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(10);
    const refused = results.filter((r) => r.status !== 201);
    expect(refused).toHaveLength(5);
    for (const r of refused) expect(r.body.error).toMatchObject({ code: 'plan_limit_reached', details: { limit: 'activeProducts', plan: 'free', max: 10 } });
    expect(await activeCount(store.id)).toBe(10);
  });

  it('parallel publishing of drafts (PATCH status) never passes the last slot', async () => {
    const m = await signup(p);
    const store = await createStore(p, m.cookie);
    for (let i = 0; i < 9; i++) await createProduct(p, m.cookie, store.id, { title: `Active ${i}` });
    const drafts = [];
    for (let i = 0; i < 4; i++) drafts.push(await createProduct(p, m.cookie, store.id, { title: `Draft ${i}`, status: 'draft' }));
    const results = await Promise.all(
      drafts.map((d) =>
        p.request('PATCH', `/api/v1/stores/${store.id}/products/${d.id}`, { cookie: m.cookie, body: { version: d.version, status: 'active' } }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 403, 403, 403]);
    expect(await activeCount(store.id)).toBe(10);
  });

  it('bulk publishing activates only what the plan allows; the rest report plan_limit_reached and stay drafts', async () => {
    const m = await signup(p);
    const store = await createStore(p, m.cookie);
    for (let i = 0; i < 8; i++) await createProduct(p, m.cookie, store.id, { title: `Active ${i}` });
    const drafts = [];
    for (let i = 0; i < 5; i++) drafts.push(await createProduct(p, m.cookie, store.id, { title: `Draft ${i}`, status: 'draft' }));
    const res = await p.request('POST', `/api/v1/stores/${store.id}/products/bulk`, {
      cookie: m.cookie,
      body: { ids: drafts.map((d) => d.id), action: 'set-status', status: 'active' },
    });
    expect(res.status).toBe(200);
    const results = res.body.results as { id: string; ok: boolean; error?: { code: string } }[];
    expect(results.filter((r) => r.ok)).toHaveLength(2);
    expect(results.filter((r) => !r.ok).map((r) => r.error?.code)).toEqual(['plan_limit_reached', 'plan_limit_reached', 'plan_limit_reached']);
    expect(await statuses(store.id)).toEqual({ active: 10, draft: 3 });
  });

  it('a CSV import (the Shopify CSV path) creates at most the plan limit of active products; the other rows fail with plan_limit_reached', async () => {
    const m = await signup(p);
    const store = await createStore(p, m.cookie);
    const csv = `${[HEADER.join(','), ...Array.from({ length: 13 }, (_, i) => `csv-${i},CSV ${i},5.00,active`)].join('\n')}\n`;
    const up = await p.request('POST', `/api/v1/stores/${store.id}/imports`, { cookie: m.cookie, rawBody: csv, contentType: 'text/csv' });
    expect(up.status, up.text).toBe(202);
    const importId = up.body.import?.id ?? up.body.id;
    const done = await waitFor(async () => {
      const r = await p.request('GET', `/api/v1/stores/${store.id}/imports/${importId}`, { cookie: m.cookie });
      return r.body.status === 'completed' || r.body.status === 'failed' ? r.body : null;
    }, 'the import');
    expect(done.status).toBe('completed');
    expect(done.createdCount).toBe(10);
    expect(done.errors.map((e: { code: string }) => e.code)).toEqual(['plan_limit_reached', 'plan_limit_reached', 'plan_limit_reached']);
    expect(await activeCount(store.id)).toBe(10);
  });

  it('an archive import and a clone of a Pro store with 12 active products into Free stores keep 10 active, the rest as drafts', async () => {
    const m = await signup(p);
    const source = await createStore(p, m.cookie);
    await p.db.control.updateTable('stores').set({ plan: 'pro' }).where('id', '=', source.id).execute();
    for (let i = 0; i < 12; i++) await createProduct(p, m.cookie, source.id, { title: `Pro ${i}` });
    expect(await activeCount(source.id)).toBe(12);
    const start = await p.request('POST', `/api/v1/stores/${source.id}/exports`, { cookie: m.cookie });
    expect(start.status, start.text).toBe(202);
    const exportId = start.body.id as string;
    await waitFor(async () => {
      const list = await p.request('GET', `/api/v1/stores/${source.id}/exports`, { cookie: m.cookie });
      return list.body.data.find((x: { id: string; state: string }) => x.id === exportId && x.state === 'completed');
    }, 'the export');
    const archive = await p.services.storage.get(archiveKey(source.id, exportId));
    if (!archive) throw new Error('export archive missing');

    const slug = `lim-${Date.now().toString(36)}`;
    const imported = await p.request('POST', `/api/v1/stores/import-archive?name=Limited&slug=${slug}`, {
      cookie: m.cookie,
      binary: archive.body,
      contentType: 'application/gzip',
    });
    const clone = await p.request('POST', `/api/v1/stores/${source.id}/clone`, { cookie: m.cookie, body: { exportId, name: 'Clone', slug: `${slug}-c` } });
    expect(clone.status, clone.text).toBe(202);
    expect(imported.status, imported.text).toBe(202);
    for (const id of [clone.body.store.id as string, imported.body.store.id as string]) {
      await waitFor(async () => (await p.request('GET', `/api/v1/stores/${id}`, { cookie: m.cookie })).body?.status === 'active', 'the clone');
      expect(await statuses(id)).toEqual({ active: 10, draft: 2 });
    }
  });
});

describe('stores per account, store creation rate, purge (issue 15 item 5)', () => {
  let p: TestPlatform;
  beforeAll(async () => {
    // Billing off: only the overall cap applies (Free stores are not counted without billing).
    p = await startTestPlatform({ config: { storeLimits: { perAccount: 4, freePerAccount: 1, createsPerHour: 5 } } });
  });
  afterAll(async () => {
    await p?.close();
  });

  const create = (cookie: string, slug = `s${Math.random().toString(36).slice(2, 10)}`) =>
    p.request('POST', '/api/v1/stores', { cookie, body: { name: `Store ${slug}`, slug, currency: 'USD' } });

  it('caps the stores an account owns (parallel creations included), then rate-limits creation per account with Retry-After', async () => {
    const m = await signup(p);
    const first = await Promise.all(Array.from({ length: 5 }, () => create(m.cookie)));
    expect(first.map((r) => r.status).sort()).toEqual([201, 201, 201, 201, 403]);
    const refused = first.find((r) => r.status === 403);
    expect(refused?.body.error).toMatchObject({ code: 'plan_limit_reached', details: { limit: 'storesPerAccount', max: 4, current: 4 } });
    const owned = first.filter((r) => r.status === 201);
    expect((await p.request('DELETE', `/api/v1/stores/${owned[0]?.body.id}`, { cookie: m.cookie })).status).toBe(204);
    // Below the cap again, but that was the 5th creation this hour: the 6th waits.
    const limited = await create(m.cookie);
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another account is not affected.
    expect((await create((await signup(p)).cookie)).status).toBe(201);
  });

  it('purging a deleted store drops its schema and its server-wide Postgres role', async () => {
    const m = await signup(p);
    const store = await createStore(p, m.cookie);
    const { schema_name: schema } = await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', store.id).executeTakeFirstOrThrow();
    const role = tenantRoleName(schema);
    const roleCount = async () => (await sql<{ n: number }>`select count(*)::int as n from pg_roles where rolname = ${role}`.execute(p.db.kysely)).rows[0]?.n;
    expect(await roleCount()).toBe(1);
    expect((await p.request('DELETE', `/api/v1/stores/${store.id}`, { cookie: m.cookie })).status).toBe(204);
    expect((await p.services.stores.retention.purgeDeleted(0)).purged).toContain(store.id);
    expect(await roleCount()).toBe(0);
    const schemas = await sql<{ n: number }>`select count(*)::int as n from pg_namespace where nspname = ${schema}`.execute(p.db.kysely);
    expect(schemas.rows[0]?.n).toBe(0);
  });
});

describe('Free stores per account with billing on (issue 15 item 5)', () => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await startTestPlatform({
      config: {
        // The production defaults (STORES_PER_ACCOUNT, FREE_STORES_PER_ACCOUNT, STORE_CREATES_PER_HOUR).
        storeLimits: { perAccount: 20, freePerAccount: 3, createsPerHour: 10 },
        billing: {
          graceDays: 7,
          stripe: {
            secretKey: 'sk_test_limits',
            billingWebhookSecret: 'whsec_a',
            connectWebhookSecret: 'whsec_b',
            apiUrl: 'http://127.0.0.1:9',
            prices: { basic: 'price_b', pro: 'price_p' },
          },
        },
      },
    });
  });
  afterAll(async () => {
    await p?.close();
  });

  it('an account owns at most 3 Free stores (the default); a paid store makes room', async () => {
    const m = await signup(p);
    const made = [];
    for (let i = 0; i < 3; i++) made.push(await createStore(p, m.cookie, undefined, 'USD', { launch: false }));
    const over = await p.request('POST', '/api/v1/stores', {
      cookie: m.cookie,
      body: { name: 'Fourth', slug: `f${Date.now().toString(36)}`, currency: 'USD' },
    });
    expect(over.status).toBe(403);
    expect(over.body.error).toMatchObject({ code: 'plan_limit_reached', details: { limit: 'freeStoresPerAccount', max: 3, current: 3 } });
    await p.db.control
      .updateTable('stores')
      .set({ plan: 'basic' })
      .where('id', '=', made[0]?.id as string)
      .execute();
    expect(
      (await p.request('POST', '/api/v1/stores', { cookie: m.cookie, body: { name: 'Fourth', slug: `g${Date.now().toString(36)}`, currency: 'USD' } })).status,
    ).toBe(201);
  });
});
