import type { Database } from '@storeloom/db';

/** E-mail addresses of a store's owners and admins (who receive pricing and stock alerts). */
export async function alertRecipients(db: Database, storeId: string): Promise<string[]> {
  const rows = await db.control
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select('users.email')
    .where('memberships.store_id', '=', storeId)
    .where('memberships.role', 'in', ['owner', 'admin'])
    .orderBy('users.email')
    .execute();
  return rows.map((r) => r.email);
}

/** Day arithmetic on ISO dates (UTC). */
export function addDaysIso(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

export function daysBetweenIso(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}
