/**
 * Job definitions: name, version and payload schema, kept apart from the
 * handlers (which live in apps/worker). A producer validates its payload
 * against the same schema the worker parses with.
 */
import { z } from 'zod';

export const QUEUES = ['catalog', 'maintenance', 'reco'] as const;
export type QueueName = (typeof QUEUES)[number];

export interface JobDefinition<N extends string = string, S extends z.ZodType = z.ZodType> {
  name: N;
  version: number;
  queue: QueueName;
  schema: S;
  attempts: number;
  /** Builds the BullMQ jobId: the same id twice while the first is queued enqueues once. */
  jobId?(payload: z.infer<S>): string;
  /** Platform upkeep that names a store but is not the merchant's work: kept out of the store's jobs page. */
  untracked?: boolean;
}

export function defineJob<N extends string, S extends z.ZodType>(def: Omit<JobDefinition<N, S>, 'attempts'> & { attempts?: number }): JobDefinition<N, S> {
  return { attempts: 5, ...def };
}

const uuid = z.string().uuid();

export const importProductsJob = defineJob({
  name: 'catalog.import-products',
  version: 1,
  queue: 'catalog',
  schema: z.object({ storeId: uuid, importId: uuid }),
  jobId: (p) => `import:${p.storeId}:${p.importId}`,
});

export const reconcileProvisioningJob = defineJob({
  name: 'stores.reconcile-provisioning',
  version: 1,
  queue: 'maintenance',
  schema: z.object({}),
  attempts: 1,
});

export const purgeDeletedStoresJob = defineJob({
  name: 'stores.purge-deleted',
  version: 1,
  queue: 'maintenance',
  schema: z.object({}),
  attempts: 3,
});

export const provisionStoreJob = defineJob({
  name: 'stores.provision',
  version: 1,
  queue: 'maintenance',
  schema: z.object({ storeId: uuid }),
  jobId: (p) => `provision:${p.storeId}`,
});

/** Moves a store to another database cluster (copy, read-only window, switch, verify); progress 0–100. */
export const moveStoreJob = defineJob({
  name: 'stores.move',
  version: 1,
  queue: 'maintenance',
  schema: z.object({ storeId: uuid, target: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/), keepSource: z.boolean().optional() }),
  // A failed move rolls back to the source by itself; another attempt is an operator's decision.
  attempts: 1,
  jobId: (p) => `move:${p.storeId}:${p.target}`,
});

/** Delivers due outbox mail; enqueued after a write and also swept every minute. */
export const deliverMailJob = defineJob({
  name: 'mail.deliver',
  version: 1,
  queue: 'maintenance',
  schema: z.object({}),
  attempts: 1,
});

/** Releases one unpaid order's stock reservation at its expiry (delayed job; idempotent). */
export const releaseReservationJob = defineJob({
  name: 'commerce.release-reservation',
  version: 1,
  queue: 'maintenance',
  schema: z.object({ storeId: uuid, orderId: uuid }),
  jobId: (p) => `release-reservation:${p.storeId}:${p.orderId}`,
});

/**
 * An order became paid: records its lines for pricing/inventory planning and
 * the purchase for recommendations. Enqueued after the paying commit; both
 * effects are idempotent (per order line, per order), so a replay is harmless.
 */
export const orderPaidJob = defineJob({
  name: 'commerce.order-paid',
  version: 1,
  queue: 'maintenance',
  schema: z.object({ storeId: uuid, orderId: uuid }),
  jobId: (p) => `order-paid:${p.storeId}:${p.orderId}`,
});

/** Abandoned-cart reminders: every active store's due carts get their mail (claimed per cart, so safe to repeat). */
export const cartRecoveryJob = defineJob({
  name: 'commerce.cart-recovery',
  version: 1,
  queue: 'maintenance',
  schema: z.object({}),
  attempts: 1,
});

/** Sweeps every store for overdue unpaid reservations (catches lost delayed jobs). */
export const sweepReservationsJob = defineJob({
  name: 'commerce.sweep-reservations',
  version: 1,
  queue: 'maintenance',
  schema: z.object({}),
  attempts: 1,
});

/**
 * Search indexing of one product. `bucket` is the second the change happened
 * in (epoch seconds): every change within it shares one job id and the
 * producer delays the job past the end of the second, so a burst of edits
 * indexes once and no edit can land while its job is already running.
 */
export const searchIndexProductJob = defineJob({
  name: 'search.index-product',
  version: 1,
  queue: 'catalog',
  schema: z.object({ storeId: uuid, productId: uuid, bucket: z.number().int().nonnegative() }),
  jobId: (p) => `search-product:${p.storeId}:${p.productId}-${p.bucket}`,
});

