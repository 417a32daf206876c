/**
 * Theme sections over real Postgres, through the API and the storefront
 * in-process: the section registry, layout validation (unknown types, bad
 * settings, too many blocks), draft/publish/versions/restore, optimistic
 * concurrency, token scopes, and what shoppers and previews see.
 */
import { signThemePreview } from '@storeloom/content';
import { createLogger } from '@storeloom/log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { createStorefrontApp } from '../src/app.ts';

const SECRET = 'theme-sections-test-secret-0123456789abcdef';

describe('theme sections', () => {
  let p: TestPlatform;
  let sf: ReturnType<typeof createStorefrontApp>;
  let cookie: string;
  let storeId: string;
  let slug: string;
  const api = (method: string, path: string, body?: unknown, auth: { cookie?: string; token?: string } = { cookie }) =>
    p.request(method, `/api/v1/stores/${storeId}${path}`, { ...auth, ...(body === undefined ? {} : { body }) });
  const shop = (path: string, host = `${slug}.localhost`) => sf.request(`http://${host}${path}`, { headers: { host } });
  const htmlOf = async (path: string) => (await (await shop(path)).text()).replace(/ data-hk="[^"]*"/g, '').replace(/<!--[$/]-->/g, '');
  const previewPath = async (path = '/') => {
    const r = await api('POST', '/theme/preview', { path });
    expect(r.status, r.text).toBe(200);
    const u = new URL(r.body.url);
    return `${u.pathname}${u.search}`;
  };
  const section = (id: string, type: string, settings: Record<string, unknown> = {}, blocks: unknown[] = []) => ({ id, type, settings, blocks });

  beforeAll(async () => {
    p = await startTestPlatform({ config: { orderLinkSecret: SECRET } });
    sf = createStorefrontApp(p.db, createLogger({ level: 'silent' }), {
      rootDomain: 'localhost',
      secret: SECRET,
      storeCacheTtlMs: 0,
      pageCacheTtlMs: 0,
      consoleOrigin: 'http://console.test',
    });
    cookie = (await signup(p)).cookie;
    const store = await createStore(p, cookie);
    storeId = store.id;
    slug = store.slug;
  });
  afterAll(async () => {
    await p?.close();
  });

  describe('API', () => {
    it('lists the twelve section types with typed settings, blocks and limits', async () => {
      const r = await api('GET', '/theme/sections');
      expect(r.status, r.text).toBe(200);
      const types = r.body.sections.map((s: { type: string }) => s.type);
      expect(types).toEqual([
        'hero-banner',
        'featured-collection',
        'featured-product',
        'image-with-text',
        'rich-text',
        'multicolumn',
        'testimonials',
        'newsletter',
        'recommendations',
        'faq',
        'video',
        'logo-list',
        'main',
      ]);
      const multicolumn = r.body.sections.find((s: { type: string }) => s.type === 'multicolumn');
      expect(multicolumn).toMatchObject({ name: 'Multicolumn', maxBlocks: 12, blocks: [{ type: 'column', name: 'Column' }] });
      expect(multicolumn.settings).toContainEqual({ id: 'columns', type: 'range', label: 'Columns on desktop', min: 1, max: 4, step: 1, default: 3 });
    });

    it('answers the default layouts until the merchant saves one (version 0)', async () => {
      const home = await api('GET', '/theme/templates/home');
      expect(home.status, home.text).toBe(200);
      expect(home.body).toMatchObject({ template: 'home', version: 0, draftUpdatedAt: null, publishedAt: null });
      expect(home.body.draft.sections.map((s: { type: string }) => s.type)).toEqual(['hero-banner', 'recommendations']);
      expect(home.body.published).toEqual(home.body.draft);
      const product = await api('GET', '/theme/templates/product');
      expect(product.body.draft).toEqual({ sections: [{ id: 'main', type: 'main', settings: {}, blocks: [] }] });
      expect((await api('GET', '/theme/templates/checkout')).status).toBe(400);
    });

    it('refuses unknown section types, bad settings and too many blocks with 422 layout_invalid and paths', async () => {
      const unknown = await api('PUT', '/theme/templates/home/draft', { layout: { sections: [section('a', 'carousel')] } });
      expect(unknown.status, unknown.text).toBe(422);
      expect(unknown.body.error.code).toBe('layout_invalid');
      expect(unknown.body.error.details).toEqual([{ path: 'sections[0].type', message: 'unknown section type "carousel"' }]);

      const bad = await api('PUT', '/theme/templates/home/draft', {
        layout: {
          sections: [
            section('hero', 'hero-banner', { heading: 42, height: 'huge', button_link: 'javascript:alert(1)', colour: 'red' }),
            section('cols', 'multicolumn', { columns: 7 }),
            section('vid', 'video', { video_url: 'https://evil.example/x.html' }),
            section('fc', 'featured-collection', { collection: 'not-an-id', products_to_show: 2.5 }),
          ],
        },
      });
      expect(bad.status).toBe(422);
      expect(bad.body.error.details).toEqual([
        { path: 'sections[0].settings.heading', message: 'must be a string' },
        { path: 'sections[0].settings.height', message: 'one of small, medium, large' },
        { path: 'sections[0].settings.button_link', message: 'an http(s) URL or a path on the store starting with /' },
        { path: 'sections[0].settings.colour', message: 'unknown setting' },
        { path: 'sections[1].settings.columns', message: 'at most 4' },
        { path: 'sections[2].settings.video_url', message: 'a YouTube or Vimeo link, or an .mp4/.webm file' },
        { path: 'sections[3].settings.collection', message: 'a collection id' },
        { path: 'sections[3].settings.products_to_show', message: 'a multiple of 1' },
      ]);

      const faqBlocks = Array.from({ length: 31 }, (_, i) => ({ id: `q${i}`, type: 'question', settings: { question: `Q${i}` } }));
      const tooMany = await api('PUT', '/theme/templates/home/draft', { layout: { sections: [section('faq', 'faq', {}, faqBlocks)] } });
      expect(tooMany.status).toBe(422);
      expect(tooMany.body.error.details).toEqual([{ path: 'sections[0].blocks', message: 'at most 30 blocks' }]);

      const blocks = await api('PUT', '/theme/templates/home/draft', {
        layout: {
          sections: [
            section('t', 'testimonials', {}, [{ id: 'x', type: 'logo', settings: {} }]),
            section('t', 'rich-text', {}, [{ id: 'y', type: 'column', settings: {} }]),
            section('main', 'main'),
          ],
        },
      });
      expect(blocks.status).toBe(422);
      expect(blocks.body.error.details).toEqual([
        { path: 'sections[0].blocks[0].type', message: 'unknown block type "logo" in testimonials' },
        { path: 'sections[1].id', message: 'duplicate section id t' },
        { path: 'sections[1].blocks', message: 'rich-text has no blocks' },
        { path: 'sections[2].type', message: 'main cannot be placed on the home template' },
      ]);

      const noMain = await api('PUT', '/theme/templates/product/draft', { layout: { sections: [section('r', 'rich-text')] } });
      expect(noMain.status).toBe(422);
      expect(noMain.body.error.details[0].path).toBe('sections');
      // Nothing was saved by the refusals.
      expect((await api('GET', '/theme/templates/home')).body.version).toBe(0);
    });

    it('saves drafts with optimistic concurrency, publishes, lists versions and restores one', async () => {
      const v1 = await api('PUT', '/theme/templates/page/draft', {
        layout: {
          sections: [section('intro', 'rich-text', { heading: 'Before', text: '<p onclick="x()">Hi<script>alert(1)</script></p>' }), section('main', 'main')],
        },
        expectedVersion: 0,
      });
      expect(v1.status, v1.text).toBe(200);
      expect(v1.body.version).toBe(1);
      // Rich text is sanitised on write.
      expect(v1.body.draft.sections[0].settings.text).toBe('<p>Hi</p>');
      // Shoppers' layout is still the default until it is published.
      expect(v1.body.published).toEqual({ sections: [section('main', 'main')] });
      expect(v1.body.publishedAt).toBeNull();

      // A second first save, and a stale version, are conflicts.
      const again = await api('PUT', '/theme/templates/page/draft', { layout: { sections: [section('main', 'main')] }, expectedVersion: 0 });
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('version_conflict');
      const v2 = await api('PUT', '/theme/templates/page/draft', {
        layout: { sections: [section('main', 'main'), section('outro', 'newsletter', { heading: 'Join' })] },
        expectedVersion: 1,
      });
      expect(v2.body.version).toBe(2);
      const stale = await api('PUT', '/theme/templates/page/draft', { layout: { sections: [section('main', 'main')] }, expectedVersion: 1 });
      expect(stale.status).toBe(409);
      expect(stale.body.error.code).toBe('version_conflict');
      expect((await api('GET', '/theme/templates/page')).body.draft.sections.map((s: { id: string }) => s.id)).toEqual(['main', 'outro']);

      const published = await api('POST', '/theme/templates/page/publish');
      expect(published.status, published.text).toBe(200);
      expect(published.body.published).toEqual(published.body.draft);
      expect(published.body.publishedAt).not.toBeNull();
      const firstVersions = await api('GET', '/theme/templates/page/versions');
      expect(firstVersions.body.versions).toHaveLength(1);

      // Change, publish again: two versions, newest first; restore the first into the draft.
      await api('PUT', '/theme/templates/page/draft', { layout: { sections: [section('main', 'main')] } });
      await api('POST', '/theme/templates/page/publish');
      const versions = await api('GET', '/theme/templates/page/versions');
      expect(versions.body.versions).toHaveLength(2);
      expect(versions.body.versions[1].id).toBe(firstVersions.body.versions[0].id);
      expect(versions.body.versions[0].publishedBy).toMatch(/^[0-9a-f-]{36}$/);
      const restored = await api('POST', `/theme/templates/page/versions/${firstVersions.body.versions[0].id}/restore`);
      expect(restored.status, restored.text).toBe(200);
      expect(restored.body.draft.sections.map((s: { id: string }) => s.id)).toEqual(['main', 'outro']);
      expect(restored.body.published.sections.map((s: { id: string }) => s.id)).toEqual(['main']);
      expect(restored.body.version).toBe(4);
      // Another template's version, or nonsense, is not found.
      expect((await api('POST', `/theme/templates/home/versions/${firstVersions.body.versions[0].id}/restore`)).status).toBe(404);
      expect((await api('POST', '/theme/templates/page/versions/nope/restore')).status).toBe(404);
    });

    it('needs read_stores to read and write_stores to change, like store settings', async () => {
      const mint = async (scopes: string[]) =>
        (await p.request('POST', '/api/v1/me/api-tokens', { cookie, body: { name: 'theme', scopes } })).body.token as string;
      const reader = await mint(['read_stores']);
      const writer = await mint(['write_stores']);
      expect((await api('GET', '/theme/sections', undefined, { token: reader })).status).toBe(200);
      expect((await api('GET', '/theme/templates/home', undefined, { token: reader })).status).toBe(200);
      const refused = await api('PUT', '/theme/templates/collection/draft', { layout: { sections: [section('main', 'main')] } }, { token: reader });
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('insufficient_scope');
      expect((await api('POST', '/theme/templates/collection/publish', undefined, { token: reader })).status).toBe(403);
      expect((await api('POST', '/theme/preview', {}, { token: reader })).status).toBe(403);
      const ok = await api('PUT', '/theme/templates/collection/draft', { layout: { sections: [section('main', 'main')] } }, { token: writer });
      expect(ok.status, ok.text).toBe(200);
      expect((await api('GET', '/theme/templates/home', undefined, { token: writer })).status).toBe(403);
    });

    it('gives a signed preview link on the store for a path', async () => {
      const r = await api('POST', '/theme/preview', { path: '/pages/about' });
      expect(r.status, r.text).toBe(200);
      expect(r.body.url).toMatch(new RegExp(`^http://${slug}\\.localhost:3001/pages/about\\?theme_preview=${storeId}\\.\\d+\\.[\\w-]+$`));
      expect(new Date(r.body.expiresAt).getTime()).toBeGreaterThan(Date.now());
      expect((await api('POST', '/theme/preview', { path: '//evil.example' })).status).toBe(400);
    });
  });

  describe('storefront', () => {
    it('shows the default home page until a layout is published, and never a draft to shoppers', async () => {
      const before = await htmlOf('/');
      expect(before).toContain('<section class="hero">');
      expect(before).not.toContain('sec-rich');

      const product = await createProduct(p, cookie, storeId, { title: 'Featured teapot' });
      const draft = await api('PUT', '/theme/templates/home/draft', {
        layout: {
          sections: [
            section('hero', 'hero-banner', { heading: 'Autumn tea', text: 'Fresh leaves', button_label: 'Browse', button_link: '/search' }),
            section('story', 'rich-text', { heading: 'Our story', text: '<p>Grown <em>slowly</em><img src=x onerror=alert(1)></p>' }),
            section('pick', 'featured-product', { product: product.id, button_label: 'See the teapot' }),
            section('faq', 'faq', { heading: 'Questions' }, [{ id: 'q1', type: 'question', settings: { question: 'Do you ship?', answer: '<p>Yes.</p>' } }]),
            { ...section('off', 'rich-text', { heading: 'Hidden section' }), disabled: true },
          ],
        },
      });
      expect(draft.status, draft.text).toBe(200);
      // Saved but not published: shoppers keep the default page.
      const stillDefault = await htmlOf('/');
      expect(stillDefault).not.toContain('Autumn tea');
      expect(stillDefault).toContain('<section class="hero">');

      expect((await api('POST', '/theme/templates/home/publish')).status).toBe(200);
      const res = await shop('/');
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('cache-control')).toContain('public');
      const html = (await res.text()).replace(/ data-hk="[^"]*"/g, '').replace(/<!--[$/]-->/g, '');
      expect(html).toContain('<h1>Autumn tea</h1>');
      expect(html).toContain('<h2>Our story</h2>');
      expect(html).toContain('Grown <em>slowly</em>');
      expect(html).not.toContain('onerror');
      expect(html).toContain('Featured teapot');
      expect(html).toContain('See the teapot');
      expect(html).toContain('<summary>Do you ship?</summary>');
      expect(html).not.toContain('Hidden section');
      expect(html.indexOf('Autumn tea')).toBeLessThan(html.indexOf('Our story'));
      expect(html.indexOf('Our story')).toBeLessThan(html.indexOf('Do you ship?'));

      // A newer draft stays invisible to shoppers.
      await api('PUT', '/theme/templates/home/draft', { layout: { sections: [section('hero', 'hero-banner', { heading: 'Winter draft' })] } });
      const shopper = await htmlOf('/');
      expect(shopper).toContain('Autumn tea');
      expect(shopper).not.toContain('Winter draft');
    });

    it('a valid preview link shows the drafts, framable by the console only, never cached; expired, forged or foreign links do not', async () => {
      await api('PUT', '/theme/templates/home/draft', { layout: { sections: [section('hero', 'hero-banner', { heading: 'Preview draft' })] } });
      const path = await previewPath('/');
      const res = await shop(path);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('private, no-store');
      expect(res.headers.get('x-robots-tag')).toBe('noindex');
      expect(res.headers.get('content-security-policy')).toContain('frame-ancestors http://console.test;');
      expect(res.headers.get('content-security-policy')).not.toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-frame-options')).toBeNull();
      expect(await res.text()).toContain('Preview draft');
      // Shoppers right after: the published layout, not framable.
      const after = await shop('/');
      expect(after.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(await after.text()).not.toContain('Preview draft');

      const expired = signThemePreview(SECRET, storeId, new Date(Date.now() - 2 * 3600_000)).token;
      const forged = `${path.split('theme_preview=')[1]?.slice(0, -2)}xx`;
      const other = signThemePreview(SECRET, '00000000-0000-4000-8000-000000000000').token;
      const wrongKey = signThemePreview('another-secret-0123456789abcdef0123456789', storeId).token;
      for (const token of [expired, forged, other, wrongKey]) {
        const r = await shop(`/?theme_preview=${encodeURIComponent(token)}`);
        expect(r.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
        expect(await r.text()).not.toContain('Preview draft');
      }
    });

    it('renders sections before and after the main content of product, collection and page templates', async () => {
      const product = await createProduct(p, cookie, storeId, { title: 'Oolong tin' });
      await api('PUT', '/theme/templates/product/draft', {
        layout: {
          sections: [
            section('above', 'rich-text', { heading: 'Above the product' }),
            section('main', 'main'),
            section('below', 'newsletter', { heading: 'Below the product' }),
          ],
        },
      });
      await api('POST', '/theme/templates/product/publish');
      const html = await htmlOf(`/products/${product.handle}`);
      const title = html.indexOf('<h1>Oolong tin</h1>');
      expect(title).toBeGreaterThan(0);
      expect(html.indexOf('Above the product')).toBeGreaterThan(0);
      expect(html.indexOf('Above the product')).toBeLessThan(title);
      expect(html.indexOf('Below the product')).toBeGreaterThan(title);

      const page = await api('POST', '/pages', { title: 'About', body: '<p>About body</p>', handle: 'about', published: true });
      expect(page.status, page.text).toBe(201);
      await api('PUT', '/theme/templates/page/draft', {
        layout: { sections: [section('main', 'main'), section('after', 'rich-text', { heading: 'After the page' })] },
      });
      await api('POST', '/theme/templates/page/publish');
      const about = await htmlOf('/pages/about');
      expect(about.indexOf('After the page')).toBeGreaterThan(about.indexOf('About body'));
    });

    it('embeds YouTube through youtube-nocookie.com with a CSP that allows that frame only on video pages', async () => {
      await api('PUT', '/theme/templates/home/draft', {
        layout: { sections: [section('v', 'video', { video_url: 'https://www.youtube.com/watch?v=dQw4w9WgXcQ', description: 'How we brew' })] },
      });
      await api('POST', '/theme/templates/home/publish');
      const res = await shop('/');
      expect(res.headers.get('content-security-policy')).toContain('frame-src https://www.youtube-nocookie.com https://player.vimeo.com');
      const html = await res.text();
      expect(html).toContain('src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"');
      expect(html).toContain('title="How we brew"');
      expect((await shop('/search')).headers.get('content-security-policy')).not.toContain('frame-src');
    });

    it('lets a preview link through the "opening soon" page of a store not launched yet', async () => {
      const store = await createStore(p, cookie, undefined, 'USD', { launch: false });
      const host = `${store.slug}.localhost`;
      expect((await shop('/', host)).status).toBe(503);
      const r = await p.request('POST', `/api/v1/stores/${store.id}/theme/preview`, { cookie, body: {} });
      const u = new URL(r.body.url);
      const res = await shop(`${u.pathname}${u.search}`, host);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('private, no-store');
    });
  });
});
