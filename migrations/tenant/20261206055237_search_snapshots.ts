import type { Kysely } from 'kysely';
import { sql } from 'kysely';

/**
 * Serialised search indexes, so a process's cold load of a store is a read
 * and a parse instead of re-analysing every product. One snapshot per store
 * (the latest index version written), stored in chunks of a few MB; `seq` is
 * the `search_documents` seq it includes (a loader applies later rows on
 * top), `stop_words` the analyzer setting it was built with.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('search_snapshots')
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('chunk', 'integer', (c) => c.notNull())
    .addColumn('chunks', 'integer', (c) => c.notNull())
    .addColumn('format', 'integer', (c) => c.notNull())
    .addColumn('stop_words', 'text', (c) => c.notNull())
    .addColumn('data', 'bytea', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('search_snapshots_pkey', ['seq', 'chunk'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('search_snapshots').execute();
}
