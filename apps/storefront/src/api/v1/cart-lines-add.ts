/** POST /carts/:cartId/lines {variantId, quantity, giftCardRecipient?} → cart (adds to the line of that variant). */
import { createRoute, z } from '@hono/zod-openapi';
import { CartService, cleanGiftCardRecipient, MAX_LINE_QUANTITY } from '@storeloom/commerce';
import { body, CartIdParam, CartSchema, cartBody, cartIdOf, errors, json, type StorefrontApi } from './context.ts';

const route = createRoute({
  method: 'post',
  path: '/carts/{cartId}/lines',
  operationId: 'addCartLine',
  tags: ['carts'],
  summary: 'Add a variant to the cart',
  request: {
    params: CartIdParam,
    body: body(
      z.object({
        variantId: z.string().uuid(),
        quantity: z.number().int().min(1).max(MAX_LINE_QUANTITY),
        giftCardRecipient: z
          .object({ email: z.string().max(254).nullish(), name: z.string().max(100).nullish(), message: z.string().max(500).nullish() })
          .optional()
          .openapi({ description: 'A gift-card product only: who the card is for (no e-mail: the code goes to the buyer when the order is paid)' }),
      }),
    ),
  },
  responses: { 200: json(CartSchema, 'The cart'), ...errors(400, 404, 409, 415) },
});

export function registerAddCartLine(app: StorefrontApi) {
  app.openapi(route, async (c) => {
    const { cartId } = c.req.valid('param');
    const id = await cartIdOf(c);
    const { variantId, quantity, giftCardRecipient } = c.req.valid('json');
    await new CartService(c.var.tenant.t).add(id, variantId, quantity, { giftCardRecipient: cleanGiftCardRecipient(giftCardRecipient) });
    return c.json(await cartBody(c, cartId, id), 200);
  });
}
