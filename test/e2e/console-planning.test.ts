/**
 * Dynamic pricing and reorder planning in the merchant console, in real
 * Chromium against the control plane and a real worker: turn pricing on in
 * suggest mode with guardrails (a validation error shown inline first), sales
 * recorded through @storeloom/planning, "Run pricing now" → a suggestion →
 * approve → the product's price changed → roll back → restored; then a
 * supplier, a variant policy, "Recompute now" → the suggested purchase order
 * grouped under the supplier, a low-stock alert, and the alert webhook's test
 * event; then a staff member sees both pages read-only. axe-core on both
 * pages; screenshots at 1280 and 390 px.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { PricingService, recordSale } from '@storeloom/planning';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactPath, VIEWPORTS } from '../helpers/browser.ts';
import { createProduct, createStore, signup, type TestPlatform } from '../helpers/platform.ts';
import { startConsoleE2e, type ConsoleE2e } from '../helpers/console-e2e.ts';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const DAY_MS = 86_400_000;

async function checkA11y(page: Page, name: string) {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: any[] }> } }).axe;
    const r = await axe.run((globalThis as unknown as { document: unknown }).document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n: any) => n.target.join(' ')).join(', ') }));
  });
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} — ${v.targets}`);
  expect(serious, `accessibility of ${name}`).toEqual([]);
}

describe('dynamic pricing and reorder planning in the console (Chromium)', () => {
  let e2e: ConsoleE2e;
  let p: TestPlatform;
  let browser: Browser;
  let hookServer: Server;
  let hookUrl: string;
  const hookHits: string[] = [];
  let base: string;
  let ctx: BrowserContext;
  let page: Page;
  let cookie: string;
  let storeId: string;
  let schema: string;
  let apron: { id: string; variants: { id: string }[] };
  const pageErrors: string[] = [];

  const api = (method: string, path: string, body?: unknown) => p.request(method, `/api/v1/stores/${storeId}${path}`, { cookie, body });

  /** The current page at desktop and phone widths (a fresh tab each, same session). */
  async function screenshots(path: string, name: string, ready: (pg: Page) => Promise<unknown>) {
    for (const [vp, viewport] of Object.entries(VIEWPORTS)) {
      const pg = await ctx.newPage();
      await pg.setViewportSize(viewport);
      await pg.goto(`${base}${path}`);
      await ready(pg);
      await pg.screenshot({ path: artifactPath(`console-${name}-${vp}.png`), fullPage: true });
      await pg.close();
    }
  }

  beforeAll(async () => {
    // The merchant's webhook server in this test listens on loopback over http: allow that explicitly.
    e2e = await startConsoleE2e({ config: () => ({ webhookEgress: { allowHttp: true, allowPrivateAddresses: true } }) });
    ({ p, browser, base } = e2e);
    await p.startWorker();
    hookServer = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        hookHits.push(body);
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', () => r()));
    hookUrl = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/hooks`;

    const owner = await signup(p, undefined, 'Ada Merchant');
    cookie = owner.cookie;
    storeId = (await createStore(p, cookie)).id;
    schema = (await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', storeId).executeTakeFirstOrThrow()).schema_name;
    apron = await createProduct(p, cookie, storeId, { title: 'Linen Apron', variants: [{ sku: 'APRON-1', price: 4500, inventoryQuantity: 200 }] });

    ctx = await browser.newContext({ viewport: VIEWPORTS.desktop, locale: 'en-US' });
    const [name, value] = cookie.split('=') as [string, string];
    await ctx.addCookies([{ name, value, url: base }]);
    page = await ctx.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
  });
  afterAll(async () => {
    await ctx?.close();
    hookServer?.closeAllConnections();
    await new Promise((r) => hookServer?.close(r));
    await e2e?.close();
  }, 300_000);

  it('turns dynamic pricing on in suggest mode, approves a suggestion and rolls it back', { timeout: 300_000 }, async () => {
    await page.goto(`${base}/stores/${storeId}/products`);
    await page.getByRole('link', { name: 'Pricing', exact: true }).first().click();
    await page.waitForURL(/\/pricing/);
    await page.getByRole('heading', { name: 'Dynamic pricing is off' }).waitFor();

    await page.getByRole('button', { name: 'Set up dynamic pricing' }).first().click();
    const dialog = page.getByRole('dialog');
    // The product is found by typing a few letters and picked with the keyboard (a combobox, not a 300-item select).
    const productBox = dialog.getByRole('combobox', { name: 'Product', exact: true });
    await productBox.fill('apr');
    await dialog
      .getByRole('listbox', { name: 'Product', exact: true })
      .getByRole('option', { name: /Linen Apron/ })
      .waitFor();
    await productBox.press('Enter');
    await expect(productBox.inputValue()).resolves.toBe('Linen Apron');
    // The API's validation error lands next to its field.
    await dialog.getByLabel('Price floor').fill('60');
    await dialog.getByLabel('Price ceiling').fill('50');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect(dialog.locator('#pricing-floor-error').textContent()).resolves.toContain('must not be above ceiling');

    await dialog.getByLabel('Price floor').fill('30');
    await dialog.getByLabel('Price ceiling').fill('60');
    await dialog.getByLabel('Allowed price points (optional)').fill('30, 40, 50, 60');
    await dialog.getByLabel('Largest change per day (optional)').fill('10');
    await expect(dialog.getByLabel('Suggest it and wait for my approval').isChecked()).resolves.toBe(true);
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Guardrails saved').waitFor();
    await dialog.waitFor({ state: 'detached' });
    const settings = (await api('GET', '/pricing/settings')).body.data;
    expect(settings).toHaveLength(1);
    expect(settings[0]).toMatchObject({
      productId: apron.id,
      mode: 'suggest',
      floor: 3000,
      ceiling: 6000,
      pricePoints: [3000, 4000, 5000, 6000],
      maxChangePerDay: 1000,
      enabled: true,
    });
    await page
      .getByRole('cell', { name: /\$30\.00 – \$60\.00/ })
      .first()
      .waitFor();

    // Sales at the current price over the last 20 days, as the order flow records them.
    const t = p.db.tenant(schema);
    const variantId = apron.variants[0]?.id as string;
    for (let i = 1; i <= 20; i++)
      await recordSale(t, { orderLineId: `e2e-${i}`, variantId, units: (i % 3) + 1, unitPrice: 4500, at: new Date(Date.now() - i * DAY_MS) });

    await page.getByRole('button', { name: 'Run pricing now' }).click();
    await page.locator('.run-status').getByText('Done').waitFor({ timeout: 120_000 });
    const approve = page.getByRole('button', { name: 'Approve' });
    await approve.waitFor();
    const [suggestion] = (await api('GET', '/pricing/changes?status=suggested')).body.data;
    expect([4000, 5000]).toContain(suggestion.newPrice);
    const newPrice = `$${(suggestion.newPrice / 100).toFixed(2)}`;
    const waiting = page.locator('.suggestion');
    await expect(waiting.textContent()).resolves.toContain(`$45.00 → ${newPrice}`);
    await expect(waiting.textContent()).resolves.toContain('Thompson sampling');
    await waiting.getByText('What the policy saw').click();
    await waiting.getByRole('cell', { name: '$60.00' }).waitFor();
    await checkA11y(page, 'pricing');
    await screenshots(`/stores/${storeId}/pricing?product=${apron.id}`, 'pricing', (pg) => pg.getByRole('button', { name: 'Approve' }).waitFor());

    await approve.click();
    await page.getByText('Price changed').waitFor();
    expect((await api('GET', `/products/${apron.id}`)).body.variants[0].price).toBe(suggestion.newPrice);

    // The product editor shows the new price and the pricing status.
    await page.goto(`${base}/stores/${storeId}/products/${apron.id}`);
    const panel = page.locator('#dynamic-pricing-title').locator('..').locator('..');
    await panel.getByText('Suggest mode').waitFor();
    await expect(
      page
        .getByLabel(/^Price of/)
        .first()
        .inputValue(),
    ).resolves.toBe((suggestion.newPrice / 100).toFixed(2));
    await screenshots(`/stores/${storeId}/products/${apron.id}`, 'product-pricing-panel', (pg) => pg.getByText('Suggest mode').waitFor());
    await panel.getByRole('link', { name: 'Open pricing' }).click();
    await page.waitForURL(/\/pricing\?product=/);
    // The history's product is a searchable picker (products API `q`), showing the chosen product.
    const towel = await createProduct(p, cookie, storeId, { title: 'Linen Tea Towel', variants: [{ sku: 'TOWEL-1', price: 1200, inventoryQuantity: 50 }] });
    const historyPicker = page.getByRole('combobox', { name: 'Product', exact: true });
    await expect.poll(() => historyPicker.inputValue()).toBe('Linen Apron');
    await historyPicker.fill('towel');
    await page
      .getByRole('listbox', { name: 'Product', exact: true })
      .getByRole('option', { name: /Linen Tea Towel/ })
      .waitFor();
    await historyPicker.press('Enter');
    await page.waitForURL(new RegExp(`product=${towel.id}`));
    await expect.poll(() => historyPicker.inputValue()).toBe('Linen Tea Towel');
    await historyPicker.fill('apron');
    await page
      .getByRole('listbox', { name: 'Product', exact: true })
      .getByRole('option', { name: /Linen Apron/ })
      .click();
    await page.waitForURL(new RegExp(`product=${apron.id}`));

    // The change log: the applied change with its reason, rolled back from here.
    const log = page.locator('.audit-item').filter({ hasText: 'Applied' });
    await log.getByRole('button', { name: 'Roll back' }).click();
    await page.getByText('Price restored').waitFor();
    expect((await api('GET', `/products/${apron.id}`)).body.variants[0].price).toBe(4500);
    await page.locator('.audit-item').filter({ hasText: 'Rolled back' }).first().waitFor();
    await page.getByRole('img', { name: /Price of .* between \$45\.00 and/ }).waitFor();
    await page.screenshot({ path: artifactPath('console-pricing-history-desktop.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });

  it('plans reorders: supplier, policy, run → purchase order grouped by supplier, alert, webhook test', { timeout: 300_000 }, async () => {
    const napkin = await createProduct(p, cookie, storeId, {
      title: 'Linen Napkin',
      variants: [{ sku: 'NAPKIN-1', price: 900, inventoryQuantity: 4 }],
    });
    const t = p.db.tenant(schema);
    for (let i = 1; i <= 42; i++)
      await recordSale(t, {
        orderLineId: `e2e-n-${i}`,
        variantId: napkin.variants[0].id,
        units: 3 + (i % 2),
        unitPrice: 900,
        at: new Date(Date.now() - i * DAY_MS),
      });

    await page.goto(`${base}/stores/${storeId}/products`);
    await page.getByRole('link', { name: 'Reorder', exact: true }).first().click();
    await page.waitForURL(/\/planning/);
    await page.getByRole('heading', { name: 'Reorder planning' }).waitFor();
    await page.getByText('Nothing to reorder').waitFor();

    await page.getByLabel('Supplier name').fill('Linen Mill');
    await page.getByLabel('Email (optional)').fill('orders@linenmill.example');
    await page.getByLabel('Lead time (days)').fill('10');
    await page.getByRole('button', { name: 'Add supplier' }).click();
    await page.getByText('Supplier saved').waitFor();
    await page.locator('.supplier-row').getByText('Linen Mill').waitFor();

    await page.getByRole('button', { name: 'Forecast and policy of Linen Napkin' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Supplier').selectOption({ label: 'Linen Mill' });
    await dialog.getByLabel('Service level (%)').fill('97');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Policy saved').first().waitFor();
    const policy = (await api('GET', '/inventory-planning/policies')).body.data.find((x: any) => x.variantId === napkin.variants[0].id);
    expect(policy).toMatchObject({ effectiveLeadTimeDays: 10, serviceLevel: 0.97, plan: null });

    // Every text the run's status line shows, in order: "Queued" comes from the button's answer, before any poll.
    await page.evaluate(() => {
      const seen: string[] = [];
      (globalThis as unknown as { runStates: string[] }).runStates = seen;
      const doc = (globalThis as unknown as { document: any }).document;
      new (globalThis as unknown as { MutationObserver: any }).MutationObserver(() => {
        const text = doc.querySelector('.run-status span')?.textContent;
        if (text && seen.at(-1) !== text) seen.push(text);
      }).observe(doc.body, { subtree: true, childList: true, characterData: true });
    });
    await page.getByRole('button', { name: 'Recompute now' }).click();
    await page.locator('.run-status').getByText('Done').waitFor({ timeout: 120_000 });
    const runStates = await page.evaluate(() => (globalThis as unknown as { runStates: string[] }).runStates);
    expect(runStates[0]).toBe('Queued');
    expect(runStates.at(-1)).toBe('Done');
    expect(
      runStates.every((x) => x === 'Queued' || x === 'Done' || /^Running… \d+%$/.test(x)),
      runStates.join(' → '),
    ).toBe(true);
    const group = page.getByRole('region', { name: 'Linen Mill' });
    await group.getByRole('cell', { name: 'Linen Napkin' }).waitFor();
    const [po] = (await api('GET', '/inventory-planning/purchase-orders')).body.data;
    expect(po).toMatchObject({ supplierName: 'Linen Mill', lines: [expect.objectContaining({ productTitle: 'Linen Napkin' })] });
    expect(po.totalUnits).toBeGreaterThan(0);
    await expect(group.locator('.po-total').textContent()).resolves.toContain(String(po.totalUnits));
    // The apron has plenty of stock: planned, nothing to order.
    await expect(page.locator('.po-group').filter({ hasText: 'Linen Apron' }).count()).resolves.toBe(0);
    await page.locator('#planning-alerts-title').waitFor();
    await page.locator('#planning-alerts-title').locator('../..').getByRole('cell', { name: 'Linen Napkin' }).waitFor();
    await page
      .getByRole('img', { name: /Forecast: about/ })
      .first()
      .waitFor();

    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download CSV' }).click();
    const csv = readFileSync((await (await download).path()) as string, 'utf8');
    expect(csv.split('\r\n')[0]).toBe('supplier,supplier_email,product,variant,sku,on_hand,reorder_point,order_up_to,quantity,lead_time_days');
    expect(csv).toContain(`Linen Mill,orders@linenmill.example,Linen Napkin,Default Title,NAPKIN-1,4,`);

    // Alert webhook: the secret is shown once, then a signed test event reaches the merchant's server.
    await page.getByLabel('Webhook URL').fill(hookUrl);
    await page.getByRole('region', { name: 'Alert webhook' }).getByRole('button', { name: 'Save' }).click();
    await page.getByText('Your new signing secret').waitFor();
    await page.getByRole('button', { name: 'Send test event' }).click();
    await page.getByText('Test event delivered (HTTP 200).').waitFor();
    expect(hookHits.some((b) => b.includes('"test"'))).toBe(true);

    await checkA11y(page, 'planning');
    await screenshots(`/stores/${storeId}/planning`, 'planning', (pg) => pg.getByRole('region', { name: 'Linen Mill' }).waitFor());
    // The policy dialog with the forecast.
    await page.getByRole('button', { name: 'Forecast and policy of Linen Napkin' }).click();
    await page.getByRole('dialog').getByText('Reorder point').first().waitFor();
    await page.screenshot({ path: artifactPath('console-planning-forecast-desktop.png') });
    expect(pageErrors).toEqual([]);
  });

  it('edits guardrails through a version conflict, and resumes a paused setting', { timeout: 300_000 }, async () => {
    const [settings] = (await api('GET', '/pricing/settings')).body.data;
    await page.goto(`${base}/stores/${storeId}/pricing`);
    await page.getByRole('button', { name: 'Edit Linen Apron' }).click();
    const dialog = page.getByRole('dialog');
    await expect(dialog.getByLabel('Allowed price points (optional)').inputValue()).resolves.toBe('30.00, 40.00, 50.00, 60.00');
    // Someone else saves meanwhile: this form's version is stale.
    const other = await api('PUT', `/pricing/settings/${settings.id}`, { ...settings, version: settings.version, targetUnits: 150, targetDate: '2027-01-31' });
    expect(other.status).toBe(200);
    await dialog.getByLabel('Largest change per day (optional)').fill('5');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.getByText('These settings were changed elsewhere').waitFor();
    await dialog.getByRole('button', { name: 'Reload the latest settings' }).click();
    await dialog.getByText('These settings were changed elsewhere').waitFor({ state: 'detached' });
    await expect(dialog.getByLabel('Inventory target: sell (units)').inputValue()).resolves.toBe('150');
    await dialog.getByLabel('Largest change per day (optional)').fill('5');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Guardrails saved').first().waitFor();
    expect((await api('GET', `/pricing/settings/${settings.id}`)).body).toMatchObject({ maxChangePerDay: 500, targetUnits: 150, targetDate: '2027-01-31' });

    // The data check paused it: the reason shows, and Resume clears it.
    await new PricingService({ db: p.db, storeId, schemaName: schema }).settings.pause(settings.id, 'Demand rose with price: check the sales data');
    await page.reload();
    await page.getByText('Demand rose with price: check the sales data').waitFor();
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByText('Dynamic pricing resumed').waitFor();
    expect((await api('GET', `/pricing/settings/${settings.id}`)).body).toMatchObject({ paused: false, pausedReason: null, maxChangePerDay: 500 });
    await expect(page.getByRole('button', { name: 'Resume' }).count()).resolves.toBe(0);
    // Back to one step a day for the next test.
    const current = (await api('GET', `/pricing/settings/${settings.id}`)).body;
    expect((await api('PUT', `/pricing/settings/${settings.id}`, { ...current, maxChangePerDay: 1000 })).status).toBe(200);
  });

  it('shows staff both pages read-only (no run, approve, roll back, edit or webhook)', { timeout: 300_000 }, async () => {
    // An applied policy change the owner could roll back.
    const run = await api('POST', '/pricing/runs');
    expect(run.status).toBe(202);
    let job: any;
    for (let i = 0; i < 300 && !['completed', 'failed'].includes(job?.state); i++) {
      await new Promise((r) => setTimeout(r, 200));
      job = (await api('GET', `/pricing/runs/${encodeURIComponent(run.body.jobId)}`)).body;
    }
    expect(job.state).toBe('completed');
    const [suggestion] = (await api('GET', '/pricing/changes?status=suggested')).body.data;
    expect((await api('POST', `/pricing/changes/${suggestion.id}/approve`)).status).toBe(200);

    const staff = await signup(p, undefined, 'Sam Staff');
    await p.db.control.insertInto('memberships').values({ store_id: storeId, user_id: staff.user.id, role: 'staff', created_at: new Date() }).execute();
    const staffCtx = await browser.newContext({ viewport: VIEWPORTS.desktop, locale: 'en-US' });
    const [name, value] = staff.cookie.split('=') as [string, string];
    await staffCtx.addCookies([{ name, value, url: base }]);
    const sp = await staffCtx.newPage();
    try {
      await sp.goto(`${base}/stores/${storeId}/pricing?product=${apron.id}`);
      await sp.locator('.audit-item').filter({ hasText: 'Applied' }).first().waitFor();
      await sp
        .getByRole('cell', { name: /\$30\.00 – \$60\.00/ })
        .first()
        .waitFor();
      for (const label of ['Run pricing now', 'Set up dynamic pricing', 'Roll back', 'Approve', 'Edit Linen Apron', 'Delete Linen Apron'])
        await expect(sp.getByRole('button', { name: label }).count(), label).resolves.toBe(0);
      // The owner sees the roll back for the same change.
      await page.goto(`${base}/stores/${storeId}/pricing?product=${apron.id}`);
      await page.getByRole('button', { name: 'Roll back' }).first().waitFor();

      await sp.getByRole('link', { name: 'Reorder', exact: true }).first().click();
      await sp.getByRole('region', { name: 'Linen Mill' }).waitFor();
      for (const label of ['Recompute now', 'Add supplier', 'Edit Linen Mill', 'Send test event'])
        await expect(sp.getByRole('button', { name: label }).count(), label).resolves.toBe(0);
      await expect(sp.getByRole('region', { name: 'Alert webhook' }).count()).resolves.toBe(0);
      await sp.getByRole('button', { name: 'Forecast and policy of Linen Napkin' }).click();
      await expect(sp.getByRole('dialog').getByLabel('Supplier').isDisabled()).resolves.toBe(true);
      await expect(sp.getByRole('dialog').getByRole('button', { name: 'Save' }).count()).resolves.toBe(0);
      await sp.screenshot({ path: artifactPath('console-planning-staff-desktop.png') });
    } finally {
      await staffCtx.close();
    }
  });
});
