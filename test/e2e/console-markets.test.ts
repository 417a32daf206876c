/**
 * Console → Markets in Chromium (issue 19): a GBP store creates a euro market for Germany and France through the
 * searchable country picker (the rate table's rate and day shown), a second market claiming Germany is refused with
 * the owning market's name, Germany's VAT is enabled from the data file, a shipping zone with a rate is added, and
 * the shopper preview shows the product in euros with VAT included and the zone's shipping — the same amounts the
 * preview API (storefront pricing) gives. axe: no serious or critical violations; screenshots at 1280 and 390 px.
 */
import { loadExchangeRates } from '@storeloom/commerce';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations } from '../helpers/axe.ts';
import { artifactPath, VIEWPORTS } from '../helpers/browser.ts';
import { createProduct, createStore, signup, type TestPlatform } from '../helpers/platform.ts';
import { startConsoleE2e, type ConsoleE2e } from '../helpers/console-e2e.ts';

describe('console markets', { timeout: 240_000 }, () => {
  let e2e: ConsoleE2e;
  let p: TestPlatform;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    e2e = await startConsoleE2e();
    ({ p, browser, base } = e2e);
    await loadExchangeRates(p.db, [{ base: 'GBP', quote: 'EUR', rate: '1.1634', asOf: '2026-12-01' }], 'console-markets-test');
  });
  afterAll(() => e2e?.close());

  it('creates a market, refuses a country of another market, and previews a product as a shopper there', async () => {
    const owner = await signup(p);
    const store = await createStore(p, owner.cookie, undefined, 'GBP');
    await p.request('PUT', `/api/v1/stores/${store.id}/settings`, { cookie: owner.cookie, body: { country: 'GB' } });
    const tea = await createProduct(p, owner.cookie, store.id, { title: 'Assam tea', variants: [{ sku: 'TEA-1', price: 2000, inventoryQuantity: 20 }] });

    const ctx = await browser.newContext({ viewport: VIEWPORTS.desktop, locale: 'en-US' });
    const [name, value] = owner.cookie.split('=') as [string, string];
    await ctx.addCookies([{ name, value, url: base }]);
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/stores/${store.id}/markets`);
    await page.getByText('No other markets yet').waitFor();
    await page.getByTestId('primary-market').getByText('United Kingdom').waitFor();
    expect(await axeViolations(page)).toEqual([]);

    // Create "Europe" (EUR, tax included) with Germany and France, found through the picker's search.
    await page.getByRole('button', { name: 'Add market' }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name', { exact: true }).fill('Europe');
    await dialog.getByLabel('Currency').fill('eur');
    await dialog.getByLabel('Rounding increment').fill('5');
    const search = dialog.getByRole('searchbox', { name: 'Search countries' });
    await search.fill('germ');
    await dialog.getByRole('checkbox', { name: /Germany/ }).check();
    await search.fill('fran');
    await dialog.getByRole('checkbox', { name: /^France/ }).check();
    expect(await dialog.getByRole('checkbox', { name: 'Prices include tax' }).isChecked()).toBe(true);
    await dialog.getByRole('list', { name: 'Chosen countries' }).getByText('Germany').waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await dialog.screenshot({ path: artifactPath('console-markets-editor-desktop.png') });
    await dialog.getByRole('button', { name: 'Save' }).click();
    const table = page.getByTestId('markets');
    await table.getByText('Europe').waitFor();
    const row = table.getByRole('row', { name: /Europe/ });
    expect(await row.textContent()).toContain('EUR');
    expect(await row.textContent()).toContain('1.1634');
    expect(await row.textContent()).toContain('Rate table, Dec 1, 2026');
    expect(await row.textContent()).toContain('Tax included');

    // A second market claiming Germany is refused, naming the market Germany is in.
    await page.getByRole('button', { name: 'Add market' }).first().click();
    await dialog.getByLabel('Name', { exact: true }).fill('Germany only');
    await dialog.getByLabel('Currency').fill('EUR');
    await dialog.getByRole('searchbox', { name: 'Search countries' }).fill('germany');
    // The picker says where Germany already is before the merchant saves.
    await dialog.getByText('in Europe').waitFor();
    await dialog.getByRole('checkbox', { name: /Germany/ }).check();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.getByText('Germany already belongs to the market “Europe”. A country can be in one market only: remove it there first.').waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect((await p.request('GET', `/api/v1/stores/${store.id}/markets`, { cookie: owner.cookie })).body.items).toHaveLength(1);

    // Germany's VAT from the data file.
    const taxCard = page.getByRole('region', { name: 'Tax rates' });
    await taxCard.getByLabel('Enable a country from the data file').selectOption('DE');
    await taxCard.getByRole('button', { name: 'Enable', exact: true }).click();
    await taxCard.getByTestId('tax-rates').getByText('19 %').waitFor();

    // A zone for Germany and France with one rate.
    const zones = page.getByRole('region', { name: 'Shipping zones' });
    await zones.getByRole('button', { name: 'Add zone' }).click();
    await dialog.getByLabel('Zone name').fill('EU');
    await dialog.getByRole('searchbox', { name: 'Search countries' }).fill('germany');
    await dialog.getByRole('checkbox', { name: /Germany/ }).check();
    await dialog.getByRole('searchbox', { name: 'Search countries' }).fill('france');
    await dialog.getByRole('checkbox', { name: /^France/ }).check();
    await dialog.getByLabel('Name', { exact: true }).fill('Standard');
    await dialog.getByLabel('Price').fill('5.00');
    await dialog.getByLabel('Max weight (g)').fill('30000');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await zones.getByTestId('zones').getByText('Standard: £5.00').waitFor();

    // The shopper preview: Germany, the tea, in euros with VAT included and the zone's shipping.
    const preview = page.getByRole('region', { name: 'Shopper preview' });
    await preview.getByLabel('Shopper in').selectOption('DE');
    await preview.getByRole('combobox', { name: 'Product' }).fill('Assam');
    await preview.getByRole('option', { name: /Assam tea/ }).click();
    const shown = page.getByTestId('market-preview');
    await shown.waitFor();
    const marketId = (await p.request('GET', `/api/v1/stores/${store.id}/markets`, { cookie: owner.cookie })).body.items[0].id;
    const api = (await p.request('GET', `/api/v1/stores/${store.id}/markets/${marketId}/preview?productId=${tea.id}&country=DE`, { cookie: owner.cookie }))
      .body;
    // £20.00 × 1.1634 = €23.268 → to 5 cents: €23.25; shipping £5.00 → €5.82; VAT 19 % inside (23.25 + 5.82) = €4.64.
    expect(api.variants[0].price).toBe(2325);
    expect(api.cart).toMatchObject({
      subtotal: 2325,
      shipping: 582,
      shippingAvailable: true,
      shippingMethod: 'Standard',
      tax: 464,
      taxIncluded: true,
      total: 2907,
    });
    expect(await shown.getByTestId('preview-price').textContent()).toBe('€23.25');
    expect(await shown.getByTestId('preview-tax-label').textContent()).toBe('Tax included (€4.64)');
    expect(await shown.getByTestId('preview-shipping').textContent()).toBe('€5.82 · Standard');
    expect(await shown.getByTestId('preview-total').textContent()).toBe('€29.07');

    // A fixed price for the variant overrides the conversion.
    await shown.getByLabel('Fixed price of Default in EUR').fill('19.99');
    await shown.getByRole('button', { name: 'Save' }).click();
    await shown.getByTestId('preview-price').getByText('€19.99').waitFor();
    await shown.getByText('Fixed', { exact: true }).waitFor();

    expect(await axeViolations(page)).toEqual([]);
    // Toasts would cover the preview in the screenshots.
    const dismiss = page.getByRole('button', { name: 'Dismiss' });
    while ((await dismiss.count()) > 0) await dismiss.first().click();
    for (const [vp, viewport] of Object.entries(VIEWPORTS)) {
      await page.setViewportSize(viewport);
      await page.screenshot({ path: artifactPath(`console-markets-${vp}.png`), fullPage: true });
      await preview.screenshot({ path: artifactPath(`console-markets-preview-${vp}.png`) });
      await page.getByRole('region', { name: 'Tax rates' }).screenshot({ path: artifactPath(`console-markets-tax-${vp}.png`) });
    }
    expect(await axeViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await ctx.close();
  });
});
