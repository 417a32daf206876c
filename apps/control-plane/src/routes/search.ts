/**
 * Merchant search API: search with explain, autocomplete, index status,
 * reindex and consistency-check jobs (with progress), synonyms, stop words,
 * in-stock boost, pinned products, and the analytics summary.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import { AppError, ErrorCode } from '@storeloom/errors';
import { searchCheckIndexJob, searchReindexStoreJob } from '@storeloom/jobs';
import { newId } from '@storeloom/db';
import { parseSearchParams, SearchIndexer } from '@storeloom/store-search';
import type { Context } from 'hono';
import type { AppEnv } from '../context.ts';
import { requirePermission, storeAccess, tenantOf, uuidParam } from '../guards.ts';
import { errorResponses, jsonBody, jsonResponse, QueuedJobSchema, StoreIdParam } from '../schemas.ts';
import type { Api } from '../context.ts';

const FacetValue = z.object({ value: z.string(), label: z.string().optional(), count: z.number().int() });
const SearchResultSchema = z
  .object({
    searchId: z.string().nullable(),
    query: z.string(),
    total: z.number().int(),
    didYouMean: z.string().nullable(),
    nextCursor: z.string().nullable(),
    hits: z.array(
      z.object({
        productId: z.string(),
        handle: z.string(),
        title: z.string(),
        vendor: z.string().nullable(),
        priceMin: z.number().int(),
        priceMax: z.number().int(),
        inStock: z.boolean(),
        image: z.string().nullable(),
        position: z.number().int(),
        pinned: z.boolean().optional(),
        score: z.number().optional(),
        explain: z
          .record(z.string(), z.unknown())
          .optional()
          .openapi({ description: 'Score parts: bm25f, coverage, titleCoverage, head, proximity, phrase, titleHead, skuMatch, boost, matched' }),
      }),
    ),
    facets: z
      .object({
        collection: z.array(FacetValue),
        vendor: z.array(FacetValue),
        productType: z.array(FacetValue),
        tag: z.array(FacetValue),
        option: z.record(z.string(), z.array(FacetValue)),
        price: z.array(z.object({ min: z.number().int(), max: z.number().int().nullable(), count: z.number().int() })),
        inStock: z.number().int(),
      })
      .nullable(),
    plan: z.unknown().optional().openapi({ description: 'The query plan (explain only): clauses with their weighted alternatives' }),
  })
  .openapi('SearchResult');

/**
 * A filter with several values: `?vendor=a&vendor=b` (form style, exploded) or `?vendor=a,b`. The
 * validator sees one value as a string and a repeated one as an array; parseSearchParams reads both.
 */
const list = z
  .union([z.string().max(2000), z.array(z.string().max(2000)).max(50)])
  .optional()
  .openapi({ param: { style: 'form', explode: true } });
const SearchQuery = z.object({
  q: z.string().max(200).optional(),
  sort: z.enum(['relevance', 'price_asc', 'price_desc', 'newest']).optional(),
  limit: z.string().optional().openapi({ description: '1–100, default 24' }),
  cursor: z.string().max(200).optional(),
  vendor: list.openapi({ description: 'Repeat or comma-separate for several (OR)' }),
  type: list.openapi({ description: 'Product types: repeat or comma-separate for several (OR)' }),
  tag: list.openapi({ description: 'Tags: repeat or comma-separate for several (OR)' }),
  collection: list.openapi({ description: 'Collection ids' }),
  option: list.openapi({ description: 'name:value, e.g. size:M (repeat for several; not comma-separated)' }),
  priceMin: z.string().optional().openapi({ description: 'Minor units' }),
  priceMax: z.string().optional(),
  inStock: z.string().optional().openapi({ description: '1: only products in stock' }),
  explain: z.string().optional().openapi({ description: '1: score parts per hit and the query plan' }),
  locale: z
    .string()
    .max(20)
    .optional()
    .openapi({ description: "Search as a shopper in this locale (e.g. de, zh-CN): that language's analysis over the translated text" }),
});

const SynonymSchema = z
  .object({ id: z.string(), kind: z.enum(['two_way', 'one_way']), terms: z.array(z.string()), synonyms: z.array(z.string()), createdAt: z.string() })
  .openapi('SearchSynonym');
