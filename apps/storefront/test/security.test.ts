/**
 * Storefront findings of the outside security review (issue 15), against real Postgres, Redis and the Stripe fake:
 * the manual pay page cannot settle a Stripe order; links, canonical URLs, mails and Stripe return URLs use the
 * store's configured origin whatever the Host header says (and the page cache cannot be poisoned by it); redirect
 * targets go through the shared safe-redirect rule; customer sign-in is throttled per account; checkout validates
 * name lengths and ISO 3166 countries with their own messages. The open redirects are also driven in Chromium in
 * test/e2e/open-redirect.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { orderLinkSignature } from '@storeloom/commerce';
import { createLogger } from '@storeloom/log';
import type { StripeFake } from '@storeloom/stripe-fake';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, createStore, signup, type TestPlatform } from '../../../test/helpers/platform.ts';
import { type StripeTestPlatform, startStripePlatform } from '../../../test/helpers/stripe-platform.ts';
import { createStorefrontApp } from '../src/app.ts';

const SECRET = 'security-secret-0123456789abcdef0123456789';

describe('storefront security (issue 15)', () => {
  let fake: StripeFake;
  let stripe: StripeTestPlatform;
  let p: TestPlatform;
  let app: ReturnType<typeof createStorefrontApp>;
  let stripeStore: { id: string; slug: string };
  let manualStore: { id: string; slug: string };
  let stripeVariant: string;
  let manualVariant: string;

  /** A request as a browser on `host` sends it (same-origin Origin on POSTs); `ip` is the client behind the trusted proxy. */
  const req = (host: string, path: string, init: RequestInit & { ip?: string } = {}) => {
    const headers = new Headers(init.headers);
    headers.set('host', host);
    if (init.method === 'POST' && !headers.has('origin')) headers.set('origin', `http://${host}`);
    headers.set('x-forwarded-for', init.ip ?? '198.51.100.1');
    return app.request(`http://${host}${path}`, { ...init, headers });
  };
  const form = (data: Record<string, string>, cookie?: string): RequestInit => ({
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
    body: new URLSearchParams(data).toString(),
  });
  const address = { email: 'shopper@example.com', name: 'Sam Shopper', line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };
  const schemaOf = async (storeId: string) =>
    (await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', storeId).executeTakeFirstOrThrow()).schema_name;
  const cartWith = async (host: string, variantId: string) => {
    const add = await req(host, '/cart/add', form({ variantId, quantity: '1' }));
    expect(add.status).toBe(303);
    return (add.headers.get('set-cookie') ?? '').split(';')[0] as string;
  };

  beforeAll(async () => {
    // The control plane receives the fake's webhooks (the connected account's onboarding enables charges).
    stripe = await startStripePlatform();
    ({ fake, p } = stripe);
    app = createStorefrontApp(p.db, createLogger({ level: 'silent' }), {
      rootDomain: 'localhost',
      secret: SECRET,
      storeCacheTtlMs: 0,
      trustProxy: true,
      stripe: p.services.billing.stripe,
    });
    const m = await signup(p);
    stripeStore = await createStore(p, m.cookie);
    manualStore = await createStore(p, m.cookie);
    stripeVariant = (await createProduct(p, m.cookie, stripeStore.id, { title: 'Green Tea', variants: [{ sku: 'GT-1', price: 2500, inventoryQuantity: 5 }] }))
      .variants[0].id;
    manualVariant = (await createProduct(p, m.cookie, manualStore.id, { title: 'Black Tea', variants: [{ sku: 'BT-1', price: 1500, inventoryQuantity: 50 }] }))
      .variants[0].id;
    await stripe.connectStore(m.cookie, stripeStore.id);
    await fake.settle();
  });
  afterAll(async () => {
    await stripe?.close();
  });

  it('refuses to mark a Stripe order paid through the manual pay page, and confirmPayment refuses another provider', async () => {
    const host = `${stripeStore.slug}.localhost`;
    const cookie = await cartWith(host, stripeVariant);
    const placed = await req(host, '/checkout', form(address, cookie));
    expect(placed.status).toBe(303);
    // Off to Stripe Checkout (the fake), never paid.
    expect(placed.headers.get('location')).toContain(fake.url.replace(/\/$/, ''));
    const t = p.db.tenant(await schemaOf(stripeStore.id));
    const order = await t.selectFrom('orders').selectAll().orderBy('created_at', 'desc').executeTakeFirstOrThrow();
    expect(order.payment_provider).toBe('stripe');
    const sig = orderLinkSignature(SECRET, stripeStore.id, order.id);

    const pay = await req(host, `/checkout/pay/${order.id}?sig=${sig}`, form({ outcome: 'pay' }, cookie));
    expect(pay.status).toBe(303);
    expect(pay.headers.get('location')).toBe(`/orders/${order.id}?sig=${sig}`);
    const after = await t.selectFrom('orders').selectAll().where('id', '=', order.id).executeTakeFirstOrThrow();
    expect(after.payment_status).toBe('pending');
    expect(after.payment_reference).toBeNull();
    const reservations = await t.selectFrom('stock_reservations').select('status').where('order_id', '=', order.id).execute();
    expect(reservations.map((r) => r.status)).toEqual(['active']);
    const mails = await p.db.control.selectFrom('mail_outbox').select('kind').where('store_id', '=', stripeStore.id).execute();
    expect(mails.filter((x) => x.kind === 'order-confirmation')).toHaveLength(0);

    // The service itself refuses: only the provider the order was placed with confirms it, and nothing changes.
    const row = await p.db.control.selectFrom('stores').selectAll().where('id', '=', stripeStore.id).executeTakeFirstOrThrow();
    const orders = p.services.commerce.orders(row, { tenant: t });
    await expect(orders.confirmPayment(order.id, { provider: 'manual', reference: `manual_charge:${order.id}:1`, amount: order.total })).rejects.toMatchObject({
      code: 'payment_provider_mismatch',
      status: 409,
    });
    expect((await t.selectFrom('orders').select('payment_status').where('id', '=', order.id).executeTakeFirstOrThrow()).payment_status).toBe('pending');
    // The right provider still can.
    expect((await orders.confirmPayment(order.id, { provider: 'stripe', reference: 'pi_test', amount: order.total })).applied).toBe(true);
  });

  it('builds Stripe return URLs from the configured origin, not from the Host header', async () => {
    const host = `${stripeStore.slug}.localhost:6666`;
    const cookie = await cartWith(host, stripeVariant);
    const before = fake.requests.length;
    const placed = await req(host, '/checkout', form(address, cookie));
    expect(placed.status).toBe(303);
    const session = fake.requests.slice(before).find((r) => r.method === 'POST' && r.path === '/v1/checkout/sessions');
    expect(String(session?.params.success_url)).toMatch(new RegExp(`^http://${stripeStore.slug}\\.localhost/orders/`));
    expect(String(session?.params.cancel_url)).toBe(`http://${stripeStore.slug}.localhost/cart`);
  });

  it('keeps a port (or other spelling) in the Host header out of canonical links, cached pages and order mails', async () => {
    const plain = `${manualStore.slug}.localhost`;
    // First visitor with a poisoned Host fills the page cache.
    const poisoned = await (await req(`${plain}:6666`, '/products/black-tea')).text();
    expect(poisoned).toContain(`<link rel="canonical" href="http://${plain}/products/black-tea">`);
    expect(poisoned).not.toContain(':6666');
    const next = await (await req(plain, '/products/black-tea')).text();
    expect(next).not.toContain(':6666');
    expect(next).toContain(`<meta property="og:url" content="http://${plain}/products/black-tea">`);
    expect(await (await req(`${plain}:6666`, '/robots.txt')).text()).toContain(`Sitemap: http://${plain}/sitemap.xml`);

    // The order confirmation mail links to the configured origin.
    const cookie = await cartWith(`${plain}:6666`, manualVariant);
    const placed = await req(`${plain}:6666`, '/checkout', form({ ...address, email: 'mail-origin@example.com' }, cookie));
    expect(placed.status).toBe(303);
    const payPath = placed.headers.get('location') as string;
    expect(payPath).toMatch(/^\/checkout\/pay\/[0-9a-f-]{36}\?sig=/);
    expect((await req(`${plain}:6666`, payPath, form({ outcome: 'pay' }, cookie))).status).toBe(303);
    const mail = await p.db.control
      .selectFrom('mail_outbox')
      .select('text_body')
      .where('to_address', '=', 'mail-origin@example.com')
      .where('kind', '=', 'order-confirmation')
      .executeTakeFirstOrThrow();
    expect(mail.text_body).toContain(`http://${plain}/orders/`);
    expect(mail.text_body).not.toContain(':6666');
  });

  it('uses the configured public port in links', async () => {
    const withPort = createStorefrontApp(p.db, createLogger({ level: 'silent' }), {
      rootDomain: 'localhost',
      secret: SECRET,
      publicPort: 8443,
      protocol: 'https',
    });
    const host = `${manualStore.slug}.localhost`;
    const html = await (await withPort.request(`http://${host}:1234/products/black-tea`, { headers: { host: `${host}:1234` } })).text();
    expect(html).toContain(`<link rel="canonical" href="https://${host}:8443/products/black-tea">`);
  });

  it('sends every redirect target through the shared safe-redirect rule (no 500 on CR/LF)', async () => {
    const host = `${manualStore.slug}.localhost`;
    for (const to of ['/%5Cevil.example/x', '/%09/evil.example/y', '//evil.example', '/%0a/evil.example', 'https://evil.example/']) {
      const res = await req(host, `/lang/en?to=${to}`);
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/');
    }
    expect((await req(host, '/lang/en?to=/products/black-tea%3Fa%3D1')).headers.get('location')).toBe('/products/black-tea?a=1');

    const email = `next-${randomBytes(3).toString('hex')}@example.com`;
    const registered = await req(host, '/account/register', form({ email, name: 'N', password: 'a long enough password', next: '/\t/evil.example' }));
    expect(registered.headers.get('location')).toBe('/account');
    for (const next of ['/\t/evil.example/z', '/\\evil.example', '/\n/evil.example', '/x/..//evil.example']) {
      const res = await req(host, '/account/login', { ...form({ email, password: 'a long enough password', next }), ip: '198.51.100.77' });
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/account');
    }
    const ok = await req(host, '/account/login', form({ email, password: 'a long enough password', next: '/account?tab=orders' }));
    expect(ok.headers.get('location')).toBe('/account?tab=orders');
  });

  it('throttles customer sign-in per account, across IPs, with backoff; other accounts are untouched', async () => {
    const host = `${manualStore.slug}.localhost`;
    const email = `victim-${randomBytes(3).toString('hex')}@example.com`;
    const other = `bystander-${randomBytes(3).toString('hex')}@example.com`;
    for (const e of [email, other])
      expect((await req(host, '/account/register', form({ email: e, name: 'V', password: 'the right password' }))).status).toBe(303);
    const attempt = (e: string, password: string, ip: string) => req(host, '/account/login', { ...form({ email: e, password }), ip });

    // One IP: five wrong guesses, then it must wait (the per-IP limit of 10/min alone would still let it try).
    for (let i = 0; i < 5; i++) expect((await attempt(email, `wrong-${i}`, '203.0.113.9')).status).toBe(401);
    const slowed = await attempt(email, 'wrong-5', '203.0.113.9');
    expect(slowed.status).toBe(429);
    expect(Number(slowed.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another shopper on the same IP is not affected, nor the owner on their own IP.
    expect((await attempt(other, 'the right password', '203.0.113.9')).status).toBe(303);
    expect((await attempt(email, 'the right password', '192.0.2.44')).status).toBe(303);

    // Many IPs, two guesses each: the account as a whole slows down after 50 failures.
    let refused = 0;
    for (let i = 0; i < 30 && refused === 0; i++) {
      for (const j of [0, 1]) {
        const s = (await attempt(email, `spray-${i}-${j}`, `10.9.${i}.${j + 1}`)).status;
        if (s === 429) refused++;
        else expect(s).toBe(401);
      }
    }
    expect(refused).toBeGreaterThan(0);
    expect((await attempt(email, 'yet another guess', '10.99.0.1')).status).toBe(429);
    expect((await attempt(other, 'the right password', '10.99.0.1')).status).toBe(303);
  });

  it('registering an address that has an account answers exactly like a new registration (no enumeration)', async () => {
    const host = `${manualStore.slug}.localhost`;
    const taken = `taken-${randomBytes(3).toString('hex')}@example.com`;
    const fresh = `fresh-${randomBytes(3).toString('hex')}@example.com`;
    const first = await req(host, '/account/register', { ...form({ email: taken, name: 'Owner', password: 'the owners password' }), ip: '198.51.100.61' });
    expect(first.status).toBe(303);
    const register = (email: string, ip: string) =>
      req(host, '/account/register', { ...form({ email, name: 'Someone', password: 'another password', next: '/account' }), ip });
    const again = await register(taken, '198.51.100.62');
    const brandNew = await register(fresh, '198.51.100.63');
    const shape = (r: Response) => ({
      status: r.status,
      location: r.headers.get('location'),
      cookie: (r.headers.get('set-cookie') ?? '').replace(/=[^;]*/, '=TOKEN').replace(/Max-Age=\d+/, 'Max-Age=N'),
    });
    expect(shape(again)).toEqual(shape(brandNew));
    expect(await again.clone().text()).toBe(await brandNew.clone().text());
    // The decoy cookie opens nothing; the owner's password still works and nothing was added.
    const decoy = (again.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const account = await req(host, '/account', { headers: { cookie: decoy } });
    expect(account.status).toBe(303);
    expect(account.headers.get('location')).toContain('/account/login');
    const t = p.db.tenant(await schemaOf(manualStore.id));
    expect(await t.selectFrom('customers').select('name').where('email', '=', taken).execute()).toEqual([{ name: 'Owner' }]);
    expect((await req(host, '/account/login', { ...form({ email: taken, password: 'the owners password' }), ip: '198.51.100.64' })).status).toBe(303);
  });

  it('validates checkout names by length and countries against ISO 3166, each with its own message', async () => {
    const host = `${manualStore.slug}.localhost`;
    const cookie = await cartWith(host, manualVariant);
    const longName = await req(host, '/checkout', form({ ...address, name: 'N'.repeat(600) }, cookie));
    expect(longName.status).toBe(400);
    const longHtml = await longName.text();
    expect(longHtml).toContain('Name is too long (at most 200 characters)');
    expect(longHtml).not.toContain('Name is required');
    const unknown = await req(host, '/checkout', form({ ...address, country: 'XX' }, cookie));
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('Country must be an ISO 3166 country code');
    const missing = await req(host, '/checkout', form({ ...address, name: '  ' }, cookie));
    expect(await missing.text()).toContain('Name is required');
    const lower = await req(host, '/checkout', form({ ...address, country: 'gb' }, cookie));
    expect(lower.status).toBe(303);
  });
});
