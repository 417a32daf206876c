/**
 * Row types of the search tables in a store's schema (migrations/tenant/20261126030000_search.ts).
 * Kept beside the code that uses them; `SearchDb` extends the tenant schema.
 */
import type { Kysely, TenantDatabase } from '@storeloom/db';
import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, string | T, string | T>;

/** What the index keeps per product: the searchable fields plus facet and display values. */
/** One locale's translated text of a product (each part absent when not translated). */
export interface LocaleText {
  title?: string;
  description?: string;
  options?: string[];
}

export interface IndexedDoc {
  handle: string;
  title: string;
  description: string;
  vendor: string | null;
  productType: string | null;
  tags: string[];
  collectionIds: string[];
  collections: string[];
  /** Option values ("Red", "XL"), and "name:value" pairs for filters. */
  options: string[];
  optionPairs: string[];
  skus: string[];
  priceMin: number;
  priceMax: number;
  inStock: boolean;
  createdAt: string;
  image: string | null;
  /**
   * The merchant's translations (issue 19), by locale as stored ("de", "zh-CN"): the translated title, description
   * text and option values. Indexed only by that locale's engine, with that language's analysis (see
   * `localeDocument`); the default-language document never contains them. Absent when there are none.
   */
  translations?: Record<string, LocaleText>;
  /**
   * Published reviews (issue 20): their average (1–5) and count, the only thing about reviews search sees; absent when
   * the product has no published review. Feeds `reviewBoost` (query.ts, docs/design/search.md).
   */
  rating?: { average: number; count: number };
}

export interface SearchDocumentsTable {
  product_id: string;
  seq: ColumnType<string, string | number, string | number>;
  deleted: Generated<boolean>;
  doc: Json<IndexedDoc | Record<string, never>>;
  source_hash: Generated<string>;
  indexed_at: Timestamp;
}

export interface SearchConfigTable {
  id: number;
  version: ColumnType<string, string | number | undefined, string | number>;
  stop_words: ColumnType<string[], string[] | undefined, string[]>;
  in_stock_boost: Generated<number>;
  updated_at: Timestamp;
}

export interface SearchSynonymsTable {
  id: string;
  kind: 'two_way' | 'one_way';
  terms: ColumnType<string[], string[], string[]>;
  synonyms: ColumnType<string[], string[] | undefined, string[]>;
  created_at: Timestamp;
}

export interface SearchPinsTable {
  id: string;
  query: string;
  product_id: string;
  position: Generated<number>;
  created_at: Timestamp;
}

export interface SearchQueriesTable {
  id: string;
  query: string;
  results: number;
  created_at: Timestamp;
}

export interface SearchClicksTable {
  id: string;
  search_id: string;
  product_id: string;
  position: number;
  created_at: Timestamp;
}

export interface SearchQueryStatsTable {
  query: string;
  searches: Generated<number>;
  last_results: Generated<number>;
  last_at: Timestamp;
}

/** One chunk of a serialised store index (migrations/tenant/*_search_snapshots.ts). */
export interface SearchSnapshotsTable {
  seq: ColumnType<string, string | number, string | number>;
  chunk: number;
  chunks: number;
  format: number;
  stop_words: string;
  data: Uint8Array;
  created_at: Generated<Date>;
}

export interface SearchTables {
  search_snapshots: SearchSnapshotsTable;
  search_documents: SearchDocumentsTable;
  search_config: SearchConfigTable;
  search_synonyms: SearchSynonymsTable;
  search_pins: SearchPinsTable;
  search_queries: SearchQueriesTable;
  search_clicks: SearchClicksTable;
  search_query_stats: SearchQueryStatsTable;
}

export type SearchDb = TenantDatabase & SearchTables;

/** The tenant handle seen with the search tables. */
export const searchDb = (t: Kysely<TenantDatabase>): Kysely<SearchDb> => t as unknown as Kysely<SearchDb>;