const SynonymInput = z
  .object({
    kind: z.enum(['two_way', 'one_way']),
    terms: z.array(z.string().trim().min(1).max(100)).min(1).max(20).openapi({ description: 'two_way: all equivalent; one_way: what the shopper types' }),
    synonyms: z.array(z.string().trim().min(1).max(100)).max(20).optional().openapi({ description: 'one_way: what the terms also match' }),
  })
  .openapi('SearchSynonymInput');
const PinSchema = z.object({ id: z.string(), query: z.string(), productId: z.string(), position: z.number().int() }).openapi('SearchPin');
const PinInput = z.object({ query: z.string().trim().min(1).max(200), productId: z.string().uuid(), position: z.number().int().min(0).max(100).optional() });
const SettingsSchema = z
  .object({ stopWords: z.array(z.string()), inStockBoost: z.number(), version: z.number().int(), updatedAt: z.string() })
  .openapi('SearchSettings');
const SettingsPatch = z.object({
  stopWords: z.array(z.string().trim().min(1).max(50)).max(500).optional(),
  inStockBoost: z.number().min(0).max(10).optional().openapi({ description: 'Added to the relevance score of products in stock (scores are ~0–3)' }),
  version: z
    .number()
    .int()
    .min(0)
    .optional()
    .openapi({ description: 'The version you read: the change is refused with 409 version_conflict if the search settings changed since' }),
});
const JobSchema = z
  .object({ jobId: z.string(), name: z.string(), state: z.string(), progress: z.number(), result: z.unknown().nullable(), failedReason: z.string().nullable() })
  .openapi('SearchJob');

const route = <M extends 'get' | 'post' | 'patch' | 'delete'>(method: M, path: string, summary: string) => ({
  method,
  path: `/stores/{storeId}/search${path}`,
  tags: ['search'],
  summary,
  middleware: [storeAccess],
});

