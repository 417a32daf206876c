/**
 * Every column of a store's schema, classified. `personal` names the columns
 * that hold, or link to, a shopper's personal data; `erase` says what an
 * erasure does to the rows of one person, `export` under which key of the
 * export document they appear. A test enumerates the live schema and fails on
 * a column missing here, so a new personal-data column cannot ship unhandled:
 * add it to `columns`, and to `personal` (then handle it in export.ts and
 * erase.ts) when it can hold anything about a shopper.
 */
export type Erasure =
  /** The person's rows are deleted. */
  | 'delete'
  /** The rows stay (accounting, stock, counters) with the personal columns replaced by an anonymous token or cleared. */
  | 'anonymise'
  /** Only a one-way hash of the address stays (to keep an unsubscribe). */
  | 'hash'
  /** Holds no personal data: nothing to do. */
  | 'none';

export interface TableClass {
  /** Every column, space separated (the test compares with information_schema). */
  columns: string;
  /** Columns that hold or link to a shopper's personal data. */
  personal?: string;
  erase: Erasure;
  /** Key of the export document holding the person's rows (absent: nothing personal to export). */
  export?: string;
  note?: string;
}

export const TENANT_DATA_MAP: Record<string, TableClass> = {
  // Shoppers and what hangs off them.
  customers: { columns: 'id email name password_hash created_at email_verified_at', personal: 'email name password_hash', erase: 'delete', export: 'customer' },
  addresses: {
    columns: 'id customer_id name line1 line2 city postal_code region country phone created_at',
    personal: 'customer_id name line1 line2 city postal_code region country phone',
    erase: 'delete',
    export: 'addresses',
  },
  customer_sessions: { columns: 'id customer_id expires_at created_at', personal: 'customer_id', erase: 'delete', export: 'sessions' },
  customer_tokens: {
    columns: 'token_hash customer_id purpose expires_at used_at created_at',
    personal: 'customer_id',
    erase: 'delete',
    note: 'hashes of mailed one-time links (password reset, e-mail verification): nothing a person could read, so not exported',
  },
  consents: {
    columns: 'id subject customer_id choices version signal email source created_at',
    personal: 'subject customer_id email',
    erase: 'delete',
    export: 'consents',
  },
  carts: {
    columns:
      'id token_hash created_at updated_at email country locale discount_codes gift_cards recovery_sent_count recovery_sent_at recovered_at restored_from vat_id',
    personal: 'email vat_id',
    erase: 'anonymise',
    export: 'carts',
    note: 'the address and VAT id are cleared; the cart itself is anonymous (only its cookie names it)',
  },
  cart_lines: {
    columns: 'cart_id variant_id quantity created_at gift_card_recipient',
    personal: 'gift_card_recipient',
    erase: 'anonymise',
    export: 'carts',
    note: 'exported with the carts; a gift card recipient (e-mail, name, message) is cleared',
  },
  orders: {
    columns:
      'id number status payment_status fulfillment_status email customer_id customer_name currency locale subtotal shipping tax tax_included total refunded item_count shipping_address shipping_method payment_provider payment_reference reservation_expires_at paid_at fulfilled_at tracking_number carrier created_at updated_at discount_total gift_card_total cart_id recovered market_id store_currency exchange_rate exchange_rate_date store_subtotal store_shipping store_tax store_discount_total store_total store_refunded tax_country vat_id reverse_charge tax_lines shipping_refunded edit_count draft_order_id',
    personal: 'email customer_id customer_name shipping_address tracking_number vat_id',
    erase: 'anonymise',
    export: 'orders',
    note: "accounting data (amounts, tax, dates, currency, country, and a business buyer's VAT id, which a reverse-charge invoice must carry) stays; the person becomes an anonymous token",
  },
  order_lines: {
    columns:
      'id order_id product_id variant_id title variant_title sku quantity unit_price total image_url position discount_total store_unit_price tax refunded_quantity refunded_amount gift_card gift_card_recipient',
    personal: 'gift_card_recipient',
    erase: 'anonymise',
    export: 'orders',
  },
  order_events: {
    columns: 'id order_id type message data created_at',
    personal: 'message data',
    erase: 'anonymise',
    export: 'orders',
    note: 'messages naming the person are rewritten',
  },
  order_discount_allocations: { columns: 'id order_id order_line_id discount_id code title amount', erase: 'none', export: 'orders' },
  payments: {
    columns: 'id order_id kind provider amount status reference reason tax idempotency_key created_at',
    personal: 'reason',
    erase: 'anonymise',
    export: 'payments',
    note: 'charges and refunds stay for accounting; a free-text reason naming the person is cleared',
  },
  refund_lines: {
    columns: 'id refund_id order_id order_line_id kind quantity amount tax restock created_at',
    erase: 'none',
    note: 'what each refund gave back; amounts and units only',
  },
  returns: {
    columns:
      'id order_id status reason customer_note photos merchant_note label_reference resolution refund_id refund_amount exchange_difference exchange_tax exchange_payment_status exchange_payment_reference exchange_payment_url idempotency_key requested_at decided_at received_at closed_at updated_at',
    personal: 'reason customer_note photos merchant_note',
    erase: 'anonymise',
    export: 'orders',
    note: "the return stays (accounting, stock); the shopper's reason, note and photos (files deleted from storage) and the merchant's note about them are cleared",
  },
  return_lines: {
    columns: 'id return_id order_line_id quantity restock condition_note exchange_variant_id exchange_unit_price',
    personal: 'condition_note',
    erase: 'anonymise',
    export: 'orders',
    note: "the merchant's free-text note on the returned item's condition is cleared",
  },
  draft_orders: {
    columns:
      'id number status email customer_id customer_name shipping_address country lines discount_codes manual_discount shipping_line note reserve reserved currency total invoice_token_hash invoice_sent_at order_id completed_at created_at updated_at',
    personal: 'email customer_id customer_name shipping_address note',
    erase: 'delete',
    export: 'draftOrders',
    note: 'orders the merchant keyed in; an order made from one is anonymised with the orders',
  },
  order_edits: {
    columns: 'id order_id status base_edit_count changes note total_before total_after charge_payment_id refund_payment_id created_at committed_at',
    personal: 'note',
    erase: 'anonymise',
    note: "the merchant's note on an edit is cleared; the changes (lines, amounts) stay with the order",
  },
  stock_reservations: { columns: 'id order_id variant_id quantity status expires_at created_at settled_at', erase: 'none' },
  discount_usages: { columns: 'id discount_id order_id email amount status created_at', personal: 'email', erase: 'anonymise', export: 'discountUsages' },
  gift_cards: {
    columns:
      'id code_hash last4 initial_value balance currency expires_at note disabled source_order_id created_at updated_at source_order_line_id source_unit',
    personal: 'note',
    erase: 'anonymise',
    export: 'giftCards',
    note: "cards bought in the person's orders are exported; a note naming the person is cleared",
  },
  gift_card_ledger: { columns: 'id gift_card_id order_id kind amount balance_after idempotency_key created_at', erase: 'none', export: 'giftCards' },
  marketing_unsubscribes: { columns: 'email created_at', personal: 'email', erase: 'hash', export: 'marketing' },
  privacy_requests: {
    columns:
      'id kind status source email email_hash requested_by approved_by approved_at due_at started_at completed_at error archive_key archive_expires_at summary created_at updated_at extended_at extended_by extension_reason',
    personal: 'email email_hash archive_key',
    erase: 'hash',
    export: 'privacyRequests',
    note: 'the record of the request stays with the hash only; export archives are deleted',
  },
  // Recommendations, analytics and search.
  reco_events: {
    columns: 'id kind customer_id session_id product_id variant_id order_id quantity slot occurred_at created_at',
    personal: 'customer_id session_id order_id',
    erase: 'delete',
    export: 'events',
  },
  reco_orders: { columns: 'order_id customer_id session_id occurred_at created_at', personal: 'customer_id session_id', erase: 'delete', export: 'events' },
  reco_customer_recs: { columns: 'version customer_id items fresh', personal: 'customer_id', erase: 'delete', export: 'recommendations' },
  search_queries: {
    columns: 'id query results created_at',
    personal: 'query',
    erase: 'delete',
    note: 'not linked to a person; queries containing the address or name are deleted',
  },
  search_query_stats: { columns: 'query searches last_results last_at', personal: 'query', erase: 'delete', note: 'as search_queries' },
  search_clicks: { columns: 'id search_id product_id position created_at', erase: 'none' },
  // Catalogue, configuration, planning: nothing about shoppers.
  products: {
    columns: 'id handle title description status vendor product_type tags options seo_title seo_description version created_at updated_at tax_class gift_card',
    erase: 'none',
  },
  variants: {
    columns:
      'id product_id sku title option_values price compare_at_price inventory_quantity position version created_at updated_at low_stock_threshold weight_grams image_url',
    erase: 'none',
  },
  images: { columns: 'id product_id url alt position created_at storage_key source_url', erase: 'none' },
  collections: { columns: 'id handle title description version created_at updated_at', erase: 'none' },
  collection_products: { columns: 'collection_id product_id position', erase: 'none' },
  inventory_adjustments: {
    columns: 'id variant_id delta quantity_after reason actor_user_id idempotency_key created_at',
    erase: 'none',
    note: 'actor is staff',
  },
  store_settings: { columns: 'key value updated_at', erase: 'none' },
  imports: {
    columns:
      'id kind status filename source total_rows processed_rows created_count updated_count error_count errors created_by created_at started_at finished_at warnings warning_count',
    erase: 'none',
  },
  order_counter: { columns: 'id last_number', erase: 'none' },
  catalog_version: { columns: 'id version', erase: 'none', note: 'a counter bumped by catalogue writes (response caches)' },
  discounts: {
    columns:
      'id title code code_key automatic kind value applies_to min_subtotal usage_limit used_count once_per_customer starts_at ends_at combines_with buy_x_get_y active created_at updated_at',
    erase: 'none',
  },
  pricing_settings: {
    columns:
      'id product_id collection_id enabled mode floor ceiling price_points step max_change_per_day target_units target_date paused_reason paused_at version created_at updated_at',
    erase: 'none',
  },
  pricing_policy_state: { columns: 'variant_id product_id settings_fingerprint state rng observed_through last_price target_start updated_at', erase: 'none' },
  price_changes: {
    columns:
      'id variant_id product_id old_price new_price reason inputs expected_revenue_per_day status source rollback_of decided_by decided_at applied_at created_at',
    erase: 'none',
  },
  variant_sales_daily: { columns: 'variant_id day units revenue avg_price_shown', erase: 'none' },
  variant_sale_lines: {
    columns: 'order_line_id variant_id units unit_price sold_at created_at returned_units',
    erase: 'none',
    note: 'per order line, no person',
  },
  suppliers: {
    columns: 'id name email lead_time_days created_at updated_at',
    erase: 'none',
    note: "the merchant's suppliers (business contacts), not shoppers",
  },
  inventory_policies: { columns: 'variant_id supplier_id lead_time_days service_level review_period_days enabled updated_at', erase: 'none' },
  reorder_suggestions: {
    columns:
      'variant_id supplier_id on_hand reorder_point order_up_to suggested_quantity lead_time_days service_level method forecast reasons low low_episode computed_at',
    erase: 'none',
  },
  low_stock_alerts: {
    columns:
      'id variant_id episode on_hand reorder_point suggested_quantity webhook_status webhook_attempts webhook_last_error webhook_delivered_at created_at',
    erase: 'none',
  },
  // Merchant webhooks: subscriptions are the merchant's; the outbox and delivery log carry event payloads (orders,
  // customers), so an erasure deletes the events that mention the person (their deliveries and attempts cascade).
  webhook_subscriptions: {
    columns:
      'id url events description secret_ciphertext status disabled_reason legacy_alert consecutive_failures failing_since last_success_at last_failure_at created_at updated_at',
    erase: 'none',
  },
  webhook_events: {
    columns: 'id type resource_key data created_at',
    personal: 'data',
    erase: 'delete',
    note: 'events whose payload mentions the person are deleted',
  },
  webhook_deliveries: {
    columns:
      'id subscription_id event_id resource_key status attempts next_attempt_at last_attempt_at last_status last_error delivered_at expires_at created_at',
    erase: 'none',
    note: 'deleted with their event',
  },
  webhook_delivery_attempts: {
    columns: 'id delivery_id attempt request_headers request_body response_status response_body error duration_ms created_at',
    personal: 'request_body',
    erase: 'delete',
    note: 'deleted with their event (the body is the event payload)',
  },
  webhook_dispatch_lease: { columns: 'id holder locked_until', erase: 'none' },
  // Sales analytics: sums per day, currency, market and product; the outbox and per-order contributions hold ids and
  // amounts only (no e-mail: whether a buyer was new is a flag in the sums).
  analytics_pending: { columns: 'order_id seq queued_at', erase: 'none', note: 'order ids only; the order row is what erasure anonymises' },
  analytics_order_facts: { columns: 'order_id facts computed_at', erase: 'none', note: 'amounts per day/product of one order, no person' },
  analytics_daily: {
    columns:
      'day currency market_id orders units gross discounts refunds shipping tax total new_customers returning_customers presentment_gross presentment_discounts presentment_refunds presentment_total',
    erase: 'none',
  },
  analytics_product_daily: { columns: 'day product_id orders units gross discounts', erase: 'none' },
  analytics_funnel_daily: { columns: 'day sessions product_views add_to_cart checkouts orders computed_at', erase: 'none', note: 'counts only' },
  analytics_state: { columns: 'id funnel_computed_at rebuilt_at rebuild_id rebuild_started_at rebuild_heartbeat_at rebuild_owner', erase: 'none' },
  // The rebuild's shadow copies of the four tables above (same columns), and the orders the worker applied meanwhile.
  analytics_rebuild_order_facts: { columns: 'order_id facts computed_at', erase: 'none', note: 'as analytics_order_facts, while a rebuild runs' },
  analytics_rebuild_daily: {
    columns:
      'day currency market_id orders units gross discounts refunds shipping tax total new_customers returning_customers presentment_gross presentment_discounts presentment_refunds presentment_total',
    erase: 'none',
  },
  analytics_rebuild_product_daily: { columns: 'day product_id orders units gross discounts', erase: 'none' },
  analytics_rebuild_funnel_daily: { columns: 'day sessions product_views add_to_cart checkouts orders computed_at', erase: 'none', note: 'counts only' },
  analytics_rebuild_dirty: { columns: 'order_id', erase: 'none', note: 'order ids only' },
  import_rows: { columns: 'import_id handle outcome warnings', erase: 'none' },
  reviews: {
    columns: 'id product_id order_id email author rating title body status reply replied_at verified source created_at updated_at',
    personal: 'order_id email author',
    erase: 'anonymise',
    export: 'reviews',
    note: 'the address, name and order link are cleared; the rating and text stay with the product, no longer tied to anyone',
  },
  review_photos: {
    columns: 'id review_id storage_key content_type width height bytes position created_at',
    personal: 'review_id storage_key',
    erase: 'delete',
    export: 'reviews',
    note: "the shopper's photos on their reviews: rows and stored files (with resized copies) are deleted; the export carries the files",
  },
  reco_models: { columns: 'version status trigger job_id started_at finished_at stats metrics error', erase: 'none' },
  reco_active_model: { columns: 'id version activated_at', erase: 'none' },
  reco_item_recs: { columns: 'version product_id repeat items', erase: 'none' },
  reco_popular: { columns: 'version scope items', erase: 'none' },
  search_config: { columns: 'id version stop_words in_stock_boost updated_at', erase: 'none' },
  search_documents: { columns: 'product_id seq deleted doc source_hash indexed_at', erase: 'none' },
  search_pins: { columns: 'id query product_id position created_at', erase: 'none' },
  search_synonyms: { columns: 'id kind terms synonyms created_at', erase: 'none' },
  search_snapshots: { columns: 'seq chunk chunks format stop_words data created_at', erase: 'none' },
  storeloom_migrations: { columns: 'name applied_at', erase: 'none' },
  markets: { columns: 'id name currency exchange_rate rounding_increment tax_inclusive languages created_at updated_at', erase: 'none' },
  market_countries: { columns: 'country market_id', erase: 'none' },
  market_prices: { columns: 'market_id variant_id price updated_at', erase: 'none' },
  variant_price_history: { columns: 'id variant_id market_id price source changed_at', erase: 'none', note: 'prices only (EU price-reduction rule)' },
  shipping_zones: { columns: 'id name created_at updated_at', erase: 'none' },
  shipping_zone_countries: { columns: 'country zone_id', erase: 'none' },
  shipping_zone_rates: { columns: 'id zone_id name price min_subtotal max_subtotal min_weight_grams max_weight_grams position', erase: 'none' },
  pages: {
    columns: 'id handle title body_html seo_title seo_description published published_at version created_at updated_at',
    erase: 'none',
    note: "the merchant's content",
  },
  policies: { columns: 'kind fields published updated_at', erase: 'none', note: "the merchant's content" },
  product_translations: {
    columns: 'product_id locale title description seo_title seo_description options updated_at',
    erase: 'none',
    note: "the merchant's content",
  },
  menu_translations: { columns: 'menu_id locale title items updated_at', erase: 'none', note: "the merchant's content" },
  article_translations: {
    columns: 'article_id locale title body_html excerpt seo_title seo_description updated_at',
    erase: 'none',
    note: "the merchant's content",
  },
  store_translations: { columns: 'locale name announcement footer_text updated_at', erase: 'none', note: "the merchant's content" },
  collection_translations: { columns: 'collection_id locale title description updated_at', erase: 'none', note: "the merchant's content" },
  page_translations: { columns: 'page_id locale title body_html seo_title seo_description updated_at', erase: 'none', note: "the merchant's content" },
  menus: { columns: 'id handle title items version created_at updated_at', erase: 'none', note: "the merchant's content" },
  articles: {
    columns:
      'id handle title body_html excerpt author tags cover_image_url cover_image_alt seo_title seo_description published published_at version created_at updated_at',
    erase: 'none',
    note: "the merchant's content",
  },
  product_media: {
    columns: 'id product_id type url storage_key alt poster_url poster_key usdz_url usdz_key bytes report position created_at',
    erase: 'none',
    note: "the merchant's content",
  },
  tax_rates: { columns: 'id country region tax_class rate_milli name source created_at updated_at', erase: 'none' },
  theme_templates: { columns: 'template draft published version draft_updated_at published_at', erase: 'none', note: "the merchant's content" },
  // published_by: a team member's user id (staff, not shoppers: the control schema holds who they are).
  theme_versions: { columns: 'id template layout published_at published_by', erase: 'none', note: "the merchant's content" },
};

/**
 * Outside the store's schema: where the platform keeps copies of a shopper's
 * data, and what an erasure does there (docs/design/privacy.md has the full map).
 */
export const PLATFORM_DATA_MAP: Record<string, { erase: string; export?: string }> = {
  'control.mail_outbox': { erase: "the store's mail to the address (and mail mentioning it) is deleted", export: 'mails' },
  'control.audit_log': { erase: 'the address inside entries of the store is replaced by the anonymous token' },
  'control.store_jobs': { erase: 'job payloads and results of the store: the address replaced by the token' },
  'control.fair_jobs': { erase: 'queued job payloads of the store: the address replaced by the token' },
  'control.idempotency_keys': { erase: "stored responses of the store's routes: the address replaced by the token" },
  'queues (Redis or the Postgres job backend)': { erase: 'jobs whose payload, result or error mentions the address are removed' },
  'media storage': { erase: "the person's export archives and the store's not-yet-expired store export archives are deleted" },
  'payment provider (Stripe)': { erase: "customer objects with the address on the store's connected account are deleted through the provider" },
};

export function personalColumns(table: string): string[] {
  return (TENANT_DATA_MAP[table]?.personal ?? '').split(/\s+/).filter(Boolean);
}
