import createClient, { type MaybeOptionalInit } from 'openapi-fetch';
import type { PathsWithMethod, RequiredKeysOf, SuccessResponse } from 'openapi-typescript-helpers';
import type { components, paths } from './api-schema.gen.ts';

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

/** Query values as the API reads them: empty, null and undefined values are left out. */
export function serializeQuery(query: Record<string, unknown> | undefined): string {
  if (!query) return '';
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
  return qs.toString();
}

type Listener = (err: ApiError) => boolean | undefined | void;
const unauthenticatedListeners = new Set<Listener>();
/**
 * Called when a request comes back 401 (the session expired or was revoked).
 * A listener returns true when it takes the merchant to sign in: the request
 * that failed (and any that fail after it until the next sign-in) then never
 * settles, so the page being left shows no error for it.
 */
export const onUnauthenticated = (fn: Listener) => {
  unauthenticatedListeners.add(fn);
  return () => unauthenticatedListeners.delete(fn);
};
let signingIn = false;
/** A request succeeded again (after a sign-in): 401s are reported anew. */
const sessionLive = () => {
  signingIn = false;
};

const client = createClient<paths>({
  credentials: 'same-origin',
  // Looked up per call (not captured once), so a test can stand in for the network.
  fetch: (req) => globalThis.fetch(req),
  headers: { accept: 'application/json' },
  querySerializer: serializeQuery as never,
});

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Init<P extends keyof paths, M extends Method> = MaybeOptionalInit<paths[P], M>;
// Not generic in the init (unlike openapi-fetch's own methods), so object literals get excess-property checks: a misspelt field fails.
type InitArg<I> = RequiredKeysOf<NonNullable<I>> extends never ? [I?] : [I];
/** The success body of an operation (`undefined` for 204). */
type Data<P extends keyof paths, M extends Method> = paths[P][M] extends { responses: infer R extends Record<string | number, unknown> }
  ? SuccessResponse<R>
  : never;
type Call<M extends Method> = <P extends PathsWithMethod<paths, M>>(url: P, ...init: InitArg<Init<P, M>>) => Promise<Data<P, M>>;

async function call(method: Method, url: string, init: Record<string, unknown> | undefined): Promise<unknown> {
  let r: { data?: unknown; error?: unknown; response: Response };
  try {
    // Absolute, because a Request needs one: the page's own origin (same-origin cookies, CSRF Origin check).
    const baseUrl = `${globalThis.location?.origin ?? 'http://localhost'}/api/v1`;
    r = await (client.request as (m: string, u: string, i?: unknown) => Promise<typeof r>)(method, url, { ...init, baseUrl });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'network_error', 'The server could not be reached');
  }
  if (r.response.ok) {
    sessionLive();
    return r.data;
  }
  const err = errorFromResponse(r.response.status, r.error);
  if (r.response.status === 401 && !url.startsWith('/auth/')) {
    if (!signingIn) for (const fn of unauthenticatedListeners) if (fn(err) === true) signingIn = true;
    // `/me` answers "who is signed in" (401 = nobody): the session resource needs that answer, never a hang.
    if (signingIn && url !== '/me') return new Promise(() => {});
  }
  throw err;
}

/**
 * The typed client: every path, its path/query parameters, its body and its
 * response type come from the generated OpenAPI types (`api-schema.gen.ts`),
 * so a wrong path or field fails `npm run typecheck`. Calls resolve to the
 * success body and reject with an ApiError carrying the API's code and message.
 */
export const api = {
  GET: ((url: string, init?: Record<string, unknown>) => call('get', url, init)) as Call<'get'>,
  POST: ((url: string, init?: Record<string, unknown>) => call('post', url, init)) as Call<'post'>,
  PUT: ((url: string, init?: Record<string, unknown>) => call('put', url, init)) as Call<'put'>,
  PATCH: ((url: string, init?: Record<string, unknown>) => call('patch', url, init)) as Call<'patch'>,
  DELETE: ((url: string, init?: Record<string, unknown>) => call('delete', url, init)) as Call<'delete'>,
};

/** A raw request body (a CSV file) sent as-is with its own content type: spread into a call's init next to `body`. */
export const rawBody = (contentType: string) => ({ bodySerializer: (b: unknown) => b, headers: { 'content-type': contentType } });

