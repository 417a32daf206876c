/** Bulk product actions from the product list: one transaction, one result per id. */
import { type Kysely, type ProductStatus, sql, type TenantDatabase } from '@storeloom/db';
import { type CatalogLimits, countActive, lockActivations } from './limits.ts';

export type BulkAction = { action: 'archive' } | { action: 'set-status'; status: ProductStatus };

export interface BulkResult {
  id: string;
  ok: boolean;
  status?: ProductStatus;
  version?: number;
  error?: { code: string; message: string };
}

/**
 * Applying the same action twice gives the same outcome (already-archived products report ok). Publishing stays within
 * the plan: products are activated in the order given while slots remain; the rest report `plan_limit_reached` and
 * keep their status.
 */
export async function bulkUpdateProducts(t: Kysely<TenantDatabase>, ids: string[], action: BulkAction, limits: CatalogLimits): Promise<BulkResult[]> {
  const status: ProductStatus = action.action === 'archive' ? 'archived' : action.status;
  const unique = [...new Set(ids)];
  const limit = status === 'active' ? await limits.activeProducts() : null;
  const refused = new Set<string>();
  const updated = await t.transaction().execute(async (trx) => {
    let target = unique;
    if (limit) {
      await lockActivations(trx);
      const free = Math.max(0, limit.max - (await countActive(trx)));
      const inactive = new Set(
        (
          await trx
            .selectFrom('products')
            .select('id')
            .where('id', 'in', unique.length ? unique : ['00000000-0000-0000-0000-000000000000'])
            .where('status', '!=', 'active')
            .execute()
        ).map((r) => r.id),
      );
      let slots = free;
      target = unique.filter((id) => {
        if (!inactive.has(id)) return true;
        if (slots > 0) {
          slots--;
          return true;
        }
        refused.add(id);
        return false;
      });
    }
    const rows = await trx
      .updateTable('products')
      .set({ status, version: sql`case when status = ${status} then version else version + 1 end`, updated_at: new Date() })
      .where('id', 'in', target.length ? target : ['00000000-0000-0000-0000-000000000000'])
      .returning(['id', 'status', 'version'])
      .execute();
    return new Map(rows.map((r) => [r.id, r]));
  });
  return unique.map((id) => {
    if (refused.has(id) && limit)
      return {
        id,
        ok: false,
        error: { code: 'plan_limit_reached', message: `The ${limit.planName} plan allows ${limit.max} active products; upgrade to publish more` },
      };
    const r = updated.get(id);
    return r ? { id, ok: true, status: r.status, version: r.version } : { id, ok: false, error: { code: 'not_found', message: 'Product not found' } };
  });
}
