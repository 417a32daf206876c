/**
 * Translations of store content per locale: products (with option names and values), collections, pages, blog
 * articles, menus (`PUT …/translations/:locale`) and the store's own strings (`PUT …/settings/translations/:locale`);
 * the whole store's text for one locale as CSV for a translator (export, then import the filled-in file), and how
 * much of the store each language has (the console's progress).
 */
import { createRoute, type RouteConfig, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import { TRANSLATABLE_FIELDS, type TranslatableKind, type TranslationFields, TranslationService } from '@storeloom/catalog';
import { AppError, ErrorCode } from '@storeloom/errors';
import { readStoreText, type StoreText, StoreSettingsService, SUPPORTED_LOCALES } from '@storeloom/stores';
import type { Api } from '../context.ts';
import { requirePermission, storeAccess, tenantOf, uuidParam } from '../guards.ts';
import { errorResponses, jsonBody, jsonResponse, StoreIdParam } from '../schemas.ts';

const Locale = z.enum(SUPPORTED_LOCALES).openapi({ description: 'A storefront language (BCP 47)', example: 'de' });
const Text = (max: number, description?: string) =>
  z
    .string()
    .max(max)
    .nullable()
    .optional()
    .openapi({ description: description ?? 'null or empty: show the original' });

const FIELD_SCHEMAS = {
  title: Text(255),
  description: Text(500_000, 'HTML, sanitised like the original description; null or empty: show the original'),
  body: Text(500_000, 'HTML, sanitised like the original page body; null or empty: show the original'),
  seoTitle: Text(255),
  seoDescription: Text(500),
  excerpt: Text(2000),
  name: Text(255, "The store's name in this locale; null or empty: show the original"),
  announcement: Text(500, "The store's announcement bar in this locale; null or empty: show the original"),
  footerText: Text(2000, "The store's footer text in this locale; null or empty: show the original"),
  options: z
    .record(
      z.string(),
      z.object({
        name: z.string().max(255).nullable().optional(),
        values: z.record(z.string(), z.string().max(255)).optional(),
      }),
    )
    .nullable()
    .optional()
    .openapi({
      description:
        'Option names and values keyed by the original name and value, e.g. {"Size": {"name": "Größe", "values": {"Small": "Klein"}}}; replaces the whole set',
    }),
  items: z
    .record(z.string().regex(/^\d+(\.\d+){0,2}$/), z.string().max(100))
    .nullable()
    .optional()
    .openapi({ description: 'Menu item titles keyed by position path in the menu ("0", "1.0"); replaces the whole set' }),
};

const TranslationSchema = z
  .object({
    locale: z.string(),
    fields: z
      .record(z.string(), z.union([z.string(), z.record(z.string(), z.unknown())]).nullable())
      .openapi({ description: 'Each translatable field; null where the original shows (options and items are objects)' }),
    updatedAt: z.string(),
  })
  .openapi('Translation');

/** A translation as the schema above types it (options and items are JSON objects). */
type Tr = z.infer<typeof TranslationSchema>;

const KINDS: { kind: Exclude<TranslatableKind, 'store'>; plural: string; param: string; tag: string; what: string }[] = [
  { kind: 'product', plural: 'products', param: 'productId', tag: 'products', what: 'Product' },
  { kind: 'collection', plural: 'collections', param: 'collectionId', tag: 'collections', what: 'Collection' },
  { kind: 'page', plural: 'pages', param: 'pageId', tag: 'content', what: 'Page' },
  { kind: 'article', plural: 'articles', param: 'articleId', tag: 'content', what: 'Article' },
  { kind: 'menu', plural: 'menus', param: 'menuId', tag: 'content', what: 'Menu' },
];

function routesOf(k: (typeof KINDS)[number]) {
  const Params = StoreIdParam.extend({ [k.param]: z.string() });
  const LocaleParams = Params.extend({ locale: Locale });
  const fields = Object.fromEntries(TRANSLATABLE_FIELDS[k.kind].map((f) => [f, FIELD_SCHEMAS[f]]));
  const name = `${k.what}Translation`;
  const list = createRoute({
    operationId: `list${name}s`,
    method: 'get',
    path: `/stores/{storeId}/${k.plural}/{${k.param}}/translations`,
    tags: [k.tag],
    summary: `Every locale's translation of a ${k.kind}`,
    middleware: [storeAccess] as const,
    request: { params: Params },
    responses: { 200: jsonResponse(z.object({ data: z.array(TranslationSchema) }), 'Translations'), ...errorResponses(401, 404) },
  });
  const put = createRoute({
    operationId: `set${name}`,
    method: 'put',
    path: `/stores/{storeId}/${k.plural}/{${k.param}}/translations/{locale}`,
    tags: [k.tag],
    summary: `Set a ${k.kind}'s text in a locale (fields left out keep their value; null clears one)`,
    middleware: [storeAccess] as const,
    request: { params: LocaleParams, body: jsonBody(z.strictObject(fields)) },
    responses: { 200: jsonResponse(TranslationSchema, 'The translation'), ...errorResponses(400, 401, 403, 404) },
  });
  const remove = createRoute({
    operationId: `delete${name}`,
    method: 'delete',
    path: `/stores/{storeId}/${k.plural}/{${k.param}}/translations/{locale}`,
    tags: [k.tag],
    summary: `Remove a ${k.kind}'s translation (the original shows in that locale)`,
    middleware: [storeAccess] as const,
    request: { params: LocaleParams },
    responses: { 204: { description: 'Removed' }, ...errorResponses(401, 403, 404) },
  });
  return { list, put, remove };
}

/** The originals of the store's own strings: its name (store row) and its announcement and footer text (settings). */
const storeOriginals = (storeName: string, text: StoreText) => ({ storeName, announcement: text.announcement, footerText: text.footerText });

const StoreLocaleParams = StoreIdParam.extend({ locale: Locale });
const listStore = createRoute({
  operationId: 'listStoreTranslations',
  method: 'get',
  path: '/stores/{storeId}/settings/translations',
  tags: ['stores'],
  summary: "Every locale's translation of the store's own strings (its name, announcement bar and footer text)",
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam },
  responses: { 200: jsonResponse(z.object({ data: z.array(TranslationSchema) }), 'Translations'), ...errorResponses(401, 404) },
});
const putStore = createRoute({
  operationId: 'setStoreTranslation',
  method: 'put',
  path: '/stores/{storeId}/settings/translations/{locale}',
  tags: ['stores'],
  summary: "Set the store's own strings in a locale (fields left out keep their value; null clears one)",
  middleware: [storeAccess] as const,
  request: {
    params: StoreLocaleParams,
    body: jsonBody(z.strictObject({ name: FIELD_SCHEMAS.name, announcement: FIELD_SCHEMAS.announcement, footerText: FIELD_SCHEMAS.footerText })),
  },
  responses: { 200: jsonResponse(TranslationSchema, 'The translation'), ...errorResponses(400, 401, 403, 404) },
});
const removeStore = createRoute({
  operationId: 'deleteStoreTranslation',
  method: 'delete',
  path: '/stores/{storeId}/settings/translations/{locale}',
  tags: ['stores'],
  summary: "Remove the store's strings in a locale (the original shows)",
  middleware: [storeAccess] as const,
  request: { params: StoreLocaleParams },
  responses: { 204: { description: 'Removed' }, ...errorResponses(401, 403, 404) },
});
const progress = createRoute({
  operationId: 'translationProgress',
  method: 'get',
  path: '/stores/{storeId}/translations/progress',
  tags: ['products'],
  'x-token-scope': 'read_products',
  summary: "How much of the store's text each of its languages has (texts with an original, and how many are translated)",
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam },
  responses: {
    200: jsonResponse(
      z.object({ data: z.array(z.object({ locale: z.string(), total: z.number().int(), translated: z.number().int() })) }),
      'Per language, the default first',
    ),
    ...errorResponses(401, 404),
  },
} satisfies RouteConfig);

