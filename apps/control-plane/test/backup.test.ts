/**
 * Store export, clone (export → new store) and restore of deleted stores,
 * through the real API and the real worker (Redis queues).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newId, sql } from '@storeloom/db';
import { readArchive, writeArchive } from '@storeloom/storage';
import { UNLIMITED_CATALOG } from '@storeloom/catalog';
import { EXPORT_TABLES, loadArchiveIntoStore, NO_PASSWORD, completeClone, verifyArchive } from '@storeloom/stores';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pyramidGlb } from '../../../scripts/make-glb-fixtures.ts';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 1, 2, 3, 4]);
const form = (bytes: Uint8Array) => {
  const f = new FormData();
  f.set('file', new File([bytes as never], 'photo.png', { type: 'image/png' }));
  return f;
};
/** A minimal USDZ (a zip whose first entry is a .usd file), as the model upload accepts. */
const USDZ = new Uint8Array([0x50, 0x4b, 0x03, 0x04, ...new Array(22).fill(0), 9, 0, 0, 0, ...new TextEncoder().encode('model.usd'), ...new Array(16).fill(0)]);
/** Online store content whose rows must all travel with the archive (issue 20), besides the catalogue. */
const CONTENT_TABLES = ['pages', 'articles', 'menus', 'policies', 'theme_templates', 'theme_versions', 'product_media', 'reviews'];

