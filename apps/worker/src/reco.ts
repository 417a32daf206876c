/**
 * Recommendation jobs: per-store training (nightly fan-out and on demand) and
 * event retention. Training reads and writes only the job's store schema.
 */
import type { Database } from '@storeloom/db';
import { AppError } from '@storeloom/errors';
import type { Logger } from '@storeloom/log';
import {
  decodeJob,
  type JobEnvelope,
  purgeRecoEventsJob,
  type Queues,
  scheduleRecommendationsJob,
  trainRecommendationsJob,
  UnrecoverableJobError,
} from '@storeloom/jobs';
import { RecoEventService, type TrainingBudget, TrainingAborted, trainStore } from '@storeloom/reco/store';
import { resolveStoreTenant, storesWithStatus } from '@storeloom/stores';
import type { Job } from 'bullmq';

export interface RecoDeps {
  db: Database;
  logger: Logger;
  /** Needed by the nightly fan-out, which enqueues one training per store. */
  queues?: Queues;
  eventRetentionDays?: number;
  budget?: Partial<TrainingBudget>;
}

type Handler = (job: Job<JobEnvelope>) => Promise<unknown>;

export function createRecoHandlers(deps: RecoDeps): Record<string, Handler> {
  const activeStores = () => storesWithStatus(deps.db, ['active']);
  return {
    [trainRecommendationsJob.name]: async (job) => {
      const { storeId, trigger } = decodeJob(trainRecommendationsJob, job);
      return runTraining(deps, storeId, trigger, job);
    },
    [scheduleRecommendationsJob.name]: async (job) => {
      decodeJob(scheduleRecommendationsJob, job);
      if (!deps.queues) throw new Error('reco.schedule-training needs the queues');
      const day = new Date().toISOString().slice(0, 10);
      const stores = await activeStores();
      for (const s of stores) await deps.queues.enqueue(trainRecommendationsJob, { storeId: s.id, trigger: 'schedule', runKey: `nightly-${day}` });
      return { enqueued: stores.length };
    },
    [purgeRecoEventsJob.name]: async (job) => {
      decodeJob(purgeRecoEventsJob, job);
      const days = deps.eventRetentionDays ?? 365;
      let events = 0;
      for (const s of await activeStores()) events += (await new RecoEventService(deps.db.tenant(s.schema_name)).purgeOlderThan(days)).events;
      return { events, days };
    },
  };
}

/** Trains one store; a budget overrun or a concurrent run is a permanent, clearly reported failure. */
export async function runTraining(deps: RecoDeps, storeId: string, trigger: 'schedule' | 'manual', job?: Job<JobEnvelope>) {
  const found = await resolveStoreTenant(deps.db, storeId, { allow: ['active'] });
  if (!found) throw new UnrecoverableJobError('store is not active');
  try {
    const result = await trainStore(found.tenant, {
      trigger,
      jobId: job?.id ?? null,
      ...(deps.budget ? { budget: deps.budget } : {}),
      onProgress: async (fraction, phase) => {
        await job?.updateProgress({ percent: Math.round(fraction * 100), phase });
      },
    });
    deps.logger.info('recommendations trained', { storeId, version: result.version, ...result.stats });
    return { version: result.version, stats: result.stats, metrics: result.metrics };
  } catch (err) {
    if (err instanceof TrainingAborted || err instanceof AppError) throw new UnrecoverableJobError(err.message);
    throw err;
  }
}
