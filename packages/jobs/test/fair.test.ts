/** The jobs suite on Redis and on BullMQ's Postgres backend. */
import { loadEnv, testEnvSchema } from '@storeloom/env';
import { fairSuite } from './fair-suite.ts';

const env = loadEnv(testEnvSchema);
fairSuite('Redis', () => ({ redisUrl: env.TEST_REDIS_URL }));
fairSuite('Postgres backend', () => ({}));
