/**
 * Theme sections over real Postgres, through the API and the storefront
 * in-process: the section registry, layout validation (unknown types, bad
 * settings, too many blocks), draft/publish/versions/restore, optimistic
 * concurrency, token scopes, and what shoppers and previews see.
 */
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
  const section = (id: string, type: string, settings: Record<string, unknown> = {}, blocks: unknown[] = []) => ({ id, type, settings, blocks });

  beforeAll(async () => {
    p = await startTestPlatform({ config: { orderLinkSecret: SECRET } });
    sf = createStorefrontApp(p.db, createLogger({ level: 'silent' }), { rootDomain: 'localhost', secret: SECRET, storeCacheTtlMs: 0, pageCacheTtlMs: 0 });
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
});
