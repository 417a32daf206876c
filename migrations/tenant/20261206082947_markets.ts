import { type Kysely, sql } from 'kysely';

/**
 * Markets (issue 19): named groups of countries with a currency, languages, a price rule (exchange rate or the
 * operator's rate table, rounding increment, fixed per-variant prices) and a tax display rule. A country belongs to
 * at most one market (the primary key of market_countries). Orders keep the presentment amounts in their existing
 * columns (`currency` is what the shopper paid in) and the store-currency amounts with the rate used.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const now = sql`now()`;
  await db.schema
    .createTable('markets')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull().check(sql`currency ~ '^[A-Z]{3}$'`))
    .addColumn('exchange_rate', 'text')
    .addColumn('rounding_increment', 'integer', (c) => c.notNull().defaultTo(1).check(sql`rounding_increment between 1 and 100000`))
    .addColumn('tax_inclusive', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('languages', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema
    .createTable('market_countries')
    .addColumn('country', 'text', (c) => c.primaryKey().check(sql`country ~ '^[A-Z]{2}$'`))
    .addColumn('market_id', 'uuid', (c) => c.notNull().references('markets.id').onDelete('cascade'))
    .execute();
  await db.schema.createIndex('market_countries_market_idx').on('market_countries').column('market_id').execute();
  await db.schema
    .createTable('market_prices')
    .addColumn('market_id', 'uuid', (c) => c.notNull().references('markets.id').onDelete('cascade'))
    .addColumn('variant_id', 'uuid', (c) => c.notNull().references('variants.id').onDelete('cascade'))
    .addColumn('price', 'integer', (c) => c.notNull().check(sql`price >= 0`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('market_prices_pkey', ['market_id', 'variant_id'])
    .execute();

  await db.schema
    .alterTable('orders')
    .addColumn('market_id', 'uuid')
    .addColumn('store_currency', 'text')
    .addColumn('exchange_rate', 'text', (c) => c.notNull().defaultTo('1'))
    .addColumn('exchange_rate_date', 'date')
    .addColumn('store_subtotal', 'integer')
    .addColumn('store_shipping', 'integer')
    .addColumn('store_tax', 'integer')
    .addColumn('store_discount_total', 'integer')
    .addColumn('store_total', 'integer')
    .addColumn('store_refunded', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  // Orders before markets were in the store currency at rate 1.
  await db
    .updateTable('orders')
    .set({
      store_currency: sql.ref('currency'),
      store_subtotal: sql.ref('subtotal'),
      store_shipping: sql.ref('shipping'),
      store_tax: sql.ref('tax'),
      store_discount_total: sql.ref('discount_total'),
      store_total: sql.ref('total'),
      store_refunded: sql.ref('refunded'),
    })
    .execute();
  await db.schema.alterTable('order_lines').addColumn('store_unit_price', 'integer').execute();
  await db
    .updateTable('order_lines')
    .set({ store_unit_price: sql.ref('unit_price') })
    .execute();
}
