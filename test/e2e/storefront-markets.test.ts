/**
 * A shopper abroad in real Chromium (issue 19): a British store (GBP, English and German) sells to Germany in euros
 * with VAT included. The shopper arrives in English with pound prices, picks Germany in the footer's country
 * selector, and the shop answers in German (the market's language) with euro prices converted at the market's
 * rate; the cart shows the German VAT inside the total; checkout and payment (manual provider) place an order in
 * euros whose store-currency amounts are the euro amounts converted back at the rate the order keeps.
 */
import { createLogger } from '@storeloom/log';
import { convert } from '@storeloom/money';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorefrontApp } from '../../apps/storefront/src/app.ts';
import { axeViolations } from '../helpers/axe.ts';
import { artifactPath, launchChromium, serveOnFreePort, VIEWPORTS } from '../helpers/browser.ts';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

describe('storefront: a shopper in Germany on a British store', { timeout: 240_000 }, () => {
  let p: TestPlatform;
  let browser: Browser;
  let sf: { port: number; close(): Promise<void> };
  let owner: string;
  let store: { id: string; slug: string };
  const url = (path: string) => `http://${store.slug}.localhost:${sf.port}${path}`;
  const merchant = (method: string, path: string, body?: unknown) => p.request(method, `/api/v1/stores/${store.id}${path}`, { cookie: owner, body });

  beforeAll(async () => {
    p = await startTestPlatform();
    const app = createStorefrontApp(p.db, createLogger({ level: 'silent' }), {
      rootDomain: 'localhost',
      queues: p.queues,
      secret: 'e2e-secret-0123456789abcdef0123456789',
      pageCacheTtlMs: 0,
      storeCacheTtlMs: 0,
    });
    sf = await serveOnFreePort(app.fetch);
    owner = (await signup(p)).cookie;
    store = await createStore(p, owner, undefined, 'GBP');
    expect(
      (
        await merchant('PUT', '/settings', {
          country: 'GB',
          languages: ['en', 'de'],
          announcement: 'Free UK delivery over £40',
          footerText: 'Blended in Bristol.',
        })
      ).status,
    ).toBe(200);
    expect(
      (await merchant('PUT', '/settings/translations/de', { announcement: 'Kostenloser Versand ab 40 £', footerText: 'Gemischt in Bristol.' })).status,
    ).toBe(200);
    const market = await merchant('POST', '/markets', {
      name: 'Germany',
      countries: ['DE'],
      currency: 'EUR',
      exchangeRate: '1.1634',
      taxInclusive: true,
      languages: ['de'],
    });
    expect(market.status, market.text).toBe(201);
    expect((await merchant('POST', '/tax-rates/enable', { country: 'DE' })).status).toBe(201);
    await createProduct(p, owner, store.id, { title: 'Assam Tea', handle: 'assam-tea', variants: [{ sku: 'TEA-DE', price: 2000, inventoryQuantity: 10 }] });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await sf?.close();
    await p?.close();
  });

  it('picks Germany, sees German and euro prices with VAT included, pays, and the order agrees in euros and pounds', async () => {
    const ctx = await browser.newContext({ viewport: VIEWPORTS.desktop, locale: 'en-GB' });
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(url('/products/assam-tea'));
    await page.getByRole('button', { name: 'Add to cart' }).waitFor();
    expect(await page.getByTestId('product-price').textContent()).toContain('£20.00');
    expect(await page.getByTestId('announcement-bar').textContent()).toBe('Free UK delivery over £40');

    // The footer's country selector (a plain form).
    await page.getByLabel('Country/region').selectOption('DE');
    await page.locator('form.country-form').getByRole('button').click();
    await page.waitForURL(/\/products\/assam-tea/);
    await page.getByRole('button', { name: 'In den Warenkorb' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('de');
    // £20.00 × 1.1634 = €23.268 → €23.27 (gross: German VAT is inside the price).
    expect(await page.getByTestId('product-price').textContent()).toMatch(/23,27\s€/);
    expect(await page.getByTestId('tax-note').textContent()).toBe('inkl. MwSt.');
    // The store's own strings in German; the German interface catalogue came as its cached script.
    expect(await page.getByTestId('announcement-bar').textContent()).toBe('Kostenloser Versand ab 40 £');
    expect(await page.getByTestId('footer-text').textContent()).toBe('Gemischt in Bristol.');
    await page.waitForFunction(() => (window as unknown as { __sfMessages?: { addToCart?: string } }).__sfMessages?.addToCart === 'In den Warenkorb');
    await page.waitForFunction(() => (window as unknown as { _$HY?: unknown })._$HY !== undefined);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: artifactPath('sf-market-de-product-desktop.png'), fullPage: true });
    await page.setViewportSize(VIEWPORTS.phone);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: artifactPath('sf-market-de-product-phone.png'), fullPage: true });
    await page.setViewportSize(VIEWPORTS.desktop);

    await page.getByRole('button', { name: 'In den Warenkorb' }).click();
    await page.getByText('Zum Warenkorb hinzugefügt').waitFor();
    await page.goto(url('/cart'));
    await page.getByText('Assam Tea').first().waitFor();
    // VAT is shown as included (19 % inside the euro amounts), not added.
    await page.getByText('MwSt. (enthalten)').first().waitFor();
    const cartTotal = (await page.getByTestId('total').first().textContent()) ?? '';
    expect(cartTotal).toContain('€');
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: artifactPath('sf-market-de-cart-desktop.png'), fullPage: true });

    await page.getByRole('link', { name: 'Zur Kasse' }).first().click();
    await page.waitForURL(/\/checkout$/);
    await page.fill('input[name=email]', 'erika@example.com');
    await page.fill('input[name=name]', 'Erika Mustermann');
    await page.fill('input[name=line1]', 'Hauptstraße 1');
    await page.fill('input[name=city]', 'Berlin');
    await page.fill('input[name=postalCode]', '10115');
    await page.selectOption('select[name=country]', 'DE');
    const checkoutTotal = (await page.getByTestId('total').first().textContent()) ?? '';
    expect(checkoutTotal).toBe(cartTotal);
    await page.getByRole('button', { name: /Weiter zur Zahlung/ }).click();
    await page.waitForURL(/\/checkout\/pay\//);
    await page.getByRole('button', { name: 'Jetzt bezahlen' }).click();
    await page.waitForURL(/\/orders\/.+placed=1/);
    await page.getByText('Vielen Dank für Ihre Bestellung!').waitFor();
    await page.screenshot({ path: artifactPath('sf-market-de-confirmation-desktop.png'), fullPage: true });

    // The order: euros as charged, pounds at the rate kept on it.
    const list = await merchant('GET', '/orders');
    const order = (await merchant('GET', `/orders/${list.body.items[0].id}`)).body;
    expect(order).toMatchObject({ currency: 'EUR', storeCurrency: 'GBP', exchangeRate: '1.1634', paymentStatus: 'paid' });
    expect(order.lines.map((l: { unitPrice: number }) => l.unitPrice)).toEqual([2327]);
    const euros = (n: number) => new Intl.NumberFormat('de-DE', { style: 'currency', currency: 'EUR' }).format(n / 100);
    expect(checkoutTotal.replace(/\s/g, ' ')).toBe(euros(order.total).replace(/\s/g, ' '));
    // German VAT (19 %) is inside the gross total: tax = round(total × 19 / 119) for goods and shipping together.
    expect(order.tax).toBe(Math.round((order.total * 19) / 119));
    const back = (n: number) => convert(n, 'EUR', 'GBP', '1.1634', { invert: true });
    expect(order.storeAmounts).toMatchObject({ total: back(order.total), tax: back(order.tax), shipping: back(order.shipping) });
    expect(order.storeAmounts.subtotal + order.storeAmounts.shipping - order.storeAmounts.discountTotal).toBe(order.storeAmounts.total);
    expect(errors).toEqual([]);
    await ctx.close();
  });
});
