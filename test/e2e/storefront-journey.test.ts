/**
 * What a new merchant's shoppers meet first, in real Chromium: product
 * descriptions written as HTML (Shopify exports, the console editor) render as
 * sanitised rich text, not as tags; images the merchant uploaded show on the
 * storefront (served from the shop's own host in several widths, AVIF/WebP by
 * Accept), and an image that cannot be loaded becomes the drawn placeholder.
 * A new store shows shoppers "opening soon" until the merchant launches it
 * (POST /stores/:id/launch), and the merchant's preview link shows the shop
 * before that.
 */
import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@storeloom/log';
import sharp from 'sharp';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorefrontApp } from '../../apps/storefront/src/app.ts';
import { artifactPath, launchChromium, serveOnFreePort, VIEWPORTS } from '../helpers/browser.ts';
import { axeViolations } from '../helpers/axe.ts';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

const SHOPIFY_BODY = `<meta charset="utf-8"><p><span class="a-list-item">Hand-poured <strong>soy wax</strong> candle.</span></p>
<h1>Details</h1><ul><li>Burns 40 hours</li><li>Cotton wick</li></ul>
<p><a href="https://example.com/care" target="_blank">Care guide</a> <a href="javascript:alert(1)">click</a></p>
<script>window.__pwned = true</script><style>body{display:none}</style>
<img src="x" onerror="window.__pwned = true"><p onclick="window.__pwned = true" style="color:red">Made in Kyoto.</p>`;

async function photo(width: number, height: number, hue: string) {
  return new Uint8Array(
    await sharp({ create: { width, height, channels: 3, background: hue } })
      .jpeg({ quality: 85 })
      .toBuffer(),
  );
}
function form(bytes: Uint8Array, name: string, type: string, alt: string) {
  const f = new FormData();
  f.set('file', new File([bytes as never], name, { type }));
  f.set('alt', alt);
  return f;
}

