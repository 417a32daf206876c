/**
 * Markets with Stripe Connect (issue 19), against the Stripe fake: a GBP store sells to Germany in euros. The
 * Checkout Session charges the presentment amount in EUR with the platform fee cut from that same amount; the
 * order keeps EUR and GBP amounts at the rate used; refunds go back in EUR while the store-currency refunded
 * amount follows at the same rate, ending exactly at the order's store total; the OSS report counts the same pounds.
 */
import { randomBytes } from 'node:crypto';
import { connectedStore, StripePaymentProvider } from '@storeloom/billing';
import { CartService, loadExchangeRates, loadPricingMarkets, loadSettings } from '@storeloom/commerce';
import type { StripeFake } from '@storeloom/stripe-fake';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, createStore, signup, type TestPlatform } from '../../../test/helpers/platform.ts';
import { type StripeTestPlatform, startStripePlatform } from '../../../test/helpers/stripe-platform.ts';

describe('a checkout paid in EUR on a GBP store (Stripe fake)', () => {
  let fake: StripeFake;
  let p: TestPlatform;
  let stripe: StripeTestPlatform;
  let m: { cookie: string };
  let store: { id: string; slug: string };
  let variantId: string;

  beforeAll(async () => {
    stripe = await startStripePlatform();
    ({ fake, p } = stripe);
    m = await signup(p);
    store = await createStore(p, m.cookie, undefined, 'GBP');
    expect((await p.request('PATCH', `/api/v1/stores/${store.id}`, { cookie: m.cookie, body: { country: 'GB' } })).status).toBe(200);
    await loadExchangeRates(p.db, [{ base: 'GBP', quote: 'EUR', rate: '1.1634', asOf: '2026-12-01' }], 'test');
    const product = await createProduct(p, m.cookie, store.id, {
      variants: [{ sku: `S-${randomBytes(3).toString('hex')}`, price: 2000, inventoryQuantity: 5 }],
    });
    variantId = product.variants[0].id;
    const market = await p.request('POST', `/api/v1/stores/${store.id}/markets`, {
      cookie: m.cookie,
      body: { name: 'Germany', countries: ['DE'], currency: 'EUR', taxInclusive: true },
    });
    expect(market.status).toBe(201);
    await stripe.connectStore(m.cookie, store.id);
  });
  afterAll(async () => {
    await stripe?.close();
  });

  it('charges euros, keeps pounds at the rate used, refunds in euros and agrees to the unit', async () => {
    const r = await p.db.control.selectFrom('stores').selectAll().where('id', '=', store.id).executeTakeFirstOrThrow();
    const t = p.db.tenant(r.schema_name);
    const carts = new CartService(t);
    const cart = await carts.findOrCreate(undefined);
    await carts.add(cart.id, variantId, 2);
    await t.updateTable('carts').set({ country: 'DE' }).where('id', '=', cart.id).execute();
    const settings = { ...(await loadSettings(t)), markets: await loadPricingMarkets(t, p.db, 'GBP'), storeCountry: 'GB' };
    const orders = p.services.commerce.orders(r, { tenant: t });
    const placed = await orders.place({
      cartId: cart.id,
      email: 'erika@example.com',
      customerId: null,
      customerName: 'Erika',
      address: { name: 'Erika', line1: 'Hauptstr. 1', line2: null, city: 'Berlin', postalCode: '10115', region: null, country: 'DE', phone: null },
      locale: 'de',
      settings,
      provider: 'stripe',
    });
    // £20.00 × 1.1634 = €23.27 (×2) + shipping £5 = €5.82 → €52.36; in pounds 52.36 / 1.1634 = £45.0060 → £45.01.
    expect(placed.order).toMatchObject({ currency: 'EUR', subtotal: 4654, shipping: 582, total: 5236, storeCurrency: 'GBP', exchangeRate: '1.1634' });
    expect(placed.order.storeAmounts).toMatchObject({ total: 4501, shipping: 500, subtotal: 4001 });

    const stripeClient = p.services.billing.stripe;
    if (!stripeClient) throw new Error('no Stripe client');
    const provider = new StripePaymentProvider(stripeClient, () => connectedStore(p.db, store.id));
    const start = await provider.start({
      orderId: placed.order.id,
      orderNumber: placed.order.number,
      amount: placed.order.amountDue,
      currency: placed.order.currency,
      email: placed.order.email,
      idempotencyKey: placed.paymentKey,
      returnUrl: 'http://shop.localhost/orders/x',
      cancelUrl: 'http://shop.localhost/cart',
      hostedPayUrl: 'http://shop.localhost/pay',
    });
    const created = fake.requests.find((q) => q.path === '/v1/checkout/sessions' && (q.params.metadata as { orderId?: string })?.orderId === placed.order.id);
    // The charge is in the presentment currency; the platform's 2 % is cut from that same euro amount.
    expect(created?.params).toMatchObject({
      line_items: [{ price_data: { currency: 'eur', unit_amount: '5236' } }],
      payment_intent_data: { application_fee_amount: String(Math.floor((5236 * 200 + 5000) / 10000)) },
    });
    await fake.completeCheckout(start.reference as string);
    await fake.settle();
    const paid = await p.request('GET', `/api/v1/stores/${store.id}/orders/${placed.order.id}`, { cookie: m.cookie });
    expect(paid.body).toMatchObject({ paymentStatus: 'paid', currency: 'EUR', total: 5236, storeAmounts: { total: 4501, refunded: 0 } });

    const refund = await p.request('POST', `/api/v1/stores/${store.id}/orders/${placed.order.id}/refunds`, {
      cookie: m.cookie,
      headers: { 'idempotency-key': `r-${randomBytes(4).toString('hex')}` },
      body: { amount: 1000, reason: 'damaged' },
    });
    expect(refund.status, refund.text).toBe(200);
    expect(fake.requests.filter((q) => q.path === '/v1/refunds').at(-1)?.params).toMatchObject({ amount: '1000' });
    // €10.00 back; in pounds 10.00 / 1.1634 = £8.5955 → £8.60.
    expect(refund.body).toMatchObject({ refunded: 1000, storeAmounts: { refunded: 860 } });
    await fake.settle();
    const rest = await p.request('POST', `/api/v1/stores/${store.id}/orders/${placed.order.id}/refunds`, {
      cookie: m.cookie,
      headers: { 'idempotency-key': `r-${randomBytes(4).toString('hex')}` },
      body: { amount: 4236 },
    });
    expect(rest.status, rest.text).toBe(200);
    // The whole order back: the store-currency refund is exactly the store total (no unit lost to rounding).
    expect(rest.body).toMatchObject({ paymentStatus: 'refunded', refunded: 5236, storeAmounts: { total: 4501, refunded: 4501 } });
    await fake.settle();

    // The OSS report counts the same pounds as the order (a cross-border B2C sale to Germany), net of refunds: the
    // £45.01 sale and its £45.01 of refunds cancel to the unit.
    const report = await p.request('GET', `/api/v1/stores/${store.id}/reports/eu-oss`, { cookie: m.cookie });
    expect(report.body).toMatchObject({ crossBorderSales: 0, rows: [{ country: 'DE', orders: 1, netSales: 0, tax: 0 }] });
  });
});
