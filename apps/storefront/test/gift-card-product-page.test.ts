/**
 * A gift card sold as a product on the server-rendered storefront: its page asks for an optional recipient (e-mail,
 * name, message), the add-to-cart form carries it onto the cart line (a bad e-mail is refused, not stored), and the
 * cart shows whom the card is for; an ordinary product's page has no such fields.
 */
import { createLogger } from '@storeloom/log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { createStorefrontApp } from '../src/app.ts';

describe('gift-card product page', () => {
  let p: TestPlatform;
  let app: ReturnType<typeof createStorefrontApp>;
  let store: { id: string; slug: string; schemaName: string };
  let card: { handle: string; variants: { id: string }[] };
  let shirt: { handle: string };
  let cookie = '';

  const host = () => `${store.slug}.localhost`;
  const get = async (path: string) => {
    const res = await app.request(`http://${host()}${path}`, { headers: { host: host(), cookie } });
    return { status: res.status, text: (await res.text()).replace(/<!--\/?\$?-->/g, '').replace(/ data-hk="[^"]*"/g, '') };
  };
  const post = async (path: string, form: Record<string, string>, accept?: string) => {
    const res = await app.request(`http://${host()}${path}`, {
      method: 'POST',
      headers: {
        host: host(),
        cookie,
        origin: `http://${host()}`,
        'content-type': 'application/x-www-form-urlencoded',
        ...(accept ? { accept } : {}),
      },
      body: new URLSearchParams(form).toString(),
    });
    const set = /sf_cart=([a-z2-7]{32})/.exec(res.headers.get('set-cookie') ?? '')?.[1];
    if (set) cookie = `sf_cart=${set}`;
    return { status: res.status, text: await res.text() };
  };

  beforeAll(async () => {
    p = await startTestPlatform();
    app = createStorefrontApp(p.db, createLogger({ level: 'silent' }), {
      rootDomain: 'localhost',
      secret: 'test-secret-0123456789abcdef0123456789',
      storeCacheTtlMs: 0,
    });
    const owner = (await signup(p)).cookie;
    const s = await createStore(p, owner);
    const row = await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', s.id).executeTakeFirstOrThrow();
    store = { ...s, schemaName: row.schema_name };
    card = await createProduct(p, owner, s.id, { title: 'Gift card', giftCard: true, variants: [{ price: 2500, inventoryQuantity: 100 }] });
    shirt = await createProduct(p, owner, s.id, { title: 'Linen shirt' });
  });
  afterAll(async () => {
    await p?.close();
  });

  it('asks for an optional recipient on a gift card only, carries it to the cart line and shows it in the cart', async () => {
    const page = await get(`/products/${card.handle}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<legend>Send it as a gift (optional)</legend>');
    expect(page.text).toMatch(/<input name="recipientEmail" type="email"[^>]*aria-describedby="gift-recipient-hint"/);
    expect(page.text).toContain('name="recipientMessage"');
    expect((await get(`/products/${shirt.handle}`)).text).not.toContain('recipientEmail');

    const bad = await post('/cart/add', { variantId: card.variants[0]?.id as string, quantity: '1', recipientEmail: 'not-an-address' }, 'application/json');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).message).toContain('recipient');

    const ok = await post('/cart/add', {
      variantId: card.variants[0]?.id as string,
      quantity: '2',
      recipientEmail: ' Grace@Example.com ',
      recipientName: 'Grace',
      recipientMessage: 'Happy birthday!',
    });
    expect(ok.status).toBe(303);
    const t = p.db.tenant(store.schemaName);
    const lines = await t.selectFrom('cart_lines').select(['quantity', 'gift_card_recipient']).execute();
    expect(lines).toEqual([{ quantity: 2, gift_card_recipient: { email: 'grace@example.com', name: 'Grace', message: 'Happy birthday!' } }]);
    const cart = await get('/cart');
    expect(cart.text).toContain('Gift card for Grace');
  });

  it('takes the recipient through the Storefront API too', async () => {
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await app.request(`http://${host()}/api/storefront/v1${path}`, {
        method,
        headers: { host: host(), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, body: await res.json() };
    };
    const created = await api('POST', '/carts', {});
    const path = `/carts/${created.body.id}/lines`;
    const bad = await api('POST', path, { variantId: card.variants[0]?.id, quantity: 1, giftCardRecipient: { email: 'nope' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
    const ok = await api('POST', path, { variantId: card.variants[0]?.id, quantity: 1, giftCardRecipient: { email: 'kim@example.com', message: 'For you' } });
    expect(ok.status).toBe(200);
    expect(ok.body.total).toBe(2500);
    const t = p.db.tenant(store.schemaName);
    const rows = await t.selectFrom('cart_lines').select('gift_card_recipient').where('quantity', '=', 1).execute();
    expect(rows.map((r) => r.gift_card_recipient)).toContainEqual({ email: 'kim@example.com', name: null, message: 'For you' });
  });
});
