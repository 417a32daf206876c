/**
 * Translations of store content per locale: products, collections and pages (`PUT …/translations/:locale`),
 * and the whole store's text for one locale as CSV for a translator (export, then import the filled-in file).
 */
import { createRoute, type RouteConfig, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import { TRANSLATABLE_FIELDS, type TranslatableKind, TranslationService } from '@storeloom/catalog';
import { AppError, ErrorCode } from '@storeloom/errors';
import { SUPPORTED_LOCALES } from '@storeloom/stores';
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
};

const TranslationSchema = z
  .object({
    locale: z.string(),
    fields: z.record(z.string(), z.string().nullable()).openapi({ description: 'Each translatable field; null where the original shows' }),
    updatedAt: z.string(),
  })
  .openapi('Translation');

const KINDS: { kind: TranslatableKind; plural: string; param: string; tag: string; what: string }[] = [
  { kind: 'product', plural: 'products', param: 'productId', tag: 'products', what: 'Product' },
  { kind: 'collection', plural: 'collections', param: 'collectionId', tag: 'collections', what: 'Collection' },
  { kind: 'page', plural: 'pages', param: 'pageId', tag: 'content', what: 'Page' },
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
    app.openapi(r.list, async (c) => c.json({ data: await new TranslationService(tenantOf(c)).list(k.kind, uuidParam(c, k.param, k.what)) }, 200));
    app.openapi(r.put, async (c) => {
      requirePermission(c, Permission.WriteCatalog);
      const locale = c.req.valid('param').locale as string;
      const body = c.req.valid('json') as Record<string, string | null | undefined>;
      return c.json(await new TranslationService(tenantOf(c)).put(k.kind, uuidParam(c, k.param, k.what), locale, body), 200);
    });
    app.openapi(r.remove, async (c) => {
      requirePermission(c, Permission.WriteCatalog);
      const locale = c.req.valid('param').locale as string;
      const removed = await new TranslationService(tenantOf(c)).remove(k.kind, uuidParam(c, k.param, k.what), locale);
      if (!removed) throw new AppError(ErrorCode.NotFound, 'No translation in this locale');
      return c.body(null, 204);
    });
  }
  app.openapi(exportCsv, async (c) => {
    const { locale } = c.req.valid('query');
    const csv = await new TranslationService(tenantOf(c)).exportCsv(locale);
    return c.body(csv, 200, { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': `attachment; filename="translations-${locale}.csv"` });
  });
  app.openapi(importCsv, async (c) => {
    requirePermission(c, Permission.WriteCatalog);
    const { locale, csv } = c.req.valid('json');
    return c.json(await new TranslationService(tenantOf(c)).importCsv(locale, csv), 200);
  });
}
