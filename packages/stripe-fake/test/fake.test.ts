/**
 * The fake against the official client: request encoding, idempotency, errors
 * shaped like Stripe's, Connect scoping, and webhooks that the client's own
 * `constructEvent` accepts.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StripeFake } from '../src/index.ts';

describe('stripe fake', () => {
  let fake: StripeFake;
  let stripe: Stripe;
  let hook: Server;
  const received: { body: string; sig: string }[] = [];
  const secret = 'whsec_test_fake';
  const connectSecret = 'whsec_test_connect';

  beforeAll(async () => {
    hook = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        received.push({ body: Buffer.concat(chunks).toString('utf8'), sig: String(req.headers['stripe-signature']) });
        res.end('{}');
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}`;
    fake = await StripeFake.start({
      endpoints: [
        { url: `${url}/billing`, secret, connect: false },
        { url: `${url}/connect`, secret: connectSecret, connect: true },
      ],
    });
    stripe = new Stripe('sk_test_123', fake.clientOptions);
  });
  afterAll(async () => {
    await fake.close();
    await new Promise((r) => hook.close(r));
  });

  it('creates a subscription Checkout Session and completes it with signed webhooks', async () => {
    const price = fake.createPrice({ unitAmount: 1900 });
    const customer = await stripe.customers.create({ email: 'a@example.com', metadata: { storeId: 's1' } });
    expect(customer).toMatchObject({ object: 'customer', email: 'a@example.com', metadata: { storeId: 's1' } });
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      customer: customer.id,
      line_items: [{ price, quantity: 1 }],
      subscription_data: { metadata: { storeId: 's1' } },
      success_url: 'http://x/ok',
      client_reference_id: 's1',
    });
    expect(session).toMatchObject({ object: 'checkout.session', mode: 'subscription', status: 'open', amount_total: 1900, client_reference_id: 's1' });
    expect(session.url).toContain(session.id);
    received.length = 0;
    const events = await fake.completeCheckout(session.id);
    expect(events.map((e) => e.type)).toEqual(['customer.subscription.created', 'invoice.paid', 'checkout.session.completed']);
    expect(received).toHaveLength(3);
    for (const r of received) {
      const ev = stripe.webhooks.constructEvent(r.body, r.sig, secret, 300);
      expect(ev.object).toBe('event');
    }
    const done = await stripe.checkout.sessions.retrieve(session.id);
    expect(done).toMatchObject({ status: 'complete', payment_status: 'paid' });
    const sub = await stripe.subscriptions.retrieve(done.subscription as string);
    expect(sub).toMatchObject({ status: 'active', customer: customer.id, metadata: { storeId: 's1' } });
    expect(sub.items.data[0]?.price.id).toBe(price);

    await fake.failInvoice(sub.id);
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('past_due');
    await fake.payInvoice(sub.id);
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('active');
    // A wrong secret is refused by the official verifier.
    const last = received.at(-1)!;
    expect(() => stripe.webhooks.constructEvent(last.body, last.sig, 'whsec_other', 300)).toThrow();
  });

  it('answers errors shaped like Stripe and honours Idempotency-Key', async () => {
    await expect(stripe.customers.retrieve('cus_missing')).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      code: 'resource_missing',
      statusCode: 404,
    });
    const a = await stripe.customers.create({ email: 'i@example.com' }, { idempotencyKey: 'k1' });
    const b = await stripe.customers.create({ email: 'i@example.com' }, { idempotencyKey: 'k1' });
    expect(b.id).toBe(a.id);
    await expect(stripe.customers.create({ email: 'other@example.com' }, { idempotencyKey: 'k1' })).rejects.toMatchObject({
      type: 'StripeIdempotencyError',
    });
    await expect(new Stripe('nope', fake.clientOptions).customers.create({})).rejects.toMatchObject({ statusCode: 401 });
  });

  it('runs payments on a connected account with an application fee, refunds and Connect webhooks', async () => {
    const account = await stripe.accounts.create({ type: 'express', metadata: { storeId: 's2' } });
    expect(account).toMatchObject({ object: 'account', charges_enabled: false });
    const link = await stripe.accountLinks.create({ account: account.id, refresh_url: 'http://x/r', return_url: 'http://x/d', type: 'account_onboarding' });
    expect(link.url).toContain(account.id);
    received.length = 0;
    await fake.completeOnboarding(account.id);
    expect(received).toHaveLength(1);
    const ev = stripe.webhooks.constructEvent(received[0]!.body, received[0]!.sig, connectSecret, 300);
    expect(ev).toMatchObject({ type: 'account.updated', account: account.id });

    const session = await stripe.checkout.sessions.create(
      {
        mode: 'payment',
        line_items: [{ price_data: { currency: 'usd', unit_amount: 2500, product_data: { name: 'Shirt' } }, quantity: 2 }],
        payment_intent_data: { application_fee_amount: 100, metadata: { orderId: 'o1' } },
        metadata: { orderId: 'o1' },
        success_url: 'http://x/ok',
      },
      { stripeAccount: account.id, idempotencyKey: 'order-o1-attempt-1' },
    );
    expect(session.amount_total).toBe(5000);
    // The platform cannot see the connected account's session.
    await expect(stripe.checkout.sessions.retrieve(session.id)).rejects.toMatchObject({ statusCode: 404 });
    await fake.completeCheckout(session.id);
    const paid = await stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent'] }, { stripeAccount: account.id });
    const pi = paid.payment_intent as Stripe.PaymentIntent;
    expect(pi).toMatchObject({ status: 'succeeded', amount: 5000, application_fee_amount: 100, metadata: { orderId: 'o1' } });

    const refund = await stripe.refunds.create({ payment_intent: pi.id, amount: 1500 }, { stripeAccount: account.id });
    expect(refund).toMatchObject({ amount: 1500, status: 'succeeded' });
    await expect(stripe.refunds.create({ payment_intent: pi.id, amount: 4000 }, { stripeAccount: account.id })).rejects.toMatchObject({ statusCode: 400 });
    await fake.settle();
    const refunded = fake.events.filter((e) => e.type === 'charge.refunded');
    expect(refunded.at(-1).data.object).toMatchObject({ amount_refunded: 1500, refunded: false });
  });

  it('expires open sessions', async () => {
    const s = await stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ price_data: { currency: 'eur', unit_amount: 100, product_data: { name: 'x' } }, quantity: 1 }],
      success_url: 'http://x',
    });
    const events = await fake.expireSession(s.id);
    expect(events[0]).toMatchObject({ type: 'checkout.session.expired', data: { object: { id: s.id, status: 'expired' } } });
    await expect(stripe.checkout.sessions.expire(s.id)).rejects.toMatchObject({ statusCode: 400 });
  });

  it('serves stand-ins for the hosted Checkout and onboarding pages', async () => {
    const s = await stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ price_data: { currency: 'usd', unit_amount: 1250, product_data: { name: 'x' } }, quantity: 1 }],
      success_url: 'http://shop.test/done?session={CHECKOUT_SESSION_ID}',
    });
    const page = await fetch(s.url as string);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Pay 12.50 USD');
    const paid = await fetch(s.url as string, { method: 'POST', body: new URLSearchParams({ action: 'pay' }), redirect: 'manual' });
    expect(paid.status).toBe(303);
    expect(paid.headers.get('location')).toBe(`http://shop.test/done?session=${s.id}`);
    expect((await stripe.checkout.sessions.retrieve(s.id)).payment_status).toBe('paid');

    const acct = await stripe.accounts.create({ type: 'express' });
    const link = await stripe.accountLinks.create({ account: acct.id, refresh_url: 'http://x/r', return_url: 'http://x/back', type: 'account_onboarding' });
    const done = await fetch(link.url, { method: 'POST', redirect: 'manual' });
    expect(done.headers.get('location')).toBe('http://x/back');
    expect((await stripe.accounts.retrieve(acct.id)).charges_enabled).toBe(true);
  });

  it('lists customers by e-mail on a connected account and deletes them (privacy erasure)', async () => {
    const acct = await stripe.accounts.create({ type: 'express' });
    const opts = { stripeAccount: acct.id };
    const mine = await stripe.customers.create({ email: 'gone@example.com', name: 'Gone' }, opts);
    await stripe.customers.create({ email: 'stays@example.com' }, opts);
    // Another account's customer with the same address is not seen from this one.
    await stripe.customers.create({ email: 'gone@example.com' });
    const found = await stripe.customers.list({ email: 'gone@example.com' }, opts);
    expect(found.data.map((c) => c.id)).toEqual([mine.id]);
    expect(await stripe.customers.del(mine.id, {}, opts)).toMatchObject({ id: mine.id, deleted: true });
    expect((await stripe.customers.list({ email: 'gone@example.com' }, opts)).data).toEqual([]);
    await expect(stripe.customers.del(mine.id, {}, opts)).rejects.toMatchObject({ statusCode: 404 });
    expect((await stripe.customers.list({}, opts)).data.map((c) => c.email)).toEqual(['stays@example.com']);
  });
});
