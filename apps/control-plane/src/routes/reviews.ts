/**
 * Product reviews: the moderation queue (publish, hide, reply, delete, remove one photo) and the CSV import from
 * another platform. Shoppers' photos are personal data: the merchant sees them only through this API (never a public
 * media URL); deleting a review or a photo deletes the stored files with their resized copies.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import { ReviewService } from '@storeloom/content';
import { AppError, ErrorCode } from '@storeloom/errors';
import { type StoreStorage, storeStorage, withVariantKeys } from '@storeloom/storage';
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
    photos: z
      .array(
        z
          .object({
            id: z.string(),
            width: z.number().int(),
            height: z.number().int(),
            contentType: z.string(),
            url: z.string().openapi({ description: 'GET …/reviews/{reviewId}/photos/{photoId} (private: only through the API)' }),
          })
          .openapi('ReviewPhoto'),
      )
      .openapi({ description: "The shopper's photos (re-encoded without metadata); shown on the storefront only while the review is published" }),
  })
  .openapi('Review');
const Params = StoreIdParam.extend({ reviewId: z.string() });
const PhotoParams = Params.extend({ photoId: z.string() });

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

const photo = createRoute({
  operationId: 'getReviewPhoto',
  method: 'get',
  path: '/stores/{storeId}/reviews/{reviewId}/photos/{photoId}',
  tags: ['content'],
  summary: "One of the shopper's photos on a review (private: only through this route)",
  middleware: [storeAccess] as const,
  request: { params: PhotoParams },
  responses: { 200: { description: 'The image', content: { 'image/*': { schema: z.any() } } }, ...errorResponses(401, 403, 404) },
});
const removePhoto = createRoute({
  operationId: 'deleteReviewPhoto',
  method: 'delete',
  path: '/stores/{storeId}/reviews/{reviewId}/photos/{photoId}',
  tags: ['content'],
  summary: 'Remove one photo from a review (the stored file too)',
  middleware: [storeAccess] as const,
  request: { params: PhotoParams },
  responses: { 204: { description: 'Removed' }, ...errorResponses(401, 403, 404) },
});

type ReviewOut = Awaited<ReturnType<ReviewService['list']>>[number];
const withUrls = (storeId: string, r: ReviewOut) => ({
  ...r,
  photos: r.photos.map((ph) => ({ ...ph, url: `/api/v1/stores/${storeId}/reviews/${r.id}/photos/${ph.id}` })),
});

/** Deletes photo files and whatever resized copies the storefront made (best effort: a row already gone is what counts). */
async function deletePhotoFiles(storage: StoreStorage, keys: string[]) {
  await Promise.all(keys.flatMap(withVariantKeys).map((k) => storage.delete(k).catch(() => undefined)));
}

export function registerReviewRoutes(app: Api) {
  app.openapi(list, async (c) => {
    const q = c.req.valid('query');
    const rows = await new ReviewService(tenantOf(c)).list({
      limit: q.limit,
      ...(q.status ? { status: q.status } : {}),
      ...(q.productId ? { productId: q.productId } : {}),
    });
    return c.json({ data: rows.map((r) => withUrls(c.var.store.id, r)) }, 200);
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
    return c.json(withUrls(c.var.store.id, review), 200);
  });
  app.openapi(remove, async (c) => {
    requirePermission(c, Permission.WriteCatalog);
    const { productId, photoKeys } = await new ReviewService(tenantOf(c)).delete(uuidParam(c, 'reviewId', 'Review'));
    await deletePhotoFiles(storeStorage(c.var.services.storage, c.var.store.id), photoKeys);
    await c.var.services.catalogEvents.reviewsChanged(c.var.store.id, [productId]);
    return c.body(null, 204);
  });
  app.openapi(photo, async (c) => {
    const found = await new ReviewService(tenantOf(c)).photo(uuidParam(c, 'reviewId', 'Review'), uuidParam(c, 'photoId', 'Photo'));
    const obj = found ? await storeStorage(c.var.services.storage, c.var.store.id).get(found.key) : null;
    if (!obj) throw new AppError(ErrorCode.NotFound, 'Photo not found');
    c.header('content-type', obj.contentType);
    c.header('cache-control', 'private, no-store');
    c.header('x-content-type-options', 'nosniff');
    return c.body(obj.body as Uint8Array<ArrayBuffer>, 200);
  });
  app.openapi(removePhoto, async (c) => {
    requirePermission(c, Permission.WriteCatalog);
    const { key, productId } = await new ReviewService(tenantOf(c)).removePhoto(uuidParam(c, 'reviewId', 'Review'), uuidParam(c, 'photoId', 'Photo'));
    await deletePhotoFiles(storeStorage(c.var.services.storage, c.var.store.id), [key]);
    // The product page (cached) shows the review's photos.
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
