/** DELETE /carts/:cartId/gift-cards/:last4 → cart. */
import { createRoute, z } from '@hono/zod-openapi';
import { CartIdParam, CartSchema, cartBody, cartIdOf, errors, json, promotionsOf, type StorefrontApi } from './context.ts';

const route = createRoute({
  method: 'delete',
  path: '/carts/{cartId}/gift-cards/{last4}',
  operationId: 'removeGiftCard',
  tags: ['gift-cards'],
  summary: 'Remove a gift card (by the last 4 characters shown on the cart)',
  request: {
    params: CartIdParam.extend({
      last4: z
        .string()
        .max(8)
        .openapi({ param: { name: 'last4', in: 'path' } }),
    }),
  },
  responses: { 200: json(CartSchema, 'The cart'), ...errors(404) },
});

export function registerRemoveGiftCard(app: StorefrontApi) {
  app.openapi(route, async (c) => {
    const { cartId, last4 } = c.req.valid('param');
    const id = await cartIdOf(c);
    await promotionsOf(c).removeGiftCard(id, last4);
    return c.json(await cartBody(c, cartId, id), 200);
  });
}
