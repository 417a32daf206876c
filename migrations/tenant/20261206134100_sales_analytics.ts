import { type Kysely, sql } from 'kysely';

/**
 * Sales analytics (issue 21): daily aggregates maintained by the worker.
 *
 * - `analytics_pending` is the outbox of changed orders: OrderService upserts the order's row in the transaction of
 *   every change that moves a figure (paid, refunded, cancelled, edited); `seq` grows on each upsert so a change that
 *   lands while the worker is computing the order keeps its row.
 * - `analytics_order_facts` holds what each order currently contributes (its sale and refund rows, per day). The
 *   worker recomputes an order from the raw tables, applies (new − old) to the aggregates and replaces the facts in
 *   one transaction together with deleting the pending row: each change is applied exactly once, and a replay adds 0.
 * - `analytics_daily` (per day, presentment currency and market), `analytics_product_daily` (per day and product) and
 *   `analytics_funnel_daily` (sessions → views → add to cart → checkouts → orders, from the first-party events) are
 *   what the dashboard reads; `analytics_state` is the single row the worker and the rebuild lock.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const now = sql`now()`;
  await db.schema
    .createTable('analytics_pending')
    .addColumn('order_id', 'uuid', (c) => c.primaryKey())
    .addColumn('seq', 'bigint', (c) => c.notNull().defaultTo(1))
    .addColumn('queued_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex('analytics_pending_queued_idx').on('analytics_pending').column('queued_at').execute();

  await db.schema
    .createTable('analytics_order_facts')
    .addColumn('order_id', 'uuid', (c) => c.primaryKey())
    .addColumn('facts', 'jsonb', (c) => c.notNull())
    .addColumn('computed_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();

  // Untyped builder: the column list is data here.
  const money = (t: ReturnType<Kysely<any>['schema']['createTable']>, cols: string[]): any => {
    let b = t;
    for (const col of cols) b = b.addColumn(col, 'bigint', (c) => c.notNull().defaultTo(0));
    return b;
  };
  await money(
    db.schema
      .createTable('analytics_daily')
      .addColumn('day', 'date', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      // '' when the order had no market (the store's primary market).
      .addColumn('market_id', 'text', (c) => c.notNull()),
    [
      'orders',
      'units',
      'gross',
      'discounts',
      'refunds',
      'shipping',
      'tax',
      'total',
      'new_customers',
      'returning_customers',
      'presentment_gross',
      'presentment_discounts',
      'presentment_refunds',
      'presentment_total',
    ],
  )
    .addPrimaryKeyConstraint('analytics_daily_pkey', ['day', 'currency', 'market_id'])
    .execute();

  await money(
    db.schema
      .createTable('analytics_product_daily')
      .addColumn('day', 'date', (c) => c.notNull())
      // The nil UUID for lines whose product was deleted before the order was counted.
      .addColumn('product_id', 'uuid', (c) => c.notNull()),
    ['orders', 'units', 'gross', 'discounts'],
  )
    .addPrimaryKeyConstraint('analytics_product_daily_pkey', ['day', 'product_id'])
    .execute();
  await db.schema.createIndex('analytics_product_daily_product_idx').on('analytics_product_daily').columns(['product_id', 'day']).execute();

  await db.schema
    .createTable('analytics_funnel_daily')
    .addColumn('day', 'date', (c) => c.primaryKey())
    .addColumn('sessions', 'integer', (c) => c.notNull())
    .addColumn('product_views', 'integer', (c) => c.notNull())
    .addColumn('add_to_cart', 'integer', (c) => c.notNull())
    .addColumn('checkouts', 'integer', (c) => c.notNull())
    .addColumn('orders', 'integer', (c) => c.notNull())
    .addColumn('computed_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable('analytics_state')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('funnel_computed_at', 'timestamptz')
    .addColumn('rebuilt_at', 'timestamptz')
    .addCheckConstraint('analytics_state_single_row', sql`id = 1`)
    .execute();
  await db.insertInto('analytics_state').values({ id: 1 }).execute();

  // The funnel counts checkouts by placement day and the catch-up finds orders by their last change.
  await db.schema.createIndex('orders_updated_idx').on('orders').column('updated_at').execute();
  await db.schema.createIndex('orders_paid_email_idx').on('orders').columns(['email', 'paid_at']).where(sql.ref('paid_at'), 'is not', null).execute();

  // Orders placed before this migration: counted by the first worker pass (same path as a rebuild).
  await db
    .insertInto('analytics_pending')
    .columns(['order_id'])
    .expression(db.selectFrom('orders').select('id').where('paid_at', 'is not', null))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('orders_paid_email_idx').execute();
  await db.schema.dropIndex('orders_updated_idx').execute();
  for (const t of ['analytics_state', 'analytics_funnel_daily', 'analytics_product_daily', 'analytics_daily', 'analytics_order_facts', 'analytics_pending'])
    await db.schema.dropTable(t).execute();
}
