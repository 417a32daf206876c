import type { Kysely } from 'kysely';

/**
 * A record of control.tenant_role_drops may also say that the store's schema on that cluster is still to drop: a move
 * that fails drops its partial copy and the role it made on its target, and a drop that fails there (the cluster does
 * not answer, the role is in use) is put on record for the purge job's retry rather than left with nothing naming it.
 * The retry drops the schema (`if exists`) and then the role, and only where the store does not live. The purge's and
 * a dropped source's records name a schema already dropped: false.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('tenant_role_drops')
    .addColumn('drop_schema', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
}
