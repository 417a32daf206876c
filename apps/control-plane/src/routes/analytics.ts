/**
 * Sales analytics (issue 21): the dashboard's figures for a date range with the previous period, and CSV exports,
 * read from the daily aggregates the worker maintains (packages/analytics), never from the orders themselves.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { EXPORT_REPORTS, exportCsv, parseRange, salesReport } from '@storeloom/analytics';
import { Permission } from '@storeloom/auth';
import { toDecimalString } from '@storeloom/money';
import { requirePermission, storeAccess, tenantOf } from '../guards.ts';
import { errorResponses, jsonResponse, StoreIdParam } from '../schemas.ts';
import type { Api } from '../context.ts';

const minor = (description: string) =>
  z
    .number()
    .int()
    .openapi({ description: `${description} (minor units of the store currency)` });
const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD');

const SummarySchema = z
  .object({
    grossSales: minor('Line prices × quantities of the orders paid in the range'),
    discounts: minor('Discounts of those orders'),
    returns: minor('Refunds made in the range'),
    netSales: minor('grossSales − discounts − returns'),
    shipping: minor('Shipping charged'),
    tax: minor('Tax charged'),
    totalSales: minor('Order totals − returns'),
    orders: z.number().int(),
    units: z.number().int(),
    averageOrderValue: minor('(grossSales − discounts) / orders, rounded'),
    newCustomers: z.number().int().openapi({ description: 'Orders that were their buyer’s first paid order (by e-mail)' }),
    returningCustomers: z.number().int(),
  })
  .openapi('SalesSummary');

const DailySchema = z
  .object({
    day: z.string(),
    grossSales: z.number().int(),
    discounts: z.number().int(),
    returns: z.number().int(),
    netSales: z.number().int(),
    shipping: z.number().int(),
    tax: z.number().int(),
    totalSales: z.number().int(),
    orders: z.number().int(),
    units: z.number().int(),
  })
  .openapi('DailySales');

const FunnelSchema = z
  .object({
    sessions: z.number().int().openapi({ description: 'Distinct shoppers with a storefront event (first-party, consenting browsers)' }),
    productViews: z.number().int().openapi({ description: 'Of those, shoppers who viewed a product' }),
    addToCart: z.number().int().openapi({ description: 'Shoppers who added to cart' }),
    checkouts: z.number().int().openapi({ description: 'Orders placed (checkouts completed to payment)' }),
    orders: z.number().int().openapi({ description: 'Orders paid' }),
  })
  .openapi('SalesFunnel');

const RangeSchema = z.object({ from: z.string(), to: z.string() });

const ReportSchema = z
  .object({
    range: RangeSchema,
    previousRange: RangeSchema.nullable(),
    currency: z.string(),
    summary: SummarySchema,
    previous: SummarySchema.nullable(),
    daily: z.array(DailySchema),
    previousDaily: z.array(DailySchema).nullable(),
    funnel: FunnelSchema,
    previousFunnel: FunnelSchema.nullable(),
    topProducts: z.array(
      z.object({
        productId: z.string().nullable(),
        title: z.string(),
        orders: z.number().int(),
        units: z.number().int(),
        grossSales: z.number().int(),
        discounts: z.number().int(),
        netSales: z.number().int(),
      }),
    ),
    topCollections: z.array(
      z.object({
        collectionId: z.string(),
        title: z.string(),
        units: z.number().int(),
        grossSales: z.number().int(),
        discounts: z.number().int(),
        netSales: z.number().int(),
      }),
    ),
    markets: z.array(
      z.object({
        marketId: z.string().nullable(),
        market: z.string(),
        currency: z.string(),
        orders: z.number().int(),
        presentmentGrossSales: z.number().int().openapi({ description: 'In the market’s currency' }),
        presentmentNetSales: z.number().int().openapi({ description: 'In the market’s currency' }),
        netSales: z.number().int().openapi({ description: 'In the store currency' }),
      }),
    ),
    pendingOrders: z.number().int().openapi({ description: 'Order changes the worker has not applied yet' }),
  })
  .openapi('SalesReport');

const RangeQuery = z.object({
  from: Day.openapi({ description: 'First day (UTC), included', example: '2026-11-01' }),
  to: Day.openapi({ description: 'Last day (UTC), included; at most 732 days after from', example: '2026-11-30' }),
});

const sales = createRoute({
  method: 'get',
  path: '/stores/{storeId}/analytics/sales',
  operationId: 'getSalesReport',
  tags: ['analytics'],
  summary: 'Sales figures, daily series, funnel, top products and collections, sales by market, with the previous period',
  middleware: [storeAccess] as const,
  request: {
    params: StoreIdParam,
    query: RangeQuery.extend({
      compare: z.enum(['previous_period', 'none']).default('previous_period'),
      top: z.coerce.number().int().min(1).max(50).default(10),
    }),
  },
  responses: { 200: jsonResponse(ReportSchema, 'Sales report'), ...errorResponses(400, 401, 403, 404) },
});

const exportRoute = createRoute({
  method: 'get',
  path: '/stores/{storeId}/analytics/export',
  operationId: 'exportSalesCsv',
  tags: ['analytics'],
  summary: 'One sales report as CSV (amounts as decimals of their currency)',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam, query: RangeQuery.extend({ report: z.enum(EXPORT_REPORTS).default('daily') }) },
  responses: { 200: { description: 'CSV', content: { 'text/csv': { schema: z.string() } } }, ...errorResponses(400, 401, 403, 404) },
});

export function registerAnalyticsRoutes(app: Api) {
  app.openapi(sales, async (c) => {
    requirePermission(c, Permission.ReadOrders);
    const q = c.req.valid('query');
    const range = parseRange(q.from, q.to);
    return c.json(await salesReport(tenantOf(c), { range, compare: q.compare === 'previous_period', currency: c.var.store.currency, top: q.top }), 200);
  });

  app.openapi(exportRoute, async (c) => {
    requirePermission(c, Permission.ReadOrders);
    const q = c.req.valid('query');
    const range = parseRange(q.from, q.to);
    const store = c.var.store;
    const body = await exportCsv(tenantOf(c), q.report, range, (m, currency) => toDecimalString(m, currency ?? store.currency), store.currency);
    return new Response(body, {
      headers: {
        'Content-Type': 'text/csv; charset=utf-8',
        'Content-Disposition': `attachment; filename="sales-${q.report}-${store.slug}-${range.from}-${range.to}.csv"`,
        'Cache-Control': 'no-store',
      },
    });
  });
}
