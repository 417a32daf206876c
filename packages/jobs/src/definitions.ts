/**
 * Job definitions: name, version and payload schema, kept apart from the
 * handlers (which live in apps/worker). A producer validates its payload
 * against the same schema the worker parses with.
 */
import { z } from 'zod';

export const QUEUES = ['catalog', 'maintenance'] as const;
export type QueueName = (typeof QUEUES)[number];

export interface JobDefinition<N extends string = string, S extends z.ZodType = z.ZodType> {
  name: N;
  version: number;
  queue: QueueName;
  schema: S;
  attempts: number;
  /** Builds the BullMQ jobId: the same id twice while the first is queued enqueues once. */
  jobId?(payload: z.infer<S>): string;
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

/** Sweeps every store for overdue unpaid reservations (catches lost delayed jobs). */
export const sweepReservationsJob = defineJob({
  name: 'commerce.sweep-reservations',
  version: 1,
  queue: 'maintenance',
  schema: z.object({}),
  attempts: 1,
});

/** Suspends storefronts whose billing grace period has ended; swept every few minutes, safe to repeat. */
export const suspendOverdueStoresJob = defineJob({
  name: 'billing.suspend-overdue',
  version: 1,
  queue: 'maintenance',
  schema: z.object({}),
  attempts: 1,
});

export const allJobs = [
  importProductsJob,
  reconcileProvisioningJob,
  purgeDeletedStoresJob,
  provisionStoreJob,
  deliverMailJob,
  releaseReservationJob,
  sweepReservationsJob,
  suspendOverdueStoresJob,
] as const;
export type AnyJob = (typeof allJobs)[number];

/** What a job carries in BullMQ: the definition's version beside the payload, so a handler can refuse payloads it does not understand. */
export interface JobEnvelope<P = unknown> {
  v: number;
  payload: P;
}
