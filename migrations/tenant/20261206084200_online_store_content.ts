import { type Kysely, sql } from 'kysely';

/**
 * Online store content (issue 20): merchant pages, policy pages filled from
 * templates, navigation menus (one model for header and footer, items nested
 * as a JSON tree), blog articles, and 3D models as product media.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const now = sql`now()`;
  await db.schema
    .createTable('pages')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('handle', 'text', (c) => c.notNull().unique())
    .addColumn('title', 'text', (c) => c.notNull())
    // Sanitised on write with the product-description allow-list (@storeloom/catalog/html).
    .addColumn('body_html', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('seo_title', 'text')
    .addColumn('seo_description', 'text')
    .addColumn('published', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('published_at', 'timestamptz')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable('policies')
    .addColumn('kind', 'text', (c) => c.primaryKey())
    // The template's fields as the merchant filled them in; the page is generated from them when served.
    .addColumn('fields', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('published', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addCheckConstraint('policies_kind_check', sql`kind in ('refund','privacy','terms','shipping','imprint')`)
    .execute();

  await db.schema
    .createTable('menus')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('handle', 'text', (c) => c.notNull().unique())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('items', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable('articles')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('handle', 'text', (c) => c.notNull().unique())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('body_html', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('excerpt', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('author', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('tags', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('cover_image_url', 'text')
    .addColumn('cover_image_alt', 'text')
    .addColumn('seo_title', 'text')
    .addColumn('seo_description', 'text')
    .addColumn('published', 'boolean', (c) => c.notNull().defaultTo(false))
    // The publish date shoppers see; a future date keeps a published article hidden until then.
    .addColumn('published_at', 'timestamptz')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex('articles_published_idx').on('articles').columns(['published', 'published_at']).execute();

  await db.schema
    .createTable('product_media')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('product_id', 'uuid', (c) => c.notNull().references('products.id').onDelete('cascade'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('storage_key', 'text', (c) => c.notNull())
    .addColumn('alt', 'text')
    .addColumn('poster_url', 'text')
    .addColumn('poster_key', 'text')
    .addColumn('usdz_url', 'text')
    .addColumn('usdz_key', 'text')
    .addColumn('bytes', 'integer', (c) => c.notNull())
    // The validator's summary (counts, generator, first messages) for the console.
    .addColumn('report', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addCheckConstraint('product_media_type_check', sql`type in ('model')`)
    .execute();
  await db.schema.createIndex('product_media_product_idx').on('product_media').columns(['product_id', 'position']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['product_media', 'articles', 'menus', 'policies', 'pages']) await db.schema.dropTable(t).execute();
}
