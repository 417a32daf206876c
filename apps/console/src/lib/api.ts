/**
 * The console's API client: same-origin fetch with the session cookie (no
 * tokens in storage), JSON in and out, and the API's error body mapped to a
 * typed error that knows which form field each problem belongs to.
 */

export interface ErrorDetail {
  path: string;
  message: string;
}

/** Codes that concern one field even though the server does not name it. */
const FIELD_OF_CODE: Record<string, string> = {
  email_taken: 'email',
  invalid_credentials: 'password',
  slug_taken: 'slug',
  slug_reserved: 'slug',
  handle_taken: 'handle',
  sku_taken: 'sku',
};

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;

  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** Field → message, for showing next to inputs. Paths such as `variants.0.price` are kept whole. */
  get fieldErrors(): Record<string, string> {
    return fieldErrorsOf(this);
  }
}

export function fieldErrorsOf(err: { code: string; message: string; details?: unknown }): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(err.details)) {
    for (const d of err.details) {
      if (d && typeof d === 'object' && typeof (d as ErrorDetail).path === 'string' && typeof (d as ErrorDetail).message === 'string') {
        const { path, message } = d as ErrorDetail;
        const key = path || 'form';
        if (!(key in out)) out[key] = message;
      }
    }
  }
  const field = FIELD_OF_CODE[err.code];
  if (field && !(field in out)) out[field] = err.message;
  return out;
}

/** Parses a response body into an ApiError; tolerates non-JSON bodies (a proxy's HTML error page). */
export function errorFromResponse(status: number, body: unknown): ApiError {
  const e = body && typeof body === 'object' ? (body as { error?: { code?: unknown; message?: unknown; details?: unknown } }).error : undefined;
  if (e && typeof e.code === 'string') return new ApiError(status, e.code, typeof e.message === 'string' ? e.message : e.code, e.details);
  return new ApiError(status, status >= 500 ? 'internal_error' : 'bad_request', `Request failed (${status})`);
}

export interface RequestOptions {
  body?: unknown;
  /** Raw body (CSV, an image) sent as-is with this content type. */
  raw?: { data: BodyInit; contentType: string };
  /** Multipart body (uploads); the browser sets the boundary. */
  form?: FormData;
  headers?: Record<string, string>;
  query?: Record<string, string | number | undefined | null>;
  signal?: AbortSignal;
}

export function withQuery(path: string, query?: RequestOptions['query']): string {
  if (!query) return path;
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
  const s = qs.toString();
  return s ? `${path}${path.includes('?') ? '&' : '?'}${s}` : path;
}

type Listener = (err: ApiError) => void;
const unauthenticatedListeners = new Set<Listener>();
/** Called when any request comes back 401 (the session expired or was revoked). */
export const onUnauthenticated = (fn: Listener) => {
  unauthenticatedListeners.add(fn);
  return () => unauthenticatedListeners.delete(fn);
};

export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
  let body: BodyInit | undefined;
  if (opts.form) body = opts.form;
  else if (opts.raw) {
    body = opts.raw.data;
    headers['content-type'] = opts.raw.contentType;
  } else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] = 'application/json';
  }
  let res: Response;
  try {
    res = await fetch(`/api/v1${withQuery(path, opts.query)}`, { method, headers, body, credentials: 'same-origin', signal: opts.signal ?? null });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'network_error', 'The server could not be reached');
  }
  const text = await res.text();
  let parsed: unknown = null;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  if (!res.ok) {
    const err = errorFromResponse(res.status, parsed);
    if (res.status === 401 && !path.startsWith('/auth/')) for (const fn of unauthenticatedListeners) fn(err);
    throw err;
  }
  return parsed as T;
}

export const api = {
  get: <T>(path: string, opts?: RequestOptions) => request<T>('GET', path, opts),
  post: <T>(path: string, body?: unknown, opts?: RequestOptions) => request<T>('POST', path, { ...opts, body }),
  put: <T>(path: string, body?: unknown, opts?: RequestOptions) => request<T>('PUT', path, { ...opts, body }),
  patch: <T>(path: string, body?: unknown, opts?: RequestOptions) => request<T>('PATCH', path, { ...opts, body }),
  del: <T = null>(path: string, opts?: RequestOptions) => request<T>('DELETE', path, opts),
};

