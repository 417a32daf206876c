/**
 * The store roles still to drop on a cluster, and for a failed move's target the schema too: on record in
 * control.tenant_role_drops, so that a drop that fails (the role still holds privileges or owns objects in another
 * database of the cluster, a cluster that does not answer) or a process that stops before it does not leave them
 * behind with nothing naming them. Written by the purge (the store's clusters), by dropMovedSource (a moved store's old
 * cluster) and by a failed move's rollback (its target), each before it drops; taken off once done. The purge job
 * retries every record left (retryTenantDrop). Roles are cluster-wide; a record names the cluster it is for, and a
 * retry never drops anything on the cluster the store lives on.
 */
import { isPgError } from '@storeloom/errors';
import { type Kysely, sql } from 'kysely';
import { CONTROL_SCHEMA, clusterKysely, type Database, PRIMARY_CLUSTER } from './client.ts';
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

/** Counts a failed attempt and keeps its error (SQLSTATE and message) for an operator. Best effort: see the callers. */
async function noteFailure(db: Database, r: TenantDropRecord, error: unknown): Promise<void> {
  const text = error instanceof Error ? `${isPgError(error) ? `${error.code}: ` : ''}${error.message}` : String(error);
  await db.control
    .updateTable('tenant_role_drops')
    .set({ attempts: sql`attempts + 1`, last_error: text.slice(0, 1000), updated_at: new Date() })
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
  if (r.drop_schema) {
    const dropSchema = async (trx: Kysely<any>) => {
      await sql`select pg_advisory_xact_lock(hashtext(${`storeloom:migrate:${r.schema_name}`}))`.execute(trx);
      await sql`drop schema if exists ${sql.id(r.schema_name)} cascade`.execute(trx);
    };
    if (primary) await dropSchema(on);
    else await on.transaction().execute(dropSchema);
  }
  await dropTenantRole(on, r.schema_name);
}

/**
 * For a mover (dropMovedSource, a failed move's rollback), which holds the store's move lock and knows the store does
 * not live on that cluster: puts the drop on record, does it, and takes the record off. A failure stays on record for
 * the purge job's retry, with the attempt counted, and is returned (not thrown: the mover's own work is done).
 */
export async function dropTenantLeftovers(db: Database, r: TenantDropRecord): Promise<{ error: unknown } | null> {
  try {
    await recordTenantDrops(db, [r]);
    await drop(clusterKysely(db, r.cluster), r, false);
    await forget(db.control, r);
    return null;
  } catch (error) {
    await noteFailure(db, r, error);
    return { error };
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