const searchRoute = createRoute({
  operationId: 'searchProducts',
  ...route('get', '', 'Search the store (staff view: `explain=1` shows score parts)'),
  request: { params: StoreIdParam, query: SearchQuery },
  responses: { 200: jsonResponse(SearchResultSchema, 'Results, facets, next cursor'), ...errorResponses(400, 401, 404) },
});
const autocompleteRoute = createRoute({
  operationId: 'autocompleteSearch',
  ...route('get', '/autocomplete', 'Autocomplete: products and query suggestions for a prefix'),
  request: {
    params: StoreIdParam,
    query: z.object({
      q: z.string().max(100),
      locale: z
        .string()
        .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}$/)
        .optional(),
    }),
  },
  responses: {
    200: jsonResponse(
      z.object({
        query: z.string(),
        suggestions: z.array(z.string()),
        products: z.array(z.object({ productId: z.string(), handle: z.string(), title: z.string(), priceMin: z.number(), image: z.string().nullable() })),
      }),
      'Suggestions',
    ),
    ...errorResponses(400, 401, 404),
  },
});
const statusRoute = createRoute({
  operationId: 'getSearchStatus',
  ...route('get', '/status', 'Index status: indexed documents against active products'),
  request: { params: StoreIdParam },
  responses: {
    200: jsonResponse(
      z.object({ documents: z.number().int(), activeProducts: z.number().int(), lastIndexedAt: z.string().nullable(), seq: z.number().int() }),
      'Status',
    ),
    ...errorResponses(401, 404),
  },
});
const reindexRoute = createRoute({
  operationId: 'reindexSearch',
  ...route('post', '/reindex', 'Rebuild the store index (background job; poll it for progress; a reindex already queued or running is returned)'),
  request: { params: StoreIdParam },
  responses: { 202: jsonResponse(QueuedJobSchema, 'Queued (or the reindex already queued or running)'), ...errorResponses(401, 403, 404) },
});
const checkRoute = createRoute({
  operationId: 'checkSearchIndex',
  ...route('post', '/check', 'Check the index against the catalogue (background job); `repair` re-indexes what differs'),
  request: { params: StoreIdParam, body: jsonBody(z.object({ repair: z.boolean().default(false) })) },
  responses: { 202: jsonResponse(z.object({ jobId: z.string() }), 'Queued'), ...errorResponses(400, 401, 403, 404) },
});
const jobRoute = createRoute({
  operationId: 'getSearchJob',
  ...route('get', '/jobs/{searchJobId}', 'A reindex or check job: state, progress (0–100) and result'),
  request: { params: StoreIdParam.extend({ searchJobId: z.string().max(200) }) },
  responses: { 200: jsonResponse(JobSchema, 'The job'), ...errorResponses(401, 404) },
});
const getSettings = createRoute({
  operationId: 'getSearchSettings',
  ...route('get', '/settings', 'Stop words and in-stock boost'),
  request: { params: StoreIdParam },
  responses: { 200: jsonResponse(SettingsSchema, 'Settings'), ...errorResponses(401, 404) },
});
const patchSettings = createRoute({
  operationId: 'updateSearchSettings',
  ...route('patch', '/settings', 'Change stop words (replaces the list) or the in-stock boost'),
  request: { params: StoreIdParam, body: jsonBody(SettingsPatch) },
  responses: { 200: jsonResponse(SettingsSchema, 'Settings'), ...errorResponses(400, 401, 403, 404, 409) },
});
const listSynonyms = createRoute({
  operationId: 'listSynonyms',
  ...route('get', '/synonyms', 'Synonyms'),
  request: { params: StoreIdParam },
  responses: { 200: jsonResponse(z.object({ data: z.array(SynonymSchema) }), 'Synonyms'), ...errorResponses(401, 404) },
});
const addSynonym = createRoute({
  operationId: 'addSynonym',
  ...route('post', '/synonyms', 'Add a synonym (two-way: all terms equivalent; one-way: terms also match synonyms)'),
  request: { params: StoreIdParam, body: jsonBody(SynonymInput) },
  responses: { 201: jsonResponse(SynonymSchema, 'Created'), ...errorResponses(400, 401, 403, 404) },
});
const deleteSynonym = createRoute({
  operationId: 'deleteSynonym',
  ...route('delete', '/synonyms/{synonymId}', 'Delete a synonym'),
  request: { params: StoreIdParam.extend({ synonymId: z.string() }) },
  responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404) },
});
const listPins = createRoute({
  operationId: 'listSearchPins',
  ...route('get', '/pins', 'Pinned products per query'),
  request: { params: StoreIdParam },
  responses: { 200: jsonResponse(z.object({ data: z.array(PinSchema) }), 'Pins'), ...errorResponses(401, 404) },
});
const addPin = createRoute({
  operationId: 'addSearchPin',
  ...route('post', '/pins', 'Pin a product to the top of a query (position orders several pins)'),
  request: { params: StoreIdParam, body: jsonBody(PinInput) },
  responses: { 201: jsonResponse(PinSchema, 'Pinned'), ...errorResponses(400, 401, 403, 404) },
});
const deletePin = createRoute({
  operationId: 'deleteSearchPin',
  ...route('delete', '/pins/{pinId}', 'Remove a pin'),
  request: { params: StoreIdParam.extend({ pinId: z.string() }) },
  responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404) },
});
const analyticsRoute = createRoute({
  operationId: 'getSearchAnalytics',
  ...route('get', '/analytics', 'Search analytics: top queries, queries without results, click-through'),
  request: { params: StoreIdParam, query: z.object({ days: z.coerce.number().int().min(1).max(365).default(30) }) },
  responses: {
    200: jsonResponse(
      z
        .object({
          days: z.number(),
          searches: z.number(),
          zeroResultSearches: z.number(),
          clickThroughRate: z.number(),
          averageClickPosition: z.number().nullable(),
          topQueries: z.array(z.object({ query: z.string(), searches: z.number(), results: z.number(), clickThroughRate: z.number() })),
          zeroResultQueries: z.array(z.object({ query: z.string(), searches: z.number() })),
        })
        .openapi('SearchAnalytics'),
      'Summary',
    ),
    ...errorResponses(400, 401, 404),
  },
});

const storeRef = (c: Context<AppEnv>) => {
  tenantOf(c);
  return { id: c.var.store.id, schema: c.var.store.schema_name };
};

