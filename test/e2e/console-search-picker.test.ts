/**
 * The console's searchable picker (issue 17: "searchable pickers instead of 300-item dropdowns") in Chromium: an
 * ARIA combobox whose listbox options come from a debounced server search. Keyboard (ArrowDown/Up, Enter, Escape),
 * aria-expanded / aria-controls / aria-activedescendant, the loading, "no matches" and failed-search states, the
 * chosen value shown in the input, and clearing it. The product picker is built on it (discount editor), and the
 * store's time zone is picked through it (Settings → Store details). Screenshots at 1280 and 390 px; axe: 0 serious.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations } from '../helpers/axe.ts';
import { artifactPath, VIEWPORTS } from '../helpers/browser.ts';
import { createProduct, createStore, signup, type TestPlatform } from '../helpers/platform.ts';
import { startConsoleE2e, type ConsoleE2e } from '../helpers/console-e2e.ts';

describe('console search picker', { timeout: 300_000 }, () => {
  let e2e: ConsoleE2e;
  let p: TestPlatform;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    e2e = await startConsoleE2e();
    ({ p, browser, base } = e2e);
  });
  afterAll(() => e2e?.close());

  async function openAs(path: string) {
    const owner = await signup(p);
    const store = await createStore(p, owner.cookie);
    const ctx = await browser.newContext({ viewport: VIEWPORTS.desktop, locale: 'en-US' });
    const [name, value] = owner.cookie.split('=') as [string, string];
    await ctx.addCookies([{ name, value, url: base }]);
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    return { owner, store, ctx, page, errors, go: () => page.goto(`${base}/stores/${store.id}${path}`) };
  }

  const shots = async (page: Page, name: string) => {
    for (const [vp, viewport] of Object.entries(VIEWPORTS)) {
      await page.setViewportSize(viewport);
      await page.screenshot({ path: artifactPath(`${name}-${vp}.png`) });
    }
    await page.setViewportSize(VIEWPORTS.desktop);
  };

  it('picks a product by keyboard from a debounced server search, with loading, empty and error states', async () => {
    const { owner, store, ctx, page, errors, go } = await openAs('/discounts/new');
    for (const title of ['Linen Shirt', 'Linen Trousers', 'Wool Socks']) await createProduct(p, owner.cookie, store.id, { title });
    await go();
    await page.getByRole('radio', { name: 'Specific products' }).first().check();
    const box = page.getByRole('combobox', { name: 'Add a product' });
    await box.waitFor();
    expect(await box.getAttribute('aria-expanded')).toBe('false');
    expect(await box.getAttribute('aria-autocomplete')).toBe('list');

    // A slow answer shows "Loading…" until it arrives (the route is held, not timed).
    let release: () => void = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    await page.route(/\/products\?.*q=lin/, async (route) => {
      await held;
      await route.continue();
    });
    await box.fill('lin');
    await page.getByRole('status').filter({ hasText: 'Loading…' }).waitFor();
    release();
    const list = page.getByRole('listbox', { name: 'Add a product' });
    await list.getByRole('option', { name: /Linen Trousers/ }).waitFor();
    await page.unroute(/\/products\?.*q=lin/);
    expect(await list.getByRole('option').allInnerTexts()).toEqual([
      expect.stringMatching(/Linen (Shirt|Trousers)/),
      expect.stringMatching(/Linen (Shirt|Trousers)/),
    ]);
    expect(await box.getAttribute('aria-expanded')).toBe('true');
    expect(await box.getAttribute('aria-controls')).toBe(await list.getAttribute('id'));

    // ArrowDown moves the active option (focus stays in the input); Enter picks it.
    const first = await box.getAttribute('aria-activedescendant');
    expect(first).toBe(await list.getByRole('option').first().getAttribute('id'));
    await box.press('ArrowDown');
    const second = list.getByRole('option').nth(1);
    expect(await box.getAttribute('aria-activedescendant')).toBe(await second.getAttribute('id'));
    const secondTitle = ((await second.innerText()).match(/Linen (Shirt|Trousers)/) as RegExpMatchArray)[0];
    await box.press('ArrowUp');
    await box.press('ArrowUp'); // wraps to the last
    expect(await box.getAttribute('aria-activedescendant')).toBe(await second.getAttribute('id'));
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(await box.getAttribute('id'));
    await box.press('Enter');
    expect(await box.getAttribute('aria-expanded')).toBe('false');
    expect(await box.inputValue()).toBe(secondTitle);
    await page.locator('.target-list').getByText(secondTitle).waitFor();
    expect(page.url()).toMatch(/\/discounts\/new$/); // Enter picked, it did not submit the form
    // The clear button empties the box and gives focus back to it.
    await page.getByRole('button', { name: 'Clear Add a product' }).click();
    expect(await box.inputValue()).toBe('');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(await box.getAttribute('id'));
    await box.press('Escape');

    // Escape closes the list without picking.
    await box.fill('wool');
    await list.getByRole('option', { name: /Wool Socks/ }).waitFor();
    expect(await axeViolations(page), 'accessibility with the list open').toEqual([]);
    await shots(page, 'console-picker-open');
    await box.press('Escape');
    expect(await list.count()).toBe(0);
    expect(await box.getAttribute('aria-expanded')).toBe('false');
    expect(await page.locator('.target-list').getByText('Wool Socks').count()).toBe(0);

    // No match: said so, and announced.
    await box.fill('zzzz');
    await page.getByRole('status').filter({ hasText: 'No products found' }).waitFor();
    expect(await box.getAttribute('aria-expanded')).toBe('false');

    // A failed search says so instead of showing stale options.
    await page.route(/\/products\?.*q=boom/, (route) => route.fulfill({ status: 500, contentType: 'application/json', body: '{"error":{"code":"internal"}}' }));
    await box.fill('boom');
    await page.getByRole('status').filter({ hasText: 'The search failed' }).waitFor();
    expect(await list.count()).toBe(0);
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('picks the store time zone by searching every IANA zone, shows the choice, and keeps it', async () => {
    const { owner, store, ctx, page, errors, go } = await openAs('/settings/general');
    await go();
    const zone = page.getByRole('combobox', { name: 'Time zone' });
    await zone.waitFor();
    expect(await zone.inputValue()).toBe('UTC');
    await zone.fill('new york');
    const list = page.getByRole('listbox', { name: 'Time zone' });
    const ny = list.getByRole('option', { name: /America\/New York/ });
    await ny.waitFor();
    expect(await ny.innerText()).toMatch(/GMT-0[45]:00/);
    expect(await axeViolations(page), 'accessibility of the time zone picker').toEqual([]);
    await shots(page, 'console-timezone-picker');
    await zone.press('Enter');
    expect(await zone.inputValue()).toBe('America/New York');
    // Leaving the box after typing something else puts the chosen zone back.
    await zone.fill('nowhere-at-all');
    await page.getByRole('status').filter({ hasText: 'No time zone matches' }).waitFor();
    await zone.press('Tab');
    expect(await zone.inputValue()).toBe('America/New York');
    await page.getByRole('region', { name: 'General' }).getByRole('button', { name: 'Save' }).click();
    await page.getByText('Settings saved').first().waitFor();
    expect((await p.request('GET', `/api/v1/stores/${store.id}`, { cookie: owner.cookie })).body.timezone).toBe('America/New_York');
    await page.reload();
    await expect(page.getByRole('combobox', { name: 'Time zone' }).inputValue()).resolves.toBe('America/New York');
    expect(errors).toEqual([]);
    await ctx.close();
  });
});
