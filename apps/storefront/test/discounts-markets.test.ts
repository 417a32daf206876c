/**
 * Discount amounts per market (issue 18 with markets): a discount's fixed amount and minimum subtotal are in the
 * store's currency; a cart in another market's currency sees them converted with that market's rate — the fixed
 * amount like a price (the market's rounding increment), the minimum like the other thresholds (to the minor unit)
 * — through @storeloom/money, in the cart, in the refusal message and on the placed order. A GBP store with a EUR
 * market at 1.1634, increment 5.
 */
import { createLogger } from '@storeloom/log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { createStorefrontApp } from '../src/app.ts';

describe('discount amounts in a market currency', () => {
  let p: TestPlatform;
  let app: ReturnType<typeof createStorefrontApp>;
  let owner: string;
  let store: { id: string; slug: string };
  let tea: string;

  const call = async (method: string, path: string, body?: unknown) => {
    const host = `${store.slug}.localhost`;
    const res = await app.request(`http://${host}/api/storefront/v1${path}`, {
      method,
      headers: { host, ...(body !== undefined ? { 'content-type': 'application/json', 'accept-language': 'en' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  const merchant = (method: string, path: string, body?: unknown) => p.request(method, `/api/v1/stores/${store.id}${path}`, { cookie: owner, body });

  beforeAll(async () => {
    p = await startTestPlatform();
    app = createStorefrontApp(p.db, createLogger({ level: 'silent' }), {
      rootDomain: 'localhost',
      secret: 'test-secret-0123456789abcdef0123456789',
      storeCacheTtlMs: 0,
    });
    owner = (await signup(p)).cookie;
    store = await createStore(p, owner, undefined, 'GBP');
    expect((await merchant('PUT', '/settings', { country: 'GB' })).status).toBe(200);
    const market = await merchant('POST', '/markets', {
      name: 'Euro area',
      countries: ['DE', 'FR'],
      currency: 'EUR',
      exchangeRate: '1.1634',
      roundingIncrement: 5,
      taxInclusive: true,
      languages: [],
    });
    expect(market.status, JSON.stringify(market.body)).toBe(201);
    tea = (await createProduct(p, owner, store.id, { title: 'Sencha', variants: [{ sku: 'TEA-1', price: 1000, inventoryQuantity: 50 }] })).variants[0].id;
    expect((await merchant('POST', '/discounts', { title: 'Five off', code: 'FIVE', kind: 'fixed_amount', value: 500 })).status).toBe(201);
    expect((await merchant('POST', '/discounts', { title: 'Big basket', code: 'BIG', kind: 'fixed_amount', value: 1000, minSubtotal: 3000 })).status).toBe(201);
  });
  afterAll(async () => {
    await p?.close();
  });

  async function cart(country: string, quantity: number) {
    const c = await call('POST', '/carts', { country });
    expect(c.status).toBe(201);
    expect((await call('POST', `/carts/${c.body.id}/lines`, { variantId: tea, quantity })).status).toBe(200);
    return c.body.id as string;
  }

  it('takes a fixed amount off in the store currency at home and converted (rate, then increment) in the market', async () => {
    const gb = await cart('GB', 2);
    const home = await call('POST', `/carts/${gb}/discount-codes`, { code: 'five' });
    expect(home.body).toMatchObject({ currency: 'GBP', subtotal: 2000, discountTotal: 500, discounts: [{ code: 'FIVE', amount: 500 }] });

    const de = await cart('DE', 2);
    const eur = await call('POST', `/carts/${de}/discount-codes`, { code: 'FIVE' });
    // 1000 × 1.1634 = 1163.4 → 1165 per tea; £5 × 1.1634 = 5.817 € → increment 5 → 5.80 €.
    expect(eur.status).toBe(200);
    expect(eur.body).toMatchObject({ currency: 'EUR', subtotal: 2330, discountTotal: 580, discounts: [{ code: 'FIVE', amount: 580 }] });
    expect(eur.body.total).toBe(2330 - 580 + eur.body.shipping);
  });

  it('checks a minimum subtotal in the cart currency and says it in that currency', async () => {
    // £30 × 1.1634 = 34.902 € → 34.90 €: two teas (23.30 €) are below, three (34.95 €) reach it.
    const de = await cart('DE', 2);
    const refused = await call('POST', `/carts/${de}/discount-codes`, { code: 'BIG' });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('discount_not_applicable');
    expect(refused.body.error.message).toContain('€34.90');
    expect(refused.body.error.details).toMatchObject({ minSubtotal: 3490, currency: 'EUR' });
    expect((await call('PATCH', `/carts/${de}/lines/${tea}`, { quantity: 3 })).status).toBe(200);
    const applied = await call('POST', `/carts/${de}/discount-codes`, { code: 'BIG' });
    // £10 off → 11.634 € → 11.65 €.
    expect(applied.body).toMatchObject({ currency: 'EUR', subtotal: 3495, discountTotal: 1165 });

    // At home the same minimum is £30: two teas are below, three reach it exactly.
    const gb = await cart('GB', 2);
    const below = await call('POST', `/carts/${gb}/discount-codes`, { code: 'BIG' });
    expect(below.status).toBe(422);
    expect(below.body.error.message).toContain('£30.00');
  });

  it('keeps the converted discount on the order, with its store-currency side', async () => {
    const de = await cart('DE', 2);
    expect((await call('POST', `/carts/${de}/discount-codes`, { code: 'FIVE' })).status).toBe(200);
    const placed = await call('POST', `/carts/${de}/checkout`, {
      email: 'anna@example.com',
      shippingAddress: { name: 'Anna Schmidt', line1: 'Hauptstr. 1', city: 'Berlin', postalCode: '10115', country: 'DE' },
    });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    expect(placed.body.order).toMatchObject({ currency: 'EUR', subtotal: 2330, discountTotal: 580 });
    const order = await merchant('GET', `/orders/${placed.body.order.id}`);
    expect(order.status).toBe(200);
    // 580 / 1.1634 = 498.5… → 499 pence (the order's store side, at the same rate).
    expect(order.body).toMatchObject({ currency: 'EUR', storeCurrency: 'GBP', exchangeRate: '1.1634', storeAmounts: { discountTotal: 499 } });
  });
  it('takes a gift card in the cart currency: a euro card in a euro cart, a pound card only at home', async () => {
    const euroCard = await merchant('POST', '/gift-cards', { initialValue: 1000, currency: 'EUR' });
    expect(euroCard.status, JSON.stringify(euroCard.body)).toBe(201);
    const poundCard = await merchant('POST', '/gift-cards', { initialValue: 1000 });
    expect(poundCard.body.currency).toBe('GBP');

    const de = await cart('DE', 2);
    const paid = await call('POST', `/carts/${de}/gift-cards`, { code: euroCard.body.code });
    expect(paid.status, JSON.stringify(paid.body)).toBe(200);
    expect(paid.body).toMatchObject({ currency: 'EUR', giftCardTotal: 1000, giftCards: [{ last4: euroCard.body.last4, amount: 1000 }] });
    expect(paid.body.amountDue).toBe(paid.body.total - 1000);
    const wrong = await call('POST', `/carts/${de}/gift-cards`, { code: poundCard.body.code });
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.code).toBe('gift_card_invalid');

    const gb = await cart('GB', 2);
    expect((await call('POST', `/carts/${gb}/gift-cards`, { code: euroCard.body.code })).status).toBe(422);
    const home = await call('POST', `/carts/${gb}/gift-cards`, { code: poundCard.body.code });
    expect(home.status).toBe(200);
    expect(home.body).toMatchObject({ currency: 'GBP', giftCardTotal: 1000 });
  });
});
