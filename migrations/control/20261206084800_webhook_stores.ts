import { type Kysely, sql } from 'kysely';

/** Stores with at least one webhook subscription: the dispatcher's sweep visits only these. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('webhook_stores')
    .addColumn('store_id', 'uuid', (c) => c.primaryKey().references('stores.id').onDelete('cascade'))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('webhook_stores').execute();
}
