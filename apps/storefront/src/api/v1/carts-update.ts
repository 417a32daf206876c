/** PATCH /carts/:cartId {email?, country?} → cart. */
import { createRoute, z } from '@hono/zod-openapi';
import { body, CartIdParam, CartSchema, cartBody, cartIdOf, errors, json, promotionsOf, type StorefrontApi } from './context.ts';

const route = createRoute({
  method: 'patch',
  path: '/carts/{cartId}',
  operationId: 'updateCart',
  tags: ['carts'],
  summary: "Set the cart's e-mail or country",
  request: {
    params: CartIdParam,
    body: body(
      z.object({
        email: z.string().email().max(254).nullable().optional(),
        country: z.string().length(2).nullable().optional(),
        vatId: z
          .string()
          .max(20)
          .nullable()
          .optional()
          .openapi({ description: 'A business VAT id; 422 vat_id_invalid when it does not have the format of its country' }),
      }),
    ),
  },
  responses: { 200: json(CartSchema, 'The cart'), ...errors(400, 404, 415, 422) },
});

export function registerUpdateCart(app: StorefrontApi) {
  app.openapi(route, async (c) => {
    const { cartId } = c.req.valid('param');
    const id = await cartIdOf(c);
    const input = c.req.valid('json');
    await promotionsOf(c).setContact(id, {
      ...(input.email !== undefined ? { email: input.email } : {}),
      ...(input.country !== undefined ? { country: input.country } : {}),
      ...(input.vatId !== undefined ? { vatId: input.vatId } : {}),
    });
    return c.json(await cartBody(c, cartId, id), 200);
  });
}
