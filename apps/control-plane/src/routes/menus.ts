/** Navigation menus (header `main-menu`, `footer`, or any handle): one nested item model. */
import { createRoute, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import { MENU_ITEM_TYPES, type MenuItem, MenuService } from '@storeloom/content';
import { AppError, ErrorCode } from '@storeloom/errors';
import { requirePermission, storeAccess, tenantOf, uuidParam } from '../guards.ts';
import { errorResponses, jsonBody, jsonResponse, StoreIdParam } from '../schemas.ts';
import type { Api } from '../context.ts';

type ItemShape = { title: string; type: (typeof MENU_ITEM_TYPES)[number]; target?: string; items?: ItemShape[] };
const MenuItemSchema: z.ZodType<ItemShape> = z
  .lazy(() =>
    z.object({
      title: z.string().trim().min(1).max(100),
      type: z.enum(MENU_ITEM_TYPES),
      target: z
        .string()
        .max(2000)
        .optional()
        .openapi({ description: 'Id of the collection/product/page/article, the policy kind, or the URL (http(s) or a path) for `url`' }),
      items: z.array(MenuItemSchema).max(50).optional(),
    }),
  )
  .openapi('MenuItem', { type: 'object' });
const MenuSchema = z
  .object({ id: z.string(), handle: z.string(), title: z.string(), items: z.array(MenuItemSchema), version: z.number().int(), updatedAt: z.string() })
  .openapi('Menu');
const MenuParams = StoreIdParam.extend({ menuId: z.string() });
const MenuHandle = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'lower-case letters, digits and single hyphens')
  .openapi({ description: 'The storefront renders `main-menu` in the header and `footer` in the footer', example: 'main-menu' });
const Fields = z.object({ handle: MenuHandle, title: z.string().trim().min(1).max(100), items: z.array(MenuItemSchema).max(100) });

const list = createRoute({
  operationId: 'listMenus',
  method: 'get',
  path: '/stores/{storeId}/menus',
  tags: ['content'],
  summary: 'List menus',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam },
  responses: { 200: jsonResponse(z.object({ data: z.array(MenuSchema) }).openapi('MenuList'), 'Menus'), ...errorResponses(401, 404) },
});
const create = createRoute({
  operationId: 'createMenu',
  method: 'post',
  path: '/stores/{storeId}/menus',
  tags: ['content'],
  summary: 'Create a menu (items nest up to 3 levels, 250 items at most)',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam, body: jsonBody(Fields) },
  responses: { 201: jsonResponse(MenuSchema, 'Created'), ...errorResponses(400, 401, 403, 404, 409) },
});
const get = createRoute({
  operationId: 'getMenu',
  method: 'get',
  path: '/stores/{storeId}/menus/{menuId}',
  tags: ['content'],
  summary: 'One menu',
  middleware: [storeAccess] as const,
  request: { params: MenuParams },
  responses: { 200: jsonResponse(MenuSchema, 'The menu'), ...errorResponses(401, 404) },
});
const patch = createRoute({
  operationId: 'updateMenu',
  method: 'patch',
  path: '/stores/{storeId}/menus/{menuId}',
  tags: ['content'],
  summary: 'Change a menu (items replace the whole tree; send `version` to refuse overwriting a newer edit)',
  middleware: [storeAccess] as const,
  request: { params: MenuParams, body: jsonBody(Fields.partial().extend({ version: z.number().int().min(1).optional() })) },
  responses: { 200: jsonResponse(MenuSchema, 'Saved'), ...errorResponses(400, 401, 403, 404, 409) },
});
const remove = createRoute({
  operationId: 'deleteMenu',
  method: 'delete',
  path: '/stores/{storeId}/menus/{menuId}',
  tags: ['content'],
  summary: 'Delete a menu (the storefront falls back to its default links)',
  middleware: [storeAccess] as const,
  request: { params: MenuParams },
  responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404) },
});

export function registerMenuRoutes(app: Api) {
  app.openapi(list, async (c) => c.json({ data: await new MenuService(tenantOf(c)).list() }, 200));
  app.openapi(create, async (c) => {
    requirePermission(c, Permission.WriteCatalog);
    const body = c.req.valid('json');
    return c.json(await new MenuService(tenantOf(c)).create({ ...body, items: body.items as MenuItem[] }), 201);
  });
  app.openapi(get, async (c) => {
    const menu = await new MenuService(tenantOf(c)).get(uuidParam(c, 'menuId', 'Menu'));
    if (!menu) throw new AppError(ErrorCode.NotFound, 'Menu not found');
    return c.json(menu, 200);
  });
  app.openapi(patch, async (c) => {
    requirePermission(c, Permission.WriteCatalog);
    const body = c.req.valid('json');
    return c.json(
      await new MenuService(tenantOf(c)).update(uuidParam(c, 'menuId', 'Menu'), { ...body, ...(body.items ? { items: body.items as MenuItem[] } : {}) }),
      200,
    );
  });
  app.openapi(remove, async (c) => {
    requirePermission(c, Permission.WriteCatalog);
    await new MenuService(tenantOf(c)).delete(uuidParam(c, 'menuId', 'Menu'));
    return c.body(null, 204);
  });
}
