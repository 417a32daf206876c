import { type Kysely, sql } from 'kysely';

/**
 * Markets (issue 19): the store's own country (its primary market), and the operator's exchange-rate table that
 * markets without a fixed `exchangeRate` convert with. Rates are loaded from a file (`npm run rates -- load <file>`),
 * never fetched at request time; one row per (base, quote, day), the newest day not in the future wins.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('stores')
    .addColumn('country', 'text', (c) => c.check(sql`country ~ '^[A-Z]{2}$'`))
    .execute();
  await db.schema
    .createTable('exchange_rates')
    .addColumn('base', 'text', (c) => c.notNull().check(sql`base ~ '^[A-Z]{3}$'`))
    .addColumn('quote', 'text', (c) => c.notNull().check(sql`quote ~ '^[A-Z]{3}$'`))
    // Units of `quote` per 1 unit of `base`, an exact decimal string.
    .addColumn('rate', 'text', (c) => c.notNull().check(sql`rate ~ '^[0-9]{1,20}(\\.[0-9]{1,20})?$'`))
    .addColumn('as_of', 'date', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('loaded_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('exchange_rates_pkey', ['base', 'quote', 'as_of'])
    .execute();
}
