/**
 * Abandoned-cart recovery on real Postgres (queues on Redis), with a fake
 * clock: the `commerce.cart-recovery` job mails a cart with an e-mail once
 * its store's delay has passed (not before), once per cart (a second reminder
 * only when enabled, 24 h later), never after an order, never to an address
 * that unsubscribed (one-click POST without an Origin, List-Unsubscribe
 * headers), never when the store does not allow marketing mail. The signed
 * link restores the cart (and its code) in another browser; an order from it
 * is recovered and shows up, with its revenue, in the merchant's abandoned
 * checkouts.
 */
import { CartService, OrderService, parseSettings } from '@storeloom/commerce';
import { type Kysely, sql, type TenantDatabase } from '@storeloom/db';
import { createLogger } from '@storeloom/log';
import { cartRecoveryJob } from '@storeloom/jobs';
import { LocalOutboxTransport, MailOutbox } from '@storeloom/mail';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorefrontApp } from '../../storefront/src/app.ts';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { createHandlers } from '../src/handlers.ts';

const SECRET = 'recovery-test-secret-0123456789abcdef';
const HOUR = 3_600_000;
const ADDRESS = { name: 'Ada Shopper', line1: '1 Main St', line2: null, city: 'Springfield', postalCode: '12345', region: null, country: 'US', phone: null };

