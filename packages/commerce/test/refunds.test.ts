/**
 * Refund lines on real Postgres: a refund records which lines and units it
 * gives back and for how much (the line's price after its discount allocation,
 * plus its tax when tax is added), shipping, and adjustments; money goes to the
 * provider first, then to the gift cards; refunded units stop counting as
 * planner demand and (with restock) go back into stock through the ledger;
 * concurrent refunds can never give back more than a line was paid; and the
 * migration's backfill turns old whole-order refunds into lines.
 */
import { AppError } from '@storeloom/errors';
import { recordSale } from '@storeloom/planning';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backfill, fillLineTax } from '../../../migrations/tenant/20261206134000_refund_lines.ts';
import { CartPromotions, DiscountService, GiftCardService, lineNet, parseSettings, planRefund, type RefundableOrder } from '../src/index.ts';
import { ADDRESS, openShop, type Shop, startTestPlatform } from './helpers.ts';

const taxed = parseSettings([{ key: 'tax', value: { ratePercent: 10, includedInPrices: false } }]);
const errorOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return { code: e.code, message: e.message, details: e.details };
    throw e;
  }
  return null;
};

describe('refund lines', { timeout: 180_000 }, () => {
  let p: Awaited<ReturnType<typeof startTestPlatform>>;
  let shop: Shop;
  let a: string;
  let b: string;
  let promos: CartPromotions;
  let discounts: DiscountService;
  let cards: GiftCardService;

  beforeAll(async () => {
    p = await startTestPlatform();
    shop = await openShop(p);
    a = (await shop.product({ variants: [{ sku: 'RF-A', price: 1000, inventoryQuantity: 1000 }] })).variants[0]!.id;
    b = (await shop.product({ variants: [{ sku: 'RF-B', price: 700, inventoryQuantity: 1000 }] })).variants[0]!.id;
    promos = new CartPromotions(shop.t, { storeId: shop.store.id, settings: taxed, currency: shop.store.currency });
    discounts = new DiscountService(shop.t);
    cards = new GiftCardService(shop.t);
  });
  afterAll(async () => {
    await p?.close();
  });

  const stockOf = async (variantId: string) =>
    (await shop.t.selectFrom('variants').select('inventory_quantity').where('id', '=', variantId).executeTakeFirstOrThrow()).inventory_quantity;

  /** A paid order of 3 × A and 1 × B with a 300 fixed discount and 10 % tax added, optionally part paid by a gift card. */
  async function paidOrder(opts: { giftCard?: number } = {}) {
    const d = await discounts.create({ title: 'Deal', code: `R${Math.random().toString(36).slice(2, 10)}`, kind: 'fixed_amount', value: 300 });
    const cart = await shop.cartWith([
      [a, 3],
      [b, 1],
    ]);
    await promos.applyCode(cart, d.code as string);
    if (opts.giftCard) {
      const card = await cards.issue({ initialValue: opts.giftCard, currency: shop.store.currency });
      await promos.applyGiftCard(cart, card.code);
      const { order } = await shop.orders.place({
        cartId: cart,
        email: 'r@example.com',
        customerId: null,
        customerName: null,
        address: ADDRESS,
        locale: 'en',
        settings: taxed,
      });
      if (order.amountDue > 0) await shop.orders.confirmPayment(order.id, { provider: 'manual', reference: 'r', amount: order.amountDue });
      return { order: await shop.orders.detailOrThrow(order.id), cardId: card.id };
    }
    const { order } = await shop.orders.place({
      cartId: cart,
      email: 'r@example.com',
      customerId: null,
      customerName: null,
      address: ADDRESS,
      locale: 'en',
      settings: taxed,
    });
    await shop.orders.confirmPayment(order.id, { provider: 'manual', reference: 'r', amount: order.amountDue });
    return { order: await shop.orders.detailOrThrow(order.id), cardId: null };
  }

  it('prices units cumulatively: parts add up to the whole line, tax included in the amount', () => {
    const line = { id: 'l', variantId: null, title: 'X', quantity: 3, total: 3000, discountTotal: 225, tax: 278, refundedQuantity: 0, refundedAmount: 0 };
    const order: RefundableOrder = {
      total: 4000,
      refunded: 0,
      shipping: 500,
      shippingDiscount: 0,
      shippingTax: 0,
      shippingRefunded: 0,
      taxIncluded: false,
      lines: [line],
    };
    const net = lineNet(line, false);
    expect(net).toBe(3000 - 225 + 278);
    const one = planRefund(order, { lines: [{ orderLineId: 'l', quantity: 1 }] });
    expect(one.amount).toBe(Math.floor(net / 3));
    const rest = planRefund(
      { ...order, refunded: one.amount, lines: [{ ...line, refundedQuantity: 1, refundedAmount: one.amount }] },
      { lines: [{ orderLineId: 'l', quantity: 2 }], shipping: 500 },
    );
    expect(one.amount + rest.amount).toBe(net + 500);
    // A smaller amount is spread over the parts; a larger one adds an adjustment.
    const less = planRefund(order, { lines: [{ orderLineId: 'l', quantity: 3 }], shipping: 500, amount: 1000 });
    expect(less.parts.map((x) => x.amount).reduce((s, x) => s + x, 0)).toBe(1000);
    const more = planRefund(order, { lines: [{ orderLineId: 'l', quantity: 1 }], amount: 2000 });
    expect(more.parts.map((x) => x.kind)).toEqual(['line', 'adjustment']);
    expect(() => planRefund(order, { lines: [{ orderLineId: 'l', quantity: 4 }] })).toThrow(/at most 3|1 to 3/);
    expect(() => planRefund(order, { lines: [{ orderLineId: 'nope', quantity: 1 }] })).toThrow(/not a line/);
    expect(() => planRefund(order, { shipping: 501 })).toThrow(/shipping/);
    expect(() => planRefund(order, {})).toThrow(/amount/);
  });

  it('refunds lines after their discount allocation and tax, shipping, then the rest; the order ends fully refunded', async () => {
    const { order } = await paidOrder();
    const la = order.lines.find((l) => l.variantId === a)!;
    const lb = order.lines.find((l) => l.variantId === b)!;
    expect(la.discount + lb.discount).toBe(300);
    expect(la.tax).toBeGreaterThan(0);
    // Tax is added on top and shipping is taxed too: the shipping refundable is its price plus the tax beyond the lines'.
    const shippingTax = order.tax - la.tax - lb.tax;
    expect(order.shippingRefundable).toBe(order.shipping + shippingTax);
    const netA = la.total - la.discount + la.tax;
    const r1 = await shop.orders.refund(order.id, { lines: [{ orderLineId: la.id, quantity: 1 }], idempotencyKey: 'k1', reason: 'too big' });
    expect(r1.refunded).toBe(Math.floor(netA / 3));
    expect(r1.paymentStatus).toBe('partially_refunded');
    expect(r1.lines.find((l) => l.id === la.id)).toMatchObject({ refundedQuantity: 1, refundedAmount: Math.floor(netA / 3) });
    expect(r1.refunds).toEqual([
      expect.objectContaining({
        amount: Math.floor(netA / 3),
        reason: 'too big',
        lines: [
          {
            kind: 'line',
            orderLineId: la.id,
            quantity: 1,
            amount: Math.floor(netA / 3),
            tax: Math.floor((la.tax * Math.floor(netA / 3)) / netA),
            restock: false,
          },
        ],
      }),
    ]);
    // A replay of the same key changes nothing.
    expect((await shop.orders.refund(order.id, { lines: [{ orderLineId: la.id, quantity: 1 }], idempotencyKey: 'k1' })).refunded).toBe(r1.refunded);
    // More units than are left of the line: 400 with the path.
    expect(await errorOf(shop.orders.refund(order.id, { lines: [{ orderLineId: la.id, quantity: 3 }], idempotencyKey: 'k2' }))).toMatchObject({
      code: 'validation_failed',
      details: [{ path: 'lines.0.quantity', message: 'at most 2' }],
    });
    // The rest of every line and the shipping: exactly the order total comes back, nothing more is refundable.
    const r2 = await shop.orders.refund(order.id, {
      lines: [
        { orderLineId: la.id, quantity: 2 },
        { orderLineId: lb.id, quantity: 1 },
      ],
      shipping: order.shippingRefundable,
      idempotencyKey: 'k3',
    });
    expect(r2).toMatchObject({
      refunded: order.total,
      paymentStatus: 'refunded',
      shippingRefunded: order.shippingRefundable,
      shippingRefundable: 0,
      payment: { refundable: 0 },
    });
    expect(r2.lines.every((l) => l.refundedQuantity === l.quantity && l.refundedAmount === l.total - l.discount + l.tax)).toBe(true);
    const rows = await shop.t.selectFrom('refund_lines').selectAll().where('order_id', '=', order.id).execute();
    expect(rows.reduce((s, r) => s + r.amount, 0)).toBe(order.total);
    expect(r2.timeline.filter((e) => e.type === 'refunded').map((e) => e.message)).toEqual([
      `Refunded ${Math.floor(netA / 3)} (1 unit): too big`,
      `Refunded ${order.total - Math.floor(netA / 3)} (3 units)`,
    ]);
  });

  it('ten concurrent refunds of one unit each on a 3-unit line: exactly three apply, never more than the line was paid', async () => {
    const { order } = await paidOrder();
    const la = order.lines.find((l) => l.variantId === a)!;
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => shop.orders.refund(order.id, { lines: [{ orderLineId: la.id, quantity: 1 }], idempotencyKey: `race-${i}` })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'validation_failed' });
    const line = await shop.t.selectFrom('order_lines').selectAll().where('id', '=', la.id).executeTakeFirstOrThrow();
    expect(line).toMatchObject({ refunded_quantity: 3, refunded_amount: la.total - la.discount + la.tax });
    const o = await shop.t.selectFrom('orders').select('refunded').where('id', '=', order.id).executeTakeFirstOrThrow();
    expect(o.refunded).toBe(la.total - la.discount + la.tax);
    // The database refuses an over-refund even when application code forgets the rule.
    await expect(shop.t.updateTable('order_lines').set({ refunded_quantity: 4 }).where('id', '=', la.id).execute()).rejects.toThrow(/refunded_quantity_check/);
  });

  it('sends money back to the provider first, then to the gift card; restocks through the ledger; refunded units are not demand', async () => {
    const { order, cardId } = await paidOrder({ giftCard: 1000 });
    expect(order.giftCardTotal).toBe(1000);
    const la = order.lines.find((l) => l.variantId === a)!;
    // The planner already recorded the sale (the order-paid job).
    await recordSale(shop.t, { orderLineId: la.id, variantId: a, units: la.quantity, unitPrice: la.unitPrice, at: new Date(order.paidAt as string) });
    const day = (order.paidAt as string).slice(0, 10);
    const dailyBefore = await shop.t.selectFrom('variant_sales_daily').selectAll().where('variant_id', '=', a).where('day', '=', day).executeTakeFirstOrThrow();
    const stockBefore = await stockOf(a);
    // Everything: the provider gets back what it collected, the card the rest.
    const r = await shop.orders.refund(order.id, {
      lines: order.lines.map((l) => ({ orderLineId: l.id, quantity: l.quantity, restock: l.variantId === a })),
      shipping: order.shippingRefundable,
      idempotencyKey: 'tenders',
    });
    expect(r).toMatchObject({ refunded: order.total, paymentStatus: 'refunded' });
    const card = await cards.get(cardId as string);
    expect(card?.balance).toBe(1000);
    expect(card?.ledger.map((l) => l.kind)).toEqual(['issue', 'redeem', 'refund']);
    const payment = await shop.t.selectFrom('payments').selectAll().where('order_id', '=', order.id).where('kind', '=', 'refund').executeTakeFirstOrThrow();
    expect(payment).toMatchObject({ amount: order.total, provider: 'manual' });
    // Stock back through the inventory ledger for the restocked line only.
    expect(await stockOf(a)).toBe(stockBefore + la.quantity);
    const ledger = await shop.t.selectFrom('inventory_adjustments').selectAll().where('variant_id', '=', a).where('reason', '=', 'returned').execute();
    expect(ledger.map((l) => l.delta)).toEqual([la.quantity]);
    // The planner's daily sales lose the refunded units and their revenue.
    const dailyAfter = await shop.t.selectFrom('variant_sales_daily').selectAll().where('variant_id', '=', a).where('day', '=', day).executeTakeFirstOrThrow();
    expect(dailyAfter.units).toBe(dailyBefore.units - la.quantity);
    expect(Number(dailyAfter.revenue)).toBe(Number(dailyBefore.revenue) - la.quantity * la.unitPrice);
    // B's sale had not been recorded yet: the refund recorded and returned it, so the order-paid job later adds nothing.
    const lb = order.lines.find((l) => l.variantId === b)!;
    expect(await recordSale(shop.t, { orderLineId: lb.id, variantId: b, units: 1, unitPrice: lb.unitPrice, at: new Date(order.paidAt as string) })).toBe(false);
    const saleB = await shop.t.selectFrom('variant_sale_lines').selectAll().where('order_line_id', '=', lb.id).executeTakeFirstOrThrow();
    expect(saleB).toMatchObject({ units: 1, returned_units: 1 });
  });

  it('backfills old refunds (no lines) as whole-order refunds: amounts spread by what each part was paid, units on full refund', async () => {
    const partial = (await paidOrder()).order;
    const full = (await paidOrder()).order;
    await shop.orders.refund(partial.id, { amount: 1000, idempotencyKey: 'old-1' });
    await shop.orders.refund(full.id, { amount: 400, idempotencyKey: 'old-2' });
    await shop.orders.refund(full.id, { amount: full.total - 400, idempotencyKey: 'old-3' });
    // Make them look like refunds from before the migration.
    const ids = [partial.id, full.id];
    await shop.t.deleteFrom('refund_lines').where('order_id', 'in', ids).execute();
    await shop.t.updateTable('order_lines').set({ refunded_quantity: 0, refunded_amount: 0 }).where('order_id', 'in', ids).execute();
    await shop.t.updateTable('orders').set({ shipping_refunded: 0 }).where('id', 'in', ids).execute();
    // Orders placed before lines carried their share of the flat-rate tax.
    const taxes = await shop.t.selectFrom('order_lines').select(['id', 'tax']).where('order_id', 'in', ids).orderBy('id').execute();
    await shop.t.updateTable('order_lines').set({ tax: 0 }).where('order_id', 'in', ids).execute();
    await shop.t.transaction().execute(async (trx) => {
      await fillLineTax(trx);
      await backfill(trx);
    });
    expect(await shop.t.selectFrom('order_lines').select(['id', 'tax']).where('order_id', 'in', ids).orderBy('id').execute()).toEqual(taxes);
    const after = await shop.orders.detailOrThrow(partial.id);
    expect(after.refunds).toHaveLength(1);
    expect(after.refunds[0]!.lines.reduce((s, l) => s + l.amount, 0)).toBe(1000);
    expect(after.refunds[0]!.lines.every((l) => l.quantity === 0)).toBe(true);
    expect(after.lines.reduce((s, l) => s + l.refundedAmount, 0) + after.shippingRefunded).toBe(1000);
    const whole = await shop.orders.detailOrThrow(full.id);
    expect(whole.refunds.map((r) => r.lines.reduce((s, l) => s + l.amount, 0))).toEqual([400, full.total - 400]);
    expect(whole.lines.every((l) => l.refundedQuantity === l.quantity && l.refundedAmount === l.total - l.discount + l.tax)).toBe(true);
    expect(whole.shippingRefunded).toBe(full.shippingRefundable);
    expect(whole.shippingRefundable).toBe(0);
    expect(whole.refunds[1]!.lines.filter((l) => l.kind === 'line').map((l) => l.quantity)).toEqual(whole.lines.map((l) => l.quantity));
  });
});
