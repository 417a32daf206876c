import { type Kysely, sql, type TenantDatabase, type Transaction } from '@storeloom/db';
import { AppError, ErrorCode, notFound } from '@storeloom/errors';
import { type PriceHistorySource, recordPriceChanges } from './price-history.ts';

export interface VariantPriceChange {
  variantId: string;
  price: number;
  /** Optimistic concurrency: the change applies only if the variant still has this price. */
  expectedPrice: number;
  /** What the price history records: 'pricing' (a run or an approved suggestion, the default) or 'rollback'. */
  source?: PriceHistorySource;
}

/**
 * The one way a program changes a variant's price: a conditional update on the
 * price it read, bumping the variant's and its product's version so a
 * concurrent product edit made from the old price is refused (409) instead of
 * silently reverting the change. Orders keep the unit price they snapshotted.
 * The price history row commits with the change (a transaction is opened when `t` is not one).
 */
export async function updateVariantPrice(
  t: Kysely<TenantDatabase> | Transaction<TenantDatabase>,
  change: VariantPriceChange,
): Promise<{ productId: string; version: number }> {
  if (!Number.isSafeInteger(change.price) || change.price < 0) throw new AppError(ErrorCode.ValidationFailed, 'price: must be a non-negative integer');
  if (!t.isTransaction) return t.transaction().execute((trx) => updateVariantPrice(trx, change));
  const now = new Date();
  const updated = await t
    .updateTable('variants')
    .set({ price: change.price, version: sql`version + 1`, updated_at: now })
    .where('id', '=', change.variantId)
    .where('price', '=', change.expectedPrice)
    .returning(['product_id', 'version'])
    .executeTakeFirst();
  if (!updated) {
    const exists = await t.selectFrom('variants').select('price').where('id', '=', change.variantId).executeTakeFirst();
    if (!exists) throw notFound('Variant');
    throw new AppError(ErrorCode.VersionConflict, 'The price was changed in the meantime', {
      details: { currentPrice: exists.price, expectedPrice: change.expectedPrice },
    });
  }
  await t.updateTable('products').set({ version: sql`version + 1`, updated_at: now }).where('id', '=', updated.product_id).execute();
  await recordPriceChanges(t, [{ variantId: change.variantId, price: change.price }], change.source ?? 'pricing');
  return { productId: updated.product_id, version: updated.version };
}
