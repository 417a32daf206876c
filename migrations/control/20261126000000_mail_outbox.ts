import { type Kysely, sql } from 'kysely';

/**
 * Transactional outbox for e-mail: a message is written in the same transaction
 * as the change that causes it, and a job delivers it afterwards (SMTP when
 * configured, otherwise it stays readable in the local outbox).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('mail_outbox')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('store_id', 'uuid')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('to_address', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('text_body', 'text', (c) => c.notNull())
    .addColumn('html_body', 'text')
    .addColumn('dedup_key', 'text')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('sent_at', 'timestamptz')
    .addCheckConstraint('mail_outbox_status_check', sql`status in ('pending','sent','failed')`)
    .execute();
  // The same cause (e.g. one order's confirmation) never mails twice, even when retried.
  await db.schema.createIndex('mail_outbox_dedup_key').on('mail_outbox').column('dedup_key').unique().execute();
  await db.schema.createIndex('mail_outbox_pending_idx').on('mail_outbox').columns(['status', 'next_attempt_at']).execute();
  await db.schema.createIndex('mail_outbox_to_idx').on('mail_outbox').columns(['to_address', 'created_at']).execute();
}
