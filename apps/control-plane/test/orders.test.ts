/** Merchant orders API (contracts §1) and checkout settings over the real app and Postgres. */
import { CartService, OrderService, parseSettings } from '@storeloom/commerce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
const ADDRESS = { name: 'Ada', line1: '1 Main St', line2: null, city: 'Town', postalCode: '1000', region: null, country: 'US', phone: null };

describe('orders API', () => {
  let p: TestPlatform;
  let owner: string;
  let storeId: string;
  let orders: OrderService;
  let variantId: string;
  let cartOf: (qty: number) => Promise<string>;

  beforeAll(async () => {
    p = await startTestPlatform();
    owner = (await signup(p)).cookie;
    const store = await createStore(p, owner);
    storeId = store.id;
    const row = await p.db.control.selectFrom('stores').selectAll().where('id', '=', store.id).executeTakeFirstOrThrow();
    const t = p.db.tenant(row.schema_name);
    orders = new OrderService(t, { store: { id: row.id, name: row.name, currency: row.currency } });
    const prod = await createProduct(p, owner, storeId, { variants: [{ sku: 'ORD-1', price: 1500, inventoryQuantity: 50 }] });
    variantId = prod.variants[0].id;
    cartOf = async (qty) => {
      const carts = new CartService(t);
      const c = await carts.findOrCreate(undefined);
      await carts.add(c.id, variantId, qty);
      return c.id;
    };
  });
  afterAll(async () => {
    await p?.close();
  });

  const place = async (email: string, qty = 1) =>
    (
      await orders.place({
        cartId: await cartOf(qty),
        email,
        customerId: null,
        customerName: null,
        address: ADDRESS,
        locale: 'en',
        settings: parseSettings([]),
      })
    ).order;

  it('lists newest first with filters, search and cursor; shows one order', async () => {
    const a = await place('first@example.com');
    const b = await place('second@example.com', 2);
    await orders.confirmPayment(b.id, { provider: 'manual', reference: 'r', amount: b.total });
    const all = await p.request('GET', `/api/v1/stores/${storeId}/orders?limit=1`, { cookie: owner });
    expect(all.status).toBe(200);
    expect(all.body.items.map((o: { id: string }) => o.id)).toEqual([b.id]);
    const next = await p.request('GET', `/api/v1/stores/${storeId}/orders?limit=1&cursor=${all.body.nextCursor}`, { cookie: owner });
    expect(next.body.items[0]).toMatchObject({ id: a.id, number: 1001, paymentStatus: 'pending', email: 'first@example.com', itemCount: 1, total: 2000 });
    const paid = await p.request('GET', `/api/v1/stores/${storeId}/orders?paymentStatus=paid`, { cookie: owner });
    expect(paid.body.items.map((o: { id: string }) => o.id)).toEqual([b.id]);
    const byNumber = await p.request('GET', `/api/v1/stores/${storeId}/orders?q=%23${a.number}`, { cookie: owner });
    expect(byNumber.body.items.map((o: { id: string }) => o.id)).toEqual([a.id]);
    const byEmail = await p.request('GET', `/api/v1/stores/${storeId}/orders?q=second`, { cookie: owner });
    expect(byEmail.body.items.map((o: { id: string }) => o.id)).toEqual([b.id]);
    const detail = await p.request('GET', `/api/v1/stores/${storeId}/orders/${b.id}`, { cookie: owner });
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({
      number: 1002,
      subtotal: 3000,
      shipping: 500,
      tax: 0,
      total: 3500,
      refunded: 0,
      shippingAddress: ADDRESS,
      payment: { provider: 'manual', canRefund: true, refundable: 3500 },
      fulfillment: null,
    });
    expect(detail.body.lines[0]).toMatchObject({ variantId, quantity: 2, unitPrice: 1500, total: 3000 });
    expect(detail.body.timeline.map((e: { type: string }) => e.type)).toEqual(['placed', 'paid']);
    expect((await p.request('GET', `/api/v1/stores/${storeId}/orders/${UNKNOWN_ID}`, { cookie: owner })).status).toBe(404);
  });

  it('fulfils once, refunds with a required key, enforces permissions', async () => {
    const o = await place('ship@example.com');
    const early = await p.request('POST', `/api/v1/stores/${storeId}/orders/${o.id}/fulfillment`, { cookie: owner, body: {} });
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('invalid_state');
    await orders.confirmPayment(o.id, { provider: 'manual', reference: 'r', amount: o.total });
    const f = await p.request('POST', `/api/v1/stores/${storeId}/orders/${o.id}/fulfillment`, {
      cookie: owner,
      body: { trackingNumber: 'TRK1', carrier: 'DHL' },
    });
    expect(f.status).toBe(200);
    expect(f.body).toMatchObject({ fulfillmentStatus: 'fulfilled', fulfillment: { trackingNumber: 'TRK1', carrier: 'DHL' } });
    const mails = await p.db.control.selectFrom('mail_outbox').select(['kind']).where('to_address', '=', 'ship@example.com').execute();
    expect(mails.map((m) => m.kind)).toEqual(['order-shipped']);

    const url = `/api/v1/stores/${storeId}/orders/${o.id}/refunds`;
    expect((await p.request('POST', url, { cookie: owner, body: { amount: 100 } })).status).toBe(400);
    const over = await p.request('POST', url, { cookie: owner, body: { amount: o.total + 1 }, headers: { 'idempotency-key': 'too-much' } });
    expect(over.status).toBe(400);
    const r1 = await p.request('POST', url, { cookie: owner, body: { amount: 500, reason: 'damaged' }, headers: { 'idempotency-key': 'r1' } });
    const r1b = await p.request('POST', url, { cookie: owner, body: { amount: 500, reason: 'damaged' }, headers: { 'idempotency-key': 'r1' } });
    expect(r1.status).toBe(200);
    expect(r1b.body.refunded).toBe(500);
    expect(r1.body).toMatchObject({ paymentStatus: 'partially_refunded', refunded: 500, payment: { refundable: o.total - 500 } });
    // By lines: the refund records the units and what they were paid; more units than are left is a 400 with the path.
    const two = await place('lines@example.com', 2);
    await orders.confirmPayment(two.id, { provider: 'manual', reference: 'r', amount: two.total });
    const lineUrl = `/api/v1/stores/${storeId}/orders/${two.id}/refunds`;
    const byLine = await p.request('POST', lineUrl, {
      cookie: owner,
      body: { lines: [{ orderLineId: two.lines[0]?.id, quantity: 1, restock: true }], reason: 'wrong size' },
      headers: { 'idempotency-key': 'line-1' },
    });
    expect(byLine.status).toBe(200);
    expect(byLine.body).toMatchObject({ refunded: 1500, paymentStatus: 'partially_refunded', shippingRefundable: 500 });
    expect(byLine.body.lines[0]).toMatchObject({ quantity: 2, refundedQuantity: 1, refundedAmount: 1500 });
    // The timeline says what happened as data (the console writes it in the merchant's language and money format).
    const timeline = Object.fromEntries(byLine.body.timeline.map((e: { type: string; data: unknown }) => [e.type, e.data]));
    expect(timeline).toEqual({
      placed: { reservedUntil: expect.any(String) },
      paid: { provider: 'manual', amount: two.total },
      refunded: { amount: 1500, provider: 'manual', units: 1, reason: 'wrong size' },
    });
    const shipped = await p.request('GET', `/api/v1/stores/${storeId}/orders/${o.id}`, { cookie: owner });
    expect(shipped.body.timeline.find((e: { type: string }) => e.type === 'fulfilled').data).toEqual({ carrier: 'DHL', trackingNumber: 'TRK1' });
    expect(byLine.body.refunds).toEqual([
      expect.objectContaining({
        amount: 1500,
        reason: 'wrong size',
        lines: [{ kind: 'line', orderLineId: two.lines[0]?.id, quantity: 1, amount: 1500, tax: 0, restock: true }],
      }),
    ]);
    const tooMany = await p.request('POST', lineUrl, {
      cookie: owner,
      body: { lines: [{ orderLineId: two.lines[0]?.id, quantity: 2 }] },
      headers: { 'idempotency-key': 'line-2' },
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error).toMatchObject({ code: 'validation_failed', details: [{ path: 'lines.0.quantity', message: 'at most 1' }] });
    const nothing = await p.request('POST', lineUrl, { cookie: owner, body: {}, headers: { 'idempotency-key': 'line-3' } });
    expect(nothing.status).toBe(400);
    const pending = await place('pending@example.com');
    const notPaid = await p.request('POST', `/api/v1/stores/${storeId}/orders/${pending.id}/refunds`, {
      cookie: owner,
      body: { amount: 1 },
      headers: { 'idempotency-key': 'x' },
    });
    expect(notPaid.status).toBe(409);
    expect(notPaid.body.error.code).toBe('invalid_state');

    // Staff may fulfil but not refund.
    const staff = await signup(p);
    const userId = staff.user.id;
    await p.db.control.insertInto('memberships').values({ store_id: storeId, user_id: userId, role: 'staff', created_at: new Date() }).execute();
    expect((await p.request('GET', `/api/v1/stores/${storeId}/orders`, { cookie: staff.cookie })).status).toBe(200);
    const denied = await p.request('POST', url, { cookie: staff.cookie, body: { amount: 1 }, headers: { 'idempotency-key': 'staff' } });
    expect(denied.status).toBe(403);
    const outsider = await signup(p);
    expect((await p.request('GET', `/api/v1/stores/${storeId}/orders`, { cookie: outsider.cookie })).status).toBe(404);
  });

  it('saves checkout settings (validated) and reads them back', async () => {
    const url = `/api/v1/stores/${storeId}/checkout-settings`;
    const defaults = await p.request('GET', url, { cookie: owner });
    expect(defaults.body).toEqual({
      shipping: { mode: 'flat', flatRate: 500, freeOver: null, weightRates: [] },
      tax: { ratePercent: 0, includedInPrices: false },
    });
    const body = {
      shipping: { mode: 'weight', flatRate: 0, freeOver: 10000, weightRates: [{ upToGrams: 1000, rate: 700 }] },
      tax: { ratePercent: 8.25, includedInPrices: false },
    };
    expect((await p.request('PUT', url, { cookie: owner, body })).status).toBe(200);
    expect((await p.request('GET', url, { cookie: owner })).body).toEqual(body);
    const bad = await p.request('PUT', url, { cookie: owner, body: { ...body, shipping: { ...body.shipping, weightRates: [] } } });
    expect(bad.status).toBe(400);
    expect((await p.request('PUT', url, { cookie: owner, body: { ...body, tax: { ratePercent: 101, includedInPrices: true } } })).status).toBe(400);
  });
});
