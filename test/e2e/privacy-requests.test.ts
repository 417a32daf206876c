/**
 * A guest's export request end to end in Chromium: the shopper asks on the
 * storefront's "Your data" page, the confirmation link is read from the mail
 * outbox and opened, the request waits in the console's Privacy page with its
 * statutory deadline, the merchant approves it, the worker completes it, and
 * the link mailed to the shopper downloads their data. axe: no serious or
 * critical violations on the storefront and console pages; screenshots at
 * desktop and phone widths under test-artifacts/.
 */
import { randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations } from '../helpers/axe.ts';
import { artifactPath, VIEWPORTS } from '../helpers/browser.ts';
import { createProduct, createStore, signup, type TestPlatform } from '../helpers/platform.ts';
import { startConsoleE2e, type StorefrontE2e, type Served } from '../helpers/console-e2e.ts';

const SECRET = 'privacy-e2e-secret-0123456789abcdef0123456';

describe('privacy requests in Chromium', { timeout: 240_000 }, () => {
  let e2e: StorefrontE2e;
  let p: TestPlatform;
  let browser: Browser;
  let sf: Served;
  let base: string;
  const GUEST = `henrike.oosterbaan.${randomBytes(3).toString('hex')}@example.org`;

  beforeAll(async () => {
    e2e = await startConsoleE2e({ storefront: (p) => ({ secret: SECRET, storage: p.services.storage, mail: p.services.mail, queues: p.queues }) });
    ({ p, browser, base, sf } = e2e);
    await p.startWorker({ storefront: { secret: SECRET, storeUrl: (s) => `http://${s.slug}.localhost:${sf.port}` } });
  });
  afterAll(() => e2e?.close());

  const lastMail = async (kind: string) => {
    for (let i = 0; i < 200; i++) {
      const m = await p.db.control
        .selectFrom('mail_outbox')
        .select('text_body')
        .where('kind', '=', kind)
        .where('to_address', '=', GUEST)
        .orderBy('created_at', 'desc')
        .executeTakeFirst();
      if (m) return m.text_body;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no ${kind} mail`);
  };

  it('a guest asks through the mailed link; the merchant sees the deadline, approves, and the shopper downloads the export', async () => {
    const owner = await signup(p);
    const store = await createStore(p, owner.cookie, undefined, 'EUR');
    const variant = (await createProduct(p, owner.cookie, store.id, { title: 'Linen Napkin', variants: [{ sku: 'NAP-1', price: 1200, inventoryQuantity: 5 }] }))
      .variants[0].id;
    const shop = (path: string) => `http://${store.slug}.localhost:${sf.port}${path}`;

    // The guest has ordered before (through the storefront's forms).
    const sctx = await browser.newContext({ viewport: VIEWPORTS.desktop, locale: 'en-US', acceptDownloads: true });
    const page = await sctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(shop('/'));
    const added = await page.evaluate(
      async ([v]) => (await fetch('/cart/add', { method: 'POST', body: new URLSearchParams({ variantId: v as string, quantity: '1' }) })).status,
      [variant],
    );
    expect(added).toBeLessThan(400);
    const placed = await page.evaluate(async (email) => {
      const body = new URLSearchParams({
        email: email as string,
        name: 'Henrike Oosterbaan',
        line1: '9 Singel',
        city: 'Amsterdam',
        postalCode: '1012 AB',
        country: 'NL',
      });
      return (await fetch('/checkout', { method: 'POST', body, redirect: 'manual' })).type;
    }, GUEST);
    expect(placed).toBe('opaqueredirect');

    // "Your data" from the footer; the form at both widths.
    await page.goto(shop('/'));
    await page.getByRole('contentinfo').getByRole('link', { name: 'Your data' }).click();
    await page.getByRole('heading', { name: 'Your data and privacy' }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    for (const [vp, viewport] of Object.entries(VIEWPORTS)) {
      await page.setViewportSize(viewport);
      await page.screenshot({ path: artifactPath(`privacy-storefront-form-${vp}.png`), fullPage: true });
    }
    await page.setViewportSize(VIEWPORTS.desktop);
    await page.getByRole('textbox', { name: 'E-mail' }).fill(GUEST);
    await page.getByLabel(/A copy of my data/).check();
    await page.getByRole('button', { name: 'Send request' }).click();
    await page.getByRole('heading', { name: 'Check your inbox' }).waitFor();
    expect(page.url()).not.toContain(encodeURIComponent(GUEST));

    // The link from the mail outbox: it asks first, the button confirms.
    const confirmMail = await lastMail('privacy-confirm');
    const confirmUrl = (confirmMail.match(/https?:\/\/\S+/) ?? [])[0] as string;
    expect(confirmUrl).toContain('/account/privacy/confirm?token=');
    await page.goto(confirmUrl.replace(/^http:\/\/[^/]+/, shop('')));
    await page.getByRole('heading', { name: 'Confirm your request' }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: artifactPath('privacy-storefront-confirm-desktop.png'), fullPage: true });
    await page.getByRole('button', { name: 'Confirm request' }).click();
    await page.getByRole('heading', { name: 'Request received' }).waitFor();

    // The merchant's console: the request waits with its deadline (30 days from today).
    const cctx = await browser.newContext({ viewport: VIEWPORTS.desktop, locale: 'en-US' });
    const [name, value] = owner.cookie.split('=') as [string, string];
    await cctx.addCookies([{ name, value, url: base }]);
    const con = await cctx.newPage();
    con.on('pageerror', (e) => errors.push(e.message));
    await con.goto(`${base}/stores/${store.id}/orders`);
    await con.getByRole('navigation', { name: /main/i }).getByRole('link', { name: 'Settings' }).click();
    await con.getByRole('link', { name: /^Privacy requests/ }).click();
    await con.waitForURL(/\/privacy$/);
    const row = con.getByTestId('privacy-requests').getByRole('row').filter({ hasText: GUEST });
    await row.waitFor();
    await row.getByText('Awaiting approval').waitFor();
    await row.getByText('Confirmed by mail link').waitFor();
    const due = new Date(Date.now() + 30 * 86_400_000);
    await row.getByText(/30 days left|29 days left/).waitFor();
    expect(await row.textContent()).toContain(String(due.getFullYear()));
    expect(await axeViolations(con)).toEqual([]);
    for (const [vp, viewport] of Object.entries(VIEWPORTS)) {
      await con.setViewportSize(viewport);
      await con.screenshot({ path: artifactPath(`privacy-console-${vp}.png`), fullPage: true });
    }
    await con.setViewportSize(VIEWPORTS.desktop);

    // Extend dialog: refused without a reason, then cancelled; approve runs the export.
    await row.getByRole('button', { name: 'Extend deadline' }).click();
    const dialog = con.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Extend deadline' }).click();
    await dialog.getByText('Give a reason of at least 10 characters').waitFor();
    expect(await axeViolations(con)).toEqual([]);
    await con.screenshot({ path: artifactPath('privacy-console-extend-desktop.png') });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await row.getByRole('button', { name: 'Approve and export' }).click();
    await row.getByText('Completed').waitFor({ timeout: 60_000 });
    const download = row.getByRole('link', { name: 'Download export' });
    await download.waitFor();
    const fromConsole = await con.evaluate(async (href) => (await fetch(href as string)).json(), await download.getAttribute('href'));
    expect(fromConsole.email).toBe(GUEST);
    await con.screenshot({ path: artifactPath('privacy-console-completed-desktop.png'), fullPage: true });

    // The shopper's mailed link downloads the same document from the store's host.
    const readyMail = await lastMail('privacy-export-ready');
    const exportUrl = (readyMail.match(/https?:\/\/\S+/) ?? [])[0] as string;
    expect(exportUrl.startsWith(shop('/account/privacy/exports/'))).toBe(true);
    const [file] = await Promise.all([page.waitForEvent('download'), page.evaluate((u) => (window.location.href = u as string), exportUrl)]);
    const path = await file.path();
    const doc = JSON.parse(await (await import('node:fs/promises')).readFile(path as string, 'utf8'));
    expect(doc.email).toBe(GUEST);
    expect(doc.orders).toHaveLength(1);
    expect(errors).toEqual([]);
    await sctx.close();
    await cctx.close();
  });
});
