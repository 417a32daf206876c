/**
 * Storefront customer accounts (issue 17), over real Postgres and Redis: password reset by a mailed, hashed,
 * expiring, single-use link (rate-limited, the same answer for addresses with and without an account); e-mail
 * verification by a mailed link confirmed on a page (not by opening it), after which guest orders placed with
 * the address join the account; the checkout pre-fills the signed-in customer's name and saved address;
 * addresses saved and deleted in the account; mails in the store's layout with a plain-text part, in the page's language.
 */
import { randomBytes } from 'node:crypto';
import { createLogger } from '@storeloom/log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { createStorefrontApp } from '../src/app.ts';

describe('storefront customer accounts', () => {
  let p: TestPlatform;
  let app: ReturnType<typeof createStorefrontApp>;
  let slug: string;
  let storeId: string;
  let schema: string;
  let variantId: string;
  let ipSeq = 1;
  const host = () => `${slug}.localhost`;
  const req = (path: string, init: RequestInit & { ip?: string } = {}) => {
    const headers = new Headers(init.headers);
    headers.set('host', host());
    if (init.method === 'POST' && !headers.has('origin')) headers.set('origin', `http://${host()}`);
    headers.set('x-forwarded-for', init.ip ?? `198.51.100.${ipSeq++ % 250}`);
    return app.request(`http://${host()}${path}`, { ...init, headers });
  };
  const form = (data: Record<string, string>, cookie?: string): RequestInit => ({
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
    body: new URLSearchParams(data).toString(),
  });
  const cookieOf = (res: Response, name: string) => (res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`)) ?? '').split(';')[0] as string;
  const mails = (to: string, kind: string) =>
    p.db.control
      .selectFrom('mail_outbox')
      .selectAll()
      .where('to_address', '=', to)
      .where('kind', '=', kind)
      .where('store_id', '=', storeId)
      .orderBy('created_at', 'desc')
      .execute();
  const linkToken = (text: string, path: string) => new RegExp(`${path}\\?token=([a-z2-7]+)`).exec(text)?.[1] as string;
  const fresh = (what: string) => `${what}-${randomBytes(4).toString('hex')}@example.com`;

  /** A guest (or signed-in) purchase paid on the manual pay page; returns the order id. */
  async function buy(email: string, session?: string) {
    const add = await req('/cart/add', form({ variantId, quantity: '1' }, session));
    const jar = [cookieOf(add, 'sf_cart'), session].filter(Boolean).join('; ');
    const res = await req('/checkout', form({ email, name: 'Guest Buyer', line1: '5 Rue Oberkampf', city: 'Paris', postalCode: '75011', country: 'FR' }, jar));
    expect(res.status, await res.clone().text()).toBe(303);
    const pay = new URL(res.headers.get('location') as string, `http://${host()}`);
    expect((await req(`${pay.pathname}${pay.search}`, form({ outcome: 'pay' }, jar))).status).toBe(303);
    return pay.pathname.split('/').pop() as string;
  }
  async function register(email: string, name = 'Ada Customer', password = 'a long shopper passphrase') {
    const res = await req('/account/register', form({ email, name, password }));
    expect(res.status).toBe(303);
    return cookieOf(res, 'sf_session');
  }

  beforeAll(async () => {
    p = await startTestPlatform();
    app = createStorefrontApp(p.db, createLogger({ level: 'silent' }), {
      rootDomain: 'localhost',
      secret: 'accounts-test-secret-0123456789abcdef012',
      storeCacheTtlMs: 0,
      trustProxy: true,
      mail: p.services.mail,
      queues: p.queues,
    });
    const { cookie } = await signup(p);
    const store = await createStore(p, cookie, undefined, 'EUR');
    slug = store.slug;
    storeId = store.id;
    schema = (await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', storeId).executeTakeFirstOrThrow()).schema_name;
    await p.db.control.updateTable('stores').set({ country: 'FR' }).where('id', '=', storeId).execute();
    const prod = await createProduct(p, cookie, store.id, { title: 'Jasmine Tea', variants: [{ sku: 'JT-1', price: 900, inventoryQuantity: 500 }] });
    variantId = prod.variants[0].id;
  });
  afterAll(async () => {
    await p?.close();
  });

  it('resets a password by a mailed single-use link that expires, signs the customer in and ends their other sessions', async () => {
    const email = fresh('reset');
    const oldSession = await register(email);
    expect((await req('/account', { headers: { cookie: oldSession } })).status).toBe(200);
    const login = await req('/account/login');
    expect(await login.text()).toContain('href="/account/forgot"');
    expect((await req('/account/forgot')).status).toBe(200);

    const asked = await req('/account/forgot', form({ email: email.toUpperCase() }));
    expect(asked.status).toBe(200);
    expect(await asked.text()).toContain('data-testid="reset-sent"');
    const [mail] = await mails(email, 'customer-password-reset');
    expect(mail, 'reset mail written').toBeDefined();
    // One layout: branded HTML and a plain-text part with the same link.
    const token = linkToken(mail?.text_body ?? '', '/account/reset');
    expect(token).toMatch(/^[a-z2-7]{52}$/);
    expect(mail?.html_body).toContain(`href="http://${host()}/account/reset?token=${token}"`);
    expect(mail?.html_body).toContain('<html lang="en">');
    // Only the hash is stored.
    const rows = await p.db.tenant(schema).selectFrom('customer_tokens').selectAll().where('purpose', '=', 'reset').execute();
    expect(rows.some((r) => r.token_hash === token)).toBe(false);

    const page = await req(`/account/reset?token=${token}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`name="token" value="${token}"`);
    expect((await req('/account/reset', form({ token, password: 'short' }))).status).toBe(400);
    const done = await req('/account/reset', form({ token, password: 'a brand new passphrase' }));
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/account?notice=password-reset');
    const session = cookieOf(done, 'sf_session');
    expect((await req('/account', { headers: { cookie: session } })).status).toBe(200);
    // The old session ended; the link works once; the new password signs in, the old one does not.
    expect((await req('/account', { headers: { cookie: oldSession } })).headers.get('location')).toContain('/account/login');
    const again = await req('/account/reset', form({ token, password: 'yet another passphrase' }));
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('invalid');
    expect((await req('/account/login', form({ email, password: 'a long shopper passphrase' }))).status).toBe(401);
    expect((await req('/account/login', form({ email, password: 'a brand new passphrase' }))).status).toBe(303);

    // An expired link is refused; a newer link voids the older one.
    await req('/account/forgot', form({ email }));
    const first = linkToken((await mails(email, 'customer-password-reset'))[0]?.text_body ?? '', '/account/reset');
    await req('/account/forgot', form({ email }));
    const second = linkToken((await mails(email, 'customer-password-reset'))[0]?.text_body ?? '', '/account/reset');
    expect(second).not.toBe(first);
    expect((await req('/account/reset', form({ token: first, password: 'one more passphrase' }))).status).toBe(400);
    await p.db
      .tenant(schema)
      .updateTable('customer_tokens')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('purpose', '=', 'reset')
      .execute();
    expect((await req('/account/reset', form({ token: second, password: 'one more passphrase' }))).status).toBe(400);
  });

  it('answers a reset request for an unknown address exactly like a known one, mails nobody, and rate-limits per address and per IP', async () => {
    const known = fresh('known');
    await register(known);
    const unknown = fresh('unknown');
    const a = await req('/account/forgot', form({ email: known }));
    const b = await req('/account/forgot', form({ email: unknown }));
    expect(a.status).toBe(b.status);
    const strip = (html: string, email: string) => html.replaceAll(email, 'X');
    expect(strip(await b.text(), unknown)).toBe(strip(await a.text(), known));
    expect(await mails(unknown, 'customer-password-reset')).toHaveLength(0);
    // Per address, whatever the IP: the fourth request within the hour is refused (for both kinds of address).
    for (const email of [known, unknown]) {
      for (let i = 0; i < 2; i++) expect((await req('/account/forgot', form({ email }))).status).toBe(200);
      expect((await req('/account/forgot', form({ email }))).status).toBe(429);
    }
    expect(await mails(known, 'customer-password-reset')).toHaveLength(3);
    // Per IP over many addresses.
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await req('/account/forgot', { ...form({ email: fresh('spray') }), ip: '203.0.113.50' })).status);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    // Garbage tokens are refused with the same message, without a database hit on their shape.
    for (const token of ['', 'x', 'A'.repeat(52), `${'a'.repeat(51)}1`])
      expect((await req('/account/reset', form({ token, password: 'a good passphrase' }))).status).toBe(400);
  });

  it('two concurrent uses of one reset link: exactly one wins', async () => {
    const email = fresh('race');
    await register(email);
    await req('/account/forgot', form({ email }));
    const token = linkToken((await mails(email, 'customer-password-reset'))[0]?.text_body ?? '', '/account/reset');
    const results = await Promise.all([
      req('/account/reset', form({ token, password: 'first racer passphrase' })),
      req('/account/reset', form({ token, password: 'second racer passphrase' })),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([303, 400]);
  });

  it('attaches earlier guest orders only once the address is verified, on a confirmation page (opening the link changes nothing)', async () => {
    const email = fresh('guest');
    const guestOrder = await buy(email);
    const session = await register(email);
    let account = await (await req('/account', { headers: { cookie: session } })).text();
    expect(account).toContain('data-testid="verify-banner"');
    const orderOf = async () =>
      (await p.db.tenant(schema).selectFrom('orders').select('customer_id').where('id', '=', guestOrder).executeTakeFirstOrThrow()).customer_id;
    expect(await orderOf()).toBeNull();

    const [mail] = await mails(email, 'customer-verify-email');
    const token = linkToken(mail?.text_body ?? '', '/account/verify');
    expect(mail?.html_body).toContain('<table role="presentation"');
    // A mail scanner following the link: a page with a button, nothing verified.
    const opened = await req(`/account/verify?token=${token}`);
    expect(opened.status).toBe(200);
    expect(await opened.text()).toContain('action="/account/verify"');
    expect(await orderOf()).toBeNull();

    const confirmed = await req('/account/verify', form({ token }, session));
    expect(confirmed.status).toBe(303);
    expect(confirmed.headers.get('location')).toBe('/account?notice=verified');
    const customerId = (await p.db.tenant(schema).selectFrom('customers').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
    expect(await orderOf()).toBe(customerId);
    account = await (await req('/account', { headers: { cookie: session } })).text();
    expect(account).not.toContain('data-testid="verify-banner"');
    expect(account).toContain(`/orders/${guestOrder}?sig=`);
    expect((await req('/account/verify', form({ token }, session))).status).toBe(400);

    // A later guest order with the verified address joins at the next sign-in.
    const later = await buy(email);
    await req('/account/login', form({ email, password: 'a long shopper passphrase' }));
    expect((await p.db.tenant(schema).selectFrom('orders').select('customer_id').where('id', '=', later).executeTakeFirstOrThrow()).customer_id).toBe(
      customerId,
    );
  });

  it('an unverified account never receives guest orders, even at sign-in; resending the link is rate-limited', async () => {
    const email = fresh('squat');
    const victimOrder = await buy(email);
    const session = await register(email, 'Squatter');
    expect((await req('/account/login', form({ email, password: 'a long shopper passphrase' }))).status).toBe(303);
    expect(
      (await p.db.tenant(schema).selectFrom('orders').select('customer_id').where('id', '=', victimOrder).executeTakeFirstOrThrow()).customer_id,
    ).toBeNull();
    const resend = await req('/account/verify/resend', { ...form({}, session), ip: '192.0.2.200' });
    expect(resend.headers.get('location')).toBe('/account?notice=verification-sent');
    const links = await mails(email, 'customer-verify-email');
    expect(links).toHaveLength(2);
    // The resent link voids the first.
    const old = linkToken(links[1]?.text_body ?? '', '/account/verify');
    expect((await req('/account/verify', form({ token: old }))).status).toBe(400);
    for (let i = 0; i < 5; i++) await req('/account/verify/resend', { ...form({}, session), ip: '192.0.2.200' });
    expect(await mails(email, 'customer-verify-email')).toHaveLength(6);
  });

  it('pre-fills the checkout with the signed-in customer’s name, then their newest saved address; addresses are saved and deleted in the account', async () => {
    const email = fresh('prefill');
    const session = await register(email, 'Zoë Prefill');
    const add = await req('/cart/add', form({ variantId, quantity: '1' }, session));
    const jar = `${cookieOf(add, 'sf_cart')}; ${session}`;
    let html = await (await req('/checkout', { headers: { cookie: jar } })).text();
    expect(html).toContain('value="Zoë Prefill"');
    expect(html).toContain(`value="${email}"`);
    // The store's country (FR) is preselected, and the list names every country in the page's language.
    expect(html).toMatch(/<option [^>]*value="FR" selected>France<\/option>/);
    expect((html.match(/<option [^>]*value="[A-Z]{2}"/g) ?? []).length).toBe(249);

    // A refused address keeps what was typed and names the field.
    const bad = await req('/account/addresses', form({ name: 'Zoë Prefill', line1: '', city: 'Lyon', postalCode: '69001', country: 'FR' }, session));
    expect(bad.status).toBe(400);
    const badHtml = await bad.text();
    expect(badHtml).toContain('id="acct-line1-error"');
    expect(badHtml).toContain('value="Lyon"');
    const saved = await req(
      '/account/addresses',
      form({ name: 'Zoë Prefill', line1: '12 Quai Saint-Antoine', city: 'Lyon', postalCode: '69002', country: 'FR' }, session),
    );
    expect(saved.headers.get('location')).toBe('/account?notice=address-saved');
    html = await (await req('/checkout', { headers: { cookie: jar } })).text();
    expect(html).toContain('value="12 Quai Saint-Antoine"');
    expect(html).toContain('value="69002"');

    const account = await (await req('/account', { headers: { cookie: session } })).text();
    // French order: postcode before the city.
    expect(account).toContain('69002 Lyon');
    const id = /action="\/account\/addresses\/([0-9a-f-]{36})\/delete"/.exec(account)?.[1] as string;
    // Another customer cannot delete it.
    const other = await register(fresh('other'));
    await req(`/account/addresses/${id}/delete`, form({}, other));
    expect(await p.db.tenant(schema).selectFrom('addresses').select('id').where('id', '=', id).executeTakeFirst()).toBeDefined();
    await req(`/account/addresses/${id}/delete`, form({}, session));
    expect(await p.db.tenant(schema).selectFrom('addresses').select('id').where('id', '=', id).executeTakeFirst()).toBeUndefined();
  });

  it('writes the mails in the page’s language (Chinese store)', async () => {
    await p.db
      .tenant(schema)
      .insertInto('store_settings')
      .values({ key: 'languages', value: JSON.stringify(['zh-CN', 'en']) as never })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify(['zh-CN', 'en']) as never }))
      .execute();
    const email = fresh('zh');
    const res = await req('/account/register', {
      ...form({ email, name: '王小明', password: 'a long shopper passphrase' }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: 'sf_lang=zh-CN' },
    });
    expect(res.status).toBe(303);
    const [mail] = await mails(email, 'customer-verify-email');
    expect(mail?.subject).toContain('确认');
    expect(mail?.html_body).toContain('<html lang="zh-CN">');
    expect(mail?.text_body).toContain('王小明');
  });
});
