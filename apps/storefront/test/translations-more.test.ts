/**
 * More translated store content over real Postgres (issue 19): product option names and values, menus (title and
 * item titles by position), blog articles (sanitised bodies) and the store's own name — each through the merchant
 * API, the CSV round trip and the storefront, with fallback to the original where a field has none.
 */
import { createLogger } from '@storeloom/log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { createStorefrontApp } from '../src/app.ts';

describe('translated options, menus, articles and store strings', () => {
  let p: TestPlatform;
  let sf: ReturnType<typeof createStorefrontApp>;
  let cookie: string;
  let storeId: string;
  let slug: string;
  let product: { id: string; handle: string };
  let menu: { id: string };
  let article: { id: string; handle: string };
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
      secret: 'translations-more-test-secret-0123456789',
      storeCacheTtlMs: 0,
      pageCacheTtlMs: 0,
    });
    cookie = (await signup(p)).cookie;
    const store = await createStore(p, cookie);
    storeId = store.id;
    slug = store.slug;
    expect((await api('PUT', '/settings', { name: 'Sea Linen', languages: ['en', 'de'] })).status).toBe(200);
    product = await createProduct(p, cookie, storeId, {
      title: 'Linen shirt',
      options: [
        { name: 'Size', values: ['Small', 'Large'] },
        { name: 'Colour', values: ['Sand'] },
      ],
      variants: [
        { sku: `S-${crypto.randomUUID().slice(0, 8)}`, price: 4500, inventoryQuantity: 5, options: { Size: 'Small', Colour: 'Sand' } },
        { sku: `L-${crypto.randomUUID().slice(0, 8)}`, price: 4800, inventoryQuantity: 5, options: { Size: 'Large', Colour: 'Sand' } },
      ],
    });
    const m = await api('POST', '/menus', {
      handle: 'main-menu',
      title: 'Main menu',
      items: [
        { title: 'Shirts', type: 'product', target: product.id },
        { title: 'Journal', type: 'blog', items: [{ title: 'Search us', type: 'search' }] },
      ],
    });
    expect(m.status, m.text).toBe(201);
    menu = m.body;
    const a = await api('POST', '/articles', { title: 'Caring for linen', body: '<p>Wash cold.</p>', excerpt: 'How to wash', published: true });
    expect(a.status, a.text).toBe(201);
    article = a.body;
  });
  afterAll(async () => {
    await p?.close();
  });

  it('translates option names and values, refusing ones the product does not have', async () => {
    const put = await api('PUT', `/products/${product.id}/translations/de`, {
      title: 'Leinenhemd',
      options: { Size: { name: 'Größe', values: { Small: 'Klein', Large: 'Groß' } } },
    });
    expect(put.status, put.text).toBe(200);
    expect(put.body.fields.options).toEqual({ Size: { name: 'Größe', values: { Small: 'Klein', Large: 'Groß' } } });
    const unknownOption = await api('PUT', `/products/${product.id}/translations/de`, { options: { Material: { name: 'Stoff' } } });
    expect(unknownOption.status).toBe(400);
    const unknownValue = await api('PUT', `/products/${product.id}/translations/de`, { options: { Size: { values: { Medium: 'Mittel' } } } });
    expect(unknownValue.status).toBe(400);

    const de = await html(`/de/products/${product.handle}`);
    expect(de).toContain('Größe: <strong>Klein</strong>');
    expect(de).toMatch(/>Groß<\/a>/);
    // Colour has no translation: the original name shows; variants still match on the original values.
    const en = await html(`/products/${product.handle}`);
    expect(en).toContain('Size: <strong>Small</strong>');
    expect(en).not.toContain('Größe');
  });

  it('translates menu titles by position, falling back item by item, and refuses unknown positions', async () => {
    const put = await api('PUT', `/menus/${menu.id}/translations/de`, { title: 'Hauptmenü', items: { '0': 'Hemden', '1.0': 'Suche' } });
    expect(put.status, put.text).toBe(200);
    expect((await api('PUT', `/menus/${menu.id}/translations/de`, { items: { '5': 'Nichts' } })).status).toBe(400);
    const de = await html('/de/');
    expect(de).toMatch(/<a href="\/products\/[^"]+">Hemden<\/a>/);
    expect(de).toContain('>Suche</a>');
    // No translation of item 1: the original title.
    expect(de).toContain('>Journal</a>');
    const en = await html('/');
    expect(en).toContain('>Shirts</a>');
    expect(en).not.toContain('Hemden');
  });

  it('translates blog articles with the body sanitised like the original, and the excerpt on the blog page', async () => {
    const put = await api('PUT', `/articles/${article.id}/translations/de`, {
      title: 'Leinen pflegen',
      body: '<p>Kalt waschen.</p><script>alert(1)</script><img src=x onerror=alert(1)>',
      excerpt: 'Wie man wäscht',
    });
    expect(put.status, put.text).toBe(200);
    expect(put.body.fields.body).not.toContain('script');
    expect(put.body.fields.body).not.toContain('onerror');
    const page = await html(`/de/blog/${article.handle}`);
    expect(page).toContain('Leinen pflegen');
    expect(page).toContain('Kalt waschen.');
    expect(page).not.toContain('alert(1)');
    const blog = await html('/de/blog');
    expect(blog).toContain('Wie man wäscht');
    const en = await html(`/blog/${article.handle}`);
    expect(en).toContain('Wash cold.');
    expect(en).not.toContain('Kalt waschen');
  });

  it("shows the store's name in the language where translated, the original elsewhere", async () => {
    const put = await api('PUT', '/settings/translations/de', { name: 'Meeresleinen' });
    expect(put.status, put.text).toBe(200);
    expect((await api('GET', '/settings/translations')).body.data).toMatchObject([{ locale: 'de', fields: { name: 'Meeresleinen' } }]);
    expect(await html('/de/')).toContain('<span class="brand-name">Meeresleinen</span>');
    expect(await html('/')).toContain('<span class="brand-name">Sea Linen</span>');
    expect((await api('PUT', '/settings/translations/de', { title: 'x' })).status).toBe(400);
  });

  it('exports options, menu items, articles and the store name as CSV, imports them back merged, and reports progress', async () => {
    const exported = await p.request('GET', `/api/v1/stores/${storeId}/translations/export?locale=de`, { cookie });
    expect(exported.status).toBe(200);
    const lines = exported.text.trim().split('\r\n');
    expect(lines).toContain(`product,${product.id},${product.handle},option:Size,Size,Größe`);
    expect(lines).toContain(`product,${product.id},${product.handle},option:Size=Small,Small,Klein`);
    expect(lines).toContain(`product,${product.id},${product.handle},option:Colour=Sand,Sand,`);
    expect(lines).toContain(`menu,${menu.id},main-menu,item:1,Journal,`);
    expect(lines).toContain(`article,${article.id},${article.handle},title,Caring for linen,Leinen pflegen`);
    expect(lines).toContain('store,store,,name,Sea Linen,Meeresleinen');

    const before = (await api('GET', '/translations/progress')).body.data;
    expect(before.map((x: { locale: string }) => x.locale)).toEqual(['en', 'de']);
    const filled = lines
      .map((l) => (l.endsWith(',option:Colour=Sand,Sand,') ? `${l}Sandfarben` : l))
      .map((l) => (l.endsWith(',item:1,Journal,') ? `${l}Tagebuch` : l))
      .join('\r\n');
    const imported = await api('POST', '/translations/import', { locale: 'de', csv: filled });
    expect(imported.status, imported.text).toBe(200);
    const tr = (await api('GET', `/products/${product.id}/translations`)).body.data[0].fields;
    // Merged: the Size translation stays, Colour's value is added.
    expect(tr.options).toEqual({ Size: { name: 'Größe', values: { Small: 'Klein', Large: 'Groß' } }, Colour: { values: { Sand: 'Sandfarben' } } });
    expect((await api('GET', `/menus/${menu.id}/translations`)).body.data[0].fields.items).toEqual({ '0': 'Hemden', '1': 'Tagebuch', '1.0': 'Suche' });
    const after = (await api('GET', '/translations/progress')).body.data.find((x: { locale: string }) => x.locale === 'de');
    const was = before.find((x: { locale: string }) => x.locale === 'de');
    expect(after.total).toBe(was.total);
    expect(after.translated).toBe(was.translated + 2);

    const bad = await api('POST', '/translations/import', { locale: 'de', csv: `${filled}\r\nmenu,${menu.id},main-menu,item:9,x,Neun` });
    expect(bad.status).toBe(400);
  });

  it('drops the translations with the menu and article', async () => {
    expect((await api('DELETE', `/articles/${article.id}`)).status).toBe(204);
    expect((await api('DELETE', `/menus/${menu.id}`)).status).toBe(204);
    const schema = (await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', storeId).executeTakeFirstOrThrow()).schema_name;
    const t = p.db.tenant(schema);
    expect(await t.selectFrom('article_translations').selectAll().execute()).toEqual([]);
    expect(await t.selectFrom('menu_translations').selectAll().execute()).toEqual([]);
    expect((await api('DELETE', '/settings/translations/de')).status).toBe(204);
    expect(await html('/de/')).toContain('<span class="brand-name">Sea Linen</span>');
  });

  it('shows the announcement bar and footer text from the settings, in German under /de/ where translated, and exports them', async () => {
    const set = await api('PUT', '/settings', { announcement: 'Free shipping over £50', footerText: 'Woven in Portugal since 1962.' });
    expect(set.status, set.text).toBe(200);
    expect(set.body).toMatchObject({ announcement: 'Free shipping over £50', footerText: 'Woven in Portugal since 1962.' });
    expect((await api('GET', '/settings')).body).toMatchObject({ announcement: 'Free shipping over £50', footerText: 'Woven in Portugal since 1962.' });
    expect((await api('PUT', '/settings', { announcement: 'x'.repeat(501) })).status).toBe(400);
    const en = await html('/');
    expect(en).toContain('<aside class="announcement-bar" aria-label="Sea Linen" data-testid="announcement-bar"><p>Free shipping over £50</p></aside>');
    expect(en).toContain('Woven in Portugal since 1962.');
    // Not translated yet: German pages show the originals.
    expect(await html('/de/')).toContain('Free shipping over £50');

    const put = await api('PUT', '/settings/translations/de', { announcement: 'Versandkostenfrei ab 50 £', footerText: 'Seit 1962 in Portugal gewebt.' });
    expect(put.status, put.text).toBe(200);
    expect(put.body.fields).toMatchObject({ announcement: 'Versandkostenfrei ab 50 £', footerText: 'Seit 1962 in Portugal gewebt.' });
    const de = await html('/de/');
    expect(de).toContain('<p>Versandkostenfrei ab 50 £</p>');
    expect(de).toContain('Seit 1962 in Portugal gewebt.');
    expect(de).not.toContain('Free shipping over £50');
    const product = await html(`/de/products/${(await api('GET', '/products')).body.data[0].handle}`);
    expect(product).toContain('Versandkostenfrei ab 50 £');
    expect(await html('/')).toContain('Free shipping over £50');
    expect((await api('PUT', '/settings/translations/de', { announcement: 'y'.repeat(501) })).status).toBe(400);

    const exported = await p.request('GET', `/api/v1/stores/${storeId}/translations/export?locale=de`, { cookie });
    const lines = exported.text.trim().split('\r\n');
    expect(lines).toContain('store,store,,announcement,Free shipping over £50,Versandkostenfrei ab 50 £');
    expect(lines).toContain('store,store,,footerText,Woven in Portugal since 1962.,Seit 1962 in Portugal gewebt.');

    // Cleared in the settings: no bar, in any language.
    expect((await api('PUT', '/settings', { announcement: null })).body.announcement).toBeNull();
    expect(await html('/')).not.toContain('announcement-bar');
    expect(await html('/de/')).not.toContain('announcement-bar');
  });
});
