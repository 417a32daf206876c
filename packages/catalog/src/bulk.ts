/** Bulk product actions from the product list: one transaction, one result per id. */
import { type Kysely, type ProductStatus, sql, type TenantDatabase } from '@storeloom/db';

export type BulkAction = { action: 'archive' } | { action: 'set-status'; status: ProductStatus };

export interface BulkResult {
  id: string;
  ok: boolean;
  status?: ProductStatus;
  version?: number;
  error?: { code: string; message: string };
}

/** Applying the same action twice gives the same outcome (already-archived products report ok). */
export async function bulkUpdateProducts(t: Kysely<TenantDatabase>, ids: string[], action: BulkAction): Promise<BulkResult[]> {
  const status: ProductStatus = action.action === 'archive' ? 'archived' : action.status;
  const unique = [...new Set(ids)];
  const updated = await t.transaction().execute(async (trx) => {
    const rows = await trx
      .updateTable('products')
      .set({ status, version: sql`case when status = ${status} then version else version + 1 end`, updated_at: new Date() })
      .where('id', 'in', unique.length ? unique : ['00000000-0000-0000-0000-000000000000'])
      .returning(['id', 'status', 'version'])
      .execute();
    return new Map(rows.map((r) => [r.id, r]));
  });
  return unique.map((id) => {
    const r = updated.get(id);
    return r ? { id, ok: true, status: r.status, version: r.version } : { id, ok: false, error: { code: 'not_found', message: 'Product not found' } };
  });
}
