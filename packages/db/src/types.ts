/**
 * Hand-written table types, in one place. `ControlDatabase` lives in the
 * `control` schema; `TenantDatabase` is the shape of every store's schema
 * (reached only through `withSchema(store.schemaName)`).
 */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type {
  ArticlesTable,
  CollectionTranslationsTable,
  MenusTable,
  PagesTable,
  PageTranslationsTable,
  MenuTranslationsTable,
  ArticleTranslationsTable,
  StoreTranslationsTable,
  PoliciesTable,
  ProductMediaTable,
  ProductTranslationsTable,
  ReviewPhotosTable,
  ReviewsTable,
  ThemeTemplatesTable,
  ThemeVersionsTable,
} from './content-types.ts';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, string | T, string | T>;

export type StoreStatus = 'provisioning' | 'active' | 'suspended' | 'deleted';
export type MembershipRole = 'owner' | 'admin' | 'staff';

export interface UsersTable {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** Preferred console language; null = follow the browser. */
  locale: ColumnType<string | null, string | null | undefined, string | null>;
  /** The TOTP secret, sealed with SECRETS_KEY (packages/auth/src/secret-box.ts); set while enrolling and once enabled. */
  totp_secret_sealed: ColumnType<string | null, string | null | undefined, string | null>;
  /** When two-factor sign-in was turned on; null = off (or enrolment not confirmed yet). */
  totp_enabled_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** The last accepted TOTP time step; a code is never accepted twice. */
  totp_last_step: ColumnType<string | null, string | number | bigint | null | undefined, string | number | bigint | null>;
}