/**
 * Multipart uploads (logo, product images): the API reads the form itself, so
 * these operations declare no JSON body; the path and its parameters are still
 * checked against the document.
 */
export function upload<P extends PathsWithMethod<paths, 'post'>>(url: P, init: Omit<NonNullable<Init<P, 'post'>>, 'body'>, form: FormData) {
  return call('post', url, { ...init, body: form, bodySerializer: (b: unknown) => b }) as Promise<Data<P, 'post'>>;
}

// randomUUID exists only in secure contexts (https or localhost); plain-http hosts get a random fallback.
export const idempotencyKey = () =>
  'randomUUID' in crypto ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;

// ---- Resource shapes: names for the generated schemas ----

export type Schemas = components['schemas'];
/** The success body of `method path`, from the generated document. */
export type ResponseOf<P extends keyof paths, M extends Method> = Data<P, M>;
/** The query parameters of `method path` (values read from the URL are cast to these; the API validates them). */
export type QueryOf<P extends keyof paths, M extends Method> = paths[P][M] extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;
/** The JSON body `method path` accepts. */
export type BodyOf<P extends keyof paths, M extends Method> = paths[P][M] extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;

export type User = Schemas['User'];
export type Store = Schemas['Store'];
export type Role = NonNullable<Store['role']>;
/** Something the caller may do in a store; the API lists them per store (`capabilities`) and enforces them. */
export type Capability = NonNullable<Store['capabilities']>[number];
/** Whether the API granted the caller `capability` in `store`: the console hides what the API would refuse. */
export const can = (store: Pick<Store, 'capabilities'> | undefined, capability: Capability) => store?.capabilities?.includes(capability) ?? false;
export type ApiToken = Schemas['ApiToken'];
export type Product = Schemas['Product'];
export type ProductStatus = Product['status'];
export type ProductOption = Product['options'][number];
export type ProductImage = Schemas['ProductImage'];
export type Variant = Schemas['Variant'];
export type Collection = Schemas['Collection'];
export type ImportRecord = Schemas['Import'];
export type ImportPreview = Schemas['ImportPreview'];
export type ImportRowIssue = Schemas['ImportRowIssue'];
export type OrderSummary = Schemas['OrderSummary'];
export type OrderDetail = Schemas['OrderDetail'];
export type StockRow = Schemas['StockRow'];
export type BulkResult = ResponseOf<'/stores/{storeId}/products/bulk', 'post'>['results'][number];
export type Billing = Schemas['Billing'];
export type PlanInfo = Schemas['Plan'];
export type PayoutStatus = Schemas['PayoutStatus'];
export type PricingSettings = Schemas['PricingSettings'];
export type PricingMode = PricingSettings['mode'];
export type PriceChange = Schemas['PriceChange'];
export type PriceHistory = Schemas['PriceHistory'];
export type ExpectedRevenue = Schemas['ExpectedRevenue'];
export type PlanningJob = Schemas['PlanningJob'];
export type Supplier = Schemas['Supplier'];
export type InventoryPolicy = Schemas['InventoryPolicy'];
/** One day of a plan's forecast (the sparkline's points). */
export type ForecastDay = NonNullable<Schemas['InventoryPolicy']['plan']>['forecast'][number];
export type SuggestedPurchaseOrder = Schemas['SuggestedPurchaseOrder'];
export type LowStockAlert = Schemas['LowStockAlert'];
export type AlertWebhook = Schemas['AlertWebhook'];
export type SearchResult = Schemas['SearchResult'];
export type SearchStatus = ResponseOf<'/stores/{storeId}/search/status', 'get'>;
export type SearchJob = Schemas['SearchJob'];
export type SearchSynonym = Schemas['SearchSynonym'];
export type SearchPin = Schemas['SearchPin'];
export type SearchSettings = Schemas['SearchSettings'];
export type SearchAnalytics = Schemas['SearchAnalytics'];
export type RecoEntry = Schemas['RecommendationEntry'];
export type RecoProductPreview = Schemas['ProductRecommendationPreview'];
export type RecoCustomerPreview = Schemas['CustomerRecommendationPreview'];
export type TrainingRun = Schemas['TrainingRun'];
