/**
 * The storefront's open redirects from the security review (issue 15), in real Chromium: what matters is where
 * the browser lands after it has normalised the Location itself (backslashes, tabs, CR/LF). Any request that
 * reaches evil.example is answered by an intercept so a redirect that escapes is seen as a page on that host.
 */
import { createLogger } from '@storeloom/log';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorefrontApp } from '../../apps/storefront/src/app.ts';
import { launchChromium, serveOnFreePort } from '../helpers/browser.ts';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

describe('storefront redirects in Chromium', { timeout: 180_000 }, () => {
  let p: TestPlatform;
  let browser: Browser;
  let sf: { port: number; close(): Promise<void> };
  let slug: string;
  const base = () => `http://${slug}.localhost:${sf.port}`;

  const newPage = async () => {
    const page = await browser.newPage();
    // Only requests to that host (the store URLs carry "evil.example" in their query string).
    await page.route(
      (url) => url.hostname === 'evil.example',
      (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<h1>evil</h1>' }),
    );
    return page;
  };
  /** The host the browser ended up on. */
  const landedOn = (page: Page) => new URL(page.url()).host;

  beforeAll(async () => {
    p = await startTestPlatform();
    sf = await serveOnFreePort(createStorefrontApp(p.db, createLogger({ level: 'silent' }), { rootDomain: 'localhost', pageCacheTtlMs: 0 }).fetch);
    const { cookie } = await signup(p);
    const store = await createStore(p, cookie);
    slug = store.slug;
    await createProduct(p, cookie, store.id, { title: 'Sencha', variants: [{ sku: 'SE-1', price: 900, inventoryQuantity: 3 }] });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await sf?.close();
    await p?.close();
  });

  it('keeps the language switch on the store for backslash, tab and newline targets', async () => {
    const page = await newPage();
    for (const to of ['/%5Cevil.example/x', '/%09/evil.example/y', '/%0a/evil.example/w', '/%5C%5Cevil.example', '//evil.example/v']) {
      await page.goto(`${base()}/lang/en?to=${to}`);
      expect(landedOn(page), to).toBe(`${slug}.localhost:${sf.port}`);
      expect(await page.locator('h1').first().textContent(), to).not.toBe('evil');
    }
    // A real path still works.
    await page.goto(`${base()}/lang/en?to=/products/sencha`);
    expect(new URL(page.url()).pathname).toBe('/products/sencha');
    await page.close();
  });

  it('keeps sign-in on the store for a crafted next, and a newline in next is no error', async () => {
    const page = await newPage();
    await page.goto(`${base()}/account/register`);
    await page.locator('input[name=name]').fill('Ada');
    await page.locator('input[name=email]').fill('ada-redirect@example.com');
    await page.locator('input[name=password]').fill('a long enough password');
    await page.locator('main form button[type=submit]').click();
    await page.waitForURL(/\/account$/);
    for (const next of ['/%09/evil.example/z', '/%5Cevil.example/z', '/%0a/evil.example']) {
      await page.context().clearCookies();
      const res = await page.goto(`${base()}/account/login?next=${next}`);
      expect(res?.status()).toBe(200);
      await page.locator('input[name=email]').fill('ada-redirect@example.com');
      await page.locator('input[name=password]').fill('a long enough password');
      const [nav] = await Promise.all([page.waitForNavigation(), page.locator('main form button[type=submit]').click()]);
      expect(nav?.status(), next).toBeLessThan(500);
      expect(landedOn(page), next).toBe(`${slug}.localhost:${sf.port}`);
    }
    await page.close();
  });
});
