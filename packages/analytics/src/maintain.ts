/**
 * Keeps the daily aggregates up to date. Writers mark an order in `analytics_pending` inside the transaction of its
 * change (`markOrderForAnalytics`); the worker takes a batch, recomputes each order's contribution from the raw
 * tables (facts.ts), adds (new − previous) to the aggregates, stores the new contribution and deletes the pending
 * rows it saw, all in one transaction under the store's `analytics_state` row lock. A crash rolls all of it back; a
 * replay finds the contribution unchanged and adds nothing; a change committed meanwhile bumped `seq`, so its row
 * stays for the next pass. `rebuild` runs the same code over every paid order from empty tables.
 */
import { sql, type Kysely, type TenantDatabase, type Transaction } from '@storeloom/db';
import {
  EXCHANGE_CHARGE_REASON,
  DAILY_MEASURES,
  type DailyFact,
  type FactCharge,
  type FactExchange,
  type FactLine,
  type FactOrder,
  type FactRefund,
  isCounted,
  type OrderFacts,
  orderFacts,
  PAID_STATUSES,
  PRODUCT_MEASURES,
  type ProductFact,
  utcDay,
} from './facts.ts';

type Tx = Transaction<TenantDatabase>;

/** Call inside the transaction that changed the order (paid, refunded, cancelled, edited, returned). */
export async function markOrderForAnalytics(trx: Kysely<TenantDatabase>, orderId: string): Promise<void> {
  await trx
    .insertInto('analytics_pending')
    .values({ order_id: orderId })
    .onConflict((oc) => oc.column('order_id').doUpdateSet({ seq: sql`analytics_pending.seq + 1` }))
    .execute();
}

const dailyKey = (f: DailyFact) => `${f.day}|${f.currency}|${f.market_id}`;
const productKey = (f: ProductFact) => `${f.day}|${f.product_id}`;

function accumulate<F extends object, M extends string>(into: Map<string, F>, rows: readonly F[], key: (f: F) => string, measures: readonly M[], sign: 1 | -1) {
  for (const r of rows) {
    const k = key(r);
    const cur = (into.get(k) ?? { ...r, ...Object.fromEntries(measures.map((m) => [m, 0])) }) as Record<string, unknown>;
    for (const m of measures) cur[m] = (cur[m] as number) + sign * (((r as Record<string, unknown>)[m] as number | undefined) ?? 0);
    into.set(k, cur as F);
  }
}

const nonZero = <M extends string>(row: object, measures: readonly M[]) => measures.some((m) => ((row as Record<string, number>)[m] ?? 0) !== 0);

