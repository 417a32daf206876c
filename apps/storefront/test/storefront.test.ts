/**
 * The storefront server over real Postgres, in-process: tenant resolution and
 * status codes, prices from the database, signed order links, SEO endpoints,
 * ETags, CSRF, and how many SQL statements a page costs.
 */
import { CartService } from '@storeloom/commerce';
import { createDatabase } from '@storeloom/db';
import { createLogger } from '@storeloom/log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { createStorefrontApp } from '../src/app.ts';

describe('storefront server', () => {
  let p: TestPlatform;
  let app: ReturnType<typeof createStorefrontApp>;
  let slug: string;
  let storeId: string;
  let variantId: string;
  let ownerCookie: string;
  const SECRET = 'test-secret-0123456789abcdef0123456789';
  const req = (path: string, init: RequestInit & { host?: string } = {}) => {
    const host = init.host ?? `${slug}.localhost`;
    const headers = new Headers(init.headers);
    headers.set('host', host);
    if (init.method === 'POST' && !headers.has('origin')) headers.set('origin', `http://${host}`);
    return app.request(`http://${host}${path}`, { ...init, headers });
  };
  const form = (data: Record<string, string>) => ({
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(data).toString(),
  });

  beforeAll(async () => {
    p = await startTestPlatform();
    app = createStorefrontApp(p.db, createLogger({ level: 'silent' }), { rootDomain: 'localhost', secret: SECRET, storeCacheTtlMs: 0 });
    const { cookie } = await signup(p);
    ownerCookie = cookie;
    const store = await createStore(p, cookie, undefined, 'EUR');
    slug = store.slug;
    storeId = store.id;
    const prod = await createProduct(p, cookie, store.id, { title: 'Oolong Tea', variants: [{ sku: 'OO-1', price: 1250, inventoryQuantity: 5 }] });
    variantId = prod.variants[0].id;
    await createProduct(p, cookie, store.id, { title: 'Secret Draft', status: 'draft', variants: [{ sku: 'SD-1', price: 100 }] });
  });
  afterAll(async () => {
    await p?.close();
  });

  it('resolves stores by host: unknown 404, suspended 503, draft products 404', async () => {
    expect((await req('/', { host: 'nobody.localhost' })).status).toBe(404);
    expect((await req('/', { host: 'a.b.localhost' })).status).toBe(404);
    const home = await req('/');
    expect(home.status).toBe(200);
    const html = await home.text();
    expect(html).toContain('Oolong Tea');
    expect(html).not.toContain('Secret Draft');
    expect((await req('/products/secret-draft')).status).toBe(404);
    expect((await req('/products/oolong-tea')).status).toBe(200);
    expect((await req('/collections/nope')).status).toBe(404);
    await p.db.control.updateTable('stores').set({ status: 'suspended' }).where('id', '=', storeId).execute();
    const suspended = await req('/');
    expect(suspended.status).toBe(503);
    expect(await suspended.text()).toContain('currently unavailable');
    await p.db.control.updateTable('stores').set({ status: 'active' }).where('id', '=', storeId).execute();
    expect((await req('/')).status).toBe(200);
  });

  it('serves a product whose handle is non-ASCII (a Shopify import) at its percent-encoded URL, with an encoded canonical link', async () => {
    await createProduct(p, ownerCookie, storeId, { title: '有機抹茶', handle: '抹茶-有機-30g', status: 'active', variants: [{ sku: 'M-30', price: 2800 }] });
    const encoded = encodeURIComponent('抹茶-有機-30g');
    const page = await req(`/products/${encoded}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('有機抹茶');
    expect(html).toContain(`<link rel="canonical" href="http://${slug}.localhost/products/${encoded}">`);
    expect((await req(`/products/${encodeURIComponent('抹茶 有機')}`)).status).toBe(404);
  });

  it('serves SEO: JSON-LD product with offer, canonical, sitemap and robots', async () => {
    const html = await (await req('/products/oolong-tea?variant=whatever')).text();
    expect(html).toContain(`<link rel="canonical" href="http://${slug}.localhost/products/oolong-tea">`);
    expect(html).toContain('<meta property="og:type" content="product">');
    const ld = [...html.matchAll(/<script type="application\/ld\+json">(.*?)<\/script>/g)].map((m) => JSON.parse(m[1] as string));
    const product = ld.find((x) => x['@type'] === 'Product');
    expect(product.offers[0]).toMatchObject({ '@type': 'Offer', price: '12.50', priceCurrency: 'EUR', availability: 'https://schema.org/InStock' });
    expect(ld.find((x) => x['@type'] === 'BreadcrumbList').itemListElement).toHaveLength(2);
    const sitemap = await (await req('/sitemap.xml')).text();
    expect(sitemap).toContain(`<loc>http://${slug}.localhost/products/oolong-tea</loc>`);
    expect(sitemap).not.toContain('secret-draft');
    const robots = await (await req('/robots.txt')).text();
    expect(robots).toContain(`Sitemap: http://${slug}.localhost/sitemap.xml`);
  });

  it('answers If-None-Match with 304 and caches hashed assets for a year', async () => {
    const first = await req('/products/oolong-tea');
    const etag = first.headers.get('etag') ?? '';
    expect(etag).toMatch(/^W\/".+"$/);
    expect(first.headers.get('cache-control')).toContain('public');
    expect((await req('/products/oolong-tea', { headers: { 'if-none-match': etag } })).status).toBe(304);
    const html = await first.text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1] as string;
    const res = await req(asset);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(first.headers.get('content-security-policy')).toContain("script-src 'self' 'sha256-");
  });

  it('refuses cross-site form posts', async () => {
    const res = await req('/cart/add', {
      ...form({ variantId, quantity: '1' }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.example' },
    });
    expect(res.status).toBe(403);
    const none = await app.request(`http://${slug}.localhost/cart/add`, {
      method: 'POST',
      headers: { host: `${slug}.localhost`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'x=1',
    });
    expect(none.status).toBe(403);
  });

  it('charges database prices whatever the client sends, and links orders with a signature', async () => {
    const add = await req('/cart/add', form({ variantId, quantity: '2', price: '1', unitPrice: '1' }));
    expect(add.status).toBe(303);
    const cartCookie = (add.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const checkout = await req('/checkout', {
      ...form({
        email: 'buyer@example.com',
        name: 'Buyer',
        line1: '1 Road',
        city: 'Paris',
        postalCode: '75001',
        country: 'FR',
        total: '1',
        expectedTotal: String(2 * 1250 + 500),
      }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cartCookie },
    });
    expect(checkout.status).toBe(303);
    const payUrl = new URL(checkout.headers.get('location') as string, `http://${slug}.localhost`);
    expect(payUrl.pathname).toMatch(/^\/checkout\/pay\//);
    const orderId = payUrl.pathname.split('/').pop() as string;
    const pay = await req(`${payUrl.pathname}${payUrl.search}`, {
      ...form({ outcome: 'pay' }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cartCookie },
    });
    expect(pay.status).toBe(303);
    const statusUrl = pay.headers.get('location') as string;
    const status = await req(statusUrl);
    expect(status.status).toBe(200);
    const html = await status.text();
    expect(html).toContain('€30.00');
    const row = await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', storeId).executeTakeFirstOrThrow();
    const order = await p.db.tenant(row.schema_name).selectFrom('orders').selectAll().where('id', '=', orderId).executeTakeFirstOrThrow();
    expect(order).toMatchObject({ subtotal: 2500, shipping: 500, total: 3000, payment_status: 'paid' });
    // Tampered, foreign or missing signatures: 404.
    expect((await req(`/orders/${orderId}?sig=${'A'.repeat(32)}`)).status).toBe(404);
    expect((await req(`/orders/${orderId}`)).status).toBe(404);
    expect((await req(`/checkout/pay/${orderId}?sig=${'A'.repeat(32)}`)).status).toBe(404);
    const other = createStorefrontApp(p.db, createLogger({ level: 'silent' }), { rootDomain: 'localhost', secret: 'another-secret-0123456789abcdef01234567' });
    expect((await other.request(`http://${slug}.localhost${statusUrl}`, { headers: { host: `${slug}.localhost` } })).status).toBe(404);
  });

  it('keeps the total the checkout page showed when the price changes before the shopper submits; a new checkout sees the new price', async () => {
    const { updateVariantPrice } = await import('@storeloom/catalog');
    const row = await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', storeId).executeTakeFirstOrThrow();
    const t = p.db.tenant(row.schema_name);
    const v = await t.selectFrom('variants').select(['id', 'price']).where('sku', '=', 'OO-1').executeTakeFirstOrThrow();
    const openCheckout = async () => {
      const add = await req('/cart/add', form({ variantId: v.id, quantity: '1' }));
      const cookie = (add.headers.get('set-cookie') ?? '').split(';')[0] as string;
      const page = await (await req('/checkout', { headers: { cookie } })).text();
      const shown = Number(/name="expectedTotal" value="(\d+)"/.exec(page)?.[1]);
      const token = /name="quoteToken" value="([^"]+)"/.exec(page)?.[1] ?? '';
      return { cookie, shown, token };
    };
    const submit = (c: { cookie: string; shown: number; token: string }) =>
      req('/checkout', {
        ...form({
          email: 'snap@example.com',
          name: 'Snap',
          line1: '1 Road',
          city: 'Paris',
          postalCode: '75001',
          country: 'FR',
          expectedTotal: String(c.shown),
          quoteToken: c.token,
        }),
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: c.cookie },
      });
    const before = v.price;
    const open = await openCheckout();
    expect(open.token).not.toBe('');
    expect(open.shown).toBe(before + 500);
    // The pricing job (or the merchant) changes the price while the checkout page is open.
    await updateVariantPrice(t, { variantId: v.id, price: before + 300, expectedPrice: before });
    const placed = await submit(open);
    expect(placed.status).toBe(303);
    const orderId = new URL(placed.headers.get('location') as string, `http://${slug}.localhost`).pathname.split('/').pop() as string;
    const order = await t.selectFrom('orders').select(['total']).where('id', '=', orderId).executeTakeFirstOrThrow();
    expect(order.total).toBe(open.shown);
    // A new checkout shows (and charges) the new price.
    const fresh = await openCheckout();
    expect(fresh.shown).toBe(before + 300 + 500);
    // Leave the product as the next tests expect it (price, and the unit this order reserved).
    await updateVariantPrice(t, { variantId: v.id, price: before, expectedPrice: before + 300 });
    await t
      .updateTable('variants')
      .set((eb) => ({ inventory_quantity: eb('inventory_quantity', '+', 1) }))
      .where('id', '=', v.id)
      .execute();
  });

  it('costs at most 5 SQL statements per warm product page and 30 per checkout', async () => {
    const statements: string[] = [];
    const counted = createDatabase({ url: p.testDb.url, poolMax: 4, onQuery: (s) => statements.push(s) });
    try {
      const sf = createStorefrontApp(counted, createLogger({ level: 'silent' }), { rootDomain: 'localhost', secret: SECRET, pageCacheTtlMs: 0 });
      const get = (path: string, cookie?: string) =>
        sf.request(`http://${slug}.localhost${path}`, { headers: { host: `${slug}.localhost`, ...(cookie ? { cookie } : {}) } });
      expect((await get('/products/oolong-tea')).status).toBe(200); // warms the tenant cache
      statements.length = 0;
      expect((await get('/products/oolong-tea')).status).toBe(200);
      expect(statements.length).toBeLessThanOrEqual(5);
      const carts = new CartService(
        counted.tenant((await counted.control.selectFrom('stores').select('schema_name').where('id', '=', storeId).executeTakeFirstOrThrow()).schema_name),
      );
      const cart = await carts.findOrCreate(undefined);
      await carts.add(cart.id, variantId, 1);
      statements.length = 0;
      expect((await get('/products/oolong-tea', `sf_cart=${cart.token}`)).status).toBe(200);
      expect(statements.length).toBeLessThanOrEqual(5);
      statements.length = 0;
      const res = await sf.request(`http://${slug}.localhost/checkout`, {
        method: 'POST',
        headers: {
          host: `${slug}.localhost`,
          origin: `http://${slug}.localhost`,
          cookie: `sf_cart=${cart.token}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ email: 'count@example.com', name: 'C', line1: '1 Road', city: 'Paris', postalCode: '75001', country: 'FR' }).toString(),
      });
      expect(res.status).toBe(303);
      expect(statements.length).toBeLessThanOrEqual(30);
    } finally {
      await counted.destroy();
    }
  });
});
