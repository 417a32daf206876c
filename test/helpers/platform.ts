/**
 * In-process control plane on a fresh, randomly named database of the
 * machine's Postgres, with queues on Redis or on Postgres under a random
 * prefix; or (`embedded`) on a fresh in-memory embedded PGlite server with the
 * queues on it, as `npm start` runs with no configuration. Everything is
 * dropped in `close()`.
 */
import { randomBytes } from 'node:crypto';
import { buildServices } from '../../apps/control-plane/src/services.ts';
import { createControlPlaneApp } from '../../apps/control-plane/src/app.ts';
import type { ControlPlaneConfig, Services } from '../../apps/control-plane/src/context.ts';
import { startWorkers, type RunningWorker } from '../../apps/worker/src/worker.ts';
import type { HandlerDeps } from '../../apps/worker/src/handlers.ts';
import type { Database } from '@storeloom/db';
import { createEmbeddedTestDatabase, createTestDatabase, type TestDatabase } from '@storeloom/db/testing';
import { loadEnv, testEnvSchema } from '@storeloom/env';
import { createLogger, type Logger } from '@storeloom/log';
import { Queues } from '@storeloom/jobs';
import type { ProvisioningHooks } from '@storeloom/stores';
import type { EgressPolicy } from '@storeloom/planning';

export const testEnv = loadEnv(testEnvSchema);
export const ORIGIN = 'http://localhost:3000';

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
  text: string;
}

export interface RequestOptions {
  body?: unknown;
  rawBody?: string;
  /** Binary body (e.g. an export archive), sent as bytes with `contentType`. */
  binary?: Uint8Array;
  /** Multipart body (sent as real bytes with its boundary, like a browser). */
  form?: FormData;
  contentType?: string;
  cookie?: string;
  token?: string;
  headers?: Record<string, string>;
  origin?: string | null;
}

export interface TestPlatform {
  db: Database;
  testDb: TestDatabase;
  queues: Queues;
  services: Services;
  request<T = any>(method: string, path: string, opts?: RequestOptions): Promise<ApiResponse<T>>;
  /** `extra`: further handler dependencies (e.g. the payment provider of privacy erasures). */
  startWorker(extra?: Partial<HandlerDeps>): Promise<RunningWorker>;
  close(): Promise<void>;
}

