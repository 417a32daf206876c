import { createDatabase } from '@storeloom/db';
import { loadEnv, workerEnvSchema } from '@storeloom/env';
import { createLogger } from '@storeloom/http';
import { Queues } from '@storeloom/jobs';
import { MailOutbox, transportFromConfig } from '@storeloom/mail';
import { startWorkers } from './worker.ts';

const env = loadEnv(workerEnvSchema);
const logger = createLogger({ level: env.LOG_LEVEL, base: { app: 'worker' } });
if (!env.DATABASE_URL) {
  logger.error('DATABASE_URL is not set; start the whole platform with `npm start`');
  process.exit(1);
}
const db = createDatabase({ url: env.DATABASE_URL, poolMax: Math.min(env.DATABASE_POOL_MAX, env.WORKER_CONCURRENCY + 2), applicationName: 'storeloom-worker' });
const queues = new Queues({ redisUrl: env.REDIS_URL, databaseUrl: env.DATABASE_URL, prefix: env.QUEUE_PREFIX, pgSchema: env.QUEUE_PG_SCHEMA });
const running = await startWorkers(queues, {
  db,
  logger,
  concurrency: env.WORKER_CONCURRENCY,
  retentionDays: env.STORE_RETENTION_DAYS,
  provisioningStaleSeconds: env.PROVISIONING_STALE_SECONDS,
  mail: new MailOutbox(db, transportFromConfig(env.SMTP_URL), env.MAIL_FROM),
  alertWebhookBackoffMs: env.ALERT_WEBHOOK_BACKOFF_MS,
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
process.send?.({ type: 'listening', app: 'worker' });

let closing = false;
async function shutdown(signal: string) {
  if (closing) return;
  closing = true;
  logger.info('shutting down: finishing active jobs', { signal });
  // A second signal, or 30 s, forces the exit; BullMQ re-queues what was cut off.
  const force = setTimeout(() => process.exit(1), 30_000);
  force.unref();
  await running.close();
  await db.destroy();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
// Started by the platform launcher: if it dies, its IPC channel closes and we follow.
process.on('disconnect', () => void shutdown('launcher gone'));
