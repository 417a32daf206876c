import { type Kysely, sql } from 'kysely';

/**
 * Real Shopify exports: Shopify generates non-ASCII handles for titles in
 * Japanese, Chinese, Cyrillic… and allows the same SKU on several variants,
 * so the catalogue accepts both. Variants may point at one of their product's
 * images (Shopify's `Variant Image`). Imported images remember the URL they
 * were downloaded from (a re-run reuses the stored copy), and imports keep
 * per-row warnings beside their errors.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // Lower-case words of any script joined by single hyphens; never whitespace,
  // ASCII upper case, control characters or URL delimiters.
  await db.schema.alterTable('products').dropConstraint('products_handle_check').execute();
  await db.schema
    .alterTable('products')
    .addCheckConstraint(
      'products_handle_check',
      sql`char_length(handle) <= 255 and handle ~ '^[^-[:space:][:upper:][:cntrl:]/?#%."<>]+(-[^-[:space:][:upper:][:cntrl:]/?#%."<>]+)*$'`,
    )
    .execute();

  await db.schema.dropIndex('variants_sku_key').execute();
  await db.schema.createIndex('variants_sku_idx').on('variants').column('sku').execute();
  await db.schema.alterTable('variants').addColumn('image_url', 'text').execute();

  await db.schema.alterTable('images').addColumn('source_url', 'text').execute();

  await db.schema
    .alterTable('imports')
    .addColumn('warnings', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .execute();
  await db.schema
    .alterTable('imports')
    .addColumn('warning_count', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}
