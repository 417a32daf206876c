/**
 * The API's catalogue response cache (issue 23), on the machine's Postgres: hits answer with the same body and
 * ETag, If-None-Match answers 304, and a write by any path (the API, SQL as the worker or the storefront writes,
 * another app instance, a write racing a read, a transaction still open during a read) is never served stale once it
 * has committed. Isolation: the cache never answers one store's or one principal's request with another's data.
 */
import { CatalogVersions, type Kysely, sql, type TenantDatabase } from '@storeloom/db';
import { createLogger } from '@storeloom/log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createControlPlaneApp } from '../src/app.ts';
import { buildServices } from '../src/services.ts';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';

describe('catalogue response cache', () => {
  let p: TestPlatform;
  let a: { cookie: string; user: { id: string } };
  let b: { cookie: string; user: { id: string } };
  let storeA: { id: string };
  let storeB: { id: string };
  let productA: { id: string; title: string; version: number; variants: { id: string }[] };
  let tenantA: Kysely<TenantDatabase>;
  const get = (path: string, o: { cookie?: string; token?: string; etag?: string } = {}) =>
    p.request('GET', `/api/v1${path}`, { ...o, ...(o.etag ? { headers: { 'if-none-match': o.etag } } : {}) });
  const productPath = () => `/stores/${storeA.id}/products/${productA.id}`;
  const hits = () => p.services.responseCache?.stats().hits ?? 0;

  beforeAll(async () => {
    p = await startTestPlatform();
    a = await signup(p);
    b = await signup(p);
    storeA = await createStore(p, a.cookie);
    storeB = await createStore(p, b.cookie);
    productA = await createProduct(p, a.cookie, storeA.id, { title: 'Linen shirt', status: 'draft' });
    const row = await p.services.stores.getRow(storeA.id);
    tenantA = p.db.tenant(row?.schema_name as string);
  }, 120_000);
  afterAll(async () => {
    await p?.close();
  });

  it('answers a repeated read from the cache with the same body and ETag, and 304 to If-None-Match', async () => {
    const first = await get(productPath(), { cookie: a.cookie });
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag') as string;
    expect(etag).toMatch(/^"\d+-[\w-]{16}"$/);
    expect(first.headers.get('cache-control')).toBe('private, no-cache');
    const before = hits();
    const second = await get(productPath(), { cookie: a.cookie });
    expect(hits()).toBe(before + 1);
    expect(second.status).toBe(200);
    expect(second.text).toBe(first.text);
    expect(second.headers.get('etag')).toBe(etag);
    expect(second.headers.get('content-type')).toMatch(/^application\/json/);
    // A hit is written from plain headers (response-headers.ts) and carries every header the miss did.
    for (const h of [
      'x-request-id',
      'traceparent',
      'content-security-policy',
      'x-content-type-options',
      'x-frame-options',
      'cross-origin-resource-policy',
      'vary',
    ]) {
      expect(second.headers.get(h), h).toBeTruthy();
    }
    expect(second.headers.get('x-request-id')).not.toBe(first.headers.get('x-request-id'));
    const names = (h: Headers) => {
      const n: string[] = [];
      h.forEach((_v, k) => {
        n.push(k);
      });
      return n.sort();
    };
    expect(names(second.headers)).toEqual(names(first.headers));
    const conditional = await get(productPath(), { cookie: a.cookie, etag });
    expect(conditional.status).toBe(304);
    expect(conditional.text).toBe('');
    expect(conditional.headers.get('etag')).toBe(etag);
    // A list of ETags, weak form included.
    expect((await get(productPath(), { cookie: a.cookie, etag: `"nope", W/${etag}` })).status).toBe(304);
    expect((await get(productPath(), { cookie: a.cookie, etag: '"other"' })).status).toBe(200);
    // The list is cached too, per query.
    const list = await get(`/stores/${storeA.id}/products?limit=5`, { cookie: a.cookie });
    const listEtag = list.headers.get('etag') as string;
    expect((await get(`/stores/${storeA.id}/products?limit=5`, { cookie: a.cookie, etag: listEtag })).status).toBe(304);
    const other = await get(`/stores/${storeA.id}/products?limit=5&status=active`, { cookie: a.cookie });
    expect(other.body.data).toEqual([]);
  });

  it('a write through the API is seen at once, and the old ETag no longer matches', async () => {
    const before = await get(productPath(), { cookie: a.cookie });
    const etag = before.headers.get('etag') as string;
    const patched = await p.request('PATCH', `/api/v1${productPath()}`, { cookie: a.cookie, body: { title: 'Hemp shirt', version: before.body.version } });
    expect(patched.status, patched.text).toBe(200);
    const after = await get(productPath(), { cookie: a.cookie, etag });
    expect(after.status).toBe(200);
    expect(after.body.title).toBe('Hemp shirt');
    expect(after.headers.get('etag')).not.toBe(etag);
    const adjusted = await p.request('POST', `/api/v1/stores/${storeA.id}/variants/${productA.variants[0]?.id}/inventory-adjustments`, {
      cookie: a.cookie,
      body: { delta: 5 },
    });
    expect(adjusted.status, adjusted.text).toBe(201);
    expect((await get(productPath(), { cookie: a.cookie })).body.variants[0].inventoryQuantity).toBe(15);
    const list = await get(`/stores/${storeA.id}/products?limit=5`, { cookie: a.cookie });
    expect(list.body.data[0].title).toBe('Hemp shirt');
  });

  it('writes outside the API (as the worker or the storefront make them) are seen once committed', async () => {
    await get(productPath(), { cookie: a.cookie });
    // Stock sold by the storefront: a variant update in the store's schema.
    await tenantA.updateTable('variants').set({ inventory_quantity: 3 }).where('product_id', '=', productA.id).execute();
    expect((await get(productPath(), { cookie: a.cookie })).body.variants[0].inventoryQuantity).toBe(3);
    // An image added by an import.
    await tenantA
      .insertInto('images')
      .values({ id: crypto.randomUUID(), product_id: productA.id, url: 'https://example.com/i.png', alt: 'Front', position: 0 })
      .execute();
    expect((await get(productPath(), { cookie: a.cookie })).body.images.map((i: { alt: string }) => i.alt)).toEqual(['Front']);
    // A new product shows in the cached list.
    await get(`/stores/${storeA.id}/products?limit=5`, { cookie: a.cookie });
    await createProduct(p, a.cookie, storeA.id, { title: 'Wool socks' });
    const list = await get(`/stores/${storeA.id}/products?limit=5`, { cookie: a.cookie });
    expect(list.body.data.map((x: { title: string }) => x.title)).toContain('Wool socks');
  });

  it('a transaction open during a read is seen by the first read after it commits', async () => {
    await get(productPath(), { cookie: a.cookie });
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let written!: () => void;
    const wrote = new Promise<void>((r) => {
      written = r;
    });
    const writer = p.db.tenantTransaction((await p.services.stores.getRow(storeA.id))?.schema_name as string, async (trx) => {
      await trx.updateTable('products').set({ title: 'Pending title' }).where('id', '=', productA.id).execute();
      written();
      await gate;
    });
    await wrote;
    const during = await get(productPath(), { cookie: a.cookie });
    expect(during.body.title).not.toBe('Pending title');
    release();
    await writer;
    expect((await get(productPath(), { cookie: a.cookie })).body.title).toBe('Pending title');
  });

  it('a write committing between the version read and the read is never kept under the newer version', async () => {
    const real = p.services.catalogVersions;
    let armed = true;
    // The write lands right after the cache took the version and before the product is read.
    p.services.catalogVersions = Object.assign(Object.create(CatalogVersions.prototype), {
      async current(schema: string, tenant: Kysely<TenantDatabase>) {
        const v = await real.current(schema, tenant);
        if (armed) {
          armed = false;
          await tenantA.updateTable('products').set({ title: 'Raced title' }).where('id', '=', productA.id).execute();
        }
        return v;
      },
      forget: (schema: string) => real.forget(schema),
    });
    try {
      const raced = await get(productPath(), { cookie: a.cookie });
      expect(raced.status).toBe(200);
      await tenantA.updateTable('products').set({ title: 'Final title' }).where('id', '=', productA.id).execute();
      for (let i = 0; i < 3; i++) expect((await get(productPath(), { cookie: a.cookie })).body.title).toBe('Final title');
    } finally {
      p.services.catalogVersions = real;
    }
    // Concurrent reads and writes: after the last write commits, every read shows it.
    let n = 0;
    await Promise.all([
      ...Array.from({ length: 20 }, () => get(productPath(), { cookie: a.cookie })),
      (async () => {
        for (; n < 5; n++)
          await tenantA
            .updateTable('products')
            .set({ title: `Burst ${n}` })
            .where('id', '=', productA.id)
            .execute();
      })(),
    ]);
    expect((await get(productPath(), { cookie: a.cookie })).body.title).toBe('Burst 4');
  });

  it("never serves one store's or one principal's copy to another", async () => {
    const own = await get(productPath(), { cookie: a.cookie });
    expect(own.status).toBe(200);
    // Merchant B is no member of store A: the cached copy does not help.
    expect((await get(productPath(), { cookie: b.cookie })).status).toBe(404);
    expect((await get(productPath(), { cookie: b.cookie, etag: own.headers.get('etag') as string })).status).toBe(404);
    // The same product id under B's store is B's (none), even with A's copy cached.
    expect((await get(`/stores/${storeB.id}/products/${productA.id}`, { cookie: b.cookie })).status).toBe(404);
    const listB = await get(`/stores/${storeB.id}/products?limit=5`, { cookie: b.cookie });
    expect(listB.body.data).toEqual([]);
    // A token of A without read_products is refused before the cache; one with it gets the same copy.
    const narrow = await p.request('POST', '/api/v1/me/api-tokens', { cookie: a.cookie, body: { name: 'orders', scopes: ['read_orders'] } });
    expect((await get(productPath(), { token: narrow.body.token })).status).toBe(403);
    const reader = await p.request('POST', '/api/v1/me/api-tokens', { cookie: a.cookie, body: { name: 'reader', scopes: ['read_products'] } });
    const byToken = await get(productPath(), { token: reader.body.token });
    expect(byToken.status).toBe(200);
    expect(byToken.text).toBe(own.text);
    // Signed out: nothing.
    expect((await get(productPath())).status).toBe(401);
  });

  it('another app instance on the same database sees a write made through this one', async () => {
    const services2 = buildServices(p.db, p.queues, p.services.config);
    const app2 = createControlPlaneApp(services2, createLogger({ level: 'silent' }));
    const get2 = async () => {
      const res = await app2.request(`http://localhost:3000/api/v1${productPath()}`, { headers: { cookie: a.cookie } });
      return { status: res.status, body: (await res.json()) as { title: string; version: number } };
    };
    const first = await get2();
    expect(first.status).toBe(200);
    await get2();
    expect(services2.responseCache?.stats().hits).toBeGreaterThanOrEqual(1);
    const patched = await p.request('PATCH', `/api/v1${productPath()}`, { cookie: a.cookie, body: { title: 'Seen elsewhere', version: first.body.version } });
    expect(patched.status, patched.text).toBe(200);
    expect((await get2()).body.title).toBe('Seen elsewhere');
    await services2.catalogVersions.close();
  });
});

