/**
 * Plan limits of the catalogue, enforced here (not in the routes) so every write path that activates a product passes
 * the same check: the API's create and edit, bulk status changes, CSV (and Shopify CSV) imports, archive imports and
 * clones. The limit itself comes from billing (a store's plan) through `CatalogLimits`, resolved before the
 * transaction; the count and the write happen in one transaction that first takes the store's activation lock, so two
 * parallel creates can never both take the last slot.
 */
import { sql, type TenantDatabase, type Transaction } from '@storeloom/db';
import { AppError, ErrorCode } from '@storeloom/errors';

export interface ActiveProductLimit {
  /** Active (published) products the store may have. */
  max: number;
  planId: string;
  planName: string;
}

/** Where the catalogue learns a store's plan limits; `null` = unlimited (no billing, or an unlimited plan). */
export interface CatalogLimits {
  activeProducts(): Promise<ActiveProductLimit | null>;
}

/** For installations without billing and for tests that are not about limits: say so explicitly. */
export const UNLIMITED_CATALOG: CatalogLimits = { activeProducts: async () => null };

type Tx = Transaction<TenantDatabase>;

/**
 * Serialises everything that activates products in this store for the rest of the transaction. The store's role
 * (`current_user` inside a tenant transaction) names the store; where stores share a role (embedded, schema isolation)
 * the lock is merely wider.
 */
export async function lockActivations(trx: Tx): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext('storeloom:active-products:' || current_user))`.execute(trx);
}

export async function countActive(trx: Tx): Promise<number> {
  const r = await trx
    .selectFrom('products')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'active')
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export function planLimitError(limit: ActiveProductLimit, current: number): AppError {
  return new AppError(ErrorCode.PlanLimitReached, `The ${limit.planName} plan allows ${limit.max} active products; upgrade to publish more`, {
    details: { limit: 'activeProducts', plan: limit.planId, max: limit.max, current },
  });
}

/**
 * Inside the writing transaction, before the write: refuses (403 plan_limit_reached) when `adding` more active
 * products would pass the limit. Takes the activation lock first, then counts what is committed.
 */
export async function reserveActiveSlots(trx: Tx, limit: ActiveProductLimit | null, adding: number): Promise<void> {
  if (!limit || adding <= 0) return;
  await lockActivations(trx);
  const current = await countActive(trx);
  if (current + adding > limit.max) throw planLimitError(limit, current);
}

/**
 * For bulk loads that write rows verbatim (archive import, clone): after loading, keeps the `max` oldest active
 * products active and turns the rest into drafts (nothing is lost; the merchant publishes what the plan allows).
 * Returns the ids turned into drafts.
 */
export async function capActiveProducts(trx: Tx, limit: ActiveProductLimit | null): Promise<string[]> {
  if (!limit) return [];
  await lockActivations(trx);
  const over = await trx
    .selectFrom('products')
    .select('id')
    .where('status', '=', 'active')
    .orderBy('created_at')
    .orderBy('id')
    .offset(limit.max)
    .limit(1_000_000)
    .execute();
  if (!over.length) return [];
  const ids = over.map((r) => r.id);
  await trx.updateTable('products').set({ status: 'draft', version: sql`version + 1`, updated_at: new Date() }).where('id', 'in', ids).execute();
  return ids;
}
