/**
 * A draft order paid through its invoice link (issue 21), Chromium, end to end: the merchant builds a draft in the
 * console for a customer found by search, adds a catalogue item and a shipping line, and sends the invoice; the
 * shopper, on a 390 px phone in a browser context of their own, opens the link, pays through the store's provider
 * (the manual provider's payment page) and sees the order confirmation; back in the console the draft points at the
 * order, which shows as paid. The invoice shows the delivery address as the country writes it. axe: 0 serious/critical on the invoice page; screenshots of it at 390 and 1280 px.
 */
import { CustomerService } from '@storeloom/commerce';
import { newId } from '@storeloom/db';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations } from '../helpers/axe.ts';
import { artifactPath, VIEWPORTS } from '../helpers/browser.ts';
import { createProduct, createStore, signup, type TestPlatform } from '../helpers/platform.ts';
import { startConsoleE2e, type StorefrontE2e, type Served } from '../helpers/console-e2e.ts';

const SECRET = 'e2e-draft-invoice-secret-0123456789abcdef01';

describe('draft order paid by its invoice link in Chromium', { timeout: 300_000 }, () => {
  let e2e: StorefrontE2e;
  let p: TestPlatform;
  let browser: Browser;
  let sf: Served;
  let base: string;

  beforeAll(async () => {
    e2e = await startConsoleE2e({ storefront: (p) => ({ queues: p.queues, mail: p.services.mail, secret: SECRET }) });
    ({ p, browser, base, sf } = e2e);
  });
  afterAll(() => e2e?.close());

  it('merchant sends the invoice of a draft for a searched customer; the shopper pays it on a phone; the order is paid', async () => {
    const owner = await signup(p);
    const store = await createStore(p, owner.cookie, undefined, 'EUR');
    const product = await createProduct(p, owner.cookie, store.id, { title: 'Linen Shirt', variants: [{ sku: 'LS-1', price: 4500, inventoryQuantity: 10 }] });
    const row = await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', store.id).executeTakeFirstOrThrow();
    const t = p.db.tenant(row.schema_name);
    const customerId = newId();
    await t
      .insertInto('customers')
      .values({ id: customerId, name: 'Robin Keller', email: 'robin.keller@example.de', password_hash: 'x', created_at: new Date(), email_verified_at: null })
      .execute();
    await new CustomerService(t).saveAddress(customerId, {
      name: 'Robin Keller',
      line1: 'Torstraße 5',
      line2: null,
      city: 'Berlin',
      postalCode: '10119',
      region: null,
      country: 'DE',
      phone: null,
    });

    // The merchant, in the console.
    const ctx = await browser.newContext({ viewport: VIEWPORTS.desktop, locale: 'en-US' });
    const [name, value] = owner.cookie.split('=') as [string, string];
    await ctx.addCookies([{ name, value, url: base }]);
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(`console: ${e.message}`));
    await page.goto(`${base}/stores/${store.id}/draft-orders/new`);
    const customerOptions = () => page.getByRole('listbox', { name: 'Find a customer' }).getByRole('option');
    await page.getByRole('combobox', { name: 'Find a customer' }).fill('keller');
    await customerOptions().filter({ hasText: 'robin.keller@example.de' }).click();
    await page.getByTestId('draft-picked-customer').getByText('Robin Keller').waitFor();
    await page.getByText('Saved').waitFor();
    await page.waitForURL(/\/draft-orders\/[0-9a-f-]{36}$/);
    const draftId = page.url().split('/').pop() as string;
    await page.getByRole('combobox', { name: 'Find a product' }).fill('Linen');
    await page.getByRole('option', { name: /Linen Shirt/ }).click();
    await page.getByRole('button', { name: 'Add item', exact: true }).click();
    await page.getByLabel('Quantity of Linen Shirt').fill('2');
    await page.getByLabel('Quantity of Linen Shirt').press('Tab');
    await page.getByLabel('Shipping method').fill('Courier');
    await page.getByLabel('Shipping (EUR)').fill('8.00');
    // 2 × 45.00 + 8.00 shipping (prices include tax in this store).
    await page.getByTestId('draft-total').filter({ hasText: '98.00' }).waitFor();
    await page.getByText('Saved').waitFor();
    const saved = await p.request('GET', `/api/v1/stores/${store.id}/draft-orders/${draftId}`, { cookie: owner.cookie });
    expect(saved.body).toMatchObject({ customerId, email: 'robin.keller@example.de', shippingAddress: { line1: 'Torstraße 5' } });
    expect(saved.body.totals.total).toBe(9800);

    await page.getByRole('button', { name: 'Send invoice' }).click();
    await page.getByRole('dialog').getByText('robin.keller@example.de').waitFor();
    await page.getByRole('dialog').getByRole('button', { name: 'Send' }).click();
    const invoiceUrl = (await page.getByTestId('invoice-url').textContent()) ?? '';
    const token = /\/invoices\/([A-Za-z0-9_-]+)$/.exec(invoiceUrl)?.[1];
    expect(token, invoiceUrl).toBeTruthy();
    await page.getByRole('button', { name: 'Done' }).click();
    const mail = await p.db.control.selectFrom('mail_outbox').select(['kind', 'text_body']).where('to_address', '=', 'robin.keller@example.de').execute();
    expect(mail.map((m) => m.kind)).toEqual(['draft-invoice']);
    expect(mail[0]?.text_body).toContain(invoiceUrl);

    // The shopper, on a phone (a browser context of their own): the invoice, Pay, the provider's page, the confirmation.
    const phone = await browser.newContext({ viewport: VIEWPORTS.phone, locale: 'en-US', isMobile: true, hasTouch: true });
    const shopper = await phone.newPage();
    shopper.on('pageerror', (e) => errors.push(`storefront: ${e.message}`));
    await shopper.goto(`http://${store.slug}.localhost:${sf.port}/invoices/${token}`);
    await shopper.getByRole('heading', { name: `Invoice ${saved.body.name}` }).waitFor();
    await shopper.getByText('Linen Shirt').first().waitFor();
    // Where it goes, written the way Germany writes addresses (postcode before the city), by the storefront's formatter.
    const address = shopper.getByTestId('invoice-address');
    expect(await address.innerText()).toBe(['Shipping address', 'Robin Keller', 'Torstraße 5', '10119 Berlin', 'Germany'].join('\n'));
    // The page fits the phone: nothing wider than the viewport.
    expect(await shopper.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(VIEWPORTS.phone.width);
    expect(await axeViolations(shopper)).toEqual([]);
    await shopper.screenshot({ path: artifactPath('sf-invoice-phone.png'), fullPage: true });
    await shopper.getByRole('button', { name: 'Pay now' }).click();
    await shopper.waitForURL(/\/checkout\/pay\//);
    await shopper.getByRole('button', { name: 'Pay now' }).click();
    await shopper.waitForURL(/\/orders\/.+placed=1/);
    await shopper.getByText('Thank you for your order!').waitFor();
    await shopper.screenshot({ path: artifactPath('sf-invoice-confirmation-phone.png'), fullPage: true });
    // The link again: paid, with the way to the order.
    await shopper.goto(`http://${store.slug}.localhost:${sf.port}/invoices/${token}`);
    await shopper.getByText('This invoice is paid. Thank you!').waitFor();
    expect(await shopper.getByRole('button', { name: 'Pay now' }).count()).toBe(0);
    expect(await axeViolations(shopper)).toEqual([]);
    await shopper.screenshot({ path: artifactPath('sf-invoice-paid-phone.png'), fullPage: true });
    await shopper.setViewportSize(VIEWPORTS.desktop);
    await shopper.screenshot({ path: artifactPath('sf-invoice-paid-desktop.png'), fullPage: true });

    // The merchant: the draft became the order, which is paid.
    await page.reload();
    await page.getByText('This draft became an order.').waitFor();
    await page.getByRole('link', { name: 'View the order' }).click();
    await page.waitForURL(/\/orders\/[0-9a-f-]{36}$/);
    await page.locator('.page-header').getByText('Paid', { exact: true }).waitFor();
    await page.getByText('Linen Shirt').first().waitFor();
    const orderId = page.url().split('/').pop() as string;
    const order = await p.request('GET', `/api/v1/stores/${store.id}/orders/${orderId}`, { cookie: owner.cookie });
    expect(order.body).toMatchObject({ paymentStatus: 'paid', total: 9800, email: 'robin.keller@example.de', customerId });
    const draft = await p.request('GET', `/api/v1/stores/${store.id}/draft-orders/${draftId}`, { cookie: owner.cookie });
    expect(draft.body).toMatchObject({ status: 'completed', orderId });
    const stock = await t.selectFrom('variants').select('inventory_quantity').where('id', '=', product.variants[0].id).executeTakeFirstOrThrow();
    expect(stock.inventory_quantity).toBe(8);
    expect(errors).toEqual([]);
    await phone.close();
    await ctx.close();
  });
});
