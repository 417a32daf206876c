/** The servers the benchmarks measure: the real control plane (apps/control-plane/src/main.ts), the hello-world baseline and embedded Postgres. */
import { Queues } from '@storeloom/jobs';
import { type ChildServer, startServer } from './child.ts';
import { onCleanup } from './cleanup.ts';
import { childEnv, randomSuffix, REDIS_URL } from './env.ts';
import { CONTROL_PLANE_MAIN, EMBEDDED_DB_SERVER, HELLO_SERVER } from './paths.ts';

export function startHello(): Promise<ChildServer> {
  return startServer('hello', HELLO_SERVER, { env: childEnv({ NODE_ENV: 'production' }), args: ['0'] });
}

export interface ControlPlaneOptions {
  name: string;
  databaseUrl: string;
  /** Unset: BullMQ on Postgres (the embedded set-up). */
  redisUrl?: string;
  queuePgSchema?: string;
  poolMax?: number;
  logLevel: string;
  /** REQUEST_TIMEOUT_MS of the server (unset: its default). */
  requestTimeoutMs?: number;
  /** The entry point to start (default: this tree's control plane; bench/tools/cpu-ab.ts starts another worktree's). */
  entry?: string;
}

/**
 * The production entry point as a child process, on port 0 (it reports the
 * port it got over IPC), with a random queue prefix whose Redis keys are
 * removed at clean-up.
 */
export async function startControlPlane(o: ControlPlaneOptions): Promise<ChildServer> {
  const prefix = `bench_${randomSuffix()}`;
  if (o.redisUrl) {
    // Registered before the server starts so it runs after the server has stopped.
    const redisUrl = o.redisUrl;
    onCleanup(`remove queue prefix ${prefix}`, async () => {
      const q = new Queues({ redisUrl, databaseUrl: o.databaseUrl, prefix });
      await q.obliterate().catch(() => {});
      await q.close();
    });
  }
  return startServer(o.name, o.entry ?? CONTROL_PLANE_MAIN, {
    env: childEnv({
      NODE_ENV: 'production',
      DATABASE_URL: o.databaseUrl,
      REDIS_URL: o.redisUrl,
      QUEUE_PREFIX: prefix,
      QUEUE_PG_SCHEMA: o.queuePgSchema,
      DATABASE_POOL_MAX: o.poolMax === undefined ? undefined : String(o.poolMax),
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: o.logLevel,
      // Load comes from one address at thousands of requests per second: limits would measure the limiter.
      RATE_LIMIT_PER_IP: '0',
      RATE_LIMIT_PER_STORE: '0',
      REQUEST_TIMEOUT_MS: o.requestTimeoutMs === undefined ? undefined : String(o.requestTimeoutMs),
    }),
  });
}

export const startRedisControlPlane = (databaseUrl: string, logLevel: string, name = 'control-plane') =>
  startControlPlane({ name, databaseUrl, redisUrl: REDIS_URL, logLevel });

/** In-memory PGlite behind pglite-socket, in its own process; `url` is its connection string. */
export async function startEmbeddedDatabase(): Promise<ChildServer & { url: string }> {
  const server = await startServer('embedded-postgres', EMBEDDED_DB_SERVER, { env: childEnv({ NODE_ENV: 'production' }) });
  const url = server.message.url;
  if (typeof url !== 'string') throw new Error('embedded Postgres reported no url');
  return { ...server, url };
}