/** Recomputes the given orders and applies the differences (inside the caller's transaction, which holds the lock). */
export async function applyOrders(trx: Tx, orderIds: readonly string[], opts: { rebuild?: boolean } = {}): Promise<void> {
  if (!orderIds.length) return;
  const ids = [...new Set(orderIds)];
  const [orders, lines, refunds, previous, exchanges] = await Promise.all([
    trx
      .selectFrom('orders as o')
      .select([
        'o.id',
        'o.currency',
        'o.store_currency',
        'o.exchange_rate',
        'o.market_id',
        'o.payment_status',
        'o.paid_at',
        'o.subtotal',
        'o.discount_total',
        'o.shipping',
        'o.tax',
        'o.total',
        'o.store_subtotal',
        'o.store_discount_total',
        'o.store_shipping',
        'o.store_tax',
        'o.store_total',
        'o.email',
      ])
      .select((eb) =>
        eb
          .exists(
            eb
              .selectFrom('orders as p')
              .select(sql`1`.as('one'))
              .whereRef('p.email', '=', 'o.email')
              .where('p.paid_at', 'is not', null)
              .where('p.payment_status', 'in', [...PAID_STATUSES])
              .where((w) => w.or([w('p.paid_at', '<', w.ref('o.paid_at')), w.and([w('p.paid_at', '=', w.ref('o.paid_at')), w('p.id', '<', w.ref('o.id'))])])),
          )
          .as('returning'),
      )
      .where('o.id', 'in', ids)
      .execute(),
    trx.selectFrom('order_lines').select(['id', 'order_id', 'product_id', 'quantity', 'total', 'discount_total']).where('order_id', 'in', ids).execute(),
    trx
      .selectFrom('payments')
      .select(['order_id', 'kind', 'amount', 'tax', 'created_at'])
      .where('order_id', 'in', ids)
      .where((w) => w.or([w('kind', '=', 'refund'), w.and([w('kind', '=', 'charge'), w('reason', '=', EXCHANGE_CHARGE_REASON)])]))
      .where('status', '=', 'succeeded')
      .execute(),
    trx.selectFrom('analytics_order_facts').select(['order_id', 'facts']).where('order_id', 'in', ids).execute(),
    trx
      .selectFrom('returns as r')
      .innerJoin('return_lines as rl', 'rl.return_id', 'r.id')
      .leftJoin('variants as v', 'v.id', 'rl.exchange_variant_id')
      .select(['r.order_id', 'r.id as return_id', 'r.closed_at', 'rl.order_line_id', 'rl.quantity', 'rl.exchange_unit_price', 'v.product_id'])
      .where('r.order_id', 'in', ids)
      .where('r.status', '=', 'exchanged')
      .where('r.closed_at', 'is not', null)
      .where('rl.exchange_unit_price', 'is not', null)
      .execute(),
  ]);
  const exchangesOf = new Map<string, FactExchange[]>();
  for (const x of exchanges)
    exchangesOf.set(x.order_id, [
      ...(exchangesOf.get(x.order_id) ?? []),
      {
        return_id: x.return_id,
        order_line_id: x.order_line_id,
        quantity: x.quantity,
        product_id: x.product_id ?? null,
        unit_price: x.exchange_unit_price as number,
        closed_at: new Date(x.closed_at as Date),
      },
    ]);
  const linesOf = new Map<string, FactLine[]>();
  for (const l of lines) linesOf.set(l.order_id, [...(linesOf.get(l.order_id) ?? []), l]);
  const refundsOf = new Map<string, FactRefund[]>();
  const chargesOf = new Map<string, FactCharge[]>();
  for (const r of refunds) {
    if (r.kind === 'refund') refundsOf.set(r.order_id, [...(refundsOf.get(r.order_id) ?? []), { amount: r.amount, created_at: new Date(r.created_at) }]);
    else chargesOf.set(r.order_id, [...(chargesOf.get(r.order_id) ?? []), { amount: r.amount, tax: r.tax, created_at: new Date(r.created_at) }]);
  }

  const daily = new Map<string, DailyFact>();
  const products = new Map<string, ProductFact>();
  for (const p of previous) {
    const f = (typeof p.facts === 'string' ? JSON.parse(p.facts) : p.facts) as OrderFacts;
    accumulate(daily, f.daily, dailyKey, DAILY_MEASURES, -1);
    accumulate(products, f.products, productKey, PRODUCT_MEASURES, -1);
  }
  const fresh: { order_id: string; facts: string }[] = [];
  const gone: string[] = [];
  const hadFacts = new Set(previous.map((p) => p.order_id));
  // An order that starts or stops counting can change whether its buyer's next paid order is a returning one.
  const neighbours: { email: string; paidAt: Date; id: string }[] = [];
  for (const o of orders) {
    // (A rebuild recomputes every order anyway.)
    if (!opts.rebuild && isCounted(o) !== hadFacts.has(o.id) && o.paid_at) neighbours.push({ email: o.email, paidAt: new Date(o.paid_at), id: o.id });
    const f = orderFacts(
      o as FactOrder,
      linesOf.get(o.id) ?? [],
      refundsOf.get(o.id) ?? [],
      Boolean(o.returning),
      chargesOf.get(o.id) ?? [],
      exchangesOf.get(o.id) ?? [],
    );
    accumulate(daily, f.daily, dailyKey, DAILY_MEASURES, 1);
    accumulate(products, f.products, productKey, PRODUCT_MEASURES, 1);
    if (isCounted(o)) fresh.push({ order_id: o.id, facts: JSON.stringify(f) });
    else gone.push(o.id);
  }
  for (const n of neighbours) {
    const next = await trx
      .selectFrom('orders')
      .select('id')
      .where('email', '=', n.email)
      .where('paid_at', 'is not', null)
      .where('payment_status', 'in', [...PAID_STATUSES])
      .where((w) => w.or([w('paid_at', '>', n.paidAt), w.and([w('paid_at', '=', n.paidAt), w('id', '>', n.id)])]))
      .orderBy('paid_at')
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
    if (next) await markOrderForAnalytics(trx, next.id);
  }
  // Orders deleted since take their contribution with them (orders are never deleted by the product; a store's own
  // data fixes, e.g. test data removed in SQL, are followed too; their buyers' next orders need a rebuild to be re-ranked).
  const found = new Set(orders.map((o) => o.id));
  for (const id of ids) if (!found.has(id)) gone.push(id);

  const dailyRows = [...daily.values()].filter((r) => nonZero(r, DAILY_MEASURES));
  for (let i = 0; i < dailyRows.length; i += 500)
    await trx
      .insertInto('analytics_daily')
      .values(dailyRows.slice(i, i + 500).map((r) => ({ ...r, ...Object.fromEntries(DAILY_MEASURES.map((m) => [m, r[m] ?? 0])) })) as never)
      .onConflict((oc) =>
        oc
          .columns(['day', 'currency', 'market_id'])
          .doUpdateSet(Object.fromEntries(DAILY_MEASURES.map((m) => [m, sql`analytics_daily.${sql.ref(m)} + excluded.${sql.ref(m)}`]))),
      )
      .execute();
  const productRows = [...products.values()].filter((r) => nonZero(r, PRODUCT_MEASURES));
  for (let i = 0; i < productRows.length; i += 1000)
    await trx
      .insertInto('analytics_product_daily')
      .values(productRows.slice(i, i + 1000).map((r) => ({ ...r, ...Object.fromEntries(PRODUCT_MEASURES.map((m) => [m, r[m] ?? 0])) })) as never)
      .onConflict((oc) =>
        oc
          .columns(['day', 'product_id'])
          .doUpdateSet(Object.fromEntries(PRODUCT_MEASURES.map((m) => [m, sql`analytics_product_daily.${sql.ref(m)} + excluded.${sql.ref(m)}`]))),
      )
      .execute();
  // Rows that went back to all zeros (an order no longer counted) are removed: the tables equal a rebuild's.
  const dailyDays = [...new Set(dailyRows.map((r) => r.day))];
  for (let i = 0; i < dailyDays.length; i += 500)
    await trx
      .deleteFrom('analytics_daily')
      .where('day', 'in', dailyDays.slice(i, i + 500))
      .where((eb) => eb.and(DAILY_MEASURES.map((m) => eb(m, '=', 0))))
      .execute();
  const productDays = [...new Set(productRows.map((r) => r.day))];
  for (let i = 0; i < productDays.length; i += 500)
    await trx
      .deleteFrom('analytics_product_daily')
      .where('day', 'in', productDays.slice(i, i + 500))
      .where((eb) => eb.and(PRODUCT_MEASURES.map((m) => eb(m, '=', 0))))
      .execute();
  for (let i = 0; i < fresh.length; i += 500)
    await trx
      .insertInto('analytics_order_facts')
      .values(fresh.slice(i, i + 500).map((f) => ({ ...f, computed_at: new Date() })))
      .onConflict((oc) => oc.column('order_id').doUpdateSet({ facts: sql`excluded.facts`, computed_at: sql`excluded.computed_at` }))
      .execute();
  if (gone.length) await trx.deleteFrom('analytics_order_facts').where('order_id', 'in', gone).execute();
}

