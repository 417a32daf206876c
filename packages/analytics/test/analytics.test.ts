/**
 * Sales analytics against raw recomputation, on the machine's Postgres 15 and on PGlite: a seeded store with two
 * years of orders (paid, unpaid, expired, refunded in parts on later days, multi-line, discounted, a deleted
 * product, guests buying twice, a second market in another currency) and storefront events. Every figure of the
 * report (summary, previous period, daily series, funnel, top products and collections, markets) is compared with
 * the same figure computed from the raw tables (raw.ts); the incremental worker path (changes applied in several
 * passes, replays, concurrent workers, changes landing mid-pass) must equal `rebuildAnalytics` exactly.
 */
import { type Database, type Kysely, migrateTenant, newId, sql, type TenantDatabase } from '@storeloom/db';
import { createEmbeddedTestDatabase, createTestDatabase, type TestDatabase } from '@storeloom/db/testing';
import { loadEnv, testEnvSchema } from '@storeloom/env';
import { convert } from '@storeloom/money';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type DateRange,
  funnelDaysOnRecord,
  markOrderForAnalytics,
  NO_PRODUCT,
  parseRange,
  previousRange,
  processPending,
  rebuildAnalytics,
  refreshFunnel,
  salesReport,
} from '../src/index.ts';
import { rawDailyNet, rawFunnel, rawMarkets, rawSummary, rawTopCollections, rawTopProducts } from './raw.ts';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** Deterministic pseudo-random numbers (mulberry32) so a failure replays. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const DAY = 86_400_000;
const T0 = Date.parse('2025-01-01T00:00:00Z');

interface Seeded {
  orderIds: string[];
  productIds: string[];
  /** One variant per product. */
  variantIds: string[];
  marketId: string;
  eurOrders: string[];
}

let orderNumber = 1000;

/** Inserts an order as OrderService would leave it (store_* columns filled like checkout does). */
async function insertOrder(
  t: Kysely<TenantDatabase>,
  o: {
    email: string;
    createdAt: Date;
    paidAt: Date | null;
    status: 'pending' | 'paid' | 'expired' | 'failed';
    lines: { productId: string | null; quantity: number; unitPrice: number; discount: number }[];
    shipping: number;
    taxRate: number;
    eur?: { marketId: string; rate: string };
  },
): Promise<string> {
  const id = newId();
  const subtotal = o.lines.reduce((n, l) => n + l.quantity * l.unitPrice, 0);
  const discount = o.lines.reduce((n, l) => n + l.discount, 0);
  const tax = Math.round((subtotal - discount) * o.taxRate);
  const total = subtotal - discount + o.shipping + tax;
  const currency = o.eur ? 'EUR' : 'USD';
  const toStore = (v: number) => (o.eur ? convert(v, 'EUR', 'USD', o.eur.rate, { invert: true }) : v);
  await t
    .insertInto('orders')
    .values({
      id,
      number: ++orderNumber,
      status: o.status === 'expired' || o.status === 'failed' ? 'cancelled' : 'open',
      payment_status: o.status,
      email: o.email,
      currency,
      subtotal,
      shipping: o.shipping,
      tax,
      tax_included: false,
      total,
      discount_total: discount,
      item_count: o.lines.reduce((n, l) => n + l.quantity, 0),
      shipping_address: null,
      shipping_method: 'standard',
      payment_provider: 'manual',
      reservation_expires_at: new Date(o.createdAt.getTime() + 900_000),
      paid_at: o.paidAt,
      created_at: o.createdAt,
      updated_at: o.paidAt ?? o.createdAt,
      market_id: o.eur?.marketId ?? null,
      store_currency: 'USD',
      exchange_rate: o.eur?.rate ?? '1',
      store_subtotal: toStore(subtotal),
      store_shipping: toStore(o.shipping),
      store_tax: toStore(tax),
      store_discount_total: toStore(discount),
      store_total: toStore(total),
    } as never)
    .execute();
  await t
    .insertInto('order_lines')
    .values(
      o.lines.map((l, i) => ({
        id: newId(),
        order_id: id,
        product_id: l.productId,
        variant_id: null,
        title: 'Line',
        quantity: l.quantity,
        unit_price: l.unitPrice,
        total: l.quantity * l.unitPrice,
        discount_total: l.discount,
        position: i,
      })),
    )
    .execute();
  await markOrderForAnalytics(t, id);
  return id;
}

