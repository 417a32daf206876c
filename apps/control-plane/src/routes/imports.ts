import { createRoute, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import { ImportService } from '@storeloom/catalog';
import { AppError, ErrorCode } from '@storeloom/errors';
import { importProductsJob } from '@storeloom/jobs';
import { requireAuth, requirePermission, storeAccess, tenantOf, uuidParam } from '../guards.ts';
import { errorResponses, ImportSchema, jsonResponse, StoreIdParam } from '../schemas.ts';
import type { Api } from './util.ts';

export const MAX_CSV_BYTES = 20 * 1024 * 1024;

const create = createRoute({
  operationId: 'createImport',
  method: 'post',
  path: '/stores/{storeId}/imports',
  tags: ['imports'],
  summary: 'Import products from a Shopify product CSV (runs as a background job; poll the import for progress)',
  middleware: [storeAccess] as const,
  request: {
    params: StoreIdParam,
    query: z.object({ filename: z.string().max(255).optional() }),
    body: { required: true, content: { 'text/csv': { schema: z.string().openapi({ format: 'binary' }) } } },
  },
  responses: { 202: jsonResponse(ImportSchema, 'Queued'), ...errorResponses(400, 401, 403, 404, 413, 415) },
});
const list = createRoute({
  operationId: 'listImports',
  method: 'get',
  path: '/stores/{storeId}/imports',
  tags: ['imports'],
  summary: 'Recent imports',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam },
  responses: { 200: jsonResponse(z.object({ data: z.array(ImportSchema) }), 'Imports'), ...errorResponses(401, 404) },
});
const get = createRoute({
  operationId: 'getImport',
  method: 'get',
  path: '/stores/{storeId}/imports/{importId}',
  tags: ['imports'],
  summary: 'An import with its progress and per-row errors',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam.extend({ importId: z.string() }) },
  responses: { 200: jsonResponse(ImportSchema, 'The import'), ...errorResponses(401, 404) },
});

export function registerImportRoutes(app: Api) {
  app.openapi(create, async (c) => {
    const auth = requireAuth(c);
    requirePermission(c, Permission.ImportCatalog);
    const csv = await c.req.text();
    if (!csv.trim()) throw new AppError(ErrorCode.ValidationFailed, 'The CSV file is empty');
    if (Buffer.byteLength(csv) > MAX_CSV_BYTES) throw new AppError(ErrorCode.PayloadTooLarge, 'A CSV file may be at most 20 MB');
    const { filename } = c.req.valid('query');
    const record = await new ImportService(tenantOf(c)).createCsvImport(csv, filename ?? null, auth.user.id);
    const job = await c.var.services.queues.enqueue(importProductsJob, { storeId: c.var.store.id, importId: record.id });
    return c.json({ ...record, jobId: job.id }, 202);
  });
  app.openapi(list, async (c) => c.json({ data: await new ImportService(tenantOf(c)).list() }, 200));
  app.openapi(get, async (c) => {
    const rec = await new ImportService(tenantOf(c)).get(uuidParam(c, 'importId', 'Import'));
    if (!rec) throw new AppError(ErrorCode.NotFound, 'Import not found');
    return c.json(rec, 200);
  });
}
