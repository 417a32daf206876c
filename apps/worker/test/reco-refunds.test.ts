/**
 * Refunded units are not demand for recommendations either (issue 21): orders paid through the real order service
 * and recorded by the order-paid path, then refunded by lines; the next training leaves a fully refunded order out and
 * keeps the units of a line that were not refunded.
 */
import { CartService, OrderService, parseSettings } from '@storeloom/commerce';
import { trainStore } from '@storeloom/reco/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { recordPaidOrder } from '../src/order-paid.ts';

const ADDRESS = { name: 'Ada Shopper', line1: '1 Main St', line2: null, city: 'Springfield', postalCode: '12345', region: null, country: 'US', phone: null };

describe('recommendation training and refunds', () => {
  let p: TestPlatform;

  beforeAll(async () => {
    p = await startTestPlatform();
  }, 60_000);
  afterAll(async () => {
    await p?.close();
  });

  it('a fully refunded order leaves the training data; a partly refunded line keeps only its other units', async () => {
    const { cookie } = await signup(p);
    const s = await createStore(p, cookie);
    const row = await p.db.control.selectFrom('stores').selectAll().where('id', '=', s.id).executeTakeFirstOrThrow();
    const t = p.db.tenant(row.schema_name);
    const variant = async (title: string) =>
      (
        (await createProduct(p, cookie, s.id, { title, status: 'active', variants: [{ sku: title, price: 1000, inventoryQuantity: 100 }] })) as {
          variants: { id: string }[];
        }
      ).variants[0]!.id;
    const [kettle, filter, grinder] = [await variant('Kettle'), await variant('Filter'), await variant('Grinder')];
    const orders = new OrderService(t, { store: { id: row.id, name: row.name, currency: row.currency } });
    const carts = new CartService(t);
    const paidOrder = async (lines: [string, number][], email: string) => {
      const cart = await carts.findOrCreate(undefined);
      for (const [v, q] of lines) await carts.add(cart.id, v, q);
      const { order } = await orders.place({
        cartId: cart.id,
        email,
        customerId: null,
        customerName: null,
        address: ADDRESS,
        locale: 'en',
        settings: parseSettings([]),
      });
      await orders.confirmPayment(order.id, { provider: 'manual', reference: `r-${order.id}`, amount: order.total });
      await recordPaidOrder({ db: p.db }, { id: row.id, schemaName: row.schema_name }, order.id);
      return orders.detailOrThrow(order.id);
    };
    const o1 = await paidOrder(
      [
        [kettle, 2],
        [filter, 1],
      ],
      'one@example.com',
    );
    const o2 = await paidOrder(
      [
        [kettle, 3],
        [grinder, 1],
      ],
      'two@example.com',
    );
    await paidOrder(
      [
        [filter, 1],
        [grinder, 1],
      ],
      'three@example.com',
    );

    const before = await trainStore(t, { trigger: 'manual' });
    expect(before.stats).toMatchObject({ interactions: 6, orders: 3 });

    // Order 1 comes back whole; order 2 returns 2 of its 3 kettles.
    await orders.refund(o1.id, { lines: o1.lines.map((l) => ({ orderLineId: l.id, quantity: l.quantity, restock: false })), idempotencyKey: 'whole' });
    const kettleLine = o2.lines.find((l) => l.variantId === kettle)!;
    await orders.refund(o2.id, { lines: [{ orderLineId: kettleLine.id, quantity: 2, restock: false }], idempotencyKey: 'part' });

    const after = await trainStore(t, { trigger: 'manual' });
    expect(after.stats).toMatchObject({ interactions: 4, orders: 2 });
    // The kept kettle unit still counts as one purchase of the kettle (with the grinder it was bought with).
    const kettleList = await t
      .selectFrom('reco_item_recs')
      .select('items')
      .where('version', '=', after.version)
      .where('product_id', '=', o2.lines.find((l) => l.variantId === kettle)!.productId as string)
      .executeTakeFirstOrThrow();
    const grinderId = o2.lines.find((l) => l.variantId === grinder)!.productId as string;
    expect((kettleList.items as { p: string }[])[0]?.p).toBe(grinderId);
  });
});
