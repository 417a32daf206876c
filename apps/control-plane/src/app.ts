/**
 * The control plane's Hono app: request context, auth resolution, CSRF
 * defences, the /api/v1 routes with their OpenAPI document, health checks and
 * the console. Built from injected services so tests run it in-process.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { AppError, ErrorCode } from '@storeloom/errors';
import {
  addLogFields,
  appendResponseHeader,
  chain,
  clientIp,
  cspNonce,
  gauge,
  httpMetricsRecorder,
  MetricsRegistry,
  poolGauges,
  originCheck,
  rateLimit,
  readCookie,
  requestContext,
  requestTimeout,
  requireJsonBody,
  securityHeaders,
  ShapeCachedRouter,
  toErrorResponse,
  validationError,
} from '@storeloom/http';
import type { TokenAuth, ValidatedSession } from '@storeloom/auth';
import type { Logger } from '@storeloom/log';
import { sql } from '@storeloom/db';
import type { Context, MiddlewareHandler, Next } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv, AuthInfo, Services } from './context.ts';
import { registerApiTokenRoutes } from './routes/api-tokens.ts';
import { registerAuthRoutes } from './routes/auth.ts';
import { registerTwoFactorRoutes } from './routes/two-factor.ts';
import { registerPasskeyRoutes } from './routes/passkeys.ts';
import { registerCollectionRoutes } from './routes/collections.ts';
import { registerImportRoutes } from './routes/imports.ts';
import { registerRecommendationRoutes } from './routes/recommendations.ts';
import { registerInventoryRoutes } from './routes/inventory.ts';
import { registerOrderRoutes } from './routes/orders.ts';
import { registerReturnRoutes } from './routes/returns.ts';
import { registerDraftOrderRoutes } from './routes/draft-orders.ts';
import { registerCustomerRoutes } from './routes/customers.ts';
import { registerOrderEditRoutes } from './routes/order-edits.ts';
import { registerAbandonedCheckoutRoutes } from './routes/abandoned-checkouts.ts';
import { registerAnalyticsRoutes } from './routes/analytics.ts';
import { registerDiscountRoutes } from './routes/discounts.ts';
import { registerGiftCardRoutes } from './routes/gift-cards.ts';
import { registerMerchantWebhookRoutes } from './routes/merchant-webhooks.ts';
import { registerMarketRoutes } from './routes/markets.ts';
import { registerShippingZoneRoutes } from './routes/shipping-zones.ts';
import { registerTaxRoutes } from './routes/taxes.ts';
import { registerPromotionSettingsRoutes } from './routes/promotion-settings.ts';
import { registerPrivacySettingsRoutes } from './routes/privacy-settings.ts';
import { registerInventoryPlanningRoutes } from './routes/inventory-planning.ts';
import { registerPricingRoutes } from './routes/pricing.ts';
import { registerProductRoutes } from './routes/products.ts';
import { registerSearchRoutes } from './routes/search.ts';
import { registerStoreRoutes } from './routes/stores.ts';
import { registerBackupRoutes } from './routes/backup.ts';
import { registerBillingRoutes } from './routes/billing.ts';
import { registerPayoutRoutes } from './routes/payouts.ts';
import { registerStripeWebhookRoutes } from './routes/webhooks.ts';
import { registerAccountRoutes } from './routes/account.ts';
import { registerTeamRoutes } from './routes/team.ts';
import { registerSettingsRoutes } from './routes/settings.ts';
import { registerImageRoutes } from './routes/images.ts';
import { registerDomainRoutes } from './routes/domain.ts';
import { registerLaunchRoutes } from './routes/launch.ts';
import { registerJobRoutes } from './routes/jobs.ts';
import { registerCatalogExtraRoutes } from './routes/catalog-extras.ts';
import { registerPrivacyRoutes } from './routes/privacy.ts';
import { registerAuditLogRoutes } from './routes/audit-log.ts';
import { registerBlogRoutes } from './routes/blog.ts';
import { registerMenuRoutes } from './routes/menus.ts';
import { registerPageRoutes } from './routes/pages.ts';
import { registerTranslationRoutes } from './routes/translations.ts';
import { registerProductMediaRoutes } from './routes/product-media.ts';
import { registerReviewRoutes } from './routes/reviews.ts';
import { registerThemeRoutes } from './routes/theme.ts';
import { mediaCrossOrigin, registerMediaRoute } from './routes/media.ts';
import { apiDocsPage } from './pages.ts';
import { registerConsole } from './console.ts';
import { enforceTokenScopes } from './scopes.ts';

/** The document's frame; the paths and schemas come from the registered routes. */
export const API_DOCUMENT: Parameters<OpenAPIHono['getOpenAPI31Document']>[0] = {
  openapi: '3.1.0',
  info: {
    title: 'Storeloom API',
    version: '1.0.0',
    description: 'Merchant API. JSON, camelCase; money in integer minor units; errors as {"error":{"code","message","details"}}.',
  },
  servers: [{ url: '/api/v1' }],
  security: [{ cookieAuth: [] }, { bearerAuth: [] }],
};

