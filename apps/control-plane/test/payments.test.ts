/**
 * Shopper payments through Stripe Connect against the fake: Checkout on the
 * connected account with the plan's application fee, paid once and stock
 * converted once under replayed webhooks, an expired session releasing stock,
 * and refunds from the merchant API reflected on the order.
 */
import { randomBytes } from 'node:crypto';
import { connectedStore } from '@storeloom/billing';
import type { StripeFake } from '@storeloom/stripe-fake';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, createStore, signup, type TestPlatform } from '../../../test/helpers/platform.ts';
import { placeStripeCheckout } from '../../../test/helpers/stripe-checkout.ts';
import { type StripeTestPlatform, startStripePlatform } from '../../../test/helpers/stripe-platform.ts';

describe('shopper payments with Stripe Connect (fake)', () => {
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
    store = await createStore(p, m.cookie);
    const product = await createProduct(p, m.cookie, store.id, {
      variants: [{ sku: `S-${randomBytes(3).toString('hex')}`, price: 2500, inventoryQuantity: 5 }],
    });
    variantId = product.variants[0].id;
    await stripe.connectStore(m.cookie, store.id);
  });
  afterAll(async () => {
    await stripe?.close();
  });

  const row = () => p.db.control.selectFrom('stores').selectAll().where('id', '=', store.id).executeTakeFirstOrThrow();
  const stock = async () => {
    const r = await row();
    return (await p.db.tenant(r.schema_name).selectFrom('variants').select('inventory_quantity').where('id', '=', variantId).executeTakeFirstOrThrow())
      .inventory_quantity;
  };

  /** What the storefront's checkout does: place the order (stock reserved), then start Stripe Checkout. */
  async function checkout(quantity: number) {
    const { order, sessionId, orders, restart } = await placeStripeCheckout(p, store.id, variantId, quantity);
    // A retried start (same order attempt) reuses the session.
    expect((await restart()).reference).toBe(sessionId);
    return { order, sessionId, orders };
  }

  it('pays an order once and decrements stock once, even with replayed and reordered webhooks', async () => {
    const before = await stock();
    const { order, sessionId, orders } = await checkout(2);
    expect(await stock()).toBe(before - 2);
    const created = fake.requests.find((r) => r.path === '/v1/checkout/sessions' && (r.params.metadata as any)?.orderId === order.id);
    expect(created?.account).toBe((await connectedStore(p.db, store.id))?.accountId);
    // Free plan: 2 % platform fee on the server-side total.
    expect(created?.params).toMatchObject({
      mode: 'payment',
      payment_intent_data: { application_fee_amount: String(Math.floor((order.total * 200 + 5000) / 10000)) },
      line_items: [{ price_data: { unit_amount: String(order.total) } }],
    });

    fake.autoDeliver = false;
    const events = await fake.completeCheckout(sessionId);
    fake.autoDeliver = true;
    const results = [];
    for (const e of [...events, ...events]) results.push(...(await fake.deliver(e, { duplicate: true })));
    expect(results.every((d) => d.status === 200)).toBe(true);
    expect(results.filter((d) => JSON.parse(d.body).outcome === 'paid')).toHaveLength(1);
    const paid = await orders.detailOrThrow(order.id);
    expect(paid).toMatchObject({ paymentStatus: 'paid', payment: { provider: 'stripe', canRefund: true } });
    expect(paid.payment.reference).toMatch(/^pi_/);
    expect(paid.timeline.filter((e) => e.type === 'paid')).toHaveLength(1);
    expect(await stock()).toBe(before - 2);
  });

  it('an expired Checkout Session releases the reserved stock', async () => {
    const before = await stock();
    const { order, sessionId, orders } = await checkout(3);
    expect(await stock()).toBe(before - 3);
    const [expired] = await fake.expireSession(sessionId);
    await fake.deliver(expired, { duplicate: true });
    expect((await orders.detailOrThrow(order.id)).paymentStatus).toBe('expired');
    expect(await stock()).toBe(before);
  });

  it('refunds from the merchant API go through Stripe and are reflected once; dashboard refunds sync', async () => {
    const { order, sessionId } = await checkout(1);
    await fake.completeCheckout(sessionId);
    const refund = await p.request('POST', `/api/v1/stores/${store.id}/orders/${order.id}/refunds`, {
      cookie: m.cookie,
      headers: { 'idempotency-key': `r-${randomBytes(4).toString('hex')}` },
      body: { amount: 1000, reason: 'damaged' },
    });
    expect(refund.status, refund.text).toBe(200);
    expect(refund.body).toMatchObject({ paymentStatus: 'partially_refunded', refunded: 1000 });
    const refundReq = fake.requests.filter((r) => r.path === '/v1/refunds').at(-1);
    expect(refundReq?.params).toMatchObject({ amount: '1000' });
    await fake.settle();
    // The charge.refunded webhook for that refund changes nothing more.
    const detail = await p.request('GET', `/api/v1/stores/${store.id}/orders/${order.id}`, { cookie: m.cookie });
    expect(detail.body).toMatchObject({ refunded: 1000, paymentStatus: 'partially_refunded' });

    // The rest refunded in Stripe's dashboard reaches the order through charge.refunded.
    const stripe = p.services.billing.stripe!;
    const account = (await connectedStore(p.db, store.id))!.accountId;
    await stripe.refunds.create({ payment_intent: detail.body.payment.reference }, { stripeAccount: account });
    await fake.settle();
    const after = await p.request('GET', `/api/v1/stores/${store.id}/orders/${order.id}`, { cookie: m.cookie });
    expect(after.body).toMatchObject({ refunded: order.total, paymentStatus: 'refunded' });
  });
});
