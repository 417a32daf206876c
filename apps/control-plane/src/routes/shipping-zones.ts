/**
 * Shipping zones (issue 19 contract): `/api/v1/stores/:storeId/shipping-zones` CRUD. Rates are in the store
 * currency and converted into a market's currency like prices; a cart whose country is in no zone cannot check out.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import { ShippingZoneService } from '@storeloom/commerce';
import { requirePermission, storeAccess, tenantOf, uuidParam } from '../guards.ts';
import { errorResponses, jsonBody, jsonResponse, Money, StoreIdParam } from '../schemas.ts';
import type { Api } from '../context.ts';

const Grams = z.number().int().min(0).max(2_000_000_000);
const RateInput = z.object({
  name: z.string().trim().min(1).max(100),
  price: Money,
  minSubtotal: Money.nullable().optional(),
  maxSubtotal: Money.nullable().optional(),
  minWeightGrams: Grams.nullable().optional(),
  maxWeightGrams: Grams.nullable().optional(),
});
const ZoneBody = z.object({
  name: z.string().trim().min(1).max(100),
  countries: z.array(z.string().trim().toUpperCase().length(2)).min(1).max(250),
  rates: z.array(RateInput).max(50),
});
const ZoneSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    countries: z.array(z.string()),
    rates: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        price: Money,
        minSubtotal: Money.nullable(),
        maxSubtotal: Money.nullable(),
        minWeightGrams: z.number().int().nullable(),
        maxWeightGrams: z.number().int().nullable(),
      }),
    ),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('ShippingZone');
const Params = StoreIdParam.extend({ zoneId: z.string() });

const create = createRoute({
  method: 'post',
  path: '/stores/{storeId}/shipping-zones',
  operationId: 'createShippingZone',
  tags: ['shipping'],
  summary: 'Create a shipping zone (countries with rates; a country is in at most one zone)',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam, body: jsonBody(ZoneBody) },
  responses: { 201: jsonResponse(ZoneSchema, 'Created'), ...errorResponses(400, 401, 403, 404, 409) },
});
const list = createRoute({
  method: 'get',
  path: '/stores/{storeId}/shipping-zones',
  operationId: 'listShippingZones',
  tags: ['shipping'],
  summary: 'Shipping zones',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam },
  responses: { 200: jsonResponse(z.object({ items: z.array(ZoneSchema) }).openapi('ShippingZoneList'), 'Zones'), ...errorResponses(401, 403, 404) },
});
const get = createRoute({
  method: 'get',
  path: '/stores/{storeId}/shipping-zones/{zoneId}',
  operationId: 'getShippingZone',
  tags: ['shipping'],
  summary: 'One shipping zone',
  middleware: [storeAccess] as const,
  request: { params: Params },
  responses: { 200: jsonResponse(ZoneSchema, 'The zone'), ...errorResponses(401, 403, 404) },
});
const patch = createRoute({
  method: 'patch',
  path: '/stores/{storeId}/shipping-zones/{zoneId}',
  operationId: 'updateShippingZone',
  tags: ['shipping'],
  summary: 'Change a zone (countries and rates given are replaced whole)',
  middleware: [storeAccess] as const,
  request: { params: Params, body: jsonBody(ZoneBody.partial()) },
  responses: { 200: jsonResponse(ZoneSchema, 'Updated'), ...errorResponses(400, 401, 403, 404, 409) },
});
const remove = createRoute({
  method: 'delete',
  path: '/stores/{storeId}/shipping-zones/{zoneId}',
  operationId: 'deleteShippingZone',
  tags: ['shipping'],
  summary: 'Delete a zone (its countries can no longer be shipped to while other zones exist)',
  middleware: [storeAccess] as const,
  request: { params: Params },
  responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404) },
});

export function registerShippingZoneRoutes(app: Api) {
  app.openapi(create, async (c) => {
    requirePermission(c, Permission.UpdateStore);
    return c.json(await new ShippingZoneService(tenantOf(c)).create(c.req.valid('json')), 201);
  });
  app.openapi(list, async (c) => c.json({ items: await new ShippingZoneService(tenantOf(c)).list() }, 200));
  app.openapi(get, async (c) => c.json(await new ShippingZoneService(tenantOf(c)).get(uuidParam(c, 'zoneId', 'Shipping zone')), 200));
  app.openapi(patch, async (c) => {
    requirePermission(c, Permission.UpdateStore);
    return c.json(await new ShippingZoneService(tenantOf(c)).update(uuidParam(c, 'zoneId', 'Shipping zone'), c.req.valid('json')), 200);
  });
  app.openapi(remove, async (c) => {
    requirePermission(c, Permission.UpdateStore);
    await new ShippingZoneService(tenantOf(c)).remove(uuidParam(c, 'zoneId', 'Shipping zone'));
    return c.body(null, 204);
  });
}
