/**
 * Markets (issue 19) over the real app and Postgres: the merchant API contract, the operator's rate table, fixed
 * prices, and a Storefront API cart whose country picks the market (currency, prices, shipping, totals), placed as an
 * order that keeps both the presentment and the store-currency amounts with the rate used.
 */
import { loadExchangeRates } from '@storeloom/commerce';
import { createLogger } from '@storeloom/log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorefrontApp } from '../../storefront/src/app.ts';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';

const ADDRESS_DE = { name: 'Erika Muster', line1: 'Hauptstr. 1', city: 'Berlin', postalCode: '10115', country: 'DE' };

describe('markets', () => {
  let p: TestPlatform;
  let sf: ReturnType<typeof createStorefrontApp>;
  let owner: string;
  let store: { id: string; slug: string };
  let p1: string;
  let p2: string;
  let v1: string;
  let v2: string;

  const merchant = (method: string, path: string, body?: unknown) => p.request(method, `/api/v1/stores/${store.id}${path}`, { cookie: owner, body });
  const shopper = async (method: string, path: string, body?: unknown) => {
    const host = `${store.slug}.localhost`;
    const headers = new Headers({ host });
    if (body !== undefined) headers.set('content-type', 'application/json');
    const res = await sf.request(`http://${host}/api/storefront/v1${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, text };
  };

  beforeAll(async () => {
    p = await startTestPlatform();
    sf = createStorefrontApp(p.db, createLogger({ level: 'silent' }), {
      rootDomain: 'localhost',
      secret: 'test-secret-0123456789abcdef0123456789',
      storeCacheTtlMs: 0,
    });
    owner = (await signup(p)).cookie;
    store = await createStore(p, owner, undefined, 'GBP');
    await loadExchangeRates(
      p.db,
      [
        { base: 'GBP', quote: 'EUR', rate: '1.1500', asOf: '2026-11-01' },
        { base: 'GBP', quote: 'EUR', rate: '1.1634', asOf: '2026-12-01' },
        // A future day is never used.
        { base: 'GBP', quote: 'EUR', rate: '9.9999', asOf: '2099-01-01' },
      ],
      'test-file',
    );
    const tea = await createProduct(p, owner, store.id, { title: 'Tea', variants: [{ sku: 'M-1', price: 2000, inventoryQuantity: 50 }] });
    const pot = await createProduct(p, owner, store.id, { title: 'Pot', variants: [{ sku: 'M-2', price: 1000, inventoryQuantity: 50 }] });
    [p1, p2, v1, v2] = [tea.id, pot.id, tea.variants[0].id, pot.variants[0].id];
  });
  afterAll(async () => {
    await p?.close();
  });

  it('the store has a country (its primary market) on create, read and settings', async () => {
    const created = await p.request('POST', '/api/v1/stores', {
      cookie: owner,
      body: { name: 'UK shop', slug: `uk${Date.now()}`, currency: 'GBP', country: 'gb' },
    });
    expect(created.status).toBe(201);
    expect(created.body.country).toBe('GB');
    const bad = await p.request('POST', '/api/v1/stores', { cookie: owner, body: { name: 'X', slug: `xx${Date.now()}`, currency: 'GBP', country: 'XX' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
    const set = await merchant('PUT', '/settings', { country: 'GB' });
    expect(set.status).toBe(200);
    expect(set.body.country).toBe('GB');
    expect((await merchant('GET', '/settings')).body.country).toBe('GB');
    expect((await merchant('GET', '')).body.country).toBe('GB');
  });

  it('creates, lists, changes and deletes markets; a country belongs to at most one', async () => {
    const eu = await merchant('POST', '/markets', {
      name: 'Euro area',
      countries: ['DE', 'fr', 'NL'],
      currency: 'EUR',
      roundingIncrement: 5,
      taxInclusive: true,
      languages: ['de', 'fr'],
    });
    expect(eu.status).toBe(201);
    expect(eu.body).toMatchObject({
      id: expect.any(String),
      name: 'Euro area',
      countries: ['DE', 'FR', 'NL'],
      currency: 'EUR',
      exchangeRate: null,
      // The rate table's newest day not in the future, and the market says so.
      rateUsed: { rate: '1.1634', asOf: '2026-12-01', source: 'rates_table' },
      roundingIncrement: 5,
      taxInclusive: true,
      languages: ['de', 'fr'],
    });
    const clash = await merchant('POST', '/markets', { name: 'Germany', countries: ['DE'], currency: 'EUR', taxInclusive: true });
    expect(clash.status).toBe(409);
    expect(clash.body.error.code).toBe('country_in_other_market');
    expect(clash.body.error.details.countries).toEqual([{ country: 'DE', marketId: eu.body.id }]);
    const noRate = await merchant('POST', '/markets', { name: 'Japan', countries: ['JP'], currency: 'JPY', taxInclusive: true });
    expect(noRate.status).toBe(422);
    expect(noRate.body.error.code).toBe('exchange_rate_unavailable');
    for (const body of [
      { name: 'Bad', countries: ['ZZ'], currency: 'EUR', taxInclusive: false },
      { name: 'Bad', countries: ['AT'], currency: 'EURO', taxInclusive: false },
      { name: 'Bad', countries: ['AT'], currency: 'XYZ', taxInclusive: false },
      { name: 'Bad', countries: ['AT'], currency: 'CHF', exchangeRate: '-1', taxInclusive: false },
      { name: 'Bad', countries: [], currency: 'CHF', taxInclusive: false },
      { name: 'Bad', countries: ['AT'], currency: 'CHF', exchangeRate: '1.1', roundingIncrement: 0, taxInclusive: false },
    ]) {
      const r = await merchant('POST', '/markets', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe('validation_failed');
    }
    const jp = await merchant('POST', '/markets', { name: 'Japan', countries: ['JP'], currency: 'JPY', exchangeRate: '190.5', taxInclusive: true });
    expect(jp.status).toBe(201);
    expect(jp.body.rateUsed).toEqual({ rate: '190.5', asOf: null, source: 'market' });
    const list = await merchant('GET', '/markets');
    expect(list.status).toBe(200);
    expect(list.body.items.map((m: { name: string }) => m.name)).toEqual(['Euro area', 'Japan']);
    expect(list.body.primary).toEqual({ country: 'GB', currency: 'GBP' });
    // Moving NL out frees it for another market.
    const patched = await merchant('PATCH', `/markets/${eu.body.id}`, { countries: ['DE', 'FR'] });
    expect(patched.status).toBe(200);
    expect(patched.body.countries).toEqual(['DE', 'FR']);
    const nl = await merchant('POST', '/markets', { name: 'Netherlands', countries: ['NL'], currency: 'EUR', exchangeRate: '1.2', taxInclusive: true });
    expect(nl.status).toBe(201);
    expect((await merchant('DELETE', `/markets/${nl.body.id}`)).status).toBe(204);
    expect((await merchant('GET', `/markets/${nl.body.id}`)).status).toBe(404);
    expect((await merchant('DELETE', `/markets/${jp.body.id}`)).status).toBe(204);
    expect((await merchant('GET', '/markets/not-a-uuid')).status).toBe(404);
  });

  it('a cart in Germany is priced in euros: converted, rounded to the increment, fixed prices, shipping, totals', async () => {
    const eu = (await merchant('GET', '/markets')).body.items.find((m: { name: string }) => m.name === 'Euro area');
    const fixed = await merchant('PUT', `/markets/${eu.id}/prices/${v2}`, { price: 1299 });
    expect(fixed.status).toBe(200);
    expect(fixed.body).toEqual({ marketId: eu.id, variantId: v2, price: 1299, currency: 'EUR' });
    expect((await merchant('PUT', `/markets/${eu.id}/prices/00000000-0000-7000-8000-000000000000`, { price: 1 })).status).toBe(404);
    expect((await merchant('PUT', `/markets/${eu.id}/prices/${v2}`, { price: -1 })).status).toBe(400);

    const cart = await shopper('POST', '/carts', { country: 'DE' });
    expect(cart.status).toBe(201);
    expect(cart.body).toMatchObject({
      currency: 'EUR',
      country: 'DE',
      market: { id: eu.id, name: 'Euro area', exchangeRate: '1.1634', rateDate: '2026-12-01' },
    });
    await shopper('POST', `/carts/${cart.body.id}/lines`, { variantId: v1, quantity: 2 });
    const priced = await shopper('POST', `/carts/${cart.body.id}/lines`, { variantId: v2, quantity: 1 });
    expect(priced.status).toBe(200);
    // £20.00 × 1.1634 = €23.268 → to a multiple of 5 cents: €23.25; the pot has a fixed €12.99; shipping £5 = €5.817 → €5.82.
    expect(priced.body.lines.map((l: { unitPrice: number; total: number }) => [l.unitPrice, l.total])).toEqual([
      [2325, 4650],
      [1299, 1299],
    ]);
    expect(priced.body).toMatchObject({ currency: 'EUR', subtotal: 5949, shipping: 582, tax: 0, taxIncluded: true, total: 6531, amountDue: 6531 });

    // The same cart moved to the UK is back in pounds.
    const uk = await shopper('PATCH', `/carts/${cart.body.id}`, { country: 'GB' });
    expect(uk.body).toMatchObject({ currency: 'GBP', subtotal: 5000, shipping: 500, total: 5500, market: { id: null, exchangeRate: '1' } });
    // Checking out to Germany from a cart priced in pounds is refused: the shopper must see euro prices first.
    const refused = await shopper('POST', `/carts/${cart.body.id}/checkout`, { email: 'erika@example.com', shippingAddress: ADDRESS_DE });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'conflict', details: { cartCurrency: 'GBP', deliveryCurrency: 'EUR' } });
    await shopper('PATCH', `/carts/${cart.body.id}`, { country: 'DE' });

    const placed = await shopper('POST', `/carts/${cart.body.id}/checkout`, { email: 'erika@example.com', shippingAddress: ADDRESS_DE });
    expect(placed.status).toBe(201);
    expect(placed.body.order).toMatchObject({ currency: 'EUR', subtotal: 5949, shipping: 582, total: 6531, amountDue: 6531 });
    const order = await merchant('GET', `/orders/${placed.body.order.id}`);
    expect(order.status).toBe(200);
    // €65.31 / 1.1634 = £56.137 → £56.14; shipping €5.82 → £5.00; subtotal is what is left (the store amounts add up).
    expect(order.body).toMatchObject({
      currency: 'EUR',
      total: 6531,
      marketId: eu.id,
      storeCurrency: 'GBP',
      exchangeRate: '1.1634',
      exchangeRateDate: '2026-12-01',
      storeAmounts: { subtotal: 5114, shipping: 500, tax: 0, discountTotal: 0, total: 5614, refunded: 0 },
    });
    expect(order.body.lines.map((l: { unitPrice: number }) => l.unitPrice)).toEqual([2325, 1299]);
  });

  it('previews a product as a shopper in the market sees it, priced like the storefront cart', async () => {
    const eu = (await merchant('GET', '/markets')).body.items.find((m: { name: string }) => m.name === 'Euro area');
    const tea = (await merchant('GET', `/markets/${eu.id}/preview?productId=${p1}&country=fr`)).body;
    expect(tea).toMatchObject({
      marketId: eu.id,
      country: 'FR',
      currency: 'EUR',
      storeCurrency: 'GBP',
      rateUsed: { rate: '1.1634', asOf: '2026-12-01', source: 'rates_table' },
      taxInclusive: true,
      product: { title: 'Tea' },
      variants: [{ id: v1, storePrice: 2000, price: 2325, fixedPrice: false }],
    });
    // One tea in a fresh French cart: what the Storefront API cart says for the same line.
    const cart = await shopper('POST', '/carts', { country: 'FR' });
    const priced = await shopper('POST', `/carts/${cart.body.id}/lines`, { variantId: v1, quantity: 1 });
    expect(tea.cart).toEqual({
      subtotal: priced.body.subtotal,
      discount: 0,
      shipping: priced.body.shipping,
      shippingAvailable: true,
      shippingMethod: null,
      tax: priced.body.tax,
      taxIncluded: true,
      total: priced.body.total,
    });
    // The pot's fixed price wins over the conversion.
    expect((await merchant('GET', `/markets/${eu.id}/preview?productId=${p2}`)).body.variants[0]).toMatchObject({ price: 1299, fixedPrice: true });
    expect((await merchant('GET', `/markets/${eu.id}/preview?productId=${p2}&country=JP`)).status).toBe(400);
    expect((await merchant('GET', `/markets/${eu.id}/preview?productId=00000000-0000-7000-8000-000000000000`)).status).toBe(404);
    expect((await merchant('GET', `/markets/${eu.id}/preview?productId=nope`)).status).toBe(404);
  });

  it('markets are per store: another store cannot read or change them', async () => {
    const other = await signup(p);
    const otherStore = await createStore(p, other.cookie);
    const eu = (await merchant('GET', '/markets')).body.items[0];
    expect((await p.request('GET', `/api/v1/stores/${otherStore.id}/markets/${eu.id}`, { cookie: other.cookie })).status).toBe(404);
    expect((await p.request('GET', `/api/v1/stores/${store.id}/markets`, { cookie: other.cookie })).status).toBe(404);
    expect((await p.request('PATCH', `/api/v1/stores/${otherStore.id}/markets/${eu.id}`, { cookie: other.cookie, body: { name: 'x' } })).status).toBe(404);
  });
});
