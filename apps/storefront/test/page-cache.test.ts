/**
 * The catalogue page cache (pages.ts, issue 23) over real Postgres: a repeat page costs no statement (catalogue
 * versions pushed by LISTEN/NOTIFY), a price or stock change written by another connection shows on the next
 * request, a theme publish shows with the store data's next reload, drafts seen through a preview link never reach
 * the cache, and one shopper's cart or account never reaches another shopper's copy of a page.
 */
import { CatalogVersions, createDatabase, type Database } from '@storeloom/db';
import { createLogger } from '@storeloom/log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { createStorefrontApp } from '../src/app.ts';

const SECRET = 'page-cache-test-secret-0123456789abcdef';

describe('storefront page cache', () => {
  let p: TestPlatform;
  let db: Database;
  let versions: CatalogVersions;
  const statements: string[] = [];
  let cached: ReturnType<typeof createStorefrontApp>;
  let reloading: ReturnType<typeof createStorefrontApp>;
  let cookie: string;
  let storeId: string;
  let slug: string;
  let schema: string;
  let variantId: string;
  let productId: string;
  const host = () => `${slug}.localhost`;
  const get = (app: ReturnType<typeof createStorefrontApp>, path: string, headers: Record<string, string> = {}) =>
    app.request(`http://${host()}${path}`, { headers: { host: host(), ...headers } });
  const post = (app: ReturnType<typeof createStorefrontApp>, path: string, fields: Record<string, string>, cookies = '') =>
    app.request(`http://${host()}${path}`, {
      method: 'POST',
      headers: { host: host(), origin: `http://${host()}`, 'content-type': 'application/x-www-form-urlencoded', ...(cookies ? { cookie: cookies } : {}) },
      body: new URLSearchParams(fields).toString(),
    });
  const cookieOf = (res: Response, name: string) => (res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`)) ?? '').split(';')[0] as string;
  const api = (method: string, path: string, body?: unknown) =>
    p.request(method, `/api/v1/stores/${storeId}${path}`, { cookie, ...(body === undefined ? {} : { body }) });
  const heroLayout = (heading: string) => ({ layout: { sections: [{ id: 'hero', type: 'hero-banner', settings: { heading }, blocks: [] }] } });

  beforeAll(async () => {
    p = await startTestPlatform({ config: { orderLinkSecret: SECRET } });
    cookie = (await signup(p)).cookie;
    const store = await createStore(p, cookie, undefined, 'EUR');
    storeId = store.id;
    slug = store.slug;
    schema = (await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', storeId).executeTakeFirstOrThrow()).schema_name;
    const product = await createProduct(p, cookie, storeId, { title: 'Sencha Tin', variants: [{ sku: 'SE-1', price: 1250, inventoryQuantity: 40 }] });
    variantId = product.variants[0].id;
    productId = product.id;
    // The storefront's own connection pool, counting its statements.
    db = createDatabase({ url: p.testDb.url, poolMax: 4, onQuery: (s) => statements.push(s) });
    versions = new CatalogVersions();
    expect(await versions.listen(db)).toBe(true);
    const logger = createLogger({ level: 'silent' });
    const common = { rootDomain: 'localhost', secret: SECRET, pageCacheTtlMs: 60_000, catalogVersions: versions, mail: p.services.mail };
    cached = createStorefrontApp(db, logger, { ...common, storeCacheTtlMs: 60_000 });
    // Reloads the store's data on every request (a theme publish is seen at once).
    reloading = createStorefrontApp(db, logger, { ...common, storeCacheTtlMs: 0, consoleOrigin: 'http://console.test' });
  });
  afterAll(async () => {
    await versions?.close();
    await db?.destroy();
    await p?.close();
  });

  it('serves a repeat page without a statement, and a price or stock change written elsewhere on the next request', async () => {
    // The first render loads the renderer (seconds on a busy machine, beyond the 5 s a learned version is trusted).
    expect((await get(cached, '/products/sencha-tin')).status).toBe(200);
    const first = await get(cached, '/products/sencha-tin');
    expect(first.status).toBe(200);
    expect(await first.text()).toContain('"price":"12.50"');
    statements.length = 0;
    const again = await get(cached, '/products/sencha-tin');
    expect(again.status).toBe(200);
    expect(again.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(statements).toEqual([]);

    // Another connection (the console's API, an import, the worker) changes the price: the trigger's notification
    // reaches this process and the next request renders the new price.
    const pushed = versions.nextNotification(schema);
    await p.db.tenant(schema).updateTable('variants').set({ price: 1490 }).where('id', '=', variantId).execute();
    await pushed;
    const repriced = await (await get(cached, '/products/sencha-tin')).text();
    expect(repriced).toContain('"price":"14.90"');
    expect(repriced).not.toContain('"price":"12.50"');

    const soldOut = versions.nextNotification(schema);
    await p.db.tenant(schema).updateTable('variants').set({ inventory_quantity: 0 }).where('id', '=', variantId).execute();
    await soldOut;
    expect(await (await get(cached, '/products/sencha-tin')).text()).toContain('https://schema.org/OutOfStock');

    // A product change through the merchant API, the same way.
    const renamed = versions.nextNotification(schema);
    const current = await api('GET', `/products/${productId}`);
    const patched = await api('PATCH', `/products/${productId}`, { title: 'Sencha Tin Deluxe', version: current.body.version });
    expect(patched.status, patched.text).toBe(200);
    await renamed;
    expect(await (await get(cached, '/products/sencha-tin')).text()).toContain('Sencha Tin Deluxe');
  });

  it('shows a theme publish on the next request, and never keeps a draft seen through a preview link', async () => {
    expect(await (await get(reloading, '/')).text()).not.toContain('Autumn tea');
    expect((await api('PUT', '/theme/templates/home/draft', heroLayout('Autumn tea'))).status).toBe(200);
    expect((await api('POST', '/theme/templates/home/publish')).status).toBe(200);
    expect(await (await get(reloading, '/')).text()).toContain('Autumn tea');

    expect((await api('PUT', '/theme/templates/home/draft', heroLayout('Winter draft'))).status).toBe(200);
    const link = await api('POST', '/theme/preview', { path: '/' });
    expect(link.status, link.text).toBe(200);
    const u = new URL(link.body.url);
    const preview = await get(reloading, `${u.pathname}${u.search}`);
    expect(preview.headers.get('cache-control')).toBe('private, no-store');
    expect(await preview.text()).toContain('Winter draft');
    // The shopper right after gets the published page, from the cache or not.
    const shopper = await (await get(reloading, '/')).text();
    expect(shopper).toContain('Autumn tea');
    expect(shopper).not.toContain('Winter draft');
  });

  it("never shows one shopper's cart or account on another shopper's copy of a page", async () => {
    await p.db.tenant(schema).updateTable('variants').set({ inventory_quantity: 50 }).where('id', '=', variantId).execute();
    const email = `ada-${Date.now()}@example.com`;
    const registered = await post(cached, '/account/register', { email, name: 'Ada Lovelace', password: 'a long shopper passphrase' });
    expect(registered.status).toBe(303);
    const session = cookieOf(registered, 'sf_session');
    const added = await post(cached, '/cart/add', { variantId, quantity: '2' }, session);
    expect(added.status).toBe(303);
    const jar = `${session}; ${cookieOf(added, 'sf_cart')}`;

    const ada = await get(cached, '/products/sencha-tin', { cookie: jar });
    expect(ada.headers.get('cache-control')).toBe('private, no-cache');
    expect(await ada.text()).toContain('"cartCount":2');

    const anonymous = await get(cached, '/products/sencha-tin');
    expect(anonymous.headers.get('cache-control')).toContain('public');
    const anonymousHtml = await anonymous.text();
    expect(anonymousHtml).toContain('"cartCount":0');
    expect(anonymousHtml).not.toContain(email);
    expect(anonymousHtml).not.toContain('Ada Lovelace');

    const other = await post(cached, '/cart/add', { variantId, quantity: '1' });
    const otherHtml = await (await get(cached, '/products/sencha-tin', { cookie: cookieOf(other, 'sf_cart') })).text();
    expect(otherHtml).toContain('"cartCount":1');
    expect(otherHtml).not.toContain(email);
  });

  /** A response's headers but the per-request ones (request id, trace context). */
  const headersOf = (res: Response) => {
    const kept: [string, string][] = [];
    res.headers.forEach((value, name) => {
      if (name !== 'x-request-id' && name !== 'traceparent') kept.push([name, value]);
    });
    return Object.fromEntries(kept.sort(([a], [b]) => a.localeCompare(b)));
  };

  it('sends a kept page with the same bytes and headers as a page rendered for the request, and 304 the same way', async () => {
    const uncached = createStorefrontApp(db, createLogger({ level: 'silent' }), {
      rootDomain: 'localhost',
      secret: SECRET,
      pageCacheTtlMs: 0,
      storeCacheTtlMs: 60_000,
      mail: p.services.mail,
    });
    // Both apps from the same store data (the theme test above published a home layout).
    cached.resolver.invalidate();
    for (const path of ['/products/sencha-tin', '/', '/products/sencha-tin?variant=none']) {
      await get(cached, path);
      statements.length = 0;
      const kept = await get(cached, path);
      expect(statements).toEqual([]);
      const rendered = await get(uncached, path);
      expect(kept.status).toBe(200);
      expect(rendered.status).toBe(200);
      expect(headersOf(kept)).toEqual(headersOf(rendered));
      expect(headersOf(kept)).toMatchObject({ 'content-type': 'text/html; charset=UTF-8', vary: 'Cookie, Accept-Language, Sec-GPC, DNT' });
      expect(await kept.text()).toBe(await rendered.text());
      const etag = kept.headers.get('etag') as string;
      const [keptAgain, renderedAgain] = [await get(cached, path, { 'if-none-match': etag }), await get(uncached, path, { 'if-none-match': etag })];
      expect(keptAgain.status).toBe(304);
      expect(renderedAgain.status).toBe(304);
      expect(headersOf(keptAgain)).toEqual(headersOf(renderedAgain));
      expect(await keptAgain.text()).toBe('');
    }
    // A 404 is never kept, and is sent as before.
    const missing = [await get(cached, '/products/no-such-tea'), await get(uncached, '/products/no-such-tea')];
    expect(missing.map((r) => r.status)).toEqual([404, 404]);
    expect(headersOf(missing[0] as Response)).toEqual(headersOf(missing[1] as Response));
  });

  it('sends the security headers on kept pages, rendered pages and plain error pages alike', async () => {
    // What hono's secureHeaders sent with the storefront's options (before the header bag).
    const security = {
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
      'origin-agent-cluster': '?1',
      'referrer-policy': 'strict-origin-when-cross-origin',
      'strict-transport-security': 'max-age=15552000; includeSubDomains',
      'x-content-type-options': 'nosniff',
      'x-dns-prefetch-control': 'off',
      'x-download-options': 'noopen',
      'x-frame-options': 'SAMEORIGIN',
      'x-permitted-cross-domain-policies': 'none',
      'x-xss-protection': '0',
    };
    await get(cached, '/products/sencha-tin');
    const kept = await get(cached, '/products/sencha-tin');
    const cart = await get(cached, '/cart');
    const unknownHost = await cached.request('http://nowhere.localhost/', { headers: { host: 'nowhere.localhost' } });
    expect(unknownHost.status).toBe(404);
    for (const res of [kept, cart, unknownHost]) {
      expect(headersOf(res)).toMatchObject(security);
      expect(res.headers.get('x-request-id')).toMatch(/^[\w-]{8,}$/);
      expect(res.headers.get('x-powered-by')).toBeNull();
    }
  });

  it("keeps the consent middleware's cookie on a kept page (a browser sending Sec-GPC, recorded as a refusal)", async () => {
    const other = await createStore(p, cookie);
    await createProduct(p, cookie, other.id, { title: 'Genmaicha', variants: [{ sku: 'GE-1', price: 900, inventoryQuantity: 5 }] });
    const settings = await p.request('PATCH', `/api/v1/stores/${other.id}/privacy-settings`, { cookie, body: { recommendationTracking: true } });
    expect(settings.status, settings.text).toBe(200);
    const otherHost = `${other.slug}.localhost`;
    const gpc = () => cached.request(`http://${otherHost}/products/genmaicha`, { headers: { host: otherHost, 'sec-gpc': '1' } });
    // The first renders the page and keeps it, the second is answered from the cache: both record and remember.
    for (const res of [await gpc(), await gpc()]) {
      expect(res.status).toBe(200);
      expect(cookieOf(res, 'sf_consent')).toMatch(/^sf_consent=./);
      expect(await res.text()).toContain('Genmaicha');
    }
  });
});
