/**
 * Abandoned-cart recovery on the embedded database (PGlite, `npm start` without a Postgres server), with a fake
 * clock: the same service the worker's `commerce.cart-recovery` job runs. Nothing before the delay, one reminder
 * after it (with the contents, the signed restore link and List-Unsubscribe), none again, one among racing sweeps,
 * none to an address that ordered since, none to an unsubscribed address, none when marketing mail is off.
 */
import { ProductService, UNLIMITED_CATALOG } from '@storeloom/catalog';
import { type Database, newId } from '@storeloom/db';
import { createEmbeddedTestDatabase, type TestDatabase } from '@storeloom/db/testing';
import { LocalOutboxTransport, MailOutbox } from '@storeloom/mail';
import { StoreService } from '@storeloom/stores';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CartRecoveryService, CartService, OrderService, parseSettings } from '../src/index.ts';

const HOUR = 3_600_000;
const ADDRESS = { name: 'Ada Shopper', line1: '1 Main St', line2: null, city: 'Springfield', postalCode: '12345', region: null, country: 'US', phone: null };

describe('abandoned-cart recovery on embedded Postgres (PGlite)', () => {
  let tdb: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    tdb = await createEmbeddedTestDatabase({ poolMax: 4 });
    db = tdb.db;
  }, 300_000);
  afterAll(async () => {
    await tdb?.drop();
  });

  it('reminds once after the delay, racing sweeps included, never after an order, an unsubscribe or with marketing off', async () => {
    const owner = newId();
    await db.control.insertInto('users').values({ id: owner, email: 'o@example.com', name: 'O', password_hash: 'x' }).execute();
    const created = await new StoreService(db).create({ userId: owner }, { name: 'Tea House', slug: 'teahouse', currency: 'EUR' }, 'k');
    const store = await db.control.selectFrom('stores').selectAll().where('id', '=', created.store.id).executeTakeFirstOrThrow();
    const t = db.tenant(store.schema_name);
    const product = await new ProductService(t, UNLIMITED_CATALOG).create({
      title: 'Oolong',
      status: 'active',
      variants: [{ sku: 'OO-1', price: 1500, inventoryQuantity: 100 }],
    } as never);
    const variantId = product.variants[0]?.id as string;
    const outbox = new MailOutbox(db, new LocalOutboxTransport(), '');
    let offset = 0;
    const sweep = () =>
      new CartRecoveryService(t, {
        store,
        secret: 'embedded-recovery-secret-0123456789abcdef',
        origin: 'http://teahouse.localhost:3001',
        mail: outbox,
        clock: () => new Date(Date.now() + offset),
      }).sendDue();
    const abandon = async (email: string) => {
      const carts = new CartService(t);
      const cart = await carts.findOrCreate(undefined);
      await carts.add(cart.id, variantId, 2);
      await t.updateTable('carts').set({ email }).where('id', '=', cart.id).execute();
      return cart;
    };
    const mailTo = (to: string) => outbox.list({ to });

    await abandon('late@example.com');
    offset = 4 * HOUR - 60_000;
    expect((await sweep()).sent).toBe(0);
    offset = 4 * HOUR + 60_000;
    expect((await sweep()).sent).toBe(1);
    const [m] = await mailTo('late@example.com');
    expect(m?.kind).toBe('cart-recovery');
    expect(m?.text).toContain('2 × Oolong');
    expect(m?.text).toMatch(/http:\/\/teahouse\.localhost:3001\/cart\/recover\/[0-9a-f-]{36}\?sig=/);
    expect(m?.headers?.['List-Unsubscribe']).toMatch(/^<http:\/\/teahouse\.localhost:3001\/unsubscribe\?email=late%40example\.com&sig=.+>$/);
    expect(m?.headers?.['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    offset = 30 * HOUR;
    expect((await sweep()).sent).toBe(0);

    // Racing sweeps on one cart: one mail.
    offset = 0;
    await abandon('race@example.com');
    offset = 5 * HOUR;
    const raced = await Promise.all([sweep(), sweep(), sweep()]);
    expect(raced.reduce((n, r) => n + r.sent, 0)).toBe(1);
    expect(await mailTo('race@example.com')).toHaveLength(1);

    // Ordered since (from another cart): no reminder for the cart left behind.
    offset = 0;
    await abandon('buyer@example.com');
    const other = await abandon('buyer@example.com');
    await new OrderService(t, { store: { id: store.id, name: store.name, currency: store.currency } }).place({
      cartId: other.id,
      email: 'buyer@example.com',
      customerId: null,
      customerName: null,
      address: ADDRESS,
      locale: 'en',
      settings: parseSettings([]),
    });
    offset = 5 * HOUR;
    await sweep();
    expect(await mailTo('buyer@example.com')).toHaveLength(0);

    // Unsubscribed: nothing.
    offset = 0;
    await abandon('gone@example.com');
    await t.insertInto('marketing_unsubscribes').values({ email: 'gone@example.com' }).execute();
    offset = 5 * HOUR;
    await sweep();
    expect(await mailTo('gone@example.com')).toHaveLength(0);

    // Marketing mail not allowed by the store: the sweep looks at nothing.
    offset = 0;
    await abandon('quiet@example.com');
    await t
      .insertInto('store_settings')
      .values({
        key: 'promotions',
        updated_at: new Date(),
        value: JSON.stringify({ apiAllowedOrigins: [], recovery: { enabled: true, delayMinutes: 240, secondReminder: false }, marketingEmails: false }),
      } as never)
      .execute();
    offset = 5 * HOUR;
    expect(await sweep()).toEqual({ sent: 0, skipped: 'marketing_not_allowed' });
    expect(await mailTo('quiet@example.com')).toHaveLength(0);
  }, 120_000);
});
