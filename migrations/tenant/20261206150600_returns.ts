import { type Kysely, sql } from 'kysely';

/**
 * Returns and exchanges (issue 21). A return is the shopper's request to send
 * back units of a delivered order: requested → approved | declined → received
 * → refunded | exchanged. Every transition is one conditional UPDATE on the
 * return row (`where status = <from>`), so two approvals or receipts at once
 * apply once. `return_lines` say which order line and how many units, the
 * condition recorded at receipt (restocked or not) and, for an exchange, the
 * variant sent instead. Open returns reserve their units: a line can never be
 * asked back for more than was bought and not refunded or already in a return
 * (checked under the order's row lock). Reasons, notes and photos are the
 * shopper's personal data (packages/privacy data map).
 */
export async function up(db: Kysely<any>): Promise<void> {
  const now = sql`now()`;
  await db.schema
    .createTable('returns')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('order_id', 'uuid', (c) => c.notNull().references('orders.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('requested'))
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('customer_note', 'text')
    /** Storage keys of the shopper's photos (the store's media storage). */
    .addColumn('photos', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('merchant_note', 'text')
    .addColumn('label_reference', 'text')
    .addColumn('resolution', 'text')
    .addColumn('refund_id', 'uuid', (c) => c.references('payments.id').onDelete('set null'))
    .addColumn('refund_amount', 'integer')
    /** Exchange: the price difference (> 0 charged to the shopper, < 0 refunded) and its payment. */
    .addColumn('exchange_difference', 'integer')
    .addColumn('exchange_payment_status', 'text')
    .addColumn('exchange_payment_reference', 'text')
    .addColumn('exchange_payment_url', 'text')
    .addColumn('idempotency_key', 'text', (c) => c.unique())
    .addColumn('requested_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('decided_at', 'timestamptz')
    .addColumn('received_at', 'timestamptz')
    .addColumn('closed_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addCheckConstraint('returns_status_check', sql`status in ('requested','approved','declined','received','refunded','exchanged')`)
    .addCheckConstraint('returns_resolution_check', sql`resolution is null or resolution in ('refund','exchange')`)
    .addCheckConstraint('returns_exchange_payment_check', sql`exchange_payment_status is null or exchange_payment_status in ('pending','paid','none')`)
    .execute();
  await db.schema.createIndex('returns_order_idx').on('returns').column('order_id').execute();
  await db.schema.createIndex('returns_status_idx').on('returns').columns(['status', 'requested_at']).execute();

  await db.schema
    .createTable('return_lines')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('return_id', 'uuid', (c) => c.notNull().references('returns.id').onDelete('cascade'))
    .addColumn('order_line_id', 'uuid', (c) => c.notNull().references('order_lines.id').onDelete('cascade'))
    .addColumn('quantity', 'integer', (c) => c.notNull())
    /** Set at receipt: the units went back into stock (inventory ledger) or not (damaged). */
    .addColumn('restock', 'boolean')
    .addColumn('condition_note', 'text')
    .addColumn('exchange_variant_id', 'uuid', (c) => c.references('variants.id').onDelete('set null'))
    .addColumn('exchange_unit_price', 'integer')
    .addCheckConstraint('return_lines_quantity_check', sql`quantity > 0`)
    .addUniqueConstraint('return_lines_line_unique', ['return_id', 'order_line_id'])
    .execute();
  await db.schema.createIndex('return_lines_order_line_idx').on('return_lines').column('order_line_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('return_lines').execute();
  await db.schema.dropTable('returns').execute();
}
