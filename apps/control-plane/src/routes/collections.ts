import { createRoute, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import { CollectionService } from '@storeloom/catalog';
import { AppError, ErrorCode } from '@storeloom/errors';
import { requireAuth, requirePermission, storeAccess, tenantOf, uuidParam } from '../guards.ts';
import { CollectionSchema, errorResponses, Handle, IdempotencyHeader, jsonBody, jsonResponse, pageOf, StoreIdParam } from '../schemas.ts';
import type { Api } from '../context.ts';
import { idempotent } from '../idempotency.ts';

const Params = StoreIdParam.extend({ collectionId: z.string() });
const Fields = z.object({ title: z.string().trim().min(1).max(255), handle: Handle.optional(), description: z.string().max(100_000).optional() });

const list = createRoute({
  operationId: 'listCollections',
  method: 'get',
  path: '/stores/{storeId}/collections',
  tags: ['collections'],
  summary: 'List collections',
  middleware: [storeAccess] as const,
  request: {
    params: StoreIdParam,
    query: z.object({
      limit: z.coerce.number().int().min(1).max(250).default(50),
      cursor: z.string().max(500).optional(),
      query: z.string().trim().max(200).optional().openapi({ description: 'Title or handle contains (case-insensitive)' }),
    }),
  },
  responses: { 200: jsonResponse(pageOf(CollectionSchema, 'CollectionPage'), 'Collections'), ...errorResponses(400, 401, 404) },
});
const create = createRoute({
  operationId: 'createCollection',
  method: 'post',
  path: '/stores/{storeId}/collections',
  tags: ['collections'],
  summary: 'Create a manual collection',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam, headers: IdempotencyHeader, body: jsonBody(Fields.extend({ productIds: z.array(z.string().uuid()).max(1000).optional() })) },
  responses: { 201: jsonResponse(CollectionSchema, 'Created'), ...errorResponses(400, 401, 403, 404, 409) },
});
const get = createRoute({
  operationId: 'getCollection',
  method: 'get',
  path: '/stores/{storeId}/collections/{collectionId}',
  tags: ['collections'],
  summary: 'One collection',
  middleware: [storeAccess] as const,
  request: { params: Params },
  responses: { 200: jsonResponse(CollectionSchema, 'The collection'), ...errorResponses(401, 404) },
});
const patch = createRoute({
  operationId: 'updateCollection',
  method: 'patch',
  path: '/stores/{storeId}/collections/{collectionId}',
  tags: ['collections'],
  summary: 'Update a collection (optimistic concurrency on `version`)',
  middleware: [storeAccess] as const,
  request: { params: Params, body: jsonBody(Fields.partial().extend({ version: z.number().int().min(1) })) },
  responses: { 200: jsonResponse(CollectionSchema, 'Updated'), ...errorResponses(400, 401, 403, 404, 409) },
});
const remove = createRoute({
  operationId: 'deleteCollection',
  method: 'delete',
  path: '/stores/{storeId}/collections/{collectionId}',
  tags: ['collections'],
  summary: 'Delete a collection (its products stay)',
  middleware: [storeAccess] as const,
  request: { params: Params },
  responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404) },
});
const addProducts = createRoute({
  operationId: 'addCollectionProducts',
  method: 'post',
  path: '/stores/{storeId}/collections/{collectionId}/products',
  tags: ['collections'],
  summary: 'Add products to a collection (idempotent)',
  middleware: [storeAccess] as const,
  request: { params: Params, body: jsonBody(z.object({ productIds: z.array(z.string().uuid()).min(1).max(1000) })) },
  responses: { 200: jsonResponse(CollectionSchema, 'Updated'), ...errorResponses(400, 401, 403, 404) },
});
const removeProduct = createRoute({
  operationId: 'removeCollectionProduct',
  method: 'delete',
  path: '/stores/{storeId}/collections/{collectionId}/products/{productId}',
  tags: ['collections'],
  summary: 'Remove a product from a collection',
  middleware: [storeAccess] as const,
  request: { params: Params.extend({ productId: z.string() }) },
  responses: { 204: { description: 'Removed' }, ...errorResponses(401, 403, 404) },
});

export function registerCollectionRoutes(app: Api) {
  app.openapi(list, async (c) => {
    const q = c.req.valid('query');
    return c.json(await new CollectionService(tenantOf(c)).list(q.limit, q.cursor, q.query || undefined), 200);
  });
  app.openapi(create, async (c) => {
    const auth = requireAuth(c);
    requirePermission(c, Permission.WriteCatalog);
    const body = c.req.valid('json');
    const service = new CollectionService(tenantOf(c));
    return idempotent(c, auth.user.id, body, async () => ({ status: 201, body: await service.create(body) }));
  });
  app.openapi(get, async (c) => {
    const coll = await new CollectionService(tenantOf(c)).get(uuidParam(c, 'collectionId', 'Collection'));
    if (!coll) throw new AppError(ErrorCode.NotFound, 'Collection not found');
    return c.json(coll, 200);
  });
  app.openapi(patch, async (c) => {
    requirePermission(c, Permission.WriteCatalog);
    const collectionId = uuidParam(c, 'collectionId', 'Collection');
    const body = c.req.valid('json');
    const updated = await new CollectionService(tenantOf(c)).update(collectionId, body);
    // The title is a facet value in each member product's search document.
    if (body.title !== undefined)
      await c.var.services.catalogEvents.collectionChanged(c.var.store.id, collectionId, await new CollectionService(tenantOf(c)).memberIds(collectionId));
    return c.json(updated, 200);
  });
  app.openapi(remove, async (c) => {
    requirePermission(c, Permission.WriteCatalog);
    const collectionId = uuidParam(c, 'collectionId', 'Collection');
    const members = await new CollectionService(tenantOf(c)).memberIds(collectionId);
    await new CollectionService(tenantOf(c)).delete(collectionId);
    await c.var.services.catalogEvents.collectionChanged(c.var.store.id, collectionId, members);
    return c.body(null, 204);
  });
  app.openapi(addProducts, async (c) => {
    requirePermission(c, Permission.WriteCatalog);
    const { productIds } = c.req.valid('json');
    const collectionId = uuidParam(c, 'collectionId', 'Collection');
    const result = await new CollectionService(tenantOf(c)).addProducts(collectionId, productIds);
    // A bulk add (up to 1000 products) is one store reindex named by the collection above the threshold, not a job per product.
    await c.var.services.catalogEvents.collectionChanged(c.var.store.id, collectionId, [...new Set(productIds)]);
    return c.json(result, 200);
  });
  app.openapi(removeProduct, async (c) => {
    requirePermission(c, Permission.WriteCatalog);
    const productId = uuidParam(c, 'productId', 'Product');
    await new CollectionService(tenantOf(c)).removeProduct(uuidParam(c, 'collectionId', 'Collection'), productId);
    await c.var.services.catalogEvents.productChanged(c.var.store.id, productId);
    return c.body(null, 204);
  });
}
