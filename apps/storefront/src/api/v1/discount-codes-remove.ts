/** DELETE /carts/:cartId/discount-codes/:code → cart. */
import { createRoute, z } from '@hono/zod-openapi';
import { CartIdParam, CartSchema, cartBody, cartIdOf, errors, json, promotionsOf, type StorefrontApi } from './context.ts';

const route = createRoute({
  method: 'delete',
  path: '/carts/{cartId}/discount-codes/{code}',
  operationId: 'removeDiscountCode',
  tags: ['discounts'],
  summary: 'Remove a discount code',
  request: {
    params: CartIdParam.extend({
      code: z
        .string()
        .max(64)
        .openapi({ param: { name: 'code', in: 'path' } }),
    }),
  },
  responses: { 200: json(CartSchema, 'The cart'), ...errors(404) },
});

export function registerRemoveDiscountCode(app: StorefrontApi) {
  app.openapi(route, async (c) => {
    const { cartId, code } = c.req.valid('param');
    const id = await cartIdOf(c);
    await promotionsOf(c).removeCode(id, code);
    return c.json(await cartBody(c, cartId, id), 200);
  });
}