describe('storefront: descriptions and media', { timeout: 240_000 }, () => {
  let p: TestPlatform;
  let browser: Browser;
  let uploads: string;
  let sf: { port: number; close(): Promise<void> };
  let sfApp: ReturnType<typeof createStorefrontApp>;
  /** Node's fetch cannot resolve *.localhost; requests from the test go to the app with the store's Host. */
  const get = (path: string, accept = '*/*') => sfApp.request(url(path), { headers: { accept, host: `${store.slug}.localhost:${sf.port}` } });
  let owner: string;
  let store: { id: string; slug: string };
  const url = (path: string) => `http://${store.slug}.localhost:${sf.port}${path}`;

  beforeAll(async () => {
    uploads = await mkdtemp(join(tmpdir(), 'storeloom-sf-media-'));
    // The console's media URLs point at its own origin, which nothing serves in this test: as with http on
    // another port in `npm start`, a storefront page can only show the images it serves itself.
    p = await startTestPlatform({ config: { storage: { driver: 'local', uploadsDir: uploads, mediaPublicUrl: 'http://localhost:3000/media' } } });
    sfApp = createStorefrontApp(p.db, createLogger({ level: 'silent' }), {
      rootDomain: 'localhost',
      storage: p.services.storage,
      pageCacheTtlMs: 0,
      storeCacheTtlMs: 0,
    });
    sf = await serveOnFreePort(sfApp.fetch);
    owner = (await signup(p)).cookie;
    store = await createStore(p, owner);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await sf?.close();
    await p?.close();
    await rm(uploads, { recursive: true, force: true });
  });

  it('stores descriptions sanitised under one allow-list (API write)', async () => {
    const candle = await createProduct(p, owner, store.id, { title: 'Yuzu Candle', handle: 'yuzu-candle', description: SHOPIFY_BODY });
    const stored = (await p.request('GET', `/api/v1/stores/${store.id}/products/${candle.id}`, { cookie: owner })).body.description as string;
    expect(stored).toContain('<strong>soy wax</strong>');
    expect(stored).toContain('<h2>Details</h2>');
    expect(stored).not.toMatch(/<script|<style|<meta|onerror|onclick|javascript:|class=|style=/i);
    expect(stored).toContain('rel="noopener noreferrer"');
    // Plain text stays as written.
    const plain = await createProduct(p, owner, store.id, { title: 'Plain', description: 'Line one\nLine two & more' });
    expect(plain.description).toBe('Line one\nLine two & more');
    // A patch is sanitised the same way.
    const patched = await p.request('PATCH', `/api/v1/stores/${store.id}/products/${plain.id}`, {
      cookie: owner,
      body: { version: plain.version, description: '<p>ok</p><iframe src="https://evil.example"></iframe><a href="javascript:x()">x</a>' },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body.description).toBe('<p>ok</p>x');
  });

  it('renders an HTML description as rich text, not as tags, with nothing executable', async () => {
    // A row written before the rules (e.g. by an older import) is sanitised again when rendered.
    const row = await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', store.id).executeTakeFirstOrThrow();
    const legacy = await createProduct(p, owner, store.id, { title: 'Legacy Soap', handle: 'legacy-soap' });
    await p.db.tenant(row.schema_name).updateTable('products').set({ description: SHOPIFY_BODY }).where('id', '=', legacy.id).execute();
    for (const handle of ['yuzu-candle', 'legacy-soap']) {
      const page = await browser.newPage({ viewport: VIEWPORTS.desktop });
      await page.goto(url(`/products/${handle}`));
      const description = page.locator('.description');
      await description.waitFor();
      const text = (await description.textContent()) ?? '';
      expect(text).toContain('Hand-poured soy wax candle.');
      expect(text).not.toMatch(/<p>|<span|<meta|<\/|window\.__pwned|display:none/);
      expect(await description.locator('strong').textContent()).toBe('soy wax');
      expect(await description.locator('li').count()).toBe(2);
      expect(await description.locator('h2').textContent()).toBe('Details');
      expect(await description.locator('script, style, meta, [onerror], [onclick], [style], [class]').count()).toBe(0);
      expect(await description.locator('a[href^="javascript"]').count()).toBe(0);
      expect(await description.getByRole('link', { name: 'Care guide' }).getAttribute('rel')).toBe('noopener noreferrer');
      expect(await page.evaluate(() => (window as unknown as { __pwned?: boolean }).__pwned ?? false)).toBe(false);
      // The meta description is plain text.
      const meta = await page.locator('meta[name=description]').getAttribute('content');
      expect(meta).toContain('Hand-poured soy wax candle. Details Burns 40 hours');
      expect(meta).not.toContain('<');
      await page.close();
    }
  });

  it('shows uploaded images from the shop’s own host in responsive widths, and a placeholder when one fails', async () => {
    const product = await createProduct(p, owner, store.id, { title: 'Kyoto Teapot', handle: 'kyoto-teapot', productType: 'Tea ware' });
    const base = `/api/v1/stores/${store.id}/products/${product.id}/images`;
    const up = await p.request('POST', base, { cookie: owner, form: form(await photo(1600, 1200, '#2f6f4f'), 'teapot.jpg', 'image/jpeg', 'Green teapot') });
    expect(up.status, up.text).toBe(201);
    const second = await p.request('POST', base, { cookie: owner, form: form(await photo(800, 800, '#8a4f2f'), 'lid.jpg', 'image/jpeg', 'Lid') });
    expect(second.status).toBe(201);
    const name = (up.body.url as string).split('/').pop() as string;

    const page = await browser.newPage({ viewport: VIEWPORTS.desktop });
    const responses: { url: string; type: string | null }[] = [];
    page.on('response', (r) => {
      if (r.url().includes('/media/')) responses.push({ url: r.url(), type: r.headers()['content-type'] ?? null });
    });
    await page.goto(url('/products/kyoto-teapot'));
    const main = page.locator('.main-image img');
    await main.waitFor();
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('.main-image img');
      return img?.complete && img.naturalWidth > 0;
    });
    const shown = await main.evaluate((img: HTMLImageElement) => ({ src: img.currentSrc, w: img.naturalWidth, srcset: img.srcset, alt: img.alt }));
    expect(shown.src.startsWith(url(`/media/${name}?w=`))).toBe(true);
    expect(shown.w).toBeGreaterThan(0);
    expect(shown.w).toBeLessThan(1600);
    expect(shown.srcset).toContain(`/media/${name}?w=320 320w`);
    expect(shown.alt).toBe('Green teapot');
    // Chromium accepts AVIF: the resized variant is AVIF.
    expect(responses.find((r) => r.url === shown.src)?.type).toBe('image/avif');
    await page.screenshot({ path: artifactPath('sf-journey-product-image-desktop.png') });
    await page.close();

    // The HTTP contract of the media route.
    const avif = await get(`/media/${name}?w=480`, 'image/avif,image/webp,*/*');
    expect(avif.status).toBe(200);
    expect(avif.headers.get('content-type')).toBe('image/avif');
    expect(avif.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(avif.headers.get('vary')).toBe('Accept');
    expect(avif.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
    expect((await sharp(new Uint8Array(await avif.arrayBuffer())).metadata()).width).toBe(480);
    const webp = await get(`/media/${name}?w=480`, 'image/webp,*/*');
    expect(webp.headers.get('content-type')).toBe('image/webp');
    const jpeg = await get(`/media/${name}?w=320`);
    expect(jpeg.headers.get('content-type')).toBe('image/jpeg');
    expect((await sharp(new Uint8Array(await jpeg.arrayBuffer())).metadata()).width).toBe(320);
    const original = await get(`/media/${name}`);
    expect(original.headers.get('content-type')).toBe('image/jpeg');
    expect((await sharp(new Uint8Array(await original.arrayBuffer())).metadata()).width).toBe(1600);
    expect((await get(`/media/${name}?w=333`)).status).toBe(400);
    expect((await get('/media/..%2F..%2Fetc%2Fpasswd')).status).toBe(404);
    // Another store's file is not reachable through this host.
    const other = await createStore(p, owner);
    const otherProduct = await createProduct(p, owner, other.id, { title: 'Other' });
    const foreign = await p.request('POST', `/api/v1/stores/${other.id}/products/${otherProduct.id}/images`, {
      cookie: owner,
      form: form(await photo(64, 64, '#000000'), 'o.jpg', 'image/jpeg', 'o'),
    });
    expect((await get(`/media/${(foreign.body.url as string).split('/').pop()}`)).status).toBe(404);

    // The file behind an image disappears: the page shows the drawn placeholder instead of a broken image.
    await unlink(join(uploads, store.id, name));
    for (const f of await import('node:fs/promises').then((fs) => fs.readdir(join(uploads, store.id))))
      if (f.startsWith(name.replace(/\.jpg$/, '_w'))) await unlink(join(uploads, store.id, f));
    const broken = await browser.newPage({ viewport: VIEWPORTS.phone });
    await broken.goto(url('/products/kyoto-teapot'));
    await broken.locator('.main-image [data-testid=image-placeholder]').waitFor();
    expect(await broken.locator('.main-image img').count()).toBe(0);
    await broken.screenshot({ path: artifactPath('sf-journey-product-placeholder-phone.png') });
    await broken.close();
  });

  it('shows shoppers "opening soon" until the merchant launches; the preview link shows the shop before that', async () => {
    const fresh = await createStore(p, owner, undefined, 'USD', { launch: false });
    await createProduct(p, owner, fresh.id, { title: 'Early Bird Mug', handle: 'early-bird-mug' });
    const at = (path: string) => `http://${fresh.slug}.localhost:${sf.port}${path}`;
    const state = await p.request('GET', `/api/v1/stores/${fresh.id}/launch`, { cookie: owner });
    expect(state.status).toBe(200);
    expect(state.body).toMatchObject({ storeId: fresh.id, launched: false, launchedAt: null });
    const preview = new URL(state.body.previewUrl as string);

    for (const [vp, viewport] of Object.entries(VIEWPORTS)) {
      const page = await browser.newPage({ viewport });
      const res = await page.goto(at('/products/early-bird-mug'));
      expect(res?.status()).toBe(503);
      await page.getByRole('heading', { name: 'Opening soon' }).waitFor();
      expect(await page.getByText('Early Bird Mug').count()).toBe(0);
      expect(await axeViolations(page)).toEqual([]);
      await page.screenshot({ path: artifactPath(`sf-opening-soon-${vp}.png`) });
      await page.close();
    }
    // The JSON APIs and the sitemap are closed too; a wrong preview token changes nothing.
    const host = { host: `${fresh.slug}.localhost:${sf.port}` };
    expect((await sfApp.request(at('/api/storefront/v1/search?q=mug'), { headers: host })).status).toBe(503);
    expect((await sfApp.request(at('/sitemap.xml'), { headers: host })).status).toBe(503);
    const wrong = await sfApp.request(at('/?preview=not-the-token'), { headers: host });
    expect(wrong.status).toBe(503);
    expect(wrong.headers.get('set-cookie')).toBeNull();

    // The merchant's preview link: this browser sees the real shop (not indexed); another browser still does not.
    const ctx = await browser.newContext({ viewport: VIEWPORTS.desktop });
    const merchant = await ctx.newPage();
    await merchant.goto(at(`/${preview.search}`));
    expect(new URL(merchant.url()).search).toBe('');
    const product = await merchant.goto(at('/products/early-bird-mug'));
    expect(product?.status()).toBe(200);
    expect(product?.headers()['x-robots-tag']).toBe('noindex');
    await merchant.getByRole('heading', { name: 'Early Bird Mug' }).waitFor();
    const shopper = await browser.newPage();
    expect((await shopper.goto(at('/products/early-bird-mug')))?.status()).toBe(503);

    // Staff may not launch; the owner does (200, fixed contract); launching again keeps the first time.
    const staff = await signup(p);
    const invite = await p.request('POST', `/api/v1/stores/${fresh.id}/invitations`, { cookie: owner, body: { email: staff.email, role: 'staff' } });
    expect(invite.status, invite.text).toBe(201);
    const [mail] = await p.services.mail.list({ to: staff.email, limit: 1 });
    const token = /\/invite\?token=([a-z2-7]+)/.exec(mail?.text ?? '')?.[1];
    expect((await p.request('POST', '/api/v1/invitations/accept', { cookie: staff.cookie, body: { token } })).status).toBe(200);
    expect((await p.request('POST', `/api/v1/stores/${fresh.id}/launch`, { cookie: staff.cookie })).status).toBe(403);
    expect((await p.request('GET', `/api/v1/stores/${fresh.id}/launch`, { cookie: staff.cookie })).body.launched).toBe(false);
    const launched = await p.request('POST', `/api/v1/stores/${fresh.id}/launch`, { cookie: owner });
    expect(launched.status, launched.text).toBe(200);
    expect(launched.body).toMatchObject({ storeId: fresh.id, launched: true });
    const again = await p.request('POST', `/api/v1/stores/${fresh.id}/launch`, { cookie: owner });
    expect(again.status).toBe(200);
    expect(again.body.launchedAt).toBe(launched.body.launchedAt);
    const audit = await p.db.control.selectFrom('audit_log').select('action').where('store_id', '=', fresh.id).where('action', '=', 'store.launched').execute();
    expect(audit).toHaveLength(1);
    const open = await shopper.goto(at('/products/early-bird-mug'));
    expect(open?.status()).toBe(200);
    expect(open?.headers()['x-robots-tag']).toBeUndefined();
    await shopper.getByRole('heading', { name: 'Early Bird Mug' }).waitFor();
    await shopper.close();
    await ctx.close();
  });
});
