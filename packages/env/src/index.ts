/**
 * The only reader of process.env. Each app validates its own slice once at
 * start-up and passes the typed result down; nothing else touches process.env.
 */
import { z } from 'zod';

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
const optionalUrl = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .pipe(z.string().url().optional())
  .optional();
const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();
const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
    .optional()
    .transform((v) => (v === undefined || v === '' ? fallback : v === 'true' || v === '1' || v === 'yes'));

const base = {
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  /**
   * Fraction (0..1) of fast successful GET/HEAD requests that get an access log line; writes, errors and requests
   * slower than ACCESS_LOG_SLOW_MS always do. Default 1 (every request), 0.01 with NODE_ENV=production.
   */
  ACCESS_LOG_SAMPLE: z.coerce.number().min(0).max(1).optional(),
  ACCESS_LOG_SLOW_MS: z.coerce.number().int().min(0).default(500),
  /** Unset: the platform launcher starts embedded Postgres (PGlite) and sets it for the child processes. */
  DATABASE_URL: optionalUrl,
  /** Unset: queues use BullMQ's Postgres backend on DATABASE_URL. */
  REDIS_URL: optionalUrl,
  /** Queue namespace; tests set a random one so runs never share jobs. */
  QUEUE_PREFIX: z
    .string()
    .regex(/^[a-z0-9_]{1,40}$/)
    .default('storeloom'),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
  /**
   * Postgres statement_timeout of the app pools (ms, 0 = none). Below REQUEST_TIMEOUT_MS, so a request that
   * misses its deadline also has its SQL cancelled (and its transaction rolled back) shortly after.
   */
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(25_000),
  /** Postgres idle_in_transaction_session_timeout of the app pools (ms, 0 = none): a stuck handler cannot hold locks forever. */
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce.number().int().min(0).default(60_000),
  /** Pool connections are replaced after this many checkouts / seconds, so per-connection catalogue caches stay bounded. */
  DATABASE_POOL_MAX_USES: z.coerce.number().int().min(1).default(1000),
  DATABASE_POOL_MAX_LIFETIME_SECONDS: z.coerce.number().int().min(1).default(900),
  /**
   * Further database clusters holding store schemas, as JSON `{"c2":"postgres://…"}` (ids: lower-case letters,
   * digits, `_`; `main` is DATABASE_URL and may not be listed). The control schema stays on DATABASE_URL.
   */
  DATABASE_CLUSTERS: z
    .string()
    .trim()
    .optional()
    .transform((v, ctx) => {
      if (!v) return {};
      try {
        return JSON.parse(v) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON object {"<cluster id>":"postgres://…"}' });
        return z.NEVER;
      }
    })
    .pipe(
      z.record(
        z
          .string()
          .regex(/^[a-z][a-z0-9_]{0,31}$/, 'cluster ids are lower-case letters, digits and _')
          .refine((id) => id !== 'main', 'main is DATABASE_URL'),
        z.string().url(),
      ),
    ),
  /** Place every new store on this cluster (id from DATABASE_CLUSTERS or `main`); unset: weighted least stores of the open clusters. */
  PLACEMENT_PIN_CLUSTER: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,31}$/)
    .optional(),
  /** How long (ms) a process trusts its cached store → cluster map before re-checking the placement version. */
  PLACEMENT_CACHE_TTL_MS: z.coerce.number().int().min(100).max(60_000).default(2000),
  /** `role`: tenant queries run under each store's own Postgres role (needs CREATEROLE); `schema`: schema qualification only. */
  TENANT_ISOLATION: z.enum(['role', 'schema']).default('role'),
  /** Fair job scheduling: at most this many jobs of one store in the queue at once (0 = plain FIFO). */
  JOBS_PER_STORE_IN_FLIGHT: z.coerce.number().int().min(0).max(64).default(2),
  /**
   * Schema of BullMQ's Postgres backend tables (default bullmq_<QUEUE_PREFIX>).
   * The embedded database shares one session between all connections, so the
   * launcher sets `public` there: it is on every connection's default path.
   */
  QUEUE_PG_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/)
    .optional(),
  /** e.g. smtp://user:pass@smtp.example.com:587. Unset: mail stays in the local outbox (console page /dev/outbox). */
  SMTP_URL: optionalUrl,
  MAIL_FROM: z.string().default('Storeloom <no-reply@storeloom.localhost>'),
};