describe('catalogue versions pushed by LISTEN/NOTIFY (no statement on the hot path)', () => {
  let p: TestPlatform;
  let m: { cookie: string };
  let store: { id: string };
  let product: { id: string; version: number };
  let schema: string;
  let versions: CatalogVersions;
  let app2: ReturnType<typeof createControlPlaneApp>;
  const path = () => `/api/v1/stores/${store.id}/products/${product.id}`;
  const get2 = async () => {
    const res = await app2.request(`http://localhost:3000${path()}`, { headers: { cookie: m.cookie } });
    return { status: res.status, body: (await res.json()) as { title: string; version: number } };
  };
  const tenant = () => p.db.tenant(schema);

  beforeAll(async () => {
    p = await startTestPlatform();
    m = await signup(p);
    store = await createStore(p, m.cookie);
    product = await createProduct(p, m.cookie, store.id, { title: 'Pushed shirt' });
    schema = (await p.services.stores.getRow(store.id))?.schema_name as string;
    versions = new CatalogVersions({ maxAgeMs: 600_000, reconnectMs: 50 });
    expect(await versions.listen(p.db)).toBe(true);
    const services2 = buildServices(p.db, p.queues, p.services.config);
    services2.catalogVersions = versions;
    app2 = createControlPlaneApp(services2, createLogger({ level: 'silent' }));
  }, 120_000);
  afterAll(async () => {
    await versions?.close();
    await p?.close();
  });

  it('answers repeated reads without asking the database for the version', async () => {
    expect((await get2()).status).toBe(200);
    const before = versions.stats();
    for (let i = 0; i < 5; i++) expect((await get2()).body.title).toBe('Pushed shirt');
    const after = versions.stats();
    expect(after.fromDatabase).toBe(before.fromDatabase);
    expect(after.fromMemory).toBe(before.fromMemory + 5);
  });

  it("another process's write is served once its notification is in, by API and by SQL", async () => {
    const current = (await get2()).body;
    let pushed = versions.nextNotification(schema);
    const patched = await p.request('PATCH', path(), { cookie: m.cookie, body: { title: 'Pushed twice', version: current.version } });
    expect(patched.status, patched.text).toBe(200);
    await pushed;
    expect((await get2()).body.title).toBe('Pushed twice');
    pushed = versions.nextNotification(schema);
    await tenant().updateTable('products').set({ title: 'Pushed by SQL' }).where('id', '=', product.id).execute();
    await pushed;
    expect((await get2()).body.title).toBe('Pushed by SQL');
  });

  it("this process's own write is served at once, without waiting for the notification", async () => {
    const current = (await get2()).body;
    const res = await app2.request(`http://localhost:3000${path()}`, {
      method: 'PATCH',
      headers: { cookie: m.cookie, origin: 'http://localhost:3000', 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Own write', version: current.version }),
    });
    expect(res.status).toBe(200);
    expect((await get2()).body.title).toBe('Own write');
  });

  it('trusts nothing while the listener is down, and listens again after reconnecting', async () => {
    await get2();
    const down = versions.nextStateChange();
    await sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name like '%:catalog-listen' and datname = current_database()`.execute(
      p.db.kysely,
    );
    await down;
    expect(versions.stats().listening).toBe(false);
    const up = versions.nextStateChange();
    await tenant().updateTable('products').set({ title: 'Written while down' }).where('id', '=', product.id).execute();
    expect((await get2()).body.title).toBe('Written while down');
    await up;
    expect(versions.stats().listening).toBe(true);
    await tenant().updateTable('products').set({ title: 'Written after' }).where('id', '=', product.id).execute();
    // Nothing learned since the reconnect: the first read asks the database.
    expect((await get2()).body.title).toBe('Written after');
  });
});
