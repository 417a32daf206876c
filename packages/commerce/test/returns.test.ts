/**
 * Returns on real Postgres: a shopper's request within the window (never more
 * units than bought, refunded or already in an open return), approval with a
 * label, receipt with per-line condition (restock through the ledger), then a
 * refund through the refund lines across a discount and a gift card, or an
 * exchange with a price difference; concurrent approvals and receipts do the
 * work once; each step writes its webhook event and the shopper's mail in the
 * same transaction.
 */
import { processPending, rebuildAnalytics, salesReport } from '@storeloom/analytics';
import { AppError } from '@storeloom/errors';
import { LocalOutboxTransport, MailOutbox } from '@storeloom/mail';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CartPromotions,
  DiscountService,
  GiftCardService,
  loadPricingMarkets,
  loadTaxRates,
  MarketService,
  parseSettings,
  ReturnService,
  saveCheckoutSettings,
  saveReturnPolicy,
  TaxRateService,
  type ReturnView,
} from '../src/index.ts';
import { ADDRESS, openShop, type Shop, startTestPlatform } from './helpers.ts';

const taxed = parseSettings([{ key: 'tax', value: { ratePercent: 10, includedInPrices: false } }]);
const taxInside = parseSettings([{ key: 'tax', value: { ratePercent: 10, includedInPrices: true } }]);
/** 10 % added on top, rounded half up once over the replacement units, as the checkout rounds an order's tax. */
const withTax = (net: number) => net + Math.floor((net * 10 + 50) / 100);
const DAY = 86_400_000;
const errorOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return { code: e.code, message: e.message, details: e.details };
    throw e;
  }
  return null;
};

