/** Online store pages (About, FAQ…) and policy pages filled in from templates. */
import { createRoute, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import { collectedDataItems, loadDataPractices, PageService, POLICY_FIELDS, POLICY_KINDS, PolicyService, renderPolicy } from '@storeloom/content';
import { AppError, ErrorCode } from '@storeloom/errors';
import { requireAuth, requirePermission, storeAccess, tenantOf, uuidParam } from '../guards.ts';
import { errorResponses, IdempotencyHeader, jsonBody, jsonResponse, StoreIdParam } from '../schemas.ts';
import type { Api } from '../context.ts';
import { idempotent } from '../idempotency.ts';

const PageHandle = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'lower-case letters, digits and single hyphens')
  .openapi({ example: 'about-us' });
const Seo = { seoTitle: z.string().trim().max(255).nullable().optional(), seoDescription: z.string().trim().max(500).nullable().optional() };
const PageSchema = z
  .object({
    id: z.string(),
    handle: z.string(),
    title: z.string(),
    body: z.string().openapi({ description: 'Sanitised HTML (the product-description allow-list)' }),
    seoTitle: z.string().nullable(),
    seoDescription: z.string().nullable(),
    published: z.boolean(),
    publishedAt: z.string().nullable(),
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Page');
const PageFields = z.object({
  title: z.string().trim().min(1).max(255),
  body: z.string().max(500_000).openapi({ description: 'HTML; sanitised on write (scripts, styles, event handlers and javascript: links removed)' }),
  handle: PageHandle.optional(),
  published: z.boolean().optional(),
  ...Seo,
});
const PageParams = StoreIdParam.extend({ pageId: z.string() });
const PageListQuery = z.object({
  query: z.string().trim().max(200).optional().openapi({ description: 'Title or handle contains (case-insensitive)' }),
  limit: z.coerce.number().int().min(1).max(1000).default(1000),
});

const listPages = createRoute({
  operationId: 'listPages',
  method: 'get',
  path: '/stores/{storeId}/pages',
  tags: ['content'],
  summary: 'List pages (drafts included), newest first',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam, query: PageListQuery },
  responses: { 200: jsonResponse(z.object({ data: z.array(PageSchema) }).openapi('PageList'), 'Pages'), ...errorResponses(400, 401, 404) },
});
const createPage = createRoute({
  operationId: 'createPage',
  method: 'post',
  path: '/stores/{storeId}/pages',
  tags: ['content'],
  summary: 'Create a page (a draft unless `published`)',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam, headers: IdempotencyHeader, body: jsonBody(PageFields) },
  responses: { 201: jsonResponse(PageSchema, 'Created'), ...errorResponses(400, 401, 403, 404, 409) },
});
const getPage = createRoute({
  operationId: 'getPage',
  method: 'get',
  path: '/stores/{storeId}/pages/{pageId}',
  tags: ['content'],
  summary: 'One page',
  middleware: [storeAccess] as const,
  request: { params: PageParams },
  responses: { 200: jsonResponse(PageSchema, 'The page'), ...errorResponses(401, 404) },
});
const patchPage = createRoute({
  operationId: 'updatePage',
  method: 'patch',
  path: '/stores/{storeId}/pages/{pageId}',
  tags: ['content'],
  summary: 'Update a page (send `version` to refuse overwriting a newer edit)',
  middleware: [storeAccess] as const,
  request: { params: PageParams, body: jsonBody(PageFields.partial().extend({ version: z.number().int().min(1).optional() })) },
  responses: { 200: jsonResponse(PageSchema, 'Updated'), ...errorResponses(400, 401, 403, 404, 409) },
});
const deletePage = createRoute({
  operationId: 'deletePage',
  method: 'delete',
  path: '/stores/{storeId}/pages/{pageId}',
  tags: ['content'],
  summary: 'Delete a page',
  middleware: [storeAccess] as const,
  request: { params: PageParams },
  responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404) },
});

