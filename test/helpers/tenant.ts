/** Tables every store schema has after the tenant migrations (keep in step with migrations/tenant). */
export const TENANT_TABLES = [
  'collection_products',
  'collections',
  'images',
  'imports',
  'inventory_adjustments',
  'products',
  'search_clicks',
  'search_config',
  'search_documents',
  'search_pins',
  'search_queries',
  'search_query_stats',
  'search_synonyms',
  'store_settings',
  'storeloom_migrations',
  'variants',
];
