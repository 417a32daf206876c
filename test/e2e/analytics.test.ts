/**
 * Sales dashboard in Chromium (issue 21): a store with no orders shows the empty state; then a shopper requests a
 * return from the order status page, the merchant approves, receives and refunds it in the console, the analytics
 * worker pass runs, and the dashboard's net sales (and returns) equal the figure computed here from the raw orders
 * and refund payments. The charts' data tables and the CSV exports are checked too. axe: 0 serious/critical;
 * screenshots at 1280 and 390 px.
 */
import { processPending } from '@storeloom/analytics';
import { CartService, OrderService, orderLinkSignature, parseSettings } from '@storeloom/commerce';
import { formatMoney } from '@storeloom/money';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations } from '../helpers/axe.ts';
import { artifactPath, VIEWPORTS } from '../helpers/browser.ts';
import { createProduct, createStore, signup, type TestPlatform } from '../helpers/platform.ts';
import { startConsoleE2e, type StorefrontE2e, type Served } from '../helpers/console-e2e.ts';

const SECRET = 'e2e-analytics-secret-0123456789abcdef01234';

describe('sales dashboard in Chromium', { timeout: 300_000 }, () => {
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

  const settled = (page: Page) => page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'));
  const screenshots = async (page: Page, name: string) => {
    for (const [vp, viewport] of Object.entries(VIEWPORTS)) {
      await page.setViewportSize(viewport);
      await page.screenshot({ path: artifactPath(`${name}-${vp}.png`), fullPage: true });
    }
    await page.setViewportSize(VIEWPORTS.desktop);
  };

  it('empty state; after a return is refunded the dashboard shows the net sales computed from the raw orders', async () => {
    const owner = await signup(p);
    const store = await createStore(p, owner.cookie, undefined, 'EUR');
    const ctx = await browser.newContext({ viewport: VIEWPORTS.desktop, locale: 'en-US', acceptDownloads: true });
    const [name, value] = owner.cookie.split('=') as [string, string];
    await ctx.addCookies([{ name, value, url: base }]);
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));

    // No orders yet: the empty state, reached from the nav next to Orders.
    await page.goto(`${base}/stores/${store.id}/home`);
    await page.getByRole('link', { name: 'Analytics' }).click();
    await page.getByRole('heading', { name: 'No orders yet' }).waitFor();
    await settled(page);
    expect(await axeViolations(page)).toEqual([]);
    await screenshots(page, 'console-analytics-empty');

    // A paid, delivered order of two shirts.
    const product = await createProduct(p, owner.cookie, store.id, { title: 'Linen Shirt', variants: [{ sku: 'LS-1', price: 4500, inventoryQuantity: 10 }] });
    const row = await p.db.control.selectFrom('stores').selectAll().where('id', '=', store.id).executeTakeFirstOrThrow();
    const t = p.db.tenant(row.schema_name);
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

    // Before the worker pass the dashboard says it is updating.
    await page.goto(`${base}/stores/${store.id}/analytics?range=today`);
    await page.getByTestId('analytics-updating').waitFor();
    await processPending(t);

    // The shopper asks to return one shirt from the order status page.
    const shopper = await browser.newPage({ viewport: VIEWPORTS.phone, locale: 'en-US' });
    shopper.on('pageerror', (e) => errors.push(e.message));
    await shopper.goto(`http://${store.slug}.localhost:${sf.port}/orders/${order.id}?sig=${orderLinkSignature(SECRET, store.id, order.id)}`);
    await shopper.getByLabel('How many of Linen Shirt to return').selectOption('1');
    await shopper.getByLabel('Reason').selectOption('wrong_size');
    await shopper.getByRole('button', { name: 'Request return' }).click();
    await shopper.getByText('Your return request was sent.').waitFor();
    await shopper.close();

    // The merchant approves, receives and refunds it in the console.
    await page.goto(`${base}/stores/${store.id}/returns`);
    await page.getByRole('button', { name: `#${order.number}` }).click();
    const detail = page.getByTestId('return-detail');
    await detail.getByRole('button', { name: 'Approve' }).click();
    await detail.getByRole('button', { name: 'Mark received' }).click();
    await detail.getByTestId('return-quote').waitFor();
    await detail.getByRole('button', { name: /^Refund/ }).click();
    await detail.getByTestId('return-refunded').waitFor();

    // The worker pass, then the figures computed independently from the raw tables (paid orders, succeeded refunds).
    await processPending(t);
    const paid = await t
      .selectFrom('orders')
      .select(['subtotal', 'discount_total', 'store_subtotal', 'store_discount_total'])
      .where('payment_status', 'in', ['paid', 'partially_refunded', 'refunded'])
      .execute();
    const refunds = await t.selectFrom('payments').select('amount').where('kind', '=', 'refund').where('status', '=', 'succeeded').execute();
    const gross = paid.reduce((n, o) => n + (o.store_subtotal ?? o.subtotal), 0);
    const discounts = paid.reduce((n, o) => n + (o.store_discount_total ?? o.discount_total), 0);
    const returned = refunds.reduce((n, r) => n + r.amount, 0);
    expect(returned).toBeGreaterThan(0);
    const net = gross - discounts - returned;
    const eur = (n: number) => formatMoney(n, 'EUR', 'en-US');

    await page.goto(`${base}/stores/${store.id}/analytics?range=today`);
    await page.getByTestId('metric-netSales-value').waitFor();
    expect((await page.getByTestId('metric-netSales-value').textContent())?.trim()).toBe(eur(net));
    expect((await page.getByTestId('metric-returns-value').textContent())?.trim()).toBe(eur(returned));
    expect((await page.getByTestId('metric-grossSales-value').textContent())?.trim()).toBe(eur(gross));
    expect((await page.getByTestId('metric-orders-value').textContent())?.trim()).toBe(String(paid.length));
    expect(await page.getByTestId('analytics-updating').count()).toBe(0);
    // Yesterday had no sales: the change is shown in words, not only colour.
    expect(await page.getByTestId('metric-netSales').textContent()).toContain('New');

    // The data table behind the net sales chart has today's row with the same figure.
    const chart = page.getByTestId('chart-net');
    await chart.getByText('Show data table').click();
    await expect.poll(() => chart.getByRole('row').nth(1).textContent()).toContain(eur(net));
    await settled(page);
    expect(await axeViolations(page)).toEqual([]);
    await screenshots(page, 'console-analytics');

    // Presets and the custom range keep the figures (the order is today's), the comparison can be turned off.
    await page.getByLabel('Date range').selectOption('30d');
    await page.getByLabel('Compare to previous period').uncheck();
    await expect.poll(() => page.getByTestId('analytics-range').textContent()).not.toContain('compared with');
    expect((await page.getByTestId('metric-netSales-value').textContent())?.trim()).toBe(eur(net));
    await page.getByLabel('Date range').selectOption('custom');
    await page.getByLabel('From', { exact: true }).waitFor();
    await settled(page);
    expect(await axeViolations(page)).toEqual([]);

    // The CSV exports: the daily report's last row is today with the net sales as a decimal.
    const download = page.waitForEvent('download');
    await page.getByTestId('export-daily').click();
    const file = await (await download).path();
    const { readFile } = await import('node:fs/promises');
    const lines = (await readFile(file, 'utf8')).trim().split('\r\n');
    expect(lines[0]).toContain('net_sales');
    expect(lines.at(-1)).toContain(`,${(net / 100).toFixed(2)},`);
    expect(errors).toEqual([]);
    await ctx.close();
  });
});
