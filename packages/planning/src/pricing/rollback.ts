/**
 * Rolling back an applied price change: the price before it is restored
 * through the catalogue's conditional update, and the rollback is itself
 * logged as an applied change (`source: 'rollback'`).
 */
import { updateVariantPrice } from '@storeloom/catalog';
import { newId } from '@storeloom/db';
import { AppError, ErrorCode } from '@storeloom/errors';
import { getChange, insertChange, lockChange, rejectWaitingSuggestion, setPolicyLastPrice } from './changes.ts';
import { auditPricing, type PriceChangeView, type PricingContext } from './shared.ts';

/** Restores the price before an applied change; returns the rollback change. */
export async function rollbackPriceChange(ctx: PricingContext, id: string, actorUserId: string): Promise<PriceChangeView> {
  const rollbackId = newId();
  await ctx.t.transaction().execute(async (trx) => {
    const change = await lockChange(trx, id);
    if (change.status !== 'applied') throw new AppError(ErrorCode.Conflict, `Only an applied change can be rolled back (this one is ${change.status})`);
    await updateVariantPrice(trx, { variantId: change.variant_id, price: change.old_price, expectedPrice: change.new_price, source: 'rollback' });
    const now = new Date();
    await trx.updateTable('price_changes').set({ status: 'rolled_back' }).where('id', '=', id).execute();
    // A waiting suggestion was computed from the price being rolled back.
    await rejectWaitingSuggestion(trx, change.variant_id, now);
    await insertChange(trx, {
      id: rollbackId,
      variant: { id: change.variant_id, product_id: change.product_id },
      oldPrice: change.new_price,
      newPrice: change.old_price,
      reason: 'Rolled back by the merchant',
      inputs: { rolledBack: change.id },
      expected: null,
      status: 'applied',
      source: 'rollback',
      rollbackOf: change.id,
      decidedBy: actorUserId,
      at: now,
    });
    await setPolicyLastPrice(trx, change.variant_id, change.old_price);
  });
  await auditPricing(ctx, 'pricing.change.rolled_back', id, actorUserId, { rollbackChangeId: rollbackId });
  return getChange(ctx.t, rollbackId);
}
