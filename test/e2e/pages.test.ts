/**
 * The pages the foundation serves, in real Chromium: the API reference, the
 * console landing page and a store's storefront on its *.localhost subdomain.
 * Screenshots at desktop and phone widths go to test-artifacts/.
 */
import { createStorefrontApp } from '../../apps/storefront/src/app.ts';
import { createLogger } from '@storeloom/log';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactPath, launchChromium, serveOnFreePort, VIEWPORTS } from '../helpers/browser.ts';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { createControlPlaneApp } from '../../apps/control-plane/src/app.ts';

describe('pages in Chromium', () => {
  let p: TestPlatform;
  let browser: Browser;
  let cp: { port: number; close(): Promise<void> };
  let sf: { port: number; close(): Promise<void> };
  let slug: string;

  beforeAll(async () => {
    p = await startTestPlatform();
    cp = await serveOnFreePort(createControlPlaneApp(p.services, createLogger({ level: 'silent' })).fetch);
    sf = await serveOnFreePort(createStorefrontApp(p.db, createLogger({ level: 'silent' }), { rootDomain: 'localhost' }).fetch);
    const { cookie } = await signup(p);
    const store = await createStore(p, cookie, undefined, 'GBP');
    slug = store.slug;
    await createProduct(p, cookie, store.id, { title: 'Earl Grey Tea', variants: [{ sku: 'EG-1', price: 650, inventoryQuantity: 3 }] });
    await createProduct(p, cookie, store.id, { title: 'Hidden Draft', status: 'draft', variants: [{ sku: 'HD-1', price: 100 }] });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await cp?.close();
    await sf?.close();
    await p?.close();
  });

  it('renders the API reference from the OpenAPI document', async () => {
    for (const [name, viewport] of Object.entries(VIEWPORTS)) {
      const page = await browser.newPage({ viewport });
      await page.goto(`http://localhost:${cp.port}/api/v1/docs`);
      await page.getByText('Create a store (provisions its own database schema)').waitFor();
      expect(await page.locator('.op').count()).toBeGreaterThan(20);
      await page.screenshot({ path: artifactPath(`api-docs-${name}.png`), fullPage: false });
      await page.close();
    }
  });

  it('shows the console landing page with working links', async () => {
    const page = await browser.newPage({ viewport: VIEWPORTS.desktop });
    await page.goto(`http://localhost:${cp.port}/`);
    await page.getByRole('link', { name: 'API reference' }).click();
    await page.waitForURL(/\/api\/v1\/docs$/);
    await page.close();
  });

  it('serves each store on its subdomain with only its active products', async () => {
    for (const [name, viewport] of Object.entries(VIEWPORTS)) {
      const page = await browser.newPage({ viewport });
      const res = await page.goto(`http://${slug}.localhost:${sf.port}/`);
      expect(res?.status()).toBe(200);
      await expect(page.getByText('Earl Grey Tea').count()).resolves.toBe(1);
      expect(await page.getByText('£6.50').count()).toBe(1);
      expect(await page.getByText('Hidden Draft').count()).toBe(0);
      await page.screenshot({ path: artifactPath(`storefront-home-${name}.png`) });
      await page.close();
    }
    const page = await browser.newPage();
    const missing = await page.goto(`http://no-such-store.localhost:${sf.port}/`);
    expect(missing?.status()).toBe(404);
    await page.getByText('Store not found').waitFor();
    await page.close();
  });
});
