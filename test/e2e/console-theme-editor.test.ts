/**
 * Theme editor in Chromium (issue 20): the merchant builds the home page from sections (adds a rich-text section,
 * edits its heading, moves it with the keyboard buttons — announced — hides and un-hides a section with Ctrl+Z) and
 * picks a theme setting (spacing); the draft autosaves and the preview iframe (the storefront on a signed
 * draft-preview link, framed by the console) shows the draft, at desktop width (the storefront's 1280 px layout,
 * scaled to fit) and at phone width. Shoppers see none of it until Publish; then the store's home page has the new
 * section and spacing. A draft changed elsewhere meanwhile is reloaded with a message. Version history lists the
 * publish. No CSP error in the console or the frame; axe: no serious or critical violations on the editor at 1280 and
 * 390 px and on the shopper's home page; screenshots under test-artifacts/.
 */
import { createLogger } from '@storeloom/log';
import type { Browser } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createControlPlaneApp } from '../../apps/control-plane/src/app.ts';
import { createStorefrontApp } from '../../apps/storefront/src/app.ts';
import { axeViolations } from '../helpers/axe.ts';
import { artifactPath, launchChromium, serveOnFreePort, VIEWPORTS } from '../helpers/browser.ts';
import { createProduct, createStore, ORIGIN, signup, startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

const SECRET = 'console-theme-editor-e2e-secret-0123456789';

describe('console theme editor', { timeout: 300_000 }, () => {
  let p: TestPlatform;
  let browser: Browser;
  let cp: { port: number; close(): Promise<void> };
  let sf: { port: number; close(): Promise<void> };
  let base: string;

  beforeAll(async () => {
    let cpHandler: (req: Request) => Response | Promise<Response> = () => new Response('starting', { status: 503 });
    let sfHandler: (req: Request) => Response | Promise<Response> = () => new Response('starting', { status: 503 });
    cp = await serveOnFreePort((req) => cpHandler(req));
    sf = await serveOnFreePort((req) => sfHandler(req));
    base = `http://localhost:${cp.port}`;
    p = await startTestPlatform({ config: { publicUrl: base, trustedOrigins: [ORIGIN], storefrontPort: sf.port, orderLinkSecret: SECRET } });
    cpHandler = createControlPlaneApp(p.services, createLogger({ level: 'silent' })).fetch;
    sfHandler = createStorefrontApp(p.db, createLogger({ level: 'silent' }), {
      rootDomain: 'localhost',
      secret: SECRET,
      pageCacheTtlMs: 0,
      storeCacheTtlMs: 0,
      // The console's origin may frame preview pages (frame-ancestors); in production it is the storefront's PUBLIC_URL.
      consoleOrigin: base,
    }).fetch;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await cp?.close();
    await sf?.close();
    await p?.close();
  });

  it('builds the home page from sections, previews it on a phone, publishes, and the shopper sees it', async () => {
    const owner = await signup(p);
    const store = await createStore(p, owner.cookie);
    await createProduct(p, owner.cookie, store.id, { title: 'Amber Cup', variants: [{ sku: 'CUP-1', price: 2500, inventoryQuantity: 5 }] });
    const api = (method: string, path: string, body?: unknown) =>
      p.request(method, `/api/v1/stores/${store.id}${path}`, { cookie: owner.cookie, ...(body === undefined ? {} : { body }) });
    const HEADING = 'Made by hand in Kyoto';

    const ctx = await browser.newContext({ viewport: VIEWPORTS.desktop, locale: 'en-US' });
    const [name, value] = owner.cookie.split('=') as [string, string];
    await ctx.addCookies([{ name, value, url: base }]);
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // Console messages of the page and its frames (the preview): no CSP refusal of any kind, frame-ancestors included.
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) errors.push(m.text());
    });
    await page.goto(`${base}/stores/${store.id}/theme`);
    const list = page.getByTestId('section-list');
    await list.locator('li').first().waitFor();
    const before = await list.locator(':scope > li').count();
    const iframe = page.getByTestId('preview-frame');
    await iframe.waitFor();
    // The preview is the real storefront, on a signed draft-preview link.
    expect(await iframe.getAttribute('src')).toMatch(new RegExp(`^http://${store.slug}\\.localhost:${sf.port}/\\?theme_preview=[^&]+&_r=0$`));

    // Add a rich-text section and give it a heading.
    await page.getByLabel('Section type').selectOption({ label: 'Rich text' });
    await page.getByRole('button', { name: 'Add section' }).click();
    await page.getByText('Rich text added').waitFor({ state: 'attached' });
    const heading = page.locator('.theme-settings').getByLabel('Heading', { exact: true });
    await heading.fill(HEADING);
    // Move it up from the keyboard: the move is announced.
    await page.getByRole('button', { name: 'Move Rich text up' }).focus();
    await page.keyboard.press('Enter');
    await page
      .getByTestId('theme-announce')
      .getByText(`Rich text moved to position ${before} of ${before + 1}`)
      .waitFor({ state: 'attached' });
    // Hide the hero, then undo that with Ctrl+Z (focus is on a button, not in a text field).
    const hide = page.getByRole('button', { name: /^Hide Hero banner$/ });
    await hide.click();
    expect(await hide.getAttribute('aria-pressed')).toBe('true');
    await page.keyboard.press('Control+z');
    await page.getByTestId('theme-announce').getByText('Last change undone').waitFor({ state: 'attached' });
    expect(await hide.getAttribute('aria-pressed')).toBe('false');

    await page.getByTestId('save-state').getByText('Draft saved').waitFor();
    // Each saved draft reloads the preview.
    expect(await iframe.getAttribute('src')).not.toMatch(/&_r=0$/);
    const saved = (await api('GET', '/theme/templates/home')).body;
    expect(saved.draft.sections.map((s: { type: string }) => s.type)).toContain('rich-text');
    expect(saved.draft.sections.some((s: { disabled?: boolean }) => s.disabled)).toBe(false);

    // The desktop preview is the storefront's desktop layout (1280 CSS px), scaled down to fit the stage.
    const frame = page.frameLocator('[data-testid="preview-frame"]');
    await frame.getByRole('heading', { name: HEADING }).waitFor();
    expect(await frame.locator('html').evaluate(() => window.innerWidth)).toBe(1280);

    // Theme settings: spacing, autosaved as the draft; the preview shows it.
    await page.getByRole('button', { name: 'Theme settings' }).click();
    await page.getByLabel('Spacing', { exact: true }).selectOption('spacious');
    await expect.poll(async () => (await api('GET', '/theme/settings')).body.draft.density, { timeout: 15_000 }).toBe('spacious');
    const spaceInFrame = () => frame.locator('html').evaluate((h) => getComputedStyle(h).getPropertyValue('--space').trim());
    await expect.poll(spaceInFrame, { timeout: 15_000 }).toBe('1.4');

    // Phone width: the draft inside the frame.
    await page.getByRole('button', { name: 'Phone' }).click();
    expect(await iframe.evaluate((f) => (f as HTMLIFrameElement).clientWidth)).toBe(374);
    await frame.getByRole('heading', { name: HEADING }).waitFor();
    await page.screenshot({ path: artifactPath('console-theme-editor-phone-preview.png') });

    // Shoppers see nothing of the draft until Publish.
    const shopper = await browser.newContext({ viewport: VIEWPORTS.desktop, locale: 'en-US' });
    const shop = await shopper.newPage();
    shop.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) errors.push(`shop: ${m.text()}`);
    });
    const home = `http://${store.slug}.localhost:${sf.port}/`;
    await shop.goto(home);
    expect(await shop.getByText(HEADING).count()).toBe(0);
    expect(await shop.locator('html').evaluate((h) => getComputedStyle(h).getPropertyValue('--space').trim())).toBe('1');
    const published = async () => JSON.stringify((await api('GET', '/theme/templates/home')).body.published);
    expect(await published()).not.toContain(HEADING);
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByText('Published: shoppers now see this layout').first().waitFor();
    expect(await published()).toContain(HEADING);
    expect((await api('GET', '/theme/settings')).body.published.density).toBe('spacious');

    // The shopper's home page: the section built in the editor, with the published spacing.
    await shop.goto(home);
    await shop.getByRole('heading', { name: HEADING }).waitFor();
    expect(await shop.locator('html').evaluate((h) => getComputedStyle(h).getPropertyValue('--space').trim())).toBe('1.4');
    expect(await axeViolations(shop), 'shopper home page').toEqual([]);
    await shop.setViewportSize(VIEWPORTS.phone);
    await shop.screenshot({ path: artifactPath('storefront-theme-home-phone.png'), fullPage: true });
    expect(await axeViolations(shop), 'shopper home page (phone)').toEqual([]);
    await shopper.close();

    await page.getByRole('button', { name: 'Version history' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Restore' }).first().waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.keyboard.press('Escape');

    // An edit made elsewhere wins: the editor reloads the draft and says so.
    const current = (await api('GET', '/theme/templates/home')).body;
    const changed = await api('PUT', '/theme/templates/home/draft', { layout: current.draft, expectedVersion: current.version });
    expect(changed.status, changed.text).toBe(200);
    await page.getByRole('button', { name: /^Hide Rich text/ }).click();
    await page.getByText('The draft was changed elsewhere, so it was reloaded.', { exact: false }).first().waitFor();
    expect(await page.getByRole('button', { name: /^Hide Rich text/ }).getAttribute('aria-pressed')).toBe('false');

    await page.getByRole('button', { name: 'Desktop' }).click();
    await list
      .getByRole('button', { name: /Rich text/ })
      .first()
      .click();
    const dismiss = page.getByRole('button', { name: 'Dismiss' });
    while ((await dismiss.count()) > 0) await dismiss.first().click();
    for (const [vp, viewport] of Object.entries(VIEWPORTS)) {
      await page.setViewportSize(viewport);
      await frame.getByRole('heading', { name: HEADING }).waitFor();
      await page.screenshot({ path: artifactPath(`console-theme-editor-${vp}.png`), fullPage: vp === 'phone' });
      expect(await axeViolations(page), vp).toEqual([]);
    }
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('image and collection settings are searchable pickers; the choices are shown after a reload', async () => {
    const owner = await signup(p);
    const store = await createStore(p, owner.cookie);
    const api = (method: string, path: string, body?: unknown) =>
      p.request(method, `/api/v1/stores/${store.id}${path}`, { cookie: owner.cookie, ...(body === undefined ? {} : { body }) });
    const scarf = await createProduct(p, owner.cookie, store.id, { title: 'Indigo Scarf', variants: [{ sku: 'SCARF-1', price: 3900, inventoryQuantity: 5 }] });
    await createProduct(p, owner.cookie, store.id, { title: 'Amber Cup', variants: [{ sku: 'CUP-2', price: 2500, inventoryQuantity: 5 }] });
    const form = new FormData();
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#2f4f8f' } })
      .png()
      .toBuffer();
    form.set('file', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'scarf.png');
    form.set('alt', 'Folded scarf');
    const img = await p.request('POST', `/api/v1/stores/${store.id}/products/${scarf.id}/images`, {
      cookie: owner.cookie,
      form,
      headers: { 'idempotency-key': 'scarf-img' },
    });
    expect(img.status, img.text).toBe(201);
    for (const title of ['Winter Warmers', 'Summer Linen']) expect((await api('POST', '/collections', { title })).status).toBe(201);

    const ctx = await browser.newContext({ viewport: VIEWPORTS.desktop, locale: 'en-US' });
    const [name, value] = owner.cookie.split('=') as [string, string];
    await ctx.addCookies([{ name, value, url: base }]);
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/stores/${store.id}/theme`);
    const list = page.getByTestId('section-list');
    const settings = page.locator('.theme-settings');
    const draftSection = async (type: string) =>
      ((await api('GET', '/theme/templates/home')).body.draft.sections as { type: string; settings: Record<string, unknown> }[]).find((x) => x.type === type);

    // The hero's background image: searched by product title, each option with a thumbnail; the URL field stays.
    await list
      .getByRole('button', { name: /Hero banner/ })
      .first()
      .click();
    const image = settings.getByRole('combobox', { name: 'Background image' });
    await image.fill('indi');
    const option = settings.getByRole('listbox', { name: 'Background image' }).getByRole('option', { name: /Indigo Scarf/ });
    await option.waitFor();
    expect(await option.innerText()).toContain('Folded scarf');
    expect(await option.locator('img.thumb').getAttribute('src')).toBe(img.body.url);
    expect(await axeViolations(page), 'theme editor with the image list open').toEqual([]);
    await settings.screenshot({ path: artifactPath('console-theme-image-picker-desktop.png') });
    await image.press('Enter');
    expect(await image.inputValue()).toBe('Indigo Scarf — Folded scarf');
    expect(await settings.getByLabel('Background image: image URL').inputValue()).toBe(img.body.url);
    await expect.poll(async () => (await draftSection('hero-banner'))?.settings.image, { timeout: 15_000 }).toBe(img.body.url);

    // A featured collection (the default home page features the store's first collections): the collection picker,
    // showing the current collection's title, resolved from its id.
    const [winter, summer] = (await api('GET', '/collections')).body.data as { id: string; title: string }[];
    expect([winter?.title, summer?.title]).toEqual(['Winter Warmers', 'Summer Linen']);
    await list
      .getByRole('button', { name: /Featured collection/ })
      .first()
      .click();
    const collection = settings.getByRole('combobox', { name: 'Collection', exact: true });
    await page.waitForFunction(() => (document.querySelector('.theme-settings [role=combobox]') as HTMLInputElement | null)?.value === 'Winter Warmers');
    await collection.fill('summ');
    await settings
      .getByRole('listbox', { name: 'Collection', exact: true })
      .getByRole('option', { name: /Summer Linen/ })
      .waitFor();
    await collection.press('Enter');
    expect(await collection.inputValue()).toBe('Summer Linen');
    await expect.poll(async () => (await draftSection('featured-collection'))?.settings.collection, { timeout: 15_000 }).toBe(summer?.id);
    for (const [vp, viewport] of Object.entries(VIEWPORTS)) {
      await page.setViewportSize(viewport);
      await page.screenshot({ path: artifactPath(`console-theme-collection-picker-${vp}.png`), fullPage: vp === 'phone' });
      expect(await axeViolations(page), `theme editor pickers at ${vp}`).toEqual([]);
    }
    await page.setViewportSize(VIEWPORTS.desktop);

    // Reloaded: the collection's title (resolved from its id) and the chosen image.
    await page.reload();
    await list
      .getByRole('button', { name: /Featured collection/ })
      .first()
      .click();
    await page.waitForFunction(() => (document.querySelector('.theme-settings [role=combobox]') as HTMLInputElement | null)?.value === 'Summer Linen');
    await list
      .getByRole('button', { name: /Hero banner/ })
      .first()
      .click();
    expect(await settings.getByRole('combobox', { name: 'Background image' }).inputValue()).toBe('Current image');
    expect(await settings.locator('img.setting-image').getAttribute('src')).toBe(img.body.url);
    expect(errors).toEqual([]);
    await ctx.close();
  });
});
