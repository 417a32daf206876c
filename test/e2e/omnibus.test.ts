/**
 * The EU price-reduction rule on the storefront (issue 22, Omnibus), in real Chromium over real Postgres: a coat
 * whose price was 99.00, raised to 120.00 and then reduced to 89.00 (compare-at 120.00) shows "Lowest price in the
 * last 30 days: €99.00" next to the struck-through price on the product page, its collection card, the home page
 * card and the cart line, in the shopper's market currency (CHF) and language; a product without a reduction shows
 * no such line; JSON-LD offers carry only the price charged; the Storefront API product payload has the field. Screenshots at 1280 and 390 px, axe clean.
 */
import { recordPriceChanges } from '@storeloom/catalog';
import { createLogger } from '@storeloom/log';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorefrontApp } from '../../apps/storefront/src/app.ts';
import { axeViolations } from '../helpers/axe.ts';
import { artifactPath, launchChromium, serveOnFreePort, VIEWPORTS } from '../helpers/browser.ts';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

const DAY = 86_400_000;

describe('lowest price of the last 30 days on the storefront', { timeout: 240_000 }, () => {
  let p: TestPlatform;
  let browser: Browser;
  let sf: { port: number; close(): Promise<void> };
  let app: ReturnType<typeof createStorefrontApp>;
  let store: { id: string; slug: string };
  let coat: { id: string; handle: string; variants: { id: string }[] };
  let tee: { id: string; handle: string; variants: { id: string }[] };
  let collectionHandle: string;
  const url = (path: string) => `http://${store.slug}.localhost:${sf.port}${path}`;
  const html = async (path: string, cookie?: string) => {
    const host = `${store.slug}.localhost`;
    const res = await app.request(`http://${host}${path}`, { headers: { host, ...(cookie ? { cookie } : {}) } });
    expect(res.status, path).toBe(200);
    return (await res.text()).replace(/ data-hk="[^"]*"/g, '').replace(/<!--[$/!]*-->/g, '');
  };
  const LINE = 'Lowest price in the last 30 days: €99.00';

  beforeAll(async () => {
    p = await startTestPlatform();
    app = createStorefrontApp(p.db, createLogger({ level: 'silent' }), {
      rootDomain: 'localhost',
      queues: p.queues,
      secret: 'omnibus-secret-0123456789abcdef0123456789',
      pageCacheTtlMs: 0,
      storeCacheTtlMs: 0,
    });
    sf = await serveOnFreePort(app.fetch);
    const { cookie } = await signup(p);
    store = await createStore(p, cookie, undefined, 'EUR');
    expect((await p.request('PUT', `/api/v1/stores/${store.id}/settings`, { cookie, body: { country: 'DE', languages: ['en', 'de'] } })).status).toBe(200);
    const market = await p.request('POST', `/api/v1/stores/${store.id}/markets`, {
      cookie,
      body: { name: 'Switzerland', countries: ['CH'], currency: 'CHF', exchangeRate: '0.9412', roundingIncrement: 5, taxInclusive: true, languages: ['de'] },
    });
    expect(market.status, market.text).toBe(201);
    coat = await createProduct(p, cookie, store.id, {
      title: 'Wool Coat',
      productType: 'Coats',
      variants: [{ sku: 'COAT-1', price: 12000, inventoryQuantity: 5 }],
    });
    tee = await createProduct(p, cookie, store.id, {
      title: 'Plain Tee',
      productType: 'Tops',
      variants: [{ sku: 'TEE-1', price: 2500, inventoryQuantity: 5 }],
    });
    // The coat's past: 99.00 from 40 days ago, raised to 120.00 20 days ago (through the one history writer).
    const { schema_name } = await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', store.id).executeTakeFirstOrThrow();
    const t = p.db.tenant(schema_name);
    const variantId = coat.variants[0]?.id as string;
    await t.deleteFrom('variant_price_history').where('variant_id', '=', variantId).execute();
    await recordPriceChanges(t, [{ variantId, price: 9900 }], 'edit', new Date(Date.now() - 40 * DAY));
    await recordPriceChanges(t, [{ variantId, price: 12000 }], 'edit', new Date(Date.now() - 20 * DAY));
    // Today the merchant reduces it to 89.00 and shows 120.00 as the previous price (the console's product edit).
    const current = (await p.request('GET', `/api/v1/stores/${store.id}/products/${coat.id}`, { cookie })).body;
    const edit = await p.request('PATCH', `/api/v1/stores/${store.id}/products/${coat.id}`, {
      cookie,
      body: { version: current.version, variants: [{ id: variantId, price: 8900, compareAtPrice: 12000 }] },
    });
    expect(edit.status, edit.text).toBe(200);
    const coll = await p.request('POST', `/api/v1/stores/${store.id}/collections`, { cookie, body: { title: 'Winter', productIds: [coat.id, tee.id] } });
    expect(coll.status, coll.text).toBe(201);
    collectionHandle = coll.body.handle;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await sf?.close();
    await p?.close();
  });

  it('server-rendered: product page, cards and the market currency; no line without a reduction; JSON-LD only the price', async () => {
    const product = await html(`/products/${coat.handle}`);
    expect(product).toContain(LINE);
    expect(product).toContain('€120.00');
    // Search engines get the price charged, never the previous or the lowest price as an offer.
    const ld = product.match(/<script type="application\/ld\+json">([\s\S]*?)<\/script>/)?.[1] ?? '';
    expect(ld).toContain('"price":"89.00"');
    expect(ld).not.toContain('99.00');
    expect(ld).not.toContain('120.00');
    // The tee shows no reduction: no line at its price (the coat among its related products keeps its own).
    const teePage = await html(`/products/${tee.handle}`);
    expect(teePage.match(/data-testid="product-price">([\s\S]*?)<\/div>/)?.[1]).not.toContain('Lowest price');
    const collection = await html(`/collections/${collectionHandle}`);
    expect(collection.match(/Lowest price in the last 30 days/g)?.length).toBe(1);
    expect(collection).toContain(LINE);
    expect(await html('/')).toContain(LINE);
    // Swiss shoppers: the history converted as the shown price is (99.00 × 0.9412 = 93.18 → 93.20), in German.
    const swiss = await html(`/de/products/${coat.handle}`, 'sf_country=CH');
    expect(swiss).toMatch(/Niedrigster Preis der letzten 30 Tage: 93,20\sCHF/);
    expect(swiss).toMatch(/83,75\sCHF/);
  });

  it('the Storefront API product payload carries lowestPriceInLast30Days, in the market asked for, only with a reduction', async () => {
    const host = `${store.slug}.localhost`;
    const get = async (path: string) => {
      const res = await app.request(`http://${host}/api/storefront/v1${path}`, { headers: { host } });
      expect(res.status, path).toBe(200);
      return (await res.json()) as { currency: string; variants: { price: number; compareAtPrice: number | null; lowestPriceInLast30Days: number | null }[] };
    };
    const eur = await get(`/products/${coat.handle}`);
    expect(eur.currency).toBe('EUR');
    expect(eur.variants[0]).toMatchObject({ price: 8900, compareAtPrice: 12000, lowestPriceInLast30Days: 9900 });
    const chf = await get(`/products/${coat.handle}?country=CH`);
    expect(chf.currency).toBe('CHF');
    expect(chf.variants[0]).toMatchObject({ price: 8375, compareAtPrice: 11295, lowestPriceInLast30Days: 9320 });
    expect((await get(`/products/${tee.handle}`)).variants[0]?.lowestPriceInLast30Days).toBeNull();
    const doc = (await (await app.request(`http://${host}/api/storefront/v1/openapi.json`, { headers: { host } })).json()) as {
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    };
    expect(JSON.stringify(doc.components.schemas.Product)).toContain('lowestPriceInLast30Days');
    const missing = await app.request(`http://${host}/api/storefront/v1/products/no-such-thing`, { headers: { host } });
    expect(missing.status).toBe(404);
  });

  const shoot = async (page: Page, name: string) => {
    await page.screenshot({ path: artifactPath(`omnibus-${name}.png`), fullPage: true });
    const violations = await axeViolations(page);
    expect(violations, `accessibility of omnibus-${name}: ${violations.join('; ')}`).toEqual([]);
  };

  for (const [name, viewport] of Object.entries(VIEWPORTS)) {
    it(`in Chromium at ${viewport.width} px: product page, collection card and cart line show the lowest price`, async () => {
      const ctx = await browser.newContext({ viewport });
      const page = await ctx.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(url(`/products/${coat.handle}`));
      await page.getByRole('heading', { name: 'Wool Coat' }).waitFor();
      await expect(page.locator('main .lowest-30').first().textContent()).resolves.toBe(LINE);
      await shoot(page, `product-${name}`);
      await page.goto(url(`/collections/${collectionHandle}`));
      await expect(page.locator('.card .lowest-30').count()).resolves.toBe(1);
      await shoot(page, `collection-${name}`);
      await page.goto(url(`/products/${coat.handle}`));
      await page.getByRole('button', { name: 'Add to cart' }).click();
      await page.getByText('Added to your cart').waitFor();
      await page.goto(url('/cart'));
      await expect(page.locator('.lines .lowest-30').textContent()).resolves.toBe(LINE);
      await shoot(page, `cart-${name}`);
      expect(errors).toEqual([]);
      await ctx.close();
    });
  }
});
