/**
 * Fails fast with a clear message when the machine's Postgres or Redis is not
 * reachable, and builds the merchant console when it is missing or stale (the
 * browser tests load it from the control plane).
 */
import net from 'node:net';
import { loadEnv, testEnvSchema } from '@storeloom/env';
import { ensureConsoleBuilt } from '../apps/platform/src/console-build.ts';

function reachable(url: string): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = net.connect({ host: u.hostname, port: Number(u.port) }, () => {
      s.end();
      resolve(true);
    });
    s.on('error', () => resolve(false));
    s.setTimeout(3000, () => {
      s.destroy();
      resolve(false);
    });
  });
}

export default async function setup() {
  const env = loadEnv(testEnvSchema);
  for (const [name, url] of [
    ['Postgres', env.TEST_DATABASE_URL],
    ['Redis', env.TEST_REDIS_URL],
  ] as const) {
    if (!(await reachable(url))) throw new Error(`${name} is not reachable at ${url}: the integration tests need the machine's real services`);
  }
  await ensureConsoleBuilt((line) => process.stdout.write(`[global-setup] ${line}\n`));
}
