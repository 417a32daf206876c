/**
 * Job handlers, keyed by job name. Each decodes its payload against the job's
 * definition and is idempotent, so a retried job applies its effect once.
 */
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
  releaseReservationJob,
  sweepReservationsJob,
  type Queues,
  searchCheckIndexJob,
  searchIndexProductJob,
  searchReindexStoreJob,
  UnrecoverableJobError,
} from '@storeloom/jobs';
import { OrderService } from '@storeloom/commerce';
import { LocalOutboxTransport, MailOutbox } from '@storeloom/mail';
import { queueCatalogEvents, SearchIndexer } from '@storeloom/store-search';
import { StoreService } from '@storeloom/stores';
import type { Job } from 'bullmq';

export interface HandlerDeps {
  db: Database;
  logger: Logger;
  retentionDays: number;
  provisioningStaleSeconds: number;
  /** Defaults to the local outbox (no SMTP). */
  mail?: MailOutbox;
  /** For handlers that enqueue follow-up jobs (an import queues its search indexing). */
  queues?: Queues;
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
      if (deps.queues && result.startedAt)
        await queueCatalogEvents(deps.db, deps.queues, (err) => deps.logger.warn('search indexing not queued', { err })).productsImported(
          storeId,
          importId,
          result.startedAt,
        );
      return { status: result.status, created: result.createdCount, updated: result.updatedCount, errors: result.errorCount };
    },
    [searchIndexProductJob.name]: async (job) => {
      const { storeId, productId } = decodeJob(searchIndexProductJob, job);
      const store = await stores.getRow(storeId);
      if (!store || store.status === 'deleted' || store.status === 'provisioning') return { skipped: true };
      return new SearchIndexer(deps.db.tenant(store.schema_name), store.schema_name).indexProducts([productId]);
    },
    [searchReindexStoreJob.name]: async (job) => {
      const { storeId, since } = decodeJob(searchReindexStoreJob, job);
      const store = await stores.getRow(storeId);
      if (!store || store.status === 'deleted' || store.status === 'provisioning') return { skipped: true };
      const started = Date.now();
      const result = await new SearchIndexer(deps.db.tenant(store.schema_name), store.schema_name).reindex({
        ...(since ? { since: new Date(since) } : {}),
        onProgress: (fraction) => job.updateProgress(Math.round(fraction * 100)),
      });
      return { ...result, ms: Date.now() - started };
    },
    [searchCheckIndexJob.name]: async (job) => {
      const { storeId, repair } = decodeJob(searchCheckIndexJob, job);
      const store = await stores.getRow(storeId);
      if (!store || store.status === 'deleted' || store.status === 'provisioning') return { skipped: true };
      return new SearchIndexer(deps.db.tenant(store.schema_name), store.schema_name).check({ repair });
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
  };
}