const web = {
  PORT: port(3000),
  STOREFRONT_PORT: port(3001),
  /** Port in public storefront URLs when it differs from STOREFRONT_PORT (e.g. 443 behind a TLS proxy); default STOREFRONT_PORT. */
  STOREFRONT_PUBLIC_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  HOST: z.string().default('0.0.0.0'),
  /** Stores answer on <slug>.<STORE_ROOT_DOMAIN>. */
  STORE_ROOT_DOMAIN: z
    .string()
    .regex(/^[a-z0-9.-]+$/)
    .default('localhost'),
  /** Public origin of the console/API (used for CSRF origin checks and links). */
  PUBLIC_URL: optionalUrl,
  /** Public scheme of storefront URLs. */
  STOREFRONT_PROTOCOL: z.enum(['http', 'https']).default('http'),
  /** Extra origins allowed to make cookie-authenticated writes (comma separated). */
  TRUSTED_ORIGINS: z.string().default(''),
  /** Trust X-Forwarded-For for client IPs (behind a proxy). */
  TRUST_PROXY: bool(false),
  STORE_RETENTION_DAYS: z.coerce.number().int().min(0).max(3650).default(30),
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(25 * 1024 * 1024),
  /** JSON request bodies (every API call but the uploads) are refused with 413 above this. */
  MAX_JSON_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
  /** Stripe (merchant billing, Connect payouts, shopper payments). Unset: billing off, stores unlimited, manual payments. */
  STRIPE_SECRET_KEY: optionalText,
  /** Signing secrets (whsec_…) of the two webhook endpoints /webhooks/stripe/billing and /webhooks/stripe/connect. */
  STRIPE_BILLING_WEBHOOK_SECRET: optionalText,
  STRIPE_CONNECT_WEBHOOK_SECRET: optionalText,
  /** Another Stripe API host, e.g. the local fake (http://127.0.0.1:12111). */
  STRIPE_API_URL: optionalUrl,
  /** Stripe Price ids of the paid plans. */
  STRIPE_PRICE_BASIC: optionalText,
  STRIPE_PRICE_PRO: optionalText,
  /** Days a past-due store keeps its storefront before it is suspended. */
  BILLING_GRACE_DAYS: z.coerce.number().int().min(0).max(90).default(7),
  /**
   * HMAC key of signed order-status links, shared by the storefront and the control plane (>= 32 chars).
   * Unset: `npm start` generates one and keeps it in DATA_DIR; production must set it.
   */
  STOREFRONT_SECRET: z.string().min(32).optional(),
  /** Contact in /.well-known/security.txt (a mailto: or https: URI). */
  SECURITY_CONTACT: z.string().min(1).optional(),
  /** How long checkout holds reserved stock for an unpaid order. */
  RESERVATION_TTL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
  /**
   * Product search: byte budget (default 512 MiB) of each process's index cache across stores: every store's index is
   * counted by its estimated heap bytes, the least recently used store is dropped beyond it.
   */
  SEARCH_CACHE_BYTES: z.coerce
    .number()
    .int()
    .min(16 * 1024 * 1024)
    .default(536_870_912),
  /** Product search: optionally also a bound in documents on that cache (unset: the byte budget alone). */
  SEARCH_CACHE_MAX_DOCS: z.coerce.number().int().min(1000).optional(),
  /** Product search: how stale (ms) a served index may be before the version check. */
  SEARCH_FRESHNESS_MS: z.coerce.number().int().min(0).max(60_000).default(250),
  /** Requests per minute per client IP on the API / storefront (in-process counters; 0 = off). */
  /** Stores one account may own (0 = no cap); of those, stores on the Free plan when billing is on. */
  STORES_PER_ACCOUNT: z.coerce.number().int().min(0).default(20),
  FREE_STORES_PER_ACCOUNT: z.coerce.number().int().min(0).default(3),
  /** Store creations (create, clone, archive import) per account per hour (0 = no limit). */
  STORE_CREATES_PER_HOUR: z.coerce.number().int().min(0).default(10),
  RATE_LIMIT_PER_IP: z.coerce.number().int().min(0).default(1200),
  /** Requests per minute per store on the API / storefront (0 = off). */
  RATE_LIMIT_PER_STORE: z.coerce.number().int().min(0).default(6000),
  /** A request without a response after this long gets 503 + Retry-After (0 = off). */
  REQUEST_TIMEOUT_MS: z.coerce.number().int().min(0).default(30_000),
  /** Byte budget (32 MiB) of the API's in-process cache of catalogue responses (ETag, checked against the catalogue version; 0 = off). */
  RESPONSE_CACHE_BYTES: z.coerce.number().int().min(0).default(33_554_432),
  /** When set, GET /metrics requires `Authorization: Bearer <token>` (otherwise keep /metrics off the public network). */
  METRICS_TOKEN: z.string().min(16).optional(),
};

