import { AppError, ErrorCode } from '@storeloom/errors';
import { pooledRandomHex } from './random.ts';
import { applyResponseHeaders, responseHeaders } from './response-headers.ts';
import type { Context, MiddlewareHandler } from 'hono';
import { LazyChildLogger, type Logger, truncateIp } from '@storeloom/log';

const REQUEST_ID_RE = /^[A-Za-z0-9._-]{8,64}$/;

export interface BaseVariables {
  requestId: string;
  logger: Logger;
}

const TRACEPARENT_RE = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;
/** W3C trace context: continue the caller's trace id, or start one; every log line of the request carries it. */
const ZERO_TRACE = '0'.repeat(32);

interface RequestIds {
  requestId: string;
  traceId: string;
  spanId: string;
}

/**
 * The request id (the caller's X-Request-Id when well-formed), the trace id (the caller's when its traceparent is
 * valid) and this server's span id. New ids are slices of one draw of pooled random hex (pooledRandomHex): 128 random
 * bits for a trace id, 64 for a span id. A request that starts its own trace takes the trace id as its request id
 * (it is as unique, and a third draw plus a UUID's formatting was ~1% of a cached read, round 17); one that continues
 * a caller's trace gets a request id of its own (the trace id is then shared by every hop of it).
 */
function requestIdsOf(requestIdHeader: string | undefined, traceparent: string | undefined): RequestIds {
  const incoming = requestIdHeader && REQUEST_ID_RE.test(requestIdHeader) ? requestIdHeader : undefined;
  const m = traceparent ? TRACEPARENT_RE.exec(traceparent.trim()) : null;
  if (m?.[1] && m[1] !== ZERO_TRACE) {
    const hex = pooledRandomHex(incoming ? 16 : 48);
    return { requestId: incoming ?? hex.slice(16), traceId: m[1], spanId: hex.slice(0, 16) };
  }
  const hex = pooledRandomHex(48);
  const traceId = hex.slice(0, 32);
  return { requestId: incoming ?? traceId, traceId, spanId: hex.slice(32) };
}

export interface RequestContextOptions {
  /** Set (true/false): the access line carries the client's network, truncated (`ip`: IPv4 /24, IPv6 /48), never the full address. */
  trustProxy?: boolean;
  /** Variables every request of the app carries (e.g. its services), set before anything else runs. */
  vars?: Record<string, unknown>;
  /**
   * Called once the request has its response (the headers of the bag applied), with the milliseconds it took, whether
   * it ended in a response or an error: e.g. `httpMetricsRecorder`, which then needs no middleware of its own.
   */
  onFinished?: (c: Context, ms: number) => void;
}

/**
 * Request id from X-Request-Id (when well-formed) or a new one; echoed back; a child logger carries it.
 * The outermost middleware: the app's per-request variables and what is recorded of every request (`onFinished`)
 * ride on it rather than on middlewares of their own (issue 23: hono dispatches each middleware separately).
 */
export function requestContext(root: Logger, opts: RequestContextOptions = {}): MiddlewareHandler<{ Variables: BaseVariables }> {
  const vars = opts.vars ? Object.entries(opts.vars) : [];
  const onFinished = opts.onFinished;
  return async (c, next) => {
    for (const [k, v] of vars) (c.set as (k: string, v: unknown) => void)(k, v);
    const { requestId, traceId, spanId } = requestIdsOf(c.req.header('x-request-id'), c.req.header('traceparent'));
    c.set('requestId', requestId);
    // Built on first use: most reads log nothing (sampled access lines).
    c.set('logger', new LazyChildLogger(root, { requestId, traceId }));
    // Into the request's header bag (see response-headers.ts), applied to the response after the handler.
    const headers = responseHeaders(c);
    headers['X-Request-Id'] = requestId;
    headers.traceparent = `00-${traceId}-${spanId}-01`;
    const started = performance.now();
    let elapsed = 0;
    try {
      await next();
    } finally {
      applyResponseHeaders(c);
      elapsed = performance.now() - started;
      onFinished?.(c as unknown as Context, elapsed);
    }
    const ms = Math.round(elapsed * 10) / 10;
    const status = c.res.status;
    const method = c.req.method;
    // Fast successful reads are sampled when the logger says so; writes, errors and slow requests always show.
    const policy = root.accessLog;
    const sampled = policy !== undefined && policy.sample < 1 && status < 400 && ms < policy.slowMs && (method === 'GET' || method === 'HEAD');
    if (sampled && Math.random() >= policy.sample) return;
    (c.get('logger') as Logger).info('request', {
      method,
      path: c.req.path,
      status,
      ms,
      ...(sampled ? { sampled: policy.sample } : {}),
      ...(opts.trustProxy !== undefined ? { ip: truncateIp(clientIp(c, opts.trustProxy)) } : {}),
      ...(c.get('logFields' as never) as Record<string, unknown> | undefined),
    });
  };
}

