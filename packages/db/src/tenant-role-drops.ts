/**
 * The store roles still to drop on a cluster, and for a failed move's target the schema too: on record in
 * control.tenant_role_drops, so that a drop that fails (the role still holds privileges or owns objects in another
 * database of the cluster, a cluster that does not answer) or a process that stops before it does not leave them
 * behind with nothing naming them. Written by the purge (the store's clusters), by dropMovedSource (a moved store's old
 * cluster) and by a failed move's rollback (its target), each before it drops; taken off once done. The purge job
 * retries every record left (retryTenantDrop). Roles are cluster-wide; a record names the cluster it is for, and a
 * retry never drops anything on the cluster the store lives on.
 */
import { isConnectionError, isPgError } from '@storeloom/errors';
import { type Kysely, sql } from 'kysely';
import { CONTROL_SCHEMA, ClusterUnavailableError, clusterKysely, type Database, PRIMARY_CLUSTER } from './client.ts';
import { dropTenantRole } from './tenant-roles.ts';

export interface TenantDropRecord {
  cluster: string;
  schema_name: string;
  store_id: string;
  /** The store's schema on that cluster is still to drop too, before the role (a failed move's copy on its target). */
  drop_schema?: boolean;
}

/** A mover is at work on the store: the retry leaves its record for a later run (the mover may need the role there). */
export class StoreMoveInProgressError extends Error {}

/**
 * Why a drop on record was not done (stable: logs and alerts match on it). role_in_use: the role still holds privileges
 * or owns objects in another database of the cluster (SQLSTATE 2BP01), until someone there lets go of it.
 * move_in_progress: a mover is at work on the store. cluster_not_configured: this process has no connection for the
 * cluster. database_unavailable: the cluster does not answer. failed: anything else (the error is kept on the record).
 */
export type TenantDropFailReason = 'cluster_not_configured' | 'database_unavailable' | 'role_in_use' | 'move_in_progress' | 'failed';

export const tenantDropFailReason = (error: unknown): TenantDropFailReason =>
  error instanceof ClusterUnavailableError
    ? 'cluster_not_configured'
    : isPgError(error) && error.code === '2BP01'
      ? 'role_in_use'
      : error instanceof StoreMoveInProgressError
        ? 'move_in_progress'
        : isConnectionError(error)
          ? 'database_unavailable'
          : 'failed';

const key = (r: TenantDropRecord) => ({ cluster: r.cluster, schema_name: r.schema_name });

/**
 * Puts drops on record through `on`: the primary, or a transaction of it (the purge's, with the store row's delete; a
 * failed move's rollback, with marking the move failed). A record already there keeps its attempts, and a schema still
 * to drop stays so: a later role-only record does not make the retry skip the schema.
 */
export async function recordTenantDrops(db: Database, rows: TenantDropRecord[], on: Kysely<any> = db.control): Promise<void> {
  if (!rows.length) return;
  await on
    .withSchema(CONTROL_SCHEMA)
    .insertInto('tenant_role_drops')
    .values(rows.map((r) => ({ ...key(r), store_id: r.store_id, drop_schema: r.drop_schema ?? false })))
    .onConflict((oc) => oc.columns(['cluster', 'schema_name']).doUpdateSet({ drop_schema: sql`tenant_role_drops.drop_schema or excluded.drop_schema` }))
    .execute();
}

/** Takes a record off: `on` is the primary (a transaction of it, or the Database's control handle). */
async function forget(on: Kysely<any>, r: TenantDropRecord): Promise<void> {
  await on.withSchema(CONTROL_SCHEMA).deleteFrom('tenant_role_drops').where('cluster', '=', r.cluster).where('schema_name', '=', r.schema_name).execute();
}

/**
 * Counts a failed attempt and keeps its error (SQLSTATE and message) for an operator; `schemaDropped`: the schema went
 * before the failure, only the role is left. Best effort: see the callers.
 */
async function noteFailure(db: Database, r: TenantDropRecord, error: unknown, schemaDropped = false): Promise<void> {
  const text = error instanceof Error ? `${isPgError(error) ? `${error.code}: ` : ''}${error.message}` : String(error);
  await db.control
    .updateTable('tenant_role_drops')
    .set({ attempts: sql`attempts + 1`, last_error: text.slice(0, 1000), updated_at: new Date(), ...(schemaDropped ? { drop_schema: false } : {}) })
    .where('cluster', '=', r.cluster)
    .where('schema_name', '=', r.schema_name)
    .execute()
    .catch(() => {});
}

/**
 * The drops themselves on `on` (the record's cluster): the schema first when it is still to drop, under its migration
 * lock there (nothing migrates it meanwhile), then the role (one already gone counts). `primary` is the primary
 * transaction of the caller when the cluster is the primary, so that it runs on that one connection.
 */
async function drop(on: Kysely<any>, r: TenantDropRecord, primary: boolean): Promise<void> {
  if (r.drop_schema) await dropSchema(on, r.schema_name, primary);
  await dropTenantRole(on, r.schema_name);
}

async function dropSchema(on: Kysely<any>, schema: string, primary: boolean): Promise<void> {
  const run = async (trx: Kysely<any>) => {
    await sql`select pg_advisory_xact_lock(hashtext(${`storeloom:migrate:${schema}`}))`.execute(trx);
    await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(trx);
  };
  if (primary) await run(on);
  else await on.transaction().execute(run);
}

