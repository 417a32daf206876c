import { createRoute, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import { ProductImageService, ProductService } from '@storeloom/catalog';
import { AppError, ErrorCode } from '@storeloom/errors';
import { catalogLimitsOf, requireAuth, requirePermission, storageOf, storeAccess, tenantOf, uuidParam } from '../guards.ts';
import {
  errorResponses,
  IdempotencyHeader,
  jsonBody,
  jsonResponse,
  pageOf,
  ProductCreateSchema,
  ProductPatchSchema,
  ProductSchema,
  StoreIdParam,
} from '../schemas.ts';
import type { Api } from '../context.ts';
import { idempotent } from '../idempotency.ts';
import { catalogCache } from '../catalog-cache.ts';

const Params = StoreIdParam.extend({ productId: z.string() });

const list = createRoute({
  operationId: 'listProducts',
  method: 'get',
  path: '/stores/{storeId}/products',
  tags: ['products'],
  summary: 'List products (cursor pagination, filters, sort)',
  description: 'Answers with an `ETag`; send it back in `If-None-Match` for a 304 while the catalogue is unchanged.',
  middleware: [storeAccess, catalogCache] as const,
  request: {
    params: StoreIdParam,
    query: z.object({
      limit: z.coerce.number().int().min(1).max(250).default(50),
      cursor: z.string().max(500).optional(),
      status: z.enum(['draft', 'active', 'archived']).optional(),
      collectionId: z.string().uuid().optional(),
      tag: z.string().max(100).optional(),
      q: z.string().trim().max(200).optional().openapi({ description: 'Title, handle or SKU contains' }),
      sort: z.enum(['createdAt', '-createdAt', 'updatedAt', '-updatedAt', 'title', '-title']).default('-createdAt'),
    }),
  },
  responses: {
    200: jsonResponse(pageOf(ProductSchema, 'ProductPage'), 'A page of products'),
    304: { description: 'Not modified (If-None-Match named the current ETag)' },
    ...errorResponses(400, 401, 404),
  },
});

const create = createRoute({
  operationId: 'createProduct',
  method: 'post',
  path: '/stores/{storeId}/products',
  tags: ['products'],
  summary: 'Create a product with its variants',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam, headers: IdempotencyHeader, body: jsonBody(ProductCreateSchema) },
  responses: { 201: jsonResponse(ProductSchema, 'Created'), ...errorResponses(400, 401, 403, 404, 409, 422) },
});

const get = createRoute({
  operationId: 'getProduct',
  method: 'get',
  path: '/stores/{storeId}/products/{productId}',
  tags: ['products'],
  summary: 'One product',
  description: 'Answers with an `ETag`; send it back in `If-None-Match` for a 304 while the catalogue is unchanged.',
  middleware: [storeAccess, catalogCache] as const,
  request: { params: Params },
  responses: {
    200: jsonResponse(ProductSchema, 'The product'),
    304: { description: 'Not modified (If-None-Match named the current ETag)' },
    ...errorResponses(401, 404),
  },
});

const patch = createRoute({
  operationId: 'updateProduct',
  method: 'patch',
  path: '/stores/{storeId}/products/{productId}',
  tags: ['products'],
  summary: 'Update a product (optimistic concurrency on `version`; `variants` and `images` replace the lists)',
  middleware: [storeAccess] as const,
  request: { params: Params, body: jsonBody(ProductPatchSchema) },
  responses: { 200: jsonResponse(ProductSchema, 'Updated'), ...errorResponses(400, 401, 403, 404, 409) },
});

const archive = createRoute({
  operationId: 'archiveProduct',
  method: 'post',
  path: '/stores/{storeId}/products/{productId}/archive',
  tags: ['products'],
  summary: 'Archive a product (hidden from the storefront, kept for order history)',
  middleware: [storeAccess] as const,
  request: { params: Params },
  responses: { 200: jsonResponse(ProductSchema, 'Archived'), ...errorResponses(401, 403, 404) },
});

const remove = createRoute({
  operationId: 'deleteProduct',
  method: 'delete',
  path: '/stores/{storeId}/products/{productId}',
  tags: ['products'],
  summary: 'Delete a product permanently',
  middleware: [storeAccess] as const,
  request: { params: Params },
  responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404) },
});

export function registerProductRoutes(app: Api) {
  app.openapi(list, async (c) => {
    const q = c.req.valid('query');
    return c.json(await new ProductService(tenantOf(c)).list(q), 200);
  });

  app.openapi(create, async (c) => {
    const auth = requireAuth(c);
    requirePermission(c, Permission.WriteCatalog);
    const body = c.req.valid('json');
    const service = new ProductService(tenantOf(c), catalogLimitsOf(c));
    return idempotent(c, auth.user.id, body, async () => {
      const product = await service.create(body);
      await c.var.services.catalogEvents.productChanged(c.var.store.id, product.id);
      return { status: 201, body: product };
    });
  });

  app.openapi(get, async (c) => {
    const product = await new ProductService(tenantOf(c)).get(uuidParam(c, 'productId', 'Product'));
    if (!product) throw new AppError(ErrorCode.NotFound, 'Product not found');
    return c.json(product, 200);
  });

  app.openapi(patch, async (c) => {
    requirePermission(c, Permission.WriteCatalog);
    const body = c.req.valid('json');
    const id = uuidParam(c, 'productId', 'Product');
    const service = new ProductService(tenantOf(c), catalogLimitsOf(c));
    const product = await service.update(id, body, c.var.auth?.user.id ?? null);
    await c.var.services.catalogEvents.productChanged(c.var.store.id, id);
    return c.json(product, 200);
  });

  app.openapi(archive, async (c) => {
    requirePermission(c, Permission.WriteCatalog);
    const service = new ProductService(tenantOf(c));
    const id = uuidParam(c, 'productId', 'Product');
    // Archive is idempotent: retry with the version we read until it lands.
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await service.get(id);
      if (!current) throw new AppError(ErrorCode.NotFound, 'Product not found');
      if (current.status === 'archived') return c.json(current, 200);
      try {
        const archived = await service.update(id, { version: current.version, status: 'archived' });
        await c.var.services.catalogEvents.productChanged(c.var.store.id, id);
        return c.json(archived, 200);
      } catch (e) {
        if (!(e instanceof AppError && e.code === ErrorCode.VersionConflict)) throw e;
      }
    }
    throw new AppError(ErrorCode.VersionConflict, 'The product keeps changing; try again');
  });

  app.openapi(remove, async (c) => {
    requirePermission(c, Permission.WriteCatalog);
    const id = uuidParam(c, 'productId', 'Product');
    const t = tenantOf(c);
    // Uploaded files go with the product (its image rows cascade); deleted after commit, best effort.
    const uploaded = await new ProductImageService(t).uploadedKeys(id);
    await new ProductService(t).delete(id);
    await c.var.services.catalogEvents.productChanged(c.var.store.id, id);
    for (const key of uploaded)
      await storageOf(c)
        .delete(key)
        .catch((err) => c.var.logger.warn('could not delete an image object', { err }));
    return c.body(null, 204);
  });
}
