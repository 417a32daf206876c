import { type Kysely, sql } from 'kysely';

/**
 * Merchant billing (Stripe subscriptions) and Stripe Connect accounts.
 * `stripe_events` records each webhook event id in the same transaction as its
 * effect: the primary key is what makes processing exactly-once.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('stores')
    .addColumn('stripe_customer_id', 'text')
    .addColumn('stripe_subscription_id', 'text')
    .addColumn('subscription_status', 'text')
    .addColumn('billing_status', 'text', (c) => c.notNull().defaultTo('active'))
    .addColumn('past_due_since', 'timestamptz')
    .addColumn('grace_until', 'timestamptz')
    .addColumn('current_period_end', 'timestamptz')
    .addColumn('suspended_reason', 'text')
    .execute();
  await db.schema.alterTable('stores').addCheckConstraint('stores_billing_status_check', sql`billing_status in ('active','past_due','canceled')`).execute();
  await db.schema.createIndex('stores_stripe_customer_key').on('stores').column('stripe_customer_id').unique().execute();
  await db.schema.createIndex('stores_stripe_subscription_key').on('stores').column('stripe_subscription_id').unique().execute();
  // The suspension sweep reads only stores whose grace is running.
  await db.schema.createIndex('stores_grace_idx').on('stores').column('grace_until').where(sql.ref('billing_status'), '=', 'past_due').execute();

  await db.schema
    .createTable('stripe_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('endpoint', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('account', 'text')
    .addColumn('store_id', 'uuid')
    .addColumn('processed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('stripe_events_endpoint_check', sql`endpoint in ('billing','connect')`)
    .execute();
  await db.schema.createIndex('stripe_events_store_idx').on('stripe_events').columns(['store_id', 'processed_at']).execute();

  await db.schema
    .createTable('stripe_connect_accounts')
    .addColumn('store_id', 'uuid', (c) => c.primaryKey().references('stores.id').onDelete('cascade'))
    .addColumn('account_id', 'text', (c) => c.notNull().unique())
    .addColumn('charges_enabled', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('payouts_enabled', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('details_submitted', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('requirements', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}
