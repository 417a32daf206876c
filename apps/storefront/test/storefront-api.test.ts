/**
 * The headless Storefront API v1 over real Postgres, in-process: the fixed
 * cart/checkout contract, discount codes and gift cards, 422s that create
 * nothing, Idempotency-Key on checkout, CORS for allowed origins only, the
 * OpenAPI document, and isolation: a cart or order of store A is 404 on
 * store B for every operation of the document.
 */
import { createLogger } from '@storeloom/log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { createStorefrontApp } from '../src/app.ts';

const ADDRESS = { name: 'Ada Shopper', line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };

describe('Storefront API v1', () => {
  let p: TestPlatform;
  let app: ReturnType<typeof createStorefrontApp>;
  let owner: string;
  let storeA: { id: string; slug: string };
  let storeB: { id: string; slug: string };
  let variantId: string;
  let variantB: string;

  const call = async (method: string, path: string, opts: { body?: unknown; host?: string; headers?: Record<string, string> } = {}) => {
    const host = opts.host ?? `${storeA.slug}.localhost`;
    const headers = new Headers(opts.headers);
    headers.set('host', host);
    if (opts.body !== undefined) headers.set('content-type', 'application/json');
    const res = await app.request(`http://${host}/api/storefront/v1${path}`, {
      method,
      headers,
      ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null, text };
  };
  const merchant = (method: string, path: string, body?: unknown) => p.request(method, `/api/v1/stores/${storeA.id}${path}`, { cookie: owner, body });

  beforeAll(async () => {
    p = await startTestPlatform();
    app = createStorefrontApp(p.db, createLogger({ level: 'silent' }), {
      rootDomain: 'localhost',
      secret: 'test-secret-0123456789abcdef0123456789',
      storeCacheTtlMs: 0,
    });
    owner = (await signup(p)).cookie;
    storeA = await createStore(p, owner);
    storeB = await createStore(p, owner);
    variantId = (await createProduct(p, owner, storeA.id, { title: 'Green Tea', variants: [{ sku: 'GT-1', price: 2000, inventoryQuantity: 100 }] })).variants[0]
      .id;
    variantB = (await createProduct(p, owner, storeB.id, { title: 'Black Tea', variants: [{ sku: 'BT-1', price: 900, inventoryQuantity: 100 }] })).variants[0]
      .id;
  });
  afterAll(async () => {
    await p?.close();
  });

  it('creates a cart whose id is a ≥128-bit secret, adds lines and prices them', async () => {
    const created = await call('POST', '/carts', { body: { country: 'us', email: 'shopper@example.com' } });
    expect(created.status).toBe(201);
    expect(created.body.id).toMatch(/^[a-z2-7]{32}$/);
    expect(created.body).toMatchObject({ currency: 'USD', country: 'US', email: 'shopper@example.com', lines: [], subtotal: 0, total: 0, amountDue: 0 });
    // The database keeps only a hash: the id is nowhere in it.
    const raw = await p.db
      .tenant((await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', storeA.id).executeTakeFirstOrThrow()).schema_name)
      .selectFrom('carts')
      .select('token_hash')
      .execute();
    expect(raw.map((r) => r.token_hash)).not.toContain(created.body.id);
    const added = await call('POST', `/carts/${created.body.id}/lines`, { body: { variantId, quantity: 2 } });
    expect(added.status).toBe(200);
    expect(added.body.lines).toEqual([
      { id: variantId, variantId, productId: expect.any(String), title: 'Green Tea', quantity: 2, unitPrice: 2000, total: 4000 },
    ]);
    expect(added.body).toMatchObject({
      subtotal: 4000,
      discountTotal: 0,
      shipping: 500,
      tax: 0,
      taxIncluded: false,
      total: 4500,
      giftCardTotal: 0,
      amountDue: 4500,
    });
    const changed = await call('PATCH', `/carts/${created.body.id}/lines/${variantId}`, { body: { quantity: 3 } });
    expect(changed.body.subtotal).toBe(6000);
    const removed = await call('PATCH', `/carts/${created.body.id}/lines/${variantId}`, { body: { quantity: 0 } });
    expect(removed.body.lines).toEqual([]);
    expect((await call('PATCH', `/carts/${created.body.id}`, { body: { email: 'other@example.com' } })).body.email).toBe('other@example.com');
    expect((await call('GET', '/carts/abcdefghijklmnopqrstuvwxyz234567')).status).toBe(404);
    expect((await call('GET', '/carts/not-a-cart')).status).toBe(404);
    expect((await call('POST', '/carts', { body: { country: 'USA' } })).body.error.code).toBe('validation_failed');
    // A form post cannot reach the API.
    const form = await app.request(`http://${storeA.slug}.localhost/api/storefront/v1/carts`, {
      method: 'POST',
      headers: { host: `${storeA.slug}.localhost`, 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(form.status).toBe(415);
  });

  it('applies a code and a gift card, refuses what does not apply with 422 and a reason, and checks out', async () => {
    await merchant('POST', '/discounts', { title: '10% off', code: 'TEA10', kind: 'percentage', value: 10, combinesWith: { shippingDiscounts: true } });
    await merchant('POST', '/discounts', { title: 'Free shipping', code: 'SHIPFREE', kind: 'free_shipping', combinesWith: { orderDiscounts: true } });
    await merchant('POST', '/discounts', { title: 'Big spender', code: 'BIG', kind: 'fixed_amount', value: 1000, minSubtotal: 100_000 });
    await merchant('POST', '/discounts', {
      title: 'Later',
      code: 'LATER',
      kind: 'fixed_amount',
      value: 100,
      startsAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    const card = (await merchant('POST', '/gift-cards', { initialValue: 3000 })).body;
    const cart = (await call('POST', '/carts', { body: {} })).body;
    await call('POST', `/carts/${cart.id}/lines`, { body: { variantId, quantity: 2 } });
    const unknown = await call('POST', `/carts/${cart.id}/discount-codes`, { body: { code: 'NOPE' } });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error).toMatchObject({ code: 'discount_not_applicable', message: 'This discount code does not exist' });
    expect((await call('POST', `/carts/${cart.id}/discount-codes`, { body: { code: 'big' } })).body.error).toMatchObject({
      code: 'discount_not_applicable',
      // Money in the message is formatted in the cart's currency, never raw minor units.
      message: 'The cart does not reach the minimum subtotal for this code (this code needs a subtotal of at least $1,000.00)',
      details: { reason: 'minimum_not_met', minSubtotal: 100_000, currency: 'USD' },
    });
    expect((await call('POST', `/carts/${cart.id}/discount-codes`, { body: { code: 'LATER' } })).body.error.details.reason).toBe('not_started');
    const withCode = await call('POST', `/carts/${cart.id}/discount-codes`, { body: { code: 'tea10' } });
    expect(withCode.status).toBe(200);
    expect(withCode.body).toMatchObject({ subtotal: 4000, discounts: [{ code: 'TEA10', title: '10% off', amount: 400 }], discountTotal: 400, total: 4100 });
    const both = await call('POST', `/carts/${cart.id}/discount-codes`, { body: { code: 'SHIPFREE' } });
    expect(both.body).toMatchObject({ discountTotal: 900, shipping: 500, total: 3600 });
    const bad = await call('POST', `/carts/${cart.id}/gift-cards`, { body: { code: 'AAAA-BBBB-CCCC-DDDD' } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe('gift_card_invalid');
    const paidPart = await call('POST', `/carts/${cart.id}/gift-cards`, { body: { code: card.code } });
    expect(paidPart.body).toMatchObject({ total: 3600, giftCards: [{ last4: card.last4, amount: 3000 }], giftCardTotal: 3000, amountDue: 600 });
    expect(paidPart.text).not.toContain(card.code);
    const removed = await call('DELETE', `/carts/${cart.id}/discount-codes/SHIPFREE`);
    expect(removed.body).toMatchObject({ discountTotal: 400, total: 4100, giftCardTotal: 3000, amountDue: 1100 });
    await call('POST', `/carts/${cart.id}/discount-codes`, { body: { code: 'SHIPFREE' } });
    const checkout = await call('POST', `/carts/${cart.id}/checkout`, {
      body: { email: 'buyer@example.com', shippingAddress: ADDRESS },
      headers: { 'idempotency-key': 'checkout-1' },
    });
    expect(checkout.status).toBe(201);
    expect(checkout.body).toEqual({
      order: {
        id: expect.any(String),
        number: 1001,
        currency: 'USD',
        subtotal: 4000,
        discountTotal: 900,
        shipping: 500,
        tax: 0,
        taxIncluded: false,
        total: 3600,
        giftCardTotal: 3000,
        amountDue: 600,
      },
      payment: {
        provider: 'manual',
        redirectUrl: expect.stringMatching(new RegExp(`^http://${storeA.slug}\\.localhost/checkout/pay/${checkout.body.order.id}\\?sig=`)),
      },
    });
    // A retry with the same key replays the same order; a different body with it is refused.
    const replay = await call('POST', `/carts/${cart.id}/checkout`, {
      body: { email: 'buyer@example.com', shippingAddress: ADDRESS },
      headers: { 'idempotency-key': 'checkout-1' },
    });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.order.id).toBe(checkout.body.order.id);
    const reused = await call('POST', `/carts/${cart.id}/checkout`, {
      body: { email: 'someone@example.com', shippingAddress: ADDRESS },
      headers: { 'idempotency-key': 'checkout-1' },
    });
    expect(reused.body.error.code).toBe('idempotency_key_reused');
    const order = (await merchant('GET', `/orders/${checkout.body.order.id}`)).body;
    expect(order).toMatchObject({ total: 3600, discountTotal: 900, giftCardTotal: 3000, amountDue: 600 });
    expect(order.lines[0]).toMatchObject({ quantity: 2, total: 4000, discount: 400 });
  });

  it('a gift card paying everything needs no provider; a spent card at checkout is 422 and creates nothing', async () => {
    const card = (await merchant('POST', '/gift-cards', { initialValue: 10_000 })).body;
    const a = (await call('POST', '/carts', { body: {} })).body;
    const b = (await call('POST', '/carts', { body: {} })).body;
    for (const cart of [a, b]) {
      await call('POST', `/carts/${cart.id}/lines`, { body: { variantId, quantity: 2 } });
      await call('POST', `/carts/${cart.id}/gift-cards`, { body: { code: card.code } });
    }
    const paid = await call('POST', `/carts/${a.id}/checkout`, { body: { email: 'gc@example.com', shippingAddress: ADDRESS } });
    expect(paid.status).toBe(201);
    expect(paid.body.order).toMatchObject({ total: 4500, giftCardTotal: 4500, amountDue: 0 });
    expect(paid.body.payment).toEqual({ provider: 'gift_card', redirectUrl: null });
    expect((await merchant('GET', `/orders/${paid.body.order.id}`)).body.paymentStatus).toBe('paid');
    const before = (await merchant('GET', '/orders')).body.items.length;
    const spent = await call('POST', `/carts/${b.id}/checkout`, { body: { email: 'gc2@example.com', shippingAddress: ADDRESS } });
    expect(spent.status).toBe(422);
    expect(spent.body.error).toMatchObject({ code: 'gift_card_invalid', details: { reason: 'balance_spent' } });
    expect((await merchant('GET', '/orders')).body.items.length).toBe(before);
    expect((await merchant('GET', `/gift-cards/${card.id}`)).body.balance).toBe(5500);
  });

  it('answers CORS only for origins the merchant allows', async () => {
    const origin = 'https://headless.example.com';
    const pre = await app.request(`http://${storeA.slug}.localhost/api/storefront/v1/carts`, {
      method: 'OPTIONS',
      headers: { host: `${storeA.slug}.localhost`, origin, 'access-control-request-method': 'POST' },
    });
    expect(pre.status).toBe(403);
    expect((await merchant('PUT', '/promotion-settings', { apiAllowedOrigins: [origin] })).status).toBe(200);
    const ok = await app.request(`http://${storeA.slug}.localhost/api/storefront/v1/carts`, {
      method: 'OPTIONS',
      headers: { host: `${storeA.slug}.localhost`, origin, 'access-control-request-method': 'POST' },
    });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(origin);
    expect(ok.headers.get('access-control-allow-credentials')).toBeNull();
    const created = await call('POST', '/carts', { body: {}, headers: { origin } });
    expect(created.headers.get('access-control-allow-origin')).toBe(origin);
    const other = await call('POST', '/carts', { body: {}, headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    // Store B did not allow it.
    const onB = await call('POST', '/carts', { body: {}, headers: { origin }, host: `${storeB.slug}.localhost` });
    expect(onB.headers.get('access-control-allow-origin')).toBeNull();
  });

  it("serves its OpenAPI 3.1 document; walking it, store A's cart and order are 404 on store B", async () => {
    const doc = await call('GET', '/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    const ops = Object.entries(doc.body.paths as Record<string, Record<string, { operationId?: string }>>).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ path, method: method.toUpperCase(), operationId: op.operationId })),
    );
    for (const o of ops) expect(o.operationId, `${o.method} ${o.path}`).toBeTruthy();
    expect(ops.map((o) => o.operationId).sort()).toEqual(
      [
        'addCartLine',
        'applyDiscountCode',
        'applyGiftCard',
        'checkoutCart',
        'createCart',
        'getCart',
        'getProduct',
        'removeDiscountCode',
        'removeGiftCard',
        'updateCart',
        'updateCartLine',
      ].sort(),
    );
    // A cart of store A with a line, a code and a card.
    await merchant('POST', '/discounts', { title: 'Iso', code: 'ISO5', kind: 'fixed_amount', value: 100 });
    const card = (await merchant('POST', '/gift-cards', { initialValue: 100 })).body;
    const cart = (await call('POST', '/carts', { body: {} })).body;
    await call('POST', `/carts/${cart.id}/lines`, { body: { variantId, quantity: 1 } });
    await call('POST', `/carts/${cart.id}/discount-codes`, { body: { code: 'ISO5' } });
    await call('POST', `/carts/${cart.id}/gift-cards`, { body: { code: card.code } });
    const samples: Record<string, unknown> = {
      createCart: {},
      updateCart: { email: 'x@example.com' },
      addCartLine: { variantId: variantB, quantity: 1 },
      updateCartLine: { quantity: 1 },
      applyDiscountCode: { code: 'ISO5' },
      applyGiftCard: { code: card.code },
      checkoutCart: { email: 'x@example.com', shippingAddress: ADDRESS },
    };
    let walked = 0;
    for (const o of ops) {
      if (!o.path.includes('{cartId}')) continue;
      const path = o.path.replace('{cartId}', cart.id).replace('{lineId}', variantId).replace('{code}', 'ISO5').replace('{last4}', card.last4);
      const body = samples[o.operationId as string];
      const r = await call(o.method, path, { host: `${storeB.slug}.localhost`, ...(body !== undefined ? { body } : {}) });
      expect(r.status, `${o.method} ${o.path} on store B`).toBe(404);
      walked++;
    }
    expect(walked).toBe(9);
    // A product is read on its own store only (store A's handle is unknown on store B).
    expect((await call('GET', '/products/green-tea')).body).toMatchObject({ title: 'Green Tea', variants: [{ price: 2000, lowestPriceInLast30Days: null }] });
    expect((await call('GET', '/products/green-tea', { host: `${storeB.slug}.localhost` })).status).toBe(404);
    // Still intact on store A, and its order is unknown to store B's merchant API.
    const still = await call('GET', `/carts/${cart.id}`);
    expect(still.body).toMatchObject({ discountTotal: 100, giftCardTotal: 100 });
    const placed = await call('POST', `/carts/${cart.id}/checkout`, { body: { email: 'iso@example.com', shippingAddress: ADDRESS } });
    expect(placed.status).toBe(201);
    expect((await p.request('GET', `/api/v1/stores/${storeB.id}/orders/${placed.body.order.id}`, { cookie: owner })).status).toBe(404);
  });
});
