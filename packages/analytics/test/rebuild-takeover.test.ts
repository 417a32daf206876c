/**
 * A rebuild killed with SIGKILL between two batches (a real child process: nothing of its own runs after the kill)
 * leaves `rebuild_id`, its heartbeat and its shadow rows behind; the worker keeps listing the orders it applies as dirty.
 * Once the heartbeat is older than the stale limit the sweep's check reports the rebuild abandoned, and the takeover
 * the worker runs (`rebuildAnalytics` with `onlyAbandoned`) resumes it where it stopped, folds the dirty orders in, and
 * leaves exactly the figures a clean rebuild gives. A live rebuild is never taken over by that check. Postgres 15.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Kysely, migrateTenant, newId, sql, type TenantDatabase } from '@storeloom/db';
import { createTestDatabase, type TestDatabase } from '@storeloom/db/testing';
import { loadEnv, testEnvSchema } from '@storeloom/env';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyticsBacklog, markOrderForAnalytics, parseRange, processPending, rebuildAnalytics, salesReport } from '../src/index.ts';

const DAY = 86_400_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const SCHEMA = 't_rebuild_takeover';

let orderNumber = 1;
async function insertOrder(t: Kysely<TenantDatabase>, email: string, at: Date, paid: boolean, lines: { quantity: number; unitPrice: number }[]) {
  const id = newId();
  const subtotal = lines.reduce((n, l) => n + l.quantity * l.unitPrice, 0);
  const tax = Math.round(subtotal * 0.1);
  const total = subtotal + 500 + tax;
  await t
    .insertInto('orders')
    .values({
      id,
      number: orderNumber++,
      status: 'open',
      payment_status: paid ? 'paid' : 'pending',
      email,
      currency: 'USD',
      subtotal,
      shipping: 500,
      tax,
      tax_included: false,
      total,
      discount_total: 0,
      item_count: lines.reduce((n, l) => n + l.quantity, 0),
      shipping_address: null,
      shipping_method: 'standard',
      payment_provider: 'manual',
      reservation_expires_at: new Date(at.getTime() + 900_000),
      paid_at: paid ? at : null,
      created_at: at,
      updated_at: at,
      market_id: null,
      store_currency: 'USD',
      exchange_rate: '1',
      store_subtotal: subtotal,
      store_shipping: 500,
      store_tax: tax,
      store_discount_total: 0,
      store_total: total,
    } as never)
    .execute();
  await t
    .insertInto('order_lines')
    .values(
      lines.map((l, i) => ({
        id: newId(),
        order_id: id,
        product_id: null,
        variant_id: null,
        title: 'Line',
        quantity: l.quantity,
        unit_price: l.unitPrice,
        total: l.quantity * l.unitPrice,
        discount_total: 0,
        position: i,
      })),
    )
    .execute();
  await markOrderForAnalytics(t, id);
  return id;
}

async function drain(t: Kysely<TenantDatabase>) {
  while ((await processPending(t, 13)).more);
}

/** The live aggregates, without the computed_at stamps. */
async function snapshot(t: Kysely<TenantDatabase>) {
  const [facts, daily, products, funnel] = await Promise.all([
    t.selectFrom('analytics_order_facts').select(['order_id', 'facts']).orderBy('order_id').execute(),
    t.selectFrom('analytics_daily').selectAll().orderBy('day').orderBy('currency').orderBy('market_id').execute(),
    t.selectFrom('analytics_product_daily').selectAll().orderBy('day').orderBy('product_id').execute(),
    t.selectFrom('analytics_funnel_daily').select(['day', 'sessions', 'product_views', 'add_to_cart', 'checkouts', 'orders']).orderBy('day').execute(),
  ]);
  return { facts, daily, products, funnel };
}

const count = async (t: Kysely<TenantDatabase>, table: 'analytics_rebuild_order_facts' | 'analytics_rebuild_dirty') =>
  Number((await t.selectFrom(table).select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()).n);

/** Runs the rebuild in a child process that SIGKILLs itself after `killAfter` batches; resolves with its exit signal. */
function killedRebuild(url: string, batch: number, killAfter: number): Promise<NodeJS.Signals | number | null> {
  const child = fork(fileURLToPath(new URL('./rebuild-kill-child.ts', import.meta.url)), [JSON.stringify({ url, schema: SCHEMA, batch, killAfter })], {
    execArgv: ['--import', 'tsx'],
    stdio: 'inherit',
  });
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
}

