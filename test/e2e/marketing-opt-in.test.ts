/**
 * Marketing mail opt-in in Chromium (issue 22): the checkout's "Email me with news and offers" box is unticked,
 * reachable and labelled at 1280 and 390 px (screenshots, axe: no serious/critical violation); ticking it and placing
 * the order records the consent; the account page shows the choice and withdraws it (screenshot, axe).
 */
import { createLogger } from '@storeloom/log';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorefrontApp } from '../../apps/storefront/src/app.ts';
import { axeViolations } from '../helpers/axe.ts';
import { artifactPath, launchChromium, serveOnFreePort, VIEWPORTS } from '../helpers/browser.ts';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

describe('marketing mail opt-in in Chromium', { timeout: 240_000 }, () => {
  let p: TestPlatform;
  let browser: Browser;
  let sf: { port: number; close(): Promise<void> };
  let store: { id: string; slug: string; schema: string };

  const url = (path: string) => `http://${store.slug}.localhost:${sf.port}${path}`;
  const consents = (email: string) =>
    p.db.tenant(store.schema).selectFrom('consents').select(['choices', 'source']).where('email', '=', email).orderBy('created_at').execute();

  beforeAll(async () => {
    p = await startTestPlatform();
    sf = await serveOnFreePort(
      createStorefrontApp(p.db, createLogger({ level: 'silent' }), {
        rootDomain: 'localhost',
        queues: p.queues,
        mail: p.services.mail,
        secret: 'e2e-marketing-0123456789abcdef0123456789',
        pageCacheTtlMs: 0,
        storeCacheTtlMs: 0,
      }).fetch,
    );
    const owner = (await signup(p)).cookie;
    const s = await createStore(p, owner);
    store = { ...s, schema: (await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', s.id).executeTakeFirstOrThrow()).schema_name };
    await createProduct(p, owner, store.id, { title: 'Linen Shirt', variants: [{ sku: 'LS-1', price: 5900, inventoryQuantity: 40 }] });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await sf?.close();
    await p?.close();
  }, 300_000);

  it('checkout: unticked box at 1280 and 390 px (axe clean); ticked and placed, the consent is recorded', async () => {
    for (const [name, viewport] of Object.entries(VIEWPORTS)) {
      const page = await browser.newPage({ viewport });
      await page.goto(url('/products/linen-shirt'));
      await page.waitForFunction(() => (window as unknown as { _$HY?: unknown })._$HY !== undefined);
      await page.getByRole('button', { name: 'Add to cart' }).click();
      await page.getByText('Added to your cart').waitFor();
      await page.goto(url('/checkout'));
      const box = page.getByLabel('Email me with news and offers');
      expect(await box.isChecked()).toBe(false);
      await page.getByLabel('E-mail', { exact: true }).fill(`buyer-${name}@example.com`);
      await box.check();
      await page.screenshot({ path: artifactPath(`marketing-opt-in-checkout-${name}.png`), fullPage: true });
      expect(await axeViolations(page)).toEqual([]);
      if (name === 'phone') {
        // The box sits in the contact section, fully inside the phone's width.
        const b = await page.locator('.marketing-opt-in').boundingBox();
        expect(b && b.x >= 0 && b.x + b.width <= 390).toBe(true);
        await page.locator('input[name=name]').fill('Ada Shopper');
        await page.locator('input[name=line1]').fill('1 Main St');
        await page.locator('input[name=city]').fill('Springfield');
        await page.locator('input[name=postalCode]').fill('12345');
        await page.locator('select[name=country]').selectOption('US');
        await Promise.all([page.waitForURL(/\/checkout\/pay\//), page.locator('form.checkout-form button[type=submit]').click()]);
        expect(await consents('buyer-phone@example.com')).toEqual([{ choices: { marketing: true }, source: 'checkout' }]);
      }
      await page.close();
    }
  });

  it('account: the choice shown and withdrawn (axe clean at 390 px)', async () => {
    const page = await browser.newPage({ viewport: VIEWPORTS.phone });
    await page.goto(url('/account/register'));
    await page.getByLabel('Name').fill('Ada Member');
    await page.getByLabel('E-mail', { exact: true }).fill('member@example.com');
    await page.getByLabel('Password').fill('a long shopper passphrase');
    expect(await page.getByLabel('Email me with news and offers').isChecked()).toBe(false);
    await page.getByLabel('Email me with news and offers').check();
    expect(await axeViolations(page)).toEqual([]);
    await Promise.all([page.waitForNavigation(), page.locator('form[action="/account/register"] button[type=submit]').click()]);
    await page.goto(url('/account'));
    expect(await page.getByLabel('Email me with news and offers').isChecked()).toBe(true);
    await page.getByLabel('Email me with news and offers').uncheck();
    await Promise.all([page.waitForURL(/notice=marketing-saved/), page.getByRole('button', { name: 'Save my choice' }).click()]);
    expect(await page.getByTestId('marketing-status').textContent()).toContain('do not get');
    await page.screenshot({ path: artifactPath('marketing-opt-in-account-phone.png'), fullPage: true });
    expect(await axeViolations(page)).toEqual([]);
    expect((await consents('member@example.com')).map((c) => c.source)).toEqual(['registration', 'account']);
    await page.close();
  });
});
