/** Merchant discounts API: `/api/v1/stores/:storeId/discounts` (issue 18 contract). */
import { createRoute, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import { DiscountService } from '@storeloom/commerce';
import { requirePermission, storeAccess, tenantOf, uuidParam } from '../guards.ts';
import { errorResponses, jsonBody, jsonResponse, StoreIdParam } from '../schemas.ts';
import type { Api } from '../context.ts';

const Ids = z.array(z.string().uuid()).max(500);
const CombinesWithSchema = z.object({
  orderDiscounts: z.boolean().optional(),
  productDiscounts: z.boolean().optional(),
  shippingDiscounts: z.boolean().optional(),
});
const BuyXGetYSchema = z.object({
  buyQuantity: z.number().int().min(1).max(1000),
  buyProductIds: Ids.optional(),
  buyCollectionIds: Ids.optional(),
  getQuantity: z.number().int().min(1).max(1000),
  getProductIds: Ids.optional(),
  getCollectionIds: Ids.optional(),
  getPercent: z.number().int().min(1).max(100),
});
const DiscountKindSchema = z.enum(['percentage', 'fixed_amount', 'free_shipping', 'buy_x_get_y']);
const Instant = z.string().datetime({ offset: true });

const DiscountCreateSchema = z
  .object({
    title: z.string().trim().min(1).max(200),
    code: z.string().trim().min(1).max(64).nullable().optional().openapi({ description: 'Case-insensitive, unique per store; omit when automatic' }),
    automatic: z.boolean().optional(),
    kind: DiscountKindSchema,
    value: z.number().int().min(0).max(1_000_000_000).optional().openapi({ description: 'Percent for percentage, minor units for fixed_amount' }),
    appliesTo: z.object({ productIds: Ids.optional(), collectionIds: Ids.optional() }).nullable().optional(),
    minSubtotal: z.number().int().min(0).max(1_000_000_000).nullable().optional(),
    usageLimit: z.number().int().min(1).max(100_000_000).nullable().optional(),
    oncePerCustomer: z.boolean().optional(),
    startsAt: Instant.nullable().optional(),
    endsAt: Instant.nullable().optional(),
    combinesWith: CombinesWithSchema.optional(),
    buyXGetY: BuyXGetYSchema.nullable().optional(),
    active: z.boolean().optional(),
  })
  .openapi('DiscountInput');
const DiscountPatchSchema = DiscountCreateSchema.partial().openapi('DiscountPatch');

const DiscountSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    code: z.string().nullable(),
    automatic: z.boolean(),
    kind: DiscountKindSchema,
    value: z.number().int(),
    appliesTo: z.object({ productIds: z.array(z.string()), collectionIds: z.array(z.string()) }).nullable(),
    minSubtotal: z.number().int().nullable(),
    usageLimit: z.number().int().nullable(),
    usedCount: z.number().int(),
    oncePerCustomer: z.boolean(),
    startsAt: z.string().nullable(),
    endsAt: z.string().nullable(),
    combinesWith: z.object({ orderDiscounts: z.boolean(), productDiscounts: z.boolean(), shippingDiscounts: z.boolean() }),
    buyXGetY: z
      .object({
        buyQuantity: z.number().int(),
        buyProductIds: z.array(z.string()).nullable().optional(),
        buyCollectionIds: z.array(z.string()).nullable().optional(),
        getQuantity: z.number().int(),
        getProductIds: z.array(z.string()).nullable().optional(),
        getCollectionIds: z.array(z.string()).nullable().optional(),
        getPercent: z.number().int(),
      })
      .nullable(),
    active: z.boolean(),
    status: z.enum(['scheduled', 'active', 'expired', 'inactive', 'used_up']),
    orders: z.number().int().openapi({ description: 'Paid orders that used the discount' }),
    revenue: z.number().int().openapi({ description: 'What those orders paid, net of refunds (minor units)' }),
    discountedAmount: z.number().int().openapi({ description: 'Total taken off by this discount on live orders' }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Discount');

const Params = StoreIdParam.extend({ discountId: z.string() });

const create = createRoute({
  method: 'post',
  path: '/stores/{storeId}/discounts',
  operationId: 'createDiscount',
  tags: ['discounts'],
  summary: 'Create a discount (code or automatic)',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam, body: jsonBody(DiscountCreateSchema) },
  responses: { 201: jsonResponse(DiscountSchema, 'Created'), ...errorResponses(400, 401, 403, 404, 409) },
});

const list = createRoute({
  method: 'get',
  path: '/stores/{storeId}/discounts',
  operationId: 'listDiscounts',
  tags: ['discounts'],
  summary: 'Discounts, newest first, with status, uses and revenue',
  middleware: [storeAccess] as const,
  request: {
    params: StoreIdParam,
    query: z.object({
      status: z.enum(['scheduled', 'active', 'expired', 'inactive', 'used_up']).optional(),
      q: z.string().max(100).optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
      cursor: z.string().uuid().optional(),
    }),
  },
  responses: {
    200: jsonResponse(z.object({ items: z.array(DiscountSchema), nextCursor: z.string().nullable() }).openapi('DiscountPage'), 'Page'),
    ...errorResponses(400, 401, 403, 404),
  },
});

const get = createRoute({
  method: 'get',
  path: '/stores/{storeId}/discounts/{discountId}',
  operationId: 'getDiscount',
  tags: ['discounts'],
  summary: 'One discount',
  middleware: [storeAccess] as const,
  request: { params: Params },
  responses: { 200: jsonResponse(DiscountSchema, 'The discount'), ...errorResponses(401, 403, 404) },
});

const patch = createRoute({
  method: 'patch',
  path: '/stores/{storeId}/discounts/{discountId}',
  operationId: 'updateDiscount',
  tags: ['discounts'],
  summary: 'Change a discount (active: false deactivates it)',
  middleware: [storeAccess] as const,
  request: { params: Params, body: jsonBody(DiscountPatchSchema) },
  responses: { 200: jsonResponse(DiscountSchema, 'Updated'), ...errorResponses(400, 401, 403, 404, 409) },
});

const remove = createRoute({
  method: 'delete',
  path: '/stores/{storeId}/discounts/{discountId}',
  operationId: 'deleteDiscount',
  tags: ['discounts'],
  summary: 'Delete a discount (orders keep their discount lines)',
  middleware: [storeAccess] as const,
  request: { params: Params },
  responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404) },
});

export function registerDiscountRoutes(app: Api) {
  app.openapi(create, async (c) => {
    requirePermission(c, Permission.ManageDiscounts);
    const view = await new DiscountService(tenantOf(c)).create(c.req.valid('json'));
    return c.json(view, 201);
  });
  app.openapi(list, async (c) => {
    requirePermission(c, Permission.ReadOrders);
    const q = c.req.valid('query');
    return c.json(await new DiscountService(tenantOf(c)).list(q), 200);
  });
  app.openapi(get, async (c) => {
    requirePermission(c, Permission.ReadOrders);
    return c.json(await new DiscountService(tenantOf(c)).getOrThrow(uuidParam(c, 'discountId', 'Discount')), 200);
  });
  app.openapi(patch, async (c) => {
    requirePermission(c, Permission.ManageDiscounts);
    const view = await new DiscountService(tenantOf(c)).update(uuidParam(c, 'discountId', 'Discount'), c.req.valid('json'));
    return c.json(view, 200);
  });
  app.openapi(remove, async (c) => {
    requirePermission(c, Permission.ManageDiscounts);
    await new DiscountService(tenantOf(c)).delete(uuidParam(c, 'discountId', 'Discount'));
    return c.body(null, 204);
  });
}
