import type { Kysely } from 'kysely';

/** Extra headers of an outgoing mail (List-Unsubscribe and List-Unsubscribe-Post on marketing mail). */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('mail_outbox').addColumn('headers', 'jsonb').execute();
}
