/**
 * Gift cards sold as products in Chromium: the console's product editor shows the gift-card checkbox checked for
 * such a product; the storefront page asks for the optional recipient (axe clean and screenshots at 1280 and 390 px),
 * and adding with a recipient shows whom the card is for in the cart.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations } from '../helpers/axe.ts';
import { artifactPath, VIEWPORTS } from '../helpers/browser.ts';
import { createProduct, createStore, signup, type TestPlatform } from '../helpers/platform.ts';
import { startConsoleE2e, type StorefrontE2e, type Served } from '../helpers/console-e2e.ts';

describe('gift-card products in Chromium', { timeout: 300_000 }, () => {
  let e2e: StorefrontE2e;
  let p: TestPlatform;
  let browser: Browser;
  let sf: Served;
  let base: string;
  let owner: string;
  let store: { id: string; slug: string };
  let productId: string;

  beforeAll(async () => {
    e2e = await startConsoleE2e({ storefront: () => ({}) });
    ({ p, browser, base, sf } = e2e);
    owner = (await signup(p)).cookie;
    store = await createStore(p, owner);
    productId = (
      await createProduct(p, owner, store.id, {
        title: 'Tea House gift card',
        handle: 'gift-card',
        giftCard: true,
        options: [{ name: 'Amount', values: ['$25', '$50'] }],
        variants: [
          { price: 2500, inventoryQuantity: 1000, options: { Amount: '$25' } },
          { price: 5000, inventoryQuantity: 1000, options: { Amount: '$50' } },
        ],
      })
    ).id;
  });
  afterAll(() => e2e?.close());

  const check = async (page: Page, name: string) => {
    for (const [vp, viewport] of Object.entries(VIEWPORTS)) {
      await page.setViewportSize(viewport);
      expect(await axeViolations(page), `${name} at ${vp}`).toEqual([]);
      await page.screenshot({ path: artifactPath(`${name}-${vp}.png`), fullPage: true });
    }
    await page.setViewportSize(VIEWPORTS.desktop);
  };

  it('the product page asks for a recipient; the cart shows whom the card is for', async () => {
    const url = (path: string) => `http://${store.slug}.localhost:${sf.port}${path}`;
    const page = await browser.newPage({ viewport: VIEWPORTS.desktop });
    await page.goto(url('/products/gift-card'));
    await page.waitForFunction(() => (window as unknown as { _$HY?: unknown })._$HY !== undefined);
    await page.getByRole('group', { name: 'Send it as a gift (optional)' }).waitFor();
    await check(page, 'gift-card-product');
    await page.getByLabel("Recipient's e-mail").fill('grace@example.com');
    await page.getByLabel("Recipient's name").fill('Grace');
    await page.getByLabel('Message').fill('Happy birthday!');
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.getByText('Added to your cart').waitFor();
    await page.goto(url('/cart'));
    await page.getByText('Gift card for Grace').waitFor();
    await page.close();
  });

  it("the console's product editor shows the gift-card checkbox", async () => {
    const ctx = await browser.newContext({ viewport: VIEWPORTS.desktop, locale: 'en-US' });
    const [name, value] = owner.split('=') as [string, string];
    await ctx.addCookies([{ name, value, url: base }]);
    const page = await ctx.newPage();
    await page.goto(`${base}/stores/${store.id}/products/${productId}`);
    const box = page.getByLabel('This product is a gift card');
    await box.waitFor();
    expect(await box.isChecked()).toBe(true);
    await check(page, 'gift-card-product-editor');
    await ctx.close();
  });
});