/** Every /api/v1 operation, in matching order (registration reads no services, so the document can be built without any). */
export function registerApiRoutes(api: OpenAPIHono<AppEnv>) {
  api.openAPIRegistry.registerComponent('securitySchemes', 'cookieAuth', { type: 'apiKey', in: 'cookie', name: 'storeloom_session' });
  api.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer', description: 'Personal API token (slk_…)' });

  // Every operation declares the token scope it needs (x-token-scope in the document) and checks it first.
  enforceTokenScopes(api);
  registerAuthRoutes(api);
  registerApiTokenRoutes(api);
  // Before the store routes: GET /stores/deleted must not be taken for GET /stores/{storeId}.
  registerBackupRoutes(api);
  registerStoreRoutes(api);
  // Before the product routes: /products/export.csv must not be taken for a product id.
  registerCatalogExtraRoutes(api);
  registerProductRoutes(api);
  registerCollectionRoutes(api);
  registerInventoryRoutes(api);
  registerImportRoutes(api);
  registerBillingRoutes(api);
  registerPayoutRoutes(api);
  registerAccountRoutes(api);
  registerTwoFactorRoutes(api);
  registerPasskeyRoutes(api);
  registerTeamRoutes(api);
  registerSettingsRoutes(api);
  registerImageRoutes(api);
  registerDomainRoutes(api);
  registerLaunchRoutes(api);
  registerJobRoutes(api);
  registerOrderRoutes(api);
  registerReturnRoutes(api);
  registerDraftOrderRoutes(api);
  registerCustomerRoutes(api);
  registerOrderEditRoutes(api);
  registerDiscountRoutes(api);
  registerGiftCardRoutes(api);
  registerMerchantWebhookRoutes(api);
  registerMarketRoutes(api);
  registerShippingZoneRoutes(api);
  registerTaxRoutes(api);
  registerPromotionSettingsRoutes(api);
  registerPrivacySettingsRoutes(api);
  registerAbandonedCheckoutRoutes(api);
  registerAnalyticsRoutes(api);
  registerSearchRoutes(api);
  registerPricingRoutes(api);
  registerInventoryPlanningRoutes(api);
  registerRecommendationRoutes(api);
  registerPrivacyRoutes(api);
  registerAuditLogRoutes(api);
  // Online store content (issue 20).
  registerPageRoutes(api);
  registerTranslationRoutes(api);
  registerMenuRoutes(api);
  registerBlogRoutes(api);
  registerProductMediaRoutes(api);
  registerReviewRoutes(api);
  registerThemeRoutes(api);
}

/** The /api/v1 OpenAPI document without a server or database: `npm run gen:api` and the contract tests read it. */
export function apiDocument() {
  const api = new OpenAPIHono<AppEnv>();
  registerApiRoutes(api);
  return api.getOpenAPI31Document(API_DOCUMENT);
}

/** Routes whose bodies are uploads (not JSON): they get MAX_BODY_BYTES. */
const UPLOAD_PATH = /\/(imports(\/preview)?|images|settings\/logo|theme\/settings\/favicon|reviews\/import|stores\/import-archive|products\/[^/]+\/media)$/;