/**
 * An exchange as ReturnService leaves it: one unit of the order's first line with a product swapped for `variantId`
 * at `unitPrice`, closed at `at`; a dearer replacement's difference paid as a charge (reason 'exchange difference',
 * with the tax in it at the order's rate when the order added tax), a cheaper one's refunded.
 */
async function exchange(t: Kysely<TenantDatabase>, orderId: string, variantId: string, unitPrice: number, at: Date) {
  const line = await t
    .selectFrom('order_lines')
    .selectAll()
    .where('order_id', '=', orderId)
    .where('product_id', 'is not', null)
    .orderBy('position')
    .executeTakeFirst();
  if (!line) return;
  const difference = unitPrice - Math.floor((line.total - line.discount_total) / line.quantity);
  const order = await t.selectFrom('orders').select(['subtotal', 'discount_total', 'tax']).where('id', '=', orderId).executeTakeFirstOrThrow();
  const base = order.subtotal - order.discount_total;
  const tax = difference > 0 && base > 0 ? Math.round((difference * order.tax) / (base + order.tax)) : 0;
  const returnId = newId();
  await t
    .insertInto('returns')
    .values({
      id: returnId,
      order_id: orderId,
      status: 'exchanged',
      reason: 'Other size',
      resolution: 'exchange',
      exchange_difference: difference,
      exchange_payment_status: difference > 0 ? 'paid' : 'none',
      requested_at: at,
      closed_at: at,
      updated_at: at,
    } as never)
    .execute();
  await t
    .insertInto('return_lines')
    .values({
      id: newId(),
      return_id: returnId,
      order_line_id: line.id,
      quantity: 1,
      restock: true,
      exchange_variant_id: variantId,
      exchange_unit_price: unitPrice,
    } as never)
    .execute();
  if (difference > 0)
    await t
      .insertInto('payments')
      .values({
        id: newId(),
        order_id: orderId,
        kind: 'charge',
        provider: 'manual',
        amount: difference,
        status: 'succeeded',
        reference: null,
        reason: 'exchange difference',
        tax,
        idempotency_key: newId(),
        created_at: at,
      })
      .execute();
  if (difference < 0) await refund(t, orderId, -difference, at);
  await markOrderForAnalytics(t, orderId);
}

/** A refund as OrderService.recordRefund books it (payments row, refunded, store_refunded cumulatively converted). */
async function refund(t: Kysely<TenantDatabase>, orderId: string, amount: number, at: Date) {
  await t.transaction().execute(async (trx) => {
    const o = await trx.selectFrom('orders').selectAll().where('id', '=', orderId).forUpdate().executeTakeFirstOrThrow();
    const refunded = o.refunded + amount;
    const storeRefunded =
      refunded === o.total && o.store_total !== null
        ? o.store_total
        : convert(refunded, o.currency, o.store_currency ?? o.currency, o.exchange_rate, { invert: true });
    await trx
      .updateTable('orders')
      .set({ refunded, store_refunded: storeRefunded, payment_status: refunded === o.total ? 'refunded' : 'partially_refunded', updated_at: at })
      .where('id', '=', orderId)
      .execute();
    await trx
      .insertInto('payments')
      .values({
        id: newId(),
        order_id: orderId,
        kind: 'refund',
        provider: 'manual',
        amount,
        status: 'succeeded',
        reference: null,
        reason: null,
        idempotency_key: newId(),
        created_at: at,
      })
      .execute();
    await markOrderForAnalytics(trx, orderId);
  });
}

