/**
 * Keeps the daily aggregates up to date. Writers mark an order in `analytics_pending` inside the transaction of its
 * change (`markOrderForAnalytics`); the worker takes a batch, recomputes each order's contribution from the raw
 * tables (facts.ts), adds (new − previous) to the aggregates, stores the new contribution and deletes the pending
 * rows it saw, all in one transaction under the store's `analytics_state` row lock. A crash rolls all of it back; a
 * replay finds the contribution unchanged and adds nothing; a change committed meanwhile bumped `seq`, so its row
 * stays for the next pass. `rebuildAnalytics` runs the same code over every paid order into shadow tables, in short
 * transactions, and swaps them in at the end (below).
 */
import { hostname } from 'node:os';
import { sql, type Kysely, type TenantDatabase, type Transaction } from '@storeloom/db';
import { AppError, ErrorCode } from '@storeloom/errors';
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

/** Where `applyOrders` and `refreshFunnel` write: the live tables, or the rebuild's shadow copies (same columns). */
export interface AnalyticsTables {
  facts: 'analytics_order_facts';
  daily: 'analytics_daily';
  products: 'analytics_product_daily';
  funnel: 'analytics_funnel_daily';
}
const LIVE: AnalyticsTables = {
  facts: 'analytics_order_facts',
  daily: 'analytics_daily',
  products: 'analytics_product_daily',
  funnel: 'analytics_funnel_daily',
};
// Typed as the live tables (the shadow ones have the same columns), so one query builder serves both.
const SHADOW = {
  facts: 'analytics_rebuild_order_facts',
  daily: 'analytics_rebuild_daily',
  products: 'analytics_rebuild_product_daily',
  funnel: 'analytics_rebuild_funnel_daily',
} as unknown as AnalyticsTables;

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
export async function applyOrders(trx: Tx, orderIds: readonly string[], opts: { rebuild?: boolean; tables?: AnalyticsTables } = {}): Promise<void> {
  if (!orderIds.length) return;
  const tables = opts.tables ?? LIVE;
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
    trx.selectFrom(tables.facts).select(['order_id', 'facts']).where('order_id', 'in', ids).execute(),
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
      .insertInto(tables.daily)
      .values(dailyRows.slice(i, i + 500).map((r) => ({ ...r, ...Object.fromEntries(DAILY_MEASURES.map((m) => [m, r[m] ?? 0])) })) as never)
      .onConflict((oc) =>
        oc
          .columns(['day', 'currency', 'market_id'])
          .doUpdateSet(Object.fromEntries(DAILY_MEASURES.map((m) => [m, sql`${sql.ref(`${tables.daily}.${m}`)} + excluded.${sql.ref(m)}`]))),
      )
      .execute();
  const productRows = [...products.values()].filter((r) => nonZero(r, PRODUCT_MEASURES));
  for (let i = 0; i < productRows.length; i += 1000)
    await trx
      .insertInto(tables.products)
      .values(productRows.slice(i, i + 1000).map((r) => ({ ...r, ...Object.fromEntries(PRODUCT_MEASURES.map((m) => [m, r[m] ?? 0])) })) as never)
      .onConflict((oc) =>
        oc
          .columns(['day', 'product_id'])
          .doUpdateSet(Object.fromEntries(PRODUCT_MEASURES.map((m) => [m, sql`${sql.ref(`${tables.products}.${m}`)} + excluded.${sql.ref(m)}`]))),
      )
      .execute();
  // Rows that went back to all zeros (an order no longer counted) are removed: the tables equal a rebuild's.
  const dailyDays = [...new Set(dailyRows.map((r) => r.day))];
  for (let i = 0; i < dailyDays.length; i += 500)
    await trx
      .deleteFrom(tables.daily)
      .where('day', 'in', dailyDays.slice(i, i + 500))
      .where((eb) => eb.and(DAILY_MEASURES.map((m) => eb(m, '=', 0))))
      .execute();
  const productDays = [...new Set(productRows.map((r) => r.day))];
  for (let i = 0; i < productDays.length; i += 500)
    await trx
      .deleteFrom(tables.products)
      .where('day', 'in', productDays.slice(i, i + 500))
      .where((eb) => eb.and(PRODUCT_MEASURES.map((m) => eb(m, '=', 0))))
      .execute();
  for (let i = 0; i < fresh.length; i += 500)
    await trx
      .insertInto(tables.facts)
      .values(fresh.slice(i, i + 500).map((f) => ({ ...f, computed_at: new Date() })))
      .onConflict((oc) => oc.column('order_id').doUpdateSet({ facts: sql`excluded.facts`, computed_at: sql`excluded.computed_at` }))
      .execute();
  if (gone.length) await trx.deleteFrom(tables.facts).where('order_id', 'in', gone).execute();
}

