import { createRoute, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import { AppError, ErrorCode } from '@storeloom/errors';
import { trainRecommendationsJob } from '@storeloom/jobs';
import { clearActiveVersionCache, RecommendationService } from '@storeloom/reco/store';
import type { Context } from 'hono';
import { randomUUID } from 'node:crypto';
import type { AppEnv } from '../context.ts';
import { requirePermission, storeAccess, tenantOf, uuidParam } from '../guards.ts';
import { errorResponses, jsonResponse, QueuedJobSchema, StoreIdParam } from '../schemas.ts';
import type { Api } from '../context.ts';

const RecoEntrySchema = z
  .object({
    productId: z.string(),
    title: z.string().nullable().openapi({ description: 'null when the product has been deleted since training' }),
    status: z.string().nullable(),
    image: z.string().nullable().openapi({ description: 'The product’s first image (for previews)' }),
    score: z.number(),
    source: z
      .string()
      .openapi({ description: 'Strongest signal: cf (bought together / item model), content (similar text), history (the customer’s own purchases), popular' }),
  })
  .openapi('RecommendationEntry');
const ProductPreviewSchema = z
  .object({ productId: z.string(), modelVersion: z.number().int().nullable(), items: z.array(RecoEntrySchema) })
  .openapi('ProductRecommendationPreview');
const CustomerPreviewSchema = z
  .object({
    customerId: z.string().nullable(),
    modelVersion: z.number().int().nullable(),
    forYou: z.array(RecoEntrySchema),
    discover: z.array(RecoEntrySchema),
    customers: z.array(z.string()).openapi({ description: 'Without customerId: customers who have a precomputed list (for a picker)' }),
  })
  .openapi('CustomerRecommendationPreview');
const TrainingRunSchema = z
  .object({
    version: z.number().int(),
    status: z.enum(['running', 'succeeded', 'failed']),
    trigger: z.enum(['schedule', 'manual']),
    active: z.boolean(),
    jobId: z.string().nullable(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    stats: z.record(z.string(), z.unknown()).openapi({ description: 'Duration, peak memory, data size (orders, shoppers, products, interactions)' }),
    metrics: z.record(z.string(), z.unknown()).openapi({ description: 'Offline metrics on an internal 28-day holdout, beside popularity' }),
    error: z.string().nullable(),
    progress: z
      .object({ percent: z.number(), phase: z.string().nullable() })
      .nullable()
      .openapi({ description: 'While running: the training job’s progress (phases loading → preparing → holdout → fitting → scoring → writing)' }),
  })
  .openapi('TrainingRun');

const productPreview = createRoute({
  operationId: 'previewProductRecommendations',
  method: 'get',
  path: '/stores/{storeId}/recommendations/products/{productId}',
  tags: ['recommendations'],
  summary: 'Preview a product’s “customers also bought” list under the active model (unfiltered, with scores and sources)',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam.extend({ productId: z.string() }), query: z.object({ limit: z.coerce.number().int().min(1).max(50).default(20) }) },
  responses: { 200: jsonResponse(ProductPreviewSchema, 'The list'), ...errorResponses(401, 404) },
});
const customerPreview = createRoute({
  operationId: 'previewCustomerRecommendations',
  method: 'get',
  path: '/stores/{storeId}/recommendations/customers',
  'x-token-scope': 'read_customers',
  tags: ['recommendations'],
  summary: 'Preview a customer’s precomputed lists (“for you” with re-buys, “discover” without); without customerId, lists customers who have one',
  middleware: [storeAccess] as const,
  request: {
    params: StoreIdParam,
    query: z.object({ customerId: z.string().trim().min(1).max(128).optional(), limit: z.coerce.number().int().min(1).max(50).default(20) }),
  },
  responses: { 200: jsonResponse(CustomerPreviewSchema, 'The lists'), ...errorResponses(400, 401, 404) },
});
const runs = createRoute({
  operationId: 'listTrainingRuns',
  method: 'get',
  path: '/stores/{storeId}/recommendations/training-runs',
  tags: ['recommendations'],
  summary: 'Recent training runs (newest first): time, data size, offline metrics, which model is live',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam, query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }) },
  responses: { 200: jsonResponse(z.object({ data: z.array(TrainingRunSchema) }), 'Runs'), ...errorResponses(401, 404) },
});
const train = createRoute({
  operationId: 'startTrainingRun',
  method: 'post',
  path: '/stores/{storeId}/recommendations/training-runs',
  tags: ['recommendations'],
  summary: 'Train the store’s recommendations now (background job; the new model goes live only if training succeeds)',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam },
  responses: { 202: jsonResponse(QueuedJobSchema, 'Queued (or the training already queued or running)'), ...errorResponses(401, 403, 404, 409) },
});

