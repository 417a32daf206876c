import { type Kysely, sql } from 'kysely';

/**
 * Marketing mail as a consent the shopper gives (issue 22). A row of `consents` about marketing mail names the
 * address it is for (`email`, lower case) and where it was given or withdrawn (`source`: the checkout's or the
 * registration's opt-in box, the Storefront API's `acceptsMarketing`, the account page, the one-click unsubscribe);
 * banner decisions keep both null. Recovery in the store's `subscribed` mode reads the address's latest such row.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('consents').addColumn('email', 'text').execute();
  await db.schema.alterTable('consents').addColumn('source', 'text').execute();
  await db.schema
    .alterTable('consents')
    .addCheckConstraint('consents_source_check', sql`source in ('checkout','registration','api','account','unsubscribe')`)
    .execute();
  await db.schema.createIndex('consents_email_idx').on('consents').columns(['email', 'created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('consents_email_idx').execute();
  await db.schema.alterTable('consents').dropConstraint('consents_source_check').execute();
  await db.schema.alterTable('consents').dropColumn('source').execute();
  await db.schema.alterTable('consents').dropColumn('email').execute();
}
