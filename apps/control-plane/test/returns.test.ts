/**
 * Returns through the merchant API on a store paid through Stripe Connect (the
 * fake): request, approve with a label, receive with condition, a refund quote
 * computed server-side, the refund at Stripe; an exchange for a dearer variant
 * charges the difference through a Checkout Session on the connected account
 * and closes the return when the fake's webhook says it was paid; the refund
 * preview of the order page; the return policy.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { returnPhotoKey, storeStorage } from '@storeloom/storage';
import type { StripeFake } from '@storeloom/stripe-fake';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, createStore, signup, type TestPlatform } from '../../../test/helpers/platform.ts';
import { placeStripeCheckout } from '../../../test/helpers/stripe-checkout.ts';
import { type StripeTestPlatform, startStripePlatform } from '../../../test/helpers/stripe-platform.ts';

describe('returns API with Stripe Connect (fake)', () => {
  let fake: StripeFake;
  let p: TestPlatform;
  let stripe: StripeTestPlatform;
  let cookie: string;
  let store: { id: string };
  let small: string;
  let large: string;

  beforeAll(async () => {
    stripe = await startStripePlatform();
    ({ fake, p } = stripe);
    ({ cookie } = await signup(p));
    store = await createStore(p, cookie);
    const tag = randomBytes(3).toString('hex');
    small = (await createProduct(p, cookie, store.id, { variants: [{ sku: `S-${tag}`, price: 2000, inventoryQuantity: 10 }] })).variants[0].id;
    large = (await createProduct(p, cookie, store.id, { variants: [{ sku: `L-${tag}`, price: 2600, inventoryQuantity: 10 }] })).variants[0].id;
    await stripe.connectStore(cookie, store.id);
  });
  afterAll(async () => {
    await stripe?.close();
  });

  const api = (method: string, path: string, body?: unknown) =>
    p.request(method, `/api/v1/stores/${store.id}${path}`, { cookie, ...(body !== undefined ? { body } : {}) });

  async function deliveredStripeOrder(quantity: number) {
    const { order, sessionId, orders } = await placeStripeCheckout(p, store.id, small, quantity);
    await fake.completeCheckout(sessionId);
    expect((await orders.detailOrThrow(order.id)).paymentStatus).toBe('paid');
    expect((await api('POST', `/orders/${order.id}/fulfillment`, { trackingNumber: 'T1' })).status).toBe(200);
    return (await api('GET', `/orders/${order.id}`)).body;
  }

  it('request → approve → receive → refund at Stripe, with the quote shown first', async () => {
    const order = await deliveredStripeOrder(2);
    const line = order.lines[0];
    const policy = await api('GET', '/return-policy');
    expect(policy.body).toEqual({ enabled: true, windowDays: 30, shippingRefund: 'full_return' });
    const over = await api('POST', `/orders/${order.id}/returns`, { lines: [{ orderLineId: line.id, quantity: 3 }], reason: 'Too big' });
    expect(over.status).toBe(400);
    expect(over.body.error.details).toEqual([{ path: 'lines.0.quantity', message: 'at most 2' }]);
    const created = await api('POST', `/orders/${order.id}/returns`, { lines: [{ orderLineId: line.id, quantity: 1 }], reason: 'Too big' });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id;
    // A shopper's photo (the storefront form stores it privately): the merchant gets the bytes, never cached.
    const photoKey = returnPhotoKey(store.id, randomUUID(), 0, 'png');
    const photoBytes = new TextEncoder().encode('not really a png, but stored as one');
    await storeStorage(p.services.storage, store.id).put(photoKey, photoBytes, 'image/png');
    const schema = (await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', store.id).executeTakeFirstOrThrow()).schema_name;
    await p.db
      .tenant(schema)
      .updateTable('returns')
      .set({ photos: JSON.stringify([photoKey]) })
      .where('id', '=', id)
      .execute();
    const photo = await api('GET', `/returns/${id}/photos/0`);
    expect(photo.status).toBe(200);
    expect(photo.headers.get('content-type')).toBe('image/png');
    expect(photo.headers.get('cache-control')).toBe('private, no-store');
    expect(photo.text).toBe('not really a png, but stored as one');
    expect((await api('GET', `/returns/${id}/photos/1`)).status).toBe(404);
    const listed = await api('GET', '/returns?status=requested');
    expect(listed.body.items.map((r: { id: string }) => r.id)).toContain(id);
    expect((await api('POST', `/returns/${id}/receive`, {})).status).toBe(409);
    const approved = await api('POST', `/returns/${id}/approve`, { labelReference: 'UPS-1Z999' });
    expect(approved.body).toMatchObject({ status: 'approved', labelReference: 'UPS-1Z999' });
    const received = await api('POST', `/returns/${id}/receive`, { lines: [{ orderLineId: line.id, restock: true }] });
    expect(received.body.status).toBe('received');
    const quote = await api('GET', `/returns/${id}/refund-quote`);
    expect(quote.body).toMatchObject({ amount: 2000, shipping: 0, tenders: { provider: 2000, giftCards: 0 } });
    const refunded = await api('POST', `/returns/${id}/refund`, {});
    expect(refunded.body).toMatchObject({ status: 'refunded', refundAmount: 2000 });
    const refunds = fake.requests.filter((r) => r.path === '/v1/refunds' && String(r.params.amount) === '2000');
    expect(refunds.length).toBeGreaterThanOrEqual(1);
    const after = (await api('GET', `/orders/${order.id}`)).body;
    expect(after).toMatchObject({ refunded: 2000, paymentStatus: 'partially_refunded' });
    const returnsOfOrder = await api('GET', `/orders/${order.id}/returns`);
    expect(returnsOfOrder.body.returnability.lines[0].returnable).toBe(1);
  });

  it('exchange for a dearer variant: the difference is a Checkout Session on the connected account; paid → exchanged', async () => {
    const order = await deliveredStripeOrder(1);
    const line = order.lines[0];
    const id = (await api('POST', `/orders/${order.id}/returns`, { lines: [{ orderLineId: line.id, quantity: 1 }], reason: 'Want the large' })).body.id;
    await api('POST', `/returns/${id}/approve`, {});
    await api('POST', `/returns/${id}/receive`, { lines: [{ orderLineId: line.id, restock: true }] });
    const ex = await api('POST', `/returns/${id}/exchange`, { lines: [{ orderLineId: line.id, variantId: large }] });
    expect(ex.status, ex.text).toBe(200);
    expect(ex.body).toMatchObject({ status: 'received', resolution: 'exchange', exchange: { difference: 600, paymentStatus: 'pending' } });
    const created = fake.requests.find((r) => r.path === '/v1/checkout/sessions' && (r.params.metadata as { returnId?: string })?.returnId === id);
    expect(created?.params).toMatchObject({ line_items: [{ price_data: { unit_amount: '600' } }] });
    const sessionId = (
      await p.db
        .tenant((await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', store.id).executeTakeFirstOrThrow()).schema_name)
        .selectFrom('returns')
        .select('exchange_payment_reference')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
    ).exchange_payment_reference as string;
    await fake.completeCheckout(sessionId);
    const done = await api('GET', `/returns/${id}`);
    expect(done.body).toMatchObject({ status: 'exchanged', exchange: { difference: 600, paymentStatus: 'paid' } });
    // The order's own payment is untouched by the exchange's session.
    expect((await api('GET', `/orders/${order.id}`)).body).toMatchObject({ paymentStatus: 'paid', refunded: 0 });
  });

  it('refund preview: the amount of chosen lines computed server-side, nothing written', async () => {
    const order = await deliveredStripeOrder(2);
    const line = order.lines[0];
    const preview = await api('POST', `/orders/${order.id}/refund-preview`, { lines: [{ orderLineId: line.id, quantity: 1 }] });
    expect(preview.status, preview.text).toBe(200);
    expect(preview.body).toMatchObject({ amount: 2000, tenders: { provider: 2000, giftCards: 0 }, parts: [{ kind: 'line', quantity: 1, amount: 2000 }] });
    const bad = await api('POST', `/orders/${order.id}/refund-preview`, { lines: [{ orderLineId: line.id, quantity: 5 }] });
    expect(bad.status).toBe(400);
    expect((await api('GET', `/orders/${order.id}`)).body.refunded).toBe(0);
    const saved = await api('PUT', '/return-policy', { enabled: true, windowDays: 14, shippingRefund: 'never' });
    expect(saved.status).toBe(200);
    expect((await api('GET', '/return-policy')).body.windowDays).toBe(14);
  });
});
