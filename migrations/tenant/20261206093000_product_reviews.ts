import { type Kysely, sql } from 'kysely';

/**
 * Product reviews (issue 20): verified-buyer reviews written through a signed
 * link from a fulfilled order (one per order and product), and reviews imported
 * from another platform; the merchant publishes, hides and replies.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const now = sql`now()`;
  await db.schema
    .createTable('reviews')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('product_id', 'uuid', (c) => c.notNull().references('products.id').onDelete('cascade'))
    // No foreign key: an order may be erased (privacy) while its review stays, anonymous.
    .addColumn('order_id', 'uuid')
    .addColumn('email', 'text')
    .addColumn('author', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('rating', 'smallint', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('body', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('reply', 'text')
    .addColumn('replied_at', 'timestamptz')
    .addColumn('verified', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('source', 'text', (c) => c.notNull().defaultTo('buyer'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addCheckConstraint('reviews_rating_check', sql`rating between 1 and 5`)
    .addCheckConstraint('reviews_status_check', sql`status in ('pending','published','hidden')`)
    .addCheckConstraint('reviews_source_check', sql`source in ('buyer','import')`)
    .execute();
  // One review per bought product and order: the signed link cannot be replayed into several.
  await db.schema
    .createIndex('reviews_order_product_idx')
    .on('reviews')
    .columns(['order_id', 'product_id'])
    .unique()
    .where(sql.ref('order_id'), 'is not', null)
    .execute();
  await db.schema.createIndex('reviews_product_idx').on('reviews').columns(['product_id', 'status', 'created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('reviews').execute();
}
