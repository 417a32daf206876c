/**
 * Refusals of the headless Storefront API that happen before its own routers run (the storefront's pipeline:
 * Host → store lookup, a closed or not yet launched store, the per-IP rate limit, the request deadline, a database
 * that cannot be reached, an unknown operation) answer in the API's JSON error shape, with the statuses and
 * Retry-After of the shoppers' pages, which keep their HTML. Real Postgres; the lookup's failures are the resolver's.
 */
import { ClusterUnavailableError } from '@storeloom/db';
import { createLogger } from '@storeloom/log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { createStorefrontApp } from '../src/app.ts';

const SECRET = 'api-errors-secret-0123456789abcdef0123456789';
const PER_IP = 3;

describe('Storefront API errors before its routers', () => {
  let p: TestPlatform;
  let app: ReturnType<typeof createStorefrontApp>;
  let owner: string;
  let store: { id: string; slug: string };

  let clients = 0;
  /** A client address no other request of this file uses. */
  const newIp = () => `10.0.${++clients >> 8}.${clients & 255}`;
  /** A GET from its own client address (each under the per-IP limit unless `ip` is shared). */
  const get = async (host: string, path: string, opts: { ip?: string; cookie?: string; on?: typeof app } = {}) => {
    const headers: Record<string, string> = { host, 'x-forwarded-for': opts.ip ?? newIp() };
    if (opts.cookie) headers.cookie = opts.cookie;
    const res = await (opts.on ?? app).request(`http://${host}${path}`, { headers });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, type: res.headers.get('content-type') ?? '' };
  };
  /** The API's error shape, and nothing of the pipeline's internals. */
  const expectApiError = (r: { text: string; type: string }, code: string) => {
    expect(r.type).toMatch(/^application\/json/);
    const body = JSON.parse(r.text);
    expect(body).toEqual({ error: { code, message: expect.any(String) } });
    expect(r.text).not.toMatch(/<html|stack|select |at .*\.ts/i);
    return body.error as { code: string; message: string };
  };
  const expectPage = (r: { text: string; type: string }, contains: string) => {
    expect(r.type).toMatch(/^text\/html/);
    expect(r.text).toContain(contains);
  };

  beforeAll(async () => {
    p = await startTestPlatform();
    app = createStorefrontApp(p.db, createLogger({ level: 'silent' }), {
      rootDomain: 'localhost',
      secret: SECRET,
      storeCacheTtlMs: 0,
      trustProxy: true,
      rateLimits: { perIpPerMinute: PER_IP, perStorePerMinute: 0 },
    });
    owner = (await signup(p)).cookie;
    store = await createStore(p, owner);
    await createProduct(p, owner, store.id, { title: 'Green Tea', variants: [{ sku: 'GT-1', price: 2000, inventoryQuantity: 5 }] });
  });
  afterAll(async () => {
    await p?.close();
  });

  it('unknown host: 404 store_not_found on an API path, the HTML page elsewhere', async () => {
    const api = await get('nobody.localhost', '/api/storefront/v1/products/green-tea');
    expect(api.status).toBe(404);
    expectApiError(api, 'store_not_found');
    const search = await get('nobody.localhost', '/api/storefront/v1/search?q=tea');
    expect(search.status).toBe(404);
    expectApiError(search, 'store_not_found');
    const page = await get('nobody.localhost', '/products/green-tea');
    expect(page.status).toBe(404);
    expectPage(page, 'Store not found');
  });

  it('closed store: 503 store_unavailable with Retry-After on an API path, the HTML page elsewhere', async () => {
    const host = `${store.slug}.localhost`;
    expect((await get(host, '/api/storefront/v1/products/green-tea')).status).toBe(200);
    await p.db.control.updateTable('stores').set({ status: 'suspended' }).where('id', '=', store.id).execute();
    try {
      const api = await get(host, '/api/storefront/v1/products/green-tea');
      expect(api.status).toBe(503);
      expect(api.headers.get('retry-after')).toBe('3600');
      expectApiError(api, 'store_unavailable');
      const page = await get(host, '/products/green-tea');
      expect(page.status).toBe(503);
      expect(page.headers.get('retry-after')).toBe('3600');
      expectPage(page, 'currently unavailable');
    } finally {
      await p.db.control.updateTable('stores').set({ status: 'active' }).where('id', '=', store.id).execute();
    }
    expect((await get(host, '/api/storefront/v1/products/green-tea')).status).toBe(200);
  });

  it('per-IP rate limit: 429 rate_limited with Retry-After on an API path, the HTML page elsewhere', async () => {
    const host = `${store.slug}.localhost`;
    const ip = newIp();
    for (let i = 0; i < PER_IP; i++) expect((await get(host, '/api/storefront/v1/products/green-tea', { ip })).status).toBe(200);
    const api = await get(host, '/api/storefront/v1/products/green-tea', { ip });
    expect(api.status).toBe(429);
    expect(Number(api.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expectApiError(api, 'rate_limited');
    const page = await get(host, '/products/green-tea', { ip });
    expect(page.status).toBe(429);
    expect(Number(page.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expectPage(page, 'Please try again shortly');
  });

  it('store not launched: 503 store_unavailable with Retry-After on an API path; the preview cookie lets the API through', async () => {
    const hidden = await createStore(p, owner, undefined, 'USD', { launch: false });
    await createProduct(p, owner, hidden.id, { title: 'Green Tea', variants: [{ sku: 'GT-2', price: 2000, inventoryQuantity: 5 }] });
    const host = `${hidden.slug}.localhost`;
    const api = await get(host, '/api/storefront/v1/products/green-tea');
    expect(api.status).toBe(503);
    expect(api.headers.get('retry-after')).toBe('3600');
    expect(api.headers.get('cache-control')).toBe('no-store');
    expect(expectApiError(api, 'store_unavailable').message).toBe('This store has not opened yet');
    const page = await get(host, '/products/green-tea');
    expect(page.status).toBe(503);
    expect(page.headers.get('retry-after')).toBe('3600');
    expectPage(page, '<meta name="robots" content="noindex">');
    // The merchant's preview link (the console's), whose cookie a headless client sends along.
    const launch = await p.request('GET', `/api/v1/stores/${hidden.id}/launch`, { cookie: owner });
    const token = new URL(launch.body.previewUrl).searchParams.get('preview');
    expect(token).toBeTruthy();
    const previewed = await get(host, '/api/storefront/v1/products/green-tea', { cookie: `sf_preview=${token}` });
    expect(previewed.status).toBe(200);
    expect(JSON.parse(previewed.text)).toMatchObject({ title: 'Green Tea' });
    expect(previewed.headers.get('x-robots-tag')).toBe('noindex');
    // The page the merchant previews is the store before launch: no shared cache may keep it and show it to shoppers.
    const previewedPage = await get(host, '/products/green-tea', { cookie: `sf_preview=${token}` });
    expect(previewedPage.status).toBe(200);
    expect(previewedPage.headers.get('x-robots-tag')).toBe('noindex');
    expect(previewedPage.headers.get('cache-control')).toBe('private, no-store');
  });

  it('store not launched: the preview link lets an API request through as sent (no redirect, body kept), never echoing or logging the token', async () => {
    const lines: string[] = [];
    const logged = createStorefrontApp(p.db, createLogger({ level: 'debug', format: 'json', write: (l) => void lines.push(l) }), {
      rootDomain: 'localhost',
      secret: SECRET,
      storeCacheTtlMs: 0,
    });
    const hidden = await createStore(p, owner, undefined, 'USD', { launch: false });
    await createProduct(p, owner, hidden.id, { title: 'Green Tea', variants: [{ sku: 'GT-3', price: 2000, inventoryQuantity: 5 }] });
    const host = `${hidden.slug}.localhost`;
    const launch = await p.request('GET', `/api/v1/stores/${hidden.id}/launch`, { cookie: owner });
    const token = new URL(launch.body.previewUrl).searchParams.get('preview') as string;
    expect(token).toBeTruthy();
    const send = async (method: string, path: string, body?: unknown) => {
      const res = await logged.request(`http://${host}${path}`, {
        method,
        redirect: 'manual',
        headers: { host, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      // Never echoed: not in a body, a redirect or a cookie of the API's answer.
      expect(text).not.toContain(token);
      res.headers.forEach((v) => {
        expect(v).not.toContain(token);
      });
      return { status: res.status, headers: res.headers, text, type: res.headers.get('content-type') ?? '' };
    };
    const q = `preview=${encodeURIComponent(token)}`;

    const product = await send('GET', `/api/storefront/v1/products/green-tea?${q}`);
    expect(product.status).toBe(200);
    expect(product.headers.get('x-robots-tag')).toBe('noindex');
    expect(product.headers.get('cache-control')).toBe('no-store');
    expect(product.headers.get('set-cookie')).toBeNull();
    const variantId = JSON.parse(product.text).variants[0].id as string;
    // A POST keeps its method and body (a 303 would have made it a GET without one).
    const created = await send('POST', `/api/storefront/v1/carts?${q}`, { email: 'dev@example.com' });
    expect(created.status).toBe(201);
    expect(created.headers.get('x-robots-tag')).toBe('noindex');
    expect(created.headers.get('cache-control')).toBe('no-store');
    const cart = JSON.parse(created.text);
    expect(cart.email).toBe('dev@example.com');
    const added = await send('POST', `/api/storefront/v1/carts/${cart.id}/lines?${q}`, { variantId, quantity: 2 });
    expect(added.status).toBe(200);
    expect(JSON.parse(added.text).lines).toMatchObject([{ variantId, quantity: 2 }]);
    // The API's own errors keep their shape under a preview.
    const missing = await send('GET', `/api/storefront/v1/products/no-such-tea?${q}`);
    expect(missing.status).toBe(404);
    expectApiError(missing, 'not_found');
    expect(missing.headers.get('x-robots-tag')).toBe('noindex');

    // A wrong token (one character off, and one of another length) is the not-launched answer, as without one.
    const wrongs = [`${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`, `${token}x`];
    for (const wrong of wrongs) {
      const refused = await send('POST', `/api/storefront/v1/carts?preview=${encodeURIComponent(wrong)}`, {});
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('3600');
      expect(refused.headers.get('set-cookie')).toBeNull();
      expectApiError(refused, 'store_unavailable');
      expect(refused.text).not.toContain(wrong);
    }

    // Pages keep the redirect: the cookie is set and the link loses its token.
    const page = await logged.request(`http://${host}/products/green-tea?${q}&variant=x`, { headers: { host }, redirect: 'manual' });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/products/green-tea?variant=x');
    expect(page.headers.get('set-cookie')).toMatch(/^sf_preview=[^;]+; Max-Age=2592000; Path=\/; HttpOnly; SameSite=Lax$/);

    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('')).not.toContain(token);
  });

  it('a cluster this process cannot reach, or a lost connection, during the host lookup: 503 JSON with Retry-After, naming no cluster', async () => {
    const host = `${store.slug}.localhost`;
    const resolve = app.resolver.resolve;
    try {
      app.resolver.resolve = async () => {
        throw new ClusterUnavailableError('eu-secret-7');
      };
      const api = await get(host, '/api/storefront/v1/products/green-tea');
      expect(api.status).toBe(503);
      expect(api.headers.get('retry-after')).toBe('60');
      expectApiError(api, 'service_unavailable');
      expect(api.text).not.toContain('eu-secret-7');
      const page = await get(host, '/products/green-tea');
      expect(page.status).toBe(503);
      expect(page.headers.get('retry-after')).toBe('60');
      expectPage(page, 'Please try again shortly');
      expect(page.text).not.toContain('eu-secret-7');

      app.resolver.resolve = async () => {
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      };
      const down = await get(host, '/api/storefront/v1/carts/abcdefghijklmnopqrstuvwxyz234567');
      expect(down.status).toBe(503);
      expect(down.headers.get('retry-after')).toBe('2');
      expectApiError(down, 'service_unavailable');
      expect(down.text).not.toContain('5432');
      const downPage = await get(host, '/');
      expect(downPage.status).toBe(503);
      expectPage(downPage, 'Temporarily unavailable');
    } finally {
      app.resolver.resolve = resolve;
    }
  });

  it('the request deadline: 503 service_unavailable with Retry-After on an API path, the HTML page elsewhere', async () => {
    const slow = createStorefrontApp(p.db, createLogger({ level: 'silent' }), {
      rootDomain: 'localhost',
      secret: SECRET,
      storeCacheTtlMs: 0,
      requestTimeoutMs: 50,
    });
    // A lookup that never finishes: the deadline answers, whenever it comes.
    slow.resolver.resolve = () => new Promise(() => {});
    const host = `${store.slug}.localhost`;
    const api = await get(host, '/api/storefront/v1/products/green-tea', { on: slow });
    expect(api.status).toBe(503);
    expect(api.headers.get('retry-after')).toBe('1');
    expectApiError(api, 'service_unavailable');
    const page = await get(host, '/products/green-tea', { on: slow });
    expect(page.status).toBe(503);
    expect(page.headers.get('retry-after')).toBe('1');
    expectPage(page, 'Please try again shortly');
  });

  it('an operation the API does not have: 404 not_found in JSON; an unknown page keeps the store’s 404 page', async () => {
    const host = `${store.slug}.localhost`;
    const api = await get(host, '/api/storefront/v1/no-such-thing');
    expect(api.status).toBe(404);
    expectApiError(api, 'not_found');
    const page = await get(host, '/no-such-thing');
    expect(page.status).toBe(404);
    expect(page.type).toMatch(/^text\/html/);
  });

  it('a cross-site POST to an /api/ path outside the Storefront API: 403 csrf_rejected in JSON; pages keep their plain 403', async () => {
    const host = `${store.slug}.localhost`;
    const post = async (path: string, headers: Record<string, string>) => {
      const res = await app.request(`http://${host}${path}`, {
        method: 'POST',
        headers: { host, 'x-forwarded-for': newIp(), 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: 'x=1',
      });
      return { status: res.status, headers: res.headers, text: await res.text(), type: res.headers.get('content-type') ?? '' };
    };
    const sources: Record<string, string>[] = [{ origin: 'http://evil.example' }, { referer: 'http://evil.example/page' }, {}, { origin: 'null' }];
    for (const headers of sources) {
      for (const path of ['/api/other', '/api/storefront/v2/carts', '/api/storefront/v1']) {
        const api = await post(path, headers);
        expect(api.status).toBe(403);
        expectApiError(api, 'csrf_rejected');
      }
      const page = await post('/cart/add', headers);
      expect(page.status).toBe(403);
      expect(page.type).toMatch(/^text\/plain/);
      expect(page.text).toBe('Cross-site request refused');
    }
    // Same-origin: past the check, to the API's own 404.
    const same = await post('/api/other', { origin: `http://${host}` });
    expect(same.status).toBe(404);
    expectApiError(same, 'not_found');
  });

  it('documents the pipeline’s refusals (429, 503 with Retry-After; 404) and the preview before launch on every operation', async () => {
    const doc = JSON.parse((await get(`${store.slug}.localhost`, '/api/storefront/v1/openapi.json')).text);
    const ops = Object.values(doc.paths as Record<string, Record<string, { responses: Record<string, { headers?: Record<string, unknown> }> }>>).flatMap(
      (methods) => Object.values(methods),
    );
    expect(ops.length).toBeGreaterThan(0);
    for (const op of ops) {
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['404', '429', '503']));
      expect(op.responses['429']?.headers).toHaveProperty('Retry-After');
      expect(op.responses['503']?.headers).toHaveProperty('Retry-After');
      // Before launch a client previews with the merchant's link's token (the launch gate lets such a request through).
      expect((op.responses['503'] as { description?: string }).description).toContain('?preview=');
    }
  });
});