async function seed(t: Kysely<TenantDatabase>, n: number, seedValue: number): Promise<Seeded> {
  const rand = rng(seedValue);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)] as T;
  const productIds: string[] = [];
  for (let i = 0; i < 8; i++) {
    const id = newId();
    await t
      .insertInto('products')
      .values({
        id,
        handle: `p-${i}-${id.slice(-6)}`,
        title: `Product ${i}`,
        description: '',
        status: 'active',
        options: '[]',
        created_at: new Date(),
        updated_at: new Date(),
      } as never)
      .execute();
    productIds.push(id);
  }
  const variantIds: string[] = [];
  for (const [i, productId] of productIds.entries()) {
    const id = newId();
    await t
      .insertInto('variants')
      .values({ id, product_id: productId, title: 'Default', price: 1000 + i * 700, option_values: '{}' } as never)
      .execute();
    variantIds.push(id);
  }
  const collections = [newId(), newId()];
  for (const [i, c] of collections.entries())
    await t
      .insertInto('collections')
      .values({ id: c, handle: `c-${i}-${c.slice(-6)}`, title: `Collection ${i}`, description: '', created_at: new Date(), updated_at: new Date() } as never)
      .execute();
  // Collection 0 holds products 0-3, collection 1 holds 2-5 (overlap: a product counts in both).
  for (let i = 0; i < 4; i++)
    await t
      .insertInto('collection_products')
      .values({ collection_id: collections[0] as string, product_id: productIds[i] as string, position: i })
      .execute();
  for (let i = 2; i < 6; i++)
    await t
      .insertInto('collection_products')
      .values({ collection_id: collections[1] as string, product_id: productIds[i] as string, position: i })
      .execute();
  const marketId = newId();
  await t
    .insertInto('markets')
    .values({ id: marketId, name: 'Euro area', currency: 'EUR', exchange_rate: '0.9137', created_at: new Date(), updated_at: new Date() } as never)
    .execute();

  const emails = Array.from({ length: Math.max(3, Math.floor(n / 3)) }, (_, i) => `buyer${i}@example.com`);
  const orderIds: string[] = [];
  const eurOrders: string[] = [];
  for (let i = 0; i < n; i++) {
    const created = new Date(T0 + Math.floor(rand() * 730 * DAY));
    const r = rand();
    const status = r < 0.75 ? 'paid' : r < 0.85 ? 'pending' : r < 0.95 ? 'expired' : 'failed';
    // Some orders pay just before midnight of the next day, so sale day ≠ placement day.
    const paidAt = status === 'paid' ? new Date(created.getTime() + Math.floor(rand() * 6 * 3600_000)) : null;
    const lines = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => {
      const quantity = 1 + Math.floor(rand() * 3);
      const unitPrice = 500 + Math.floor(rand() * 20_000);
      return {
        productId: rand() < 0.05 ? null : pick(productIds.slice(0, 7)),
        quantity,
        unitPrice,
        discount: rand() < 0.3 ? Math.floor(quantity * unitPrice * 0.1) : 0,
      };
    });
    const eur = rand() < 0.15;
    const id = await insertOrder(t, {
      email: pick(emails),
      createdAt: created,
      paidAt,
      status: status as never,
      lines,
      shipping: pick([0, 500, 995]),
      taxRate: pick([0, 0.08, 0.2]),
      ...(eur ? { eur: { marketId, rate: '0.9137' } } : {}),
    });
    orderIds.push(id);
    if (eur) eurOrders.push(id);
  }
  // Storefront events: a few sessions per day on some days, some viewing and carting.
  for (let d = 0; d < 730; d += 1 + Math.floor(rand() * 20)) {
    const rows = [];
    for (let s = 0; s < 1 + Math.floor(rand() * 5); s++) {
      const session = `sess${d}x${s}abcdef`;
      const at = new Date(T0 + d * DAY + Math.floor(rand() * DAY));
      rows.push({ kind: 'view' as const, session_id: session, product_id: pick(productIds), occurred_at: at });
      if (rand() < 0.5) rows.push({ kind: 'view' as const, session_id: session, product_id: pick(productIds), occurred_at: at });
      if (rand() < 0.4) rows.push({ kind: 'add_to_cart' as const, session_id: session, product_id: pick(productIds), quantity: 1, occurred_at: at });
      if (rand() < 0.2)
        rows.push({ kind: 'impression' as const, session_id: `imp${d}x${s}abcdef`, product_id: pick(productIds), slot: 'home', occurred_at: at });
    }
    await t.insertInto('reco_events').values(rows).execute();
  }
  return { orderIds, productIds, variantIds, marketId, eurOrders };
}

async function drain(t: Kysely<TenantDatabase>, batch = 37) {
  for (;;) {
    const r = await processPending(t, batch);
    if (!r.more) return;
  }
}

