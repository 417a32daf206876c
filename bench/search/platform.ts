/**
 * The whole platform for the search benchmarks, as production runs it: the
 * control plane, the worker and the storefront, each the real entry point in
 * its own process, on one fresh database and one queue namespace.
 */
import { type ChildProcess, fork } from 'node:child_process';
import http from 'node:http';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queues } from '@storeloom/jobs';
import { type ChildServer, startServer } from '../lib/child.ts';
import { onCleanup } from '../lib/cleanup.ts';
import { ensureStorefrontBuilt } from '../../apps/storefront/src/build.ts';
import { childEnv, randomSuffix } from '../lib/env.ts';
import { CONTROL_PLANE_MAIN, ROOT } from '../lib/paths.ts';
import { progress } from '../lib/report.ts';

const WORKER_MAIN = join(ROOT, 'apps/worker/src/main.ts');
const STOREFRONT_MAIN = join(ROOT, 'apps/storefront/src/main.ts');

export interface SearchPlatform {
  api: string;
  storefrontPort: number;
  cp: ChildServer;
  storefront: ChildServer;
  stopWorker(): Promise<void>;
}

/** The worker reports readiness without a port, so it is started here rather than with startServer. */
async function startWorker(env: Record<string, string>, logDir: string): Promise<() => Promise<void>> {
  const logFile = join(logDir, `worker-${randomSuffix(3)}.log`);
  const fd = openSync(logFile, 'a');
  const proc: ChildProcess = fork(WORKER_MAIN, [], { cwd: ROOT, env, execArgv: ['--import', 'tsx'], stdio: ['ignore', fd, fd, 'ipc'] });
  closeSync(fd);
  const stop = onCleanup('stop worker', async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const kill = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      proc.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      proc.kill('SIGTERM');
    });
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start: ${readFileSync(logFile, 'utf8').slice(-2000)}`)), 60_000);
    proc.on('message', (m: unknown) => {
      if ((m as { type?: string } | null)?.type === 'listening') {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited (${code}): ${readFileSync(logFile, 'utf8').slice(-2000)}`));
    });
  });
  progress(`worker started (pid ${proc.pid})`);
  return stop;
}

export async function startSearchPlatform(o: {
  databaseUrl: string;
  redisUrl?: string;
  queuePgSchema?: string;
  logLevel?: string;
  workerConcurrency?: number;
  logDir: string;
  /** Extra environment for all three processes (e.g. rate limits off for load tests). */
  env?: Record<string, string>;
}): Promise<SearchPlatform> {
  // The storefront process renders a Vite build of its UI: build it when missing or stale.
  await ensureStorefrontBuilt({ quiet: true });
  const prefix = `bench_${randomSuffix()}`;
  if (o.redisUrl) {
    const redisUrl = o.redisUrl;
    onCleanup(`remove queue prefix ${prefix}`, async () => {
      const q = new Queues({ redisUrl, databaseUrl: o.databaseUrl, prefix });
      await q.obliterate().catch(() => {});
      await q.close();
    });
  }
  const common = {
    NODE_ENV: 'production',
    DATABASE_URL: o.databaseUrl,
    REDIS_URL: o.redisUrl,
    QUEUE_PREFIX: prefix,
    QUEUE_PG_SCHEMA: o.queuePgSchema,
    HOST: '127.0.0.1',
    LOG_LEVEL: o.logLevel ?? 'warn',
    STORE_ROOT_DOMAIN: 'localhost',
    STOREFRONT_SECRET: `bench-${randomSuffix()}${randomSuffix()}${randomSuffix()}`,
    ...o.env,
  };
  const cp = await startServer('control-plane', CONTROL_PLANE_MAIN, { env: childEnv({ ...common, PORT: '0' }) });
  const stopWorker = await startWorker(childEnv({ ...common, WORKER_CONCURRENCY: String(o.workerConcurrency ?? 2) }), o.logDir);
  // The load comes from one client address: no per-IP/per-store rate limits (0 = off) in the bench.
  const storefront = await startServer('storefront', STOREFRONT_MAIN, {
    env: childEnv({ ...common, STOREFRONT_PORT: '0', RATE_LIMIT_PER_IP: '0', RATE_LIMIT_PER_STORE: '0' }),
  });
  return { api: `http://127.0.0.1:${cp.port}`, storefrontPort: storefront.port, cp, storefront, stopWorker };
}

