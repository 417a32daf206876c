/**
 * The storefront's request pipeline, in order: request context → security
 * headers → metrics (+ /healthz, /metrics) → deadline → per-IP rate limit →
 * hashed assets → tenant from Host (unknown 404, closed 503, not launched:
 * opening soon) → same-origin
 * POSTs. Then the JSON APIs and /media, the page routes, and the error pages.
 * What this pipeline refuses on an API path is answered in the API's JSON (api-errors.ts), elsewhere with a page.
 */
import { ClusterUnavailableError } from '@storeloom/db';
import { AppError, ErrorCode, isConnectionError, isStatementTimeout } from '@storeloom/errors';
import {
  flushResponseHeaders,
  httpMetrics,
  isPlainResponse,
  MetricsRegistry,
  poolGauges,
  rateLimit,
  requestContext,
  requestTimeout,
  responseHeaders,
} from '@storeloom/http';
import type { Hono, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { apiError } from './api-errors.ts';
import { type C, LANG_COOKIE, type Storefront, type StorefrontEnv } from './context.ts';
import { launchGate } from './launch.ts';
import { isThemePreview, themePreview } from './theme-preview.ts';
import { plainPage } from './pages.ts';
import { marketFor } from '@storeloom/commerce';
import { acceptLanguageCountry, negotiateLanguage, parseLocalePrefix } from './locale.ts';
import { COUNTRY_COOKIE, marketCountry, shopperCountry } from './market.ts';
import type { Lang } from './ui/i18n.ts';

export type StorefrontApp = Hono<StorefrontEnv>;

/**
 * What hono's `secureHeaders({ contentSecurityPolicy: undefined, crossOriginEmbedderPolicy: false, referrerPolicy:
 * 'strict-origin-when-cross-origin' })` sent (the pages' CSP is their own, pages.ts). Not `no-referrer`: with it
 * Chromium sends `Origin: null` on form POSTs, which the CSRF check must refuse.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Origin-Agent-Cluster': '?1',
  'Referrer-Policy': 'strict-origin-when-cross-origin',
  'Strict-Transport-Security': 'max-age=15552000; includeSubDomains',
  'X-Content-Type-Options': 'nosniff',
  'X-DNS-Prefetch-Control': 'off',
  'X-Download-Options': 'noopen',
  'X-Frame-Options': 'SAMEORIGIN',
  'X-Permitted-Cross-Domain-Policies': 'none',
  'X-XSS-Protection': '0',
};

/**
 * The security headers through the request's header bag (packages/http response-headers.ts) instead of hono's
 * middleware, which set each of them on the response's undici `Headers` after the handler (issue 23: ~11 validated
 * `Headers.set` calls per page, and the adapter copying them back into an object). A kept catalogue page answers with
 * a `plainResponse` that carries the bag as a plain object; every other response gets the bag applied on the way out,
 * replacing what the handler set, as hono's did (`overwrite`), so middlewares outside this one (a theme preview's
 * X-Frame-Options) still see and may change them.
 */
function storefrontSecurityHeaders(): MiddlewareHandler<StorefrontEnv> {
  return async (c, next) => {
    const bag = responseHeaders(c);
    for (const name in SECURITY_HEADERS) bag[name] = SECURITY_HEADERS[name] as string;
    try {
      await next();
    } finally {
      flushResponseHeaders(c);
    }
    // hono's `removePoweredBy`; a plain response is the page cache's own and never has one.
    if (!isPlainResponse(c)) c.res.headers.delete('X-Powered-By');
  };
}

/** Everything before tenant resolution: it runs for every host, known or not. */
export function platformMiddleware(app: StorefrontApp, sf: Storefront) {
  const { opts } = sf;
  app.use('*', requestContext(sf.logger, { trustProxy: sf.opts.trustProxy ?? false }));
  // A theme preview may be framed by the console (its CSP says so, theme-preview.ts): no X-Frame-Options on it.
  app.use('*', async (c, next) => {
    await next();
    if (isThemePreview(c)) c.res.headers.delete('X-Frame-Options');
  });
  app.use('*', storefrontSecurityHeaders());
  const metrics = new MetricsRegistry();
  metrics.collect(() => poolGauges('storefront', sf.db.pool));
  app.use('*', httpMetrics(metrics, 'storefront'));
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  // Scraped on the internal network by address (the storefront answers every public host name): never on a store's
  // host (<slug>.STORE_ROOT_DOMAIN or a custom domain: those fall through to the store, which has no such page), and in
  // production only with METRICS_TOKEN.
  app.get('/metrics', async (c, next) => {
    const host = (c.req.header('host') ?? '').toLowerCase().replace(/:\d+$/, '');
    const root = (opts.rootDomain ?? '').toLowerCase();
    const storeHost = (root && host.endsWith(`.${root}`)) || (await sf.resolver.resolve(c.req.header('host') ?? '')) !== null;
    if (storeHost || (!opts.metricsToken && opts.metricsWithoutToken === false)) return next();
    if (opts.metricsToken && c.req.header('authorization') !== `Bearer ${opts.metricsToken}`) return c.text('metrics token required', 401);
    return c.text(await metrics.render(), 200, { 'Content-Type': 'text/plain; version=0.0.4' });
  });
  app.use('*', requestTimeout(opts.requestTimeoutMs ?? 0));
  app.use('*', rateLimit([{ name: 'ip', limit: opts.rateLimits?.perIpPerMinute ?? 0, windowSeconds: 60, key: (c) => sf.clientIp(c as C) }]));
  // Hashed assets: content-addressed names, cached for a year.
  app.get('/assets/:file', async (c) => {
    const asset = (await sf.renderer()).assets.get(c.req.path);
    if (!asset) return c.text('Not found', 404);
    const headers: Record<string, string> = { 'Content-Type': asset.type, 'Cache-Control': 'public, max-age=31536000, immutable' };
    if (asset.br || asset.gzip) {
      headers.Vary = 'Accept-Encoding';
      const accept = c.req.header('accept-encoding') ?? '';
      const [encoding, body] =
        asset.br && /\bbr\b/.test(accept) ? ['br', asset.br] : asset.gzip && /\bgzip\b/.test(accept) ? ['gzip', asset.gzip] : [null, asset.body];
      if (encoding) headers['Content-Encoding'] = encoding;
      return c.body(new Uint8Array(body), 200, headers);
    }
    return c.body(new Uint8Array(asset.body), 200, headers);
  });
}

/** Tenant resolution: unknown host 404, store not open 503, not launched "opening soon"; sets tenant, store and the shopper's language. */
export function resolveTenant(app: StorefrontApp, sf: Storefront) {
  app.use('*', async (c, next) => {
    const tenant = await sf.resolver.resolve(c.req.header('host') ?? '');
    if (!tenant)
      return (
        apiError(c, new AppError(ErrorCode.StoreNotFound, 'There is no store at this address')) ??
        c.html(plainPage('Store not found', 'There is no store at this address.'), 404)
      );
    if (tenant.store.status !== 'active') {
      // For the page and the API's error alike.
      c.header('Retry-After', '3600');
      return (
        apiError(c, new AppError(ErrorCode.StoreUnavailable, 'This store is currently unavailable; please check back later')) ??
        c.html(plainPage(tenant.store.name, 'This store is currently unavailable. Please check back later.'), 503)
      );
    }
    const langs = tenant.settings.languages as Lang[];
    const url = new URL(c.req.url);
    const prefix = parseLocalePrefix(url.pathname);
    // A prefix for a language this store does not offer: the same page without it.
    if (prefix && !langs.includes(prefix.lang)) return c.redirect(`${c.req.path}${url.search}`, 302);
    c.set('localePrefix', prefix);
    const chosen = getCookie(c, LANG_COOKIE);
    const lang = prefix?.lang ?? langs.find((l) => l === chosen) ?? negotiateLanguage(c.req.header('accept-language'), langs) ?? langs[0] ?? 'en';
    c.set('lang', lang);
    // The store's name in the page's language where the merchant translated it (headings, titles, the footer).
    const name = lang === langs[0] ? undefined : tenant.content.storeNames[lang];
    const shown = name ? { ...tenant, store: { ...tenant.store, name } } : tenant;
    c.set('tenant', shown);
    c.set('store', shown.store);
    const country = shopperCountry({
      cookie: getCookie(c, COUNTRY_COOKIE),
      prefixCountry: prefix?.country ?? null,
      // The browser's region only when the store sells there as a market of its own (else the store's country).
      acceptCountry: marketCountry(tenant.settings, acceptLanguageCountry(c.req.header('accept-language'))),
      storeCountry: tenant.store.country ?? null,
    });
    c.set('country', country);
    c.set('market', marketFor(tenant.settings, tenant.store.currency, country));
    await next();
  });
  // Not launched yet: shoppers see "opening soon"; the merchant's preview link sees the store.
  // A theme preview link (the console's editor) shows drafts, also before launch.
  app.use('*', themePreview(sf));
  app.use('*', launchGate({ secureCookies: sf.protocol === 'https' }));
}

/**
 * CSRF: storefront forms are same-origin POSTs; the cookies are SameSite=Lax as well.
 * The JSON APIs under /api/storefront/v1 are not forms: they accept only application/json (which a cross-site
 * form cannot send), refuse a foreign Origin themselves, and answer with JSON errors. A POST to any other /api/ path is
 * checked here and refused in the APIs' shape, 403 `csrf_rejected` (the platform's code for it, as the console API's).
 */
export function sameOriginPosts(app: StorefrontApp) {
  app.use('*', async (c, next) => {
    // `/unsubscribe` is a signed link that mail clients POST to without an Origin (RFC 8058 one-click); the signature is its credential.
    if (c.req.method === 'POST' && !c.req.path.startsWith('/api/storefront/v1/') && c.req.path !== '/unsubscribe') {
      const source = c.req.header('origin') ?? c.req.header('referer');
      let sourceHost: string | null = null;
      try {
        sourceHost = source ? new URL(source).host : null;
      } catch {
        sourceHost = null;
      }
      if (!sourceHost || sourceHost !== (c.req.header('host') ?? '').toLowerCase())
        return apiError(c, new AppError(ErrorCode.CsrfRejected, 'Cross-site request refused')) ?? c.text('Cross-site request refused', 403);
    }
    await next();
  });
}

/** The store's own 404 page; plain pages for failures (no stack, no SQL). The JSON APIs' paths get JSON (api-errors.ts). */
export function errorPages(app: StorefrontApp, sf: Storefront) {
  app.notFound(async (c) => {
    const api = apiError(c, new AppError(ErrorCode.NotFound, 'No such operation in this API'));
    if (api) return api;
    if (!c.var.tenant) return c.html(plainPage('Not found', 'Page not found'), 404);
    return sf.pages.send(c as C, await sf.pages.notFound(c as C, await sf.cartCount(c as C)), 'private');
  });
  app.onError((err, c) => {
    const api = apiError(c, err);
    if (api) return api;
    if (err instanceof AppError) {
      if (err instanceof ClusterUnavailableError) c.var.logger?.warn('database cluster not configured in this process', { cluster: err.cluster });
      // Rate limits (429), deadlines and an unreachable cluster (503) carry their status and Retry-After.
      for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
      return c.html(plainPage('Please try again shortly', err.message), err.status as 429 | 503);
    }
    if (isStatementTimeout(err)) {
      c.header('Retry-After', '1');
      return c.html(plainPage('Please try again shortly', 'The request took too long; please retry.'), 503);
    }
    if (isConnectionError(err)) {
      c.header('Retry-After', '2');
      return c.html(plainPage('Temporarily unavailable', 'Please try again in a moment.'), 503);
    }
    c.var.logger?.error('storefront error', { err });
    return c.html(plainPage('Something went wrong', 'Please try again in a moment.'), 500);
  });
}
