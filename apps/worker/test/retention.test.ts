/**
 * Per-store retention on real Postgres (queues on Redis) with a fake clock:
 * the settings API (defaults, partial change, validation, concurrent changes),
 * the `privacy.retention-store` job deleting exactly what is past each period
 * (carts, events, search logs, sessions, mail bodies, store and shopper export
 * archives) and nothing younger, in batches, idempotently, and the nightly
 * fan-out running once per store per day with its counts on the jobs API.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, TenantDatabase } from '@storeloom/db';
import { retentionNightlyJob, retentionStoreJob } from '@storeloom/jobs';
import { createLogger } from '@storeloom/log';
import { applyRetention, DEFAULT_RETENTION } from '@storeloom/privacy';
import { archiveKey, privacyExportKey } from '@storeloom/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { createHandlers } from '../src/handlers.ts';

const DAY = 86_400_000;

describe('data retention', () => {
  let p: TestPlatform;
  let owner: string;
  let store: { id: string; schema: string };
  let t: Kysely<TenantDatabase>;
  let productId: string;
  let variantId: string;

  const ago = (days: number, from = Date.now()) => new Date(from - days * DAY);
  const handlers = (clock: () => Date) =>
    createHandlers({
      db: p.db,
      logger: createLogger({ level: 'silent' }),
      retentionDays: 30,
      provisioningStaleSeconds: 1,
      queues: p.queues,
      storage: p.services.storage,
      clock,
    });
  const fakeJob = (v: number, payload: unknown) => ({ data: { v, payload }, attemptsMade: 0, opts: {}, id: 'test', updateProgress: async () => {} });
  const runStore = (clock: () => Date) =>
    handlers(clock)[retentionStoreJob.name]?.(fakeJob(retentionStoreJob.version, { storeId: store.id, runKey: 'test' }) as never) as Promise<
      Record<string, number>
    >;
  const count = async (table: 'carts' | 'reco_events' | 'reco_orders' | 'customer_sessions' | 'reco_customer_recs') =>
    Number(
      (
        await t
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const countSearch = async (table: string) =>
    Number(
      (
        (await (t as unknown as Kysely<any>)
          .selectFrom(table)
          .select((eb: any) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()) as { n: string }
      ).n,
    );

  let customerId: string;
  const seed = async () => {
    // Carts: one untouched for 100 days, one for 10 (lines cascade with their cart).
    for (const d of [100, 10]) {
      const id = randomUUID();
      await t
        .insertInto('carts')
        .values({ id, token_hash: randomUUID().replaceAll('-', ''), created_at: ago(d), updated_at: ago(d), email: `cart${d}@example.com` })
        .execute();
      await t
        .insertInto('cart_lines')
        .values({ cart_id: id, variant_id: variantId, quantity: 1, created_at: ago(d) })
        .execute();
    }
    // Events: 400 and 20 days old; a purchase key of each age; a per-customer list whose events all go.
    await t
      .insertInto('reco_events')
      .values([
        {
          kind: 'view',
          customer_id: customerId,
          session_id: null,
          product_id: productId,
          variant_id: null,
          order_id: null,
          quantity: null,
          slot: null,
          occurred_at: ago(400),
        },
        {
          kind: 'view',
          customer_id: null,
          session_id: 'sess-young-1',
          product_id: productId,
          variant_id: null,
          order_id: null,
          quantity: null,
          slot: null,
          occurred_at: ago(20),
        },
      ])
      .execute();
    await t
      .insertInto('reco_orders')
      .values([
        { order_id: randomUUID(), customer_id: null, session_id: null, occurred_at: ago(400) },
        { order_id: randomUUID(), customer_id: null, session_id: null, occurred_at: ago(20) },
      ])
      .execute();
    await t
      .insertInto('reco_customer_recs')
      .values({ version: 1, customer_id: customerId, items: JSON.stringify([]), fresh: JSON.stringify([]) })
      .execute();
    // Search logs: 120 and 5 days old.
    const s = t as unknown as Kysely<any>;
    for (const d of [120, 5]) {
      const sid = randomUUID();
      await s
        .insertInto('search_queries')
        .values({ id: sid, query: `tea ${d}`, results: 3, created_at: ago(d) })
        .execute();
      await s
        .insertInto('search_clicks')
        .values({ id: randomUUID(), search_id: sid, product_id: productId, position: 1, created_at: ago(d) })
        .execute();
      await s
        .insertInto('search_query_stats')
        .values({ query: `tea ${d}`, searches: 1, last_results: 3, last_at: ago(d) })
        .execute();
    }
    // Sessions: expired yesterday; started 40 days ago and still valid (too old for 30 days); fresh.
    await t
      .insertInto('customer_sessions')
      .values([
        { id: randomUUID(), customer_id: customerId, created_at: ago(31), expires_at: ago(1) },
        { id: randomUUID(), customer_id: customerId, created_at: ago(40), expires_at: new Date(Date.now() + 5 * DAY) },
        { id: randomUUID(), customer_id: customerId, created_at: ago(2), expires_at: new Date(Date.now() + 28 * DAY) },
      ])
      .execute();
    // Mail: sent 100 days ago, sent 10 days ago, pending since 100 days (never touched: not finished with).
    const mail = (status: 'sent' | 'pending', d: number) => ({
      id: randomUUID(),
      store_id: store.id,
      kind: 'order-confirmation',
      to_address: `mail${d}${status}@example.com`,
      subject: 'Your order',
      text_body: `Hello, your order ${d}`,
      html_body: '<p>Hello</p>',
      dedup_key: null,
      headers: null,
      status,
      last_error: null,
      next_attempt_at: ago(d),
      created_at: ago(d),
      sent_at: status === 'sent' ? ago(d) : null,
    });
    await p.db.control
      .insertInto('mail_outbox')
      .values([mail('sent', 100), mail('sent', 10), mail('pending', 100)])
      .execute();
    // A store export finished 40 days ago (file in storage) and one finished yesterday.
    for (const d of [40, 1]) {
      const exportId = randomUUID();
      const key = archiveKey(store.id, exportId);
      await p.services.storage.put(key, new Uint8Array([1, 2, 3]), 'application/gzip');
      await p.db.control
        .insertInto('store_jobs')
        .values({
          id: randomUUID(),
          store_id: store.id,
          queue: 'maintenance',
          job_id: `store-export:${store.id}:${exportId}`,
          name: 'stores.export',
          data: JSON.stringify({ v: 1, payload: { storeId: store.id, exportId, requestedBy: null } }),
          state: 'completed',
          result: JSON.stringify({ key, bytes: 3, sha256: 'x' }),
          error: null,
          created_at: ago(d),
          started_at: ago(d),
          finished_at: ago(d),
          updated_at: ago(d),
        })
        .execute();
    }
    // A shopper's export archive completed 10 days ago (store keeps them 7) and one yesterday.
    for (const d of [10, 1]) {
      const id = randomUUID();
      const key = privacyExportKey(store.id, id);
      await p.services.storage.put(key, new TextEncoder().encode('{}'), 'application/json');
      await t
        .insertInto('privacy_requests')
        .values({
          id,
          kind: 'export',
          status: 'completed',
          source: 'merchant',
          email: `req${d}@example.com`,
          email_hash: 'h',
          requested_by: null,
          due_at: new Date(),
          completed_at: ago(d),
          archive_key: key,
          archive_expires_at: new Date(ago(d).getTime() + 30 * DAY),
        })
        .execute();
    }
  };

  beforeAll(async () => {
    p = await startTestPlatform();
    owner = (await signup(p)).cookie;
    const s = await createStore(p, owner);
    const row = await p.db.control.selectFrom('stores').selectAll().where('id', '=', s.id).executeTakeFirstOrThrow();
    store = { id: row.id, schema: row.schema_name };
    t = p.db.tenant(row.schema_name);
    const product = await createProduct(p, owner, s.id, { title: 'Sencha', variants: [{ sku: 'SE-1', price: 1200, inventoryQuantity: 5 }] });
    productId = product.id;
    variantId = product.variants[0].id;
    customerId = randomUUID();
    await t
      .insertInto('customers')
      .values({ id: customerId, email: 'keep@example.com', name: 'Kept Customer', password_hash: 'x', created_at: ago(500) })
      .execute();
    await seed();
  });
  afterAll(async () => {
    await p?.close();
  });

  it('shows the defaults, changes some fields and refuses bad ones with 400 validation_failed', async () => {
    const path = `/api/v1/stores/${store.id}/privacy-settings`;
    const got = await p.request('GET', path, { cookie: owner });
    expect(got.status).toBe(200);
    expect(got.body).toEqual({ retention: DEFAULT_RETENTION, recommendationTracking: false, analytics: false });
    for (const body of [
      { retention: { eventsDays: 0 } },
      { retention: { sessionsDays: 366 } },
      { retention: { privacyExportsDays: 91 } },
      { retention: { eventsDays: 1.5 } },
      { retention: { forever: 1 } },
      { other: true },
    ]) {
      const r = await p.request('PATCH', path, { cookie: owner, body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe('validation_failed');
    }
    // Two concurrent changes of different fields both survive (the row is locked for the read-modify-write).
    const [a, b] = await Promise.all([
      p.request('PATCH', path, { cookie: owner, body: { retention: { eventsDays: 365 } } }),
      p.request('PATCH', path, { cookie: owner, body: { retention: { privacyExportsDays: 7, searchLogsDays: 90 } } }),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const r = await p.request('PATCH', path, { cookie: owner, body: { retention: { abandonedCartsDays: 90 } } });
    expect(r.body.retention).toEqual(DEFAULT_RETENTION);
    const audit = await p.db.control
      .selectFrom('audit_log')
      .select('action')
      .where('store_id', '=', store.id)
      .where('action', '=', 'privacy.settings_updated')
      .execute();
    expect(audit).toHaveLength(3);
  });

  it('deletes what is past each period and nothing younger; a second run deletes nothing', async () => {
    const counts = await runStore(() => new Date());
    expect(counts).toEqual({
      carts: 1,
      events: 1,
      purchaseKeys: 1,
      recommendationLists: 1,
      searchQueries: 1,
      searchClicks: 1,
      searchStats: 1,
      sessions: 2,
      mailBodies: 1,
      storeExports: 1,
      privacyExports: 1,
    });
    expect(await count('carts')).toBe(1);
    expect((await t.selectFrom('carts').select('email').executeTakeFirstOrThrow()).email).toBe('cart10@example.com');
    expect(await count('reco_events')).toBe(1);
    expect(await count('reco_orders')).toBe(1);
    expect(await count('reco_customer_recs')).toBe(0);
    expect(await countSearch('search_queries')).toBe(1);
    expect(await countSearch('search_clicks')).toBe(1);
    expect(await countSearch('search_query_stats')).toBe(1);
    expect(await count('customer_sessions')).toBe(1);
    const mails = await p.db.control
      .selectFrom('mail_outbox')
      .select(['to_address', 'text_body', 'html_body', 'subject'])
      .where('store_id', '=', store.id)
      .execute();
    const byTo = new Map(mails.map((m) => [m.to_address, m]));
    expect(byTo.get('mail100sent@example.com')).toMatchObject({ text_body: '', html_body: null, subject: 'Your order' });
    expect(byTo.get('mail10sent@example.com')?.text_body).toContain('Hello');
    expect(byTo.get('mail100pending@example.com')?.text_body).toContain('Hello');
    const exports = await p.db.control
      .selectFrom('store_jobs')
      .select(['data', 'result', 'finished_at'])
      .where('store_id', '=', store.id)
      .where('name', '=', 'stores.export')
      .orderBy('finished_at')
      .execute();
    const [old, young] = exports.map((e) => ({ key: (e.result as { key: string }).key, expired: (e.result as { expiredAt?: string }).expiredAt }));
    expect(old?.expired).toBeTruthy();
    expect(await p.services.storage.get(old?.key as string)).toBeNull();
    expect(young?.expired).toBeUndefined();
    expect(await p.services.storage.get(young?.key as string)).not.toBeNull();
    const requests = await t.selectFrom('privacy_requests').select(['email', 'archive_key']).orderBy('completed_at').execute();
    expect(requests.map((r) => r.archive_key === null)).toEqual([true, false]);

    expect(Object.values(await runStore(() => new Date())).every((n) => n === 0)).toBe(true);
  });

  it('follows the fake clock and the store’s own periods', async () => {
    // 95 days on: the 10-day cart is past 90; the 20-day events are not past 365.
    let counts = await runStore(() => new Date(Date.now() + 95 * DAY));
    expect(counts).toMatchObject({ carts: 1, events: 0, searchQueries: 1, mailBodies: 1, storeExports: 1, privacyExports: 1, sessions: 1 });
    // A shorter period for events takes effect at the next run.
    await t
      .insertInto('reco_events')
      .values({
        kind: 'view',
        customer_id: null,
        session_id: 'sess-2',
        product_id: productId,
        variant_id: null,
        order_id: null,
        quantity: null,
        slot: null,
        occurred_at: ago(6),
      })
      .execute();
    expect((await p.request('PATCH', `/api/v1/stores/${store.id}/privacy-settings`, { cookie: owner, body: { retention: { eventsDays: 5 } } })).status).toBe(
      200,
    );
    counts = await runStore(() => new Date());
    expect(counts.events).toBe(2);
    expect(await count('reco_events')).toBe(0);
  });

  it('deletes in batches and concurrent runs delete each row once', async () => {
    const rows = Array.from({ length: 25 }, (_, i) => ({
      kind: 'view' as const,
      customer_id: null,
      session_id: `batch-${i}`,
      product_id: productId,
      variant_id: null,
      order_id: null,
      quantity: null,
      slot: null,
      occurred_at: ago(30),
    }));
    await t.insertInto('reco_events').values(rows).execute();
    const storeRef = { id: store.id, schema_name: store.schema };
    const results = await Promise.all([applyRetention(p.db, storeRef, { batchSize: 4 }), applyRetention(p.db, storeRef, { batchSize: 7 })]);
    expect(results[0].events + results[1].events).toBe(25);
    expect(await count('reco_events')).toBe(0);
  });

  it('the nightly fan-out queues one run per store per day, and the run’s counts reach the jobs API', async () => {
    const day = new Date('2026-12-07T03:53:00Z');
    const fanOut = handlers(() => day)[retentionNightlyJob.name];
    const job = fakeJob(retentionNightlyJob.version, {});
    expect(await fanOut?.(job as never)).toMatchObject({ stores: expect.any(Number) });
    await fanOut?.(job as never);
    const ledger = () =>
      p.db.control.selectFrom('store_jobs').selectAll().where('store_id', '=', store.id).where('name', '=', retentionStoreJob.name).execute();
    expect(await ledger()).toHaveLength(1);
    expect((await ledger())[0]?.job_id).toBe(`retention:${store.id}:2026-12-07`);
    await t
      .insertInto('reco_events')
      .values({
        kind: 'view',
        customer_id: null,
        session_id: 'sess-3',
        product_id: productId,
        variant_id: null,
        order_id: null,
        quantity: null,
        slot: null,
        occurred_at: ago(50),
      })
      .execute();
    const worker = await p.startWorker();
    try {
      let found: { state: string; result: unknown } | undefined;
      for (let i = 0; i < 150 && found?.state !== 'completed'; i++) {
        const list = await p.request('GET', `/api/v1/stores/${store.id}/jobs?limit=50`, { cookie: owner });
        found = (list.body.data as { name: string; state: string; result: unknown }[]).find((j) => j.name === retentionStoreJob.name);
        if (found?.state !== 'completed') await new Promise((r) => setTimeout(r, 200));
      }
      expect(found?.state).toBe('completed');
      expect(found?.result).toMatchObject({ events: 1, carts: 0 });
    } finally {
      await worker.close();
    }
  });
});
