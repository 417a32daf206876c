/**
 * The store's privacy settings: how long each kind of shopper data is kept
 * (enforced nightly by `privacy.retention-store`). Read by any member, changed
 * by owners and admins (`privacy:manage`); every change is audited.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import { writeAudit } from '@storeloom/db';
import { DEFAULT_RETENTION, loadPrivacySettings, updatePrivacySettings } from '@storeloom/privacy';
import { requirePermission, storeAccess, tenantOf } from '../guards.ts';
import { errorResponses, jsonBody, jsonResponse, StoreIdParam } from '../schemas.ts';
import type { Api } from '../context.ts';

const days = (what: string, max: number) =>
  z
    .number()
    .int()
    .min(1)
    .max(max)
    .openapi({ description: `${what} (days, 1–${max})` });

const RetentionSchema = z
  .object({
    abandonedCartsDays: days(`Carts untouched this long are deleted with their e-mail and lines; default ${DEFAULT_RETENTION.abandonedCartsDays}`, 3650),
    eventsDays: days(`Shopper events (views, add-to-cart, clicks, purchases); default ${DEFAULT_RETENTION.eventsDays}`, 3650),
    searchLogsDays: days(`Search queries, clicks and per-query counts; default ${DEFAULT_RETENTION.searchLogsDays}`, 3650),
    sessionsDays: days(`Longest a customer's sign-in session lasts; default ${DEFAULT_RETENTION.sessionsDays}`, 365),
    mailBodiesDays: days(`Bodies of sent mail (recipient, subject and dates stay); default ${DEFAULT_RETENTION.mailBodiesDays}`, 3650),
    exportArchivesDays: days(`Whole-store export archives; default ${DEFAULT_RETENTION.exportArchivesDays}`, 3650),
    privacyExportsDays: days(`Shoppers' own data-export archives; default ${DEFAULT_RETENTION.privacyExportsDays}`, 90),
  })
  .openapi('RetentionSettings');

const TrackingFields = {
  recommendationTracking: z.boolean().openapi({
    description:
      "Optional purpose: recommendations from a shopper's history beyond the visit (browser id kept 180 days, events linked to the account); asked for in the consent banner, done only with consent. Default false",
  }),
  analytics: z.boolean().openapi({
    description:
      'Optional purpose: analytics events (search queries and result clicks); asked for in the consent banner, done only with consent. Default false',
  }),
};

const PrivacySettingsSchema = z.object({ retention: RetentionSchema, ...TrackingFields }).openapi('PrivacySettings');

const read = createRoute({
  operationId: 'getPrivacySettings',
  method: 'get',
  path: '/stores/{storeId}/privacy-settings',
  tags: ['settings'],
  summary: 'How long the store keeps each kind of shopper data, and which optional tracking it asks shoppers to consent to',
  middleware: [storeAccess] as const,
  request: { params: StoreIdParam },
  responses: { 200: jsonResponse(PrivacySettingsSchema, 'Settings'), ...errorResponses(401, 403, 404) },
});

const update = createRoute({
  operationId: 'updatePrivacySettings',
  method: 'patch',
  path: '/stores/{storeId}/privacy-settings',
  tags: ['settings'],
  summary: 'Change retention periods or optional tracking (fields left out keep their value); retention applies at the next nightly run',
  middleware: [storeAccess] as const,
  // Strict: an unknown field is a 400 validation_failed, not silently dropped.
  request: {
    params: StoreIdParam,
    body: jsonBody(
      z
        .object({
          retention: RetentionSchema.partial().strict().optional(),
          recommendationTracking: TrackingFields.recommendationTracking.optional(),
          analytics: TrackingFields.analytics.optional(),
        })
        .strict(),
    ),
  },
  responses: { 200: jsonResponse(PrivacySettingsSchema, 'Saved'), ...errorResponses(400, 401, 403, 404) },
});

export function registerPrivacySettingsRoutes(app: Api) {
  app.openapi(read, async (c) => {
    requirePermission(c, Permission.ReadStore);
    return c.json(await loadPrivacySettings(tenantOf(c)), 200);
  });
  app.openapi(update, async (c) => {
    requirePermission(c, Permission.ManagePrivacy);
    const body = c.req.valid('json');
    const next = await updatePrivacySettings(tenantOf(c), body);
    await writeAudit(c.var.services.db, {
      storeId: c.var.store.id,
      actorUserId: c.var.auth?.user.id ?? null,
      action: 'privacy.settings_updated',
      targetType: 'store',
      targetId: c.var.store.id,
      data: { changed: body },
      requestId: c.var.requestId,
    });
    return c.json(next, 200);
  });
}
