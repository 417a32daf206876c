import { type Kysely, sql } from 'kysely';

/**
 * Merchant webhooks (issue 21): event subscriptions with an encrypted signing
 * secret, the transactional outbox of events (written in the transaction of
 * the change), one delivery row per (subscription, event) with its retry
 * schedule, and the attempt log (request/response, truncated).
 *
 * The single low-stock alert webhook (`alert_webhooks`) becomes a subscription
 * to `inventory.low_stock` marked `legacy_alert`; its secret is carried over
 * as `plain:<secret>` (no key is available to a migration) and encrypted the
 * first time the service reads it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const now = sql`now()`;
  await db.schema
    .createTable('webhook_subscriptions')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('events', 'jsonb', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('secret_ciphertext', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('enabled'))
    .addColumn('disabled_reason', 'text')
    .addColumn('legacy_alert', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failing_since', 'timestamptz')
    .addColumn('last_success_at', 'timestamptz')
    .addColumn('last_failure_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addCheckConstraint('webhook_subscriptions_status_check', sql`status in ('enabled','disabled')`)
    .execute();
  await db.schema
    .createIndex('webhook_subscriptions_legacy_key')
    .on('webhook_subscriptions')
    .column('legacy_alert')
    .unique()
    .where(sql.ref('legacy_alert'), '=', true)
    .execute();

  await db.schema
    .createTable('webhook_events')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('resource_key', 'text', (c) => c.notNull())
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex('webhook_events_created_idx').on('webhook_events').column('created_at').execute();

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('subscription_id', 'uuid', (c) => c.notNull().references('webhook_subscriptions.id').onDelete('cascade'))
    .addColumn('event_id', 'uuid', (c) => c.notNull().references('webhook_events.id').onDelete('cascade'))
    .addColumn('resource_key', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('last_attempt_at', 'timestamptz')
    .addColumn('last_status', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('delivered_at', 'timestamptz')
    // Retried until then (3 days after the event; a manual redelivery starts a new window).
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addCheckConstraint('webhook_deliveries_status_check', sql`status in ('pending','succeeded','failed')`)
    .execute();
  await db.schema.createIndex('webhook_deliveries_event_key').on('webhook_deliveries').columns(['subscription_id', 'event_id']).unique().execute();
  await db.schema
    .createIndex('webhook_deliveries_due_idx')
    .on('webhook_deliveries')
    .columns(['next_attempt_at'])
    .where(sql.ref('status'), '=', 'pending')
    .execute();
  await db.schema.createIndex('webhook_deliveries_resource_idx').on('webhook_deliveries').columns(['subscription_id', 'resource_key', 'event_id']).execute();
  await db.schema.createIndex('webhook_deliveries_event_idx').on('webhook_deliveries').column('event_id').execute();

  await db.schema
    .createTable('webhook_delivery_attempts')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('delivery_id', 'uuid', (c) => c.notNull().references('webhook_deliveries.id').onDelete('cascade'))
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('request_headers', 'jsonb', (c) => c.notNull())
    .addColumn('request_body', 'text', (c) => c.notNull())
    .addColumn('response_status', 'integer')
    .addColumn('response_body', 'text')
    .addColumn('error', 'text')
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex('webhook_delivery_attempts_delivery_idx').on('webhook_delivery_attempts').columns(['delivery_id', 'attempt']).execute();

  // One dispatcher per store at a time (a lease, not a lock held across HTTP calls).
  await db.schema
    .createTable('webhook_dispatch_lease')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('holder', 'text')
    .addColumn('locked_until', 'timestamptz')
    .addCheckConstraint('webhook_dispatch_lease_single_check', sql`id = 1`)
    .execute();
  await db.insertInto('webhook_dispatch_lease').values({ id: 1 }).execute();

  // Raw SQL here is not schema-qualified: the builder is (the migrator's schema plugin).
  await db
    .insertInto('webhook_subscriptions')
    .columns(['id', 'url', 'events', 'secret_ciphertext', 'status', 'legacy_alert', 'created_at', 'updated_at'])
    .expression(
      db
        .selectFrom('alert_webhooks')
        .select([
          sql`gen_random_uuid()`.as('id'),
          'url',
          sql`'["inventory.low_stock"]'::jsonb`.as('events'),
          sql`'plain:' || secret`.as('secret_ciphertext'),
          sql`case when enabled then 'enabled' else 'disabled' end`.as('status'),
          sql`true`.as('legacy_alert'),
          'updated_at as created_at',
          'updated_at',
        ]),
    )
    .execute();
  await db.schema.dropTable('alert_webhooks').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('webhook_dispatch_lease').execute();
  await db.schema.dropTable('webhook_delivery_attempts').execute();
  await db.schema.dropTable('webhook_deliveries').execute();
  await db.schema.dropTable('webhook_events').execute();
  await db.schema.dropTable('webhook_subscriptions').execute();
}
