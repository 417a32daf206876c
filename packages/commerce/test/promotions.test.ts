/**
 * Discounts and gift cards on real Postgres: usage limits and once-per-customer
 * under concurrency, release on failed/expired payment, schedule edges with a
 * fake clock, gift-card races, whole-order gift-card payment and refunds back
 * to the card, refunds of discounted lines.
 */
import { AppError } from '@storeloom/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CartPromotions, DiscountService, GiftCardService, type DiscountInput, parseSettings, refundableForLine } from '../src/index.ts';
import { ADDRESS, openShop, type Shop, startTestPlatform } from './helpers.ts';
import type { TestPlatform } from '../../../test/helpers/platform.ts';

const settings = parseSettings([]);
const errorOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return { code: e.code, message: e.message, details: e.details };
    throw e;
  }
  return null;
};

describe('promotions', () => {
  let p: TestPlatform;
  let shop: Shop;
  let variantId: string;
  let productId: string;
  let discounts: DiscountService;
  let promos: CartPromotions;
  let cards: GiftCardService;

  beforeAll(async () => {
    p = await startTestPlatform();
    shop = await openShop(p);
    const prod = await shop.product({ variants: [{ sku: 'PROMO-1', price: 1000, inventoryQuantity: 10_000 }] });
    variantId = prod.variants[0]!.id;
    productId = prod.id;
    discounts = new DiscountService(shop.t);
    promos = new CartPromotions(shop.t, { storeId: shop.store.id, settings, currency: shop.store.currency });
    cards = new GiftCardService(shop.t);
  });
  afterAll(async () => {
    await p?.close();
  });

  const discount = (over: Partial<DiscountInput> & Pick<DiscountInput, 'kind'>) =>
    discounts.create({ title: 'Deal', code: `C${Math.random().toString(36).slice(2, 10)}`, value: 10, ...over });
  const cartWithCode = async (code: string, qty = 1) => {
    const cartId = await shop.cartWith([[variantId, qty]]);
    await promos.applyCode(cartId, code);
    return cartId;
  };
  const place = (cartId: string, email: string) =>
    shop.orders.place({ cartId, email, customerId: null, customerName: null, address: ADDRESS, locale: 'en', settings });

  it('50 parallel checkouts against a limit of 10 give exactly 10 discounted orders; the rest create nothing', async () => {
    const d = await discount({ kind: 'percentage', value: 10, usageLimit: 10 });
    const carts = await Promise.all(Array.from({ length: 50 }, () => cartWithCode(d.code as string)));
    const before = await shop.t
      .selectFrom('orders')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const results = await Promise.allSettled(carts.map((c, i) => place(c, `racer${i}@example.com`)));
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(10);
    expect(refused).toHaveLength(40);
    for (const r of refused) expect(r.reason).toMatchObject({ code: 'discount_not_applicable' });
    const after = await shop.t
      .selectFrom('orders')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n) - Number(before.n)).toBe(10);
    for (const r of ok) if (r.status === 'fulfilled') expect(r.value.order).toMatchObject({ discountTotal: 100, total: 1400, amountDue: 1400 });
    expect(await discounts.getOrThrow(d.id)).toMatchObject({ usedCount: 10, status: 'used_up' });
    // A failed payment gives its use back: one more checkout goes through, then the limit holds again.
    const first = ok[0];
    if (first?.status !== 'fulfilled') throw new Error('unreachable');
    await shop.orders.failPayment(first.value.order.id, 'declined');
    expect((await discounts.getOrThrow(d.id)).usedCount).toBe(9);
    const retry = await shop.cartWith([[variantId, 1]]);
    await promos.applyCode(retry, (d.code as string).toLowerCase());
    await place(retry, 'late@example.com');
    expect((await discounts.getOrThrow(d.id)).usedCount).toBe(10);
    expect(await errorOf(promos.applyCode(await shop.cartWith([[variantId, 1]]), d.code as string))).toMatchObject({
      code: 'discount_not_applicable',
      details: { reason: 'used_up' },
    });
  });

  it('once per customer: a second order with the same e-mail is refused, also when racing; an expired order frees it', async () => {
    const d = await discount({ kind: 'fixed_amount', value: 200, oncePerCustomer: true });
    const carts = await Promise.all(Array.from({ length: 6 }, () => cartWithCode(d.code as string)));
    const results = await Promise.allSettled(carts.map((c) => place(c, 'Once@Example.com')));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const winner = results.find((r) => r.status === 'fulfilled');
    if (winner?.status !== 'fulfilled') throw new Error('unreachable');
    // Checking a code against a known e-mail says why before checkout.
    const cart = await shop.cartWith([[variantId, 1]]);
    await promos.setContact(cart, { email: 'once@example.com' });
    expect(await errorOf(promos.applyCode(cart, d.code as string))).toMatchObject({ details: { reason: 'once_per_customer' } });
    await shop.orders.expireNow(winner.value.order.id, 'test expiry');
    const again = await cartWithCode(d.code as string);
    expect((await place(again, 'once@example.com')).order.discountTotal).toBe(200);
  });

  it('schedule edges: not before startsAt, not at or after endsAt (fake clock)', async () => {
    const start = new Date('2030-01-01T00:00:00.000Z');
    const end = new Date('2030-01-02T00:00:00.000Z');
    const d = await discount({ kind: 'percentage', value: 50, startsAt: start.toISOString(), endsAt: end.toISOString() });
    const at = (ms: number) => new CartPromotions(shop.t, { storeId: shop.store.id, settings, currency: shop.store.currency, clock: () => new Date(ms) });
    const cart = await shop.cartWith([[variantId, 1]]);
    expect(await errorOf(at(start.getTime() - 1).applyCode(cart, d.code as string))).toMatchObject({ details: { reason: 'not_started' } });
    expect((await at(start.getTime()).applyCode(cart, d.code as string)).discountTotal).toBe(500);
    expect((await at(end.getTime() - 1).price(cart)).discountTotal).toBe(500);
    const expired = await at(end.getTime()).price(cart);
    expect(expired.discountTotal).toBe(0);
    expect(expired.state.promotions?.rejectedCodes[0]).toMatchObject({ reason: expect.stringMatching(/^expired/) });
    expect((await new DiscountService(shop.t, () => new Date(start.getTime() - 1)).getOrThrow(d.id)).status).toBe('scheduled');
    expect((await new DiscountService(shop.t, () => end).getOrThrow(d.id)).status).toBe('expired');
  });

  it('keeps the allocation per line on the order; refunding a discounted line gives back its discounted price', async () => {
    const other = await shop.product({ variants: [{ sku: 'PROMO-2', price: 500, inventoryQuantity: 100 }] });
    const d = await discount({ kind: 'fixed_amount', value: 100 });
    const cart = await shop.cartWith([
      [variantId, 3],
      [other.variants[0]!.id, 1],
    ]);
    await promos.applyCode(cart, d.code as string);
    const { order } = await place(cart, 'lines@example.com');
    expect(order.discountTotal).toBe(100);
    expect(order.discounts).toEqual([{ code: d.code, title: 'Deal', amount: 100 }]);
    const line = order.lines.find((l) => l.variantId === variantId);
    expect(line).toMatchObject({ quantity: 3, total: 3000, discount: 86 });
    expect(order.lines.reduce((s, l) => s + l.discount, 0)).toBe(100);
    await shop.orders.confirmPayment(order.id, { provider: 'manual', reference: 'r', amount: order.amountDue });
    const back = refundableForLine({ unitPrice: line!.unitPrice, quantity: line!.quantity, discount: line!.discount }, 0, 1);
    expect(back).toBe(1000 - 29);
    const refunded = await shop.orders.refund(order.id, { amount: back, idempotencyKey: 'line-1' });
    expect(refunded).toMatchObject({ refunded: 971, paymentStatus: 'partially_refunded' });
  });

  it('gift cards: two simultaneous checkouts never spend more than the balance', async () => {
    const issued = await cards.issue({ initialValue: 2000, currency: shop.store.currency });
    expect(issued.code).toMatch(/^[A-Z2-9]{4}(-[A-Z2-9]{4}){3}$/);
    const stored = await shop.t.selectFrom('gift_cards').selectAll().where('id', '=', issued.id).executeTakeFirstOrThrow();
    expect(stored.code_hash).not.toContain(issued.code.replace(/-/g, ''));
    expect(stored.last4).toBe(issued.code.slice(-4));
    // Each checkout costs 1500 (1000 + 500 shipping): only one of ten fits in 2000.
    const carts = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const c = await shop.cartWith([[variantId, 1]]);
        await promos.applyGiftCard(c, issued.code.toLowerCase());
        return c;
      }),
    );
    const results = await Promise.allSettled(carts.map((c, i) => place(c, `gc${i}@example.com`)));
    const ok = results.filter((r) => r.status === 'fulfilled');
    expect(ok).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'gift_card_invalid' });
    const card = await cards.get(issued.id);
    expect(card).toMatchObject({ balance: 500 });
    expect(card?.ledger.map((l) => [l.kind, l.amount, l.balanceAfter])).toEqual([
      ['issue', 2000, 2000],
      ['redeem', -1500, 500],
    ]);
    // Paid by the card alone: no provider step, paid at once.
    const paid = ok[0];
    if (paid?.status !== 'fulfilled') throw new Error('unreachable');
    expect(paid.value.order).toMatchObject({ paymentStatus: 'paid', giftCardTotal: 1500, amountDue: 0, payment: { provider: 'gift_card', canRefund: true } });
    // Refunds go back to the card, once per key.
    await shop.orders.refund(paid.value.order.id, { amount: 700, idempotencyKey: 'gc-refund' });
    await shop.orders.refund(paid.value.order.id, { amount: 700, idempotencyKey: 'gc-refund' });
    expect((await cards.get(issued.id))?.balance).toBe(1200);
  });

  it('gift card partially pays; the provider collects the rest; a failed payment puts the balance back', async () => {
    const issued = await cards.issue({ initialValue: 400, currency: shop.store.currency });
    const cart = await shop.cartWith([[variantId, 1]]);
    await promos.applyGiftCard(cart, issued.code);
    const priced = await promos.price(cart);
    expect(priced).toMatchObject({ state: { totals: { total: 1500 } }, giftCardTotal: 400, amountDue: 1100 });
    expect(priced.state.adjustments).toEqual([expect.objectContaining({ kind: 'tender', last4: issued.last4, amount: 400 })]);
    const { order } = await place(cart, 'partial@example.com');
    expect(order).toMatchObject({ paymentStatus: 'pending', amountDue: 1100, giftCardTotal: 400 });
    expect((await cards.get(issued.id))?.balance).toBe(0);
    // The provider must collect exactly the amount due, not the total.
    await expect(shop.orders.confirmPayment(order.id, { provider: 'manual', reference: 'r', amount: 1500 })).rejects.toMatchObject({ code: 'invalid_state' });
    await shop.orders.failPayment(order.id, 'declined');
    const card = await cards.get(issued.id);
    expect(card?.balance).toBe(400);
    expect(card?.ledger.map((l) => l.kind)).toEqual(['issue', 'redeem', 'release']);
  });

  it('refuses unknown, disabled, expired and foreign-currency cards with gift_card_invalid', async () => {
    const cart = await shop.cartWith([[variantId, 1]]);
    expect(await errorOf(promos.applyGiftCard(cart, 'NOPE-NOPE-NOPE-NOPE'))).toMatchObject({ code: 'gift_card_invalid', details: { reason: 'unknown' } });
    const off = await cards.issue({ initialValue: 100, currency: shop.store.currency });
    await cards.update(off.id, { disabled: true });
    expect(await errorOf(promos.applyGiftCard(cart, off.code))).toMatchObject({ details: { reason: 'disabled' } });
    const eur = await cards.issue({ initialValue: 100, currency: 'EUR' });
    expect(await errorOf(promos.applyGiftCard(cart, eur.code))).toMatchObject({ details: { reason: 'currency' } });
    const soon = await cards.issue({ initialValue: 100, currency: shop.store.currency, expiresAt: new Date(Date.now() + 60_000).toISOString() });
    const later = new CartPromotions(shop.t, { storeId: shop.store.id, settings, currency: shop.store.currency, clock: () => new Date(Date.now() + 120_000) });
    expect(await errorOf(later.applyGiftCard(cart, soon.code))).toMatchObject({ details: { reason: 'expired' } });
  });

  it('automatic discounts apply without a code; BXGY on real products', async () => {
    const tee = await shop.product({ variants: [{ sku: 'TEE', price: 800, inventoryQuantity: 100 }] });
    await discounts.create({
      title: 'Tees: buy 2 get 1',
      automatic: true,
      kind: 'buy_x_get_y',
      buyXGetY: { buyQuantity: 2, buyProductIds: [tee.id], getQuantity: 1, getProductIds: [tee.id], getPercent: 100 },
    });
    const cart = await shop.cartWith([[tee.variants[0]!.id, 3]]);
    const priced = await promos.price(cart);
    expect(priced.state.adjustments).toEqual([expect.objectContaining({ kind: 'discount', code: null, label: 'Tees: buy 2 get 1', amount: 800 })]);
    const { order } = await place(cart, 'tees@example.com');
    expect(order).toMatchObject({ subtotal: 2400, discountTotal: 800, total: 2400 - 800 + 500 });
    expect(productId).toBeTruthy();
  });
});
