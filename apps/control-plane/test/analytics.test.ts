/**
 * Sales analytics through the real order paths and the API: orders placed and paid through OrderService, a
 * refund through the refunds API, the worker's `analytics.update` job applying them, then the dashboard figures,
 * comparison period, CSV exports and refusals. Figures are checked against the raw tables (packages/analytics/test/raw.ts).
 */
import { parseRange } from '@storeloom/analytics';
import { CartService, OrderService, parseSettings } from '@storeloom/commerce';
import { analyticsSweepJob, analyticsUpdateJob } from '@storeloom/jobs';
import type { Kysely, TenantDatabase } from '@storeloom/db';
import { toDecimalString } from '@storeloom/money';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawSummary, rawTopProducts } from '../../../packages/analytics/test/raw.ts';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import type { RunningWorker } from '../../worker/src/worker.ts';

const ADDRESS = { name: 'Ada', line1: '1 Main St', line2: null, city: 'Town', postalCode: '1000', region: null, country: 'US', phone: null };
const today = () => new Date().toISOString().slice(0, 10);

describe('sales analytics API', { timeout: 180_000 }, () => {
  let p: TestPlatform;
  let owner: string;
  let storeId: string;
  let t: Kysely<TenantDatabase>;
  let orders: OrderService;
  let variantId: string;
  let productId: string;
  let worker: RunningWorker;

  beforeAll(async () => {
    p = await startTestPlatform();
    owner = (await signup(p)).cookie;
    const store = await createStore(p, owner);
    storeId = store.id;
    const row = await p.db.control.selectFrom('stores').selectAll().where('id', '=', store.id).executeTakeFirstOrThrow();
    t = p.db.tenant(row.schema_name);
    orders = new OrderService(t, { store: { id: row.id, name: row.name, currency: row.currency } });
    const prod = await createProduct(p, owner, storeId, { title: 'Linen shirt', variants: [{ sku: 'AN-1', price: 2500, inventoryQuantity: 100 }] });
    variantId = prod.variants[0].id;
    productId = prod.id;
    worker = await p.startWorker();
  });
  afterAll(async () => {
    await worker?.close();
    await p?.close();
  });

  const buy = async (email: string, qty: number, pay = true) => {
    const carts = new CartService(t);
    const c = await carts.findOrCreate(undefined);
    await carts.add(c.id, variantId, qty);
    const { order } = await orders.place({
      cartId: c.id,
      email,
      customerId: null,
      customerName: null,
      address: ADDRESS,
      locale: 'en',
      settings: parseSettings([]),
    });
    if (pay) await orders.confirmPayment(order.id, { provider: 'manual', reference: `r-${order.id}`, amount: order.total });
    return order;
  };

  /** Runs the worker's job for the store and waits until nothing is pending. */
  const settle = async () => {
    const handle = await p.queues.enqueue(analyticsUpdateJob, { storeId });
    const deadline = Date.now() + 60_000;
    for (;;) {
      const pending = await t.selectFrom('analytics_pending').select('order_id').limit(1).executeTakeFirst();
      if (!pending) break;
      if (Date.now() > deadline) throw new Error('analytics.update did not drain the pending orders');
      await new Promise((r) => setTimeout(r, 200));
    }
    return handle;
  };

  const report = async (query: string) => p.request('GET', `/api/v1/stores/${storeId}/analytics/sales?${query}`, { cookie: owner });

  it('orders and refunds reach the dashboard through the worker; figures equal the raw tables', async () => {
    const a = await buy('ana@example.com', 2);
    await buy('ana@example.com', 1);
    await buy('bo@example.com', 3);
    await buy('unpaid@example.com', 5, false);
    await settle();
    const r1 = await report(`from=${today()}&to=${today()}`);
    expect(r1.body.pendingOrders).toBe(0);
    expect(r1.body.summary).toEqual(await rawSummary(t, parseRange(today(), today())));
    expect(r1.body.summary).toMatchObject({ orders: 3, units: 6, grossSales: 6 * 2500, newCustomers: 2, returningCustomers: 1, averageOrderValue: 5000 });
    expect(r1.body.topProducts).toEqual([{ productId, title: 'Linen shirt', orders: 3, units: 6, grossSales: 15_000, discounts: 0, netSales: 15_000 }]);
    expect(r1.body.topProducts.map(({ title: _t, ...x }: { title: string }) => x)).toEqual(await rawTopProducts(t, parseRange(today(), today())));

    // A refund through the API moves net sales down once the worker has run.
    const refund = await p.request('POST', `/api/v1/stores/${storeId}/orders/${a.id}/refunds`, {
      cookie: owner,
      body: { amount: 1200, reason: 'damaged' },
      headers: { 'idempotency-key': 'analytics-r1' },
    });
    expect(refund.status).toBe(200);
    await settle();
    const r2 = await report(`from=${today()}&to=${today()}`);
    expect(r2.body.summary.returns).toBe(1200);
    expect(r2.body.summary.netSales).toBe(r1.body.summary.netSales - 1200);
    expect(r2.body.summary).toEqual(await rawSummary(t, parseRange(today(), today())));
    expect(r2.body.daily).toEqual([expect.objectContaining({ day: today(), netSales: 15_000 - 1200, orders: 3 })]);
    // The comparison period is the same length right before.
    expect(r2.body.previousRange).toEqual(
      parseRange(new Date(Date.now() - 86_400_000).toISOString().slice(0, 10), new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)),
    );
    expect(r2.body.previous).toMatchObject({ orders: 0, netSales: 0 });
    // (The funnel is refreshed every 5 minutes by the worker; its figures are tested in packages/analytics.)
    const none = await report(`from=${today()}&to=${today()}&compare=none`);
    expect(none.body.previous).toBeNull();
  });

  it('the sweep enqueues stores with pending orders', async () => {
    await buy('sweep@example.com', 1);
    await p.queues.enqueue(analyticsSweepJob, {});
    const deadline = Date.now() + 60_000;
    while (await t.selectFrom('analytics_pending').select('order_id').limit(1).executeTakeFirst()) {
      if (Date.now() > deadline) throw new Error('sweep did not apply the order');
      await new Promise((r) => setTimeout(r, 200));
    }
    const r = await report(`from=${today()}&to=${today()}`);
    expect(r.body.summary.orders).toBe(4);
  });

  it('the sweep takes over a rebuild whose process died (stale heartbeat) and completes it', async () => {
    const before = (await report(`from=${today()}&to=${today()}`)).body.summary;
    const paid = await t.selectFrom('orders').select('id').where('paid_at', 'is not', null).limit(1).executeTakeFirstOrThrow();
    // What a rebuild killed ten minutes ago leaves: its id, an old heartbeat, and an order the worker listed as dirty since.
    const abandoned = crypto.randomUUID();
    await t
      .updateTable('analytics_state')
      .set({
        rebuild_id: abandoned,
        rebuild_started_at: new Date(Date.now() - 20 * 60_000),
        rebuild_heartbeat_at: new Date(Date.now() - 10 * 60_000),
        rebuild_owner: 'gone-host:4242',
      })
      .execute();
    await t.insertInto('analytics_rebuild_dirty').values({ order_id: paid.id }).execute();
    await p.queues.enqueue(analyticsSweepJob, {});
    const deadline = Date.now() + 60_000;
    while ((await t.selectFrom('analytics_state').select('rebuild_id').executeTakeFirstOrThrow()).rebuild_id !== null) {
      if (Date.now() > deadline) throw new Error('the sweep did not take the abandoned rebuild over');
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(await t.selectFrom('analytics_state').select(['rebuild_heartbeat_at', 'rebuild_owner', 'rebuilt_at']).executeTakeFirstOrThrow()).toMatchObject({
      rebuild_heartbeat_at: null,
      rebuild_owner: null,
      rebuilt_at: expect.any(Date),
    });
    expect(await t.selectFrom('analytics_rebuild_dirty').select('order_id').execute()).toEqual([]);
    expect((await report(`from=${today()}&to=${today()}`)).body.summary).toEqual(before);
  });

  it('exports CSV with decimals, a filename and formula-safe titles', async () => {
    const res = await p.request('GET', `/api/v1/stores/${storeId}/analytics/export?from=${today()}&to=${today()}&report=daily`, { cookie: owner });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    expect(res.headers.get('content-disposition')).toContain(`sales-daily-`);
    const lines = res.text.trim().split('\r\n');
    expect(lines[0]).toBe('day,currency,orders,units,gross_sales,discounts,returns,net_sales,shipping,tax,total_sales');
    const summary = (await report(`from=${today()}&to=${today()}`)).body.summary;
    const d = (m: number) => toDecimalString(m, 'USD');
    expect(lines[1]).toBe(
      [
        today(),
        'USD',
        summary.orders,
        summary.units,
        d(summary.grossSales),
        d(summary.discounts),
        d(summary.returns),
        d(summary.netSales),
        d(summary.shipping),
        d(summary.tax),
        d(summary.totalSales),
      ].join(','),
    );
    expect(d(summary.grossSales)).toMatch(/^\d+\.\d{2}$/);
    await t.updateTable('products').set({ title: '=HYPERLINK("x")' }).where('id', '=', productId).execute();
    const products = await p.request('GET', `/api/v1/stores/${storeId}/analytics/export?from=${today()}&to=${today()}&report=products`, { cookie: owner });
    expect(products.text.split('\r\n')[1]).toContain(`"'=HYPERLINK(""x"")"`);
  });

  it('refuses bad ranges with 400 validation_failed', async () => {
    for (const q of [
      'from=2026-02-30&to=2026-03-01',
      'from=2026-03-02&to=2026-03-01',
      'from=2020-01-01&to=2026-01-01',
      'to=2026-01-01',
      'from=x&to=y',
      'from=2026-01-01&to=2026-01-02&compare=bogus',
    ])
      expect(await report(q), q).toMatchObject({ status: 400, body: { error: { code: 'validation_failed' } } });
    const exp = await p.request('GET', `/api/v1/stores/${storeId}/analytics/export?from=2026-01-01&to=2026-01-02&report=bogus`, { cookie: owner });
    expect(exp.status).toBe(400);
  });

  it('needs a member of the store', async () => {
    const stranger = (await signup(p)).cookie;
    const res = await p.request('GET', `/api/v1/stores/${storeId}/analytics/sales?from=${today()}&to=${today()}`, { cookie: stranger });
    expect(res.status).toBe(404);
  });
});
