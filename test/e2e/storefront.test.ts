/**
 * The storefront in real Chromium on *.localhost subdomains: two themed
 * stores show only their own products; a shopper searches, picks a variant,
 * adds to cart, checks out with the manual provider and sees the
 * confirmation; the merchant API lists the order and the stock went down; an
 * abandoned checkout's reservation is released by the worker after a short
 * expiry. Screenshots at phone and desktop widths go to test-artifacts/.
 */
import { createLogger } from '@storeloom/log';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorefrontApp } from '../../apps/storefront/src/app.ts';
import { artifactPath, launchChromium, serveOnFreePort, VIEWPORTS } from '../helpers/browser.ts';
import { axeViolations } from '../helpers/axe.ts';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

/** The storefront's accessibility gate, the same as the console's: no serious or critical axe violations. */
async function checkA11y(page: Page, name: string) {
  expect(await axeViolations(page), `accessibility of ${name}`).toEqual([]);
}

// Generous per-test time: a loaded 2-core machine runs Chromium and three servers' worth of work here.
describe('storefront in Chromium', { timeout: 240_000 }, () => {
  let p: TestPlatform;
  let browser: Browser;
  let sf: { port: number; close(): Promise<void> };
  let sfShort: { port: number; close(): Promise<void> };
  let owner: string;
  let a: { id: string; slug: string };
  let b: { id: string; slug: string };
  let shirt: { id: string; variants: { id: string; sku: string; inventoryQuantity: number; options: Record<string, string> }[] };
  let mug: { id: string; variants: { id: string }[] };

  const setting = async (storeId: string, key: string, value: unknown) => {
    const row = await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', storeId).executeTakeFirstOrThrow();
    await p.db
      .tenant(row.schema_name)
      .insertInto('store_settings')
      .values({ key, value: JSON.stringify(value), updated_at: new Date() })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify(value) }))
      .execute();
  };
  const stockOf = async (storeId: string, variantId: string) => {
    const row = await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', storeId).executeTakeFirstOrThrow();
    return (await p.db.tenant(row.schema_name).selectFrom('variants').select('inventory_quantity').where('id', '=', variantId).executeTakeFirstOrThrow())
      .inventory_quantity;
  };
  const url = (store: { slug: string }, path: string, port = sf.port) => `http://${store.slug}.localhost:${port}${path}`;

  beforeAll(async () => {
    p = await startTestPlatform();
    const logger = createLogger({ level: 'silent' });
    const common = { rootDomain: 'localhost', queues: p.queues, secret: 'e2e-secret-0123456789abcdef0123456789', pageCacheTtlMs: 0, storeCacheTtlMs: 0 };
    sf = await serveOnFreePort(createStorefrontApp(p.db, logger, common).fetch);
    sfShort = await serveOnFreePort(createStorefrontApp(p.db, logger, { ...common, reservationTtlMs: 1500 }).fetch);
    owner = (await signup(p)).cookie;
    a = await createStore(p, owner, undefined, 'USD');
    b = await createStore(p, owner, undefined, 'CNY');
    await setting(a.id, 'theme', {
      primaryColor: '#14532d',
      accentColor: '#ea580c',
      backgroundColor: '#fffdf8',
      textColor: '#1c1917',
      font: 'serif',
      logoUrl: null,
    });
    await setting(a.id, 'tax', { ratePercent: 10, includedInPrices: false });
    await setting(b.id, 'theme', {
      primaryColor: '#5b21b6',
      accentColor: '#db2777',
      backgroundColor: '#ffffff',
      textColor: '#1e1b4b',
      font: 'rounded',
      logoUrl: null,
    });
    await setting(b.id, 'languages', ['zh-CN', 'en']);
    shirt = await createProduct(p, owner, a.id, {
      title: 'Linen Shirt',
      description: 'Breathable washed linen, relaxed fit.\nMade in Portugal.',
      vendor: 'Atelier Nord',
      productType: 'Shirts',
      options: [{ name: 'Size', values: ['S', 'M', 'L'] }],
      variants: [
        { sku: 'LS-S', price: 5900, inventoryQuantity: 4, options: { Size: 'S' } },
        { sku: 'LS-M', price: 6400, compareAtPrice: 7900, inventoryQuantity: 6, options: { Size: 'M' } },
        { sku: 'LS-L', price: 6400, inventoryQuantity: 0, options: { Size: 'L' } },
      ],
    });
    mug = await createProduct(p, owner, a.id, {
      title: 'Stoneware Mug',
      productType: 'Kitchen',
      variants: [{ sku: 'MUG-1', price: 1800, inventoryQuantity: 5 }],
    });
    await createProduct(p, owner, a.id, { title: 'Canvas Tote', productType: 'Bags', variants: [{ sku: 'TOTE-1', price: 2500, inventoryQuantity: 9 }] });
    await createProduct(p, owner, a.id, { title: 'Wool Beanie', productType: 'Hats', variants: [{ sku: 'BEANIE-1', price: 3200, inventoryQuantity: 2 }] });
    const coll = await p.request('POST', `/api/v1/stores/${a.id}/collections`, {
      cookie: owner,
      body: { title: 'Summer edit', productIds: [shirt.id, mug.id] },
    });
    expect(coll.status).toBe(201);
    await createProduct(p, owner, b.id, { title: 'Jasmine Tea', productType: 'Tea', variants: [{ sku: 'JT-1', price: 8800, inventoryQuantity: 20 }] });
    await p.startWorker();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await sf?.close();
    await sfShort?.close();
    await p?.close();
  });

  const fillCheckout = async (page: Page, email: string) => {
    await page.fill('input[name=email]', email);
    await page.fill('input[name=name]', 'Ada Lovelace');
    await page.fill('input[name=line1]', '12 Analytical Row');
    await page.fill('input[name=city]', 'London');
    await page.fill('input[name=postalCode]', 'N1 9GU');
    await page.selectOption('select[name=country]', 'GB');
  };

  it('shows each store only its own products, in its own theme and language', async () => {
    for (const [name, viewport] of Object.entries(VIEWPORTS)) {
      // A shopper whose browser prefers Chinese: store B (Chinese first, English second) answers in Chinese; store A
      // offers English only. (An en-US browser would get B's English: Accept-Language picks among a store's languages.)
      const page = await browser.newPage({ viewport, locale: 'zh-CN' });
      const res = await page.goto(url(a, '/'));
      expect(res?.status()).toBe(200);
      await page.getByRole('heading', { name: 'Summer edit' }).waitFor();
      expect(await page.getByText('Linen Shirt').count()).toBeGreaterThan(0);
      expect(await page.getByText('Jasmine Tea').count()).toBe(0);
      expect(await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--primary').trim())).toBe('#14532d');
      await page.screenshot({ path: artifactPath(`sf-home-${name}.png`), fullPage: true });
      await checkA11y(page, `sf-home-${name}.png`);
      await page.goto(url(b, '/'));
      await page.getByText('欢迎光临').waitFor();
      expect(await page.getByText('Jasmine Tea').count()).toBeGreaterThan(0);
      expect(await page.getByText('Linen Shirt').count()).toBe(0);
      expect(await page.getByText('¥88.00').count()).toBeGreaterThan(0);
      await page.screenshot({ path: artifactPath(`sf-home-b-${name}.png`) });
      await checkA11y(page, `sf-home-b-${name}.png`);
      await page.close();
    }
    const page = await browser.newPage();
    expect((await page.goto(url(a, '/products/jasmine-tea')))?.status()).toBe(404);
    expect((await page.goto(url(a, '/products/no-such-thing')))?.status()).toBe(404);
    await page.close();
  });

  it('lets a shopper search, pick a variant, add to cart, pay and see the confirmation', async () => {
    const before = await stockOf(a.id, shirt.variants[1]!.id);
    const page = await browser.newPage({ viewport: VIEWPORTS.desktop });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(url(a, '/'));
    await page.fill('header input[name=q]', 'linen');
    await page.press('header input[name=q]', 'Enter');
    await page.waitForURL(/\/search\?q=linen/);
    await page
      .getByRole('link', { name: /Linen Shirt/ })
      .first()
      .click();
    await page.waitForURL(/\/products\/linen-shirt/);
    await page.getByRole('heading', { name: 'Linen Shirt' }).waitFor();
    // Hydrated: picking a variant updates price, stock and URL without a navigation.
    await page.waitForFunction(() => document.querySelector('.pill') && (window as unknown as { _$HY?: { done?: boolean } })._$HY !== undefined);
    await page.getByRole('link', { name: 'M', exact: true }).click();
    await page.waitForURL(new RegExp(`variant=${shirt.variants[1]!.id}`));
    await expect(page.getByTestId('product-price').textContent()).resolves.toContain('$64.00');
    await page.getByRole('link', { name: 'L', exact: true }).click();
    await expect(page.getByTestId('stock').textContent()).resolves.toContain('Sold out');
    await page.getByRole('link', { name: 'M', exact: true }).click();
    await page.screenshot({ path: artifactPath('sf-product-desktop.png'), fullPage: true });
    await checkA11y(page, 'sf-product-desktop.png');
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.getByText('Added to your cart').waitFor();
    await expect(page.getByTestId('cart-count').textContent()).resolves.toBe('1');
    await page.goto(url(a, '/cart'));
    await page.getByText('Linen Shirt').first().waitFor();
    await page.screenshot({ path: artifactPath('sf-cart-desktop.png'), fullPage: true });
    await checkA11y(page, 'sf-cart-desktop.png');
    await page.getByRole('link', { name: 'Check out' }).click();
    await page.waitForURL(/\/checkout$/);
    await fillCheckout(page, 'ada@example.com');
    // 6400 + 500 shipping, plus 10% tax = 7590
    await expect(page.getByTestId('total').textContent()).resolves.toContain('$75.90');
    await page.screenshot({ path: artifactPath('sf-checkout-desktop.png'), fullPage: true });
    await checkA11y(page, 'sf-checkout-desktop.png');
    await page.getByRole('button', { name: /Continue to payment/ }).click();
    await page.waitForURL(/\/checkout\/pay\//);
    expect(await stockOf(a.id, shirt.variants[1]!.id)).toBe(before - 1);
    await page.screenshot({ path: artifactPath('sf-pay-desktop.png') });
    await checkA11y(page, 'sf-pay-desktop.png');
    await page.getByRole('button', { name: 'Pay now' }).click();
    await page.waitForURL(/\/orders\/.+placed=1/);
    await page.getByText('Thank you for your order!').waitFor();
    const number = (await page.getByTestId('order-number').textContent())?.replace(/\D/g, '');
    expect(number).toBe('1001');
    await page.screenshot({ path: artifactPath('sf-confirmation-desktop.png'), fullPage: true });
    await checkA11y(page, 'sf-confirmation-desktop.png');

    // A tampered status link is a plain 404.
    const tampered = page.url().replace(/sig=[^&]+/, 'sig=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    expect((await page.goto(tampered))?.status()).toBe(404);
    expect(errors).toEqual([]);
    await page.close();

    const orders = await p.request('GET', `/api/v1/stores/${a.id}/orders`, { cookie: owner });
    expect(orders.status).toBe(200);
    expect(orders.body.items[0]).toMatchObject({ number: 1001, paymentStatus: 'paid', email: 'ada@example.com', total: 7590, currency: 'USD' });
    expect(await stockOf(a.id, shirt.variants[1]!.id)).toBe(before - 1);
    const detail = await p.request('GET', `/api/v1/stores/${a.id}/orders/${orders.body.items[0].id}`, { cookie: owner });
    expect(detail.body.lines[0]).toMatchObject({ sku: 'LS-M', quantity: 1, unitPrice: 6400 });
    const mail = await p.db.control.selectFrom('mail_outbox').select(['kind', 'text_body']).where('to_address', '=', 'ada@example.com').execute();
    expect(mail.map((m) => m.kind)).toEqual(['order-confirmation']);
    expect(mail[0]?.text_body).toContain('/orders/');
  });

  it('works without JavaScript: forms post and redirect', async () => {
    const ctx = await browser.newContext({ javaScriptEnabled: false, viewport: VIEWPORTS.phone });
    const page = await ctx.newPage();
    await page.goto(url(a, '/products/stoneware-mug'));
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.waitForURL(/\/cart$/);
    await page.getByText('Stoneware Mug').first().waitFor();
    await page.screenshot({ path: artifactPath('sf-cart-phone.png'), fullPage: true });
    await page.goto(url(a, '/products/linen-shirt'));
    await page.screenshot({ path: artifactPath('sf-product-phone.png'), fullPage: true });
    await page.goto(url(a, '/checkout'));
    await fillCheckout(page, 'nojs@example.com');
    await page.screenshot({ path: artifactPath('sf-checkout-phone.png'), fullPage: true });
    await page.getByRole('button', { name: /Continue to payment/ }).click();
    await page.waitForURL(/\/checkout\/pay\//);
    await page.getByRole('button', { name: 'Fail payment' }).click();
    await page.waitForURL(/\/cart\?notice=failed/);
    await page.getByText('The payment did not go through').waitFor();
    await page.getByText('Stoneware Mug').first().waitFor();
    await page.screenshot({ path: artifactPath('sf-home-phone.png') });
    await page.goto(url(a, '/'));
    await page.screenshot({ path: artifactPath('sf-home-phone.png'), fullPage: true });
    await ctx.close();
    expect(await stockOf(a.id, mug.variants[0]!.id)).toBe(5);
  });

  it('releases an abandoned checkout reservation after its expiry', async () => {
    const variantId = shirt.variants[0]!.id;
    const before = await stockOf(a.id, variantId);
    const page = await browser.newPage({ viewport: VIEWPORTS.desktop });
    await page.goto(url(a, `/products/linen-shirt?variant=${variantId}`, sfShort.port));
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.getByText('Added to your cart').waitFor();
    await page.goto(url(a, '/checkout', sfShort.port));
    await fillCheckout(page, 'gone@example.com');
    await page.getByRole('button', { name: /Continue to payment/ }).click();
    await page.waitForURL(/\/checkout\/pay\//);
    expect(await stockOf(a.id, variantId)).toBe(before - 1);
    const deadline = Date.now() + 45_000;
    while ((await stockOf(a.id, variantId)) !== before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    expect(await stockOf(a.id, variantId)).toBe(before);
    // Paying now is refused and the shopper gets the cart back.
    await page.getByRole('button', { name: 'Pay now' }).click();
    await page.waitForURL(/\/cart\?notice=expired/);
    await page.getByText('This checkout expired').waitFor();
    await page.close();
  });

  it('lets a customer register, check out and see the order in the account', async () => {
    const page = await browser.newPage({ viewport: VIEWPORTS.desktop });
    await page.goto(url(a, '/account/register'));
    await page.fill('input[name=name]', 'Grace Hopper');
    await page.fill('input[name=email]', 'grace@example.com');
    await page.fill('input[name=password]', 'cobol-forever-1959');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(/\/account$/);
    await page.getByText('No orders yet.').waitFor();
    await page.goto(url(a, '/products/canvas-tote'));
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.getByText('Added to your cart').waitFor();
    await page.goto(url(a, '/checkout'));
    expect(await page.inputValue('input[name=email]')).toBe('grace@example.com');
    await fillCheckout(page, 'grace@example.com');
    await page.getByRole('button', { name: /Continue to payment/ }).click();
    await page.getByRole('button', { name: 'Pay now' }).click();
    await page.getByText('Thank you for your order!').waitFor();
    await page.goto(url(a, '/account'));
    await page.getByText('12 Analytical Row').waitFor();
    expect(await page.locator('.orders li').count()).toBe(1);
    // The same e-mail in another store is another account.
    await page.goto(url(b, '/account/login'));
    await page.fill('input[name=email]', 'grace@example.com');
    await page.fill('input[name=password]', 'cobol-forever-1959');
    await page.locator('.auth form button[type=submit]').click();
    await page.locator('.alert').waitFor();
    await page.close();
  });
});
