/**
 * The store's audit log for its owner: who viewed or exported which personal
 * data (order details, privacy exports, store exports) and the other recorded
 * changes, newest first. Entries name the actor and the target by id; the
 * actor's e-mail is joined in for display.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { Permission } from '@storeloom/auth';
import { sql } from '@storeloom/db';
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
    let query = c.var.services.db.control
      .selectFrom('audit_log as a')
      .leftJoin('users as u', 'u.id', 'a.actor_user_id')
      .select(['a.id', 'a.action', 'a.actor_user_id', 'u.email as actor_email', 'a.target_type', 'a.target_id', 'a.created_at'])
      .where('a.store_id', '=', c.var.store.id)
      .orderBy('a.id', 'desc')
      .limit(q.limit + 1);
    if (q.action) query = q.action.endsWith('.') ? query.where('a.action', 'like', `${q.action}%`) : query.where('a.action', '=', q.action);
    if (q.before) query = query.where('a.id', '<', sql<string>`${q.before}`);
    const rows = await query.execute();
    const page = rows.slice(0, q.limit);
    return c.json(
      {
        items: page.map((r) => ({
          id: String(r.id),
          action: r.action,
          actorUserId: r.actor_user_id,
          actorEmail: r.actor_email ?? null,
          targetType: r.target_type,
          targetId: r.target_id,
          createdAt: new Date(r.created_at).toISOString(),
        })),
        nextBefore: rows.length > q.limit ? Number(page[page.length - 1]?.id) : null,
      },
      200,
    );
  });
}
