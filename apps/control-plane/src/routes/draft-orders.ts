/**
 * Draft orders (issue 21): the merchant keys in an order (catalogue lines, custom items, a discount code or a manual
 * amount, a shipping line, the customer), then mails an invoice link or marks it paid. Pricing, stock and the order
 * it becomes are @storeloom/commerce's DraftOrderService (drafts.ts); see docs/design/orders.md.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import type { DraftOrderService } from '@storeloom/commerce';
import type { Context } from 'hono';
import type { Api, AppEnv } from '../context.ts';
import { requirePermission, storeAccess, tenantOf, uuidParam } from '../guards.ts';
import { errorResponses, jsonBody, jsonResponse, Money, StoreIdParam } from '../schemas.ts';

const Params = StoreIdParam.extend({ draftOrderId: z.string() });
const DraftStatus = z.enum(['open', 'invoice_sent', 'completed', 'cancelled']);

const Address = z.object({
  name: z.string().trim().min(1).max(200),
  line1: z.string().trim().min(1).max(200),
  line2: z.string().trim().max(200).nullable(),
  city: z.string().trim().min(1).max(100),
  postalCode: z.string().trim().max(20),
  region: z.string().trim().max(100).nullable(),
  country: z
    .string()
    .trim()
    .regex(/^[A-Za-z]{2}$/, 'two-letter country code'),
  phone: z.string().trim().max(40).nullable(),
});

const DraftLineInput = z.object({
  variantId: z.string().uuid().nullable().optional().openapi({ description: 'A catalogue variant; leave out for a custom item' }),
  quantity: z.number().int().min(1).max(10_000),
  title: z.string().trim().min(1).max(200).optional().openapi({ description: 'Custom items: title' }),
  unitPrice: Money.optional().openapi({ description: "Custom items: unit price in the draft's currency" }),
  taxable: z.boolean().optional().openapi({ description: 'Custom items: whether tax applies (default true)' }),
});

const DraftInput = z
  .object({
    email: z.string().trim().max(254).nullable().optional(),
    customerId: z.string().uuid().nullable().optional(),
    customerName: z.string().trim().max(200).nullable().optional(),
    shippingAddress: Address.nullable().optional().openapi({ description: 'Where it ships; its country picks the market (currency) and the tax' }),
    lines: z.array(DraftLineInput).max(100).optional(),
    discountCodes: z.array(z.string().trim().min(1).max(100)).max(5).optional(),
    manualDiscount: z
      .object({ amount: Money, title: z.string().trim().max(100).nullable().optional() })
      .nullable()
      .optional(),
    shippingLine: z
      .object({ title: z.string().trim().max(100), amount: Money })
      .nullable()
      .optional()
      .openapi({ description: 'None: free shipping' }),
    note: z.string().trim().max(2000).nullable().optional(),
    reserve: z.boolean().optional().openapi({ description: "Hold the lines' stock while the draft is open" }),
  })
  .openapi('DraftOrderInput');

const DraftRecord = z
  .object({
    id: z.string(),
    number: z.number().int(),
    name: z.string(),
    status: DraftStatus,
    email: z.string().nullable(),
    customerId: z.string().nullable(),
    customerName: z.string().nullable(),
    shippingAddress: Address.extend({ line2: z.string().nullable() }).nullable(),
    country: z.string().nullable(),
    currency: z.string(),
    total: Money,
    note: z.string().nullable(),
    reserve: z.boolean(),
    invoiceSentAt: z.string().nullable(),
    orderId: z.string().nullable(),
    completedAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('DraftOrderSummary');

const DraftView = DraftRecord.extend({
  discountCodes: z.array(z.string()),
  manualDiscount: z.object({ amount: Money, title: z.string() }).nullable(),
  shippingLine: z.object({ title: z.string(), amount: Money }).nullable(),
  reserved: z.record(z.string(), z.number().int()).openapi({ description: 'Units this draft holds per variant' }),
  pricedLines: z.array(
    z.object({
      id: z.string(),
      variantId: z.string().nullable(),
      productId: z.string().nullable(),
      title: z.string(),
      variantTitle: z.string().nullable(),
      sku: z.string().nullable(),
      quantity: z.number().int(),
      unitPrice: Money,
      total: Money,
      discount: Money,
      taxable: z.boolean(),
      custom: z.boolean(),
      available: z.number().int().nullable(),
      imageUrl: z.string().nullable(),
    }),
  ),
  totals: z.object({
    subtotal: Money,
    discountTotal: Money,
    shipping: Money,
    tax: Money,
    total: Money,
    taxIncluded: z.boolean(),
    itemCount: z.number().int(),
  }),
  adjustments: z.array(z.object({ label: z.string(), amount: Money, code: z.string().nullable() })),
  rejectedCodes: z.array(z.object({ code: z.string(), reason: z.string() })),
}).openapi('DraftOrder');

const list = createRoute({
  operationId: 'listDraftOrders',
  method: 'get',
  path: '/stores/{storeId}/draft-orders',
  tags: ['orders'],
  summary: 'Draft orders, newest first (q matches the number, e-mail or name)',
  middleware: [storeAccess] as const,
  request: {
    params: StoreIdParam,
    query: z.object({
      q: z.string().trim().max(200).optional(),
      status: DraftStatus.optional(),
      cursor: z.string().max(100).optional(),
      limit: z.coerce.number().int().min(1).max(250).default(50),
    }),
  },
  responses: {
    200: jsonResponse(z.object({ items: z.array(DraftRecord), nextCursor: z.string().nullable() }).openapi('DraftOrderPage'), 'Draft orders'),
    ...errorResponses(400, 401, 403, 404),
  },
});
const create = createRoute({
  operationId: 'createDraftOrder',
  method: 'post',
  path: '/stores/{storeId}/draft-orders',
  tags: ['orders'],
  summary: 'Start a draft order (priced like a checkout; stock held only with reserve)',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam, body: jsonBody(DraftInput) },
  responses: { 201: jsonResponse(DraftView, 'Created'), ...errorResponses(400, 401, 403, 404, 409) },
});
const get = createRoute({
  operationId: 'getDraftOrder',
  method: 'get',
  path: '/stores/{storeId}/draft-orders/{draftOrderId}',
  tags: ['orders'],
  summary: 'One draft order, priced now',
  middleware: [storeAccess] as const,
  request: { params: Params },
  responses: { 200: jsonResponse(DraftView, 'The draft order'), ...errorResponses(401, 403, 404) },
});
const update = createRoute({
  operationId: 'updateDraftOrder',
  method: 'patch',
  path: '/stores/{storeId}/draft-orders/{draftOrderId}',
  tags: ['orders'],
  summary: 'Change a draft order (given fields only; `lines` replaces all lines)',
  middleware: [storeAccess] as const,
  request: { params: Params, body: jsonBody(DraftInput) },
  responses: { 200: jsonResponse(DraftView, 'Saved'), ...errorResponses(400, 401, 403, 404, 409) },
});
const cancel = createRoute({
  operationId: 'cancelDraftOrder',
  method: 'post',
  path: '/stores/{storeId}/draft-orders/{draftOrderId}/cancel',
  tags: ['orders'],
  summary: 'Cancel a draft order (its invoice link stops working, held stock goes back)',
  middleware: [storeAccess] as const,
  request: { params: Params },
  responses: { 200: jsonResponse(DraftView, 'Cancelled'), ...errorResponses(401, 403, 404, 409) },
});
const invoice = createRoute({
  operationId: 'sendDraftOrderInvoice',
  method: 'post',
  path: '/stores/{storeId}/draft-orders/{draftOrderId}/invoice',
  tags: ['orders'],
  summary: 'Mail the customer a new invoice link (earlier links stop working); the link is also in the answer',
  middleware: [storeAccess] as const,
  request: { params: Params, body: jsonBody(z.object({ message: z.string().trim().max(2000).nullable().optional() })) },
  responses: {
    200: jsonResponse(z.object({ draftOrder: DraftView, invoiceUrl: z.string() }).openapi('DraftOrderInvoice'), 'Sent'),
    ...errorResponses(400, 401, 403, 404, 409),
  },
});
const markPaid = createRoute({
  operationId: 'markDraftOrderPaid',
  method: 'post',
  path: '/stores/{storeId}/draft-orders/{draftOrderId}/mark-paid',
  tags: ['orders'],
  summary: 'Paid outside Storeloom: make the order, paid (once; a repeat answers with the same order)',
  middleware: [storeAccess] as const,
  request: { params: Params },
  responses: {
    200: jsonResponse(z.object({ draftOrder: DraftView, orderId: z.string() }).openapi('DraftOrderCompleted'), 'The order made'),
    ...errorResponses(400, 401, 403, 404, 409),
  },
});

function drafts(c: Context<AppEnv>): DraftOrderService {
  return c.var.services.commerce.drafts(c.var.store, { tenant: tenantOf(c), logger: c.var.logger });
}

export function registerDraftOrderRoutes(app: Api) {
  app.openapi(list, async (c) => {
    requirePermission(c, Permission.ReadOrders);
    return c.json(await drafts(c).list(c.req.valid('query')), 200);
  });
  app.openapi(create, async (c) => {
    requirePermission(c, Permission.ManageOrders);
    return c.json(await drafts(c).create(c.req.valid('json')), 201);
  });
  app.openapi(get, async (c) => {
    requirePermission(c, Permission.ReadOrders);
    return c.json(await drafts(c).getOrThrow(uuidParam(c, 'draftOrderId', 'Draft order')), 200);
  });
  app.openapi(update, async (c) => {
    requirePermission(c, Permission.ManageOrders);
    return c.json(await drafts(c).update(uuidParam(c, 'draftOrderId', 'Draft order'), c.req.valid('json')), 200);
  });
  app.openapi(cancel, async (c) => {
    requirePermission(c, Permission.ManageOrders);
    return c.json(await drafts(c).cancel(uuidParam(c, 'draftOrderId', 'Draft order')), 200);
  });
  app.openapi(invoice, async (c) => {
    requirePermission(c, Permission.ManageOrders);
    const r = await drafts(c).sendInvoice(uuidParam(c, 'draftOrderId', 'Draft order'), c.req.valid('json'));
    return c.json({ draftOrder: r.draft, invoiceUrl: r.invoiceUrl }, 200);
  });
  app.openapi(markPaid, async (c) => {
    requirePermission(c, Permission.ManageOrders);
    const service = drafts(c);
    const id = uuidParam(c, 'draftOrderId', 'Draft order');
    const r = await service.complete(id, { provider: 'manual', markPaid: true });
    return c.json({ draftOrder: await service.getOrThrow(id), orderId: r.order.id }, 200);
  });
}
