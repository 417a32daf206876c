/**
 * Theme-level settings (issue 20) over real Postgres, through the API and the storefront in-process: the draft and
 * published values, 422 `theme_settings_invalid` with paths, optimistic concurrency, contrast warnings, the favicon
 * upload, and what reaches the page's CSS: the published values for shoppers, the draft only through a preview link.
 */
import { createLogger } from '@storeloom/log';
import { DEFAULT_THEME } from '@storeloom/theme';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gradientPng } from '../../../test/helpers/images.ts';
import { createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { createStorefrontApp } from '../src/app.ts';

const SECRET = 'theme-settings-test-secret-0123456789abcdef';

describe('theme settings', () => {
  let p: TestPlatform;
  let sf: ReturnType<typeof createStorefrontApp>;
  let cookie: string;
  let storeId: string;
  let slug: string;
  const api = (method: string, path: string, body?: unknown, auth: { cookie?: string } = { cookie }) =>
    p.request(method, `/api/v1/stores/${storeId}${path}`, { ...auth, ...(body === undefined ? {} : { body }) });
  const shop = (path: string) => sf.request(`http://${slug}.localhost${path}`, { headers: { host: `${slug}.localhost` } });
  /** The inline theme style of a page: what the first paint uses. */
  const rootVars = (html: string) => /<style>:root\{([^}]*)\}<\/style>/.exec(html)?.[1] ?? '';
  const previewPath = async (path = '/') => {
    const r = await api('POST', '/theme/preview', { path });
    expect(r.status, r.text).toBe(200);
    const u = new URL(r.body.url);
    return `${u.pathname}${u.search}`;
  };

  beforeAll(async () => {
    p = await startTestPlatform({ config: { orderLinkSecret: SECRET } });
    sf = createStorefrontApp(p.db, createLogger({ level: 'silent' }), {
      rootDomain: 'localhost',
      secret: SECRET,
      storeCacheTtlMs: 0,
      pageCacheTtlMs: 0,
      consoleOrigin: 'http://console.test',
      storage: p.services.storage,
    });
    cookie = (await signup(p)).cookie;
    const store = await createStore(p, cookie);
    storeId = store.id;
    slug = store.slug;
  });
  afterAll(async () => {
    await p?.close();
  });

  it('starts from the published theme (version 0) and refuses unknown keys and bad values with 422 and paths', async () => {
    const first = await api('GET', '/theme/settings');
    expect(first.status, first.text).toBe(200);
    expect(first.body).toMatchObject({ version: 0, publishedAt: null, contrast: [] });
    expect(first.body.draft).toEqual(first.body.published);
    expect(first.body.published).toMatchObject({ fontScale: 100, density: 'comfortable', buttonRadius: 32, buttonStyle: 'solid', faviconUrl: null });

    const bad = await api('PUT', '/theme/settings/draft', {
      settings: {
        textColor: 'red',
        fontScale: 101,
        density: 'roomy',
        buttonRadius: 40,
        headingFont: 'comic',
        colour: '#000000',
        faviconUrl: 'https://evil.example/x.png',
      },
    });
    expect(bad.status, bad.text).toBe(422);
    expect(bad.body.error.code).toBe('theme_settings_invalid');
    expect(bad.text).not.toMatch(/stack|select |insert /i);
    const paths = bad.body.error.details.map((d: { path: string }) => d.path).sort();
    expect(paths).toEqual(
      [
        'settings.buttonRadius',
        'settings.colour',
        'settings.density',
        'settings.faviconUrl',
        'settings.fontScale',
        'settings.headingFont',
        'settings.textColor',
      ].sort(),
    );
    expect(bad.body.error.details).toContainEqual({ path: 'settings.textColor', message: 'a colour as #rrggbb' });
    expect(bad.body.error.details).toContainEqual({ path: 'settings.fontScale', message: 'a percentage from 85 to 130 in steps of 5' });
    // Nothing was written.
    expect((await api('GET', '/theme/settings')).body.version).toBe(0);
  });

  it('saves drafts with expectedVersion (409 when stale), warns below WCAG AA, and publishes only on publish', async () => {
    const saved = await api('PUT', '/theme/settings/draft', {
      settings: { textColor: '#CCCCCC', headingFont: 'serif', fontScale: 115, density: 'spacious', buttonRadius: 4, buttonStyle: 'outline' },
      expectedVersion: 0,
    });
    expect(saved.status, saved.text).toBe(200);
    expect(saved.body.version).toBe(1);
    expect(saved.body.draft).toMatchObject({
      textColor: '#cccccc',
      headingFont: 'serif',
      fontScale: 115,
      density: 'spacious',
      buttonRadius: 4,
      buttonStyle: 'outline',
    });
    // Light grey text on white: below AA, reported (not refused).
    expect(saved.body.contrast).toContainEqual({ pair: 'text', foreground: '#cccccc', background: '#ffffff', ratio: 1.61, minimum: 4.5 });
    // The outline button draws the primary colour on the background (dark on white: fine).
    expect(saved.body.contrast.map((w: { pair: string }) => w.pair)).toEqual(['text']);
    expect(saved.body.published).toMatchObject({ textColor: DEFAULT_THEME.textColor, buttonStyle: 'solid' });

    const stale = await api('PUT', '/theme/settings/draft', { settings: { textColor: '#222222' }, expectedVersion: 0 });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('version_conflict');
    const fixed = await api('PUT', '/theme/settings/draft', { settings: { textColor: '#222222' }, expectedVersion: 1 });
    expect(fixed.status, fixed.text).toBe(200);
    expect(fixed.body.contrast).toEqual([]);
    expect(fixed.body.draft.headingFont).toBe('serif');

    // The store settings (logo, name) keep working and show the published theme.
    expect((await api('GET', '/settings')).body.theme.textColor).toBe(DEFAULT_THEME.textColor);
    const published = await api('POST', '/theme/settings/publish');
    expect(published.status, published.text).toBe(200);
    expect(published.body.published).toMatchObject({ textColor: '#222222', headingFont: 'serif', fontScale: 115, buttonStyle: 'outline' });
    expect(published.body.publishedAt).not.toBeNull();
    expect((await api('GET', '/settings')).body.theme).toMatchObject({ textColor: '#222222', density: 'spacious' });
  });

  it('the page CSS carries the published values; a newer draft reaches a preview link only', async () => {
    const res = await shop('/');
    const html = await res.text();
    const vars = rootVars(html);
    expect(vars).toContain('--text:#222222');
    expect(vars).toContain("--heading-font:'Iowan Old Style'");
    expect(vars).toContain('--font-scale:1.15');
    expect(vars).toContain('--space:1.4');
    expect(vars).toContain('--button-radius:4px');
    expect(html).toContain('<html lang="en" data-buttons="outline">');
    // Inline in the head, after the stylesheet: no flash of the default theme.
    expect(html.indexOf('<link rel="stylesheet"')).toBeLessThan(html.indexOf('<style>:root{'));
    expect(html.indexOf('<style>:root{')).toBeLessThan(html.indexOf('</head>'));

    const draft = await api('PUT', '/theme/settings/draft', { settings: { primaryColor: '#5b21b6', density: 'compact', buttonStyle: 'solid' } });
    expect(draft.status, draft.text).toBe(200);
    const shopper = await (await shop('/')).text();
    expect(rootVars(shopper)).toContain('--primary:#1f2937');
    expect(rootVars(shopper)).toContain('--space:1.4');
    expect(shopper).toContain('data-buttons="outline"');
    expect(shopper).not.toContain('#5b21b6');

    const preview = await shop(await previewPath('/'));
    expect(preview.headers.get('cache-control')).toBe('private, no-store');
    const previewHtml = await preview.text();
    expect(rootVars(previewHtml)).toContain('--primary:#5b21b6');
    expect(rootVars(previewHtml)).toContain('--space:0.65');
    expect(previewHtml).not.toContain('data-buttons="outline"');
    // Every page of the store, not only the home page.
    expect(rootVars(await (await shop(`/search${(await previewPath('/search')).slice('/search'.length)}`)).text())).toContain('--primary:#5b21b6');
    // Shoppers right after the preview: still the published theme.
    expect(rootVars(await (await shop('/search')).text())).toContain('--primary:#1f2937');
  });

  it('uploads a favicon into the draft, links it from the store once published, and removes it', async () => {
    const png = gradientPng(32, 32, [200, 40, 40]);
    const form = new FormData();
    form.set('file', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'icon.png');
    const up = await p.request('POST', `/api/v1/stores/${storeId}/theme/settings/favicon`, { cookie, form });
    expect(up.status, up.text).toBe(200);
    const url: string = up.body.draft.faviconUrl;
    expect(url).toMatch(new RegExp(`/media/${storeId}/favicon-[0-9a-f]+\\.png$`));
    expect(up.body.published.faviconUrl).toBeNull();
    const name = url.split('/').pop() as string;
    expect(await (await shop('/')).text()).not.toContain('rel="icon"');
    await api('POST', '/theme/settings/publish');
    const html = await (await shop('/')).text();
    expect(html).toContain(`<link rel="icon" href="/media/${name}">`);
    const icon = await shop(`/media/${name}`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toBe('image/png');

    const notImage = new FormData();
    notImage.set('file', new Blob(['<svg xmlns="http://www.w3.org/2000/svg"/>'], { type: 'image/svg+xml' }), 'x.svg');
    expect((await p.request('POST', `/api/v1/stores/${storeId}/theme/settings/favicon`, { cookie, form: notImage })).status).toBe(415);

    expect((await api('PUT', '/theme/settings/draft', { settings: { faviconUrl: null } })).status).toBe(200);
    await api('POST', '/theme/settings/publish');
    expect(await (await shop('/')).text()).not.toContain('rel="icon"');
  });

  it('deletes favicon files that neither the published theme nor the draft refers to: replaced, removed, discarded', async () => {
    const upload = async (rgb: [number, number, number]) => {
      const form = new FormData();
      form.set('file', new Blob([new Uint8Array(gradientPng(32, 32, rgb))], { type: 'image/png' }), 'icon.png');
      const r = await p.request('POST', `/api/v1/stores/${storeId}/theme/settings/favicon`, { cookie, form });
      expect(r.status, r.text).toBe(200);
      return r.body.draft.faviconUrl as string;
    };
    const stored = async (url: string) => (await p.services.storage.get(`${storeId}/${url.split('/').pop()}`)) !== null;

    // A draft upload replaced by another before publishing: the first file is gone.
    const a = await upload([10, 20, 30]);
    const b = await upload([40, 50, 60]);
    expect(await stored(a)).toBe(false);
    expect(await stored(b)).toBe(true);
    // Published, then replaced in the draft: the published one stays (shoppers still see it) until the next publish.
    await api('POST', '/theme/settings/publish');
    const c = await upload([70, 80, 90]);
    expect(await stored(b)).toBe(true);
    expect(await stored(c)).toBe(true);
    // The draft discarded: its upload is deleted, the published favicon kept.
    const discarded = await api('POST', '/theme/settings/discard', {});
    expect(discarded.status, discarded.text).toBe(200);
    expect(discarded.body.draft.faviconUrl).toBe(b);
    expect(await stored(c)).toBe(false);
    expect(await stored(b)).toBe(true);
    // Stale editors cannot discard a newer draft.
    expect((await api('POST', '/theme/settings/discard', { expectedVersion: 0 })).status).toBe(409);
    // Replaced and published: the old published file goes.
    const d = await upload([100, 110, 120]);
    await api('POST', '/theme/settings/publish');
    expect(await stored(b)).toBe(false);
    expect(await stored(d)).toBe(true);
    // Removed and published: nothing refers to it any more.
    expect((await api('PUT', '/theme/settings/draft', { settings: { faviconUrl: null } })).status).toBe(200);
    expect(await stored(d)).toBe(true);
    await api('POST', '/theme/settings/publish');
    expect(await stored(d)).toBe(false);
    expect(await (await shop('/')).text()).not.toContain('rel="icon"');
  });

  it('a colour changed in store settings reaches the draft, so a later publish keeps it; staff without UpdateStore cannot write', async () => {
    expect((await api('PUT', '/settings', { theme: { accentColor: '#0f766e' } })).status).toBe(200);
    const view = (await api('GET', '/theme/settings')).body;
    expect(view.draft.accentColor).toBe('#0f766e');
    expect((await api('POST', '/theme/settings/publish')).body.published.accentColor).toBe('#0f766e');

    const staff = await signup(p);
    await p.db.control.insertInto('memberships').values({ store_id: storeId, user_id: staff.user.id, role: 'staff', created_at: new Date() }).execute();
    expect((await api('GET', '/theme/settings', undefined, { cookie: staff.cookie })).status).toBe(200);
    expect((await api('PUT', '/theme/settings/draft', { settings: { textColor: '#000000' } }, { cookie: staff.cookie })).status).toBe(403);
    expect((await api('POST', '/theme/settings/publish', undefined, { cookie: staff.cookie })).status).toBe(403);
  });
});
