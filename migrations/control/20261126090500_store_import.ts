import type { Kysely } from 'kysely';

/**
 * A store created from an export archive ("clone") records the archive's
 * storage key here while its data is loaded: provisioning then migrates the
 * schema but leaves the store `provisioning`, and the clone job flips it to
 * `active` (clearing this) only once every table is loaded.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('stores').addColumn('import_source', 'text').execute();
}
