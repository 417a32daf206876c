/**
 * Backup routes: store exports (start, list, download), clone a store from an
 * export or an uploaded archive, deleted stores of the caller and restore.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import { isUuid, newId, writeAudit } from '@storeloom/db';
import { AppError, ErrorCode } from '@storeloom/errors';
import { cloneStoreJob, exportStoreJob } from '@storeloom/jobs';
import { archiveKey, isArchiveKey } from '@storeloom/storage';
import { type ExportResult, toStoreView, verifyArchive } from '@storeloom/stores';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { Context } from 'hono';
import type { AppEnv } from '../context.ts';
import { requireAuth, requirePermission, storeAccess, uuidParam } from '../guards.ts';
import { toStoreJson } from '../presenters.ts';
import { errorResponses, IdempotencyHeader, jsonBody, jsonResponse, StoreIdParam, StoreSchema } from '../schemas.ts';
import type { Api } from '../context.ts';
import { idempotent } from '../idempotency.ts';

const ExportSchema = z
  .object({
    id: z.string().uuid(),
    jobId: z.string().uuid().nullable().openapi({ description: 'The store job (jobs page, retry)' }),
    state: z.enum(['waiting', 'active', 'completed', 'failed']),
    progress: z.number().int(),
    error: z.string().nullable(),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
    bytes: z.number().int().nullable(),
    sha256: z.string().nullable(),
    formatVersion: z.number().int().nullable(),
    rows: z.record(z.string(), z.number().int()).nullable(),
    downloadUrl: z.string().nullable().openapi({ description: 'Authenticated download (owner/admin) once completed' }),
  })
  .openapi('StoreExport');

const ExportParams = StoreIdParam.extend({ exportId: z.string() });
const Slug = z.string().trim().toLowerCase().min(1).max(63);
const CloneTarget = { name: z.string().trim().min(1).max(100), slug: Slug };
const CloneResponse = z.object({ store: StoreSchema, jobId: z.string().nullable() }).openapi('CloneStarted');

const startExport = createRoute({
  operationId: 'startStoreExport',
  method: 'post',
  path: '/stores/{storeId}/exports',
  tags: ['backup'],
  summary: 'Export the store (catalogue, customers without passwords, orders, settings) as a .tar.gz: JSON + CSV + images, with a checksummed manifest',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam, headers: IdempotencyHeader },
  responses: { 202: jsonResponse(ExportSchema, 'Queued'), ...errorResponses(401, 403, 404, 409, 422) },
});
const listExports = createRoute({
  operationId: 'listStoreExports',
  method: 'get',
  path: '/stores/{storeId}/exports',
  tags: ['backup'],
  summary: 'Recent exports with progress and download links',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam },
  responses: { 200: jsonResponse(z.object({ data: z.array(ExportSchema) }), 'Exports'), ...errorResponses(401, 403, 404) },
});
const download = createRoute({
  operationId: 'downloadStoreExport',
  method: 'get',
  path: '/stores/{storeId}/exports/{exportId}/download',
  tags: ['backup'],
  summary: 'Download a finished export archive (owner/admin; audit-logged)',
  middleware: [storeAccess] as const,
  request: { params: ExportParams },
  responses: {
    200: { description: 'The archive', content: { 'application/gzip': { schema: z.string().openapi({ format: 'binary' }) } } },
    ...errorResponses(401, 403, 404, 409),
  },
});
const cloneFromExport = createRoute({
  operationId: 'cloneStore',
  method: 'post',
  path: '/stores/{storeId}/clone',
  tags: ['backup'],
  summary: 'Create a new store from one of this store’s exports (owner only). The new store is `provisioning` until its data is loaded',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam, headers: IdempotencyHeader, body: jsonBody(z.object({ exportId: z.string().uuid(), ...CloneTarget })) },
  responses: { 202: jsonResponse(CloneResponse, 'Store created, data loading'), ...errorResponses(400, 401, 403, 404, 409, 422) },
});
const importArchive = createRoute({
  operationId: 'importStoreArchive',
  method: 'post',
  path: '/stores/import-archive',
  tags: ['backup'],
  summary: 'Create a new store from an uploaded export archive (.tar.gz); refused with 422 archive_invalid on a wrong format version or checksum',
  request: {
    headers: IdempotencyHeader,
    query: z.object(CloneTarget),
    body: { required: true, content: { 'application/gzip': { schema: z.string().openapi({ format: 'binary' }) } } },
  },
  responses: { 202: jsonResponse(CloneResponse, 'Store created, data loading'), ...errorResponses(400, 401, 409, 413, 415, 422) },
});
const DeletedStoreSchema = StoreSchema.extend({ deletedAt: z.string(), restorableUntil: z.string() }).openapi('DeletedStore');
const listDeleted = createRoute({
  operationId: 'listDeletedStores',
  method: 'get',
  path: '/stores/deleted',
  tags: ['backup'],
  summary: 'Deleted stores the caller owns that can still be restored',
  responses: { 200: jsonResponse(z.object({ data: z.array(DeletedStoreSchema) }), 'Deleted stores'), ...errorResponses(401) },
});
const restore = createRoute({
  operationId: 'restoreStore',
  method: 'post',
  path: '/stores/{storeId}/restore',
  tags: ['backup'],
  summary:
    "Restore a deleted store within its retention period (owner; 409 store_purged once purged; 503 service_unavailable when the store's database cluster is not reachable from this server)",
  request: { params: StoreIdParam },
  responses: { 200: jsonResponse(StoreSchema, 'Restored'), ...errorResponses(401, 403, 404, 409, 503) },
});

type Ledger = Pick<
  Awaited<ReturnType<AppEnv['Variables']['services']['queues']['storeJobs']['listNamed']>>[number],
  'id' | 'state' | 'progress' | 'error' | 'result' | 'createdAt' | 'finishedAt' | 'data'
>;

function exportView(c: Context<AppEnv>, j: Ledger) {
  const exportId = (j.data as { payload?: { exportId?: string } })?.payload?.exportId ?? '';
  const r = (j.state === 'completed' ? j.result : null) as ExportResult | null;
  return {
    id: exportId,
    jobId: j.id,
    state: j.state,
    progress: j.progress,
    error: j.error,
    createdAt: j.createdAt,
    finishedAt: j.finishedAt,
    bytes: r?.bytes ?? null,
    sha256: r?.sha256 ?? null,
    formatVersion: r?.formatVersion ?? null,
    rows: r?.rows ?? null,
    downloadUrl: r ? `/api/v1/stores/${c.var.store.id}/exports/${exportId}/download` : null,
  };
}

async function findExport(c: Context<AppEnv>, exportId: string) {
  const jobs = await c.var.services.queues.storeJobs.listNamed(c.var.store.id, exportStoreJob.name, 200);
  return jobs.find((j) => (j.data as { payload?: { exportId?: string } })?.payload?.exportId === exportId) ?? null;
}

function checkSlugFree(c: Context<AppEnv>, body: { name: string; slug: string }, currency: string) {
  // Same rules as creating a store (reserved words, format, currency).
  c.var.services.stores.validate({ name: body.name, slug: body.slug, currency });
}

export function registerBackupRoutes(app: Api) {
  app.openapi(listDeleted, async (c) => {
    const auth = requireAuth(c);
    const rows = await c.var.services.stores.retention.listDeletedForOwner(auth.user.id, c.var.services.config.storeRetentionDays ?? 30);
    return c.json(
      {
        data: rows.map((s) => ({ ...toStoreJson(c.var.services.config, { ...s, role: 'owner' }), deletedAt: s.deletedAt, restorableUntil: s.restorableUntil })),
      },
      200,
    );
  });

  app.openapi(restore, async (c) => {
    const auth = requireAuth(c);
    const id = c.req.valid('param').storeId;
    if (!isUuid(id)) throw new AppError(ErrorCode.StoreNotFound, 'Store not found');
    const store = await c.var.services.stores.retention.restore(id, { userId: auth.user.id, requestId: c.var.requestId });
    return c.json(toStoreJson(c.var.services.config, { ...store, role: 'owner' }), 200);
  });

  app.openapi(startExport, async (c) => {
    const auth = requireAuth(c);
    requirePermission(c, Permission.ExportStore);
    if (c.var.store.status !== 'active' && c.var.store.status !== 'suspended') throw new AppError(ErrorCode.StoreNotActive, 'The store is still being set up');
    return idempotent(c, auth.user.id, {}, async () => {
      const exportId = newId();
      const storeId = c.var.store.id;
      await c.var.services.queues.enqueue(exportStoreJob, { storeId, exportId, requestedBy: auth.user.id });
      await writeAudit(c.var.services.db, {
        storeId,
        actorUserId: auth.user.id,
        action: 'store.export_requested',
        targetType: 'export',
        targetId: exportId,
        requestId: c.var.requestId,
      });
      const row = await findExport(c, exportId);
      const view = row
        ? exportView(c, row)
        : {
            ...exportView(c, {
              id: '',
              state: 'waiting',
              progress: 0,
              error: null,
              createdAt: new Date(),
              finishedAt: null,
              result: null,
              data: { payload: { exportId } },
            }),
            jobId: null,
          };
      return { status: 202, body: view };
    });
  });

  app.openapi(listExports, async (c) => {
    requirePermission(c, Permission.ExportStore);
    const jobs = await c.var.services.queues.storeJobs.listNamed(c.var.store.id, exportStoreJob.name, 20);
    return c.json({ data: jobs.map((j) => exportView(c, j)) }, 200);
  });

  app.openapi(download, async (c) => {
    const auth = requireAuth(c);
    requirePermission(c, Permission.ExportStore);
    const exportId = uuidParam(c, 'exportId', 'Export');
    const job = await findExport(c, exportId);
    if (!job) throw new AppError(ErrorCode.NotFound, 'Export not found');
    const result = job.result as ExportResult | null;
    if (job.state !== 'completed' || !result?.key) throw new AppError(ErrorCode.InvalidState, 'The export is not finished');
    const key = archiveKey(c.var.store.id, exportId);
    if (result.key !== key || !isArchiveKey(key)) throw new AppError(ErrorCode.NotFound, 'Export not found');
    const obj = await c.var.services.storage.get(key);
    if (!obj) throw new AppError(ErrorCode.NotFound, 'The export file is gone');
    await writeAudit(c.var.services.db, {
      storeId: c.var.store.id,
      actorUserId: auth.user.id,
      action: 'store.export_downloaded',
      targetType: 'export',
      targetId: exportId,
      requestId: c.var.requestId,
    });
    const day = (job.finishedAt ?? new Date()).toISOString().slice(0, 10);
    c.header('Content-Type', 'application/gzip');
    c.header('Content-Length', String(obj.size));
    c.header('Content-Disposition', `attachment; filename="${c.var.store.slug}-export-${day}.tar.gz"`);
    c.header('Cache-Control', 'private, no-store');
    c.header('X-Content-SHA256', result.sha256);
    // Storage reads into ordinary (never shared) buffers; Hono's body type asks for that explicitly.
    return c.body(obj.body as Uint8Array<ArrayBuffer>, 200);
  });

  app.openapi(cloneFromExport, async (c) => {
    const auth = requireAuth(c);
    if (c.var.role !== 'owner') throw new AppError(ErrorCode.Forbidden, 'Only the owner can clone a store');
    const body = c.req.valid('json');
    const source = c.var.store;
    checkSlugFree(c, body, source.currency);
    const job = await findExport(c, body.exportId);
    const result = job?.result as ExportResult | null | undefined;
    if (job?.state !== 'completed' || !result?.key) throw new AppError(ErrorCode.NotFound, 'No finished export with that id');
    const key = archiveKey(source.id, body.exportId);
    const obj = await c.var.services.storage.get(key);
    if (!obj) throw new AppError(ErrorCode.NotFound, 'The export file is gone');
    // Refuse a damaged archive before creating anything.
    await verifyArchive(obj.body);
    const idem = c.req.valid('header')['idempotency-key'];
    const { store } = await c.var.services.stores.create(
      { userId: auth.user.id, requestId: c.var.requestId },
      { name: body.name, slug: body.slug, currency: source.currency, defaultLocale: source.default_locale, importSource: key },
      idem ? `clone:${idem}` : undefined,
    );
    const queued = await c.var.services.queues.enqueue(cloneStoreJob, { storeId: store.id });
    await writeAudit(c.var.services.db, {
      storeId: source.id,
      actorUserId: auth.user.id,
      action: 'store.clone_started',
      targetType: 'store',
      targetId: store.id,
      data: { exportId: body.exportId, slug: store.slug },
      requestId: c.var.requestId,
    });
    return c.json({ store: toStoreJson(c.var.services.config, { ...store, role: 'owner' }), jobId: queued.id ?? null }, 202);
  });

  app.openapi(importArchive, async (c) => {
    const auth = requireAuth(c);
    const q = c.req.valid('query');
    // The upload goes to a temporary file as it arrives and is inflated from there as a stream with hard caps
    // (verifyArchive), so a gzip bomb is refused with 413 archive_too_large without ever being held whole.
    const spool = await spoolUpload(c.req.raw.body, c.var.services.config.maxBodyBytes);
    let bytes: Uint8Array;
    let archive: Awaited<ReturnType<typeof verifyArchive>>;
    try {
      if (spool.bytes === 0) throw new AppError(ErrorCode.ValidationFailed, 'The archive is empty');
      archive = await verifyArchive(createReadStream(spool.path));
      bytes = await readFile(spool.path);
    } finally {
      await spool.remove();
    }
    const currency = archive.manifest.store.currency;
    checkSlugFree(c, q, currency);
    const idem = c.req.valid('header')['idempotency-key'];
    const { store } = await c.var.services.stores.create(
      { userId: auth.user.id, requestId: c.var.requestId },
      { name: q.name, slug: q.slug, currency, defaultLocale: archive.manifest.store.defaultLocale, importSource: 'pending-upload' },
      idem ? `import:${idem}` : undefined,
    );
    // The archive lives under the new store's own key; then the store points at it.
    const row = await c.var.services.stores.getRow(store.id);
    if (row?.import_source === 'pending-upload') {
      const key = archiveKey(store.id, `${randomBytes(16).toString('hex')}`);
      await c.var.services.storage.put(key, bytes, 'application/gzip');
      await c.var.services.stores.attachImportArchive(store.id, key);
    }
    const queued = await c.var.services.queues.enqueue(cloneStoreJob, { storeId: store.id });
    await writeAudit(c.var.services.db, {
      storeId: store.id,
      actorUserId: auth.user.id,
      action: 'store.import_started',
      targetType: 'store',
      targetId: store.id,
      data: { sourceStoreId: archive.manifest.store.id, exportedAt: archive.manifest.exportedAt, bytes: bytes.length },
      requestId: c.var.requestId,
    });
    const fresh = (await c.var.services.stores.getRow(store.id)) ?? row;
    return c.json({ store: toStoreJson(c.var.services.config, { ...(fresh ? toStoreView(fresh) : store), role: 'owner' }), jobId: queued.id ?? null }, 202);
  });
}

/** Writes a request body to a private temporary file, refusing (413) past `maxBytes`. */
async function spoolUpload(body: ReadableStream<Uint8Array> | null, maxBytes: number) {
  const dir = await mkdtemp(join(tmpdir(), 'storeloom-upload-'));
  const path = join(dir, 'upload.tar.gz');
  const remove = () => rm(dir, { recursive: true, force: true });
  let bytes = 0;
  try {
    if (body) {
      const cap = new Transform({
        transform(chunk: Buffer, _enc, done) {
          bytes += chunk.length;
          if (bytes > maxBytes) done(new AppError(ErrorCode.PayloadTooLarge, 'Request body is too large'));
          else done(null, chunk);
        },
      });
      await pipeline(Readable.fromWeb(body as NodeReadableStream<Uint8Array>), cap, createWriteStream(path, { mode: 0o600 }));
    }
  } catch (e) {
    await remove();
    throw e;
  }
  return { path, bytes, remove };
}
