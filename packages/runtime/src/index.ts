/**
 * The start of every app process (control plane, storefront, worker): the
 * logger, the database with the pool and placement settings from env, the
 * queues, and one shutdown path for signals and for the launcher going away.
 * The apps differ only in what they build on top.
 */
import { createDatabase, type Database } from '@storeloom/db';
import { poolOptionsFromEnv } from '@storeloom/env';
import { createLogger, type Logger } from '@storeloom/log';
import { Queues } from '@storeloom/jobs';

/** The env fields every app's schema has (the `base` block of packages/env). */
export interface AppBootEnv {
  NODE_ENV: 'development' | 'production' | 'test';
  LOG_LEVEL: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  ACCESS_LOG_SAMPLE?: number | undefined;
  ACCESS_LOG_SLOW_MS: number;
  DATABASE_URL?: string | undefined;
  DATABASE_POOL_MAX: number;
  DATABASE_STATEMENT_TIMEOUT_MS: number;
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: number;
  DATABASE_POOL_MAX_USES: number;
  DATABASE_POOL_MAX_LIFETIME_SECONDS: number;
  DATABASE_CLUSTERS: Record<string, string>;
  PLACEMENT_CACHE_TTL_MS: number;
  PLACEMENT_PIN_CLUSTER?: string | undefined;
  TENANT_ISOLATION: 'role' | 'schema';
  REDIS_URL?: string | undefined;
  QUEUE_PREFIX: string;
  QUEUE_PG_SCHEMA?: string | undefined;
  JOBS_PER_STORE_IN_FLIGHT: number;
}

export interface AppBoot {
  logger: Logger;
  db: Database;
  queues: Queues;
}

/**
 * Logger, database and queues of an app. Without DATABASE_URL the process
 * exits with a hint (the launcher `npm start` provides one).
 */
export function bootApp(env: AppBootEnv, opts: { app: 'control-plane' | 'storefront' | 'worker'; poolMax?: number }): AppBoot {
  const logger = createLogger({
    level: env.LOG_LEVEL,
    base: { app: opts.app },
    // Production samples the access lines of fast successful reads (ACCESS_LOG_SAMPLE); see AccessLogPolicy.
    accessLog: { sample: env.ACCESS_LOG_SAMPLE ?? (env.NODE_ENV === 'production' ? 0.01 : 1), slowMs: env.ACCESS_LOG_SLOW_MS },
  });
  if (!env.DATABASE_URL) {
    logger.error('DATABASE_URL is not set; start the whole platform with `npm start`, which provides an embedded database');
    process.exit(1);
  }
  const db = createDatabase({
    url: env.DATABASE_URL,
    poolMax: opts.poolMax ?? env.DATABASE_POOL_MAX,
    applicationName: `storeloom-${opts.app}`,
    tenantIsolation: env.TENANT_ISOLATION,
    ...poolOptionsFromEnv(env),
    clusters: env.DATABASE_CLUSTERS,
    placementTtlMs: env.PLACEMENT_CACHE_TTL_MS,
    placementPin: env.PLACEMENT_PIN_CLUSTER,
  });
  const queues = new Queues({
    redisUrl: env.REDIS_URL,
    databaseUrl: env.DATABASE_URL,
    prefix: env.QUEUE_PREFIX,
    pgSchema: env.QUEUE_PG_SCHEMA,
    perStoreInFlight: env.JOBS_PER_STORE_IN_FLIGHT,
  });
  return { logger, db, queues };
}

/**
 * Runs `close` once on SIGTERM, SIGINT, or when the launcher that forked this
 * process dies (its IPC channel closes), then exits 0.
 */
export function onShutdown(close: (reason: string) => Promise<void>): void {
  let closing = false;
  const stop = (reason: string) => {
    if (closing) return;
    closing = true;
    void close(reason).then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('disconnect', () => stop('launcher gone'));
}
