/** Storefront API origins (CORS), abandoned-cart recovery and marketing consent: the `promotions` store setting. */
import { createRoute, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import { loadSettings, type PromotionSettings, savePromotionSettings } from '@storeloom/commerce';
import { requirePermission, storeAccess, tenantOf } from '../guards.ts';
import { errorResponses, jsonBody, jsonResponse, StoreIdParam } from '../schemas.ts';
import type { Api } from '../context.ts';

const PromotionSettingsSchema = z
  .object({
    apiAllowedOrigins: z
      .array(z.string().regex(/^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/i, 'an origin such as https://shop.example.com'))
      .max(20)
      .openapi({ description: 'Origins a headless front end may call the Storefront API from (CORS)' }),
    recovery: z.object({
      enabled: z.boolean(),
      delayMinutes: z.number().int().min(15).max(10_080).openapi({ description: 'Minutes a checkout with an e-mail waits before the reminder (default 240)' }),
      secondReminder: z.boolean().openapi({ description: 'A second reminder 24 h after the first' }),
      discountCode: z
        .string()
        .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/)
        .nullable()
        .optional()
        .openapi({ description: 'A discount code offered in the reminder and applied when the shopper opens its link' }),
    }),
    marketingEmails: z.boolean().openapi({ description: 'The store’s privacy settings allow marketing mail (recovery reminders)' }),
    recoveryRecipients: z.enum(['all', 'subscribed']).openapi({
      description:
        'Who gets abandoned-cart reminders: all (anyone who left an e-mail, the default) or subscribed (only addresses with a recorded marketing consent; EU stores should pick this). An unsubscribe always wins.',
    }),
  })
  .openapi('PromotionSettings');

const Params = StoreIdParam;

const read = createRoute({
  method: 'get',
  path: '/stores/{storeId}/promotion-settings',
  operationId: 'getPromotionSettings',
  tags: ['discounts'],
  summary: 'Storefront API origins, abandoned-cart recovery and marketing consent',
  middleware: [storeAccess] as const,
  request: { params: Params },
  responses: { 200: jsonResponse(PromotionSettingsSchema, 'Settings'), ...errorResponses(401, 403, 404) },
});

const write = createRoute({
  method: 'put',
  path: '/stores/{storeId}/promotion-settings',
  operationId: 'updatePromotionSettings',
  tags: ['discounts'],
  summary: 'Change the promotion settings (fields left out keep their value)',
  middleware: [storeAccess] as const,
  // Strict: a body of only unknown keys is a mistake (a 400), not an empty change answered 200.
  request: { params: Params, body: jsonBody(PromotionSettingsSchema.partial().strict()) },
  responses: { 200: jsonResponse(PromotionSettingsSchema, 'Saved'), ...errorResponses(400, 401, 403, 404) },
});

export function registerPromotionSettingsRoutes(app: Api) {
  app.openapi(read, async (c) => {
    requirePermission(c, Permission.ReadOrders);
    return c.json((await loadSettings(tenantOf(c))).promotions, 200);
  });
  app.openapi(write, async (c) => {
    requirePermission(c, Permission.ManageDiscounts);
    const t = tenantOf(c);
    const next: PromotionSettings = { ...(await loadSettings(t)).promotions, ...c.req.valid('json') };
    await savePromotionSettings(t, next);
    return c.json(next, 200);
  });
}
