import { createRoute, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import { pricingRunJob } from '@storeloom/jobs';
import { PricingService } from '@storeloom/planning';
import type { Context } from 'hono';
import type { AppEnv } from '../context.ts';
import { requireAuth, requirePermission, storeAccess, tenantOf, uuidParam } from '../guards.ts';
import { errorResponses, IdempotencyHeader, jsonBody, jsonResponse, Money, StoreIdParam } from '../schemas.ts';
import { registerPlanningRunRoutes } from '../planning-jobs.ts';
import type { Api } from '../context.ts';
import { idempotent } from '../idempotency.ts';

const SettingsParams = StoreIdParam.extend({ settingsId: z.string() });
const ChangeParams = StoreIdParam.extend({ changeId: z.string() });
const ProductParams = StoreIdParam.extend({ productId: z.string() });

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD');
const Guardrails = z.object({
  enabled: z.boolean().optional().openapi({ description: 'Opt-in switch (default true)' }),
  mode: z.enum(['suggest', 'auto']).optional().openapi({ description: 'suggest: changes wait for approval; auto: applied by the nightly run' }),
  floor: Money,
  ceiling: Money,
  pricePoints: z.array(Money.min(1)).max(50).nullable().optional().openapi({ description: 'Allowed prices; otherwise a grid between floor and ceiling' }),
  step: z.number().int().min(1).max(1_000_000).nullable().optional().openapi({ description: 'Price grid spacing in minor units' }),
  maxChangePerDay: Money.nullable().optional().openapi({ description: 'Largest move from the price at the start of the day' }),
  targetUnits: z.number().int().min(1).max(100_000_000).nullable().optional().openapi({ description: 'Sell this many units…' }),
  targetDate: Day.nullable().optional().openapi({ description: '…by this day' }),
});
const SettingsCreate = Guardrails.extend({ productId: z.string().uuid().optional(), collectionId: z.string().uuid().optional() });
const SettingsUpdate = Guardrails.extend({
  version: z.number().int().min(1),
  resume: z.boolean().optional().openapi({ description: 'Clear a pause (after fixing what the data check reported)' }),
});

const SettingsSchema = z
  .object({
    id: z.string(),
    productId: z.string().nullable(),
    collectionId: z.string().nullable(),
    enabled: z.boolean(),
    mode: z.enum(['suggest', 'auto']),
    floor: z.number().int(),
    ceiling: z.number().int(),
    pricePoints: z.array(z.number().int()).nullable(),
    step: z.number().int().nullable(),
    maxChangePerDay: z.number().int().nullable(),
    targetUnits: z.number().int().nullable(),
    targetDate: z.string().nullable(),
    paused: z.boolean(),
    pausedReason: z.string().nullable(),
    pausedAt: z.string().nullable(),
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('PricingSettings');

const ChangeSchema = z
  .object({
    id: z.string(),
    variantId: z.string(),
    productId: z.string(),
    oldPrice: z.number().int(),
    newPrice: z.number().int(),
    reason: z.string(),
    inputs: z
      .record(z.string(), z.unknown())
      .openapi({ description: "The policy's inputs: candidate prices, observed days and units, posterior means, stock and horizon, guardrails" }),
    expectedRevenuePerDay: z.number().int().nullable(),
    status: z.enum(['suggested', 'applied', 'rejected', 'rolled_back']),
    source: z.enum(['policy', 'rollback']),
    rollbackOf: z.string().nullable(),
    decidedBy: z.string().nullable(),
    decidedAt: z.string().nullable(),
    appliedAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('PriceChange');

const HistorySchema = z
  .object({
    productId: z.string(),
    variants: z.array(
      z.object({
        variantId: z.string(),
        title: z.string(),
        currentPrice: z.number().int(),
        daily: z.array(z.object({ day: z.string(), units: z.number().int(), revenue: z.number().int(), avgPriceShown: z.number().int() })),
        changes: z.array(ChangeSchema),
      }),
    ),
  })
  .openapi('PriceHistory');

const ExpectedRevenueSchema = z
  .object({
    productId: z.string(),
    variants: z.array(
      z.object({
        variantId: z.string(),
        title: z.string(),
        currentPrice: z.number().int(),
        learned: z.boolean(),
        prices: z.array(
          z.object({
            price: z.number().int(),
            daysObserved: z.number(),
            unitsSold: z.number(),
            expectedUnitsPerDay: z.number(),
            expectedRevenuePerDay: z.number().int().nullable(),
          }),
        ),
        atCurrentPrice: z.number().int().nullable(),
        suggestedPrice: z.number().int().nullable(),
        atSuggestedPrice: z.number().int().nullable(),
        planPerDay: z.number().int().nullable(),
      }),
    ),
  })
  .openapi('ExpectedRevenue');

const listSettings = createRoute({
  operationId: 'listPricingSettings',
  method: 'get',
  path: '/stores/{storeId}/pricing/settings',
  tags: ['pricing'],
  summary: 'Dynamic pricing settings (per product or collection)',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam },
  responses: { 200: jsonResponse(z.object({ data: z.array(SettingsSchema) }), 'Settings'), ...errorResponses(401, 403, 404) },
});
const createSettings = createRoute({
  operationId: 'createPricingSettings',
  method: 'post',
  path: '/stores/{storeId}/pricing/settings',
  tags: ['pricing'],
  summary: 'Opt a product or collection in, with guardrails',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam, headers: IdempotencyHeader, body: jsonBody(SettingsCreate) },
  responses: { 201: jsonResponse(SettingsSchema, 'Created'), ...errorResponses(400, 401, 403, 404, 409) },
});
const getSettings = createRoute({
  operationId: 'getPricingSettings',
  method: 'get',
  path: '/stores/{storeId}/pricing/settings/{settingsId}',
  tags: ['pricing'],
  summary: 'One settings row',
  middleware: [storeAccess] as const,
  request: { params: SettingsParams },
  responses: { 200: jsonResponse(SettingsSchema, 'Settings'), ...errorResponses(401, 403, 404) },
});
const updateSettings = createRoute({
  operationId: 'updatePricingSettings',
  method: 'put',
  path: '/stores/{storeId}/pricing/settings/{settingsId}',
  tags: ['pricing'],
  summary: 'Replace guardrails (optimistic concurrency on `version`)',
  middleware: [storeAccess] as const,
  request: { params: SettingsParams, body: jsonBody(SettingsUpdate) },
  responses: { 200: jsonResponse(SettingsSchema, 'Updated'), ...errorResponses(400, 401, 403, 404, 409) },
});
const deleteSettings = createRoute({
  operationId: 'deletePricingSettings',
  method: 'delete',
  path: '/stores/{storeId}/pricing/settings/{settingsId}',
  tags: ['pricing'],
  summary: 'Opt out (prices stay as they are)',
  middleware: [storeAccess] as const,
  request: { params: SettingsParams },
  responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404) },
});
const listChanges = createRoute({
  operationId: 'listPriceChanges',
  method: 'get',
  path: '/stores/{storeId}/pricing/changes',
  tags: ['pricing'],
  summary: 'Price changes: suggestions waiting for approval and the audit log',
  middleware: [storeAccess] as const,
  request: {
    params: StoreIdParam,
    query: z.object({
      status: z.enum(['suggested', 'applied', 'rejected', 'rolled_back']).optional(),
      productId: z.string().uuid().optional(),
      variantId: z.string().uuid().optional(),
      limit: z.coerce.number().int().min(1).max(500).default(100),
    }),
  },
  responses: { 200: jsonResponse(z.object({ data: z.array(ChangeSchema) }), 'Changes, newest first'), ...errorResponses(400, 401, 403, 404) },
});
const decide = (action: 'approve' | 'reject' | 'rollback', summary: string) =>
  createRoute({
    operationId: `${action}PriceChange`,
    method: 'post',
    path: `/stores/{storeId}/pricing/changes/{changeId}/${action}`,
    tags: ['pricing'],
    summary,
    middleware: [storeAccess] as const,
    request: { params: ChangeParams },
    responses: { 200: jsonResponse(ChangeSchema, action === 'rollback' ? 'The rollback change' : 'The change'), ...errorResponses(401, 403, 404, 409) },
  });
const approve = decide('approve', 'Apply a suggested price (through the normal variant price update)');
const reject = decide('reject', 'Reject a suggested price');
const rollback = decide('rollback', 'Restore the price before an applied change');
const history = createRoute({
  operationId: 'getPriceHistory',
  method: 'get',
  path: '/stores/{storeId}/pricing/products/{productId}/history',
  tags: ['pricing'],
  summary: 'Daily sales at the prices shown and every price change (for the chart)',
  middleware: [storeAccess] as const,
  request: { params: ProductParams, query: z.object({ days: z.coerce.number().int().min(1).max(730).default(90) }) },
  responses: { 200: jsonResponse(HistorySchema, 'History'), ...errorResponses(400, 401, 403, 404) },
});
const expected = createRoute({
  operationId: 'getExpectedRevenue',
  method: 'get',
  path: '/stores/{storeId}/pricing/products/{productId}/expected-revenue',
  tags: ['pricing'],
  summary: "Expected revenue per day from the policy's posterior",
  middleware: [storeAccess] as const,
  request: { params: ProductParams },
  responses: { 200: jsonResponse(ExpectedRevenueSchema, 'Expected revenue'), ...errorResponses(401, 403, 404) },
});

function service(c: Context<AppEnv>) {
  tenantOf(c);
  const store = c.var.store;
  return new PricingService({ db: c.var.services.db, storeId: store.id, schemaName: store.schema_name });
}

export function registerPricingRoutes(app: Api) {
  app.openapi(listSettings, async (c) => {
    requirePermission(c, Permission.ReadPlanning);
    return c.json({ data: await service(c).settings.list() }, 200);
  });
  app.openapi(createSettings, async (c) => {
    requirePermission(c, Permission.ManagePlanning);
    const auth = requireAuth(c);
    const body = c.req.valid('json');
    const s = service(c);
    return idempotent(c, auth.user.id, body, async () => ({ status: 201, body: await s.settings.create(body, auth.user.id) }));
  });
  app.openapi(getSettings, async (c) => {
    requirePermission(c, Permission.ReadPlanning);
    return c.json(await service(c).settings.get(uuidParam(c, 'settingsId', 'Pricing settings')), 200);
  });
  app.openapi(updateSettings, async (c) => {
    requirePermission(c, Permission.ManagePlanning);
    const auth = requireAuth(c);
    return c.json(await service(c).settings.update(uuidParam(c, 'settingsId', 'Pricing settings'), c.req.valid('json'), auth.user.id), 200);
  });
  app.openapi(deleteSettings, async (c) => {
    requirePermission(c, Permission.ManagePlanning);
    const auth = requireAuth(c);
    await service(c).settings.delete(uuidParam(c, 'settingsId', 'Pricing settings'), auth.user.id);
    return c.body(null, 204);
  });
  app.openapi(listChanges, async (c) => {
    requirePermission(c, Permission.ReadPlanning);
    return c.json({ data: await service(c).changes.list(c.req.valid('query')) }, 200);
  });
  app.openapi(approve, async (c) => {
    requirePermission(c, Permission.ManagePlanning);
    return c.json(await service(c).changes.approve(uuidParam(c, 'changeId', 'Price change'), requireAuth(c).user.id), 200);
  });
  app.openapi(reject, async (c) => {
    requirePermission(c, Permission.ManagePlanning);
    return c.json(await service(c).changes.reject(uuidParam(c, 'changeId', 'Price change'), requireAuth(c).user.id), 200);
  });
  app.openapi(rollback, async (c) => {
    requirePermission(c, Permission.ManagePlanning);
    return c.json(await service(c).changes.rollback(uuidParam(c, 'changeId', 'Price change'), requireAuth(c).user.id), 200);
  });
  app.openapi(history, async (c) => {
    requirePermission(c, Permission.ReadPlanning);
    return c.json(await service(c).revenue.history(uuidParam(c, 'productId', 'Product'), c.req.valid('query').days), 200);
  });
  app.openapi(expected, async (c) => {
    requirePermission(c, Permission.ReadPlanning);
    return c.json(await service(c).revenue.expectedRevenue(uuidParam(c, 'productId', 'Product')), 200);
  });
  registerPlanningRunRoutes(app, {
    job: pricingRunJob,
    path: '/stores/{storeId}/pricing',
    tag: 'pricing',
    idParam: 'runId',
    start: { operationId: 'startPricingRun', summary: 'Run the pricing policy now (normally nightly)' },
    status: { operationId: 'getPricingRun', summary: 'Progress of a pricing run' },
  });
}
