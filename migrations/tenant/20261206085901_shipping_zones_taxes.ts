import { type Kysely, sql } from 'kysely';

/**
 * Shipping zones and tax by destination (issue 19). A zone is a set of countries (each in at most one zone) with
 * rates (price in store minor units, optional subtotal and weight bounds). Tax rates are per country, optional
 * region and tax class, in thousandths of a percent (9.975 % = 9975); products carry a tax class. Orders keep the
 * destination, the buyer's VAT id, whether reverse charge applied, and the tax per rate; each line its tax.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const now = sql`now()`;
  await db.schema
    .createTable('shipping_zones')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema
    .createTable('shipping_zone_countries')
    .addColumn('country', 'text', (c) => c.primaryKey().check(sql`country ~ '^[A-Z]{2}$'`))
    .addColumn('zone_id', 'uuid', (c) => c.notNull().references('shipping_zones.id').onDelete('cascade'))
    .execute();
  await db.schema.createIndex('shipping_zone_countries_zone_idx').on('shipping_zone_countries').column('zone_id').execute();
  await db.schema
    .createTable('shipping_zone_rates')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('zone_id', 'uuid', (c) => c.notNull().references('shipping_zones.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('price', 'integer', (c) => c.notNull().check(sql`price >= 0`))
    .addColumn('min_subtotal', 'integer')
    .addColumn('max_subtotal', 'integer')
    .addColumn('min_weight_grams', 'integer')
    .addColumn('max_weight_grams', 'integer')
    .addColumn('position', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('shipping_zone_rates_zone_idx').on('shipping_zone_rates').columns(['zone_id', 'position']).execute();

  await db.schema
    .createTable('tax_rates')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('country', 'text', (c) => c.notNull().check(sql`country ~ '^[A-Z]{2}$'`))
    // '' = the whole country (a unique key cannot hold null twice as "the same").
    .addColumn('region', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('tax_class', 'text', (c) => c.notNull().defaultTo('standard'))
    .addColumn('rate_milli', 'integer', (c) => c.notNull().check(sql`rate_milli between 0 and 100000`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull().defaultTo('merchant'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addUniqueConstraint('tax_rates_key', ['country', 'region', 'tax_class'])
    .execute();
  await db.schema
    .alterTable('products')
    .addColumn('tax_class', 'text', (c) => c.notNull().defaultTo('standard'))
    .execute();
  await db.schema
    .alterTable('orders')
    .addColumn('tax_country', 'text')
    .addColumn('vat_id', 'text')
    .addColumn('reverse_charge', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('tax_lines', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .execute();
  await db.schema
    .alterTable('order_lines')
    .addColumn('tax', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('carts').addColumn('vat_id', 'text').execute();
}
