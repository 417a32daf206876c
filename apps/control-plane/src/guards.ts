import { type Permission, roleCan } from '@storeloom/auth';
import { isUuid } from '@storeloom/db';
import { AppError, ErrorCode } from '@storeloom/errors';
import { addLogFields } from '@storeloom/http';
import type { StoreAccessInfo } from '@storeloom/stores';
import { type StoreStorage, storeStorage } from '@storeloom/storage';
import type { Context, MiddlewareHandler, Next } from 'hono';
import type { AppEnv, AuthInfo } from './context.ts';

export function requireAuth(c: Context<AppEnv>): AuthInfo {
  const auth = c.get('auth');
  if (!auth) throw new AppError(ErrorCode.Unauthenticated, 'Sign in or send an API token');
  return auth;
}

/**
 * Store routes: the caller must be a member. A store the caller cannot see is
 * a 404, the same as one that does not exist, so ids reveal nothing.
 * Not async: when the member's access is known from memory (nearly every request) nothing here awaits (issue 23).
 */
export const storeAccess: MiddlewareHandler<AppEnv> = (c, next) => {
  const auth = requireAuth(c);
  const storeId = c.req.param('storeId') ?? '';
  if (!isUuid(storeId)) throw new AppError(ErrorCode.StoreNotFound, 'Store not found');
  // c.get, not c.var, on this path of every store request: Hono's `var` copies all variables on each access.
  const services = c.get('services');
  const access = services.stores.access.accessFor(storeId, auth.user.id);
  return access instanceof Promise ? access.then((a) => enterStore(c, next, auth, storeId, a)) : enterStore(c, next, auth, storeId, access);
};

function enterStore(c: Context<AppEnv>, next: Next, auth: AuthInfo, storeId: string, access: StoreAccessInfo | null): Promise<void> {
  if (!access) throw new AppError(ErrorCode.StoreNotFound, 'Store not found');
  if (access.store.require_two_factor && !auth.user.twoFactor) {
    throw new AppError(ErrorCode.TwoFactorRequired, 'This store requires two-factor sign-in: turn it on under Account → Security, then sign in again');
  }
  const services = c.get('services');
  c.set('store', access.store);
  c.set('role', access.role);
  addLogFields(c, { storeId });
  if (access.store.status === 'active' || access.store.status === 'suspended') c.set('tenant', services.db.tenant(access.store.schema_name));
  if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
  // A write of this process is served at once by its own catalogue cache, without waiting for the notification.
  return next().finally(() => services.catalogVersions.forget(access.store.schema_name));
}

/** For catalogue routes: the store's schema must be ready. */
export function tenantOf(c: Context<AppEnv>) {
  const t = c.get('tenant');
  if (!t) throw new AppError(ErrorCode.StoreNotActive, 'This store is still being set up; try again in a moment');
  return t;
}

export function requirePermission(c: Context<AppEnv>, permission: Permission): void {
  if (!roleCan(c.var.role, permission)) throw new AppError(ErrorCode.Forbidden, `Your role (${c.var.role}) may not do this`);
}

export function uuidParam(c: Context<AppEnv>, name: string, what: string): string {
  const v = c.req.param(name) ?? '';
  if (!isUuid(v)) throw new AppError(ErrorCode.NotFound, `${what} not found`);
  return v;
}

/** The current store's media storage: refuses any key outside the store's own prefix (see StoreStorage). */
export function storageOf(c: Context<AppEnv>): StoreStorage {
  return storeStorage(c.var.services.storage, c.var.store.id);
}

/** The current store's plan limits, for catalogue services that publish products (see CatalogLimits). */
export function catalogLimitsOf(c: Context<AppEnv>) {
  return c.var.services.billing.catalogLimits(c.var.store);
}
