import type { Kysely } from 'kysely';

/** The store's announcement bar and footer text (store settings `storeText`) are translatable like its name (issue 19). */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('store_translations').addColumn('announcement', 'text').addColumn('footer_text', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('store_translations').dropColumn('announcement').dropColumn('footer_text').execute();
}
