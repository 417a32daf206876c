/** POST /carts {country?, email?} → 201 cart. The returned id is the cart's only credential. */
import { createRoute, z } from '@hono/zod-openapi';
import { CartService } from '@storeloom/commerce';
import { body, CartSchema, cartBody, errors, json, promotionsOf, type StorefrontApi } from './context.ts';

const route = createRoute({
  method: 'post',
  path: '/carts',
  operationId: 'createCart',
  tags: ['carts'],
  summary: 'Create a cart',
  request: { body: body(z.object({ country: z.string().length(2).nullable().optional(), email: z.string().email().max(254).nullable().optional() })) },
  responses: { 201: json(CartSchema, 'The new cart'), ...errors(400, 404, 415) },
});

export function registerCreateCart(app: StorefrontApi) {
  app.openapi(route, async (c) => {
    const input = c.req.valid('json');
    const cart = await new CartService(c.var.tenant.t).findOrCreate(undefined);
    if (input.country !== undefined || input.email !== undefined)
      await promotionsOf(c).setContact(cart.id, {
        ...(input.country !== undefined ? { country: input.country } : {}),
        ...(input.email !== undefined ? { email: input.email } : {}),
      });
    return c.json(await cartBody(c, cart.token, cart.id), 201);
  });
}
