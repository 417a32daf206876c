/** POST /carts/:cartId/gift-cards {code} → cart, or 422 gift_card_invalid. */
import { createRoute, z } from '@hono/zod-openapi';
import { body, CartIdParam, CartSchema, cartBody, cartIdOf, errors, json, promotionsOf, type StorefrontApi } from './context.ts';

const route = createRoute({
  method: 'post',
  path: '/carts/{cartId}/gift-cards',
  operationId: 'applyGiftCard',
  tags: ['gift-cards'],
  summary: 'Pay part or all of the cart with a gift card',
  request: { params: CartIdParam, body: body(z.object({ code: z.string().trim().min(1).max(64) })) },
  responses: { 200: json(CartSchema, 'The cart with the card applied'), ...errors(400, 404, 415, 422) },
});

export function registerApplyGiftCard(app: StorefrontApi) {
  app.openapi(route, async (c) => {
    const { cartId } = c.req.valid('param');
    const id = await cartIdOf(c);
    await promotionsOf(c).applyGiftCard(id, c.req.valid('json').code);
    return c.json(await cartBody(c, cartId, id), 200);
  });
}
