/** The pricing and inventory planning runs: one job status shape and one lookup, scoped to the caller's store. */
import { z } from '@hono/zod-openapi';
import { AppError, ErrorCode } from '@storeloom/errors';
import type { Context } from 'hono';
import type { AppEnv } from './context.ts';

export const JobStatusSchema = z
  .object({ jobId: z.string(), state: z.string(), progress: z.number(), result: z.unknown().nullable(), failedReason: z.string().nullable() })
  .openapi('PlanningJob');

/** Progress of one of this store's planning jobs (jobs of other stores are a 404). */
export async function planningJobStatus(c: Context<AppEnv>, prefix: string, param: string) {
  const jobId = c.req.param(param) ?? '';
  if (!jobId.startsWith(`${prefix}:${c.var.store.id}:`)) throw new AppError(ErrorCode.NotFound, 'Run not found');
  const first = await c.var.services.queues.getJob('maintenance', jobId);
  if (!first) throw new AppError(ErrorCode.NotFound, 'Run not found');
  // The state is read after the snapshot: a job that finished in between reads
  // "completed" with the old snapshot's null result. Re-read a finished job.
  const state = await first.getState();
  const job = state === 'completed' || state === 'failed' ? ((await c.var.services.queues.getJob('maintenance', jobId)) ?? first) : first;
  const progress = typeof job.progress === 'number' ? job.progress : 0;
  return {
    jobId,
    state,
    progress,
    result: (job.returnvalue as unknown) ?? null,
    failedReason: job.failedReason ?? null,
  };
}
