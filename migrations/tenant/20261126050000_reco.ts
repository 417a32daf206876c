import { type Kysely, sql } from 'kysely';

/**
 * Recommendations: first-party shopper events, training runs (= model
 * versions) and the precomputed top-N lists of each version. Lists are keyed
 * by version so a new model is written beside the live one and switched in
 * with a one-row update.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const now = sql`now()`;
  await db.schema
    .createTable('reco_events')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text')
    .addColumn('session_id', 'text')
    .addColumn('product_id', 'uuid')
    .addColumn('variant_id', 'uuid')
    .addColumn('order_id', 'text')
    .addColumn('quantity', 'integer')
    .addColumn('slot', 'text')
    .addColumn('occurred_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addCheckConstraint('reco_events_kind_check', sql`kind in ('view','add_to_cart','purchase','impression','click')`)
    .addCheckConstraint('reco_events_actor_check', sql`customer_id is not null or session_id is not null`)
    .addCheckConstraint('reco_events_quantity_check', sql`quantity is null or quantity > 0`)
    .execute();
  await db.schema.createIndex('reco_events_time_idx').on('reco_events').column('occurred_at').execute();
  await db.schema.createIndex('reco_events_kind_time_idx').on('reco_events').columns(['kind', 'occurred_at']).execute();
  await db.schema.createIndex('reco_events_session_idx').on('reco_events').columns(['session_id', 'occurred_at']).execute();
  await db.schema.createIndex('reco_events_customer_idx').on('reco_events').columns(['customer_id', 'occurred_at']).execute();

  // One row per paid order: the unique key that makes recordPurchase idempotent.
  await db.schema
    .createTable('reco_orders')
    .addColumn('order_id', 'text', (c) => c.primaryKey())
    .addColumn('customer_id', 'text')
    .addColumn('session_id', 'text')
    .addColumn('occurred_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex('reco_orders_time_idx').on('reco_orders').column('occurred_at').execute();

  await db.schema
    .createTable('reco_models')
    .addColumn('version', 'serial', (c) => c.primaryKey())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('job_id', 'text')
    .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('finished_at', 'timestamptz')
    .addColumn('stats', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('metrics', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('error', 'text')
    .addCheckConstraint('reco_models_status_check', sql`status in ('running','succeeded','failed')`)
    .addCheckConstraint('reco_models_trigger_check', sql`trigger in ('schedule','manual')`)
    .execute();
  // At most one training per store at a time.
  await db.schema.createIndex('reco_models_one_running').on('reco_models').column('status').unique().where(sql<boolean>`status = 'running'`).execute();

  // The live model: a single row, switched atomically when a training succeeds.
  await db.schema
    .createTable('reco_active_model')
    .addColumn('id', 'boolean', (c) => c.primaryKey().defaultTo(true))
    .addColumn('version', 'integer', (c) => c.notNull().references('reco_models.version'))
    .addColumn('activated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addCheckConstraint('reco_active_model_single', sql`id`)
    .execute();

  // items: [{ p: productId, s: score, src: 'cf' | 'content' | 'popular' }]
  await db.schema
    .createTable('reco_item_recs')
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('product_id', 'uuid', (c) => c.notNull())
    .addColumn('repeat', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('items', 'jsonb', (c) => c.notNull())
    .addPrimaryKeyConstraint('reco_item_recs_pkey', ['version', 'product_id'])
    .execute();
  // items: re-buys allowed ("for you"); fresh: never bought before ("discover").
  await db.schema
    .createTable('reco_customer_recs')
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('items', 'jsonb', (c) => c.notNull())
    .addColumn('fresh', 'jsonb', (c) => c.notNull())
    .addPrimaryKeyConstraint('reco_customer_recs_pkey', ['version', 'customer_id'])
    .execute();
  // scope: 'all' or a collection id.
  await db.schema
    .createTable('reco_popular')
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('items', 'jsonb', (c) => c.notNull())
    .addPrimaryKeyConstraint('reco_popular_pkey', ['version', 'scope'])
    .execute();
}
