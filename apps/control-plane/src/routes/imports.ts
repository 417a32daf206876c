import { createRoute, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import { ImportService, InvalidCsvFile, productCsvTemplate } from '@storeloom/catalog';
import { AppError, ErrorCode } from '@storeloom/errors';
import { importProductsJob } from '@storeloom/jobs';
import { requireAuth, requirePermission, storeAccess, tenantOf, uuidParam } from '../guards.ts';
import { errorResponses, ImportRowIssueSchema, ImportSchema, jsonResponse, StoreIdParam } from '../schemas.ts';
import type { Api } from '../context.ts';

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
const ImportPreviewSchema = z
  .object({
    totalRows: z.number().int(),
    createCount: z.number().int().openapi({ description: 'Products the import would create' }),
    updateCount: z.number().int().openapi({ description: 'Existing products (same handle) the import would update' }),
    variantCount: z.number().int(),
    imageCount: z.number().int().openapi({ description: 'Images the import would copy into the store' }),
    errorCount: z.number().int(),
    warningCount: z.number().int(),
    errors: z.array(ImportRowIssueSchema),
    warnings: z.array(ImportRowIssueSchema),
  })
  .openapi('ImportPreview');

const preview = createRoute({
  method: 'post',
  operationId: 'previewImport',
  path: '/stores/{storeId}/imports/preview',
  tags: ['imports'],
  summary: 'Dry run of a product CSV: what an import would create and update, with per-row errors and warnings; nothing is written',
  middleware: [storeAccess] as const,
  request: {
    params: StoreIdParam,
    body: { required: true, content: { 'text/csv': { schema: z.string().openapi({ format: 'binary' }) } } },
  },
  responses: { 200: jsonResponse(ImportPreviewSchema, 'What the import would do'), ...errorResponses(400, 401, 403, 404, 413, 415) },
});

const template = createRoute({
  method: 'get',
  operationId: 'getImportTemplate',
  path: '/stores/{storeId}/imports/template',
  tags: ['imports'],
  summary: 'A product CSV template (Shopify columns, one example product with two variants)',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam },
  responses: {
    200: { description: 'The template', content: { 'text/csv': { schema: z.string() } } },
    ...errorResponses(401, 404),
  },
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

/** The CSV body of an import or a preview: not empty, at most 20 MB. */
async function readCsv(text: () => Promise<string>): Promise<string> {
  const csv = await text();
  if (!csv.trim()) throw new AppError(ErrorCode.ValidationFailed, 'The CSV file is empty');
  if (Buffer.byteLength(csv) > MAX_CSV_BYTES) throw new AppError(ErrorCode.PayloadTooLarge, 'A CSV file may be at most 20 MB');
  return csv;
}

export function registerImportRoutes(app: Api) {
  // Before /imports/{importId}: "template" and "preview" are not import ids.
  app.openapi(template, async (c) => {
    c.header('content-disposition', 'attachment; filename="product-import-template.csv"');
    return c.body(productCsvTemplate(), 200, { 'content-type': 'text/csv; charset=utf-8' });
  });
  app.openapi(preview, async (c) => {
    requirePermission(c, Permission.ImportCatalog);
    const csv = await readCsv(() => c.req.text());
    try {
      return c.json(await new ImportService(tenantOf(c)).preview(csv, c.var.store.currency), 200);
    } catch (e) {
      // A file the CSV parser refuses (unclosed quote, too many rows) is a 400 with the parser's reason.
      if (e instanceof InvalidCsvFile) throw new AppError(ErrorCode.ValidationFailed, `The file is not a readable CSV: ${e.message.slice(0, 300)}`);
      throw e;
    }
  });
  app.openapi(create, async (c) => {
    const auth = requireAuth(c);
    requirePermission(c, Permission.ImportCatalog);
    const csv = await readCsv(() => c.req.text());
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