describe('abandoned-cart recovery', () => {
  let p: TestPlatform;
  let owner: string;
  let store: { id: string; slug: string; name: string; currency: string };
  let t: Kysely<TenantDatabase>;
  let variantId: string;
  let storefront: ReturnType<typeof createStorefrontApp>;
  let outbox: MailOutbox;
  /** The fake clock's offset from now. */
  let offset = 0;

  const run = () => {
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
  const mailTo = (email: string) => outbox.list({ to: email });
  const abandon = async (email: string | null, qty = 2) => {
    const carts = new CartService(t);
    const cart = await carts.findOrCreate(undefined);
    await carts.add(cart.id, variantId, qty);
    if (email) await t.updateTable('carts').set({ email }).where('id', '=', cart.id).execute();
    return cart;
  };
  const settings = (body: unknown) => p.request('PUT', `/api/v1/stores/${store.id}/promotion-settings`, { cookie: owner, body });
  const page = async (method: string, path: string, headers: Record<string, string> = {}, body?: string) => {
    const host = `${store.slug}.localhost`;
    const res = await storefront.request(`http://${host}${path}`, { method, headers: { host, ...headers }, ...(body !== undefined ? { body } : {}) });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };
  const orders = () => new OrderService(t, { store });

  beforeAll(async () => {
    p = await startTestPlatform();
    owner = (await signup(p)).cookie;
    const s = await createStore(p, owner);
    const row = await p.db.control.selectFrom('stores').selectAll().where('id', '=', s.id).executeTakeFirstOrThrow();
    store = { id: row.id, slug: row.slug, name: row.name, currency: row.currency };
    t = p.db.tenant(row.schema_name);
    variantId = (await createProduct(p, owner, s.id, { title: 'Oolong', variants: [{ sku: 'OO-1', price: 1500, inventoryQuantity: 500 }] })).variants[0].id;
    storefront = createStorefrontApp(p.db, createLogger({ level: 'silent' }), { rootDomain: 'localhost', secret: SECRET, storeCacheTtlMs: 0 });
    outbox = new MailOutbox(p.db, new LocalOutboxTransport(), '');
    expect(
      (
        await p.request('POST', `/api/v1/stores/${store.id}/discounts`, {
          cookie: owner,
          body: { title: 'Come back', code: 'COMEBACK', kind: 'percentage', value: 10 },
        })
      ).status,
    ).toBe(201);
    expect((await settings({ recovery: { enabled: true, delayMinutes: 240, secondReminder: false, discountCode: 'COMEBACK' } })).status).toBe(200);
  });
  afterAll(async () => {
    await p?.close();
  });

  it('mails a cart with an e-mail after the delay (not before), once, with the contents, a signed restore link, the code and List-Unsubscribe', async () => {
    offset = 0;
    await abandon('late@example.com');
    await abandon(null);
    offset = 4 * HOUR - 60_000;
    await run();
    expect(await mailTo('late@example.com')).toHaveLength(0);
    offset = 4 * HOUR + 60_000;
    await run();
    const mails = await mailTo('late@example.com');
    expect(mails).toHaveLength(1);
    const m = mails[0];
    expect(m?.kind).toBe('cart-recovery');
    expect(m?.text).toContain('2 × Oolong');
    expect(m?.text).toContain('COMEBACK');
    expect(m?.text).toMatch(new RegExp(`http://${store.slug}\\.localhost:3001/cart/recover/[0-9a-f-]{36}\\?sig=`));
    expect(m?.headers?.['List-Unsubscribe']).toMatch(new RegExp(`^<http://${store.slug}\\.localhost:3001/unsubscribe\\?email=late%40example\\.com&sig=.+>$`));
    expect(m?.headers?.['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    // Once per cart: later sweeps send nothing more (no second reminder configured).
    offset = 30 * HOUR;
    await run();
    expect(await mailTo('late@example.com')).toHaveLength(1);
  });

  it('two sweeps racing send one reminder', async () => {
    offset = 0;
    await abandon('race@example.com');
    offset = 5 * HOUR;
    await Promise.all([run(), run(), run()]);
    expect(await mailTo('race@example.com')).toHaveLength(1);
  });

  it('sends a second reminder 24 h after the first only when enabled', async () => {
    offset = 0;
    await abandon('twice@example.com');
    offset = 5 * HOUR;
    await run();
    expect((await settings({ recovery: { enabled: true, delayMinutes: 240, secondReminder: true, discountCode: 'COMEBACK' } })).status).toBe(200);
    offset = 5 * HOUR + 23 * HOUR;
    await run();
    expect(await mailTo('twice@example.com')).toHaveLength(1);
    offset = 5 * HOUR + 24 * HOUR + 60_000;
    await run();
    const mails = await mailTo('twice@example.com');
    expect(mails.map((x) => x.subject)).toEqual([`${store.name}: your cart is still waiting`, `${store.name}: you left something in your cart`]);
    offset = 80 * HOUR;
    await run();
    expect(await mailTo('twice@example.com')).toHaveLength(2);
    await settings({ recovery: { enabled: true, delayMinutes: 240, secondReminder: false, discountCode: 'COMEBACK' } });
  });

  it('never mails after an order: from this cart, or from another cart of the same address', async () => {
    offset = 0;
    const ordered = await abandon('ordered@example.com');
    await orders().place({
      cartId: ordered.id,
      email: 'ordered@example.com',
      customerId: null,
      customerName: null,
      address: ADDRESS,
      locale: 'en',
      settings: parseSettings([]),
    });
    const other = await abandon('elsewhere@example.com');
    const next = await abandon('elsewhere@example.com', 1);
    await orders().place({
      cartId: next.id,
      email: 'elsewhere@example.com',
      customerId: null,
      customerName: null,
      address: ADDRESS,
      locale: 'en',
      settings: parseSettings([]),
    });
    offset = 6 * HOUR;
    await run();
    expect(await mailTo('ordered@example.com')).toHaveLength(0);
    expect(await mailTo('elsewhere@example.com')).toHaveLength(0);
    expect(other.id).not.toBe(next.id);
  });

  it('one-click unsubscribe (signed, no Origin needed) stops reminders; the GET only asks; a forged link is 404', async () => {
    offset = 0;
    await abandon('first@example.com');
    offset = 5 * HOUR;
    await run();
    const [m] = await mailTo('first@example.com');
    const url = new URL((m?.headers?.['List-Unsubscribe'] ?? '').slice(1, -1));
    const path = `${url.pathname}${url.search}`;
    const asked = await page('GET', path);
    expect(asked.status).toBe(200);
    expect(asked.text).toContain('<form method="post"');
    expect(await t.selectFrom('marketing_unsubscribes').selectAll().where('email', '=', 'first@example.com').execute()).toHaveLength(0);
    const forged = await page(
      'POST',
      path.replace('first%40', 'other%40'),
      { 'content-type': 'application/x-www-form-urlencoded' },
      'List-Unsubscribe=One-Click',
    );
    expect(forged.status).toBe(404);
    const done = await page('POST', path, { 'content-type': 'application/x-www-form-urlencoded' }, 'List-Unsubscribe=One-Click');
    expect(done.status).toBe(200);
    expect(done.text).toContain('You are unsubscribed');
    expect(await t.selectFrom('marketing_unsubscribes').select('email').where('email', '=', 'first@example.com').execute()).toHaveLength(1);
    // A later abandoned cart of the same address gets nothing.
    offset = 6 * HOUR;
    await abandon('first@example.com');
    offset = 12 * HOUR;
    await run();
    expect(await mailTo('first@example.com')).toHaveLength(1);
  });

  it('sends nothing when the store does not allow marketing mail or turned recovery off', async () => {
    await settings({ marketingEmails: false });
    offset = 0;
    await abandon('privacy@example.com');
    offset = 5 * HOUR;
    await run();
    expect(await mailTo('privacy@example.com')).toHaveLength(0);
    await settings({ marketingEmails: true, recovery: { enabled: false, delayMinutes: 240, secondReminder: false } });
    await run();
    expect(await mailTo('privacy@example.com')).toHaveLength(0);
    await settings({ recovery: { enabled: true, delayMinutes: 240, secondReminder: false, discountCode: 'COMEBACK' } });
    await run();
    expect(await mailTo('privacy@example.com')).toHaveLength(1);
  });

  it('the signed link restores the cart with its code in another browser; the order is recovered and counted', async () => {
    offset = 0;
    const original = await abandon('back@example.com', 3);
    offset = 5 * HOUR;
    await run();
    const [m] = await mailTo('back@example.com');
    const link = new URL(/http:\/\/\S+\/cart\/recover\/\S+/.exec(m?.text ?? '')?.[0] ?? '');
    const tampered = await page('GET', `${link.pathname}?sig=AAAA${link.searchParams.get('sig')?.slice(4)}`);
    expect(tampered.status).toBe(404);
    const restored = await page('GET', `${link.pathname}${link.search}`);
    expect(restored.status).toBe(303);
    expect(restored.headers.get('location')).toBe('/cart');
    const token = /sf_cart=([a-z2-7]{32})/.exec(restored.headers.get('set-cookie') ?? '')?.[1];
    expect(token).toBeDefined();
    const copyId = await new CartService(t).find(token);
    expect(copyId).not.toBe(original.id);
    const copy = await t
      .selectFrom('carts')
      .selectAll()
      .where('id', '=', copyId as string)
      .executeTakeFirstOrThrow();
    expect(copy).toMatchObject({ email: 'back@example.com', restored_from: original.id, discount_codes: ['COMEBACK'] });
    expect(await new CartService(t).lines(copyId as string)).toMatchObject([{ variantId, quantity: 3 }]);
    // The cart page in that browser shows the restored lines.
    const cartPage = await page('GET', '/cart', { cookie: `sf_cart=${token}` });
    expect(cartPage.text).toContain('Oolong');
    // The copy never gets reminders of its own.
    offset = 40 * HOUR;
    await run();
    expect(await mailTo('back@example.com')).toHaveLength(1);

    const placed = await orders().place({
      cartId: copyId as string,
      email: 'back@example.com',
      customerId: null,
      customerName: null,
      address: ADDRESS,
      locale: 'en',
      settings: parseSettings([]),
    });
    // 3 × 15.00 − 10 % + 5.00 shipping
    expect(placed.order).toMatchObject({ discountTotal: 450, total: 4550 });
    await orders().confirmPayment(placed.order.id, { provider: 'manual', reference: 'manual:1', amount: 4550 });
    const row = await t.selectFrom('orders').select(['recovered']).where('id', '=', placed.order.id).executeTakeFirstOrThrow();
    expect(row.recovered).toBe(true);

    const list = await p.request('GET', `/api/v1/stores/${store.id}/abandoned-checkouts`, { cookie: owner });
    expect(list.status).toBe(200);
    const entry = list.body.data.find((x: { id: string }) => x.id === original.id);
    expect(entry).toMatchObject({
      email: 'back@example.com',
      status: 'recovered',
      remindersSent: 1,
      recoveredOrder: { id: placed.order.id, number: placed.order.number, total: 4550 },
      value: 4550,
    });
    expect(list.body.data.find((x: { email: string }) => x.email === 'first@example.com')).toMatchObject({ status: 'reminded', unsubscribed: true });
    expect(list.body.stats).toMatchObject({ recoveredOrders: 1, recoveredRevenue: 4550 });
    expect(list.body.stats.reminded).toBeGreaterThanOrEqual(5);
    // Never a reminder for a recovered cart.
    offset = 100 * HOUR;
    await run();
    expect(await mailTo('back@example.com')).toHaveLength(1);
  });
  it("fails the job (so the queue retries it) when a store's pass fails, after the other stores were swept", async () => {
    const other = await createStore(p, owner);
    const row = await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', other.id).executeTakeFirstOrThrow();
    // A store whose settings cannot be read: its pass throws (as a moved or busy schema would).
    await sql`ALTER TABLE ${sql.id(row.schema_name, 'store_settings')} RENAME TO store_settings_away`.execute(p.db.control);
    try {
      offset = 0;
      await abandon('meanwhile@example.com');
      offset = 5 * HOUR;
      await expect(run()).rejects.toThrow(/cart recovery failed for 1 store/);
      // The healthy store was still swept before the job failed.
      expect(await mailTo('meanwhile@example.com')).toHaveLength(1);
    } finally {
      await sql`ALTER TABLE ${sql.id(row.schema_name, 'store_settings_away')} RENAME TO store_settings`.execute(p.db.control);
    }
    // Once the store is readable again the retry completes, and sends nothing twice.
    await expect(run()).resolves.toMatchObject({ sent: 0 });
    expect(await mailTo('meanwhile@example.com')).toHaveLength(1);
  });
});
