import { type Kysely, sql } from 'kysely';

/**
 * Product search, per store. `search_documents` is the index's source of
 * truth: one row per product as the search core sees it (fields, facet
 * values, display data), written by the indexing jobs. `seq` grows on every
 * write (deletions are tombstones; writers hold a per-store advisory lock, so
 * seq order is commit order), and a process serving search from an in-memory
 * copy catches up by reading `seq > last seen` only.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const now = sql`now()`;
  await db.schema
    .createTable('search_documents')
    .addColumn('product_id', 'uuid', (c) => c.primaryKey())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('deleted', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('doc', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('source_hash', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('indexed_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex('search_documents_seq_idx').on('search_documents').column('seq').execute();

  // Merchant settings: synonyms, stop words, pins, boosts. `search_config.version` changes on every edit.
  await db.schema
    .createTable('search_config')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('version', 'bigint', (c) => c.notNull().defaultTo(1))
    .addColumn('stop_words', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn('in_stock_boost', 'real', (c) => c.notNull().defaultTo(0.1))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addCheckConstraint('search_config_single_row', sql`id = 1`)
    .execute();
  await db.insertInto('search_config').values({ id: 1 }).execute();

  await db.schema
    .createTable('search_synonyms')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('terms', sql`text[]`, (c) => c.notNull())
    .addColumn('synonyms', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addCheckConstraint('search_synonyms_kind_check', sql`kind in ('two_way','one_way')`)
    .execute();

  await db.schema
    .createTable('search_pins')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('query', 'text', (c) => c.notNull())
    .addColumn('product_id', 'uuid', (c) => c.notNull().references('products.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addUniqueConstraint('search_pins_query_product_key', ['query', 'product_id'])
    .execute();

  // Analytics: one row per search (written in batches), clicks, and a per-query rollup for suggestions.
  await db.schema
    .createTable('search_queries')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('query', 'text', (c) => c.notNull())
    .addColumn('results', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex('search_queries_created_idx').on('search_queries').column('created_at').execute();
  await db.schema
    .createTable('search_clicks')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('search_id', 'uuid', (c) => c.notNull())
    .addColumn('product_id', 'uuid', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addUniqueConstraint('search_clicks_search_product_key', ['search_id', 'product_id'])
    .execute();
  await db.schema.createIndex('search_clicks_created_idx').on('search_clicks').column('created_at').execute();
  await db.schema
    .createTable('search_query_stats')
    .addColumn('query', 'text', (c) => c.primaryKey())
    .addColumn('searches', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_results', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex('search_query_stats_prefix_idx').on('search_query_stats').expression(sql`query text_pattern_ops`).execute();
}
