/**
 * The merchant console in real Chromium, against the control plane serving
 * the built console: sign up, onboard a store, create a product with
 * variants and an image, find it, hit a version conflict, switch language.
 * Runs axe-core on the main pages (serious/critical violations fail) and
 * saves screenshots at desktop and phone widths.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createLogger } from '@storeloom/http';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createControlPlaneApp } from '../../apps/control-plane/src/app.ts';
import { artifactPath, launchChromium, serveOnFreePort, VIEWPORTS } from '../helpers/browser.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** Serious and critical accessibility violations of the page as it is now. */
async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: AxeViolation[] }> } }).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

async function checkA11y(page: Page, name: string) {
  expect(await axeViolations(page), `accessibility of ${name}`).toEqual([]);
}

/** Screenshots of the current route at desktop and phone widths (a fresh page each, same session). */
async function screenshots(ctx: BrowserContext, url: string, name: string, ready: (p: Page) => Promise<unknown>) {
  for (const [vp, viewport] of Object.entries(VIEWPORTS)) {
    const page = await ctx.newPage();
    await page.setViewportSize(viewport);
    await page.goto(url);
    await ready(page);
    await page.screenshot({ path: artifactPath(`console-${name}-${vp}.png`), fullPage: vp === 'desktop' });
    await page.close();
  }
}

