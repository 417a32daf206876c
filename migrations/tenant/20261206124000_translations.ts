import { type Kysely, sql } from 'kysely';

/**
 * Translations of store content per locale: one table per translatable kind (products, collections, pages),
 * each row a locale's text for one resource, removed with it. A field left null falls back to the original
 * (the store's default language). Descriptions and page bodies are sanitised HTML like the originals.
 */
const LOCALE_CHECK = (column: string) => sql`check (${sql.ref(column)} ~ '^[a-z]{2}(-[A-Z]{2})?$')`;

export async function up(db: Kysely<any>): Promise<void> {
  const now = sql`now()`;
  await db.schema
    .createTable('product_translations')
    .addColumn('product_id', 'uuid', (c) => c.notNull().references('products.id').onDelete('cascade'))
    .addColumn('locale', 'text', (c) => c.notNull().modifyEnd(LOCALE_CHECK('locale')))
    .addColumn('title', 'text')
    .addColumn('description', 'text')
    .addColumn('seo_title', 'text')
    .addColumn('seo_description', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('product_translations_pkey', ['product_id', 'locale'])
    .execute();
  await db.schema
    .createTable('collection_translations')
    .addColumn('collection_id', 'uuid', (c) => c.notNull().references('collections.id').onDelete('cascade'))
    .addColumn('locale', 'text', (c) => c.notNull().modifyEnd(LOCALE_CHECK('locale')))
    .addColumn('title', 'text')
    .addColumn('description', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('collection_translations_pkey', ['collection_id', 'locale'])
    .execute();
  await db.schema
    .createTable('page_translations')
    .addColumn('page_id', 'uuid', (c) => c.notNull().references('pages.id').onDelete('cascade'))
    .addColumn('locale', 'text', (c) => c.notNull().modifyEnd(LOCALE_CHECK('locale')))
    .addColumn('title', 'text')
    .addColumn('body_html', 'text')
    .addColumn('seo_title', 'text')
    .addColumn('seo_description', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('page_translations_pkey', ['page_id', 'locale'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['page_translations', 'collection_translations', 'product_translations']) await db.schema.dropTable(t).ifExists().execute();
}
