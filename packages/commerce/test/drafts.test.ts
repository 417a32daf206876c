/**
 * Draft orders on real Postgres: priced through the checkout pipeline (catalogue line, custom item not taxed, a
 * manual discount, a shipping line, 10 % tax added), stock held only when the merchant reserves (through the
 * ledger, moved when lines change, handed to the order), mark paid, the invoice link paid once however many times
 * it is submitted at the same moment, and the draft_order.* webhook events written with the changes.
 */
import { newId } from '@storeloom/db';
import { AppError } from '@storeloom/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DraftOrderService, DiscountService, loadSettings, OrderService, saveCheckoutSettings } from '../src/index.ts';
import { ADDRESS, openShop, type Shop, startTestPlatform } from './helpers.ts';

describe('draft orders', { timeout: 180_000 }, () => {
  let p: Awaited<ReturnType<typeof startTestPlatform>>;
  let shop: Shop;
  let a: string;
  let drafts: DraftOrderService;

  beforeAll(async () => {
    p = await startTestPlatform();
    shop = await openShop(p);
    a = (await shop.product({ variants: [{ sku: 'DR-A', price: 1000, inventoryQuantity: 10 }] })).variants[0]!.id;
    await saveCheckoutSettings(shop.t, {
      shipping: { mode: 'flat', flatRate: 900, freeOver: null, weightRates: [] },
      tax: { ratePercent: 10, includedInPrices: false },
    });
    const store = { ...shop.store };
    drafts = new DraftOrderService(shop.t, {
      store: { ...store, defaultLocale: 'en' },
      orders: (t) => new OrderService(t, { store }),
      settings: (t) => loadSettings(t),
      invoiceUrl: (token) => `https://shop.example/invoices/${token}`,
    });
    await shop.t
      .insertInto('webhook_subscriptions')
      .values({
        id: newId(),
        url: 'https://hooks.example/x',
        events: JSON.stringify(['draft_order.created', 'draft_order.updated', 'draft_order.completed']),
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
  const eventsOf = async (id: string) =>
    (
      await shop.t.selectFrom('webhook_events').select('type').where('resource_key', '=', `draft_order:${id}`).orderBy('created_at').orderBy('id').execute()
    ).map((e) => e.type);

  it('prices catalogue lines, custom items, a manual discount and a shipping line like a checkout', async () => {
    const d = await drafts.create({
      email: 'Phone@Example.com',
      shippingAddress: ADDRESS,
      lines: [
        { variantId: a, quantity: 2 },
        { title: 'Gift wrapping', unitPrice: 500, quantity: 1, taxable: false },
      ],
      manualDiscount: { amount: 250, title: 'Phone order' },
      shippingLine: { title: 'Courier', amount: 700 },
    });
    expect(d.name).toMatch(/^D\d+$/);
    expect(d.email).toBe('phone@example.com');
    expect(d.pricedLines.map((l) => [l.title, l.total, l.taxable, l.custom])).toEqual([
      [expect.any(String), 2000, true, false],
      ['Gift wrapping', 500, false, true],
    ]);
    // 2500 goods − 250 discount (200 on the 2000 line, 50 on the custom item) + 700 shipping; tax 10 % on everything
    // but the custom item's 450: (2500 − 250 − 450 + 700) × 10 % = 250.
    expect(d.totals).toMatchObject({ subtotal: 2500, discountTotal: 250, shipping: 700, tax: 250, total: 3200 });
    expect(d.pricedLines.map((l) => l.discount)).toEqual([200, 50]);
    expect(d.total).toBe(3200);
    expect(await stockOf(a)).toBe(10);
    expect(await eventsOf(d.id)).toEqual(['draft_order.created']);

    const { order } = await drafts.complete(d.id, { provider: 'manual', markPaid: true });
    expect(order.paymentStatus).toBe('paid');
    expect(order.total).toBe(3200);
    expect(order.tax).toBe(250);
    expect(order.lines.map((l) => [l.variantId === null, l.total])).toEqual([
      [false, 2000],
      [true, 500],
    ]);
    // The custom item carries no tax share, so refunding it gives back what was paid for it.
    expect(order.lines[1]!.tax).toBe(0);
    expect(await stockOf(a)).toBe(8);
    const after = await drafts.getOrThrow(d.id);
    expect(after.status).toBe('completed');
    expect(after.orderId).toBe(order.id);
    expect(await eventsOf(d.id)).toEqual(['draft_order.created', 'draft_order.completed']);
    // Completing again changes nothing and answers with the same order.
    const again = await drafts.complete(d.id, { provider: 'manual', markPaid: true });
    expect(again.created).toBe(false);
    expect(again.order.id).toBe(order.id);
    expect(await stockOf(a)).toBe(8);
    await expect(drafts.update(d.id, { note: 'x' })).rejects.toBeInstanceOf(AppError);
  });

  it('applies a discount code through the promotion step', async () => {
    const disc = await new DiscountService(shop.t).create({ title: 'Ten', code: `DR${Date.now()}`, kind: 'percentage', value: 10 });
    const d = await drafts.create({ lines: [{ variantId: a, quantity: 1 }], discountCodes: [disc.code as string, 'NOPE'] });
    expect(d.totals.discountTotal).toBe(100);
    expect(d.adjustments).toEqual([{ label: 'Ten', amount: 100, code: disc.code }]);
    expect(d.rejectedCodes.map((r) => r.code)).toEqual(['NOPE']);
  });

  it('holds stock only when reserving, moves it with the lines, and hands it to the order', async () => {
    const start = await stockOf(a);
    const d = await drafts.create({ email: 'r@example.com', shippingAddress: ADDRESS, lines: [{ variantId: a, quantity: 2 }] });
    expect(await stockOf(a)).toBe(start);
    await drafts.update(d.id, { reserve: true });
    expect(await stockOf(a)).toBe(start - 2);
    await drafts.update(d.id, { lines: [{ variantId: a, quantity: 3 }] });
    expect(await stockOf(a)).toBe(start - 3);
    expect((await drafts.getOrThrow(d.id)).reserved).toEqual({ [a]: 3 });
    // More than there is refuses and holds what it held.
    await expect(drafts.update(d.id, { lines: [{ variantId: a, quantity: 500 }] })).rejects.toMatchObject({ code: 'insufficient_stock' });
    expect(await stockOf(a)).toBe(start - 3);
    const { order } = await drafts.complete(d.id, { provider: 'manual', markPaid: true });
    expect(order.paymentStatus).toBe('paid');
    // Handed over, not taken twice.
    expect(await stockOf(a)).toBe(start - 3);
    const ledger = await shop.t
      .selectFrom('inventory_adjustments')
      .select(['delta', 'reason'])
      .where('variant_id', '=', a)
      .where('idempotency_key', 'like', `draft:${d.id}:%`)
      .execute();
    expect(ledger.reduce((n, r) => n + r.delta, 0)).toBe(-3);

    const c = await drafts.create({ lines: [{ variantId: a, quantity: 1 }], reserve: true });
    expect(await stockOf(a)).toBe(start - 4);
    await drafts.cancel(c.id);
    expect(await stockOf(a)).toBe(start - 3);
  });

  it('pays an invoice link once, however often it is submitted at the same time', async () => {
    const d = await drafts.create({ email: 'inv@example.com', shippingAddress: ADDRESS, lines: [{ variantId: a, quantity: 1 }] });
    const { invoiceUrl, draft } = await drafts.sendInvoice(d.id);
    expect(draft.status).toBe('invoice_sent');
    const token = invoiceUrl.split('/').at(-1) as string;
    const row = await shop.t.selectFrom('draft_orders').select('invoice_token_hash').where('id', '=', d.id).executeTakeFirstOrThrow();
    expect(row.invoice_token_hash).not.toContain(token);
    expect((await drafts.byInvoiceToken(token))?.id).toBe(d.id);
    expect(await drafts.byInvoiceToken('nope')).toBeNull();
    const results = await Promise.all(Array.from({ length: 5 }, () => drafts.complete(d.id, { provider: 'manual', markPaid: false, invoiceToken: token })));
    expect(new Set(results.map((r) => r.order.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const orderId = results[0]!.order.id;
    expect((await shop.t.selectFrom('orders').select('id').where('draft_order_id', '=', d.id).execute()).length).toBe(1);
    // While the customer pays, the draft cannot change.
    await expect(drafts.update(d.id, { note: 'late' })).rejects.toMatchObject({ code: 'invalid_state' });
    const orders = new OrderService(shop.t, { store: shop.store });
    await orders.confirmPayment(orderId, { provider: 'manual', reference: 'paid', amount: results[0]!.order.amountDue });
    const done = await drafts.getOrThrow(d.id);
    expect(done.status).toBe('completed');
    expect(await eventsOf(d.id)).toEqual(['draft_order.created', 'draft_order.updated', 'draft_order.completed']);
  });

  it('an invoice whose payment failed can be paid again', async () => {
    const d = await drafts.create({ email: 'f@example.com', shippingAddress: ADDRESS, lines: [{ variantId: a, quantity: 1 }] });
    const { invoiceUrl } = await drafts.sendInvoice(d.id);
    const token = invoiceUrl.split('/').at(-1) as string;
    const first = await drafts.complete(d.id, { provider: 'manual', markPaid: false, invoiceToken: token });
    await new OrderService(shop.t, { store: shop.store }).failPayment(first.order.id, 'declined');
    expect((await drafts.getOrThrow(d.id)).orderId).toBeNull();
    const second = await drafts.complete(d.id, { provider: 'manual', markPaid: false, invoiceToken: token });
    expect(second.created).toBe(true);
    expect(second.order.id).not.toBe(first.order.id);
  });

  it('refuses what it cannot make an order of', async () => {
    await expect(drafts.create({ lines: [{ quantity: 1, title: 'x' }] })).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(drafts.create({ lines: [{ variantId: newId(), quantity: 1 }] })).rejects.toMatchObject({ code: 'validation_failed' });
    const d = await drafts.create({ lines: [{ variantId: a, quantity: 1 }] });
    await expect(drafts.complete(d.id, { provider: 'manual', markPaid: true })).rejects.toMatchObject({ code: 'validation_failed' });
  });
});
