/**
 * Job handlers, keyed by job name. Each decodes its payload against the job's
 * definition and is idempotent, so a retried job applies its effect once.
 */
import { suspendOverdueStores } from '@storeloom/billing';
import { ImportService } from '@storeloom/catalog';
import type { Database } from '@storeloom/db';
import type { Logger } from '@storeloom/http';
import {
  decodeJob,
  deliverMailJob,
  importProductsJob,
  type JobEnvelope,
  provisionStoreJob,
  purgeDeletedStoresJob,
  reconcileProvisioningJob,
  suspendOverdueStoresJob,
  releaseReservationJob,
  sweepReservationsJob,
  UnrecoverableJobError,
} from '@storeloom/jobs';
import { OrderService } from '@storeloom/commerce';
import { LocalOutboxTransport, MailOutbox } from '@storeloom/mail';
import { StoreService } from '@storeloom/stores';
import type { Job } from 'bullmq';

export interface HandlerDeps {
  db: Database;
  logger: Logger;
  retentionDays: number;
  provisioningStaleSeconds: number;
  /** Defaults to the local outbox (no SMTP). */
  mail?: MailOutbox;
}

export type Handler = (job: Job<JobEnvelope>) => Promise<unknown>;

export function createHandlers(deps: HandlerDeps): Record<string, Handler> {
  const stores = new StoreService(deps.db);
  const mail = deps.mail ?? new MailOutbox(deps.db, new LocalOutboxTransport(), 'Storeloom <no-reply@storeloom.localhost>');
  return {
    [deliverMailJob.name]: async (job) => {
      decodeJob(deliverMailJob, job);
      return mail.deliverDue(200);
    },
    [importProductsJob.name]: async (job) => {
      const { storeId, importId } = decodeJob(importProductsJob, job);
      const store = await stores.getRow(storeId);
      if (!store || store.status === 'deleted') throw new UnrecoverableJobError('store no longer exists');
      const result = await new ImportService(deps.db.tenant(store.schema_name)).run(importId, {
        currency: store.currency.trim(),
        onProgress: (fraction) => job.updateProgress(Math.round(fraction * 100)),
      });
      await job.updateProgress(100);
      return { status: result.status, created: result.createdCount, updated: result.updatedCount, errors: result.errorCount };
    },
    [provisionStoreJob.name]: async (job) => {
      const { storeId } = decodeJob(provisionStoreJob, job);
      const store = await stores.provision(storeId);
      return { status: store.status };
    },
    [reconcileProvisioningJob.name]: async (job) => {
      decodeJob(reconcileProvisioningJob, job);
      return stores.reconcileProvisioning(deps.provisioningStaleSeconds);
    },
    [releaseReservationJob.name]: async (job) => {
      const { storeId, orderId } = decodeJob(releaseReservationJob, job);
      const store = await stores.getRow(storeId);
      if (!store || store.status === 'deleted' || store.status === 'provisioning') return { released: false };
      const released = await new OrderService(deps.db.tenant(store.schema_name), {
        store: { id: store.id, name: store.name, currency: store.currency },
      }).expire(orderId);
      return { released };
    },
    [sweepReservationsJob.name]: async (job) => {
      decodeJob(sweepReservationsJob, job);
      const active = await deps.db.control
        .selectFrom('stores')
        .select(['id', 'name', 'currency', 'schema_name'])
        .where('status', 'in', ['active', 'suspended'])
        .execute();
      let released = 0;
      for (const s of active) released += await new OrderService(deps.db.tenant(s.schema_name), { store: s }).sweepExpired();
      if (released) deps.logger.info('released expired reservations', { count: released });
      return { released, stores: active.length };
    },
    [purgeDeletedStoresJob.name]: async (job) => {
      decodeJob(purgeDeletedStoresJob, job);
      const purged = await stores.purgeDeleted(deps.retentionDays);
      if (purged.length) deps.logger.info('purged deleted stores', { count: purged.length });
      return { purged: purged.length };
    },
    [suspendOverdueStoresJob.name]: async (job) => {
      decodeJob(suspendOverdueStoresJob, job);
      const suspended = await suspendOverdueStores(deps.db);
      if (suspended.length) deps.logger.info('suspended stores past their billing grace period', { count: suspended.length });
      return { suspended: suspended.length };
    },
  };
}
