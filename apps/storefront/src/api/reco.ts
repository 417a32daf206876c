/**
 * Storefront recommendation JSON API (mounted under /api/storefront/v1 after
 * the Host → store middleware): shopper events in, recommendations out.
 * First-party only; a request with Do-Not-Track or Global Privacy Control
 * stores nothing and reads no session history.
 */
import type { Database, Store } from '@storeloom/db';
import { AppError, ErrorCode } from '@storeloom/errors';
import { clientIp, toErrorResponse, validationError } from '@storeloom/http';
import type { Logger } from '@storeloom/log';
import { EventBatchSchema, RecoEventService, RecommendationService } from '@storeloom/reco/store';
import { type Context, Hono } from 'hono';
import { z } from 'zod';

type RecoEnv = { Variables: { requestId: string; logger: Logger; store: Store } };

export interface RecoApiOptions {
  /** The signed-in storefront customer's id, if any (wired to the storefront's customer session). */
  identify?: (c: Context<RecoEnv>) => Promise<string | null> | string | null;
  trustProxy?: boolean;
  /** Requests per minute allowed per client IP and per session (events endpoint). */
  eventsPerMinute?: { ip: number; session: number };
}

const MAX_EVENT_BODY = 32 * 1024;

/** DNT: 1 or Sec-GPC: 1 → the shopper asked not to be tracked. */
export const doNotTrack = (c: Context) => c.req.header('dnt') === '1' || c.req.header('sec-gpc') === '1';

/** Fixed one-minute windows in process memory: enough to stop a flood from one client. */
class WindowLimiter {
  private windows = new Map<string, { start: number; count: number }>();
  hit(key: string, max: number, now = Date.now()): number | null {
    const w = this.windows.get(key);
    if (!w || now - w.start >= 60_000) {
      if (this.windows.size > 50_000) this.windows.clear();
      this.windows.set(key, { start: now, count: 1 });
      return null;
    }
    w.count++;
    return w.count > max ? Math.ceil((w.start + 60_000 - now) / 1000) : null;
  }
}

const uuid = z.string().uuid();
const RecommendQuery = z.object({
  slot: z.enum(['product', 'cart', 'home']),
  productId: uuid.optional(),
  productIds: z
    .string()
    .max(20 * 37)
    .optional()
    .transform((s) => (s ? s.split(',').filter(Boolean) : []))
    .pipe(z.array(uuid).max(20)),
  limit: z.coerce.number().int().min(1).max(50).default(8),
  sessionId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{8,64}$/)
    .optional(),
  /** Home slot: only products the shopper has not bought yet. */
  fresh: z.enum(['1', 'true', '0', 'false']).optional(),
});

export function createRecoApi(db: Database, opts: RecoApiOptions = {}) {
  const limiter = new WindowLimiter();
  const perMinute = opts.eventsPerMinute ?? { ip: 240, session: 120 };
  const api = new Hono<RecoEnv>();
  const tenant = (c: Context<RecoEnv>) => db.tenant(c.var.store.schema_name);

  api.post('/events', async (c) => {
    try {
      c.header('Cache-Control', 'no-store');
      if (doNotTrack(c)) return c.body(null, 204);
      const origin = c.req.header('origin');
      if (origin && safeHost(origin) !== (c.req.header('host') ?? '').toLowerCase())
        throw new AppError(ErrorCode.Forbidden, 'Events are accepted from the store’s own pages only');
      if (!(c.req.header('content-type') ?? '').includes('application/json')) throw new AppError(ErrorCode.UnsupportedMediaType, 'Send application/json');
      const raw = await c.req.text();
      if (raw.length > MAX_EVENT_BODY) throw new AppError(ErrorCode.PayloadTooLarge, `At most ${MAX_EVENT_BODY} bytes per batch`);
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        throw new AppError(ErrorCode.InvalidJson, 'Request body is not valid JSON');
      }
      const parsed = EventBatchSchema.safeParse(json);
      if (!parsed.success) throw validationError(parsed.error);
      const store = c.var.store;
      const ip = clientIp(c, opts.trustProxy ?? false);
      const wait =
        limiter.hit(`${store.id}:ip:${ip}`, perMinute.ip) ??
        (parsed.data.sessionId ? limiter.hit(`${store.id}:s:${parsed.data.sessionId}`, perMinute.session) : null);
      if (wait !== null) throw new AppError(ErrorCode.RateLimited, 'Too many events; slow down', { headers: { 'Retry-After': String(wait) } });
      const customerId = (await opts.identify?.(c)) ?? null;
      if (!customerId && !parsed.data.sessionId) throw new AppError(ErrorCode.ValidationFailed, 'sessionId: required for shoppers who are not signed in');
      const events = new RecoEventService(tenant(c));
      await events.record({ customerId, sessionId: parsed.data.sessionId ?? null }, await events.ofKnownProducts(parsed.data.events));
      return c.body(null, 204);
    } catch (err) {
      return toErrorResponse(c, err, c.var.logger);
    }
  });

  api.get('/recommendations', async (c) => {
    try {
      const parsed = RecommendQuery.safeParse(c.req.query());
      if (!parsed.success) throw validationError(parsed.error);
      const q = parsed.data;
      if (q.slot === 'product' && !q.productId) throw new AppError(ErrorCode.ValidationFailed, 'productId: required for the product slot');
      const dnt = doNotTrack(c);
      const customerId = (await opts.identify?.(c)) ?? null;
      const store = c.var.store;
      const result = await new RecommendationService(tenant(c), store.schema_name).recommend({
        slot: q.slot,
        productId: q.productId ?? null,
        productIds: q.productIds,
        limit: q.limit,
        customerId,
        sessionId: dnt ? null : (q.sessionId ?? null),
        fresh: q.fresh === '1' || q.fresh === 'true',
      });
      c.header('Cache-Control', 'private, no-store');
      return c.json({ slot: q.slot, modelVersion: result.modelVersion, items: result.items });
    } catch (err) {
      return toErrorResponse(c, err, c.var.logger);
    }
  });
  return api;
}

function safeHost(origin: string): string | null {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return null;
  }
}