describe('returns', { timeout: 180_000 }, () => {
  let p: Awaited<ReturnType<typeof startTestPlatform>>;
  let shop: Shop;
  let a: string;
  let b: string;
  let dear: string;
  let cheap: string;
  let promos: CartPromotions;
  let discounts: DiscountService;
  let cards: GiftCardService;
  let returns: ReturnService;

  beforeAll(async () => {
    p = await startTestPlatform();
    shop = await openShop(p);
    a = (await shop.product({ variants: [{ sku: 'RT-A', price: 1000, inventoryQuantity: 100 }] })).variants[0]!.id;
    b = (await shop.product({ variants: [{ sku: 'RT-B', price: 700, inventoryQuantity: 100 }] })).variants[0]!.id;
    dear = (await shop.product({ variants: [{ sku: 'RT-DEAR', price: 1500, inventoryQuantity: 10 }] })).variants[0]!.id;
    cheap = (await shop.product({ variants: [{ sku: 'RT-CHEAP', price: 400, inventoryQuantity: 10 }] })).variants[0]!.id;
    promos = new CartPromotions(shop.t, { storeId: shop.store.id, settings: taxed, currency: shop.store.currency });
    discounts = new DiscountService(shop.t);
    cards = new GiftCardService(shop.t);
    // The store's checkout adds 10 % tax (the orders below are placed with the same settings).
    await saveCheckoutSettings(shop.t, { shipping: taxed.shipping, tax: taxed.tax });
    returns = new ReturnService(shop.t, {
      store: shop.store,
      mail: new MailOutbox(p.db, new LocalOutboxTransport(), 'Shop <shop@example.com>'),
      mailContext: () => ({ storeName: shop.store.name, statusUrl: 'http://x.localhost/orders/1', formatMoney: (n) => String(n), lang: 'de' }),
    });
    // Every return event is subscribed, so the outbox rows can be checked.
    await shop.t
      .insertInto('webhook_subscriptions')
      .values({
        id: crypto.randomUUID(),
        url: 'https://example.com/h',
        events: JSON.stringify(['return.requested', 'return.approved', 'return.declined', 'return.received', 'return.closed', 'order.refunded']),
        secret_ciphertext: 'x',
      } as never)
      .execute();
  });
  afterAll(async () => {
    await p?.close();
  });

  const stockOf = async (variantId: string) =>
    (await shop.t.selectFrom('variants').select('inventory_quantity').where('id', '=', variantId).executeTakeFirstOrThrow()).inventory_quantity;
  const eventsOf = async (type: string, returnId: string) =>
    (await shop.t.selectFrom('webhook_events').select(['data']).where('type', '=', type).execute()).filter(
      (e) => ((typeof e.data === 'string' ? JSON.parse(e.data) : e.data) as { return: ReturnView }).return.id === returnId,
    );
  const mailsTo = async (email: string) =>
    (await p.db.control.selectFrom('mail_outbox').select(['kind', 'subject']).where('to_address', '=', email).orderBy('created_at').execute()).map(
      (m) => m.kind,
    );

  /** A delivered order of 3 × A and 1 × B with a 300 fixed discount and 10 % tax added, optionally part paid by a gift card. */
  async function deliveredOrder(opts: { giftCard?: number; email?: string; settings?: typeof taxed } = {}) {
    const email = opts.email ?? `r${Math.random().toString(36).slice(2, 8)}@example.com`;
    const d = await discounts.create({ title: 'Deal', code: `R${Math.random().toString(36).slice(2, 10)}`, kind: 'fixed_amount', value: 300 });
    const cart = await shop.cartWith([
      [a, 3],
      [b, 1],
    ]);
    await promos.applyCode(cart, d.code as string);
    let cardId: string | null = null;
    if (opts.giftCard) {
      const card = await cards.issue({ initialValue: opts.giftCard, currency: shop.store.currency });
      await promos.applyGiftCard(cart, card.code);
      cardId = card.id;
    }
    const { order } = await shop.orders.place({
      cartId: cart,
      email,
      customerId: null,
      customerName: null,
      address: ADDRESS,
      locale: 'en',
      settings: opts.settings ?? taxed,
    });
    if (order.amountDue > 0) await shop.orders.confirmPayment(order.id, { provider: 'manual', reference: 'r', amount: order.amountDue });
    await shop.orders.fulfil(order.id, {});
    return { order: await shop.orders.detailOrThrow(order.id), cardId, email };
  }

  it('return with restock and a partial refund across a discount and a gift card; events and mails at each step', async () => {
    const { order, cardId, email } = await deliveredOrder({ giftCard: 2000 });
    const la = order.lines.find((l) => l.variantId === a)!;
    const lb = order.lines.find((l) => l.variantId === b)!;
    expect(la.discount).toBeGreaterThan(0);
    const before = { a: await stockOf(a), b: await stockOf(b) };
    const r0 = await returns.request(order.id, {
      lines: [
        { orderLineId: la.id, quantity: 2 },
        { orderLineId: lb.id, quantity: 1 },
      ],
      reason: 'Too small',
      note: 'Please swap',
      photos: ['returns/x.jpg'],
    });
    expect(r0).toMatchObject({ status: 'requested', reason: 'Too small', photos: ['returns/x.jpg'], orderNumber: order.number });
    // The units in an open return cannot be asked for again: 1 of A left, none of B.
    const left = await returns.returnability(order.id);
    expect(left.lines.map((l) => l.returnable)).toEqual(order.lines.map((l) => (l.id === la.id ? 1 : 0)));
    expect(await errorOf(returns.request(order.id, { lines: [{ orderLineId: la.id, quantity: 2 }], reason: 'again' }))).toMatchObject({
      code: 'validation_failed',
      details: [{ path: 'lines.0.quantity', message: 'at most 1' }],
    });

    const approved = await returns.approve(r0.id, { labelReference: 'DHL-123', note: 'Use the label' });
    expect(approved).toMatchObject({ status: 'approved', labelReference: 'DHL-123', merchantNote: 'Use the label' });
    // Receiving out of order is refused; receipt restocks A (good condition) and not B (damaged).
    expect(await errorOf(returns.refund(r0.id))).toMatchObject({ code: 'invalid_state' });
    const received = await returns.receive(r0.id, {
      lines: [
        { orderLineId: la.id, restock: true },
        { orderLineId: lb.id, restock: false, note: 'torn' },
      ],
    });
    expect(received.status).toBe('received');
    expect(received.lines.find((l) => l.orderLineId === lb.id)).toMatchObject({ restock: false, conditionNote: 'torn' });
    expect(await stockOf(a)).toBe(before.a + 2);
    expect(await stockOf(b)).toBe(before.b);

    // The refund: 2 of 3 units of A and all of B at what was paid (after the discount, with tax); no shipping (not a full return).
    const netA = la.total - la.discount + la.tax;
    const netB = lb.total - lb.discount + lb.tax;
    const expected = Math.floor((netA * 2) / 3) + netB;
    const quote = await returns.refundQuote(r0.id);
    expect(quote.amount).toBe(expected);
    expect(quote.shipping).toBe(0);
    // Provider first (what it collected: total − gift card), then the card.
    const providerPaid = order.total - 2000;
    expect(quote.tenders).toEqual({ provider: Math.min(expected, providerPaid), giftCards: expected - Math.min(expected, providerPaid) });
    const refunded = await returns.refund(r0.id);
    expect(refunded).toMatchObject({ status: 'refunded', resolution: 'refund', refundAmount: expected });
    const detail = await shop.orders.detailOrThrow(order.id);
    expect(detail.refunded).toBe(expected);
    expect(detail.lines.find((l) => l.id === la.id)).toMatchObject({ refundedQuantity: 2 });
    expect(detail.refunds.at(-1)?.lines.every((l) => !l.restock)).toBe(true);
    if (quote.tenders.giftCards > 0) {
      const ledger = await shop.t
        .selectFrom('gift_card_ledger')
        .select(['amount', 'kind'])
        .where('gift_card_id', '=', cardId as string)
        .where('kind', '=', 'refund')
        .execute();
      expect(ledger.reduce((s, l) => s + l.amount, 0)).toBe(quote.tenders.giftCards);
    }
    // A second refund of the same return is a no-op; the ledger restocked once.
    expect((await returns.refund(r0.id)).refundAmount).toBe(expected);
    expect((await shop.orders.detailOrThrow(order.id)).refunded).toBe(expected);
    expect(await stockOf(a)).toBe(before.a + 2);
    const ledger = await shop.t
      .selectFrom('inventory_adjustments')
      .select(['delta', 'reason'])
      .where('variant_id', '=', a)
      .where('reason', '=', 'returned')
      .execute();
    expect(ledger.filter((l) => l.delta === 2)).toHaveLength(1);

    for (const type of ['return.requested', 'return.approved', 'return.received', 'return.closed']) expect(await eventsOf(type, r0.id)).toHaveLength(1);
    expect(await mailsTo(email)).toEqual(expect.arrayContaining(['return-requested', 'return-approved', 'return-received', 'return-refunded']));
    const approvedMail = await p.db.control
      .selectFrom('mail_outbox')
      .select(['subject', 'text_body'])
      .where('to_address', '=', email)
      .where('kind', '=', 'return-approved')
      .executeTakeFirstOrThrow();
    expect(approvedMail.subject).toContain('genehmigt');
    expect(approvedMail.text_body).toContain('DHL-123');

    // The last unit of A, returned later: the whole order is now back, so shipping comes back too (policy full_return).
    const r1 = await returns.request(order.id, { lines: [{ orderLineId: la.id, quantity: 1 }], reason: 'Changed my mind' });
    await returns.approve(r1.id);
    await returns.receive(r1.id, { lines: [{ orderLineId: la.id, restock: true }] });
    expect((await returns.refundQuote(r1.id)).shipping).toBe(detail.shippingRefundable);
    await returns.refund(r1.id);
    const end = await shop.orders.detailOrThrow(order.id);
    expect(end).toMatchObject({ refunded: order.total, paymentStatus: 'refunded' });
    expect((await returns.returnability(order.id)).why).toBe('nothing_left');
  });

  it('refuses over-returns, undelivered orders and requests after the window; declines with a note', async () => {
    const { order } = await deliveredOrder();
    const la = order.lines.find((l) => l.variantId === a)!;
    expect(await errorOf(returns.request(order.id, { lines: [{ orderLineId: la.id, quantity: 4 }], reason: 'x' }))).toMatchObject({
      code: 'validation_failed',
      details: [{ path: 'lines.0.quantity', message: 'at most 3' }],
    });
    expect(await errorOf(returns.request(order.id, { lines: [{ orderLineId: crypto.randomUUID(), quantity: 1 }], reason: 'x' }))).toMatchObject({
      code: 'validation_failed',
    });
    // 30 days by default, counted from delivery (fulfilment); a shorter window closes sooner.
    const late = new Date(Date.now() + 31 * DAY);
    expect(await errorOf(returns.request(order.id, { lines: [{ orderLineId: la.id, quantity: 1 }], reason: 'x' }, { now: late }))).toMatchObject({
      code: 'return_window_closed',
    });
    await saveReturnPolicy(shop.t, { enabled: true, windowDays: 60, shippingRefund: 'never' });
    expect((await returns.returnability(order.id, late)).open).toBe(true);
    await saveReturnPolicy(shop.t, { enabled: true, windowDays: 30, shippingRefund: 'full_return' });

    const r = await returns.request(order.id, { lines: [{ orderLineId: la.id, quantity: 1 }], reason: 'x' }, { idempotencyKey: 'form-1' });
    // The same form submitted again is the same return.
    expect((await returns.request(order.id, { lines: [{ orderLineId: la.id, quantity: 1 }], reason: 'x' }, { idempotencyKey: 'form-1' })).id).toBe(r.id);
    const declined = await returns.decline(r.id, { note: 'Worn items cannot be returned' });
    expect(declined).toMatchObject({ status: 'declined', merchantNote: 'Worn items cannot be returned' });
    expect(await errorOf(returns.approve(r.id))).toMatchObject({ code: 'invalid_state' });
    // A declined return frees its units.
    expect((await returns.returnability(order.id)).lines.find((l) => l.orderLineId === la.id)?.returnable).toBe(3);
    expect(await eventsOf('return.declined', r.id)).toHaveLength(1);

    // Not delivered yet: refused.
    const cart = await shop.cartWith([[a, 1]]);
    const { order: undelivered } = await shop.orders.place({
      cartId: cart,
      email: 'u@example.com',
      customerId: null,
      customerName: null,
      address: ADDRESS,
      locale: 'en',
      settings: taxed,
    });
    await shop.orders.confirmPayment(undelivered.id, { provider: 'manual', reference: 'u', amount: undelivered.amountDue });
    expect(await errorOf(returns.request(undelivered.id, { lines: [{ orderLineId: undelivered.lines[0]!.id, quantity: 1 }], reason: 'x' }))).toMatchObject({
      code: 'invalid_state',
    });
  });

  it('concurrent approvals and receipts: one does the work (one event, one restock), all answer with the result', async () => {
    const { order } = await deliveredOrder();
    const la = order.lines.find((l) => l.variantId === a)!;
    const r = await returns.request(order.id, { lines: [{ orderLineId: la.id, quantity: 2 }], reason: 'x' });
    const approvals = await Promise.allSettled(Array.from({ length: 6 }, () => returns.approve(r.id, { labelReference: 'L-1' })));
    expect(approvals.every((x) => x.status === 'fulfilled' && x.value.status === 'approved')).toBe(true);
    expect(await eventsOf('return.approved', r.id)).toHaveLength(1);
    const stock = await stockOf(a);
    const receipts = await Promise.allSettled(Array.from({ length: 6 }, () => returns.receive(r.id, { lines: [{ orderLineId: la.id, restock: true }] })));
    expect(receipts.every((x) => x.status === 'fulfilled')).toBe(true);
    expect(await stockOf(a)).toBe(stock + 2);
    expect(await eventsOf('return.received', r.id)).toHaveLength(1);
    const refunds = await Promise.allSettled(Array.from({ length: 4 }, () => returns.refund(r.id)));
    expect(refunds.every((x) => x.status === 'fulfilled')).toBe(true);
    expect((await shop.orders.detailOrThrow(order.id)).refunds).toHaveLength(1);
    // Two requests racing for the last units of a line: one wins.
    const racers = await Promise.allSettled([
      returns.request(order.id, { lines: [{ orderLineId: la.id, quantity: 1 }], reason: 'race' }),
      returns.request(order.id, { lines: [{ orderLineId: la.id, quantity: 1 }], reason: 'race' }),
    ]);
    expect(racers.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
  });

  it('exchanges with tax added at checkout: the replacement is taxed like the order was, so a cheaper one refunds and a dearer one charges the difference with its tax', async () => {
    const { order } = await deliveredOrder();
    const lb = order.lines.find((l) => l.variantId === b)!;
    // What B was paid: its price after its share of the discount, plus the 10 % tax added on top.
    const netB = lb.total - lb.discount + lb.tax;
    expect(lb.tax).toBeGreaterThan(0);
    const r = await returns.request(order.id, { lines: [{ orderLineId: lb.id, quantity: 1 }], reason: 'Wrong colour' });
    await returns.approve(r.id);
    await returns.receive(r.id, { lines: [{ orderLineId: lb.id, restock: true }] });
    const cheapStock = await stockOf(cheap);
    const ex = await returns.exchange(r.id, { lines: [{ orderLineId: lb.id, variantId: cheap }] });
    // The cheap unit costs 400 + 40 tax: the shopper gets back what B was paid beyond that.
    const back = netB - withTax(400);
    expect(back).toBeGreaterThan(0);
    expect(ex).toMatchObject({
      status: 'exchanged',
      resolution: 'exchange',
      exchange: { difference: -back, paymentStatus: 'none' },
      refundAmount: back,
    });
    expect(await stockOf(cheap)).toBe(cheapStock - 1);
    const afterCheap = await shop.orders.detailOrThrow(order.id);
    expect(afterCheap.refunded).toBe(back);
    // The refund went through the order's provider for that amount, and the timeline says so (with the tax in it).
    const refunds = await shop.t.selectFrom('payments').select(['amount', 'provider']).where('order_id', '=', order.id).where('kind', '=', 'refund').execute();
    expect(refunds).toEqual([{ amount: back, provider: 'manual' }]);
    expect(afterCheap.timeline.find((e) => e.type === 'return_exchanged')).toMatchObject({
      message: `Return exchanged (${back} refunded, incl. 40 tax on the replacement)`,
      data: { refunded: back, tax: 40 },
    });
    // Repeating it changes nothing.
    await returns.exchange(r.id, { lines: [{ orderLineId: lb.id, variantId: cheap }] });
    expect(await stockOf(cheap)).toBe(cheapStock - 1);
    expect((await shop.orders.detailOrThrow(order.id)).refunded).toBe(back);

    const { order: o2 } = await deliveredOrder();
    const lb2 = o2.lines.find((l) => l.variantId === b)!;
    const r2 = await returns.request(o2.id, { lines: [{ orderLineId: lb2.id, quantity: 1 }], reason: 'Want the big one' });
    await returns.approve(r2.id);
    await returns.receive(r2.id, { lines: [{ orderLineId: lb2.id, restock: true }] });
    const pending = await returns.exchange(r2.id, { lines: [{ orderLineId: lb2.id, variantId: dear }] });
    // The dear unit costs 1500 + 150 tax.
    const diff = withTax(1500) - (lb2.total - lb2.discount + lb2.tax);
    expect(pending).toMatchObject({ status: 'received', resolution: 'exchange', exchange: { difference: diff, paymentStatus: 'pending' } });
    expect((await shop.orders.detailOrThrow(o2.id)).timeline.find((e) => e.type === 'return_exchange')).toMatchObject({
      message: `Exchange: ${diff} to pay (incl. 150 tax on the replacement)`,
      data: { toPay: diff, tax: 150 },
    });
    // A refund is refused while the exchange waits for its payment; a wrong amount (the difference without the tax) is refused.
    expect(await errorOf(returns.refund(r2.id))).toMatchObject({ code: 'invalid_state' });
    expect(await errorOf(returns.confirmExchangePayment(r2.id, { provider: 'manual', reference: 'm', amount: diff - 150 }))).toMatchObject({
      code: 'conflict',
    });
    expect(await returns.confirmExchangePayment(r2.id, { provider: 'manual', reference: 'm', amount: diff })).toEqual({ applied: true });
    expect(await returns.confirmExchangePayment(r2.id, { provider: 'manual', reference: 'm', amount: diff })).toEqual({ applied: false });
    expect((await returns.getOrThrow(r2.id)).status).toBe('exchanged');
    const charges = await shop.t.selectFrom('payments').select(['amount']).where('order_id', '=', o2.id).where('reason', '=', 'exchange difference').execute();
    expect(charges).toEqual([{ amount: diff }]);
    expect(await eventsOf('return.closed', r2.id)).toHaveLength(1);
  });

  it('exchanges with tax inside the prices: the difference is the prices’ difference, with no tax added on top', async () => {
    // The store adds tax today, but these orders were placed with tax inside their prices: the order's terms win.
    const exchanged = async (variantId: string) => {
      const { order } = await deliveredOrder({ settings: taxInside });
      const lb = order.lines.find((l) => l.variantId === b)!;
      const r = await returns.request(order.id, { lines: [{ orderLineId: lb.id, quantity: 1 }], reason: 'Swap' });
      await returns.approve(r.id);
      await returns.receive(r.id, { lines: [{ orderLineId: lb.id, restock: true }] });
      return { order, paid: lb.total - lb.discount, view: await returns.exchange(r.id, { lines: [{ orderLineId: lb.id, variantId }] }) };
    };
    const cheaper = await exchanged(cheap);
    expect(cheaper.paid).toBeGreaterThan(400);
    expect(cheaper.view).toMatchObject({ status: 'exchanged', exchange: { difference: 400 - cheaper.paid }, refundAmount: cheaper.paid - 400 });
    expect((await shop.orders.detailOrThrow(cheaper.order.id)).refunded).toBe(cheaper.paid - 400);
    const dearer = await exchanged(dear);
    expect(dearer.view).toMatchObject({ status: 'received', exchange: { difference: 1500 - dearer.paid, paymentStatus: 'pending' } });
    await returns.confirmExchangePayment(dearer.view.id, { provider: 'manual', reference: 'in', amount: 1500 - dearer.paid });
    const charges = await shop.t
      .selectFrom('payments')
      .select(['amount'])
      .where('order_id', '=', dearer.order.id)
      .where('reason', '=', 'exchange difference')
      .execute();
    expect(charges).toEqual([{ amount: 1500 - dearer.paid }]);
  });

  it('exchanges with destination tax rates: the replacement is taxed at its own class for the order’s destination', async () => {
    const rates = new TaxRateService(shop.t);
    const standard = await rates.upsert({ country: 'US', rate: 8, name: 'Sales tax' });
    const reduced = await rates.upsert({ country: 'US', rate: 5, name: 'Reduced', taxClass: 'reduced' });
    const book = (await shop.product({ taxClass: 'reduced', variants: [{ sku: 'RT-BOOK', price: 1500, inventoryQuantity: 5 }] })).variants[0]!.id;
    const cart = await shop.cartWith([[b, 1]]);
    const { order } = await shop.orders.place({
      cartId: cart,
      email: `dt${Math.random().toString(36).slice(2, 8)}@example.com`,
      customerId: null,
      customerName: null,
      address: ADDRESS,
      locale: 'en',
      settings: { ...taxed, taxRates: await loadTaxRates(shop.t) },
    });
    await shop.orders.confirmPayment(order.id, { provider: 'manual', reference: 'dt', amount: order.amountDue });
    await shop.orders.fulfil(order.id, {});
    const line = (await shop.orders.detailOrThrow(order.id)).lines[0]!;
    // B at the standard 8 %: 700 + 56.
    expect(line).toMatchObject({ total: 700, discount: 0, tax: 56 });
    const r = await returns.request(order.id, { lines: [{ orderLineId: line.id, quantity: 1 }], reason: 'Rather a book' });
    await returns.approve(r.id);
    await returns.receive(r.id, { lines: [{ orderLineId: line.id, restock: true }] });
    // The book at the reduced 5 % (not the store's flat 10 %, not 8 %): 1500 + 75.
    const ex = await returns.exchange(r.id, { lines: [{ orderLineId: line.id, variantId: book }] });
    expect(ex).toMatchObject({ status: 'received', exchange: { difference: 1575 - 756, paymentStatus: 'pending' } });
    await rates.remove(standard.id);
    await rates.remove(reduced.id);
  });

  it('exchanges an order placed in a market currency: the difference in that currency, at the order’s rate and the market’s prices', async () => {
    const eurB = (await shop.product({ variants: [{ sku: 'RT-EUR-B', price: 700, inventoryQuantity: 10 }] })).variants[0]!.id;
    const eurDear = (await shop.product({ variants: [{ sku: 'RT-EUR-DEAR', price: 1500, inventoryQuantity: 10 }] })).variants[0]!.id;
    const eurCheap = (await shop.product({ variants: [{ sku: 'RT-EUR-CHEAP', price: 400, inventoryQuantity: 10 }] })).variants[0]!.id;
    const markets = new MarketService(shop.t, { storeCurrency: 'USD', rates: { latest: async () => null } });
    const europe = await markets.create({ name: 'Europe', countries: ['DE'], currency: 'EUR', exchangeRate: '0.9', roundingIncrement: 5, taxInclusive: true });
    // The dear variant has a fixed euro price; the others are converted (rounded to 5 cents) as the storefront shows them.
    await markets.setPrice(europe.id, eurDear, 1399);
    const settings = { ...shop.settings, markets: await loadPricingMarkets(shop.t, p.db, 'USD') };
    const euroOrder = async () => {
      const cart = await shop.cartWith([[eurB, 2]]);
      await shop.t.updateTable('carts').set({ country: 'DE' }).where('id', '=', cart).execute();
      const { order } = await shop.orders.place({
        cartId: cart,
        email: `eu${Math.random().toString(36).slice(2, 8)}@example.com`,
        customerId: null,
        customerName: null,
        address: { ...ADDRESS, country: 'DE', city: 'Berlin', postalCode: '10115' },
        locale: 'de',
        settings,
      });
      await shop.orders.confirmPayment(order.id, { provider: 'manual', reference: 'eu', amount: order.amountDue });
      await shop.orders.fulfil(order.id, {});
      const detail = await shop.orders.detailOrThrow(order.id);
      const line = detail.lines[0]!;
      const r = await returns.request(order.id, { lines: [{ orderLineId: line.id, quantity: 1 }], reason: 'Other size' });
      await returns.approve(r.id);
      await returns.receive(r.id, { lines: [{ orderLineId: line.id, restock: true }] });
      return { order: detail, line, returnId: r.id };
    };
    const dearOrder = await euroOrder();
    const cheapOrder = await euroOrder();
    // 700 USD at 0.9: 630 EUR a unit, no discount, VAT inside the price; one unit paid 630.
    expect(dearOrder.order).toMatchObject({ currency: 'EUR' });
    expect(dearOrder.line).toMatchObject({ unitPrice: 630, discount: 0, tax: 0 });
    const paid = 630;
    // The market's rate changes after the orders: the exchange still prices at the rate the order was priced at.
    await shop.t.updateTable('markets').set({ exchange_rate: '2' }).where('id', '=', europe.id).execute();
    const pending = await returns.exchange(dearOrder.returnId, { lines: [{ orderLineId: dearOrder.line.id, variantId: eurDear }] });
    expect(pending).toMatchObject({ status: 'received', currency: 'EUR', exchange: { difference: 1399 - paid, paymentStatus: 'pending' } });
    expect(pending.lines[0]).toMatchObject({ exchangeVariantId: eurDear, exchangeUnitPrice: 1399 });
    await returns.confirmExchangePayment(dearOrder.returnId, { provider: 'manual', reference: 'eu-x', amount: 1399 - paid });
    expect((await returns.getOrThrow(dearOrder.returnId)).status).toBe('exchanged');
    const charge = await shop.t
      .selectFrom('payments')
      .select(['amount'])
      .where('order_id', '=', dearOrder.order.id)
      .where('reason', '=', 'exchange difference')
      .executeTakeFirstOrThrow();
    expect(charge.amount).toBe(1399 - paid);

    // Cheaper: 400 USD at 0.9 = 360 EUR; the rest of what was paid comes back in euros, the store side at the order's rate.
    const paidCheap = paid;
    const done = await returns.exchange(cheapOrder.returnId, { lines: [{ orderLineId: cheapOrder.line.id, variantId: eurCheap }] });
    expect(done).toMatchObject({ status: 'exchanged', exchange: { difference: 360 - paidCheap, paymentStatus: 'none' }, refundAmount: paidCheap - 360 });
    const after = await shop.t.selectFrom('orders').select(['refunded', 'store_refunded']).where('id', '=', cheapOrder.order.id).executeTakeFirstOrThrow();
    expect(after).toEqual({ refunded: paidCheap - 360, store_refunded: Math.round((paidCheap - 360) / 0.9) });
    await markets.remove(europe.id);
  });

  it('sales analytics book an exchange’s extra charge net of its tax (the tax as tax) on the day it is paid, incrementally and after a rebuild', async () => {
    // A store that adds 10 % tax on top: the charge carries the replacement's tax less the returned unit's.
    const { order } = await deliveredOrder();
    const lb = order.lines.find((l) => l.variantId === b)!;
    const r = await returns.request(order.id, { lines: [{ orderLineId: lb.id, quantity: 1 }], reason: 'Want the big one' });
    await returns.approve(r.id);
    await returns.receive(r.id, { lines: [{ orderLineId: lb.id, restock: true }] });
    await returns.exchange(r.id, { lines: [{ orderLineId: lb.id, variantId: dear }] });
    const today = new Date().toISOString().slice(0, 10);
    const summary = async () => (await salesReport(shop.t, { range: { from: today, to: today }, compare: false, currency: shop.store.currency })).summary;
    await processPending(shop.t);
    const before = await summary();
    const { exchange } = await returns.getOrThrow(r.id);
    await returns.confirmExchangePayment(r.id, { provider: 'manual', reference: 'x', amount: exchange!.difference });
    await processPending(shop.t);
    const after = await summary();
    const rebuilt = async () => {
      await rebuildAnalytics(shop.t);
      return summary();
    };

    // Independently, from the raw rows: the returned unit (its line's total after discount, and its tax) leaves the
    // sale, the replacement joins it at its price with 10 % tax added (rounded half up), as if bought so.
    const line = await shop.t
      .selectFrom('order_lines')
      .select(['quantity', 'total', 'discount_total', 'tax'])
      .where('id', '=', lb.id)
      .executeTakeFirstOrThrow();
    const swap = await shop.t.selectFrom('return_lines').select(['quantity', 'exchange_unit_price']).where('return_id', '=', r.id).executeTakeFirstOrThrow();
    expect({ line: line.quantity, back: swap.quantity }).toEqual({ line: 1, back: 1 });
    const newNet = (swap.exchange_unit_price as number) * swap.quantity;
    const newTax = withTax(newNet) - newNet;
    const oldNet = line.total - line.discount_total;
    expect(line.tax).toBeGreaterThan(0);
    const expected = {
      gross: newNet - oldNet,
      tax: newTax - line.tax,
      net: newNet - oldNet,
      total: newNet + newTax - oldNet - line.tax,
      orders: 0,
      returns: 0,
    };
    expect(exchange!.difference).toBe(expected.total);
    const delta = (x: typeof before) => ({
      gross: x.grossSales - before.grossSales,
      tax: x.tax - before.tax,
      net: x.netSales - before.netSales,
      total: x.totalSales - before.totalSales,
      orders: x.orders - before.orders,
      returns: x.returns - before.returns,
    });
    expect(delta(after)).toEqual(expected);
    expect(await rebuilt()).toEqual(after);
  });
});
