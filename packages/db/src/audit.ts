import type { Kysely } from 'kysely';
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
