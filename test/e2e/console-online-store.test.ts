/**
 * Console → Online store in Chromium (issue 20): the merchant writes a page and a blog article in the console and
 * sees them on the storefront; builds the header menu (reordering an item with the keyboard buttons, announced) and
 * the storefront's header follows; fills in a policy and previews it; moderates imported reviews (hide, reply); and
 * the product editor shows an uploaded 3D model in <model-viewer> with the validator's report, under the console's
 * CSP with no violation. axe: no serious or critical violations on each screen at 1280 and 390 px; screenshots under
 * test-artifacts/.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@storeloom/log';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createControlPlaneApp } from '../../apps/control-plane/src/app.ts';
import { createStorefrontApp } from '../../apps/storefront/src/app.ts';
import { pyramidGlb } from '../../scripts/make-glb-fixtures.ts';
import { axeViolations } from '../helpers/axe.ts';
import { artifactPath, launchChromium, serveOnFreePort, VIEWPORTS } from '../helpers/browser.ts';
import { createProduct, createStore, ORIGIN, signup, startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

describe('console online store', { timeout: 300_000 }, () => {
  let p: TestPlatform;
  let browser: Browser;
  let cp: { port: number; close(): Promise<void> };
  let sf: { port: number; close(): Promise<void> };
  let uploads: string;
  let base: string;
  let owner: { cookie: string };
  let store: { id: string; slug: string };
  const shop = (path: string) => `http://${store.slug}.localhost:${sf.port}${path}`;
  const api = (method: string, path: string, body?: unknown) =>
    p.request(method, `/api/v1/stores/${store.id}${path}`, { cookie: owner.cookie, ...(body === undefined ? {} : { body }) });

  beforeAll(async () => {
    uploads = await mkdtemp(join(tmpdir(), 'storeloom-online-store-e2e-'));
    let cpHandler: (req: Request) => Response | Promise<Response> = () => new Response('starting', { status: 503 });
    let sfHandler: (req: Request) => Response | Promise<Response> = () => new Response('starting', { status: 503 });
    cp = await serveOnFreePort((req) => cpHandler(req));
    sf = await serveOnFreePort((req) => sfHandler(req));
    base = `http://localhost:${cp.port}`;
    p = await startTestPlatform({
      config: {
        publicUrl: base,
        trustedOrigins: [ORIGIN],
        storefrontPort: sf.port,
        storage: { driver: 'local', uploadsDir: uploads, mediaPublicUrl: `${base}/media` },
      },
    });
    cpHandler = createControlPlaneApp(p.services, createLogger({ level: 'silent' })).fetch;
    sfHandler = createStorefrontApp(p.db, createLogger({ level: 'silent' }), {
      rootDomain: 'localhost',
      storage: p.services.storage,
      pageCacheTtlMs: 0,
      storeCacheTtlMs: 0,
    }).fetch;
    browser = await launchChromium();
    owner = await signup(p);
    store = await createStore(p, owner.cookie);
  });
  afterAll(async () => {
    await browser?.close();
    await cp?.close();
    await sf?.close();
    await p?.close();
    if (uploads) await rm(uploads, { recursive: true, force: true });
  });

  const open = async (): Promise<{ ctx: BrowserContext; page: Page; errors: string[] }> => {
    const ctx = await browser.newContext({ viewport: VIEWPORTS.desktop, locale: 'en-US' });
    const [name, value] = owner.cookie.split('=') as [string, string];
    await ctx.addCookies([{ name, value, url: base }]);
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) errors.push(m.text());
    });
    return { ctx, page, errors };
  };
  /** axe at both widths, with a full-page screenshot of each. */
  const check = async (page: Page, name: string) => {
    const dismiss = page.getByRole('button', { name: 'Dismiss' });
    while ((await dismiss.count()) > 0) await dismiss.first().click();
    for (const [vp, viewport] of Object.entries(VIEWPORTS)) {
      await page.setViewportSize(viewport);
      await page.screenshot({ path: artifactPath(`console-${name}-${vp}.png`), fullPage: true });
      expect(await axeViolations(page), `${name} at ${vp}`).toEqual([]);
    }
    await page.setViewportSize(VIEWPORTS.desktop);
  };

  it('writes a page and a blog article that the storefront shows', async () => {
    const { ctx, page, errors } = await open();
    await page.goto(`${base}/stores/${store.id}/pages`);
    await page.getByText('No pages yet').waitFor();
    await check(page, 'pages-empty');
    await page.getByRole('link', { name: 'Add page' }).first().click();
    await page.locator('#content-title').fill('About us');
    await page.locator('#content-body').fill('<p>We make <strong>small things</strong> by hand.</p><script>alert(1)</script>');
    await page.getByLabel('Published (shoppers can see it)').check();
    await page.locator('#content-seoTitle').fill('About Small Things');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.waitForURL(/\/pages\/[0-9a-f-]{36}$/);
    await page.getByRole('link', { name: 'View in store' }).waitFor();
    expect(await page.locator('#content-handle').inputValue()).toBe('about-us');
    // The API sanitised the body on write.
    expect(await page.locator('#content-body').inputValue()).not.toContain('<script>');
    await check(page, 'page-editor');

    // A product image to pick as the article's cover.
    const bench = await createProduct(p, owner.cookie, store.id, {
      title: 'Oak Workbench',
      variants: [{ sku: 'BENCH-1', price: 90000, inventoryQuantity: 1 }],
    });
    const form = new FormData();
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#8f6f2f' } })
      .png()
      .toBuffer();
    form.set('file', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'bench.png');
    form.set('alt', 'The workbench');
    const img = await p.request('POST', `/api/v1/stores/${store.id}/products/${bench.id}/images`, {
      cookie: owner.cookie,
      form,
      headers: { 'idempotency-key': 'bench-img' },
    });
    expect(img.status, img.text).toBe(201);

    await page.goto(`${base}/stores/${store.id}/blog`);
    await page.getByRole('link', { name: 'Write article' }).first().click();
    await page.locator('#content-title').fill('Notes from the workshop');
    await page.locator('#content-body').fill('<p>Slowly, with patience.</p><h2>Tools</h2><ul><li>A file</li></ul>');
    await page.locator('#content-excerpt').fill('How we work, slowly.');
    await page.locator('#content-author').fill('Aiko');
    await page.locator('#content-tags').fill('Workshop, news');
    // The cover: a searchable image picker (typed, then chosen from the keyboard), each option with a thumbnail.
    const cover = page.getByRole('combobox', { name: 'Choose from your images' });
    await cover.fill('workb');
    const option = page.getByRole('listbox', { name: 'Choose from your images' }).getByRole('option', { name: /Oak Workbench/ });
    await option.waitFor();
    expect(await option.locator('img.thumb').getAttribute('src')).toBe(img.body.url);
    expect(await axeViolations(page), 'article editor with the image list open').toEqual([]);
    await cover.press('ArrowDown');
    await cover.press('Enter');
    expect(await cover.inputValue()).toBe('Oak Workbench — The workbench');
    expect(await page.locator('#content-coverImageUrl').inputValue()).toBe(img.body.url);
    expect(await page.locator('#content-coverImageAlt').inputValue()).toBe('The workbench');
    expect(await page.locator('img.cover-preview').getAttribute('src')).toBe(img.body.url);
    await page.getByLabel('Published (shoppers can see it)').check();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.waitForURL(/\/blog\/[0-9a-f-]{36}$/);
    expect(await page.locator('#content-tags').inputValue()).toBe('workshop, news');
    // After a reload the saved cover shows its thumbnail and its alt text in the picker.
    await page.reload();
    await page.locator('img.cover-preview').waitFor();
    expect(await page.locator('img.cover-preview').getAttribute('src')).toBe(img.body.url);
    expect(await page.getByRole('combobox', { name: 'Choose from your images' }).inputValue()).toBe('The workbench');
    await check(page, 'article-editor');
    await page.goto(`${base}/stores/${store.id}/blog`);
    await page.getByTestId('article-table').getByText('Notes from the workshop').waitFor();
    await check(page, 'blog-list');

    const shopper = await ctx.newPage();
    await shopper.goto(shop('/pages/about-us'));
    await shopper.getByRole('heading', { name: 'About us' }).waitFor();
    expect(await shopper.locator('main').textContent()).toContain('We make small things by hand.');
    await shopper.goto(shop('/blog'));
    await shopper.getByText('Notes from the workshop').first().waitFor();
    await shopper.goto(shop('/blog/notes-from-the-workshop'));
    await shopper.getByRole('heading', { name: 'Notes from the workshop' }).waitFor();
    expect(await shopper.locator('main').textContent()).toContain('Aiko');
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('builds the header menu, reorders it from the keyboard, and the storefront header follows', async () => {
    const { ctx, page, errors } = await open();
    const story = await api('POST', '/pages', { title: 'Our story', body: '<p>Since 1999.</p>', published: true });
    expect(story.status, story.text).toBe(201);
    await page.goto(`${base}/stores/${store.id}/navigation`);
    const editor = page.getByTestId('menu-editor');
    await editor.waitFor();
    await page.getByRole('button', { name: 'Add menu item' }).click();
    await page.locator('#menu-0-title').fill('About');
    await page.locator('#menu-0-type').selectOption('page');
    // The target is searched, not a select of every page: type a few letters, pick with the keyboard.
    const target = page.getByRole('combobox', { name: 'Target' });
    await target.fill('stor');
    await page
      .locator('#menu-0-target-list')
      .getByRole('option', { name: /Our story/ })
      .waitFor();
    expect(await axeViolations(page), 'menu editor with the page list open').toEqual([]);
    await page.screenshot({ path: artifactPath('console-menu-target-picker-desktop.png') });
    await target.press('Enter');
    expect(await target.inputValue()).toBe('Our story');
    await page.getByRole('button', { name: 'Add menu item' }).click();
    await page.locator('#menu-1-title').fill('Journal');
    await page.locator('#menu-1-type').selectOption('blog');
    // Keyboard: focus "Move Journal up" and press Enter; the move is announced and focus stays on the item.
    await page.getByRole('button', { name: 'Move “Journal” up' }).focus();
    await page.keyboard.press('Enter');
    await page.getByText('“Journal” moved to position 1 of 2').waitFor({ state: 'attached' });
    expect(await page.locator('#menu-0-title').inputValue()).toBe('Journal');
    await check(page, 'navigation');
    await page.getByRole('button', { name: 'Save menu' }).click();
    await page.getByText('Menu saved').waitFor();
    const saved = (await api('GET', '/menus')).body.data.find((m: { handle: string }) => m.handle === 'main-menu');
    expect(saved.items.find((i: { title: string }) => i.title === 'About')).toMatchObject({ type: 'page', target: story.body.id });
    // Reopened, the editor shows the target's title (resolved from its id), not the id.
    await page.reload();
    await page.locator('#menu-1-title').waitFor();
    expect(await page.locator('#menu-1-title').inputValue()).toBe('About');
    await page.waitForFunction(() => (document.querySelector('#menu-1-target') as HTMLInputElement | null)?.value === 'Our story');
    await page.setViewportSize(VIEWPORTS.phone);
    await page.screenshot({ path: artifactPath('console-menu-target-picker-phone.png'), fullPage: true });
    await page.setViewportSize(VIEWPORTS.desktop);

    const shopper = await ctx.newPage();
    await shopper.goto(shop('/'));
    const header = shopper.locator('header');
    await header.getByRole('link', { name: 'Journal' }).waitFor();
    const links = await header.getByRole('link').allTextContents();
    expect(links.findIndex((l) => l.includes('Journal'))).toBeLessThan(links.findIndex((l) => l.includes('About')));
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('fills in a policy with a preview, and moderates reviews', async () => {
    await createProduct(p, owner.cookie, store.id, {
      title: 'Amber Cup',
      handle: 'amber-cup',
      variants: [{ sku: 'CUP-1', price: 2500, inventoryQuantity: 5 }],
    });
    await createProduct(p, owner.cookie, store.id, {
      title: 'Walnut Stool',
      handle: 'walnut-stool',
      variants: [{ sku: 'STOOL-1', price: 12000, inventoryQuantity: 2 }],
    });
    const csv = [
      'product_handle,rating,title,body,author,email,created_at',
      'amber-cup,5,Lovely cup,Holds tea well.,Mo,mo@example.com,2026-11-02T10:00:00Z',
      'walnut-stool,4,Sturdy,A sturdy stool.,Lu,lu@example.com,2026-11-04T10:00:00Z',
      'amber-cup,1,Spam,Buy cheap watches,Bot,bot@example.com,2026-11-03T10:00:00Z',
    ].join('\n');
    const imported = await p.request('POST', `/api/v1/stores/${store.id}/reviews/import`, { cookie: owner.cookie, rawBody: csv, contentType: 'text/csv' });
    expect(imported.status, imported.text).toBe(200);

    const { ctx, page, errors } = await open();
    await page.goto(`${base}/stores/${store.id}/policies`);
    const refund = page.locator('#policy-refund-title').locator('..').locator('..');
    await refund.waitFor();
    const inputs = refund.locator('input:not([type=checkbox]), textarea');
    const count = await inputs.count();
    for (let i = 0; i < count; i++) {
      const input = inputs.nth(i);
      const id = (await input.getAttribute('id')) ?? '';
      await input.fill(/email/i.test(id) ? 'returns@example.com' : /days/i.test(id) ? '30' : 'Small Things Ltd');
    }
    await refund.getByRole('button', { name: 'Save' }).click();
    await page
      .getByText(/saved$/)
      .first()
      .waitFor();
    await refund.getByRole('button', { name: 'Preview' }).click();
    await refund.locator('.policy-preview').getByText('30').first().waitFor();
    await check(page, 'policies');
    const policies = (await api('GET', '/policies')).body.data as { kind: string; published: boolean; fields: Record<string, string> }[];
    expect(policies.find((x) => x.kind === 'refund')).toMatchObject({ published: true });

    await page.goto(`${base}/stores/${store.id}/reviews`);
    const list = page.getByTestId('review-list');
    await list.getByText('Buy cheap watches').waitFor();
    const spam = list.locator('li', { hasText: 'Buy cheap watches' });
    await spam.getByRole('button', { name: 'Hide' }).click();
    await page.getByText('Review hidden').waitFor();
    const good = list.locator('li', { hasText: 'Holds tea well.' });
    await good.getByRole('button', { name: 'Reply' }).click();
    await good.getByLabel('Reply').fill('Thank you, Mo!');
    await good.getByRole('button', { name: 'Save reply' }).click();
    await page.getByText('Reply saved').waitFor();
    await page.getByLabel('Status').selectOption('hidden');
    await list.getByText('Holds tea well.').waitFor({ state: 'detached' });
    await list.getByText('Buy cheap watches').waitFor();
    await page.getByLabel('Status').selectOption('');
    await list.getByText('Holds tea well.').waitFor();
    // Each review names its product; the product filter is a searchable picker (typed, chosen from the keyboard).
    await list.locator('li', { hasText: 'A sturdy stool.' }).getByText('Walnut Stool').waitFor();
    const filter = page.getByRole('combobox', { name: 'Product' });
    await filter.fill('amber');
    await page
      .getByRole('listbox', { name: 'Product' })
      .getByRole('option', { name: /Amber Cup/ })
      .waitFor();
    expect(await axeViolations(page), 'reviews with the product list open').toEqual([]);
    await filter.press('ArrowDown');
    await filter.press('Enter');
    await list.getByText('A sturdy stool.').waitFor({ state: 'detached' });
    await list.getByText('Holds tea well.').waitFor();
    // A reload keeps the filter (in the URL) and shows the product's title.
    await page.reload();
    await list.getByText('Holds tea well.').waitFor();
    await page.waitForFunction(() => (document.getElementById('review-product') as HTMLInputElement | null)?.value === 'Amber Cup');
    expect(await list.getByText('A sturdy stool.').count()).toBe(0);
    await check(page, 'reviews-filtered');
    await page.getByRole('button', { name: 'Clear Product' }).click();
    await list.getByText('A sturdy stool.').waitFor();
    await check(page, 'reviews');
    const reviews = (await api('GET', '/reviews')).body.data as { title: string; status: string; reply: string | null }[];
    expect(reviews.find((r) => r.title === 'Spam')?.status).toBe('hidden');
    expect(reviews.find((r) => r.title === 'Lovely cup')?.reply).toBe('Thank you, Mo!');
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('shows an uploaded 3D model with the validator report in the product editor, under the console CSP', async () => {
    const product = await createProduct(p, owner.cookie, store.id, {
      title: 'Amber Pyramid',
      description: '<p>A small pyramid, in amber.</p>',
      variants: [{ sku: 'PYR-1', price: 3900, inventoryQuantity: 3 }],
    });
    const poster = await sharp({ create: { width: 640, height: 640, channels: 3, background: '#f3e6d0' } })
      .png()
      .toBuffer();
    const { ctx, page, errors } = await open();
    const consoleLines: string[] = [];
    page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
    await page.goto(`${base}/stores/${store.id}/products/${product.id}`);
    const models = page.locator('#models-title').locator('..').locator('..');
    await models.waitFor();
    // A broken file is refused with the validator's messages.
    await page
      .getByTestId('model-upload')
      .setInputFiles({ name: 'broken.glb', mimeType: 'model/gltf-binary', buffer: Buffer.from(pyramidGlb()).subarray(0, 200) });
    await models.getByRole('button', { name: 'Upload model' }).click();
    await models.getByText('The validator refused this model').waitFor();
    await page.getByTestId('model-upload').setInputFiles({ name: 'pyramid.glb', mimeType: 'model/gltf-binary', buffer: Buffer.from(pyramidGlb()) });
    await page.locator('#model-alt').fill('Amber pyramid, 3D model');
    await page.locator('#model-poster').setInputFiles({ name: 'poster.png', mimeType: 'image/png', buffer: poster });
    await models.getByRole('button', { name: 'Upload model' }).click();
    await page.getByText('Model uploaded').waitFor();
    const tile = page.getByTestId('model-tile').first();
    await tile.locator('model-viewer').waitFor({ timeout: 120_000 });
    await page.locator('model-viewer').first().scrollIntoViewIfNeeded({ timeout: 120_000 });
    // model-viewer is ~1 MB of JavaScript and a WebGL render: generous waits on the shared test machine.
    await page
      .waitForFunction(
        () => {
          const mv = document.querySelector('model-viewer') as (HTMLElement & { loaded?: boolean }) | null;
          return !!customElements.get('model-viewer') && mv?.loaded === true;
        },
        null,
        { timeout: 120_000 },
      )
      .catch(async (e: Error) => {
        const state = await page.evaluate(() => {
          const mv = document.querySelector('model-viewer') as (HTMLElement & { loaded?: boolean; src?: string }) | null;
          return { defined: !!customElements.get('model-viewer'), src: mv?.getAttribute('src'), prop: mv?.src, loaded: mv?.loaded };
        });
        throw new Error(`${e.message}\n${JSON.stringify(state)}\n${[...errors, ...consoleLines].join('\n')}`);
      });
    expect(await tile.getByTestId('model-report').textContent()).toMatch(/Errors: 0.*Triangles: 6/s);
    await tile.scrollIntoViewIfNeeded();
    await page.screenshot({ path: artifactPath('console-product-model.png') });
    await check(page, 'product-model');
    expect(errors).toEqual([]);
    await ctx.close();
  });
});