export function registerSearchRoutes(app: Api) {
  app.openapi(searchRoute, async (c) => {
    const req = parseSearchParams(new URL(c.req.url).searchParams, { allowExplain: true });
    return c.json(await c.var.services.search.search(storeRef(c), req), 200);
  });
  app.openapi(autocompleteRoute, async (c) => {
    const { q, locale } = c.req.valid('query');
    return c.json(await c.var.services.search.autocomplete(storeRef(c), q, 5, locale), 200);
  });
  app.openapi(statusRoute, async (c) => {
    const indexer = new SearchIndexer(tenantOf(c), c.var.store.schema_name);
    const [status, activeProducts] = await Promise.all([indexer.status(), indexer.activeProducts()]);
    return c.json({ ...status, activeProducts }, 200);
  });
  app.openapi(reindexRoute, async (c) => {
    requirePermission(c, Permission.WriteCatalog);
    storeRef(c);
    // Repeated clicks share one job while it is queued or running.
    return c.json(await c.var.services.queues.enqueueOnce(searchReindexStoreJob, { storeId: c.var.store.id, requestId: `full-${newId()}` }), 202);
  });
  app.openapi(checkRoute, async (c) => {
    requirePermission(c, Permission.WriteCatalog);
    storeRef(c);
    const { repair } = c.req.valid('json');
    const job = await c.var.services.queues.enqueue(searchCheckIndexJob, {
      storeId: c.var.store.id,
      repair,
      requestId: `${repair ? 'repair' : 'check'}-${Math.floor(Date.now() / 10_000)}`,
    });
    return c.json({ jobId: job.id }, 202);
  });
  app.openapi(jobRoute, async (c) => {
    const jobId = c.req.param('searchJobId') ?? '';
    // Only this store's search jobs: their ids carry the store id.
    if (!/^search-(reindex|check):/.test(jobId) || jobId.split(':')[1] !== c.var.store.id) throw new AppError(ErrorCode.NotFound, 'Job not found');
    const job = await c.var.services.queues.getJob('catalog', jobId);
    if (!job) throw new AppError(ErrorCode.NotFound, 'Job not found');
    const progress = typeof job.progress === 'number' ? job.progress : 0;
    return c.json(
      {
        jobId,
        name: job.name,
        state: await job.getState(),
        progress,
        result: job.returnvalue ?? null,
        failedReason: job.failedReason ?? null,
      },
      200,
    );
  });
  app.openapi(getSettings, async (c) => c.json(await c.var.services.search.settings(storeRef(c)), 200));
  app.openapi(patchSettings, async (c) => {
    requirePermission(c, Permission.WriteCatalog);
    return c.json(await c.var.services.search.updateSettings(storeRef(c), c.req.valid('json')), 200);
  });
  app.openapi(listSynonyms, async (c) => c.json({ data: await c.var.services.search.listSynonyms(storeRef(c)) }, 200));
  app.openapi(addSynonym, async (c) => {
    requirePermission(c, Permission.WriteCatalog);
    return c.json(await c.var.services.search.addSynonym(storeRef(c), c.req.valid('json')), 201);
  });
  app.openapi(deleteSynonym, async (c) => {
    requirePermission(c, Permission.WriteCatalog);
    await c.var.services.search.deleteSynonym(storeRef(c), uuidParam(c, 'synonymId', 'Synonym'));
    return c.body(null, 204);
  });
  app.openapi(listPins, async (c) => c.json({ data: await c.var.services.search.listPins(storeRef(c)) }, 200));
  app.openapi(addPin, async (c) => {
    requirePermission(c, Permission.WriteCatalog);
    return c.json(await c.var.services.search.addPin(storeRef(c), c.req.valid('json')), 201);
  });
  app.openapi(deletePin, async (c) => {
    requirePermission(c, Permission.WriteCatalog);
    await c.var.services.search.deletePin(storeRef(c), uuidParam(c, 'pinId', 'Pin'));
    return c.body(null, 204);
  });
  app.openapi(analyticsRoute, async (c) => c.json(await c.var.services.search.analytics(storeRef(c), c.req.valid('query').days), 200));
}
