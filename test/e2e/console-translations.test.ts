/**
 * Console → Translations in Chromium (issue 19): a store selling in English and German shows German's progress,
 * a product's original next to its translation fields (title, description, SEO, option names and values), saves the
 * German title and an option value, and the progress and the API follow. axe: no serious or critical violations;
 * screenshots at 1280 and 390 px.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations } from '../helpers/axe.ts';
import { artifactPath, VIEWPORTS } from '../helpers/browser.ts';
import { createProduct, createStore, signup, type TestPlatform } from '../helpers/platform.ts';
import { startConsoleE2e, type ConsoleE2e } from '../helpers/console-e2e.ts';

describe('console translations', { timeout: 240_000 }, () => {
  let e2e: ConsoleE2e;
  let p: TestPlatform;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    e2e = await startConsoleE2e();
    ({ p, browser, base } = e2e);
  });
  afterAll(() => e2e?.close());

  it('shows the original next to the translation, saves it, and updates the progress', async () => {
    const owner = await signup(p);
    const store = await createStore(p, owner.cookie);
    const api = (method: string, path: string, body?: unknown) =>
      p.request(method, `/api/v1/stores/${store.id}${path}`, { cookie: owner.cookie, ...(body === undefined ? {} : { body }) });
    expect((await api('PUT', '/settings', { languages: ['en', 'de'] })).status).toBe(200);
    const shirt = await createProduct(p, owner.cookie, store.id, {
      title: 'Linen shirt',
      description: '<p>Cool in summer.</p>',
      options: [{ name: 'Size', values: ['Small', 'Large'] }],
      variants: [
        { sku: 'LS-S', price: 4500, inventoryQuantity: 3, options: { Size: 'Small' } },
        { sku: 'LS-L', price: 4500, inventoryQuantity: 3, options: { Size: 'Large' } },
      ],
    });

    await createProduct(p, owner.cookie, store.id, { title: 'Wool scarf', description: '<p>Warm in winter.</p>' });

    const ctx = await browser.newContext({ viewport: VIEWPORTS.desktop, locale: 'en-US' });
    const [name, value] = owner.cookie.split('=') as [string, string];
    await ctx.addCookies([{ name, value, url: base }]);
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/stores/${store.id}/translations`);
    const progress = page.getByTestId('translation-progress');
    await progress.getByText('Deutsch').waitFor();
    const before = await progress.textContent();
    expect(before).toMatch(/0 of \d+ texts \(0 %\)/);

    const fields = page.getByTestId('translation-fields');
    await fields.waitFor();
    // The item is a searchable picker (the store's items can be many): find the shirt by name.
    const item = page.getByRole('combobox', { name: 'Item' });
    await item.fill('linen');
    const items = page.getByRole('listbox', { name: 'Item' }).getByRole('option');
    await items.filter({ hasText: 'Linen shirt' }).waitFor();
    expect(await items.count()).toBe(1);
    await item.press('Enter');
    expect(await item.inputValue()).toBe('Linen shirt');
    await fields.getByText('Cool in summer.').waitFor();
    await page.getByLabel('Title', { exact: true }).fill('Leinenhemd');
    await page.getByLabel('Option “Size”').fill('Größe');
    await page.getByLabel('Size: “Small”').fill('Klein');
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Translation saved').waitFor();
    await progress.getByText(/3 of \d+ texts/).waitFor();

    const tr = (await api('GET', `/products/${shirt.id}/translations`)).body.data[0];
    expect(tr.locale).toBe('de');
    expect(tr.fields).toMatchObject({ title: 'Leinenhemd', description: null, options: { Size: { name: 'Größe', values: { Small: 'Klein' } } } });

    // The store's name is one of the kinds.
    await page.getByLabel('Content').selectOption('store');
    await fields.getByText(`Store ${store.slug}`).waitFor();

    await page.getByLabel('Content').selectOption('product');
    await item.fill('scarf');
    await page
      .getByRole('listbox', { name: 'Item' })
      .getByRole('option', { name: /Wool scarf/ })
      .click();
    await fields.getByText('Warm in winter.').waitFor();
    await item.fill('shirt');
    await page
      .getByRole('listbox', { name: 'Item' })
      .getByRole('option', { name: /Linen shirt/ })
      .click();
    await fields.getByText('Cool in summer.').waitFor();
    const dismiss = page.getByRole('button', { name: 'Dismiss' });
    while ((await dismiss.count()) > 0) await dismiss.first().click();
    for (const [vp, viewport] of Object.entries(VIEWPORTS)) {
      await page.setViewportSize(viewport);
      await page.screenshot({ path: artifactPath(`console-translations-${vp}.png`), fullPage: true });
      expect(await axeViolations(page)).toEqual([]);
    }
    expect(errors).toEqual([]);
    await ctx.close();
  });
});
