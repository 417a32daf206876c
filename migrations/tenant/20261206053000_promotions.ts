import { type Kysely, sql } from 'kysely';

/**
 * Promotions: discounts (codes and automatic) with an exact usage counter,
 * their per-order usages (once-per-customer by a partial unique index), gift
 * cards (hashed code, balance that cannot go negative) with a ledger of every
 * issue/redeem/release/refund, the per-line allocation of every discount on an
 * order, and cart fields for the Storefront API and abandoned-cart recovery.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const now = sql`now()`;
  await db.schema
    .createTable('discounts')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('code', 'text')
    // lower(code): codes are case-insensitive and unique per store.
    .addColumn('code_key', 'text', (c) => c.unique())
    .addColumn('automatic', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('value', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('applies_to', 'jsonb')
    .addColumn('min_subtotal', 'integer')
    .addColumn('usage_limit', 'integer')
    .addColumn('used_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('once_per_customer', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('starts_at', 'timestamptz')
    .addColumn('ends_at', 'timestamptz')
    .addColumn('combines_with', 'jsonb', (c) => c.notNull())
    .addColumn('buy_x_get_y', 'jsonb')
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addCheckConstraint('discounts_kind_check', sql`kind in ('percentage','fixed_amount','free_shipping','buy_x_get_y')`)
    .addCheckConstraint('discounts_code_or_automatic', sql`(automatic and code is null) or (not automatic and code is not null)`)
    // The backstop of the conditional increment: a limit can never be exceeded.
    .addCheckConstraint('discounts_used_count_check', sql`used_count >= 0 and (usage_limit is null or used_count <= usage_limit)`)
    .execute();
  await db.schema.createIndex('discounts_automatic_idx').on('discounts').column('automatic').where(sql.ref('active'), '=', true).execute();

  await db.schema
    .createTable('discount_usages')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('discount_id', 'uuid', (c) => c.notNull().references('discounts.id').onDelete('cascade'))
    // No foreign key: the use is claimed first in the checkout transaction, before its order row exists.
    .addColumn('order_id', 'uuid', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('amount', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addCheckConstraint('discount_usages_status_check', sql`status in ('active','released')`)
    .execute();
  await db.schema.createIndex('discount_usages_order_idx').on('discount_usages').column('order_id').execute();
  await db.schema.createIndex('discount_usages_discount_idx').on('discount_usages').columns(['discount_id', 'created_at']).execute();
  // Once per customer: one live use per (discount, e-mail); a released use (failed/expired payment) frees it.
  await db.schema
    .createIndex('discount_usages_once_idx')
    .on('discount_usages')
    .columns(['discount_id', 'email'])
    .unique()
    .where(sql.ref('status'), '=', 'active')
    .execute();

  await db.schema
    .createTable('order_discount_allocations')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('order_id', 'uuid', (c) => c.notNull().references('orders.id').onDelete('cascade'))
    .addColumn('order_line_id', 'uuid', (c) => c.references('order_lines.id').onDelete('cascade'))
    .addColumn('discount_id', 'uuid', (c) => c.references('discounts.id').onDelete('set null'))
    .addColumn('code', 'text')
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('amount', 'integer', (c) => c.notNull())
    .addCheckConstraint('order_discount_allocations_amount_check', sql`amount > 0`)
    .execute();
  await db.schema.createIndex('order_discount_allocations_order_idx').on('order_discount_allocations').column('order_id').execute();

  await db.schema
    .createTable('gift_cards')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('code_hash', 'text', (c) => c.notNull().unique())
    .addColumn('last4', 'text', (c) => c.notNull())
    .addColumn('initial_value', 'integer', (c) => c.notNull())
    .addColumn('balance', 'integer', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz')
    .addColumn('note', 'text')
    .addColumn('disabled', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('source_order_id', 'uuid')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addCheckConstraint('gift_cards_balance_check', sql`balance >= 0 and balance <= initial_value`)
    .execute();

  await db.schema
    .createTable('gift_card_ledger')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('gift_card_id', 'uuid', (c) => c.notNull().references('gift_cards.id').onDelete('cascade'))
    .addColumn('order_id', 'uuid')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('amount', 'integer', (c) => c.notNull())
    .addColumn('balance_after', 'integer', (c) => c.notNull())
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addCheckConstraint('gift_card_ledger_kind_check', sql`kind in ('issue','redeem','release','refund','adjust')`)
    .execute();
  await db.schema.createIndex('gift_card_ledger_card_idx').on('gift_card_ledger').columns(['gift_card_id', 'created_at']).execute();
  await db.schema.createIndex('gift_card_ledger_order_idx').on('gift_card_ledger').column('order_id').execute();

  await db.schema
    .alterTable('orders')
    .addColumn('discount_total', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('gift_card_total', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('cart_id', 'uuid')
    .addColumn('recovered', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
  await db.schema.createIndex('orders_cart_idx').on('orders').column('cart_id').execute();
  await db.schema
    .alterTable('order_lines')
    .addColumn('discount_total', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .alterTable('carts')
    .addColumn('email', 'text')
    .addColumn('country', 'text')
    .addColumn('locale', 'text')
    .addColumn('discount_codes', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    // [{id, balance}]: each card with the balance it had when applied; checkout refuses a card spent elsewhere since.
    .addColumn('gift_cards', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('recovery_sent_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('recovery_sent_at', 'timestamptz')
    .addColumn('recovered_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('carts_recovery_idx').on('carts').column('updated_at').where(sql.ref('email'), 'is not', null).execute();

  await db.schema
    .createTable('marketing_unsubscribes')
    .addColumn('email', 'text', (c) => c.primaryKey())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();
}
