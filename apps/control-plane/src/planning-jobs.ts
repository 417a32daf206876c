/**
 * The pricing and inventory planning runs: one pair of routes (start a run now, follow its progress), one job
 * status shape and one lookup, scoped to the caller's store.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import { newId } from '@storeloom/db';
import { AppError, ErrorCode } from '@storeloom/errors';
import type { JobDefinition } from '@storeloom/jobs';
import type { Context } from 'hono';
import type { Api, AppEnv } from './context.ts';
import { requirePermission, storeAccess, tenantOf } from './guards.ts';
import { errorResponses, jsonResponse, QueuedJobSchema, StoreIdParam } from './schemas.ts';

export const JobStatusSchema = z
  .object({ jobId: z.string(), state: z.string(), progress: z.number(), result: z.unknown().nullable(), failedReason: z.string().nullable() })
  .openapi('PlanningJob');

type RunJob = JobDefinition<string, z.ZodType<{ storeId: string; runKey: string }>>;

/**
 * Progress of one of this store's runs of `job` (jobs of other stores, and of other kinds, are a 404). A run the fair
 * scheduler still holds back (the store's earlier jobs fill its slots) is not in BullMQ yet and reads "waiting".
 */
async function planningJobStatus(c: Context<AppEnv>, job: RunJob, param: string) {
  const jobId = c.req.param(param) ?? '';
  // The job ids of this store's runs share the id a run with an empty key would have ("pricing-run:<store>:").
  if (!jobId.startsWith(job.jobId?.({ storeId: c.var.store.id, runKey: '' }) ?? '\0')) throw new AppError(ErrorCode.NotFound, 'Run not found');
  const found = await c.var.services.queues.storeJobStatus(job.queue, c.var.store.id, jobId);
  if (!found) throw new AppError(ErrorCode.NotFound, 'Run not found');
  return { jobId, ...found };
}

export interface PlanningRunRoutes {
  job: RunJob;
  /** `/stores/{storeId}/pricing`: the runs are `${path}/runs` and `${path}/runs/{idParam}`. */
  path: string;
  tag: string;
  idParam: string;
  start: { operationId: string; summary: string };
  status: { operationId: string; summary: string };
}

/** POST `…/runs` queues a run now (normally nightly; a fresh run key, unless one is already queued or running) and GET `…/runs/{id}` follows it. */
export function registerPlanningRunRoutes(app: Api, o: PlanningRunRoutes) {
  const start = createRoute({
    operationId: o.start.operationId,
    method: 'post',
    path: `${o.path}/runs`,
    tags: [o.tag],
    summary: o.start.summary,
    middleware: [storeAccess] as const,
    request: { params: StoreIdParam },
    responses: { 202: jsonResponse(QueuedJobSchema, 'Queued (or the run already queued or running)'), ...errorResponses(401, 403, 404, 409) },
  });
  const status = createRoute({
    operationId: o.status.operationId,
    method: 'get',
    path: `${o.path}/runs/{${o.idParam}}`,
    tags: [o.tag],
    summary: o.status.summary,
    middleware: [storeAccess] as const,
    request: { params: StoreIdParam.extend({ [o.idParam]: z.string().max(200) }) },
    responses: { 200: jsonResponse(JobStatusSchema, 'Job'), ...errorResponses(401, 403, 404) },
  });
  app.openapi(start, async (c) => {
    requirePermission(c, Permission.ManagePlanning);
    tenantOf(c);
    return c.json(await c.var.services.queues.enqueueOnce(o.job, { storeId: c.var.store.id, runKey: newId() }), 202);
  });
  app.openapi(status, async (c) => {
    requirePermission(c, Permission.ReadPlanning);
    return c.json(await planningJobStatus(c, o.job, o.idParam), 200);
  });
}
