/**
 * The zero-config start, end to end: `npm start`'s launcher with no
 * DATABASE_URL/REDIS_URL (embedded PGlite + BullMQ on Postgres), as a user
 * runs it: sign up, create a store and a product, restart, data still there.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rawEnv } from '@storeloom/env';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** fetch() may not override Host; storefronts are chosen by it. */
function getWithHost(port: number, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', headers: { host } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

interface Running {
  proc: ChildProcess;
  output: () => string;
}

async function startPlatform(env: Record<string, string>): Promise<Running> {
  const base = rawEnv();
  delete base.DATABASE_URL;
  delete base.REDIS_URL;
  const proc = spawn(process.execPath, ['--import', 'tsx', 'apps/platform/src/main.ts'], {
    cwd: root,
    env: { ...base, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (d) => (out += d));
  proc.stderr?.on('data', (d) => (out += d));
  // Generous: on a loaded 2-core machine, three TypeScript processes take a while to start.
  const deadline = Date.now() + 240_000;
  while (!out.includes('[storeloom] ready')) {
    if (proc.exitCode !== null) throw new Error(`platform exited early:\n${out}`);
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`platform did not become ready:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { proc, output: () => out };
}

async function stop(r: Running) {
  if (r.proc.exitCode !== null) return;
  const exited = new Promise((res) => r.proc.once('exit', res));
  r.proc.kill('SIGTERM');
  await exited;
}

describe('embedded platform (npm start with no configuration)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'storeloom-embedded-'));
  let running: Running | undefined;
  afterAll(async () => {
    if (running) await stop(running);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves the API, storefront and worker, and keeps data across a restart', async () => {
    const port = await freePort();
    const sfPort = await freePort();
    const env = { DATA_DIR: dataDir, PORT: String(port), STOREFRONT_PORT: String(sfPort) };
    running = await startPlatform(env);
    expect(running.output()).toContain('BullMQ on Postgres');
    const api = `http://localhost:${port}/api/v1`;
    let cookie = '';
    const call = async (method: string, path: string, body?: unknown, contentType = 'application/json') => {
      const res = await fetch(`${api}${path}`, {
        method,
        headers: { origin: `http://localhost:${port}`, ...(cookie ? { cookie } : {}), ...(body !== undefined ? { 'content-type': contentType } : {}) },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const sc = res.headers.get('set-cookie');
      if (sc) cookie = sc.split(';')[0] as string;
      return { status: res.status, body: (await res.json().catch(() => null)) as any };
    };

    expect((await call('POST', '/auth/signup', { email: 'owner@example.com', password: 'embedded mode works', name: 'Owner' })).status).toBe(201);
    const store = await call('POST', '/stores', { name: 'Tea House', slug: 'tea-house', currency: 'GBP' });
    expect(store.status).toBe(201);
    expect(store.body.status).toBe('active');
    // A new store shows "opening soon" to shoppers until the merchant launches it.
    expect((await call('POST', `/stores/${store.body.id}/launch`, {})).status).toBe(200);
    const product = await call('POST', `/stores/${store.body.id}/products`, {
      title: 'Earl Grey',
      status: 'active',
      variants: [{ sku: 'EG-100', price: 650, inventoryQuantity: 12 }],
    });
    expect(product.status).toBe(201);

    // A background job runs on the Postgres queue backend: CSV import.
    const imp = await call(
      'POST',
      `/stores/${store.body.id}/imports`,
      'Handle,Title,Variant SKU,Variant Price,Variant Inventory Qty,Status\nsencha,Sencha,SN-1,7.25,4,active\n',
      'text/csv',
    );
    expect(imp.status).toBe(202);
    const deadline = Date.now() + 30_000;
    let state = imp.body;
    while (state.status !== 'completed' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 300));
      state = (await call('GET', `/stores/${store.body.id}/imports/${imp.body.id}`)).body;
    }
    expect(state.status).toBe('completed');
    expect(state.createdCount).toBe(1);

    const page = await getWithHost(sfPort, `tea-house.localhost:${sfPort}`);
    expect(page.status).toBe(200);
    const html = page.body;
    expect(html).toContain('Earl Grey');
    expect(html).toContain('Sencha');

    await stop(running);
    running = await startPlatform(env);
    expect((await call('GET', `/stores/${store.body.id}/products/${product.body.id}`)).body.title).toBe('Earl Grey');
    const list = await call('GET', `/stores/${store.body.id}/products?sort=title`);
    expect(list.body.data.map((p: { title: string }) => p.title)).toEqual(['Earl Grey', 'Sencha']);
  }, 600_000);
});
