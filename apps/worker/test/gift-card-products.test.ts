/**
 * Gift cards sold as products (issue 18): a gift-card product ships nothing, carries no tax and takes no discount;
 * the recipient rides from the cart line to the order line; the paid order's `commerce.order-paid` job issues one
 * card per unit worth the line's unit price in the order's currency and mails each code (branded HTML + plain text,
 * in the store's language) to the recipient or the buyer, once however often and however concurrently the job
 * runs; refunding units disables their unused cards and refuses a used one.
 */
import { CartService, GiftCardService, OrderService, parseSettings, priceCartOf } from '@storeloom/commerce';
import { orderPaidJob } from '@storeloom/jobs';
import { createLogger } from '@storeloom/log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { createHandlers } from '../src/handlers.ts';

const ADDRESS = { name: 'Ada Buyer', line1: '1 Main St', line2: null, city: 'Springfield', postalCode: '12345', region: null, country: 'US', phone: null };
const SETTINGS = parseSettings([
  { key: 'shipping', value: { mode: 'flat', flatRate: 700, freeOver: null, weightRates: [] } },
  { key: 'tax', value: { ratePercent: 10, includedInPrices: false } },
]);

describe('gift cards sold as products', () => {
  let p: TestPlatform;
  let cookie: string;

  beforeAll(async () => {
    p = await startTestPlatform({ queueBackend: 'postgres' });
    ({ cookie } = await signup(p));
  }, 60_000);
  afterAll(async () => {
    await p?.close();
  });

  async function setup() {
    const s = await createStore(p, cookie);
    const store = await p.db.control.selectFrom('stores').selectAll().where('id', '=', s.id).executeTakeFirstOrThrow();
    const t = p.db.tenant(store.schema_name);
    const card = (await createProduct(p, cookie, s.id, {
      title: 'Gift card',
      giftCard: true,
      options: [{ name: 'Amount', values: ['$25', '$50'] }],
      variants: [
        { price: 2500, inventoryQuantity: 1000, options: { Amount: '$25' } },
        { price: 5000, inventoryQuantity: 1000, options: { Amount: '$50' } },
      ],
    })) as { id: string; giftCard: boolean; variants: { id: string }[] };
    const shirt = (await createProduct(p, cookie, s.id)) as { id: string; variants: { id: string }[] };
    const handler = createHandlers({
      db: p.db,
      logger: createLogger({ level: 'silent' }),
      retentionDays: 30,
      provisioningStaleSeconds: 1,
      storefront: { secret: 'x'.repeat(32), storeUrl: (st) => `http://${st.slug}.shops.test:3002` },
    })[orderPaidJob.name];
    const runJob = (orderId: string) =>
      handler?.({
        data: { v: orderPaidJob.version, payload: { storeId: store.id, orderId } },
        attemptsMade: 0,
        opts: {},
        updateProgress: async () => {},
      } as never);
    const orders = new OrderService(t, { store: { id: store.id, name: store.name, currency: store.currency } });
    return { store, t, card, shirt, runJob, orders };
  }

  const mailsOf = (storeId: string) =>
    p.db.control.selectFrom('mail_outbox').selectAll().where('store_id', '=', storeId).where('kind', '=', 'gift-card-issued').orderBy('created_at').execute();

  it('prices a gift card without shipping, tax or discounts, and carries the recipient to the order line', async () => {
    const { store, t, card, shirt, orders } = await setup();
    expect(card.giftCard).toBe(true);
    const carts = new CartService(t);
    const cart = await carts.findOrCreate(undefined);
    await carts.add(cart.id, card.variants[0]?.id as string, 2, {
      giftCardRecipient: { email: 'friend@example.com', name: 'Grace', message: 'Happy birthday!' },
    });
    // Only the gift card: no shipping, no tax.
    const onlyCard = await priceCartOf(t, cart.id, { storeId: store.id, settings: SETTINGS, currency: store.currency });
    expect(onlyCard.state.totals).toMatchObject({ subtotal: 5000, shipping: 0, tax: 0, total: 5000 });
    expect(onlyCard.lines[0]).toMatchObject({ giftCard: true, giftCardRecipient: { email: 'friend@example.com', name: 'Grace', message: 'Happy birthday!' } });
    // With goods: shipping and 10 % tax on the shirt and its shipping only; an automatic 10 % off skips the card.
    await t
      .insertInto('discounts')
      .values({ id: crypto.randomUUID(), title: 'Ten off', automatic: true, kind: 'percentage', value: 10, combines_with: JSON.stringify({}) } as never)
      .execute();
    await carts.add(cart.id, shirt.variants[0]?.id as string, 1);
    const mixed = await priceCartOf(t, cart.id, { storeId: store.id, settings: SETTINGS, currency: store.currency });
    // shirt 4500 − 450 = 4050; + shipping 700 = 4750; tax 475; + gift card 5000.
    expect(mixed.discountTotal).toBe(450);
    expect(mixed.state.totals).toMatchObject({ subtotal: 9500, shipping: 700, tax: 475, total: 4750 + 475 + 5000 });

    const { order } = await orders.place({
      cartId: cart.id,
      email: 'ada@example.com',
      customerId: null,
      customerName: null,
      address: ADDRESS,
      locale: 'en',
      settings: SETTINGS,
    });
    expect(order.total).toBe(10225);
    const lines = await t.selectFrom('order_lines').selectAll().where('order_id', '=', order.id).orderBy('position').execute();
    const giftLine = lines.find((l) => l.gift_card);
    expect(giftLine).toMatchObject({ quantity: 2, unit_price: 2500, tax: 0, discount_total: 0 });
    expect(giftLine?.gift_card_recipient).toEqual({ email: 'friend@example.com', name: 'Grace', message: 'Happy birthday!' });
    expect(lines.find((l) => !l.gift_card)).toMatchObject({ tax: 405, discount_total: 450 });
  });

  it('issues one card per unit once, however often and concurrently the paid job runs, and mails each code to the recipient', async () => {
    const { store, t, card, runJob, orders } = await setup();
    const carts = new CartService(t);
    const cart = await carts.findOrCreate(undefined);
    await carts.add(cart.id, card.variants[1]?.id as string, 3, {
      giftCardRecipient: { email: 'Friend@Example.com', name: 'Grace', message: 'Enjoy <b>it</b>' },
    });
    const { order } = await orders.place({
      cartId: cart.id,
      email: 'ada@example.com',
      customerId: null,
      customerName: 'Ada Buyer',
      address: ADDRESS,
      locale: 'en',
      settings: SETTINGS,
    });
    // Unpaid: the job refuses (and retries later); nothing is issued.
    await expect(runJob(order.id)).rejects.toThrow();
    expect(await t.selectFrom('gift_cards').select('id').where('source_order_id', '=', order.id).execute()).toHaveLength(0);
    await orders.confirmPayment(order.id, { provider: 'manual', reference: `manual_charge:${order.id}:1`, amount: order.total });

    // Duplicate paid events: five jobs at once, then two more.
    const results = await Promise.all(Array.from({ length: 5 }, () => runJob(order.id)));
    await runJob(order.id);
    await runJob(order.id);
    expect(results.reduce((n: number, r) => n + ((r as { giftCardsIssued?: number }).giftCardsIssued ?? 0), 0)).toBe(3);

    const cards = await t.selectFrom('gift_cards').selectAll().where('source_order_id', '=', order.id).orderBy('source_unit').execute();
    expect(cards.map((c) => [c.source_unit, c.initial_value, c.balance, c.currency.trim(), c.disabled])).toEqual([
      [0, 5000, 5000, 'USD', false],
      [1, 5000, 5000, 'USD', false],
      [2, 5000, 5000, 'USD', false],
    ]);
    const ledger = await t
      .selectFrom('gift_card_ledger')
      .select(['kind', 'amount'])
      .where(
        'gift_card_id',
        'in',
        cards.map((c) => c.id),
      )
      .execute();
    expect(ledger).toEqual(cards.map(() => ({ kind: 'issue', amount: 5000 })));

    const mails = await mailsOf(store.id);
    expect(mails).toHaveLength(3);
    const service = new GiftCardService(t);
    const seen = new Set<string>();
    for (const m of mails) {
      expect(m.to_address).toBe('friend@example.com');
      expect(m.subject).toContain('Ada Buyer sent you a $50.00 gift card');
      // Branded HTML (escaped message) and a plain-text part with the same code.
      expect(m.html_body).toContain('<html lang="en"');
      expect(m.html_body).toContain('Enjoy &lt;b&gt;it&lt;/b&gt;');
      expect(m.html_body).toContain(`http://${store.slug}.shops.test:3002`);
      const code = /[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}/.exec(m.text_body)?.[0] as string;
      expect(m.html_body).toContain(code);
      expect(m.text_body).toContain('Enjoy <b>it</b>');
      // The mailed code is the card's: usable at its full value.
      const found = await service.findUsable(code, 'USD');
      expect(found.balance).toBe(5000);
      seen.add(found.id);
    }
    expect(seen).toEqual(new Set(cards.map((c) => c.id)));
  });

  it('mails the buyer in the store language when there is no recipient', async () => {
    const { store, t, card, runJob, orders } = await setup();
    await p.db.control.updateTable('stores').set({ default_locale: 'zh-CN' }).where('id', '=', store.id).execute();
    const carts = new CartService(t);
    const cart = await carts.findOrCreate(undefined);
    await carts.add(cart.id, card.variants[0]?.id as string, 1, { giftCardRecipient: null });
    const { order } = await orders.place({
      cartId: cart.id,
      email: 'Buyer@Example.com',
      customerId: null,
      customerName: null,
      address: ADDRESS,
      locale: 'en',
      settings: SETTINGS,
    });
    await orders.confirmPayment(order.id, { provider: 'manual', reference: `manual_charge:${order.id}:1`, amount: order.total });
    await runJob(order.id);
    const [m] = await mailsOf(store.id);
    expect(m?.to_address).toBe('buyer@example.com');
    expect(m?.subject).toContain('礼品卡');
    expect(m?.html_body).toContain('<html lang="zh-CN"');
    expect(m?.text_body).toContain('礼品卡代码');
  });

  it('refunding a unit disables an unused card; a used card cannot be refunded; a refund before issue issues fewer', async () => {
    const { t, card, runJob, orders } = await setup();
    const carts = new CartService(t);
    const cart = await carts.findOrCreate(undefined);
    await carts.add(cart.id, card.variants[0]?.id as string, 2);
    const { order } = await orders.place({
      cartId: cart.id,
      email: 'ada@example.com',
      customerId: null,
      customerName: null,
      address: ADDRESS,
      locale: 'en',
      settings: SETTINGS,
    });
    await orders.confirmPayment(order.id, { provider: 'manual', reference: `manual_charge:${order.id}:1`, amount: order.total });
    await runJob(order.id);
    const line = await t.selectFrom('order_lines').select('id').where('order_id', '=', order.id).executeTakeFirstOrThrow();
    const cards = await t.selectFrom('gift_cards').selectAll().where('source_order_line_id', '=', line.id).orderBy('source_unit').execute();
    expect(cards).toHaveLength(2);
    // Spend part of unit 0's card on another order.
    await t.transaction().execute((trx) => GiftCardService.redeem(trx, cards[0]?.id as string, crypto.randomUUID(), 1000, new Date()));

    const refunded = await orders.refund(order.id, { lines: [{ orderLineId: line.id, quantity: 1 }], idempotencyKey: 'r1' });
    expect(refunded.refunded).toBe(2500);
    const after = await t
      .selectFrom('gift_cards')
      .select(['source_unit', 'disabled'])
      .where('source_order_line_id', '=', line.id)
      .orderBy('source_unit')
      .execute();
    expect(after).toEqual([
      { source_unit: 0, disabled: false },
      { source_unit: 1, disabled: true },
    ]);
    // The other card was used: refused, nothing refunded.
    await expect(orders.refund(order.id, { lines: [{ orderLineId: line.id, quantity: 1 }], idempotencyKey: 'r2' })).rejects.toMatchObject({
      code: 'invalid_state',
    });
    expect((await orders.detail(order.id))?.refunded).toBe(2500);
    // The job again: the refunded unit is not issued anew.
    await runJob(order.id);
    expect(await t.selectFrom('gift_cards').select('id').where('source_order_line_id', '=', line.id).execute()).toHaveLength(2);

    // Refunded before the job ran: only the units left are issued.
    const cart2 = await carts.findOrCreate(undefined);
    await carts.add(cart2.id, card.variants[0]?.id as string, 3);
    const placed = await orders.place({
      cartId: cart2.id,
      email: 'ada@example.com',
      customerId: null,
      customerName: null,
      address: ADDRESS,
      locale: 'en',
      settings: SETTINGS,
    });
    await orders.confirmPayment(placed.order.id, { provider: 'manual', reference: `manual_charge:${placed.order.id}:1`, amount: placed.order.total });
    const line2 = await t.selectFrom('order_lines').select('id').where('order_id', '=', placed.order.id).executeTakeFirstOrThrow();
    await orders.refund(placed.order.id, { lines: [{ orderLineId: line2.id, quantity: 1 }], idempotencyKey: 'early' });
    await runJob(placed.order.id);
    expect(await t.selectFrom('gift_cards').select('id').where('source_order_line_id', '=', line2.id).execute()).toHaveLength(2);
  });
});
