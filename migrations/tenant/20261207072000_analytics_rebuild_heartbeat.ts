import type { Kysely } from 'kysely';

/**
 * A rebuild killed midway (SIGKILL, a lost host) left `analytics_state.rebuild_id` set for good: every worker pass kept
 * listing its orders in `analytics_rebuild_dirty` and nothing said the rebuild had stopped. A rebuild now beats a
 * heartbeat (`rebuild_heartbeat_at`, every few seconds between its batches) and names its process (`rebuild_owner`,
 * host and pid, for the operator); one whose heartbeat is older than the stale limit is abandoned, and the worker's
 * sweep (or the next `analytics:rebuild`) takes it over where it stopped, keeping its shadow rows and dirty list.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('analytics_state').addColumn('rebuild_heartbeat_at', 'timestamptz').execute();
  await db.schema.alterTable('analytics_state').addColumn('rebuild_owner', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('analytics_state').dropColumn('rebuild_owner').execute();
  await db.schema.alterTable('analytics_state').dropColumn('rebuild_heartbeat_at').execute();
}
