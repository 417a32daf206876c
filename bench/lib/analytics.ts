/**
 * Sales dashboard figures (`--only analytics`, issue 21):
 *   analytics.dashboard-30d    p95 of GET /api/v1/stores/:id/analytics/sales for the last 30 days with the previous
 *                              period, by API token through the real control plane, vs the p95 of the same figures
 *                              computed by queries on the raw tables (packages/analytics/test/raw.ts, the tests'
 *                              oracle, in this process: no HTTP, which favours the baseline) (<= 0.2)
 *   analytics.dashboard-365d   the same for the last 365 days compared with the year before (<= 0.2)
 *   analytics.generate         seconds to generate the store's data in SQL (reported)
 *   analytics.rebuild          seconds of `npm run analytics:rebuild -- --store <id>` over it (reported)
 *
 * The store (USD, with a EUR market) gets 1,000,000 order lines over two years in a few statements of
 * generate_series inside its schema: 2,000 products × 3 variants with a long-tail popularity, 40 collections,
 * 150,000 buyers of whom many come back, 1-4 lines per order, more orders lately, 15 % in euros, a fifth with a
 * discount, failed/expired/pending ones, 7 % refunded in part or in full some days later (refund lines and the lines'
 * refunded units), one storefront event per order line. Everything lives in a database of its own, dropped at the end.
 * Requests run one at a time (a merchant looking at the dashboard), after a warm-up.
 */
import { spawn } from 'node:child_process';
import { type DateRange, salesReport } from '@storeloom/analytics';
import { sql } from '@storeloom/db';
import pg from 'pg';
import { rawFunnel, rawMarkets, rawSummary, rawTopCollections, rawTopProducts } from '../../packages/analytics/test/raw.ts';
import { call, expectStatus } from './api.ts';
import type { ChildServer } from './child.ts';
import { type BenchDatabase, createBenchDatabase, openDatabase } from './database.ts';
import { childEnv, randomSuffix } from './env.ts';
import { ROOT } from './paths.ts';
import { emit, emitError, progress } from './report.ts';
import { startRedisControlPlane } from './servers.ts';

const LINES = 1_000_000;
const DAYS = 730;
const PRODUCTS = 2_000;
const BUYERS = 150_000;
const EUR_RATE = '0.921';
const DASHBOARD_REQUESTS = 60;
const RAW_RUNS = 12;
const TARGET = '<=0.2' as const;

const FIGURES = [
  ['analytics.dashboard-30d', 'p95_ratio_vs_raw'],
  ['analytics.dashboard-365d', 'p95_ratio_vs_raw'],
] as const;

const day = (d: Date) => d.toISOString().slice(0, 10);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? Number.NaN;
};

