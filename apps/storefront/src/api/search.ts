/**
 * Storefront search API, mounted under /api/storefront/v1 after the app's
 * Host -> store middleware (which sets `store`):
 *
 *   GET  /search?q=&locale=&vendor=&type=&tag=&collection=&option=size:M&priceMin=&priceMax=&inStock=1&sort=&limit=&cursor=
 *   GET  /autocomplete?q=&locale=
 *
 * `locale` (default: the shopper's page language) runs the query on that locale's index: its language's stemming
 * over the translated text, the original text for untranslated products.
 *   POST /search/click  {"searchId","productId","position"}
 *
 * Shoppers never get explain output (that is the merchant API's).
 */
import type { Database, Store } from '@storeloom/db';
import { AppError, ErrorCode } from '@storeloom/errors';
import { toErrorResponse, validationError } from '@storeloom/http';
import type { Logger } from '@storeloom/log';
import { type CacheOptions, parseSearchParams, StoreSearchService } from '@storeloom/store-search';
import { type Context, Hono } from 'hono';
import { z } from 'zod';

type Env = { Variables: { requestId: string; logger: Logger; store: Store } };

const ClickSchema = z.object({ searchId: z.string().uuid(), productId: z.string().uuid(), position: z.number().int().min(1).max(10_000) });

function storeOf(c: Context<Env>) {
  const store = c.get('store');
  if (!store) throw new AppError(ErrorCode.StoreNotFound, 'Store not found');
  return { id: store.id, schema: store.schema_name };
}

export function createStorefrontSearchApi(db: Database, opts: CacheOptions & { service?: StoreSearchService } = {}) {
  const search = opts.service ?? new StoreSearchService(db, opts);
  const api = new Hono<Env>();
  api.onError((err, c) => toErrorResponse(c, err, c.var.logger));

  api.get('/search', async (c) => {
    const req = parseSearchParams(new URL(c.req.url).searchParams);
    const lang = shopperLocale(c);
    if (!req.locale && lang) req.locale = lang;
    // Analytics events only with the shopper's consent (and the store's analytics switch on).
    const out = await search.search(storeOf(c), req, { record: analyticsGranted(c) });
    c.header('Cache-Control', 'no-store');
    return c.json(out);
  });

  api.get('/autocomplete', async (c) => {
    const q = c.req.query('q') ?? '';
    if (q.length > 100) throw new AppError(ErrorCode.ValidationFailed, 'q: at most 100 characters', { details: [{ path: 'q', message: 'too long' }] });
    c.header('Cache-Control', 'no-store');
    const locale = c.req.query('locale') || shopperLocale(c);
    if (locale && !/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}$/.test(locale))
      throw new AppError(ErrorCode.ValidationFailed, 'locale: a language such as de or zh-CN', { details: [{ path: 'locale', message: 'invalid' }] });
    return c.json(await search.autocomplete(storeOf(c), q, 5, locale));
  });

  api.post('/search/click', async (c) => {
    // Not behind the storefront's form CSRF check: same-origin JSON only.
    const origin = c.req.header('origin');
    if (origin && safeHost(origin) !== (c.req.header('host') ?? '').toLowerCase())
      throw new AppError(ErrorCode.Forbidden, 'Clicks are accepted from the store’s own pages only');
    if (!(c.req.header('content-type') ?? '').includes('application/json')) throw new AppError(ErrorCode.UnsupportedMediaType, 'Send application/json');
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      throw new AppError(ErrorCode.InvalidJson, 'Body must be JSON');
    }
    const parsed = ClickSchema.safeParse(body);
    if (!parsed.success) throw validationError(parsed.error);
    if (analyticsGranted(c)) await search.recordClick(storeOf(c), parsed.data);
    return c.body(null, 204);
  });

  return api;
}

/** The page language the storefront chose for this shopper (locale prefix, cookie, Accept-Language); absent when mounted alone. */
function shopperLocale(c: { var: unknown }): string | undefined {
  return (c.var as { lang?: string }).lang;
}

function safeHost(origin: string): string | null {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return null;
  }
}

/** The consent state set by the storefront's consent middleware (absent when mounted alone: no analytics). */
function analyticsGranted(c: { var: unknown }): boolean {
  return (c.var as { consent?: { granted: { analytics: boolean } } }).consent?.granted.analytics === true;
}
