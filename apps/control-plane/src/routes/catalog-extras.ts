/** Console catalogue extras: inventory page listing, low-stock thresholds, bulk product actions, CSV export. */
import { createRoute, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import { bulkUpdateProducts, exportProductsCsv, StockService } from '@storeloom/catalog';
import { catalogLimitsOf, requirePermission, storeAccess, tenantOf, uuidParam } from '../guards.ts';
import { errorResponses, jsonBody, jsonResponse, pageOf, StoreIdParam } from '../schemas.ts';
import type { Api } from '../context.ts';

export const StockRowSchema = z
  .object({
    variantId: z.string(),
    productId: z.string(),
    productTitle: z.string(),
    productStatus: z.string(),
    variantTitle: z.string(),
    sku: z.string().nullable(),
    inventoryQuantity: z.number().int(),
    lowStockThreshold: z.number().int().nullable(),
    lowStock: z.boolean(),
    imageUrl: z.string().nullable(),
  })
  .openapi('StockRow');

const inventory = createRoute({
  operationId: 'listInventory',
  method: 'get',
  path: '/stores/{storeId}/inventory',
  tags: ['inventory'],
  summary: 'Stock per variant with product title and low-stock threshold (by product title)',
  middleware: [storeAccess] as const,
  request: {
    params: StoreIdParam,
    query: z.object({
      lowStock: z
        .enum(['true', 'false'])
        .optional()
        .transform((v) => v === 'true'),
      q: z.string().trim().max(200).optional().openapi({ description: 'Product title, variant title or SKU contains' }),
      cursor: z.string().max(1000).optional(),
      limit: z.coerce.number().int().min(1).max(250).default(50),
    }),
  },
  responses: { 200: jsonResponse(pageOf(StockRowSchema, 'StockPage'), 'Variants'), ...errorResponses(400, 401, 404) },
});

const threshold = createRoute({
  operationId: 'setLowStockThreshold',
  method: 'put',
  path: '/stores/{storeId}/variants/{variantId}/low-stock-threshold',
  tags: ['inventory'],
  summary: "Set a variant's low-stock threshold (null: no alert)",
  middleware: [storeAccess] as const,
  request: {
    params: StoreIdParam.extend({ variantId: z.string() }),
    body: jsonBody(z.object({ lowStockThreshold: z.number().int().min(0).max(2_000_000_000).nullable() })),
  },
  responses: { 200: jsonResponse(StockRowSchema, 'Updated'), ...errorResponses(400, 401, 403, 404) },
});

const bulk = createRoute({
  operationId: 'bulkUpdateProducts',
  method: 'post',
  path: '/stores/{storeId}/products/bulk',
  tags: ['products'],
  summary: 'Archive or set the status of many products in one transaction; one result per id',
  middleware: [storeAccess] as const,
  request: {
    params: StoreIdParam,
    body: jsonBody(
      z.discriminatedUnion('action', [
        z.object({ action: z.literal('archive'), ids: z.array(z.string().uuid()).min(1).max(250) }),
        z.object({ action: z.literal('set-status'), status: z.enum(['draft', 'active', 'archived']), ids: z.array(z.string().uuid()).min(1).max(250) }),
      ]),
    ),
  },
  responses: {
    200: jsonResponse(
      z.object({
        results: z.array(
          z.object({
            id: z.string(),
            ok: z.boolean(),
            status: z.enum(['draft', 'active', 'archived']).optional(),
            version: z.number().int().optional(),
            error: z.object({ code: z.string(), message: z.string() }).optional(),
          }),
        ),
      }),
      'Per-id results',
    ),
    ...errorResponses(400, 401, 403, 404),
  },
});

const exportCsv = createRoute({
  operationId: 'exportProductsCsv',
  method: 'get',
  path: '/stores/{storeId}/products/export.csv',
  tags: ['products'],
  summary: 'All products as a Shopify product CSV (the columns the importer reads), streamed',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam },
  responses: { 200: { description: 'CSV', content: { 'text/csv': { schema: z.string() } } }, ...errorResponses(401, 404) },
});

export function registerCatalogExtraRoutes(app: Api) {
  app.openapi(inventory, async (c) => {
    const { lowStock, q, cursor, limit } = c.req.valid('query');
    return c.json(await new StockService(tenantOf(c)).list({ lowStock, limit, ...(q ? { q } : {}), ...(cursor ? { cursor } : {}) }), 200);
  });

  app.openapi(threshold, async (c) => {
    requirePermission(c, Permission.AdjustInventory);
    const variantId = uuidParam(c, 'variantId', 'Variant');
    return c.json(await new StockService(tenantOf(c)).setThreshold(variantId, c.req.valid('json').lowStockThreshold), 200);
  });

  app.openapi(bulk, async (c) => {
    requirePermission(c, Permission.WriteCatalog);
    const body = c.req.valid('json');
    const results = await bulkUpdateProducts(
      tenantOf(c),
      body.ids,
      body.action === 'archive' ? { action: 'archive' } : { action: 'set-status', status: body.status },
      catalogLimitsOf(c),
    );
    return c.json({ results }, 200);
  });

  app.openapi(exportCsv, async (c) => {
    requirePermission(c, Permission.ReadCatalog);
    const rows = exportProductsCsv(tenantOf(c), c.var.store.currency);
    const encoder = new TextEncoder();
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const next = await rows.next();
          if (next.done) controller.close();
          else controller.enqueue(encoder.encode(next.value));
        } catch (err) {
          c.var.logger.error('product export failed', { err });
          controller.error(err);
        }
      },
      async cancel() {
        await rows.return(undefined);
      },
    });
    return new Response(stream, {
      headers: {
        'Content-Type': 'text/csv; charset=utf-8',
        'Content-Disposition': `attachment; filename="products-${c.var.store.slug}.csv"`,
        'Cache-Control': 'no-store',
      },
    });
  });
}
