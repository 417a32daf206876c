/** Abandoned checkouts (issue 18): carts left with an e-mail, reminders sent, recovered orders and revenue. */
import { createRoute, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import { abandonedCheckouts } from '@storeloom/commerce';
import { requirePermission, storeAccess, tenantOf } from '../guards.ts';
import { errorResponses, jsonResponse, StoreIdParam } from '../schemas.ts';
import type { Api } from '../context.ts';

const AbandonedCheckoutSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    value: z.number().int().openapi({ description: 'Minor units: the cart at catalogue prices, or the recovered order’s total' }),
    itemCount: z.number().int(),
    status: z.enum(['open', 'reminded', 'recovered']),
    remindersSent: z.number().int(),
    lastReminderAt: z.string().nullable(),
    unsubscribed: z.boolean(),
    abandonedAt: z.string(),
    recoveredOrder: z.object({ id: z.string(), number: z.number().int(), total: z.number().int() }).nullable(),
  })
  .openapi('AbandonedCheckout');

const RecoveryStatsSchema = z
  .object({
    since: z.string(),
    abandoned: z.number().int(),
    abandonedValue: z.number().int(),
    reminded: z.number().int(),
    recoveredOrders: z.number().int().openapi({ description: 'Paid orders placed from a reminded cart' }),
    recoveredRevenue: z.number().int(),
  })
  .openapi('RecoveryStats');

const list = createRoute({
  method: 'get',
  path: '/stores/{storeId}/abandoned-checkouts',
  operationId: 'listAbandonedCheckouts',
  tags: ['discounts'],
  summary: 'Abandoned checkouts of the last `days` days, newest first, with recovery totals',
  middleware: [storeAccess] as const,
  request: {
    params: StoreIdParam,
    query: z.object({
      limit: z.coerce.number().int().min(1).max(200).default(50),
      before: z.string().max(200).optional().openapi({ description: 'nextCursor of the previous page' }),
      days: z.coerce.number().int().min(1).max(365).default(30),
    }),
  },
  responses: {
    200: jsonResponse(
      z.object({ data: z.array(AbandonedCheckoutSchema), nextCursor: z.string().nullable(), stats: RecoveryStatsSchema }),
      'Abandoned checkouts',
    ),
    ...errorResponses(400, 401, 403, 404),
  },
});

export function registerAbandonedCheckoutRoutes(app: Api) {
  app.openapi(list, async (c) => {
    requirePermission(c, Permission.ReadOrders);
    const q = c.req.valid('query');
    return c.json(await abandonedCheckouts(tenantOf(c), { limit: q.limit, before: q.before ?? null, days: q.days }), 200);
  });
}
