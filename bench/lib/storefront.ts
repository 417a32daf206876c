/**
 * Storefront figures (`--only storefront`):
 *   storefront.product-page             SSR product page over HTTP (the real storefront process, autocannon with a
 *                                       store Host header) vs a bare Hono handler serving a pre-rendered copy of
 *                                       the same HTML, same run (>= 0.5)
 *   storefront.product-page.many-stores the same page with N stores in the database vs 1 (>= 0.8)
 *   storefront.home-page, .collection-page  the home page and a 9-product collection page, each vs a pre-rendered copy
 *                                       of its own HTML, same run (>= 0.5)
 *   storefront.product-page.cpu         server CPU µs per product page and per static copy over 3,000 requests each,
 *                                       cpu_ratio = static / SSR (reported; robust to the machine's load)
 *   storefront.sql-per-product-page     SQL statements of one product page with a warm tenant cache (<= 5)
 *   storefront.sql-per-checkout         SQL statements of one checkout POST (<= 30)
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CollectionService, ProductService, UNLIMITED_CATALOG } from '@storeloom/catalog';
import { CartService } from '@storeloom/commerce';
import { createDatabase, type Database } from '@storeloom/db';
import { createLogger } from '@storeloom/log';
import { createStorefrontApp } from '../../apps/storefront/src/app.ts';
import { ensureStorefrontBuilt } from '../../apps/storefront/src/build.ts';
import { type ChildServer, startServer } from './child.ts';
import { onCleanup } from './cleanup.ts';
import { type BenchDatabase, createBenchDatabase, openDatabase } from './database.ts';
import { childEnv, REDIS_URL, randomSuffix } from './env.ts';
import { processCpuUs } from './cpu.ts';
import { type LoadResult, runLoad } from './load.ts';
import { emit, emitError, progress } from './report.ts';
import { createOwner, provisionStores } from './stores.ts';

const STOREFRONT_MAIN = fileURLToPath(new URL('../../apps/storefront/src/main.ts', import.meta.url));
export const STATIC_SERVER = fileURLToPath(new URL('../static-page-server.ts', import.meta.url));

type Load = (label: string, url: string, headers?: Record<string, string>, durationS?: number) => Promise<LoadResult>;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** GET with an explicit Host header (fetch does not let us set it). */
export function getPage(url: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { host } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

interface Shop {
  database: BenchDatabase;
  slug: string;
  storeId: string;
  schema: string;
  variantId: string;
}

/** A database with one shop (a product with three variants and an image) plus `extra` filler stores. */
export async function shopDatabase(label: string, extra: number): Promise<Shop> {
  const database = await createBenchDatabase(label);
  const { db, close } = await openDatabase(database.url);
  try {
    const owner = await createOwner(db);
    await provisionStores(db, owner, 1 + extra, 4);
    const store = await db.control.selectFrom('stores').select(['id', 'slug', 'schema_name']).orderBy('created_at').limit(1).executeTakeFirstOrThrow();
    const product = await new ProductService(db.tenant(store.schema_name), UNLIMITED_CATALOG).create({
      title: 'Washed Linen Shirt',
      description: 'Breathable washed linen with a relaxed fit. Made in Portugal from European flax.',
      status: 'active',
      vendor: 'Atelier Nord',
      productType: 'Shirts',
      tags: ['linen', 'summer'],
      options: [{ name: 'Size', values: ['S', 'M', 'L'] }],
      variants: ['S', 'M', 'L'].map((s, i) => ({ sku: `BENCH-${s}`, price: 5900 + i * 500, inventoryQuantity: 1_000_000, options: { Size: s } })),
      images: [{ url: 'https://images.example.com/linen-shirt.jpg', alt: 'Linen shirt' }],
    } as never);
    const companions: string[] = [];
    for (let i = 0; i < 8; i++)
      companions.push(
        (
          await new ProductService(db.tenant(store.schema_name), UNLIMITED_CATALOG).create({
            title: `Companion ${i}`,
            status: 'active',
            variants: [{ sku: `COMP-${i}`, price: 1000 + i, inventoryQuantity: 5 }],
          } as never)
        ).id,
      );
    // The collection page figure reads this one: the shirt and its eight companions.
    await new CollectionService(db.tenant(store.schema_name)).create({ title: 'Summer', handle: 'summer', productIds: [product.id, ...companions] });
    return { database, slug: store.slug, storeId: store.id, schema: store.schema_name, variantId: product.variants[1]?.id as string };
  } finally {
    await close();
  }
}

/** `entry`: another checkout's apps/storefront/src/main.ts (bench/tools/profile-storefront.ts --base, an A/B). */
export function startStorefront(name: string, databaseUrl: string, logLevel: string, entry = STOREFRONT_MAIN): Promise<ChildServer> {
  const prefix = `bench_${randomSuffix()}`;
  return startServer(name, entry, {
    env: childEnv({
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      REDIS_URL,
      QUEUE_PREFIX: prefix,
      STOREFRONT_PORT: '0',
      HOST: '127.0.0.1',
      STORE_ROOT_DOMAIN: 'localhost',
      STOREFRONT_SECRET: `bench-${randomSuffix(16)}`,
      LOG_LEVEL: logLevel,
      // Load comes from one address at thousands of requests per second: limits would measure the limiter
      // (the per-IP limit answered most of the warm-up with 429, so the page figures were never measured).
      RATE_LIMIT_PER_IP: '0',
      RATE_LIMIT_PER_STORE: '0',
    }),
  });
}

async function countStatements(shop: Shop): Promise<{ productPage: number; checkout: number }> {
  const statements: string[] = [];
  const db: Database = createDatabase({ url: shop.database.url, poolMax: 4, onQuery: (s) => statements.push(s) });
  try {
    const app = createStorefrontApp(db, createLogger({ level: 'silent' }), {
      rootDomain: 'localhost',
      secret: 'bench-secret-0123456789abcdef0123',
      pageCacheTtlMs: 0,
    });
    const host = `${shop.slug}.localhost`;
    const get = (path: string) => app.request(`http://${host}${path}`, { headers: { host } });
    await get('/products/washed-linen-shirt'); // warms the tenant cache
    statements.length = 0;
    const page = await get('/products/washed-linen-shirt');
    if (page.status !== 200) throw new Error(`product page answered ${page.status}`);
    const productPage = statements.length;
    const carts = new CartService(db.tenant(shop.schema));
    const cart = await carts.findOrCreate(undefined);
    await carts.add(cart.id, shop.variantId, 1);
    statements.length = 0;
    const res = await app.request(`http://${host}/checkout`, {
      method: 'POST',
      headers: { host, origin: `http://${host}`, cookie: `sf_cart=${cart.token}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: 'bench@example.com', name: 'Bench', line1: '1 Road', city: 'Paris', postalCode: '75001', country: 'FR' }).toString(),
    });
    if (res.status !== 303) throw new Error(`checkout answered ${res.status}`);
    return { productPage, checkout: statements.length };
  } finally {
    await db.destroy();
  }
}

/** Server CPU µs per request (utime + stime from /proc) over a fixed number of requests: robust to the machine's load. */
export async function serverCpuPerRequest(o: { label: string; url: string; host?: string; pid: number; amount: number; connections: number }) {
  const before = processCpuUs(o.pid);
  const load = await runLoad({
    label: `${o.label} (CPU)`,
    url: o.url,
    headers: o.host ? { host: o.host } : undefined,
    connections: o.connections,
    durationS: 0,
    amount: o.amount,
  });
  const after = processCpuUs(o.pid);
  if (before === null || after === null) throw new Error(`cannot read the CPU time of pid ${o.pid} from /proc`);
  if (load.non2xx || load.errors) throw new Error(`${o.label}: ${load.non2xx} non-2xx, ${load.errors} errors`);
  return { us: (after - before) / load.requests, requests: load.requests };
}

/**
 * CPU per request of an SSR page and of its pre-rendered copy, same fixed number of requests each (static, SSR,
 * SSR, static): `cpu_ratio` = static µs / SSR µs is what the throughput ratio tends to on an otherwise idle machine
 * (both servers are single-threaded and CPU-bound), and it barely moves with other processes' load.
 */
export async function pageCpuFigure(o: {
  bench: string;
  ssr: { url: string; host: string; pid: number };
  copy: { url: string; pid: number };
  amount: number;
  connections: number;
  common: Record<string, unknown>;
}): Promise<void> {
  const run = (label: string, url: string, pid: number, host?: string) =>
    serverCpuPerRequest({ label, url, pid, amount: o.amount, connections: o.connections, ...(host ? { host } : {}) });
  const c1 = await run('static copy', o.copy.url, o.copy.pid);
  const s1 = await run('SSR', o.ssr.url, o.ssr.pid, o.ssr.host);
  const s2 = await run('SSR', o.ssr.url, o.ssr.pid, o.ssr.host);
  const c2 = await run('static copy', o.copy.url, o.copy.pid);
  const ssrUs = Math.min(s1.us, s2.us);
  const copyUs = Math.min(c1.us, c2.us);
  emit({
    bench: o.bench,
    metric: 'server_cpu_us_per_request',
    value: ssrUs,
    target: null,
    static_us: copyUs,
    cpu_ratio: copyUs / ssrUs,
    ssr_us_runs: [s1.us, s2.us],
    static_us_runs: [c1.us, c2.us],
    requests_per_run: o.amount,
    ...o.common,
  });
}

export async function storefrontFigures(o: { load: Load; warmUp: Load; stores: number; logLevel: string; common: Record<string, unknown> }): Promise<void> {
  const figures = [
    ['storefront.product-page', 'ratio_vs_static', '>=0.5'],
    ['storefront.product-page.many-stores', 'ratio_vs_1_store', '>=0.8'],
    ['storefront.home-page', 'ratio_vs_static', '>=0.5'],
    ['storefront.collection-page', 'ratio_vs_static', '>=0.5'],
    ['storefront.sql-per-product-page', 'statements', '<=5'],
    ['storefront.sql-per-checkout', 'statements', '<=30'],
  ] as const;
  let one: Shop;
  let many: Shop;
  try {
    progress('building the storefront UI if stale');
    await ensureStorefrontBuilt({ quiet: true });
    one = await shopDatabase('sf_one', 0);
    many = await shopDatabase('sf_many', o.stores - 1);
  } catch (e) {
    for (const [bench, metric, target] of figures) emitError(bench, metric, target, e, { phase: 'setup', ...o.common });
    return;
  }

  try {
    const counts = await countStatements(one);
    emit({
      bench: 'storefront.sql-per-product-page',
      metric: 'statements',
      value: counts.productPage,
      target: '<=5',
      cache: 'warm tenant cache, page cache off',
      ...o.common,
    });
    emit({ bench: 'storefront.sql-per-checkout', metric: 'statements', value: counts.checkout, target: '<=30', lines: 1, ...o.common });
  } catch (e) {
    emitError('storefront.sql-per-product-page', 'statements', '<=5', e, o.common);
    emitError('storefront.sql-per-checkout', 'statements', '<=30', e, o.common);
  }

  try {
    const sfOne = await startStorefront('storefront-one', one.database.url, o.logLevel);
    const sfMany = await startStorefront('storefront-many', many.database.url, o.logLevel);
    const path = '/products/washed-linen-shirt';
    const hostOne = { host: `${one.slug}.localhost` };
    const hostMany = { host: `${many.slug}.localhost` };
    const urlOne = `http://127.0.0.1:${sfOne.port}${path}`;
    const urlMany = `http://127.0.0.1:${sfMany.port}${path}`;
    const res = await getPage(urlOne, hostOne.host);
    if (res.status !== 200) throw new Error(`storefront product page answered ${res.status}`);
    const resMany = await getPage(urlMany, hostMany.host);
    if (resMany.status !== 200) throw new Error(`storefront product page (many stores) answered ${resMany.status}`);
    const dir = mkdtempSync(join(tmpdir(), 'storeloom-bench-page-'));
    const file = join(dir, 'page.html');
    writeFileSync(file, res.body);
    const stat = await startServer('static-page', STATIC_SERVER, { env: childEnv({ NODE_ENV: 'production' }), args: ['0', file] });
    onCleanup('stop static page server', () => stat.stop());
    const statUrl = `http://127.0.0.1:${stat.port}${path}`;

    await o.warmUp('static page', statUrl);
    await o.warmUp('storefront product page (1 store)', urlOne, hostOne);
    await o.warmUp(`storefront product page (${o.stores} stores)`, urlMany, hostMany);
    const s1 = await o.load('static page', statUrl);
    const a1 = await o.load('storefront product page (1 store)', urlOne, hostOne);
    const b1 = await o.load(`storefront product page (${o.stores} stores)`, urlMany, hostMany);
    const b2 = await o.load(`storefront product page (${o.stores} stores)`, urlMany, hostMany);
    const a2 = await o.load('storefront product page (1 store)', urlOne, hostOne);
    const s2 = await o.load('static page', statUrl);
    const staticRps = mean([s1.rps, s2.rps]);
    const oneRps = mean([a1.rps, a2.rps]);
    const manyRps = mean([b1.rps, b2.rps]);
    emit({
      bench: 'storefront.product-page',
      metric: 'ratio_vs_static',
      value: oneRps / staticRps,
      target: '>=0.5',
      rps: oneRps,
      rps_runs: [a1.rps, a2.rps],
      static_rps: staticRps,
      static_rps_runs: [s1.rps, s2.rps],
      latency_p50_ms: mean([a1.latencyP50Ms, a2.latencyP50Ms]),
      latency_p99_ms: Math.max(a1.latencyP99Ms, a2.latencyP99Ms),
      page_bytes: res.body.length,
      ...o.common,
    });
    emit({
      bench: 'storefront.product-page.many-stores',
      metric: 'ratio_vs_1_store',
      value: manyRps / oneRps,
      target: '>=0.8',
      rps: manyRps,
      rps_runs: [b1.rps, b2.rps],
      one_store_rps: oneRps,
      stores: o.stores,
      ...o.common,
    });
    try {
      // CPU per request, robust to other processes' load (what changes are chosen by on a shared machine).
      await pageCpuFigure({
        bench: 'storefront.product-page.cpu',
        ssr: { url: urlOne, host: hostOne.host, pid: sfOne.pid },
        copy: { url: statUrl, pid: stat.pid },
        amount: 3000,
        connections: 20,
        common: { page_bytes: res.body.length, ...o.common },
      });
    } catch (e) {
      emitError('storefront.product-page.cpu', 'server_cpu_us_per_request', null, e, o.common);
    }
    // Home and collection pages: each against a pre-rendered copy of its own HTML, static / SSR / SSR / static.
    for (const [bench, pagePath] of [
      ['storefront.home-page', '/'],
      ['storefront.collection-page', '/collections/summer'],
    ] as const) {
      try {
        const url = `http://127.0.0.1:${sfOne.port}${pagePath}`;
        const page = await getPage(url, hostOne.host);
        if (page.status !== 200) throw new Error(`storefront ${pagePath} answered ${page.status}`);
        const copy = join(dir, `${bench}.html`);
        writeFileSync(copy, page.body);
        const copyServer = await startServer(`static-${bench}`, STATIC_SERVER, { env: childEnv({ NODE_ENV: 'production' }), args: ['0', copy] });
        try {
          const copyUrl = `http://127.0.0.1:${copyServer.port}${pagePath}`;
          await o.warmUp(`static copy of ${pagePath}`, copyUrl);
          await o.warmUp(`storefront ${pagePath}`, url, hostOne);
          const c1 = await o.load(`static copy of ${pagePath}`, copyUrl);
          const p1 = await o.load(`storefront ${pagePath}`, url, hostOne);
          const p2 = await o.load(`storefront ${pagePath}`, url, hostOne);
          const c2 = await o.load(`static copy of ${pagePath}`, copyUrl);
          const copyRps = mean([c1.rps, c2.rps]);
          const ssrRps = mean([p1.rps, p2.rps]);
          emit({
            bench,
            metric: 'ratio_vs_static',
            value: ssrRps / copyRps,
            target: '>=0.5',
            path: pagePath,
            rps: ssrRps,
            rps_runs: [p1.rps, p2.rps],
            static_rps: copyRps,
            static_rps_runs: [c1.rps, c2.rps],
            latency_p50_ms: mean([p1.latencyP50Ms, p2.latencyP50Ms]),
            latency_p99_ms: Math.max(p1.latencyP99Ms, p2.latencyP99Ms),
            page_bytes: page.body.length,
            ...o.common,
          });
        } finally {
          await copyServer.stop();
        }
      } catch (e) {
        emitError(bench, 'ratio_vs_static', '>=0.5', e, o.common);
      }
    }
    await sfOne.stop();
    await sfMany.stop();
  } catch (e) {
    emitError('storefront.product-page', 'ratio_vs_static', '>=0.5', e, o.common);
    emitError('storefront.product-page.many-stores', 'ratio_vs_1_store', '>=0.8', e, o.common);
  }
}
