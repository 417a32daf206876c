import type { Kysely } from 'kysely';

/**
 * When a purge first found a record's cluster not configured in its process (null while it is, or was never seen
 * otherwise). Such a record is kept: the cluster may come back with the role still on it, and only a process that reaches
 * the cluster can tell. The purge reports these records once per cluster per run with this time, so an operator sees
 * how long they have waited, instead of reporting each of them every run; a purge that reaches the cluster clears it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('tenant_role_drops').addColumn('unconfigured_since', 'timestamptz').execute();
}
