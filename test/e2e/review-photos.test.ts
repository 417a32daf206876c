/**
 * Review photos in Chromium (issue 20): the shopper opens the signed review link on a phone (390 px), writes a review
 * and adds a photo; the merchant sees the thumbnail in the console's review moderation and publishes it; the product
 * page shows the photo under the review (lazy, sized, a link to the larger image). axe: 0 serious/critical on the
 * form, the console page and the product page; screenshots in test-artifacts/.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CartService, OrderService, parseSettings } from '@storeloom/commerce';
import { reviewLinkSignature } from '@storeloom/content';
import type { Browser } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations } from '../helpers/axe.ts';
import { artifactPath, VIEWPORTS } from '../helpers/browser.ts';
import { createProduct, createStore, signup, type TestPlatform } from '../helpers/platform.ts';
import { startConsoleE2e, type StorefrontE2e, type Served } from '../helpers/console-e2e.ts';

const SECRET = 'e2e-review-photos-secret-0123456789abcdef01';

describe('review photos in Chromium', { timeout: 300_000 }, () => {
  let e2e: StorefrontE2e;
  let p: TestPlatform;
  let browser: Browser;
  let sf: Served;
  let base: string;
  let uploads: string;

  beforeAll(async () => {
    uploads = await mkdtemp(join(tmpdir(), 'storeloom-review-photos-e2e-'));
    e2e = await startConsoleE2e({
      config: (base) => ({ storage: { driver: 'local', uploadsDir: uploads, mediaPublicUrl: `${base}/media` } }),
      storefront: (p) => ({ secret: SECRET, storage: p.services.storage }),
    });
    ({ p, browser, base, sf } = e2e);
  });
  afterAll(async () => {
    await e2e?.close();
    if (uploads) await rm(uploads, { recursive: true, force: true });
  });

  it('shopper adds a photo to a review on a phone, the merchant publishes it, the product page shows it', async () => {
    const owner = await signup(p);
    const store = await createStore(p, owner.cookie);
    const product = await createProduct(p, owner.cookie, store.id, { title: 'Clay Teapot', variants: [{ sku: 'TP-1', price: 4200, inventoryQuantity: 5 }] });
    const row = await p.db.control.selectFrom('stores').selectAll().where('id', '=', store.id).executeTakeFirstOrThrow();
    const t = p.db.tenant(row.schema_name);
    const carts = new CartService(t);
    const cart = await carts.findOrCreate(undefined);
    await carts.add(cart.id, product.variants[0].id, 1);
    const orders = new OrderService(t, { store: { id: store.id, name: row.name, currency: row.currency } });
    const address = { name: 'Mika Sato', line1: '1 Main St', line2: null, city: 'Osaka', postalCode: '530', region: null, country: 'JP', phone: null };
    const { order } = await orders.place({
      cartId: cart.id,
      email: 'mika@example.com',
      customerId: null,
      customerName: 'Mika',
      address,
      locale: 'en',
      settings: parseSettings([]),
    });
    await orders.confirmPayment(order.id, { provider: 'manual', reference: 'e2e', amount: order.total });
    await orders.fulfil(order.id, { trackingNumber: 'JP-1' });
    const photo = join(uploads, 'teapot.jpg');
    await writeFile(
      photo,
      await sharp({ create: { width: 800, height: 600, channels: 3, background: '#b5651d' } })
        .jpeg()
        .toBuffer(),
    );

    // The shopper, on a phone, through the signed link.
    const errors: string[] = [];
    const shopper = await browser.newPage({ viewport: VIEWPORTS.phone, locale: 'en-US' });
    shopper.on('pageerror', (e) => errors.push(e.message));
    const q = new URLSearchParams({ order: order.id, product: product.id, sig: reviewLinkSignature(SECRET, store.id, order.id, product.id) });
    await shopper.goto(`http://${store.slug}.localhost:${sf.port}/reviews/new?${q}`);
    await shopper.getByRole('heading', { name: 'Review Clay Teapot' }).waitFor();
    await shopper.getByLabel('5 stars').check();
    await shopper.getByLabel('Title').fill('Pours cleanly');
    await shopper.getByLabel('Your review').fill('No drips, keeps the tea warm.');
    await shopper.getByLabel('Your name (shown with the review)').fill('Mika Sato');
    await shopper.getByLabel('Photos (optional, up to 4)').setInputFiles(photo);
    expect(await axeViolations(shopper)).toEqual([]);
    await shopper.screenshot({ path: artifactPath('review-photos-form-phone.png'), fullPage: true });
    await shopper.getByRole('button', { name: 'Send review' }).click();
    await shopper.getByText('Thank you! Your review will appear once the store has checked it.').waitFor();
    expect(await axeViolations(shopper)).toEqual([]);

    // The merchant: the thumbnail in moderation, then publish.
    const ctx = await browser.newContext({ viewport: VIEWPORTS.desktop, locale: 'en-US' });
    const [name, value] = owner.cookie.split('=') as [string, string];
    await ctx.addCookies([{ name, value, url: base }]);
    const page = await ctx.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    const settled = () => page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'));
    await page.goto(`${base}/stores/${store.id}/reviews`);
    const list = page.getByTestId('review-list');
    const thumb = list.getByRole('img', { name: 'Photo 1 from the shopper' });
    await thumb.waitFor();
    await page.waitForFunction(() => Array.from(document.querySelectorAll('.review-photos img')).every((i) => (i as HTMLImageElement).naturalWidth > 0));
    await list.getByRole('button', { name: 'Remove photo 1' }).waitFor();
    await settled();
    expect(await axeViolations(page)).toEqual([]);
    for (const [vp, viewport] of Object.entries(VIEWPORTS)) {
      await page.setViewportSize(viewport);
      await page.screenshot({ path: artifactPath(`console-review-photos-${vp}.png`), fullPage: true });
    }
    await page.setViewportSize(VIEWPORTS.desktop);
    await list.getByRole('button', { name: 'Publish' }).click();
    await list.getByRole('button', { name: 'Hide' }).waitFor();

    // The product page: the photo under the review, sized up front, loaded lazily, a link to the larger image.
    await shopper.goto(`http://${store.slug}.localhost:${sf.port}/products/${product.handle}`);
    const reviews = shopper.getByTestId('product-reviews');
    const img = reviews.getByRole('img', { name: 'Photo 1 from Mika’s review' });
    await img.scrollIntoViewIfNeeded();
    await shopper.waitForFunction(() => {
      const i = document.querySelector('.review-photo img') as HTMLImageElement | null;
      return Boolean(i?.complete && i.naturalWidth > 0);
    });
    expect(await img.getAttribute('loading')).toBe('lazy');
    expect([await img.getAttribute('width'), await img.getAttribute('height')]).toEqual(['128', '96']);
    const link = reviews.getByRole('link', { name: 'Photo 1 from Mika’s review' });
    await link.focus();
    expect(await link.evaluate((el) => el === document.activeElement)).toBe(true);
    // The larger image, fetched by the page (the browser resolves *.localhost; Node does not).
    const href = (await link.getAttribute('href')) as string;
    expect(await shopper.evaluate(async (h) => (await fetch(h)).status, href)).toBe(200);
    expect(await axeViolations(shopper)).toEqual([]);
    await shopper.screenshot({ path: artifactPath('review-photos-product-phone.png'), fullPage: true });
    expect(errors).toEqual([]);
  });
});
