/** The pure pricing pipeline: discounts, stacking, BXGY, rounding, allocation, tenders. */
import { describe, expect, it } from 'vitest';
import { allocate } from '@storeloom/money';
import { type DiscountRule, type PromotionPricingInput, pricePromotions, refundableForLine } from '../src/index.ts';

const flat = { mode: 'flat' as const, flatRate: 500, freeOver: null, weightRates: [] };
const noTax = { ratePercent: 0, includedInPrices: false };
const all = { orderDiscounts: true, productDiscounts: true, shippingDiscounts: true };
const none = { orderDiscounts: false, productDiscounts: false, shippingDiscounts: false };

const rule = (over: Partial<DiscountRule> & Pick<DiscountRule, 'kind'>): DiscountRule => ({
  id: over.id ?? `d-${Math.random()}`,
  title: over.title ?? 'Deal',
  code: over.code ?? null,
  automatic: over.automatic ?? over.code === undefined,
  value: 0,
  appliesTo: null,
  minSubtotal: null,
  combinesWith: none,
  buyXGetY: null,
  ...over,
});
const line = (id: string, unitPrice: number, quantity: number, productId = `p-${id}`, collectionIds: string[] = []) => ({
  id,
  productId,
  collectionIds,
  unitPrice,
  quantity,
  weightGrams: 100,
});
const price = (over: Partial<PromotionPricingInput>) =>
  pricePromotions({ lines: [], shipping: flat, tax: noTax, codeDiscounts: [], automaticDiscounts: [], giftCards: [], ...over });

