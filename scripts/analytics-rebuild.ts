/**
 * npm run analytics:rebuild -- --store <storeId>     recompute one store's sales analytics from its orders and events
 * npm run analytics:rebuild -- --all                 every store with data
 *
 * The same code path as the worker's incremental updates (packages/analytics), over every paid order into shadow
 * tables in short transactions (batches of --batch orders, default 1000), then swapped in by one short transaction:
 * the dashboard shows the old figures until the swap and the worker keeps running meanwhile (changes made during the
 * rebuild are applied once, after the swap at the latest). An interrupted rebuild leaves the old figures as they were;
 * run it again: it resumes a rebuild whose heartbeat stopped (killed) where that one stopped, unless --fresh starts
 * over. Progress goes to stderr (a line every 5 s, or one updating line on a terminal); the result of each
 * store is one JSON line on stdout. Without DATABASE_URL it works on the embedded database under DATA_DIR.
 */
import { parseArgs } from 'node:util';
import { rebuildAnalytics } from '@storeloom/analytics';
import { createDatabase, isUuid } from '@storeloom/db';
import { startEmbeddedPostgres } from '@storeloom/db/embedded';
import { loadEnv, migrateEnvSchema } from '@storeloom/env';
import { resolveStoreTenant, STORE_WITH_DATA, storesWithStatus } from '@storeloom/stores';

const env = loadEnv(migrateEnvSchema);
const { values } = parseArgs({
  options: { store: { type: 'string' }, all: { type: 'boolean', default: false }, batch: { type: 'string' }, fresh: { type: 'boolean', default: false } },
});
const batch = values.batch === undefined ? 1000 : Number(values.batch);
if ((!values.store && !values.all) || (values.store && !isUuid(values.store)) || !Number.isSafeInteger(batch) || batch < 1) {
  process.stderr.write('usage: npm run analytics:rebuild -- --store <storeId> | --all [--batch <orders per transaction>] [--fresh]\n');
  process.exit(2);
}
const tty = process.stderr.isTTY;
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
      const started = Date.now();
      let shown = 0;
      const r = await rebuildAnalytics(found.tenant, {
        batch,
        fresh: values.fresh,
        onProgress: (p) => {
          const now = Date.now();
          if (!tty && now - shown < 5000 && p.phase !== 'swap') return;
          shown = now;
          const pct = p.total ? Math.floor((100 * p.done) / p.total) : 100;
          const what = p.phase === 'orders' ? `${p.done}/${p.total} orders` : p.phase === 'funnel' ? `funnel ${p.done}/${p.total} days` : 'swapped in';
          process.stderr.write(`${tty ? '\r\x1b[K' : ''}${id}: ${what} (${pct} %, ${Math.round((now - started) / 1000)} s)${tty ? '' : '\n'}`);
        },
      });
      if (tty) process.stderr.write('\n');
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
