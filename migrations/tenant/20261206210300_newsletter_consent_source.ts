import { type Kysely, sql } from 'kysely';

/**
 * The newsletter section's own sign-up form (issue 20) records a marketing consent like the checkout's and the
 * registration's boxes, with `source = 'newsletter'`.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('consents').dropConstraint('consents_source_check').execute();
  await db.schema
    .alterTable('consents')
    .addCheckConstraint('consents_source_check', sql`source in ('checkout','registration','api','account','unsubscribe','newsletter')`)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`update consents set source = 'api' where source = 'newsletter'`.execute(db);
  await db.schema.alterTable('consents').dropConstraint('consents_source_check').execute();
  await db.schema
    .alterTable('consents')
    .addCheckConstraint('consents_source_check', sql`source in ('checkout','registration','api','account','unsubscribe')`)
    .execute();
}
