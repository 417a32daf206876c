import { createRoute, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import { InventoryService } from '@storeloom/catalog';
import { requirePermission, storeAccess, tenantOf, uuidParam } from '../guards.ts';
import { errorResponses, IdempotencyHeader, jsonBody, jsonResponse, StoreIdParam } from '../schemas.ts';
import type { Api } from '../context.ts';

const Params = StoreIdParam.extend({ variantId: z.string() });

const adjust = createRoute({
  operationId: 'adjustInventory',
  method: 'post',
  path: '/stores/{storeId}/variants/{variantId}/inventory-adjustments',
  tags: ['inventory'],
  summary: 'Adjust stock by a relative amount, atomically (never below zero)',
  middleware: [storeAccess] as const,
  request: {
    params: Params,
    headers: IdempotencyHeader,
    body: jsonBody(
      z.object({
        delta: z
          .number()
          .int()
          .min(-1_000_000_000)
          .max(1_000_000_000)
          .refine((d) => d !== 0, 'must not be 0'),
        reason: z.enum(['received', 'correction', 'damaged', 'returned', 'sold', 'other']).default('correction'),
      }),
    ),
  },
  responses: {
    201: jsonResponse(
      z
        .object({ adjustmentId: z.string(), variantId: z.string(), delta: z.number().int(), inventoryQuantity: z.number().int(), replayed: z.boolean() })
        .openapi('InventoryAdjustment'),
      'Applied (or replayed for a repeated Idempotency-Key)',
    ),
    ...errorResponses(400, 401, 403, 404, 409, 422),
  },
});

const history = createRoute({
  operationId: 'listInventoryAdjustments',
  method: 'get',
  path: '/stores/{storeId}/variants/{variantId}/inventory-adjustments',
  tags: ['inventory'],
  summary: 'Recent stock changes of a variant',
  middleware: [storeAccess] as const,
  request: { params: Params },
  responses: {
    200: jsonResponse(
      z.object({
        data: z.array(
          z.object({
            id: z.string(),
            delta: z.number(),
            quantityAfter: z.number(),
            reason: z.string(),
            actorUserId: z.string().nullable(),
            createdAt: z.string(),
          }),
        ),
      }),
      'History',
    ),
    ...errorResponses(401, 404),
  },
});

export function registerInventoryRoutes(app: Api) {
  app.openapi(adjust, async (c) => {
    requirePermission(c, Permission.AdjustInventory);
    const { delta, reason } = c.req.valid('json');
    const result = await new InventoryService(tenantOf(c)).adjust(uuidParam(c, 'variantId', 'Variant'), delta, {
      reason,
      actorUserId: c.var.auth?.user.id ?? null,
      idempotencyKey: c.req.valid('header')['idempotency-key'] ?? null,
    });
    // Stock moves the in-stock facet and boost.
    if (!result.replayed) await c.var.services.catalogEvents.variantChanged(c.var.store.id, c.var.store.schema_name, result.variantId);
    return c.json(result, 201);
  });
  app.openapi(history, async (c) => {
    const t = tenantOf(c);
    const variantId = uuidParam(c, 'variantId', 'Variant');
    return c.json({ data: await new InventoryService(t).history(variantId) }, 200);
  });
}
