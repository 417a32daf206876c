/**
 * The control plane's Hono app: request context, auth resolution, CSRF
 * defences, the /api/v1 routes with their OpenAPI document, health checks and
 * the console. Built from injected services so tests run it in-process.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { AppError, ErrorCode } from '@storeloom/errors';
import { addLogFields, type Logger, originCheck, requestContext, requireJsonBody, toErrorResponse, validationError } from '@storeloom/http';
import { sql } from '@storeloom/db';
import { bodyLimit } from 'hono/body-limit';
import { getCookie } from 'hono/cookie';
import { secureHeaders } from 'hono/secure-headers';
import type { AppEnv, Services } from './context.ts';
import { registerApiTokenRoutes } from './routes/api-tokens.ts';
import { registerAuthRoutes } from './routes/auth.ts';
import { registerCollectionRoutes } from './routes/collections.ts';
import { registerImportRoutes } from './routes/imports.ts';
import { registerInventoryRoutes } from './routes/inventory.ts';
import { registerProductRoutes } from './routes/products.ts';
import { registerStoreRoutes } from './routes/stores.ts';
import { registerAccountRoutes } from './routes/account.ts';
import { registerTeamRoutes } from './routes/team.ts';
import { registerSettingsRoutes } from './routes/settings.ts';
import { registerImageRoutes } from './routes/images.ts';
import { registerDomainRoutes } from './routes/domain.ts';
import { registerJobRoutes } from './routes/jobs.ts';
import { mediaCrossOrigin, registerMediaRoute } from './routes/media.ts';
import { apiDocsPage } from './pages.ts';
import { registerConsole } from './console.ts';

export function createControlPlaneApp(services: Services, logger: Logger) {
  const app = new OpenAPIHono<AppEnv>();
  app.use('*', requestContext(logger));
  app.use('*', async (c, next) => {
    c.set('services', services);
    await next();
  });
  app.use('/media/*', mediaCrossOrigin);
  app.use(
    '*',
    secureHeaders({
      crossOriginEmbedderPolicy: false,
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        frameAncestors: ["'none'"],
        scriptSrc: ["'self'", "'unsafe-inline'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        // Product images may live on any https host (imports link them); the favicon is a data: URL; upload previews are blob: URLs.
        imgSrc: ["'self'", 'data:', 'blob:', 'https:', 'http:'],
      },
    }),
  );
  app.onError((err, c) => toErrorResponse(c, err, c.var.logger ?? logger));
  app.notFound((c) => toErrorResponse(c, new AppError(ErrorCode.NotFound, 'No such route')));

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
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
  api.use(
    '*',
    bodyLimit({
      maxSize: services.config.maxBodyBytes,
      onError: () => {
        throw new AppError(ErrorCode.PayloadTooLarge, 'Request body is too large');
      },
    }),
  );
  api.use('*', originCheck({ trustedOrigins: () => [new URL(services.config.publicUrl).origin, ...services.config.trustedOrigins] }));
  api.use(
    '*',
    requireJsonBody({ allow: (path) => (/\/imports$/.test(path) ? ['text/csv'] : /\/(images|settings\/logo)$/.test(path) ? ['multipart/form-data'] : null) }),
  );
  // Who is calling: a bearer API token, or the session cookie.
  api.use('*', async (c, next) => {
    c.set('auth', null);
    const authz = c.req.header('authorization');
    if (authz?.startsWith('Bearer ')) {
      const user = await services.apiTokens.validate(authz.slice(7).trim());
      if (!user) throw new AppError(ErrorCode.Unauthenticated, 'Invalid or revoked API token');
      c.set('auth', { user, method: 'token' });
    } else {
      const token = getCookie(c, 'storeloom_session');
      if (token) {
        const v = await services.sessions.validate(token);
        if (v) {
          c.set('auth', { user: v.user, method: 'session', sessionId: v.sessionId });
          if (v.refreshed) c.header('Set-Cookie', services.sessions.cookie(token, v.expiresAt), { append: true });
        }
      }
    }
    if (c.var.auth) addLogFields(c as never, { userId: c.var.auth.user.id });
    await next();
  });

  api.openAPIRegistry.registerComponent('securitySchemes', 'cookieAuth', { type: 'apiKey', in: 'cookie', name: 'storeloom_session' });
  api.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer', description: 'Personal API token (slk_…)' });

  registerAuthRoutes(api);
  registerApiTokenRoutes(api);
  registerStoreRoutes(api);
  registerProductRoutes(api);
  registerCollectionRoutes(api);
  registerInventoryRoutes(api);
  registerImportRoutes(api);
  registerAccountRoutes(api);
  registerTeamRoutes(api);
  registerSettingsRoutes(api);
  registerImageRoutes(api);
  registerDomainRoutes(api);
  registerJobRoutes(api);

  api.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Storeloom API',
      version: '1.0.0',
      description: 'Merchant API. JSON, camelCase; money in integer minor units; errors as {"error":{"code","message","details"}}.',
    },
    servers: [{ url: '/api/v1' }],
    security: [{ cookieAuth: [] }, { bearerAuth: [] }],
  });
  api.get('/docs', (c) => c.html(apiDocsPage()));

  registerMediaRoute(app);
  app.route('/api/v1', api);
  // Last: the console's SPA fallback answers only what no route above did.
  registerConsole(app);
  return app;
}