const PolicySchema = z
  .object({
    kind: z.enum(POLICY_KINDS),
    handle: z.string(),
    title: z.string(),
    fields: z.record(z.string(), z.string()),
    published: z.boolean(),
    updatedAt: z.string().nullable(),
    template: z.array(z.object({ name: z.string(), label: z.string(), required: z.boolean(), multiline: z.boolean().optional() })),
    /** The page as shoppers see it (generated now, from the fields and the store's settings); null until filled in. */
    html: z.string().nullable(),
  })
  .openapi('Policy');
const PolicyList = z.object({ data: z.array(PolicySchema), collected: z.array(z.object({ id: z.string(), text: z.string() })) }).openapi('PolicyList');
const PolicyInput = z.object({ fields: z.record(z.string(), z.string().max(5000)), published: z.boolean().optional() });

const listPolicies = createRoute({
  operationId: 'listPolicies',
  method: 'get',
  path: '/stores/{storeId}/policies',
  tags: ['content'],
  summary: 'Every policy (refund, privacy, terms, shipping, imprint) with its template, fields and generated page',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam },
  responses: {
    200: jsonResponse(PolicyList, 'Policies, and what the privacy policy lists as collected (from the store settings)'),
    ...errorResponses(401, 404),
  },
});
const patchPolicies = createRoute({
  operationId: 'updatePolicies',
  method: 'patch',
  path: '/stores/{storeId}/policies',
  tags: ['content'],
  summary: "Fill in policies' templates by kind (kinds left out keep their value; null removes one; published unless `published: false`)",
  middleware: [storeAccess] as const,
  request: {
    params: StoreIdParam,
    body: jsonBody(
      z.strictObject({
        refund: PolicyInput.nullable().optional(),
        privacy: PolicyInput.nullable().optional(),
        terms: PolicyInput.nullable().optional(),
        shipping: PolicyInput.nullable().optional(),
        imprint: PolicyInput.nullable().optional(),
      }),
    ),
  },
  responses: { 200: jsonResponse(PolicyList, 'Every policy after the change'), ...errorResponses(400, 401, 403, 404) },
});

export function registerPageRoutes(app: Api) {
  app.openapi(listPages, async (c) => {
    const q = c.req.valid('query');
    return c.json({ data: await new PageService(tenantOf(c)).list({ query: q.query || undefined, limit: q.limit }) }, 200);
  });
  app.openapi(createPage, async (c) => {
    const auth = requireAuth(c);
    requirePermission(c, Permission.WriteCatalog);
    const body = c.req.valid('json');
    const service = new PageService(tenantOf(c));
    return idempotent(c, auth.user.id, body, async () => ({ status: 201, body: await service.create(body) }));
  });
  app.openapi(getPage, async (c) => {
    const page = await new PageService(tenantOf(c)).get(uuidParam(c, 'pageId', 'Page'));
    if (!page) throw new AppError(ErrorCode.NotFound, 'Page not found');
    return c.json(page, 200);
  });
  app.openapi(patchPage, async (c) => {
    requirePermission(c, Permission.WriteCatalog);
    return c.json(await new PageService(tenantOf(c)).update(uuidParam(c, 'pageId', 'Page'), c.req.valid('json')), 200);
  });
  app.openapi(deletePage, async (c) => {
    requirePermission(c, Permission.WriteCatalog);
    await new PageService(tenantOf(c)).delete(uuidParam(c, 'pageId', 'Page'));
    return c.body(null, 204);
  });

  const policiesWithPages = async (t: ReturnType<typeof tenantOf>, storeName: string) => {
    const [list, practices] = await Promise.all([new PolicyService(t).list(), loadDataPractices(t)]);
    return {
      data: list.map((p) => ({
        ...p,
        template: POLICY_FIELDS[p.kind],
        html: p.updatedAt ? renderPolicy(p.kind, p.fields, { storeName, practices }) : null,
      })),
      collected: collectedDataItems(practices),
    };
  };
  app.openapi(listPolicies, async (c) => c.json(await policiesWithPages(tenantOf(c), c.var.store.name), 200));
  app.openapi(patchPolicies, async (c) => {
    requirePermission(c, Permission.UpdateStore);
    await new PolicyService(tenantOf(c)).apply(c.req.valid('json'));
    return c.json(await policiesWithPages(tenantOf(c), c.var.store.name), 200);
  });
}
