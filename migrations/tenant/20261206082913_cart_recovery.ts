import type { Kysely } from 'kysely';

/**
 * Abandoned-cart recovery: a cart restored from a reminder's link on another
 * device is a copy of the reminded cart; `restored_from` names the original so
 * the copy never gets reminders of its own (the original's count rules) and an
 * order from it still counts as recovered.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('carts').addColumn('restored_from', 'uuid').execute();
}
