/**
 * Variant weights in the console's product editor (issue 19, weight-bounded zone rates): the editor shows each
 * variant's weight in grams, a merchant changes it and saves, and the API then answers the new weight; a weight
 * that is not a whole number of grams is a field error and nothing is saved. Axe clean, screenshots at 1280 and 390 px.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations } from '../helpers/axe.ts';
import { artifactPath, VIEWPORTS } from '../helpers/browser.ts';
import { createProduct, createStore, signup, type TestPlatform } from '../helpers/platform.ts';
import { startConsoleE2e, type ConsoleE2e } from '../helpers/console-e2e.ts';

describe('variant weight in the console product editor (Chromium)', { timeout: 300_000 }, () => {
  let e2e: ConsoleE2e;
  let p: TestPlatform;
  let browser: Browser;
  let base: string;
  let owner: string;
  let store: { id: string; slug: string };
  let productId: string;

  beforeAll(async () => {
    e2e = await startConsoleE2e();
    ({ p, browser, base } = e2e);
    owner = (await signup(p)).cookie;
    store = await createStore(p, owner);
    productId = (
      await createProduct(p, owner, store.id, {
        title: 'Stoneware mug',
        options: [{ name: 'Size', values: ['Small', 'Large'] }],
        variants: [
          { price: 1800, inventoryQuantity: 5, weightGrams: 350, options: { Size: 'Small' } },
          { price: 2400, inventoryQuantity: 5, options: { Size: 'Large' } },
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

  const weights = async () => {
    const res = await p.request('GET', `/api/v1/stores/${store.id}/products/${productId}`, { cookie: owner });
    expect(res.status).toBe(200);
    return Object.fromEntries((res.body.variants as { options: Record<string, string>; weightGrams: number }[]).map((v) => [v.options.Size, v.weightGrams]));
  };

  it('shows, validates and saves the weight of each variant', async () => {
    const ctx = await browser.newContext({ viewport: VIEWPORTS.desktop, locale: 'en-US' });
    const [name, value] = owner.split('=') as [string, string];
    await ctx.addCookies([{ name, value, url: base }]);
    const page = await ctx.newPage();
    await page.goto(`${base}/stores/${store.id}/products/${productId}`);
    const small = page.getByLabel('Weight of Small in grams');
    const large = page.getByLabel('Weight of Large in grams');
    await small.waitFor();
    expect(await small.inputValue()).toBe('350');
    expect(await large.inputValue()).toBe('');
    await check(page, 'console-product-weight');

    await large.fill('12.5');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Enter the weight in whole grams, 0 or more').waitFor();
    expect(await weights()).toEqual({ Small: 350, Large: 0 });

    await small.fill('420');
    await large.fill('1250');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Product saved').waitFor();
    expect(await weights()).toEqual({ Small: 420, Large: 1250 });

    await page.reload();
    await small.waitFor();
    expect(await small.inputValue()).toBe('420');
    expect(await large.inputValue()).toBe('1250');
    await ctx.close();
  });
});
