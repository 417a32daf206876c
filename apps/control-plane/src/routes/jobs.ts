/** The store's background jobs (imports and every other store job) with state, progress and errors; retry failed ones. */
import { createRoute, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import { AppError, ErrorCode } from '@storeloom/errors';
import { requirePermission, storeAccess, uuidParam } from '../guards.ts';
import { errorResponses, jsonResponse, pageOf, StoreIdParam } from '../schemas.ts';
import type { Api } from '../context.ts';
import { type JobSubject, jobSubjects } from '../job-subjects.ts';

export const StoreJobSchema = z
  .object({
    id: z.string(),
    name: z.string().openapi({ example: 'catalog.import-products' }),
    queue: z.string(),
    state: z.enum(['waiting', 'active', 'completed', 'failed']),
    progress: z.number().int().openapi({ description: '0-100' }),
    subject: z.string().nullable().openapi({
      description: "What the job worked on, by name (an import's file, a product or collection title); null for whole-store work",
      example: 'products.csv',
    }),
    subjectDeleted: z.boolean().openapi({ description: 'The import, product or collection the job worked on has been deleted since' }),
    progressCount: z
      .object({ done: z.number().int(), total: z.number().int() })
      .nullable()
      .openapi({ description: "Counts the job reports (an import's rows done of its total), or null" }),
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
  operationId: 'listJobs',
  method: 'get',
  path: '/stores/{storeId}/jobs',
  tags: ['jobs'],
  summary: 'Background jobs of the store, newest first',
  middleware: [storeAccess] as const,
  request: {
    params: StoreIdParam,
    query: z.object({ cursor: z.string().uuid().optional(), limit: z.coerce.number().int().min(1).max(100).default(25) }),
  },
  responses: { 200: jsonResponse(pageOf(StoreJobSchema, 'StoreJobPage'), 'Jobs'), ...errorResponses(400, 401, 404) },
});

const retry = createRoute({
  operationId: 'retryJob',
  method: 'post',
  path: '/stores/{storeId}/jobs/{jobId}/retry',
  tags: ['jobs'],
  summary: 'Retry a failed job (409 invalid_state unless it is failed)',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam.extend({ jobId: z.string() }) },
  responses: { 200: jsonResponse(StoreJobSchema, 'Queued again'), ...errorResponses(401, 403, 404, 409) },
});

const depth = createRoute({
  operationId: 'getJobQueueDepth',
  method: 'get',
  path: '/stores/{storeId}/jobs/depth',
  tags: ['jobs'],
  summary: "The store's background work: jobs waiting their turn and in progress, per queue",
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam },
  responses: {
    200: jsonResponse(
      z.object({ data: z.array(z.object({ queue: z.string(), pending: z.number().int(), inFlight: z.number().int() })) }).openapi('StoreJobDepth'),
      'Queue depth',
    ),
    ...errorResponses(401, 403, 404),
  },
});

const dead = createRoute({
  operationId: 'listDeadJobs',
  method: 'get',
  path: '/stores/{storeId}/jobs/dead',
  tags: ['jobs'],
  summary: "Dead letters: the store's jobs that failed after their last retry, newest first",
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam },
  responses: {
    200: jsonResponse(
      z
        .object({
          data: z.array(
            z.object({
              queue: z.string(),
              id: z.string(),
              name: z.string(),
              attemptsMade: z.number().int(),
              maxAttempts: z.number().int().openapi({ description: 'The attempts the job was allowed' }),
              failedReason: z.string(),
              failedAt: z.string().nullable(),
              ledgerId: z.string().nullable().openapi({ description: 'The store job to retry with POST …/jobs/{jobId}/retry' }),
            }),
          ),
        })
        .openapi('DeadJobs'),
      'Dead letters',
    ),
    ...errorResponses(401, 403, 404),
  },
});

export function registerJobRoutes(app: Api) {
  app.openapi(list, async (c) => {
    const { cursor, limit } = c.req.valid('query');
    const page = await c.var.services.queues.storeJobs.list(c.var.store.id, { cursor, limit });
    const subjects = await jobSubjects(c.get('tenant') ?? null, page.data);
    return c.json(
      {
        data: page.data.map(({ data: _data, ...view }, i) => ({ ...view, ...(subjects[i] as JobSubject) })),
        nextCursor: page.nextCursor,
      },
      200,
    );
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
    const { jobId: _jobId, data, ...view } = row;
    const [subject] = await jobSubjects(c.get('tenant') ?? null, [{ name: row.name, data }]);
    return c.json({ ...view, ...(subject as JobSubject) }, 200);
  });

  app.openapi(depth, async (c) => {
    requirePermission(c, Permission.ReadStore);
    const rows = await c.var.services.queues.storeDepths(100, c.var.store.id);
    return c.json({ data: rows.map((r) => ({ queue: r.queue, pending: r.pending, inFlight: r.inFlight })) }, 200);
  });
  app.openapi(dead, async (c) => {
    // Failure reasons can name imports and internals: admins only.
    requirePermission(c, Permission.UpdateStore);
    const jobs = await c.var.services.queues.deadJobs({ storeId: c.var.store.id, limit: 100 });
    const ledger = await c.var.services.queues.storeJobs.ledgerIds(
      c.var.store.id,
      jobs.map((j) => j.id),
    );
    return c.json(
      {
        data: jobs.map((j) => ({
          ledgerId: ledger.find((l) => l.queue === j.queue && l.jobId === j.id)?.id ?? null,
          queue: j.queue,
          id: j.id,
          name: j.name,
          attemptsMade: j.attemptsMade,
          maxAttempts: j.maxAttempts,
          failedReason: j.failedReason.slice(0, 500),
          failedAt: j.failedAt,
        })),
      },
      200,
    );
  });
}