export async function call(baseUrl: string, method: string, path: string, opts: { cookie?: string; body?: unknown; csv?: string } = {}) {
  const headers: Record<string, string> = {};
  if (method !== 'GET') headers.origin = baseUrl;
  if (opts.cookie) headers.cookie = opts.cookie;
  let body: string | undefined;
  if (opts.csv !== undefined) {
    headers['content-type'] = 'text/csv';
    body = opts.csv;
  } else if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  let res: Response;
  try {
    res = await fetch(`${baseUrl}${path}`, { method, headers, body });
  } catch (e) {
    throw new Error(`${method} ${path}: ${e instanceof Error ? `${e.message} (${String((e as { cause?: unknown }).cause)})` : String(e)}`);
  }
  const text = await res.text();
  let parsed: any = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = text;
  }
  if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 500)}`);
  return { status: res.status, body: parsed, headers: res.headers };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A merchant with one store; returns the session cookie and the store. */
export async function merchantWithStore(api: string): Promise<{ cookie: string; storeId: string; slug: string }> {
  const email = `bench-${randomSuffix()}@example.com`;
  const signup = await call(api, 'POST', '/api/v1/auth/signup', { body: { email, password: 'correct horse battery staple', name: 'Bench Merchant' } });
  const cookie = (signup.headers.getSetCookie().find((c) => c.startsWith('storeloom_session=')) ?? '').split(';')[0] ?? '';
  const slug = `search-${randomSuffix()}`;
  const store = await call(api, 'POST', '/api/v1/stores', { cookie, body: { name: 'Search Bench', slug, currency: 'USD' } });
  await call(api, 'POST', `/api/v1/stores/${store.body.id}/launch`, { cookie });
  return { cookie, storeId: store.body.id, slug };
}

export const CSV_HEADER = ['Handle', 'Title', 'Body (HTML)', 'Vendor', 'Type', 'Tags', 'Variant SKU', 'Variant Price', 'Variant Inventory Qty', 'Status'];
const quote = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
const html = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export interface CsvProduct {
  handle: string;
  title: string;
  description: string;
  vendor?: string;
  type?: string;
  tags?: string[];
  sku: string;
  price: string;
  qty: number;
}

/** A Shopify product CSV (descriptions as HTML-escaped text, as an export carries them). */
export function toCsv(products: CsvProduct[]): string {
  const lines = [CSV_HEADER.join(',')];
  for (const p of products)
    lines.push(
      [p.handle, p.title, html(p.description), p.vendor ?? '', p.type ?? '', (p.tags ?? []).join(', '), p.sku, p.price, String(p.qty), 'active']
        .map(quote)
        .join(','),
    );
  return `${lines.join('\n')}\n`;
}

/** Uploads CSVs through the merchant import API and waits for each import, then for the index to hold every active product. */
export async function importAndIndex(api: string, cookie: string, storeId: string, csvs: string[]): Promise<{ importMs: number; indexWaitMs: number }> {
  const t0 = Date.now();
  const uploads = [];
  for (const [i, csv] of csvs.entries()) uploads.push(await call(api, 'POST', `/api/v1/stores/${storeId}/imports?filename=bench-${i}.csv`, { cookie, csv }));
  for (const [i, up] of uploads.entries()) {
    for (;;) {
      const rec = await call(api, 'GET', `/api/v1/stores/${storeId}/imports/${up.body.id}`, { cookie });
      if (rec.body.status === 'completed' || rec.body.status === 'failed') {
        progress(
          `import ${i + 1}/${csvs.length}: ${rec.body.status}, ${rec.body.createdCount} created, ${rec.body.errorCount} errors (${((Date.now() - t0) / 1000).toFixed(0)} s)`,
        );
        if (rec.body.status === 'failed') throw new Error(`import failed: ${JSON.stringify(rec.body.errors).slice(0, 500)}`);
        break;
      }
      await sleep(1000);
    }
  }
  const importMs = Date.now() - t0;
  const t1 = Date.now();
  for (;;) {
    const s = await call(api, 'GET', `/api/v1/stores/${storeId}/search/status`, { cookie });
    if (s.body.documents === s.body.activeProducts && s.body.activeProducts > 0) {
      progress(`index holds ${s.body.documents} products`);
      break;
    }
    if (Date.now() - t1 > 30 * 60_000) throw new Error(`index stuck at ${s.body.documents}/${s.body.activeProducts}`);
    await sleep(500);
  }
  return { importMs, indexWaitMs: Date.now() - t1 };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** GET through the storefront's Host-header routing (`<slug>.localhost` need not resolve on this machine). */
export async function storefrontGet(port: number, host: string, path: string): Promise<{ status: number; body: string }> {
  try {
    return await getOnce(port, host, path);
  } catch (e) {
    // A kept-alive socket the server closed while idle: a GET is safe to send again once.
    if ((e as { code?: string }).code === 'ECONNRESET') return getOnce(port, host, path);
    throw e;
  }
}

function getOnce(port: number, host: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'GET', headers: { host }, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
