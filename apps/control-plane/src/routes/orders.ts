import { createRoute, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import { loadSettings, type OrderService, saveCheckoutSettings } from '@storeloom/commerce';
import { writeAudit } from '@storeloom/db';
import { AppError, ErrorCode } from '@storeloom/errors';
import type { Context } from 'hono';
import type { AppEnv } from '../context.ts';
import { requireAuth, requirePermission, storeAccess, tenantOf, uuidParam } from '../guards.ts';
import { errorResponses, IdempotencyHeader, jsonBody, jsonResponse, Money, StoreIdParam } from '../schemas.ts';
import type { Api } from '../context.ts';
import { idempotent } from '../idempotency.ts';

const Params = StoreIdParam.extend({ orderId: z.string() });

const PaymentStatus = z.enum(['pending', 'paid', 'failed', 'expired', 'partially_refunded', 'refunded']);
const OrderStatus = z.enum(['open', 'cancelled', 'closed']);
const FulfillmentStatus = z.enum(['unfulfilled', 'fulfilled']);

const OrderSummarySchema = z
  .object({
    id: z.string(),
    number: z.number().int(),
    status: OrderStatus,
    paymentStatus: PaymentStatus,
    fulfillmentStatus: FulfillmentStatus,
    email: z.string(),
    customerName: z.string().nullable(),
    customerId: z.string().nullable(),
    currency: z.string(),
    total: Money,
    itemCount: z.number().int(),
    createdAt: z.string(),
    paidAt: z.string().nullable(),
  })
  .openapi('OrderSummary');

const AddressSchema = z.object({
  name: z.string(),
  line1: z.string(),
  line2: z.string().nullable(),
  city: z.string(),
  postalCode: z.string(),
  region: z.string().nullable(),
  country: z.string(),
  phone: z.string().nullable(),
});

const RefundSchema = z
  .object({
    id: z.string(),
    amount: Money,
    provider: z.string(),
    reason: z.string().nullable(),
    createdAt: z.string(),
    lines: z.array(
      z.object({
        kind: z.enum(['line', 'shipping', 'adjustment']),
        orderLineId: z.string().nullable(),
        quantity: z.number().int(),
        amount: Money,
        tax: Money,
        restock: z.boolean(),
      }),
    ),
  })
  .openapi('Refund');

const OrderDetailSchema = OrderSummarySchema.extend({
  lines: z.array(
    z.object({
      id: z.string(),
      productId: z.string().nullable(),
      variantId: z.string().nullable(),
      title: z.string(),
      variantTitle: z.string().nullable(),
      sku: z.string().nullable(),
      quantity: z.number().int(),
      unitPrice: Money,
      total: Money,
      imageUrl: z.string().nullable(),
      discount: Money.openapi({ description: "This line's share of the order's discounts" }),
      tax: Money.openapi({ description: "This line's share of the order's tax" }),
      refundedQuantity: z.number().int(),
      refundedAmount: Money,
    }),
  ),
  subtotal: Money,
  shipping: Money,
  tax: Money,
  discountTotal: Money,
  giftCardTotal: Money.openapi({ description: 'Paid by gift cards; the provider collected total − giftCardTotal' }),
  refunded: Money,
  shippingRefunded: Money,
  shippingRefundable: Money.openapi({ description: 'What is left to refund of the shipping (incl. its tax when tax is added)' }),
  refunds: z.array(RefundSchema),
  shippingAddress: AddressSchema.nullable(),
  payment: z.object({ provider: z.string(), reference: z.string().nullable(), canRefund: z.boolean(), refundable: Money }),
  fulfillment: z.object({ fulfilledAt: z.string(), trackingNumber: z.string().nullable(), carrier: z.string().nullable() }).nullable(),
  timeline: z.array(
    z.object({
      at: z.string(),
      type: z.string(),
      message: z.string().describe('English, for logs and exports; the console writes the event from `type` and `data`'),
      data: z
        .object({
          amount: Money.optional(),
          provider: z.string().optional(),
          reservedUntil: z.string().optional(),
          carrier: z.string().nullable().optional(),
          trackingNumber: z.string().nullable().optional(),
          units: z.number().int().optional(),
          reason: z.string().nullable().optional(),
          label: z.string().optional(),
          refunded: Money.optional(),
          paid: Money.optional(),
          toPay: Money.optional(),
          tax: Money.optional().describe('Exchanges: the tax on the replacement units inside `toPay` or `refunded` (tax-exclusive orders)'),
        })
        .describe('What happened (amounts in minor units of the order currency); empty for events recorded before 2026-12-06'),
    }),
  ),
  // Markets (issue 19): `currency` and the amounts above are what the shopper paid; these are the store's.
  marketId: z.string().nullable(),
  storeCurrency: z.string(),
  exchangeRate: z.string().openapi({ description: 'Units of `currency` per 1 unit of `storeCurrency` used for this order' }),
  exchangeRateDate: z.string().nullable(),
  storeAmounts: z
    .object({ subtotal: Money, shipping: Money, tax: Money, discountTotal: Money, total: Money, refunded: Money })
    .openapi({ description: 'The amounts in the store currency (reports, payouts)' }),
}).openapi('OrderDetail');

const ShippingSchema = z
  .object({
    mode: z.enum(['flat', 'weight']),
    flatRate: Money,
    freeOver: Money.nullable(),
    weightRates: z.array(z.object({ upToGrams: z.number().int().min(1).max(10_000_000), rate: Money })).max(50),
  })
  .refine((s) => s.mode !== 'weight' || s.weightRates.length > 0, { message: 'weight mode needs at least one weight rate', path: ['weightRates'] })
  .openapi('ShippingSettings');
const TaxSchema = z.object({ ratePercent: z.number().min(0).max(100), includedInPrices: z.boolean() }).openapi('TaxSettings');
const CheckoutSettingsSchema = z.object({ shipping: ShippingSchema, tax: TaxSchema }).openapi('CheckoutSettings');

const list = createRoute({
  operationId: 'listOrders',
  method: 'get',
  path: '/stores/{storeId}/orders',
  tags: ['orders'],
  summary: 'List orders, newest first (q matches the order number or e-mail)',
  middleware: [storeAccess] as const,
  request: {
    params: StoreIdParam,
    query: z.object({
      status: OrderStatus.optional(),
      paymentStatus: PaymentStatus.optional(),
      fulfillmentStatus: FulfillmentStatus.optional(),
      q: z.string().trim().max(200).optional(),
      cursor: z.string().max(100).optional(),
      limit: z.coerce.number().int().min(1).max(250).default(50),
    }),
  },
  responses: {
    200: jsonResponse(z.object({ items: z.array(OrderSummarySchema), nextCursor: z.string().nullable() }).openapi('OrderPage'), 'Orders'),
    ...errorResponses(400, 401, 403, 404),
  },
});
const get = createRoute({
  operationId: 'getOrder',
  method: 'get',
  path: '/stores/{storeId}/orders/{orderId}',
  tags: ['orders'],
  summary: 'One order with its lines, payment, fulfilment and timeline',
  middleware: [storeAccess] as const,
  request: { params: Params },
  responses: { 200: jsonResponse(OrderDetailSchema, 'The order'), ...errorResponses(401, 403, 404) },
});
const fulfil = createRoute({
  operationId: 'fulfilOrder',
  method: 'post',
  path: '/stores/{storeId}/orders/{orderId}/fulfillment',
  tags: ['orders'],
  summary: 'Mark a paid order fulfilled (repeating it updates the tracking details) and mail the shopper',
  middleware: [storeAccess] as const,
  request: {
    params: Params,
    body: jsonBody(z.object({ trackingNumber: z.string().trim().min(1).max(100).optional(), carrier: z.string().trim().min(1).max(100).optional() })),
  },
  responses: { 200: jsonResponse(OrderDetailSchema, 'Fulfilled'), ...errorResponses(400, 401, 403, 404, 409) },
});
/** What a refund (or its preview) gives back: lines, shipping and/or a free amount. */
const RefundBody = z.object({
  amount: Money.optional(),
  lines: z
    .array(z.object({ orderLineId: z.string().uuid(), quantity: z.number().int().min(1).max(1_000_000), restock: z.boolean().optional() }))
    .max(250)
    .optional(),
  shipping: Money.optional(),
});
/** A refund of nothing is a mistake, not a zero refund: 400, for the refund and its preview alike. */
const withSomethingToRefund = <T extends z.ZodType<{ amount?: number; lines?: unknown[]; shipping?: number }>>(schema: T) =>
  schema.refine((b) => b.amount !== undefined || (b.lines?.length ?? 0) > 0 || (b.shipping ?? 0) > 0, {
    message: 'give an amount, lines or shipping',
    path: ['amount'],
  });
const refund = createRoute({
  operationId: 'refundOrder',
  method: 'post',
  path: '/stores/{storeId}/orders/{orderId}/refunds',
  tags: ['orders'],
  summary: 'Refund part or all of a paid order, by lines (units, optionally restocked), shipping and/or an amount (Idempotency-Key required)',
  description:
    'With `lines`, each line gives back what the shopper paid for those units (its price after its discount allocation, plus tax when tax was added). ' +
    '`amount` defaults to the value of the lines and shipping; a smaller amount is spread over them, a larger one is an adjustment. ' +
    'Money goes back to the payment provider first, then to the gift cards that paid. Refunded units stop counting as sales.',
  middleware: [storeAccess] as const,
  request: {
    params: Params,
    headers: IdempotencyHeader,
    body: jsonBody(withSomethingToRefund(RefundBody.extend({ reason: z.string().trim().max(500).optional() }))),
  },
  responses: { 200: jsonResponse(OrderDetailSchema, 'Refunded'), ...errorResponses(400, 401, 403, 404, 409, 422) },
});
const refundPreview = createRoute({
  operationId: 'previewOrderRefund',
  method: 'post',
  path: '/stores/{storeId}/orders/{orderId}/refund-preview',
  tags: ['orders'],
  summary: 'What a refund of these lines, shipping and/or amount would give back, part by part and per tender (nothing is written)',
  'x-token-scope': 'read_orders',
  middleware: [storeAccess] as const,
  request: { params: Params, body: jsonBody(withSomethingToRefund(RefundBody)) },
  responses: {
    200: jsonResponse(
      z
        .object({
          amount: Money,
          parts: RefundSchema.shape.lines,
          tenders: z.object({ provider: Money, giftCards: Money }),
        })
        .openapi('RefundPreview'),
      'The refund it would make',
    ),
    ...errorResponses(400, 401, 403, 404, 409),
  },
});
const getCheckoutSettings = createRoute({
  operationId: 'getCheckoutSettings',
  method: 'get',
  path: '/stores/{storeId}/checkout-settings',
  tags: ['orders'],
  summary: 'Shipping rates and tax of the storefront checkout',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam },
  responses: { 200: jsonResponse(CheckoutSettingsSchema, 'Settings (defaults when never saved)'), ...errorResponses(401, 404) },
});
const putCheckoutSettings = createRoute({
  operationId: 'setCheckoutSettings',
  method: 'put',
  path: '/stores/{storeId}/checkout-settings',
  tags: ['orders'],
  summary: 'Set shipping (flat or by weight, optional free-over) and tax (rate, included in prices or added)',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam, body: jsonBody(CheckoutSettingsSchema) },
  responses: { 200: jsonResponse(CheckoutSettingsSchema, 'Saved'), ...errorResponses(400, 401, 403, 404) },
});

