/**
 * One enum of stable error codes, mapped exhaustively to HTTP statuses.
 * Clients match on `code`; `message` is for humans and may change.
 */
export const ErrorCode = {
  BadRequest: 'bad_request',
  ValidationFailed: 'validation_failed',
  InvalidJson: 'invalid_json',
  UnsupportedMediaType: 'unsupported_media_type',
  PayloadTooLarge: 'payload_too_large',
  Unauthenticated: 'unauthenticated',
  InvalidCredentials: 'invalid_credentials',
  Forbidden: 'forbidden',
  CsrfRejected: 'csrf_rejected',
  NotFound: 'not_found',
  StoreNotFound: 'store_not_found',
  Conflict: 'conflict',
  VersionConflict: 'version_conflict',
  EmailTaken: 'email_taken',
  SlugTaken: 'slug_taken',
  SlugReserved: 'slug_reserved',
  HandleTaken: 'handle_taken',
  SkuTaken: 'sku_taken',
  InsufficientStock: 'insufficient_stock',
  IdempotencyKeyReused: 'idempotency_key_reused',
  IdempotencyInProgress: 'idempotency_in_progress',
  StoreNotActive: 'store_not_active',
  /**
   * The storefront's answer to shoppers' API calls while a store is not open to them: closed (suspended, being set up,
   * deleted) or not launched yet. 503 with Retry-After, as its pages; not `store_not_active`, whose 409 is the console's.
   */
  StoreUnavailable: 'store_unavailable',
  RateLimited: 'rate_limited',
  ServiceUnavailable: 'service_unavailable',
  Internal: 'internal_error',
  PlanLimitReached: 'plan_limit_reached',
  /** An API token without the scope the route needs, or a session-only route called with a token. */
  InsufficientScope: 'insufficient_scope',
  BillingDisabled: 'billing_disabled',
  InvalidSignature: 'invalid_signature',
  PaymentProviderUnavailable: 'payment_provider_unavailable',
  InvalidToken: 'invalid_token',
  InvalidState: 'invalid_state',
  UnsupportedFileType: 'unsupported_file_type',
  DomainTaken: 'domain_taken',
  DnsVerificationFailed: 'dns_verification_failed',
  /** An outbound URL (e.g. a webhook) whose host is not a public address. */
  UrlNotAllowed: 'url_not_allowed',
  ArchiveInvalid: 'archive_invalid',
  StorePurged: 'store_purged',
  /** The store is being moved between database clusters: reads work, writes are refused briefly (Retry-After). */
  StoreReadOnly: 'store_read_only',
  /** A payment confirmation from a provider other than the one the order was placed with (e.g. the manual page for a Stripe order). */
  PaymentProviderMismatch: 'payment_provider_mismatch',
  /** An uploaded archive inflates beyond the size or entry-count cap. */
  ArchiveTooLarge: 'archive_too_large',
  /** A discount code that does not apply (unknown, expired, not started, minimum not met, used up, once per customer, not combinable). */
  DiscountNotApplicable: 'discount_not_applicable',
  /** A gift card code that is unknown, disabled, expired, in another currency or without balance. */
  GiftCardInvalid: 'gift_card_invalid',
  /** An uploaded 3D model the glTF validator refuses (details: its first messages). */
  ModelInvalid: 'model_invalid',
  /** A theme layout with an unknown section type, a bad setting or too many blocks (details: [{path, message}]). */
  LayoutInvalid: 'layout_invalid',
  ThemeSettingsInvalid: 'theme_settings_invalid',
  /** The store requires two-factor sign-in of its team and the caller's account has none. */
  TwoFactorRequired: 'two_factor_required',
  /** The cart's country is in no shipping zone: nothing can be shipped there (issue 19). */
  ShippingUnavailable: 'shipping_unavailable',
  /** A market in another currency without an exchange rate: none given and none in the operator's rate table. */
  ExchangeRateUnavailable: 'exchange_rate_unavailable',
  /** A country that already belongs to another market (a country is in at most one). */
  CountryInOtherMarket: 'country_in_other_market',
  /** A country that already belongs to another shipping zone. */
  CountryInOtherZone: 'country_in_other_zone',
  /** A VAT id that does not have its country's format. */
  VatIdInvalid: 'vat_id_invalid',
  /** A return asked for after the store's return window closed (or with returns switched off). */
  ReturnWindowClosed: 'return_window_closed',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Exhaustive: adding a code without a status is a type error. */
export const httpStatusOf: Record<ErrorCode, 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 500 | 503> = {
  bad_request: 400,
  validation_failed: 400,
  invalid_json: 400,
  unsupported_media_type: 415,
  payload_too_large: 413,
  unauthenticated: 401,
  invalid_credentials: 401,
  forbidden: 403,
  csrf_rejected: 403,
  not_found: 404,
  store_not_found: 404,
  conflict: 409,
  version_conflict: 409,
  email_taken: 409,
  slug_taken: 409,
  slug_reserved: 422,
  handle_taken: 409,
  sku_taken: 409,
  insufficient_stock: 409,
  idempotency_key_reused: 422,
  idempotency_in_progress: 409,
  store_not_active: 409,
  store_unavailable: 503,
  rate_limited: 429,
  service_unavailable: 503,
  internal_error: 500,
  plan_limit_reached: 403,
  insufficient_scope: 403,
  billing_disabled: 409,
  invalid_signature: 400,
  payment_provider_unavailable: 503,
  invalid_token: 400,
  invalid_state: 409,
  unsupported_file_type: 415,
  domain_taken: 409,
  dns_verification_failed: 422,
  url_not_allowed: 422,
  archive_invalid: 422,
  store_purged: 409,
  store_read_only: 503,
  payment_provider_mismatch: 409,
  archive_too_large: 413,
  discount_not_applicable: 422,
  gift_card_invalid: 422,
  model_invalid: 422,
  layout_invalid: 422,
  theme_settings_invalid: 422,
  two_factor_required: 403,
  shipping_unavailable: 422,
  exchange_rate_unavailable: 422,
  country_in_other_market: 409,
  country_in_other_zone: 409,
  vat_id_invalid: 422,
  return_window_closed: 422,
};

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;
  /** Extra response headers, e.g. Retry-After on rate limits. */
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, message: string, opts: { details?: unknown; headers?: Record<string, string>; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = opts.details;
    this.headers = opts.headers ?? {};
  }

  get status(): number {
    return httpStatusOf[this.code];
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { error: { code: this.code, message: this.message } };
    if (this.details !== undefined) body.error.details = this.details;
    return body;
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;

export const notFound = (what = 'Resource') => new AppError(ErrorCode.NotFound, `${what} not found`);

/** Postgres SQLSTATE helpers: repositories translate constraint errors into AppErrors. */
export interface PgErrorLike {
  code?: string;
  constraint?: string;
}
export const isPgError = (e: unknown): e is PgErrorLike & Error =>
  typeof e === 'object' && e !== null && typeof (e as PgErrorLike).code === 'string' && /^[0-9A-Z]{5}$/.test((e as PgErrorLike).code ?? '');
export const isUniqueViolation = (e: unknown, constraint?: string) =>
  isPgError(e) && e.code === '23505' && (constraint === undefined || e.constraint === constraint);
export const isCheckViolation = (e: unknown, constraint?: string) =>
  isPgError(e) && e.code === '23514' && (constraint === undefined || e.constraint === constraint);
/**
 * Postgres cancelled a statement that ran past the pool's `statement_timeout` (SQLSTATE 57014 with the
 * timeout message; a cancel by an operator has the same code and is treated alike), or ended a session
 * left idle in a transaction (25P03). Either way the transaction was rolled back: answer 503, retryable.
 */
export const isStatementTimeout = (e: unknown) => isPgError(e) && (e.code === '57014' || e.code === '25P03');

/** Connection-level failures: the database is down or restarting. */
export const isConnectionError = (e: unknown) => {
  if (typeof e !== 'object' || e === null) return false;
  const code = (e as { code?: string }).code;
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === '57P01' || code === '57P03' || code === '08006' || code === '08001' || code === '53300')
    return true;
  // node-postgres reports a connection that died mid-query (backend killed, network cut) without a code.
  const message = (e as { message?: unknown }).message;
  return (
    typeof message === 'string' &&
    /^(Connection terminated|Client has encountered a connection error|Connection terminated due to connection timeout|timeout exceeded when trying to connect)/.test(
      message,
    )
  );
};
