/**
 * The merchant's decisions on price changes: approve a suggestion (applied
 * through the catalogue's conditional price update, only while the price is
 * what it was and inside the current guardrails), reject it, or roll back an
 * applied change (`rollback.ts`).
 */
import { updateVariantPrice } from '@storeloom/catalog';
import { AppError, ErrorCode } from '@storeloom/errors';
import { isWithinGuardrails } from '@storeloom/pricing';
import { type ChangeQuery, getChange, listChanges, lockChange, setPolicyLastPrice } from './changes.ts';
import { rollbackPriceChange } from './rollback.ts';
import { settingsForProduct } from './settings.ts';
import { auditPricing, guardrailsOf, type PriceChangeView, type PricingContext } from './shared.ts';

export class PriceChanges {
  constructor(private readonly ctx: PricingContext) {}

  list(q: ChangeQuery): Promise<PriceChangeView[]> {
    return listChanges(this.ctx.t, q);
  }

  get(id: string): Promise<PriceChangeView> {
    return getChange(this.ctx.t, id);
  }

  /** Applies a waiting suggestion, if the price is still what it was when suggested and still inside the guardrails. */
  async approve(id: string, actorUserId: string): Promise<PriceChangeView> {
    await this.ctx.t.transaction().execute(async (trx) => {
      const change = await lockChange(trx, id);
      if (change.status !== 'suggested') throw new AppError(ErrorCode.Conflict, `This change is ${change.status}, not waiting for approval`);
      const settings = await settingsForProduct(trx, change.product_id);
      if (settings && !isWithinGuardrails(change.new_price, guardrailsOf(settings)))
        throw new AppError(ErrorCode.Conflict, 'The suggested price is outside the current guardrails');
      await updateVariantPrice(trx, { variantId: change.variant_id, price: change.new_price, expectedPrice: change.old_price });
      const now = new Date();
      await trx
        .updateTable('price_changes')
        .set({ status: 'applied', decided_by: actorUserId, decided_at: now, applied_at: now })
        .where('id', '=', id)
        .execute();
      await setPolicyLastPrice(trx, change.variant_id, change.new_price);
    });
    await auditPricing(this.ctx, 'pricing.change.approved', id, actorUserId, {});
    return this.get(id);
  }

  async reject(id: string, actorUserId: string): Promise<PriceChangeView> {
    const r = await this.ctx.t
      .updateTable('price_changes')
      .set({ status: 'rejected', decided_by: actorUserId, decided_at: new Date() })
      .where('id', '=', id)
      .where('status', '=', 'suggested')
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) {
      const c = await this.get(id);
      throw new AppError(ErrorCode.Conflict, `This change is ${c.status}, not waiting for approval`);
    }
    await auditPricing(this.ctx, 'pricing.change.rejected', id, actorUserId, {});
    return this.get(id);
  }

  /** Restores the price before an applied change (itself logged as an applied change); returns the rollback change. */
  rollback(id: string, actorUserId: string): Promise<PriceChangeView> {
    return rollbackPriceChange(this.ctx, id, actorUserId);
  }
}