/** Full reindex of a store, or of the products changed since `since` (after an import); reports progress. */
export const searchReindexStoreJob = defineJob({
  name: 'search.reindex-store',
  version: 1,
  queue: 'catalog',
  schema: z.object({ storeId: uuid, since: z.string().datetime().optional(), requestId: z.string().regex(/^[a-z0-9-]{1,100}$/) }),
  jobId: (p) => `search-reindex:${p.storeId}:${p.requestId}`,
});

/** Compares a store's index with its catalogue; `repair` re-indexes what differs. */
export const searchCheckIndexJob = defineJob({
  name: 'search.check-index',
  version: 1,
  queue: 'catalog',
  schema: z.object({ storeId: uuid, repair: z.boolean(), requestId: z.string().regex(/^[a-z0-9-]{1,100}$/) }),
  jobId: (p) => `search-check:${p.storeId}:${p.requestId}`,
});

/** One store's pricing run (nightly or on demand); runKey = the day for the nightly run, a fresh id on demand. */
export const pricingRunJob = defineJob({
  name: 'pricing.run',
  version: 1,
  queue: 'maintenance',
  schema: z.object({ storeId: uuid, runKey: z.string().min(1).max(100) }),
  jobId: (p) => `pricing-run:${p.storeId}:${p.runKey}`,
  attempts: 3,
});

/** One store's inventory run: forecasts, reorder suggestions, low-stock alerts. */
export const inventoryRunJob = defineJob({
  name: 'inventory.run',
  version: 1,
  queue: 'maintenance',
  schema: z.object({ storeId: uuid, runKey: z.string().min(1).max(100) }),
  jobId: (p) => `inventory-run:${p.storeId}:${p.runKey}`,
  attempts: 3,
});

/** Fans out the nightly pricing and inventory runs to every active store. */
export const planningNightlyJob = defineJob({
  name: 'planning.nightly',
  version: 1,
  queue: 'maintenance',
  schema: z.object({}),
  attempts: 2,
});

/**
 * Merchant webhooks of one store: sends its due deliveries (packages/webhooks dispatcher) and schedules itself
 * for the next retry. Producers enqueue it after writing events; the sweep catches lost enqueues.
 */
export const webhooksDispatchJob = defineJob({
  name: 'webhooks.dispatch',
  version: 1,
  queue: 'maintenance',
  schema: z.object({ storeId: uuid }),
  attempts: 3,
});

/** Every few seconds: a dispatch for each store with webhook subscriptions and due deliveries. */
export const webhooksSweepJob = defineJob({
  name: 'webhooks.sweep',
  version: 1,
  queue: 'maintenance',
  schema: z.object({}),
  attempts: 1,
});

/** Old low-stock webhook job (now delivered by webhooks.dispatch); a queued one runs the store's dispatcher. */
export const alertWebhookJob = defineJob({
  name: 'inventory.alert-webhook',
  version: 1,
  queue: 'maintenance',
  schema: z.object({ storeId: uuid, alertId: uuid }),
  jobId: (p) => `alert-webhook:${p.storeId}:${p.alertId}`,
  attempts: 8,
});

/**
 * Trains one store's recommender. `runKey` makes the jobId: the nightly run
 * uses the date (one per store per day), an on-demand run a fresh key.
 */
export const trainRecommendationsJob = defineJob({
  name: 'reco.train',
  version: 1,
  queue: 'reco',
  schema: z.object({ storeId: uuid, trigger: z.enum(['schedule', 'manual']), runKey: z.string().min(1).max(100) }),
  jobId: (p) => `reco-train:${p.storeId}:${p.runKey}`,
  attempts: 2,
});

/** Nightly: enqueues `reco.train` for every active store. */
export const scheduleRecommendationsJob = defineJob({
  name: 'reco.schedule-training',
  version: 1,
  queue: 'maintenance',
  schema: z.object({}),
  attempts: 3,
});

/** Retention: deletes shopper events older than RECO_EVENT_RETENTION_DAYS in every store. */
export const purgeRecoEventsJob = defineJob({
  name: 'reco.purge-events',
  version: 1,
  queue: 'maintenance',
  schema: z.object({}),
  attempts: 3,
});

/** Suspends storefronts whose billing grace period has ended; swept every few minutes, safe to repeat. */
export const suspendOverdueStoresJob = defineJob({
  name: 'billing.suspend-overdue',
  version: 1,
  queue: 'maintenance',
  schema: z.object({}),
  attempts: 1,
});

/** Writes an export archive of one store to media storage (`exportId` names it; the same id exports once). */
export const exportStoreJob = defineJob({
  name: 'stores.export',
  version: 1,
  queue: 'maintenance',
  schema: z.object({ storeId: uuid, exportId: uuid, requestedBy: uuid.nullable() }),
  jobId: (p) => `store-export:${p.storeId}:${p.exportId}`,
  attempts: 3,
});

