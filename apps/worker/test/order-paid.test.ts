/**
 * A paid order reaches planning and recommendations: `confirmPayment` signals
 * after its commit, the `commerce.order-paid` job records the sales lines and
 * the purchase, and replays of the job record nothing twice.
 */
import { CartService, OrderService, parseSettings } from '@storeloom/commerce';
import { createLogger } from '@storeloom/log';
import { orderPaidJob } from '@storeloom/jobs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { createHandlers } from '../src/handlers.ts';
import { guestActorId, OrderNotPaidYet, recordPaidOrder } from '../src/order-paid.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ADDRESS = { name: 'Ada Shopper', line1: '1 Main St', line2: null, city: 'Springfield', postalCode: '12345', region: null, country: 'US', phone: null };

describe.each(['redis', 'postgres'] as const)('order paid → planning + recommendations (%s queues)', (backend) => {
  let p: TestPlatform;
  let cookie: string;
  let ownerEmail: string;

  beforeAll(async () => {
    p = await startTestPlatform({ queueBackend: backend });
    ({ cookie, email: ownerEmail } = await signup(p));
    await p.startWorker();
  }, 60_000);
  afterAll(async () => {
    await p?.close();
  });

  it('records sales lines and one purchase once, even when the job runs again', async () => {
    const s = await createStore(p, cookie);
    const row = await p.db.control.selectFrom('stores').selectAll().where('id', '=', s.id).executeTakeFirstOrThrow();
    const t = p.db.tenant(row.schema_name);
    const prod = (await createProduct(p, cookie, s.id, {
      title: 'Pour-over kettle',
      status: 'active',
      options: [{ name: 'Size', values: ['1 l', '1.5 l'] }],
      variants: [
        { sku: 'K-1', price: 4000, inventoryQuantity: 20, options: { Size: '1 l' } },
        { sku: 'K-2', price: 4500, inventoryQuantity: 20, options: { Size: '1.5 l' } },
      ],
    })) as { id: string; variants: { id: string }[] };
    const [v1, v2] = prod.variants as [{ id: string }, { id: string }];
    const carts = new CartService(t);
    const cart = await carts.findOrCreate(undefined);
    await carts.add(cart.id, v1.id, 2);
    await carts.add(cart.id, v2.id, 1);

    const signalled: string[] = [];
    const orders = new OrderService(t, {
      store: { id: row.id, name: row.name, currency: row.currency },
      onPaid: (orderId) => {
        signalled.push(orderId);
        void p.queues.enqueue(orderPaidJob, { storeId: row.id, orderId });
      },
    });
    const { order } = await orders.place({
      cartId: cart.id,
      email: 'Guest@Example.com',
      customerId: null,
      customerName: null,
      address: ADDRESS,
      locale: 'en',
      settings: parseSettings([]),
    });
    // Before payment the job refuses (and would retry) rather than completing empty-handed.
    await expect(recordPaidOrder({ db: p.db }, { id: row.id, schemaName: row.schema_name }, order.id)).rejects.toBeInstanceOf(OrderNotPaidYet);

    const paid = await orders.confirmPayment(order.id, { provider: 'manual', reference: `manual_charge:${order.id}:1`, amount: order.total });
    expect(paid.applied).toBe(true);
    // A replayed confirmation changes nothing and signals nothing.
    expect((await orders.confirmPayment(order.id, { provider: 'manual', reference: `manual_charge:${order.id}:1`, amount: order.total })).applied).toBe(false);
    expect(signalled).toEqual([order.id]);

    const deadline = Date.now() + 30_000;
    for (;;) {
      const r = await t.selectFrom('reco_orders').select('order_id').where('order_id', '=', order.id).executeTakeFirst();
      if (r) break;
      if (Date.now() > deadline) throw new Error('the worker did not record the purchase');
      await sleep(100);
    }

    // Run the job again: once through the queue (deduplicated by jobId) and twice through the handler itself.
    await p.queues.enqueue(orderPaidJob, { storeId: row.id, orderId: order.id });
    const handler = createHandlers({
      db: p.db,
      logger: createLogger({ level: 'silent' }),
      retentionDays: 30,
      provisioningStaleSeconds: 1,
      consoleUrl: 'http://console.example/',
    })[orderPaidJob.name];
    const job = {
      data: { v: orderPaidJob.version, payload: { storeId: row.id, orderId: order.id } },
      attemptsMade: 0,
      opts: {},
      updateProgress: async () => {},
    };
    for (let i = 0; i < 2; i++) expect(await handler?.(job as never)).toEqual({ linesRecorded: 0, purchaseRecorded: false });
    await sleep(300);

    const daily = await t.selectFrom('variant_sales_daily').select(['variant_id', 'units', 'revenue']).orderBy('units', 'desc').execute();
    expect(daily.map((d) => ({ variant: d.variant_id, units: Number(d.units), revenue: Number(d.revenue) }))).toEqual([
      { variant: v1.id, units: 2, revenue: 8000 },
      { variant: v2.id, units: 1, revenue: 4500 },
    ]);
    expect(await t.selectFrom('variant_sale_lines').select('order_line_id').execute()).toHaveLength(2);
    const recoOrders = await t.selectFrom('reco_orders').selectAll().execute();
    expect(recoOrders).toHaveLength(1);
    expect(recoOrders[0]).toMatchObject({ order_id: order.id, customer_id: null, session_id: guestActorId('guest@example.com') });
    const purchases = await t.selectFrom('reco_events').select(['product_id', 'variant_id', 'quantity']).where('kind', '=', 'purchase').execute();
    expect(purchases.map((e) => `${e.variant_id}:${e.quantity}`).sort()).toEqual([`${v1.id}:2`, `${v2.id}:1`].sort());
    expect(new Set(purchases.map((e) => e.product_id))).toEqual(new Set([prod.id]));

    // The merchant's new-order mail (issue 17): once per owner however often the job ran, HTML and text parts alike.
    const merchantMails = await p.db.control
      .selectFrom('mail_outbox')
      .selectAll()
      .where('store_id', '=', row.id)
      .where('kind', '=', 'order-new-merchant')
      .execute();
    expect(merchantMails.map((m) => m.to_address)).toEqual([ownerEmail.toLowerCase()]);
    const [mail] = merchantMails;
    expect(mail?.subject).toMatch(new RegExp(`^New order #${order.number}: \\$[\\d,.]+ from Ada Shopper$`));
    expect(mail?.text_body).toContain('2 × Pour-over kettle (1 l)');
    expect(mail?.text_body).toContain('guest@example.com');
    expect(mail?.html_body).toContain('<table role="presentation"');
    expect(mail?.html_body).toContain('Pour-over kettle (1 l)');
  }, 90_000);
});
