/**
 * Online store content in real Chromium: a product page with a 3D model
 * renders the bundled <model-viewer> under the storefront's CSP with no
 * violations, the model is keyboard-operable, and model-viewer loads only on
 * pages with a model (the JS bytes of a product page with and without one are
 * printed as a figure). axe passes on a merchant page, a policy page, the blog
 * list, an article and the product page with a model, at desktop and phone
 * widths, with screenshots saved under test-artifacts/.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@storeloom/log';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorefrontApp } from '../../apps/storefront/src/app.ts';
import { pyramidGlb } from '../../scripts/make-glb-fixtures.ts';
import { axeViolations } from '../helpers/axe.ts';
import { artifactPath, CHROMIUM_ARGS, serveOnFreePort, VIEWPORTS } from '../helpers/browser.ts';
import { createProduct, createStore, signup, startTestPlatform, testEnv, type TestPlatform } from '../helpers/platform.ts';

describe('storefront content in Chromium', { timeout: 240_000 }, () => {
  let p: TestPlatform;
  let browser: Browser;
  let uploads: string;
  let sf: { port: number; close(): Promise<void> };
  let owner: string;
  let store: { id: string; slug: string };
  const url = (path: string) => `http://${store.slug}.localhost:${sf.port}${path}`;
  const api = (method: string, path: string, body?: unknown) =>
    p.request(method, `/api/v1/stores/${store.id}${path}`, { cookie: owner, ...(body === undefined ? {} : { body }) });

  beforeAll(async () => {
    uploads = await mkdtemp(join(tmpdir(), 'storeloom-content-e2e-'));
    p = await startTestPlatform({ config: { storage: { driver: 'local', uploadsDir: uploads, mediaPublicUrl: 'http://localhost:3000/media' } } });
    const app = createStorefrontApp(p.db, createLogger({ level: 'silent' }), {
      rootDomain: 'localhost',
      storage: p.services.storage,
      pageCacheTtlMs: 0,
      storeCacheTtlMs: 0,
    });
    sf = await serveOnFreePort(app.fetch);
    owner = (await signup(p)).cookie;
    store = await createStore(p, owner);

    const pyramid = await createProduct(p, owner, store.id, {
      title: 'Amber Pyramid',
      description: '<p>A small pyramid, in amber.</p>',
      variants: [{ sku: 'PYR-1', price: 3900, inventoryQuantity: 3 }],
    });
    await createProduct(p, owner, store.id, { title: 'Plain Mug', variants: [{ sku: 'MUG-1', price: 1200, inventoryQuantity: 3 }] });
    const poster = await sharp({ create: { width: 640, height: 640, channels: 3, background: '#f3e6d0' } })
      .png()
      .toBuffer();
    const f = new FormData();
    f.set('file', new File([pyramidGlb() as never], 'pyramid.glb', { type: 'model/gltf-binary' }));
    f.set('alt', 'Amber pyramid, 3D model');
    f.set('poster', new File([new Uint8Array(poster) as never], 'poster.png', { type: 'image/png' }));
    const media = await p.request('POST', `/api/v1/stores/${store.id}/products/${pyramid.id}/media`, { cookie: owner, form: f });
    expect(media.status, media.text).toBe(201);

    const about = await api('POST', '/pages', {
      title: 'About us',
      body: '<p>We make <strong>small things</strong> by hand.</p><h2>Our workshop</h2><p>In a quiet street.</p>',
      published: true,
    });
    const policies = await api('PATCH', '/policies', {
      refund: { fields: { returnWindowDays: '30', contactEmail: 'returns@example.com' } },
      privacy: { fields: { controllerName: 'Small Things Ltd', contactEmail: 'privacy@example.com' } },
      imprint: { fields: { legalName: 'Small Things Ltd', address: '1 Quiet Street\nKyoto', email: 'hello@example.com' } },
    });
    expect(policies.status, policies.text).toBe(200);
    await api('POST', '/articles', {
      title: 'How we shape amber',
      body: '<p>Slowly, with patience.</p><h2>Tools</h2><ul><li>A file</li><li>Time</li></ul>',
      author: 'Aiko',
      tags: ['workshop', 'amber'],
      published: true,
      publishedAt: '2026-11-20T08:00:00Z',
    });
    await api('POST', '/articles', { title: 'Autumn notes', body: '<p>Leaves.</p>', excerpt: 'What changed this season.', tags: ['seasons'], published: true });
    await api('POST', '/menus', {
      handle: 'main-menu',
      title: 'Main menu',
      items: [
        { title: 'Shop', type: 'search', items: [{ title: 'Amber Pyramid', type: 'product', target: pyramid.id }] },
        { title: 'About', type: 'page', target: about.body.id },
        { title: 'Journal', type: 'blog' },
      ],
    });
    await api('POST', '/menus', {
      handle: 'footer',
      title: 'Footer',
      items: [
        { title: 'About', type: 'page', target: about.body.id },
        { title: 'Journal', type: 'blog' },
      ],
    });
    // WebGL through SwiftShader (no GPU here), as a phone or laptop would have it in hardware.
    browser = await chromium.launch({
      executablePath: testEnv.CHROMIUM_PATH,
      args: [...CHROMIUM_ARGS, '--enable-unsafe-swiftshader', '--use-angle=swiftshader'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await sf?.close();
    await p?.close();
    if (uploads) await rm(uploads, { recursive: true, force: true });
  });

  /** A page that records CSP violations and console errors from its first script on. */
  async function watchedPage(viewport: { width: number; height: number }) {
    const page = await browser.newPage({ viewport });
    // Waits (never assertions on time): the shared 2-core machine runs several suites at once.
    page.setDefaultTimeout(120_000);
    const console: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') console.push(m.text());
    });
    page.on('pageerror', (e) => console.push(String(e)));
    await page.addInitScript(() => {
      const w = window as unknown as { __csp: string[] };
      w.__csp = [];
      document.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    return { page, console, csp: () => page.evaluate(() => (window as unknown as { __csp: string[] }).__csp) };
  }

  const scriptBytes = (page: Page) =>
    page.evaluate(() =>
      (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
        .filter((e) => e.initiatorType === 'script' || /\.js(\?|$)/.test(e.name))
        .reduce((s, e) => ({ transfer: s.transfer + e.encodedBodySize, decoded: s.decoded + e.decodedBodySize }), { transfer: 0, decoded: 0 }),
    );

  it('renders <model-viewer> on a model page with no CSP errors, operable from the keyboard, loaded only where a model is', async () => {
    const { page, console, csp } = await watchedPage(VIEWPORTS.desktop);
    // The shared test machine can be slow to fetch and parse model-viewer (1 MB): wait for the document, then for the element.
    const res = await page.goto(url('/products/amber-pyramid'), { waitUntil: 'domcontentloaded', timeout: 120_000 });
    expect(res?.status()).toBe(200);
    // The custom element upgrades (the bundled script ran under script-src 'self') and the model loads.
    // On failure, say what the page logged (a blocked script, a WebGL error…).
    const explain = async (what: string, wait: Promise<unknown>) =>
      wait.catch(async (e: unknown) => {
        const state = await page.evaluate(() => ({
          scripts: Array.from(document.scripts, (s) => s.src || 'inline'),
          resources: (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).map((r) => `${r.name} ${r.responseStatus} ${r.decodedBodySize}`),
          viewer: document.querySelector('model-viewer')?.outerHTML.slice(0, 300),
        }));
        throw new Error(`${what}: ${String(e)}\nconsole: ${JSON.stringify(console)}\ncsp: ${JSON.stringify(await csp())}\nstate: ${JSON.stringify(state)}`);
      });
    await explain(
      'model-viewer defined',
      page.waitForFunction(() => customElements.get('model-viewer') !== undefined, null, { timeout: 120_000 }),
    );
    await explain(
      'model loaded',
      page.waitForFunction(() => (document.querySelector('model-viewer') as unknown as { loaded?: boolean } | null)?.loaded === true, null, {
        timeout: 120_000,
      }),
    );
    const viewer = page.locator('model-viewer');
    await expect(viewer.getAttribute('alt')).resolves.toBe('Amber pyramid, 3D model');
    // Keyboard: Tab reaches the model and the arrow keys turn it.
    await viewer.focus();
    await expect(page.evaluate(() => document.activeElement?.tagName)).resolves.toBe('MODEL-VIEWER');
    const theta = () =>
      page.evaluate(() => (document.querySelector('model-viewer') as unknown as { getCameraOrbit(): { theta: number } }).getCameraOrbit().theta);
    const before = await theta();
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction(
      (t0) => (document.querySelector('model-viewer') as unknown as { getCameraOrbit(): { theta: number } }).getCameraOrbit().theta !== t0,
      before,
    );
    await page.waitForLoadState('networkidle');
    // Back to the top first: focusing the model scrolled the page, and a full-page shot would draw the sticky header there.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: artifactPath('content-product-model-desktop.png'), fullPage: true });
    expect(await csp()).toEqual([]);
    expect(console.filter((m) => /Content Security Policy|Refused to/i.test(m))).toEqual([]);
    expect(await axeViolations(page)).toEqual([]);
    const withModel = await scriptBytes(page);

    const plain = await watchedPage(VIEWPORTS.desktop);
    await plain.page.goto(url('/products/plain-mug'));
    await plain.page.waitForLoadState('networkidle');
    await expect(plain.page.evaluate(() => customElements.get('model-viewer') === undefined)).resolves.toBe(true);
    const without = await scriptBytes(plain.page);
    expect(without.decoded).toBeLessThan(withModel.decoded);
    // The figure (bench-style JSON line): JS bytes of a product page with and without a 3D model.
    process.stdout.write(
      `${JSON.stringify({ figure: 'product_page_js_bytes', withModel, withoutModel: without, note: 'encoded = over the wire (brotli), decoded = parsed JS' })}\n`,
    );
    await page.close();
    await plain.page.close();
  });

  it('passes axe on pages, policies, the blog and an article at desktop and phone widths (screenshots saved)', async () => {
    const pages: [string, string][] = [
      ['page', '/pages/about-us'],
      ['policy', '/policies/privacy-policy'],
      ['imprint', '/policies/legal-notice'],
      ['blog', '/blog'],
      ['article', '/blog/how-we-shape-amber'],
    ];
    for (const [vpName, vp] of Object.entries(VIEWPORTS)) {
      const { page, csp } = await watchedPage(vp);
      for (const [name, path] of pages) {
        const res = await page.goto(url(path));
        expect(res?.status(), path).toBe(200);
        await page.waitForLoadState('networkidle');
        await page.screenshot({ path: artifactPath(`content-${name}-${vpName}.png`), fullPage: true });
        expect(await axeViolations(page), `${path} at ${vpName}`).toEqual([]);
      }
      // The header menu is reachable by keyboard, sub-menu included: focus on its parent opens it (focus-within), Tab enters it.
      await page.goto(url('/'));
      const menu = page.getByRole('navigation', { name: 'Main menu' });
      await menu.getByRole('link', { name: 'Shop', exact: true }).focus();
      await page.keyboard.press('Tab');
      await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Amber Pyramid');
      await expect(menu.getByRole('link', { name: 'Amber Pyramid' }).isVisible()).resolves.toBe(true);
      await page.screenshot({ path: artifactPath(`content-menu-${vpName}.png`) });
      expect(await csp()).toEqual([]);
      await page.close();
    }
  });
});
