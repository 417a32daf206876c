/**
 * Two rules of issue 18 the other promotion tests left implicit, on real Postgres: a limited code's use comes back
 * when the order's payment expires (not only when it fails), and a refund of an order paid partly by gift card and
 * partly through the provider goes back to the provider first (up to what it collected) and the rest to the card,
 * ledger and balance exact.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestPlatform } from '../../../test/helpers/platform.ts';
import { CartPromotions, DiscountService, GiftCardService, parseSettings } from '../src/index.ts';
import { ADDRESS, openShop, type Shop, startTestPlatform } from './helpers.ts';

const settings = parseSettings([]);

describe('promotion rules: expiry gives a limited use back; split-tender refunds', () => {
  let p: TestPlatform;
  let shop: Shop;
  let variantId: string;
  let promos: CartPromotions;

  beforeAll(async () => {
    p = await startTestPlatform();
    shop = await openShop(p);
    variantId = (await shop.product({ variants: [{ sku: 'RULES-1', price: 1000, inventoryQuantity: 1000 }] })).variants[0]?.id as string;
    promos = new CartPromotions(shop.t, { storeId: shop.store.id, settings, currency: shop.store.currency });
  });
  afterAll(async () => {
    await p?.close();
  });

  const place = (cartId: string, email: string) =>
    shop.orders.place({ cartId, email, customerId: null, customerName: null, address: ADDRESS, locale: 'en', settings });

  it('an order whose payment expires gives its use of a limited code back', async () => {
    const discounts = new DiscountService(shop.t);
    const d = await discounts.create({ title: 'Only one', code: 'ONEONLY', kind: 'percentage', value: 10, usageLimit: 1 });
    const first = await shop.cartWith([[variantId, 1]]);
    await promos.applyCode(first, 'ONEONLY');
    const { order } = await place(first, 'first@example.com');
    expect(order.discountTotal).toBe(100);
    expect((await discounts.getOrThrow(d.id)).usedCount).toBe(1);
    // Used up meanwhile: the next checkout with the code is refused and creates nothing.
    const second = await shop.cartWith([[variantId, 1]]);
    await expect(promos.applyCode(second, 'ONEONLY')).rejects.toMatchObject({ code: 'discount_not_applicable' });

    await shop.orders.expireNow(order.id, 'checkout expired unpaid');
    expect((await discounts.getOrThrow(d.id)).usedCount).toBe(0);
    await promos.applyCode(second, 'ONEONLY');
    expect((await place(second, 'second@example.com')).order.discountTotal).toBe(100);
    expect((await discounts.getOrThrow(d.id)).usedCount).toBe(1);
  });

  it('refunds a card + provider order to the provider first, then the rest to the card', async () => {
    const cards = new GiftCardService(shop.t);
    const card = await cards.issue({ initialValue: 400, currency: shop.store.currency });
    const cart = await shop.cartWith([[variantId, 1]]);
    await promos.applyGiftCard(cart, card.code);
    const { order } = await place(cart, 'split@example.com');
    // 1000 + 500 shipping = 1500: the card pays 400, the provider 1100.
    expect(order).toMatchObject({ total: 1500, giftCardTotal: 400, amountDue: 1100 });
    await shop.orders.confirmPayment(order.id, { provider: 'manual', reference: `manual_charge:${order.id}:1`, amount: 1100 });

    const part = await shop.orders.refund(order.id, { amount: 1200, idempotencyKey: 'split-1' });
    expect(part).toMatchObject({ refunded: 1200, paymentStatus: 'partially_refunded' });
    expect((await cards.get(card.id))?.balance).toBe(100);
    const rest = await shop.orders.refund(order.id, { amount: 300, idempotencyKey: 'split-2' });
    expect(rest).toMatchObject({ refunded: 1500, paymentStatus: 'refunded' });
    // A replay of a key gives nothing twice.
    await shop.orders.refund(order.id, { amount: 300, idempotencyKey: 'split-2' });
    const after = await cards.get(card.id);
    expect(after?.balance).toBe(400);
    expect(after?.ledger.map((l) => [l.kind, l.amount, l.balanceAfter])).toEqual([
      ['issue', 400, 400],
      ['redeem', -400, 0],
      ['refund', 100, 100],
      ['refund', 300, 400],
    ]);
    const refunds = await shop.t
      .selectFrom('payments')
      .select(['provider', 'amount'])
      .where('order_id', '=', order.id)
      .where('kind', '=', 'refund')
      .orderBy('created_at')
      .execute();
    expect(refunds).toEqual([
      { provider: 'manual', amount: 1200 },
      { provider: 'gift_card', amount: 300 },
    ]);
  });
});