async function lockState(trx: Tx) {
  return trx.selectFrom('analytics_state').select(['id', 'rebuild_id']).where('id', '=', 1).forUpdate().executeTakeFirst();
}

export interface ProcessResult {
  processed: number;
  /** More pending rows than the batch took. */
  more: boolean;
}

/** One batch of pending orders (the worker calls it until `more` is false). */
export async function processPending(t: Kysely<TenantDatabase>, limit = 500): Promise<ProcessResult> {
  return t.transaction().execute(async (trx) => {
    const state = await lockState(trx);
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
    // A rebuild is filling the shadow tables: it may have read these orders before their change, so its swap queues
    // them again (recomputing an order is idempotent: it adds the difference to what is stored for it).
    if (state?.rebuild_id)
      await trx
        .insertInto('analytics_rebuild_dirty')
        .values(batch.map((p) => ({ order_id: p.order_id })))
        .onConflict((oc) => oc.column('order_id').doNothing())
        .execute();
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
export async function refreshFunnel(trx: Kysely<TenantDatabase>, days: readonly string[], tables: Pick<AnalyticsTables, 'funnel'> = LIVE): Promise<void> {
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
      await trx.deleteFrom(tables.funnel).where('day', '=', day).execute();
      continue;
    }
    await trx
      .insertInto(tables.funnel)
      .values({ day, ...row, computed_at: new Date() })
      .onConflict((oc) => oc.column('day').doUpdateSet({ ...row, computed_at: new Date() }))
      .execute();
  }
}

/** What the worker needs to decide whether a store is due: orders waiting to be aggregated, and when the funnel was last refreshed. */
export async function analyticsBacklog(
  t: Kysely<TenantDatabase>,
  staleMs = REBUILD_STALE_MS,
): Promise<{ pending: boolean; funnelComputedAt: Date | null; abandonedRebuild: string | null }> {
  const [pending, state] = await Promise.all([
    t.selectFrom('analytics_pending').select('order_id').limit(1).executeTakeFirst(),
    t
      .selectFrom('analytics_state')
      .select(['funnel_computed_at', 'rebuild_id', staleSql(staleMs).as('stale')])
      .where('id', '=', 1)
      .executeTakeFirst(),
  ]);
  return {
    pending: !!pending,
    funnelComputedAt: state?.funnel_computed_at ? new Date(state.funnel_computed_at) : null,
    abandonedRebuild: state?.rebuild_id && state.stale ? state.rebuild_id : null,
  };
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

/** A rebuild whose heartbeat is older than this was abandoned (its process was killed): another may take it over. */
export const REBUILD_STALE_MS = 5 * 60_000;
/** How often a running rebuild beats its heartbeat (between batches; far below the stale limit). */
const HEARTBEAT_EVERY_MS = 5_000;

/**
 * Whether the rebuild in progress has stopped beating, by the database's clock (rebuilds and workers on other hosts
 * agree). A rebuild from before the heartbeat existed counts from its start.
 */
const staleSql = (staleMs: number) => sql<boolean>`coalesce(rebuild_heartbeat_at, rebuild_started_at) < now() - make_interval(secs => ${staleMs / 1000})`;

export interface RebuildResult {
  /** Paid orders recomputed (by this run: a resumed rebuild counts only what it did itself). */
  orders: number;
  /** It took over an abandoned rebuild where that one stopped, with its shadow rows and dirty list. */
  resumed: boolean;
  funnelDays: number;
  /** Orders the worker applied while the rebuild ran, queued again at the swap. */
  requeued: number;
  batches: number;
  /** How long the swap transaction took (the only time the worker waits for the rebuild). */
  swapMs: number;
  ms: number;
}

export interface RebuildProgress {
  phase: 'orders' | 'funnel' | 'swap';
  done: number;
  total: number;
}

const SHADOW_TABLES = [SHADOW.facts, SHADOW.daily, SHADOW.products, SHADOW.funnel, 'analytics_rebuild_dirty'] as const;

/** The store's schema (raw SQL is not schema-qualified by Kysely's plugin, so TRUNCATE and LOCK name it by hand). */
async function schemaOf(trx: Tx): Promise<string> {
  const { schema } = await trx
    .selectFrom('analytics_state')
    .select(
      sql<string>`(select n.nspname from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace where c.oid = analytics_state.tableoid)`.as(
        'schema',
      ),
    )
    .executeTakeFirstOrThrow();
  return schema;
}

/** Empties the shadow tables (TRUNCATE: instant at any size). */
async function emptyShadow(trx: Tx) {
  const schema = await schemaOf(trx);
  await sql`truncate table ${sql.join(SHADOW_TABLES.map((table) => sql.id(schema, table)))}`.execute(trx);
}

/**
 * Makes a live table equal to its shadow copy writing only what differs: rows the shadow lacks or has different are
 * deleted, then the shadow's rows the live table lacks are inserted (two anti-joins: no per-row conflict handling).
 */
async function copyShadow(trx: Tx, table: keyof AnalyticsTables, keys: readonly string[], values: readonly string[], compare: readonly string[]) {
  const k = trx as unknown as Kysely<any>;
  const live = LIVE[table];
  const shadow = SHADOW[table];
  const same = (a: string, b: string, cols: readonly string[]) =>
    sql<boolean>`(${sql.join(cols.map((c) => sql.ref(`${a}.${c}`)))}) is not distinct from (${sql.join(cols.map((c) => sql.ref(`${b}.${c}`)))})`;
  await k
    .deleteFrom(`${live} as a`)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          keys.reduce((q, c) => q.whereRef(`s.${c}`, '=', `a.${c}`), selectFrom(`${shadow} as s`).select(sql`1`.as('one'))).where(same('s', 'a', compare)),
        ),
      ),
    )
    .execute();
  await k
    .insertInto(live)
    .columns([...keys, ...values])
    .expression(
      k
        .selectFrom(`${shadow} as s`)
        .select([...keys, ...values].map((c) => `s.${c}`))
        .where(({ not, exists, selectFrom }) =>
          not(exists(keys.reduce((q, c) => q.whereRef(`a.${c}`, '=', `s.${c}`), selectFrom(`${live} as a`).select(sql`1`.as('one'))))),
        ),
    )
    .execute();
}

