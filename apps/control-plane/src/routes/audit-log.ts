/**
 * The store's audit log for its owner: who viewed or exported which personal
 * data (order details, privacy exports, store exports) and the other recorded
 * changes, newest first. Entries name the actor and the target by id; the
 * actor's e-mail is joined in for display.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import { listAudit } from '@storeloom/db';
import type { Api } from '../context.ts';
import { requirePermission, storeAccess } from '../guards.ts';
import { errorResponses, jsonResponse, StoreIdParam } from '../schemas.ts';

const Entry = z
  .object({
    id: z.string(),
    action: z.string(),
    actorUserId: z.string().nullable(),
    actorEmail: z.string().nullable(),
    targetType: z.string().nullable(),
    targetId: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('AuditEntry');

const list = createRoute({
  operationId: 'listAuditLog',
  method: 'get',
  path: '/stores/{storeId}/audit-log',
  tags: ['team'],
  summary: "The store's audit log, newest first (owner): staff access to personal data and other recorded actions",
  middleware: [storeAccess] as const,
  request: {
    params: StoreIdParam,
    query: z.object({
      action: z
        .string()
        .regex(/^[a-z_.]{1,64}$/)
        .optional()
        .openapi({ description: 'Only this action, or a prefix ending in "." (e.g. "privacy.")' }),
      actor: z.string().uuid().optional().openapi({ description: "Only this team member's actions (user id)" }),
      before: z.coerce.number().int().positive().optional().openapi({ description: 'Cursor: entries with an id below this' }),
      limit: z.coerce.number().int().min(1).max(200).default(50),
    }),
  },
  responses: {
    200: jsonResponse(z.object({ items: z.array(Entry), nextBefore: z.number().nullable() }).openapi('AuditLog'), 'Entries'),
    ...errorResponses(400, 401, 403, 404),
  },
});

export function registerAuditLogRoutes(app: Api) {
  app.openapi(list, async (c) => {
    requirePermission(c, Permission.ReadAudit);
    const q = c.req.valid('query');
    return c.json(await listAudit(c.var.services.db, c.var.store.id, q), 200);
  });
}
