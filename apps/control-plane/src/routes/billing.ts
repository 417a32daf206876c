import { createRoute, z } from '@hono/zod-openapi';
import { Permission, roleCan } from '@storeloom/auth';
import { type Plan, PLANS } from '@storeloom/billing';
import { requireAuth, requirePermission, storeAccess } from '../guards.ts';
import { BillingSchema, errorResponses, jsonBody, jsonResponse, RedirectSchema, StoreIdParam } from '../schemas.ts';
import type { Api } from '../context.ts';

const getBilling = createRoute({
  operationId: 'getBilling',
  method: 'get',
  path: '/stores/{storeId}/billing',
  tags: ['billing'],
  summary: 'Plan, usage against its limits and billing status',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam },
  responses: { 200: jsonResponse(BillingSchema, 'Billing'), ...errorResponses(401, 404) },
});

const checkout = createRoute({
  operationId: 'startBillingCheckout',
  method: 'post',
  path: '/stores/{storeId}/billing/checkout',
  tags: ['billing'],
  summary: 'Start a plan change: a Stripe Checkout URL (or a portal URL confirming the change when a subscription exists)',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam, body: jsonBody(z.object({ plan: z.enum(['basic', 'pro']) })) },
  responses: { 200: jsonResponse(RedirectSchema, 'Where to send the merchant'), ...errorResponses(400, 401, 403, 404, 409) },
});

const portal = createRoute({
  operationId: 'openBillingPortal',
  method: 'post',
  path: '/stores/{storeId}/billing/portal',
  tags: ['billing'],
  summary: 'Stripe customer portal URL: payment method, invoices, cancellation',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam },
  responses: { 200: jsonResponse(RedirectSchema, 'Where to send the merchant'), ...errorResponses(401, 403, 404, 409) },
});

const planJson = (p: Plan, available: boolean) => ({
  id: p.id,
  name: p.name,
  priceLabel: p.monthlyPriceLabel,
  limits: { activeProducts: p.activeProducts, staffSeats: p.staffSeats, customDomain: p.customDomain },
  transactionFeePercent: p.transactionFeeBps / 100,
  available,
});

export function registerBillingRoutes(app: Api) {
  app.openapi(getBilling, async (c) => {
    const billing = c.var.services.billing;
    const s = await billing.summary(c.var.store);
    const prices = billing.config.stripe?.prices;
    const available = (p: Plan) => p.id === 'free' || (s.enabled && !!prices?.[p.id]);
    return c.json(
      {
        enabled: s.enabled,
        plan: planJson(s.plan, available(s.plan)),
        usage: s.usage,
        status: s.status,
        subscriptionStatus: s.subscriptionStatus,
        pastDueSince: s.pastDueSince,
        graceUntil: s.graceUntil,
        currentPeriodEnd: s.currentPeriodEnd,
        suspended: s.suspended,
        hasBillingAccount: s.hasBillingAccount,
        canManage: roleCan(c.var.role, Permission.UpdateStore),
        plans: Object.values(PLANS).map((p) => planJson(p, available(p))),
      },
      200,
    );
  });

  app.openapi(checkout, async (c) => {
    const auth = requireAuth(c);
    requirePermission(c, Permission.UpdateStore);
    const { plan } = c.req.valid('json');
    const { url } = await c.var.services.billing.startCheckout(c.var.store, plan, { userId: auth.user.id, requestId: c.var.requestId, email: auth.user.email });
    return c.json({ url }, 200);
  });

  app.openapi(portal, async (c) => {
    const auth = requireAuth(c);
    requirePermission(c, Permission.UpdateStore);
    return c.json(await c.var.services.billing.portal(c.var.store, { userId: auth.user.id, requestId: c.var.requestId }), 200);
  });
}
