/**
 * POST /carts/:cartId/checkout {email, shippingAddress} (Idempotency-Key) → 201 {order, payment}.
 * The same CheckoutService as the server-rendered checkout: one pricing path. A code or gift card that no longer
 * applies (limit reached meanwhile, balance spent) answers 422 and creates nothing.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { sha256Hex } from '@storeloom/auth';
import { MarketingConsentService } from '@storeloom/commerce';
import { AppError, ErrorCode } from '@storeloom/errors';
import {
  body,
  CartIdParam,
  type CheckoutBody,
  CheckoutResultSchema,
  cartIdOf,
  checkoutBody,
  errors,
  json,
  type StorefrontApi,
  type StorefrontApiDeps,
} from './context.ts';
import { withIdempotency } from '@storeloom/http';

const Address = z.object({
  name: z.string().trim().min(1).max(200),
  line1: z.string().trim().min(1).max(200),
  line2: z.string().trim().max(200).nullable().optional(),
  city: z.string().trim().min(1).max(100),
  postalCode: z.string().trim().min(1).max(20),
  region: z.string().trim().max(100).nullable().optional(),
  country: z.string().trim().length(2),
});

const route = createRoute({
  method: 'post',
  path: '/carts/{cartId}/checkout',
  operationId: 'checkoutCart',
  tags: ['checkout'],
  summary: 'Place the order and start its payment',
  request: {
    params: CartIdParam,
    headers: z.object({
      'idempotency-key': z
        .string()
        .min(1)
        .max(255)
        .optional()
        .openapi({ param: { name: 'idempotency-key', in: 'header' } }),
    }),
    body: body(
      z.object({
        email: z.string().email().max(254),
        shippingAddress: Address,
        vatId: z.string().max(20).nullable().optional().openapi({ description: "A business buyer's VAT id (default the cart's)" }),
        acceptsMarketing: z.boolean().optional().openapi({
          description:
            'The shopper ticked an unchecked-by-default "Email me with news and offers": recorded as their marketing mail consent (source api) when the order is placed. Leave out or false: nothing is recorded.',
        }),
      }),
    ),
  },
  responses: {
    201: json(CheckoutResultSchema, 'The order and where to pay (redirectUrl null when gift cards paid it all)'),
    ...errors(400, 404, 409, 415, 422),
  },
});

export function registerCheckout(app: StorefrontApi, deps: StorefrontApiDeps) {
  app.openapi(route, async (c) => {
    const { cartId } = c.req.valid('param');
    const input = c.req.valid('json');
    const key = c.req.valid('header')['idempotency-key'];
    const id = await cartIdOf(c);
    const a = input.shippingAddress;
    const result = await withIdempotency<CheckoutBody>(deps.db, `sf:${c.var.store.id}:${sha256Hex(cartId)}`, key, input, async () => {
      const placed = await deps.checkout(c).place({
        cartId: id,
        email: input.email,
        address: {
          name: a.name,
          line1: a.line1,
          line2: a.line2 ?? null,
          city: a.city,
          postalCode: a.postalCode,
          region: a.region ?? null,
          country: a.country.toUpperCase(),
          phone: null,
        },
        customerId: null,
        saveAddress: false,
        locale: c.var.store.default_locale,
        settings: c.var.tenant.settings,
        ...(input.vatId !== undefined ? { vatId: input.vatId } : {}),
      });
      // Inside the idempotent step: a replayed request records nothing twice.
      if (input.acceptsMarketing === true && c.var.tenant.settings.promotions.marketingEmails)
        await new MarketingConsentService(c.var.tenant.t).record({ email: input.email, agreed: true, source: 'api' });
      // The manual provider's pay page is same-origin (relative); a headless front end lives elsewhere.
      const redirectUrl = placed.redirectUrl?.startsWith('/') ? `${deps.origin(c)}${placed.redirectUrl}` : placed.redirectUrl;
      return { status: 201, body: checkoutBody(placed.order, redirectUrl) };
    });
    if (result.status !== 201) throw new AppError(ErrorCode.Internal, 'Unexpected stored response');
    if (result.replayed) c.header('Idempotent-Replayed', 'true');
    return c.json(result.body, 201);
  });
}
