/**
 * Tax by destination (issue 19 contract): `POST /api/v1/stores/:storeId/tax-rates {country, region?, rate, name?,
 * taxClass?}` → 201 (a rate of the same country, region and class is replaced: a merchant override), list and
 * delete; enabling a country from the shipped, dated data file; the shipping tax class and reverse charge; and
 * the EU One-Stop-Shop report (JSON or CSV).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import {
  controlExchangeRates,
  DEFAULT_TAXES,
  loadSettings,
  ossCsv,
  ossReport,
  saveTaxesSettings,
  TAX_DATA,
  TAX_DATA_AS_OF,
  TaxRateService,
  taxesSchema,
} from '@storeloom/commerce';
import { toDecimalString } from '@storeloom/money';
import { requirePermission, storeAccess, tenantOf, uuidParam } from '../guards.ts';
import { errorResponses, jsonBody, jsonResponse, StoreIdParam } from '../schemas.ts';
import type { Api } from '../context.ts';

const TaxRateSchema = z
  .object({
    id: z.string(),
    country: z.string(),
    region: z.string().nullable(),
    taxClass: z.string(),
    rate: z.number().openapi({ description: 'Percent as a decimal number (19, 9.975)' }),
    name: z.string(),
    source: z.string().openapi({ description: "'merchant', or 'data:<date>' when enabled from the data file" }),
  })
  .openapi('TaxRate');
const TaxesSchema = z
  .object({
    shippingTaxClass: z.string().openapi({ description: 'The tax class shipping is taxed at' }),
    reverseCharge: z.boolean().openapi({ description: 'EU business buyers with a valid VAT id shipping to another EU country pay no VAT' }),
  })
  .openapi('TaxesSettings');

const create = createRoute({
  method: 'post',
  path: '/stores/{storeId}/tax-rates',
  operationId: 'createTaxRate',
  tags: ['taxes'],
  summary: 'Add (or override) a tax rate for a country, region and tax class',
  middleware: [storeAccess] as const,
  request: {
    params: StoreIdParam,
    body: jsonBody(
      z.object({
        country: z.string().trim().length(2),
        region: z.string().trim().max(3).nullable().optional(),
        rate: z.number().min(0).max(100),
        name: z.string().trim().max(60).nullable().optional(),
        taxClass: z.string().trim().max(40).nullable().optional(),
      }),
    ),
  },
  responses: { 201: jsonResponse(TaxRateSchema, 'Created'), ...errorResponses(400, 401, 403, 404) },
});
const list = createRoute({
  method: 'get',
  path: '/stores/{storeId}/tax-rates',
  operationId: 'listTaxRates',
  tags: ['taxes'],
  summary: "The store's tax rates",
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam, query: z.object({ country: z.string().length(2).optional() }) },
  responses: { 200: jsonResponse(z.object({ items: z.array(TaxRateSchema) }).openapi('TaxRateList'), 'Rates'), ...errorResponses(400, 401, 403, 404) },
});
const remove = createRoute({
  method: 'delete',
  path: '/stores/{storeId}/tax-rates/{taxRateId}',
  operationId: 'deleteTaxRate',
  tags: ['taxes'],
  summary: 'Delete a tax rate',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam.extend({ taxRateId: z.string() }) },
  responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404) },
});
const catalogue = createRoute({
  method: 'get',
  path: '/stores/{storeId}/tax-rates/data',
  operationId: 'getTaxRateData',
  tags: ['taxes'],
  summary: 'The shipped VAT/GST data file (standard and reduced rates, dated) a country can be enabled from',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam },
  responses: {
    200: jsonResponse(
      z
        .object({
          asOf: z.string(),
          rates: z.array(
            z.object({ country: z.string(), region: z.string().nullable(), name: z.string(), standard: z.number(), reduced: z.number().nullable() }),
          ),
        })
        .openapi('TaxRateData'),
      'The data file',
    ),
    ...errorResponses(401, 404),
  },
});
const enable = createRoute({
  method: 'post',
  path: '/stores/{storeId}/tax-rates/enable',
  operationId: 'enableTaxCountry',
  tags: ['taxes'],
  summary: "Enable a country's rates from the data file (standard and reduced; every province for CA)",
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam, body: jsonBody(z.object({ country: z.string().trim().length(2) })) },
  responses: { 201: jsonResponse(z.object({ items: z.array(TaxRateSchema) }), 'Enabled'), ...errorResponses(400, 401, 403, 404) },
});
const getTaxes = createRoute({
  method: 'get',
  path: '/stores/{storeId}/tax-settings',
  operationId: 'getTaxSettings',
  tags: ['taxes'],
  summary: 'Shipping tax class and reverse charge',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam },
  responses: { 200: jsonResponse(TaxesSchema, 'Settings'), ...errorResponses(401, 404) },
});
const putTaxes = createRoute({
  method: 'put',
  path: '/stores/{storeId}/tax-settings',
  operationId: 'setTaxSettings',
  tags: ['taxes'],
  summary: 'Set the shipping tax class and reverse charge',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam, body: jsonBody(taxesSchema.strict()) },
  responses: { 200: jsonResponse(TaxesSchema, 'Saved'), ...errorResponses(400, 401, 403, 404) },
});
const oss = createRoute({
  method: 'get',
  path: '/stores/{storeId}/reports/eu-oss',
  operationId: 'getEuOssReport',
  tags: ['taxes'],
  summary: 'EU One-Stop-Shop: year-to-date EU cross-border B2C sales vs the €10,000 threshold, tax per country and quarter (format=csv for CSV)',
  middleware: [storeAccess] as const,
  request: {
    params: StoreIdParam,
    query: z.object({ year: z.coerce.number().int().min(2000).max(2100).optional(), format: z.enum(['json', 'csv']).optional() }),
  },
  responses: {
    200: {
      description: 'The report',
      content: {
        'application/json': {
          schema: z
            .object({
              year: z.number().int(),
              storeCountry: z.string().nullable(),
              storeCurrency: z.string(),
              crossBorderSales: z.number().int(),
              crossBorderSalesEur: z.number().int().nullable(),
              thresholdEur: z.number().int(),
              exceeded: z.boolean().nullable(),
              eurRate: z.object({ rate: z.string(), asOf: z.string() }).nullable(),
              rows: z.array(z.object({ period: z.string(), country: z.string(), orders: z.number().int(), netSales: z.number().int(), tax: z.number().int() })),
            })
            .openapi('EuOssReport'),
        },
        'text/csv': { schema: z.string() },
      },
    },
    ...errorResponses(400, 401, 403, 404),
  },
});

export function registerTaxRoutes(app: Api) {
  app.openapi(catalogue, (c) =>
    c.json(
      {
        asOf: TAX_DATA_AS_OF,
        rates: TAX_DATA.map((r) => ({ country: r.country, region: r.region ?? null, name: r.name, standard: r.standard, reduced: r.reduced ?? null })),
      },
      200,
    ),
  );
  app.openapi(create, async (c) => {
    requirePermission(c, Permission.UpdateStore);
    return c.json(await new TaxRateService(tenantOf(c)).upsert(c.req.valid('json')), 201);
  });
  app.openapi(list, async (c) => c.json({ items: await new TaxRateService(tenantOf(c)).list(c.req.valid('query').country) }, 200));
  app.openapi(remove, async (c) => {
    requirePermission(c, Permission.UpdateStore);
    await new TaxRateService(tenantOf(c)).remove(uuidParam(c, 'taxRateId', 'Tax rate'));
    return c.body(null, 204);
  });
  app.openapi(enable, async (c) => {
    requirePermission(c, Permission.UpdateStore);
    return c.json({ items: await new TaxRateService(tenantOf(c)).enable(c.req.valid('json').country) }, 201);
  });
  app.openapi(getTaxes, async (c) => c.json((await loadSettings(tenantOf(c))).taxes ?? DEFAULT_TAXES, 200));
  app.openapi(putTaxes, async (c) => {
    requirePermission(c, Permission.UpdateStore);
    const body = c.req.valid('json');
    await saveTaxesSettings(tenantOf(c), body);
    return c.json(body, 200);
  });
  app.openapi(oss, async (c) => {
    requirePermission(c, Permission.ReadOrders);
    const q = c.req.valid('query');
    const store = c.var.store;
    const report = await ossReport(tenantOf(c), {
      storeCountry: store.country ?? null,
      storeCurrency: store.currency,
      year: q.year ?? new Date().getUTCFullYear(),
      rates: controlExchangeRates(c.var.services.db),
    });
    if (q.format === 'csv')
      return c.body(
        ossCsv(report, (n) => toDecimalString(n, store.currency)),
        200,
        {
          'Content-Type': 'text/csv; charset=utf-8',
          'Content-Disposition': `attachment; filename="eu-oss-${report.year}-${store.slug}.csv"`,
          'Cache-Control': 'no-store',
        },
      );
    return c.json(report, 200);
  });
}
