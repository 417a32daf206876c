/**
 * `npm run bench:reco`: the recommender measured through the same path a store uses.
 *
 *   npm run bench:reco -- [--train-end YYYY-MM-DD] [--test-end YYYY-MM-DD] [--out DIR]
 *
 * 1. ../shared/bench/reco/split.mjs writes the split (options passed through);
 * 2. a fresh database + a store created through the control-plane API; the
 *    catalogue (items.csv) goes in through the product CSV import job;
 * 3. TRAIN purchases go in through `RecoEventService.recordPurchases` (the
 *    seam paid orders use), one purchase per invoice;
 * 4. the training job runs in a real worker process (apps/worker/src/main.ts,
 *    Redis queues), whose peak RSS is read from /proc;
 * 5. predictions come from the storefront HTTP endpoint
 *    GET /api/storefront/v1/recommendations (home slot per test customer —
 *    `fresh=1` for the "new" task — and product slot per query item);
 * 6. evaluate.mjs scores the three files; its JSON line is printed last.
 *
 * The bench identifies the test customer with a header that only this
 * harness's identify hook trusts (the storefront's customer session is not
 * built yet); everything else is the production code path.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { createTestDatabase } from '@storeloom/db/testing';
import { loadEnv, testEnvSchema } from '@storeloom/env';
import { createLogger } from '@storeloom/log';
import { trainRecommendationsJob, Queues } from '@storeloom/jobs';
import { RecoEventService, type PurchaseInput } from '@storeloom/reco/store';
import { Hono } from 'hono';
import { createRecoApi } from '../../../apps/storefront/src/api/reco.ts';
import { TenantResolver } from '../../../apps/storefront/src/tenant.ts';
import { createControlPlaneApp } from '../../../apps/control-plane/src/app.ts';
import { buildServices } from '../../../apps/control-plane/src/services.ts';
import { loadSplit, parseCsvLine } from './load.ts';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..', '..');
const benchDir = resolve(repoRoot, '..', 'shared', 'bench', 'reco');
const log = (m: string) => process.stderr.write(`bench:reco: ${m}\n`);

const argv = process.argv.slice(2);
const pass: string[] = [];
let out = resolve(here, '..', '.bench-platform-out');
for (let i = 0; i < argv.length; i++) {
  const a = argv[i] as string;
  const v = argv[i + 1];
  if ((a === '--train-end' || a === '--test-end') && v !== undefined) {
    pass.push(a, v);
    i++;
  } else if (a === '--out' && v !== undefined) {
    out = resolve(v);
    i++;
  } else {
    log('usage: npm run bench:reco -- [--train-end YYYY-MM-DD] [--test-end YYYY-MM-DD] [--out DIR]');
    process.exit(2);
  }
}
if (!existsSync(join(benchDir, 'split.mjs'))) {
  log(`split script not found under ${benchDir}`);
  process.exit(2);
}
const splitDir = join(out, 'split');
mkdirSync(splitDir, { recursive: true });
const runNode = (script: string, args: string[]) => {
  const r = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) {
    process.stderr.write(r.stderr);
    process.exit(r.status ?? 1);
  }
  return r.stdout;
};
runNode(join(benchDir, 'split.mjs'), ['--out', splitDir, ...pass]);
const split = loadSplit(splitDir);
const prices = new Map(
  readFileSync(join(splitDir, 'items.csv'), 'utf8')
    .split('\n')
    .slice(1)
    .filter(Boolean)
    .map((l) => {
      const [item, , price] = parseCsvLine(l);
      return [item as string, price as string];
    }),
);

const env = loadEnv(testEnvSchema);
const testDb = await createTestDatabase(env.TEST_DATABASE_URL);
const prefix = `bench${randomBytes(4).toString('hex')}`;
const queues = new Queues({ redisUrl: env.TEST_REDIS_URL, databaseUrl: testDb.url, prefix });
const logger = createLogger({ level: 'silent' });
let worker: ChildProcess | undefined;
let server: ReturnType<typeof serve> | undefined;
const cleanUp = async () => {
  worker?.kill('SIGTERM');
  server?.close();
  await queues.obliterate().catch(() => {});
  await queues.close();
  await testDb.drop();
};

try {
  // Merchant + store through the control-plane API.
  const services = buildServices(testDb.db, queues, {
    publicUrl: 'http://localhost:3000',
    storeRootDomain: 'localhost',
    storefrontPort: 3001,
    storefrontProtocol: 'http',
    trustedOrigins: [],
    trustProxy: false,
    secureCookies: false,
    maxBodyBytes: 25 * 1024 * 1024,
  });
  const cp = createControlPlaneApp(services, logger);
  const api = async (method: string, path: string, body?: string, cookie?: string, type = 'application/json') => {
    const res = await cp.request(`http://localhost:3000/api/v1${path}`, {
      method,
      headers: { origin: 'http://localhost:3000', ...(body ? { 'content-type': type } : {}), ...(cookie ? { cookie } : {}) },
      ...(body ? { body } : {}),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
    return { body: JSON.parse(text) as any, cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] as string };
  };
  const { cookie } = await api(
    'POST',
    '/auth/signup',
    JSON.stringify({ email: `bench-${prefix}@example.com`, password: 'correct horse battery', name: 'Bench' }),
  );
  const store = (await api('POST', '/stores', JSON.stringify({ name: 'Online Retail', slug: prefix, currency: 'GBP' }), cookie)).body as {
    id: string;
    slug: string;
  };
  const schema = (await testDb.db.control.selectFrom('stores').select('schema_name').where('id', '=', store.id).executeTakeFirstOrThrow()).schema_name;

  // Worker process: imports the catalogue, then trains.
  const workerEnv = {
    ...process.env,
    DATABASE_URL: testDb.url,
    REDIS_URL: env.TEST_REDIS_URL,
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    WORKER_CONCURRENCY: '2',
  };
  worker = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'apps/worker/src/main.ts')], { env: workerEnv, stdio: ['ignore', 'ignore', 'inherit'] });

  const t0 = performance.now();
  const csvCell = (s: string) => `"${s.replace(/"/g, '""')}"`;
  const csv = [
    'Handle,Title,Body (HTML),Status,Variant SKU,Variant Price,Variant Inventory Qty',
    ...split.catalogue.map((c) => {
      const handle = `sku-${c.itemId
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, '')}`;
      const title = c.title.trim() || c.itemId;
      return [handle, csvCell(title), csvCell(title), 'active', csvCell(c.itemId), prices.get(c.itemId) ?? '1.00', '1000'].join(',');
    }),
  ].join('\n');
  const imp = (await api('POST', `/stores/${store.id}/imports?filename=items.csv`, csv, cookie, 'text/csv')).body as { id: string };
  for (;;) {
    const st = (await api('GET', `/stores/${store.id}/imports/${imp.id}`, undefined, cookie)).body as {
      status: string;
      errorCount: number;
      createdCount: number;
    };
    if (st.status === 'completed' || st.status === 'failed') {
      log(`catalogue import ${st.status}: ${st.createdCount} products, ${st.errorCount} errors (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
      break;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  const tenant = testDb.db.tenant(schema);
  const skuRows = await tenant.selectFrom('variants').select(['sku', 'product_id']).execute();
  const productOf = new Map(skuRows.map((r) => [r.sku as string, r.product_id]));
  const itemOf = new Map(skuRows.map((r) => [r.product_id, r.sku as string]));

  // TRAIN purchases: one recordPurchase per invoice.
  const t1 = performance.now();
  const orders = new Map<string, PurchaseInput>();
  for (const e of split.interactions) {
    const pid = productOf.get(e.itemId);
    if (!pid) continue;
    let o = orders.get(e.orderId as string);
    if (!o) {
      o = { orderId: e.orderId as string, customerId: e.customerId, at: new Date(e.timestamp), lines: [] };
      orders.set(e.orderId as string, o);
    }
    o.lines.push({ productId: pid, quantity: e.quantity });
  }
  const events = new RecoEventService(tenant);
  const all = [...orders.values()];
  for (let k = 0; k < all.length; k += 1000) await events.recordPurchases(all.slice(k, k + 1000));
  log(`recorded ${all.length} orders / ${split.interactions.length} lines (${((performance.now() - t1) / 1000).toFixed(1)} s)`);

  // Training in the worker process.
  const t2 = performance.now();
  const handle = await queues.enqueue(trainRecommendationsJob, { storeId: store.id, trigger: 'manual', runKey: 'bench' });
  let workerPeakKiB = 0;
  for (;;) {
    const status = readFileSync(`/proc/${worker.pid}/status`, 'utf8');
    workerPeakKiB = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
    const job = await queues.getJob('reco', handle.id as string);
    const state = await job?.getState();
    if (state === 'failed') throw new Error(`training failed: ${job?.failedReason}`);
    if (state === 'completed') break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const trainWallS = (performance.now() - t2) / 1000;
  const run = await tenant.selectFrom('reco_models').selectAll().orderBy('version', 'desc').executeTakeFirstOrThrow();

  // Serving over HTTP: the storefront's recommendation API behind its Host → store resolution.
  const resolver = new TenantResolver(testDb.db, 'localhost');
  const sf = new Hono<{ Variables: { store: any; requestId: string; logger: any } }>();
  sf.use('*', async (c, next) => {
    const s = await resolver.resolve(c.req.header('host') ?? '');
    if (!s) return c.text('no store', 404);
    c.set('store', s.store);
    c.set('logger', logger);
    await next();
  });
  sf.route('/api/storefront/v1', createRecoApi(testDb.db, { identify: (c) => c.req.header('x-bench-customer') ?? null }));
  server = serve({ fetch: sf.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((r) => server?.once('listening', r));
  const port = (server.address() as AddressInfo).port;
  const host = `${store.slug}.localhost`;
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const ask = async (query: string, customer?: string): Promise<string[]> => {
    // node:http, not fetch: fetch may not set the Host header that selects the store.
    const { status, text } = await new Promise<{ status: number; text: string }>((ok, fail) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          agent,
          path: `/api/storefront/v1/recommendations?${query}`,
          headers: { host, ...(customer ? { 'x-bench-customer': customer } : {}) },
        },
        (res) => {
          let data = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => {
            data += d;
          });
          res.on('end', () => ok({ status: res.statusCode ?? 0, text: data }));
        },
      );
      req.on('error', fail);
      req.end();
    });
    if (status !== 200) throw new Error(`recommendations ${query}: ${status} ${text}`);
    const body = JSON.parse(text) as { items: { productId: string }[] };
    return body.items.map((i) => itemOf.get(i.productId) as string);
  };
  const pool = async <T, R>(xs: readonly T[], f: (x: T) => Promise<R>, n = 8): Promise<R[]> => {
    const res: R[] = new Array(xs.length);
    let next = 0;
    await Promise.all(
      Array.from({ length: n }, async () => {
        while (next < xs.length) {
          const k = next++;
          res[k] = await f(xs[k] as T);
        }
      }),
    );
    return res;
  };
  const t3 = performance.now();
  const lines = (rows: object[]) => `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`;
  const allRows = await pool(split.users, async (u) => ({ user: u, items: await ask('slot=home&limit=20', u) }));
  const newRows = await pool(split.users, async (u) => ({ user: u, items: await ask('slot=home&fresh=1&limit=20', u) }));
  const qItems = [...new Set(split.queries.map((q) => q.item))];
  const alsoRows = await pool(qItems, async (it) => {
    const pid = productOf.get(it);
    return { item: it, items: pid ? await ask(`slot=product&productId=${pid}&limit=20`) : [] };
  });
  // Latency one request at a time (home slot for a known customer, product slot), p50 / p95.
  const lat: number[] = [];
  for (let k = 0; k < 200; k++) {
    const t = performance.now();
    if (k % 2) await ask('slot=home&limit=20', split.users[k % split.users.length]);
    else await ask(`slot=product&productId=${productOf.get(qItems[k % qItems.length] as string)}&limit=20`);
    lat.push(performance.now() - t);
  }
  lat.sort((x, y) => x - y);
  agent.destroy();
  const requests = allRows.length + newRows.length + alsoRows.length;
  const serveS = (performance.now() - t3) / 1000;
  writeFileSync(join(out, 'all.jsonl'), lines(allRows));
  writeFileSync(join(out, 'new.jsonl'), lines(newRows));
  writeFileSync(join(out, 'also.jsonl'), lines(alsoRows));

  const stats = run.stats as Record<string, number>;
  process.stdout.write(
    `${JSON.stringify({
      engine: '@storeloom/reco via store + worker + storefront API',
      model_version: run.version,
      train_job_s: Math.round((stats.durationMs ?? 0) / 100) / 10,
      train_job_cpu_s: Math.round((stats.cpuMs ?? 0) / 100) / 10,
      fit_s: Math.round((stats.fitMs ?? 0) / 100) / 10,
      fit_cpu_s: Math.round((stats.fitCpuMs ?? 0) / 100) / 10,
      train_wall_s: Math.round(trainWallS * 10) / 10,
      worker_peak_rss_mib: Math.round(workerPeakKiB / 102.4) / 10,
      job_peak_rss_mib: stats.peakRssMiB,
      orders: stats.orders,
      interactions: stats.interactions,
      products: stats.products,
      customers_with_lists: stats.customersWithLists,
      ease_items: stats.easeItems,
      holdout: run.metrics,
      requests,
      serve_s: Math.round(serveS * 10) / 10,
      ms_per_request_at_concurrency_8: Math.round(((serveS * 1000) / requests) * 8 * 100) / 100,
      sequential_ms_p50: Math.round((lat[100] as number) * 10) / 10,
      sequential_ms_p95: Math.round((lat[190] as number) * 10) / 10,
    })}\n`,
  );
  const base = ['--split', splitDir];
  process.stdout.write(
    runNode(join(benchDir, 'evaluate.mjs'), [
      ...base,
      '--pred-all',
      join(out, 'all.jsonl'),
      '--pred-new',
      join(out, 'new.jsonl'),
      '--pred-also',
      join(out, 'also.jsonl'),
    ]),
  );
} finally {
  await cleanUp();
}
