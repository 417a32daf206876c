/** Tables every store schema has after the tenant migrations (keep in step with migrations/tenant). */
export const TENANT_TABLES = [
  'collection_products',
  'collections',
  'images',
  'imports',
  'inventory_adjustments',
  'products',
  'store_settings',
  'storeloom_migrations',
  'variants',
];
