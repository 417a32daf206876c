/**
 * `stores.currency` was `char(3)`, so every reader `.trim()`med it; it becomes `text` under the same check (three
 * upper-case letters; which codes are sellable is @storeloom/money's ISO 4217 table, checked by the services).
 * The cast from char(n) drops trailing blanks, and the check keeps anything but three letters out.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('stores').dropConstraint('stores_currency_check').execute();
  await db.schema
    .alterTable('stores')
    .alterColumn('currency', (c) => c.setDataType('text'))
    .execute();
  await db.schema.alterTable('stores').addCheckConstraint('stores_currency_check', sql`currency ~ '^[A-Z]{3}$'`).execute();
}