/** Every figure of the report equals its raw recomputation. */
async function expectMatchesRaw(t: Kysely<TenantDatabase>, range: DateRange, opts: { sameCurrencyOnly: boolean }) {
  const report = await salesReport(t, { range, compare: true, currency: 'USD', top: 50 });
  const prev = previousRange(range);
  if (opts.sameCurrencyOnly) {
    expect(report.summary).toEqual(await rawSummary(t, range));
    expect(report.previous).toEqual(await rawSummary(t, prev));
    const daily = await rawDailyNet(t, range);
    expect(new Map(report.daily.map((d) => [d.day, d.netSales]))).toEqual(daily);
    expect(report.topProducts.map(({ title: _t, ...p }) => ({ ...p, productId: p.productId }))).toEqual(
      (await rawTopProducts(t, range)).map((p) => ({ ...p, productId: p.productId ?? null })),
    );
    expect(report.topCollections.map(({ title: _t, ...c }) => c)).toEqual(await rawTopCollections(t, range));
  }
  expect(report.funnel).toEqual(await rawFunnel(t, range));
  expect(report.previousFunnel).toEqual(await rawFunnel(t, prev));
  expect(
    report.markets.map(({ market: _m, netSales: _n, ...m }) => m).sort((a, b) => `${a.marketId}|${a.currency}`.localeCompare(`${b.marketId}|${b.currency}`)),
  ).toEqual(await rawMarkets(t, range));
  expect(report.daily).toHaveLength(Math.round((Date.parse(range.to) - Date.parse(range.from)) / DAY) + 1);
  return report;
}

const snapshot = async (t: Kysely<TenantDatabase>) => ({
  daily: await t
    .selectFrom('analytics_daily')
    .select([
      sql<string>`to_char(day, 'YYYY-MM-DD')`.as('d'),
      'currency',
      'market_id',
      'orders',
      'units',
      'gross',
      'discounts',
      'refunds',
      'shipping',
      'tax',
      'total',
      'new_customers',
      'returning_customers',
      'presentment_gross',
      'presentment_refunds',
    ])
    .orderBy('day')
    .orderBy('currency')
    .orderBy('market_id')
    .execute(),
  products: await t
    .selectFrom('analytics_product_daily')
    .select([sql<string>`to_char(day, 'YYYY-MM-DD')`.as('d'), 'product_id', 'orders', 'units', 'gross', 'discounts'])
    .orderBy('day')
    .orderBy('product_id')
    .execute(),
  funnel: await t
    .selectFrom('analytics_funnel_daily')
    .select([sql<string>`to_char(day, 'YYYY-MM-DD')`.as('d'), 'sessions', 'product_views', 'add_to_cart', 'checkouts', 'orders'])
    .orderBy('day')
    .execute(),
});

async function expectShadowEmpty(t: Kysely<TenantDatabase>) {
  for (const table of [
    'analytics_rebuild_order_facts',
    'analytics_rebuild_daily',
    'analytics_rebuild_product_daily',
    'analytics_rebuild_funnel_daily',
    'analytics_rebuild_dirty',
  ] as const)
    expect((await t.selectFrom(table).select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()).n, table).toBe(0);
}

async function allFunnelDays(t: Kysely<TenantDatabase>) {
  await t.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('analytics_funnel_daily').select(sql<string>`to_char(day, 'YYYY-MM-DD')`.as('d')).execute();
    await refreshFunnel(trx, [...(await funnelDaysOnRecord(trx)), ...existing.map((r) => r.d)]);
  });
}