const texts = createRoute({
  operationId: 'translationTexts',
  method: 'get',
  path: '/stores/{storeId}/translations/texts',
  tags: ['products'],
  'x-token-scope': 'read_products',
  summary: "Every translatable text of the store with this locale's translation (the CSV export's rows, as JSON)",
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam, query: z.object({ locale: Locale }) },
  responses: {
    200: jsonResponse(
      z.object({
        data: z.array(
          z
            .object({
              kind: z.enum(['product', 'collection', 'page', 'article', 'menu', 'store']),
              id: z.string(),
              handle: z.string(),
              field: z.string().openapi({ description: 'A field name, option:<name>, option:<name>=<value> or item:<path>' }),
              original: z.string(),
              translation: z.string(),
            })
            .openapi('TranslationText'),
        ),
      }),
      'Texts',
    ),
    ...errorResponses(400, 401, 404),
  },
} satisfies RouteConfig);

const exportCsv = createRoute({
  operationId: 'exportTranslations',
  method: 'get',
  path: '/stores/{storeId}/translations/export',
  tags: ['products'],
  'x-token-scope': 'read_products',
  summary: "Every translatable text of the store with this locale's translation, as CSV (type, id, handle, field, original, translation)",
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam, query: z.object({ locale: Locale }) },
  responses: { 200: { description: 'CSV', content: { 'text/csv': { schema: z.string() } } }, ...errorResponses(400, 401, 404) },
} satisfies RouteConfig);
const importCsv = createRoute({
  operationId: 'importTranslations',
  method: 'post',
  path: '/stores/{storeId}/translations/import',
  tags: ['products'],
  'x-token-scope': 'write_products',
  summary: 'Read an exported CSV back: each filled-in translation cell sets its field; any bad row refuses the whole file',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam, body: jsonBody(z.object({ locale: Locale, csv: z.string().min(1).max(5_000_000) })) },
  responses: { 200: jsonResponse(z.object({ updated: z.number().int() }), 'Resources updated'), ...errorResponses(400, 401, 403, 404) },
} satisfies RouteConfig);

