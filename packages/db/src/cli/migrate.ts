/**
 * npm run migrate                       control, then every store
 * npm run migrate -- --tenants-only --concurrency 8 [--canary 10]
 *
 * Without DATABASE_URL it migrates the embedded database under DATA_DIR.
 */
import { parseArgs } from 'node:util';
import { loadEnv, migrateEnvSchema } from '@storeloom/env';
import { createDatabase } from '../client.ts';
import { startEmbeddedPostgres } from '../embedded.ts';
import { describeConcurrencyCap, migrateAllTenants, migrateControl, prepareCluster, registerConfiguredClusters } from '../migrator.ts';

const env = loadEnv(migrateEnvSchema);
const { values } = parseArgs({
  options: {
    'tenants-only': { type: 'boolean', default: false },
    concurrency: { type: 'string', default: '4' },
    canary: { type: 'string' },
  },
});
const concurrency = Number(values.concurrency);
const canary = values.canary === undefined ? undefined : Number(values.canary);
if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64 || (canary !== undefined && (!Number.isInteger(canary) || canary < 1))) {
  process.stderr.write('usage: npm run migrate -- [--tenants-only] [--concurrency 1..64] [--canary N]\n');
  process.exit(2);
}

const embedded = env.DATABASE_URL ? null : await startEmbeddedPostgres({ dataDir: `${env.DATA_DIR}/pgdata` });
const db = createDatabase({
  url: env.DATABASE_URL ?? (embedded?.url as string),
  poolMax: concurrency + 1,
  applicationName: 'storeloom-migrate',
  tenantIsolation: env.TENANT_ISOLATION,
  clusters: env.DATABASE_CLUSTERS,
});
try {
  if (!values['tenants-only']) {
    const applied = await migrateControl(db);
    process.stdout.write(`control: ${applied.length ? `applied ${applied.join(', ')}` : 'up to date'}\n`);
    const added = await registerConfiguredClusters(db);
    if (added.length) process.stdout.write(`clusters: registered ${added.join(', ')} (open, weight 100)\n`);
  }
  for (const id of db.clusterIds) await prepareCluster(db, id);
  const started = Date.now();
  const isTty = process.stdout.isTTY;
  const result = await migrateAllTenants(db, {
    concurrency,
    canary,
    onConcurrencyCapped: (cap) => process.stdout.write(`tenants: ${describeConcurrencyCap(cap)}\n`),
    onProgress: ({ done, total, failed }) => {
      if (isTty) process.stdout.write(`\rtenants: ${done}/${total} (${failed} failed)`);
      else if (done === total || done % 100 === 0) process.stdout.write(`tenants: ${done}/${total} (${failed} failed)\n`);
    },
  });
  if (isTty) process.stdout.write('\n');
  for (const f of result.failed) process.stderr.write(`failed: store ${f.storeId} (${f.schema}): ${f.error}\n`);
  process.stdout.write(
    `${JSON.stringify({ total: result.total, migrated: result.migrated, upToDate: result.upToDate, failed: result.failed.length, stoppedByCanary: result.stoppedByCanary, ms: Date.now() - started })}\n`,
  );
  process.exitCode = result.failed.length ? 1 : 0;
} finally {
  await db.destroy();
  await embedded?.stop();
}
