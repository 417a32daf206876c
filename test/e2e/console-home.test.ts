/**
 * The console home of a new store in Chromium: the setup guide ticks off what
 * is done (a product, a test order), the Launch button opens the store
 * (POST /stores/:id/launch) and the guide gives way to "live"; today's sales,
 * orders to fulfil and low stock show the store's numbers. axe: no serious or
 * critical violations; screenshots at desktop and phone widths.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations } from '../helpers/axe.ts';
import { artifactPath, VIEWPORTS } from '../helpers/browser.ts';
import { createProduct, createStore, signup, type TestPlatform } from '../helpers/platform.ts';
import { startConsoleE2e, type ConsoleE2e } from '../helpers/console-e2e.ts';

describe('console home', { timeout: 240_000 }, () => {
  let e2e: ConsoleE2e;
  let p: TestPlatform;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    e2e = await startConsoleE2e();
    ({ p, browser, base } = e2e);
  });
  afterAll(() => e2e?.close());

  it('guides a new store through setup, launches it, and shows the day’s numbers', async () => {
    const owner = await signup(p);
    const store = await createStore(p, owner.cookie, undefined, 'EUR', { launch: false });
    await createProduct(p, owner.cookie, store.id, {
      title: 'Linen Napkin',
      variants: [{ sku: 'NAP-1', price: 1200, inventoryQuantity: 3 }],
    });
    const home = await p.request('GET', `/api/v1/stores/${store.id}/home`, { cookie: owner.cookie });
    expect(home.status, home.text).toBe(200);
    expect(home.body).toMatchObject({
      setup: { product: true, logo: false, shipping: false, testOrder: false, launched: false },
      today: { sales: 0, orders: 0, currency: 'EUR' },
      ordersToFulfil: 0,
      lowStock: [{ title: 'Linen Napkin', sku: 'NAP-1', quantity: 3 }],
    });

    const ctx = await browser.newContext({ viewport: VIEWPORTS.desktop, locale: 'en-US' });
    const [name, value] = owner.cookie.split('=') as [string, string];
    await ctx.addCookies([{ name, value, url: base }]);
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/stores/${store.id}`);
    await page.waitForURL(/\/home$/);
    await page.getByRole('heading', { name: 'Set up your store' }).waitFor();
    await page.getByText('1 of 5 steps done').waitFor();
    expect(await page.getByTestId('orders-to-fulfil').textContent()).toBe('0');
    await page.getByRole('link', { name: /Linen Napkin/ }).waitFor();
    const preview = await page.getByRole('main').getByRole('link', { name: 'Preview store' }).getAttribute('href');
    expect(preview).toMatch(new RegExp(`^http://${store.slug}\\.localhost:3001/\\?preview=.{20,}`));
    expect(await axeViolations(page)).toEqual([]);
    for (const [vp, viewport] of Object.entries(VIEWPORTS)) {
      await page.setViewportSize(viewport);
      await page.screenshot({ path: artifactPath(`console-home-${vp}.png`), fullPage: true });
    }
    await page.setViewportSize(VIEWPORTS.desktop);
    await page.getByRole('button', { name: 'Launch store' }).click();
    await page.getByText('Your store is live.').first().waitFor();
    expect(await page.getByRole('heading', { name: 'Set up your store' }).count()).toBe(0);
    expect(await page.getByRole('main').getByRole('link', { name: 'Preview store' }).count()).toBe(0);
    const state = await p.request('GET', `/api/v1/stores/${store.id}/launch`, { cookie: owner.cookie });
    expect(state.body.launched).toBe(true);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: artifactPath('console-home-launched-desktop.png'), fullPage: true });
    expect(errors).toEqual([]);
    await ctx.close();
  });
});
