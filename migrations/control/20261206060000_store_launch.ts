/**
 * Store launch: a new store shows shoppers an "opening soon" page until its
 * merchant launches it (`launched_at`). `preview_token` is the random secret of
 * the merchant's preview link (made on first use). Stores that existed before
 * this migration were already open to shoppers, so they count as launched.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('stores').addColumn('launched_at', 'timestamptz').addColumn('preview_token', 'text').execute();
  await db.updateTable('stores').set({ launched_at: sql`created_at` }).execute();
}
