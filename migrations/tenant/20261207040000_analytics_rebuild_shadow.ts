import { type Kysely, sql } from 'kysely';

/**
 * `npm run analytics:rebuild` without one long transaction: the rebuild fills shadow copies of the aggregates
 * (`analytics_rebuild_*`, same columns and keys as the live tables) in short per-batch transactions while the
 * dashboard keeps reading the live ones and the worker keeps maintaining them, then makes the live tables equal to the
 * shadow ones in one short transaction. `analytics_state.rebuild_id` says a rebuild is filling the shadow tables (and
 * which one); while it is set, every worker pass lists the orders it applied in `analytics_rebuild_dirty`, and the
 * swap queues them again, since the shadow copy may have read them before their change. A rebuild that dies leaves the
 * live tables as they were; running it again starts the shadow tables over.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const now = sql`now()`;
  // The live tables' columns, keys and defaults (20261206134100_sales_analytics.ts), under the shadow names.
  await db.schema
    .createTable('analytics_rebuild_order_facts')
    .addColumn('order_id', 'uuid', (c) => c.primaryKey())
    .addColumn('facts', 'jsonb', (c) => c.notNull())
    .addColumn('computed_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();
  const money = (t: ReturnType<Kysely<any>['schema']['createTable']>, cols: string[]): any => {
    let b = t;
    for (const col of cols) b = b.addColumn(col, 'bigint', (c) => c.notNull().defaultTo(0));
    return b;
  };
  await money(
    db.schema
      .createTable('analytics_rebuild_daily')
      .addColumn('day', 'date', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
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
    .addPrimaryKeyConstraint('analytics_rebuild_daily_pkey', ['day', 'currency', 'market_id'])
    .execute();
  await money(
    db.schema
      .createTable('analytics_rebuild_product_daily')
      .addColumn('day', 'date', (c) => c.notNull())
      .addColumn('product_id', 'uuid', (c) => c.notNull()),
    ['orders', 'units', 'gross', 'discounts'],
  )
    .addPrimaryKeyConstraint('analytics_rebuild_product_daily_pkey', ['day', 'product_id'])
    .execute();
  await db.schema
    .createTable('analytics_rebuild_funnel_daily')
    .addColumn('day', 'date', (c) => c.primaryKey())
    .addColumn('sessions', 'integer', (c) => c.notNull())
    .addColumn('product_views', 'integer', (c) => c.notNull())
    .addColumn('add_to_cart', 'integer', (c) => c.notNull())
    .addColumn('checkouts', 'integer', (c) => c.notNull())
    .addColumn('orders', 'integer', (c) => c.notNull())
    .addColumn('computed_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema
    .createTable('analytics_rebuild_dirty')
    .addColumn('order_id', 'uuid', (c) => c.primaryKey())
    .execute();
  await db.schema.alterTable('analytics_state').addColumn('rebuild_id', 'uuid').execute();
  await db.schema.alterTable('analytics_state').addColumn('rebuild_started_at', 'timestamptz').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('analytics_state').dropColumn('rebuild_started_at').execute();
  await db.schema.alterTable('analytics_state').dropColumn('rebuild_id').execute();
  for (const t of [
    'analytics_rebuild_dirty',
    'analytics_rebuild_funnel_daily',
    'analytics_rebuild_product_daily',
    'analytics_rebuild_daily',
    'analytics_rebuild_order_facts',
  ])
    await db.schema.dropTable(t).execute();
}
