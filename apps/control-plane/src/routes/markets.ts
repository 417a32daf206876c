/**
 * Markets (issue 19 contract): `/api/v1/stores/:storeId/markets` CRUD and per-market fixed prices
 * `PUT /markets/:marketId/prices/:variantId {price}`. Without `exchangeRate` a market converts at the operator's
 * rate table; `rateUsed` says which rate and day.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import { isUuid } from '@storeloom/db';
import { AppError, ErrorCode } from '@storeloom/errors';
import { controlExchangeRates, MarketService, previewMarketProduct } from '@storeloom/commerce';
import type { Context } from 'hono';
import type { AppEnv } from '../context.ts';
import { requirePermission, storeAccess, tenantOf, uuidParam } from '../guards.ts';
import { CurrencyCodeInput, errorResponses, jsonBody, jsonResponse, StoreIdParam } from '../schemas.ts';
import type { Api } from '../context.ts';

const Country = z.string().trim().toUpperCase().length(2).openapi({ example: 'DE' });
const RateText = z
  .string()
  .trim()
  .regex(/^\d{1,20}(\.\d{1,20})?$/, 'a positive decimal string such as "1.1634"')
  .openapi({ description: 'Units of the market currency per 1 unit of the store currency', example: '1.1634' });

const MarketSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    countries: z.array(z.string()),
    currency: z.string(),
    exchangeRate: z.string().nullable().openapi({ description: "The market's own rate; null = the operator's rate table" }),
    rateUsed: z
      .object({
        rate: z.string(),
        asOf: z.string().nullable().openapi({ description: "The rate table's day (YYYY-MM-DD); null for the market's own rate" }),
        source: z.enum(['same_currency', 'market', 'rates_table']),
      })
      .nullable()
      .openapi({ description: 'The rate prices convert with now; null when the rate table has none' }),
    roundingIncrement: z.number().int(),
    taxInclusive: z.boolean(),
    languages: z.array(z.string()),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Market');

const MarketBody = z.object({
  name: z.string().trim().min(1).max(100),
  countries: z.array(Country).min(1).max(250),
  currency: CurrencyCodeInput,
  exchangeRate: RateText.nullable().optional(),
  roundingIncrement: z
    .number()
    .int()
    .min(1)
    .max(100_000)
    .optional()
    .openapi({ description: 'Converted prices are rounded to a multiple of this many minor units' }),
  taxInclusive: z.boolean(),
  languages: z.array(z.string().trim().min(2).max(35)).max(20).optional(),
});

const Params = StoreIdParam.extend({ marketId: z.string() });

const create = createRoute({
  method: 'post',
  path: '/stores/{storeId}/markets',
  operationId: 'createMarket',
  tags: ['markets'],
  summary: 'Create a market (countries with a currency, languages, price and tax rules)',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam, body: jsonBody(MarketBody) },
  responses: { 201: jsonResponse(MarketSchema, 'Created'), ...errorResponses(400, 401, 403, 404, 409, 422) },
});

const list = createRoute({
  method: 'get',
  path: '/stores/{storeId}/markets',
  operationId: 'listMarkets',
  tags: ['markets'],
  summary: "The store's markets and its primary market (its own country and currency)",
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam },
  responses: {
    200: jsonResponse(
      z.object({ items: z.array(MarketSchema), primary: z.object({ country: z.string().nullable(), currency: z.string() }) }).openapi('MarketList'),
      'Markets',
    ),
    ...errorResponses(401, 403, 404),
  },
});

const get = createRoute({
  method: 'get',
  path: '/stores/{storeId}/markets/{marketId}',
  operationId: 'getMarket',
  tags: ['markets'],
  summary: 'One market',
  middleware: [storeAccess] as const,
  request: { params: Params },
  responses: { 200: jsonResponse(MarketSchema, 'The market'), ...errorResponses(401, 403, 404) },
});

const patch = createRoute({
  method: 'patch',
  path: '/stores/{storeId}/markets/{marketId}',
  operationId: 'updateMarket',
  tags: ['markets'],
  summary: 'Change a market (fields given are replaced; a new currency drops its fixed prices)',
  middleware: [storeAccess] as const,
  request: { params: Params, body: jsonBody(MarketBody.partial()) },
  responses: { 200: jsonResponse(MarketSchema, 'Updated'), ...errorResponses(400, 401, 403, 404, 409, 422) },
});

const remove = createRoute({
  method: 'delete',
  path: '/stores/{storeId}/markets/{marketId}',
  operationId: 'deleteMarket',
  tags: ['markets'],
  summary: 'Delete a market (its countries go back to the primary market)',
  middleware: [storeAccess] as const,
  request: { params: Params },
  responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404) },
});

const putPrice = createRoute({
  method: 'put',
  path: '/stores/{storeId}/markets/{marketId}/prices/{variantId}',
  operationId: 'setMarketPrice',
  tags: ['markets'],
  summary: "A variant's fixed price in the market's currency (overrides conversion; null removes it)",
  middleware: [storeAccess] as const,
  request: {
    params: Params.extend({ variantId: z.string() }),
    body: jsonBody(z.object({ price: z.number().int().min(0).max(2_000_000_000).nullable().openapi({ description: 'Minor units of the market currency' }) })),
  },
  responses: {
    200: jsonResponse(
      z.object({ marketId: z.string(), variantId: z.string(), price: z.number().int().nullable(), currency: z.string() }).openapi('MarketPrice'),
      'Set',
    ),
    ...errorResponses(400, 401, 403, 404),
  },
});

const preview = createRoute({
  method: 'get',
  path: '/stores/{storeId}/markets/{marketId}/preview',
  operationId: 'previewMarketProduct',
  tags: ['markets'],
  summary: 'A product as a shopper in the market sees it: variant prices as the product page shows them, and one in a cart shipped there (storefront pricing)',
  middleware: [storeAccess] as const,
  request: {
    params: Params,
    query: z.object({
      productId: z.string().optional().openapi({ description: "Default: the store's first active product" }),
      country: z.string().trim().toUpperCase().length(2).optional().openapi({ description: "A country of the market (default: the market's first)" }),
    }),
  },
  responses: {
    200: jsonResponse(
      z
        .object({
          marketId: z.string(),
          country: z.string(),
          currency: z.string(),
          storeCurrency: z.string(),
          rateUsed: z.object({ rate: z.string(), asOf: z.string().nullable(), source: z.enum(['same_currency', 'market', 'rates_table']) }),
          taxInclusive: z.boolean(),
          product: z.object({ id: z.string(), title: z.string(), handle: z.string() }),
          variants: z.array(
            z.object({
              id: z.string(),
              title: z.string().nullable(),
              storePrice: z.number().int(),
              price: z.number().int().openapi({ description: 'Minor units of the market currency' }),
              compareAtPrice: z.number().int().nullable(),
              fixedPrice: z.boolean(),
            }),
          ),
          cart: z.object({
            subtotal: z.number().int(),
            discount: z.number().int(),
            shipping: z.number().int(),
            shippingAvailable: z.boolean(),
            shippingMethod: z.string().nullable(),
            tax: z.number().int(),
            taxIncluded: z.boolean(),
            total: z.number().int(),
          }),
        })
        .openapi('MarketPreview'),
      'The preview',
    ),
    ...errorResponses(400, 401, 403, 404, 422),
  },
});

const service = (c: Context<AppEnv>) => new MarketService(tenantOf(c), { storeCurrency: c.var.store.currency, rates: controlExchangeRates(c.var.services.db) });

export function registerMarketRoutes(app: Api) {
  app.openapi(create, async (c) => {
    requirePermission(c, Permission.UpdateStore);
    return c.json(await service(c).create(c.req.valid('json')), 201);
  });
  app.openapi(list, async (c) =>
    c.json({ items: await service(c).list(), primary: { country: c.var.store.country ?? null, currency: c.var.store.currency } }, 200),
  );
  app.openapi(get, async (c) => c.json(await service(c).get(uuidParam(c, 'marketId', 'Market')), 200));
  app.openapi(patch, async (c) => {
    requirePermission(c, Permission.UpdateStore);
    return c.json(await service(c).update(uuidParam(c, 'marketId', 'Market'), c.req.valid('json')), 200);
  });
  app.openapi(remove, async (c) => {
    requirePermission(c, Permission.UpdateStore);
    await service(c).remove(uuidParam(c, 'marketId', 'Market'));
    return c.body(null, 204);
  });
  app.openapi(preview, async (c) => {
    const marketId = uuidParam(c, 'marketId', 'Market');
    const q = c.req.valid('query');
    if (q.productId !== undefined && !isUuid(q.productId)) throw new AppError(ErrorCode.NotFound, 'Product not found');
    const view = await previewMarketProduct(tenantOf(c), c.var.services.db, {
      storeId: c.var.store.id,
      store: c.var.store,
      marketId,
      ...(q.productId ? { productId: q.productId } : {}),
      ...(q.country ? { country: q.country } : {}),
    });
    return c.json(view, 200);
  });
  app.openapi(putPrice, async (c) => {
    requirePermission(c, Permission.UpdateStore);
    const marketId = uuidParam(c, 'marketId', 'Market');
    const variantId = uuidParam(c, 'variantId', 'Variant');
    return c.json(await service(c).setPrice(marketId, variantId, c.req.valid('json').price), 200);
  });
}
