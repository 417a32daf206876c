/**
 * The headers every response of a request carries (request id, trace context, security headers, a refreshed session
 * cookie), kept per request as a plain object instead of undici `Headers` (issue 23).
 *
 * Why: `Headers.set` goes through WebIDL conversion and validation on every call, and a response whose headers are a
 * `Headers` object is copied into a plain object again by the Node adapter before it is written. An API read set ~15
 * headers that way (2 before the handler, 4 by the handler, 9 after it): ~6% of the read's busy time in the profile.
 *
 * How: the middlewares put their headers into the request's bag (`responseHeaders(c)`) before the handler runs;
 * `requestContext` (the outermost middleware) applies the bag to whatever response the request ended with, as
 * `c.header()` used to, unless the response was built by `plainResponse`, which already carries the bag in a plain
 * object the adapter writes as it is. A response replaced after `plainResponse` built it (by an outer middleware, an
 * error handler) is not the same object, so it gets the bag applied: no response leaves without these headers.
 */
import type { Context } from 'hono';

export type HeaderBag = Record<string, string | string[]>;

const BAG = 'responseHeaderBag';
const PLAIN = 'plainResponse';

type Vars = { get(k: string): unknown; set(k: string, v: unknown): void };
const vars = (c: Context | Vars) => c as unknown as Vars;

/** This request's bag (created on first use). */
export function responseHeaders(c: Context | Vars): HeaderBag {
  const v = vars(c);
  let bag = v.get(BAG) as HeaderBag | undefined;
  if (!bag) {
    bag = {};
    v.set(BAG, bag);
  }
  return bag;
}

/** True once a middleware has started this request's bag. */
export function hasResponseHeaders(c: Context | Vars): boolean {
  return vars(c).get(BAG) !== undefined;
}

/** Adds a value to a header that may repeat (Set-Cookie): appended to the response's own values, never replacing them. */
export function appendResponseHeader(c: Context | Vars, name: string, value: string): void {
  const bag = responseHeaders(c);
  const current = bag[name];
  bag[name] = current === undefined ? [value] : Array.isArray(current) ? [...current, value] : [current, value];
}

/**
 * A response whose headers are a plain object: the bag, then `headers` (the handler's own win, as with `c.body`).
 * Return it from the handler; the adapter writes its headers without building `Headers`.
 */
export function plainResponse(c: Context | Vars, body: string | Uint8Array<ArrayBuffer> | null, status: number, headers: Record<string, string>): Response {
  const bag = vars(c).get(BAG) as HeaderBag | undefined;
  let init: HeadersInit = headers;
  if (bag) {
    // Copied key by key into a new object, not spread (`{ ...bag, ...headers }`): the spread of ~13 header names took
    // ~13 µs per response on this machine (the object it built was slow to build and to walk again in the adapter's
    // `for…in` and `writeHead`), the loops ~1 µs (issue 23, round 12).
    const merged: HeaderBag = {};
    let repeated = false;
    for (const k in bag) {
      const v = bag[k] as string | string[];
      if (typeof v !== 'string' && !Object.hasOwn(headers, k)) repeated = true;
      merged[k] = v;
    }
    for (const k in headers) merged[k] = headers[k] as string;
    // A repeated header (Set-Cookie) must stay separate values: as pairs (the adapter builds Headers for them).
    init = repeated
      ? Object.entries(merged).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v] as [string, string]] : v.map((x) => [k, x] as [string, string])))
      : (merged as Record<string, string>);
  }
  const res = new Response(body, { status, headers: init });
  vars(c).set(PLAIN, res);
  return res;
}

/** Applies the bag to the response the request ended with, unless `plainResponse` built it with the bag already in. */
export function applyResponseHeaders(c: Context): void {
  const bag = vars(c).get(BAG) as HeaderBag | undefined;
  if (!bag || vars(c).get(PLAIN) === c.res) return;
  const h = c.res.headers;
  for (const name in bag) {
    const value = bag[name] as string | string[];
    if (typeof value === 'string') h.set(name, value);
    else for (const v of value) h.append(name, v);
  }
}

/** True when the request's response is the one `plainResponse` built (headers already complete). */
export function isPlainResponse(c: Context): boolean {
  return vars(c).get(PLAIN) === c.res;
}

/**
 * Applies the bag to the response now and starts an empty one (securityHeaders on its way out). Middlewares registered
 * outside securityHeaders then see these headers on `c.res` and may replace them (the media route's own CSP, a theme
 * preview's frame-ancestors), as they could before the bag; requestContext applies only what is added after this.
 * A `plainResponse` already carries the bag and is left alone.
 */
export function flushResponseHeaders(c: Context): void {
  const v = vars(c);
  const bag = v.get(BAG) as HeaderBag | undefined;
  if (!bag || v.get(PLAIN) === c.res) return;
  applyResponseHeaders(c);
  v.set(BAG, {});
}