/** Media storage (product images, logos): local disk under DATA_DIR/uploads, or an S3-compatible bucket. */
const storage = {
  DATA_DIR: z.string().default('./.storeloom'),
  STORAGE_DRIVER: z.enum(['local', 's3']).default('local'),
  /** Local driver: where files go (default DATA_DIR/uploads). */
  UPLOADS_DIR: z.string().optional(),
  S3_ENDPOINT: optionalUrl,
  S3_BUCKET: z.string().optional(),
  S3_REGION: z.string().default('us-east-1'),
  S3_ACCESS_KEY_ID: z.string().optional(),
  S3_SECRET_ACCESS_KEY: z.string().optional(),
  /** Public base URL of stored media (default PUBLIC_URL/media for local, S3_ENDPOINT/S3_BUCKET for s3). */
  MEDIA_PUBLIC_URL: optionalUrl,
  UPLOAD_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(10 * 1024 * 1024),
  /** 3D model uploads (.glb, .usdz product media) are refused with 413 above this (MAX_BODY_BYTES caps the whole request). */
  MODEL_UPLOAD_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(20 * 1024 * 1024),
};

/**
 * The key of the platform's secret box (`@storeloom/secret-box`), which seals
 * what it must read back: merchant webhook signing secrets and two-factor TOTP
 * seeds. The control plane and the worker need the same keys.
 */
const secrets = {
  /**
   * >= 32 random characters. Unset: `npm start` generates one and keeps it in DATA_DIR; production must set it (or its
   * older name WEBHOOK_SECRETS_KEY).
   */
  SECRETS_KEY: z.string().min(32).optional(),
  /** Keys being rotated out, comma-separated: what they sealed still opens and is sealed again under SECRETS_KEY when read. */
  SECRETS_KEY_PREVIOUS: z
    .string()
    .optional()
    .transform((v) =>
      (v ?? '')
        .split(',')
        .map((k) => k.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().min(32, 'each previous key has at least 32 characters'))),
  /**
   * Older name of SECRETS_KEY (it sealed webhook signing secrets only): used when SECRETS_KEY is unset; when both are set
   * and differ, it is kept as a previous key, so what it sealed stays readable and moves to SECRETS_KEY as it is read.
   */
  WEBHOOK_SECRETS_KEY: z.string().min(32).optional(),
};

/**
 * Merchant webhooks (event subscriptions and the low-stock alert webhook) may
 * only reach public https endpoints. These switches exist for local
 * development and tests (a webhook receiver on the same machine); all are off
 * by default and refused in production. WEBHOOK_ALLOW_* are the names since
 * the webhooks were merged into one system; ALERT_WEBHOOK_ALLOW_* stay as
 * aliases (either one set turns the switch on).
 */
