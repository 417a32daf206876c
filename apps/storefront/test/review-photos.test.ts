/**
 * Photos on verified-buyer reviews over real Postgres, through the storefront
 * and the API in-process: the signed link's form takes up to
 * REVIEW_PHOTO_LIMITS.perReview JPEG/PNG/WebP photos (decoded, never trusted by
 * name or type), re-encodes them without EXIF, keeps the shopper's text when a
 * file is refused (stable codes, 4xx), shows them on the product page only
 * while the review is published, lets the merchant see and remove them, and
 * deletes them (rows and files) with the review and on a privacy erasure; the
 * privacy export carries them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CartService, OrderService, parseSettings } from '@storeloom/commerce';
import { REVIEW_PHOTO_LIMITS, reviewLinkSignature } from '@storeloom/content';
import { createLogger } from '@storeloom/log';
import { PrivacyService } from '@storeloom/privacy';
import { isMediaKey, isValidKey, MEDIA_VARIANT_WIDTHS, newReviewPhotoKey, returnPhotoKey } from '@storeloom/storage';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { createStorefrontApp } from '../src/app.ts';
import { MEDIA_WIDTHS } from '../src/ui/media.ts';

const SECRET = 'review-photos-test-secret-0123456789abcdef0123';

/** A JPEG that carries EXIF with a camera make and a GPS position, as phones write them. */
const exifJpeg = () =>
  sharp({ create: { width: 640, height: 480, channels: 3, background: { r: 200, g: 120, b: 40 } } })
    .jpeg()
    .withExif({ IFD0: { Make: 'SpyCamMaker', Model: 'Snoop 9' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 1234/100' } })
    .toBuffer();
const png = () =>
  sharp({ create: { width: 300, height: 600, channels: 3, background: { r: 10, g: 90, b: 160 } } })
    .png()
    .toBuffer();

describe('review photos', () => {
  let p: TestPlatform;
  let sf: ReturnType<typeof createStorefrontApp>;
  let uploads: string;
  let cookie: string;
  let storeId: string;
  let slug: string;
  let schema: string;
  const api = (method: string, path: string, body?: unknown) =>
    p.request(method, `/api/v1/stores/${storeId}${path}`, { cookie, ...(body === undefined ? {} : { body }) });
  const shop = (path: string) => sf.request(`http://${slug}.localhost${path}`, { headers: { host: `${slug}.localhost`, accept: 'image/webp,*/*' } });
  const htmlOf = async (path: string) => (await (await shop(path)).text()).replace(/ data-hk="[^"]*"/g, '').replace(/<!--[$/]-->/g, '');
  const stored = (key: string) => p.services.storage.get(key);

  /** A fulfilled order of a new product by `email`: the product and its signed review link's fields. */
  async function boughtAndShipped(email: string, title: string) {
    const product = await createProduct(p, cookie, storeId, { title, variants: [{ sku: `${title}-1`, price: 1800, inventoryQuantity: 9 }] });
    const row = await p.db.control.selectFrom('stores').select(['name', 'currency']).where('id', '=', storeId).executeTakeFirstOrThrow();
    const t = p.db.tenant(schema);
    const cart = await new CartService(t).findOrCreate(undefined);
    await new CartService(t).add(cart.id, product.variants[0].id, 1);
    const orders = new OrderService(t, { store: { id: storeId, name: row.name, currency: row.currency } });
    const address = { name: 'Rin Tanaka', line1: '1 Road', line2: null, city: 'Town', postalCode: '1', region: null, country: 'US', phone: null };
    const { order } = await orders.place({ cartId: cart.id, email, customerId: null, customerName: null, address, locale: 'en', settings: parseSettings([]) });
    await orders.confirmPayment(order.id, { provider: 'manual', reference: 'r', amount: order.total });
    expect((await api('POST', `/orders/${order.id}/fulfillment`, { trackingNumber: 'T1', carrier: 'Post' })).status).toBe(200);
    return { product, fields: { order: order.id, product: product.id, sig: reviewLinkSignature(SECRET, storeId, order.id, product.id) } };
  }

  const post = (fields: Record<string, string>, files: { name: string; type: string; body: Uint8Array }[], ip = '203.0.113.5') => {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    for (const f of files) form.append('photos', new File([f.body as Uint8Array<ArrayBuffer>], f.name, { type: f.type }));
    return sf.request(`http://${slug}.localhost/reviews/new`, {
      method: 'POST',
      headers: { host: `${slug}.localhost`, origin: `http://${slug}.localhost`, 'x-forwarded-for': ip },
      body: form,
    });
  };
  const photoRows = () => p.db.tenant(schema).selectFrom('review_photos').selectAll().orderBy('created_at').orderBy('position').execute();

  beforeAll(async () => {
    uploads = await mkdtemp(join(tmpdir(), 'storeloom-review-photos-'));
    p = await startTestPlatform({ config: { storage: { driver: 'local', uploadsDir: uploads, mediaPublicUrl: 'http://localhost:3000/media' } } });
    sf = createStorefrontApp(p.db, createLogger({ level: 'silent' }), {
      rootDomain: 'localhost',
      secret: SECRET,
      storeCacheTtlMs: 0,
      pageCacheTtlMs: 0,
      storage: p.services.storage,
    });
    cookie = (await signup(p)).cookie;
    const store = await createStore(p, cookie);
    storeId = store.id;
    slug = store.slug;
    schema = (await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', storeId).executeTakeFirstOrThrow()).schema_name;
  });
  afterAll(async () => {
    await p?.close();
    if (uploads) await rm(uploads, { recursive: true, force: true });
  });

  it('keeps the deletion list in step with the widths the media route makes', () => {
    expect([...MEDIA_VARIANT_WIDTHS]).toEqual([...MEDIA_WIDTHS]);
  });

  it("never treats a shopper's photo (review or return) as public media, though both are valid storage keys", () => {
    const id = '0b5e7c1a-1111-4222-8333-944455556666';
    const review = newReviewPhotoKey(id, 'jpg');
    const ret = returnPhotoKey(id, '0b5e7c1a-1111-4222-8333-944455556666', 0, 'png');
    for (const key of [review, ret, review.replace('.jpg', '_w160.webp')]) {
      expect(isValidKey(key), key).toBe(true);
      // The console's /media route and the store archive serve or copy only public media keys.
      expect(isMediaKey(key), key).toBe(false);
    }
  });

  it('refuses files that are not JPEG/PNG/WebP, too large or too many, keeping the typed text; stores re-encoded photos without EXIF', async () => {
    const { fields } = await boughtAndShipped('rin@example.com', 'Whisk');
    const text = { rating: '4', title: 'Lovely whisk', body: 'Foams well.\nSturdy handle.', author: 'Rin Tanaka' };
    const form = await htmlOf(`/reviews/new?${new URLSearchParams(fields)}`);
    expect(form).toContain('enctype="multipart/form-data"');
    expect(form).toContain('name="photos"');

    // Named and typed as a JPEG, but an HTML page: decoded, refused (415), the text comes back.
    const html = new TextEncoder().encode('<html><script>alert(1)</script></html>'.padEnd(400, ' '));
    const bad = await post({ ...fields, ...text }, [{ name: 'cat.jpg', type: 'image/jpeg', body: html }]);
    expect(bad.status).toBe(415);
    const badHtml = await bad.text();
    expect(badHtml).toContain('data-code="unsupported_file_type"');
    expect(badHtml).toContain('value="Lovely whisk"');
    expect(badHtml).toContain('Foams well.');
    expect(badHtml).toContain('value="Rin Tanaka"');
    // An SVG (an image type a browser would run scripts in) is refused too.
    const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>');
    expect((await post({ ...fields, ...text }, [{ name: 'x.png', type: 'image/png', body: svg }])).status).toBe(415);
    // Over the per-file cap.
    const big = new Uint8Array(REVIEW_PHOTO_LIMITS.maxBytes + 1);
    big.set(await png());
    const large = await post({ ...fields, ...text }, [{ name: 'big.png', type: 'image/png', body: big }]);
    expect(large.status).toBe(413);
    expect(await large.text()).toContain('data-code="payload_too_large"');
    // One more than allowed.
    const many = Array.from({ length: REVIEW_PHOTO_LIMITS.perReview + 1 }, (_, i) => ({ name: `${i}.png`, type: 'image/png', body: new Uint8Array() }));
    const pngBytes = new Uint8Array(await png());
    for (const f of many) f.body = pngBytes;
    const tooMany = await post({ ...fields, ...text }, many);
    expect(tooMany.status).toBe(400);
    expect(await tooMany.text()).toContain('data-code="too_many_photos"');
    // Nothing stored by the refusals.
    expect(await photoRows()).toEqual([]);

    // A phone's JPEG with EXIF (camera, GPS) and a PNG: stored re-encoded, upright, without metadata.
    const jpeg = new Uint8Array(await exifJpeg());
    expect(Buffer.from(jpeg).includes('SpyCamMaker')).toBe(true);
    const ok = await post({ ...fields, ...text }, [
      { name: 'IMG_0001.JPG', type: 'image/jpeg', body: jpeg },
      { name: 'b.png', type: 'application/octet-stream', body: pngBytes },
    ]);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('Thank you!');
    const rows = await photoRows();
    expect(rows.map((r) => [r.content_type, r.width, r.height])).toEqual([
      ['image/jpeg', 640, 480],
      ['image/png', 300, 600],
    ]);
    for (const r of rows) expect(r.storage_key).toMatch(new RegExp(`^${storeId}/review-[0-9a-f]{24}\\.(jpg|png)$`));
    const file = await stored(rows[0]?.storage_key as string);
    const bytes = Buffer.from(file?.body as Uint8Array);
    expect(bytes.includes('SpyCamMaker')).toBe(false);
    expect(bytes.includes('Exif')).toBe(false);
    const meta = await sharp(bytes).metadata();
    expect(meta.format).toBe('jpeg');
    expect(meta.exif).toBeUndefined();
  });

  it('shows photos only while the review is published; the merchant sees them, removes one, and deleting the review deletes the files', async () => {
    const { product, fields } = await boughtAndShipped('kai@example.com', 'Kettle');
    const ok = await post({ ...fields, rating: '5', title: 'Great kettle', author: 'Kai Lee' }, [
      { name: 'a.png', type: 'image/png', body: new Uint8Array(await png()) },
      { name: 'b.jpg', type: 'image/jpeg', body: new Uint8Array(await exifJpeg()) },
    ]);
    expect(ok.status).toBe(200);
    const list = await api('GET', `/reviews?productId=${product.id}`);
    const review = list.body.data[0];
    expect(review.photos).toHaveLength(2);
    expect(review.photos[0]).toMatchObject({ width: 300, height: 600, contentType: 'image/png' });
    expect(review.photos[0].url).toBe(`/api/v1/stores/${storeId}/reviews/${review.id}/photos/${review.photos[0].id}`);
    const viaApi = await p.request('GET', review.photos[0].url, { cookie });
    expect(viaApi.status).toBe(200);
    expect(viaApi.headers.get('content-type')).toBe('image/png');
    expect((await p.request('GET', review.photos[0].url)).status).toBe(401);

    const keys = (await photoRows()).filter((r) => r.review_id === review.id).map((r) => r.storage_key);
    const names = keys.map((k) => k.slice(k.indexOf('/') + 1));
    // Pending: not on the product page, and the storefront does not serve the file; the console's public media route never does.
    expect(await htmlOf(`/products/${product.handle}`)).not.toContain(names[0]);
    expect((await shop(`/media/${names[0]}`)).status).toBe(404);
    expect((await shop(`/media/${names[0]}?w=160`)).status).toBe(404);
    expect((await p.request('GET', `/media/${keys[0]}`)).status).toBe(404);

    expect((await api('PATCH', `/reviews/${review.id}`, { status: 'published' })).status).toBe(200);
    const page = await htmlOf(`/products/${product.handle}`);
    expect(page).toContain(`alt="Photo 1 from Kai’s review"`);
    expect(page).toContain(`alt="Photo 2 from Kai’s review"`);
    expect(page).toContain(`href="/media/${names[0]}?w=1280"`);
    expect(page).toMatch(new RegExp(`<img src="/media/${names[0]}\\?w=160"[^>]* width="48" height="96" loading="lazy"`));
    const ld = [...page.matchAll(/<script type="application\/ld\+json">(.*?)<\/script>/g)]
      .map((m) => JSON.parse(m[1] as string))
      .find((x) => x['@type'] === 'Product');
    expect(ld.review[0].image).toEqual([`http://${slug}.localhost/media/${names[0]}?w=1280`, `http://${slug}.localhost/media/${names[1]}?w=1280`]);
    const thumb = await shop(`/media/${names[0]}?w=160`);
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('cache-control')).toBe('public, max-age=3600');
    expect((await sharp(Buffer.from(await thumb.arrayBuffer())).metadata()).width).toBe(160);
    expect((await shop(`/media/${names[0]}`)).status).toBe(200);
    // A resized copy is never served by its own name (only through ?w= of a published original).
    expect((await shop(`/media/${names[0]?.replace('.png', '_w160.webp')}`)).status).toBe(404);

    // Hidden: gone from the page and the media route.
    expect((await api('PATCH', `/reviews/${review.id}`, { status: 'hidden' })).status).toBe(200);
    expect((await shop(`/media/${names[0]}?w=160`)).status).toBe(404);
    expect(await htmlOf(`/products/${product.handle}`)).not.toContain(names[0]);

    // The merchant removes one photo: row and file (with its resized copy) go.
    const base = keys[0]?.slice(0, keys[0].lastIndexOf('.'));
    expect(await stored(`${base}_w160.webp`)).not.toBeNull();
    expect((await api('DELETE', `/reviews/${review.id}/photos/${review.photos[0].id}`)).status).toBe(204);
    expect((await api('DELETE', `/reviews/${review.id}/photos/${review.photos[0].id}`)).status).toBe(404);
    expect(await stored(keys[0] as string)).toBeNull();
    expect(await stored(`${base}_w160.webp`)).toBeNull();
    expect((await api('GET', `/reviews?productId=${product.id}`)).body.data[0].photos).toHaveLength(1);

    // Deleting the review deletes the rest.
    expect((await api('DELETE', `/reviews/${review.id}`)).status).toBe(204);
    expect(await stored(keys[1] as string)).toBeNull();
    expect((await photoRows()).filter((r) => r.review_id === review.id)).toEqual([]);
  });

  it("exports a shopper's review photos and deletes them (rows and files) on erasure, the review staying anonymous", async () => {
    const email = 'ana@example.com';
    const { fields } = await boughtAndShipped(email, 'Teapot');
    const ok = await post({ ...fields, rating: '3', body: 'Drips a bit.', author: 'Ana' }, [
      { name: 'a.png', type: 'image/png', body: new Uint8Array(await png()) },
    ]);
    expect(ok.status).toBe(200);
    const key = (await photoRows()).at(-1)?.storage_key as string;
    expect(key).toMatch(/\/review-/);
    const store = await p.db.control.selectFrom('stores').select(['id', 'name', 'schema_name']).where('id', '=', storeId).executeTakeFirstOrThrow();
    const privacy = new PrivacyService({ db: p.db, storage: p.services.storage });

    const exp = await privacy.create(store, { kind: 'export', email, source: 'merchant' });
    await privacy.process(store, exp.row.id);
    const doc = JSON.parse(new TextDecoder().decode((await privacy.download(store, exp.row.id)) as Uint8Array));
    expect(doc.reviews).toHaveLength(1);
    expect(doc.reviews[0].photos).toHaveLength(1);
    expect(doc.reviews[0].photos[0]).toMatchObject({ file: key.slice(key.indexOf('/') + 1), contentType: 'image/png', width: 300, height: 600 });
    expect(Buffer.from(doc.reviews[0].photos[0].base64, 'base64').equals(Buffer.from((await stored(key))?.body as Uint8Array))).toBe(true);

    const er = await privacy.create(store, { kind: 'erasure', email, source: 'merchant' });
    const summary = await privacy.process(store, er.row.id);
    expect(summary.reviewPhotos).toBe(1);
    expect(await stored(key)).toBeNull();
    const t = p.db.tenant(schema);
    expect(await t.selectFrom('review_photos').select('id').where('storage_key', '=', key).execute()).toEqual([]);
    const review = await t.selectFrom('reviews').selectAll().where('body', '=', 'Drips a bit.').executeTakeFirstOrThrow();
    expect(review).toMatchObject({ email: null, author: '', order_id: null, rating: 3 });
  });
});
