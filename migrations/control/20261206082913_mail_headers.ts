import type { Kysely } from 'kysely';

/**
 * Extra headers of an outgoing message (e.g. `List-Unsubscribe` and
 * `List-Unsubscribe-Post` on marketing mail such as abandoned-cart reminders).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('mail_outbox').addColumn('headers', 'jsonb').execute();
}