/** What a mover's drop left on record: whether the schema is still there (else only the role), and the failure. */
export interface TenantDropFailure {
  schemaDropped: boolean;
  error: unknown;
}

/**
 * For a mover (dropMovedSource, a failed move's rollback), which holds the store's move lock and knows the store does
 * not live on that cluster: puts the drop on record, does it, and takes the record off. A failure stays on record for
 * the purge job's retry, with the attempt counted (and the schema no longer to drop when it went before the failure), and
 * is returned (not thrown: the mover's own work is done). Only a failure to put it on record is thrown: nothing was
 * dropped then.
 */
export async function dropTenantLeftovers(db: Database, r: TenantDropRecord): Promise<TenantDropFailure | null> {
  await recordTenantDrops(db, [r]);
  let schemaDropped = !r.drop_schema;
  try {
    const on = clusterKysely(db, r.cluster);
    if (r.drop_schema) {
      await dropSchema(on, r.schema_name, false);
      schemaDropped = true;
    }
    await dropTenantRole(on, r.schema_name);
    await forget(db.control, r);
    return null;
  } catch (error) {
    await noteFailure(db, r, error, schemaDropped && !!r.drop_schema);
    return { schemaDropped, error };
  }
}

/**
 * The purge job's retry of one record. Holds the store's move lock (on the primary, to the end): a mover at work on the
 * store makes it refuse (StoreMoveInProgressError, record kept), and no mover starts while it drops. When the store
 * lives on the record's cluster now (moved back there) the role and schema there are the store's own: the record is
 * taken off and nothing dropped (moving it away again puts them back on record if they cannot be dropped). Otherwise
 * the drops (the store is purged, or lives elsewhere), then the record is taken off. A failure keeps the record, with
 * the attempt counted, and is thrown.
 */
export async function retryTenantDrop(db: Database, r: TenantDropRecord): Promise<void> {
  try {
    await db.kysely.transaction().execute(async (trx) => {
      const free = await sql<{ ok: boolean }>`select pg_try_advisory_xact_lock(hashtext(${`storeloom:move:${r.store_id}`})) as ok`.execute(trx);
      if (!free.rows[0]?.ok) throw new StoreMoveInProgressError(`store ${r.store_id} is being moved`);
      const store = await trx.withSchema(CONTROL_SCHEMA).selectFrom('stores').select('cluster_id').where('id', '=', r.store_id).executeTakeFirst();
      if (store?.cluster_id !== r.cluster) {
        // The primary's work runs in this transaction (one connection: embedded PGlite serves one session at a time).
        const primary = r.cluster === PRIMARY_CLUSTER;
        await drop(primary ? trx : clusterKysely(db, r.cluster), r, primary);
      }
      await forget(trx, r);
    });
  } catch (error) {
    // After the transaction: its rollback undid nothing on another cluster that is not idempotent to redo.
    await noteFailure(db, r, error);
    throw error;
  }
}

/** The records of one cluster this process has no connection for (see unconfiguredTenantDrops). */
export interface UnconfiguredClusterDrops {
  cluster: string;
  records: number;
  /** When a purge first found the cluster not configured (the oldest of its records' marks). */
  since: Date;
}

/**
 * The records of clusters not configured in this process, per cluster: how many, and since when a purge first found the
 * cluster so (each record is marked then, and the mark cleared once a purge that has the cluster runs). The purge does
 * not try them (nothing here reaches them), so they take no turn from the records it can drop.
 *
 * They are kept, never expired: a cluster taken out of the configuration (for maintenance, or by mistake) may come back
 * with the roles and schemas still on it, and nothing here can tell whether they are; a record dropped after some period
 * would forget them without a word, and a record is all that names them. So they are reported instead, once per cluster
 * per run with their number and age rather than once per record (a cluster of thousands of stores would otherwise log
 * thousands of lines every night, and hide the records that can be acted on): the line stays while the records do, and
 * its age tells an operator how long they have waited. Once the cluster is reachable again, any purge that has it drops
 * them; an operator who knows the cluster is gone for good (and the roles with it) deletes its records
 * (`npm run cluster -- forget-drops <cluster>`).
 */
export async function unconfiguredTenantDrops(db: Database): Promise<UnconfiguredClusterDrops[]> {
  const here = sql<string[]>`${[...db.clusterIds]}::text[]`;
  await db.control
    .updateTable('tenant_role_drops')
    .set({ unconfigured_since: null })
    .where('unconfigured_since', 'is not', null)
    .where((eb) => eb('cluster', '=', eb.fn.any(here)))
    .execute();
  await db.control
    .updateTable('tenant_role_drops')
    .set({ unconfigured_since: sql`now()` })
    .where('unconfigured_since', 'is', null)
    .where((eb) => eb.not(eb('cluster', '=', eb.fn.any(here))))
    .execute();
  const rows = await db.control
    .selectFrom('tenant_role_drops')
    .select(['cluster', sql<number>`count(*)::int`.as('records'), sql<Date>`min(unconfigured_since)`.as('since')])
    .where((eb) => eb.not(eb('cluster', '=', eb.fn.any(here))))
    .groupBy('cluster')
    .orderBy('cluster')
    .execute();
  return rows.map((r) => ({ cluster: r.cluster, records: Number(r.records), since: r.since }));
}
