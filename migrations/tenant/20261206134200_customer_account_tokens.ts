import { type Kysely, sql } from 'kysely';

/**
 * Storefront customer accounts (issue 17): a password reset and an e-mail
 * verification, each by a mailed single-use link. The table keeps only the
 * sha256 of the link's random token, its purpose and expiry; the customer's
 * `email_verified_at` says the address was proven, which is when earlier
 * guest orders placed with it join the account.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('customers').addColumn('email_verified_at', 'timestamptz').execute();
  await db.schema
    .createTable('customer_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('customer_id', 'uuid', (c) => c.notNull().references('customers.id').onDelete('cascade'))
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('customer_tokens_purpose_check', sql`purpose in ('reset','verify')`)
    .execute();
  await db.schema.createIndex('customer_tokens_customer_idx').on('customer_tokens').columns(['customer_id', 'purpose']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('customer_tokens').execute();
  await db.schema.alterTable('customers').dropColumn('email_verified_at').execute();
}