async function lockState(trx: Tx) {
  await trx.selectFrom('analytics_state').select('id').where('id', '=', 1).forUpdate().execute();
}

export interface ProcessResult {
  processed: number;
  /** More pending rows than the batch took. */
  more: boolean;
}

/** One batch of pending orders (the worker calls it until `more` is false). */
export async function processPending(t: Kysely<TenantDatabase>, limit = 500): Promise<ProcessResult> {
  return t.transaction().execute(async (trx) => {
    await lockState(trx);
    const pending = await trx
      .selectFrom('analytics_pending')
      .select(['order_id', 'seq'])
      .orderBy('queued_at')
      .orderBy('order_id')
      .limit(limit + 1)
      .execute();
    const batch = pending.slice(0, limit);
    if (!batch.length) return { processed: 0, more: false };
    await applyOrders(
      trx,
      batch.map((p) => p.order_id),
    );
    // Only rows not bumped since we read them: a change that committed meanwhile is computed again next pass.
    await trx
      .deleteFrom('analytics_pending')
      .where((eb) => eb.or(batch.map((p) => eb.and([eb('order_id', '=', p.order_id), eb('seq', '=', Number(p.seq))]))))
      .execute();
    // Rows left: beyond this batch, bumped meanwhile, or buyers' next orders marked by this batch.
    const left = pending.length > limit || (await trx.selectFrom('analytics_pending').select('order_id').limit(1).executeTakeFirst()) !== undefined;
    return { processed: batch.length, more: left };
  });
}

