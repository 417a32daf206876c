import { type Kysely, sql } from 'kysely';

/**
 * Order timeline events carry what happened as data (amounts in minor units, the payment provider, carrier and
 * tracking number, units), so the console writes them in the merchant's language with the store's money format
 * instead of showing the English `message` (kept for webhooks, exports and older events).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('order_events')
    .addColumn('data', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('order_events').dropColumn('data').execute();
}