function orderService(c: Context<AppEnv>): OrderService {
  return c.var.services.commerce.orders(c.var.store, { tenant: tenantOf(c), logger: c.var.logger });
}

export function registerOrderRoutes(app: Api) {
  app.openapi(list, async (c) => {
    requirePermission(c, Permission.ReadOrders);
    return c.json(await orderService(c).list(c.req.valid('query')), 200);
  });
  app.openapi(get, async (c) => {
    requirePermission(c, Permission.ReadOrders);
    const detail = await orderService(c).detailOrThrow(uuidParam(c, 'orderId', 'Order'));
    // The order's buyer (name, address, e-mail) is personal data: who looked at it is the owner's to see.
    await writeAudit(c.var.services.db, {
      storeId: c.var.store.id,
      actorUserId: c.var.auth?.user.id ?? null,
      action: 'customer_data.viewed',
      targetType: 'order',
      targetId: detail.id,
      requestId: c.var.requestId,
    });
    return c.json(detail, 200);
  });
  app.openapi(fulfil, async (c) => {
    requirePermission(c, Permission.ManageOrders);
    return c.json(await orderService(c).fulfil(uuidParam(c, 'orderId', 'Order'), c.req.valid('json')), 200);
  });
  app.openapi(refund, async (c) => {
    const auth = requireAuth(c);
    requirePermission(c, Permission.RefundOrders);
    const orderId = uuidParam(c, 'orderId', 'Order');
    const key = c.req.valid('header')['idempotency-key'];
    if (!key) throw new AppError(ErrorCode.ValidationFailed, 'Idempotency-Key header is required for refunds');
    const body = c.req.valid('json');
    const service = orderService(c);
    return idempotent(c, auth.user.id, body, async () => ({
      status: 200,
      body: await service.refund(orderId, {
        ...(body.amount !== undefined ? { amount: body.amount } : {}),
        ...(body.lines ? { lines: body.lines } : {}),
        ...(body.shipping !== undefined ? { shipping: body.shipping } : {}),
        reason: body.reason ?? null,
        idempotencyKey: key,
      }),
    }));
  });
  app.openapi(refundPreview, async (c) => {
    requirePermission(c, Permission.ReadOrders);
    const body = c.req.valid('json');
    if (body.amount === undefined && !(body.lines?.length ?? 0) && !(body.shipping ?? 0))
      return c.json({ amount: 0, parts: [], tenders: { provider: 0, giftCards: 0 } }, 200);
    const p = await orderService(c).previewRefund(uuidParam(c, 'orderId', 'Order'), {
      ...(body.amount !== undefined ? { amount: body.amount } : {}),
      ...(body.lines ? { lines: body.lines } : {}),
      ...(body.shipping !== undefined ? { shipping: body.shipping } : {}),
    });
    return c.json({ amount: p.amount, parts: p.parts.map(({ variantId: _v, ...x }) => x), tenders: p.tenders }, 200);
  });
  app.openapi(getCheckoutSettings, async (c) => {
    const s = await loadSettings(tenantOf(c));
    return c.json({ shipping: s.shipping, tax: s.tax }, 200);
  });
  app.openapi(putCheckoutSettings, async (c) => {
    requirePermission(c, Permission.UpdateStore);
    const body = c.req.valid('json');
    await saveCheckoutSettings(tenantOf(c), body);
    return c.json(body, 200);
  });
}
