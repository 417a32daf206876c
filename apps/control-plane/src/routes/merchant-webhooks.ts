/**
 * Merchant webhook subscriptions (issue 21 contract): `POST /stores/:storeId/webhooks {url, events}` → 201 with
 * the signing secret, shown once. Deliveries are signed `Storeloom-Signature: t=…,v1=…` (docs/design/webhooks.md).
 * Owners and admins only (the payloads carry orders and customers).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import { webhooksDispatchJob } from '@storeloom/jobs';
import { WEBHOOK_EVENT_TYPES, WebhookService } from '@storeloom/webhooks';
import type { Context } from 'hono';
import type { AppEnv } from '../context.ts';
import { requirePermission, storeAccess, tenantOf, uuidParam } from '../guards.ts';
import { errorResponses, jsonBody, jsonResponse, StoreIdParam } from '../schemas.ts';
import type { Api } from '../context.ts';

const EventType = z.enum(WEBHOOK_EVENT_TYPES);

const WebhookSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(z.string()),
    description: z.string().nullable(),
    enabled: z.boolean(),
    disabledReason: z.string().nullable().openapi({ description: '`failing` (disabled after sustained failure) or `merchant`' }),
    consecutiveFailures: z.number().int(),
    failingSince: z.string().nullable(),
    lastSuccessAt: z.string().nullable(),
    lastFailureAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Webhook');

const CreatedWebhookSchema = WebhookSchema.extend({
  secret: z.string().openapi({ description: 'Signing secret (whsec_…): shown in this response only, stored encrypted' }),
}).openapi('CreatedWebhook');

const DeliverySchema = z
  .object({
    id: z.string(),
    eventId: z.string(),
    type: z.string(),
    status: z.enum(['pending', 'succeeded', 'failed']),
    attempts: z.number().int(),
    nextAttemptAt: z.string().nullable(),
    lastAttemptAt: z.string().nullable(),
    lastStatus: z.number().int().nullable(),
    lastError: z.string().nullable(),
    deliveredAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('WebhookDelivery');

const DeliveryDetailSchema = DeliverySchema.pick({
  id: true,
  eventId: true,
  type: true,
  status: true,
  attempts: true,
  nextAttemptAt: true,
  deliveredAt: true,
  createdAt: true,
})
  .extend({
    log: z.array(
      z.object({
        attempt: z.number().int(),
        at: z.string(),
        durationMs: z.number().int(),
        request: z.object({ headers: z.record(z.string(), z.string()), body: z.string().openapi({ description: 'At most 4 KiB' }) }),
        response: z.object({ status: z.number().int().nullable(), body: z.string().nullable().openapi({ description: 'At most 4 KiB' }) }),
        error: z.string().nullable(),
      }),
    ),
  })
  .openapi('WebhookDeliveryDetail');

const Params = StoreIdParam.extend({ webhookId: z.string() });
const DeliveryParams = Params.extend({ deliveryId: z.string() });
const base = '/stores/{storeId}/webhooks';
const tags = ['webhooks'];

const create = createRoute({
  method: 'post',
  path: base,
  operationId: 'createWebhook',
  tags,
  summary: 'Subscribe an endpoint to events (the signing secret is in this response only)',
  middleware: [storeAccess] as const,
  request: {
    params: StoreIdParam,
    body: jsonBody(
      z.object({
        url: z.string().max(2000),
        events: z.array(EventType).min(1).max(WEBHOOK_EVENT_TYPES.length),
        description: z.string().trim().max(500).nullable().optional(),
      }),
    ),
  },
  responses: { 201: jsonResponse(CreatedWebhookSchema, 'Created'), ...errorResponses(400, 401, 403, 404, 409, 422) },
});
const list = createRoute({
  method: 'get',
  path: base,
  operationId: 'listWebhooks',
  tags,
  summary: 'Webhook subscriptions',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam },
  responses: { 200: jsonResponse(z.object({ items: z.array(WebhookSchema) }).openapi('WebhookList'), 'Subscriptions'), ...errorResponses(401, 403, 404) },
});
const get = createRoute({
  method: 'get',
  path: `${base}/{webhookId}`,
  operationId: 'getWebhook',
  tags,
  summary: 'One subscription (never its secret)',
  middleware: [storeAccess] as const,
  request: { params: Params },
  responses: { 200: jsonResponse(WebhookSchema, 'Subscription'), ...errorResponses(401, 403, 404) },
});
const update = createRoute({
  method: 'patch',
  path: `${base}/{webhookId}`,
  operationId: 'updateWebhook',
  tags,
  summary: 'Change URL, events or description; enable (after automatic disabling) or disable',
  middleware: [storeAccess] as const,
  request: {
    params: Params,
    body: jsonBody(
      z.object({
        url: z.string().max(2000).optional(),
        events: z.array(EventType).min(1).max(WEBHOOK_EVENT_TYPES.length).optional(),
        description: z.string().trim().max(500).nullable().optional(),
        enabled: z.boolean().optional(),
      }),
    ),
  },
  responses: { 200: jsonResponse(WebhookSchema, 'Updated'), ...errorResponses(400, 401, 403, 404, 422) },
});
const remove = createRoute({
  method: 'delete',
  path: `${base}/{webhookId}`,
  operationId: 'deleteWebhook',
  tags,
  summary: 'Delete a subscription (its pending deliveries are dropped)',
  middleware: [storeAccess] as const,
  request: { params: Params },
  responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404) },
});
const rotate = createRoute({
  method: 'post',
  path: `${base}/{webhookId}/rotate-secret`,
  operationId: 'rotateWebhookSecret',
  tags,
  summary: 'A new signing secret (shown once); later deliveries are signed with it',
  middleware: [storeAccess] as const,
  request: { params: Params },
  responses: { 200: jsonResponse(z.object({ secret: z.string() }), 'New secret'), ...errorResponses(401, 403, 404) },
});
const test = createRoute({
  method: 'post',
  path: `${base}/{webhookId}/test`,
  operationId: 'testWebhook',
  tags,
  summary: 'Send one signed `webhook.test` event now and answer with the result',
  middleware: [storeAccess] as const,
  request: { params: Params },
  responses: {
    200: jsonResponse(
      z.object({ ok: z.boolean(), status: z.number().int().nullable(), error: z.string().nullable(), responseBody: z.string().nullable() }),
      'Result',
    ),
    ...errorResponses(401, 403, 404),
  },
});
const deliveries = createRoute({
  method: 'get',
  path: `${base}/{webhookId}/deliveries`,
  operationId: 'listWebhookDeliveries',
  tags,
  summary: 'Delivery log of an endpoint, newest first',
  middleware: [storeAccess] as const,
  request: {
    params: Params,
    query: z.object({
      status: z.enum(['pending', 'succeeded', 'failed']).optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
      cursor: z.string().uuid().optional(),
    }),
  },
  responses: {
    200: jsonResponse(z.object({ items: z.array(DeliverySchema), nextCursor: z.string().nullable() }).openapi('WebhookDeliveryPage'), 'Page'),
    ...errorResponses(400, 401, 403, 404),
  },
});
const delivery = createRoute({
  method: 'get',
  path: `${base}/{webhookId}/deliveries/{deliveryId}`,
  operationId: 'getWebhookDelivery',
  tags,
  summary: 'One delivery with each attempt’s request and response (truncated)',
  middleware: [storeAccess] as const,
  request: { params: DeliveryParams },
  responses: { 200: jsonResponse(DeliveryDetailSchema, 'Delivery'), ...errorResponses(401, 403, 404) },
});
const redeliver = createRoute({
  method: 'post',
  path: `${base}/{webhookId}/deliveries/{deliveryId}/redeliver`,
  operationId: 'redeliverWebhook',
  tags,
  summary: 'Send a delivery again (same event id; a new 3-day retry window)',
  middleware: [storeAccess] as const,
  request: { params: DeliveryParams },
  responses: { 202: jsonResponse(DeliveryDetailSchema, 'Queued'), ...errorResponses(401, 403, 404) },
});

function service(c: Context<AppEnv>) {
  requirePermission(c, Permission.UpdateStore);
  return new WebhookService({
    t: tenantOf(c),
    storeId: c.var.store.id,
    box: c.var.services.secrets,
    control: c.var.services.db.control,
    egress: c.var.services.config.webhookEgress,
  });
}

/** Dates as the ISO strings the schemas declare. */
const json = <T>(x: T) => JSON.parse(JSON.stringify(x));