const egress = {
  /** Allow http:// webhook URLs (development/tests only). */
  WEBHOOK_ALLOW_HTTP: bool(false),
  /** Allow webhooks to loopback/private/link-local addresses (development/tests only). */
  WEBHOOK_ALLOW_PRIVATE: bool(false),
  /** Old name of WEBHOOK_ALLOW_HTTP (alias). */
  ALERT_WEBHOOK_ALLOW_HTTP: bool(false),
  /** Old name of WEBHOOK_ALLOW_PRIVATE (alias). */
  ALERT_WEBHOOK_ALLOW_PRIVATE: bool(false),
  /** Let CSV imports fetch product images over http:// (development/tests only). */
  IMPORT_IMAGES_ALLOW_HTTP: bool(false),
  /** Let CSV imports fetch product images from loopback/private addresses (development/tests only). */
  IMPORT_IMAGES_ALLOW_PRIVATE: bool(false),
};
function refuseInsecureEgressInProduction(
  env: {
    NODE_ENV: string;
    ALERT_WEBHOOK_ALLOW_HTTP: boolean;
    ALERT_WEBHOOK_ALLOW_PRIVATE: boolean;
    WEBHOOK_ALLOW_HTTP: boolean;
    WEBHOOK_ALLOW_PRIVATE: boolean;
    SECRETS_KEY?: string | undefined;
    WEBHOOK_SECRETS_KEY?: string | undefined;
    IMPORT_IMAGES_ALLOW_HTTP: boolean;
    IMPORT_IMAGES_ALLOW_PRIVATE: boolean;
  },
  ctx: { addIssue: (issue: { code: 'custom'; path: string[]; message: string }) => void },
) {
  if (env.NODE_ENV !== 'production') return;
  for (const key of [
    'WEBHOOK_ALLOW_HTTP',
    'WEBHOOK_ALLOW_PRIVATE',
    'ALERT_WEBHOOK_ALLOW_HTTP',
    'ALERT_WEBHOOK_ALLOW_PRIVATE',
    'IMPORT_IMAGES_ALLOW_HTTP',
    'IMPORT_IMAGES_ALLOW_PRIVATE',
  ] as const) {
    if (env[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'is for development and tests only: not allowed with NODE_ENV=production' });
  }
  if (!env.SECRETS_KEY && !env.WEBHOOK_SECRETS_KEY)
    ctx.addIssue({
      code: 'custom',
      path: ['SECRETS_KEY'],
      message: 'is required with NODE_ENV=production (or its older name WEBHOOK_SECRETS_KEY): it seals webhook signing secrets and two-factor seeds',
    });
}

/** Where merchant webhooks may point: the WEBHOOK_ALLOW_* switches or their ALERT_WEBHOOK_ALLOW_* aliases. */
export function webhookEgressFromEnv(env: {
  WEBHOOK_ALLOW_HTTP: boolean;
  WEBHOOK_ALLOW_PRIVATE: boolean;
  ALERT_WEBHOOK_ALLOW_HTTP: boolean;
  ALERT_WEBHOOK_ALLOW_PRIVATE: boolean;
}): { allowHttp: boolean; allowPrivateAddresses: boolean } {
  return {
    allowHttp: env.WEBHOOK_ALLOW_HTTP || env.ALERT_WEBHOOK_ALLOW_HTTP,
    allowPrivateAddresses: env.WEBHOOK_ALLOW_PRIVATE || env.ALERT_WEBHOOK_ALLOW_PRIVATE,
  };
}

export const controlPlaneEnvSchema = z.object({ ...base, ...web, ...storage, ...secrets, ...egress }).superRefine(refuseInsecureEgressInProduction);
export type ControlPlaneEnv = z.infer<typeof controlPlaneEnvSchema>;

// The storefront serves each store's media on its own host (/media), from the same storage as the console.
export const storefrontEnvSchema = z.object({ ...base, ...web, ...storage });
export type StorefrontEnv = z.infer<typeof storefrontEnvSchema>;

