import { createRoute } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import { requireAuth, requirePermission, storeAccess } from '../guards.ts';
import { errorResponses, jsonResponse, PayoutStatusSchema, RedirectSchema, StoreIdParam } from '../schemas.ts';
import type { Api } from '../context.ts';

const status = createRoute({
  operationId: 'getPayouts',
  method: 'get',
  path: '/stores/{storeId}/payouts',
  tags: ['payouts'],
  summary: 'Stripe Connect onboarding status (charges and payouts enabled, what Stripe still needs)',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam },
  responses: { 200: jsonResponse(PayoutStatusSchema, 'Payout status'), ...errorResponses(401, 404) },
});

const connect = createRoute({
  operationId: 'connectPayouts',
  method: 'post',
  path: '/stores/{storeId}/payouts/connect',
  tags: ['payouts'],
  summary: "Create (or reuse) the store's Stripe Express account and return an onboarding link",
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam },
  responses: { 200: jsonResponse(RedirectSchema, 'Stripe-hosted onboarding'), ...errorResponses(401, 403, 404, 409) },
});

export function registerPayoutRoutes(app: Api) {
  app.openapi(status, async (c) => c.json(await c.var.services.connect.status(c.var.store), 200));

  app.openapi(connect, async (c) => {
    const auth = requireAuth(c);
    requirePermission(c, Permission.UpdateStore);
    const { url } = await c.var.services.connect.startOnboarding(c.var.store, { userId: auth.user.id, requestId: c.var.requestId, email: auth.user.email });
    return c.json({ url }, 200);
  });
}
