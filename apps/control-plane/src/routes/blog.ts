/** The store's blog: articles with author, tags, cover image, excerpt and publish date. */
import { createRoute, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import { ArticleService } from '@storeloom/content';
import { AppError, ErrorCode } from '@storeloom/errors';
import { requireAuth, requirePermission, storeAccess, tenantOf, uuidParam } from '../guards.ts';
import { errorResponses, IdempotencyHeader, jsonBody, jsonResponse, StoreIdParam } from '../schemas.ts';
import type { Api } from '../context.ts';
import { idempotent } from '../idempotency.ts';

const ArticleSchema = z
  .object({
    id: z.string(),
    handle: z.string(),
    title: z.string(),
    body: z.string().openapi({ description: 'Sanitised HTML (the product-description allow-list)' }),
    excerpt: z.string(),
    author: z.string(),
    tags: z.array(z.string()),
    coverImageUrl: z.string().nullable(),
    coverImageAlt: z.string().nullable(),
    seoTitle: z.string().nullable(),
    seoDescription: z.string().nullable(),
    published: z.boolean(),
    publishedAt: z.string().nullable(),
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Article');
const Fields = z.object({
  title: z.string().trim().min(1).max(255),
  body: z.string().max(500_000),
  handle: z
    .string()
    .min(1)
    .max(255)
    .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'lower-case letters, digits and single hyphens')
    .optional(),
  excerpt: z.string().max(1000).optional(),
  author: z.string().max(255).optional(),
  tags: z.array(z.string().max(100)).max(50).optional(),
  coverImageUrl: z.string().max(2000).nullable().optional(),
  coverImageAlt: z.string().max(500).nullable().optional(),
  seoTitle: z.string().trim().max(255).nullable().optional(),
  seoDescription: z.string().trim().max(500).nullable().optional(),
  published: z.boolean().optional(),
  publishedAt: z.string().datetime({ offset: true }).nullable().optional().openapi({ description: 'Publish date; a future one schedules the article' }),
});
const Params = StoreIdParam.extend({ articleId: z.string() });
const ArticleListQuery = z.object({
  query: z.string().trim().max(200).optional().openapi({ description: 'Title or handle contains (case-insensitive)' }),
  limit: z.coerce.number().int().min(1).max(1000).default(1000),
});

const list = createRoute({
  operationId: 'listArticles',
  method: 'get',
  path: '/stores/{storeId}/articles',
  tags: ['content'],
  summary: 'List blog articles (drafts included), newest first',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam, query: ArticleListQuery },
  responses: { 200: jsonResponse(z.object({ data: z.array(ArticleSchema) }).openapi('ArticleList'), 'Articles'), ...errorResponses(400, 401, 404) },
});
const create = createRoute({
  operationId: 'createArticle',
  method: 'post',
  path: '/stores/{storeId}/articles',
  tags: ['content'],
  summary: 'Create a blog article (a draft unless `published`)',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam, headers: IdempotencyHeader, body: jsonBody(Fields) },
  responses: { 201: jsonResponse(ArticleSchema, 'Created'), ...errorResponses(400, 401, 403, 404, 409) },
});
const get = createRoute({
  operationId: 'getArticle',
  method: 'get',
  path: '/stores/{storeId}/articles/{articleId}',
  tags: ['content'],
  summary: 'One article',
  middleware: [storeAccess] as const,
  request: { params: Params },
  responses: { 200: jsonResponse(ArticleSchema, 'The article'), ...errorResponses(401, 404) },
});
const patch = createRoute({
  operationId: 'updateArticle',
  method: 'patch',
  path: '/stores/{storeId}/articles/{articleId}',
  tags: ['content'],
  summary: 'Update an article (send `version` to refuse overwriting a newer edit)',
  middleware: [storeAccess] as const,
  request: { params: Params, body: jsonBody(Fields.partial().extend({ version: z.number().int().min(1).optional() })) },
  responses: { 200: jsonResponse(ArticleSchema, 'Updated'), ...errorResponses(400, 401, 403, 404, 409) },
});
const remove = createRoute({
  operationId: 'deleteArticle',
  method: 'delete',
  path: '/stores/{storeId}/articles/{articleId}',
  tags: ['content'],
  summary: 'Delete an article',
  middleware: [storeAccess] as const,
  request: { params: Params },
  responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404) },
});

export function registerBlogRoutes(app: Api) {
  app.openapi(list, async (c) => {
    const q = c.req.valid('query');
    return c.json({ data: await new ArticleService(tenantOf(c)).list({ query: q.query || undefined, limit: q.limit }) }, 200);
  });
  app.openapi(create, async (c) => {
    const auth = requireAuth(c);
    requirePermission(c, Permission.WriteCatalog);
    const body = c.req.valid('json');
    const service = new ArticleService(tenantOf(c));
    return idempotent(c, auth.user.id, body, async () => ({ status: 201, body: await service.create(body) }));
  });
  app.openapi(get, async (c) => {
    const a = await new ArticleService(tenantOf(c)).get(uuidParam(c, 'articleId', 'Article'));
    if (!a) throw new AppError(ErrorCode.NotFound, 'Article not found');
    return c.json(a, 200);
  });
  app.openapi(patch, async (c) => {
    requirePermission(c, Permission.WriteCatalog);
    return c.json(await new ArticleService(tenantOf(c)).update(uuidParam(c, 'articleId', 'Article'), c.req.valid('json')), 200);
  });
  app.openapi(remove, async (c) => {
    requirePermission(c, Permission.WriteCatalog);
    await new ArticleService(tenantOf(c)).delete(uuidParam(c, 'articleId', 'Article'));
    return c.body(null, 204);
  });
}
