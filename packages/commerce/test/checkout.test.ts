/**
 * The commerce factory and the CheckoutService on real Postgres: one call
 * places the order, saves the address, and hands back the payment page; a
 * pricing step in the discounts slot moves the quote and the charge alike;
 * resolveStoreTenant answers only for the allowed states.
 */
import { resolveStoreTenant, STORE_WITH_DATA } from '@storeloom/stores';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  computeTotals,
  createCommerce,
  CustomerService,
  type PricingStep,
  parseSettings,
  priceCart,
  pricingSteps,
  type ShippingSettings,
  type TaxSettings,
  verifyOrderLink,
} from '../src/index.ts';
import { ADDRESS, openShop, type Shop, startTestPlatform } from './helpers.ts';

const SECRET = 's'.repeat(48);

/** A test promotion: 10 % off goods when the shopper entered TEN. */
const tenPercent: PricingStep = {
  name: 'ten-percent',
  apply(state, ctx) {
    if (!ctx.codes.includes('TEN')) return state;
    const amount = Math.floor(state.totals.subtotal / 10);
    return { ...state, adjustments: [...state.adjustments, { kind: 'discount', source: 'TEN', label: '10 % off', amount }] };
  },
};

describe('commerce factory and checkout', { timeout: 120_000 }, () => {
  let p: Awaited<ReturnType<typeof startTestPlatform>>;
  let shop: Shop;
  beforeAll(async () => {
    p = await startTestPlatform();
    shop = await openShop(p);
  });
  afterAll(async () => {
    await p?.close();
  });

  const storeRow = () => p.db.control.selectFrom('stores').selectAll().where('id', '=', shop.store.id).executeTakeFirstOrThrow();

  it('places the order, saves the address and returns the signed pay page of the manual provider', async () => {
    const commerce = createCommerce({ db: p.db, queues: null, secret: SECRET });
    const prod = await shop.product({ title: 'Tea', variants: [{ sku: 'CK-1', price: 1200, inventoryQuantity: 5 }] });
    const cartId = await shop.cartWith([[prod.variants[0]!.id, 2]]);
    const customer = await new CustomerService(shop.t).register({ email: 'c1@example.com', name: 'Cy', password: 'a long passphrase 1' });
    const checkout = commerce.checkout(await storeRow(), { origin: 'http://tea.localhost:3001' });
    const quote = await checkout.quote(cartId, shop.settings);
    expect(quote.totals.total).toBe(2400 + 500);
    expect(quote.quoteToken).toBeTruthy();
    const placed = await checkout.place({
      cartId,
      email: 'c1@example.com',
      address: ADDRESS,
      customerId: customer.id,
      saveAddress: true,
      locale: 'en',
      settings: shop.settings,
      expectedTotal: quote.totals.total,
      quoteToken: quote.quoteToken as string,
    });
    expect(placed.order.total).toBe(2900);
    expect(placed.order.payment.provider).toBe('manual');
    // The manual provider's pay page is on the same storefront: a relative URL.
    expect(placed.redirectUrl?.startsWith('/checkout/pay/')).toBe(true);
    const url = new URL(placed.redirectUrl ?? '', 'http://tea.localhost:3001');
    expect(url.pathname).toBe(`/checkout/pay/${placed.order.id}`);
    expect(verifyOrderLink(SECRET, shop.store.id, placed.order.id, url.searchParams.get('sig') ?? undefined)).toBe(true);
    expect((await new CustomerService(shop.t).addresses(customer.id)).map((a) => a.line1)).toEqual([ADDRESS.line1]);
    const reserved = await shop.t.selectFrom('orders').select('reservation_expires_at').where('id', '=', placed.order.id).executeTakeFirstOrThrow();
    expect(new Date(reserved.reservation_expires_at).getTime() - Date.now()).toBeGreaterThan(14 * 60_000);
  });

  it('refuses a checkout whose total moved since the page (conflict) and keeps the stock', async () => {
    const commerce = createCommerce({ db: p.db, queues: null, secret: SECRET });
    const prod = await shop.product({ title: 'Mug', variants: [{ sku: 'CK-2', price: 800, inventoryQuantity: 3 }] });
    const cartId = await shop.cartWith([[prod.variants[0]!.id, 1]]);
    const checkout = commerce.checkout(await storeRow(), { origin: 'http://tea.localhost' });
    await expect(
      checkout.place({
        cartId,
        email: 'x@example.com',
        address: ADDRESS,
        customerId: null,
        saveAddress: false,
        locale: 'en',
        settings: shop.settings,
        expectedTotal: 1,
      }),
    ).rejects.toMatchObject({ code: 'conflict' });
    const left = await shop.t.selectFrom('variants').select('inventory_quantity').where('id', '=', prod.variants[0]!.id).executeTakeFirstOrThrow();
    expect(left.inventory_quantity).toBe(3);
  });

  it('runs a discount step in its slot: the quote and the placed order agree, and free shipping counts the discounted subtotal', async () => {
    const settings = { ...shop.settings, shipping: { ...shop.settings.shipping, flatRate: 500, freeOver: 10_000 } };
    const commerce = createCommerce({ db: p.db, queues: null, secret: SECRET, pricing: { discounts: [tenPercent] } });
    const prod = await shop.product({ title: 'Kettle', variants: [{ sku: 'CK-3', price: 10_000, inventoryQuantity: 5 }] });
    const cartId = await shop.cartWith([[prod.variants[0]!.id, 1]]);
    const checkout = commerce.checkout(await storeRow(), { origin: 'http://tea.localhost' });
    const plain = await checkout.quote(cartId, settings);
    expect(plain.totals).toMatchObject({ subtotal: 10_000, shipping: 0, total: 10_000 });
    const discounted = await checkout.quote(cartId, settings, { codes: ['TEN'] });
    // 9,000 of goods is under the free-shipping threshold, so shipping is charged again.
    expect(discounted.totals).toMatchObject({ subtotal: 10_000, shipping: 500, total: 9_500 });
    expect(discounted.adjustments).toEqual([{ kind: 'discount', source: 'TEN', label: '10 % off', amount: 1000 }]);
    const placed = await checkout.place({
      cartId,
      email: 'd@example.com',
      address: ADDRESS,
      customerId: null,
      saveAddress: false,
      locale: 'en',
      settings,
      expectedTotal: 9_500,
      codes: ['TEN'],
    });
    expect(placed.order.total).toBe(9_500);
  });

  it('the default pipeline computes what computeTotals computes', async () => {
    const settings = parseSettings([]);
    const cases: [ShippingSettings, TaxSettings][] = [
      [
        { ...settings.shipping, flatRate: 499, freeOver: 5000 },
        { ratePercent: 8.25, includedInPrices: false },
      ],
      [
        {
          mode: 'weight',
          flatRate: 0,
          freeOver: null,
          weightRates: [
            { upToGrams: 500, rate: 300 },
            { upToGrams: 2000, rate: 900 },
          ],
        },
        { ratePercent: 20, includedInPrices: true },
      ],
    ];
    for (const [shipping, tax] of cases) {
      for (let n = 0; n < 20; n++) {
        const lines = Array.from({ length: 1 + (n % 4) }, (_, i) => ({ unitPrice: 97 * (n + 1) + i * 333, quantity: 1 + ((n + i) % 3), weightGrams: 120 * i }));
        const ctx = {
          t: shop.t,
          storeId: shop.store.id,
          cartId: 'c',
          settings: { ...settings, shipping, tax },
          customerId: null,
          email: null,
          codes: [],
          phase: 'quote' as const,
          now: new Date(),
        };
        const priced = await priceCart(lines as never, ctx, pricingSteps());
        expect(priced.totals).toEqual(computeTotals(lines, shipping, tax));
      }
    }
  });

  it('resolveStoreTenant answers only for the allowed states', async () => {
    const found = await resolveStoreTenant(p.db, shop.store.id, { allow: STORE_WITH_DATA });
    expect(found?.store.id).toBe(shop.store.id);
    expect(await found?.tenant.selectFrom('orders').select('id').limit(1).execute()).toBeDefined();
    expect(await resolveStoreTenant(p.db, shop.store.id, { allow: ['suspended'] })).toBeNull();
    expect(await resolveStoreTenant(p.db, '00000000-0000-7000-8000-000000000000', { allow: STORE_WITH_DATA })).toBeNull();
  });
});
