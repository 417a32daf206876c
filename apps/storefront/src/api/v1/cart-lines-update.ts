/** PATCH /carts/:cartId/lines/:lineId {quantity} → cart (0 removes the line). A line's id is its variant id. */
import { createRoute, z } from '@hono/zod-openapi';
import { CartService, MAX_LINE_QUANTITY } from '@storeloom/commerce';
import { isUuid } from '@storeloom/db';
import { AppError, ErrorCode } from '@storeloom/errors';
import { body, CartIdParam, CartSchema, cartBody, cartIdOf, errors, json, type StorefrontApi } from './context.ts';

const route = createRoute({
  method: 'patch',
  path: '/carts/{cartId}/lines/{lineId}',
  operationId: 'updateCartLine',
  tags: ['carts'],
  summary: "Change a line's quantity (0 removes it)",
  request: {
    params: CartIdParam.extend({ lineId: z.string().openapi({ param: { name: 'lineId', in: 'path' } }) }),
    body: body(z.object({ quantity: z.number().int().min(0).max(MAX_LINE_QUANTITY) })),
  },
  responses: { 200: json(CartSchema, 'The cart'), ...errors(400, 404, 415) },
});

export function registerUpdateCartLine(app: StorefrontApi) {
  app.openapi(route, async (c) => {
    const { cartId, lineId } = c.req.valid('param');
    const id = await cartIdOf(c);
    if (!isUuid(lineId)) throw new AppError(ErrorCode.NotFound, 'Line not found');
    const carts = new CartService(c.var.tenant.t);
    if (!(await carts.hasLine(id, lineId))) throw new AppError(ErrorCode.NotFound, 'Line not found');
    await carts.setQuantity(id, lineId, c.req.valid('json').quantity);
    return c.json(await cartBody(c, cartId, id), 200);
  });
}
