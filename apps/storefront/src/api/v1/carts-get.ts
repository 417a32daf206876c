/** GET /carts/:cartId → cart, priced now (discounts re-checked, gift-card balances current). */
import { createRoute } from '@hono/zod-openapi';
import { CartIdParam, CartSchema, cartBody, cartIdOf, errors, json, type StorefrontApi } from './context.ts';

const route = createRoute({
  method: 'get',
  path: '/carts/{cartId}',
  operationId: 'getCart',
  tags: ['carts'],
  summary: 'Read a cart',
  request: { params: CartIdParam },
  responses: { 200: json(CartSchema, 'The cart'), ...errors(404) },
});

export function registerGetCart(app: StorefrontApi) {
  app.openapi(route, async (c) => {
    const { cartId } = c.req.valid('param');
    return c.json(await cartBody(c, cartId, await cartIdOf(c)), 200);
  });
}
