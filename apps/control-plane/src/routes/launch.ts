/**
 * Store launch and the console home: a new store shows shoppers an "opening
 * soon" page until the merchant launches it (the merchant sees the real shop
 * through a preview link); the home summary feeds the setup guide and the
 * day's figures.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import { storeHomeSummary } from '@storeloom/commerce';
import type { Store } from '@storeloom/db';
import type { Context } from 'hono';
import { type AppEnv, storeUrl } from '../context.ts';
import { requirePermission, storeAccess, tenantOf } from '../guards.ts';
import { errorResponses, jsonResponse, StoreIdParam } from '../schemas.ts';
import type { Api } from '../context.ts';

export const LaunchStateSchema = z
  .object({
    storeId: z.string(),
    launched: z.boolean(),
    launchedAt: z.string().nullable().openapi({ description: 'When shoppers could first see the store (ISO 8601); null before launch' }),
    storefrontUrl: z.string(),
    previewUrl: z.string().openapi({ description: 'Shows the storefront before launch; share only with people who should see it early' }),
  })
  .openapi('LaunchState');

export const StoreHomeSchema = z
  .object({
    launch: LaunchStateSchema,
    setup: z.object({ product: z.boolean(), logo: z.boolean(), shipping: z.boolean(), testOrder: z.boolean(), launched: z.boolean() }),
    today: z.object({ sales: z.number().int(), orders: z.number().int(), currency: z.string(), since: z.string() }),
    ordersToFulfil: z.number().int(),
    lowStock: z.array(z.object({ productId: z.string(), title: z.string(), variantTitle: z.string(), sku: z.string().nullable(), quantity: z.number().int() })),
  })
  .openapi('StoreHome');

const getLaunch = createRoute({
  method: 'get',
  operationId: 'getStoreLaunch',
  path: '/stores/{storeId}/launch',
  tags: ['stores'],
  summary: 'Whether shoppers can see the store, and the merchant preview link',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam },
  responses: { 200: jsonResponse(LaunchStateSchema, 'Launch state'), ...errorResponses(401, 404) },
});

const launch = createRoute({
  method: 'post',
  operationId: 'launchStore',
  path: '/stores/{storeId}/launch',
  tags: ['stores'],
  summary: 'Open the store to shoppers (replaces the "opening soon" page); launching again changes nothing',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam },
  responses: { 200: jsonResponse(LaunchStateSchema, 'Launched'), ...errorResponses(401, 403, 404) },
});

const home = createRoute({
  method: 'get',
  operationId: 'getStoreHome',
  path: '/stores/{storeId}/home',
  tags: ['stores'],
  summary: "The console home: setup guide state, today's sales (since 00:00 UTC), orders to fulfil, low stock",
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam },
  responses: { 200: jsonResponse(StoreHomeSchema, 'Home summary'), ...errorResponses(401, 404, 409) },
});

async function launchState(c: Context<AppEnv>, store: Store): Promise<z.infer<typeof LaunchStateSchema>> {
  const url = storeUrl(c.var.services.config, store);
  const token = await c.var.services.stores.previewToken(store.id);
  return {
    storeId: store.id,
    launched: store.launched_at !== null,
    launchedAt: store.launched_at ? new Date(store.launched_at).toISOString() : null,
    storefrontUrl: url,
    previewUrl: `${url}/?preview=${encodeURIComponent(token)}`,
  };
}

export function registerLaunchRoutes(app: Api) {
  app.openapi(getLaunch, async (c) => c.json(await launchState(c, c.var.store), 200));

  app.openapi(launch, async (c) => {
    requirePermission(c, Permission.UpdateStore);
    const store = await c.var.services.stores.launch(c.var.store.id, { userId: c.var.auth?.user.id ?? null, requestId: c.var.requestId });
    return c.json(await launchState(c, store), 200);
  });

  app.openapi(home, async (c) => {
    const now = new Date();
    const since = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    const summary = await storeHomeSummary(tenantOf(c), since);
    const state = await launchState(c, c.var.store);
    return c.json(
      {
        launch: state,
        setup: { ...summary.setup, launched: state.launched },
        today: { sales: summary.today.sales, orders: summary.today.orders, currency: c.var.store.currency, since: since.toISOString() },
        ordersToFulfil: summary.ordersToFulfil,
        lowStock: summary.lowStock,
      },
      200,
    );
  });
}
