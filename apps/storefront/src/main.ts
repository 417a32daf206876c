import { serve } from '@hono/node-server';
import { createDatabase } from '@storeloom/db';
import { loadEnv, storefrontEnvSchema } from '@storeloom/env';
import { createLogger } from '@storeloom/http';
import { createStorefrontApp } from './app.ts';

const env = loadEnv(storefrontEnvSchema);
const logger = createLogger({ level: env.LOG_LEVEL, base: { app: 'storefront' } });
if (!env.DATABASE_URL) {
  logger.error('DATABASE_URL is not set; start the whole platform with `npm start`');
  process.exit(1);
}
const db = createDatabase({
  url: env.DATABASE_URL,
  poolMax: env.DATABASE_POOL_MAX,
  applicationName: 'storeloom-storefront',
  tenantIsolation: env.TENANT_ISOLATION,
});
const app = createStorefrontApp(db, logger, {
  rootDomain: env.STORE_ROOT_DOMAIN,
  trustProxy: env.TRUST_PROXY,
  rateLimits: { perIpPerMinute: env.RATE_LIMIT_PER_IP, perStorePerMinute: env.RATE_LIMIT_PER_STORE },
  requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
  ...(env.METRICS_TOKEN ? { metricsToken: env.METRICS_TOKEN } : {}),
});
const server = serve({ fetch: app.fetch, port: env.STOREFRONT_PORT, hostname: env.HOST }, (info) => {
  logger.info('listening', { port: info.port });
  process.send?.({ type: 'listening', app: 'storefront', port: info.port });
});
const shutdown = async () => {
  server.close();
  await db.destroy();
  process.exit(0);
};
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
// Started by the platform launcher: if it dies, its IPC channel closes and we follow.
process.on('disconnect', () => void shutdown());
