/**
 * Draft orders through the merchant API with the Stripe fake: build a draft (catalogue line, custom item, shipping
 * line), mail its invoice link, pay the link through the store's Stripe account (twice at once: one order, one
 * Checkout Session), and the Stripe webhook completes the draft; mark paid; the reserve option.
 */
import { randomBytes } from 'node:crypto';
import { shopperPayments } from '@storeloom/billing';
import { createCommerce } from '@storeloom/commerce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, createStore, signup, type TestPlatform } from '../../../test/helpers/platform.ts';
import { type StripeTestPlatform, startStripePlatform } from '../../../test/helpers/stripe-platform.ts';

const ADDRESS = { name: 'Pat Phone', line1: '1 Main St', line2: null, city: 'Springfield', postalCode: '12345', region: null, country: 'US', phone: null };

describe('draft orders API', { timeout: 180_000 }, () => {
  let stripe: StripeTestPlatform;
  let p: TestPlatform;
  let m: { cookie: string };
  let store: { id: string; slug: string };
  let variantId: string;

  beforeAll(async () => {
    stripe = await startStripePlatform();
    p = stripe.p;
    m = await signup(p);
    store = await createStore(p, m.cookie);
    const product = await createProduct(p, m.cookie, store.id, {
      variants: [{ sku: `DO-${randomBytes(3).toString('hex')}`, price: 2500, inventoryQuantity: 10 }],
    });
    variantId = product.variants[0].id;
    await stripe.connectStore(m.cookie, store.id);
  });
  afterAll(async () => {
    await stripe?.close();
  });

  const api = (method: string, path: string, body?: unknown) => p.request(method, `/api/v1/stores/${store.id}${path}`, { cookie: m.cookie, body });
  const stock = async () => {
    const r = await p.db.control.selectFrom('stores').selectAll().where('id', '=', store.id).executeTakeFirstOrThrow();
    return (await p.db.tenant(r.schema_name).selectFrom('variants').select('inventory_quantity').where('id', '=', variantId).executeTakeFirstOrThrow())
      .inventory_quantity;
  };

  it('builds a draft, mails its invoice link, and the link paid twice through Stripe makes one paid order', async () => {
    const created = await api('POST', '/draft-orders', {
      email: 'pat@example.com',
      shippingAddress: ADDRESS,
      lines: [{ variantId, quantity: 2 }],
    });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id as string;
    const saved = await api('PATCH', `/draft-orders/${id}`, {
      lines: [
        { variantId, quantity: 2 },
        { title: 'Engraving', unitPrice: 1200, quantity: 1, taxable: false },
      ],
      shippingLine: { title: 'Courier', amount: 800 },
    });
    expect(saved.status, saved.text).toBe(200);
    expect(saved.body.totals).toMatchObject({ subtotal: 6200, shipping: 800, total: 7000 });
    const listed = await api('GET', `/draft-orders?q=pat@`);
    expect(listed.body.items.map((d: { id: string }) => d.id)).toContain(id);
    expect((await api('GET', `/draft-orders?q=${saved.body.name}`)).body.items.map((d: { id: string }) => d.id)).toEqual([id]);

    const sent = await api('POST', `/draft-orders/${id}/invoice`, { message: 'As discussed on the phone' });
    expect(sent.status, sent.text).toBe(200);
    expect(sent.body.draftOrder.status).toBe('invoice_sent');
    const token = new URL(sent.body.invoiceUrl).pathname.split('/').at(-1) as string;
    const mail = await p.db.control.selectFrom('mail_outbox').select(['kind', 'text_body']).where('to_address', '=', 'pat@example.com').execute();
    expect(mail.map((x) => x.kind)).toEqual(['draft-invoice']);
    expect(mail[0]?.text_body).toContain(sent.body.invoiceUrl);

    // The storefront's Pay button, pressed twice at once.
    const row = await p.db.control.selectFrom('stores').selectAll().where('id', '=', store.id).executeTakeFirstOrThrow();
    // The storefront's commerce: the same Stripe Connect payments, with its order-link secret.
    const commerce = createCommerce({ db: p.db, queues: null, payments: shopperPayments(p.db, p.services.billing.stripe), secret: 'storefront-secret' });
    const checkout = commerce.checkout(row, { origin: 'http://shop.localhost' });
    const drafts = commerce.drafts(row, { origin: 'http://shop.localhost' });
    const before = await stock();
    const [a, b] = await Promise.all([checkout.payInvoice(drafts, token, 'en'), checkout.payInvoice(drafts, token, 'en')]);
    expect(a.order.id).toBe(b.order.id);
    expect(a.order.payment.provider).toBe('stripe');
    expect(a.order.total).toBe(7000);
    expect(await stock()).toBe(before - 2);
    const sessions = stripe.fake.requests.filter(
      (r) => r.path === '/v1/checkout/sessions' && (r.params.metadata as { orderId?: string })?.orderId === a.order.id,
    );
    expect(sessions.length).toBeGreaterThan(0);
    const sessionId = /cs_[A-Za-z0-9_]+/.exec(a.redirectUrl ?? '')?.[0] ?? '';
    expect(/cs_[A-Za-z0-9_]+/.exec(b.redirectUrl ?? '')?.[0]).toBe(sessionId);
    await stripe.fake.completeCheckout(sessionId);
    await stripe.fake.settle();

    const order = await api('GET', `/orders/${a.order.id}`);
    expect(order.body).toMatchObject({ paymentStatus: 'paid', total: 7000 });
    expect(order.body.lines.map((l: { title: string; variantId: string | null }) => [l.title, l.variantId === null])).toEqual([
      [expect.any(String), false],
      ['Engraving', true],
    ]);
    const done = await api('GET', `/draft-orders/${id}`);
    expect(done.body).toMatchObject({ status: 'completed', orderId: a.order.id });
    // A paid invoice link pays nothing more.
    const again = await checkout.payInvoice(drafts, token, 'en');
    expect(again.order.id).toBe(a.order.id);
    expect(again.redirectUrl).toBeNull();
    expect(await stock()).toBe(before - 2);
  });

  it('marks a draft paid once, and reserves stock only when asked', async () => {
    const before = await stock();
    const created = await api('POST', '/draft-orders', {
      email: 'cash@example.com',
      shippingAddress: ADDRESS,
      lines: [{ variantId, quantity: 1 }],
      reserve: true,
    });
    expect(created.status, created.text).toBe(201);
    expect(await stock()).toBe(before - 1);
    const id = created.body.id as string;
    const [x, y] = await Promise.all([api('POST', `/draft-orders/${id}/mark-paid`), api('POST', `/draft-orders/${id}/mark-paid`)]);
    expect([x.status, y.status], x.text + y.text).toEqual([200, 200]);
    expect(x.body.orderId).toBe(y.body.orderId);
    expect(x.body.draftOrder.status).toBe('completed');
    expect(await stock()).toBe(before - 1);
    const order = await api('GET', `/orders/${x.body.orderId}`);
    expect(order.body).toMatchObject({ paymentStatus: 'paid', payment: { provider: 'manual' } });

    const plain = await api('POST', '/draft-orders', { lines: [{ variantId, quantity: 1 }] });
    expect(await stock()).toBe(before - 1);
    const refused = await api('POST', `/draft-orders/${plain.body.id}/mark-paid`);
    expect(refused.status).toBe(400);
    expect((await api('POST', `/draft-orders/${plain.body.id}/cancel`)).body.status).toBe('cancelled');
    expect((await api('PATCH', `/draft-orders/${plain.body.id}`, { note: 'x' })).status).toBe(409);
    expect((await api('POST', '/draft-orders', { lines: [{ quantity: 1, title: 'No price' }] })).status).toBe(400);
  });
});
