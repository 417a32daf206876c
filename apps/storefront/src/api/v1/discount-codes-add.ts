/** POST /carts/:cartId/discount-codes {code} → cart, or 422 discount_not_applicable saying why. */
import { createRoute, z } from '@hono/zod-openapi';
import { body, CartIdParam, CartSchema, cartBody, cartIdOf, errors, json, promotionsOf, type StorefrontApi } from './context.ts';

const route = createRoute({
  method: 'post',
  path: '/carts/{cartId}/discount-codes',
  operationId: 'applyDiscountCode',
  tags: ['discounts'],
  summary: 'Apply a discount code',
  description:
    'Refused with 422 `discount_not_applicable` when the code is unknown, expired, not started, below its minimum, used up, once per customer or not combinable.',
  request: { params: CartIdParam, body: body(z.object({ code: z.string().trim().min(1).max(64) })) },
  responses: { 200: json(CartSchema, 'The cart with the code applied'), ...errors(400, 404, 415, 422) },
});

export function registerApplyDiscountCode(app: StorefrontApi) {
  app.openapi(route, async (c) => {
    const { cartId } = c.req.valid('param');
    const id = await cartIdOf(c);
    const priced = await promotionsOf(c).applyCode(id, c.req.valid('json').code);
    return c.json(await cartBody(c, cartId, id, priced), 200);
  });
}
