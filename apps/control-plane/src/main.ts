import { serve } from '@hono/node-server';
import { createDatabase, migrateControl } from '@storeloom/db';
import { controlPlaneEnvSchema, loadEnv, poolOptionsFromEnv } from '@storeloom/env';
import { createLogger } from '@storeloom/http';
import { Queues } from '@storeloom/jobs';
import { createControlPlaneApp } from './app.ts';
import { buildServices, configFromEnv } from './services.ts';

const env = loadEnv(controlPlaneEnvSchema);
const logger = createLogger({ level: env.LOG_LEVEL, base: { app: 'control-plane' } });
if (!env.DATABASE_URL) {
  logger.error('DATABASE_URL is not set; start the whole platform with `npm start`, which provides an embedded database');
  process.exit(1);
}
const db = createDatabase({
  url: env.DATABASE_URL,
  poolMax: env.DATABASE_POOL_MAX,
  applicationName: 'storeloom-control-plane',
  tenantIsolation: env.TENANT_ISOLATION,
  ...poolOptionsFromEnv(env),
  clusters: env.DATABASE_CLUSTERS,
  placementTtlMs: env.PLACEMENT_CACHE_TTL_MS,
  placementPin: env.PLACEMENT_PIN_CLUSTER,
});
await migrateControl(db);
const queues = new Queues({
  redisUrl: env.REDIS_URL,
  databaseUrl: env.DATABASE_URL,
  prefix: env.QUEUE_PREFIX,
  pgSchema: env.QUEUE_PG_SCHEMA,
  perStoreInFlight: env.JOBS_PER_STORE_IN_FLIGHT,
});
await queues.init();
const app = createControlPlaneApp(buildServices(db, queues, configFromEnv(env)), logger);

const server = serve({ fetch: app.fetch, port: env.PORT, hostname: env.HOST }, (info) => {
  logger.info('listening', { port: info.port });
  process.send?.({ type: 'listening', app: 'control-plane', port: info.port });
});

let closing = false;
async function shutdown(signal: string) {
  if (closing) return;
  closing = true;
  logger.info('shutting down', { signal });
  server.close();
  await queues.close();
  await db.destroy();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
// Started by the platform launcher: if it dies, its IPC channel closes and we follow.
process.on('disconnect', () => void shutdown('launcher gone'));