// randomUUID exists only in secure contexts (https or localhost); plain-http hosts get a random fallback.
export const idempotencyKey = () =>
  'randomUUID' in crypto ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;

// ---- Resource shapes (mirrors of the API's schemas) ----

export type Role = 'owner' | 'admin' | 'staff';
export interface User {
  id: string;
  email: string;
  name: string;
  /** The merchant's console language; null = follow the browser. */
  locale?: 'en' | 'zh-CN' | null;
}
export interface Store {
  id: string;
  slug: string;
  name: string;
  status: 'provisioning' | 'active' | 'suspended' | 'deleted';
  plan: string;
  currency: string;
  defaultLocale: string;
  customDomain: string | null;
  url: string;
  role?: Role;
  createdAt: string;
  updatedAt: string;
}
export type ProductStatus = 'draft' | 'active' | 'archived';
export interface Variant {
  id: string;
  sku: string | null;
  title: string;
  options: Record<string, string>;
  price: number;
  compareAtPrice: number | null;
  inventoryQuantity: number;
  position: number;
  version: number;
  lowStockThreshold?: number | null;
}
export interface ProductImage {
  id: string;
  url: string;
  alt: string | null;
  position: number;
}
export interface ProductOption {
  name: string;
  values: string[];
}
export interface Product {
  id: string;
  handle: string;
  title: string;
  description: string;
  status: ProductStatus;
  vendor: string | null;
  productType: string | null;
  tags: string[];
  options: ProductOption[];
  seoTitle: string | null;
  seoDescription: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
  variants: Variant[];
  images: ProductImage[];
  collectionIds: string[];
}
export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}
export interface Collection {
  id: string;
  handle: string;
  title: string;
  description: string;
  version: number;
  productCount: number;
}
export interface ImportRecord {
  id: string;
  kind: string;
  status: 'queued' | 'running' | 'completed' | 'failed';
  filename: string | null;
  totalRows: number;
  processedRows: number;
  progress: number;
  createdCount: number;
  updatedCount: number;
  errorCount: number;
  errors: ImportRowIssue[];
  warningCount: number;
  warnings: ImportRowIssue[];
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  jobId?: string;
}
export interface ImportRowIssue {
  row: number;
  handle?: string;
  code: string;
  message: string;
}
/** POST /stores/:id/imports/preview: what an import of the file would do (nothing written). */
export interface ImportPreview {
  totalRows: number;
  createCount: number;
  updateCount: number;
  variantCount: number;
  imageCount: number;
  errorCount: number;
  warningCount: number;
  errors: ImportRowIssue[];
  warnings: ImportRowIssue[];
}
export interface ApiToken {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  scopes: string[];
}

export type PaymentStatus = 'pending' | 'paid' | 'failed' | 'expired' | 'partially_refunded' | 'refunded';
export interface OrderSummary {
  id: string;
  number: number;
  status: 'open' | 'cancelled' | 'closed';
  paymentStatus: PaymentStatus;
  fulfillmentStatus: 'unfulfilled' | 'fulfilled';
  email: string;
  customerName: string | null;
  customerId: string | null;
  currency: string;
  total: number;
  itemCount: number;
  createdAt: string;
  paidAt: string | null;
}
export interface OrderDetail extends OrderSummary {
  lines: {
    id: string;
    productId: string | null;
    variantId: string | null;
    title: string;
    variantTitle: string | null;
    sku: string | null;
    quantity: number;
    unitPrice: number;
    total: number;
    imageUrl: string | null;
  }[];
  subtotal: number;
  shipping: number;
  tax: number;
  refunded: number;
  shippingAddress: {
    name: string;
    line1: string;
    line2: string | null;
    city: string;
    postalCode: string;
    region: string | null;
    country: string;
    phone: string | null;
  } | null;
  payment: { provider: string; reference: string | null; canRefund: boolean; refundable: number };
  fulfillment: { fulfilledAt: string; trackingNumber: string | null; carrier: string | null } | null;
  timeline: { at: string; type: string; message: string }[];
}