/** A running training job's progress as the worker reports it (`{ percent, phase }`); null when it is not running or unknown. */
async function trainingProgress(c: Context<AppEnv>, status: string, jobId: string | null) {
  if (status !== 'running' || !jobId) return null;
  const job = await c.var.services.queues.getJob('reco', jobId).catch(() => undefined);
  const p = job?.progress as unknown;
  if (typeof p === 'number') return { percent: p, phase: null };
  if (p && typeof p === 'object' && typeof (p as { percent?: unknown }).percent === 'number') {
    const phase = (p as { phase?: unknown }).phase;
    return { percent: (p as { percent: number }).percent, phase: typeof phase === 'string' ? phase : null };
  }
  return { percent: 0, phase: null };
}

export function registerRecommendationRoutes(app: Api) {
  // Merchant previews read the live model, not the serving path's 5-second version cache (right after "Train now"
  // finishes, the preview must show the new model); one indexed read per preview.
  const service = (c: Context<AppEnv>) => {
    clearActiveVersionCache(c.var.store.schema_name);
    return new RecommendationService(tenantOf(c), c.var.store.schema_name);
  };
  app.openapi(productPreview, async (c) => {
    const productId = uuidParam(c, 'productId', 'Product');
    const s = service(c);
    if (!(await s.productExists(productId))) throw new AppError(ErrorCode.NotFound, 'Product not found');
    const { modelVersion, items } = await s.itemList(productId);
    return c.json({ productId, modelVersion, items: await s.describe(items.slice(0, c.req.valid('query').limit)) }, 200);
  });
  app.openapi(customerPreview, async (c) => {
    const { customerId, limit } = c.req.valid('query');
    const s = service(c);
    if (!customerId) {
      const version = await s.activeVersion();
      const customers = version === null ? [] : await s.customersWithLists(version, limit);
      return c.json({ customerId: null, modelVersion: version, forYou: [], discover: [], customers }, 200);
    }
    const lists = await s.customerLists(customerId);
    return c.json(
      {
        customerId,
        modelVersion: lists.modelVersion,
        forYou: await s.describe(lists.items.slice(0, limit)),
        discover: await s.describe(lists.fresh.slice(0, limit)),
        customers: [],
      },
      200,
    );
  });
  app.openapi(runs, async (c) => {
    const rows = await service(c).runs(c.req.valid('query').limit);
    return c.json(
      {
        data: await Promise.all(
          rows.map(async (r) => ({
            version: r.version,
            status: r.status,
            trigger: r.trigger,
            active: r.active,
            jobId: r.job_id,
            startedAt: r.started_at,
            finishedAt: r.finished_at,
            stats: r.stats,
            metrics: r.metrics,
            error: r.error,
            progress: await trainingProgress(c, r.status, r.job_id),
          })),
        ),
      },
      200,
    );
  });
  app.openapi(train, async (c) => {
    requirePermission(c, Permission.UpdateStore);
    if (await service(c).trainingInProgress()) throw new AppError(ErrorCode.Conflict, 'A training run is already in progress for this store');
    // A training already queued (not yet running) is returned instead of queueing a second one.
    return c.json(await c.var.services.queues.enqueueOnce(trainRecommendationsJob, { storeId: c.var.store.id, trigger: 'manual', runKey: randomUUID() }), 202);
  });
}
