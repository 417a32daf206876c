/**
 * Database clusters and store placement.
 *
 * npm run cluster -- list
 * npm run cluster -- set <cluster> [--status open|draining|closed] [--weight N] [--name TEXT]
 * npm run cluster -- move <store id or slug> <cluster> [--keep-source]     (resumes an unfinished move)
 * npm run cluster -- drop-source <cluster> <schema>                          (after a --keep-source move)
 * npm run cluster -- forget-drops <cluster>    (the purge's records for a cluster gone for good, with its roles)
 *
 * A schema or role a move or drop-source could not drop on the cluster the store left is on record for the purge job
 * (control.tenant_role_drops), which drops it later: said on stderr, and in the move's line (sourceOnRecord).
 * Cluster URLs come from DATABASE_URL (`main`) and DATABASE_CLUSTERS; `npm run migrate` registers them.
 */
import { parseArgs } from 'node:util';
import { loadEnv, migrateEnvSchema } from '@storeloom/env';
import { ClusterUnavailableError, createDatabase } from '../client.ts';
import { isUuid } from '../ids.ts';
import { dropMovedSource, moveStore, type SourceOnRecord } from '../move.ts';

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
    'usage: npm run cluster -- list | set <cluster> [--status open|draining|closed] [--weight N] [--name T] | move <store> <cluster> [--keep-source] | drop-source <cluster> <schema> | forget-drops <cluster>\n',
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
/** What of a moved store's old copy on `cluster` is left on record, for the operator (stderr). */
const onRecord = (cluster: string, schema: string, left: SourceOnRecord) =>
  process.stderr.write(
    `${left.schema ? `${schema}${left.role ? ' and its role' : ''}` : 'its role'} on ${cluster} could not be dropped (${left.reason}): on record, the purge job tries it again (control.tenant_role_drops)\n`,
  );
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
      .select(['id', 'schema_name'])
      .where(isUuid(a) ? 'id' : 'slug', '=', a)
      .executeTakeFirst();
    if (!store) throw new Error(`store ${a} not found`);
    const r = await moveStore(db, store.id, b, {
      keepSource: values['keep-source'],
      onProgress: (p) => process.stdout.write(`${JSON.stringify(p)}\n`),
    });
    process.stdout.write(
      `${JSON.stringify({ moved: r.storeId, from: r.from, to: r.to, rows: r.rowsCopied, tables: r.tables.length, readOnlyMs: r.readOnlyMs, sourceDropped: r.sourceDropped, sourceOnRecord: r.sourceOnRecord, resumed: r.resumed })}\n`,
    );
    if (r.sourceOnRecord) onRecord(r.from, store.schema_name, r.sourceOnRecord);
  } else if (cmd === 'drop-source' && a && b) {
    const { schemaDropped, onRecord: left } = await dropMovedSource(db, a, b);
    if (schemaDropped) process.stdout.write(`dropped ${b} on ${a}\n`);
    if (left) onRecord(a, b, left);
  } else if (cmd === 'forget-drops' && a) {
    // The purge keeps the records of a cluster not configured anywhere it runs (the cluster may come back with the roles
    // on it) and reports them every run. Forgetting them is the operator's call, once the cluster is gone for good; a
    // cluster this process reaches needs no such call (the purge job drops what they name).
    if (db.clusterIds.includes(a)) throw new Error(`cluster ${a} is configured here: the purge job drops what its records name`);
    const gone = await db.control.deleteFrom('tenant_role_drops').where('cluster', '=', a).executeTakeFirst();
    process.stdout.write(`forgot ${Number(gone.numDeletedRows)} record(s) of cluster ${a}\n`);
  } else usage();
} catch (e) {
  process.stderr.write(`${e instanceof ClusterUnavailableError ? e.detail : e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
} finally {
  await db.destroy();
}