export function createControlPlaneApp(services: Services, logger: Logger) {
  // The trie with a cache of route shapes in front: hono's RegExpRouter refuses this API's routes (packages/http/src/router.ts).
  const app = new OpenAPIHono<AppEnv>({ router: new ShapeCachedRouter() });
  const metrics = new MetricsRegistry();
  // The services and the request metrics ride on the request context rather than on middlewares of their own (issue 23:
  // hono dispatches each middleware separately).
  app.use(
    '*',
    requestContext(logger, { trustProxy: services.config.trustProxy, vars: { services }, onFinished: httpMetricsRecorder(metrics, 'control-plane') }),
  );
  app.use('/media/*', mediaCrossOrigin);
  // CSP with a per-request nonce (cspNonce(c)) for inline scripts; HSTS only over https.
  // Product images may live on any https host (imports link them); the favicon is a data: URL; upload previews are blob: URLs.
  // The theme editor frames the stores' storefronts (its live preview); the product editor's 3D preview (model-viewer) compiles
  // WebAssembly ('wasm-unsafe-eval' allows that, not eval) and hands textures over as blob: URLs.
  const cfg = services.config;
  const storefronts = `${cfg.storefrontProtocol}://*.${cfg.storeRootDomain}${cfg.storefrontPort === (cfg.storefrontProtocol === 'https' ? 443 : 80) ? '' : `:${cfg.storefrontPort}`}`;
  app.use(
    '*',
    securityHeaders({
      trustProxy: cfg.trustProxy,
      // /api/v1 answers data (JSON, CSV exports) that no browser renders as a page: the policy that allows nothing,
      // no nonce. Its one document is the API reference, which runs a script with the nonce.
      dataPath: (path) => path.startsWith('/api/v1/') && path !== '/api/v1/docs',
      csp: {
        'img-src': ['blob:', 'https:', 'http:'],
        'script-src': ["'wasm-unsafe-eval'"],
        'connect-src': ["'self'", 'blob:'],
        'frame-src': ["'self'", storefronts],
      },
    }),
  );
  metrics.collect(() => poolGauges('control-plane', services.db.pool));
  metrics.collect(async () => {
    const depths = await services.queues.storeDepths(10);
    return gauge('storeloom_jobs_store_queue_depth', 'Queued + in-flight jobs of the 10 busiest stores (bounded label set)', [
      ...depths.map((d) => ({ labels: { queue: d.queue, store: d.storeId }, value: d.pending + d.inFlight })),
    ]);
  });
  app.get('/metrics', async (c) => {
    const token = services.config.metricsToken;
    // Never on a store's host name (a custom domain or <slug>.STORE_ROOT_DOMAIN pointed here), and in production only
    // with METRICS_TOKEN: otherwise it does not exist.
    const host = (c.req.header('host') ?? '').toLowerCase().replace(/:\d+$/, '');
    const root = services.config.storeRootDomain.toLowerCase();
    if (host.endsWith(`.${root}`) || (!token && services.config.metricsWithoutToken === false)) throw new AppError(ErrorCode.NotFound, 'No such route');
    if (token && c.req.header('authorization') !== `Bearer ${token}`) throw new AppError(ErrorCode.Unauthenticated, 'Metrics token required');
    return c.text(await metrics.render(), 200, { 'Content-Type': 'text/plain; version=0.0.4' });
  });
  app.onError((err, c) => toErrorResponse(c, err, c.var.logger ?? logger));
  app.notFound((c) => toErrorResponse(c, new AppError(ErrorCode.NotFound, 'No such route')));

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/.well-known/security.txt', (c) => c.text(securityTxt(services.config), 200, { 'Cache-Control': 'public, max-age=86400' }));
  registerStripeWebhookRoutes(app);
  app.get('/readyz', async (c) => {
    const [database, queue] = await Promise.all([
      sql`select 1`.execute(services.db.kysely).then(
        () => true,
        () => false,
      ),
      services.queues.ping(),
    ]);
    return c.json(
      { status: database && queue ? 'ready' : 'unavailable', database, queue, queueBackend: services.queues.backend },
      database && queue ? 200 : 503,
    );
  });

  const api = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error);
    },
  });
  // JSON bodies are small: 1 MiB unless configured, refused with 413 before they are parsed. Only the upload routes
  // (CSV import, images, logo, store archives) take MAX_BODY_BYTES, and they stream rather than parse a whole body.
  const tooLarge = () => {
    throw new AppError(ErrorCode.PayloadTooLarge, 'Request body is too large');
  };
  const uploadLimit = bodyLimit({ maxSize: services.config.maxBodyBytes, onError: tooLarge });
  // MAX_BODY_BYTES caps every body; JSON gets the smaller of the two.
  const jsonLimit = bodyLimit({ maxSize: Math.min(services.config.maxJsonBodyBytes ?? 1024 * 1024, services.config.maxBodyBytes), onError: tooLarge });
  // GET and HEAD requests carry no body (the server adapter never attaches one): asking for it would only build a
  // full Fetch Request with its AbortSignal per read.
  const bodyLimitOf: MiddlewareHandler = (c, next) =>
    c.req.method === 'GET' || c.req.method === 'HEAD' ? next() : UPLOAD_PATH.test(c.req.path) ? uploadLimit(c, next) : jsonLimit(c, next);
  const limits = services.config.rateLimits;
  const perIp = rateLimit([{ name: 'ip', limit: limits?.perIpPerMinute ?? 0, windowSeconds: 60, key: (c) => clientIp(c, services.config.trustProxy) }]);
  // CSV imports upload large bodies on slow links: they get no deadline. Uploads are writes, so a read never needs the
  // path test (a regex on every read, round 17).
  const deadline = requestTimeout(services.config.requestTimeoutMs ?? 0, {
    skip: (c) => c.req.method !== 'GET' && c.req.method !== 'HEAD' && /\/(imports|imports\/preview|import-archive)$/.test(c.req.path),
  });
  const sameOrigin = originCheck({ trustedOrigins: () => [new URL(services.config.publicUrl).origin, ...services.config.trustedOrigins] });
  const jsonBodies = requireJsonBody({
    allow: (path) =>
      /\/imports(\/preview)?$|\/reviews\/import$/.test(path)
        ? ['text/csv']
        : /\/(images|settings\/logo|theme\/settings\/favicon|products\/[^/]+\/media)$/.test(path)
          ? ['multipart/form-data']
          : /\/stores\/import-archive$/.test(path)
            ? ['application/gzip', 'application/octet-stream']
            : null,
  });
  // Who is calling: a bearer API token, or the session cookie. Not async: when the caller is known from memory (nearly
  // every request) the lookups answer without a promise and nothing here awaits (issue 23).
  const whoIsCalling: MiddlewareHandler<AppEnv> = (c, next) => {
    c.set('auth', null);
    const authz = c.req.header('authorization');
    if (authz?.startsWith('Bearer ')) {
      const token = services.apiTokens.authenticate(authz.slice(7).trim());
      return token instanceof Promise ? token.then((t) => byToken(c, next, t)) : byToken(c, next, token);
    }
    // Only the session cookie is read (readCookie), not every cookie of the header.
    const cookie = readCookie(c.req.header('cookie'), 'storeloom_session');
    if (!cookie) return next();
    const session = services.sessions.validate(cookie);
    return session instanceof Promise ? session.then((v) => bySession(c, next, cookie, v)) : bySession(c, next, cookie, session);
  };
  const byToken = (c: Context<AppEnv>, next: Next, token: TokenAuth | null) => {
    if (!token) throw new AppError(ErrorCode.Unauthenticated, 'Invalid or revoked API token');
    return authenticated(c, next, { user: token.user, method: 'token', scopes: token.scopes });
  };
  const bySession = (c: Context<AppEnv>, next: Next, cookie: string, v: ValidatedSession | null) => {
    if (!v) return next();
    if (v.refreshed) appendResponseHeader(c, 'Set-Cookie', services.sessions.cookie(cookie, v.expiresAt));
    return authenticated(c, next, { user: v.user, method: 'session', sessionId: v.sessionId });
  };
  const authenticated = (c: Context<AppEnv>, next: Next, auth: AuthInfo): Promise<void> => {
    c.set('auth', auth);
    addLogFields(c, { userId: auth.user.id });
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    // Whatever a write of this user changed about them (second factor, sessions, tokens) is not served from this
    // process's memory afterwards, without waiting for the database's notification.
    return next().finally(() => services.principals.forgetUser(auth.user.id));
  };
  // Per-store budget counts authenticated calls only, so strangers cannot exhaust a store's budget.
  const perStore = rateLimit([
    {
      name: 'store',
      limit: limits?.perStorePerMinute ?? 0,
      windowSeconds: 60,
      key: (c) => (c.get('auth') ? (/\/stores\/([0-9a-f-]{36})(?:\/|$)/.exec(c.req.path)?.[1] ?? null) : null),
    },
  ]);
  // One middleware for the seven, in this order (issue 23: hono dispatches each middleware separately; see chain).
  // Each of them does nothing after next() but in a finally or a rejection handler, as chain requires.
  api.use('*', chain(bodyLimitOf, perIp, deadline, sameOrigin, jsonBodies, whoIsCalling as MiddlewareHandler, perStore));

  registerApiRoutes(api);
  api.doc31('/openapi.json', API_DOCUMENT);
  api.get('/docs', (c) => c.html(apiDocsPage(cspNonce(c))));

  registerMediaRoute(app);
  app.route('/api/v1', api);
  // Last: the console's SPA fallback answers only what no route above did.
  registerConsole(app);
  return app;
}

/**
 * RFC 9116: where to report a vulnerability. Expires is required and must be
 * under a year ahead; it is computed, so the file never goes stale.
 */
export function securityTxt(config: Pick<Services['config'], 'publicUrl' | 'securityContact'>, now = new Date()): string {
  const base = config.publicUrl.replace(/\/$/, '');
  const contact = config.securityContact ?? `mailto:security@${new URL(base).hostname}`;
  const expires = new Date(now.getTime() + 180 * 24 * 3600 * 1000);
  expires.setUTCHours(0, 0, 0, 0);
  return [`Contact: ${contact}`, `Expires: ${expires.toISOString()}`, 'Preferred-Languages: en', `Canonical: ${base}/.well-known/security.txt`, ''].join('\n');
}
