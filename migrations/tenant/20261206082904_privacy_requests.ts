import { type Kysely, sql } from 'kysely';

/**
 * Shoppers' data rights (GDPR arts. 15 and 17, CCPA): one row per export or
 * erasure request. `email` is cleared once an erasure of that address has run
 * (only `email_hash`, a one-way sha256, stays); `due_at` is the statutory deadline.
 * `consents` records what a shopper agreed to (optional tracking, marketing),
 * with the time and the banner version, keyed by the consent cookie's id.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const now = sql`now()`;
  await db.schema
    .createTable('privacy_requests')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('email_hash', 'text', (c) => c.notNull())
    .addColumn('requested_by', 'uuid')
    .addColumn('approved_by', 'uuid')
    .addColumn('approved_at', 'timestamptz')
    .addColumn('due_at', 'timestamptz', (c) => c.notNull())
    .addColumn('started_at', 'timestamptz')
    .addColumn('completed_at', 'timestamptz')
    .addColumn('error', 'text')
    .addColumn('archive_key', 'text')
    .addColumn('archive_expires_at', 'timestamptz')
    .addColumn('summary', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addCheckConstraint('privacy_requests_kind_check', sql`kind in ('export','erasure')`)
    .addCheckConstraint('privacy_requests_status_check', sql`status in ('pending','running','completed','failed')`)
    .addCheckConstraint('privacy_requests_source_check', sql`source in ('merchant','shopper','guest')`)
    .execute();
  await db.schema.createIndex('privacy_requests_created_idx').on('privacy_requests').column('created_at').execute();
  await db.schema.createIndex('privacy_requests_email_hash_idx').on('privacy_requests').column('email_hash').execute();

  await db.schema
    .createTable('consents')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    // Random id of the browser's consent cookie; a signed-in shopper's record also names the customer.
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'uuid', (c) => c.references('customers.id').onDelete('cascade'))
    .addColumn('choices', 'jsonb', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('signal', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex('consents_subject_idx').on('consents').columns(['subject', 'created_at']).execute();
  await db.schema.createIndex('consents_created_idx').on('consents').column('created_at').execute();
}
