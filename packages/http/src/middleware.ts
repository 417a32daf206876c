import { randomUUID } from 'node:crypto';
import { AppError, ErrorCode } from '@storeloom/errors';
import { pooledRandomBytes } from './random.ts';
import { applyResponseHeaders, responseHeaders } from './response-headers.ts';
import type { MiddlewareHandler } from 'hono';
import { type Logger, truncateIp } from '@storeloom/log';

const REQUEST_ID_RE = /^[A-Za-z0-9._-]{8,64}$/;

export interface BaseVariables {
  requestId: string;
  logger: Logger;
}

const TRACEPARENT_RE = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;
/** W3C trace context: continue the caller's trace id, or start one; every log line of the request carries it. */
function traceIdOf(header: string | undefined): string {
  const m = header ? TRACEPARENT_RE.exec(header.trim()) : null;
  return m?.[1] && m[1] !== '0'.repeat(32) ? m[1] : pooledRandomBytes(16).toString('hex');
}

/**
 * Request id from X-Request-Id (when well-formed) or a new one; echoed back; a child logger carries it.
 * `trustProxy` set (true/false): the access line carries the client's network, truncated (`ip`: IPv4 /24, IPv6 /48),
 * never the full address.
 */
export function requestContext(root: Logger, opts: { trustProxy?: boolean } = {}): MiddlewareHandler<{ Variables: BaseVariables }> {
  return async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && REQUEST_ID_RE.test(incoming) ? incoming : randomUUID();
    const traceId = traceIdOf(c.req.header('traceparent'));
    c.set('requestId', requestId);
    c.set('logger', root.child({ requestId, traceId }));
    // Into the request's header bag (see response-headers.ts), applied to the response after the handler.
    const headers = responseHeaders(c);
    headers['X-Request-Id'] = requestId;
    headers.traceparent = `00-${traceId}-${pooledRandomBytes(8).toString('hex')}-01`;
    const started = performance.now();
    try {
      await next();
    } finally {
      applyResponseHeaders(c);
    }
    const ms = Math.round((performance.now() - started) * 10) / 10;
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
  const current = (c.get as (k: string) => unknown)('logFields') as Record<string, unknown> | undefined;
  (c.set as (k: string, v: unknown) => void)('logFields', current ? { ...current, ...fields } : fields);
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * JSON endpoints accept only application/json bodies: a cross-site HTML form
 * cannot send that without a CORS preflight, which is half of our CSRF defence.
 */
export function requireJsonBody(opts: { allow?: (path: string) => string[] | null } = {}): MiddlewareHandler {
  return async (c, next) => {
    if (UNSAFE.has(c.req.method)) {
      const len = c.req.header('content-length');
      const hasBody = (len !== undefined && len !== '0') || c.req.header('transfer-encoding') !== undefined;
      if (hasBody) {
        const ct = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
        const allowed = opts.allow?.(c.req.path) ?? ['application/json'];
        if (!allowed.includes(ct)) throw new AppError(ErrorCode.UnsupportedMediaType, `Content-Type must be ${allowed.join(' or ')}`);
      }
    }
    await next();
  };
}

/**
 * Origin check for cookie-authenticated writes (the other half of CSRF
 * defence, with SameSite=Lax cookies). Requests authenticated with a bearer
 * token carry no ambient credentials and are exempt.
 */
export function originCheck(opts: { trustedOrigins: () => string[] }): MiddlewareHandler {
  return async (c, next) => {
    if (!UNSAFE.has(c.req.method) || c.req.header('authorization')?.startsWith('Bearer ')) return next();
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
