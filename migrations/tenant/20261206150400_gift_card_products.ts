import { type Kysely, sql } from 'kysely';

/**
 * Gift cards sold as products (issue 18): a product flagged `gift_card` (its
 * variants are the denominations) is a tender for sale, not goods: no shipping,
 * no tax. The shopper's optional recipient (e-mail, name, message) rides on the
 * cart line and the order line; when the order is paid one card per unit is
 * issued, keyed by (order line, unit) so retried and duplicated paid events
 * issue nothing twice.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('products')
    .addColumn('gift_card', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
  await db.schema.alterTable('cart_lines').addColumn('gift_card_recipient', 'jsonb').execute();
  await db.schema
    .alterTable('order_lines')
    .addColumn('gift_card', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('gift_card_recipient', 'jsonb')
    .execute();
  await db.schema.alterTable('gift_cards').addColumn('source_order_line_id', 'uuid').addColumn('source_unit', 'integer').execute();
  await db.schema
    .createIndex('gift_cards_source_unit_idx')
    .on('gift_cards')
    .columns(['source_order_line_id', 'source_unit'])
    .unique()
    .where(sql.ref('source_order_line_id'), 'is not', null)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('gift_cards_source_unit_idx').execute();
  await db.schema.alterTable('gift_cards').dropColumn('source_unit').dropColumn('source_order_line_id').execute();
  await db.schema.alterTable('order_lines').dropColumn('gift_card_recipient').dropColumn('gift_card').execute();
  await db.schema.alterTable('cart_lines').dropColumn('gift_card_recipient').execute();
  await db.schema.alterTable('products').dropColumn('gift_card').execute();
}
