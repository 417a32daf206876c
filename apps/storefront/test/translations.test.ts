/**
 * Translated store content over real Postgres: the merchant API (`PUT …/translations/:locale` for products,
 * collections and pages), sanitising like the originals, field-by-field fallback to the original on the
 * storefront, cards and headings in the shopper's language, the CSV round trip, and removal with the resource.
 */
import { createLogger } from '@storeloom/log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { createStorefrontApp } from '../src/app.ts';

describe('translated store content', () => {
  let p: TestPlatform;
  let sf: ReturnType<typeof createStorefrontApp>;
  let cookie: string;
  let storeId: string;
  let slug: string;
  let product: { id: string; handle: string };
  let collection: { id: string; handle: string };
  let page: { id: string; handle: string };
  const api = (method: string, path: string, body?: unknown) =>
    p.request(method, `/api/v1/stores/${storeId}${path}`, { cookie, ...(body === undefined ? {} : { body }) });
  const html = async (path: string) => {
    const res = await sf.request(`http://${slug}.localhost${path}`, { headers: { host: `${slug}.localhost` } });
    expect(res.status, path).toBe(200);
    return (await res.text()).replace(/ data-hk="[^"]*"/g, '').replace(/<!--[$/!]*-->/g, '');
  };

  beforeAll(async () => {
    p = await startTestPlatform();
    sf = createStorefrontApp(p.db, createLogger({ level: 'silent' }), {
      rootDomain: 'localhost',
      secret: 'translations-test-secret-0123456789abcdef',
      storeCacheTtlMs: 0,
      pageCacheTtlMs: 0,
    });
    cookie = (await signup(p)).cookie;
    const store = await createStore(p, cookie);
    storeId = store.id;
    slug = store.slug;
    expect((await api('PUT', '/settings', { languages: ['en', 'de'] })).status).toBe(200);
    product = await createProduct(p, cookie, storeId, { title: 'Linen shirt', description: '<p>Cool in summer.</p>', seoTitle: 'Linen shirt | Shop' });
    const coll = await api('POST', '/collections', { title: 'Summer', description: 'Light clothes', productIds: [product.id] });
    expect(coll.status, coll.text).toBe(201);
    collection = coll.body;
    const pg = await api('POST', '/pages', { title: 'About us', body: '<p>We sew.</p>', published: true });
    expect(pg.status, pg.text).toBe(201);
    page = pg.body;
  });
  afterAll(async () => {
    await p?.close();
  });

  it('sets, reads and clears a product translation per the contract, sanitising the description', async () => {
    const put = await api('PUT', `/products/${product.id}/translations/de`, {
      title: 'Leinenhemd',
      description: '<p onclick="x()">Kühl im Sommer.<script>alert(1)</script></p>',
    });
    expect(put.status, put.text).toBe(200);
    expect(put.body).toMatchObject({
      locale: 'de',
      fields: { title: 'Leinenhemd', description: '<p>Kühl im Sommer.</p>', seoTitle: null, seoDescription: null },
    });
    // Fields left out keep their value; null clears one.
    const seo = await api('PUT', `/products/${product.id}/translations/de`, { seoTitle: 'Leinenhemd | Laden' });
    expect(seo.body.fields).toMatchObject({ title: 'Leinenhemd', seoTitle: 'Leinenhemd | Laden' });
    const list = await api('GET', `/products/${product.id}/translations`);
    expect(list.body.data.map((x: { locale: string }) => x.locale)).toEqual(['de']);

    const bad = await api('PUT', `/products/${product.id}/translations/de`, { body: 'pages only' });
    expect(bad.status).toBe(400);
    expect((await api('PUT', `/products/${product.id}/translations/xx`, { title: 'x' })).status).toBe(400);
    const unknown = await api('PUT', `/products/${crypto.randomUUID()}/translations/de`, { title: 'x' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('not_found');
  });

  it('shows the translation on German pages, the original where a field has none, and English pages unchanged', async () => {
    await api('PUT', `/collections/${collection.id}/translations/de`, { title: 'Sommer' });
    await api('PUT', `/pages/${page.id}/translations/de`, { title: 'Über uns', body: '<p>Wir nähen.</p><img src=x onerror=alert(1)>' });
    const de = await html(`/de/products/${product.handle}`);
    expect(de).toContain('<h1>Leinenhemd</h1>');
    expect(de).toContain('Kühl im Sommer.');
    expect(de).toContain('<title>Leinenhemd | Laden</title>');
    const en = await html(`/products/${product.handle}`);
    expect(en).toContain('Linen shirt');
    expect(en).not.toContain('Leinenhemd');

    const coll = await html(`/de/collections/${collection.handle}`);
    expect(coll).toContain('Sommer');
    // No translated description: the original shows.
    expect(coll).toContain('Light clothes');
    // Cards carry the translated product title.
    expect(coll).toContain('Leinenhemd');
    const pg = await html(`/de/pages/${page.handle}`);
    expect(pg).toContain('Über uns');
    expect(pg).toContain('Wir nähen.');
    expect(pg).not.toContain('onerror');
  });

  it('exports every text of a locale as CSV and imports a translator’s file back, all or nothing', async () => {
    const exported = await p.request('GET', `/api/v1/stores/${storeId}/translations/export?locale=de`, { cookie });
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-type')).toContain('text/csv');
    const lines = exported.text.trim().split('\r\n');
    expect(lines[0]).toBe('type,id,handle,field,original,translation');
    expect(lines).toContain(`product,${product.id},${product.handle},title,Linen shirt,Leinenhemd`);
    expect(lines).toContain(`collection,${collection.id},${collection.handle},description,Light clothes,`);

    const filled = lines
      .map((l) => (l === `collection,${collection.id},${collection.handle},description,Light clothes,` ? `${l}Leichte Kleidung` : l))
      .join('\r\n');
    const imported = await api('POST', '/translations/import', { locale: 'de', csv: filled });
    expect(imported.status, imported.text).toBe(200);
    expect(imported.body.updated).toBeGreaterThanOrEqual(3);
    expect((await api('GET', `/collections/${collection.id}/translations`)).body.data[0].fields).toMatchObject({
      title: 'Sommer',
      description: 'Leichte Kleidung',
    });

    // One bad row refuses the whole file: nothing changes.
    const bad = `${filled}\r\nproduct,${product.id},${product.handle},colour,,Blau\r\ncollection,${collection.id},${collection.handle},title,Summer,Hochsommer`;
    const refused = await api('POST', '/translations/import', { locale: 'de', csv: bad });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details[0]).toMatchObject({ row: lines.length + 1 });
    expect((await api('GET', `/collections/${collection.id}/translations`)).body.data[0].fields.title).toBe('Sommer');
  });

  it('drops a resource’s translations with it, and a deleted translation shows the original again', async () => {
    const del = await api('DELETE', `/pages/${page.id}/translations/de`);
    expect(del.status).toBe(204);
    expect((await api('DELETE', `/pages/${page.id}/translations/de`)).status).toBe(404);
    expect(await html(`/de/pages/${page.handle}`)).toContain('About us');
    const other = await createProduct(p, cookie, storeId, { title: 'Temporary' });
    await api('PUT', `/products/${other.id}/translations/de`, { title: 'Vorübergehend' });
    expect((await api('DELETE', `/products/${other.id}`)).status).toBe(204);
    const rows = await p.db
      .tenant((await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', storeId).executeTakeFirstOrThrow()).schema_name)
      .selectFrom('product_translations')
      .select('product_id')
      .where('product_id', '=', other.id)
      .execute();
    expect(rows).toEqual([]);
  });
});
