import { type Kysely, sql } from 'kysely';

/**
 * Dynamic pricing and demand-based inventory planning, per store: opt-in
 * pricing settings with guardrails, the policy's state, an audit log of every
 * price change, daily sales per variant (fed idempotently per order line),
 * inventory policies, suppliers, the latest reorder plan per variant,
 * low-stock alerts and the merchant's alert webhook.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const now = sql`now()`;

  await db.schema
    .createTable('pricing_settings')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('product_id', 'uuid', (c) => c.references('products.id').onDelete('cascade'))
    .addColumn('collection_id', 'uuid', (c) => c.references('collections.id').onDelete('cascade'))
    .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('mode', 'text', (c) => c.notNull().defaultTo('suggest'))
    .addColumn('floor', 'integer', (c) => c.notNull())
    .addColumn('ceiling', 'integer', (c) => c.notNull())
    .addColumn('price_points', 'jsonb')
    .addColumn('step', 'integer')
    .addColumn('max_change_per_day', 'integer')
    .addColumn('target_units', 'integer')
    .addColumn('target_date', 'date')
    .addColumn('paused_reason', 'text')
    .addColumn('paused_at', 'timestamptz')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addCheckConstraint('pricing_settings_scope_check', sql`(product_id is null) <> (collection_id is null)`)
    .addCheckConstraint('pricing_settings_mode_check', sql`mode in ('suggest','auto')`)
    .addCheckConstraint('pricing_settings_band_check', sql`floor >= 0 and floor <= ceiling`)
    .addCheckConstraint('pricing_settings_step_check', sql`step is null or step > 0`)
    .addCheckConstraint('pricing_settings_change_check', sql`max_change_per_day is null or max_change_per_day >= 0`)
    .addCheckConstraint('pricing_settings_target_check', sql`(target_units is null) = (target_date is null) and (target_units is null or target_units > 0)`)
    .execute();
  await db.schema.createIndex('pricing_settings_product_key').on('pricing_settings').column('product_id').unique().execute();
  await db.schema.createIndex('pricing_settings_collection_key').on('pricing_settings').column('collection_id').unique().execute();

  await db.schema
    .createTable('pricing_policy_state')
    .addColumn('variant_id', 'uuid', (c) => c.primaryKey().references('variants.id').onDelete('cascade'))
    .addColumn('product_id', 'uuid', (c) => c.notNull())
    .addColumn('settings_fingerprint', 'text', (c) => c.notNull())
    .addColumn('state', 'jsonb', (c) => c.notNull())
    .addColumn('rng', 'jsonb', (c) => c.notNull())
    .addColumn('observed_through', 'date')
    .addColumn('last_price', 'integer', (c) => c.notNull())
    .addColumn('target_start', 'date', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable('price_changes')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('variant_id', 'uuid', (c) => c.notNull().references('variants.id').onDelete('cascade'))
    .addColumn('product_id', 'uuid', (c) => c.notNull())
    .addColumn('old_price', 'integer', (c) => c.notNull())
    .addColumn('new_price', 'integer', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('inputs', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('expected_revenue_per_day', 'integer')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('rollback_of', 'uuid')
    .addColumn('decided_by', 'uuid')
    .addColumn('decided_at', 'timestamptz')
    .addColumn('applied_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addCheckConstraint('price_changes_status_check', sql`status in ('suggested','applied','rejected','rolled_back')`)
    .addCheckConstraint('price_changes_source_check', sql`source in ('policy','rollback')`)
    .execute();
  await db.schema.createIndex('price_changes_variant_idx').on('price_changes').columns(['variant_id', 'created_at']).execute();
  await db.schema.createIndex('price_changes_status_idx').on('price_changes').columns(['status', 'created_at']).execute();
  // At most one suggestion waits for approval per variant, however many runs race.
  await db.schema
    .createIndex('price_changes_one_open_suggestion')
    .on('price_changes')
    .column('variant_id')
    .unique()
    .where(sql<boolean>`status = 'suggested'`)
    .execute();

  await db.schema
    .createTable('variant_sales_daily')
    .addColumn('variant_id', 'uuid', (c) => c.notNull().references('variants.id').onDelete('cascade'))
    .addColumn('day', 'date', (c) => c.notNull())
    .addColumn('units', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('revenue', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('avg_price_shown', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('variant_sales_daily_pkey', ['variant_id', 'day'])
    .addCheckConstraint('variant_sales_daily_units_check', sql`units >= 0 and revenue >= 0`)
    .execute();
  // One row per order line: a repeated recordSale (retried webhook, replayed event) counts once.
  await db.schema
    .createTable('variant_sale_lines')
    .addColumn('order_line_id', 'text', (c) => c.primaryKey())
    .addColumn('variant_id', 'uuid', (c) => c.notNull().references('variants.id').onDelete('cascade'))
    .addColumn('units', 'integer', (c) => c.notNull())
    .addColumn('unit_price', 'integer', (c) => c.notNull())
    .addColumn('sold_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addCheckConstraint('variant_sale_lines_check', sql`units > 0 and unit_price >= 0`)
    .execute();

  await db.schema
    .createTable('suppliers')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('lead_time_days', 'integer', (c) => c.notNull().defaultTo(7))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addCheckConstraint('suppliers_lead_time_check', sql`lead_time_days between 0 and 365`)
    .execute();

  await db.schema
    .createTable('inventory_policies')
    .addColumn('variant_id', 'uuid', (c) => c.primaryKey().references('variants.id').onDelete('cascade'))
    .addColumn('supplier_id', 'uuid', (c) => c.references('suppliers.id').onDelete('set null'))
    .addColumn('lead_time_days', 'integer')
    .addColumn('service_level', 'real', (c) => c.notNull().defaultTo(0.95))
    .addColumn('review_period_days', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addCheckConstraint('inventory_policies_lead_check', sql`lead_time_days is null or lead_time_days between 0 and 365`)
    .addCheckConstraint('inventory_policies_service_check', sql`service_level > 0 and service_level < 1`)
    .addCheckConstraint('inventory_policies_review_check', sql`review_period_days between 1 and 90`)
    .execute();

  // The latest plan per variant (overwritten by each inventory run) and its low-stock state.
  await db.schema
    .createTable('reorder_suggestions')
    .addColumn('variant_id', 'uuid', (c) => c.primaryKey().references('variants.id').onDelete('cascade'))
    .addColumn('supplier_id', 'uuid', (c) => c.references('suppliers.id').onDelete('set null'))
    .addColumn('on_hand', 'integer', (c) => c.notNull())
    .addColumn('reorder_point', 'real', (c) => c.notNull())
    .addColumn('order_up_to', 'real', (c) => c.notNull())
    .addColumn('suggested_quantity', 'integer', (c) => c.notNull())
    .addColumn('lead_time_days', 'integer', (c) => c.notNull())
    .addColumn('service_level', 'real', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('forecast', 'jsonb', (c) => c.notNull())
    .addColumn('reasons', 'jsonb', (c) => c.notNull())
    .addColumn('low', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('low_episode', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('computed_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable('low_stock_alerts')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('variant_id', 'uuid', (c) => c.notNull().references('variants.id').onDelete('cascade'))
    .addColumn('episode', 'integer', (c) => c.notNull())
    .addColumn('on_hand', 'integer', (c) => c.notNull())
    .addColumn('reorder_point', 'real', (c) => c.notNull())
    .addColumn('suggested_quantity', 'integer', (c) => c.notNull())
    .addColumn('webhook_status', 'text', (c) => c.notNull().defaultTo('none'))
    .addColumn('webhook_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('webhook_last_error', 'text')
    .addColumn('webhook_delivered_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addCheckConstraint('low_stock_alerts_webhook_check', sql`webhook_status in ('none','pending','delivered','failed')`)
    .execute();
  // One alert per crossing: the episode counter moves only when stock went back above the reorder point.
  await db.schema.createIndex('low_stock_alerts_crossing_key').on('low_stock_alerts').columns(['variant_id', 'episode']).unique().execute();
  await db.schema.createIndex('low_stock_alerts_created_idx').on('low_stock_alerts').column('created_at').execute();

  await db.schema
    .createTable('alert_webhooks')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addCheckConstraint('alert_webhooks_single_check', sql`id = 1`)
    .execute();
}
