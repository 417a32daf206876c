/**
 * A store and its tenant handle from a store id, for code that gets the id
 * from somewhere other than a request (job payloads, webhooks). `allow` says
 * which lifecycle states the caller may work on: anything else, or a store
 * that does not exist, is null, so each caller decides whether that means
 * "skip" or "fail for good".
 */
import type { Database, Kysely, Store, StoreStatus, TenantDatabase } from '@storeloom/db';

export interface StoreTenant {
  store: Store;
  tenant: Kysely<TenantDatabase>;
}

/** The states in which a store's schema exists and holds its data (not mid-provisioning, not deleted). */
export const STORE_WITH_DATA: readonly StoreStatus[] = ['active', 'suspended'];

export async function resolveStoreTenant(db: Database, storeId: string, opts: { allow: readonly StoreStatus[] }): Promise<StoreTenant | null> {
  const store = await db.control.selectFrom('stores').selectAll().where('id', '=', storeId).executeTakeFirst();
  if (!store || !opts.allow.includes(store.status)) return null;
  return { store, tenant: db.tenant(store.schema_name) };
}

/** Every store in one of the `allow` states, in id order (fan-out jobs and sweeps). */
export function storesWithStatus(db: Database, allow: readonly StoreStatus[]): Promise<Store[]> {
  return db.control
    .selectFrom('stores')
    .selectAll()
    .where('status', 'in', [...allow])
    .orderBy('id')
    .execute();
}
