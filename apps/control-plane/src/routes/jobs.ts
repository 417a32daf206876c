import { createRoute, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import { requirePermission, storeAccess } from '../guards.ts';
import { errorResponses, jsonResponse } from '../schemas.ts';
import { type Api, send } from './util.ts';

const Params = z.object({ storeId: z.string() });

const depth = createRoute({
  method: 'get',
  path: '/stores/{storeId}/jobs',
  tags: ['jobs'],
  summary: "The store's background work: jobs waiting their turn and in progress, per queue",
  middleware: [storeAccess] as const,
  request: { params: Params },
  responses: {
    200: jsonResponse(
      z.object({ data: z.array(z.object({ queue: z.string(), pending: z.number().int(), inFlight: z.number().int() })) }).openapi('StoreJobDepth'),
      'Queue depth',
    ),
    ...errorResponses(401, 403, 404),
  },
});

const dead = createRoute({
  method: 'get',
  path: '/stores/{storeId}/jobs/dead',
  tags: ['jobs'],
  summary: "Dead letters: the store's jobs that failed after their last retry, newest first",
  middleware: [storeAccess] as const,
  request: { params: Params },
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
              failedReason: z.string(),
              failedAt: z.string().nullable(),
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
  app.openapi(depth, async (c) => {
    requirePermission(c, Permission.ReadStore);
    const rows = await c.var.services.queues.storeDepths(100, c.var.store.id);
    return send(c, 200, { data: rows.map((r) => ({ queue: r.queue, pending: r.pending, inFlight: r.inFlight })) });
  });
  app.openapi(dead, async (c) => {
    // Failure reasons can name imports and internals: admins only.
    requirePermission(c, Permission.UpdateStore);
    const jobs = await c.var.services.queues.deadJobs({ storeId: c.var.store.id, limit: 100 });
    return send(c, 200, {
      data: jobs.map((j) => ({
        queue: j.queue,
        id: j.id,
        name: j.name,
        attemptsMade: j.attemptsMade,
        failedReason: j.failedReason.slice(0, 500),
        failedAt: j.failedAt,
      })),
    });
  });
}
