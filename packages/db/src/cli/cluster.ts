/**
 * Database clusters and store placement.
 *
 * npm run cluster -- list
 * npm run cluster -- set <cluster> [--status open|draining|closed] [--weight N] [--name TEXT]
 * npm run cluster -- move <store id or slug> <cluster> [--keep-source]     (resumes an unfinished move)
 * npm run cluster -- drop-source <cluster> <schema>                          (after a --keep-source move)
 *
 * Cluster URLs come from DATABASE_URL (`main`) and DATABASE_CLUSTERS; `npm run migrate` registers them.
 */
import { parseArgs } from 'node:util';
import { loadEnv, migrateEnvSchema } from '@storeloom/env';
import { ClusterUnavailableError, createDatabase } from '../client.ts';
import { isUuid } from '../ids.ts';
import { dropMovedSource, moveStore } from '../move.ts';

const env = loadEnv(migrateEnvSchema);
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    status: { type: 'string' },
    weight: { type: 'string' },
    name: { type: 'string' },
    'keep-source': { type: 'boolean', default: false },
  },
});
const usage = () => {
  process.stderr.write(
    'usage: npm run cluster -- list | set <cluster> [--status open|draining|closed] [--weight N] [--name T] | move <store> <cluster> [--keep-source] | drop-source <cluster> <schema>\n',
  );
  process.exit(2);
};
if (!env.DATABASE_URL) {
  process.stderr.write('DATABASE_URL is not set (placement needs a real Postgres; the embedded database is one cluster)\n');
  process.exit(2);
}
const db = createDatabase({
  url: env.DATABASE_URL,
  poolMax: 4,
  applicationName: 'storeloom-cluster',
  tenantIsolation: env.TENANT_ISOLATION,
  clusters: env.DATABASE_CLUSTERS,
  placementTtlMs: env.PLACEMENT_CACHE_TTL_MS,
});
const [cmd, a, b] = positionals;
try {
  if (cmd === 'list') {
    const rows = await db.control.selectFrom('database_clusters').selectAll().orderBy('id').execute();
    for (const r of rows)
      process.stdout.write(
        `${JSON.stringify({ id: r.id, name: r.name, status: r.status, weight: r.weight, stores: r.store_count, configured: db.clusterIds.includes(r.id) })}\n`,
      );
  } else if (cmd === 'set' && a) {
    const set: Record<string, unknown> = { updated_at: new Date() };
    if (values.status) {
      if (!['open', 'draining', 'closed'].includes(values.status)) usage();
      set.status = values.status;
    }
    if (values.weight !== undefined) {
      const w = Number(values.weight);
      if (!Number.isInteger(w) || w < 0) usage();
      set.weight = w;
    }
    if (values.name) set.name = values.name;
    if (set.status === 'closed') {
      const left = await db.control.selectFrom('stores').select('id').where('cluster_id', '=', a).where('status', '!=', 'deleted').limit(1).executeTakeFirst();
      if (left) throw new Error(`cluster ${a} still holds stores: move them out first (set it draining)`);
    }
    const row = await db.control.updateTable('database_clusters').set(set).where('id', '=', a).returningAll().executeTakeFirst();
    if (!row) throw new Error(`cluster ${a} is not registered (add it to DATABASE_CLUSTERS and run npm run migrate)`);
    process.stdout.write(`${JSON.stringify(row)}\n`);
  } else if (cmd === 'move' && a && b) {
    const store = await db.control
      .selectFrom('stores')
      .select('id')
      .where(isUuid(a) ? 'id' : 'slug', '=', a)
      .executeTakeFirst();
    if (!store) throw new Error(`store ${a} not found`);
    const r = await moveStore(db, store.id, b, {
      keepSource: values['keep-source'],
      onProgress: (p) => process.stdout.write(`${JSON.stringify(p)}\n`),
    });
    process.stdout.write(
      `${JSON.stringify({ moved: r.storeId, from: r.from, to: r.to, rows: r.rowsCopied, tables: r.tables.length, readOnlyMs: r.readOnlyMs, sourceDropped: r.sourceDropped, resumed: r.resumed })}\n`,
    );
  } else if (cmd === 'drop-source' && a && b) {
    const { roleOnRecord } = await dropMovedSource(db, a, b);
    process.stdout.write(`dropped ${b} on ${a}\n`);
    if (roleOnRecord) process.stderr.write(`its role on ${a} could not be dropped: on record, the purge job tries it again (control.tenant_role_drops)\n`);
  } else usage();
} catch (e) {
  process.stderr.write(`${e instanceof ClusterUnavailableError ? e.detail : e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
} finally {
  await db.destroy();
}