export function registerMerchantWebhookRoutes(app: Api) {
  app.openapi(create, async (c) => {
    const created = await service(c).create(c.req.valid('json'));
    c.header('Cache-Control', 'no-store');
    return c.json(json(created), 201);
  });
  app.openapi(list, async (c) => c.json({ items: json(await service(c).list()) }, 200));
  app.openapi(get, async (c) => c.json(json(await service(c).get(uuidParam(c, 'webhookId', 'Webhook'))), 200));
  app.openapi(update, async (c) => {
    const s = service(c);
    const updated = await s.update(uuidParam(c, 'webhookId', 'Webhook'), c.req.valid('json'));
    // Re-enabled: what waited while it was off goes out now.
    if (updated.enabled) await c.var.services.queues.enqueue(webhooksDispatchJob, { storeId: c.var.store.id }).catch(() => {});
    return c.json(json(updated), 200);
  });
  app.openapi(remove, async (c) => {
    await service(c).delete(uuidParam(c, 'webhookId', 'Webhook'));
    return c.body(null, 204);
  });
  app.openapi(rotate, async (c) => {
    const r = await service(c).rotateSecret(uuidParam(c, 'webhookId', 'Webhook'));
    c.header('Cache-Control', 'no-store');
    return c.json(r, 200);
  });
  app.openapi(test, async (c) => {
    const r = await service(c).sendTest(uuidParam(c, 'webhookId', 'Webhook'));
    return c.json({ ok: r.ok, status: r.status, error: r.error, responseBody: r.responseBody }, 200);
  });
  app.openapi(deliveries, async (c) => c.json(json(await service(c).deliveries(uuidParam(c, 'webhookId', 'Webhook'), c.req.valid('query'))), 200));
  app.openapi(delivery, async (c) =>
    c.json(json(await service(c).delivery(uuidParam(c, 'webhookId', 'Webhook'), uuidParam(c, 'deliveryId', 'Delivery'))), 200),
  );
  app.openapi(redeliver, async (c) => {
    const d = await service(c).redeliver(uuidParam(c, 'webhookId', 'Webhook'), uuidParam(c, 'deliveryId', 'Delivery'));
    await c.var.services.queues.enqueue(webhooksDispatchJob, { storeId: c.var.store.id }).catch(() => {});
    return c.json(json(d), 202);
  });
}
