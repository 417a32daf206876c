import { type Kysely, sql } from 'kysely';
import type { Database } from './client.ts';
import type { ControlDatabase } from './types.ts';

export interface AuditEntry {
  storeId?: string | null;
  actorUserId?: string | null;
  action: string;
  targetType?: string;
  targetId?: string;
  data?: Record<string, unknown>;
  requestId?: string | null;
}

/** Appends to control.audit_log; pass a transaction to record the entry atomically with its effect. */
export async function writeAudit(db: Database | Kysely<ControlDatabase>, entry: AuditEntry): Promise<void> {
  const k = 'control' in db ? db.control : db;
  await k
    .insertInto('audit_log')
    .values({
      store_id: entry.storeId ?? null,
      actor_user_id: entry.actorUserId ?? null,
      action: entry.action,
      target_type: entry.targetType ?? null,
      target_id: entry.targetId ?? null,
      data: JSON.stringify(entry.data ?? {}),
      request_id: entry.requestId ?? null,
    })
    .execute();
}

export interface AuditLogRow {
  id: string;
  action: string;
  actorUserId: string | null;
  actorEmail: string | null;
  targetType: string | null;
  targetId: string | null;
  createdAt: string;
}

/** A store's audit entries, newest first, with the actor's e-mail; `action` filters by name or by a prefix ending in ".". */
export async function listAudit(
  db: Database,
  storeId: string,
  q: { action?: string | undefined; actor?: string | undefined; before?: number | undefined; limit: number },
): Promise<{ items: AuditLogRow[]; nextBefore: number | null }> {
  let query = db.control
    .selectFrom('audit_log as a')
    .leftJoin('users as u', 'u.id', 'a.actor_user_id')
    .select(['a.id', 'a.action', 'a.actor_user_id', 'u.email as actor_email', 'a.target_type', 'a.target_id', 'a.created_at'])
    .where('a.store_id', '=', storeId)
    .orderBy('a.id', 'desc')
    .limit(q.limit + 1);
  if (q.action) query = q.action.endsWith('.') ? query.where('a.action', 'like', `${q.action}%`) : query.where('a.action', '=', q.action);
  if (q.actor) query = query.where('a.actor_user_id', '=', q.actor);
  if (q.before) query = query.where('a.id', '<', sql<string>`${q.before}`);
  const rows = await query.execute();
  const page = rows.slice(0, q.limit);
  return {
    items: page.map((r) => ({
      id: String(r.id),
      action: r.action,
      actorUserId: r.actor_user_id,
      actorEmail: r.actor_email ?? null,
      targetType: r.target_type ?? null,
      targetId: r.target_id ?? null,
      createdAt: new Date(r.created_at).toISOString(),
    })),
    nextBefore: rows.length > q.limit ? Number(page[page.length - 1]?.id) : null,
  };
}
