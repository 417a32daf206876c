import type { Kysely } from 'kysely';
import { sql } from 'kysely';

/**
 * Which product (by handle) an import has applied, written in the same transaction as the product itself. A CSV
 * import resumed after a worker crash skips what is recorded here and counts it as recorded, so each row counts once
 * and a committed product is not updated (and its version bumped) a second time (issue 15).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('import_rows')
    .addColumn('import_id', 'uuid', (c) => c.notNull().references('imports.id').onDelete('cascade'))
    .addColumn('handle', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('warnings', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addPrimaryKeyConstraint('import_rows_pkey', ['import_id', 'handle'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('import_rows').execute();
}
