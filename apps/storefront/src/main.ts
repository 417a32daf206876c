import { randomBytes } from 'node:crypto';
import { serve } from '@hono/node-server';
import { createStripeClient } from '@storeloom/billing';
import { loadEnv, storefrontEnvSchema } from '@storeloom/env';
import { bootApp, onShutdown } from '@storeloom/runtime';
import { defaultUploadsDir, storageFromSettings } from '@storeloom/storage';
import { resolve } from 'node:path';
import { CatalogVersions } from '@storeloom/db';
import { createStorefrontApp } from './app.ts';
import { loadRenderer } from './render.ts';

const env = loadEnv(storefrontEnvSchema);
const { logger, db, queues } = bootApp(env, { app: 'storefront' });
if (!env.STOREFRONT_SECRET && env.NODE_ENV === 'production') {
  logger.error('STOREFRONT_SECRET is not set: order-status links cannot be signed (set a random string of 32+ characters)');
  process.exit(1);
}
if (!env.STOREFRONT_SECRET) logger.warn('STOREFRONT_SECRET is not set: using a random one, so order links die with this process (npm start persists one)');
await queues.init();
const storage = storageFromSettings({
  driver: env.STORAGE_DRIVER,
  uploadsDir: resolve(env.UPLOADS_DIR ?? defaultUploadsDir(env.DATA_DIR)),
  // Pages link media on the shop's own host (/media); stored URLs only tell which file.
  mediaPublicUrl: env.MEDIA_PUBLIC_URL ?? 'http://localhost/media',
  s3: { endpoint: env.S3_ENDPOINT, bucket: env.S3_BUCKET, region: env.S3_REGION, accessKeyId: env.S3_ACCESS_KEY_ID, secretAccessKey: env.S3_SECRET_ACCESS_KEY },
});
// Catalogue versions pushed by the triggers' notifications: cached pages are checked without a statement.
const catalogVersions = new CatalogVersions();
void catalogVersions.listen(db).then((on) => logger.info('catalogue versions', { listening: on }));
const app = createStorefrontApp(db, logger, {
  catalogVersions,
  storage,
  consoleOrigin: env.PUBLIC_URL,
  rootDomain: env.STORE_ROOT_DOMAIN,
  secret: env.STOREFRONT_SECRET ?? randomBytes(32).toString('hex'),
  protocol: env.STOREFRONT_PROTOCOL,
  publicPort: env.STOREFRONT_PUBLIC_PORT ?? env.STOREFRONT_PORT,
  reservationTtlMs: env.RESERVATION_TTL_SECONDS * 1000,
  searchCache: { maxBytes: env.SEARCH_CACHE_BYTES, maxDocs: env.SEARCH_CACHE_MAX_DOCS, freshnessMs: env.SEARCH_FRESHNESS_MS },
  queues,
  trustProxy: env.TRUST_PROXY,
  renderer: await loadRenderer(),
  rateLimits: { perIpPerMinute: env.RATE_LIMIT_PER_IP, perStorePerMinute: env.RATE_LIMIT_PER_STORE },
  requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
  ...(env.METRICS_TOKEN ? { metricsToken: env.METRICS_TOKEN } : {}),
  metricsWithoutToken: env.NODE_ENV !== 'production',
  stripe: env.STRIPE_SECRET_KEY ? createStripeClient({ secretKey: env.STRIPE_SECRET_KEY, apiUrl: env.STRIPE_API_URL }) : null,
});
const server = serve({ fetch: app.fetch, port: env.STOREFRONT_PORT, hostname: env.HOST }, (info) => {
  logger.info('listening', { port: info.port });
  process.send?.({ type: 'listening', app: 'storefront', port: info.port });
});
onShutdown(async () => {
  server.close();
  await catalogVersions.close();
  await queues.close();
  await db.destroy();
});
