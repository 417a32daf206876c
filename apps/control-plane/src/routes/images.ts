/** Product images uploaded to media storage: add (multipart), alt text, reorder, delete. */
import { createRoute, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import { ProductImageService } from '@storeloom/catalog';
import { AppError, ErrorCode } from '@storeloom/errors';
import { newObjectKey } from '@storeloom/storage';
import { requireAuth, requirePermission, storageOf, storeAccess, tenantOf, uuidParam } from '../guards.ts';
import { errorResponses, IdempotencyHeader, jsonBody, jsonResponse, pageOf, StoreIdParam } from '../schemas.ts';
import { imageUploadBody, readImageUpload } from '../uploads.ts';
import type { Api } from '../context.ts';
import { idempotent } from '../idempotency.ts';

const ProductParams = StoreIdParam.extend({ productId: z.string() });
const ImageParams = StoreIdParam.extend({ productId: z.string(), imageId: z.string() });
export const ProductImageSchema = z.object({ id: z.string(), url: z.string(), alt: z.string().nullable(), position: z.number().int() }).openapi('ProductImage');
const Alt = z.string().trim().max(500).nullable();

const StoreImageSchema = ProductImageSchema.extend({ productId: z.string(), productTitle: z.string() }).openapi('StoreImage');

const search = createRoute({
  operationId: 'searchProductImages',
  method: 'get',
  path: '/stores/{storeId}/images',
  tags: ['products'],
  summary: "Every product's images (newest product first), searchable by alt text or product title (for image pickers)",
  middleware: [storeAccess] as const,
  request: {
    params: StoreIdParam,
    query: z.object({
      query: z.string().trim().max(200).optional().openapi({ description: 'Alt text or product title contains (case-insensitive)' }),
      limit: z.coerce.number().int().min(1).max(100).default(20),
      cursor: z.string().max(500).optional(),
    }),
  },
  responses: { 200: jsonResponse(pageOf(StoreImageSchema, 'StoreImagePage'), 'Images'), ...errorResponses(400, 401, 404) },
});

const upload = createRoute({
  operationId: 'uploadProductImage',
  method: 'post',
  path: '/stores/{storeId}/products/{productId}/images',
  tags: ['products'],
  summary: 'Upload an image (multipart `file`, optional `alt`); appended after the existing ones',
  middleware: [storeAccess] as const,
  request: { params: ProductParams, headers: IdempotencyHeader, body: imageUploadBody({ alt: z.string().max(500).optional() }) },
  responses: { 201: jsonResponse(ProductImageSchema, 'Uploaded'), ...errorResponses(400, 401, 403, 404, 413, 415, 422) },
});

const patchImage = createRoute({
  operationId: 'updateProductImage',
  method: 'patch',
  path: '/stores/{storeId}/products/{productId}/images/{imageId}',
  tags: ['products'],
  summary: "Change an image's alt text",
  middleware: [storeAccess] as const,
  request: { params: ImageParams, body: jsonBody(z.object({ alt: Alt })) },
  responses: { 200: jsonResponse(ProductImageSchema, 'Updated'), ...errorResponses(400, 401, 403, 404) },
});

const reorder = createRoute({
  operationId: 'reorderProductImages',
  method: 'put',
  path: '/stores/{storeId}/products/{productId}/images/order',
  tags: ['products'],
  summary: 'Reorder images: every image id of the product, in the new order (atomic)',
  middleware: [storeAccess] as const,
  request: { params: ProductParams, body: jsonBody(z.object({ imageIds: z.array(z.string().uuid()).max(250) })) },
  responses: { 200: jsonResponse(z.object({ data: z.array(ProductImageSchema) }), 'The images in their new order'), ...errorResponses(400, 401, 403, 404) },
});

const remove = createRoute({
  operationId: 'deleteProductImage',
  method: 'delete',
  path: '/stores/{storeId}/products/{productId}/images/{imageId}',
  tags: ['products'],
  summary: 'Delete an image and its stored file',
  middleware: [storeAccess] as const,
  request: { params: ImageParams },
  responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404) },
});

export function registerImageRoutes(app: Api) {
  app.openapi(search, async (c) => {
    const q = c.req.valid('query');
    return c.json(await new ProductImageService(tenantOf(c)).search({ query: q.query || undefined, limit: q.limit, cursor: q.cursor }), 200);
  });

  app.openapi(upload, async (c) => {
    const auth = requireAuth(c);
    requirePermission(c, Permission.WriteCatalog);
    const productId = uuidParam(c, 'productId', 'Product');
    const service = new ProductImageService(tenantOf(c));
    // The product first: an unknown one is a 404 whatever the body holds.
    if (!(await service.exists(productId))) throw new AppError(ErrorCode.NotFound, 'Product not found');
    const form = c.req.valid('form');
    const { bytes, type, sha256 } = await readImageUpload(c, form.file);
    const alt = typeof form.alt === 'string' && form.alt.trim() ? form.alt.trim() : null;
    return idempotent(c, auth.user.id, { sha256, alt }, async () => {
      const storage = storageOf(c);
      const key = newObjectKey(c.var.store.id, 'img', type.ext);
      await storage.put(key, bytes, type.contentType);
      try {
        return { status: 201, body: await service.add(productId, { url: storage.publicUrl(key), storageKey: key, alt }) };
      } catch (e) {
        await storage.delete(key).catch(() => {});
        throw e;
      }
    });
  });

  app.openapi(patchImage, async (c) => {
    requirePermission(c, Permission.WriteCatalog);
    const productId = uuidParam(c, 'productId', 'Product');
    const imageId = uuidParam(c, 'imageId', 'Image');
    const { alt } = c.req.valid('json');
    return c.json(await new ProductImageService(tenantOf(c)).setAlt(productId, imageId, alt || null), 200);
  });

  app.openapi(reorder, async (c) => {
    requirePermission(c, Permission.WriteCatalog);
    const productId = uuidParam(c, 'productId', 'Product');
    return c.json({ data: await new ProductImageService(tenantOf(c)).reorder(productId, c.req.valid('json').imageIds) }, 200);
  });

  app.openapi(remove, async (c) => {
    requirePermission(c, Permission.WriteCatalog);
    const productId = uuidParam(c, 'productId', 'Product');
    const imageId = uuidParam(c, 'imageId', 'Image');
    const { storageKey } = await new ProductImageService(tenantOf(c)).remove(productId, imageId);
    // After commit: a failure here leaves an unreferenced object, never a row pointing at nothing.
    if (storageKey)
      await storageOf(c)
        .delete(storageKey)
        .catch((err) => c.var.logger.warn('could not delete an image object', { err }));
    return c.body(null, 204);
  });
}
