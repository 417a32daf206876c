/**
 * npm run analytics:rebuild -- --store <storeId>     recompute one store's sales analytics from its orders and events
 * npm run analytics:rebuild -- --all                 every store with data
 *
 * The same code path as the worker's incremental updates (packages/analytics), over every paid order from empty
 * tables, in one transaction per store: the dashboard keeps showing the old figures until the new ones commit.
 * Without DATABASE_URL it works on the embedded database under DATA_DIR.
 */
import { parseArgs } from 'node:util';
import { rebuildAnalytics } from '@storeloom/analytics';
import { createDatabase, isUuid } from '@storeloom/db';
import { startEmbeddedPostgres } from '@storeloom/db/embedded';
import { loadEnv, migrateEnvSchema } from '@storeloom/env';
import { resolveStoreTenant, STORE_WITH_DATA, storesWithStatus } from '@storeloom/stores';

const env = loadEnv(migrateEnvSchema);
const { values } = parseArgs({ options: { store: { type: 'string' }, all: { type: 'boolean', default: false } } });
if ((!values.store && !values.all) || (values.store && !isUuid(values.store))) {
  process.stderr.write('usage: npm run analytics:rebuild -- --store <storeId> | --all\n');
  process.exit(2);
}
const embedded = env.DATABASE_URL ? null : await startEmbeddedPostgres({ dataDir: `${env.DATA_DIR}/pgdata` });
const db = createDatabase({
  url: env.DATABASE_URL ?? (embedded?.url as string),
  poolMax: 2,
  applicationName: 'storeloom-analytics-rebuild',
  tenantIsolation: env.TENANT_ISOLATION,
  clusters: env.DATABASE_CLUSTERS,
});
try {
  const ids = values.store ? [values.store] : (await storesWithStatus(db, STORE_WITH_DATA)).map((s) => s.id);
  let failed = 0;
  for (const id of ids) {
    const found = await resolveStoreTenant(db, id, { allow: STORE_WITH_DATA });
    if (!found) {
      process.stderr.write(`store ${id}: not found or has no data\n`);
      failed++;
      continue;
    }
    try {
      const r = await rebuildAnalytics(found.tenant, {
        onProgress: (n) => {
          if (process.stdout.isTTY) process.stdout.write(`\r${id}: ${n} orders`);
        },
      });
      if (process.stdout.isTTY) process.stdout.write('\n');
      process.stdout.write(`${JSON.stringify({ store: id, ...r })}\n`);
    } catch (err) {
      failed++;
      process.stderr.write(`store ${id}: ${(err as Error).message}\n`);
    }
  }
  process.exitCode = failed ? 1 : 0;
} finally {
  await db.destroy();
  await embedded?.stop();
}