/**
 * Recomputes every aggregate from the raw tables without holding one long transaction: the same code path as the
 * worker (so the result is what it would have built) fills the shadow tables (`analytics_rebuild_*`) in one short
 * transaction per batch of paid orders (by id) and per month of funnel days, then one short transaction under the
 * worker's lock makes the live tables equal to the shadow ones. Until then the dashboard reads the old figures and the
 * worker keeps maintaining them; if the rebuild stops midway (error, crash) the live tables are untouched, and running
 * it again starts the shadow tables over.
 *
 * Changes during the rebuild are applied exactly once: every change queues its order (`analytics_pending`) in its
 * own transaction. One still queued at the swap is applied by the worker afterwards, against what the rebuild stored
 * for it; one the worker applied meanwhile went into the live tables, which the swap replaces, so the worker lists it
 * (`analytics_rebuild_dirty`, while `analytics_state.rebuild_id` is set) and the swap queues it again. Applying an order
 * adds the difference between its recomputed and its stored contribution, so one applied twice adds nothing the second
 * time. The funnel's days since the rebuild started are refreshed by the worker's next funnel pass.
 */
export interface RebuildOptions {
  batch?: number;
  funnelDays?: number;
  onProgress?: (p: RebuildProgress) => void | Promise<void>;
  /** Heartbeat age after which a rebuild in progress counts as abandoned (default REBUILD_STALE_MS). */
  staleMs?: number;
  /** Only take over an abandoned rebuild (the worker's recovery): with none, do nothing and answer null. */
  onlyAbandoned?: boolean;
  /** Start over even when an abandoned rebuild could be resumed (e.g. after a fix to how figures are computed). */
  fresh?: boolean;
}

