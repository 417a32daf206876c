/**
 * Hand-written table types, in one place. `ControlDatabase` lives in the
 * `control` schema; `TenantDatabase` is the shape of every store's schema
 * (reached only through `withSchema(store.schemaName)`).
 */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

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
}

export interface SessionsTable {
  /** sha256 (hex) of the session token; the token itself is never stored. */
  id: string;
  user_id: string;
  expires_at: Timestamp;
  created_at: Timestamp;
  ip: string | null;
  user_agent: string | null;
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
}

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
  status: Generated<MailStatus>;
  attempts: Generated<number>;
  last_error: string | null;
  next_attempt_at: Timestamp;
  created_at: Timestamp;
  sent_at: Timestamp | null;
}

export interface ControlDatabase {
  users: UsersTable;
  sessions: SessionsTable;
  stores: StoresTable;
  memberships: MembershipsTable;
  api_tokens: ApiTokensTable;
  audit_log: AuditLogTable;
  idempotency_keys: IdempotencyKeysTable;
  rate_limits: RateLimitsTable;
  mail_outbox: MailOutboxTable;
  password_reset_tokens: PasswordResetTokensTable;
  invitations: InvitationsTable;
  store_jobs: StoreJobsTable;
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
  created_by: string | null;
  created_at: Timestamp;
  started_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  finished_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface TenantDatabase {
  products: ProductsTable;
  variants: VariantsTable;
  images: ImagesTable;
  collections: CollectionsTable;
  collection_products: CollectionProductsTable;
  inventory_adjustments: InventoryAdjustmentsTable;
  store_settings: StoreSettingsTable;
  imports: ImportsTable;
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
