import { type Kysely, sql } from 'kysely';

/**
 * One store's commerce tables: carts, customers, orders, stock reservations,
 * payments and refunds. Reserved units leave `variants.inventory_quantity` when
 * the reservation is made (a conditional decrement, so no oversell); an
 * expired reservation puts them back, a payment converts it exactly once.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const now = sql`now()`;
  await db.schema
    .alterTable('variants')
    .addColumn('weight_grams', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable('customers')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable('customer_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('customer_id', 'uuid', (c) => c.notNull().references('customers.id').onDelete('cascade'))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex('customer_sessions_customer_idx').on('customer_sessions').column('customer_id').execute();

  await db.schema
    .createTable('addresses')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('customer_id', 'uuid', (c) => c.notNull().references('customers.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('line1', 'text', (c) => c.notNull())
    .addColumn('line2', 'text')
    .addColumn('city', 'text', (c) => c.notNull())
    .addColumn('postal_code', 'text', (c) => c.notNull())
    .addColumn('region', 'text')
    .addColumn('country', 'text', (c) => c.notNull())
    .addColumn('phone', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex('addresses_customer_idx').on('addresses').column('customer_id').execute();

  await db.schema
    .createTable('carts')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable('cart_lines')
    .addColumn('cart_id', 'uuid', (c) => c.notNull().references('carts.id').onDelete('cascade'))
    .addColumn('variant_id', 'uuid', (c) => c.notNull().references('variants.id').onDelete('cascade'))
    .addColumn('quantity', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('cart_lines_pkey', ['cart_id', 'variant_id'])
    .addCheckConstraint('cart_lines_quantity_check', sql`quantity > 0 and quantity <= 999`)
    .execute();

  // One row: the store's next order number, taken with an atomic UPDATE ... RETURNING.
  await db.schema
    .createTable('order_counter')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('last_number', 'integer', (c) => c.notNull())
    .addCheckConstraint('order_counter_single_row', sql`id = 1`)
    .execute();
  await db.insertInto('order_counter').values({ id: 1, last_number: 1000 }).execute();

  await db.schema
    .createTable('orders')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('number', 'integer', (c) => c.notNull().unique())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('open'))
    .addColumn('payment_status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('fulfillment_status', 'text', (c) => c.notNull().defaultTo('unfulfilled'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'uuid', (c) => c.references('customers.id').onDelete('set null'))
    .addColumn('customer_name', 'text')
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('locale', 'text', (c) => c.notNull().defaultTo('en'))
    .addColumn('subtotal', 'integer', (c) => c.notNull())
    .addColumn('shipping', 'integer', (c) => c.notNull())
    .addColumn('tax', 'integer', (c) => c.notNull())
    .addColumn('tax_included', 'boolean', (c) => c.notNull())
    .addColumn('total', 'integer', (c) => c.notNull())
    .addColumn('refunded', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('item_count', 'integer', (c) => c.notNull())
    .addColumn('shipping_address', 'jsonb')
    .addColumn('shipping_method', 'text', (c) => c.notNull())
    .addColumn('payment_provider', 'text', (c) => c.notNull())
    .addColumn('payment_reference', 'text')
    .addColumn('reservation_expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('paid_at', 'timestamptz')
    .addColumn('fulfilled_at', 'timestamptz')
    .addColumn('tracking_number', 'text')
    .addColumn('carrier', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addCheckConstraint('orders_status_check', sql`status in ('open','cancelled','closed')`)
    .addCheckConstraint('orders_payment_status_check', sql`payment_status in ('pending','paid','failed','expired','partially_refunded','refunded')`)
    .addCheckConstraint('orders_fulfillment_status_check', sql`fulfillment_status in ('unfulfilled','fulfilled')`)
    .addCheckConstraint('orders_refunded_check', sql`refunded >= 0 and refunded <= total`)
    .execute();
  await db.schema.createIndex('orders_created_idx').on('orders').columns(['created_at', 'id']).execute();
  await db.schema.createIndex('orders_email_idx').on('orders').column('email').execute();
  await db.schema.createIndex('orders_customer_idx').on('orders').columns(['customer_id', 'created_at']).execute();
  await db.schema
    .createIndex('orders_pending_expiry_idx')
    .on('orders')
    .column('reservation_expires_at')
    .where(sql.ref('payment_status'), '=', 'pending')
    .execute();

  await db.schema
    .createTable('order_lines')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('order_id', 'uuid', (c) => c.notNull().references('orders.id').onDelete('cascade'))
    .addColumn('product_id', 'uuid', (c) => c.references('products.id').onDelete('set null'))
    .addColumn('variant_id', 'uuid', (c) => c.references('variants.id').onDelete('set null'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('variant_title', 'text')
    .addColumn('sku', 'text')
    .addColumn('quantity', 'integer', (c) => c.notNull())
    .addColumn('unit_price', 'integer', (c) => c.notNull())
    .addColumn('total', 'integer', (c) => c.notNull())
    .addColumn('image_url', 'text')
    .addColumn('position', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('order_lines_order_idx').on('order_lines').columns(['order_id', 'position']).execute();
  await db.schema.createIndex('order_lines_product_idx').on('order_lines').column('product_id').execute();

  await db.schema
    .createTable('order_events')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('order_id', 'uuid', (c) => c.notNull().references('orders.id').onDelete('cascade'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex('order_events_order_idx').on('order_events').columns(['order_id', 'created_at']).execute();

  await db.schema
    .createTable('stock_reservations')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('order_id', 'uuid', (c) => c.notNull().references('orders.id').onDelete('cascade'))
    .addColumn('variant_id', 'uuid', (c) => c.notNull().references('variants.id').onDelete('cascade'))
    .addColumn('quantity', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('settled_at', 'timestamptz')
    .addCheckConstraint('stock_reservations_status_check', sql`status in ('active','converted','released')`)
    .addCheckConstraint('stock_reservations_quantity_check', sql`quantity > 0`)
    .execute();
  await db.schema.createIndex('stock_reservations_order_idx').on('stock_reservations').column('order_id').execute();
  await db.schema.createIndex('stock_reservations_active_idx').on('stock_reservations').column('expires_at').where(sql.ref('status'), '=', 'active').execute();

  await db.schema
    .createTable('payments')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('order_id', 'uuid', (c) => c.notNull().references('orders.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('amount', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('reference', 'text')
    .addColumn('reason', 'text')
    // Payment attempts are keyed per order attempt, refunds by the merchant's Idempotency-Key.
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addCheckConstraint('payments_kind_check', sql`kind in ('charge','refund')`)
    .addCheckConstraint('payments_amount_check', sql`amount >= 0`)
    .execute();
  await db.schema.createIndex('payments_order_idx').on('payments').columns(['order_id', 'created_at']).execute();
}
