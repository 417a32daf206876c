import type { Kysely } from 'kysely';

/**
 * A privacy request's deadline may be extended once, by two further months,
 * for a complex request (GDPR art. 12(3)); the merchant records who did it,
 * when and why (the shopper must be told the reason within the first month).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('privacy_requests')
    .addColumn('extended_at', 'timestamptz')
    .addColumn('extended_by', 'uuid')
    .addColumn('extension_reason', 'text')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('privacy_requests').dropColumn('extended_at').dropColumn('extended_by').dropColumn('extension_reason').execute();
}
