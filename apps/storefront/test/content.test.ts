/**
 * Online store content over real Postgres, through the API and the storefront
 * in-process: pages (the fixed contract, sanitisation, drafts 404 to
 * shoppers), policy pages (templates, the privacy policy following the store's
 * settings, footer and checkout links), navigation menus (validation, nested
 * resolved links in header and footer), the blog (scheduling, tags, Atom/RSS,
 * BlogPosting JSON-LD) and 3D models as product media (Khronos validator,
 * model_invalid, model/gltf-binary, model-viewer only on model pages).
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CartService, OrderService, orderLinkSignature, parseSettings } from '@storeloom/commerce';
import { reviewLinkSignature } from '@storeloom/content';
import { createLogger } from '@storeloom/log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokenGlb, pyramidGlb } from '../../../scripts/make-glb-fixtures.ts';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { createStorefrontApp } from '../src/app.ts';

const FIXTURES = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'models');
const SECRET = 'content-test-secret-0123456789abcdef01234567';
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 1, 2, 3, 4]);

describe('online store content', () => {
  let p: TestPlatform;
  let sf: ReturnType<typeof createStorefrontApp>;
  let uploads: string;
  let cookie: string;
  let storeId: string;
  let slug: string;
  const api = (method: string, path: string, body?: unknown) =>
    p.request(method, `/api/v1/stores/${storeId}${path}`, { cookie, ...(body === undefined ? {} : { body }) });
  const shop = (path: string, headers: Record<string, string> = {}) =>
    sf.request(`http://${slug}.localhost${path}`, { headers: { host: `${slug}.localhost`, ...headers } });
  /** A page's HTML without Solid's hydration keys and markers, so assertions read like the markup. */
  const htmlOf = async (path: string, headers: Record<string, string> = {}) =>
    (await (await shop(path, headers)).text()).replace(/ data-hk="[^"]*"/g, '').replace(/<!--[$/]-->/g, '');
  const ldOf = (html: string) => [...html.matchAll(/<script type="application\/ld\+json">(.*?)<\/script>/g)].map((m) => JSON.parse(m[1] as string));

  beforeAll(async () => {
    uploads = await mkdtemp(join(tmpdir(), 'storeloom-content-'));
    p = await startTestPlatform({
      config: { storage: { driver: 'local', uploadsDir: uploads, mediaPublicUrl: 'http://localhost:3000/media' }, modelUploadMaxBytes: 64 * 1024 },
    });
    sf = createStorefrontApp(p.db, createLogger({ level: 'silent' }), {
      rootDomain: 'localhost',
      secret: SECRET,
      storeCacheTtlMs: 0,
      pageCacheTtlMs: 0,
      storage: p.services.storage,
    });
    cookie = (await signup(p)).cookie;
    const store = await createStore(p, cookie);
    storeId = store.id;
    slug = store.slug;
  });
  afterAll(async () => {
    await p?.close();
    if (uploads) await rm(uploads, { recursive: true, force: true });
  });

  describe('pages', () => {
    it('creates a page per the contract and serves it at /pages/<handle> once published (drafts 404)', async () => {
      const created = await api('POST', '/pages', { title: 'About us', body: '<h1>Hello</h1><p>We brew <strong>tea</strong>.</p>' });
      expect(created.status, created.text).toBe(201);
      expect(created.body).toMatchObject({ handle: 'about-us', title: 'About us', published: false, version: 1 });
      expect(created.body.id).toMatch(/^[0-9a-f-]{36}$/);
      // h1 becomes h2 (the page title is the h1), as for product descriptions.
      expect(created.body.body).toBe('<h2>Hello</h2><p>We brew <strong>tea</strong>.</p>');
      expect((await shop('/pages/about-us')).status).toBe(404);

      const list = await api('GET', '/pages');
      expect(list.body.data.map((x: { handle: string }) => x.handle)).toEqual(['about-us']);
      const published = await api('PATCH', `/pages/${created.body.id}`, { published: true, seoTitle: 'About Tea', seoDescription: 'Who we are', version: 1 });
      expect(published.status, published.text).toBe(200);
      expect(published.body).toMatchObject({ published: true, version: 2, seoTitle: 'About Tea' });
      expect(published.body.publishedAt).not.toBeNull();
      const stale = await api('PATCH', `/pages/${created.body.id}`, { title: 'Old', version: 1 });
      expect(stale.status).toBe(409);
      expect(stale.body.error.code).toBe('version_conflict');

      const res = await shop('/pages/about-us');
      expect(res.status).toBe(200);
      const html = (await res.text()).replace(/ data-hk="[^"]*"/g, '');
      expect(html).toContain('<title>About Tea</title>');
      expect(html).toContain('<meta name="description" content="Who we are">');
      expect(html).toContain('<h1>About us</h1>');
      expect(html).toContain('We brew <strong>tea</strong>.');
      expect(html).not.toContain('model-viewer');
      expect(ldOf(html).map((x) => x['@type'])).toEqual(['WebPage', 'BreadcrumbList']);
      expect(await htmlOf('/sitemap.xml')).toContain(`<loc>http://${slug}.localhost/pages/about-us</loc>`);

      // Unpublishing takes it away again; so does deleting it.
      await api('PATCH', `/pages/${created.body.id}`, { published: false });
      expect((await shop('/pages/about-us')).status).toBe(404);
      expect((await api('GET', `/pages/${created.body.id}`)).body.published).toBe(false);
      expect((await api('DELETE', `/pages/${created.body.id}`)).status).toBe(204);
      expect((await api('GET', `/pages/${created.body.id}`)).status).toBe(404);
      expect((await api('DELETE', `/pages/${created.body.id}`)).status).toBe(404);
    });

    it('sanitises page bodies: scripts, event handlers, javascript: links, CSS and SVG never reach shoppers', async () => {
      const evil = [
        '<p>ok</p><script>alert(1)</script>',
        '<img src="https://cdn.example/x.png" onerror="alert(2)">',
        '<a href="javascript:alert(3)">click</a><a href="jav&#x09;ascript:alert(4)">tab</a><a href=" JAVASCRIPT:alert(5)">caps</a>',
        '<p style="background:url(javascript:alert(6))">styled</p><style>body{display:none}</style>',
        '<div style="position:fixed;inset:0">overlay</div>',
        '<svg onload="alert(7)"><script>alert(8)</script><foreignObject><a href="javascript:alert(9)">x</a></foreignObject></svg>',
        '<iframe src="https://evil.example"></iframe><object data="x.swf"></object><form action="https://evil.example"><input name="card"></form>',
        '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxMCk8L3NjcmlwdD4=">data</a><img src="data:image/svg+xml;base64,PHN2Zz4=">',
      ].join('');
      const r = await api('POST', '/pages', { title: 'Evil', body: evil, handle: 'evil', published: true });
      expect(r.status, r.text).toBe(201);
      const html = await htmlOf('/pages/evil');
      const body = /<div class="rte">([\s\S]*?)<\/div><\/article>/.exec(html)?.[1] ?? '';
      expect(body).toContain('<p>ok</p>');
      expect(body).toContain('overlay');
      for (const bad of [
        '<script',
        'onerror',
        'onload',
        'javascript:',
        'JAVASCRIPT',
        'style=',
        '<style',
        '<svg',
        '<iframe',
        '<object',
        '<form',
        '<input',
        'data:',
      ])
        expect(body.toLowerCase(), bad).not.toContain(bad.toLowerCase());
      expect(r.body.body).not.toMatch(/<script|onerror|javascript:|style=|<style|<svg|<iframe|data:/i);
    });

    it('refuses bad handles and duplicate handles with stable codes, and numbers generated handles', async () => {
      expect((await api('POST', '/pages', { title: 'X', body: '', handle: 'Not A Handle' })).status).toBe(400);
      expect((await api('POST', '/pages', { title: 'X', body: '', handle: '../etc' })).status).toBe(400);
      expect((await api('POST', '/pages', { title: '', body: '' })).status).toBe(400);
      expect((await api('POST', '/pages', { title: 'FAQ', body: '<p>a</p>', handle: 'faq' })).status).toBe(201);
      const dup = await api('POST', '/pages', { title: 'FAQ', body: '<p>b</p>', handle: 'faq' });
      expect(dup.status).toBe(409);
      expect(dup.body.error.code).toBe('handle_taken');
      const auto = await api('POST', '/pages', { title: 'FAQ', body: '<p>c</p>' });
      expect(auto.body.handle).toBe('faq-2');
      expect((await shop('/pages/FAQ')).status).toBe(404);
    });
  });

  describe('policies', () => {
    it('fills policy templates, links them in the footer and at checkout, and the privacy policy lists what the settings turn on', async () => {
      const none = await api('GET', '/policies');
      expect(none.body.data.map((x: { kind: string }) => x.kind)).toEqual(['refund', 'privacy', 'terms', 'shipping', 'imprint']);
      expect(none.body.data.every((x: { html: string | null }) => x.html === null)).toBe(true);
      expect((await shop('/policies/refund-policy')).status).toBe(404);

      const missing = await api('PATCH', '/policies', { refund: { fields: { condition: 'unused' } } });
      expect(missing.status).toBe(400);
      expect(JSON.stringify(missing.body.error.details)).toContain('fields.returnWindowDays');
      expect((await api('PATCH', '/policies', { refund: { fields: { returnWindowDays: '30', contactEmail: 'a@b.c', bogus: 'x' } } })).status).toBe(400);
      expect((await api('PATCH', '/policies', { cookies: { fields: {} } })).status).toBe(400);
      // All or nothing: a valid kind next to an invalid one is not written either.
      const mixed = await api('PATCH', '/policies', {
        terms: { fields: { legalName: 'X', governingLaw: 'Y', contactEmail: 'a@b.c' } },
        shipping: { fields: {} },
      });
      expect(mixed.status).toBe(400);
      expect((await api('GET', '/policies')).body.data.every((x: { updatedAt: string | null }) => x.updatedAt === null)).toBe(true);

      const saved = await api('PATCH', '/policies', {
        refund: { fields: { returnWindowDays: '30', contactEmail: 'returns@tea.example', condition: 'unused <b>&</b> sealed' } },
        privacy: { fields: { controllerName: 'Tea House Ltd', contactEmail: 'privacy@tea.example' } },
      });
      expect(saved.status, saved.text).toBe(200);
      const refund = saved.body.data.find((x: { kind: string }) => x.kind === 'refund');
      expect(refund).toMatchObject({ handle: 'refund-policy', published: true });
      expect(refund.html).toContain('<strong>30 days</strong>');
      // Fields are text: markup in them is escaped, never interpreted.
      expect(refund.html).toContain('unused &lt;b&gt;&amp;&lt;/b&gt; sealed');

      const page = await htmlOf('/policies/privacy-policy');
      expect(page).toContain('<h1>Privacy policy</h1>');
      const practices = (html: string) => [...html.matchAll(/data-practice="(\w+)"/g)].map((m) => m[1]);
      // Defaults: marketing mail on (and abandoned-cart reminders); the optional tracking (consent purposes) off.
      expect(practices(page)).toEqual(['orders', 'essentialCookies', 'marketingEmails', 'abandonedCartReminders']);

      // The merchant turns marketing mail off: the served policy follows at once (no regeneration step).
      const settings = await p.request('PUT', `/api/v1/stores/${storeId}/promotion-settings`, { cookie, body: { marketingEmails: false } });
      expect(settings.status, settings.text).toBe(200);
      // A privacy switch (the consent settings' key) turns search analytics on: listed, with the consent records.
      const t = p.db.tenant((await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', storeId).executeTakeFirstOrThrow()).schema_name);
      await t
        .insertInto('store_settings')
        .values({ key: 'privacy', value: JSON.stringify({ recommendationTracking: false, analytics: true }), updated_at: new Date() })
        .execute();
      const after = await htmlOf('/policies/privacy-policy');
      expect(practices(after)).toEqual(['orders', 'essentialCookies', 'analytics', 'consentRecords']);
      expect((await api('GET', '/policies')).body.collected.map((x: { id: string }) => x.id)).toEqual([
        'orders',
        'essentialCookies',
        'analytics',
        'consentRecords',
      ]);

      // Footer on every page, and next to the button that places an order.
      const home = await htmlOf('/');
      expect(home).toContain('<a href="/policies/refund-policy">Refund policy</a>');
      expect(home).toContain('<a href="/policies/privacy-policy">Privacy policy</a>');
      expect(home).not.toContain('/policies/terms-of-service');
      const product = await createProduct(p, cookie, storeId, { title: 'Sencha', variants: [{ sku: 'SEN-1', price: 900, inventoryQuantity: 5 }] });
      const add = await sf.request(`http://${slug}.localhost/cart/add`, {
        method: 'POST',
        headers: { host: `${slug}.localhost`, origin: `http://${slug}.localhost`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ variantId: product.variants[0].id, quantity: '1' }).toString(),
      });
      const cart = /sf_cart=([^;]+)/.exec(add.headers.get('set-cookie') ?? '')?.[1];
      expect(cart).toBeTruthy();
      const checkout = await htmlOf('/checkout', { cookie: `sf_cart=${cart}` });
      expect(checkout).toMatch(/data-testid="checkout-policies"[\s\S]*href="\/policies\/refund-policy"/);

      // Unpublished or removed: gone from the store and its links.
      await api('PATCH', '/policies', { refund: { fields: { returnWindowDays: '30', contactEmail: 'returns@tea.example' }, published: false } });
      expect((await shop('/policies/refund-policy')).status).toBe(404);
      expect((await api('PATCH', '/policies', { privacy: null })).status).toBe(200);
      expect(await htmlOf('/')).not.toContain('/policies/');
    });
  });

  describe('menus', () => {
    it('validates menus and renders the header and footer menus as nested links resolved from their targets', async () => {
      const coll = await p.request('POST', `/api/v1/stores/${storeId}/collections`, { cookie, body: { title: 'Green tea' } });
      const product = await createProduct(p, cookie, storeId, { title: 'Gyokuro', variants: [{ sku: 'GY-1', price: 2500, inventoryQuantity: 5 }] });
      const draft = await createProduct(p, cookie, storeId, { title: 'Hidden', status: 'draft', variants: [{ sku: 'HD-1', price: 100 }] });
      const page = await api('POST', '/pages', { title: 'Our story', body: '<p>Since 1900</p>', published: true });
      const draftPage = await api('POST', '/pages', { title: 'Secret plan', body: '<p>x</p>' });

      for (const bad of [
        [{ title: 'Evil', type: 'url', target: 'javascript:alert(1)' }],
        [{ title: 'Proto', type: 'url', target: '//evil.example/x' }],
        [{ title: 'No id', type: 'collection' }],
        [{ title: 'Bad policy', type: 'policy', target: 'cookies' }],
        [{ title: 'Unknown', type: 'widget' }],
        [{ title: 'A', type: 'home', items: [{ title: 'B', type: 'home', items: [{ title: 'C', type: 'home', items: [{ title: 'D', type: 'home' }] }] }] }],
      ]) {
        const r = await api('POST', '/menus', { handle: 'main-menu', title: 'Main', items: bad });
        expect(r.status, JSON.stringify(bad)).toBe(400);
      }
      expect((await api('POST', '/menus', { handle: 'Main Menu', title: 'Main', items: [] })).status).toBe(400);

      const main = await api('POST', '/menus', {
        handle: 'main-menu',
        title: 'Main menu',
        items: [
          { title: 'Home', type: 'home' },
          {
            title: 'Shop',
            type: 'collection',
            target: coll.body.id,
            items: [
              { title: 'Gyokuro', type: 'product', target: product.id },
              { title: 'Hidden', type: 'product', target: draft.id },
            ],
          },
          { title: 'Story', type: 'page', target: page.body.id },
          { title: 'Plan', type: 'page', target: draftPage.body.id },
          { title: 'Journal', type: 'blog' },
          { title: 'Wholesale', type: 'url', target: 'https://wholesale.example/tea?x=1&y=2' },
        ],
      });
      expect(main.status, main.text).toBe(201);
      expect(main.body).toMatchObject({ handle: 'main-menu', version: 1 });
      const footer = await api('POST', '/menus', {
        handle: 'footer',
        title: 'Footer',
        items: [
          { title: 'Returns', type: 'policy', target: 'shipping' },
          { title: 'Search', type: 'search' },
        ],
      });
      expect(footer.status).toBe(201);
      const dup = await api('POST', '/menus', { handle: 'footer', title: 'Again', items: [] });
      expect(dup.status).toBe(409);
      expect(dup.body.error.code).toBe('handle_taken');
      expect((await api('PATCH', `/menus/${main.body.id}`, { title: 'x', items: [], version: 7 })).status).toBe(409);

      const html = await htmlOf('/');
      const nav = /<nav class="main-menu"[^>]*>([\s\S]*?)<\/nav>/.exec(html)?.[1] ?? '';
      expect(nav).toContain('<a href="/" aria-current="page">Home</a>');
      expect(nav).toContain('<a href="/collections/green-tea">Shop</a><ul class="menu-level-2"><li class=""><a href="/products/gyokuro">Gyokuro</a>');
      expect(nav).toContain('<a href="/pages/our-story">Story</a>');
      expect(nav).toContain('<a href="/blog">Journal</a>');
      expect(nav).toContain('href="https://wholesale.example/tea?x=1&amp;y=2"');
      // Drafts and unpublished targets are left out for shoppers.
      expect(nav).not.toContain('Hidden');
      expect(nav).not.toContain('Plan');
      const footerNav = /<nav class="footer-menu"[^>]*>([\s\S]*?)<\/nav>/.exec(html)?.[1] ?? '';
      // A policy that is not filled in is not linked; search is.
      expect(footerNav).toContain('<a href="/search">Search</a>');
      expect(footerNav).not.toContain('Returns');

      // Renaming the collection's handle keeps the link working (items point at ids).
      await p.request('PATCH', `/api/v1/stores/${storeId}/collections/${coll.body.id}`, { cookie, body: { handle: 'green-teas', version: coll.body.version } });
      expect(await htmlOf('/')).toContain('<a href="/collections/green-teas">Shop</a>');
      expect((await api('GET', '/menus')).body.data.map((m: { handle: string }) => m.handle)).toEqual(['footer', 'main-menu']);
      expect((await api('DELETE', `/menus/${footer.body.id}`)).status).toBe(204);
      expect((await api('GET', `/menus/${footer.body.id}`)).status).toBe(404);
      expect(await htmlOf('/')).not.toContain('footer-menu');
    });
  });

  describe('blog', () => {
    it('publishes articles with author, tags, cover and excerpt; schedules future ones; serves list, article, feeds and BlogPosting JSON-LD', async () => {
      const first = await api('POST', '/articles', {
        title: 'Brewing green tea',
        body: '<p>Use water at <em>70°C</em>.</p><script>x()</script>',
        author: 'Mei',
        tags: ['Brewing', 'green', 'brewing'],
        coverImageUrl: 'https://cdn.example/cover.jpg',
        coverImageAlt: 'A teapot',
        published: true,
        publishedAt: '2026-11-01T09:00:00Z',
      });
      expect(first.status, first.text).toBe(201);
      expect(first.body).toMatchObject({
        handle: 'brewing-green-tea',
        tags: ['brewing', 'green'],
        excerpt: 'Use water at 70°C.',
        publishedAt: '2026-11-01T09:00:00.000Z',
      });
      expect(first.body.body).not.toContain('script');
      const second = await api('POST', '/articles', {
        title: 'Harvest notes',
        body: '<p>Spring</p>',
        excerpt: 'First flush',
        tags: ['harvest'],
        published: true,
      });
      const scheduled = await api('POST', '/articles', { title: 'Coming soon', body: '<p>x</p>', published: true, publishedAt: '2999-01-01T00:00:00Z' });
      const draft = await api('POST', '/articles', { title: 'Draft thoughts', body: '<p>x</p>' });
      expect([second.status, scheduled.status, draft.status]).toEqual([201, 201, 201]);
      expect((await api('POST', '/articles', { title: 'Bad cover', body: '', coverImageUrl: 'javascript:alert(1)' })).status).toBe(400);

      const list = await htmlOf('/blog');
      expect(list.indexOf('Harvest notes')).toBeGreaterThan(-1);
      expect(list.indexOf('Harvest notes')).toBeLessThan(list.indexOf('Brewing green tea'));
      expect(list).not.toContain('Coming soon');
      expect(list).not.toContain('Draft thoughts');
      const tagged = await htmlOf('/blog?tag=brewing');
      expect(tagged).toContain('Brewing green tea');
      expect(tagged).not.toContain('Harvest notes');
      expect((await shop('/blog?tag=%3Cscript%3E')).status).toBe(404);

      const article = await shop('/blog/brewing-green-tea');
      expect(article.status).toBe(200);
      const html = (await article.text()).replace(/ data-hk="[^"]*"/g, '');
      expect(html).toContain('Use water at <em>70°C</em>.');
      const posting = ldOf(html).find((x) => x['@type'] === 'BlogPosting');
      expect(posting).toMatchObject({
        headline: 'Brewing green tea',
        author: { '@type': 'Person', name: 'Mei' },
        datePublished: '2026-11-01T09:00:00.000Z',
        image: 'https://cdn.example/cover.jpg',
        keywords: 'brewing, green',
      });
      expect((await shop('/blog/coming-soon')).status).toBe(404);
      expect((await shop('/blog/draft-thoughts')).status).toBe(404);

      const atom = await shop('/blog/feed.atom');
      expect(atom.headers.get('content-type')).toContain('application/atom+xml');
      const atomText = await atom.text();
      expect(atomText).toContain('<feed xmlns="http://www.w3.org/2005/Atom">');
      expect(atomText).toContain(`<link rel="alternate" type="text/html" href="http://${slug}.localhost/blog/brewing-green-tea"/>`);
      expect(atomText).toContain('&lt;em&gt;70°C&lt;/em&gt;');
      expect(atomText).not.toContain('Coming soon');
      expect((atomText.match(/<entry>/g) ?? []).length).toBe(2);
      const rss = await htmlOf('/blog/feed.rss');
      expect(rss).toContain('<rss version="2.0"');
      expect(rss).toContain('<dc:creator>Mei</dc:creator>');
      expect(rss).toContain('<pubDate>Sun, 01 Nov 2026 09:00:00 GMT</pubDate>');

      // Moving the scheduled article's date to the past publishes it.
      await api('PATCH', `/articles/${scheduled.body.id}`, { publishedAt: '2026-12-01T00:00:00Z' });
      expect((await shop('/blog/coming-soon')).status).toBe(200);
      expect(await htmlOf('/sitemap.xml')).toContain('/blog/coming-soon');
    });
  });

  describe('3D models', () => {
    let productId: string;
    beforeAll(async () => {
      productId = (await createProduct(p, cookie, storeId, { title: 'Amber Pyramid', variants: [{ sku: 'PYR-1', price: 3900, inventoryQuantity: 3 }] })).id;
    });
    const upload = (file: Uint8Array, extra: Record<string, Uint8Array | string> = {}, name = 'model.glb') => {
      const f = new FormData();
      f.set('file', new File([file as never], name, { type: 'model/gltf-binary' }));
      for (const [k, v] of Object.entries(extra)) f.set(k, typeof v === 'string' ? v : new File([v as never], k === 'poster' ? 'poster.png' : 'model.usdz'));
      return p.request('POST', `/api/v1/stores/${storeId}/products/${productId}/media`, { cookie, form: f });
    };

    it('the fixtures script writes the committed fixtures', () => {
      expect(new Uint8Array(readFileSync(join(FIXTURES, 'pyramid.glb')))).toEqual(pyramidGlb());
      expect(new Uint8Array(readFileSync(join(FIXTURES, 'broken.glb')))).toEqual(brokenGlb());
    });

    it('refuses a broken model with 422 model_invalid and the validator messages, storing nothing', async () => {
      const r = await upload(new Uint8Array(readFileSync(join(FIXTURES, 'broken.glb'))));
      expect(r.status, r.text).toBe(422);
      expect(r.body.error.code).toBe('model_invalid');
      expect(r.body.error.details.messages.length).toBeGreaterThan(0);
      expect(r.body.error.details.messages[0]).toMatchObject({ severity: 'error' });
      expect(typeof r.body.error.details.messages[0].code).toBe('string');
      const png = await upload(PNG, {}, 'photo.glb');
      expect(png.status).toBe(422);
      expect(png.body.error.code).toBe('model_invalid');
      // A glTF whose JSON names an accessor that does not exist: parsed, then refused by the validator's checks.
      const glb = pyramidGlb();
      const text = new TextDecoder().decode(glb);
      const bad = new TextEncoder().encode(text.replace('"indices":2', '"indices":9'));
      const r2 = await upload(bad);
      expect(r2.status).toBe(422);
      expect(r2.body.error.details.messages.some((m: { pointer: string | null }) => m.pointer?.includes('/indices'))).toBe(true);
      const big = await upload(new Uint8Array(70 * 1024));
      expect(big.status).toBe(413);
      expect((await api('GET', `/products/${productId}/media`)).body.data).toEqual([]);
    });

    it('stores a valid model with poster, serves it as model/gltf-binary with long caching, and the product page shows <model-viewer>', async () => {
      const plain = await htmlOf('/products/sencha');
      expect(plain).not.toContain('model-viewer');

      const r = await upload(pyramidGlb(), { alt: 'Amber pyramid, 3D', poster: PNG });
      expect(r.status, r.text).toBe(201);
      expect(r.body).toMatchObject({
        type: 'model',
        alt: 'Amber pyramid, 3D',
        report: { numErrors: 0, generator: 'storeloom make-glb-fixtures', triangles: 6 },
      });
      expect(r.body.url).toMatch(new RegExp(`/media/${storeId}/model-[0-9a-f]+\\.glb$`));
      expect(r.body.posterUrl).toMatch(/\.png$/);

      // The console origin's /media and the store's own /media both serve it typed and immutable.
      const name = r.body.url.split('/').pop();
      const fromConsole = await p.request('GET', `/media/${storeId}/${name}`);
      expect(fromConsole.status).toBe(200);
      expect(fromConsole.headers.get('content-type')).toBe('model/gltf-binary');
      const fromShop = await shop(`/media/${name}`);
      expect(fromShop.status).toBe(200);
      expect(fromShop.headers.get('content-type')).toBe('model/gltf-binary');
      expect(fromShop.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(new Uint8Array(await fromShop.arrayBuffer())).toEqual(pyramidGlb());
      expect((await shop(`/media/${name}?w=320`)).status).toBe(400);

      const page = await shop('/products/amber-pyramid');
      const html = (await page.text()).replace(/ data-hk="[^"]*"/g, '');
      expect(html).toContain(`<model-viewer src="/media/${name}" alt="Amber pyramid, 3D" poster="/media/`);
      expect(html).toContain('camera-controls');
      expect(html).toContain('ar-modes="webxr scene-viewer"');
      expect(html).toContain('tabindex="0"');
      const script = /<script type="module" src="(\/assets\/model-viewer-[0-9a-f]+\.js)"><\/script>/.exec(html)?.[1];
      expect(script).toBeTruthy();
      const product = ldOf(html).find((x) => x['@type'] === 'Product');
      expect(product.subjectOf[0]).toMatchObject({
        '@type': '3DModel',
        encoding: [{ '@type': 'MediaObject', contentUrl: `http://${slug}.localhost/media/${name}`, encodingFormat: 'model/gltf-binary' }],
      });
      // model-viewer is served by Storeloom (same origin, CSP script-src 'self'), precompressed and immutable.
      const js = await shop(script as string, { 'accept-encoding': 'br, gzip' });
      expect(js.status).toBe(200);
      expect(js.headers.get('content-encoding')).toBe('br');
      expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      // model-viewer compiles a WebAssembly decoder: only pages with a model allow that (never JS eval).
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self' 'wasm-unsafe-eval' 'sha256-");
      expect((await shop('/products/sencha')).headers.get('content-security-policy')).not.toContain('wasm-unsafe-eval');
      // Pages without a model never load it.
      expect(await htmlOf('/')).not.toContain('model-viewer');

      // An iOS Quick Look companion: only a real USDZ (a zip whose first file is .usd*) is taken.
      expect((await upload(pyramidGlb(), { usdz: PNG })).status).toBe(415);
      const usdz = new Uint8Array([
        0x50,
        0x4b,
        0x03,
        0x04,
        ...new Array(22).fill(0),
        9,
        0,
        0,
        0,
        ...new TextEncoder().encode('model.usd'),
        ...new Array(16).fill(0),
      ]);
      const withUsdz = await upload(pyramidGlb(), { usdz });
      expect(withUsdz.status, withUsdz.text).toBe(201);
      expect(withUsdz.body.usdzUrl).toMatch(/\.usdz$/);
      const html2 = await htmlOf('/products/amber-pyramid');
      expect(html2).toContain('ar-modes="webxr scene-viewer quick-look"');
      expect(html2).toContain('ios-src="/media/model-');

      const media = await api('GET', `/products/${productId}/media`);
      expect(media.body.data.map((m: { position: number }) => m.position)).toEqual([0, 1]);
      expect((await api('DELETE', `/products/${productId}/media/${r.body.id}`)).status).toBe(204);
      expect((await p.request('GET', `/media/${storeId}/${name}`)).status).toBe(404);
      expect((await api('DELETE', `/products/${productId}/media/${r.body.id}`)).status).toBe(404);
    });
  });

  describe('reviews', () => {
    it('takes a verified-buyer review through the signed link of a fulfilled order, once, and shows it after moderation with AggregateRating', async () => {
      const product = await createProduct(p, cookie, storeId, { title: 'Matcha Whisk', variants: [{ sku: 'WH-1', price: 1800, inventoryQuantity: 9 }] });
      const row = await p.db.control.selectFrom('stores').select(['schema_name', 'name', 'currency']).where('id', '=', storeId).executeTakeFirstOrThrow();
      const t = p.db.tenant(row.schema_name);
      const cart = await new CartService(t).findOrCreate(undefined);
      await new CartService(t).add(cart.id, product.variants[0].id, 1);
      const orders = new OrderService(t, { store: { id: storeId, name: row.name, currency: row.currency } });
      const address = { name: 'Rin', line1: '1 Road', line2: null, city: 'Town', postalCode: '1', region: null, country: 'US', phone: null };
      const { order } = await orders.place({
        cartId: cart.id,
        email: 'rin@example.com',
        customerId: null,
        customerName: null,
        address,
        locale: 'en',
        settings: parseSettings([]),
      });
      await orders.confirmPayment(order.id, { provider: 'manual', reference: 'r', amount: order.total });
      const sig = reviewLinkSignature(SECRET, storeId, order.id, product.id);
      const link = `/reviews/new?order=${order.id}&product=${product.id}&sig=${sig}`;
      // Not fulfilled yet: no link on the order page, and the form is a 404.
      expect((await shop(link)).status).toBe(404);

      const fulfil = await api('POST', `/orders/${order.id}/fulfillment`, { trackingNumber: 'TRACK1', carrier: 'Post' });
      expect(fulfil.status, fulfil.text).toBe(200);
      // The order status page (the shipped mail links to it) offers one signed review link per bought product.
      const orderPage = await htmlOf(`/orders/${order.id}?sig=${orderLinkSignature(SECRET, storeId, order.id)}`);
      expect(orderPage).toContain(`href="/reviews/new?order=${order.id}&amp;product=${product.id}&amp;sig=${sig}"`);

      // Forged and foreign links are the store's 404.
      expect((await shop(`/reviews/new?order=${order.id}&product=${product.id}&sig=${sig.slice(0, -2)}xx`)).status).toBe(404);
      const other = await createProduct(p, cookie, storeId, { title: 'Not bought', variants: [{ sku: 'NB-1', price: 100 }] });
      expect((await shop(`/reviews/new?order=${order.id}&product=${other.id}&sig=${reviewLinkSignature(SECRET, storeId, order.id, other.id)}`)).status).toBe(
        404,
      );
      const form = await htmlOf(link);
      expect(form).toContain('name="rating"');
      expect(form).toContain('<meta name="robots" content="noindex">');

      const post = (fields: Record<string, string>) =>
        sf.request(`http://${slug}.localhost/reviews/new`, {
          method: 'POST',
          headers: { host: `${slug}.localhost`, origin: `http://${slug}.localhost`, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ order: order.id, product: product.id, sig, ...fields }).toString(),
        });
      expect((await post({ rating: '9', title: 'x' })).status).toBe(400);
      const ok = await post({ rating: '4', title: 'Fine <b>whisk</b>', body: 'Makes good foam.\nSturdy.', author: 'Rin' });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('Thank you!');
      const again = await post({ rating: '1', title: 'spam' });
      expect(again.status).toBe(409);
      expect((await post({ rating: '5', sig: 'forged' })).status).toBe(404);

      // Pending: not on the product page until the merchant publishes it.
      expect(await htmlOf('/products/matcha-whisk')).not.toContain('product-reviews');
      const pending = await api('GET', '/reviews?status=pending');
      expect(pending.body.data).toHaveLength(1);
      const review = pending.body.data[0];
      expect(review).toMatchObject({ rating: 4, title: 'Fine <b>whisk</b>', verified: true, source: 'buyer', status: 'pending', author: 'Rin' });
      expect((await api('PATCH', `/reviews/${review.id}`, {})).status).toBe(400);
      const published = await api('PATCH', `/reviews/${review.id}`, { status: 'published', reply: 'Thank you, Rin!' });
      expect(published.status, published.text).toBe(200);
      expect(published.body.repliedAt).not.toBeNull();

      // Imported reviews (another platform's CSV): valid rows published as unverified, bad rows reported.
      const csv = [
        'product_handle,rating,title,body,author,email,created_at',
        'matcha-whisk,5,"Love it, truly","Best whisk",Kai,kai@example.com,2025-05-01',
        'matcha-whisk,0,Bad,rating,X,,',
        'no-such-product,5,x,y,z,,',
        'matcha-whisk,3,Okay,,Mo,,not-a-date',
      ].join('\n');
      const imported = await p.request('POST', `/api/v1/stores/${storeId}/reviews/import`, { cookie, rawBody: csv, contentType: 'text/csv' });
      expect(imported.status, imported.text).toBe(200);
      expect(imported.body.imported).toBe(1);
      expect(imported.body.errors.map((e: { row: number }) => e.row)).toEqual([3, 4, 5]);

      const page = await htmlOf('/products/matcha-whisk');
      expect(page).toContain('data-testid="product-reviews"');
      // Text only: the buyer's markup is shown as text.
      expect(page).toContain('<h3>Fine &lt;b>whisk&lt;/b></h3>');
      expect(page).not.toContain('<b>whisk');
      expect(page).toContain('Thank you, Rin!');
      expect(page).toContain('Verified buyer');
      const ld = ldOf(page).find((x) => x['@type'] === 'Product');
      expect(ld.aggregateRating).toEqual({ '@type': 'AggregateRating', ratingValue: 4.5, reviewCount: 2, bestRating: 5, worstRating: 1 });
      expect(ld.review).toHaveLength(2);
      expect(ld.review[0]).toMatchObject({ '@type': 'Review', author: { '@type': 'Person', name: 'Rin' }, reviewRating: { ratingValue: 4 } });

      // Hidden: gone from the page; deleted: gone from the queue.
      await api('PATCH', `/reviews/${review.id}`, { status: 'hidden' });
      const after = ldOf(await htmlOf('/products/matcha-whisk')).find((x) => x['@type'] === 'Product');
      expect(after.aggregateRating.reviewCount).toBe(1);
      expect((await api('DELETE', `/reviews/${review.id}`)).status).toBe(204);
      expect((await api('DELETE', `/reviews/${review.id}`)).status).toBe(404);
      expect((await api('GET', '/reviews')).body.data.map((r: { source: string }) => r.source)).toEqual(['import']);
    });
  });
});
