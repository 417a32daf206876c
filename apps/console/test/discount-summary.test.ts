import { describe, expect, it } from 'vitest';
import { translate } from '../src/i18n/messages.ts';
import { discountSummary } from '../src/lib/discount-summary.ts';

const en = (key: Parameters<typeof translate>[1], params?: Record<string, string | number>) => translate('en', key, params);
const zh = (key: Parameters<typeof translate>[1], params?: Record<string, string | number>) => translate('zh-CN', key, params);

describe('discount editor summary', () => {
  it('says what a percentage code takes off, with its limits, schedule and stacking', () => {
    const parts = discountSummary(
      {
        title: 'Spring',
        code: 'spring20',
        kind: 'percentage',
        value: 20,
        minSubtotal: 5000,
        usageLimit: 100,
        oncePerCustomer: true,
        startsAt: '2026-03-01T12:00:00.000Z',
        endsAt: '2026-03-31T12:00:00.000Z',
        combinesWith: { shippingDiscounts: true },
      },
      'USD',
      'en',
      en,
    );
    expect(parts).toEqual([
      '20% off the entire order',
      'Code SPRING20',
      'Minimum subtotal $50.00',
      'Limited to 100 uses in total',
      'One use per customer',
      'Active from Mar 1, 2026 until Mar 31, 2026',
      'Combines with shipping discounts',
    ]);
  });

  it('formats fixed amounts in the store currency and counts targeted products and collections', () => {
    const yen = discountSummary({ title: 'x', automatic: true, kind: 'fixed_amount', value: 500, appliesTo: { productIds: ['a', 'b'] } }, 'JPY', 'en', en);
    expect(yen[0]).toBe('¥500 off 2 products');
    expect(yen[1]).toBe('Applied automatically when the cart qualifies');
    expect(yen).toContain('Does not combine with other discounts');
    const one = discountSummary({ title: 'x', kind: 'fixed_amount', value: 1250, appliesTo: { collectionIds: ['c'] } }, 'EUR', 'en', en);
    expect(one[0]).toBe('€12.50 off 1 collection');
    expect(one[1]).toBe('No code yet');
  });

  it('describes buy X get Y (free when 100 %) and free shipping, in Chinese too', () => {
    const bxgy = discountSummary(
      { title: 'x', code: 'B2G1', kind: 'buy_x_get_y', buyXGetY: { buyQuantity: 2, buyCollectionIds: ['c'], getQuantity: 1, getPercent: 100 } },
      'USD',
      'en',
      en,
    );
    expect(bxgy[0]).toBe('Buy 2 from 1 collection, get 1 from any product free');
    const half = discountSummary({ title: 'x', kind: 'buy_x_get_y', buyXGetY: { buyQuantity: 1, getQuantity: 1, getPercent: 50 } }, 'USD', 'en', en);
    expect(half[0]).toBe('Buy 1 from any product, get 1 from any product at 50% off');
    expect(discountSummary({ title: 'x', kind: 'free_shipping' }, 'USD', 'en', en)[0]).toBe('Free shipping on the order');
    expect(discountSummary({ title: 'x', code: 'A', kind: 'percentage', value: 10 }, 'CNY', 'zh-CN', zh)[0]).toBe('整个订单享 10% 折扣');
  });
});
