/**
 * Returns in Chromium (issue 21): a shopper asks to return one unit from the order status page (phone width); the
 * merchant approves it with a label, marks it received (restocked) and refunds it from the console's returns page;
 * the analytics sales API shows net sales lower by the refund. The order page's refund by line shows the amount
 * computed by the server before confirming. axe: 0 serious/critical; screenshots at 1280 and 390 px.
 */
import { processPending } from '@storeloom/analytics';
import { OrderService, orderLinkSignature, parseSettings, CartService } from '@storeloom/commerce';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations } from '../helpers/axe.ts';
import { artifactPath, VIEWPORTS } from '../helpers/browser.ts';
import { createProduct, createStore, signup, type TestPlatform } from '../helpers/platform.ts';
import { startConsoleE2e, type StorefrontE2e, type Served } from '../helpers/console-e2e.ts';

const SECRET = 'e2e-returns-secret-0123456789abcdef0123456';

describe('returns in Chromium', { timeout: 300_000 }, () => {
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

  it('shopper requests, merchant approves, receives and refunds; net sales go down by the refund', async () => {
    const owner = await signup(p);
    const store = await createStore(p, owner.cookie, undefined, 'EUR');
    const product = await createProduct(p, owner.cookie, store.id, { title: 'Linen Shirt', variants: [{ sku: 'LS-1', price: 4500, inventoryQuantity: 10 }] });
    const row = await p.db.control.selectFrom('stores').selectAll().where('id', '=', store.id).executeTakeFirstOrThrow();
    const t = p.db.tenant(row.schema_name);
    // A paid, delivered order of two shirts.
    const carts = new CartService(t);
    const cart = await carts.findOrCreate(undefined);
    await carts.add(cart.id, product.variants[0].id, 2);
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
    await orders.fulfil(order.id, { trackingNumber: 'DHL-1' });
    await processPending(t);
    const range = `from=${new Date().toISOString().slice(0, 10)}&to=${new Date().toISOString().slice(0, 10)}&compare=none`;
    const sales = async () => (await p.request('GET', `/api/v1/stores/${store.id}/analytics/sales?${range}`, { cookie: owner.cookie })).body.summary;
    const before = await sales();
    expect(before.netSales).toBe(9000);

    // The shopper, on a phone: the order status page offers the return form.
    const shopper = await browser.newPage({ viewport: VIEWPORTS.phone, locale: 'en-US' });
    const errors: string[] = [];
    shopper.on('pageerror', (e) => errors.push(e.message));
    const link = `http://${store.slug}.localhost:${sf.port}/orders/${order.id}?sig=${orderLinkSignature(SECRET, store.id, order.id)}`;
    await shopper.goto(link);
    await shopper.getByRole('heading', { name: 'Returns' }).waitFor();
    await shopper.getByLabel('How many of Linen Shirt to return').selectOption('1');
    await shopper.getByLabel('Reason').selectOption('wrong_size');
    await shopper.getByLabel('Comments (optional)').fill('Too tight on the shoulders');
    expect(await axeViolations(shopper)).toEqual([]);
    await shopper.screenshot({ path: artifactPath('returns-request-phone.png'), fullPage: true });
    await shopper.getByRole('button', { name: 'Request return' }).click();
    await shopper.getByText('Your return request was sent.').waitFor();
    await shopper.getByTestId('return-item').getByText('Requested').waitFor();
    expect(await axeViolations(shopper)).toEqual([]);
    await shopper.setViewportSize(VIEWPORTS.desktop);
    await shopper.screenshot({ path: artifactPath('returns-requested-desktop.png'), fullPage: true });

    // The merchant, in the console: approve with a label, receive (restocked), refund.
    const ctx = await browser.newContext({ viewport: VIEWPORTS.desktop, locale: 'en-US' });
    const [name, value] = owner.cookie.split('=') as [string, string];
    await ctx.addCookies([{ name, value, url: base }]);
    const page = await ctx.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    // Toasts fade in: axe looks at the page once no animation is running (a half-faded toast has too little contrast).
    const settled = () => page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'));
    await page.goto(`${base}/stores/${store.id}/returns`);
    await page.getByTestId('returns-table').waitFor();
    await settled();
    expect(await axeViolations(page)).toEqual([]);
    for (const [vp, viewport] of Object.entries(VIEWPORTS)) {
      await page.setViewportSize(viewport);
      await page.screenshot({ path: artifactPath(`console-returns-${vp}.png`), fullPage: true });
    }
    await page.setViewportSize(VIEWPORTS.desktop);
    await page.getByRole('button', { name: `#${order.number}` }).click();
    const detail = page.getByTestId('return-detail');
    await detail.getByText('Wrong size').waitFor();
    await detail.getByLabel('Return label reference').fill('DHL-RET-42');
    await detail.getByRole('button', { name: 'Approve' }).click();
    await detail.getByRole('button', { name: 'Mark received' }).waitFor();
    await settled();
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: artifactPath('console-return-approved-desktop.png'), fullPage: true });
    await detail.getByRole('button', { name: 'Mark received' }).click();
    await detail.getByTestId('return-quote').waitFor();
    expect(await detail.getByTestId('return-quote').textContent()).toContain('45.00');
    await page.setViewportSize(VIEWPORTS.phone);
    await page.screenshot({ path: artifactPath('console-return-received-phone.png'), fullPage: true });
    await page.setViewportSize(VIEWPORTS.desktop);
    await detail.getByRole('button', { name: /^Refund/ }).click();
    await detail.getByTestId('return-refunded').waitFor();
    await settled();
    expect(await axeViolations(page)).toEqual([]);

    const stock = await t.selectFrom('variants').select('inventory_quantity').where('id', '=', product.variants[0].id).executeTakeFirstOrThrow();
    expect(stock.inventory_quantity).toBe(9);
    await processPending(t);
    const after = await sales();
    expect(after.returns - before.returns).toBe(4500);
    expect(after.netSales).toBe(before.netSales - 4500);

    // The shopper sees the refund on the order page.
    await shopper.goto(link);
    await shopper.getByTestId('return-item').getByText('Refunded').first().waitFor();

    // Refund by line on the order page: the amount is computed server-side before confirming.
    await page.goto(`${base}/stores/${store.id}/orders/${order.id}`);
    await page.getByRole('button', { name: 'Refund' }).click();
    await page.getByLabel('Units of Linen Shirt to refund').selectOption('1');
    await page.getByTestId('refund-preview').waitFor();
    expect(await page.getByTestId('refund-preview').textContent()).toContain('45.00');
    await settled();
    expect(await axeViolations(page)).toEqual([]);
    for (const [vp, viewport] of Object.entries(VIEWPORTS)) {
      await page.setViewportSize(viewport);
      await page.screenshot({ path: artifactPath(`console-refund-by-line-${vp}.png`), fullPage: true });
    }
    expect(errors).toEqual([]);
    await ctx.close();
  });
});
