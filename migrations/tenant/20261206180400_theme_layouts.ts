import { type Kysely, sql } from 'kysely';

/**
 * Theme sections (issue 20): each template's (home, collection, product, page)
 * layout as a draft the merchant edits and the published copy shoppers get,
 * with a version counter for optimistic concurrency, and every published
 * layout kept for the version history (restore copies one into the draft).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('theme_templates')
    .addColumn('template', 'text', (c) => c.primaryKey())
    .addColumn('draft', 'jsonb', (c) => c.notNull())
    .addColumn('published', 'jsonb')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('draft_updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('published_at', 'timestamptz')
    .addCheckConstraint('theme_templates_template_check', sql`template in ('home','collection','product','page')`)
    .execute();
  await db.schema
    .createTable('theme_versions')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('template', 'text', (c) => c.notNull())
    .addColumn('layout', 'jsonb', (c) => c.notNull())
    .addColumn('published_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // The console user who published (no foreign key: users live in the control schema).
    .addColumn('published_by', 'uuid')
    .execute();
  await db.schema.createIndex('theme_versions_template_idx').on('theme_versions').columns(['template', 'published_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('theme_versions').ifExists().execute();
  await db.schema.dropTable('theme_templates').ifExists().execute();
}
