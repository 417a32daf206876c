/**
 * Draft orders in the console (issue 21), Chromium: the merchant builds a draft with a catalogue item from the
 * product picker and a custom item, sees the API's totals, sends the invoice (the link is shown to copy), marks it
 * paid and lands on the order it made. axe: 0 serious/critical on the list and the builder; screenshots at 1280/390.
 * The customer picker: searching a customer account by part of the name or e-mail and choosing it makes the draft
 * theirs and fills the e-mail, name and their default address.
 */
import { CustomerService } from '@storeloom/commerce';
import { newId } from '@storeloom/db';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations } from '../helpers/axe.ts';
import { artifactPath, VIEWPORTS } from '../helpers/browser.ts';
import { createProduct, createStore, signup, type TestPlatform } from '../helpers/platform.ts';
import { startConsoleE2e, type ConsoleE2e } from '../helpers/console-e2e.ts';

describe('console draft orders in Chromium', { timeout: 300_000 }, () => {
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
    await page.evaluate(() => {
      window.scrollTo(0, 0);
      document.getElementById('main')?.scrollTo(0, 0);
    });
    for (const [vp, viewport] of Object.entries(VIEWPORTS)) {
      await page.setViewportSize(viewport);
      await page.screenshot({ path: artifactPath(`${name}-${vp}.png`), fullPage: true });
    }
    await page.setViewportSize(VIEWPORTS.desktop);
  };

  it('builds a draft with a catalogue and a custom item, sends the invoice link and marks it paid', async () => {
    const owner = await signup(p);
    const store = await createStore(p, owner.cookie, undefined, 'EUR');
    const product = await createProduct(p, owner.cookie, store.id, { title: 'Linen Shirt', variants: [{ sku: 'LS-1', price: 4500, inventoryQuantity: 10 }] });

    const ctx = await browser.newContext({ viewport: VIEWPORTS.desktop, locale: 'en-US' });
    const [name, value] = owner.cookie.split('=') as [string, string];
    await ctx.addCookies([{ name, value, url: base }]);
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const settled = () => page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'));

    // The nav entry leads to the (empty) list.
    await page.goto(`${base}/stores/${store.id}/home`);
    await page.getByRole('link', { name: 'Draft orders' }).click();
    await page.getByRole('heading', { name: 'No draft orders' }).waitFor();
    await settled();
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('link', { name: 'New draft order' }).first().click();

    // A catalogue item from the picker, then a custom item.
    await page.getByRole('combobox', { name: 'Find a product' }).fill('Linen');
    await page.getByRole('option', { name: /Linen Shirt/ }).click();
    await page.getByRole('button', { name: 'Add item', exact: true }).click();
    await page.getByText('Saved').waitFor();
    await page.waitForURL(/\/draft-orders\/[0-9a-f-]{36}$/);
    await page.getByLabel('Quantity of Linen Shirt').fill('2');
    await page.getByLabel('Quantity of Linen Shirt').press('Tab');
    await page.getByRole('button', { name: 'Add custom item' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Title').fill('Gift wrapping');
    await dialog.getByLabel('Price (EUR)').fill('5.00');
    await dialog.getByRole('button', { name: 'Add item' }).click();
    await page.getByTestId('draft-lines').getByText('Gift wrapping').waitFor();
    // Customer, address, shipping line.
    await page.getByLabel('Customer e-mail').fill('pat@example.com');
    await page.getByLabel('Customer name').fill('Pat Phone');
    await page.getByLabel('Full name').fill('Pat Phone');
    await page.getByLabel('Address', { exact: true }).fill('1 Hauptstraße');
    await page.getByLabel('Postal code').fill('10115');
    await page.getByLabel('City').fill('Berlin');
    await page.getByLabel('Country').selectOption('DE');
    await page.getByLabel('Shipping method').fill('Courier');
    await page.getByLabel('Shipping (EUR)').fill('8.00');
    await page.getByLabel('Reserve stock for this draft').check();
    // The API's total: 2 × 45.00 + 5.00 + 8.00 shipping.
    await page.getByTestId('draft-total').filter({ hasText: '103.00' }).waitFor();
    await page.getByText('Saved').waitFor();
    await settled();
    expect(await axeViolations(page)).toEqual([]);
    await shots(page, 'console-draft-builder');

    const draftId = page.url().split('/').pop() as string;
    const saved = await p.request('GET', `/api/v1/stores/${store.id}/draft-orders/${draftId}`, { cookie: owner.cookie });
    expect(saved.body.pricedLines).toHaveLength(2);
    expect(saved.body.reserve).toBe(true);
    expect(saved.body.reserved).toEqual({ [product.variants[0].id]: 2 });
    expect(saved.body.email).toBe('pat@example.com');

    // Send the invoice: the link is shown to copy.
    await page.getByRole('button', { name: 'Send invoice' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Send' }).click();
    await page.getByTestId('invoice-url').waitFor();
    expect(await page.getByTestId('invoice-url').textContent()).toMatch(/\/invoices\/[A-Za-z0-9_-]+$/);
    await settled();
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Done' }).click();

    // Mark paid: the order is made and the merchant lands on it.
    await page.getByRole('button', { name: 'Mark as paid' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Mark as paid' }).click();
    await page.waitForURL(/\/orders\/[0-9a-f-]{36}$/);
    await page.getByText('Gift wrapping').waitFor();
    const orderId = page.url().split('/').pop() as string;
    const order = await p.request('GET', `/api/v1/stores/${store.id}/orders/${orderId}`, { cookie: owner.cookie });
    expect(order.body.paymentStatus).toBe('paid');
    expect(order.body.total).toBe(10300);

    // The list shows it completed.
    await page.goto(`${base}/stores/${store.id}/draft-orders`);
    await page.getByTestId('drafts-table').getByText('Completed').waitFor();
    await settled();
    expect(await axeViolations(page)).toEqual([]);
    await shots(page, 'console-drafts-list');
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('finds a customer by name or e-mail in the picker; choosing one fills the e-mail, name and their address', async () => {
    const owner = await signup(p);
    const store = await createStore(p, owner.cookie, undefined, 'EUR');
    const row = await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', store.id).executeTakeFirstOrThrow();
    const t = p.db.tenant(row.schema_name);
    const add = async (name: string, email: string) => {
      const id = newId();
      await t.insertInto('customers').values({ id, name, email, password_hash: 'x', created_at: new Date(), email_verified_at: null }).execute();
      return id;
    };
    const robin = await add('Robin Keller', 'robin.keller@example.de');
    await add('Robert Brandt', 'rb@example.de');
    await new CustomerService(t).saveAddress(robin, {
      name: 'Robin Keller',
      line1: 'Torstraße 5',
      line2: null,
      city: 'Berlin',
      postalCode: '10119',
      region: null,
      country: 'DE',
      phone: null,
    });

    const ctx = await browser.newContext({ viewport: VIEWPORTS.desktop, locale: 'en-US' });
    const [name, value] = owner.cookie.split('=') as [string, string];
    await ctx.addCookies([{ name, value, url: base }]);
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/stores/${store.id}/draft-orders/new`);
    const search = page.getByRole('combobox', { name: 'Find a customer' });
    const customerOptions = () => page.getByRole('listbox', { name: 'Find a customer' }).getByRole('option');
    // A word prefix finds both; the e-mail's surname narrows to one.
    await search.fill('rob');
    await customerOptions().filter({ hasText: 'Robert Brandt' }).waitFor();
    expect(await customerOptions().count()).toBe(2);
    await search.fill('KELLER');
    // The list of 'rob' stays until the new answer comes (debounced): wait for the narrowed one.
    await expect.poll(() => customerOptions().count(), { timeout: 20_000 }).toBe(1);
    // The option says the name, the e-mail and the city and country of the default address; Enter picks the highlighted one.
    await customerOptions().filter({ hasText: 'robin.keller@example.de' }).filter({ hasText: 'Berlin, DE' }).waitFor();
    await search.press('Enter');
    await page.getByTestId('draft-picked-customer').getByText('Robin Keller').waitFor();
    expect(await page.getByLabel('Customer e-mail').inputValue()).toBe('robin.keller@example.de');
    expect(await page.getByLabel('Customer name').inputValue()).toBe('Robin Keller');
    expect(await page.getByLabel('Address', { exact: true }).inputValue()).toBe('Torstraße 5');
    expect(await page.getByLabel('City').inputValue()).toBe('Berlin');
    expect(await page.getByLabel('Country').inputValue()).toBe('DE');
    await page.getByText('Saved').waitFor();
    await page.waitForURL(/\/draft-orders\/[0-9a-f-]{36}$/);
    const draftId = page.url().split('/').pop() as string;
    const saved = await p.request('GET', `/api/v1/stores/${store.id}/draft-orders/${draftId}`, { cookie: owner.cookie });
    expect(saved.body).toMatchObject({ customerId: robin, email: 'robin.keller@example.de', customerName: 'Robin Keller', country: 'DE' });
    expect(saved.body.shippingAddress).toMatchObject({ line1: 'Torstraße 5', postalCode: '10119' });
    await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'));
    expect(await axeViolations(page)).toEqual([]);
    // Choosing another customer: the picker comes back.
    await page.getByRole('button', { name: 'Change customer' }).click();
    await search.waitFor();
    expect(errors).toEqual([]);
    await ctx.close();
  });
});
