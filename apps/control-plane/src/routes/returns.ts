import { createRoute, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import { loadReturnPolicy, type ReturnService, saveReturnPolicy } from '@storeloom/commerce';
import { AppError, ErrorCode } from '@storeloom/errors';
import { storeStorage } from '@storeloom/storage';
import type { Context } from 'hono';
import type { Api, AppEnv } from '../context.ts';
import { requirePermission, storeAccess, tenantOf, uuidParam } from '../guards.ts';
import { errorResponses, IdempotencyHeader, jsonBody, jsonResponse, Money, StoreIdParam } from '../schemas.ts';

const ReturnParams = StoreIdParam.extend({ returnId: z.string() });
const OrderParams = StoreIdParam.extend({ orderId: z.string() });
const ReturnStatus = z.enum(['requested', 'approved', 'declined', 'received', 'refunded', 'exchanged']);
const note = z.string().trim().max(2000).optional();

export const ReturnSchema = z
  .object({
    id: z.string(),
    orderId: z.string(),
    orderNumber: z.number().int(),
    email: z.string(),
    currency: z.string(),
    status: ReturnStatus,
    reason: z.string(),
    customerNote: z.string().nullable(),
    photos: z.array(z.string()).openapi({ description: 'Storage keys; fetch each through GET …/returns/{returnId}/photos/{index}' }),
    merchantNote: z.string().nullable(),
    labelReference: z.string().nullable(),
    resolution: z.enum(['refund', 'exchange']).nullable(),
    refundId: z.string().nullable(),
    refundAmount: Money.nullable(),
    exchange: z
      .object({
        difference: z.number().int().openapi({ description: '> 0 charged to the shopper, < 0 refunded' }),
        paymentStatus: z.enum(['pending', 'paid', 'none']).nullable(),
        paymentUrl: z.string().nullable(),
      })
      .nullable(),
    lines: z.array(
      z.object({
        id: z.string(),
        orderLineId: z.string(),
        title: z.string(),
        variantTitle: z.string().nullable(),
        sku: z.string().nullable(),
        quantity: z.number().int(),
        restock: z.boolean().nullable(),
        conditionNote: z.string().nullable(),
        exchangeVariantId: z.string().nullable(),
        exchangeUnitPrice: Money.nullable(),
      }),
    ),
    requestedAt: z.string(),
    decidedAt: z.string().nullable(),
    receivedAt: z.string().nullable(),
    closedAt: z.string().nullable(),
  })
  .openapi('Return');

const ReturnPolicySchema = z
  .object({
    enabled: z.boolean(),
    windowDays: z.number().int().min(1).max(365).openapi({ description: 'Days after delivery (fulfilment) a return may be requested' }),
    shippingRefund: z
      .enum(['never', 'full_return'])
      .openapi({ description: 'full_return: a return that takes back every unit left also refunds the shipping' }),
  })
  .openapi('ReturnPolicy');

const ReturnabilitySchema = z
  .object({
    policy: ReturnPolicySchema,
    deadline: z.string().nullable(),
    open: z.boolean(),
    why: z.string().nullable(),
    lines: z.array(
      z.object({ orderLineId: z.string(), title: z.string(), variantTitle: z.string().nullable(), quantity: z.number().int(), returnable: z.number().int() }),
    ),
  })
  .openapi('Returnability');

const RefundPartSchema = z.object({
  kind: z.enum(['line', 'shipping', 'adjustment']),
  orderLineId: z.string().nullable(),
  quantity: z.number().int(),
  amount: Money,
  tax: Money,
  restock: z.boolean(),
});
const RefundQuoteSchema = z
  .object({ amount: Money, shipping: Money, parts: z.array(RefundPartSchema), tenders: z.object({ provider: Money, giftCards: Money }) })
  .openapi('ReturnRefundQuote');

const list = createRoute({
  tags: ['returns'],
  middleware: [storeAccess] as const,
  operationId: 'listReturns',
  method: 'get',
  path: '/stores/{storeId}/returns',
  summary: 'Returns, newest first (filter by status or order)',
  request: {
    params: StoreIdParam,
    query: z.object({
      status: ReturnStatus.optional(),
      orderId: z.string().uuid().optional(),
      cursor: z.string().uuid().optional(),
      limit: z.coerce.number().int().min(1).max(250).default(50),
    }),
  },
  responses: {
    200: jsonResponse(z.object({ items: z.array(ReturnSchema), nextCursor: z.string().nullable() }).openapi('ReturnPage'), 'Returns'),
    ...errorResponses(400, 401, 403, 404),
  },
});
const get = createRoute({
  tags: ['returns'],
  middleware: [storeAccess] as const,
  operationId: 'getReturn',
  method: 'get',
  path: '/stores/{storeId}/returns/{returnId}',
  summary: 'One return with its lines',
  request: { params: ReturnParams },
  responses: { 200: jsonResponse(ReturnSchema, 'The return'), ...errorResponses(401, 403, 404) },
});
const photo = createRoute({
  tags: ['returns'],
  middleware: [storeAccess] as const,
  operationId: 'getReturnPhoto',
  method: 'get',
  path: '/stores/{storeId}/returns/{returnId}/photos/{index}',
  summary: "One of the shopper's photos of the return (private: only through this route)",
  request: { params: ReturnParams.extend({ index: z.coerce.number().int().min(0).max(9) }) },
  responses: { 200: { description: 'The image', content: { 'image/*': { schema: z.any() } } }, ...errorResponses(401, 403, 404) },
});
const forOrder = createRoute({
  tags: ['returns'],
  middleware: [storeAccess] as const,
  operationId: 'listOrderReturns',
  method: 'get',
  path: '/stores/{storeId}/orders/{orderId}/returns',
  summary: "An order's returns and what can still be returned (window, units per line)",
  request: { params: OrderParams },
  responses: {
    200: jsonResponse(z.object({ returnability: ReturnabilitySchema, items: z.array(ReturnSchema) }).openapi('OrderReturns'), 'Returns of the order'),
    ...errorResponses(401, 403, 404),
  },
});
const create = createRoute({
  tags: ['returns'],
  middleware: [storeAccess] as const,
  operationId: 'createReturn',
  method: 'post',
  path: '/stores/{storeId}/orders/{orderId}/returns',
  summary: "Request a return on the shopper's behalf (lines and units, reason) within the store's return window",
  description:
    'Each line at most what was bought, not refunded and not in another open return (400 with `details[].path`); 422 `return_window_closed` after the window. The `Idempotency-Key` makes a retry create one return.',
  request: {
    params: OrderParams,
    headers: IdempotencyHeader,
    body: jsonBody(
      z.object({
        lines: z
          .array(z.object({ orderLineId: z.string().uuid(), quantity: z.number().int().min(1).max(1_000_000) }))
          .min(1)
          .max(250),
        reason: z.string().trim().min(1).max(500),
        note,
      }),
    ),
  },
  responses: { 201: jsonResponse(ReturnSchema, 'Requested'), ...errorResponses(400, 401, 403, 404, 409, 422) },
});
const action = <B extends z.ZodType>(operationId: string, path: string, summary: string, body: B) =>
  createRoute({
    tags: ['returns'],
    middleware: [storeAccess] as const,
    operationId,
    method: 'post',
    path: `/stores/{storeId}/returns/{returnId}/${path}`,
    summary,
    request: { params: ReturnParams, body: jsonBody(body) },
    responses: {
      200: jsonResponse(ReturnSchema, 'The return after the step (a repeated step answers with the same result)'),
      ...errorResponses(400, 401, 403, 404, 409),
    },
  });
const approve = action(
  'approveReturn',
  'approve',
  'Approve a requested return, with an optional note and return label reference (mailed to the shopper)',
  z.object({ note, labelReference: z.string().trim().max(200).optional() }),
);
const decline = action('declineReturn', 'decline', 'Decline a requested return with a note for the shopper', z.object({ note }));
const label = action(
  'setReturnLabel',
  'label',
  'Set the return label reference of an approved return',
  z.object({ labelReference: z.string().trim().min(1).max(200) }),
);
const receive = action(
  'receiveReturn',
  'receive',
  'Mark an approved return received, with each line’s condition (restock puts the units back into stock through the inventory ledger)',
  z.object({
    lines: z
      .array(z.object({ orderLineId: z.string().uuid(), restock: z.boolean(), note: z.string().trim().max(500).optional() }))
      .max(250)
      .optional(),
  }),
);
const refund = action(
  'refundReturn',
  'refund',
  'Refund a received return through the order’s refund lines (line price after its discount, tax, shipping per the policy; to the original tenders)',
  z.object({}),
);
const exchange = action(
  'exchangeReturn',
  'exchange',
  'Exchange a received return for other variants: a lower price refunds the difference, a higher one is charged through the order’s provider',
  z.object({
    lines: z
      .array(z.object({ orderLineId: z.string().uuid(), variantId: z.string().uuid() }))
      .min(1)
      .max(250),
  }),
);
const exchangePaid = action(
  'markExchangePaid',
  'exchange-payment',
  'Record that the shopper paid the exchange difference outside a provider webhook (manual provider); closes the return',
  z.object({ reference: z.string().trim().min(1).max(200).optional() }),
);
const quote = createRoute({
  tags: ['returns'],
  middleware: [storeAccess] as const,
  operationId: 'getReturnRefundQuote',
  method: 'get',
  path: '/stores/{storeId}/returns/{returnId}/refund-quote',
  summary: 'What refunding the return would give back now, and to which tenders (computed server-side; nothing is written)',
  request: { params: ReturnParams },
  responses: { 200: jsonResponse(RefundQuoteSchema, 'The refund it would make'), ...errorResponses(401, 403, 404, 409) },
});
const getPolicy = createRoute({
  tags: ['returns'],
  middleware: [storeAccess] as const,
  operationId: 'getReturnPolicy',
  method: 'get',
  path: '/stores/{storeId}/return-policy',
  summary: 'The return window and shipping refund policy',
  request: { params: StoreIdParam },
  responses: { 200: jsonResponse(ReturnPolicySchema, 'The policy (defaults when never saved)'), ...errorResponses(401, 404) },
});
const putPolicy = createRoute({
  tags: ['returns'],
  middleware: [storeAccess] as const,
  operationId: 'setReturnPolicy',
  method: 'put',
  path: '/stores/{storeId}/return-policy',
  summary: 'Set whether shoppers may request returns, the window in days after delivery, and whether a full return refunds shipping',
  request: { params: StoreIdParam, body: jsonBody(ReturnPolicySchema) },
  responses: { 200: jsonResponse(ReturnPolicySchema, 'Saved'), ...errorResponses(400, 401, 403, 404) },
});

function returnService(c: Context<AppEnv>): ReturnService {
  return c.var.services.commerce.returns(c.var.store, { tenant: tenantOf(c), logger: c.var.logger });
}

export function registerReturnRoutes(app: Api) {
  app.openapi(list, async (c) => {
    requirePermission(c, Permission.ReadOrders);
    return c.json(await returnService(c).list(c.req.valid('query')), 200);
  });
  app.openapi(get, async (c) => {
    requirePermission(c, Permission.ReadOrders);
    return c.json(await returnService(c).getOrThrow(uuidParam(c, 'returnId', 'Return')), 200);
  });
  app.openapi(photo, async (c) => {
    requirePermission(c, Permission.ReadOrders);
    const r = await returnService(c).getOrThrow(uuidParam(c, 'returnId', 'Return'));
    const key = r.photos[c.req.valid('param').index];
    const obj = key ? await storeStorage(c.var.services.storage, c.var.store.id).get(key) : null;
    if (!obj) throw new AppError(ErrorCode.NotFound, 'Photo not found');
    c.header('content-type', obj.contentType);
    c.header('cache-control', 'private, no-store');
    c.header('x-content-type-options', 'nosniff');
    return c.body(obj.body as Uint8Array<ArrayBuffer>, 200);
  });
  app.openapi(forOrder, async (c) => {
    requirePermission(c, Permission.ReadOrders);
    const orderId = uuidParam(c, 'orderId', 'Order');
    const s = returnService(c);
    const returnability = await s.returnability(orderId);
    return c.json({ returnability, items: await s.forOrder(orderId) }, 200);
  });
  app.openapi(create, async (c) => {
    requirePermission(c, Permission.ManageOrders);
    const orderId = uuidParam(c, 'orderId', 'Order');
    const body = c.req.valid('json');
    const key = c.req.valid('header')['idempotency-key'];
    const r = await returnService(c).request(
      orderId,
      { lines: body.lines, reason: body.reason, note: body.note ?? null },
      key ? { idempotencyKey: `api:${key}` } : {},
    );
    return c.json(r, 201);
  });
  app.openapi(approve, async (c) => {
    requirePermission(c, Permission.ManageOrders);
    const b = c.req.valid('json');
    return c.json(await returnService(c).approve(uuidParam(c, 'returnId', 'Return'), { note: b.note ?? null, labelReference: b.labelReference ?? null }), 200);
  });
  app.openapi(decline, async (c) => {
    requirePermission(c, Permission.ManageOrders);
    return c.json(await returnService(c).decline(uuidParam(c, 'returnId', 'Return'), { note: c.req.valid('json').note ?? null }), 200);
  });
  app.openapi(label, async (c) => {
    requirePermission(c, Permission.ManageOrders);
    return c.json(await returnService(c).setLabel(uuidParam(c, 'returnId', 'Return'), c.req.valid('json').labelReference), 200);
  });
  app.openapi(receive, async (c) => {
    requirePermission(c, Permission.ManageOrders);
    return c.json(await returnService(c).receive(uuidParam(c, 'returnId', 'Return'), c.req.valid('json')), 200);
  });
  app.openapi(quote, async (c) => {
    requirePermission(c, Permission.ReadOrders);
    return c.json(await returnService(c).refundQuote(uuidParam(c, 'returnId', 'Return')), 200);
  });
  app.openapi(refund, async (c) => {
    requirePermission(c, Permission.RefundOrders);
    return c.json(await returnService(c).refund(uuidParam(c, 'returnId', 'Return')), 200);
  });
  app.openapi(exchange, async (c) => {
    requirePermission(c, Permission.RefundOrders);
    return c.json(await returnService(c).exchange(uuidParam(c, 'returnId', 'Return'), c.req.valid('json')), 200);
  });
  app.openapi(exchangePaid, async (c) => {
    requirePermission(c, Permission.RefundOrders);
    const id = uuidParam(c, 'returnId', 'Return');
    const s = returnService(c);
    const r = await s.getOrThrow(id);
    if (r.exchange?.paymentStatus === 'pending')
      await s.confirmExchangePayment(id, { provider: 'manual', reference: c.req.valid('json').reference ?? 'marked paid', amount: r.exchange.difference });
    return c.json(await s.getOrThrow(id), 200);
  });
  app.openapi(getPolicy, async (c) => c.json(await loadReturnPolicy(tenantOf(c)), 200));
  app.openapi(putPolicy, async (c) => {
    requirePermission(c, Permission.UpdateStore);
    const body = c.req.valid('json');
    await saveReturnPolicy(tenantOf(c), body);
    return c.json(body, 200);
  });
}