async function scenario(db: Database, schema: string, n: number) {
  await migrateTenant(db, schema);
  const t = db.tenant(schema);
  const seeded = await seed(t, n, 42);
  // First pass: in small batches, as the worker would.
  await drain(t);
  expect(await t.selectFrom('analytics_pending').select('order_id').execute()).toEqual([]);
  await allFunnelDays(t);

  // Refunds on later days (some in two parts, some full), applied in a second pass.
  const rand = rng(7);
  const paid = await t.selectFrom('orders').select(['id', 'total', 'paid_at']).where('payment_status', '=', 'paid').orderBy('id').execute();
  for (const o of paid.filter(() => rand() < 0.3)) {
    const first = Math.max(1, Math.floor(o.total * (rand() < 0.3 ? 1 : 0.4)));
    const at1 = new Date(new Date(o.paid_at as Date).getTime() + (1 + Math.floor(rand() * 20)) * DAY);
    await refund(t, o.id, first, at1);
    if (first < o.total && rand() < 0.5) await refund(t, o.id, o.total - first, new Date(at1.getTime() + 3 * DAY));
  }
  // A pending order gets paid much later; an expired one stays out.
  const pending = await t.selectFrom('orders').select(['id', 'created_at']).where('payment_status', '=', 'pending').limit(3).execute();
  for (const o of pending) {
    await t
      .updateTable('orders')
      .set({ payment_status: 'paid', paid_at: new Date(new Date(o.created_at).getTime() + 2 * DAY) })
      .where('id', '=', o.id)
      .execute();
    await markOrderForAnalytics(t, o.id);
  }
  // Exchanges some days after the sale, dearer and cheaper, into other products (one into product 0, deleted below).
  const exchangeable = await t
    .selectFrom('orders')
    .select(['id', 'paid_at'])
    .where('payment_status', '=', 'paid')
    .where('currency', '=', 'USD')
    // Closed inside the compared range (which ends 2026-12-31).
    .where('paid_at', '<', new Date('2026-11-01T00:00:00Z'))
    .orderBy('id')
    .limit(24)
    .execute();
  for (const [i, o] of exchangeable.entries()) {
    const k = i % seeded.variantIds.length;
    await exchange(t, o.id, seeded.variantIds[k] as string, 1000 + k * 700 + (i % 3) * 5000, new Date(new Date(o.paid_at as Date).getTime() + (2 + i) * DAY));
  }
  await drain(t, 50);
  // Replays change nothing: the same orders marked again and processed add zero.
  const before = await snapshot(t);
  for (const id of seeded.orderIds.slice(0, 20)) await markOrderForAnalytics(t, id);
  await drain(t, 13);
  expect(await snapshot(t)).toEqual(before);

  // Concurrent workers while writers keep marking: the state row lock serialises passes, seq keeps late changes.
  for (const id of seeded.orderIds.slice(20, 60)) await markOrderForAnalytics(t, id);
  await Promise.all([
    drain(t, 7),
    drain(t, 11),
    (async () => {
      for (const id of seeded.orderIds.slice(0, 30)) await markOrderForAnalytics(t, id);
    })(),
  ]);
  await drain(t);
  expect(await snapshot(t)).toEqual(before);

  // Figures vs raw recomputation: single-currency figures on a USD-only view are checked through the totals
  // of the whole store below; here the store has EUR orders, so compare the parts that are currency-independent…
  const all = parseRange('2025-01-01', '2026-12-31');
  // The worker refreshes the funnel of the recent days; orders paid on old days (seeded) need the old days too.
  await allFunnelDays(t);
  await expectMatchesRaw(t, all, { sameCurrencyOnly: false });
  // …and the store-currency totals against the orders' own store_* bookkeeping.
  const report = await salesReport(t, { range: all, compare: false, currency: 'USD' });
  const book = await t
    .selectFrom('orders')
    .select([
      sql<number>`sum(store_subtotal)::bigint`.as('gross'),
      sql<number>`sum(store_discount_total)::bigint`.as('discounts'),
      sql<number>`sum(store_tax)::bigint`.as('tax'),
      sql<number>`sum(store_refunded)::bigint`.as('refunded'),
      sql<number>`sum(store_total)::bigint`.as('total'),
      sql<number>`count(*)::bigint`.as('orders'),
    ])
    .where('payment_status', 'in', ['paid', 'partially_refunded', 'refunded'])
    .executeTakeFirstOrThrow();
  // Exchange differences paid (USD orders only: the amount is the store amount) are sales beyond the orders' totals.
  // Their tax is tax, the rest gross sales.
  const exchangeCharges = await t
    .selectFrom('payments')
    .select([sql<number>`coalesce(sum(amount), 0)::bigint`.as('n'), sql<number>`coalesce(sum(tax), 0)::bigint`.as('tax')])
    .where('reason', '=', 'exchange difference')
    .executeTakeFirstOrThrow();
  expect(Number(exchangeCharges.n)).toBeGreaterThan(0);
  expect(Number(exchangeCharges.tax)).toBeGreaterThan(0);
  expect(report.summary.grossSales).toBe(Number(book.gross) + Number(exchangeCharges.n) - Number(exchangeCharges.tax));
  expect(report.summary.tax).toBe(Number(book.tax) + Number(exchangeCharges.tax));
  expect(report.summary.discounts).toBe(Number(book.discounts));
  expect(report.summary.returns).toBe(Number(book.refunded));
  expect(report.summary.totalSales).toBe(Number(book.total) + Number(exchangeCharges.n) - Number(book.refunded));
  expect(report.summary.orders).toBe(Number(book.orders));
  expect(report.markets.find((m) => m.currency === 'EUR')?.market).toBe('Euro area');

  // Without the EUR orders (deleted with their lines and payments, marked as a store erasure would), every
  // store-currency figure must match the raw SQL per range exactly.
  await t.deleteFrom('orders').where('id', 'in', seeded.eurOrders).execute();
  for (const id of seeded.eurOrders) await markOrderForAnalytics(t, id);
  // (Deleting orders is no product path: their buyers' next orders are re-ranked new/returning by marking them.)
  for (const o of await t.selectFrom('orders').select('id').execute()) await markOrderForAnalytics(t, o.id);
  await drain(t);
  await allFunnelDays(t);
  for (const range of [all, parseRange('2025-03-01', '2025-03-31'), parseRange('2026-02-10', '2026-02-10'), parseRange('2025-12-25', '2026-01-07')])
    await expectMatchesRaw(t, range, { sameCurrencyOnly: true });

  // The rebuild gives the same numbers as the incremental path.
  const incremental = await snapshot(t);
  const reportBefore = await salesReport(t, { range: all, compare: true, currency: 'USD', top: 50 });
  const progress: string[] = [];
  const rebuilt = await rebuildAnalytics(t, { batch: 29, onProgress: (p) => void progress.push(p.phase) });
  expect(rebuilt.orders).toBeGreaterThan(n / 2);
  expect(rebuilt.batches).toBe(Math.ceil(rebuilt.orders / 29));
  expect(rebuilt.requeued).toBe(0);
  expect(progress.filter((p) => p === 'orders')).toHaveLength(rebuilt.batches);
  expect(progress.at(-1)).toBe('swap');
  expect(await snapshot(t)).toEqual(incremental);
  expect(await salesReport(t, { range: all, compare: true, currency: 'USD', top: 50 })).toEqual(reportBefore);
  await expectShadowEmpty(t);

  // A rebuild that fails midway (a batch throws) leaves the live figures as they were, readable throughout, and the
  // worker stops listing orders for it; running it again works.
  let seen = 0;
  const failing = rebuildAnalytics(t, {
    batch: 17,
    onProgress: async (p) => {
      if (p.phase !== 'orders') return;
      // Between batches the dashboard still reads the old figures (the shadow tables are filling).
      expect(await snapshot(t)).toEqual(incremental);
      expect((await t.selectFrom('analytics_rebuild_order_facts').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()).n).toBeGreaterThan(0);
      if (++seen === 2) throw new Error('disk full');
    },
  });
  await expect(failing).rejects.toThrow('disk full');
  expect(await snapshot(t)).toEqual(incremental);
  expect(await salesReport(t, { range: all, compare: true, currency: 'USD', top: 50 })).toEqual(reportBefore);
  expect((await t.selectFrom('analytics_state').select('rebuild_id').executeTakeFirstOrThrow()).rebuild_id).toBeNull();
  await expectShadowEmpty(t);
  // A rebuild killed midway (no clean-up ran): its shadow rows and flag are left; the next rebuild starts over.
  await t.updateTable('analytics_state').set({ rebuild_id: newId(), rebuild_started_at: new Date() }).execute();
  await t
    .insertInto('analytics_rebuild_daily')
    .values({ day: '2025-06-01', currency: 'USD', market_id: '', orders: 99 } as never)
    .execute();
  await rebuildAnalytics(t, { batch: 50 });
  expect(await snapshot(t)).toEqual(incremental);
  await expectShadowEmpty(t);

  // Changes and worker passes while a rebuild runs: each change is applied exactly once. Between batches, orders
  // the rebuild has already read are refunded, paid or exchanged (some applied by the worker before the swap, some
  // still queued at the swap), a pending order it has not reached yet gets paid, and the worker runs concurrently.
  const counted = await t.selectFrom('orders').select(['id', 'total', 'refunded', 'paid_at']).where('payment_status', '=', 'paid').orderBy('id').execute();
  const stillPending = await t.selectFrom('orders').select(['id', 'created_at']).where('payment_status', '=', 'pending').orderBy('id', 'desc').execute();
  let step = 0;
  const concurrent = await rebuildAnalytics(t, {
    batch: 23,
    onProgress: async (p) => {
      if (p.phase !== 'orders') return;
      step++;
      const o = counted[step * 3];
      if (o && step <= 6) {
        await refund(t, o.id, Math.max(1, Math.floor(o.total * 0.25)), new Date(new Date(o.paid_at as Date).getTime() + 5 * DAY));
        // Odd steps: the worker applies it before the swap (into the live tables, which the swap replaces).
        if (step % 2) await drain(t, 5);
      }
      if (step === 3) {
        const late = stillPending[0];
        if (late) {
          await t
            .updateTable('orders')
            .set({ payment_status: 'paid', paid_at: new Date(new Date(late.created_at).getTime() + DAY) })
            .where('id', '=', late.id)
            .execute();
          await markOrderForAnalytics(t, late.id);
        }
        // A replay of an order the rebuild read, marked while the worker runs.
        await Promise.all([drain(t, 3), markOrderForAnalytics(t, counted[1]?.id as string)]);
      }
    },
  });
  expect(concurrent.requeued).toBeGreaterThan(0);
  // After the swap the worker applies what was queued meanwhile or requeued by the swap…
  await drain(t);
  const afterConcurrent = await snapshot(t);
  // …and the result is what a quiet rebuild and the raw tables say.
  await rebuildAnalytics(t);
  expect(await snapshot(t)).toEqual(afterConcurrent);
  for (const range of [all, parseRange('2025-12-25', '2026-01-07')]) await expectMatchesRaw(t, range, { sameCurrencyOnly: true });

  // A deleted product's lines: the aggregates keep them (nil UUID after a rebuild) and the report calls them deleted.
  const beforeDelete = await salesReport(t, { range: all, compare: false, currency: 'USD', top: 50 });
  const gone = seeded.productIds[0] as string;
  await t.deleteFrom('products').where('id', '=', gone).execute();
  await rebuildAnalytics(t);
  const afterDelete = await salesReport(t, { range: all, compare: false, currency: 'USD', top: 50 });
  expect(afterDelete.topProducts.some((p) => p.productId === null && p.title === 'Deleted product')).toBe(true);
  expect(afterDelete.summary).toEqual(beforeDelete.summary);
  expect(await t.selectFrom('analytics_product_daily').select('product_id').where('product_id', '=', NO_PRODUCT).limit(1).execute()).toHaveLength(1);
}

