import { type Kysely, sql } from 'kysely';

/**
 * Photos on verified-buyer reviews (issue 20): up to a few per review, uploaded
 * with it through the signed link, re-encoded without metadata and stored as
 * `<store>/review-<random>.<ext>` (never served by the public media routes:
 * the storefront shows a photo only while its review is published). A photo
 * goes with its review (cascade; the storage object is deleted by the caller).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('review_photos')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('review_id', 'uuid', (c) => c.notNull().references('reviews.id').onDelete('cascade'))
    .addColumn('storage_key', 'text', (c) => c.notNull().unique())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('width', 'integer', (c) => c.notNull())
    .addColumn('height', 'integer', (c) => c.notNull())
    .addColumn('bytes', 'integer', (c) => c.notNull())
    .addColumn('position', 'smallint', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('review_photos_review_idx').on('review_photos').columns(['review_id', 'position']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('review_photos').execute();
}