/** The whole data set in SQL, inside the store's schema (search_path), in one transaction. */
async function generate(url: string, schema: string): Promise<{ orders: number; lines: number; refunds: number; events: number }> {
  const c = new pg.Client({ connectionString: url, application_name: 'storeloom-bench-analytics' });
  await c.connect();
  const q = async (label: string, text: string) => {
    const started = performance.now();
    const r = await c.query(text);
    progress(`  ${label}: ${r.rowCount ?? 0} rows, ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return r;
  };
  try {
    await c.query('begin');
    await c.query(`set local search_path to "${schema.replaceAll('"', '""')}", public`);
    await c.query('set local synchronous_commit to off');
    await c.query('select setseed(0.21)');
    await q(
      'products',
      `create temp table bench_products on commit drop as
         select g as idx, gen_random_uuid() as id, 900 + (g * 7919) % 12000 as price from generate_series(0, ${PRODUCTS - 1}) g`,
    );
    await c.query(`insert into products (id, handle, title, status) select id, 'bench-' || idx, 'Bench product ' || idx, 'active' from bench_products`);
    await q(
      'variants',
      `create temp table bench_variants on commit drop as
         select p.idx, v as vidx, gen_random_uuid() as id, p.id as product_id, p.price + v * 300 as price
         from bench_products p, generate_series(0, 2) v`,
    );
    await c.query(
      `insert into variants (id, product_id, sku, title, price, inventory_quantity, position, option_values)
       select id, product_id, 'B-' || idx || '-' || vidx, 'Size ' || vidx, price, 1000, vidx, jsonb_build_object('Size', 'Size ' || vidx) from bench_variants`,
    );
    await c.query(
      `insert into collections (id, handle, title) select gen_random_uuid(), 'bench-collection-' || g, 'Collection ' || g from generate_series(0, 39) g`,
    );
    // Every product in one collection, every third in a second one.
    await q(
      'collection products',
      `insert into collection_products (collection_id, product_id, position)
       select c.id, p.id, p.idx from bench_products p join collections c on c.handle in ('bench-collection-' || (p.idx % 40), 'bench-collection-' || ((p.idx * 7 + 3) % 40))
       where c.handle = 'bench-collection-' || (p.idx % 40) or p.idx % 3 = 0
       on conflict do nothing`,
    );
    await c.query(
      `insert into markets (id, name, currency, exchange_rate, rounding_increment, tax_inclusive) values (gen_random_uuid(), 'Europe', 'EUR', '${EUR_RATE}', 1, true)`,
    );
    // Orders: more of them lately (days ago ~ 1 − sqrt(u)), buyers skewed so many come back, 1-4 lines each; cut at LINES lines.
    await q(
      'order plan',
      `create temp table bench_orders on commit drop as
       with plan as (
         select i, gen_random_uuid() as id, 1 + floor(random() * 4)::int as n_lines,
                date_trunc('second', now() - interval '1 minute' - (interval '1 day' * ${DAYS} * (1 - sqrt(random())))) as created_at,
                floor(${BUYERS} * power(random(), 1.6))::int as buyer, random() < 0.15 as eur, random() as fate,
                random() < 0.2 as discounted, random() as refund
         from generate_series(1, ${Math.ceil(LINES / 2.2)}) i
       ), placed as (select *, sum(n_lines) over (order by i) - n_lines as first_line from plan)
       select i, id, least(n_lines, ${LINES} - first_line) as n_lines, created_at, buyer, eur, discounted,
              case when fate < 0.03 then 'failed' when fate < 0.05 then 'expired' when fate < 0.055 then 'pending' else 'paid' end as payment,
              case when refund < 0.05 then 'partial' when refund < 0.07 then 'full' end as refund
       from placed where first_line < ${LINES}`,
    );
    const market = (await c.query<{ id: string }>(`select id from markets where currency = 'EUR'`)).rows[0]?.id;
    // Lines are planned first (orders carry their sums), inserted after their orders.
    await q(
      'line plan',
      `create temp table bench_lines on commit drop as
       select gen_random_uuid() as id, x.order_id, case when x.pidx >= ${PRODUCTS - 10} then null else x.product_id end as product_id,
              case when x.pidx >= ${PRODUCTS - 10} then null else x.variant_id end as variant_id, 'Bench product ' || x.pidx as title,
              'Size ' || x.vidx as variant_title, 'B-' || x.pidx || '-' || x.vidx as sku, x.quantity, x.unit_price,
              x.unit_price * x.quantity as total, x.position,
              case when x.discounted and x.position = 0 then (x.unit_price * x.quantity) / 10 else 0 end as discount_total, x.price as store_unit_price
       from (
         select l.*, v.id as variant_id, v.product_id, v.price,
                case when l.eur then round(v.price * ${EUR_RATE})::int else v.price end as unit_price
         from (
           select o.id as order_id, k as position, o.eur, o.discounted,
                  floor(${PRODUCTS} * power(random(), 2.2))::int as pidx, floor(random() * 3)::int as vidx,
                  case when random() < 0.15 then 2 + floor(random() * 2)::int else 1 end as quantity
           from bench_orders o, generate_series(0, o.n_lines - 1) k
         ) l join bench_variants v on v.idx = l.pidx and v.vidx = l.vidx
       ) x`,
    );
    await q(
      'orders',
      `insert into orders (id, number, status, payment_status, fulfillment_status, email, customer_name, currency, subtotal, shipping, tax, tax_included,
                           total, item_count, shipping_method, payment_provider, reservation_expires_at, paid_at, fulfilled_at, created_at, updated_at,
                           discount_total, market_id, store_currency, exchange_rate, store_subtotal, store_shipping, store_tax, store_discount_total, store_total)
       select o.id, 1000 + o.i, case when o.payment in ('failed', 'expired') then 'cancelled' else 'open' end, o.payment,
              case when o.payment = 'paid' and o.created_at < now() - interval '3 days' then 'fulfilled' else 'unfulfilled' end,
              'buyer' || o.buyer || '@example.com', 'Buyer ' || o.buyer, case when o.eur then 'EUR' else 'USD' end,
              s.subtotal, s.shipping, round((s.subtotal - s.discount + s.shipping) / 6.0)::int, true, s.subtotal - s.discount + s.shipping, s.units,
              'Standard', 'manual', o.created_at + interval '15 minutes',
              case when o.payment = 'paid' then o.created_at + interval '2 minutes' end,
              case when o.payment = 'paid' and o.created_at < now() - interval '3 days' then o.created_at + interval '2 days' end,
              o.created_at, o.created_at, s.discount, case when o.eur then '${market}'::uuid end, 'USD', case when o.eur then '${EUR_RATE}' else '1' end,
              s.store_subtotal, s.store_shipping, round((s.store_subtotal - s.store_discount + s.store_shipping) / 6.0)::int, s.store_discount,
              s.store_subtotal - s.store_discount + s.store_shipping
       from bench_orders o
       join (select l.order_id, sum(l.total)::int as subtotal, sum(l.discount_total)::int as discount, sum(l.quantity)::int as units,
                    case when sum(l.total) - sum(l.discount_total) >= 5000 then 0 else 495 end as shipping,
                    round(sum(l.total) / r.rate)::int as store_subtotal, round(sum(l.discount_total) / r.rate)::int as store_discount,
                    case when sum(l.total) - sum(l.discount_total) >= 5000 then 0 else round(495 / r.rate)::int end as store_shipping
             from bench_lines l join bench_orders b on b.id = l.order_id
             cross join lateral (select case when b.eur then ${EUR_RATE}::numeric else 1 end as rate) r
             group by l.order_id, r.rate) s on s.order_id = o.id`,
    );
    await q(
      'order lines',
      `insert into order_lines (id, order_id, product_id, variant_id, title, variant_title, sku, quantity, unit_price, total, position, discount_total, store_unit_price)
       select id, order_id, product_id, variant_id, title, variant_title, sku, quantity, unit_price, total, position, discount_total, store_unit_price from bench_lines`,
    );
    await q(
      'charges',
      `insert into payments (id, order_id, kind, provider, amount, status, idempotency_key, created_at)
       select gen_random_uuid(), id, 'charge', 'manual', total, 'succeeded', 'bench-charge-' || id, paid_at from orders where paid_at is not null`,
    );
    // Refunds some days after the payment: the first line (partial) or everything (full), through refund lines.
    await q(
      'refund plan',
      `create temp table bench_refunds on commit drop as
       select gen_random_uuid() as id, o.id as order_id, b.refund,
              least(o.paid_at + interval '1 day' * (3 + random() * 25), now() - interval '1 minute') as created_at,
              case when b.refund = 'full' then o.total else l.total - l.discount_total end as amount, o.total, o.store_total, o.currency
       from orders o join bench_orders b on b.id = o.id join order_lines l on l.order_id = o.id and l.position = 0
       where b.refund is not null and o.paid_at is not null`,
    );
    await c.query(
      `insert into payments (id, order_id, kind, provider, amount, status, reason, idempotency_key, created_at)
       select id, order_id, 'refund', 'manual', amount, 'succeeded', 'bench return', 'bench-refund-' || id, created_at from bench_refunds`,
    );
    await q(
      'refund lines',
      `insert into refund_lines (id, refund_id, order_id, order_line_id, kind, quantity, amount, restock, created_at)
       select gen_random_uuid(), r.id, r.order_id, l.id, 'line', l.quantity, l.total - l.discount_total, true, r.created_at
       from bench_refunds r join order_lines l on l.order_id = r.order_id and (r.refund = 'full' or l.position = 0)`,
    );
    await c.query(
      `insert into refund_lines (id, refund_id, order_id, kind, amount, created_at)
       select gen_random_uuid(), r.id, r.order_id, 'shipping', o.shipping, r.created_at
       from bench_refunds r join orders o on o.id = r.order_id where r.refund = 'full' and o.shipping > 0`,
    );
    await c.query(
      `update order_lines l set refunded_quantity = l.quantity, refunded_amount = l.total - l.discount_total
       from bench_refunds r where r.order_id = l.order_id and (r.refund = 'full' or l.position = 0)`,
    );
    await c.query(
      `update orders o set refunded = r.amount, shipping_refunded = case when r.refund = 'full' then o.shipping else 0 end,
              payment_status = case when r.amount = o.total then 'refunded' else 'partially_refunded' end,
              store_refunded = case when r.amount = o.total then o.store_total when o.currency = 'EUR' then round(r.amount / ${EUR_RATE})::int else r.amount end
       from bench_refunds r where r.order_id = o.id`,
    );
    // The funnel's first-party events: one per order line, over the same two years (views, carts, impressions, clicks).
    await q(
      'storefront events',
      `insert into reco_events (kind, session_id, product_id, occurred_at)
       select case when u < 0.7 then 'view' when u < 0.85 then 'add_to_cart' when u < 0.95 then 'impression' else 'click' end,
              's' || floor(random() * 400000)::int, p.id, now() - interval '1 minute' - (interval '1 day' * ${DAYS} * (1 - sqrt(random())))
       from (select random() as u, floor(${PRODUCTS} * power(random(), 2.2))::int as pidx from generate_series(1, ${LINES})) e
       join bench_products p on p.idx = e.pidx`,
    );
    await c.query(`update order_counter set last_number = (select max(number) from orders)`);
    await c.query('commit');
    for (const t of ['orders', 'order_lines', 'payments', 'refund_lines', 'reco_events', 'products', 'variants', 'collection_products'])
      await c.query(`analyze "${schema.replaceAll('"', '""')}".${t}`);
    const count = async (t: string, where = '') =>
      Number((await c.query(`select count(*)::int as n from "${schema.replaceAll('"', '""')}".${t} ${where}`)).rows[0].n);
    return {
      orders: await count('orders'),
      lines: await count('order_lines'),
      refunds: await count('payments', `where kind = 'refund'`),
      events: await count('reco_events'),
    };
  } catch (e) {
    await c.query('rollback').catch(() => {});
    throw e;
  } finally {
    await c.end();
  }
}

/** `npm run analytics:rebuild -- --store <id>` as a child process on the bench database. */
function rebuild(databaseUrl: string, storeId: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', 'scripts/analytics-rebuild.ts', '--store', storeId], {
      cwd: ROOT,
      env: childEnv({ DATABASE_URL: databaseUrl, NODE_ENV: 'production' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.once('error', reject);
    p.once('close', (code) => {
      if (code !== 0) return reject(new Error(`analytics:rebuild exited ${code}: ${err.slice(-1000)}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1) ?? ''));
      } catch {
        reject(new Error(`analytics:rebuild printed no result: ${out.slice(-500)} ${err.slice(-500)}`));
      }
    });
  });
}

async function timeRuns(n: number, fn: () => Promise<void>): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await fn();
    ms.push(performance.now() - started);
  }
  return ms;
}

export async function analyticsFigures(o: { logLevel: string; common: Record<string, unknown> }): Promise<void> {
  let database: BenchDatabase | null = null;
  let cp: ChildServer | null = null;
  try {
    database = await createBenchDatabase('analytics');
    cp = await startRedisControlPlane(database.url, o.logLevel, 'control-plane-analytics');
    const base = `http://127.0.0.1:${cp.port}`;
    const email = `bench-${randomSuffix()}@example.com`;
    const signup = await call(base, 'POST', '/api/v1/auth/signup', { body: { email, password: 'correct horse battery staple', name: 'Bench Merchant' } });
    expectStatus(signup, 201, 'signup');
    const cookie = (signup.headers.getSetCookie().find((x) => x.startsWith('storeloom_session=')) ?? '').split(';')[0] ?? '';
    const store = await call(base, 'POST', '/api/v1/stores', { cookie, body: { name: 'Bench Analytics', slug: `bench-${randomSuffix()}`, currency: 'USD' } });
    expectStatus(store, 201, 'store creation');
    const token = await call(base, 'POST', '/api/v1/me/api-tokens', { cookie, body: { name: 'bench', scopes: ['read_orders'] } });
    expectStatus(token, 201, 'API token creation');
    const storeId = store.body.id as string;
    // The oracle runs its six queries of a period at once; with fewer connections the ones waiting for a connection
    // give up after the pool's 10 s connect timeout when a 365-day query holds one longer (it did: 'timeout exceeded').
    const { db, close } = await openDatabase(database.url, 8);
    try {
      const schema = (await db.control.selectFrom('stores').select('schema_name').where('id', '=', storeId).executeTakeFirstOrThrow()).schema_name;
      progress(`generating ${LINES.toLocaleString('en')} order lines over ${DAYS} days in ${schema}`);
      const genStarted = performance.now();
      const data = await generate(database.url, schema);
      const generateS = (performance.now() - genStarted) / 1000;
      emit({ bench: 'analytics.generate', metric: 'seconds', value: generateS, target: null, ...data, days: DAYS, products: PRODUCTS, ...o.common });
      if (data.lines !== LINES) throw new Error(`generated ${data.lines} order lines, expected ${LINES}`);

      progress('npm run analytics:rebuild -- --store <id>');
      const rebuildStarted = performance.now();
      const rebuilt = await rebuild(database.url, storeId);
      const rebuildS = (performance.now() - rebuildStarted) / 1000;
      const t = db.tenant(schema);
      const aggregateRows = await t
        .selectFrom('analytics_daily')
        .select(sql<number>`count(*)::int`.as('n'))
        .executeTakeFirstOrThrow()
        .then(async (d) => ({
          daily: d.n,
          product_daily: (await t.selectFrom('analytics_product_daily').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()).n,
        }));
      emit({ bench: 'analytics.rebuild', metric: 'seconds', value: rebuildS, target: null, ...rebuilt, aggregate_rows: aggregateRows, ...o.common });

      const yesterday = new Date(Date.now() - 86_400_000);
      for (const [bench, metric] of FIGURES) {
        const days = bench.endsWith('30d') ? 30 : 365;
        const range: DateRange = { from: day(new Date(yesterday.getTime() - (days - 1) * 86_400_000)), to: day(yesterday) };
        const previous: DateRange = {
          from: day(new Date(Date.parse(`${range.from}T00:00:00Z`) - days * 86_400_000)),
          to: day(new Date(Date.parse(`${range.from}T00:00:00Z`) - 86_400_000)),
        };
        try {
          const url = `/api/v1/stores/${storeId}/analytics/sales?from=${range.from}&to=${range.to}&compare=previous_period`;
          const auth = { token: token.body.token as string };
          let report: Record<string, any> = {};
          const get = async () => {
            const r = await call(base, 'GET', url, auth);
            expectStatus(r, 200, 'sales report');
            report = r.body;
          };
          progress(`${bench}: ${range.from}..${range.to} with ${previous.from}..${previous.to}`);
          await timeRuns(3, get);
          const api = await timeRuns(DASHBOARD_REQUESTS, get);
          // The oracle's figures for both periods (summary, top products and collections, markets, funnel, daily series).
          const raw = async () => {
            for (const r of [range, previous])
              await Promise.all([rawSummary(t, r), rawTopProducts(t, r), rawTopCollections(t, r), rawMarkets(t, r), rawFunnel(t, r), rawDaily(t, r)]);
          };
          const rawSum = await rawSummary(t, range);
          await raw();
          const rawMs = await timeRuns(RAW_RUNS, raw);
          // Same-currency parts of the figures must agree, or the bench would compare different work.
          const agg = (await salesReport(t, { range, compare: false, currency: 'USD' })).summary;
          const matches = (['orders', 'units', 'grossSales', 'discounts'] as const).every((k) => agg[k] === rawSum[k] && report.summary?.[k] === rawSum[k]);
          if (!matches) throw new Error(`dashboard and raw figures differ: ${JSON.stringify({ api: report.summary, raw: rawSum })}`);
          const apiP95 = pct(api, 95);
          const rawP95 = pct(rawMs, 95);
          emit({
            bench,
            metric,
            value: apiP95 / rawP95,
            target: TARGET,
            dashboard_p95_ms: apiP95,
            dashboard_p50_ms: pct(api, 50),
            dashboard_requests: DASHBOARD_REQUESTS,
            raw_p95_ms: rawP95,
            raw_p50_ms: pct(rawMs, 50),
            raw_runs: RAW_RUNS,
            raw_via: 'packages/analytics/test/raw.ts in the bench process (no HTTP), both periods',
            range_days: days,
            orders_in_range: rawSum.orders,
            order_lines: LINES,
            figures_match: matches,
            ...o.common,
          });
        } catch (e) {
          emitError(bench, metric, TARGET, e, { ...o.common });
        }
      }
    } finally {
      await close();
    }
  } catch (e) {
    for (const [bench, metric] of FIGURES) emitError(bench, metric, TARGET, e, { ...o.common, phase: 'setup' });
  } finally {
    await cp?.stop();
    await database?.drop();
  }
}

/** The daily series straight from the raw tables: one grouped query per table (what the per-day oracle loop computes). */
async function rawDaily(t: Parameters<typeof rawSummary>[0], r: DateRange) {
  const from = new Date(`${r.from}T00:00:00Z`);
  const to = new Date(Date.parse(`${r.to}T00:00:00Z`) + 86_400_000);
  const d = sql`date_trunc('day', o.paid_at at time zone 'UTC')`;
  const sales = await t
    .selectFrom('orders as o')
    .select([
      d.as('d'),
      sql<number>`count(*)`.as('orders'),
      sql<number>`sum(o.store_subtotal)`.as('gross'),
      sql<number>`sum(o.store_discount_total)`.as('discounts'),
      sql<number>`sum(o.store_shipping)`.as('shipping'),
      sql<number>`sum(o.store_tax)`.as('tax'),
      sql<number>`sum(o.store_total)`.as('total'),
    ])
    .where('o.paid_at', '>=', from)
    .where('o.paid_at', '<', to)
    .where('o.payment_status', 'in', ['paid', 'partially_refunded', 'refunded'])
    .groupBy(d)
    .execute();
  const units = await t
    .selectFrom('order_lines as l')
    .innerJoin('orders as o', 'o.id', 'l.order_id')
    .select([d.as('d'), sql<number>`sum(l.quantity)`.as('units')])
    .where('o.paid_at', '>=', from)
    .where('o.paid_at', '<', to)
    .where('o.payment_status', 'in', ['paid', 'partially_refunded', 'refunded'])
    .groupBy(d)
    .execute();
  const pd = sql`date_trunc('day', p.created_at at time zone 'UTC')`;
  const refunds = await t
    .selectFrom('payments as p')
    .select([pd.as('d'), sql<number>`sum(p.amount)`.as('refunds')])
    .where('p.kind', '=', 'refund')
    .where('p.status', '=', 'succeeded')
    .where('p.created_at', '>=', from)
    .where('p.created_at', '<', to)
    .groupBy(pd)
    .execute();
  return { sales, units, refunds };
}