export const workerEnvSchema = z
  .object({
    ...base,
    // Store export/clone read and write media storage: the same settings as the control plane.
    ...storage,
    // Imported product images get public media URLs built like the control plane's.
    PORT: web.PORT,
    PUBLIC_URL: web.PUBLIC_URL,
    // Abandoned-cart reminders link into storefronts: signed with the storefront's secret, on the store's public origin.
    STOREFRONT_SECRET: web.STOREFRONT_SECRET,
    STORE_ROOT_DOMAIN: web.STORE_ROOT_DOMAIN,
    STOREFRONT_PROTOCOL: web.STOREFRONT_PROTOCOL,
    STOREFRONT_PORT: web.STOREFRONT_PORT,
    STOREFRONT_PUBLIC_PORT: web.STOREFRONT_PUBLIC_PORT,
    WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
    STORE_RETENTION_DAYS: web.STORE_RETENTION_DAYS,
    /** Set (as on the control plane) = billing is on, so imports and clones stay within each store's plan limits. */
    STRIPE_SECRET_KEY: optionalText,
    /** Seconds a store may sit in `provisioning` before the reconciler retries it. */
    PROVISIONING_STALE_SECONDS: z.coerce.number().int().min(1).default(60),
    /** First retry delay of a failed webhook delivery (doubles each attempt, capped at 6 h, retried for 3 days). */
    ALERT_WEBHOOK_BACKOFF_MS: z.coerce.number().int().min(1).default(30_000),
    /** How often (ms) the worker looks for due webhook deliveries it was not told about. */
    WEBHOOK_SWEEP_MS: z.coerce.number().int().min(1000).default(10_000),
    /** Webhook events, their deliveries and attempt logs older than this are deleted daily (at least the 3-day retry window + 1). */
    WEBHOOK_EVENT_RETENTION_DAYS: z.coerce.number().int().min(4).max(3650).default(30),
    /** How often (ms) the worker applies changed orders to the sales analytics (the dashboard's freshness). */
    ANALYTICS_SWEEP_MS: z.coerce.number().int().min(1000).default(30_000),
    /** Cron (UTC) of the nightly pricing and inventory runs. */
    PLANNING_NIGHTLY_CRON: z.string().default('10 2 * * *'),
    /** Shopper events (views, carts, purchases, impressions, clicks) older than this are deleted nightly. */
    RECO_EVENT_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(365),
    /** Cron pattern of the nightly per-store recommendation training. */
    RECO_TRAIN_CRON: z.string().default('23 2 * * *'),
    /** Per-store training budget: wall time (s) and process memory (MiB); a run over budget fails and the previous model keeps serving. */
    RECO_TRAIN_MAX_SECONDS: z.coerce.number().int().min(1).default(600),
    RECO_TRAIN_MAX_MEMORY_MIB: z.coerce.number().int().min(64).default(1024),
    /** Per-store caps on the products and known customers a training considers. */
    RECO_TRAIN_MAX_ITEMS: z.coerce.number().int().min(1).default(50_000),
    RECO_TRAIN_MAX_CUSTOMERS: z.coerce.number().int().min(1).default(50_000),
    /** Port of the worker's /metrics and /healthz server (0 = off). */
    WORKER_METRICS_PORT: port(0),
    METRICS_TOKEN: web.METRICS_TOKEN,
    /** Erasure requests delete the shopper's customer objects on the store's connected Stripe account (with STRIPE_SECRET_KEY). */
    STRIPE_API_URL: web.STRIPE_API_URL,
    ...secrets,
    ...egress,
  })
  .superRefine(refuseInsecureEgressInProduction);
export type WorkerEnv = z.infer<typeof workerEnvSchema>;

export const platformEnvSchema = z.object({
  ...base,
  ...web,
  DATA_DIR: z.string().default('./.storeloom'),
  /** Port of the embedded Postgres wire server; 0 picks a free one. */
  EMBEDDED_DATABASE_PORT: port(0),
});
export type PlatformEnv = z.infer<typeof platformEnvSchema>;

export const migrateEnvSchema = z.object({ ...base, DATA_DIR: platformEnvSchema.shape.DATA_DIR });
export type MigrateEnv = z.infer<typeof migrateEnvSchema>;

export class EnvError extends Error {}

/** Validates `source` (default process.env) once; throws a readable error listing every bad variable. */
export function loadEnv<S extends z.ZodType>(schema: S, source: Record<string, string | undefined> = process.env): z.infer<S> {
  const result = schema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new EnvError(`Invalid environment:\n${lines.join('\n')}`);
  }
  return result.data;
}

/** The raw environment, for launchers that must pass it on to child processes. */
export const rawEnv = (): Record<string, string | undefined> => ({ ...process.env });

/** Integration tests: the real servers of the machine (each run makes its own database / queue prefix). */
export const testEnvSchema = z.object({
  TEST_DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/postgres'),
  TEST_REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  TEST_ARTIFACTS_DIR: z.string().default('test-artifacts'),
  CHROMIUM_PATH: z.string().default('/usr/bin/chromium'),
});
export type TestEnv = z.infer<typeof testEnvSchema>;

/** The Postgres pool settings of an app process (spread into createDatabase's options). */
export function poolOptionsFromEnv(env: {
  DATABASE_STATEMENT_TIMEOUT_MS: number;
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: number;
  DATABASE_POOL_MAX_USES: number;
  DATABASE_POOL_MAX_LIFETIME_SECONDS: number;
}): { statementTimeoutMs: number; idleInTransactionTimeoutMs: number; maxUses: number; maxLifetimeSeconds: number } {
  return {
    statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
    idleInTransactionTimeoutMs: env.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    maxUses: env.DATABASE_POOL_MAX_USES,
    maxLifetimeSeconds: env.DATABASE_POOL_MAX_LIFETIME_SECONDS,
  };
}
