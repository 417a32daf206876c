/**
 * Sales analytics and webhook retention jobs. `analytics.update` drains one store's pending orders into the daily
 * aggregates (exactly once per change, see packages/analytics/src/maintain.ts) and refreshes its recent funnel days
 * at most every FUNNEL_EVERY_MS; `analytics.sweep` enqueues it for each store with pending orders or a stale funnel;
 * `webhooks.prune` applies WEBHOOK_EVENT_RETENTION_DAYS to every store's webhook outbox.
 */
import { analyticsBacklog, processPending, REBUILD_STALE_MS, rebuildAnalytics, refreshRecentFunnel } from '@storeloom/analytics';
import type { Database } from '@storeloom/db';
import {
  analyticsResumeRebuildJob,
  analyticsSweepJob,
  analyticsUpdateJob,
  decodeJob,
  type JobEnvelope,
  pruneWebhookEventsJob,
  type Queues,
} from '@storeloom/jobs';
import type { Logger } from '@storeloom/log';
import { resolveStoreTenant, STORE_WITH_DATA, storesWithStatus } from '@storeloom/stores';
import { pruneWebhookEvents } from '@storeloom/webhooks';
import type { Job } from 'bullmq';

export const FUNNEL_EVERY_MS = 5 * 60_000;

const isFunnelDue = (computedAt: Date | null, now: Date) => !computedAt || now.getTime() - computedAt.getTime() >= FUNNEL_EVERY_MS;

export interface AnalyticsDeps {
  db: Database;
  logger: Logger;
  queues?: Queues;
  webhookEventRetentionDays?: number;
  clock?: () => Date;
  /** Heartbeat age after which a store's analytics rebuild counts as abandoned and is taken over (REBUILD_STALE_MS). */
  rebuildStaleMs?: number;
}

/** Drains one store (bounded per run: the sweep brings it back for the rest). */
export async function updateStoreAnalytics(deps: AnalyticsDeps, storeId: string, maxBatches = 20) {
  const found = await resolveStoreTenant(deps.db, storeId, { allow: STORE_WITH_DATA });
  if (!found) return { skipped: 'store_unavailable' as const };
  let processed = 0;
  let more = true;
  for (let i = 0; i < maxBatches && more; i++) {
    const r = await processPending(found.tenant);
    processed += r.processed;
    more = r.more;
  }
  const now = deps.clock?.() ?? new Date();
  const funnelDue = isFunnelDue((await analyticsBacklog(found.tenant, deps.rebuildStaleMs)).funnelComputedAt, now);
  const funnelDays = funnelDue ? (await refreshRecentFunnel(found.tenant, now)).length : 0;
  return { processed, more, funnelDays };
}

export function createAnalyticsHandlers(deps: AnalyticsDeps): Record<string, (job: Job<JobEnvelope>) => Promise<unknown>> {
  return {
    [analyticsUpdateJob.name]: async (job) => {
      const { storeId } = decodeJob(analyticsUpdateJob, job);
      const r = await updateStoreAnalytics(deps, storeId);
      if ('more' in r && r.more) await deps.queues?.enqueue(analyticsUpdateJob, { storeId }, { delay: 1 });
      return r;
    },
    [analyticsSweepJob.name]: async (job) => {
      decodeJob(analyticsSweepJob, job);
      const now = deps.clock?.() ?? new Date();
      const stores = await storesWithStatus(deps.db, STORE_WITH_DATA);
      let kicked = 0;
      for (const s of stores) {
        try {
          const { pending, funnelComputedAt, abandonedRebuild } = await analyticsBacklog(deps.db.tenant(s.schema_name), deps.rebuildStaleMs);
          if (pending || isFunnelDue(funnelComputedAt, now)) {
            await deps.queues?.enqueue(analyticsUpdateJob, { storeId: s.id });
            kicked++;
          }
          if (abandonedRebuild) {
            // Said on every sweep until it is taken over: a stuck rebuild must not go unnoticed.
            deps.logger.warn('analytics rebuild abandoned (no heartbeat); taking it over', { storeId: s.id, rebuildId: abandonedRebuild });
            await deps.queues?.enqueue(analyticsResumeRebuildJob, { storeId: s.id, rebuildId: abandonedRebuild });
          }
        } catch (err) {
          // A store being moved or migrated must not stop the others; the next sweep comes back to it.
          deps.logger.warn('analytics sweep skipped a store', { storeId: s.id, err });
        }
      }
      return { stores: stores.length, kicked };
    },
    [analyticsResumeRebuildJob.name]: async (job) => {
      const { storeId, rebuildId } = decodeJob(analyticsResumeRebuildJob, job);
      const found = await resolveStoreTenant(deps.db, storeId, { allow: STORE_WITH_DATA });
      if (!found) return { skipped: 'store_unavailable' as const };
      const r = await rebuildAnalytics(found.tenant, { onlyAbandoned: true, staleMs: deps.rebuildStaleMs ?? REBUILD_STALE_MS });
      if (!r) return { skipped: 'not_abandoned' as const };
      deps.logger.info('analytics rebuild completed after a takeover', { storeId, rebuildId, resumed: r.resumed, orders: r.orders, requeued: r.requeued });
      return r;
    },
    [pruneWebhookEventsJob.name]: async (job) => {
      decodeJob(pruneWebhookEventsJob, job);
      const days = deps.webhookEventRetentionDays ?? 30;
      const now = deps.clock?.() ?? new Date();
      let events = 0;
      const stores = await storesWithStatus(deps.db, STORE_WITH_DATA);
      for (const s of stores) {
        try {
          events += (await pruneWebhookEvents(deps.db.tenant(s.schema_name), days, now)).events;
        } catch (err) {
          deps.logger.warn('webhook retention skipped a store', { storeId: s.id, err });
        }
      }
      if (events) deps.logger.info('pruned webhook events', { events, days });
      return { stores: stores.length, events, days };
    },
  };
}
