import { createRoute, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import { inventoryRunJob } from '@storeloom/jobs';
import { InventoryPlanningService } from '@storeloom/planning';
import type { Context } from 'hono';
import type { AppEnv } from '../context.ts';
import { requireAuth, requirePermission, storeAccess, tenantOf, uuidParam } from '../guards.ts';
import { errorResponses, IdempotencyHeader, jsonBody, jsonResponse, StoreIdParam } from '../schemas.ts';
import { registerPlanningRunRoutes } from '../planning-jobs.ts';
import type { Api } from '../context.ts';
import { idempotent } from '../idempotency.ts';

const SupplierParams = StoreIdParam.extend({ supplierId: z.string() });
const VariantParams = StoreIdParam.extend({ variantId: z.string() });

const LeadTime = z.number().int().min(0).max(365);
const SupplierFields = z.object({
  name: z.string().trim().min(1).max(255),
  email: z.string().trim().email().max(320).nullable().optional(),
  leadTimeDays: LeadTime.optional(),
});
const SupplierSchema = z
  .object({ id: z.string(), name: z.string(), email: z.string().nullable(), leadTimeDays: z.number().int(), createdAt: z.string(), updatedAt: z.string() })
  .openapi('Supplier');
const PolicyFields = z.object({
  supplierId: z.string().uuid().nullable().optional(),
  leadTimeDays: LeadTime.nullable().optional().openapi({ description: "Overrides the supplier's lead time" }),
  serviceLevel: z.number().gt(0).lt(1).optional().openapi({ description: 'Target fill rate, e.g. 0.95' }),
  reviewPeriodDays: z.number().int().min(1).max(90).optional(),
  enabled: z.boolean().optional(),
});
const PolicySchema = z
  .object({
    variantId: z.string(),
    sku: z.string().nullable(),
    productTitle: z.string(),
    variantTitle: z.string(),
    onHand: z.number().int(),
    supplierId: z.string().nullable(),
    leadTimeDays: z.number().int().nullable(),
    effectiveLeadTimeDays: z.number().int(),
    serviceLevel: z.number(),
    reviewPeriodDays: z.number().int(),
    enabled: z.boolean(),
    custom: z.boolean(),
    plan: z
      .object({
        onHand: z.number().int(),
        reorderPoint: z.number(),
        orderUpTo: z.number(),
        suggestedQuantity: z.number().int(),
        leadTimeDays: z.number().int(),
        serviceLevel: z.number(),
        method: z.string(),
        low: z.boolean(),
        forecast: z.array(z.object({ date: z.string(), open: z.boolean(), mean: z.number(), lower: z.number(), upper: z.number() })),
        computedAt: z.string(),
      })
      .nullable()
      .openapi({
        description: 'The latest plan of the inventory run (daily forecast with 80% interval, reorder point, order-up-to); null before the first run',
      }),
  })
  .openapi('InventoryPolicy');
const Interval = z.object({ mean: z.number(), lower: z.number(), upper: z.number() });
const ForecastSchema = z
  .object({
    variantId: z.string(),
    method: z.string(),
    days: z.array(z.object({ date: z.string(), open: z.boolean(), mean: z.number(), median: z.number(), lower: z.number(), upper: z.number() })),
    protectionDays: z.number().int(),
    protectionDemand: Interval.openapi({ description: 'Demand over lead time + review period, with its 80% interval' }),
    reorderPoint: z.number(),
    orderUpTo: z.number(),
    suggestedQuantity: z.number().int(),
    onHand: z.number().int(),
    leadTimeDays: z.number().int(),
    reasons: z.array(z.string()),
  })
  .openapi('DemandForecast');
const PurchaseOrderSchema = z
  .object({
    supplierId: z.string().nullable(),
    supplierName: z.string().nullable(),
    supplierEmail: z.string().nullable(),
    totalUnits: z.number().int(),
    lines: z.array(
      z.object({
        variantId: z.string(),
        sku: z.string().nullable(),
        productTitle: z.string(),
        variantTitle: z.string(),
        onHand: z.number().int(),
        reorderPoint: z.number(),
        orderUpTo: z.number(),
        quantity: z.number().int(),
        leadTimeDays: z.number().int(),
        computedAt: z.string(),
      }),
    ),
  })
  .openapi('SuggestedPurchaseOrder');
const AlertSchema = z
  .object({
    id: z.string(),
    variantId: z.string(),
    sku: z.string().nullable(),
    productTitle: z.string(),
    variantTitle: z.string(),
    onHand: z.number().int(),
    reorderPoint: z.number(),
    suggestedQuantity: z.number().int(),
    webhookStatus: z.enum(['none', 'pending', 'delivered', 'failed']),
    webhookAttempts: z.number().int(),
    webhookLastError: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('LowStockAlert');
const WebhookSchema = z
  .object({
    url: z.string(),
    secret: z.string().openapi({ description: 'Signing secret: verify `Storeloom-Signature: t=…,v1=HMAC-SHA256(secret, "t.body")`' }),
    enabled: z.boolean(),
    updatedAt: z.string(),
  })
  .openapi('AlertWebhook');

const base = '/stores/{storeId}/inventory-planning';

const listSuppliers = createRoute({
  operationId: 'listSuppliers',
  method: 'get',
  path: `${base}/suppliers`,
  tags: ['inventory-planning'],
  summary: 'Suppliers',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam },
  responses: { 200: jsonResponse(z.object({ data: z.array(SupplierSchema) }), 'Suppliers'), ...errorResponses(401, 403, 404) },
});
const createSupplier = createRoute({
  operationId: 'createSupplier',
  method: 'post',
  path: `${base}/suppliers`,
  tags: ['inventory-planning'],
  summary: 'Add a supplier',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam, headers: IdempotencyHeader, body: jsonBody(SupplierFields) },
  responses: { 201: jsonResponse(SupplierSchema, 'Created'), ...errorResponses(400, 401, 403, 404) },
});
const updateSupplier = createRoute({
  operationId: 'updateSupplier',
  method: 'patch',
  path: `${base}/suppliers/{supplierId}`,
  tags: ['inventory-planning'],
  summary: 'Update a supplier',
  middleware: [storeAccess] as const,
  request: { params: SupplierParams, body: jsonBody(SupplierFields.partial()) },
  responses: { 200: jsonResponse(SupplierSchema, 'Updated'), ...errorResponses(400, 401, 403, 404) },
});
const deleteSupplier = createRoute({
  operationId: 'deleteSupplier',
  method: 'delete',
  path: `${base}/suppliers/{supplierId}`,
  tags: ['inventory-planning'],
  summary: 'Delete a supplier (its variants keep their policies without it)',
  middleware: [storeAccess] as const,
  request: { params: SupplierParams },
  responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404) },
});
const listPolicies = createRoute({
  operationId: 'listInventoryPolicies',
  method: 'get',
  path: `${base}/policies`,
  tags: ['inventory-planning'],
  summary: 'Inventory policy of every variant (defaults where none is set)',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam },
  responses: { 200: jsonResponse(z.object({ data: z.array(PolicySchema) }), 'Policies'), ...errorResponses(401, 403, 404) },
});
const setPolicy = createRoute({
  operationId: 'setInventoryPolicy',
  method: 'put',
  path: `${base}/policies/{variantId}`,
  tags: ['inventory-planning'],
  summary: 'Set lead time, supplier, service level and review period of a variant',
  middleware: [storeAccess] as const,
  request: { params: VariantParams, body: jsonBody(PolicyFields) },
  responses: { 200: jsonResponse(PolicySchema, 'Policy'), ...errorResponses(400, 401, 403, 404) },
});
const forecast = createRoute({
  operationId: 'getInventoryForecast',
  method: 'get',
  path: `${base}/variants/{variantId}/forecast`,
  tags: ['inventory-planning'],
  summary: 'Daily demand forecast with 80% intervals, reorder point and order-up-to level',
  middleware: [storeAccess] as const,
  request: { params: VariantParams },
  responses: { 200: jsonResponse(ForecastSchema, 'Forecast'), ...errorResponses(401, 403, 404) },
});
const purchaseOrders = createRoute({
  operationId: 'listSuggestedPurchaseOrders',
  method: 'get',
  path: `${base}/purchase-orders`,
  tags: ['inventory-planning'],
  summary: 'Suggested purchase orders, grouped by supplier (from the last inventory run)',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam },
  responses: { 200: jsonResponse(z.object({ data: z.array(PurchaseOrderSchema) }), 'Suggestions'), ...errorResponses(401, 403, 404) },
});
const alerts = createRoute({
  operationId: 'listLowStockAlerts',
  method: 'get',
  path: `${base}/alerts`,
  tags: ['inventory-planning'],
  summary: 'Low-stock alerts, newest first',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam, query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }) },
  responses: { 200: jsonResponse(z.object({ data: z.array(AlertSchema) }), 'Alerts'), ...errorResponses(400, 401, 403, 404) },
});
const getWebhook = createRoute({
  operationId: 'getInventoryWebhook',
  method: 'get',
  path: `${base}/webhook`,
  tags: ['inventory-planning'],
  summary: 'Alert webhook settings (with the signing secret)',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam },
  responses: { 200: jsonResponse(z.object({ webhook: WebhookSchema.nullable() }), 'Settings'), ...errorResponses(401, 403, 404) },
});
const putWebhook = createRoute({
  operationId: 'setInventoryWebhook',
  method: 'put',
  path: `${base}/webhook`,
  tags: ['inventory-planning'],
  summary: 'Set the alert webhook URL (a signing secret is generated once)',
  description:
    'The URL must be https and its host must resolve to public addresses only (loopback, private, link-local, CGNAT, multicast, ULA and similar are refused with 422 `url_not_allowed`; checked again at every delivery). Redirects are not followed.',
  middleware: [storeAccess] as const,
  request: {
    params: StoreIdParam,
    body: jsonBody(z.object({ url: z.string().trim().url().max(2000), enabled: z.boolean().optional(), rotateSecret: z.boolean().optional() })),
  },
  responses: { 200: jsonResponse(z.object({ webhook: WebhookSchema }), 'Saved'), ...errorResponses(400, 401, 403, 404, 422) },
});
const deleteWebhook = createRoute({
  operationId: 'deleteInventoryWebhook',
  method: 'delete',
  path: `${base}/webhook`,
  tags: ['inventory-planning'],
  summary: 'Remove the alert webhook',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam },
  responses: { 204: { description: 'Removed' }, ...errorResponses(401, 403, 404) },
});
const testWebhook = createRoute({
  operationId: 'testInventoryWebhook',
  method: 'post',
  path: `${base}/webhook/test`,
  tags: ['inventory-planning'],
  summary: 'Send one signed test event now',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam },
  responses: {
    200: jsonResponse(z.object({ ok: z.boolean(), status: z.number().int().nullable(), error: z.string().nullable() }), 'Delivery result'),
    ...errorResponses(401, 403, 404, 409),
  },
});

