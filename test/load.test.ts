/**
 * The storefront load test, short: 10 stores, 10 virtual shoppers for 10 s of mixed browse/search/cart/checkout
 * traffic through a real HTTP server (the storefront app on @hono/node-server, as apps/storefront/src/main.ts
 * serves it). Correctness, not speed: zero errors, and every placed checkout made exactly one order, paid
 * exactly once when the shopper paid. The long run with latency figures is `npm run bench -- --only load`.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createTestDatabase, type TestDatabase } from '@storeloom/db/testing';
import { createLogger } from '@storeloom/log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorefrontApp } from '../apps/storefront/src/app.ts';
import { checkOrders, runShoppers, type SeededStore, seedShops } from '../bench/lib/shoppers.ts';
import { createOwner } from '../bench/lib/stores.ts';
import { testEnv } from './helpers/platform.ts';

describe('storefront under mixed load (10 stores, 10 shoppers, 10 s)', () => {
  let testDb: TestDatabase;
  let server: ReturnType<typeof serve>;
  let baseUrl: string;
  let stores: SeededStore[];

  beforeAll(async () => {
    testDb = await createTestDatabase(testEnv.TEST_DATABASE_URL);
    stores = await seedShops(testDb.db, await createOwner(testDb.db), 10, 4);
    const app = createStorefrontApp(testDb.db, createLogger({ level: 'silent' }), { rootDomain: 'localhost', secret: 'load-test-secret-0123456789abcdef0123' });
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((resolve) => (server.listening ? resolve() : server.once('listening', () => resolve())));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 300_000);

  afterAll(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await testDb?.drop();
  });

  it('serves every request without an error and creates exactly one order per placed checkout', async () => {
    const r = await runShoppers({ baseUrl, stores, shoppers: 10, durationMs: 10_000, thinkMs: [50, 300] });
    expect(r.errors).toEqual([]);
    // The run exercised the whole flow, on more than one store.
    for (const kind of ['home', 'collection', 'product', 'search', 'cart-add', 'cart', 'checkout', 'pay', 'order'] as const)
      expect(r.latencies[kind].length, kind).toBeGreaterThan(0);
    expect(r.placed.size).toBeGreaterThan(1);

    const check = await checkOrders(testDb.db, stores, r);
    expect(check.problems).toEqual([]);
    expect(check.placedCheckouts).toBeGreaterThan(0);
    expect(check.ordersInDatabase).toBe(check.placedCheckouts);
    expect(check.paidInDatabase).toBe(check.completedCheckouts);
  }, 120_000);
});