export interface SessionsTable {
  /** sha256 (hex) of the session token; the token itself is never stored. */
  id: string;
  user_id: string;
  expires_at: Timestamp;
  created_at: Timestamp;
  ip: string | null;
  user_agent: string | null;
  /** Updated at most every few minutes while the session is used (sessions page). */
  last_seen_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

/** Recovery codes of two-factor sign-in: sha256 of each code, usable once. */
export interface UserRecoveryCodesTable {
  user_id: string;
  code_hash: string;
  used_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  created_at: Generated<Date>;
}

/** A password sign-in waiting for its second factor; `id` is sha256 of the ticket the client holds. */
export interface LoginChallengesTable {
  id: string;
  user_id: string;
  attempts: Generated<number>;
  ip: string | null;
  user_agent: string | null;
  expires_at: Date;
  created_at: Generated<Date>;
}

/** A merchant's passkey (WebAuthn credential); `id` is the credential id in base64url. */
export interface UserPasskeysTable {
  id: string;
  user_id: string;
  public_key: Buffer;
  counter: ColumnType<string, string | number | undefined, string | number>;
  /** JSON array of the authenticator's transports (usb, internal, hybrid…), for the next sign-in's hints. */
  transports: string | null;
  name: string;
  backed_up: Generated<boolean>;
  created_at: Generated<Date>;
  last_used_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

/** A WebAuthn challenge in flight (sha256 of it), single use. */
export interface WebauthnChallengesTable {
  id: string;
  user_id: string | null;
  purpose: 'register' | 'authenticate';
  expires_at: Date;
}

/** Devices a user has signed in from (sha256 of user id + user agent), for the new-device mail. */
export interface UserDevicesTable {
  user_id: string;
  device_hash: string;
  first_seen_at: Generated<Date>;
  last_seen_at: Generated<Date>;
}

export interface StoresTable {
  id: string;
  slug: string;
  schema_name: string;
  name: string;
  status: StoreStatus;
  plan: Generated<string>;
  currency: string;
  default_locale: string;
  custom_domain: string | null;
  custom_domain_token: ColumnType<string | null, string | null | undefined, string | null>;
  custom_domain_verified_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  created_by: string;
  idempotency_key: string | null;
  provisioning_attempts: Generated<number>;
  provisioning_error: string | null;
  schema_version: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  deleted_at: Timestamp | null;
  /** Storage key of the export archive a cloned store is being loaded from; null once loaded (or never cloned). */
  import_source: ColumnType<string | null, string | null | undefined, string | null>;
  /** Merchant billing (Stripe); see packages/billing. */
  stripe_customer_id: ColumnType<string | null, string | null | undefined, string | null>;
  stripe_subscription_id: ColumnType<string | null, string | null | undefined, string | null>;
  subscription_status: ColumnType<string | null, string | null | undefined, string | null>;
  billing_status: Generated<BillingStatus>;
  past_due_since: ColumnType<Date | null, Date | null | undefined, Date | null>;
  grace_until: ColumnType<Date | null, Date | null | undefined, Date | null>;
  current_period_end: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** Why a `suspended` store is suspended (e.g. 'billing_past_due'), so only the matching fix lifts it. */
  suspended_reason: ColumnType<string | null, string | null | undefined, string | null>;
  /** Placement: the database cluster holding the store's schema (`main` = DATABASE_URL). */
  cluster_id: Generated<string>;
  /** Writes refused (503 store_read_only) while the store is being moved between clusters. */
  read_only: Generated<boolean>;
  /** Everyone on the store's team must sign in with a second factor to reach it (403 two_factor_required). */
  require_two_factor: Generated<boolean>;
  /** When the merchant opened the store to shoppers; null = shoppers see the "opening soon" page. */
  launched_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** Random secret of the merchant's storefront preview link (made on first use). */
  preview_token: ColumnType<string | null, string | null | undefined, string | null>;
  /** ISO 3166-1 alpha-2: the store's own country, its primary market (issue 19); null when never set. */
  country: ColumnType<string | null, string | null | undefined, string | null>;
  /** IANA time zone the console shows the store's dates and times in (issue 17); 'UTC' until the merchant picks one. */
  timezone: ColumnType<string, string | undefined, string>;
}

/** The operator's exchange rates (units of `quote` per 1 `base`), loaded from a file; see packages/commerce markets. */
export interface ExchangeRatesTable {
  base: string;
  quote: string;
  rate: string;
  as_of: ColumnType<Date | string, Date | string, Date | string>;
  source: string;
  loaded_at: Generated<Date>;
}

export type ClusterStatus = 'open' | 'draining' | 'closed';
export interface DatabaseClustersTable {
  id: string;
  name: string;
  /** open: takes new stores; draining: keeps its stores, takes none (moves out welcome); closed: holds none. */
  status: Generated<ClusterStatus>;
  weight: Generated<number>;
  /** Non-deleted stores placed on the cluster (kept by a trigger on stores). */
  store_count: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface PlacementVersionTable {
  id: number;
  version: number;
}

export type StoreMoveStatus = 'pending' | 'running' | 'done' | 'failed';
export interface StoreMovesTable {
  id: string;
  store_id: string;
  source_cluster: string;
  target_cluster: string;
  status: Generated<StoreMoveStatus>;
  step: string | null;
  progress: ColumnType<Record<string, unknown>, string | undefined, string>;
  error: string | null;
  source_dropped_at: Date | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  finished_at: Date | null;
}

/**
 * A store role still to drop on a cluster: written by a purge in its transaction with the store row's delete, by
 * dropMovedSource for a moved store's old cluster and by a failed move's rollback for its target (before each drop),
 * removed once the role is gone; every purge run tries the ones left (see tenant-role-drops.ts).
 */
export interface TenantRoleDropsTable {
  cluster: string;
  schema_name: string;
  /** The store (its row is gone once purged; a moved store lives on another cluster): for logs. */
  store_id: string;
  /**
   * The store's schema on this cluster is still to drop too, before the role (a failed move's copy on its target). The
   * retry drops it only where the store does not live.
   */
  drop_schema: Generated<boolean>;
  attempts: Generated<number>;
  /** The last failure: SQLSTATE and message, or why it was not tried. */
  last_error: string | null;
  /**
   * When a purge first found this cluster not configured in its process (the record is kept, not tried, and reported
   * per cluster with this time); null once a purge that reaches the cluster sees it.
   */
  unconfigured_since: Date | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export type BillingStatus = 'active' | 'past_due' | 'canceled';

export interface MembershipsTable {
  store_id: string;
  user_id: string;
  role: MembershipRole;
  created_at: Timestamp;
}

export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  token_hash: string;
  token_prefix: string;
  created_at: Timestamp;
  last_used_at: Timestamp | null;
  expires_at: Timestamp | null;
  revoked_at: Timestamp | null;
  /** What the token may do (see packages/auth/src/scopes.ts). */
  scopes: Generated<string[]>;
}

export interface AuditLogTable {
  id: Generated<string>;
  store_id: string | null;
  actor_user_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  data: Json<Record<string, unknown>>;
  request_id: string | null;
  created_at: Timestamp;
}

export interface IdempotencyKeysTable {
  scope: string;
  key: string;
  request_hash: string;
  status: 'in_progress' | 'completed';
  response_status: number | null;
  response_body: Json<unknown> | null;
  locked_until: Timestamp;
  created_at: Timestamp;
}

export interface RateLimitsTable {
  key: string;
  window_start: Timestamp;
  count: number;
}

export type MailStatus = 'pending' | 'sent' | 'failed';

export interface MailOutboxTable {
  id: string;
  store_id: string | null;
  kind: string;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string | null;
  dedup_key: string | null;
  /** Extra headers (List-Unsubscribe on marketing mail); JSON object. */
  headers: ColumnType<Record<string, string> | null, string | null | undefined, string | null>;
  status: Generated<MailStatus>;
  attempts: Generated<number>;
  last_error: string | null;
  next_attempt_at: Timestamp;
  created_at: Timestamp;
  sent_at: Timestamp | null;
}

export interface StripeEventsTable {
  id: string;
  endpoint: 'billing' | 'connect';
  type: string;
  account: string | null;
  store_id: string | null;
  processed_at: Generated<Date>;
}

export interface StripeConnectAccountsTable {
  store_id: string;
  account_id: string;
  charges_enabled: Generated<boolean>;
  payouts_enabled: Generated<boolean>;
  details_submitted: Generated<boolean>;
  requirements: Json<Record<string, unknown>>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface WebhookStoresTable {
  store_id: string;
  updated_at: Timestamp;
}

export interface ControlDatabase {
  webhook_stores: WebhookStoresTable;
  users: UsersTable;
  sessions: SessionsTable;
  stores: StoresTable;
  memberships: MembershipsTable;
  api_tokens: ApiTokensTable;
  audit_log: AuditLogTable;
  idempotency_keys: IdempotencyKeysTable;
  rate_limits: RateLimitsTable;
  mail_outbox: MailOutboxTable;
  stripe_events: StripeEventsTable;
  stripe_connect_accounts: StripeConnectAccountsTable;
  password_reset_tokens: PasswordResetTokensTable;
  invitations: InvitationsTable;
  store_jobs: StoreJobsTable;
  database_clusters: DatabaseClustersTable;
  placement_version: PlacementVersionTable;
  store_moves: StoreMovesTable;
  tenant_role_drops: TenantRoleDropsTable;
  user_recovery_codes: UserRecoveryCodesTable;
  login_challenges: LoginChallengesTable;
  user_devices: UserDevicesTable;
  user_passkeys: UserPasskeysTable;
  webauthn_challenges: WebauthnChallengesTable;
  exchange_rates: ExchangeRatesTable;
}

export interface PasswordResetTokensTable {
  token_hash: string;
  user_id: string;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  created_at: Timestamp;
}

export type InvitationRole = 'admin' | 'staff';
export interface InvitationsTable {
  id: string;
  store_id: string;
  email: string;
  role: InvitationRole;
  token_hash: string;
  invited_by: string | null;
  expires_at: Timestamp;
  accepted_at: Timestamp | null;
  accepted_by: string | null;
  revoked_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type StoreJobState = 'waiting' | 'active' | 'completed' | 'failed';
export interface StoreJobsTable {
  id: string;
  store_id: string;
  queue: string;
  job_id: string;
  name: string;
  data: Json<unknown>;
  state: Generated<StoreJobState>;
  progress: Generated<number>;
  attempts: Generated<number>;
  max_attempts: Generated<number>;
  error: string | null;
  result: Json<unknown> | null;
  created_at: Timestamp;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  updated_at: Timestamp;
}

export type ProductStatus = 'draft' | 'active' | 'archived';
export interface ProductOption {
  name: string;
  values: string[];
}

export interface ProductsTable {
  id: string;
  handle: string;
  title: string;
  description: string;
  status: ProductStatus;
  vendor: string | null;
  product_type: string | null;
  tags: ColumnType<string[], string[] | undefined, string[]>;
  options: Json<ProductOption[]>;
  seo_title: string | null;
  seo_description: string | null;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** Tax class of the product's variants ('standard', 'reduced', 'zero', …; issue 19). */
  tax_class: Generated<string>;
  /** Sold as a gift card (issue 18): its variants are the denominations; no shipping, no tax; paid → one card per unit. */
  gift_card: Generated<boolean>;
}

export interface VariantsTable {
  id: string;
  product_id: string;
  sku: string | null;
  title: string;
  /** option name -> value, e.g. {"Size":"M"} */
  option_values: Json<Record<string, string>>;
  /** integer minor units of the store currency */
  price: number;
  compare_at_price: number | null;
  inventory_quantity: number;
  position: number;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** Show as low stock at or below this quantity; null = no alert. */
  low_stock_threshold: ColumnType<number | null, number | null | undefined, number | null>;
  /** Shipping weight; 0 when unknown (weight-based rates treat it as weightless). */
  weight_grams: Generated<number>;
  /** URL of one of the product's images shown for this variant (Shopify's Variant Image); null = the product's. */
  image_url: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface ImagesTable {
  id: string;
  product_id: string;
  url: string;
  alt: string | null;
  position: number;
  created_at: Timestamp;
  /** Key in the media storage for uploaded images; null for external URLs. */
  storage_key: ColumnType<string | null, string | null | undefined, string | null>;
  /** Where an imported image was downloaded from (a re-run of the import reuses the stored copy). */
  source_url: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface CollectionsTable {
  id: string;
  handle: string;
  title: string;
  description: string;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface CollectionProductsTable {
  collection_id: string;
  product_id: string;
  position: number;
}

export interface InventoryAdjustmentsTable {
  id: string;
  variant_id: string;
  delta: number;
  quantity_after: number;
  reason: string;
  actor_user_id: string | null;
  idempotency_key: string | null;
  created_at: Timestamp;
}

export interface StoreSettingsTable {
  key: string;
  value: Json<unknown>;
  updated_at: Timestamp;
}

export type ImportStatus = 'queued' | 'running' | 'completed' | 'failed';
export interface ImportRowError {
  row: number;
  handle?: string;
  code: string;
  message: string;
}

export interface ImportsTable {
  id: string;
  kind: string;
  status: ImportStatus;
  filename: string | null;
  source: string;
  total_rows: Generated<number>;
  processed_rows: Generated<number>;
  created_count: Generated<number>;
  updated_count: Generated<number>;
  error_count: Generated<number>;
  errors: Json<ImportRowError[]>;
  /** Rows imported with a change the merchant should know about (duplicate SKU, image not fetched…). */
  warnings: ColumnType<ImportRowError[], string | ImportRowError[] | undefined, string | ImportRowError[]>;
  warning_count: Generated<number>;
  created_by: string | null;
  created_at: Timestamp;
  started_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  finished_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export type PricingMode = 'suggest' | 'auto';
export type PriceChangeStatus = 'suggested' | 'applied' | 'rejected' | 'rolled_back';
type DateColumn = ColumnType<string, string, string>;

export interface PricingSettingsTable {
  id: string;
  product_id: string | null;
  collection_id: string | null;
  enabled: boolean;
  mode: PricingMode;
  floor: number;
  ceiling: number;
  price_points: Json<number[] | null>;
  step: number | null;
  max_change_per_day: number | null;
  target_units: number | null;
  target_date: DateColumn | null;
  paused_reason: string | null;
  paused_at: Timestamp | null;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface PricingPolicyStateTable {
  variant_id: string;
  product_id: string;
  settings_fingerprint: string;
  state: Json<unknown>;
  rng: Json<[number, number, number, number]>;
  observed_through: DateColumn | null;
  last_price: number;
  target_start: DateColumn;
  updated_at: Timestamp;
}

export interface PriceChangesTable {
  id: string;
  variant_id: string;
  product_id: string;
  old_price: number;
  new_price: number;
  reason: string;
  inputs: Json<Record<string, unknown>>;
  expected_revenue_per_day: number | null;
  status: PriceChangeStatus;
  source: 'policy' | 'rollback';
  rollback_of: string | null;
  decided_by: string | null;
  decided_at: Timestamp | null;
  applied_at: Timestamp | null;
  created_at: Timestamp;
}

export interface VariantSalesDailyTable {
  variant_id: string;
  day: DateColumn;
  units: number;
  revenue: number;
  avg_price_shown: number;
}

export interface VariantSaleLinesTable {
  order_line_id: string;
  variant_id: string;
  units: number;
  unit_price: number;
  sold_at: Timestamp;
  created_at: Timestamp;
  /** Units of this sale refunded since (not demand); at most `units`. */
  returned_units: Generated<number>;
}

export interface SuppliersTable {
  id: string;
  name: string;
  email: string | null;
  lead_time_days: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface InventoryPoliciesTable {
  variant_id: string;
  supplier_id: string | null;
  lead_time_days: number | null;
  service_level: number;
  review_period_days: number;
  enabled: boolean;
  updated_at: Timestamp;
}

export interface ReorderSuggestionsTable {
  variant_id: string;
  supplier_id: string | null;
  on_hand: number;
  reorder_point: number;
  order_up_to: number;
  suggested_quantity: number;
  lead_time_days: number;
  service_level: number;
  method: string;
  forecast: Json<unknown>;
  reasons: Json<string[]>;
  low: Generated<boolean>;
  low_episode: Generated<number>;
  computed_at: Timestamp;
}

export interface LowStockAlertsTable {
  id: string;
  variant_id: string;
  episode: number;
  on_hand: number;
  reorder_point: number;
  suggested_quantity: number;
  webhook_status: Generated<'none' | 'pending' | 'delivered' | 'failed'>;
  webhook_attempts: Generated<number>;
  webhook_last_error: string | null;
  webhook_delivered_at: Timestamp | null;
  created_at: Timestamp;
}

export interface WebhookSubscriptionsTable {
  id: string;
  url: string;
  /** JSON array of event types. */
  events: ColumnType<string[], string, string>;
  description: string | null;
  /** AES-256-GCM of the signing secret (see @storeloom/webhooks); `plain:` only for secrets carried over by a migration. */
  secret_ciphertext: string;
  status: Generated<'enabled' | 'disabled'>;
  disabled_reason: string | null;
  legacy_alert: Generated<boolean>;
  consecutive_failures: Generated<number>;
  failing_since: Timestamp | null;
  last_success_at: Timestamp | null;
  last_failure_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** The transactional outbox: one row per event, written in the transaction of the change. */
export interface WebhookEventsTable {
  id: string;
  type: string;
  resource_key: string;
  data: ColumnType<unknown, string, string>;
  created_at: Timestamp;
}

export interface WebhookDeliveriesTable {
  id: string;
  subscription_id: string;
  event_id: string;
  resource_key: string;
  status: Generated<'pending' | 'succeeded' | 'failed'>;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  last_attempt_at: Timestamp | null;
  last_status: number | null;
  last_error: string | null;
  delivered_at: Timestamp | null;
  expires_at: Timestamp;
  created_at: Timestamp;
}

export interface WebhookDispatchLeaseTable {
  id: number;
  holder: string | null;
  locked_until: Timestamp | null;
}

export interface WebhookDeliveryAttemptsTable {
  id: string;
  delivery_id: string;
  attempt: number;
  request_headers: ColumnType<Record<string, string>, string, string>;
  request_body: string;
  response_status: number | null;
  response_body: string | null;
  error: string | null;
  duration_ms: number;
  created_at: Timestamp;
}

/** What an import applied, per product handle (same transaction as the product): resumes skip these. */
export interface ImportRowsTable {
  import_id: string;
  handle: string;
  outcome: 'created' | 'updated';
  warnings: ColumnType<unknown, string | undefined, string>;
}

/** One row: the store's catalogue version, bumped by triggers in the transaction of every catalogue write. */
export interface CatalogVersionTable {
  id: Generated<boolean>;
  version: string;
}

export interface TenantDatabase {
  catalog_version: CatalogVersionTable;
  import_rows: ImportRowsTable;
  products: ProductsTable;
  variants: VariantsTable;
  images: ImagesTable;
  collections: CollectionsTable;
  collection_products: CollectionProductsTable;
  inventory_adjustments: InventoryAdjustmentsTable;
  store_settings: StoreSettingsTable;
  imports: ImportsTable;
  customers: CustomersTable;
  customer_sessions: CustomerSessionsTable;
  customer_tokens: CustomerTokensTable;
  addresses: AddressesTable;
  carts: CartsTable;
  cart_lines: CartLinesTable;
  order_counter: OrderCounterTable;
  orders: OrdersTable;
  order_lines: OrderLinesTable;
  order_events: OrderEventsTable;
  stock_reservations: StockReservationsTable;
  payments: PaymentsTable;
  refund_lines: RefundLinesTable;
  returns: ReturnsTable;
  return_lines: ReturnLinesTable;
  draft_orders: DraftOrdersTable;
  order_edits: OrderEditsTable;
  pricing_settings: PricingSettingsTable;
  pricing_policy_state: PricingPolicyStateTable;
  price_changes: PriceChangesTable;
  variant_sales_daily: VariantSalesDailyTable;
  variant_sale_lines: VariantSaleLinesTable;
  suppliers: SuppliersTable;
  inventory_policies: InventoryPoliciesTable;
  reorder_suggestions: ReorderSuggestionsTable;
  low_stock_alerts: LowStockAlertsTable;
  webhook_subscriptions: WebhookSubscriptionsTable;
  webhook_events: WebhookEventsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_delivery_attempts: WebhookDeliveryAttemptsTable;
  webhook_dispatch_lease: WebhookDispatchLeaseTable;
  reco_events: RecoEventsTable;
  reco_orders: RecoOrdersTable;
  reco_models: RecoModelsTable;
  reco_active_model: RecoActiveModelTable;
  reco_item_recs: RecoItemRecsTable;
  reco_customer_recs: RecoCustomerRecsTable;
  reco_popular: RecoPopularTable;
  discounts: DiscountsTable;
  discount_usages: DiscountUsagesTable;
  order_discount_allocations: OrderDiscountAllocationsTable;
  gift_cards: GiftCardsTable;
  gift_card_ledger: GiftCardLedgerTable;
  marketing_unsubscribes: MarketingUnsubscribesTable;
  privacy_requests: PrivacyRequestsTable;
  consents: ConsentsTable;
  // Online store content (content-types.ts).
  pages: PagesTable;
  product_translations: ProductTranslationsTable;
  collection_translations: CollectionTranslationsTable;
  page_translations: PageTranslationsTable;
  menu_translations: MenuTranslationsTable;
  article_translations: ArticleTranslationsTable;
  store_translations: StoreTranslationsTable;
  policies: PoliciesTable;
  menus: MenusTable;
  articles: ArticlesTable;
  product_media: ProductMediaTable;
  reviews: ReviewsTable;
  review_photos: ReviewPhotosTable;
  theme_templates: ThemeTemplatesTable;
  theme_versions: ThemeVersionsTable;
  markets: MarketsTable;
  market_countries: MarketCountriesTable;
  market_prices: MarketPricesTable;
  variant_price_history: VariantPriceHistoryTable;
  shipping_zones: ShippingZonesTable;
  shipping_zone_countries: ShippingZoneCountriesTable;
  shipping_zone_rates: ShippingZoneRatesTable;
  tax_rates: TaxRatesTable;
  // Sales analytics (issue 21).
  analytics_pending: AnalyticsPendingTable;
  analytics_order_facts: AnalyticsOrderFactsTable;
  analytics_daily: AnalyticsDailyTable;
  analytics_product_daily: AnalyticsProductDailyTable;
  analytics_funnel_daily: AnalyticsFunnelDailyTable;
  analytics_state: AnalyticsStateTable;
  /** Shadow copies the rebuild fills before it swaps them in (migrations/tenant/20261207040000_analytics_rebuild_shadow.ts). */
  analytics_rebuild_order_facts: AnalyticsOrderFactsTable;
  analytics_rebuild_daily: AnalyticsDailyTable;
  analytics_rebuild_product_daily: AnalyticsProductDailyTable;
  analytics_rebuild_funnel_daily: AnalyticsFunnelDailyTable;
  analytics_rebuild_dirty: AnalyticsRebuildDirtyTable;
}

/** Orders whose analytics contribution must be recomputed (written in the transaction of the order's change). */
export interface AnalyticsPendingTable {
  order_id: string;
  seq: ColumnType<number, number | undefined, number>;
  queued_at: Generated<Date>;
}
export interface AnalyticsOrderFactsTable {
  order_id: string;
  facts: Json<unknown>;
  computed_at: Generated<Date>;
}
type Counter = ColumnType<number, number | undefined, number>;
export interface AnalyticsDailyTable {
  day: ColumnType<Date | string, string, string>;
  currency: string;
  market_id: string;
  orders: Counter;
  units: Counter;
  gross: Counter;
  discounts: Counter;
  refunds: Counter;
  shipping: Counter;
  tax: Counter;
  total: Counter;
  new_customers: Counter;
  returning_customers: Counter;
  presentment_gross: Counter;
  presentment_discounts: Counter;
  presentment_refunds: Counter;
  presentment_total: Counter;
}
export interface AnalyticsProductDailyTable {
  day: ColumnType<Date | string, string, string>;
  product_id: string;
  orders: Counter;
  units: Counter;
  gross: Counter;
  discounts: Counter;
}
export interface AnalyticsFunnelDailyTable {
  day: ColumnType<Date | string, string, string>;
  sessions: number;
  product_views: number;
  add_to_cart: number;
  checkouts: number;
  orders: number;
  computed_at: Generated<Date>;
}
export interface AnalyticsStateTable {
  id: number;
  funnel_computed_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  rebuilt_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** The rebuild filling the `analytics_rebuild_*` shadow tables, while one is (null: none). */
  rebuild_id: ColumnType<string | null, string | null | undefined, string | null>;
  rebuild_started_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** Beaten by the running rebuild between batches: one older than the stale limit was abandoned (killed). */
  rebuild_heartbeat_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** The rebuilding process (host and pid), for the operator. */
  rebuild_owner: ColumnType<string | null, string | null | undefined, string | null>;
}
export interface AnalyticsRebuildDirtyTable {
  order_id: string;
}

export interface ShippingZonesTable {
  id: string;
  name: string;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}
export interface ShippingZoneCountriesTable {
  country: string;
  zone_id: string;
}
export interface ShippingZoneRatesTable {
  id: string;
  zone_id: string;
  name: string;
  /** Minor units of the store currency. */
  price: number;
  min_subtotal: number | null;
  max_subtotal: number | null;
  min_weight_grams: number | null;
  max_weight_grams: number | null;
  position: number;
}
export interface TaxRatesTable {
  id: string;
  country: string;
  /** '' = the whole country. */
  region: Generated<string>;
  tax_class: Generated<string>;
  /** Thousandths of a percent: 19 % = 19000, 9.975 % = 9975. */
  rate_milli: number;
  name: string;
  source: Generated<string>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export type PrivacyRequestKind = 'export' | 'erasure';
export type PrivacyRequestStatus = 'pending' | 'running' | 'completed' | 'failed';
export interface PrivacyRequestsTable {
  id: string;
  kind: PrivacyRequestKind;
  status: Generated<PrivacyRequestStatus>;
  /** Who started it: the merchant (console/API), a signed-in shopper, or a guest through a mailed link. */
  source: 'merchant' | 'shopper' | 'guest';
  /** The shopper's address; null once an erasure of that address has run (the hash stays). */
  email: string | null;
  /** sha256 (hex) of the normalised address. */
  email_hash: string;
  requested_by: string | null;
  approved_by: ColumnType<string | null, string | null | undefined, string | null>;
  approved_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** Statutory deadline (one month: GDPR art. 12(3)). */
  due_at: Timestamp;
  started_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  completed_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  error: ColumnType<string | null, string | null | undefined, string | null>;
  archive_key: ColumnType<string | null, string | null | undefined, string | null>;
  archive_expires_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** Counts of what was exported or erased (no personal values). */
  summary: ColumnType<Record<string, unknown>, string | undefined, string>;
  /** The deadline was extended by two months (complex request, art. 12(3)): when, by whom, why. */
  extended_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  extended_by: ColumnType<string | null, string | null | undefined, string | null>;
  extension_reason: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}
export interface ConsentsTable {
  id: string;
  subject: string;
  customer_id: string | null;
  choices: ColumnType<Record<string, boolean>, string, string>;
  version: string;
  /** 'gpc' / 'dnt' when a browser signal decided, null when the shopper chose. */
  signal: string | null;
  /** Marketing mail rows: the address (lower case) the choice is about; null for banner decisions. */
  email: string | null;
  /** Marketing mail rows: 'checkout' | 'registration' | 'api' | 'account' | 'unsubscribe' | 'newsletter'; null for banner decisions. */
  source: string | null;
  created_at: Generated<Date>;
}

export interface MarketsTable {
  id: string;
  name: string;
  currency: string;
  /** Units of the market currency per 1 unit of the store currency; null = the operator's rate table. */
  exchange_rate: string | null;
  rounding_increment: Generated<number>;
  tax_inclusive: Generated<boolean>;
  languages: ColumnType<string[], string | undefined, string>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}
export interface MarketCountriesTable {
  country: string;
  market_id: string;
}
export interface MarketPricesTable {
  market_id: string;
  variant_id: string;
  price: number;
  updated_at: Generated<Date>;
}
export type PriceHistorySource = 'backfill' | 'create' | 'edit' | 'import' | 'pricing' | 'rollback' | 'market' | 'market_currency' | 'clone';
/** One price a variant took (issue 22): market_id null = the store-currency price; a market row = its fixed price (null = removed). */
export interface VariantPriceHistoryTable {
  id: string;
  variant_id: string;
  market_id: string | null;
  price: number | null;
  source: PriceHistorySource;
  changed_at: ColumnType<Date, Date | string | undefined, never>;
}

export type DiscountKindColumn = 'percentage' | 'fixed_amount' | 'free_shipping' | 'buy_x_get_y';
export interface DiscountsTable {
  id: string;
  title: string;
  code: string | null;
  code_key: string | null;
  automatic: boolean;
  kind: DiscountKindColumn;
  value: number;
  applies_to: Json<{ productIds?: string[]; collectionIds?: string[] } | null>;
  min_subtotal: number | null;
  usage_limit: number | null;
  used_count: Generated<number>;
  once_per_customer: boolean;
  starts_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  ends_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  combines_with: Json<{ orderDiscounts: boolean; productDiscounts: boolean; shippingDiscounts: boolean }>;
  buy_x_get_y: Json<Record<string, unknown> | null>;
  active: Generated<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
}
export interface DiscountUsagesTable {
  id: string;
  discount_id: string;
  order_id: string;
  email: string;
  amount: number;
  status: Generated<'active' | 'released'>;
  created_at: Timestamp;
}
export interface OrderDiscountAllocationsTable {
  id: string;
  order_id: string;
  order_line_id: string | null;
  discount_id: string | null;
  code: string | null;
  title: string;
  amount: number;
}
export interface GiftCardsTable {
  id: string;
  /** sha256 (hex) of the normalised code; the code itself is shown once, at issue. */
  code_hash: string;
  last4: string;
  initial_value: number;
  balance: number;
  currency: string;
  expires_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  note: string | null;
  disabled: Generated<boolean>;
  source_order_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** Sold in the shop: the order line and unit (0-based) it was issued for; unique, so a paid order issues each once. */
  source_order_line_id: ColumnType<string | null, string | null | undefined, string | null>;
  source_unit: ColumnType<number | null, number | null | undefined, number | null>;
}
export type GiftCardLedgerKind = 'issue' | 'redeem' | 'release' | 'refund' | 'adjust';
export interface GiftCardLedgerTable {
  id: string;
  gift_card_id: string;
  order_id: string | null;
  kind: GiftCardLedgerKind;
  /** Signed: negative when the balance goes down. */
  amount: number;
  balance_after: number;
  idempotency_key: string;
  created_at: Timestamp;
}
export interface MarketingUnsubscribesTable {
  email: string;
  created_at: Timestamp;
}

export type RecoEventKind = 'view' | 'add_to_cart' | 'purchase' | 'impression' | 'click';
export interface RecoEventsTable {
  id: Generated<number>;
  kind: RecoEventKind;
  customer_id: string | null;
  session_id: string | null;
  product_id: string | null;
  variant_id: string | null;
  order_id: string | null;
  quantity: number | null;
  slot: string | null;
  occurred_at: Timestamp;
  created_at: Generated<Date>;
}

export interface RecoOrdersTable {
  order_id: string;
  customer_id: string | null;
  session_id: string | null;
  occurred_at: Timestamp;
  created_at: Generated<Date>;
}

export type RecoModelStatus = 'running' | 'succeeded' | 'failed';
export interface RecoModelsTable {
  version: Generated<number>;
  status: RecoModelStatus;
  trigger: 'schedule' | 'manual';
  job_id: string | null;
  started_at: Generated<Date>;
  finished_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  stats: Json<Record<string, unknown>>;
  metrics: Json<Record<string, unknown>>;
  error: string | null;
}

export interface RecoActiveModelTable {
  id: Generated<boolean>;
  version: number;
  activated_at: Timestamp;
}

/** A ranked list entry: product, score, and which model produced it. */
export interface RecoListEntry {
  p: string;
  s: number;
  src: string;
}

export interface RecoItemRecsTable {
  version: number;
  product_id: string;
  repeat: boolean;
  items: Json<RecoListEntry[]>;
}

export interface RecoCustomerRecsTable {
  version: number;
  customer_id: string;
  items: Json<RecoListEntry[]>;
  fresh: Json<RecoListEntry[]>;
}

export interface RecoPopularTable {
  version: number;
  scope: string;
  items: Json<RecoListEntry[]>;
}

export type User = Selectable<UsersTable>;
export type Store = Selectable<StoresTable>;
export type NewStore = Insertable<StoresTable>;
export type Membership = Selectable<MembershipsTable>;
export type Product = Selectable<ProductsTable>;
export type ProductUpdate = Updateable<ProductsTable>;
export type Variant = Selectable<VariantsTable>;
export type Image = Selectable<ImagesTable>;
export type Collection = Selectable<CollectionsTable>;
export type ImportRecord = Selectable<ImportsTable>;

// Storefront commerce (per store).
export interface CustomersTable {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  created_at: Timestamp;
  /** When the customer proved the address (verification or password-reset link); earlier guest orders join then. */
  email_verified_at: Timestamp | null;
}
/** Single-use mailed links of storefront customers (password reset, e-mail verification); only the token's sha256 is kept. */
export interface CustomerTokensTable {
  token_hash: string;
  customer_id: string;
  purpose: 'reset' | 'verify';
  expires_at: Timestamp;
  used_at: Timestamp | null;
  created_at: Generated<Timestamp>;
}
export interface CustomerSessionsTable {
  /** sha256 (hex) of the session token. */
  id: string;
  customer_id: string;
  expires_at: Timestamp;
  created_at: Timestamp;
}
export interface AddressesTable {
  id: string;
  customer_id: string;
  name: string;
  line1: string;
  line2: string | null;
  city: string;
  postal_code: string;
  region: string | null;
  country: string;
  phone: string | null;
  created_at: Timestamp;
}
export interface CartsTable {
  id: string;
  /** sha256 (hex) of the random cart cookie value (also the Storefront API's cart id). */
  token_hash: string;
  created_at: Timestamp;
  updated_at: Timestamp;
  email: ColumnType<string | null, string | null | undefined, string | null>;
  country: ColumnType<string | null, string | null | undefined, string | null>;
  locale: ColumnType<string | null, string | null | undefined, string | null>;
  /** Codes as the shopper entered them, in order. */
  discount_codes: ColumnType<string[], string | undefined, string>;
  /** Each applied card with its balance when applied (checkout refuses a card spent elsewhere since). */
  gift_cards: ColumnType<{ id: string; balance: number }[], string | undefined, string>;
  recovery_sent_count: Generated<number>;
  recovery_sent_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  recovered_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** A business buyer's VAT id (format-checked), for reverse charge. */
  vat_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** The reminded cart this one was restored from (a recovery link opened on another device). */
  restored_from: ColumnType<string | null, string | null | undefined, string | null>;
}
/** Who a gift card bought in the shop is for (all optional; no e-mail → the code goes to the buyer). */
export interface GiftCardRecipient {
  email: string | null;
  name: string | null;
  message: string | null;
}
export interface CartLinesTable {
  cart_id: string;
  variant_id: string;
  quantity: number;
  created_at: Timestamp;
  gift_card_recipient: ColumnType<GiftCardRecipient | null, string | null | undefined, string | null>;
}
export interface OrderCounterTable {
  id: number;
  last_number: number;
}
export type OrderStatus = 'open' | 'cancelled' | 'closed';
export type OrderPaymentStatus = 'pending' | 'paid' | 'failed' | 'expired' | 'partially_refunded' | 'refunded';
export type OrderFulfillmentStatus = 'unfulfilled' | 'fulfilled';
export interface OrderAddress {
  name: string;
  line1: string;
  line2: string | null;
  city: string;
  postalCode: string;
  region: string | null;
  country: string;
  phone: string | null;
}
export interface OrdersTable {
  id: string;
  number: number;
  status: Generated<OrderStatus>;
  payment_status: Generated<OrderPaymentStatus>;
  fulfillment_status: Generated<OrderFulfillmentStatus>;
  email: string;
  customer_id: string | null;
  customer_name: string | null;
  currency: string;
  locale: Generated<string>;
  subtotal: number;
  shipping: number;
  tax: number;
  tax_included: boolean;
  total: number;
  refunded: Generated<number>;
  item_count: number;
  shipping_address: Json<OrderAddress | null>;
  shipping_method: string;
  payment_provider: string;
  payment_reference: string | null;
  reservation_expires_at: Timestamp;
  paid_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  fulfilled_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  tracking_number: string | null;
  carrier: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** Order, product and shipping discounts together (allocated per line in order_discount_allocations). */
  discount_total: Generated<number>;
  /** Paid by gift cards (a tender, after tax); the provider collects total − gift_card_total. */
  gift_card_total: Generated<number>;
  cart_id: string | null;
  /** Placed from an abandoned-cart recovery link or after a recovery mail. */
  recovered: Generated<boolean>;
  /** Markets (issue 19): `currency` and the amounts above are what the shopper saw and paid (presentment); these are the store's. */
  market_id: ColumnType<string | null, string | null | undefined, string | null>;
  store_currency: ColumnType<string | null, string | null | undefined, string | null>;
  /** Presentment units per 1 store-currency unit used for this order ("1" when they are the same currency). */
  exchange_rate: ColumnType<string, string | undefined, string>;
  exchange_rate_date: ColumnType<Date | string | null, Date | string | null | undefined, Date | string | null>;
  store_subtotal: ColumnType<number | null, number | null | undefined, number | null>;
  store_shipping: ColumnType<number | null, number | null | undefined, number | null>;
  store_tax: ColumnType<number | null, number | null | undefined, number | null>;
  store_discount_total: ColumnType<number | null, number | null | undefined, number | null>;
  store_total: ColumnType<number | null, number | null | undefined, number | null>;
  store_refunded: Generated<number>;
  /** Tax by destination: the country taxed, the buyer's VAT id, reverse charge, the tax per rate. */
  tax_country: ColumnType<string | null, string | null | undefined, string | null>;
  vat_id: ColumnType<string | null, string | null | undefined, string | null>;
  reverse_charge: Generated<boolean>;
  tax_lines: ColumnType<OrderTaxLine[], string | undefined, string>;
  /** Shipping given back by refunds (at most `shipping`). */
  shipping_refunded: Generated<number>;
  /** Committed order edits (a staged edit commits only against the count it was staged on). */
  edit_count: Generated<number>;
  /** The draft order it was made from. */
  draft_order_id: ColumnType<string | null, string | null | undefined, string | null>;
}
export interface OrderTaxLine {
  country: string;
  region: string | null;
  taxClass: string;
  /** Percent as a decimal number (19, 9.975). */
  rate: number;
  name: string;
  /** The amount the rate applied to (net of tax) and the tax, in the order currency. */
  base: number;
  amount: number;
}
export interface OrderLinesTable {
  id: string;
  order_id: string;
  product_id: string | null;
  variant_id: string | null;
  title: string;
  variant_title: string | null;
  sku: string | null;
  quantity: number;
  unit_price: number;
  total: number;
  image_url: string | null;
  position: number;
  /** This line's share of the order's discounts. */
  discount_total: Generated<number>;
  /** unit_price converted into the store currency (reports, planning). */
  store_unit_price: ColumnType<number | null, number | null | undefined, number | null>;
  /** This line's share of the order's tax (per-line rounding that sums to the order's tax). */
  tax: Generated<number>;
  /** Units and money given back by refunds (refund_lines); checks keep them within quantity and what the line was paid. */
  refunded_quantity: Generated<number>;
  refunded_amount: Generated<number>;
  /** A gift card sold as a product: paid → one card per unit of unit_price; refunded → the unused card is disabled. */
  gift_card: Generated<boolean>;
  gift_card_recipient: ColumnType<GiftCardRecipient | null, string | null | undefined, string | null>;
}
/** A draft order's line: a catalogue variant, or a custom item with its own title, price and taxability. */
export interface DraftOrderLine {
  id: string;
  variantId: string | null;
  quantity: number;
  /** Custom items only. */
  title?: string;
  unitPrice?: number;
  taxable?: boolean;
}
export interface DraftOrdersTable {
  id: string;
  number: number;
  status: Generated<'open' | 'invoice_sent' | 'completed' | 'cancelled'>;
  email: string | null;
  customer_id: string | null;
  customer_name: string | null;
  shipping_address: Json<OrderAddress | null>;
  country: string | null;
  lines: Json<DraftOrderLine[]>;
  discount_codes: Json<string[]>;
  manual_discount: Json<{ amount: number; title: string } | null>;
  shipping_line: Json<{ title: string; amount: number } | null>;
  note: string | null;
  reserve: Generated<boolean>;
  /** variantId → units this draft holds in stock. */
  reserved: Json<Record<string, number>>;
  currency: string;
  total: Generated<number>;
  invoice_token_hash: string | null;
  invoice_sent_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  order_id: string | null;
  completed_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  created_at: Timestamp;
  updated_at: Timestamp;
}
/** One change of an order edit. */
export type OrderEditChange = { type: 'add'; variantId: string; quantity: number } | { type: 'set_quantity'; orderLineId: string; quantity: number };
export interface OrderEditsTable {
  id: string;
  order_id: string;
  status: Generated<'staged' | 'committed' | 'discarded'>;
  base_edit_count: number;
  changes: Json<OrderEditChange[]>;
  note: string | null;
  total_before: number | null;
  total_after: number | null;
  charge_payment_id: string | null;
  refund_payment_id: string | null;
  created_at: Timestamp;
  committed_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}
export type RefundLineKind = 'line' | 'shipping' | 'adjustment';
/** One part of a refund (the `payments` row of kind 'refund'): units of an order line, shipping, or an amount beyond both. */
export interface RefundLinesTable {
  id: string;
  refund_id: string;
  order_id: string;
  order_line_id: string | null;
  kind: RefundLineKind;
  quantity: Generated<number>;
  /** What this part gave back (incl. its tax when tax was added on top). */
  amount: number;
  /** The tax inside `amount`. */
  tax: Generated<number>;
  /** The units went back into stock (inventory ledger). */
  restock: Generated<boolean>;
  created_at: Timestamp;
}
export type ReturnStatus = 'requested' | 'approved' | 'declined' | 'received' | 'refunded' | 'exchanged';
/** A shopper's return of units of an order (issue 21); transitions are conditional updates on `status`. */
export interface ReturnsTable {
  id: string;
  order_id: string;
  status: Generated<ReturnStatus>;
  reason: string;
  customer_note: string | null;
  /** Storage keys of the shopper's photos. */
  photos: ColumnType<string[], string | undefined, string>;
  merchant_note: string | null;
  label_reference: string | null;
  resolution: 'refund' | 'exchange' | null;
  refund_id: string | null;
  refund_amount: number | null;
  /** > 0 charged to the shopper, < 0 refunded. */
  exchange_difference: number | null;
  /** The tax inside `exchange_difference` (replacement's tax − returned units'; 0 when the order's prices include tax). */
  exchange_tax: number | null;
  exchange_payment_status: 'pending' | 'paid' | 'none' | null;
  exchange_payment_reference: string | null;
  exchange_payment_url: string | null;
  idempotency_key: string | null;
  requested_at: Timestamp;
  decided_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  received_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  closed_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  updated_at: Timestamp;
}
export interface ReturnLinesTable {
  id: string;
  return_id: string;
  order_line_id: string;
  quantity: number;
  /** Set at receipt: back into stock or not. */
  restock: boolean | null;
  condition_note: string | null;
  exchange_variant_id: string | null;
  exchange_unit_price: number | null;
}
export interface OrderEventsTable {
  id: string;
  order_id: string;
  type: string;
  message: string;
  /** What happened, for the console to write it out (see OrderEventData in @storeloom/commerce). */
  data: ColumnType<Record<string, unknown>, string | undefined, string>;
  created_at: Timestamp;
}
export interface StockReservationsTable {
  id: string;
  order_id: string;
  variant_id: string;
  quantity: number;
  status: Generated<'active' | 'converted' | 'released'>;
  expires_at: Timestamp;
  created_at: Timestamp;
  settled_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}
export interface PaymentsTable {
  id: string;
  order_id: string;
  kind: 'charge' | 'refund';
  provider: string;
  amount: number;
  status: string;
  reference: string | null;
  reason: string | null;
  /** The tax inside `amount` (an exchange's price-difference charge; 0 for every other payment). */
  tax: Generated<number>;
  idempotency_key: string;
  created_at: Timestamp;
}
export type Order = Selectable<OrdersTable>;
export type Discount = Selectable<DiscountsTable>;
export type GiftCard = Selectable<GiftCardsTable>;
export type OrderLine = Selectable<OrderLinesTable>;
export type RefundLine = Selectable<RefundLinesTable>;
