/**
 * API token scopes on every /api/v1 operation. Each operation needs one scope (see @storeloom/auth scopes.ts):
 * declared on the route (`'x-token-scope'`) or, by default, from its tag's route family and its method (GET reads,
 * anything else writes). Registration refuses an operation whose scope cannot be determined, so a new route cannot
 * slip through unscoped. The scope is written into the OpenAPI document (`x-token-scope`, and a line in the
 * description) and checked before anything else the route does (before its store access check and body validation):
 * a token without it gets 403 `insufficient_scope`. Sessions are limited by the member's role only.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { type ApiScope, isApiScope, type RouteScope } from '@storeloom/auth';
import { AppError, ErrorCode } from '@storeloom/errors';
import { chain } from '@storeloom/http';
import type { MiddlewareHandler } from 'hono';
import { catalogCache } from './catalog-cache.ts';
import type { AppEnv } from './context.ts';
import { storeAccess } from './guards.ts';

/** Route families by OpenAPI tag. */
const FAMILY_OF_TAG: Record<string, string> = {
  products: 'products',
  collections: 'products',
  imports: 'products',
  search: 'products',
  recommendations: 'products',
  inventory: 'inventory',
  'inventory-planning': 'inventory',
  orders: 'orders',
  returns: 'orders',
  // Sales figures are order data.
  analytics: 'orders',
  shipping: 'orders',
  privacy: 'customers',
  customers: 'customers',
  taxes: 'orders',
  discounts: 'discounts',
  'gift-cards': 'discounts',
  pricing: 'pricing',
  stores: 'stores',
  settings: 'stores',
  markets: 'stores',
  content: 'stores',
  theme: 'stores',
  jobs: 'stores',
  team: 'team',
  billing: 'billing',
  payouts: 'billing',
  backup: 'backups',
  // Event subscriptions send order and customer data out: managing them is a store-level change.
  webhooks: 'stores',
};
/** Sign-up, sign-in, password, two-factor and account changes, token management, the developer outbox: sessions only. */
const SESSION_ONLY_TAGS = new Set(['auth', 'api tokens', 'developer', 'account security']);

interface RouteLike {
  method: string;
  path: string;
  tags?: string[];
  description?: string;
  middleware?: unknown;
  'x-token-scope'?: RouteScope;
}

export function routeScope(route: RouteLike): RouteScope {
  const declared = route['x-token-scope'];
  if (declared) return declared;
  const tag = route.tags?.[0] ?? '';
  if (SESSION_ONLY_TAGS.has(tag)) return 'session';
  const family = FAMILY_OF_TAG[tag];
  const scope = family ? `${route.method === 'get' ? 'read' : 'write'}_${family}` : '';
  if (!isApiScope(scope)) throw new Error(`${route.method.toUpperCase()} ${route.path}: no API token scope (declare 'x-token-scope' or map tag "${tag}")`);
  return scope;
}

export function requireScope(scope: RouteScope): MiddlewareHandler<AppEnv> {
  // Not async: nothing to do after next(), so no async frame of its own (a refusal is a synchronous throw, which
  // hono's dispatch and chain both turn into the error response).
  return (c, next) => {
    const auth = c.get('auth');
    if (auth?.method === 'token') {
      if (scope === 'session')
        throw new AppError(ErrorCode.InsufficientScope, 'API tokens cannot do this; sign in to the console', { details: { required: 'session' } });
      if (scope !== 'any' && !auth.scopes?.includes(scope as ApiScope))
        throw new AppError(ErrorCode.InsufficientScope, `This API token lacks the ${scope} scope`, { details: { required: scope } });
    }
    return next();
  };
}

const describeScope = (scope: RouteScope) =>
  scope === 'session' ? 'API tokens: not allowed (sessions only).' : scope === 'any' ? 'API tokens: any token.' : `API tokens: needs the \`${scope}\` scope.`;

/**
 * Route middlewares that may run in one chain after the scope check (see chain): the store access check acts after
 * next() only in a finally, and the catalogue cache acts after next() but is then the chain's last, whose next() is
 * hono's dispatch of the route's validators and handler. Any other middleware keeps its own dispatch.
 */
function chainable(own: unknown[]): own is MiddlewareHandler[] {
  return own.length > 0 && own.every((m, i) => m === storeAccess || (m === catalogCache && i === own.length - 1));
}

/** Makes every operation registered on `api` from now on declare and check its token scope. */
export function enforceTokenScopes(api: OpenAPIHono<AppEnv>): void {
  const register = api.openapi.bind(api);
  api.openapi = ((route: RouteLike, handler: unknown, hook?: unknown) => {
    const scope = routeScope(route);
    const own = route.middleware ? (Array.isArray(route.middleware) ? route.middleware : [route.middleware]) : [];
    return (register as (...a: unknown[]) => unknown)(
      {
        ...route,
        'x-token-scope': scope,
        description: route.description ? `${route.description}\n\n${describeScope(scope)}` : describeScope(scope),
        // The scope check and the route's own middlewares as one when they qualify (issue 23: hono dispatches each
        // separately; see chain), else one after the other as before.
        middleware: chainable(own) ? [chain(requireScope(scope), ...own)] : [requireScope(scope), ...own],
      },
      handler,
      hook,
    );
  }) as unknown as typeof api.openapi;
}
