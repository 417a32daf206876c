/**
 * Editing a placed order (issue 21): stage changes (add variants, change line quantities) with a priced preview,
 * then commit once: stock through the inventory ledger, the difference charged through the order's provider or
 * refunded through refund lines, the edit on the order's timeline and the `order.edited` webhook. See
 * @storeloom/commerce order-edits.ts and docs/design/orders.md.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import type { OrderEditService } from '@storeloom/commerce';
import type { Context } from 'hono';
import type { Api, AppEnv } from '../context.ts';
import { requirePermission, storeAccess, tenantOf, uuidParam } from '../guards.ts';
import { errorResponses, jsonBody, jsonResponse, Money, StoreIdParam } from '../schemas.ts';

const OrderParams = StoreIdParam.extend({ orderId: z.string() });
const EditParams = OrderParams.extend({ editId: z.string() });

const Change = z.discriminatedUnion('type', [
  z.object({ type: z.literal('add'), variantId: z.string().uuid(), quantity: z.number().int().min(1).max(10_000) }),
  z.object({ type: z.literal('set_quantity'), orderLineId: z.string().uuid(), quantity: z.number().int().min(0).max(10_000) }),
]);
const EditInput = z.object({ changes: z.array(Change).min(1).max(50), note: z.string().trim().max(1000).nullable().optional() }).openapi('OrderEditInput');

const EditView = z
  .object({
    id: z.string(),
    orderId: z.string(),
    status: z.enum(['staged', 'committed', 'discarded']),
    changes: z.array(Change),
    note: z.string().nullable(),
    preview: z
      .object({
        added: z.array(
          z.object({
            variantId: z.string(),
            title: z.string(),
            variantTitle: z.string().nullable(),
            quantity: z.number().int(),
            unitPrice: Money,
            total: Money,
            tax: Money,
          }),
        ),
        removed: z.array(z.object({ orderLineId: z.string(), title: z.string(), quantity: z.number().int(), amount: Money })),
        charge: Money,
        refund: Money,
        totalBefore: Money,
        totalAfter: Money,
      })
      .nullable()
      .openapi({ description: 'Staged edits: what committing now would charge and refund' }),
    totalBefore: Money.nullable(),
    totalAfter: Money.nullable(),
    chargePaymentId: z.string().nullable(),
    refundPaymentId: z.string().nullable(),
    createdAt: z.string(),
    committedAt: z.string().nullable(),
  })
  .openapi('OrderEdit');

const list = createRoute({
  operationId: 'listOrderEdits',
  method: 'get',
  path: '/stores/{storeId}/orders/{orderId}/edits',
  tags: ['orders'],
  summary: "An order's edits, oldest first (its edit history)",
  middleware: [storeAccess] as const,
  request: { params: OrderParams },
  responses: { 200: jsonResponse(z.object({ items: z.array(EditView) }).openapi('OrderEditList'), 'Edits'), ...errorResponses(401, 403, 404) },
});
const stage = createRoute({
  operationId: 'stageOrderEdit',
  method: 'post',
  path: '/stores/{storeId}/orders/{orderId}/edits',
  tags: ['orders'],
  summary: 'Stage an edit of a paid order (add variants, change line quantities) and see what it would charge or refund',
  middleware: [storeAccess] as const,
  request: { params: OrderParams, body: jsonBody(EditInput) },
  responses: { 201: jsonResponse(EditView, 'Staged'), ...errorResponses(400, 401, 403, 404, 409) },
});
const update = createRoute({
  operationId: 'updateOrderEdit',
  method: 'put',
  path: '/stores/{storeId}/orders/{orderId}/edits/{editId}',
  tags: ['orders'],
  summary: "Replace a staged edit's changes",
  middleware: [storeAccess] as const,
  request: { params: EditParams, body: jsonBody(EditInput) },
  responses: { 200: jsonResponse(EditView, 'Saved'), ...errorResponses(400, 401, 403, 404, 409) },
});
const commit = createRoute({
  operationId: 'commitOrderEdit',
  method: 'post',
  path: '/stores/{storeId}/orders/{orderId}/edits/{editId}/commit',
  tags: ['orders'],
  summary: 'Commit a staged edit (once): stock, charge or refund, totals, timeline; 409 when the order changed since it was staged',
  middleware: [storeAccess] as const,
  request: { params: EditParams },
  responses: { 200: jsonResponse(EditView, 'Committed'), ...errorResponses(401, 403, 404, 409, 422) },
});
const discard = createRoute({
  operationId: 'discardOrderEdit',
  method: 'post',
  path: '/stores/{storeId}/orders/{orderId}/edits/{editId}/discard',
  tags: ['orders'],
  summary: 'Discard a staged edit',
  middleware: [storeAccess] as const,
  request: { params: EditParams },
  responses: { 200: jsonResponse(EditView, 'Discarded'), ...errorResponses(401, 403, 404, 409) },
});

function edits(c: Context<AppEnv>): OrderEditService {
  return c.var.services.commerce.edits(c.var.store, { tenant: tenantOf(c), logger: c.var.logger });
}

export function registerOrderEditRoutes(app: Api) {
  app.openapi(list, async (c) => {
    requirePermission(c, Permission.ReadOrders);
    return c.json({ items: await edits(c).list(uuidParam(c, 'orderId', 'Order')) }, 200);
  });
  app.openapi(stage, async (c) => {
    requirePermission(c, Permission.ManageOrders);
    return c.json(await edits(c).stage(uuidParam(c, 'orderId', 'Order'), c.req.valid('json')), 201);
  });
  app.openapi(update, async (c) => {
    requirePermission(c, Permission.ManageOrders);
    return c.json(await edits(c).update(uuidParam(c, 'orderId', 'Order'), uuidParam(c, 'editId', 'Order edit'), c.req.valid('json')), 200);
  });
  app.openapi(commit, async (c) => {
    // Moves money both ways, like a refund.
    requirePermission(c, Permission.RefundOrders);
    return c.json(await edits(c).commit(uuidParam(c, 'orderId', 'Order'), uuidParam(c, 'editId', 'Order edit')), 200);
  });
  app.openapi(discard, async (c) => {
    requirePermission(c, Permission.ManageOrders);
    return c.json(await edits(c).discard(uuidParam(c, 'orderId', 'Order'), uuidParam(c, 'editId', 'Order edit')), 200);
  });
}