export async function startTestPlatform(
  opts: {
    queueBackend?: 'redis' | 'postgres';
    hooks?: ProvisioningHooks;
    config?: Partial<ControlPlaneConfig>;
    /** Further database clusters (id → URL) and the placement cache TTL. */
    database?: { clusters?: Record<string, string>; placementTtlMs?: number };
    /** Egress policy of the worker's CSV image fetches (tests serving images from loopback pass the local policy). */
    importEgress?: EgressPolicy;
    /** Loggers of the API and of the worker (default: silent), e.g. capturing ones for the log scan. */
    logger?: Logger;
    workerLogger?: Logger;
    /** Embedded PGlite (over its socket server) instead of the machine's Postgres; queues on it (no Redis). */
    embedded?: boolean;
  } = {},
): Promise<TestPlatform> {
  const testDb = opts.embedded ? await createEmbeddedTestDatabase({ poolMax: 8 }) : await createTestDatabase(testEnv.TEST_DATABASE_URL, opts.database);
  const prefix = `t${randomBytes(5).toString('hex')}`;
  const queues = new Queues({
    redisUrl: !opts.embedded && (opts.queueBackend ?? 'redis') === 'redis' ? testEnv.TEST_REDIS_URL : undefined,
    databaseUrl: testDb.url,
    prefix,
    // As the launcher sets it in embedded mode.
    pgSchema: opts.embedded ? 'public' : undefined,
  });
  const config: ControlPlaneConfig = {
    publicUrl: ORIGIN,
    storeRootDomain: 'localhost',
    storefrontPort: 3001,
    storefrontProtocol: 'http',
    trustedOrigins: [],
    trustProxy: false,
    secureCookies: false,
    maxBodyBytes: 25 * 1024 * 1024,
    // Suites create many stores per merchant; the creation caps have their own tests (plan-limits.test.ts).
    storeLimits: { perAccount: 0, freePerAccount: 0, createsPerHour: 0 },
    ...opts.config,
  };
  const logger = opts.logger ?? createLogger({ level: 'silent' });
  const workerLogger = opts.workerLogger ?? logger;
  const services = buildServices(testDb.db, queues, config, opts.hooks);
  const app = createControlPlaneApp(services, logger);
  const workers: RunningWorker[] = [];

  return {
    db: testDb.db,
    testDb,
    queues,
    services,
    async request(method, path, o = {}) {
      const headers: Record<string, string> = { ...o.headers };
      if (o.origin !== null && method !== 'GET') headers.origin = o.origin ?? ORIGIN;
      if (o.cookie) headers.cookie = o.cookie;
      if (o.token) headers.authorization = `Bearer ${o.token}`;
      let body: string | Uint8Array | undefined;
      if (o.form !== undefined) {
        const encoded = new Response(o.form);
        headers['content-type'] = encoded.headers.get('content-type') as string;
        body = new Uint8Array(await encoded.arrayBuffer());
      } else if (o.binary !== undefined) {
        body = o.binary;
        headers['content-type'] = o.contentType ?? 'application/octet-stream';
      } else if (o.rawBody !== undefined) {
        body = o.rawBody;
        headers['content-type'] = o.contentType ?? 'application/json';
      } else if (o.body !== undefined) {
        body = JSON.stringify(o.body);
        headers['content-type'] = o.contentType ?? 'application/json';
      }
      if (body !== undefined) headers['content-length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.length);
      const res = await app.request(`http://localhost:3000${path}`, { method, headers, body: body as never });
      const text = await res.text();
      let parsed: any = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        // not JSON
      }
      return { status: res.status, body: parsed, headers: res.headers, text };
    },
    async startWorker(extra = {}) {
      const w = await startWorkers(queues, {
        db: testDb.db,
        logger: workerLogger,
        concurrency: 2,
        retentionDays: 30,
        provisioningStaleSeconds: 1,
        // Plan limits hold in the worker exactly when billing is on in the API (as STRIPE_SECRET_KEY does for both).
        planLimits: Boolean(config.billing?.stripe),
        storage: services.storage,
        // The worker delivers alert webhooks under the same egress policy as the API that saved them.
        ...(opts.config?.webhookEgress ? { webhookEgress: opts.config.webhookEgress } : {}),
        ...(opts.importEgress ? { importImages: { egress: opts.importEgress, timeoutMs: 5000 } } : {}),
        ...extra,
      });
      workers.push(w);
      return w;
    },
    async close() {
      await queues.obliterate().catch(() => {});
      await Promise.allSettled(workers.map((w) => w.close()));
      await queues.close();
      await testDb.drop();
    },
  };
}

/** Signs a merchant up; returns the session cookie ("storeloom_session=…"). */
export async function signup(p: TestPlatform, email = `m${randomBytes(4).toString('hex')}@example.com`, name = 'Merchant') {
  const res = await p.request('POST', '/api/v1/auth/signup', { body: { email, password: 'correct horse battery', name } });
  if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${res.text}`);
  const setCookie = res.headers.get('set-cookie') ?? '';
  const cookie = setCookie.split(';')[0] as string;
  return { cookie, user: res.body.user as { id: string; email: string; name: string }, email };
}

export async function createStore(
  p: TestPlatform,
  cookie: string,
  slug = `s${randomBytes(4).toString('hex')}`,
  currency = 'USD',
  opts: { launch?: boolean } = {},
) {
  const res = await p.request('POST', '/api/v1/stores', { cookie, body: { name: `Store ${slug}`, slug, currency } });
  if (res.status !== 201) throw new Error(`store creation failed: ${res.status} ${res.text}`);
  // Tests browse their stores as shoppers: open them (a new store shows "opening soon" until launched).
  if (opts.launch !== false) {
    const launched = await p.request('POST', `/api/v1/stores/${res.body.id}/launch`, { cookie });
    if (launched.status !== 200) throw new Error(`store launch failed: ${launched.status} ${launched.text}`);
  }
  return res.body as { id: string; slug: string; status: string };
}

export async function createProduct(p: TestPlatform, cookie: string, storeId: string, over: Record<string, unknown> = {}) {
  const res = await p.request('POST', `/api/v1/stores/${storeId}/products`, {
    cookie,
    body: { title: 'Linen shirt', status: 'active', variants: [{ sku: `SKU-${randomBytes(4).toString('hex')}`, price: 4500, inventoryQuantity: 10 }], ...over },
  });
  if (res.status !== 201) throw new Error(`product creation failed: ${res.status} ${res.text}`);
  return res.body;
}
