/**
 * Abuse protection shared by the control plane and the storefront: security
 * headers with a per-request CSP nonce, in-process rate limits (429 with
 * Retry-After) and a request deadline.
 */
import { pooledRandomBytes } from './random.ts';
import { flushResponseHeaders, isPlainResponse, responseHeaders } from './response-headers.ts';
import { AppError, ErrorCode } from '@storeloom/errors';
import type { Context, MiddlewareHandler } from 'hono';

export interface SecurityHeadersOptions {
  /** HSTS: `auto` sends it when the request arrived over https (X-Forwarded-Proto only with trustProxy). */
  hsts?: 'auto' | 'always' | 'never';
  trustProxy?: boolean;
  /** Extra sources per CSP directive, e.g. { 'img-src': ['https:'] }. */
  csp?: Record<string, string[]>;
  /**
   * Paths whose responses are data (JSON, CSV), never a document a browser renders: they get a policy that allows
   * nothing (`default-src 'none'; frame-ancestors 'none'`, OWASP's REST guidance) and no nonce, and not the headers
   * only a document uses (opener, referrer and prefetch policies). Stricter, and fewer bytes on every API response.
   */
  dataPath?: (path: string) => boolean;
}

/** The policy of a data response: nothing may load or run, and nothing may frame it. */
const DATA_CSP = "default-src 'none'; frame-ancestors 'none'";

/**
 * Sets `cspNonce` in the context for this request; inline `<script>` tags must
 * carry `nonce="${cspNonce(c)}"`, every other inline script is refused by the
 * browser. Styles stay 'unsafe-inline' (style attributes; no script execution).
 */
export function securityHeaders(opts: SecurityHeadersOptions = {}): MiddlewareHandler {
  // The policy is the same for every request but for the nonce: built once, around a marker the nonce replaces.
  const MARK = '\u0000nonce\u0000';
  const directives: Record<string, string[]> = {
    'default-src': ["'self'"],
    'script-src': ["'self'", `'nonce-${MARK}'`],
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'data:'],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
  };
  for (const [k, v] of Object.entries(opts.csp ?? {})) directives[k] = [...(directives[k] ?? []), ...v];
  const [cspBefore = '', cspAfter = ''] = Object.entries(directives)
    .map(([k, v]) => `${k} ${v.join(' ')}`)
    .join('; ')
    .split(MARK);
  const fixed: Record<string, string> = {
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'strict-origin-when-cross-origin',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'X-DNS-Prefetch-Control': 'off',
    'X-Permitted-Cross-Domain-Policies': 'none',
  };
  // A data response keeps what protects a response whatever its type: no sniffing into a document, no framing, no
  // cross-origin embedding (a no-cors <script>/<img> of another site reading it).
  const data: Record<string, string> = {
    'Content-Security-Policy': DATA_CSP,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
  const dataPath = opts.dataPath;
  return async (c, next) => {
    const https = c.req.url.startsWith('https:') || (opts.trustProxy === true && c.req.header('x-forwarded-proto')?.split(',')[0]?.trim() === 'https');
    const hsts = opts.hsts === 'always' || ((opts.hsts ?? 'auto') === 'auto' && https);
    // Into the request's header bag (applied by requestContext, or carried by a plainResponse), so a response built
    // with plain headers never turns them into undici Headers; they replace whatever the handler set, as before.
    // Applied on the way out (flushResponseHeaders), so middlewares outside this one still see and may override them.
    const bag = responseHeaders(c);
    if (dataPath?.(c.req.path)) {
      for (const k in data) bag[k] = data[k] as string;
    } else {
      const nonce = pooledRandomBytes(16).toString('base64');
      (c.set as (k: string, v: unknown) => void)('cspNonce', nonce);
      bag['Content-Security-Policy'] = `${cspBefore}${nonce}${cspAfter}`;
      for (const k in fixed) bag[k] = fixed[k] as string;
    }
    if (hsts) bag['Strict-Transport-Security'] = 'max-age=31536000; includeSubDomains';
    try {
      await next();
    } finally {
      flushResponseHeaders(c);
    }
    if (!hsts && !isPlainResponse(c) && c.res.headers.has('Strict-Transport-Security')) c.res.headers.delete('Strict-Transport-Security');
  };
}

/** The CSP nonce of this request (set by securityHeaders). */
export function cspNonce(c: Context): string {
  return ((c.get as (k: string) => unknown)('cspNonce') as string | undefined) ?? '';
}

