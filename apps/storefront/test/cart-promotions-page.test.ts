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
});
