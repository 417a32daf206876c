import { createRoute, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import { isIsoCountry } from '@storeloom/commerce';
import { AppError, ErrorCode } from '@storeloom/errors';
import { canonicalTimeZone, checkSlug, DOMAIN_RE, isTimeZone, SUPPORTED_LOCALES, toStoreView } from '@storeloom/stores';
import type { ControlPlaneConfig } from '../context.ts';
import { requireAuth, requirePermission, storeAccess } from '../guards.ts';
import { toStoreJson } from '../presenters.ts';
import { CurrencyCodeInput, errorResponses, IdempotencyHeader, jsonBody, jsonResponse, StoreIdParam, StoreSchema } from '../schemas.ts';
import type { Api } from '../context.ts';

/** The storefront routes <slug>.<root> by slug, so a custom domain there would never work, and the apex or the console's host would be hijacked. */
function isPlatformHost(config: ControlPlaneConfig, domain: string): boolean {
  const platform = [config.storeRootDomain, new URL(config.publicUrl).hostname].map((h) => h.toLowerCase().replace(/\.$/, ''));
  return platform.some((h) => domain === h || domain.endsWith(`.${h}`));
}

const Slug = z.string().trim().toLowerCase().min(1).max(63).openapi({ example: 'acme-books' });
const Locale = z.enum(SUPPORTED_LOCALES);
/** ISO 3166-1 alpha-2: the store's own country, its primary market (issue 19). */
export const StoreCountry = z
  .string()
  .trim()
  .toUpperCase()
  .refine(isIsoCountry, 'an ISO 3166-1 alpha-2 country code such as GB')
  .openapi({ example: 'GB', description: "ISO 3166-1 alpha-2: the store's own country (its primary market)" });
/** IANA time zone name (issue 17); stored in the runtime's spelling. 400 validation_failed for an unknown zone. */
export const StoreTimeZone = z
  .string()
  .trim()
  .max(64)
  .refine(isTimeZone, 'an IANA time zone such as Europe/London')
  .transform(canonicalTimeZone)
  .openapi({ example: 'Europe/London', description: "IANA time zone the console shows the store's dates and times in" });

const createStore = createRoute({
  operationId: 'createStore',
  method: 'post',
  path: '/stores',
  tags: ['stores'],
  summary: 'Create a store (provisions its own database schema)',
  request: {
    headers: IdempotencyHeader,
    body: jsonBody(
      z.object({
        name: z.string().trim().min(1).max(100),
        slug: Slug,
        currency: CurrencyCodeInput,
        defaultLocale: Locale.optional(),
        country: StoreCountry.nullable().optional(),
        timezone: StoreTimeZone.optional(),
      }),
    ),
  },
  responses: {
    201: jsonResponse(StoreSchema, 'Created (or the store created by the first request with this Idempotency-Key)'),
    ...errorResponses(400, 401, 409, 415, 422),
  },
});

const listStores = createRoute({
  operationId: 'listStores',
  method: 'get',
  path: '/stores',
  tags: ['stores'],
  summary: 'Stores the caller is a member of',
  responses: { 200: jsonResponse(z.object({ data: z.array(StoreSchema) }), 'Stores'), ...errorResponses(401) },
});

const slugAvailability = createRoute({
  operationId: 'checkSlugAvailability',
  method: 'get',
  path: '/stores/slug-availability',
  tags: ['stores'],
  summary: 'Is a slug free to use?',
  request: { query: z.object({ slug: Slug }) },
  responses: {
    200: jsonResponse(z.object({ slug: z.string(), available: z.boolean(), reason: z.enum(['invalid', 'reserved', 'taken']).nullable() }), 'Availability'),
    ...errorResponses(400, 401),
  },
});

const getStore = createRoute({
  operationId: 'getStore',
  method: 'get',
  path: '/stores/{storeId}',
  tags: ['stores'],
  summary: 'One store',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam },
  responses: { 200: jsonResponse(StoreSchema, 'The store'), ...errorResponses(401, 404) },
});

const patchStore = createRoute({
  operationId: 'updateStore',
  method: 'patch',
  path: '/stores/{storeId}',
  tags: ['stores'],
  summary: 'Update store settings',
  middleware: [storeAccess] as const,
  request: {
    params: StoreIdParam,
    body: jsonBody(
      z.object({
        name: z.string().trim().min(1).max(100).optional(),
        currency: CurrencyCodeInput.optional(),
        country: StoreCountry.nullable().optional(),
        timezone: StoreTimeZone.optional(),
        defaultLocale: Locale.optional(),
        customDomain: z.string().trim().toLowerCase().max(253).regex(DOMAIN_RE, 'must be a hostname such as shop.example.com').nullable().optional(),
      }),
    ),
  },
  responses: { 200: jsonResponse(StoreSchema, 'Updated'), ...errorResponses(400, 401, 403, 404, 409) },
});

const deleteStore = createRoute({
  operationId: 'deleteStore',
  method: 'delete',
  path: '/stores/{storeId}',
  tags: ['stores'],
  summary: 'Delete a store (soft: restorable until its schema is dropped after the retention period)',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam },
  responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404) },
});

export function registerStoreRoutes(app: Api) {
  app.openapi(createStore, async (c) => {
    const auth = requireAuth(c);
    const body = c.req.valid('json');
    const key = c.req.valid('header')['idempotency-key'];
    const { store } = await c.var.services.stores.create({ userId: auth.user.id, requestId: c.var.requestId }, body, key);
    return c.json(toStoreJson(c.var.services.config, { ...store, role: 'owner' }), 201);
  });

  app.openapi(listStores, async (c) => {
    const auth = requireAuth(c);
    const stores = await c.var.services.stores.access.listForUser(auth.user.id);
    return c.json({ data: stores.map((s) => toStoreJson(c.var.services.config, s)) }, 200);
  });

  app.openapi(slugAvailability, async (c) => {
    requireAuth(c);
    const { slug } = c.req.valid('query');
    const problem = checkSlug(slug);
    if (problem) return c.json({ slug, available: false, reason: problem }, 200);
    const taken = await c.var.services.stores.slugTaken(slug);
    return c.json({ slug, available: !taken, reason: taken ? 'taken' : null }, 200);
  });

  app.openapi(getStore, async (c) => c.json(toStoreJson(c.var.services.config, { ...toStoreView(c.var.store), role: c.var.role }), 200));

  app.openapi(patchStore, async (c) => {
    requirePermission(c, Permission.UpdateStore);
    const body = c.req.valid('json');
    if (Object.keys(body).length === 0) throw new AppError(ErrorCode.ValidationFailed, 'Nothing to update');
    if (body.customDomain && isPlatformHost(c.var.services.config, body.customDomain))
      throw new AppError(ErrorCode.ValidationFailed, 'customDomain: must be your own domain, not one of the platform', {
        details: [{ path: 'customDomain', message: 'must not be the platform domain or a subdomain of it' }],
      });
    if (body.customDomain && body.customDomain !== c.var.store.custom_domain) await c.var.services.billing.assertWithinPlan(c.var.store, 'customDomain');
    const store = await c.var.services.stores.update(c.var.store.id, body, { userId: c.var.auth?.user.id ?? null, requestId: c.var.requestId });
    return c.json(toStoreJson(c.var.services.config, { ...store, role: c.var.role }), 200);
  });

  app.openapi(deleteStore, async (c) => {
    requirePermission(c, Permission.DeleteStore);
    await c.var.services.stores.retention.softDelete(c.var.store.id, { userId: c.var.auth?.user.id ?? null, requestId: c.var.requestId });
    return c.body(null, 204);
  });
}
