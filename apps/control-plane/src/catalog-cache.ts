/**
 * Response cache of the API's catalogue reads (issue 23): product read and product list. A hit costs the store's
 * catalogue version (see CatalogVersions) and a map lookup instead of the read, its JSON and its serialisation;
 * `If-None-Match` with the current ETag answers 304 without a body.
 *
 * Correctness rests on three things:
 * - the version is read BEFORE the response is built, so a write committing during the read can only leave a copy
 *   newer than its version, never one older (the next reader sees the new version and misses);
 * - the version is bumped by database triggers in the transaction of every catalogue write (whatever process or path
 *   makes it), and every request compares against the database's version (or one pushed by NOTIFY, see
 *   CatalogVersions), so a copy is never served after the write that outdates it has committed and been seen;
 * - the cache sits after authentication, the token's scope and store membership (every request still passes them),
 *   and its key names the store, the audience (staff: every member sees drafts), the path and the query.
 */
import { etagOf, ifNoneMatchHits, plainResponse, type ResponseCache } from '@storeloom/http';
import type { Context, MiddlewareHandler, Next } from 'hono';
import type { AppEnv } from './context.ts';

/** Who the cached body was built for: members of the store (drafts and archived products included). */
const STAFF = 'staff';
/** Beside the ETag, on hits, 304s and the responses kept. */
const CACHE_CONTROL = 'private, no-cache';
const VARY = 'Authorization, Cookie';

/**
 * Not async: on a hit with the version known from memory (the hot path, issue 23) nothing here awaits. It sets the
 * response rather than returning it, and acts after next() on a miss: so in a chain it must be the last (scopes.ts).
 */
export const catalogCache: MiddlewareHandler<AppEnv> = (c, next) => {
  const { responseCache, catalogVersions } = c.get('services');
  const tenant = c.get('tenant');
  if (!responseCache || !tenant || c.req.method !== 'GET') return next();
  const store = c.get('store');
  // BEFORE the read: see above.
  const version = catalogVersions.current(store.schema_name, tenant);
  return typeof version === 'string'
    ? fromCache(c, next, responseCache, store.id, version)
    : version.then((v) => fromCache(c, next, responseCache, store.id, v));
};

const ANSWERED = Promise.resolve();

function fromCache(c: Context<AppEnv>, next: Next, responseCache: ResponseCache, storeId: string, version: string): Promise<void> {
  const url = c.req.url;
  const q = url.indexOf('?');
  const key = `${storeId}\u0000${STAFF}\u0000${c.req.path}${q < 0 ? '' : url.slice(q)}`;
  const hit = responseCache.get(key, version);
  if (!hit) return buildAndKeep(c, next, responseCache, key, version);
  // Plain-object headers (with the request's own, see response-headers.ts): written by the adapter as they are.
  c.res = ifNoneMatchHits(c.req.header('if-none-match'), hit.etag)
    ? plainResponse(c, null, 304, { ETag: hit.etag, 'Cache-Control': CACHE_CONTROL, Vary: VARY })
    : plainResponse(c, hit.body, 200, { ETag: hit.etag, 'Cache-Control': CACHE_CONTROL, Vary: VARY, 'Content-Type': hit.contentType });
  return ANSWERED;
}

async function buildAndKeep(c: Context<AppEnv>, next: Next, responseCache: ResponseCache, key: string, version: string): Promise<void> {
  await next();
  const res = c.res;
  const contentType = res.headers.get('content-type') ?? '';
  if (res.status !== 200 || !contentType.startsWith('application/json')) return;
  const body = await res.clone().text();
  const etag = etagOf(version, body);
  responseCache.set(key, { version, etag, body, contentType });
  const headers = { ETag: etag, 'Cache-Control': CACHE_CONTROL, Vary: VARY };
  if (ifNoneMatchHits(c.req.header('if-none-match'), etag)) {
    c.res = new Response(null, { status: 304, headers: mergedHeaders(res.headers, headers) });
    return;
  }
  for (const [k, v] of Object.entries(headers)) res.headers.set(k, v);
}

function mergedHeaders(base: Headers, extra: Record<string, string>): Headers {
  const h = new Headers(base);
  h.delete('content-type');
  h.delete('content-length');
  for (const [k, v] of Object.entries(extra)) h.set(k, v);
  return h;
}