/**
 * Adds fields (userId, storeId) to the access log line of this request. Through `c.get`, not `c.var`: Hono's `var`
 * copies every variable of the request into a new object on each access (a measurable cost on the hot path).
 */
export function addLogFields(c: { get: (k: never) => unknown; set: (k: never, v: never) => void }, fields: Record<string, unknown>) {
  // One object per request, created on the first call and added to in place (no spread per call; the caller's
  // object is never kept, so a shared one is never changed).
  let current = (c.get as (k: string) => unknown)('logFields') as Record<string, unknown> | undefined;
  if (!current) {
    current = {};
    (c.set as (k: string, v: unknown) => void)('logFields', current);
  }
  for (const k in fields) current[k] = fields[k];
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * JSON endpoints accept only application/json bodies: a cross-site HTML form
 * cannot send that without a CORS preflight, which is half of our CSRF defence.
 */
export function requireJsonBody(opts: { allow?: (path: string) => string[] | null } = {}): MiddlewareHandler {
  const check: MiddlewareHandler = async (c, next) => {
    const len = c.req.header('content-length');
    const hasBody = (len !== undefined && len !== '0') || c.req.header('transfer-encoding') !== undefined;
    if (hasBody) {
      const ct = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
      const allowed = opts.allow?.(c.req.path) ?? ['application/json'];
      if (!allowed.includes(ct)) throw new AppError(ErrorCode.UnsupportedMediaType, `Content-Type must be ${allowed.join(' or ')}`);
    }
    await next();
  };
  // Reads and other safe methods go straight on, without an async frame of their own.
  return (c, next) => (UNSAFE.has(c.req.method) ? check(c, next) : next());
}

/**
 * Origin check for cookie-authenticated writes (the other half of CSRF
 * defence, with SameSite=Lax cookies). Requests authenticated with a bearer
 * token carry no ambient credentials and are exempt.
 */
export function originCheck(opts: { trustedOrigins: () => string[] }): MiddlewareHandler {
  const check: MiddlewareHandler = async (c, next) => {
    const origin = c.req.header('origin') ?? refererOrigin(c.req.header('referer'));
    const hasCookie = /(?:^|;\s*)storeloom_session=/.test(c.req.header('cookie') ?? '');
    const selfOrigin = new URL(c.req.url).origin;
    const allowed = new Set([selfOrigin, ...opts.trustedOrigins()]);
    if (origin) {
      if (!allowed.has(origin)) throw new AppError(ErrorCode.CsrfRejected, 'Cross-site request refused');
    } else if (hasCookie) {
      throw new AppError(ErrorCode.CsrfRejected, 'Cookie-authenticated writes must send an Origin header');
    }
    await next();
  };
  // Reads and bearer-token requests go straight on, without an async frame of their own.
  return (c, next) => (!UNSAFE.has(c.req.method) || c.req.header('authorization')?.startsWith('Bearer ') ? next() : check(c, next));
}

function refererOrigin(referer: string | undefined): string | undefined {
  if (!referer) return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return undefined;
  }
}

/** Client IP: the socket address, or the first X-Forwarded-For hop when behind a trusted proxy. */
export function clientIp(c: { req: { header(n: string): string | undefined }; env: unknown }, trustProxy: boolean): string {
  if (trustProxy) {
    const xff = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
    if (xff) return xff;
  }
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? 'unknown';
}
