/** Product reviews: the moderation queue (publish, hide, reply, delete) and the CSV import from another platform. */
import { createRoute, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import { ReviewService } from '@storeloom/content';
import { AppError, ErrorCode } from '@storeloom/errors';
import { requirePermission, storeAccess, tenantOf, uuidParam } from '../guards.ts';
import { errorResponses, jsonBody, jsonResponse, StoreIdParam } from '../schemas.ts';
import type { Api } from '../context.ts';

const Status = z.enum(['pending', 'published', 'hidden']);
const ReviewSchema = z
  .object({
    id: z.string(),
    productId: z.string(),
    orderId: z.string().nullable(),
    author: z.string(),
    rating: z.number().int().min(1).max(5),
    title: z.string(),
    body: z.string(),
    status: Status,
    reply: z.string().nullable(),
    repliedAt: z.string().nullable(),
    verified: z.boolean().openapi({ description: 'Written through a signed link from a fulfilled order' }),
    source: z.enum(['buyer', 'import']),
    createdAt: z.string(),
  })
  .openapi('Review');
const Params = StoreIdParam.extend({ reviewId: z.string() });

const list = createRoute({
  operationId: 'listReviews',
  method: 'get',
  path: '/stores/{storeId}/reviews',
  tags: ['content'],
  summary: 'Reviews, newest first (filter by status or product)',
  middleware: [storeAccess] as const,
  request: {
    params: StoreIdParam,
    query: z.object({ status: Status.optional(), productId: z.string().uuid().optional(), limit: z.coerce.number().int().min(1).max(250).default(50) }),
  },
  responses: { 200: jsonResponse(z.object({ data: z.array(ReviewSchema) }).openapi('ReviewList'), 'Reviews'), ...errorResponses(400, 401, 404) },
});
const moderate = createRoute({
  operationId: 'moderateReview',
  method: 'patch',
  path: '/stores/{storeId}/reviews/{reviewId}',
  tags: ['content'],
  summary: 'Publish or hide a review, or reply to it publicly (an empty reply removes it)',
  middleware: [storeAccess] as const,
  request: { params: Params, body: jsonBody(z.object({ status: Status.optional(), reply: z.string().max(5000).nullable().optional() })) },
  responses: { 200: jsonResponse(ReviewSchema, 'Updated'), ...errorResponses(400, 401, 403, 404) },
});
const remove = createRoute({
  operationId: 'deleteReview',
  method: 'delete',
  path: '/stores/{storeId}/reviews/{reviewId}',
  tags: ['content'],
  summary: 'Delete a review',
  middleware: [storeAccess] as const,
  request: { params: Params },
  responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404) },
});
const importCsv = createRoute({
  operationId: 'importReviews',
  method: 'post',
  path: '/stores/{storeId}/reviews/import',
  tags: ['content'],
  summary: 'Import reviews from CSV (product_handle, rating, title, body, author, email, created_at); valid rows are published as unverified',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam, body: { required: true, content: { 'text/csv': { schema: z.string() } } } },
  responses: {
    200: jsonResponse(
      z.object({ imported: z.number().int(), errors: z.array(z.object({ row: z.number().int(), message: z.string() })) }).openapi('ReviewImport'),
      'How many were imported, and the refused rows',
    ),
    ...errorResponses(400, 401, 403, 404, 413, 415),
  },
});

export function registerReviewRoutes(app: Api) {
  app.openapi(list, async (c) => {
    const q = c.req.valid('query');
    return c.json(
      {
        data: await new ReviewService(tenantOf(c)).list({
          limit: q.limit,
          ...(q.status ? { status: q.status } : {}),
          ...(q.productId ? { productId: q.productId } : {}),
        }),
      },
      200,
    );
  });
  app.openapi(moderate, async (c) => {
    requirePermission(c, Permission.WriteCatalog);
    const body = c.req.valid('json');
    if (body.status === undefined && body.reply === undefined) throw new AppError(ErrorCode.ValidationFailed, 'Send a status or a reply');
    const review = await new ReviewService(tenantOf(c)).moderate(uuidParam(c, 'reviewId', 'Review'), {
      ...(body.status ? { status: body.status } : {}),
      ...(body.reply !== undefined ? { reply: body.reply } : {}),
    });
    // Search ranks by published reviews: a status change moves the product's rating signal.
    if (body.status) await c.var.services.catalogEvents.reviewsChanged(c.var.store.id, [review.productId]);
    return c.json(review, 200);
  });
  app.openapi(remove, async (c) => {
    requirePermission(c, Permission.WriteCatalog);
    const { productId } = await new ReviewService(tenantOf(c)).delete(uuidParam(c, 'reviewId', 'Review'));
    await c.var.services.catalogEvents.reviewsChanged(c.var.store.id, [productId]);
    return c.body(null, 204);
  });
  app.openapi(importCsv, async (c) => {
    requirePermission(c, Permission.ImportCatalog);
    const { productIds, ...result } = await new ReviewService(tenantOf(c)).importCsv(await c.req.text());
    await c.var.services.catalogEvents.reviewsChanged(c.var.store.id, productIds);
    return c.json(result, 200);
  });
}
