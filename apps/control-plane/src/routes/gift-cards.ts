/** Merchant gift cards API: `/api/v1/stores/:storeId/gift-cards` (issue 18 contract). The full code appears only in the issue response. */
import { createRoute, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import { controlExchangeRates, GiftCardService, MarketService } from '@storeloom/commerce';
import { AppError, ErrorCode } from '@storeloom/errors';
import { normaliseCurrencyText } from '@storeloom/money';
import { requirePermission, storeAccess, tenantOf, uuidParam } from '../guards.ts';
import { errorResponses, jsonBody, jsonResponse, StoreIdParam } from '../schemas.ts';
import type { Api } from '../context.ts';

const Instant = z.string().datetime({ offset: true });

const IssuedSchema = z
  .object({
    id: z.string(),
    code: z.string().openapi({ description: 'The full code: shown in this response only, stored hashed' }),
    last4: z.string(),
    balance: z.number().int(),
    currency: z.string(),
    expiresAt: z.string().nullable(),
  })
  .openapi('IssuedGiftCard');

const GiftCardSchema = z
  .object({
    id: z.string(),
    last4: z.string(),
    initialValue: z.number().int(),
    balance: z.number().int(),
    currency: z.string(),
    expiresAt: z.string().nullable(),
    note: z.string().nullable(),
    disabled: z.boolean(),
    sourceOrderId: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('GiftCard');

const GiftCardDetailSchema = GiftCardSchema.extend({
  ledger: z.array(
    z.object({
      id: z.string(),
      kind: z.string(),
      amount: z.number().int().openapi({ description: 'Signed: negative when the balance went down' }),
      balanceAfter: z.number().int(),
      orderId: z.string().nullable(),
      createdAt: z.string(),
    }),
  ),
}).openapi('GiftCardDetail');

const Params = StoreIdParam.extend({ giftCardId: z.string() });

const issue = createRoute({
  method: 'post',
  path: '/stores/{storeId}/gift-cards',
  operationId: 'issueGiftCard',
  tags: ['gift-cards'],
  summary: 'Issue a gift card',
  middleware: [storeAccess] as const,
  request: {
    params: StoreIdParam,
    body: jsonBody(
      z.object({
        initialValue: z.number().int().min(1).max(100_000_000),
        currency: z
          .string()
          .regex(/^[A-Za-z]{3}$/)
          .overwrite(normaliseCurrencyText)
          .optional()
          .openapi({ description: "Defaults to the store's currency" }),
        expiresAt: Instant.nullable().optional(),
        note: z.string().trim().max(500).nullable().optional(),
      }),
    ),
  },
  responses: { 201: jsonResponse(IssuedSchema, 'Issued'), ...errorResponses(400, 401, 403, 404) },
});

const list = createRoute({
  method: 'get',
  path: '/stores/{storeId}/gift-cards',
  operationId: 'listGiftCards',
  tags: ['gift-cards'],
  summary: 'Gift cards, newest first (q: the last 4 characters of a code)',
  middleware: [storeAccess] as const,
  request: {
    params: StoreIdParam,
    query: z.object({
      q: z.string().max(40).optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
      cursor: z.string().uuid().optional(),
    }),
  },
  responses: {
    200: jsonResponse(z.object({ items: z.array(GiftCardSchema), nextCursor: z.string().nullable() }).openapi('GiftCardPage'), 'Page'),
    ...errorResponses(400, 401, 403, 404),
  },
});

const get = createRoute({
  method: 'get',
  path: '/stores/{storeId}/gift-cards/{giftCardId}',
  operationId: 'getGiftCard',
  tags: ['gift-cards'],
  summary: 'One gift card with its ledger',
  middleware: [storeAccess] as const,
  request: { params: Params },
  responses: { 200: jsonResponse(GiftCardDetailSchema, 'The card'), ...errorResponses(401, 403, 404) },
});

const patch = createRoute({
  method: 'patch',
  path: '/stores/{storeId}/gift-cards/{giftCardId}',
  operationId: 'updateGiftCard',
  tags: ['gift-cards'],
  summary: 'Disable or re-enable a card, change its note or expiry',
  middleware: [storeAccess] as const,
  request: {
    params: Params,
    body: jsonBody(
      z.object({ disabled: z.boolean().optional(), note: z.string().trim().max(500).nullable().optional(), expiresAt: Instant.nullable().optional() }),
    ),
  },
  responses: { 200: jsonResponse(GiftCardSchema, 'Updated'), ...errorResponses(400, 401, 403, 404) },
});

export function registerGiftCardRoutes(app: Api) {
  app.openapi(issue, async (c) => {
    requirePermission(c, Permission.ManageGiftCards);
    const body = c.req.valid('json');
    const currency = body.currency ?? c.var.store.currency;
    // A card is spent in carts of its own currency: the store's, or a market's (a shopper there pays in it).
    const selling = await new MarketService(tenantOf(c), {
      storeCurrency: c.var.store.currency,
      rates: controlExchangeRates(c.var.services.db),
    }).sellingCurrencies();
    if (!selling.includes(currency))
      throw new AppError(ErrorCode.ValidationFailed, 'currency: gift cards are issued in a currency the store sells in', {
        details: [{ path: 'currency', message: `must be one of ${selling.join(', ')}` }],
      });
    const issued = await new GiftCardService(tenantOf(c)).issue({
      initialValue: body.initialValue,
      currency,
      expiresAt: body.expiresAt ?? null,
      note: body.note ?? null,
    });
    // The code is a bearer secret: never cached by anything in between.
    c.header('Cache-Control', 'no-store');
    return c.json(issued, 201);
  });
  app.openapi(list, async (c) => {
    requirePermission(c, Permission.ReadOrders);
    return c.json(await new GiftCardService(tenantOf(c)).list(c.req.valid('query')), 200);
  });
  app.openapi(get, async (c) => {
    requirePermission(c, Permission.ReadOrders);
    const card = await new GiftCardService(tenantOf(c)).get(uuidParam(c, 'giftCardId', 'Gift card'));
    if (!card) throw new AppError(ErrorCode.NotFound, 'Gift card not found');
    return c.json(card, 200);
  });
  app.openapi(patch, async (c) => {
    requirePermission(c, Permission.ManageGiftCards);
    return c.json(await new GiftCardService(tenantOf(c)).update(uuidParam(c, 'giftCardId', 'Gift card'), c.req.valid('json')), 200);
  });
}