/** One variant on the inventory page (`GET /stores/{id}/inventory`). */
export interface StockRow {
  variantId: string;
  productId: string;
  productTitle: string;
  productStatus: string;
  variantTitle: string;
  sku: string | null;
  inventoryQuantity: number;
  /** null: this variant never alerts. */
  lowStockThreshold: number | null;
  lowStock: boolean;
  imageUrl: string | null;
}

export interface BulkResult {
  id: string;
  ok: boolean;
  status?: ProductStatus;
  version?: number;
  error?: { code: string; message: string };
}

export interface PlanInfo {
  id: 'free' | 'basic' | 'pro';
  name: string;
  priceLabel: string;
  limits: { activeProducts: number | null; staffSeats: number; customDomain: boolean };
  transactionFeePercent: number;
  available: boolean;
}

export interface Billing {
  /** false: no Stripe keys on this installation; plans and limits are off. */
  enabled: boolean;
  plan: PlanInfo;
  usage: { activeProducts: number; staffSeats: number; customDomain: boolean };
  status: 'active' | 'past_due' | 'canceled';
  subscriptionStatus: string | null;
  pastDueSince: string | null;
  graceUntil: string | null;
  currentPeriodEnd: string | null;
  suspended: boolean;
  hasBillingAccount: boolean;
  canManage: boolean;
  plans: PlanInfo[];
}

export interface PayoutStatus {
  enabled: boolean;
  connected: boolean;
  accountId: string | null;
  chargesEnabled: boolean;
  payoutsEnabled: boolean;
  detailsSubmitted: boolean;
  requirements: {
    currentlyDue: string[];
    pastDue: string[];
    eventuallyDue: string[];
    disabledReason: string | null;
    currentDeadline: number | null;
  };
  updatedAt: string | null;
}

// ---- Dynamic pricing and inventory planning (issue 9) ----

export type PricingMode = 'suggest' | 'auto';
export interface PricingSettings {
  id: string;
  productId: string | null;
  collectionId: string | null;
  enabled: boolean;
  mode: PricingMode;
  floor: number;
  ceiling: number;
  pricePoints: number[] | null;
  step: number | null;
  maxChangePerDay: number | null;
  targetUnits: number | null;
  targetDate: string | null;
  paused: boolean;
  pausedReason: string | null;
  pausedAt: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}
export type PriceChangeStatus = 'suggested' | 'applied' | 'rejected' | 'rolled_back';
export interface PriceChange {
  id: string;
  variantId: string;
  productId: string;
  oldPrice: number;
  newPrice: number;
  reason: string;
  inputs: Record<string, unknown>;
  expectedRevenuePerDay: number | null;
  status: PriceChangeStatus;
  source: 'policy' | 'rollback';
  rollbackOf: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  appliedAt: string | null;
  createdAt: string;
}
export interface PriceHistory {
  productId: string;
  variants: {
    variantId: string;
    title: string;
    currentPrice: number;
    daily: { day: string; units: number; revenue: number; avgPriceShown: number }[];
    changes: PriceChange[];
  }[];
}
export interface ExpectedRevenue {
  productId: string;
  variants: {
    variantId: string;
    title: string;
    currentPrice: number;
    learned: boolean;
    prices: { price: number; daysObserved: number; unitsSold: number; expectedUnitsPerDay: number; expectedRevenuePerDay: number | null }[];
    atCurrentPrice: number | null;
    suggestedPrice: number | null;
    atSuggestedPrice: number | null;
    planPerDay: number | null;
  }[];
}
export interface PlanningJob {
  jobId: string;
  state: string;
  progress: number;
  result: Record<string, unknown> | null;
  failedReason: string | null;
}
export interface Supplier {
  id: string;
  name: string;
  email: string | null;
  leadTimeDays: number;
  createdAt: string;
  updatedAt: string;
}
export interface ForecastDay {
  date: string;
  open: boolean;
  mean: number;
  lower: number;
  upper: number;
}
export interface InventoryPolicy {
  variantId: string;
  sku: string | null;
  productTitle: string;
  variantTitle: string;
  onHand: number;
  supplierId: string | null;
  leadTimeDays: number | null;
  effectiveLeadTimeDays: number;
  serviceLevel: number;
  reviewPeriodDays: number;
  enabled: boolean;
  custom: boolean;
  plan: {
    onHand: number;
    reorderPoint: number;
    orderUpTo: number;
    suggestedQuantity: number;
    leadTimeDays: number;
    serviceLevel: number;
    method: string;
    low: boolean;
    forecast: ForecastDay[];
    computedAt: string;
  } | null;
}
export interface PurchaseOrderLine {
  variantId: string;
  sku: string | null;
  productTitle: string;
  variantTitle: string;
  onHand: number;
  reorderPoint: number;
  orderUpTo: number;
  quantity: number;
  leadTimeDays: number;
  computedAt: string;
}
export interface SuggestedPurchaseOrder {
  supplierId: string | null;
  supplierName: string | null;
  supplierEmail: string | null;
  totalUnits: number;
  lines: PurchaseOrderLine[];
}
export interface LowStockAlert {
  id: string;
  variantId: string;
  sku: string | null;
  productTitle: string;
  variantTitle: string;
  onHand: number;
  reorderPoint: number;
  suggestedQuantity: number;
  webhookStatus: 'none' | 'pending' | 'delivered' | 'failed';
  webhookAttempts: number;
  webhookLastError: string | null;
  createdAt: string;
}
export interface AlertWebhook {
  url: string;
  secret: string;
  enabled: boolean;
  updatedAt: string;
}
// ---- Search (merchant API under /stores/{id}/search) ----

