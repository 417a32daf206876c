/**
 * Shoppers start their own privacy requests on the storefront (real Postgres
 * and Redis, the worker running): a guest's request exists only once the
 * sealed link mailed to the address is used, the answer never tells a known
 * address from an unknown one, attempts are limited; a signed-in shopper asks
 * from their account. The merchant sees the request with its statutory
 * deadline, extends it once with a reason, approves it, and the worker mails
 * the shopper a signed link that downloads their export until it expires.
 */
import { randomBytes } from 'node:crypto';
import { createLogger } from '@storeloom/log';
import { openPrivacyConfirmation, sealPrivacyConfirmation } from '@storeloom/privacy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorefrontApp } from '../../storefront/src/app.ts';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';

const SECRET = 'privacy-shopper-secret-0123456789abcdef01';
const DAY = 86_400_000;

describe('privacy requests started by shoppers', () => {
  let p: TestPlatform;
  let sf: ReturnType<typeof createStorefrontApp>;
  let cookie: string;
  let storeId: string;
  let otherStoreId: string;
  let slug: string;
  let variantId: string;
  const suffix = randomBytes(4).toString('hex');
  const GUEST = `ottilie.vantongeren.${suffix}@example.org`;
  const STRANGER = `nobody.${suffix}@example.org`;
  let ipCounter = 1;
  const nextIp = () => `198.51.100.${ipCounter++}`;

  const host = () => `${slug}.localhost`;
  const req = (path: string, init: RequestInit & { ip?: string } = {}) => {
    const headers = new Headers(init.headers);
    headers.set('host', host());
    if (init.method === 'POST' && !headers.has('origin')) headers.set('origin', `http://${host()}`);
    return sf.request(`http://${host()}${path}`, { ...init, headers }, { incoming: { socket: { remoteAddress: init.ip ?? '192.0.2.10' } } } as never);
  };
  const form = (data: Record<string, string>, c?: string) => ({
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(c ? { cookie: c } : {}) },
    body: new URLSearchParams(data).toString(),
  });
  const cookieOf = (res: Response, name: string) => (res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`)) ?? '').split(';')[0] as string;
  const mails = (kind: string, to: string) =>
    p.db.control
      .selectFrom('mail_outbox')
      .select(['to_address', 'text_body', 'subject'])
      .where('store_id', '=', storeId)
      .where('kind', '=', kind)
      .where('to_address', '=', to)
      .orderBy('created_at')
      .execute();
  const requestsOf = async () => (await p.request('GET', `/api/v1/stores/${storeId}/privacy-requests`, { cookie })).body.items as any[];

  async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
    for (let i = 0; i < 600; i++) {
      const v = await fn();
      if (ok(v)) return v;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('condition never met');
  }

  beforeAll(async () => {
    p = await startTestPlatform({ queueBackend: 'redis' });
    await p.startWorker({ storefront: { secret: SECRET, storeUrl: (s) => `http://${s.slug}.localhost` } });
    cookie = (await signup(p)).cookie;
    const store = await createStore(p, cookie, undefined, 'EUR');
    storeId = store.id;
    slug = store.slug;
    otherStoreId = (await createStore(p, cookie)).id;
    const prod = await createProduct(p, cookie, storeId, { title: 'Oolong Tea', variants: [{ sku: 'OO-1', price: 1250, inventoryQuantity: 50 }] });
    variantId = prod.variants[0].id;
    sf = createStorefrontApp(p.db, createLogger({ level: 'silent' }), {
      rootDomain: 'localhost',
      secret: SECRET,
      storeCacheTtlMs: 0,
      mail: p.services.mail,
      queues: p.queues,
      storage: p.services.storage,
    });
    // The guest has an order, so the export has something in it.
    const add = await req('/cart/add', form({ variantId, quantity: '1' }));
    const cart = cookieOf(add, 'sf_cart');
    const res = await req(
      '/checkout',
      form({ email: GUEST, name: 'Ottilie Vantongeren', line1: '3 Harbour Row', city: 'Leiden', postalCode: '2311 AB', country: 'NL' }, cart),
    );
    expect(res.status).toBe(303);
  });
  afterAll(async () => {
    await p?.close();
  });

  it('seals the confirmation: the address is not in the link, and a tampered, foreign or expired token opens nothing', () => {
    const token = sealPrivacyConfirmation(SECRET, storeId, { kind: 'export', email: GUEST });
    expect(token).not.toContain(GUEST);
    expect(Buffer.from(token, 'base64url').toString('latin1')).not.toContain(GUEST);
    expect(openPrivacyConfirmation(SECRET, storeId, token)).toMatchObject({ kind: 'export', email: GUEST });
    expect(openPrivacyConfirmation(SECRET, otherStoreId, token)).toBeNull();
    expect(openPrivacyConfirmation('another-secret-0123456789abcdef0123456789', storeId, token)).toBeNull();
    const raw = Buffer.from(token, 'base64url');
    raw[raw.length - 1] = (raw[raw.length - 1] as number) ^ 0x01;
    expect(openPrivacyConfirmation(SECRET, storeId, raw.toString('base64url'))).toBeNull();
    const old = sealPrivacyConfirmation(SECRET, storeId, { kind: 'export', email: GUEST }, Date.now() - DAY - 1000);
    expect(openPrivacyConfirmation(SECRET, storeId, old)).toBeNull();
    expect(openPrivacyConfirmation(SECRET, storeId, 'not a token')).toBeNull();
  });

  it('answers a known and an unknown address alike, and creates nothing until the mailed link is used', async () => {
    const known = await req('/account/privacy', { ...form({ kind: 'export', email: GUEST.toUpperCase() }), ip: nextIp() });
    const unknown = await req('/account/privacy', { ...form({ kind: 'export', email: STRANGER }), ip: nextIp() });
    expect(known.status).toBe(303);
    expect(unknown.status).toBe(303);
    expect(known.headers.get('location')).toBe('/account/privacy/sent');
    expect(unknown.headers.get('location')).toBe(known.headers.get('location'));
    const sent = await req('/account/privacy/sent');
    expect(sent.status).toBe(200);
    expect(await sent.text()).not.toContain(GUEST);
    // Both addresses get the same confirmation mail; no request exists yet.
    const [mail] = await mails('privacy-confirm', GUEST);
    expect(await mails('privacy-confirm', STRANGER)).toHaveLength(1);
    expect(await requestsOf()).toEqual([]);
    const link = new URL((mail?.text_body.match(/https?:\/\/\S+/) ?? [])[0] as string);
    expect(link.host).toBe(host());
    expect(link.pathname).toBe('/account/privacy/confirm');
    expect(link.href).not.toContain(encodeURIComponent(GUEST));
    expect(link.href.toLowerCase()).not.toContain(GUEST);

    // GET only asks (a mail scanner following the link changes nothing).
    const ask = await req(`${link.pathname}${link.search}`);
    expect(ask.status).toBe(200);
    const html = await ask.text();
    expect(html).toContain('name="token"');
    expect(await requestsOf()).toEqual([]);

    const token = link.searchParams.get('token') as string;
    const confirmed = await req('/account/privacy/confirm', form({ token }));
    expect(confirmed.status).toBe(303);
    expect(confirmed.headers.get('location')).toBe('/account/privacy/received');
    // A second click finds the open request instead of adding one.
    expect((await req('/account/privacy/confirm', form({ token }))).status).toBe(303);
    const items = await requestsOf();
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ kind: 'export', status: 'pending', source: 'guest', email: GUEST, awaitingApproval: true, extendedAt: null });
    const due = new Date(items[0].dueAt).getTime() - new Date(items[0].createdAt).getTime();
    expect(due).toBe(30 * DAY);

    // A tampered token, one of another store and an expired one are refused the same way.
    // Tampered in the middle: the last base64url character carries padding bits, so changing it (A ↔ B, say) can
    // leave the decoded bytes, and the signature, as they were.
    const mid = Math.floor(token.length / 2);
    const tampered = `${token.slice(0, mid)}${token[mid] === 'A' ? 'B' : 'A'}${token.slice(mid + 1)}`;
    expect((await req('/account/privacy/confirm', form({ token: tampered }))).status).toBe(404);
    const foreign = sealPrivacyConfirmation(SECRET, otherStoreId, { kind: 'erasure', email: GUEST });
    expect((await req('/account/privacy/confirm', form({ token: foreign }))).status).toBe(404);
    const expired = sealPrivacyConfirmation(SECRET, storeId, { kind: 'erasure', email: GUEST }, Date.now() - 2 * DAY);
    expect((await req(`/account/privacy/confirm?token=${expired}`)).status).toBe(404);
    expect(await requestsOf()).toHaveLength(1);
  });

  it('refuses bad input with a message at the field, and limits attempts per IP and mails per address', async () => {
    const ip = nextIp();
    const bad = await req('/account/privacy', { ...form({ kind: 'export', email: 'not-an-address' }), ip });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('aria-invalid="true"');
    expect((await req('/account/privacy', { ...form({ kind: 'everything', email: GUEST }), ip })).status).toBe(400);
    // Erasure needs the box ticked.
    expect((await req('/account/privacy', { ...form({ kind: 'erasure', email: GUEST }), ip })).status).toBe(400);

    // Per address: at most 3 confirmation mails an hour, whatever the IP; the answer does not change.
    const target = `flood.${suffix}@example.org`;
    for (let i = 0; i < 5; i++) {
      const r = await req('/account/privacy', { ...form({ kind: 'erasure', email: target, confirm: '1' }), ip: nextIp() });
      expect(r.status).toBe(303);
    }
    expect(await mails('privacy-confirm', target)).toHaveLength(3);

    // Per IP: 10 an hour.
    const busy = nextIp();
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++)
      statuses.push((await req('/account/privacy', { ...form({ kind: 'export', email: `n${i}.${suffix}@example.org` }), ip: busy })).status);
    expect(statuses.slice(0, 10).every((s) => s === 303)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
  });

  it('lets a signed-in shopper ask from their account, for their own address only', async () => {
    const email = `signed.${suffix}@example.org`;
    const reg = await req('/account/register', { ...form({ email, name: 'Signe Dinn', password: 'a long shopper passphrase' }), ip: nextIp() });
    const session = cookieOf(reg, 'sf_session');
    const account = await req('/account', { headers: { cookie: session } });
    expect(await account.text()).toContain('href="/account/privacy"');
    const page = await req('/account/privacy', { headers: { cookie: session } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(email);
    expect(html).not.toContain('name="email"');
    // A typed address is ignored: the account's own is used.
    const noBox = await req('/account/privacy', { ...form({ kind: 'erasure', email: GUEST }, session), ip: nextIp() });
    expect(noBox.status).toBe(400);
    const asked = await req('/account/privacy', { ...form({ kind: 'erasure', email: GUEST, confirm: '1' }, session), ip: nextIp() });
    expect(asked.status).toBe(303);
    expect(asked.headers.get('location')).toBe('/account/privacy/received');
    const mine = (await requestsOf()).filter((r) => r.source === 'shopper');
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ kind: 'erasure', email, awaitingApproval: true });
    const listed = await (await req('/account/privacy', { headers: { cookie: session } })).text();
    expect(listed).toContain('Waiting for the store');
  });

  it('the merchant extends the deadline once with a reason, approves, and the shopper downloads the export from the mailed link', async () => {
    const [guestReq] = (await requestsOf()).filter((r) => r.source === 'guest');
    const base = `/api/v1/stores/${storeId}/privacy-requests/${guestReq.id}`;
    expect((await p.request('POST', `${base}/extend`, { cookie, body: { reason: 'short' } })).status).toBe(400);
    const extended = await p.request('POST', `${base}/extend`, { cookie, body: { reason: 'Many orders across several years to collect' } });
    expect(extended.status).toBe(200);
    expect(new Date(extended.body.dueAt).getTime() - new Date(guestReq.dueAt).getTime()).toBe(60 * DAY);
    expect(extended.body.extensionReason).toBe('Many orders across several years to collect');
    const again = await p.request('POST', `${base}/extend`, { cookie, body: { reason: 'Another reason that is long enough' } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('conflict');
    const audit = await p.db.control
      .selectFrom('audit_log')
      .select(['action', 'data'])
      .where('store_id', '=', storeId)
      .where('target_id', '=', guestReq.id)
      .execute();
    expect(audit.map((a) => a.action)).toContain('privacy.request_extended');

    expect((await p.request('POST', `${base}/approve`, { cookie })).status).toBe(202);
    const done = await until(
      () => p.request('GET', base, { cookie }),
      (r) => r.body.status === 'completed',
    );
    expect(done.body.downloadUrl).toBeTruthy();
    const [ready] = await until(
      () => mails('privacy-export-ready', GUEST),
      (m) => m.length === 1,
    );
    const link = new URL((ready?.text_body.match(/https?:\/\/\S+/) ?? [])[0] as string);
    expect(link.host).toBe(host());
    const res = await req(`${link.pathname}${link.search}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toContain('attachment');
    expect(res.headers.get('cache-control')).toContain('no-store');
    const doc = JSON.parse(await res.text());
    expect(doc.email).toBe(GUEST);
    expect(doc.orders).toHaveLength(1);
    expect(doc.orders[0].shipping_address ?? doc.orders[0].shippingAddress).toBeTruthy();

    // The signature covers the request and the expiry; another request's id or a later expiry is a 404.
    const sig = link.searchParams.get('sig') as string;
    const exp = link.searchParams.get('exp') as string;
    expect((await req(`${link.pathname}?exp=${Number(exp) + 1}&sig=${sig}`)).status).toBe(404);
    expect((await req(`/account/privacy/exports/${crypto.randomUUID()}?exp=${exp}&sig=${sig}`)).status).toBe(404);
    expect((await req(`${link.pathname}?exp=${exp}`)).status).toBe(404);
    // Once the archive has expired the link is dead even with a valid signature.
    await p.db
      .tenant((await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', storeId).executeTakeFirstOrThrow()).schema_name)
      .updateTable('privacy_requests')
      .set({ archive_expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', guestReq.id)
      .execute();
    expect((await req(`${link.pathname}${link.search}`)).status).toBe(404);
  });
});
