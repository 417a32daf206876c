import { type Kysely, sql } from 'kysely';

/** Console: low-stock threshold per variant; where an uploaded image's object lives in storage. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('variants').addColumn('low_stock_threshold', 'integer').execute();
  await db.schema
    .alterTable('variants')
    .addCheckConstraint('variants_low_stock_threshold_check', sql`low_stock_threshold is null or low_stock_threshold >= 0`)
    .execute();
  await db.schema.alterTable('images').addColumn('storage_key', 'text').execute();
}
