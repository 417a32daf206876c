/**
 * Searchable pickers instead of long dropdowns (issue 17), in Chromium: the pricing dialog's collection and product
 * are picked from ARIA comboboxes that search the server (collections API `query`, products API `q`). Type a few
 * letters, pick with the keyboard, save, reload: the chosen title is shown. axe: 0 serious/critical with the list
 * open; screenshots at 1280 and 390 px under test-artifacts/.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations } from '../helpers/axe.ts';
import { artifactPath, VIEWPORTS } from '../helpers/browser.ts';
import { createProduct, createStore, signup, type TestPlatform } from '../helpers/platform.ts';
import { startConsoleE2e, type ConsoleE2e } from '../helpers/console-e2e.ts';

describe('console pickers', { timeout: 300_000 }, () => {
  let e2e: ConsoleE2e;
  let p: TestPlatform;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    e2e = await startConsoleE2e();
    ({ p, browser, base } = e2e);
  });
  afterAll(() => e2e?.close());

  const shots = async (page: Page, name: string) => {
    for (const [vp, viewport] of Object.entries(VIEWPORTS)) {
      await page.setViewportSize(viewport);
      await page.screenshot({ path: artifactPath(`${name}-${vp}.png`) });
    }
    await page.setViewportSize(VIEWPORTS.desktop);
  };

  it('pricing: the collection and the product are searched and picked from the keyboard, and shown after a reload', async () => {
    const owner = await signup(p);
    const store = await createStore(p, owner.cookie);
    const api = (method: string, path: string, body?: unknown) =>
      p.request(method, `/api/v1/stores/${store.id}${path}`, { cookie: owner.cookie, ...(body === undefined ? {} : { body }) });
    for (const title of ['Linen Edit', 'Wool Edit', 'Gift Ideas']) expect((await api('POST', '/collections', { title })).status).toBe(201);
    await createProduct(p, owner.cookie, store.id, { title: 'Linen Apron', variants: [{ sku: 'APRON-1', price: 4500, inventoryQuantity: 20 }] });
    await createProduct(p, owner.cookie, store.id, { title: 'Wool Socks', variants: [{ sku: 'SOCKS-1', price: 1500, inventoryQuantity: 20 }] });

    const ctx = await browser.newContext({ viewport: VIEWPORTS.desktop, locale: 'en-US' });
    const [name, value] = owner.cookie.split('=') as [string, string];
    await ctx.addCookies([{ name, value, url: base }]);
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/stores/${store.id}/pricing`);
    await page.getByRole('button', { name: 'Set up dynamic pricing' }).first().click();
    const dialog = page.getByRole('dialog');

    // The product: a combobox, not a select listing every product.
    expect(await dialog.locator('select#pricing-product').count()).toBe(0);
    const product = dialog.getByRole('combobox', { name: 'Product', exact: true });
    await product.fill('soc');
    await dialog
      .getByRole('listbox', { name: 'Product', exact: true })
      .getByRole('option', { name: /Wool Socks/ })
      .waitFor();
    await product.press('Enter');
    expect(await product.inputValue()).toBe('Wool Socks');

    // The collection instead: searched on the server by title.
    await dialog.getByRole('radio', { name: 'A collection' }).check();
    const collection = dialog.getByRole('combobox', { name: 'Collection', exact: true });
    await collection.fill('edi');
    const options = dialog.getByRole('listbox', { name: 'Collection', exact: true }).getByRole('option');
    await options.filter({ hasText: 'Wool Edit' }).waitFor();
    expect((await options.allInnerTexts()).map((t) => t.split('\n')[0]?.trim()).sort()).toEqual(['Linen Edit', 'Wool Edit']);
    expect(await axeViolations(page), 'pricing dialog with the collection list open').toEqual([]);
    await shots(page, 'console-pricing-collection-picker');
    await collection.press('ArrowDown');
    const active = await collection.getAttribute('aria-activedescendant');
    const chosen = ((await page.locator(`#${active}`).innerText()).split('\n')[0] ?? '').trim();
    await collection.press('Enter');
    expect(await collection.inputValue()).toBe(chosen);

    await dialog.getByLabel('Price floor').fill('30');
    await dialog.getByLabel('Price ceiling').fill('60');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Guardrails saved').waitFor();
    const [saved] = (await api('GET', '/pricing/settings')).body.data;
    const collections = (await api('GET', `/collections?query=${encodeURIComponent(chosen)}`)).body.data;
    expect(saved.collectionId).toBe(collections[0].id);

    await page.reload();
    await page.getByText(`Collection: ${chosen}`).first().waitFor();
    expect(errors).toEqual([]);
    await ctx.close();
  });
  it('products: the collection filter is searched and picked from the keyboard, and kept after a reload', async () => {
    const owner = await signup(p);
    const store = await createStore(p, owner.cookie);
    const api = (method: string, path: string, body?: unknown) =>
      p.request(method, `/api/v1/stores/${store.id}${path}`, { cookie: owner.cookie, ...(body === undefined ? {} : { body }) });
    const apron = await createProduct(p, owner.cookie, store.id, { title: 'Linen Apron', variants: [{ sku: 'APRON-1', price: 4500, inventoryQuantity: 20 }] });
    await createProduct(p, owner.cookie, store.id, { title: 'Wool Socks', variants: [{ sku: 'SOCKS-1', price: 1500, inventoryQuantity: 20 }] });
    expect((await api('POST', '/collections', { title: 'Linen Edit', productIds: [apron.id] })).status).toBe(201);
    expect((await api('POST', '/collections', { title: 'Wool Edit' })).status).toBe(201);

    const ctx = await browser.newContext({ viewport: VIEWPORTS.desktop, locale: 'en-US' });
    const [name, value] = owner.cookie.split('=') as [string, string];
    await ctx.addCookies([{ name, value, url: base }]);
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/stores/${store.id}/products`);
    const table = page.locator('table.table');
    await table.getByText('Wool Socks').waitFor();

    // A combobox searching collections on the server, not a select listing every collection.
    expect(await page.locator('select#filter-collection').count()).toBe(0);
    const filter = page.getByRole('combobox', { name: 'Collection', exact: true });
    await filter.fill('line');
    await page
      .getByRole('listbox', { name: 'Collection', exact: true })
      .getByRole('option', { name: /Linen Edit/ })
      .waitFor();
    expect(await axeViolations(page), 'products with the collection list open').toEqual([]);
    await filter.press('ArrowDown');
    await filter.press('Enter');
    await table.getByText('Wool Socks').waitFor({ state: 'detached' });
    await table.getByText('Linen Apron').waitFor();

    // The filter lives in the URL: a reload keeps it and shows the collection's title.
    await page.reload();
    await table.getByText('Linen Apron').waitFor();
    await page.waitForFunction(() => (document.getElementById('filter-collection') as HTMLInputElement | null)?.value === 'Linen Edit');
    expect(await table.getByText('Wool Socks').count()).toBe(0);
    expect(await axeViolations(page), 'products filtered by collection').toEqual([]);
    await shots(page, 'console-products-collection-filter');
    await page.getByRole('button', { name: 'Clear Collection' }).click();
    await table.getByText('Wool Socks').waitFor();
    expect(errors).toEqual([]);
    await ctx.close();
  });
});