describe('an analytics rebuild killed midway', { timeout: 300_000 }, () => {
  let tdb: TestDatabase;
  let t: Kysely<TenantDatabase>;
  beforeAll(async () => {
    tdb = await createTestDatabase(loadEnv(testEnvSchema).TEST_DATABASE_URL, { poolMax: 4 });
    await migrateTenant(tdb.db, SCHEMA);
    t = tdb.db.tenant(SCHEMA);
    // 120 orders over 60 days from 25 buyers (returning ones among them), one in five still unpaid.
    for (let i = 0; i < 120; i++)
      await insertOrder(t, `b${i % 25}@example.com`, new Date(T0 + (i % 60) * DAY + i * 60_000), i % 5 !== 0, [
        { quantity: 1 + (i % 3), unitPrice: 1000 + 10 * i },
        { quantity: 1, unitPrice: 250 },
      ]);
    await drain(t);
  }, 120_000);
  afterAll(async () => {
    await tdb?.drop();
  });

  it('is reported abandoned once its heartbeat is stale, and the takeover completes it as a clean rebuild would', async () => {
    const before = await snapshot(t);
    expect(await killedRebuild(tdb.url, 10, 4)).toBe('SIGKILL');
    const left = await t.selectFrom('analytics_state').select(['rebuild_id', 'rebuild_heartbeat_at', 'rebuild_owner']).executeTakeFirstOrThrow();
    expect(left.rebuild_id).not.toBeNull();
    expect(left.rebuild_heartbeat_at).not.toBeNull();
    expect(left.rebuild_owner).toMatch(/:\d+$/);
    expect(await count(t, 'analytics_rebuild_order_facts')).toBeGreaterThan(0);
    // The live figures are untouched.
    expect(await snapshot(t)).toEqual(before);

    // While it lies abandoned, orders change and the worker applies them: an unpaid order the killed rebuild had
    // already passed (so only the dirty list brings it into the rebuilt figures) and one it had not reached get paid.
    const cursor = (await t.selectFrom('analytics_rebuild_order_facts').select('order_id').orderBy('order_id', 'desc').limit(1).executeTakeFirstOrThrow())
      .order_id;
    const unpaid = await t.selectFrom('orders').select(['id', 'created_at']).where('payment_status', '=', 'pending').orderBy('id').execute();
    const passed = unpaid.find((o) => o.id < cursor);
    const ahead = unpaid.find((o) => o.id > cursor);
    expect(passed, 'an unpaid order before the killed rebuild’s cursor').toBeDefined();
    expect(ahead, 'an unpaid order after it').toBeDefined();
    for (const o of [passed, ahead]) {
      if (!o) continue;
      await t
        .updateTable('orders')
        .set({ payment_status: 'paid', paid_at: new Date(new Date(o.created_at).getTime() + DAY) })
        .where('id', '=', o.id)
        .execute();
      await markOrderForAnalytics(t, o.id);
    }
    await drain(t);
    expect(await count(t, 'analytics_rebuild_dirty')).toBeGreaterThanOrEqual(2);
    const maintained = await snapshot(t);

    // Under the default stale limit (minutes) a rebuild that beat a moment ago is not abandoned; under a 1 s limit,
    // once a second has passed, the sweep's check reports it.
    expect((await analyticsBacklog(t)).abandonedRebuild).toBeNull();
    expect(await rebuildAnalytics(t, { onlyAbandoned: true })).toBeNull();
    for (const until = Date.now() + 30_000; (await analyticsBacklog(t, 1000)).abandonedRebuild === null; ) {
      if (Date.now() > until) throw new Error('the killed rebuild was never reported abandoned');
      await new Promise((r) => setTimeout(r, 200));
    }
    expect((await analyticsBacklog(t, 1000)).abandonedRebuild).toBe(left.rebuild_id);

    // The takeover (what the worker's analytics.resume-rebuild job runs) resumes after the cursor and requeues the dirty orders.
    const paidOrders = Number(
      (await t.selectFrom('orders').select(sql<number>`count(*)::int`.as('n')).where('paid_at', 'is not', null).executeTakeFirstOrThrow()).n,
    );
    const taken = await rebuildAnalytics(t, { onlyAbandoned: true, staleMs: 1000, batch: 10 });
    expect(taken).not.toBeNull();
    expect(taken?.resumed).toBe(true);
    expect(taken?.orders).toBeLessThan(paidOrders);
    expect(taken?.requeued).toBeGreaterThanOrEqual(2);
    const state = await t.selectFrom('analytics_state').select(['rebuild_id', 'rebuild_heartbeat_at', 'rebuild_owner']).executeTakeFirstOrThrow();
    expect(state).toEqual({ rebuild_id: null, rebuild_heartbeat_at: null, rebuild_owner: null });
    expect(await count(t, 'analytics_rebuild_dirty')).toBe(0);
    expect(await count(t, 'analytics_rebuild_order_facts')).toBe(0);
    await drain(t);
    const resumed = await snapshot(t);
    // Both late payments are in (the figures moved from the ones before them) and equal what the worker kept live.
    expect(resumed.daily).not.toEqual(before.daily);
    expect(resumed.facts).toEqual(maintained.facts);
    expect(resumed.daily).toEqual(maintained.daily);
    expect(resumed.products).toEqual(maintained.products);
    const all = parseRange('2026-01-01', '2026-03-31');
    const report = await salesReport(t, { range: all, compare: false, currency: 'USD', top: 50 });

    // A clean rebuild from scratch gives the same tables and report. While it runs, the takeover check leaves it alone.
    let checked = false;
    const clean = await rebuildAnalytics(t, {
      batch: 10,
      onProgress: async (p) => {
        if (p.phase !== 'orders' || checked) return;
        checked = true;
        expect(await rebuildAnalytics(t, { onlyAbandoned: true, staleMs: 60_000 })).toBeNull();
      },
    });
    expect(checked).toBe(true);
    expect(clean.resumed).toBe(false);
    expect(clean.orders).toBe(paidOrders);
    await drain(t);
    expect(await snapshot(t)).toEqual(resumed);
    expect(await salesReport(t, { range: all, compare: false, currency: 'USD', top: 50 })).toEqual(report);
  });
});
