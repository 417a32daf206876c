/**
 * The consent banner in Chromium (issue 22): absent while the store uses nothing optional; shown at 1280 and 390 px
 * once it turns on recommendation tracking and analytics (screenshots, axe: no serious/critical violation);
 * customise by keyboard; rejecting keeps the event id a session cookie, accepting makes it last 180 days; a browser
 * with Global Privacy Control (navigator.globalPrivacyControl and Sec-GPC) sees no banner, its refusal is recorded,
 * and no tracking request leaves the page.
 */
import { createLogger } from '@storeloom/log';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorefrontApp } from '../../apps/storefront/src/app.ts';
import { axeViolations } from '../helpers/axe.ts';
import { artifactPath, launchChromium, serveOnFreePort, VIEWPORTS } from '../helpers/browser.ts';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

describe('storefront consent banner in Chromium', { timeout: 240_000 }, () => {
  let p: TestPlatform;
  let browser: Browser;
  let sf: { port: number; close(): Promise<void> };
  let owner: string;
  let store: { id: string; slug: string; schema: string };

  const url = (path: string) => `http://${store.slug}.localhost:${sf.port}${path}`;
  const consents = () => p.db.tenant(store.schema).selectFrom('consents').select(['choices', 'signal', 'version']).orderBy('created_at').execute();
  const hydrated = (page: Page) => page.waitForFunction(() => (window as unknown as { _$HY?: unknown })._$HY !== undefined && document.querySelector('.buy'));

  beforeAll(async () => {
    p = await startTestPlatform();
    sf = await serveOnFreePort(
      createStorefrontApp(p.db, createLogger({ level: 'silent' }), {
        rootDomain: 'localhost',
        queues: p.queues,
        secret: 'e2e-consent-0123456789abcdef0123456789',
        pageCacheTtlMs: 0,
        storeCacheTtlMs: 0,
      }).fetch,
    );
    owner = (await signup(p)).cookie;
    const s = await createStore(p, owner);
    store = { ...s, schema: (await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', s.id).executeTakeFirstOrThrow()).schema_name };
    await createProduct(p, owner, store.id, { title: 'Linen Shirt', variants: [{ sku: 'LS-1', price: 5900, inventoryQuantity: 4 }] });
    await createProduct(p, owner, store.id, { title: 'Stoneware Mug', variants: [{ sku: 'MUG-1', price: 1800, inventoryQuantity: 5 }] });
    const policy = await p.request('PATCH', `/api/v1/stores/${store.id}/policies`, {
      cookie: owner,
      body: { privacy: { fields: { controllerName: 'Linen Ltd', contactEmail: 'privacy@linen.example' } } },
    });
    expect(policy.status, policy.text).toBe(200);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await sf?.close();
    await p?.close();
  }, 300_000);

  it('shows no banner while the store uses nothing optional', async () => {
    const page = await browser.newPage({ viewport: VIEWPORTS.desktop });
    await page.goto(url('/products/linen-shirt'));
    await hydrated(page);
    expect(await page.getByTestId('consent-banner').count()).toBe(0);
    await page.close();
  });

  it('asks at 1280 and 390 px (axe clean), customises by keyboard, and keeps the event id per session unless accepted', async () => {
    const on = await p.request('PATCH', `/api/v1/stores/${store.id}/privacy-settings`, {
      cookie: owner,
      body: { recommendationTracking: true, analytics: true },
    });
    expect(on.status, on.text).toBe(200);
    for (const [name, viewport] of Object.entries(VIEWPORTS)) {
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      await page.goto(url('/products/linen-shirt'));
      await hydrated(page);
      const banner = page.getByRole('region', { name: 'Your privacy choices' });
      await banner.waitFor();
      expect(await banner.getByRole('button', { name: 'Accept all' }).isVisible()).toBe(true);
      expect(await banner.getByRole('button', { name: 'Reject optional' }).isVisible()).toBe(true);
      await page.screenshot({ path: artifactPath(`consent-banner-${name}.png`) });
      await banner.getByText('Customise').click();
      await page.screenshot({ path: artifactPath(`consent-banner-customise-${name}.png`) });
      expect(await axeViolations(page)).toEqual([]);
      await context.close();
    }

    // Customise by keyboard: analytics only.
    const context = await browser.newContext({ viewport: VIEWPORTS.desktop });
    const page = await context.newPage();
    await page.goto(url('/products/linen-shirt'));
    await hydrated(page);
    // The page (no decision yet) sets its event id as a session cookie.
    await expect.poll(async () => (await context.cookies()).find((c) => c.name === 'sf_sid')?.expires, { timeout: 10_000 }).toBe(-1);
    await page.getByText('Customise').focus();
    await page.keyboard.press('Enter');
    await page.getByLabel('Analytics of what you search for and open').focus();
    await page.keyboard.press('Space');
    await page.getByRole('button', { name: 'Save my choices' }).focus();
    // The form posts and comes back to the same URL: wait for the page that no longer asks (a URL wait would
    // resolve at once, before the decision is even sent).
    await page.keyboard.press('Enter');
    await page.getByTestId('consent-banner').waitFor({ state: 'detached' });
    expect(await page.getByTestId('consent-banner').count()).toBe(0);
    expect((await consents()).at(-1)).toMatchObject({ signal: null, choices: { recommendations: false, analytics: true, marketing: false } });
    // Reopened from the footer: accept all, then the event id lasts 180 days.
    await page.getByRole('link', { name: 'Privacy choices' }).click();
    await page.getByRole('button', { name: 'Accept all' }).click();
    await page.getByTestId('consent-banner').waitFor({ state: 'detached' });
    await hydrated(page);
    await page.evaluate(() => {
      // biome-ignore lint/suspicious/noDocumentCookie: the test drops the session id so the page mints a new one
      document.cookie = 'sf_sid=; Path=/; Max-Age=0';
    });
    await page.reload();
    await hydrated(page);
    await expect
      .poll(async () => (await context.cookies()).find((c) => c.name === 'sf_sid')?.expires ?? -1, { timeout: 10_000 })
      .toBeGreaterThan(Date.now() / 1000 + 170 * 86_400);
    expect((await consents()).at(-1)).toMatchObject({ choices: { recommendations: true, analytics: true, marketing: true } });
    await context.close();
  });

  it('honours Global Privacy Control: no banner, the refusal recorded, no tracking request', async () => {
    const before = (await consents()).length;
    const context = await browser.newContext({ viewport: VIEWPORTS.phone, extraHTTPHeaders: { 'Sec-GPC': '1' } });
    await context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true }));
    const sent: string[] = [];
    context.on('request', (r) => {
      if (r.url().includes('/api/storefront/v1/events')) sent.push(r.url());
    });
    const page = await context.newPage();
    await page.goto(url('/products/linen-shirt'));
    await hydrated(page);
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.getByText('Added to your cart').waitFor();
    expect(await page.getByTestId('consent-banner').count()).toBe(0);
    await page.screenshot({ path: artifactPath('consent-gpc-phone.png') });
    const rows = await consents();
    expect(rows.length).toBe(before + 1);
    expect(rows.at(-1)).toMatchObject({ signal: 'gpc', choices: { recommendations: false, analytics: false, marketing: false } });
    expect(sent).toEqual([]);
    expect((await context.cookies()).map((c) => c.name)).not.toContain('sf_sid');
    // The privacy policy lists exactly what is on, including the consent records.
    await page.goto(url('/policies/privacy-policy'));
    const practices = await page.locator('[data-practice]').evaluateAll((els) => els.map((e) => e.getAttribute('data-practice')));
    expect(practices).toEqual([
      'orders',
      'essentialCookies',
      'recommendationTracking',
      'analytics',
      'marketingEmails',
      'consentRecords',
      'abandonedCartReminders',
    ]);
    await context.close();
  });
});
