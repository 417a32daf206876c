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

/** Owners and admins with their console language (alert mails are written in it). */
export async function alertRecipientsWithLocale(db: Database, storeId: string): Promise<{ email: string; locale: string | null }[]> {
  return db.control
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['users.email', 'users.locale'])
    .where('memberships.store_id', '=', storeId)
    .where('memberships.role', 'in', ['owner', 'admin'])
    .orderBy('users.email')
    .execute();
}

/** The store's name, as alert mails show it. */
export async function storeNameOf(db: Database, storeId: string): Promise<string> {
  const row = await db.control.selectFrom('stores').select('name').where('id', '=', storeId).executeTakeFirst();
  return row?.name ?? '';
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