describe('merchant console in Chromium', () => {
  let p: TestPlatform;
  let browser: Browser;
  let cp: { port: number; close(): Promise<void> };
  let base: string;
  const email = `owner${Date.now().toString(36)}@example.com`;
  const slug = `shop-${Date.now().toString(36)}`;

  beforeAll(async () => {
    p = await startTestPlatform();
    cp = await serveOnFreePort(createControlPlaneApp(p.services, createLogger({ level: 'silent' })).fetch);
    base = `http://localhost:${cp.port}`;
    // The browser's origin must pass the API's CSRF origin check.
    p.services.config.trustedOrigins.push(base);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await cp?.close();
    await p?.close();
  });

  it('serves hashed assets immutably and index.html as the SPA fallback, but never for API routes', async () => {
    const index = await fetch(`${base}/stores/x/products`);
    expect(index.status).toBe(200);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const html = await index.text();
    const asset = html.match(/\/assets\/[^"]+\.js/)?.[0];
    expect(asset).toBeTruthy();
    const js = await fetch(`${base}${asset}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect(js.headers.get('content-type')).toContain('javascript');
    const api = await fetch(`${base}/api/v1/no-such-route`);
    expect(api.status).toBe(404);
    expect((await api.json()).error.code).toBe('not_found');
    expect((await fetch(`${base}/assets/missing-abc123.js`)).status).toBe(404);
    const traversal = await fetch(`${base}/..%2f..%2fpackage.json`);
    expect(traversal.status).toBe(404);
    expect(await traversal.text()).not.toContain('workspaces');
  });

  it('takes a new merchant from sign-up to a product, a conflict and Chinese UI', { timeout: 240_000 }, async () => {
    const ctx = await browser.newContext({ viewport: VIEWPORTS.desktop, locale: 'en-US' });
    const page = await ctx.newPage();
    const consoleErrors: string[] = [];
    page.on('pageerror', (e) => consoleErrors.push(e.message));

    // Anonymous: the console sends you to log in.
    await page.goto(`${base}/`);
    await page.waitForURL(/\/login/);
    await page.getByRole('heading', { name: 'Log in to Storeloom' }).waitFor();
    await checkA11y(page, 'login');

    // Errors appear next to the field.
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill('wrong password!');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('#password-error').waitFor();

    // Sign up.
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByLabel('Your name', { exact: true }).fill('Ada Merchant');
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect(page.locator('#password-error').textContent()).resolves.toContain('10 characters');
    await page.getByLabel('Password', { exact: true }).fill('correct horse battery');
    await page.getByRole('button', { name: 'Create account' }).click();

    // Onboarding: live slug check, then the store and its storefront URL.
    await page.waitForURL(/\/onboarding/);
    await checkA11y(page, 'onboarding');
    await page.getByLabel('Store name', { exact: true }).fill('Ada Linen Co');
    await expect(page.getByLabel('Store address', { exact: true }).inputValue()).resolves.toBe('ada-linen-co');
    await page.getByLabel('Store address', { exact: true }).fill('www');
    await page.locator('#store-slug-error').waitFor();
    await page.getByLabel('Store address', { exact: true }).fill(slug);
    await page.getByText('Available').waitFor();
    await page.getByLabel('Currency', { exact: true }).selectOption('EUR');
    await page.screenshot({ path: artifactPath('console-onboarding-desktop.png') });
    await page.getByRole('button', { name: 'Create store' }).click();
    const storeUrl = page.getByTestId('storefront-url');
    await storeUrl.waitFor();
    expect(await storeUrl.textContent()).toBe(`http://${slug}.localhost:3001`);
    await page.getByRole('link', { name: 'Go to the console' }).click();

    // Empty catalogue.
    await page.waitForURL(/\/stores\/[0-9a-f-]+\/products$/);
    const storeId = page.url().split('/')[4] as string;
    await page.getByRole('heading', { name: 'Add your first product' }).waitFor();
    await checkA11y(page, 'products (empty)');

    // A product with two variants (from a Size option) and an image.
    await page.getByRole('main').getByRole('link', { name: 'Add product' }).first().click();
    await page.waitForURL(/\/products\/new$/);
    await page.getByLabel('Title', { exact: true }).fill('Linen Shirt');
    await page.getByLabel('Description', { exact: true }).fill('Breathable linen, garment washed.');
    await page.getByRole('button', { name: 'Add option' }).click();
    await page.getByLabel('Option name', { exact: true }).fill('Size');
    await page.getByLabel('Values (comma separated)', { exact: true }).fill('S, M');
    await page.getByLabel('Values (comma separated)', { exact: true }).press('Tab');
    await page.getByLabel('Price of S', { exact: true }).fill('45');
    await page.getByLabel('Price of M', { exact: true }).fill('49.50');
    await page.getByLabel('SKU of S', { exact: true }).fill(`LS-S-${slug}`);
    await page.getByLabel('SKU of M', { exact: true }).fill(`LS-M-${slug}`);
    await page.getByLabel('Inventory of S', { exact: true }).fill('3');
    await page.getByLabel('Inventory of M', { exact: true }).fill('12');
    await page.getByLabel('Image URL', { exact: true }).fill(`${base}/favicon-test.png`);
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByLabel('Alt text', { exact: true }).fill('Linen shirt, front');
    await page.getByLabel('Tags', { exact: true }).fill('linen, summer');
    await expect(page.getByText('€49.50').count()).resolves.toBe(1);
    await checkA11y(page, 'product editor');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/\/products\/[0-9a-f-]{36}$/);
    await page.getByText('Product saved').or(page.getByText('Product created')).first().waitFor();
    const productId = page.url().split('/').pop() as string;
    const saved = await p.request('GET', `/api/v1/stores/${storeId}/products/${productId}`, { cookie: await cookieHeader(ctx) });
    expect(saved.body.variants.map((v: { title: string; price: number; inventoryQuantity: number }) => [v.title, v.price, v.inventoryQuantity])).toEqual([
      ['S', 4500, 3],
      ['M', 4950, 12],
    ]);
    expect(saved.body.images).toMatchObject([{ alt: 'Linen shirt, front' }]);

    // In the list, and found by search.
    await page.getByRole('link', { name: 'Products', exact: true }).first().click();
    await page.getByRole('link', { name: 'Linen Shirt' }).waitFor();
    await expect(page.getByText('€45.00 – €49.50').count()).resolves.toBe(1);
    await checkA11y(page, 'products');
    await page.getByLabel('Search products', { exact: true }).fill('linen');
    await page.waitForURL(/q=linen/);
    await page.getByRole('link', { name: 'Linen Shirt' }).waitFor();
    await page.getByLabel('Search products', { exact: true }).fill('velvet');
    await page.getByRole('heading', { name: 'No products match' }).waitFor();

    // Someone else saves first: our save is refused and explained, and reload brings their version.
    await page.goto(`${base}/stores/${storeId}/products/${productId}`);
    await expect(page.getByLabel('Title', { exact: true }).inputValue()).resolves.toBe('Linen Shirt');
    const other = await p.request('PATCH', `/api/v1/stores/${storeId}/products/${productId}`, {
      cookie: await cookieHeader(ctx),
      body: { version: saved.body.version, title: 'Linen Shirt (renamed elsewhere)' },
    });
    expect(other.status).toBe(200);
    await page.getByLabel('Title', { exact: true }).fill('Linen Shirt — my edit');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('This product was changed elsewhere').waitFor();
    await checkA11y(page, 'product editor with conflict');
    await page.screenshot({ path: artifactPath('console-conflict-desktop.png') });
    await page.getByRole('button', { name: 'Reload the latest version' }).click();
    await expect.poll(() => page.getByLabel('Title', { exact: true }).inputValue()).toBe('Linen Shirt (renamed elsewhere)');

    // Other main pages render, pass axe, and have their empty states.
    for (const [path, heading] of [
      ['orders', 'No orders yet'],
      ['inventory', 'Inventory'],
      ['settings', 'Settings'],
    ] as const) {
      await page.goto(`${base}/stores/${storeId}/${path}`);
      await page.getByRole('heading', { name: heading }).first().waitFor();
      await checkA11y(page, path);
    }

    // Chinese UI from the language switcher.
    await page.goto(`${base}/stores/${storeId}/products`);
    await page.getByLabel('Language', { exact: true }).selectOption('zh-CN');
    await page.getByRole('heading', { name: '商品' }).waitFor();
    await page.getByRole('link', { name: '订单' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
    await page.screenshot({ path: artifactPath('console-products-zh-desktop.png') });
    await page.getByLabel('语言', { exact: true }).selectOption('en');

    // Screenshots of the main pages at both widths.
    for (const [name, path, ready] of [
      ['products', `/stores/${storeId}/products`, (pg: Page) => pg.getByRole('link', { name: /Linen Shirt/ }).waitFor()],
      ['product-editor', `/stores/${storeId}/products/${productId}`, (pg: Page) => pg.getByLabel('Title', { exact: true }).waitFor()],
      ['orders', `/stores/${storeId}/orders`, (pg: Page) => pg.getByRole('heading', { name: 'No orders yet' }).waitFor()],
      ['inventory', `/stores/${storeId}/inventory`, (pg: Page) => pg.getByRole('link', { name: /Linen Shirt/ }).first().waitFor()],
      ['settings', `/stores/${storeId}/settings`, (pg: Page) => pg.getByRole('heading', { name: 'General' }).waitFor()],
      ['login', '/login', (pg: Page) => pg.getByRole('heading', { name: 'Log in to Storeloom' }).waitFor()],
    ] as const)
      await screenshots(name === 'login' ? await browser.newContext() : ctx, `${base}${path}`, name, ready);

    // Phone: the navigation collapses behind the menu button.
    const phone = await ctx.newPage();
    await phone.setViewportSize(VIEWPORTS.phone);
    await phone.goto(`${base}/stores/${storeId}/products`);
    await phone.getByRole('link', { name: 'Linen Shirt' }).waitFor();
    expect(await phone.getByRole('link', { name: 'Orders' }).isVisible()).toBe(false);
    await phone.getByRole('button', { name: 'Menu' }).click();
    await phone.getByRole('link', { name: 'Orders' }).click();
    await phone.getByRole('heading', { name: 'No orders yet' }).waitFor();
    await checkA11y(phone, 'orders (phone)');

    // Log out ends the session.
    await page.goto(`${base}/account`);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/login/);
    expect((await p.request('GET', '/api/v1/me', { cookie: await cookieHeader(ctx) })).status).toBe(401);

    expect(consoleErrors).toEqual([]);
    await ctx.close();
  });
});

async function cookieHeader(ctx: BrowserContext): Promise<string> {
  return (await ctx.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
}
