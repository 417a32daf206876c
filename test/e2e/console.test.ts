/**
 * The merchant console in real Chromium, against the control plane serving
 * the built console: sign up, onboard a store, create a product with
 * variants and an image, find it, hit a version conflict, switch language.
 * Runs axe-core on the main pages (serious/critical violations fail) and
 * saves screenshots at desktop and phone widths.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { deflateSync } from 'node:zlib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactPath, VIEWPORTS } from '../helpers/browser.ts';
import type { TestPlatform } from '../helpers/platform.ts';
import { startConsoleE2e, type ConsoleE2e } from '../helpers/console-e2e.ts';

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
    const r = await axe.run((globalThis as unknown as { document: unknown }).document, { resultTypes: ['violations'] });
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
  let e2e: ConsoleE2e;
  let p: TestPlatform;
  let browser: Browser;
  let base: string;
  const email = `owner${Date.now().toString(36)}@example.com`;
  const slug = `shop-${Date.now().toString(36)}`;
  // One merchant's session walks through the steps below in order.
  let ctx: BrowserContext;
  let page: Page;
  let storeId: string;
  let productId: string;
  let saved: { body: any };
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    // The port is known only once listening, and the platform's public URL (links, media URLs, CSRF origin) must be it.
    e2e = await startConsoleE2e();
    ({ p, browser, base } = e2e);
  });
  afterAll(async () => {
    await ctx?.close();
    await e2e?.close();
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
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe('not_found');
    expect((await fetch(`${base}/assets/missing-abc123.js`)).status).toBe(404);
    const traversal = await fetch(`${base}/..%2f..%2fpackage.json`);
    expect(traversal.status).toBe(404);
    expect(await traversal.text()).not.toContain('workspaces');
  });

  it('signs a merchant up and onboards the first store', { timeout: 300_000 }, async () => {
    ctx = await browser.newContext({ viewport: VIEWPORTS.desktop, locale: 'en-US' });
    page = await ctx.newPage();
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
    storeId = page.url().split('/')[4] as string;
    await page.getByRole('heading', { name: 'Add your first product' }).waitFor();
    await checkA11y(page, 'products (empty)');
  });

  it('creates a product with two variants and an uploaded image', { timeout: 300_000 }, async () => {
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
    await page.getByTestId('image-upload').setInputFiles({ name: 'shirt.png', mimeType: 'image/png', buffer: gradientPng(96, 96) });
    await page.getByLabel('Alt text', { exact: true }).fill('Linen shirt, front');
    await page.getByLabel('Tags', { exact: true }).fill('linen, summer');
    await expect(page.getByText('€49.50').count()).resolves.toBe(1);
    await checkA11y(page, 'product editor');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/\/products\/[0-9a-f-]{36}$/);
    await page.getByText('Product saved').or(page.getByText('Product created')).first().waitFor();
    productId = page.url().split('/').pop() as string;
    saved = await p.request('GET', `/api/v1/stores/${storeId}/products/${productId}`, { cookie: await cookieHeader(ctx) });
    expect(saved.body.variants.map((v: { title: string; price: number; inventoryQuantity: number }) => [v.title, v.price, v.inventoryQuantity])).toEqual([
      ['S', 4500, 3],
      ['M', 4950, 12],
    ]);
    expect(saved.body.images).toMatchObject([{ alt: 'Linen shirt, front', url: expect.stringContaining(`${base}/media/`) }]);
    // The uploaded file is served back and shows in the editor.
    await expect.poll(() => page.locator('.image-tile img').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBe(96);
  });

  it('lists the product and finds it by search', { timeout: 300_000 }, async () => {
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
  });

  it('explains a version conflict and reloads the latest version', { timeout: 300_000 }, async () => {
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
  });

  it('invites a staff member who joins by the mailed link and cannot delete the store', { timeout: 300_000 }, async () => {
    // Invite a staff member, who joins through the mailed link and may not delete the store.
    const staffEmail = `staff${Date.now().toString(36)}@example.com`;
    await page.goto(`${base}/stores/${storeId}/team`);
    await page.getByRole('heading', { name: 'Invite a team member' }).waitFor();
    await page.getByLabel('Email', { exact: true }).fill(staffEmail);
    await page.getByLabel('Role', { exact: true }).selectOption('staff');
    await page.getByRole('button', { name: 'Send invite' }).click();
    await page.getByText(`Invitation sent to ${staffEmail}`).waitFor();
    await page.getByRole('heading', { name: 'Pending invitations' }).waitFor();
    await page.getByText(staffEmail, { exact: true }).waitFor();
    await checkA11y(page, 'team');
    await page.screenshot({ path: artifactPath('console-team-desktop.png') });

    const mail = await p.request('GET', `/api/v1/dev/outbox?to=${encodeURIComponent(staffEmail)}`, { cookie: await cookieHeader(ctx) });
    expect(mail.status).toBe(200);
    const link = new RegExp(`${base}/invite\\?token=[^\\s]+`).exec(mail.body.data[0].text)?.[0];
    expect(link).toBeTruthy();
    await page.goto(`${base}/dev/outbox`);
    await page.getByText(staffEmail, { exact: false }).first().waitFor();
    await checkA11y(page, 'dev outbox');
    await page.screenshot({ path: artifactPath('console-outbox-desktop.png') });

    const staffCtx = await browser.newContext({ viewport: VIEWPORTS.desktop, locale: 'en-US' });
    const staff = await staffCtx.newPage();
    await staff.goto(link as string);
    await staff.getByText('You are invited to join Ada Linen Co as Staff.').waitFor();
    await checkA11y(staff, 'invitation');
    await staff.getByLabel('Your name', { exact: true }).fill('Sam Staff');
    await staff.getByLabel('New password', { exact: true }).fill('another long password');
    await staff.getByRole('button', { name: 'Accept invitation' }).click();
    await staff.waitForURL(new RegExp(`/stores/${storeId}/products$`));
    await staff
      .getByRole('link', { name: /Linen Shirt/ })
      .first()
      .waitFor();
    await staff.goto(`${base}/stores/${storeId}/settings/general`);
    await staff.getByText('Only owners and admins can change the store settings.').waitFor();
    expect(await staff.getByRole('button', { name: 'Delete store' }).count()).toBe(0);
    await staff.goto(`${base}/stores/${storeId}/team`);
    await staff.getByRole('heading', { name: 'Members' }).waitFor();
    expect(await staff.getByRole('button', { name: 'Send invite' }).count()).toBe(0);
    expect(await staff.getByRole('button', { name: 'Remove' }).count()).toBe(0);
    // Hidden in the console, and refused by the API all the same.
    expect((await p.request('DELETE', `/api/v1/stores/${storeId}`, { cookie: await cookieHeader(staffCtx) })).status).toBe(403);
    await staffCtx.close();
  });

  it('previews a CSV (counts, row errors, nothing written), imports it (queued at once in the history), with progress, a per-row error report and a job on the jobs page', {
    timeout: 300_000,
  }, async () => {
    await page.goto(`${base}/stores/${storeId}/import`);
    await page.getByRole('heading', { name: 'Import products' }).waitFor();
    const template = await page.getByRole('link', { name: 'Download a template CSV' }).getAttribute('href');
    const templateRes = await page.request.get(`${base}${template}`);
    expect(templateRes.status()).toBe(200);
    expect((await templateRes.text()).split('\n')[0]).toContain('Handle,Title');
    const csv = 'Handle,Title,Variant SKU,Variant Price,Variant Inventory Qty\nwool-socks,Wool Socks,WS-1,12.00,5\nbroken-row,Broken,BR-1,twelve,1\n';
    await page.getByTestId('csv-input').setInputFiles({ name: 'catalogue.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    // The dry run: singular and plural forms by Intl.PluralRules, the bad row, and nothing written yet.
    const preview = page.getByRole('region', { name: 'Check before importing' });
    const history = page.getByRole('region', { name: 'Recent imports' });
    await preview.getByText('1 product to create').waitFor();
    await preview.getByText('0 products to update').waitFor();
    await preview.getByText('1 variant', { exact: true }).waitFor();
    await preview.getByText('invalid_price').waitFor();
    expect((await p.request('GET', `/api/v1/stores/${storeId}/imports`, { cookie: await cookieHeader(ctx) })).body.data).toEqual([]);
    await checkA11y(page, 'import preview');
    await page.screenshot({ path: artifactPath('console-import-preview-desktop.png'), fullPage: true });
    await page.setViewportSize(VIEWPORTS.phone);
    await page.screenshot({ path: artifactPath('console-import-preview-phone.png'), fullPage: true });
    await page.setViewportSize(VIEWPORTS.desktop);
    // No worker yet: the import sits queued, and the history shows it so.
    await page.getByRole('button', { name: 'Import 1 product' }).click();
    await history.getByText('catalogue.csv').waitFor();
    await history.getByText('Queued').waitFor();
    await p.startWorker();
    await page.getByRole('progressbar', { name: 'Import progress' }).waitFor();
    await page.getByText('Some rows were not imported').waitFor({ timeout: 120_000 });
    expect(await page.getByRole('progressbar', { name: 'Import progress' }).getAttribute('aria-valuenow')).toBe('100');
    await page.getByRole('region', { name: 'catalogue.csv' }).getByText('invalid_price').waitFor();
    await history.getByText('Completed').waitFor();
    await checkA11y(page, 'import with errors');
    await page.screenshot({ path: artifactPath('console-import-desktop.png') });
    await page.goto(`${base}/stores/${storeId}/jobs`);
    // Each row names what it worked on (the file, not an id), and the import its rows done of its total.
    const importRow = page.getByRole('row').filter({ has: page.getByText('Product import — catalogue.csv', { exact: true }) });
    await importRow.waitFor();
    expect(await importRow.getByTestId('job-progress-count').textContent()).toBe('2 of 2');
    expect(await importRow.getByRole('progressbar', { name: 'Progress of Product import — catalogue.csv' }).getAttribute('aria-valuenow')).toBe('100');
    await page.getByText('Search reindex — catalogue.csv', { exact: true }).waitFor();
    expect(await page.locator('tbody').textContent()).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
    await checkA11y(page, 'jobs');
    await page.screenshot({ path: artifactPath('console-jobs-desktop.png'), fullPage: true });
    await page.setViewportSize(VIEWPORTS.phone);
    await checkA11y(page, 'jobs phone');
    await page.screenshot({ path: artifactPath('console-jobs-phone.png'), fullPage: true });
    await page.setViewportSize(VIEWPORTS.desktop);
    await page.goto(`${base}/stores/${storeId}/products?q=wool`);
    await page.getByRole('link', { name: 'Wool Socks' }).waitFor();
  });

  it('renders the other pages accessibly and in Chinese', { timeout: 300_000 }, async () => {
    // Other main pages render, pass axe, and have their empty states.
    for (const [path, heading] of [
      ['orders', 'No orders yet'],
      ['inventory', 'Inventory'],
      ['settings', 'Settings'],
      ['jobs', 'Jobs'],
      ['import', 'Import products'],
    ] as const) {
      await page.goto(`${base}/stores/${storeId}/${path}`);
      await page.getByRole('heading', { name: heading }).first().waitFor();
      await checkA11y(page, path);
    }

    // Inventory: a per-variant low-stock threshold, saved through the API and used by the low-stock filter.
    // (The product was renamed by the conflict step, hence the pattern.)
    await page.goto(`${base}/stores/${storeId}/inventory`);
    const threshold = page.getByLabel(/^Low-stock threshold of Linen Shirt.* M$/);
    await expect(threshold.inputValue()).resolves.toBe('');
    await threshold.fill('20');
    await threshold.press('Enter');
    await page.getByText('Threshold saved').waitFor();
    const stock = await p.request('GET', `/api/v1/stores/${storeId}/inventory?lowStock=true&q=linen`, { cookie: await cookieHeader(ctx) });
    expect(stock.body.data.map((r: { variantTitle: string; lowStockThreshold: number | null }) => [r.variantTitle, r.lowStockThreshold])).toEqual([['M', 20]]);
    await page.getByLabel('Low stock only', { exact: true }).check();
    await expect.poll(() => page.getByLabel(/^Low-stock threshold of /).count()).toBe(1);
    await expect(threshold.inputValue()).resolves.toBe('20');
    await page.getByRole('main').getByText('Low stock', { exact: true }).first().waitFor();
    await page.screenshot({ path: artifactPath('console-inventory-threshold-desktop.png'), fullPage: true });
    await checkA11y(page, 'inventory with thresholds');

    // Billing without Stripe keys: says so, and shows the plan's usage against its limits.
    const billing = await p.request('GET', `/api/v1/stores/${storeId}/billing`, { cookie: await cookieHeader(ctx) });
    expect(billing.body).toMatchObject({ enabled: false, plan: { id: 'free' } });
    await page.goto(`${base}/stores/${storeId}/billing`);
    await page.getByText('Billing is off on this installation').waitFor();
    await page.getByText(`${billing.body.usage.activeProducts} of ${billing.body.plan.limits.activeProducts}`, { exact: true }).waitFor();
    await page.getByText(`${billing.body.usage.staffSeats} of ${billing.body.plan.limits.staffSeats}`, { exact: true }).waitFor();
    expect(await page.getByRole('button', { name: /Upgrade to/ }).count()).toBe(0);
    // Plurals by Intl.PluralRules: the free plan's one seat is "1 staff seat".
    await page.getByText('1 staff seat', { exact: true }).waitFor();
    await page.getByText('3 staff seats', { exact: true }).waitFor();
    await page.screenshot({ path: artifactPath('console-billing-desktop.png'), fullPage: true });
    await checkA11y(page, 'billing');
    // Above the plan's limit (billing off enforces nothing): a critical bar and how far over, not a normal full bar.
    const limit = billing.body.plan.limits.activeProducts as number;
    const cookie = await cookieHeader(ctx);
    const fillers: string[] = [];
    for (let i = billing.body.usage.activeProducts; i <= limit + 1; i++) {
      const made = await p.request('POST', `/api/v1/stores/${storeId}/products`, {
        cookie,
        body: { title: `Filler ${i}`, status: 'active', variants: [{ price: 100 }] },
      });
      expect(made.status).toBe(201);
      fillers.push(made.body.id);
    }
    const over = (await p.request('GET', `/api/v1/stores/${storeId}/billing`, { cookie })).body.usage.activeProducts as number;
    expect(over).toBeGreaterThan(limit);
    await page.reload();
    const excess = over - limit;
    await page.getByText(`${excess} active ${excess === 1 ? 'product is' : 'products are'} over your plan’s limit`, { exact: false }).waitFor();
    expect(await page.getByRole('progressbar', { name: 'Active products' }).getAttribute('class')).toContain('progress-critical');
    await checkA11y(page, 'billing over the limit');
    await page.screenshot({ path: artifactPath('console-billing-over-desktop.png'), fullPage: true });
    // The fillers go again so the later screenshots show the merchant's own catalogue.
    for (const id of fillers) expect((await p.request('DELETE', `/api/v1/stores/${storeId}/products/${id}`, { cookie })).status).toBe(204);
    await page.goto(`${base}/stores/${storeId}/payouts`);
    await page.getByText('Online payments are off on this installation').waitFor();
    await checkA11y(page, 'payouts');

    // Chinese UI from the language switcher.
    await page.goto(`${base}/stores/${storeId}/products`);
    await page.getByLabel('Language', { exact: true }).selectOption('zh-CN');
    await page.getByRole('heading', { level: 1, name: '商品', exact: true }).waitFor();
    await page.getByRole('link', { name: '订单', exact: true }).waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { lang: string } } }).document.documentElement.lang)).toBe(
      'zh-CN',
    );
    await page.screenshot({ path: artifactPath('console-products-zh-desktop.png') });
    await page.getByLabel('语言', { exact: true }).selectOption('en');
  });

  it('looks right at desktop and phone widths', { timeout: 300_000 }, async () => {
    // Screenshots of the main pages at both widths.
    for (const [name, path, ready] of [
      ['products', `/stores/${storeId}/products`, (pg: Page) => pg.getByRole('link', { name: /Linen Shirt/ }).waitFor()],
      ['product-editor', `/stores/${storeId}/products/${productId}`, (pg: Page) => pg.getByLabel('Title', { exact: true }).waitFor()],
      ['orders', `/stores/${storeId}/orders`, (pg: Page) => pg.getByRole('heading', { name: 'No orders yet' }).waitFor()],
      [
        'inventory',
        `/stores/${storeId}/inventory`,
        (pg: Page) =>
          pg
            .getByRole('link', { name: /Linen Shirt/ })
            .first()
            .waitFor(),
      ],
      ['settings', `/stores/${storeId}/settings/general`, (pg: Page) => pg.getByRole('heading', { name: 'Appearance and languages' }).waitFor()],
      ['team', `/stores/${storeId}/team`, (pg: Page) => pg.getByText('Sam Staff', { exact: true }).waitFor()],
      ['login', '/login', (pg: Page) => pg.getByRole('heading', { name: 'Log in to Storeloom' }).waitFor()],
    ] as const)
      await screenshots(name === 'login' ? await browser.newContext() : ctx, `${base}${path}`, name, ready);

    // Phone: the navigation collapses behind the menu button.
    const phone = await ctx.newPage();
    await phone.setViewportSize(VIEWPORTS.phone);
    await phone.goto(`${base}/stores/${storeId}/products`);
    await phone.getByRole('link', { name: 'Linen Shirt' }).waitFor();
    expect(await phone.getByRole('link', { name: 'Orders', exact: true }).isVisible()).toBe(false);
    await phone.getByRole('button', { name: 'Menu' }).click();
    await phone.getByRole('link', { name: 'Orders', exact: true }).click();
    await phone.getByRole('heading', { name: 'No orders yet' }).waitFor();
    await checkA11y(phone, 'orders (phone)');
  });

  it('sends the merchant to sign in once when the session is lost, with no error toasts', { timeout: 300_000 }, async () => {
    // A second browser with the same session; dropping its cookie is what an expired session looks like to the API.
    const other = await browser.newContext({ storageState: await ctx.storageState() });
    const pg = await other.newPage();
    const unauthorised: string[] = [];
    pg.on('response', (r) => {
      if (r.status() === 401) unauthorised.push(new URL(r.url()).pathname);
    });
    await pg.goto(`${base}/stores/${storeId}/settings/general`);
    await pg.getByRole('heading', { name: 'Appearance and languages' }).waitFor();
    await other.clearCookies();
    // The products page loads several things at once: every one of them is refused.
    await pg.getByRole('link', { name: 'Products', exact: true }).click();
    await pg.waitForURL(/\/login\?next=/);
    await pg.getByRole('heading', { name: 'Log in to Storeloom' }).waitFor();
    // Back to where the session was lost after signing in (the page that first met the 401).
    expect(new URL(pg.url()).searchParams.get('next')).toMatch(new RegExp(`^/stores/${storeId}/(settings/general|products)$`));
    expect(unauthorised.length).toBeGreaterThan(0);
    expect(await pg.locator('.toast-error').count()).toBe(0);
    await other.close();
  });

  it('logs out', { timeout: 300_000 }, async () => {
    // Log out ends the session.
    await page.goto(`${base}/account`);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/login/);
    expect((await p.request('GET', '/api/v1/me', { cookie: await cookieHeader(ctx) })).status).toBe(401);

    expect(consoleErrors).toEqual([]);
  });
});

/** A small PNG with a colour gradient, written by hand (zlib + CRC32) so the test needs no image files. */
function gradientPng(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc32 = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const b of buf) c = (crcTable[(c ^ b) & 0xff] as number) ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) raw.set([60 + Math.round((x / width) * 150), 90 + Math.round((y / height) * 120), 200], y * (width * 3 + 1) + 1 + x * 3);
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

async function cookieHeader(ctx: BrowserContext): Promise<string> {
  return (await ctx.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
}