/** Loads the export archive a new store was created from, then activates it (resumable: upserts by primary key). */
export const cloneStoreJob = defineJob({
  name: 'stores.clone',
  version: 1,
  queue: 'maintenance',
  schema: z.object({ storeId: uuid }),
  jobId: (p) => `store-clone:${p.storeId}:load`,
  attempts: 5,
});

/** Runs one approved privacy request (export or erasure) of a store; the payload names ids only, never the address. */
export const privacyRequestJob = defineJob({
  name: 'privacy.process-request',
  version: 1,
  queue: 'maintenance',
  schema: z.object({ storeId: uuid, requestId: uuid }),
  jobId: (p) => `privacy:${p.storeId}:${p.requestId}`,
  attempts: 3,
});

/** Nightly: fans out `privacy.retention-store` to every store that holds data (one per store per day). */
export const retentionNightlyJob = defineJob({
  name: 'privacy.retention',
  version: 1,
  queue: 'maintenance',
  schema: z.object({}),
  attempts: 2,
});

/**
 * One store's retention settings applied (old carts, events, search logs, sessions, mail bodies, export
 * archives), in batches; its result is the counts (the console's jobs page shows them). runKey = the day
 * for the nightly run, so a store runs once a day however often the fan-out repeats.
 */
export const retentionStoreJob = defineJob({
  name: 'privacy.retention-store',
  version: 1,
  queue: 'maintenance',
  schema: z.object({ storeId: uuid, runKey: z.string().min(1).max(100) }),
  jobId: (p) => `retention:${p.storeId}:${p.runKey}`,
  attempts: 3,
});

/**
 * Sales analytics of one store: applies the orders changed since the last pass to the daily aggregates (exactly once:
 * see packages/analytics) and refreshes the recent days' funnel. Swept for every store; a store with nothing pending
 * costs one indexed read.
 */
export const analyticsUpdateJob = defineJob({
  name: 'analytics.update',
  version: 1,
  queue: 'maintenance',
  schema: z.object({ storeId: uuid }),
  attempts: 3,
  untracked: true,
});

/**
 * Takes over one store's analytics rebuild that stopped beating its heartbeat (its process was killed) and completes
 * it where it stopped; the sweep enqueues it, once per abandoned rebuild id. Does nothing if the rebuild is alive or
 * done by the time it runs.
 */
export const analyticsResumeRebuildJob = defineJob({
  name: 'analytics.resume-rebuild',
  version: 1,
  queue: 'maintenance',
  schema: z.object({ storeId: uuid, rebuildId: uuid }),
  jobId: (p) => `analytics-resume:${p.storeId}:${p.rebuildId}`,
  attempts: 2,
  untracked: true,
});

/** Every ANALYTICS_SWEEP_MS: `analytics.update` for each store with pending orders (and each store's funnel every few minutes). */
export const analyticsSweepJob = defineJob({
  name: 'analytics.sweep',
  version: 1,
  queue: 'maintenance',
  schema: z.object({}),
  attempts: 1,
});

/** Daily: webhook events (with their deliveries and attempt logs) older than WEBHOOK_EVENT_RETENTION_DAYS are deleted in every store. */
export const pruneWebhookEventsJob = defineJob({
  name: 'webhooks.prune',
  version: 1,
  queue: 'maintenance',
  schema: z.object({}),
  attempts: 3,
});

export const allJobs = [
  importProductsJob,
  reconcileProvisioningJob,
  purgeDeletedStoresJob,
  provisionStoreJob,
  deliverMailJob,
  releaseReservationJob,
  sweepReservationsJob,
  cartRecoveryJob,
  searchIndexProductJob,
  searchReindexStoreJob,
  searchCheckIndexJob,
  pricingRunJob,
  inventoryRunJob,
  planningNightlyJob,
  alertWebhookJob,
  webhooksDispatchJob,
  webhooksSweepJob,
  trainRecommendationsJob,
  scheduleRecommendationsJob,
  purgeRecoEventsJob,
  suspendOverdueStoresJob,
  orderPaidJob,
  exportStoreJob,
  cloneStoreJob,
  privacyRequestJob,
  retentionNightlyJob,
  retentionStoreJob,
  analyticsUpdateJob,
  analyticsSweepJob,
  analyticsResumeRebuildJob,
  pruneWebhookEventsJob,
] as const;
export type AnyJob = (typeof allJobs)[number];

/** Jobs the store's jobs page never lists (see `untracked`). */
export const UNTRACKED_JOBS: ReadonlySet<string> = new Set(allJobs.filter((j) => (j as JobDefinition).untracked).map((j) => j.name));

/** What a job carries in BullMQ: the definition's version beside the payload, so a handler can refuse payloads it does not understand. */
export interface JobEnvelope<P = unknown> {
  v: number;
  payload: P;
}
