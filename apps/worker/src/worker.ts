import type { Database } from '@storeloom/db';
import type { Logger } from '@storeloom/log';
import {
  analyticsSweepJob,
  cartRecoveryJob,
  deliverMailJob,
  planningNightlyJob,
  purgeDeletedStoresJob,
  QUEUES,
  type Queues,
  reconcileProvisioningJob,
  sweepReservationsJob,
  purgeRecoEventsJob,
  retentionNightlyJob,
  scheduleRecommendationsJob,
  suspendOverdueStoresJob,
  webhooksSweepJob,
  pruneWebhookEventsJob,
} from '@storeloom/jobs';
import { queueTranslationReindexes } from '@storeloom/store-search';
import { createHandlers, type HandlerDeps } from './handlers.ts';

export interface RunningWorker {
  close(): Promise<void>;
}

/** Starts one BullMQ worker per queue and the maintenance schedules. */
export async function startWorkers(
  queues: Queues,
  deps: HandlerDeps & {
    concurrency: number;
    planningCron?: string;
    recoTrainCron?: string;
    retentionCron?: string;
    webhookSweepMs?: number;
    analyticsSweepMs?: number;
  },
): Promise<RunningWorker> {
  await queues.init();
  const handlers = createHandlers({ ...deps, queues, reco: { queues, ...deps.reco } });
  for (const name of QUEUES) {
    const w = queues.worker(
      name,
      queues.tracked(name, async (job) => {
        const handler = handlers[job.name];
        if (!handler) throw new Error(`no handler for job ${job.name}`);
        const log = deps.logger.child({ jobId: job.id, job: job.name, queue: name, storeId: (job.data.payload as { storeId?: string })?.storeId });
        const started = Date.now();
        try {
          const result = await handler(job);
          log.info('job completed', { ms: Date.now() - started, attempt: job.attemptsMade + 1 });
          return result;
        } catch (err) {
          log.warn('job failed', { ms: Date.now() - started, attempt: job.attemptsMade + 1, err });
          throw err;
        }
      }),
      // Training is CPU-bound for up to its time budget: one at a time, with a lock that outlives it.
      name === 'reco' ? { concurrency: 1, lockDuration: 15 * 60_000 } : { concurrency: deps.concurrency },
    );
    w.on('error', (err) => deps.logger.error('worker error', { queue: name, err }));
  }
  await queues.schedule(reconcileProvisioningJob, {}, { every: 60_000 });
  await queues.schedule(purgeDeletedStoresJob, {}, { pattern: '17 3 * * *' });
  // Producers also enqueue delivery right after writing mail; the sweep catches retries and missed enqueues.
  await queues.schedule(deliverMailJob, {}, { every: 60_000 });
  await queues.schedule(suspendOverdueStoresJob, {}, { every: 5 * 60_000 });
  // Each checkout also enqueues a delayed release for its own expiry; the sweep catches lost ones.
  await queues.schedule(sweepReservationsJob, {}, { every: 60_000 });
  // Webhook events are dispatched right after the writes that made them where a queue is at hand; this catches the rest.
  await queues.schedule(webhooksSweepJob, {}, { every: deps.webhookSweepMs ?? 10_000 });
  // Abandoned-cart reminders: the store's delay is in minutes, so a 5-minute sweep is precise enough.
  await queues.schedule(cartRecoveryJob, {}, { every: 5 * 60_000 });
  await queues.schedule(planningNightlyJob, {}, { pattern: deps.planningCron ?? '10 2 * * *' });
  await queues.schedule(scheduleRecommendationsJob, {}, { pattern: deps.recoTrainCron ?? '23 2 * * *' });
  await queues.schedule(purgeRecoEventsJob, {}, { pattern: '41 3 * * *' });
  // Each store's own retention settings (packages/privacy/src/retention.ts), one run per store per day.
  await queues.schedule(retentionNightlyJob, {}, { pattern: deps.retentionCron ?? '53 3 * * *' });
  // Sales analytics: changed orders reach the dashboard within one sweep.
  await queues.schedule(analyticsSweepJob, {}, { every: deps.analyticsSweepMs ?? 30_000 });
  await queues.schedule(pruneWebhookEventsJob, {}, { pattern: '59 3 * * *' });
  // Stores translated before search indexed translations get one reindex, in the background (issue 19).
  queueTranslationReindexes(deps.db, queues).then(
    (stores) => stores && deps.logger.info('search reindex queued for stores with unindexed translations', { stores }),
    (err) => deps.logger.warn('search reindex of translated stores not queued', { err }),
  );
  return { close: () => queues.close() };
}

export type { Database, Logger };
