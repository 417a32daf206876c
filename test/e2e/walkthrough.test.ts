/**
 * A new merchant's first hour, end to end in Chromium (issue 17's "done
 * when"): sign up in the console, import a real-world-shaped Shopify export
 * (test/fixtures/shopify/kiln-co-2023.csv: a Japanese handle, one SKU on three
 * variants, variant images, HTML bodies with <meta>/<span>/<script>, Custom
 * Product Type, several images per product) whose images a loopback server
 * stands in for Shopify's CDN (reachable only under the local test egress
 * policy), check the dry-run preview, run the import, launch the store from
 * the console home, and buy as a shopper on a 390 px phone through the manual
 * payment provider to the order confirmation. axe: 0 serious/critical on every
 * page visited; screenshots at 1280 and 390 px go to test-artifacts/.
 */
import { readFileSync } from 'node:fs';
import { createLogger } from '@storeloom/log';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createControlPlaneApp } from '../../apps/control-plane/src/app.ts';
import { createStorefrontApp } from '../../apps/storefront/src/app.ts';
import { axeViolations } from '../helpers/axe.ts';
import { artifactPath, launchChromium, serveOnFreePort, VIEWPORTS } from '../helpers/browser.ts';
import { startImageServer, withImageOrigin, type ImageServer } from '../helpers/images.ts';
import { ORIGIN, startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

const LOCAL_EGRESS = { allowHttp: true, allowPrivateAddresses: true };
const HANDLE = '益子焼-マグカップ';
type Served = { port: number; close(): Promise<void> };

async function checkA11y(page: Page, name: string) {
  expect(await axeViolations(page), `accessibility of ${name}`).toEqual([]);
}
/** The page at both widths (full page), ending at the width it had. */
async function shoot(page: Page, name: string) {
  const was = page.viewportSize();
  for (const [vp, viewport] of Object.entries(VIEWPORTS)) {
    await page.setViewportSize(viewport);
    await page.screenshot({ path: artifactPath(`walkthrough-${name}-${vp}.png`), fullPage: true });
  }
  if (was) await page.setViewportSize(was);
}

describe('walkthrough: sign up, import a Shopify export, launch, first sale on a phone', { timeout: 300_000 }, () => {
  let p: TestPlatform;
  let browser: Browser;
  let cdn: ImageServer;
  let cp: Served;
  let sf: Served;
  let base: string;

  beforeAll(async () => {
    cdn = await startImageServer();
    // Both ports are known only once listening; the platform's public URL and storefront links must be them.
    let consoleHandler: (req: Request) => Response | Promise<Response> = () => new Response('starting', { status: 503 });
    let storefrontHandler: (req: Request) => Response | Promise<Response> = () => new Response('starting', { status: 503 });
    cp = await serveOnFreePort((req) => consoleHandler(req));
    sf = await serveOnFreePort((req) => storefrontHandler(req));
    base = `http://localhost:${cp.port}`;
    p = await startTestPlatform({ importEgress: LOCAL_EGRESS, config: { publicUrl: base, trustedOrigins: [ORIGIN], storefrontPort: sf.port } });
    consoleHandler = createControlPlaneApp(p.services, createLogger({ level: 'silent' })).fetch;
    storefrontHandler = createStorefrontApp(p.db, createLogger({ level: 'silent' }), {
      rootDomain: 'localhost',
      storage: p.services.storage,
      queues: p.queues,
      secret: 'walkthrough-secret-0123456789abcdef0123',
      pageCacheTtlMs: 0,
      storeCacheTtlMs: 0,
    }).fetch;
    await p.startWorker();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await cp?.close();
    await sf?.close();
    await p?.close();
    await cdn?.close();
  });

  it('goes from sign-up to a paid order', async () => {
    const slug = `kiln-${Date.now().toString(36)}`;
    const ctx = await browser.newContext({ viewport: VIEWPORTS.desktop, locale: 'en-US' });
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));

    // Sign up and create the store.
    await page.goto(`${base}/signup`);
    await page.getByLabel('Your name', { exact: true }).fill('Emi Kiln');
    await page.getByLabel('Email', { exact: true }).fill(`${slug}@example.com`);
    await page.getByLabel('Password', { exact: true }).fill('correct horse battery');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(/\/onboarding/);
    await page.getByLabel('Store name', { exact: true }).fill('Kiln & Co');
    await page.getByLabel('Store address', { exact: true }).fill(slug);
    await page.getByText('Available').waitFor();
    await page.getByLabel('Currency', { exact: true }).selectOption('USD');
    await page.getByRole('button', { name: 'Create store' }).click();
    await page.getByRole('link', { name: 'Go to the console' }).click();
    await page.waitForURL(/\/stores\/[0-9a-f-]{36}\//);
    const storeId = page.url().split('/')[4] as string;

    // Home: the setup guide of a store with nothing yet.
    await page.goto(`${base}/stores/${storeId}/home`);
    await page.getByRole('heading', { name: 'Set up your store' }).waitFor();
    await page.getByText('0 of 5 steps done').waitFor();
    await checkA11y(page, 'console home');
    await shoot(page, 'console-home');

    // Import: the dry run shows what will happen, before anything is written.
    await page.goto(`${base}/stores/${storeId}/import`);
    await page.getByRole('heading', { name: 'Import products' }).waitFor();
    const csv = withImageOrigin(readFileSync(new URL('../fixtures/shopify/kiln-co-2023.csv', import.meta.url), 'utf8'), cdn.origin);
    await page.getByTestId('csv-input').setInputFiles({ name: 'products_export_1.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    const preview = page.getByRole('region', { name: 'Check before importing' });
    await preview.getByText('3 products to create').waitFor();
    await preview.getByText('4 variants').waitFor();
    await preview.getByText('6 images to copy into your store').waitFor();
    // The SKU shared by three variants is allowed, each such row with a warning; nothing is an error.
    expect(await preview.getByText('duplicate_sku').count()).toBe(3);
    expect(await preview.getByText('Rows that will not be imported').count()).toBe(0);
    await preview.getByText('These rows will be imported as they are').waitFor();
    expect(cdn.hits).toEqual([]);
    await checkA11y(page, 'import preview');
    await shoot(page, 'import-preview');
    await preview.getByRole('button', { name: 'Import 3 products' }).click();
    const current = page.getByRole('region', { name: 'products_export_1.csv' });
    await current.getByText('completed').waitFor({ timeout: 60_000 });
    await checkA11y(page, 'import done');

    // What arrived: Unicode handle, product types, every image copied into the store, variant images linked.
    const cookies = await ctx.cookies(base);
    const cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const list = (await p.request('GET', `/api/v1/stores/${storeId}/products?limit=50&sort=title`, { cookie })).body.data as any[];
    expect(list.map((x) => [x.handle, x.productType, x.variants.length, x.images.length])).toEqual(
      expect.arrayContaining([
        [HANDLE, 'Mugs', 2, 3],
        ['linen-tea-towel', 'Kitchen Textiles', 1, 1],
        ['mug-towel-gift-set', 'Gift Sets', 1, 2],
      ]),
    );
    expect(cdn.hits).toHaveLength(6);
    const mug = list.find((x) => x.handle === HANDLE);
    expect(mug.images.every((i: any) => i.url.startsWith(`${base}/media/${storeId}/`))).toBe(true);
    const amber = mug.variants.find((v: any) => v.options.Glaze === 'Amber');
    expect(amber).toMatchObject({ sku: 'MSK-MUG', price: 3600, compareAtPrice: 4200, imageUrl: mug.images[1].url });

    // Launch from the console home.
    await page.goto(`${base}/stores/${storeId}/home`);
    await page.getByText('1 of 5 steps done').waitFor();
    const launched = page.waitForResponse((r) => r.url().endsWith(`/api/v1/stores/${storeId}/launch`) && r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Launch store' }).click();
    expect((await launched).status()).toBe(200);
    await page.getByText('Your store is live.').first().waitFor();
    expect(errors).toEqual([]);
    await ctx.close();

    // A shopper on a phone.
    const at = (path: string) => `http://${slug}.localhost:${sf.port}${path}`;
    const shopper = await browser.newContext({ viewport: VIEWPORTS.phone, locale: 'en-US', isMobile: true, hasTouch: true });
    const sp = await shopper.newPage();
    const shopperErrors: string[] = [];
    sp.on('pageerror', (e) => shopperErrors.push(e.message));
    await sp.goto(at('/'));
    await sp
      .getByRole('link', { name: /Mashiko Glaze Mug/ })
      .first()
      .click();
    await sp.waitForURL(new RegExp(`/products/${encodeURIComponent(HANDLE)}`));
    await sp.getByRole('heading', { name: 'Mashiko Glaze Mug' }).waitFor();
    // The description is rich text: paragraphs and a list, none of the export's tags as text, nothing executable.
    const description = sp.locator('.description');
    const text = (await description.textContent()) ?? '';
    expect(text).toContain('Thrown by hand in Mashiko');
    expect(text).not.toMatch(/<p>|<span|<meta|<\/|data-mce/);
    expect(await description.locator('p').count()).toBe(2);
    expect(await description.locator('li').count()).toBe(2);
    expect(await description.locator('strong').textContent()).toBe('traditional');
    expect(await description.locator('meta, span[data-mce-fragment], [style]').count()).toBe(0);
    // Images come from the shop's own host, not the old CDN and not the console.
    const mainSrc = () =>
      sp.locator('.main-image img').evaluate((img: HTMLImageElement) => (img.complete && img.naturalWidth > 0 ? img.currentSrc : ''), undefined);
    await expect.poll(mainSrc).toMatch(new RegExp(`^${at('/media/')}`));
    const srcs = await sp.locator('main img').evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).currentSrc || (i as HTMLImageElement).src));
    expect(srcs.length).toBeGreaterThanOrEqual(3);
    for (const src of srcs) expect(src.startsWith(at('/media/')), src).toBe(true);
    // Picking the Amber glaze shows its own image.
    const fileOf = (u: string) => (new URL(u).pathname.split('/').pop() as string).replace(/\.[a-z]+$/, '');
    await sp.waitForFunction(() => (window as unknown as { _$HY?: unknown })._$HY !== undefined);
    await sp.getByRole('link', { name: 'Amber', exact: true }).click();
    await sp.waitForURL(new RegExp(`variant=${amber.id}`));
    await expect.poll(async () => fileOf(await mainSrc())).toBe(fileOf(amber.imageUrl));
    await expect(sp.getByTestId('product-price').textContent()).resolves.toContain('$36.00');
    await checkA11y(sp, 'product page');
    await shoot(sp, 'product');

    // A gift set's body lost its script and handler but kept its link.
    const gift = await shopper.newPage();
    await gift.goto(at('/products/mug-towel-gift-set'));
    const giftBody = gift.locator('.description');
    await giftBody.getByRole('link', { name: 'Mashiko mug' }).waitFor();
    expect(await giftBody.locator('script, [onclick]').count()).toBe(0);
    expect(await giftBody.textContent()).not.toContain('alert');
    await gift.close();

    // Cart and checkout to the confirmation, all at 390 px.
    await sp.getByRole('button', { name: 'Add to cart' }).click();
    await sp.getByText('Added to your cart').waitFor();
    await sp.goto(at('/cart'));
    await sp.getByText('Mashiko Glaze Mug').first().waitFor();
    await checkA11y(sp, 'cart');
    await sp.getByRole('link', { name: 'Check out' }).click();
    await sp.waitForURL(/\/checkout$/);
    await sp.fill('input[name=email]', 'hana@example.com');
    await sp.fill('input[name=name]', 'Hana Shopper');
    await sp.fill('input[name=line1]', '200 Market Street');
    await sp.fill('input[name=city]', 'San Francisco');
    await sp.fill('input[name=postalCode]', '94105');
    await sp.selectOption('select[name=country]', 'US');
    await checkA11y(sp, 'checkout');
    await sp.screenshot({ path: artifactPath('walkthrough-checkout-phone.png'), fullPage: true });
    await sp.getByRole('button', { name: /Continue to payment/ }).click();
    await sp.waitForURL(/\/checkout\/pay\//);
    await checkA11y(sp, 'payment');
    await sp.getByRole('button', { name: 'Pay now' }).click();
    await sp.waitForURL(/\/orders\/.+placed=1/);
    await sp.getByText('Thank you for your order!').waitFor();
    // The order line shows the bought variant's image, not the product's first.
    await expect
      .poll(() => sp.getByRole('img', { name: 'Mashiko Glaze Mug' }).evaluate((img: HTMLImageElement) => img.currentSrc || img.src))
      .toContain(fileOf(amber.imageUrl));
    await checkA11y(sp, 'order confirmation');
    await shoot(sp, 'confirmation');
    expect(shopperErrors).toEqual([]);
    await shopper.close();

    const orders = await p.request('GET', `/api/v1/stores/${storeId}/orders`, { cookie });
    expect(orders.body.items).toHaveLength(1);
    expect(orders.body.items[0]).toMatchObject({ paymentStatus: 'paid', email: 'hana@example.com', currency: 'USD' });
    const detail = await p.request('GET', `/api/v1/stores/${storeId}/orders/${orders.body.items[0].id}`, { cookie });
    expect(detail.body.lines).toMatchObject([{ sku: 'MSK-MUG', quantity: 1, unitPrice: 3600 }]);
  });
});
