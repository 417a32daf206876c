/**
 * The headless Storefront API v1, mounted at /api/storefront/v1 behind the
 * storefront's Host → store middleware: JSON only, no cookies (a cart's id is
 * its credential), CORS for the origins the merchant allows, and the OpenAPI
 * 3.1 document at /openapi.json generated from the same zod schemas the routes
 * validate with. One route per file.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { AppError, ErrorCode } from '@storeloom/errors';
import { toErrorResponse, validationError } from '@storeloom/http';
import { registerAddCartLine } from './cart-lines-add.ts';
import { registerUpdateCartLine } from './cart-lines-update.ts';
import { registerCreateCart } from './carts-create.ts';
import { registerGetCart } from './carts-get.ts';
import { registerUpdateCart } from './carts-update.ts';
import { registerCheckout } from './checkout.ts';
import type { ApiEnv, StorefrontApiDeps } from './context.ts';
import { registerApplyDiscountCode } from './discount-codes-add.ts';
import { registerRemoveDiscountCode } from './discount-codes-remove.ts';
import { registerApplyGiftCard } from './gift-cards-add.ts';
import { registerRemoveGiftCard } from './gift-cards-remove.ts';
import { registerGetProduct } from './products-get.ts';

const CART_PATH = /^\/api\/storefront\/v1\/(carts|openapi\.json)/;

export function createStorefrontApiV1(deps: StorefrontApiDeps) {
  const app = new OpenAPIHono<ApiEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error);
    },
  });
  app.onError((err, c) => toErrorResponse(c, err, c.var.logger));

  // CORS for the merchant's allowed origins only; a cart id is a bearer secret, so never `*` and never credentials.
  app.use('*', async (c, next) => {
    if (!CART_PATH.test(c.req.path)) return next();
    const origin = c.req.header('origin');
    const allowed = origin !== undefined && c.var.tenant.settings.promotions.apiAllowedOrigins.some((o) => o.toLowerCase() === origin.toLowerCase());
    if (c.req.method === 'OPTIONS') {
      if (!allowed) return c.body(null, 403);
      c.header('Access-Control-Allow-Origin', origin);
      c.header('Access-Control-Allow-Methods', 'GET, POST, PATCH, DELETE');
      c.header('Access-Control-Allow-Headers', 'Content-Type, Idempotency-Key');
      c.header('Access-Control-Max-Age', '600');
      c.header('Vary', 'Origin');
      return c.body(null, 204);
    }
    if (allowed) {
      c.header('Access-Control-Allow-Origin', origin);
      c.header('Access-Control-Expose-Headers', 'Idempotent-Replayed');
    }
    c.header('Vary', 'Origin');
    c.header('Cache-Control', 'no-store');
    // Bodies are JSON only: a cross-site form (text/plain, urlencoded) can never reach a write.
    if (c.req.method !== 'GET' && c.req.method !== 'DELETE' && !(c.req.header('content-type') ?? '').toLowerCase().startsWith('application/json'))
      throw new AppError(ErrorCode.UnsupportedMediaType, 'Send application/json');
    return next();
  });

  registerCreateCart(app);
  registerGetCart(app);
  registerUpdateCart(app);
  registerAddCartLine(app);
  registerUpdateCartLine(app);
  registerApplyDiscountCode(app);
  registerRemoveDiscountCode(app);
  registerApplyGiftCard(app);
  registerRemoveGiftCard(app);
  registerCheckout(app, deps);
  registerGetProduct(app);

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Storeloom Storefront API',
      version: '1.0.0',
      description:
        'Headless storefront: products with their prices in a market, carts, discount codes, gift cards and checkout. The store is chosen by the Host header; a cart id is the cart’s only credential; money is integer minor units of the cart’s currency; errors are {"error":{"code","message","details"}}.',
    },
    servers: [{ url: '/api/storefront/v1' }],
  });
  return app;
}