export interface SearchHit {
  productId: string;
  handle: string;
  title: string;
  vendor: string | null;
  priceMin: number;
  priceMax: number;
  inStock: boolean;
  image: string | null;
  position: number;
  pinned?: boolean;
  score?: number;
  /** Staff explain: numeric score parts, `matched` (per query word), `boost`. */
  explain?: Record<string, unknown>;
}
export interface SearchResult {
  searchId: string | null;
  query: string;
  total: number;
  didYouMean: string | null;
  nextCursor: string | null;
  hits: SearchHit[];
}
export interface SearchStatus {
  documents: number;
  activeProducts: number;
  lastIndexedAt: string | null;
  seq: number;
}
export interface SearchJob {
  jobId: string;
  name: string;
  state: string;
  progress: number;
  result: unknown;
  failedReason: string | null;
}
export interface ConsistencyReport {
  products: number;
  documents: number;
  missing: number;
  stale: number;
  orphaned: number;
  repaired: boolean;
  sample: string[];
}
export interface SearchSynonym {
  id: string;
  kind: 'two_way' | 'one_way';
  terms: string[];
  synonyms: string[];
  createdAt: string;
}
export interface SearchPin {
  id: string;
  query: string;
  productId: string;
  position: number;
}
export interface SearchSettings {
  stopWords: string[];
  inStockBoost: number;
  version: number;
  updatedAt: string;
}
export interface SearchAnalytics {
  days: number;
  searches: number;
  zeroResultSearches: number;
  clickThroughRate: number;
  averageClickPosition: number | null;
  topQueries: { query: string; searches: number; results: number; clickThroughRate: number }[];
  zeroResultQueries: { query: string; searches: number }[];
}

// ---- Recommendations (merchant API under /stores/{id}/recommendations) ----

export interface RecoEntry {
  productId: string;
  /** null when the product was deleted since training. */
  title: string | null;
  status: string | null;
  image: string | null;
  score: number;
  /** cf (bought together), content (similar text), history (re-buys), popular. */
  source: string;
}
export interface RecoProductPreview {
  productId: string;
  modelVersion: number | null;
  items: RecoEntry[];
}
export interface RecoCustomerPreview {
  customerId: string | null;
  modelVersion: number | null;
  forYou: RecoEntry[];
  discover: RecoEntry[];
  customers: string[];
}
export interface TrainingRun {
  version: number;
  status: 'running' | 'succeeded' | 'failed';
  trigger: 'schedule' | 'manual';
  active: boolean;
  jobId: string | null;
  startedAt: string;
  finishedAt: string | null;
  stats: Record<string, unknown>;
  metrics: Record<string, unknown>;
  error: string | null;
  progress: { percent: number; phase: string | null } | null;
}
