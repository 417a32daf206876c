import { type Kysely, sql } from 'kysely';

/**
 * More translated store content (issue 19): product option names and values (a JSON column on the product's
 * translation), menus (the menu title and its items' titles by position), blog articles, and the store's own
 * strings (its name). Like the first translation tables, a null field shows the original.
 */
const LOCALE_CHECK = (column: string) => sql`check (${sql.ref(column)} ~ '^[a-z]{2}(-[A-Z]{2})?$')`;

export async function up(db: Kysely<any>): Promise<void> {
  const now = sql`now()`;
  // {"Size": {"name": "Größe", "values": {"Small": "Klein"}}}: keyed by the original option name and value.
  await db.schema.alterTable('product_translations').addColumn('options', 'jsonb').execute();
  await db.schema
    .createTable('menu_translations')
    .addColumn('menu_id', 'uuid', (c) => c.notNull().references('menus.id').onDelete('cascade'))
    .addColumn('locale', 'text', (c) => c.notNull().modifyEnd(LOCALE_CHECK('locale')))
    .addColumn('title', 'text')
    // {"0": "Neu", "1.0": "Hemden"}: item titles by position path in the menu's tree.
    .addColumn('items', 'jsonb')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('menu_translations_pkey', ['menu_id', 'locale'])
    .execute();
  await db.schema
    .createTable('article_translations')
    .addColumn('article_id', 'uuid', (c) => c.notNull().references('articles.id').onDelete('cascade'))
    .addColumn('locale', 'text', (c) => c.notNull().modifyEnd(LOCALE_CHECK('locale')))
    .addColumn('title', 'text')
    .addColumn('body_html', 'text')
    .addColumn('excerpt', 'text')
    .addColumn('seo_title', 'text')
    .addColumn('seo_description', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('article_translations_pkey', ['article_id', 'locale'])
    .execute();
  await db.schema
    .createTable('store_translations')
    .addColumn('locale', 'text', (c) => c.primaryKey().modifyEnd(LOCALE_CHECK('locale')))
    .addColumn('name', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['store_translations', 'article_translations', 'menu_translations']) await db.schema.dropTable(t).ifExists().execute();
  await db.schema.alterTable('product_translations').dropColumn('options').execute();
}
