import { type Kysely, sql } from 'kysely';

/**
 * Variant price history (issue 22, the EU price-reduction rule of the Omnibus directive): one row per price a
 * variant took, written in the transaction that changed it (`recordPriceChanges` in @storeloom/catalog: product
 * create/edit from the API, console and CSV/Shopify import, dynamic pricing apply and rollback, a market's fixed
 * price set or removed). `market_id` null is the store-currency price; a market row is that market's fixed price,
 * `price` null meaning "no fixed price from here on: the converted store price applies". The storefront shows the
 * lowest price of the 30 days before a shown reduction from these rows.
 *
 * Backfill: each existing variant's current price, and each market fixed price, as known since the row's last
 * update (earlier prices were not kept).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('variant_price_history')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('variant_id', 'uuid', (c) => c.notNull().references('variants.id').onDelete('cascade'))
    .addColumn('market_id', 'uuid', (c) => c.references('markets.id').onDelete('cascade'))
    .addColumn('price', 'integer')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('changed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      'variant_price_history_price_check',
      sql`(price is not null and price between 0 and 2000000000) or (price is null and market_id is not null)`,
    )
    .addCheckConstraint(
      'variant_price_history_source_check',
      sql`source in ('backfill','create','edit','import','pricing','rollback','market','market_currency','clone')`,
    )
    .execute();
  await db.schema.createIndex('variant_price_history_variant_idx').on('variant_price_history').columns(['variant_id', 'changed_at']).execute();
  // Query builder, not raw SQL: the migrator places tables in the store's schema through Kysely's schema plugin.
  const columns = ['id', 'variant_id', 'market_id', 'price', 'source', 'changed_at'] as const;
  await db
    .insertInto('variant_price_history')
    .columns([...columns])
    .expression(
      db
        .selectFrom('variants')
        .select([sql`gen_random_uuid()`.as('id'), 'id as variant_id', sql`null::uuid`.as('market_id'), 'price', sql`'backfill'`.as('source'), 'updated_at']),
    )
    .execute();
  await db
    .insertInto('variant_price_history')
    .columns([...columns])
    .expression(
      db.selectFrom('market_prices').select([sql`gen_random_uuid()`.as('id'), 'variant_id', 'market_id', 'price', sql`'backfill'`.as('source'), 'updated_at']),
    )
    .execute();
}
