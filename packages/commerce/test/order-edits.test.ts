/**
 * Order editing on real Postgres: an added line is priced now, takes stock through the ledger and is charged on the
 * order's payment method; a removed unit is refunded through refund lines and restocked; an edit is staged then
 * committed once; of two edits staged on the same order the first commit wins (409 for the other); the timeline and
 * the order.edited webhook record it.
 */
import { newId } from '@storeloom/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings, OrderEditService, OrderService, PaymentProviders, saveCheckoutSettings } from '../src/index.ts';
import { ADDRESS, openShop, type Shop, startTestPlatform } from './helpers.ts';

describe('order edits', { timeout: 180_000 }, () => {
  let p: Awaited<ReturnType<typeof startTestPlatform>>;
  let shop: Shop;
  let a: string;
  let b: string;
  let edits: OrderEditService;
  let orders: OrderService;

  beforeAll(async () => {
    p = await startTestPlatform();
    shop = await openShop(p);
    a = (await shop.product({ variants: [{ sku: 'OE-A', price: 1000, inventoryQuantity: 20 }] })).variants[0]!.id;
    b = (await shop.product({ variants: [{ sku: 'OE-B', price: 700, inventoryQuantity: 20 }] })).variants[0]!.id;
    await saveCheckoutSettings(shop.t, {
      shipping: { mode: 'flat', flatRate: 500, freeOver: null, weightRates: [] },
      tax: { ratePercent: 10, includedInPrices: false },
    });
    orders = new OrderService(shop.t, { store: shop.store });
    edits = new OrderEditService(shop.t, {
      store: shop.store,
      orders: (t) => new OrderService(t, { store: shop.store }),
      providers: new PaymentProviders(),
      settings: (t) => loadSettings(t),
    });
    await shop.t
      .insertInto('webhook_subscriptions')
      .values({
        id: newId(),
        url: 'https://hooks.example/x',
        events: JSON.stringify(['order.edited']),
        description: null,
        secret_ciphertext: 'plain:test',
        disabled_reason: null,
        failing_since: null,
        last_success_at: null,
        last_failure_at: null,
        created_at: new Date(),
        updated_at: new Date(),
      })
      .execute();
  });
  afterAll(async () => {
    await p?.close();
  });

  const stockOf = async (variantId: string) =>
    (await shop.t.selectFrom('variants').select('inventory_quantity').where('id', '=', variantId).executeTakeFirstOrThrow()).inventory_quantity;

  async function paidOrder() {
    const settings = await loadSettings(shop.t);
    const cart = await shop.cartWith([[a, 2]]);
    const { order } = await orders.place({
      cartId: cart,
      email: 'e@example.com',
      customerId: null,
      customerName: null,
      address: ADDRESS,
      locale: 'en',
      settings,
    });
    await orders.confirmPayment(order.id, { provider: 'manual', reference: 'paid', amount: order.amountDue });
    return orders.detailOrThrow(order.id);
  }

  it('adds a line and charges the difference', async () => {
    const order = await paidOrder();
    // 2 × 1000 + 500 shipping, 10 % tax = 2750.
    expect(order.total).toBe(2750);
    const before = await stockOf(b);
    const staged = await edits.stage(order.id, { changes: [{ type: 'add', variantId: b, quantity: 2 }], note: 'Phone call' });
    expect(staged.status).toBe('staged');
    expect(staged.preview).toMatchObject({ charge: 1540, refund: 0, totalBefore: 2750, totalAfter: 4290 });
    expect(await stockOf(b)).toBe(before);
    const done = await edits.commit(order.id, staged.id);
    expect(done).toMatchObject({ status: 'committed', totalBefore: 2750, totalAfter: 4290 });
    expect(await stockOf(b)).toBe(before - 2);
    const after = await orders.detailOrThrow(order.id);
    expect(after).toMatchObject({ total: 4290, subtotal: 3400, tax: 390, itemCount: 4, paymentStatus: 'paid' });
    expect(after.lines.map((l) => [l.variantId, l.quantity, l.total, l.tax])).toEqual([
      [a, 2, 2000, expect.any(Number)],
      [b, 2, 1400, 140],
    ]);
    const charges = await shop.t
      .selectFrom('payments')
      .select(['amount', 'status', 'reference'])
      .where('order_id', '=', order.id)
      .where('kind', '=', 'charge')
      .orderBy('created_at')
      .execute();
    expect(charges.map((c) => [c.amount, c.status])).toEqual([
      [2750, 'succeeded'],
      [1540, 'succeeded'],
    ]);
    expect(after.timeline.at(-1)).toMatchObject({ type: 'edited' });
    expect(after.timeline.at(-1)?.message).toContain('added 2 ×');
    const hooks = await shop.t.selectFrom('webhook_events').select(['type', 'data']).where('resource_key', '=', `order:${order.id}`).execute();
    expect(hooks.map((h) => h.type)).toEqual(['order.edited']);
    expect((hooks[0]!.data as { edit: { charge: number } }).edit.charge).toBe(1540);
    // Committed once.
    await expect(edits.commit(order.id, staged.id)).rejects.toMatchObject({ code: 'invalid_state' });
  });

  it('removes a unit and refunds it through refund lines, restocked', async () => {
    const order = await paidOrder();
    const line = order.lines[0]!;
    const before = await stockOf(a);
    const staged = await edits.stage(order.id, { changes: [{ type: 'set_quantity', orderLineId: line.id, quantity: 1 }] });
    // One of two units of a line worth 2000 + its tax share.
    const worth = Math.floor((line.total - line.discount + line.tax) / 2);
    expect(staged.preview).toMatchObject({ charge: 0, refund: worth });
    await edits.commit(order.id, staged.id);
    expect(await stockOf(a)).toBe(before + 1);
    const after = await orders.detailOrThrow(order.id);
    expect(after).toMatchObject({ paymentStatus: 'partially_refunded', refunded: worth });
    expect(after.refunds.at(-1)?.lines).toEqual([{ kind: 'line', orderLineId: line.id, quantity: 1, amount: worth, tax: expect.any(Number), restock: true }]);
    expect(after.lines[0]).toMatchObject({ refundedQuantity: 1 });
    // More than is left is refused.
    await expect(edits.stage(order.id, { changes: [{ type: 'set_quantity', orderLineId: line.id, quantity: 2 }] })).rejects.toMatchObject({
      code: 'validation_failed',
    });
  });

  it('of two edits staged on the same order, the first commit wins', async () => {
    const order = await paidOrder();
    const x = await edits.stage(order.id, { changes: [{ type: 'add', variantId: b, quantity: 1 }] });
    const y = await edits.stage(order.id, { changes: [{ type: 'add', variantId: b, quantity: 3 }] });
    const results = await Promise.allSettled([edits.commit(order.id, x.id), edits.commit(order.id, y.id)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ code: 'conflict' });
    const after = await orders.detailOrThrow(order.id);
    expect(after.lines).toHaveLength(2);
    // The same edit committed twice at once applies once.
    const z = await edits.stage(order.id, { changes: [{ type: 'add', variantId: b, quantity: 1 }] });
    const again = await Promise.allSettled([edits.commit(order.id, z.id), edits.commit(order.id, z.id)]);
    expect(again.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((await orders.detailOrThrow(order.id)).lines).toHaveLength(3);
    expect((await edits.list(order.id)).map((e) => e.status).sort()).toEqual(['committed', 'committed', 'staged']);
  });

  it('refuses edits of unpaid orders', async () => {
    const settings = await loadSettings(shop.t);
    const cart = await shop.cartWith([[a, 1]]);
    const { order } = await orders.place({
      cartId: cart,
      email: 'u@example.com',
      customerId: null,
      customerName: null,
      address: ADDRESS,
      locale: 'en',
      settings,
    });
    await expect(edits.stage(order.id, { changes: [{ type: 'add', variantId: b, quantity: 1 }] })).rejects.toMatchObject({ code: 'invalid_state' });
  });
});
