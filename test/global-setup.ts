/**
 * Fails fast with a clear message when the machine's Postgres or Redis is not
 * reachable, and builds the merchant console when it is missing or stale (the
 * browser tests load it from the control plane).
 */
import net from 'node:net';
import { dropOrphanTenantRoles } from '@storeloom/db';
import { loadEnv, testEnvSchema } from '@storeloom/env';
import pg from 'pg';
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
  // The storefront renders a Vite build of its Solid UI: build it once, only when the sources changed.
  const { ensureStorefrontBuilt } = await import('../apps/storefront/src/build.ts');
  await ensureStorefrontBuilt({ quiet: true });
  await ensureConsoleBuilt((line) => process.stdout.write(`[global-setup] ${line}\n`));
  // Store roles are cluster-wide: a crashed run leaves roles whose database is gone. Sweep them before and after.
  const sweep = async () => {
    const c = new pg.Client({ connectionString: env.TEST_DATABASE_URL });
    await c.connect();
    try {
      await dropOrphanTenantRoles(c);
    } finally {
      await c.end();
    }
  };
  await sweep();
  return sweep;
}
