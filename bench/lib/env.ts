/**
 * The benchmarks use the machine's own Postgres and Redis, like the
 * integration tests (TEST_DATABASE_URL / TEST_REDIS_URL, defaults
 * postgres://postgres@127.0.0.1:5432/postgres and redis://127.0.0.1:6379),
 * and read them through @storeloom/env, the only reader of process.env.
 */
import { randomBytes } from 'node:crypto';
import { loadEnv, rawEnv, testEnvSchema } from '@storeloom/env';

const env = loadEnv(testEnvSchema);
export const ADMIN_DATABASE_URL = env.TEST_DATABASE_URL;
export const REDIS_URL = env.TEST_REDIS_URL;

export const randomSuffix = (bytes = 5) => randomBytes(bytes).toString('hex');

/** Variables of ours a child must never inherit from the shell that ran the bench. */
const OURS = [
  'DATABASE_URL',
  'REDIS_URL',
  'QUEUE_PREFIX',
  'QUEUE_PG_SCHEMA',
  'DATABASE_POOL_MAX',
  'PORT',
  'HOST',
  'PUBLIC_URL',
  'TRUSTED_ORIGINS',
  'TRUST_PROXY',
  'LOG_LEVEL',
  'RATE_LIMIT_PER_IP',
  'RATE_LIMIT_PER_STORE',
  'SECRETS_KEY',
  'WEBHOOK_SECRETS_KEY',
];

/**
 * Production mode requires the secret-box keys; a bench run gets its own
 * random ones (nothing sealed by a bench outlives the run).
 */
const RUN_SECRETS = { SECRETS_KEY: randomBytes(32).toString('hex'), WEBHOOK_SECRETS_KEY: randomBytes(32).toString('hex') };

/** The environment for a child server: the inherited one minus Storeloom's settings, plus `vars`. */
export function childEnv(vars: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = { ...RUN_SECRETS };
  for (const [k, v] of Object.entries(rawEnv())) if (v !== undefined && !OURS.includes(k)) out[k] = v;
  for (const [k, v] of Object.entries(vars)) if (v !== undefined) out[k] = v;
  return out;
}