function service(c: Context<AppEnv>) {
  tenantOf(c);
  const store = c.var.store;
  return new InventoryPlanningService({
    db: c.var.services.db,
    storeId: store.id,
    schemaName: store.schema_name,
    egress: c.var.services.config.webhookEgress,
    secrets: c.var.services.secrets,
  });
}

export function registerInventoryPlanningRoutes(app: Api) {
  app.openapi(listSuppliers, async (c) => {
    requirePermission(c, Permission.ReadPlanning);
    return c.json({ data: await service(c).listSuppliers() }, 200);
  });
  app.openapi(createSupplier, async (c) => {
    requirePermission(c, Permission.ManagePlanning);
    const auth = requireAuth(c);
    const body = c.req.valid('json');
    const s = service(c);
    return idempotent(c, auth.user.id, body, async () => ({ status: 201, body: await s.createSupplier(body) }));
  });
  app.openapi(updateSupplier, async (c) => {
    requirePermission(c, Permission.ManagePlanning);
    return c.json(await service(c).updateSupplier(uuidParam(c, 'supplierId', 'Supplier'), c.req.valid('json')), 200);
  });
  app.openapi(deleteSupplier, async (c) => {
    requirePermission(c, Permission.ManagePlanning);
    await service(c).deleteSupplier(uuidParam(c, 'supplierId', 'Supplier'));
    return c.body(null, 204);
  });
  app.openapi(listPolicies, async (c) => {
    requirePermission(c, Permission.ReadPlanning);
    return c.json({ data: await service(c).listPolicies() }, 200);
  });
  app.openapi(setPolicy, async (c) => {
    requirePermission(c, Permission.ManagePlanning);
    return c.json(await service(c).setPolicy(uuidParam(c, 'variantId', 'Variant'), c.req.valid('json')), 200);
  });
  app.openapi(forecast, async (c) => {
    requirePermission(c, Permission.ReadPlanning);
    return c.json(await service(c).forecast(uuidParam(c, 'variantId', 'Variant')), 200);
  });
  app.openapi(purchaseOrders, async (c) => {
    requirePermission(c, Permission.ReadPlanning);
    return c.json({ data: await service(c).suggestedPurchaseOrders() }, 200);
  });
  app.openapi(alerts, async (c) => {
    requirePermission(c, Permission.ReadPlanning);
    return c.json({ data: await service(c).listAlerts(c.req.valid('query').limit) }, 200);
  });
  app.openapi(getWebhook, async (c) => {
    // The secret signs alerts: only those who may change the settings see it.
    requirePermission(c, Permission.ManagePlanning);
    return c.json({ webhook: await service(c).getWebhook() }, 200);
  });
  app.openapi(putWebhook, async (c) => {
    requirePermission(c, Permission.ManagePlanning);
    return c.json({ webhook: await service(c).setWebhook(c.req.valid('json')) }, 200);
  });
  app.openapi(deleteWebhook, async (c) => {
    requirePermission(c, Permission.ManagePlanning);
    await service(c).deleteWebhook();
    return c.body(null, 204);
  });
  app.openapi(testWebhook, async (c) => {
    requirePermission(c, Permission.ManagePlanning);
    return c.json(await service(c).sendTestWebhook(), 200);
  });
  registerPlanningRunRoutes(app, {
    job: inventoryRunJob,
    path: base,
    tag: 'inventory-planning',
    idParam: 'inventoryRunId',
    start: { operationId: 'startInventoryRun', summary: 'Recompute forecasts and reorder suggestions now (normally nightly)' },
    status: { operationId: 'getInventoryRun', summary: 'Progress of an inventory run' },
  });
}