/**
 * The funnel of each given UTC day from the first-party events and the orders: sessions (distinct shopper ids with
 * any event), sessions that viewed a product, sessions that added to cart, checkouts (orders placed) and orders
 * (paid that day). Rewritten per day, so running it again for a day gives the same row.
 */
export async function refreshFunnel(trx: Kysely<TenantDatabase>, days: readonly string[]): Promise<void> {
  for (const day of [...new Set(days)]) {
    const from = new Date(`${day}T00:00:00.000Z`);
    const to = new Date(from.getTime() + 86_400_000);
    const actor = sql`coalesce(session_id, customer_id)`;
    const ev = await trx
      .selectFrom('reco_events')
      .select([
        sql<number>`count(distinct ${actor}) filter (where kind <> 'purchase')`.as('sessions'),
        sql<number>`count(distinct ${actor}) filter (where kind = 'view')`.as('views'),
        sql<number>`count(distinct ${actor}) filter (where kind = 'add_to_cart')`.as('carts'),
      ])
      .where('occurred_at', '>=', from)
      .where('occurred_at', '<', to)
      .executeTakeFirstOrThrow();
    const placed = await trx
      .selectFrom('orders')
      .select(sql<number>`count(*)`.as('n'))
      .where('created_at', '>=', from)
      .where('created_at', '<', to)
      .executeTakeFirstOrThrow();
    const paid = await trx
      .selectFrom('orders')
      .select(sql<number>`count(*)`.as('n'))
      .where('paid_at', '>=', from)
      .where('paid_at', '<', to)
      .where('payment_status', 'in', [...PAID_STATUSES])
      .executeTakeFirstOrThrow();
    const row = {
      sessions: Number(ev.sessions),
      product_views: Number(ev.views),
      add_to_cart: Number(ev.carts),
      checkouts: Number(placed.n),
      orders: Number(paid.n),
    };
    if (!row.sessions && !row.product_views && !row.add_to_cart && !row.checkouts && !row.orders) {
      await trx.deleteFrom('analytics_funnel_daily').where('day', '=', day).execute();
      continue;
    }
    await trx
      .insertInto('analytics_funnel_daily')
      .values({ day, ...row, computed_at: new Date() })
      .onConflict((oc) => oc.column('day').doUpdateSet({ ...row, computed_at: new Date() }))
      .execute();
  }
}