describe('store export, clone and restore', () => {
  let p: TestPlatform;
  let uploads: string;
  let owner: Awaited<ReturnType<typeof signup>>;
  let storeA: { id: string; slug: string };
  let schemaA: string;

  const schemaOf = async (id: string) =>
    (await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', id).executeTakeFirstOrThrow()).schema_name;

  /** Every exported table of a store as JSON rows (ids kept), secrets dropped, the store id normalised. */
  async function snapshot(storeId: string) {
    const schema = await schemaOf(storeId);
    const out: Record<string, unknown[]> = {};
    const specs = [
      ...EXPORT_TABLES,
      ...CONTENT_TABLES.filter((t) => !EXPORT_TABLES.some((s) => s.table === t)).map((table) => ({ table, omit: [], only: undefined })),
    ];
    for (const spec of specs) {
      const { rows } = await sql<{
        r: Record<string, unknown>;
      }>`select to_jsonb(t) as r from ${sql.table(`${schema}.${spec.table}`)} t ${spec.only ? sql`where ${spec.only}` : sql``} order by 1`.execute(p.db.kysely);
      out[spec.table] = rows
        .map(({ r }) => {
          const copy = { ...r };
          for (const c of spec.omit ?? []) delete copy[c];
          return JSON.parse(JSON.stringify(copy).replaceAll(storeId, 'STORE'));
        })
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    }
    return out;
  }

  async function waitFor<T>(fn: () => Promise<T | null | undefined | false>, what: string, ms = 60_000): Promise<T> {
    const until = Date.now() + ms;
    for (;;) {
      const v = await fn();
      if (v) return v;
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function finishedExport(storeId: string, exportId: string) {
    return waitFor(async () => {
      const list = await p.request('GET', `/api/v1/stores/${storeId}/exports`, { cookie: owner.cookie });
      const e = list.body.data.find((x: { id: string }) => x.id === exportId);
      if (e?.state === 'failed') throw new Error(`export failed: ${e.error}`);
      return e?.state === 'completed' ? e : null;
    }, 'the export');
  }

  beforeAll(async () => {
    uploads = await mkdtemp(join(tmpdir(), 'storeloom-backup-'));
    p = await startTestPlatform({ config: { storage: { driver: 'local', uploadsDir: uploads, mediaPublicUrl: 'http://localhost:3000/media' } } });
    await p.startWorker();
    owner = await signup(p);
    storeA = await createStore(p, owner.cookie);
    schemaA = await schemaOf(storeA.id);

    // Catalogue through the API: products with variants, an image file, a collection, a synonym, a logo.
    const shirt = await createProduct(p, owner.cookie, storeA.id, { title: 'Linen, "shirt"', tags: ['summer', 'linen'] });
    await createProduct(p, owner.cookie, storeA.id, { title: '=HYPERLINK("x")', status: 'draft' });
    const img = await p.request('POST', `/api/v1/stores/${storeA.id}/products/${shirt.id}/images`, { cookie: owner.cookie, form: form(PNG) });
    expect(img.status, img.text).toBe(201);
    const coll = await p.request('POST', `/api/v1/stores/${storeA.id}/collections`, {
      cookie: owner.cookie,
      body: { title: 'Summer', productIds: [shirt.id] },
    });
    expect(coll.status, coll.text).toBe(201);
    const syn = await p.request('POST', `/api/v1/stores/${storeA.id}/search/synonyms`, {
      cookie: owner.cookie,
      body: { kind: 'two_way', terms: ['tee', 't-shirt'] },
    });
    expect(syn.status, syn.text).toBe(201);
    const logo = await p.request('POST', `/api/v1/stores/${storeA.id}/settings/logo`, { cookie: owner.cookie, form: form(PNG) });
    expect(logo.status, logo.text).toBe(200);

    // Online store content and translations of every kind travel with the archive.
    const api = async (method: string, path: string, body: unknown) => {
      const res = await p.request(method, `/api/v1/stores/${storeA.id}${path}`, { cookie: owner.cookie, body });
      expect(res.status, `${method} ${path}: ${res.text}`).toBeLessThan(300);
      return res.body;
    };
    const page = await api('POST', '/pages', { title: 'About', body: '<p>We sew.</p>', published: true });
    const article = await api('POST', '/articles', { title: 'Linen care', body: '<p>Wash cold.</p>', published: true });
    const menu = await api('POST', '/menus', { handle: 'main-menu', title: 'Main', items: [{ title: 'About', type: 'page', target: page.id }] });
    await api('PUT', `/products/${shirt.id}/translations/de`, { title: 'Leinenhemd', seoTitle: 'Leinenhemd | Laden' });
    await api('PUT', `/collections/${coll.body.id}/translations/de`, { title: 'Sommer' });
    await api('PUT', `/pages/${page.id}/translations/de`, { title: 'Über uns', body: '<p>Wir nähen.</p>' });
    await api('PUT', `/articles/${article.id}/translations/de`, { title: 'Leinenpflege', excerpt: 'Kalt waschen' });
    await api('PUT', `/menus/${menu.id}/translations/de`, { items: { '0': 'Über uns' } });
    await api('PUT', '/settings/translations/de', { name: 'Leinenladen' });
    await api('PATCH', '/policies', { refund: { fields: { returnWindowDays: '30', contactEmail: 'help@example.com' } } });

    // Theme layouts: a published home page (one version in the history) and a newer draft on top of it.
    const rich = (heading: string) => ({ id: 'intro', type: 'rich-text', settings: { heading, text: '<p>Hand-sewn linen.</p>' }, blocks: [] });
    await api('PUT', '/theme/templates/home/draft', { layout: { sections: [rich('Published heading')] }, expectedVersion: 0 });
    await api('POST', '/theme/templates/home/publish', {});
    await api('PUT', '/theme/templates/home/draft', { layout: { sections: [rich('Draft heading')] } });

    // A 3D model with its poster and iOS companion: three files in storage plus the media row.
    const model = new FormData();
    model.set('file', new File([pyramidGlb() as never], 'model.glb', { type: 'model/gltf-binary' }));
    model.set('alt', 'Shirt on a form, 3D');
    model.set('poster', new File([PNG as never], 'poster.png', { type: 'image/png' }));
    model.set('usdz', new File([USDZ as never], 'model.usdz'));
    const media = await p.request('POST', `/api/v1/stores/${storeA.id}/products/${shirt.id}/media`, { cookie: owner.cookie, form: model });
    expect(media.status, media.text).toBe(201);

    // Reviews: an imported (published) one.
    const reviews = await p.request('POST', `/api/v1/stores/${storeA.id}/reviews/import`, {
      cookie: owner.cookie,
      rawBody: `product_handle,rating,title,body,author,email,created_at\n${shirt.handle},4,Soft,Breathes well,Kai,kai@example.com,2025-05-01\n`,
      contentType: 'text/csv',
    });
    expect(reviews.body.imported, reviews.text).toBe(1);

    // Customers and orders (written directly: they come from the storefront).
    const t = p.db.tenant(schemaA);
    const customerId = newId();
    const orderId = newId();
    const variant = await t.selectFrom('variants').select(['id', 'product_id', 'price']).where('product_id', '=', shirt.id).executeTakeFirstOrThrow();
    await t
      .insertInto('customers')
      .values({ id: customerId, email: 'ann@example.com', name: 'Ann', password_hash: '$argon2id$secret-hash', created_at: new Date() })
      .execute();
    await t
      .insertInto('customer_sessions')
      .values({ id: 'sess-secret', customer_id: customerId, expires_at: new Date(Date.now() + 3600_000), created_at: new Date() })
      .execute();
    await sql`insert into ${sql.table(`${schemaA}.addresses`)} (id, customer_id, name, line1, city, postal_code, country) values (${newId()}, ${customerId}, 'Ann', '1 Main St', 'Oslo', '0150', 'NO')`.execute(
      p.db.kysely,
    );
    await sql`insert into ${sql.table(`${schemaA}.orders`)} (id, number, email, customer_id, customer_name, currency, subtotal, shipping, tax, tax_included, total, refunded, item_count, shipping_address, shipping_method, payment_provider, reservation_expires_at, payment_status, paid_at)
              values (${orderId}, 1001, 'ann@example.com', ${customerId}, 'Ann', 'USD', 4500, 500, 0, true, 5000, 1000, 1, ${JSON.stringify({ line1: '1 Main St', city: 'Oslo' })}::jsonb, 'standard', 'manual', now(), 'partially_refunded', now())`.execute(
      p.db.kysely,
    );
    await sql`insert into ${sql.table(`${schemaA}.order_lines`)} (id, order_id, product_id, variant_id, title, quantity, unit_price, total, position) values (${newId()}, ${orderId}, ${variant.product_id}, ${variant.id}, 'Linen shirt', 1, 4500, 4500, 0)`.execute(
      p.db.kysely,
    );
    await sql`insert into ${sql.table(`${schemaA}.payments`)} (id, order_id, kind, provider, amount, status, idempotency_key) values (${newId()}, ${orderId}, 'charge', 'manual', 5000, 'succeeded', ${`c-${orderId}`}), (${newId()}, ${orderId}, 'refund', 'manual', 1000, 'succeeded', ${`r-${orderId}`})`.execute(
      p.db.kysely,
    );
    await sql`update ${sql.table(`${schemaA}.order_counter`)} set last_number = 1001`.execute(p.db.kysely);
  });

  afterAll(async () => {
    await p?.close();
    if (uploads) await rm(uploads, { recursive: true, force: true });
  });

  let exportId: string;
  let archiveBytes: Uint8Array;

  it('exports a store: 202 + job, progress to completed, archive with manifest, checksums, CSV, images; no secrets; audit-logged', async () => {
    const start = await p.request('POST', `/api/v1/stores/${storeA.id}/exports`, { cookie: owner.cookie, headers: { 'idempotency-key': 'exp-1' } });
    expect(start.status, start.text).toBe(202);
    exportId = start.body.id;
    const again = await p.request('POST', `/api/v1/stores/${storeA.id}/exports`, { cookie: owner.cookie, headers: { 'idempotency-key': 'exp-1' } });
    expect(again.status).toBe(202);
    expect(again.body.id).toBe(exportId);

    const done = await finishedExport(storeA.id, exportId);
    expect(done.progress).toBe(100);
    expect(done.rows).toMatchObject({ products: 2, customers: 1, orders: 1, payments: 2, images: 1, search_synonyms: 1 });
    const list = await p.request('GET', `/api/v1/stores/${storeA.id}/exports`, { cookie: owner.cookie });
    expect(list.body.data.filter((e: { id: string }) => e.id === exportId)).toHaveLength(1);

    const dl = await p.request('GET', done.downloadUrl, { cookie: owner.cookie });
    expect(dl.status).toBe(200);
    expect(dl.headers.get('content-type')).toBe('application/gzip');
    expect(dl.headers.get('content-disposition')).toContain('attachment');
    // The text body of a binary response is lossy: fetch the bytes from storage and compare the checksum.
    archiveBytes = (await p.services.storage.get(`${storeA.id}/export-${exportId.replaceAll('-', '')}.tar.gz`))?.body as Uint8Array;
    expect(dl.headers.get('x-content-sha256')).toBe(done.sha256);

    const { manifest, data, media } = await verifyArchive(archiveBytes);
    expect(manifest.formatVersion).toBe(1);
    expect(manifest.store.id).toBe(storeA.id);
    expect(manifest.tables.products?.rows).toBe(2);
    expect(media.size).toBe(5); // product image + logo + the model's .glb, poster and .usdz
    expect(data.customers?.[0]).not.toHaveProperty('password_hash');
    const files = await readArchive(archiveBytes);
    const text = new TextDecoder().decode(archiveBytes);
    expect(text).not.toContain('secret-hash');
    expect([...files.keys()].join('\n')).not.toContain('customer_sessions');
    const catalogueCsv = new TextDecoder().decode(files.get('csv/catalogue.csv'));
    expect(catalogueCsv.split('\r\n')[0]).toContain('handle,title,status');
    expect(catalogueCsv).toContain('"Linen, ""shirt"""');
    expect(catalogueCsv).toContain(`'=HYPERLINK`); // formula injection neutralised
    expect(new TextDecoder().decode(files.get('csv/orders.csv'))).toContain('1001');
    expect(new TextDecoder().decode(files.get('csv/customers.csv'))).toContain('ann@example.com');

    const audit = await p.db.control.selectFrom('audit_log').select('action').where('store_id', '=', storeA.id).execute();
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['store.export_requested', 'store.exported', 'store.export_downloaded']));
  });

  it('exports are owner/admin only; staff get 403; strangers 404', async () => {
    const staff = await signup(p);
    await p.db.control.insertInto('memberships').values({ store_id: storeA.id, user_id: staff.user.id, role: 'staff' }).execute();
    expect((await p.request('POST', `/api/v1/stores/${storeA.id}/exports`, { cookie: staff.cookie })).status).toBe(403);
    expect((await p.request('GET', `/api/v1/stores/${storeA.id}/exports`, { cookie: staff.cookie })).status).toBe(403);
    expect((await p.request('GET', `/api/v1/stores/${storeA.id}/exports/${exportId}/download`, { cookie: staff.cookie })).status).toBe(403);
    const admin = await signup(p);
    await p.db.control.insertInto('memberships').values({ store_id: storeA.id, user_id: admin.user.id, role: 'admin' }).execute();
    expect((await p.request('GET', `/api/v1/stores/${storeA.id}/exports/${exportId}/download`, { cookie: admin.cookie })).status).toBe(200);
    // Cloning (it creates a store with all customers) is the owner's.
    const clone = await p.request('POST', `/api/v1/stores/${storeA.id}/clone`, {
      cookie: admin.cookie,
      body: { exportId, name: 'X', slug: `x${newId().slice(0, 8)}` },
    });
    expect(clone.status).toBe(403);
    const stranger = await signup(p);
    expect((await p.request('GET', `/api/v1/stores/${storeA.id}/exports/${exportId}/download`, { cookie: stranger.cookie })).status).toBe(404);
  });

  it('clones A into a new store B: B equals A minus secrets, A unchanged, B provisioning until loaded then active', async () => {
    const before = await snapshot(storeA.id);
    // Not vacuous: every kind of translation is in the store being cloned.
    for (const table of [
      'product_translations',
      'collection_translations',
      'page_translations',
      'article_translations',
      'menu_translations',
      'store_translations',
    ])
      expect(before[table], table).toHaveLength(1);
    for (const table of CONTENT_TABLES) expect(before[table]?.length, table).toBeGreaterThan(0);
    // The price history travels too (EU price-reduction rule).
    expect(before.variant_price_history?.length).toBeGreaterThan(0);
    const slug = `clone-${newId().slice(0, 8)}`;
    const res = await p.request('POST', `/api/v1/stores/${storeA.id}/clone`, {
      cookie: owner.cookie,
      body: { exportId, name: 'Clone of A', slug },
      headers: { 'idempotency-key': 'clone-1' },
    });
    expect(res.status, res.text).toBe(202);
    const b = res.body.store as { id: string; status: string };
    expect(b.status).toBe('provisioning');
    await waitFor(async () => (await p.request('GET', `/api/v1/stores/${b.id}`, { cookie: owner.cookie })).body?.status === 'active', 'the clone');

    const after = await snapshot(storeA.id);
    expect(after).toEqual(before);
    const cloned = await snapshot(b.id);
    expect(cloned).toEqual(before);
    const schemaB = await schemaOf(b.id);
    const cust = await p.db.tenant(schemaB).selectFrom('customers').select('password_hash').execute();
    expect(cust.map((c) => c.password_hash)).toEqual([NO_PASSWORD]);
    expect(await p.db.tenant(schemaB).selectFrom('customer_sessions').select('id').execute()).toEqual([]);
    // Image files were copied under B's own keys and are served.
    const image = await p.db.tenant(schemaB).selectFrom('images').select(['storage_key', 'url']).executeTakeFirstOrThrow();
    expect(image.storage_key?.startsWith(`${b.id}/`)).toBe(true);
    expect((await p.request('GET', new URL(image.url).pathname)).status).toBe(200);
    // So were the model's three files, served with their own types.
    const model = await p.db.tenant(schemaB).selectFrom('product_media').selectAll().executeTakeFirstOrThrow();
    for (const [key, url, type] of [
      [model.storage_key, model.url, 'model/gltf-binary'],
      [model.poster_key, model.poster_url, 'image/png'],
      [model.usdz_key, model.usdz_url, 'model/vnd.usdz+zip'],
    ]) {
      expect(key?.startsWith(`${b.id}/`), String(key)).toBe(true);
      const served = await p.request('GET', new URL(String(url)).pathname);
      expect(served.status, String(url)).toBe(200);
      expect(served.headers.get('content-type')).toBe(type);
    }
    // The theme's draft and published layouts differ as they did in A.
    const home = await p.request('GET', `/api/v1/stores/${b.id}/theme/templates/home`, { cookie: owner.cookie });
    expect(home.body.draft.sections[0].settings.heading).toBe('Draft heading');
    expect(home.body.published.sections[0].settings.heading).toBe('Published heading');
    // The API sees the same catalogue.
    const products = await p.request('GET', `/api/v1/stores/${b.id}/products`, { cookie: owner.cookie });
    expect(products.body.data.map((x: { title: string }) => x.title).sort()).toEqual(['=HYPERLINK("x")', 'Linen, "shirt"']);

    // The same Idempotency-Key returns the same store; a replayed load changes nothing (resumable).
    const again = await p.request('POST', `/api/v1/stores/${storeA.id}/clone`, {
      cookie: owner.cookie,
      body: { exportId, name: 'Clone of A', slug },
      headers: { 'idempotency-key': 'clone-1' },
    });
    expect(again.body.store.id).toBe(b.id);
    await loadArchiveIntoStore(p.db, p.services.storage, await verifyArchive(archiveBytes), { id: b.id, schema_name: schemaB }, UNLIMITED_CATALOG);
    expect(await snapshot(b.id)).toEqual(before);
    expect((await completeClone(p.db, p.services.storage, b.id, UNLIMITED_CATALOG)).status).toBe('already');
    const audit = await p.db.control.selectFrom('audit_log').select('action').where('store_id', '=', b.id).execute();
    expect(audit.map((a) => a.action)).toContain('store.cloned');
  });

  it('a crashed clone resumes: partly loaded, then the job finishes it without duplicates', async () => {
    const key = `${storeA.id}/export-${exportId.replaceAll('-', '')}.tar.gz`;
    const { store } = await p.services.stores.create(
      { userId: owner.user.id },
      { name: 'Half', slug: `half-${newId().slice(0, 8)}`, currency: 'USD', importSource: key },
    );
    expect(store.status).toBe('provisioning');
    const schema = await schemaOf(store.id);
    // Half the tables, as if the process died midway; the store is still not active.
    const archive = await verifyArchive(archiveBytes);
    const partial = { ...archive, data: Object.fromEntries(Object.entries(archive.data).slice(0, 6)) };
    await loadArchiveIntoStore(p.db, p.services.storage, partial, { id: store.id, schema_name: schema }, UNLIMITED_CATALOG);
    await p.services.stores.reconcileProvisioning(0);
    expect((await p.services.stores.getRow(store.id))?.status).toBe('provisioning');
    expect((await completeClone(p.db, p.services.storage, store.id, UNLIMITED_CATALOG)).status).toBe('done');
    expect((await p.services.stores.getRow(store.id))?.status).toBe('active');
    expect(await snapshot(store.id)).toEqual(await snapshot(storeA.id));
  });

  it('an uploaded archive creates a store; a corrupted or wrong-version archive is refused with archive_invalid and creates nothing', async () => {
    const files = await readArchive(archiveBytes);
    const rebuild = (edit: (path: string, body: Uint8Array) => Uint8Array) =>
      writeArchive([...files].map(([path, body]) => ({ path, body: edit(path, new Uint8Array(body)) })));

    const corrupted = rebuild((path, body) => {
      if (path !== 'data/products.json') return body;
      return new TextEncoder().encode(new TextDecoder().decode(body).replace('Linen', 'Lumen'));
    });
    const wrongVersion = rebuild((path, body) => {
      if (path !== 'manifest.json') return body;
      return new TextEncoder().encode(new TextDecoder().decode(body).replace('"formatVersion": 1', '"formatVersion": 99'));
    });
    const notGzip = new TextEncoder().encode('hello');
    for (const [bytes, needle] of [
      [corrupted, 'Checksum mismatch'],
      [wrongVersion, 'format version 99'],
      [notGzip, 'Not a Storeloom export'],
    ] as const) {
      const slug = `bad-${newId().slice(0, 8)}`;
      const real = await fetchBytes(`/api/v1/stores/import-archive?name=Bad&slug=${slug}`, bytes);
      expect(real.status, real.text).toBe(422);
      expect(real.body.error.code).toBe('archive_invalid');
      expect(real.body.error.message).toContain(needle);
      expect(await p.db.control.selectFrom('stores').select('id').where('slug', '=', slug).executeTakeFirst()).toBeUndefined();
    }

    const slug = `up-${newId().slice(0, 8)}`;
    const ok = await fetchBytes(`/api/v1/stores/import-archive?name=Uploaded&slug=${slug}`, archiveBytes);
    expect(ok.status, ok.text).toBe(202);
    const id = ok.body.store.id as string;
    await waitFor(async () => (await p.request('GET', `/api/v1/stores/${id}`, { cookie: owner.cookie })).body?.status === 'active', 'the upload clone');
    expect(await snapshot(id)).toEqual(await snapshot(storeA.id));
  });

  const fetchBytes = (path: string, bytes: Uint8Array) => p.request('POST', path, { cookie: owner.cookie, binary: bytes, contentType: 'application/gzip' });

  it('restores a deleted store (owner only, audit-logged); a purged store cannot be restored', async () => {
    const s = await createStore(p, owner.cookie);
    await createProduct(p, owner.cookie, s.id);
    expect((await p.request('DELETE', `/api/v1/stores/${s.id}`, { cookie: owner.cookie })).status).toBe(204);
    expect((await p.request('GET', `/api/v1/stores/${s.id}`, { cookie: owner.cookie })).status).toBe(404);
    const deleted = await p.request('GET', '/api/v1/stores/deleted', { cookie: owner.cookie });
    expect(deleted.status).toBe(200);
    expect(deleted.body.data.map((d: { id: string }) => d.id)).toContain(s.id);
    // The slug stays reserved while the store is deleted.
    const taken = await p.request('POST', '/api/v1/stores', { cookie: owner.cookie, body: { name: 'Other', slug: s.slug, currency: 'USD' } });
    expect(taken.status).toBe(409);

    const stranger = await signup(p);
    expect((await p.request('POST', `/api/v1/stores/${s.id}/restore`, { cookie: stranger.cookie })).status).toBe(404);
    expect((await p.request('POST', `/api/v1/stores/${s.id}/restore`, {})).status).toBe(401);
    const restored = await p.request('POST', `/api/v1/stores/${s.id}/restore`, { cookie: owner.cookie });
    expect(restored.status, restored.text).toBe(200);
    expect(restored.body.status).toBe('active');
    expect(restored.body.slug).toBe(s.slug);
    const products = await p.request('GET', `/api/v1/stores/${s.id}/products`, { cookie: owner.cookie });
    expect(products.body.data).toHaveLength(1);
    const twice = await p.request('POST', `/api/v1/stores/${s.id}/restore`, { cookie: owner.cookie });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('invalid_state');
    const audit = await p.db.control.selectFrom('audit_log').select('action').where('store_id', '=', s.id).execute();
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['store.deleted', 'store.restored']));

    // A restore wins over a purge that had already picked the store: purge re-checks under the lock.
    await p.request('DELETE', `/api/v1/stores/${s.id}`, { cookie: owner.cookie });
    await p.db.control
      .updateTable('stores')
      .set({ deleted_at: new Date(Date.now() - 40 * 86_400_000) })
      .where('id', '=', s.id)
      .execute();
    expect((await p.request('POST', `/api/v1/stores/${s.id}/restore`, { cookie: owner.cookie })).status).toBe(200);
    expect((await p.services.stores.retention.purgeDeleted(30)).purged).not.toContain(s.id);

    // Past retention: purged, then restore is 409 store_purged (and still 404 for a stranger).
    await p.request('DELETE', `/api/v1/stores/${s.id}`, { cookie: owner.cookie });
    await p.db.control
      .updateTable('stores')
      .set({ deleted_at: new Date(Date.now() - 40 * 86_400_000) })
      .where('id', '=', s.id)
      .execute();
    expect((await p.services.stores.retention.purgeDeleted(30)).purged).toContain(s.id);
    const gone = await p.request('POST', `/api/v1/stores/${s.id}/restore`, { cookie: owner.cookie });
    expect(gone.status).toBe(409);
    expect(gone.body.error.code).toBe('store_purged');
    expect((await p.request('POST', `/api/v1/stores/${s.id}/restore`, { cookie: stranger.cookie })).status).toBe(404);
    expect((await p.request('GET', '/api/v1/stores/deleted', { cookie: owner.cookie })).body.data.map((d: { id: string }) => d.id)).not.toContain(s.id);
  });
});
