/**
 * The server-rendered cart page's discount-code and gift-card fields, as a
 * browser without JavaScript uses them: plain form posts, 303 back to the
 * cart on success, the cart page again with 422 and the reason at the field
 * (aria-invalid, role=alert) on refusal; discount lines and the gift-card
 * tender in the summary, removable.
 */
import { createLogger } from '@storeloom/log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { createStorefrontApp } from '../src/app.ts';

describe('cart page: discount codes and gift cards without JavaScript', () => {
  let p: TestPlatform;
  let app: ReturnType<typeof createStorefrontApp>;
  let owner: string;
  let store: { id: string; slug: string };
  let variantId: string;
  let cookie = '';

  const host = () => `${store.slug}.localhost`;
  const get = async (path: string) => {
    const res = await app.request(`http://${host()}${path}`, { headers: { host: host(), cookie } });
    return { status: res.status, text: await res.text() };
  };
  const post = async (path: string, form: Record<string, string>) => {
    const res = await app.request(`http://${host()}${path}`, {
      method: 'POST',
      headers: { host: host(), cookie, origin: `http://${host()}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
    const set = /sf_cart=([a-z2-7]{32})/.exec(res.headers.get('set-cookie') ?? '')?.[1];
    if (set) cookie = `sf_cart=${set}`;
    return { status: res.status, location: res.headers.get('location'), text: await res.text() };
  };

  /** The page without Solid's hydration markers, so a summary row reads as plain markup. */
  const plain = (r: { status: number; text: string }) => ({
    status: r.status,
    text: r.text.replace(/<!--\/?\$?-->/g, '').replace(/ data-hk="[^"]*"/g, ''),
  });

  beforeAll(async () => {
    p = await startTestPlatform();
    app = createStorefrontApp(p.db, createLogger({ level: 'silent' }), {
      rootDomain: 'localhost',
      secret: 'test-secret-0123456789abcdef0123456789',
      storeCacheTtlMs: 0,
    });
    owner = (await signup(p)).cookie;
    store = await createStore(p, owner);
    variantId = (await createProduct(p, owner, store.id, { title: 'Matcha', variants: [{ sku: 'M-1', price: 2000, inventoryQuantity: 50 }] })).variants[0].id;
    const merchant = (path: string, body: unknown) => p.request('POST', `/api/v1/stores/${store.id}${path}`, { cookie: owner, body });
    expect((await merchant('/discounts', { title: 'Spring sale', code: 'SPRING20', kind: 'percentage', value: 20 })).status).toBe(201);
    expect((await merchant('/discounts', { title: 'Big order', code: 'BIG', kind: 'fixed_amount', value: 500, minSubtotal: 100_000 })).status).toBe(201);
    const card = await merchant('/gift-cards', { initialValue: 1000 });
    expect(card.status).toBe(201);
    (globalThis as { giftCode?: string }).giftCode = card.body.code;
  });
  afterAll(async () => {
    await p?.close();
  });

  it('applies a code, shows the discount line, refuses what does not apply at the field, removes the code', async () => {
    expect((await post('/cart/add', { variantId, quantity: '2' })).status).toBe(303);
    const empty = await get('/cart');
    expect(empty.text).toContain('<label for="discount-code">Discount code</label>');
    expect(empty.text).toContain('<label for="gift-card-code">Gift card</label>');

    const refused = await post('/cart/discount', { code: 'BIG' });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('aria-invalid="true"');
    expect(refused.text).toContain('aria-describedby="discount-code-error"');
    expect(refused.text).toMatch(/<p [^>]*id="discount-code-error" class="field-error" role="alert">The cart does not reach the minimum subtotal/);
    expect(refused.text).toContain('at least $1,000.00');
    expect(refused.text).not.toContain('100000');
    expect(refused.text).toContain('value="BIG"');
    const unknown = await post('/cart/discount', { code: 'NOPE' });
    expect(unknown.status).toBe(422);
    expect(unknown.text).toContain('This discount code does not exist');

    const applied = await post('/cart/discount', { code: 'spring20' });
    expect(applied).toMatchObject({ status: 303, location: '/cart' });
    const page = await get('/cart');
    expect(page.text).toContain('data-testid="discount-line"');
    expect(page.text).toContain('Spring sale (SPRING20)');
    // 2 × 20.00 − 20 % + 5.00 shipping
    expect(page.text).toMatch(/data-testid="total"[^>]*>\$37\.00/);

    expect((await post('/cart/discount/remove', { code: 'SPRING20' })).status).toBe(303);
    const removed = await get('/cart');
    expect(removed.text).not.toContain('data-testid="discount-line"');
    expect(removed.text).toMatch(/data-testid="total"[^>]*>\$45\.00/);
  });

  it('applies a gift card as a tender after the total, refuses an unknown card without echoing it, and removes it', async () => {
    const code = (globalThis as { giftCode?: string }).giftCode as string;
    const bad = await post('/cart/gift-card', { code: 'XXXX-XXXX-XXXX-XXXX' });
    expect(bad.status).toBe(422);
    expect(bad.text).toMatch(/<p [^>]*id="gift-card-code-error" class="field-error" role="alert">/);
    expect(bad.text).not.toContain('XXXX-XXXX-XXXX-XXXX');
    expect((await post('/cart/gift-card', { code })).status).toBe(303);
    const page = await get('/cart');
    const last4 = code
      .replace(/[^A-Za-z0-9]/g, '')
      .slice(-4)
      .toUpperCase();
    expect(page.text).toContain(`Gift card •••• ${last4}`);
    expect(page.text).toMatch(/data-testid="amount-due"[^>]*>\$35\.00/);
    expect((await post('/cart/gift-card/remove', { last4 })).status).toBe(303);
    expect((await get('/cart')).text).not.toContain('data-testid="gift-card-line"');
  });

  it('shows the discount line and the gift-card tender on the checkout, pay and order pages; the pay page asks only for the amount due', async () => {
    const code = (globalThis as { giftCode?: string }).giftCode as string;
    expect((await post('/cart/discount', { code: 'SPRING20' })).status).toBe(303);
    expect((await post('/cart/gift-card', { code })).status).toBe(303);
    const checkout = plain(await get('/checkout'));
    expect(checkout.status).toBe(200);
    expect(checkout.text).toContain('Spring sale (SPRING20)');
    expect(checkout.text).toMatch(/data-testid="discount-line"><dt>[^<]*<\/dt><dd>−\$8\.00/);
    expect(checkout.text).toContain('data-testid="gift-card-line"');
    expect(checkout.text).toMatch(/data-testid="total"[^>]*>\$37\.00/);
    expect(checkout.text).toMatch(/data-testid="amount-due"[^>]*>\$27\.00/);
    const expectedTotal = /name="expectedTotal" value="(\d+)"/.exec(checkout.text)?.[1] ?? '';
    const quoteToken = /name="quoteToken" value="([^"]+)"/.exec(checkout.text)?.[1] ?? '';
    const placed = await post('/checkout', {
      email: 'promo-page@example.com',
      name: 'Ada Shopper',
      line1: '1 Tea Street',
      city: 'Portland',
      postalCode: '97201',
      country: 'US',
      shippingMethod: 'standard',
      expectedTotal,
      quoteToken,
    });
    expect(placed.status).toBe(303);
    const payPath = new URL(placed.location ?? '', `http://${host()}`);
    expect(payPath.pathname).toMatch(/^\/checkout\/pay\//);
    const pay = plain(await get(`${payPath.pathname}${payPath.search}`));
    expect(pay.status).toBe(200);
    expect(pay.text).toMatch(/<p class="amount">\$27\.00<\/p>/);
    expect(pay.text).toContain('Spring sale (SPRING20)');
    expect(pay.text).toMatch(/data-testid="gift-card-line"><dt>[^<]*<\/dt><dd>−\$10\.00/);
    const paid = await post(`${payPath.pathname}${payPath.search}`, { outcome: 'pay' });
    expect(paid.status).toBe(303);
    const orderUrl = new URL(paid.location ?? '', `http://${host()}`);
    const order = plain(await get(`${orderUrl.pathname}${orderUrl.search}`));
    expect(order.status).toBe(200);
    expect(order.text).toMatch(/data-testid="discount-line"><dt>Spring sale \(SPRING20\)<\/dt><dd>−\$8\.00/);
    expect(order.text).toMatch(/data-testid="gift-card-line"><dt>[^<]*<\/dt><dd>−\$10\.00/);
    expect(order.text).toMatch(/data-testid="total"[^>]*>\$37\.00/);
    expect(order.text).toMatch(/data-testid="amount-due"[^>]*>\$27\.00/);
  });
});