export function registerTranslationRoutes(app: Api) {
  for (const k of KINDS) {
    const r = routesOf(k);
    app.openapi(r.list, async (c) => c.json({ data: (await new TranslationService(tenantOf(c)).list(k.kind, uuidParam(c, k.param, k.what))) as Tr[] }, 200));
    app.openapi(r.put, async (c) => {
      requirePermission(c, Permission.WriteCatalog);
      const locale = c.req.valid('param').locale as string;
      const body = c.req.valid('json') as TranslationFields;
      const id = uuidParam(c, k.param, k.what);
      const saved = (await new TranslationService(tenantOf(c)).put(k.kind, id, locale, body)) as Tr;
      // Search indexes a product's translated text.
      if (k.kind === 'product') await c.var.services.catalogEvents.productChanged(c.var.store.id, id);
      return c.json(saved, 200);
    });
    app.openapi(r.remove, async (c) => {
      requirePermission(c, Permission.WriteCatalog);
      const locale = c.req.valid('param').locale as string;
      const id = uuidParam(c, k.param, k.what);
      const removed = await new TranslationService(tenantOf(c)).remove(k.kind, id, locale);
      if (!removed) throw new AppError(ErrorCode.NotFound, 'No translation in this locale');
      if (k.kind === 'product') await c.var.services.catalogEvents.productChanged(c.var.store.id, id);
      return c.body(null, 204);
    });
  }
  app.openapi(listStore, async (c) => c.json({ data: (await new TranslationService(tenantOf(c)).list('store', '')) as Tr[] }, 200));
  app.openapi(putStore, async (c) => {
    requirePermission(c, Permission.UpdateStore);
    const { locale } = c.req.valid('param');
    return c.json((await new TranslationService(tenantOf(c)).put('store', '', locale, c.req.valid('json'))) as Tr, 200);
  });
  app.openapi(removeStore, async (c) => {
    requirePermission(c, Permission.UpdateStore);
    const removed = await new TranslationService(tenantOf(c)).remove('store', '', c.req.valid('param').locale);
    if (!removed) throw new AppError(ErrorCode.NotFound, 'No translation in this locale');
    return c.body(null, 204);
  });
  app.openapi(progress, async (c) => {
    const t = tenantOf(c);
    const settings = await new StoreSettingsService(c.var.services.db, c.var.store).get();
    return c.json({ data: await new TranslationService(t).progress(settings.languages, storeOriginals(c.var.store.name, settings)) }, 200);
  });
  app.openapi(texts, async (c) => {
    const { locale } = c.req.valid('query');
    const originals = storeOriginals(c.var.store.name, await readStoreText(tenantOf(c)));
    return c.json({ data: await new TranslationService(tenantOf(c)).texts(locale, originals) }, 200);
  });
  app.openapi(exportCsv, async (c) => {
    const { locale } = c.req.valid('query');
    const csv = await new TranslationService(tenantOf(c)).exportCsv(locale, storeOriginals(c.var.store.name, await readStoreText(tenantOf(c))));
    return c.body(csv, 200, { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': `attachment; filename="translations-${locale}.csv"` });
  });
  app.openapi(importCsv, async (c) => {
    requirePermission(c, Permission.WriteCatalog);
    const { locale, csv } = c.req.valid('json');
    const { updated, productIds } = await new TranslationService(tenantOf(c)).importCsv(locale, csv);
    for (const id of productIds) await c.var.services.catalogEvents.productChanged(c.var.store.id, id);
    return c.json({ updated }, 200);
  });
}