/**
 * Fixed-window counters in this process's memory (a hot path: no database
 * write per request). With N replicas a client gets up to N× the limit; the
 * login/signup limits that must hold globally stay in Postgres (RateLimiter).
 */
export class MemoryRateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();
  constructor(private readonly maxKeys = 100_000) {}

  hit(key: string, limit: number, windowSeconds: number, now = Date.now()): { allowed: boolean; retryAfterSeconds: number; remaining: number } {
    const windowMs = windowSeconds * 1000;
    let w = this.windows.get(key);
    if (!w || now - w.start >= windowMs) {
      if (w) this.windows.delete(key);
      w = { start: now, count: 0 };
      // Bounded memory: drop the oldest windows (Map iteration is insertion order).
      while (this.windows.size >= this.maxKeys) this.windows.delete(this.windows.keys().next().value as string);
      this.windows.set(key, w);
    }
    w.count++;
    return { allowed: w.count <= limit, remaining: Math.max(0, limit - w.count), retryAfterSeconds: Math.max(1, Math.ceil((w.start + windowMs - now) / 1000)) };
  }
}

export interface RateLimitRule {
  /** Names the rule in keys and in the error message ("ip", "store"). */
  name: string;
  limit: number;
  windowSeconds: number;
  /** The key for this request, or null to skip it (e.g. no store in the path). */
  key(c: Context): string | null;
}

/** Refuses a request over any rule with 429 rate_limited and Retry-After; limits of 0 are off. */
export function rateLimit(rules: RateLimitRule[], limiter = new MemoryRateLimiter()): MiddlewareHandler {
  const active = rules.filter((r) => r.limit > 0);
  // All limits off (0): nothing to count, so no async frame per request either.
  if (active.length === 0) return (_c, next) => next();
  return async (c, next) => {
    for (const rule of active) {
      const k = rule.key(c);
      if (k === null) continue;
      const r = limiter.hit(`${rule.name}:${k}`, rule.limit, rule.windowSeconds);
      if (!r.allowed)
        throw new AppError(ErrorCode.RateLimited, `Too many requests (${rule.name} limit); retry in ${r.retryAfterSeconds} s`, {
          headers: { 'Retry-After': String(r.retryAfterSeconds) },
        });
    }
    await next();
  };
}

/**
 * A request that has not produced a response after `ms` gets 503 with
 * Retry-After (the work it started is not cancelled; Postgres statement
 * timeouts bound that). Streaming/long endpoints can be excluded by `skip`.
 *
 * Nothing is armed per request (issue 23: a timer, a deadline promise and a
 * Promise.race on every read were ~3% of its CPU): requests in flight are kept
 * in insertion order, which is deadline order as they all get the same `ms`,
 * and one interval, running only while some are in flight, answers those past
 * their deadline. It ticks every tenth of `ms` (at least 10 ms, at most 1 s),
 * so a stuck request is answered between `ms` and `ms` plus one tick.
 */
export function requestTimeout(ms: number, opts: { skip?: (c: Context) => boolean } = {}): MiddlewareHandler {
  if (ms <= 0) return (_c, next) => next();
  const tickMs = Math.min(1000, Math.max(10, Math.floor(ms / 10)));
  const inFlight = new Set<InFlight>();
  let ticker: NodeJS.Timeout | null = null;
  const tick = () => {
    const now = performance.now();
    for (const entry of inFlight) {
      if (entry.deadline > now) break;
      inFlight.delete(entry);
      entry.reject(new AppError(ErrorCode.ServiceUnavailable, 'The request took too long; please retry', { headers: { 'Retry-After': '1' } }));
    }
    if (inFlight.size === 0 && ticker) {
      clearInterval(ticker);
      ticker = null;
    }
  };
  return (c, next) => {
    if (opts.skip?.(c)) return next();
    return new Promise<void>((resolve, reject) => {
      const entry: InFlight = { deadline: performance.now() + ms, reject };
      inFlight.add(entry);
      ticker ??= setInterval(tick, tickMs);
      next().then(
        () => {
          inFlight.delete(entry);
          resolve();
        },
        (err: unknown) => {
          inFlight.delete(entry);
          reject(err);
        },
      );
    });
  };
}

interface InFlight {
  deadline: number;
  reject(err: unknown): void;
}