describe('pricing engine', () => {
  it('allocates exactly with largest remainders and never beyond a weight', () => {
    expect(allocate(100, [1, 1, 1])).toEqual([34, 33, 33]);
    expect(allocate(10, [333, 333, 334])).toEqual([3, 3, 4]);
    expect(allocate(5, [1, 1, 1, 1, 1, 1])).toEqual([1, 1, 1, 1, 1, 0]);
    expect(allocate(3, [1, 1, 1])).toEqual([1, 1, 1]);
    expect(allocate(0, [5, 5])).toEqual([0, 0]);
    for (let n = 0; n < 200; n++) {
      const weights = Array.from({ length: 1 + (n % 7) }, (_, i) => ((n * 37 + i * 101) % 997) + 1);
      const sum = weights.reduce((s, w) => s + w, 0);
      const amount = (n * 7919) % (sum + 1);
      const parts = allocate(amount, weights);
      expect(parts.reduce((s, p) => s + p, 0)).toBe(amount);
      for (const [i, part] of parts.entries()) expect(part).toBeLessThanOrEqual(weights[i]!);
    }
  });

  it('takes a percentage off the order, allocated across lines, rounding half up once', () => {
    const r = price({
      lines: [line('a', 333, 1), line('b', 333, 1), line('c', 334, 1)],
      codeDiscounts: [rule({ code: 'TEN', kind: 'percentage', value: 15 })],
    });
    expect(r.subtotal).toBe(1000);
    expect(r.discountTotal).toBe(150);
    expect(r.lines.map((l) => l.discount)).toEqual([50, 50, 50]);
    expect(r.total).toBe(1000 - 150 + 500);
    expect(r.discounts).toEqual([expect.objectContaining({ code: 'TEN', amount: 150, class: 'order' })]);
    // 13 % of 999 = 129.87 → 130, split so the lines add up exactly.
    const odd = price({ lines: [line('a', 333, 3)], codeDiscounts: [rule({ code: 'X', kind: 'percentage', value: 13 })] });
    expect(odd.discountTotal).toBe(130);
    expect(odd.allocations.reduce((s, a) => s + a.amount, 0)).toBe(odd.discountTotal);
  });

  it('never makes a total negative: a fixed amount larger than the cart stops at the goods', () => {
    const r = price({ lines: [line('a', 300, 1)], codeDiscounts: [rule({ code: 'BIG', kind: 'fixed_amount', value: 5000 })] });
    expect(r.discountTotal).toBe(300);
    expect(r.lines[0]!.discount).toBe(300);
    expect(r.total).toBe(500);
    expect(r.total).toBeGreaterThanOrEqual(0);
  });

  it('limits a product discount to its products or collections', () => {
    const r = price({
      lines: [line('a', 1000, 2, 'shoe'), line('b', 1000, 1, 'hat', ['summer'])],
      codeDiscounts: [rule({ code: 'SHOES', kind: 'percentage', value: 50, appliesTo: { productIds: ['shoe'] } })],
    });
    expect(r.lines.map((l) => l.discount)).toEqual([1000, 0]);
    const c = price({
      lines: [line('a', 1000, 2, 'shoe'), line('b', 1000, 1, 'hat', ['summer'])],
      codeDiscounts: [rule({ code: 'SUMMER', kind: 'fixed_amount', value: 250, appliesTo: { collectionIds: ['summer'] } })],
    });
    expect(c.lines.map((l) => l.discount)).toEqual([0, 250]);
    expect(c.discounts[0]!.class).toBe('product');
  });

  it('buy 2 get 1 free discounts the cheapest unit once per complete group', () => {
    const bxgy = rule({
      code: 'B2G1',
      kind: 'buy_x_get_y',
      buyXGetY: { buyQuantity: 2, buyProductIds: ['tee'], getQuantity: 1, getProductIds: ['tee'], getPercent: 100 },
    });
    expect(price({ lines: [line('a', 1000, 2, 'tee')], codeDiscounts: [bxgy] }).discountTotal).toBe(0);
    expect(price({ lines: [line('a', 1000, 3, 'tee')], codeDiscounts: [bxgy] }).discountTotal).toBe(1000);
    expect(price({ lines: [line('a', 1000, 5, 'tee')], codeDiscounts: [bxgy] }).discountTotal).toBe(1000);
    expect(price({ lines: [line('a', 1000, 6, 'tee')], codeDiscounts: [bxgy] }).discountTotal).toBe(2000);
    // Cross-product: buy 1 shoe, get socks half price; only the get product is discounted.
    const socks = rule({
      code: 'SOCKS',
      kind: 'buy_x_get_y',
      buyXGetY: { buyQuantity: 1, buyProductIds: ['shoe'], getQuantity: 1, getProductIds: ['sock'], getPercent: 50 },
    });
    const r = price({ lines: [line('s', 8000, 1, 'shoe'), line('k', 999, 2, 'sock')], codeDiscounts: [socks] });
    expect(r.lines.map((l) => l.discount)).toEqual([0, 500]);
    // Without the buy product nothing applies, and the code is reported as not applicable.
    const none2 = price({ lines: [line('k', 999, 2, 'sock')], codeDiscounts: [socks] });
    expect(none2.discountTotal).toBe(0);
    expect(none2.rejectedCodes[0]!.reason).toMatch(/^no_eligible_items/);
  });

  it('stacks only as combinesWith allows on both sides', () => {
    const a = rule({ code: 'A', kind: 'percentage', value: 10, combinesWith: { ...none, orderDiscounts: true } });
    const b = rule({ code: 'B', kind: 'fixed_amount', value: 100, combinesWith: { ...none, orderDiscounts: true } });
    const c = rule({ code: 'C', kind: 'fixed_amount', value: 100 });
    const ship = rule({ code: 'SHIP', kind: 'free_shipping', combinesWith: all });
    const lines = [line('a', 1000, 1)];
    // In the order entered: 10 % of 1000, then 100 off what is left.
    expect(price({ lines, codeDiscounts: [a, b] }).discountTotal).toBe(100 + 100);
    const refused = price({ lines, codeDiscounts: [a, c] });
    expect(refused.discounts.map((d) => d.code)).toEqual(['A']);
    expect(refused.rejectedCodes[0]).toMatchObject({ code: 'C', reason: expect.stringMatching(/^not_combinable/) });
    // A only combines with order discounts, so the shipping code (which allows everything) is still refused.
    expect(price({ lines, codeDiscounts: [a, ship] }).discounts.map((d) => d.code)).toEqual(['A']);
    const a2 = rule({ code: 'A2', kind: 'percentage', value: 10, combinesWith: all });
    const both = price({ lines, codeDiscounts: [a2, ship] });
    expect(both.discounts.map((d) => d.code)).toEqual(['A2', 'SHIP']);
    expect(both).toMatchObject({ discountTotal: 100 + 500, shipping: 500, shippingDiscount: 500, total: 900 });
  });

  it('applies the best automatic discount when several qualify; a better code replaces it', () => {
    const small = rule({ id: 'auto-small', title: 'Small', kind: 'fixed_amount', value: 100 });
    const big = rule({ id: 'auto-big', title: 'Big', kind: 'percentage', value: 20 });
    const r = price({ lines: [line('a', 1000, 1)], automaticDiscounts: [small, big] });
    expect(r.discounts).toEqual([expect.objectContaining({ discountId: 'auto-big', code: null, amount: 200 })]);
    const better = price({
      lines: [line('a', 1000, 1)],
      automaticDiscounts: [small, big],
      codeDiscounts: [rule({ code: 'HALF', kind: 'percentage', value: 50 })],
    });
    expect(better.discounts.map((d) => d.code)).toEqual(['HALF']);
    const worse = price({ lines: [line('a', 1000, 1)], automaticDiscounts: [big], codeDiscounts: [rule({ code: 'FIVE', kind: 'percentage', value: 5 })] });
    expect(worse.discounts.map((d) => d.discountId)).toEqual(['auto-big']);
    expect(worse.rejectedCodes[0]!.reason).toMatch(/better automatic/);
  });

  it('checks the minimum subtotal before discounts', () => {
    const min = rule({ code: 'MIN', kind: 'fixed_amount', value: 100, minSubtotal: 2000 });
    expect(price({ lines: [line('a', 1999, 1)], codeDiscounts: [min] }).rejectedCodes[0]!.reason).toMatch(/^minimum_not_met/);
    expect(price({ lines: [line('a', 2000, 1)], codeDiscounts: [min] }).discountTotal).toBe(100);
  });

  it('taxes the discounted amount; included tax stays inside the total', () => {
    const tax = { ratePercent: 20, includedInPrices: false };
    const r = price({ lines: [line('a', 1000, 1)], tax, codeDiscounts: [rule({ code: 'T', kind: 'fixed_amount', value: 250 })] });
    expect(r).toMatchObject({ subtotal: 1000, discountTotal: 250, shipping: 500, tax: 250, total: 1500 });
    const incl = price({
      lines: [line('a', 1200, 1)],
      tax: { ratePercent: 20, includedInPrices: true },
      codeDiscounts: [rule({ code: 'T', kind: 'fixed_amount', value: 600 })],
    });
    // (1200 − 600 + 500) gross, 20 % included → 183.33 → 183.
    expect(incl).toMatchObject({ total: 1100, tax: 183, taxIncluded: true });
  });

  it('uses gift cards after tax as tenders; a card can pay everything, partial use leaves a balance', () => {
    const tax = { ratePercent: 10, includedInPrices: false };
    const r = price({
      lines: [line('a', 1000, 1)],
      tax,
      giftCards: [
        { id: 'g1', last4: 'ABCD', balance: 700 },
        { id: 'g2', last4: 'EFGH', balance: 10_000 },
      ],
    });
    expect(r.total).toBe(1650);
    expect(r.giftCards).toEqual([
      { id: 'g1', last4: 'ABCD', amount: 700, balance: 700 },
      { id: 'g2', last4: 'EFGH', amount: 950, balance: 10_000 },
    ]);
    expect(r).toMatchObject({ giftCardTotal: 1650, amountDue: 0 });
    const partial = price({ lines: [line('a', 1000, 1)], giftCards: [{ id: 'g1', last4: 'ABCD', balance: 400 }] });
    expect(partial).toMatchObject({ total: 1500, giftCardTotal: 400, amountDue: 1100 });
  });

  it('free-over shipping looks at the discounted goods', () => {
    const shipping = { ...flat, freeOver: 1000 };
    expect(price({ lines: [line('a', 1000, 1)], shipping }).shipping).toBe(0);
    expect(price({ lines: [line('a', 1000, 1)], shipping, codeDiscounts: [rule({ code: 'X', kind: 'fixed_amount', value: 1 })] }).shipping).toBe(500);
  });

  it('refunds of a discounted line give back the discounted price, adding up exactly', () => {
    const r = price({ lines: [line('a', 1000, 3), line('b', 500, 1)], codeDiscounts: [rule({ code: 'X', kind: 'fixed_amount', value: 100 })] });
    const a = r.lines[0]!;
    expect(a.discount).toBe(86);
    const parts = [refundableForLine(a, 0, 1), refundableForLine(a, 1, 1), refundableForLine(a, 2, 1)];
    expect(parts.reduce((s, x) => s + x, 0)).toBe(3000 - 86);
    expect(refundableForLine(a, 0, 3)).toBe(3000 - 86);
    expect(refundableForLine(a, 3, 1)).toBe(0);
  });
});
