import { loadEnv, webhookEgressFromEnv, workerEnvSchema } from '@storeloom/env';
import { createServer } from 'node:http';
import { gauge, MetricsRegistry, poolGauges } from '@storeloom/http';
import { MailOutbox, transportFromConfig } from '@storeloom/mail';
import { defaultMediaPublicUrl, defaultUploadsDir, storageFromSettings } from '@storeloom/storage';
import { resolve } from 'node:path';
import { bootApp, onShutdown } from '@storeloom/runtime';
import { startWorkers } from './worker.ts';
import { createStripeClient, stripeCustomerErasure } from '@storeloom/billing';
import { secretKeysFromEnv } from '@storeloom/secret-box';

const env = loadEnv(workerEnvSchema);
const { logger, db, queues } = bootApp(env, { app: 'worker', poolMax: Math.min(env.DATABASE_POOL_MAX, env.WORKER_CONCURRENCY + 2) });
const storage = storageFromSettings({
  driver: env.STORAGE_DRIVER,
  uploadsDir: resolve(env.UPLOADS_DIR ?? defaultUploadsDir(env.DATA_DIR)),
  // Imported product images get public URLs built exactly like the control plane's uploads.
  mediaPublicUrl:
    env.MEDIA_PUBLIC_URL ??
    defaultMediaPublicUrl({
      driver: env.STORAGE_DRIVER,
      publicUrl: env.PUBLIC_URL ?? `http://localhost:${env.PORT}`,
      s3Endpoint: env.S3_ENDPOINT,
      s3Bucket: env.S3_BUCKET,
    }),
  s3: { endpoint: env.S3_ENDPOINT, bucket: env.S3_BUCKET, region: env.S3_REGION, accessKeyId: env.S3_ACCESS_KEY_ID, secretAccessKey: env.S3_SECRET_ACCESS_KEY },
});
/** A store's public storefront origin, built like the storefront's own links (STOREFRONT_PUBLIC_PORT, else STOREFRONT_PORT). */
function storefrontOrigin(store: { slug: string }): string {
  const port = env.STOREFRONT_PUBLIC_PORT ?? env.STOREFRONT_PORT;
  const suffix = port === (env.STOREFRONT_PROTOCOL === 'https' ? 443 : 80) ? '' : `:${port}`;
  return `${env.STOREFRONT_PROTOCOL}://${store.slug}.${env.STORE_ROOT_DOMAIN}${suffix}`;
}
if (!env.STOREFRONT_SECRET) logger.warn('STOREFRONT_SECRET is not set: abandoned-cart reminders are off');
const secretKeys = secretKeysFromEnv(env);
const running = await startWorkers(queues, {
  db,
  logger,
  storage,
  concurrency: env.WORKER_CONCURRENCY,
  retentionDays: env.STORE_RETENTION_DAYS,
  planLimits: Boolean(env.STRIPE_SECRET_KEY),
  provisioningStaleSeconds: env.PROVISIONING_STALE_SECONDS,
  mail: new MailOutbox(db, transportFromConfig(env.SMTP_URL), env.MAIL_FROM),
  storefront: env.STOREFRONT_SECRET ? { secret: env.STOREFRONT_SECRET, storeUrl: storefrontOrigin } : undefined,
  alertWebhookBackoffMs: env.ALERT_WEBHOOK_BACKOFF_MS,
  webhookEgress: webhookEgressFromEnv(env),
  ...(secretKeys ? { secretKeys } : {}),
  webhookSweepMs: env.WEBHOOK_SWEEP_MS,
  importImages: {
    egress: { allowHttp: env.IMPORT_IMAGES_ALLOW_HTTP, allowPrivateAddresses: env.IMPORT_IMAGES_ALLOW_PRIVATE },
    maxBytes: env.UPLOAD_MAX_BYTES,
  },
  privacyPayments: env.STRIPE_SECRET_KEY
    ? stripeCustomerErasure(db, createStripeClient({ secretKey: env.STRIPE_SECRET_KEY, apiUrl: env.STRIPE_API_URL }))
    : null,
  planningCron: env.PLANNING_NIGHTLY_CRON,
  recoTrainCron: env.RECO_TRAIN_CRON,
  reco: {
    eventRetentionDays: env.RECO_EVENT_RETENTION_DAYS,
    budget: {
      maxSeconds: env.RECO_TRAIN_MAX_SECONDS,
      maxMemoryMiB: env.RECO_TRAIN_MAX_MEMORY_MIB,
      maxItems: env.RECO_TRAIN_MAX_ITEMS,
      maxCustomers: env.RECO_TRAIN_MAX_CUSTOMERS,
    },
  },
});
logger.info('worker started', { backend: queues.backend });

// /metrics and /healthz for the orchestrator; store labels limited to the 10 deepest queues.
const metrics = new MetricsRegistry();
metrics.collect(() => poolGauges('worker', db.pool));
metrics.collect(async () =>
  gauge(
    'storeloom_jobs_store_queue_depth',
    'Queued + in-flight jobs of the 10 busiest stores (bounded label set)',
    (await queues.storeDepths(10)).map((d) => ({ labels: { queue: d.queue, store: d.storeId }, value: d.pending + d.inFlight })),
  ),
);
const metricsServer =
  env.WORKER_METRICS_PORT > 0
    ? createServer((req, res) => {
        if (req.url === '/healthz') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
        if (req.url !== '/metrics') return void res.writeHead(404).end();
        if (env.METRICS_TOKEN && req.headers.authorization !== `Bearer ${env.METRICS_TOKEN}`) return void res.writeHead(401).end();
        void metrics.render().then((body) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(body));
      }).listen(env.WORKER_METRICS_PORT, '0.0.0.0')
    : null;
process.send?.({ type: 'listening', app: 'worker' });

onShutdown(async (signal) => {
  logger.info('shutting down: finishing active jobs', { signal });
  // After 30 s the exit is forced; BullMQ re-queues what was cut off.
  const force = setTimeout(() => process.exit(1), 30_000);
  force.unref();
  metricsServer?.close();
  await running.close();
  await db.destroy();
});
