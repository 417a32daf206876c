/** The store's background jobs (imports and every other store job) with state, progress and errors; retry failed ones. */
import { createRoute, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import { AppError, ErrorCode } from '@storeloom/errors';
import { requirePermission, storeAccess, uuidParam } from '../guards.ts';
import { errorResponses, jsonResponse, pageOf } from '../schemas.ts';
import { type Api, send } from './util.ts';

export const StoreJobSchema = z
  .object({
    id: z.string(),
    name: z.string().openapi({ example: 'catalog.import-products' }),
    queue: z.string(),
    state: z.enum(['waiting', 'active', 'completed', 'failed']),
    progress: z.number().int().openapi({ description: '0-100' }),
    attempts: z.number().int(),
    maxAttempts: z.number().int(),
    error: z.string().nullable(),
    result: z.unknown(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    updatedAt: z.string(),
  })
  .openapi('StoreJob');

const list = createRoute({
  method: 'get',
  path: '/stores/{storeId}/jobs',
  tags: ['jobs'],
  summary: 'Background jobs of the store, newest first',
  middleware: [storeAccess] as const,
  request: {
    params: z.object({ storeId: z.string() }),
    query: z.object({ cursor: z.string().uuid().optional(), limit: z.coerce.number().int().min(1).max(100).default(25) }),
  },
  responses: { 200: jsonResponse(pageOf(StoreJobSchema, 'StoreJobPage'), 'Jobs'), ...errorResponses(400, 401, 404) },
});

const retry = createRoute({
  method: 'post',
  path: '/stores/{storeId}/jobs/{jobId}/retry',
  tags: ['jobs'],
  summary: 'Retry a failed job (409 invalid_state unless it is failed)',
  middleware: [storeAccess] as const,
  request: { params: z.object({ storeId: z.string(), jobId: z.string() }) },
  responses: { 200: jsonResponse(StoreJobSchema, 'Queued again'), ...errorResponses(401, 403, 404, 409) },
});

export function registerJobRoutes(app: Api) {
  app.openapi(list, async (c) => {
    const { cursor, limit } = c.req.valid('query');
    return send(c, 200, await c.var.services.queues.storeJobs.list(c.var.store.id, { cursor, limit }));
  });

  app.openapi(retry, async (c) => {
    const id = uuidParam(c, 'jobId', 'Job');
    requirePermission(c, Permission.ManageJobs);
    const { queues } = c.var.services;
    const outcome = await queues.retryStoreJob(c.var.store.id, id);
    if (outcome === 'not_found') throw new AppError(ErrorCode.NotFound, 'Job not found');
    if (outcome === 'not_failed') throw new AppError(ErrorCode.InvalidState, 'Only a failed job can be retried');
    const row = await queues.storeJobs.get(c.var.store.id, id);
    if (!row) throw new AppError(ErrorCode.NotFound, 'Job not found');
    const { jobId: _jobId, data: _data, ...view } = row;
    return send(c, 200, view);
  });
}
