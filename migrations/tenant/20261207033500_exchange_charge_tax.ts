import type { Kysely } from 'kysely';

/**
 * The tax inside an exchange's price-difference charge. When the order added tax on top of its prices, the charge is
 * the replacement's price and tax less what the returned units were paid with their tax, so part of it is tax: the
 * returns service stores that part with the exchange when it prices it (`returns.exchange_tax`) and with the charge
 * when it is paid (`payments.tax`), and sales analytics book the charge net of it as sales and the rest as tax, as
 * they book an order's tax. Rows from before (and every other payment) have no tax in them: 0 / null.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('payments')
    .addColumn('tax', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('returns').addColumn('exchange_tax', 'integer').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('returns').dropColumn('exchange_tax').execute();
  await db.schema.alterTable('payments').dropColumn('tax').execute();
}
