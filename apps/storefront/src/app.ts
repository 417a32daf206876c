/**
 * Storefront server: resolves the store from the Host header, loads a page's
 * data through services, renders it with Solid on the server and sends HTML
 * the browser hydrates. Every page works without JavaScript: links and forms
 * that POST and redirect. This file only composes: the pipeline is in
 * middleware.ts, rendering in pages.ts, shared helpers in context.ts, and
 * each group of pages in routes/.
 */
import { CustomerService } from '@storeloom/commerce';
import type { Database } from '@storeloom/db';
import type { Logger } from '@storeloom/log';
import type { ConsentState } from '@storeloom/privacy';
import { Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import { createRecoApi } from './api/reco.ts';
import { createStorefrontSearchApi } from './api/search.ts';
import { createStorefrontApiV1 } from './api/v1/index.ts';
import { SESSION_COOKIE, Storefront, type StorefrontEnv, type StorefrontOptions } from './context.ts';
import { createMediaRoutes } from './media.ts';
import { errorPages, platformMiddleware, resolveTenant, sameOriginPosts } from './middleware.ts';
import { accountRoutes } from './routes/account.ts';
import { cartRoutes } from './routes/cart.ts';
import { catalogRoutes } from './routes/catalog.ts';
import { checkoutRoutes } from './routes/checkout.ts';
import { contentRoutes } from './routes/content.ts';
import { newsletterRoutes } from './routes/newsletter.ts';
import { reviewRoutes } from './routes/reviews.ts';
import { homeRoutes } from './routes/home.ts';
import { orderRoutes } from './routes/orders.ts';
import { privacyRoutes } from './routes/privacy.ts';
import { consentMiddleware, consentRoutes } from './routes/consent.ts';
import { recoveryRoutes } from './routes/recovery.ts';
import { searchRoutes } from './routes/search.ts';
import { seoRoutes } from './routes/seo.ts';
import { routePath } from './locale.ts';
import { PathCachedRouter } from './router.ts';

export type { StorefrontEnv, StorefrontOptions } from './context.ts';

export function createStorefrontApp(db: Database, logger: Logger, opts: StorefrontOptions) {
  const sf = new Storefront(db, logger, opts);
  // Routes see paths without the locale prefix (`/de/products/x` is `/products/x` in the language de).
  const app = new Hono<StorefrontEnv>({ getPath: routePath, router: new PathCachedRouter() });
  platformMiddleware(app, sf);
  resolveTenant(app, sf);
  sameOriginPosts(app);
  consentMiddleware(app, sf);
  // The storefront JSON API namespace (search, recommendations), behind the tenant middleware.
  app.route('/api/storefront/v1', createStorefrontSearchApi(db, { service: sf.searchEngine }));
  // The headless cart and checkout API: the same CheckoutService (and pricing) as the pages.
  app.route('/api/storefront/v1', createStorefrontApiV1({ db, checkout: (c) => sf.checkout(c), origin: (c) => sf.origin(c) }));
  app.route(
    '/api/storefront/v1',
    createRecoApi(db, {
      // The signed-in shopper's events and home picks follow their account, not only this browser.
      // Events and picks follow the account (beyond this visit) only with recommendations consent.
      identify: async (c) =>
        (c.var as { consent?: ConsentState }).consent?.granted.recommendations
          ? ((await new CustomerService(db.tenant(c.var.store.schema_name)).validateSession(getCookie(c, SESSION_COOKIE)))?.id ?? null)
          : null,
      trustProxy: opts.trustProxy ?? false,
    }),
  );
  app.route('/media', createMediaRoutes(opts.storage ?? null));
  homeRoutes(app, sf);
  catalogRoutes(app, sf);
  contentRoutes(app, sf);
  newsletterRoutes(app, sf);
  reviewRoutes(app, sf);
  searchRoutes(app, sf);
  cartRoutes(app, sf);
  recoveryRoutes(app, sf);
  checkoutRoutes(app, sf);
  orderRoutes(app, sf);
  accountRoutes(app, sf);
  privacyRoutes(app, sf);
  consentRoutes(app, sf);
  seoRoutes(app, sf);
  errorPages(app, sf);
  return Object.assign(app, { resolver: sf.resolver, searchEngine: sf.searchEngine });
}
