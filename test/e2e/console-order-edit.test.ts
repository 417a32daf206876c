/**
 * Order editing in the console (issue 21), Chromium: on a paid order the merchant opens "Edit order", adds a product
 * from the picker and takes one unit off a line, sees the API's preview of what is charged and refunded, commits with
 * a reason and sees the edit in the order's history and timeline; the order's lines and payments changed (manual
 * provider). axe: 0 serious/critical with the dialog open and after; screenshots at 1280/390.
 */
import { CartService, OrderService, parseSettings } from '@storeloom/commerce';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations } from '../helpers/axe.ts';
import { artifactPath, VIEWPORTS } from '../helpers/browser.ts';
import { createProduct, createStore, signup, type TestPlatform } from '../helpers/platform.ts';
import { startConsoleE2e, type ConsoleE2e } from '../helpers/console-e2e.ts';

describe('console order editing in Chromium', { timeout: 300_000 }, () => {
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

  it('adds a line and removes a unit of a paid order, previewing and committing the money, and shows the history', async () => {
    const owner = await signup(p);
    const store = await createStore(p, owner.cookie, undefined, 'EUR');
    const shirt = await createProduct(p, owner.cookie, store.id, { title: 'Linen Shirt', variants: [{ sku: 'LS-1', price: 4500, inventoryQuantity: 10 }] });
    const socks = await createProduct(p, owner.cookie, store.id, { title: 'Wool Socks', variants: [{ sku: 'WS-1', price: 1200, inventoryQuantity: 5 }] });
    const row = await p.db.control.selectFrom('stores').selectAll().where('id', '=', store.id).executeTakeFirstOrThrow();
    const t = p.db.tenant(row.schema_name);
    const carts = new CartService(t);
    const cart = await carts.findOrCreate(undefined);
    await carts.add(cart.id, shirt.variants[0].id, 2);
    const orders = new OrderService(t, { store: { id: store.id, name: row.name, currency: row.currency } });
    const address = { name: 'Sam Shopper', line1: '1 Main St', line2: null, city: 'Berlin', postalCode: '10115', region: null, country: 'DE', phone: null };
    const { order } = await orders.place({
      cartId: cart.id,
      email: 'sam@example.com',
      customerId: null,
      customerName: 'Sam',
      address,
      locale: 'en',
      settings: parseSettings([]),
    });
    await orders.confirmPayment(order.id, { provider: 'manual', reference: 'e2e', amount: order.total });

    const ctx = await browser.newContext({ viewport: VIEWPORTS.desktop, locale: 'en-US' });
    const [name, value] = owner.cookie.split('=') as [string, string];
    await ctx.addCookies([{ name, value, url: base }]);
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const settled = () => page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'));

    await page.goto(`${base}/stores/${store.id}/orders/${order.id}`);
    await page.getByRole('button', { name: 'Edit order' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('New quantity of Linen Shirt').fill('1');
    await dialog.getByLabel('New quantity of Linen Shirt').press('Tab');
    await dialog.getByRole('combobox', { name: 'Add a product' }).fill('Wool');
    await dialog.getByRole('option', { name: /Wool Socks/ }).click();
    await dialog.getByRole('button', { name: 'Add item' }).click();
    await dialog.getByLabel('New quantity of Wool Socks').fill('2');
    await dialog.getByLabel('New quantity of Wool Socks').press('Tab');
    // The API's preview: 2 × 12.00 charged, one shirt (45.00) refunded.
    const preview = dialog.getByTestId('edit-preview');
    await preview.getByText('Add 2 × Wool Socks').waitFor();
    await preview.getByText('Remove 1 × Linen Shirt').waitFor();
    expect(await preview.textContent()).toContain('To charge the customer€24.00');
    expect(await preview.textContent()).toContain('To refund the customer€45.00');
    await dialog.getByLabel('Reason for the edit').fill('Swapped a shirt for socks by phone');
    await settled();
    expect(await axeViolations(page)).toEqual([]);
    await shots(page, 'console-order-edit-dialog');
    await dialog.getByRole('button', { name: 'Update order' }).click();
    await page.getByText('Order updated; €24.00 charged, €45.00 refunded').waitFor();
    await page.locator('.line-items').getByText('1 refunded').waitFor();

    // The history and the timeline show the edit; the lines changed.
    const history = page.getByTestId('edit-history');
    await history.getByText('Swapped a shirt for socks by phone').waitFor();
    expect(await history.textContent()).toContain('added 2 × Wool Socks');
    expect(await history.textContent()).toContain('Linen Shirt set to 1');
    await page.locator('.timeline').first().getByText('Order edited', { exact: true }).waitFor();
    await page.locator('.line-items').getByText('Wool Socks').waitFor();
    await settled();
    expect(await axeViolations(page)).toEqual([]);
    await shots(page, 'console-order-edited');

    const after = await p.request('GET', `/api/v1/stores/${store.id}/orders/${order.id}`, { cookie: owner.cookie });
    expect(after.body.total).toBe(order.total + 2400);
    expect(after.body.refunded).toBe(4500);
    const edits = await p.request('GET', `/api/v1/stores/${store.id}/orders/${order.id}/edits`, { cookie: owner.cookie });
    expect(edits.body.items.map((e: { status: string }) => e.status)).toEqual(['committed']);
    expect(errors).toEqual([]);
    await ctx.close();
  });
});
