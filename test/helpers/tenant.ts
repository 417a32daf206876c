/** Tables every store schema has after the tenant migrations (keep in step with migrations/tenant). */
export const TENANT_TABLES = [
  'collection_products',
  'collections',
  'images',
  'imports',
  'inventory_adjustments',
  'products',
  'reco_active_model',
  'reco_customer_recs',
  'reco_events',
  'reco_item_recs',
  'reco_models',
  'reco_orders',
  'reco_popular',
  'store_settings',
  'storeloom_migrations',
  'variants',
];
