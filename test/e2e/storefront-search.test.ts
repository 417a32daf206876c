/**
 * Storefront search in real Chromium (issue 17): the header box is an ARIA combobox over the autocomplete API
 * (suggestions and products as the shopper types, arrow keys, Enter, Escape) and a plain GET form without
 * JavaScript; the results page says "Showing results for …" when the engine corrected a typo, with a link to
 * search for the words as typed; "Sort by" applies as soon as it changes; on phones the filters are a drawer
 * (a modal dialog that keeps focus inside, Apply / Clear). 1280 and 390 px, axe 0 serious/critical.
 */
import { createLogger } from '@storeloom/log';
import { SearchIndexer } from '@storeloom/store-search';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorefrontApp } from '../../apps/storefront/src/app.ts';
import { axeViolations } from '../helpers/axe.ts';
import { artifactPath, launchChromium, serveOnFreePort, VIEWPORTS } from '../helpers/browser.ts';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

describe('storefront search UI', { timeout: 240_000 }, () => {
  let p: TestPlatform;
  let browser: Browser;
  let sf: { port: number; close(): Promise<void> };
  let store: { id: string; slug: string };
  const url = (path: string) => `http://${store.slug}.localhost:${sf.port}${path}`;
  /** The header's search form says when the page has hydrated (the combobox and the drawer work from then on). */
  const hydrated = (page: Page) => page.locator('form.search[data-hydrated="1"]').waitFor({ state: 'attached' });

  beforeAll(async () => {
    p = await startTestPlatform();
    const owner = (await signup(p)).cookie;
    store = await createStore(p, owner);
    const products: [string, number, number][] = [
      ['Gooseneck kettle', 6900, 5],
      ['Kettle descaler', 900, 0],
      ['Travel kettle', 3500, 8],
      ['Ceramic dripper', 2400, 12],
      ['Wool socks', 1500, 30],
    ];
    const ids: Record<string, string> = {};
    for (const [title, price, qty] of products)
      ids[title] = (await createProduct(p, owner, store.id, { title, variants: [{ price, inventoryQuantity: qty }] })).id as string;
    const coll = await p.request('POST', `/api/v1/stores/${store.id}/collections`, {
      cookie: owner,
      body: { title: 'Brew gear', productIds: [ids['Gooseneck kettle'], ids['Ceramic dripper'], ids['Travel kettle']] },
    });
    expect(coll.status, coll.text).toBe(201);
    const schema = (await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', store.id).executeTakeFirstOrThrow()).schema_name;
    const languages = JSON.stringify(['en', 'de']);
    await p.db
      .tenant(schema)
      .insertInto('store_settings')
      .values({ key: 'languages', value: languages, updated_at: new Date() })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: languages }))
      .execute();
    await new SearchIndexer(p.db.tenant(schema), schema).reindex();
    const app = createStorefrontApp(p.db, createLogger({ level: 'silent' }), { rootDomain: 'localhost', storeCacheTtlMs: 0, pageCacheTtlMs: 0 });
    sf = await serveOnFreePort(app.fetch);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await sf?.close();
    await p?.close();
  });

  it('header search suggests as the shopper types and is keyboard navigable (combobox)', async () => {
    for (const [name, viewport] of Object.entries(VIEWPORTS)) {
      const page = await browser.newPage({ viewport, locale: 'en-US' });
      await page.goto(url('/'));
      await hydrated(page);
      const box = page.getByRole('combobox', { name: 'Search' });
      expect(await box.getAttribute('aria-expanded')).toBe('false');
      await box.click();
      await box.pressSequentially('kett');
      const listbox = page.getByRole('listbox', { name: 'Suggestions' });
      await listbox.waitFor();
      await expect.poll(() => box.getAttribute('aria-expanded')).toBe('true');
      const options = listbox.getByRole('option');
      await expect.poll(() => options.allTextContents()).toEqual(expect.arrayContaining(['Gooseneck kettle', 'Kettle descaler', 'Travel kettle']));
      expect(await options.allTextContents()).not.toContain('Wool socks');
      expect(await box.getAttribute('aria-activedescendant')).toBeNull();
      // ↓ moves the active option; focus stays in the box; ↑ from the first wraps to the last.
      await box.press('ArrowDown');
      const first = await box.getAttribute('aria-activedescendant');
      expect(first).toBeTruthy();
      expect(await page.locator(`#${first}`).getAttribute('aria-selected')).toBe('true');
      expect(await page.evaluate(() => document.activeElement?.getAttribute('role'))).toBe('combobox');
      await box.press('ArrowUp');
      const count = await options.count();
      expect(await box.getAttribute('aria-activedescendant')).toBe(await options.nth(count - 1).getAttribute('id'));
      expect(await axeViolations(page)).toEqual([]);
      await page.screenshot({ path: artifactPath(`sf-search-suggest-${name}.png`) });
      // Escape closes the list; a second Escape clears the box.
      await box.press('Escape');
      expect(await box.getAttribute('aria-expanded')).toBe('false');
      expect(await listbox.isVisible()).toBe(false);
      // ↓ reopens it; Enter on a product option opens that product.
      await box.press('ArrowDown');
      expect(await box.getAttribute('aria-expanded')).toBe('true');
      const target = listbox.getByRole('option', { name: 'Travel kettle' });
      const targetId = (await target.getAttribute('id')) as string;
      for (let i = 0; i < count && (await box.getAttribute('aria-activedescendant')) !== targetId; i++) await box.press('ArrowDown');
      expect(await box.getAttribute('aria-activedescendant')).toBe(targetId);
      await Promise.all([page.waitForURL(/\/products\/travel-kettle$/), box.press('Enter')]);
      // Enter with no active option submits the search form.
      await hydrated(page);
      const again = page.getByRole('combobox', { name: 'Search' });
      await again.fill('socks');
      await Promise.all([page.waitForURL(/\/search\?q=socks$/), again.press('Enter')]);
      expect(await page.locator('main .grid').textContent()).toContain('Wool socks');
      await page.close();
    }
  });

  it('says "Showing results for" a corrected typo, with a link to search for the words as typed', async () => {
    const page = await browser.newPage({ viewport: VIEWPORTS.desktop, locale: 'en-US' });
    await page.goto(url('/search?q=kettel'));
    const note = page.getByTestId('search-corrected');
    expect(await note.textContent()).toContain('Showing results for “kettle”');
    expect(await note.locator('strong').textContent()).toBe('kettle');
    expect(await page.locator('main').textContent()).toContain('Gooseneck kettle');
    await page.screenshot({ path: artifactPath('sf-search-corrected-desktop.png') });
    expect(await axeViolations(page)).toEqual([]);
    await Promise.all([page.waitForURL(/exact=1/), page.getByRole('link', { name: 'Search instead for “kettel”' }).click()]);
    expect(await page.getByTestId('search-corrected').count()).toBe(0);
    expect(await page.locator('main').textContent()).toContain('No products match your search.');
    // A word the catalogue has is never "corrected".
    await page.goto(url('/search?q=kettle'));
    expect(await page.getByTestId('search-corrected').count()).toBe(0);
    // German: the same notice and the sort label in the shopper's language.
    await page.goto(url('/lang/de?to=%2Fsearch%3Fq%3Dkettel'));
    expect(await page.getByTestId('search-corrected').textContent()).toContain('Ergebnisse für „kettle“');
    expect(await page.locator('label[for=search-sort]').textContent()).toBe('Sortieren nach');
    await page.close();
  });

  it('applies "Sort by" as soon as it changes (with JS no button; without JS a button)', async () => {
    const page = await browser.newPage({ viewport: VIEWPORTS.desktop, locale: 'en-US' });
    await page.goto(url('/search?q=kettle'));
    await hydrated(page);
    expect(await page.locator('.sort-form button').count()).toBe(0);
    await Promise.all([page.waitForURL(/sort=price-asc/), page.getByLabel('Sort by').selectOption('price-asc')]);
    const titles = await page.locator('main .card-title').allTextContents();
    const order = ['Kettle descaler', 'Travel kettle', 'Gooseneck kettle'];
    expect(titles.filter((x) => order.includes(x.trim())).map((x) => x.trim())).toEqual(order);
    expect(await page.getByLabel('Sort by').inputValue()).toBe('price-asc');
    await page.close();

    const ctx = await browser.newContext({ javaScriptEnabled: false, viewport: VIEWPORTS.desktop, locale: 'en-US' });
    const plain = await ctx.newPage();
    await plain.goto(url('/'));
    await plain.getByRole('combobox', { name: 'Search' }).fill('kettle');
    await Promise.all([plain.waitForURL(/\/search\?q=kettle/), plain.getByRole('combobox', { name: 'Search' }).press('Enter')]);
    await plain.getByLabel('Sort by').selectOption('price-desc');
    await Promise.all([plain.waitForURL(/sort=price-desc/), plain.locator('.sort-form').getByRole('button', { name: 'Apply' }).click()]);
    const desc = await plain.locator('main .card-title').allTextContents();
    expect(desc.map((x) => x.trim()).filter((x) => x.includes('ettle'))).toEqual(['Gooseneck kettle', 'Travel kettle', 'Kettle descaler']);
    // The filters are a plain form too.
    await plain.getByLabel('In stock only').check();
    await Promise.all([plain.waitForURL(/inStock=1/), plain.locator('#search-filters').getByRole('button', { name: 'Apply' }).click()]);
    expect(await plain.locator('main').textContent()).not.toContain('Kettle descaler');
    await ctx.close();
  });

  it('opens the filters as a drawer on phones: a modal dialog that keeps focus, with Apply and Clear', async () => {
    const page = await browser.newPage({ viewport: VIEWPORTS.phone, locale: 'en-US' });
    await page.goto(url('/search?q=kettle'));
    await hydrated(page);
    const drawer = page.locator('#search-filters');
    expect(await drawer.isVisible()).toBe(false);
    const toggle = page.getByRole('button', { name: 'Filter', exact: true });
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    await toggle.click();
    const dialog = page.getByRole('dialog', { name: 'Filter', exact: true });
    await dialog.waitFor();
    expect(await dialog.getAttribute('aria-modal')).toBe('true');
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    const inside = () => page.evaluate(() => document.activeElement?.closest('#search-filters') !== null);
    expect(await inside()).toBe(true);
    // Tab and Shift+Tab cycle inside the dialog.
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Tab');
      expect(await inside()).toBe(true);
    }
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Shift+Tab');
      expect(await inside()).toBe(true);
    }
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: artifactPath('sf-search-filters-phone.png') });
    // Escape closes it and gives focus back to the button.
    await page.keyboard.press('Escape');
    expect(await drawer.isVisible()).toBe(false);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('filters-toggle');
    // Apply filters; Clear removes them (keeping the query).
    await toggle.click();
    await dialog.getByLabel('In stock only').check();
    await dialog.getByLabel('Collections').selectOption('brew-gear');
    await Promise.all([page.waitForURL(/inStock=1/), dialog.getByRole('button', { name: 'Apply' }).click()]);
    expect(page.url()).toContain('collection=brew-gear');
    const main = (await page.locator('main').textContent()) ?? '';
    expect(main).toContain('Gooseneck kettle');
    expect(main).not.toContain('Kettle descaler');
    await hydrated(page);
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    await Promise.all([page.waitForURL((u) => !u.search.includes('inStock')), page.getByRole('dialog').getByRole('link', { name: 'Clear' }).click()]);
    expect(new URL(page.url()).searchParams.get('q')).toBe('kettle');
    expect(new URL(page.url()).searchParams.get('collection')).toBeNull();
    await page.screenshot({ path: artifactPath('sf-search-phone.png'), fullPage: true });
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });
});
