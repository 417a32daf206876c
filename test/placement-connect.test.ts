/**
 * Stripe Connect payment webhooks for a store placed on a second Postgres
 * cluster (started with initdb, as in placement.test.ts): the event is applied
 * to the order through the store's own cluster and role, refused (and left
 * unrecorded, so Stripe retries) while the store is read-only, and applied
 * exactly once when redelivered.
 */
import { randomBytes } from 'node:crypto';
import type { StripeFake } from '@storeloom/stripe-fake';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPgCluster, type PgCluster } from './helpers/pg-cluster.ts';
import { createProduct, createStore, signup, type TestPlatform } from './helpers/platform.ts';
import { placeStripeCheckout } from './helpers/stripe-checkout.ts';
import { type StripeTestPlatform, startStripePlatform } from './helpers/stripe-platform.ts';

describe('Connect payment webhooks for a store on cluster 2', () => {
  let c2: PgCluster;
  let c2Admin: pg.Pool;
  let fake: StripeFake;
  let p: TestPlatform;
  let stripe: StripeTestPlatform;
  let cookie: string;
  let store: { id: string; slug: string };
  let schema: string;
  let variantId: string;

  beforeAll(async () => {
    c2 = await startPgCluster();
    c2Admin = new pg.Pool({ connectionString: c2.url, max: 2 });
    stripe = await startStripePlatform({ database: { clusters: { c2: c2.url }, placementTtlMs: 150 }, webhooks: 'connect' });
    ({ fake, p } = stripe);
    ({ cookie } = await signup(p));
    // Only c2 open for new stores while this one is created.
    await p.db.control.updateTable('database_clusters').set({ status: 'draining' }).where('id', '=', 'main').execute();
    try {
      store = await createStore(p, cookie);
    } finally {
      await p.db.control.updateTable('database_clusters').set({ status: 'open' }).where('id', '=', 'main').execute();
    }
    const row = await p.db.control.selectFrom('stores').select(['schema_name', 'cluster_id']).where('id', '=', store.id).executeTakeFirstOrThrow();
    expect(row.cluster_id).toBe('c2');
    schema = row.schema_name;
    const product = await createProduct(p, cookie, store.id, {
      variants: [{ sku: `C2-${randomBytes(3).toString('hex')}`, price: 1500, inventoryQuantity: 4 }],
    });
    variantId = product.variants[0].id;
    await stripe.connectStore(cookie, store.id);
  });
  afterAll(async () => {
    try {
      await stripe?.close();
    } finally {
      await c2Admin?.end().catch(() => {});
      await c2?.stop();
    }
  });

  const setReadOnly = async (readOnly: boolean) => {
    await p.db.control.updateTable('stores').set({ read_only: readOnly }).where('id', '=', store.id).execute();
    await p.db.control
      .updateTable('placement_version')
      .set((eb) => ({ version: eb('version', '+', 1) }))
      .where('id', '=', 1)
      .execute();
    p.db.invalidatePlacement();
  };
  const orderOnC2 = async (orderId: string) =>
    (await c2Admin.query(`select payment_status, payment_reference from "${schema}".orders where id = $1`, [orderId])).rows[0];
  const stockOnC2 = async () =>
    Number((await c2Admin.query(`select inventory_quantity from "${schema}".variants where id = $1`, [variantId])).rows[0].inventory_quantity);
  const recorded = (eventId: string) => p.db.control.selectFrom('stripe_events').selectAll().where('id', '=', eventId).executeTakeFirst();

  /** The storefront's checkout: place the order on c2 (stock reserved), then start Stripe Checkout on the connected account. */
  async function checkout(quantity: number) {
    const { order, sessionId } = await placeStripeCheckout(p, store.id, variantId, quantity);
    return { orderId: order.id, sessionId };
  }

  it('marks the order paid on cluster 2, once, under replayed and concurrent deliveries', async () => {
    const before = await stockOnC2();
    const { orderId, sessionId } = await checkout(2);
    expect(await stockOnC2()).toBe(before - 2);
    expect((await orderOnC2(orderId)).payment_status).toBe('pending');

    fake.autoDeliver = false;
    const events = await fake.completeCheckout(sessionId);
    fake.autoDeliver = true;
    const results = [];
    for (const e of [...events, ...events]) results.push(...(await fake.deliver(e, { duplicate: true })));
    expect(results.map((d) => d.status).every((s) => s === 200)).toBe(true);
    expect(results.filter((d) => JSON.parse(d.body).outcome === 'paid')).toHaveLength(1);

    const order = await orderOnC2(orderId);
    expect(order.payment_status).toBe('paid');
    expect(order.payment_reference).toMatch(/^pi_/);
    // Stock was converted, not released or taken twice; one 'paid' timeline entry.
    expect(await stockOnC2()).toBe(before - 2);
    const paidEvents = await c2Admin.query(`select count(*)::int as n from "${schema}".order_events where order_id = $1 and type = 'paid'`, [orderId]);
    expect(paidEvents.rows[0].n).toBe(1);
    for (const e of events) expect(await recorded(e.id)).toMatchObject({ endpoint: 'connect', store_id: store.id });
  });

  it('while the store is read-only the webhook fails and records nothing; the redelivery applies it', async () => {
    const { orderId, sessionId } = await checkout(1);
    fake.autoDeliver = false;
    const events = await fake.completeCheckout(sessionId);
    fake.autoDeliver = true;
    const completed = events.find((e) => e.type === 'checkout.session.completed');
    expect(completed).toBeDefined();

    await setReadOnly(true);
    try {
      const [refused] = await fake.deliver(completed!);
      expect(refused?.status).toBe(503);
      expect(JSON.parse(refused!.body).error.code).toBe('store_read_only');
      expect(await recorded(completed!.id)).toBeUndefined();
      expect((await orderOnC2(orderId)).payment_status).toBe('pending');
    } finally {
      await setReadOnly(false);
    }

    const [retried] = await fake.deliver(completed!);
    expect(retried?.status).toBe(200);
    expect(JSON.parse(retried!.body)).toMatchObject({ duplicate: false, outcome: 'paid' });
    expect((await orderOnC2(orderId)).payment_status).toBe('paid');
    expect(await recorded(completed!.id)).toMatchObject({ store_id: store.id });
    const [again] = await fake.deliver(completed!);
    expect(JSON.parse(again!.body)).toMatchObject({ duplicate: true, outcome: 'duplicate' });
  });
});
