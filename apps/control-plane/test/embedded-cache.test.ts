/**
 * The API's caches in embedded mode (issue 23 target 4): on embedded PGlite, as `npm start` runs with no
 * configuration, the catalogue versions and the principal cache listen to the database's notifications like on
 * Postgres (the embedded server relays them between its connections, which share one PGlite session), so a cached
 * read asks the database nothing, and a product edited through the API or by another connection (the worker, the
 * storefront, plain SQL) is read with its new value through the API at once.
 */
import { CatalogVersions, type Kysely, type TenantDatabase } from '@storeloom/db';
import { createLogger } from '@storeloom/log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createControlPlaneApp } from '../src/app.ts';
import type { Services } from '../src/context.ts';
import { buildServices } from '../src/services.ts';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';

describe('API caches on embedded PGlite', () => {
  let p: TestPlatform;
  let m: { cookie: string };
  let store: { id: string };
  let product: { id: string; version: number; variants: { id: string }[] };
  let tenant: Kysely<TenantDatabase>;
  let schema: string;
  let token: string;
  let apiTokenId: string;
  /** A second control-plane process on the same embedded server (its own versions listener and principal cache). */
  let services2: Services;
  let versions2: CatalogVersions;
  let app2: ReturnType<typeof createControlPlaneApp>;
  const path = () => `/api/v1/stores/${store.id}/products/${product.id}`;
  const read = async () => (await p.request('GET', path(), { token })).body as { title: string; version: number; variants: { inventoryQuantity: number }[] };
  const read2 = async () => {
    const res = await app2.request(`http://localhost:3000${path()}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as { title: string; variants: { inventoryQuantity: number }[] } };
  };

  beforeAll(async () => {
    p = await startTestPlatform({ embedded: true });
    // What the control plane's main.ts does at start.
    expect(await p.services.catalogVersions.listen(p.db)).toBe(true);
    expect(await p.services.authChanges.listen(p.db)).toBe(true);
    m = await signup(p);
    store = await createStore(p, m.cookie);
    product = await createProduct(p, m.cookie, store.id, { title: 'Embedded shirt' });
    schema = (await p.services.stores.getRow(store.id))?.schema_name as string;
    tenant = p.db.tenant(schema);
    const t = await p.request('POST', '/api/v1/me/api-tokens', { cookie: m.cookie, body: { name: 'script', scopes: ['read_products'] } });
    expect(t.status, t.text).toBe(201);
    token = t.body.token;
    apiTokenId = t.body.apiToken.id;
    services2 = buildServices(p.db, p.queues, p.services.config);
    versions2 = new CatalogVersions({ maxAgeMs: 600_000 });
    services2.catalogVersions = versions2;
    expect(await versions2.listen(p.db)).toBe(true);
    expect(await services2.authChanges.listen(p.db)).toBe(true);
    app2 = createControlPlaneApp(services2, createLogger({ level: 'silent' }));
  }, 300_000);
  afterAll(async () => {
    await versions2?.close();
    await services2?.authChanges.close();
    await p?.services.catalogVersions.close();
    await p?.services.authChanges.close();
    await p?.close();
  });

  it('answers repeated token reads from memory: no version statement, no principal lookup', async () => {
    expect((await read()).title).toBe('Embedded shirt');
    const versions = p.services.catalogVersions.stats();
    const hits = p.services.responseCache?.stats().hits ?? 0;
    for (let i = 0; i < 5; i++) expect((await read()).title).toBe('Embedded shirt');
    expect(p.services.catalogVersions.stats().fromDatabase).toBe(versions.fromDatabase);
    expect(p.services.catalogVersions.stats().fromMemory).toBe(versions.fromMemory + 5);
    expect(p.services.responseCache?.stats().hits).toBe(hits + 5);
  });

  it('a product edited through the API is read with its new value at once, in this process and (once pushed) in another', async () => {
    expect((await read2()).body.title).toBe('Embedded shirt');
    const current = await read();
    const pushed = versions2.nextNotification(schema);
    const patched = await p.request('PATCH', path(), { cookie: m.cookie, body: { title: 'Edited in embedded mode', version: current.version } });
    expect(patched.status, patched.text).toBe(200);
    expect((await read()).title).toBe('Edited in embedded mode');
    await pushed;
    expect((await read2()).body.title).toBe('Edited in embedded mode');
  });

  it('a product and its stock changed by another connection (worker, storefront, SQL) are read with the new values once pushed', async () => {
    await read();
    await read2();
    let pushed = Promise.all([p.services.catalogVersions.nextNotification(schema), versions2.nextNotification(schema)]);
    await tenant.updateTable('products').set({ title: 'Renamed by SQL' }).where('id', '=', product.id).execute();
    await pushed;
    expect((await read()).title).toBe('Renamed by SQL');
    expect((await read2()).body.title).toBe('Renamed by SQL');
    pushed = Promise.all([p.services.catalogVersions.nextNotification(schema), versions2.nextNotification(schema)]);
    await tenant.updateTable('variants').set({ inventory_quantity: 2 }).where('product_id', '=', product.id).execute();
    await pushed;
    expect((await read()).variants[0]?.inventoryQuantity).toBe(2);
    expect((await read2()).body.variants[0]?.inventoryQuantity).toBe(2);
  });

  it('a token revoked through one process is refused by the other once the notification is in (well before the TTL)', async () => {
    expect((await read2()).status).toBe(200);
    const revoked = await p.request('DELETE', `/api/v1/me/api-tokens/${apiTokenId}`, { cookie: m.cookie });
    expect(revoked.status, revoked.text).toBeLessThan(300);
    expect((await p.request('GET', path(), { token })).status).toBe(401);
    // Far below the principal cache's 5 s TTL: still served after this means the notification never came.
    const until = Date.now() + 1_000;
    let status = 200;
    while (status !== 401 && Date.now() < until) {
      status = (await read2()).status;
      if (status !== 401) await new Promise((r) => setTimeout(r, 5));
    }
    expect(status).toBe(401);
  });
});
