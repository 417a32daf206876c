/**
 * Storefront load test (`npm run bench -- --only load [--load stores,seconds,shoppers]`): the real control
 * plane, worker and storefront processes on a fresh database with N stores (six products, one collection
 * each), and closed-loop virtual shoppers (bench/lib/shoppers.ts) with think time doing home, collection,
 * product, search, add to cart, cart, checkout and manual payment across all stores.
 *
 * One JSON line per traffic kind (`load.storefront.<kind>`: p50/p95/p99 ms, requests, errors) and an overall
 * line (`load.storefront`, metric error_rate, target <= 0), plus `load.storefront.orders` (orders in the
 * database that do not match the checkouts the shoppers placed and paid, target <= 0). Any error makes
 * the run exit nonzero.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSearchPlatform } from '../search/platform.ts';
import { createBenchDatabase, openDatabase } from './database.ts';
import { REDIS_URL } from './env.ts';
import { emit, emitError, progress } from './report.ts';
import { checkOrders, KINDS, percentile, runShoppers, seedShops, transport } from './shoppers.ts';
import { createOwner } from './stores.ts';

export async function loadFigures(o: {
  stores: number;
  durationS: number;
  shoppers: number;
  thinkMs?: [number, number];
  common: Record<string, unknown>;
}): Promise<void> {
  const thinkMs = o.thinkMs ?? [300, 1500];
  const shape = { stores: o.stores, shoppers: o.shoppers, duration_s: o.durationS, think_ms: thinkMs, ...o.common };
  try {
    const database = await createBenchDatabase('load');
    const { db } = await openDatabase(database.url);
    const owner = await createOwner(db);
    progress(`seeding ${o.stores} stores with six products and a collection each`);
    const t0 = performance.now();
    const step = Math.max(1, Math.round(o.stores / 10));
    const stores = await seedShops(db, owner, o.stores, 4, (n) => {
      if (n % step === 0 || n === o.stores) progress(`  seeded ${n}/${o.stores}`);
    });
    progress(`seeded in ${((performance.now() - t0) / 1000).toFixed(0)} s; starting control plane, worker and storefront`);
    const platform = await startSearchPlatform({
      databaseUrl: database.url,
      redisUrl: REDIS_URL,
      logLevel: 'warn',
      logDir: mkdtempSync(join(tmpdir(), 'storeloom-load-')),
      // One client address sends everything: per-IP limits would measure the limiter.
      env: { RATE_LIMIT_PER_IP: '0', RATE_LIMIT_PER_STORE: '0' },
    });
    const baseUrl = `http://127.0.0.1:${platform.storefrontPort}`;
    progress(`load: ${o.shoppers} shoppers over ${o.stores} stores for ${o.durationS} s (think ${thinkMs[0]}–${thinkMs[1]} ms)`);
    const r = await runShoppers({ baseUrl, stores, shoppers: o.shoppers, durationMs: o.durationS * 1000, thinkMs });
    const all: number[] = [];
    for (const kind of KINDS) {
      const xs = r.latencies[kind];
      all.push(...xs);
      const errors = r.errors.filter((e) => e.kind === kind).length;
      emit({
        bench: `load.storefront.${kind}`,
        metric: 'p95_ms',
        value: percentile(xs, 95),
        target: null,
        p50_ms: percentile(xs, 50),
        p99_ms: percentile(xs, 99),
        max_ms: xs.length ? Math.max(...xs) : null,
        requests: xs.length,
        errors,
        ...shape,
      });
    }
    const requests = all.length + r.errors.filter((e) => e.status === 0).length;
    const check = await checkOrders(db, stores, r);
    for (const e of r.errors.slice(0, 10)) progress(`error: ${e.kind} ${e.method} ${e.path} → ${e.status}: ${e.detail}`);
    emit({
      bench: 'load.storefront',
      metric: 'error_rate',
      value: requests ? r.errors.length / requests : 1,
      target: '<=0',
      errors: r.errors.length,
      requests,
      requests_per_s: all.length / (r.durationMs / 1000),
      p50_ms: percentile(all, 50),
      p95_ms: percentile(all, 95),
      p99_ms: percentile(all, 99),
      sessions: r.sessions,
      checkouts_placed: check.placedCheckouts,
      checkouts_paid: check.completedCheckouts,
      measured_s: r.durationMs / 1000,
      first_errors: r.errors.slice(0, 5),
      reused_socket_retries: transport.reusedSocketRetries,
      ...shape,
    });
    emit({
      bench: 'load.storefront.orders',
      metric: 'mismatches',
      value: check.problems.length,
      target: '<=0',
      orders_in_database: check.ordersInDatabase,
      paid_in_database: check.paidInDatabase,
      checkouts_placed: check.placedCheckouts,
      checkouts_paid: check.completedCheckouts,
      problems: check.problems.slice(0, 10),
      ...shape,
    });
    await platform.stopWorker();
    await platform.storefront.stop();
    await platform.cp.stop();
  } catch (e) {
    emitError('load.storefront', 'error_rate', '<=0', e, shape);
  }
}
