/**
 * Marketing mail as a consent the shopper gives (issue 22), on real Postgres (queues on Redis), with the fake clock
 * of the recovery tests: the unchecked-by-default "Email me with news and offers" box at checkout and registration
 * and the Storefront API's `acceptsMarketing` record a `consents` row (purpose marketing, version, source, address,
 * customer); the account withdraws and gives it again, the one-click unsubscribe records a withdrawal; the store's
 * `recoveryRecipients` decides who gets abandoned-cart reminders (`all` by default, `subscribed` only addresses with
 * a consent; an unsubscribe always wins); export and erasure carry the rows; the privacy policy says so.
 */
import { randomBytes } from 'node:crypto';
import { CartService, MARKETING_CONSENT_VERSION, MarketingConsentService, recoveryPaths } from '@storeloom/commerce';
import { collectedDataItems, dataPracticesFromSettings } from '@storeloom/content';
import type { Kysely, TenantDatabase } from '@storeloom/db';
import { cartRecoveryJob } from '@storeloom/jobs';
import { createLogger } from '@storeloom/log';
import { collectExport, eraseInStore } from '@storeloom/privacy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorefrontApp } from '../../storefront/src/app.ts';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { createHandlers } from '../src/handlers.ts';

const SECRET = 'marketing-consent-secret-0123456789abcdef';
const HOUR = 3_600_000;
const ADDRESS = { name: 'Ada Shopper', line1: '1 Main St', line2: null, city: 'Springfield', postalCode: '12345', region: null, country: 'US' };

