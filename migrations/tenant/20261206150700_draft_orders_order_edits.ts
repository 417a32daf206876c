import { type Kysely, sql } from 'kysely';

/**
 * Draft orders and order edits (issue 21).
 *
 * `draft_orders`: an order the merchant keys in (catalogue lines and custom items in `lines`, discount codes or a
 * manual amount, a shipping line, the customer and address). `reserved` is what the draft holds in stock (only when
 * the merchant chose to reserve). The invoice link's random token is kept only as its sha256. Paying the invoice or
 * marking it paid makes the real order (`order_id`, set once under the draft's row lock).
 *
 * `order_edits`: a staged change to a placed order (`changes`: added variants, changed line quantities), committed
 * once; `base_edit_count` must still equal `orders.edit_count` at commit (a concurrent commit wins, the other is 409).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('draft_orders')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('number', 'integer', (c) => c.notNull().unique())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('open'))
    .addColumn('email', 'text')
    .addColumn('customer_id', 'uuid')
    .addColumn('customer_name', 'text')
    .addColumn('shipping_address', 'jsonb')
    .addColumn('country', 'text')
    .addColumn('lines', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('discount_codes', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('manual_discount', 'jsonb')
    .addColumn('shipping_line', 'jsonb')
    .addColumn('note', 'text')
    .addColumn('reserve', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('reserved', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('total', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('invoice_token_hash', 'text', (c) => c.unique())
    .addColumn('invoice_sent_at', 'timestamptz')
    .addColumn('order_id', 'uuid', (c) => c.references('orders.id').onDelete('set null'))
    .addColumn('completed_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('draft_orders_status_check', sql`status in ('open','invoice_sent','completed','cancelled')`)
    .execute();
  await db.schema.createIndex('draft_orders_order_idx').on('draft_orders').column('order_id').execute();
  await db.schema
    .alterTable('orders')
    .addColumn('edit_count', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('orders').addColumn('draft_order_id', 'uuid').execute();
  await db.schema
    .createTable('order_edits')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('order_id', 'uuid', (c) => c.notNull().references('orders.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('staged'))
    .addColumn('base_edit_count', 'integer', (c) => c.notNull())
    .addColumn('changes', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('note', 'text')
    .addColumn('total_before', 'integer')
    .addColumn('total_after', 'integer')
    .addColumn('charge_payment_id', 'uuid')
    .addColumn('refund_payment_id', 'uuid')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('committed_at', 'timestamptz')
    .addCheckConstraint('order_edits_status_check', sql`status in ('staged','committed','discarded')`)
    .execute();
  await db.schema.createIndex('order_edits_order_idx').on('order_edits').columns(['order_id', 'created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('order_edits').execute();
  await db.schema.alterTable('orders').dropColumn('draft_order_id').execute();
  await db.schema.alterTable('orders').dropColumn('edit_count').execute();
  await db.schema.dropTable('draft_orders').execute();
}
