import { type Kysely, sql } from 'kysely';

/**
 * The store roles a purge has still to drop. A purge drops a store's role on each cluster that held a copy after its
 * transaction commits (roles are cluster-wide); a drop that fails (the role still holds privileges or owns objects in
 * another database of the cluster, a cluster that does not answer) or a process that stops before it left the role
 * behind with nothing to name it. The purge now writes one row per cluster in its transaction and removes it once the
 * role is gone; every run tries the rows left and reports those that still fail. No foreign key: the store row is
 * deleted in the same transaction.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('tenant_role_drops')
    .addColumn('cluster', 'text', (c) => c.notNull())
    .addColumn('schema_name', 'text', (c) => c.notNull())
    .addColumn('store_id', 'uuid', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('tenant_role_drops_pkey', ['cluster', 'schema_name'])
    .execute();
}