describe('marketing mail consent', () => {
  let p: TestPlatform;
  let owner: string;
  let store: { id: string; slug: string; name: string; schema_name: string };
  let t: Kysely<TenantDatabase>;
  let variantId: string;
  let app: ReturnType<typeof createStorefrontApp>;
  let offset = 0;
  let ipSeq = 1;

  const fresh = (what: string) => `${what}-${randomBytes(4).toString('hex')}@example.com`;
  const host = () => `${store.slug}.localhost`;
  const req = (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    headers.set('host', host());
    if (init.method === 'POST' && !headers.has('origin')) headers.set('origin', `http://${host()}`);
    headers.set('x-forwarded-for', `198.51.100.${ipSeq++ % 250}`);
    return app.request(`http://${host()}${path}`, { ...init, headers });
  };
  const form = (data: Record<string, string>, cookie?: string): RequestInit => ({
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
    body: new URLSearchParams(data).toString(),
  });
  const cookieOf = (res: Response, name: string) => (res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`)) ?? '').split(';')[0] as string;
  const rows = (email: string) =>
    t
      .selectFrom('consents')
      .select(['choices', 'version', 'source', 'customer_id', 'email'])
      .where('email', '=', email)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
  const settings = (body: unknown) => p.request('PUT', `/api/v1/stores/${store.id}/promotion-settings`, { cookie: owner, body });
  const runRecovery = () => {
    const handler = createHandlers({
      db: p.db,
      logger: createLogger({ level: 'silent' }),
      retentionDays: 30,
      provisioningStaleSeconds: 1,
      queues: p.queues,
      storefront: { secret: SECRET, storeUrl: (s) => `http://${s.slug}.localhost:3001` },
      clock: () => new Date(Date.now() + offset),
    })[cartRecoveryJob.name];
    const job = { data: { v: cartRecoveryJob.version, payload: {} }, attemptsMade: 0, opts: {}, updateProgress: async () => {} };
    return handler?.(job as never) as Promise<{ sent: number }>;
  };
  const reminders = (email: string) =>
    p.db.control.selectFrom('mail_outbox').select('id').where('to_address', '=', email).where('kind', '=', 'cart-recovery').execute();
  const abandon = async (email: string) => {
    const carts = new CartService(t);
    const cart = await carts.findOrCreate(undefined);
    await carts.add(cart.id, variantId, 1);
    await t.updateTable('carts').set({ email }).where('id', '=', cart.id).execute();
  };
  const cartJar = async () => cookieOf(await req('/cart/add', form({ variantId, quantity: '1' })), 'sf_cart');
  const api = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await req(`/api/storefront/v1${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };

  beforeAll(async () => {
    p = await startTestPlatform();
    owner = (await signup(p)).cookie;
    const s = await createStore(p, owner);
    const row = await p.db.control.selectFrom('stores').selectAll().where('id', '=', s.id).executeTakeFirstOrThrow();
    store = { id: row.id, slug: row.slug, name: row.name, schema_name: row.schema_name };
    t = p.db.tenant(row.schema_name);
    variantId = (await createProduct(p, owner, s.id, { title: 'Oolong', variants: [{ sku: 'OO-1', price: 1500, inventoryQuantity: 500 }] })).variants[0].id;
    app = createStorefrontApp(p.db, createLogger({ level: 'silent' }), {
      rootDomain: 'localhost',
      secret: SECRET,
      storeCacheTtlMs: 0,
      trustProxy: true,
      mail: p.services.mail,
      queues: p.queues,
    });
  });
  afterAll(async () => {
    await p?.close();
  });

  it('checkout: the box is offered unticked; a ticked box records the consent, an unticked one records nothing', async () => {
    const jar = await cartJar();
    const html = await (await req('/checkout', { headers: { cookie: jar } })).text();
    const box = /<input[^>]*name="acceptsMarketing"[^>]*>/.exec(html)?.[0];
    expect(box).toBeDefined();
    expect(box).not.toContain('checked');
    expect(html).toContain('Email me with news and offers');

    const yes = fresh('opt-in');
    const placed = await req('/checkout', form({ email: yes, ...ADDRESS, line2: '', region: '', acceptsMarketing: '1' }, jar));
    expect(placed.status, await placed.clone().text()).toBe(303);
    expect(await rows(yes)).toEqual([{ choices: { marketing: true }, version: MARKETING_CONSENT_VERSION, source: 'checkout', customer_id: null, email: yes }]);

    const no = fresh('no-box');
    const jar2 = await cartJar();
    expect((await req('/checkout', form({ email: no, ...ADDRESS, line2: '', region: '' }, jar2))).status).toBe(303);
    expect(await rows(no)).toEqual([]);

    // A refused form keeps the box as the shopper left it.
    const jar3 = await cartJar();
    const refused = await req(
      '/checkout',
      form({ email: fresh('refused'), name: '', line1: '', city: '', postalCode: '', country: 'US', acceptsMarketing: '1' }, jar3),
    );
    expect(refused.status).toBe(400);
    expect(/<input[^>]*name="acceptsMarketing"[^>]*>/.exec(await refused.text())?.[0]).toContain('checked');

    // No marketing mail at all: no box.
    expect((await settings({ marketingEmails: false })).status).toBe(200);
    expect(await (await req('/checkout', { headers: { cookie: jar3 } })).text()).not.toContain('name="acceptsMarketing"');
    expect((await settings({ marketingEmails: true })).status).toBe(200);
  });

  it('registration records it with the account; the account withdraws and gives it again; the unsubscribe link records a withdrawal', async () => {
    const email = fresh('member');
    const page = await (await req('/account/register')).text();
    expect(/<input[^>]*name="acceptsMarketing"[^>]*>/.exec(page)?.[0]).not.toContain('checked');
    const reg = await req('/account/register', form({ email, name: 'Ada Member', password: 'a long shopper passphrase', acceptsMarketing: '1' }));
    expect(reg.status).toBe(303);
    const session = cookieOf(reg, 'sf_session');
    const customer = await t.selectFrom('customers').select('id').where('email', '=', email).executeTakeFirstOrThrow();
    expect(await rows(email)).toEqual([
      { choices: { marketing: true }, version: MARKETING_CONSENT_VERSION, source: 'registration', customer_id: customer.id, email },
    ]);
    const account = await (await req('/account', { headers: { cookie: session } })).text();
    expect(/<input[^>]*name="acceptsMarketing"[^>]*>/.exec(account)?.[0]).toContain('checked');

    // Withdraw in the account (the box unticked): recorded, and the address is suppressed.
    const off = await req('/account/marketing', form({}, session));
    expect(off.status).toBe(303);
    expect(off.headers.get('location')).toBe('/account?notice=marketing-saved');
    expect((await rows(email)).at(-1)).toMatchObject({ choices: { marketing: false }, source: 'account', customer_id: customer.id });
    expect((await new MarketingConsentService(t).state(email)).subscribed).toBe(false);
    expect(await t.selectFrom('marketing_unsubscribes').select('email').where('email', '=', email).execute()).toHaveLength(1);
    expect(/<input[^>]*name="acceptsMarketing"[^>]*>/.exec(await (await req('/account', { headers: { cookie: session } })).text())?.[0]).not.toContain(
      'checked',
    );

    // Give it again: the shopper's own opt-in lifts their unsubscribe.
    await req('/account/marketing', form({ acceptsMarketing: '1' }, session));
    expect(await new MarketingConsentService(t).state(email)).toMatchObject({ subscribed: true, source: 'account', unsubscribed: false });

    // Signed out, nothing changes.
    expect((await req('/account/marketing', form({}))).headers.get('location')).toContain('/account/login');
    expect((await rows(email)).at(-1)?.choices).toEqual({ marketing: true });

    // The one-click unsubscribe (RFC 8058 POST, no Origin) records a withdrawal beside the suppression.
    const link = recoveryPaths.unsubscribe(SECRET, store.id, email);
    const res = await app.request(`http://${host()}${link}`, {
      method: 'POST',
      headers: { host: host(), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(res.status).toBe(200);
    expect((await rows(email)).at(-1)).toMatchObject({ choices: { marketing: false }, source: 'unsubscribe', customer_id: null });
    expect(await new MarketingConsentService(t).state(email)).toMatchObject({ subscribed: false, unsubscribed: true });
  });

  it('Storefront API: acceptsMarketing true records the consent once (replays record nothing more); left out records nothing', async () => {
    const checkout = async (email: string, extra: Record<string, unknown>, key?: string) => {
      const cart = await api('/carts', { country: 'US' });
      expect((await api(`/carts/${cart.body.id}/lines`, { variantId, quantity: 1 })).status).toBe(200);
      const body = { email, shippingAddress: { ...ADDRESS, line2: null, region: null }, ...extra };
      const first = await api(`/carts/${cart.body.id}/checkout`, body, key ? { 'idempotency-key': key } : {});
      expect(first.status, JSON.stringify(first.body)).toBe(201);
      if (key) expect((await api(`/carts/${cart.body.id}/checkout`, body, { 'idempotency-key': key })).status).toBe(201);
    };
    const yes = fresh('api-yes');
    await checkout(yes, { acceptsMarketing: true }, `k-${randomBytes(6).toString('hex')}`);
    expect(await rows(yes)).toEqual([{ choices: { marketing: true }, version: MARKETING_CONSENT_VERSION, source: 'api', customer_id: null, email: yes }]);
    const none = fresh('api-none');
    await checkout(none, {});
    expect(await rows(none)).toEqual([]);
    const no = fresh('api-no');
    await checkout(no, { acceptsMarketing: false });
    expect(await rows(no)).toEqual([]);
    // Not a boolean: refused by the fixed contract's validation.
    const cart = await api('/carts', { country: 'US' });
    await api(`/carts/${cart.body.id}/lines`, { variantId, quantity: 1 });
    const bad = await api(`/carts/${cart.body.id}/checkout`, { email: fresh('api-bad'), shippingAddress: ADDRESS, acceptsMarketing: 'yes' });
    expect(bad.status).toBe(400);
  });

  it('recovery: everyone with an e-mail by default; only consenting addresses in subscribed mode; an unsubscribe always wins', async () => {
    const read = await p.request('GET', `/api/v1/stores/${store.id}/promotion-settings`, { cookie: owner });
    expect(read.body).toMatchObject({ recoveryRecipients: 'all' });
    expect((await settings({ recoveryRecipients: 'everyone' })).status).toBe(400);
    const consents = new MarketingConsentService(t);

    // Default `all`: the address without a consent gets its reminder (as before).
    offset = 0;
    const anyone = fresh('anyone');
    await abandon(anyone);
    offset = 5 * HOUR;
    await runRecovery();
    expect(await reminders(anyone)).toHaveLength(1);

    expect((await settings({ recoveryRecipients: 'subscribed' })).status).toBe(200);
    expect((await p.request('GET', `/api/v1/stores/${store.id}/promotion-settings`, { cookie: owner })).body).toMatchObject({
      recoveryRecipients: 'subscribed',
    });
    offset = 0;
    const agreed = fresh('agreed');
    const silent = fresh('silent');
    const withdrew = fresh('withdrew');
    const unsubscribed = fresh('unsub');
    await consents.record({ email: agreed.toUpperCase(), agreed: true, source: 'checkout' });
    await consents.record({ email: withdrew, agreed: true, source: 'registration' });
    await consents.record({ email: withdrew, agreed: false, source: 'account', now: new Date(Date.now() + 1000) });
    // Consent given at a checkout after an unsubscribe does not lift it (anyone can tick a box for an address).
    await t.insertInto('marketing_unsubscribes').values({ email: unsubscribed, created_at: new Date() }).execute();
    await consents.record({ email: unsubscribed, agreed: true, source: 'checkout' });
    for (const e of [agreed, silent, withdrew, unsubscribed]) await abandon(e);
    offset = 4 * HOUR - 60_000;
    await runRecovery();
    expect(await reminders(agreed)).toHaveLength(0);
    offset = 4 * HOUR + 60_000;
    await runRecovery();
    expect(await reminders(agreed)).toHaveLength(1);
    expect(await reminders(silent)).toHaveLength(0);
    expect(await reminders(withdrew)).toHaveLength(0);
    expect(await reminders(unsubscribed)).toHaveLength(0);

    // Back to `all`: the silent address is reminded, the unsubscribed one still not.
    expect((await settings({ recoveryRecipients: 'all' })).status).toBe(200);
    await runRecovery();
    expect(await reminders(silent)).toHaveLength(1);
    expect(await reminders(unsubscribed)).toHaveLength(0);
    offset = 0;
  });

  it('export and erasure carry the marketing consents of the address', async () => {
    const email = fresh('export');
    const reg = await req('/account/register', form({ email, name: 'Erin Export', password: 'a long shopper passphrase', acceptsMarketing: '1' }));
    const session = cookieOf(reg, 'sf_session');
    await req('/account/marketing', form({}, session));
    // A guest checkout's consent for the same address, without the account.
    await new MarketingConsentService(t).record({ email, agreed: true, source: 'api' });
    const exported = await collectExport(p.db, store, email);
    expect(
      exported.consents.filter((c) => c.version === MARKETING_CONSENT_VERSION).map((c) => [c.source, (c.choices as { marketing: boolean }).marketing]),
    ).toEqual([
      ['registration', true],
      ['account', false],
      ['api', true],
    ]);
    await eraseInStore(p.db, store, email, 'anon-marketing-test', crypto.randomUUID());
    expect(await rows(email)).toEqual([]);
  });

  it('the generated privacy policy mentions marketing mail only when it is on, and how reminders are sent', () => {
    const items = (promotions: unknown) => collectedDataItems(dataPracticesFromSettings([{ key: 'promotions', value: promotions }]));
    const base = { apiAllowedOrigins: [], recovery: { enabled: true, delayMinutes: 240, secondReminder: false } };
    const on = items({ ...base, marketingEmails: true });
    expect(on.find((i) => i.id === 'marketingEmails')?.text).toContain('Email me with news and offers');
    expect(on.find((i) => i.id === 'abandonedCartReminders')?.text).not.toContain('only if you agreed');
    const subscribed = items({ ...base, marketingEmails: true, recoveryRecipients: 'subscribed' });
    expect(subscribed.find((i) => i.id === 'abandonedCartReminders')?.text).toContain('only if you agreed');
    const off = items({ ...base, marketingEmails: false });
    expect(off.map((i) => i.id)).not.toContain('marketingEmails');
    expect(off.map((i) => i.id)).not.toContain('abandonedCartReminders');
  });
});
