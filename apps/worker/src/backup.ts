/** Store export and clone handlers (packages/stores/src/backup.ts does the work). */
import { storeCatalogLimits } from '@storeloom/billing';
import { type Database, writeAudit } from '@storeloom/db';
import { cloneStoreJob, decodeJob, exportStoreJob, type JobEnvelope, type Queues, searchReindexStoreJob, UnrecoverableJobError } from '@storeloom/jobs';
import { AppError, ErrorCode } from '@storeloom/errors';
import { archiveKey, sha256Hex, type Storage } from '@storeloom/storage';
import { buildStoreExport, completeClone, type ExportResult, resolveStoreTenant, STORE_WITH_DATA } from '@storeloom/stores';
import type { Job } from 'bullmq';

export function createBackupHandlers(deps: { db: Database; storage?: Storage | undefined; queues?: Queues | undefined; planLimits?: boolean }) {
  const storage = () => {
    if (!deps.storage) throw new UnrecoverableJobError('store export/clone needs media storage');
    return deps.storage;
  };
  return {
    [exportStoreJob.name]: async (job: Job<JobEnvelope>): Promise<ExportResult> => {
      const { storeId, exportId, requestedBy } = decodeJob(exportStoreJob, job);
      const store = (await resolveStoreTenant(deps.db, storeId, { allow: STORE_WITH_DATA }))?.store;
      if (!store) throw new UnrecoverableJobError('store is not available');
      const { archive, manifest, mediaFiles } = await buildStoreExport(deps.db, storage(), store, (f) => job.updateProgress(Math.round(f * 100)));
      const key = archiveKey(storeId, exportId);
      await storage().put(key, archive, 'application/gzip');
      const result: ExportResult = {
        key,
        bytes: archive.length,
        sha256: sha256Hex(archive),
        formatVersion: manifest.formatVersion,
        rows: Object.fromEntries(Object.entries(manifest.tables).map(([t, v]) => [t, v.rows])),
        mediaFiles,
      };
      await writeAudit(deps.db, {
        storeId,
        actorUserId: requestedBy,
        action: 'store.exported',
        targetType: 'export',
        targetId: exportId,
        data: { bytes: result.bytes, sha256: result.sha256, rows: result.rows },
      });
      await job.updateProgress(100);
      return result;
    },
    [cloneStoreJob.name]: async (job: Job<JobEnvelope>) => {
      const { storeId } = decodeJob(cloneStoreJob, job);
      try {
        const r = await completeClone(deps.db, storage(), storeId, storeCatalogLimits(deps.db, storeId, deps.planLimits ?? false), (f) =>
          job.updateProgress(Math.round(f * 100)),
        );
        if (r.status === 'done')
          await deps.queues?.enqueue(searchReindexStoreJob, { storeId, requestId: `clone-${job.id ?? 'x'}`.replace(/[^a-z0-9-]/g, '-').slice(0, 100) });
        await job.updateProgress(100);
        return r;
      } catch (e) {
        // A bad archive stays bad: no retries.
        if (e instanceof AppError && (e.code === ErrorCode.ArchiveInvalid || e.code === ErrorCode.StoreNotFound)) throw new UnrecoverableJobError(e.message);
        throw e;
      }
    },
  };
}
