/**
 * The console's grouped menu and the Settings index in Chromium, at desktop and phone widths: the menu has labelled
 * groups (Growth holds Pricing, Reorder, Search and Recommendations; Jobs is not in the menu but under Settings), the
 * Settings index lists every settings area and its links open the sub-pages. axe: no serious or critical violations.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations } from '../helpers/axe.ts';
import { artifactPath, VIEWPORTS } from '../helpers/browser.ts';
import { createStore, signup, type TestPlatform } from '../helpers/platform.ts';
import { startConsoleE2e, type ConsoleE2e } from '../helpers/console-e2e.ts';

describe('console menu and settings index', { timeout: 240_000 }, () => {
  let e2e: ConsoleE2e;
  let p: TestPlatform;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    e2e = await startConsoleE2e();
    ({ p, browser, base } = e2e);
  });
  afterAll(() => e2e?.close());

  it('groups the menu, lists every settings area on one index, and opens its sub-pages', async () => {
    const owner = await signup(p);
    const store = await createStore(p, owner.cookie);
    const ctx = await browser.newContext({ viewport: VIEWPORTS.desktop, locale: 'en-US' });
    const [name, value] = owner.cookie.split('=') as [string, string];
    await ctx.addCookies([{ name, value, url: base }]);
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/stores/${store.id}/home`);
    const nav = page.getByRole('navigation', { name: 'Main' });
    const growth = nav.getByRole('list', { name: 'Growth' });
    await growth.waitFor();
    expect(await growth.getByRole('link').allInnerTexts()).toEqual(['Pricing', 'Reorder', 'Search', 'Recommendations']);
    expect(await nav.getByRole('heading').allInnerTexts()).toEqual(expect.arrayContaining(['SALES', 'CATALOG', 'GROWTH']));
    expect(await nav.getByRole('link', { name: 'Jobs' }).count()).toBe(0);

    await nav.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    const index = page.getByRole('main').getByRole('navigation', { name: 'Settings' });
    for (const area of [
      'Store details',
      'Markets',
      'Checkout and payments',
      'Shipping',
      'Taxes',
      'Notifications',
      'Customer privacy',
      'Users and permissions',
      'Plan and billing',
      'Apps and API access',
      'Webhooks',
      'Background tasks',
      'Store data',
    ])
      await index.getByRole('link', { name: new RegExp(`^${area}`) }).waitFor();
    expect(await nav.getByRole('link', { name: 'Settings' }).getAttribute('aria-current')).toBe('page');
    expect(await axeViolations(page)).toEqual([]);
    for (const [vp, viewport] of Object.entries(VIEWPORTS)) {
      await page.setViewportSize(viewport);
      await page.screenshot({ path: artifactPath(`console-settings-index-${vp}.png`), fullPage: true });
    }
    await page.setViewportSize(VIEWPORTS.desktop);

    // Sub-pages: store details (with the way back), then background tasks under Settings in the menu.
    await index.getByRole('link', { name: /^Store details/ }).click();
    await page.getByRole('heading', { name: 'Store details', level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'Appearance and languages' }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    // The store's time zone (UTC for a store made without one) is picked here and kept by the API.
    const zone = page.getByLabel('Time zone');
    expect(await zone.inputValue()).toBe('UTC');
    await zone.fill('tokyo');
    await page.getByRole('option', { name: /Asia\/Tokyo/ }).click();
    expect(await zone.inputValue()).toBe('Asia/Tokyo');
    await page.getByRole('region', { name: 'General' }).getByRole('button', { name: 'Save' }).click();
    await page.getByText('Settings saved').first().waitFor();
    expect((await p.request('GET', `/api/v1/stores/${store.id}`, { cookie: owner.cookie })).body.timezone).toBe('Asia/Tokyo');
    await page.getByRole('link', { name: '← Settings' }).click();
    await index.getByRole('link', { name: /^Background tasks/ }).click();
    await page.waitForURL(/\/jobs$/);
    expect(await nav.getByRole('link', { name: 'Settings' }).getAttribute('aria-current')).toBe('page');
    await page.goto(`${base}/stores/${store.id}/settings/notifications`);
    await page.getByRole('heading', { name: 'Customer notifications' }).waitFor();
    expect(await axeViolations(page)).toEqual([]);

    // Phone: the grouped menu opens from the menu button and stays accessible.
    await page.setViewportSize(VIEWPORTS.phone);
    await page.goto(`${base}/stores/${store.id}/settings`);
    await index.getByRole('link', { name: /^Store details/ }).waitFor();
    expect(await growth.isVisible()).toBe(false);
    await page.getByRole('button', { name: 'Menu' }).click();
    await growth.getByRole('link', { name: 'Reorder' }).waitFor({ state: 'visible' });
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: artifactPath('console-menu-phone.png') });
    await growth.getByRole('link', { name: 'Search' }).click();
    await page.waitForURL(/\/search$/);
    expect(errors).toEqual([]);
    await ctx.close();
  });
});
