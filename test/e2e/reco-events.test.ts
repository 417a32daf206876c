/**
 * Recommendation events from the real storefront pages in Chromium: the
 * product page sends `view`, add-to-cart sends `add_to_cart`, recommendation
 * slots send `impression` (when scrolled into view) and `click`, all under a
 * first-party session id cookie, into that store's own tables. With
 * Do-Not-Track the page sends nothing and sets no cookie; with Global Privacy
 * Control only as a header, the server stores nothing.
 */
import { createLogger } from '@storeloom/log';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorefrontApp } from '../../apps/storefront/src/app.ts';
import { artifactPath, launchChromium, serveOnFreePort, VIEWPORTS } from '../helpers/browser.ts';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

type EventRow = { kind: string; session_id: string | null; product_id: string | null; variant_id: string | null; quantity: number | null; slot: string | null };

describe('storefront recommendation events in Chromium', { timeout: 240_000 }, () => {
  let p: TestPlatform;
  let browser: Browser;
  let sf: { port: number; close(): Promise<void> };
  let owner: string;
  let a: { id: string; slug: string; schema: string };
  let b: { id: string; slug: string; schema: string };
  let shirt: { id: string; variants: { id: string }[] };
  let mug: { id: string };
  let tote: { id: string };

  const url = (store: { slug: string }, path: string) => `http://${store.slug}.localhost:${sf.port}${path}`;
  const events = (store: { schema: string }): Promise<EventRow[]> =>
    p.db.tenant(store.schema).selectFrom('reco_events').select(['kind', 'session_id', 'product_id', 'variant_id', 'quantity', 'slot']).orderBy('id').execute();
  /** Waits (polling the store's table) until `pred` holds for its events; the requests are fire-and-forget. */
  const eventsUntil = async (store: { schema: string }, pred: (rows: EventRow[]) => boolean): Promise<EventRow[]> => {
    for (let i = 0; i < 200; i++) {
      const rows = await events(store);
      if (pred(rows)) return rows;
      await new Promise((r) => setTimeout(r, 100));
    }
    return events(store);
  };
  const hydrated = (page: Page) => page.waitForFunction(() => (window as unknown as { _$HY?: unknown })._$HY !== undefined && document.querySelector('.buy'));
  const schemaOf = async (id: string) =>
    (await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', id).executeTakeFirstOrThrow()).schema_name;

  beforeAll(async () => {
    p = await startTestPlatform();
    const logger = createLogger({ level: 'silent' });
    sf = await serveOnFreePort(
      createStorefrontApp(p.db, logger, {
        rootDomain: 'localhost',
        queues: p.queues,
        secret: 'e2e-secret-0123456789abcdef0123456789',
        pageCacheTtlMs: 0,
        storeCacheTtlMs: 0,
      }).fetch,
    );
    owner = (await signup(p)).cookie;
    const sa = await createStore(p, owner);
    const sb = await createStore(p, owner);
    a = { ...sa, schema: await schemaOf(sa.id) };
    b = { ...sb, schema: await schemaOf(sb.id) };
    shirt = await createProduct(p, owner, a.id, {
      title: 'Linen Shirt',
      productType: 'Shirts',
      options: [{ name: 'Size', values: ['S', 'M'] }],
      variants: [
        { sku: 'LS-S', price: 5900, inventoryQuantity: 4, options: { Size: 'S' } },
        { sku: 'LS-M', price: 6400, inventoryQuantity: 6, options: { Size: 'M' } },
      ],
    });
    mug = await createProduct(p, owner, a.id, {
      title: 'Stoneware Mug',
      productType: 'Kitchen',
      variants: [{ sku: 'MUG-1', price: 1800, inventoryQuantity: 5 }],
    });
    tote = await createProduct(p, owner, a.id, { title: 'Canvas Tote', productType: 'Bags', variants: [{ sku: 'TOTE-1', price: 2500, inventoryQuantity: 9 }] });
    await createProduct(p, owner, b.id, { title: 'Jasmine Tea', variants: [{ sku: 'JT-1', price: 8800, inventoryQuantity: 20 }] });
    browser = await launchChromium();
  });
  // Closing Chromium, the server and the test database took over 2 min at load average 28 on the 2 shared cores.
  afterAll(async () => {
    await browser?.close();
    await sf?.close();
    await p?.close();
  }, 300_000);

  it('stores view, add_to_cart, impression and click events under a first-party session cookie', async () => {
    const context = await browser.newContext({ viewport: VIEWPORTS.phone });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(url(a, '/products/linen-shirt'));
    await hydrated(page);
    let rows = await eventsUntil(a, (r) => r.some((e) => e.kind === 'view'));
    expect(rows).toEqual([
      { kind: 'view', session_id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/), product_id: shirt.id, variant_id: null, quantity: null, slot: null },
    ]);
    const cookie = (await context.cookies()).find((c) => c.name === 'sf_sid');
    expect(cookie?.value).toBe(rows[0]?.session_id);
    expect(cookie).toMatchObject({ sameSite: 'Lax', path: '/' });
    expect(cookie?.domain).toBe(`${a.slug}.localhost`);
    // The slot is below the fold on a phone: no impression until it is scrolled into view.
    expect(rows.filter((e) => e.kind === 'impression')).toEqual([]);

    await page.getByRole('link', { name: 'M', exact: true }).click();
    await page.fill('input[name=quantity]', '2');
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.getByText('Added to your cart').waitFor();
    rows = await eventsUntil(a, (r) => r.some((e) => e.kind === 'add_to_cart'));
    expect(rows.filter((e) => e.kind === 'add_to_cart')).toEqual([
      { kind: 'add_to_cart', session_id: cookie?.value, product_id: shirt.id, variant_id: shirt.variants[1]?.id, quantity: 2, slot: null },
    ]);

    // The "also bought" slot of an untrained store (same collection, then newest): impressions once visible.
    const slot = page.locator('[data-reco-slot=product]');
    await slot.scrollIntoViewIfNeeded();
    rows = await eventsUntil(a, (r) => r.filter((e) => e.kind === 'impression').length >= 2);
    const impressions = rows.filter((e) => e.kind === 'impression');
    expect(impressions.map((e) => e.product_id).sort()).toEqual([mug.id, tote.id].sort());
    expect(impressions.every((e) => e.slot === 'product' && e.session_id === cookie?.value)).toBe(true);
    await page.screenshot({ path: artifactPath('reco-slot-phone.png'), fullPage: true });

    await slot.getByRole('link', { name: /Canvas Tote/ }).click();
    await page.waitForURL(/\/products\/canvas-tote/);
    rows = await eventsUntil(a, (r) => r.some((e) => e.kind === 'click') && r.filter((e) => e.kind === 'view').length >= 2);
    expect(rows.filter((e) => e.kind === 'click')).toEqual([
      { kind: 'click', session_id: cookie?.value, product_id: tote.id, variant_id: null, quantity: null, slot: 'product' },
    ]);
    expect(rows.filter((e) => e.kind === 'view').map((e) => e.product_id)).toEqual([shirt.id, tote.id]);

    // The cart's add-ons slot reports its impressions under slot "cart".
    await page.goto(url(a, '/cart'));
    await page.locator('[data-reco-slot=cart]').scrollIntoViewIfNeeded();
    rows = await eventsUntil(a, (r) => r.some((e) => e.kind === 'impression' && e.slot === 'cart'));
    expect(rows.filter((e) => e.slot === 'cart').map((e) => e.product_id)).not.toContain(shirt.id);
    expect(rows.filter((e) => e.slot === 'cart').length).toBeGreaterThan(0);

    // Only this store's tables got events; the other store has none.
    expect(await events(b)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  const countEventRequests = (context: BrowserContext) => {
    const sent: string[] = [];
    context.on('request', (r) => {
      if (r.url().includes('/api/storefront/v1/events')) sent.push(r.url());
    });
    return sent;
  };

  it('sends nothing and sets no id cookie when the browser says Do-Not-Track', async () => {
    await p.db.tenant(a.schema).deleteFrom('reco_events').execute();
    const context = await browser.newContext({ viewport: VIEWPORTS.desktop, extraHTTPHeaders: { DNT: '1' } });
    await context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'doNotTrack', { get: () => '1' }));
    const sent = countEventRequests(context);
    const page = await context.newPage();
    await page.goto(url(a, '/products/linen-shirt'));
    await hydrated(page);
    expect(await page.evaluate(() => navigator.doNotTrack)).toBe('1');
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.getByText('Added to your cart').waitFor();
    await page.locator('[data-reco-slot=product]').scrollIntoViewIfNeeded();
    await page
      .locator('[data-reco-slot=product]')
      .getByRole('link', { name: /Stoneware Mug/ })
      .click();
    await page.waitForURL(/\/products\/stoneware-mug/);
    await hydrated(page);
    // A page without DNT in the same store, as a marker: once its view is stored, the DNT page's requests (if any) would be too.
    const marker = await browser.newPage();
    await marker.goto(url(a, '/products/canvas-tote'));
    await hydrated(marker);
    const rows = await eventsUntil(a, (r) => r.length > 0);
    await marker.close();
    expect(rows.map((e) => [e.kind, e.product_id])).toEqual([['view', tote.id]]);
    expect(sent).toEqual([]);
    expect((await context.cookies()).map((c) => c.name)).not.toContain('sf_sid');
    // The cart itself still works.
    expect((await context.cookies()).map((c) => c.name)).toContain('sf_cart');
    await context.close();
  });

  it('stores nothing when the request carries Sec-GPC: 1 (server side)', async () => {
    await p.db.tenant(a.schema).deleteFrom('reco_events').execute();
    const context = await browser.newContext({ viewport: VIEWPORTS.desktop, extraHTTPHeaders: { 'Sec-GPC': '1' } });
    const page = await context.newPage();
    const answered = page.waitForResponse((r) => r.url().includes('/api/storefront/v1/events'));
    await page.goto(url(a, '/products/stoneware-mug'));
    await hydrated(page);
    // The page (navigator.globalPrivacyControl unset here) sent its view; the server answered 204 and kept nothing.
    expect((await answered).status()).toBe(204);
    const marker = await browser.newPage();
    await marker.goto(url(a, '/products/canvas-tote'));
    const rows = await eventsUntil(a, (r) => r.length > 0);
    await marker.close();
    expect(rows.map((e) => [e.kind, e.product_id])).toEqual([['view', tote.id]]);
    await context.close();
  });
});
