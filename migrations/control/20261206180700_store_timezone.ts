import { type Kysely, sql } from 'kysely';

/**
 * The store's time zone (issue 17): an IANA name the console shows dates and times in. Existing stores read 'UTC'
 * until the merchant picks one (new stores get the creating browser's zone). The API checks the name against Intl;
 * the database only keeps it short and non-empty.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('stores')
    .addColumn('timezone', 'text', (c) => c.notNull().defaultTo('UTC').check(sql`length(timezone) between 1 and 64`))
    .execute();
}