/** What the worker needs to decide whether a store is due: orders waiting to be aggregated, and when the funnel was last refreshed. */
export async function analyticsBacklog(t: Kysely<TenantDatabase>): Promise<{ pending: boolean; funnelComputedAt: Date | null }> {
  const [pending, state] = await Promise.all([
    t.selectFrom('analytics_pending').select('order_id').limit(1).executeTakeFirst(),
    t.selectFrom('analytics_state').select('funnel_computed_at').where('id', '=', 1).executeTakeFirst(),
  ]);
  return { pending: !!pending, funnelComputedAt: state?.funnel_computed_at ? new Date(state.funnel_computed_at) : null };
}

/** The worker's funnel pass: the days since the last pass (at least yesterday and today, UTC). */
export async function refreshRecentFunnel(t: Kysely<TenantDatabase>, now = new Date()): Promise<string[]> {
  return t.transaction().execute(async (trx) => {
    const state = await trx.selectFrom('analytics_state').select('funnel_computed_at').where('id', '=', 1).forUpdate().executeTakeFirst();
    const start = Math.min(now.getTime() - 86_400_000, state?.funnel_computed_at ? new Date(state.funnel_computed_at).getTime() : Number.POSITIVE_INFINITY);
    const days: string[] = [];
    // At most 31 days back (a worker that was down longer: the rebuild fills the rest).
    for (let d = Math.max(start, now.getTime() - 31 * 86_400_000); utcDay(new Date(d)) <= utcDay(now); d += 86_400_000) days.push(utcDay(new Date(d)));
    if (!days.includes(utcDay(now))) days.push(utcDay(now));
    await refreshFunnel(trx, days);
    await trx.updateTable('analytics_state').set({ funnel_computed_at: now }).where('id', '=', 1).execute();
    return days;
  });
}

/** Every UTC day with a storefront event, a placed order or a paid order still on record. */
export async function funnelDaysOnRecord(trx: Kysely<TenantDatabase>): Promise<string[]> {
  const rows = await trx
    .selectFrom('reco_events')
    .select(sql<string>`to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD')`.as('day'))
    .union(trx.selectFrom('orders').select(sql<string>`to_char(created_at at time zone 'UTC', 'YYYY-MM-DD')`.as('day')))
    .union(trx.selectFrom('orders').select(sql<string>`to_char(paid_at at time zone 'UTC', 'YYYY-MM-DD')`.as('day')).where('paid_at', 'is not', null))
    .execute();
  return rows.map((r) => r.day).sort();
}

export interface RebuildResult {
  orders: number;
  funnelDays: number;
  ms: number;
}

/**
 * Recomputes every aggregate from the raw tables in one transaction (the old numbers stay visible until it
 * commits; a failure leaves them as they were). Uses the incremental code path, so its result is what the worker
 * would have built.
 */
export async function rebuildAnalytics(
  t: Kysely<TenantDatabase>,
  opts: { batch?: number; onProgress?: (orders: number) => void } = {},
): Promise<RebuildResult> {
  const started = Date.now();
  const batch = opts.batch ?? 1000;
  return t.transaction().execute(async (trx) => {
    await lockState(trx);
    for (const table of ['analytics_pending', 'analytics_order_facts', 'analytics_daily', 'analytics_product_daily', 'analytics_funnel_daily'] as const)
      await trx.deleteFrom(table).execute();
    let after: string | null = null;
    let orders = 0;
    for (;;) {
      let q = trx.selectFrom('orders').select('id').where('paid_at', 'is not', null).orderBy('id').limit(batch);
      if (after) q = q.where('id', '>', after);
      const ids = (await q.execute()).map((r) => r.id);
      if (!ids.length) break;
      await applyOrders(trx, ids, { rebuild: true });
      orders += ids.length;
      after = ids[ids.length - 1] ?? null;
      opts.onProgress?.(orders);
    }
    const days = await funnelDaysOnRecord(trx);
    await refreshFunnel(trx, days);
    await trx.updateTable('analytics_state').set({ rebuilt_at: new Date(), funnel_computed_at: new Date() }).where('id', '=', 1).execute();
    return { orders, funnelDays: days.length, ms: Date.now() - started };
  });
}