export async function rebuildAnalytics(t: Kysely<TenantDatabase>, opts: RebuildOptions & { onlyAbandoned: true }): Promise<RebuildResult | null>;
export async function rebuildAnalytics(t: Kysely<TenantDatabase>, opts?: RebuildOptions): Promise<RebuildResult>;
export async function rebuildAnalytics(t: Kysely<TenantDatabase>, opts: RebuildOptions = {}): Promise<RebuildResult | null> {
  const started = Date.now();
  const batch = opts.batch ?? 1000;
  const id = crypto.randomUUID();
  const owner = `${hostname()}:${process.pid}`.slice(0, 200);
  const begun = await t.transaction().execute(async (trx) => {
    const state = await trx
      .selectFrom('analytics_state')
      .select(['rebuild_id', 'rebuild_started_at', 'rebuild_heartbeat_at', staleSql(opts.staleMs ?? REBUILD_STALE_MS).as('stale')])
      .where('id', '=', 1)
      .forUpdate()
      .executeTakeFirst();
    const abandoned = Boolean(state?.rebuild_id && state.stale);
    if (opts.onlyAbandoned && !abandoned) return null;
    // An abandoned rebuild that beat a heartbeat is resumed: its shadow rows are what its batches committed, and its
    // dirty list holds every order the worker applied since it started, which the swap queues again. (One from before
    // the heartbeat existed starts over.)
    const resumed = abandoned && !opts.fresh && state?.rebuild_heartbeat_at != null;
    if (resumed) {
      // A batch of the old owner still in flight (a stalled process rather than a dead one) finishes first; its next
      // batch sees the new rebuild id and stops (SHARE conflicts with the batches' ROW EXCLUSIVE).
      await sql`lock table ${sql.id(await schemaOf(trx), SHADOW.facts)} in share mode`.execute(trx);
    }
    const startedAt = resumed && state?.rebuild_started_at ? new Date(state.rebuild_started_at) : new Date();
    await trx
      .updateTable('analytics_state')
      .set({ rebuild_id: id, rebuild_started_at: startedAt, rebuild_heartbeat_at: sql`now()`, rebuild_owner: owner })
      .where('id', '=', 1)
      .execute();
    // Otherwise another rebuild of this store that was still filling the shadow tables stops at its next batch (not ours).
    if (!resumed) await emptyShadow(trx);
    const n = await trx.selectFrom('orders').select(sql<number>`count(*)::int`.as('n')).where('paid_at', 'is not', null).executeTakeFirstOrThrow();
    // Batches go by order id and commit one by one, so the last order with stored facts was done (orders after it
    // that stored none are recomputed: applying an order again adds nothing).
    const last = resumed ? await trx.selectFrom(SHADOW.facts).select('order_id').orderBy('order_id', 'desc').limit(1).executeTakeFirst() : undefined;
    return { total: Number(n.n), startedAt, resumed, after: last?.order_id ?? null };
  });
  if (!begun) return null;
  const { total, startedAt, resumed } = begun;
  let beatAt = Date.now();
  /** Tells takeovers this rebuild is alive: its own short statement between batches (waits at most for one worker pass). */
  const beat = async () => {
    if (Date.now() - beatAt < HEARTBEAT_EVERY_MS) return;
    beatAt = Date.now();
    await t.updateTable('analytics_state').set({ rebuild_heartbeat_at: sql`now()` }).where('id', '=', 1).where('rebuild_id', '=', id).execute();
  };
  const ours = async (trx: Tx, lock: boolean) => {
    const state = lock ? await lockState(trx) : await trx.selectFrom('analytics_state').select(['id', 'rebuild_id']).where('id', '=', 1).executeTakeFirst();
    if (state?.rebuild_id !== id) throw new AppError(ErrorCode.Conflict, 'Another analytics rebuild of this store started; this one stopped');
  };
  let after: string | null = begun.after;
  let orders = 0;
  let batches = 0;
  let requeued = 0;
  let swapMs = 0;
  const days: string[] = [];
  const schema = await t.transaction().execute(schemaOf);
  // A batch writes to the shadow tables only while the rebuild is still ours: it takes a lock that a newer rebuild's
  // TRUNCATE waits for (and that waits for it), then reads rebuild_id, so no batch of ours lands in a newer rebuild's
  // tables. The worker's lock (the state row) is not taken: it keeps running.
  const ourBatch = async (trx: Tx) => {
    await sql`lock table ${sql.id(schema, SHADOW.facts)} in row exclusive mode`.execute(trx);
    await ours(trx, false);
  };
  try {
    for (;;) {
      const n = await t.transaction().execute(async (trx) => {
        await ourBatch(trx);
        let q = trx.selectFrom('orders').select('id').where('paid_at', 'is not', null).orderBy('id').limit(batch);
        if (after) q = q.where('id', '>', after);
        const ids = (await q.execute()).map((r) => r.id);
        await applyOrders(trx, ids, { rebuild: true, tables: SHADOW });
        after = ids.at(-1) ?? after;
        return ids.length;
      });
      if (!n) break;
      orders += n;
      batches++;
      await beat();
      await opts.onProgress?.({ phase: 'orders', done: orders, total: Math.max(total, orders) });
    }
    days.push(...(await funnelDaysOnRecord(t)));
    if (resumed) {
      // Funnel days go in date order, a month per transaction: the last day stored was done (it is rewritten anyway).
      const { from } = await t.selectFrom(SHADOW.funnel).select(sql<string | null>`to_char(max(day), 'YYYY-MM-DD')`.as('from')).executeTakeFirstOrThrow();
      if (from) days.splice(0, days.length, ...days.filter((d) => d >= from));
    }
    const perBatch = opts.funnelDays ?? 31;
    for (let i = 0; i < days.length; i += perBatch) {
      await t.transaction().execute(async (trx) => {
        await ourBatch(trx);
        await refreshFunnel(trx, days.slice(i, i + perBatch), SHADOW);
      });
      await beat();
      await opts.onProgress?.({ phase: 'funnel', done: Math.min(days.length, i + perBatch), total: days.length });
    }
    // Fresh statistics, so the swap's anti-joins are planned as hash joins (freshly filled tables have none).
    await t.transaction().execute(async (trx) => {
      await ourBatch(trx);
      await sql`analyze ${sql.join([SHADOW.facts, SHADOW.daily, SHADOW.products, SHADOW.funnel].map((table) => sql.id(schema, table)))}`.execute(trx);
    });
    const swapStarted = Date.now();
    requeued = await t.transaction().execute(async (trx) => {
      await ours(trx, true);
      const dirty = await trx.selectFrom('analytics_rebuild_dirty').select('order_id').execute();
      await trx
        .insertInto('analytics_pending')
        .columns(['order_id'])
        .expression(trx.selectFrom('analytics_rebuild_dirty').select('order_id'))
        .onConflict((oc) => oc.column('order_id').doUpdateSet({ seq: sql`analytics_pending.seq + 1` }))
        .execute();
      await copyShadow(trx, 'daily', ['day', 'currency', 'market_id'], DAILY_MEASURES, DAILY_MEASURES);
      await copyShadow(trx, 'products', ['day', 'product_id'], PRODUCT_MEASURES, PRODUCT_MEASURES);
      await copyShadow(trx, 'facts', ['order_id'], ['facts', 'computed_at'], ['facts']);
      const funnel = ['sessions', 'product_views', 'add_to_cart', 'checkouts', 'orders'];
      await copyShadow(trx, 'funnel', ['day'], [...funnel, 'computed_at'], funnel);
      await trx
        .updateTable('analytics_state')
        .set({
          rebuilt_at: new Date(),
          funnel_computed_at: startedAt,
          rebuild_id: null,
          rebuild_started_at: null,
          rebuild_heartbeat_at: null,
          rebuild_owner: null,
        })
        .where('id', '=', 1)
        .execute();
      await emptyShadow(trx);
      return dirty.length;
    });
    swapMs = Date.now() - swapStarted;
  } catch (err) {
    // Stopped midway: the live tables were never touched. The worker stops listing orders for it and the shadow
    // tables are emptied (unless another rebuild took over); a crash leaves both to the next rebuild.
    await t
      .transaction()
      .execute(async (trx) => {
        const state = await lockState(trx);
        if (state?.rebuild_id !== id) return;
        await trx
          .updateTable('analytics_state')
          .set({ rebuild_id: null, rebuild_started_at: null, rebuild_heartbeat_at: null, rebuild_owner: null })
          .where('id', '=', 1)
          .execute();
        await emptyShadow(trx);
      })
      .catch(() => undefined);
    throw err;
  }
  await opts.onProgress?.({ phase: 'swap', done: 1, total: 1 });
  return { orders, resumed, funnelDays: days.length, requeued, batches, swapMs, ms: Date.now() - started };
}