describe('sales analytics vs raw recomputation', { timeout: 600_000 }, () => {
  it('Postgres 15: incremental = raw = rebuild over two years of orders', async () => {
    const tdb: TestDatabase = await createTestDatabase(loadEnv(testEnvSchema).TEST_DATABASE_URL, { poolMax: 6 });
    cleanups.push(() => tdb.drop());
    await scenario(tdb.db, 't_analytics_pg', 140);
  });

  it('PGlite: the same', async () => {
    const tdb: TestDatabase = await createEmbeddedTestDatabase({ poolMax: 4 });
    cleanups.push(() => tdb.drop());
    await scenario(tdb.db, 't_analytics_embedded', 60);
  });

  it('refuses bad ranges with validation_failed', () => {
    for (const [from, to] of [
      ['2026-13-01', '2026-12-31'],
      ['2026-02-30', '2026-03-01'],
      ['2026-03-02', '2026-03-01'],
      ['2024-01-01', '2026-12-31'],
      ['yesterday', '2026-01-01'],
    ])
      expect(() => parseRange(from as string, to as string)).toThrow(expect.objectContaining({ code: 'validation_failed' }));
    expect(previousRange({ from: '2026-03-01', to: '2026-03-31' })).toEqual({ from: '2026-01-29', to: '2026-02-28' });
  });
});
