import { type Kysely, newId, sql, type TenantDatabase } from '@storeloom/db';
import { AppError, ErrorCode, isCheckViolation, isUniqueViolation, notFound } from '@storeloom/errors';

export interface AdjustmentResult {
  adjustmentId: string;
  variantId: string;
  delta: number;
  inventoryQuantity: number;
  replayed: boolean;
}

/**
 * Relative, atomic stock changes: one conditional UPDATE, so concurrent
 * decrements can never take stock below zero (the CHECK constraint is the
 * backstop). Each adjustment is recorded in a ledger; an idempotency key makes
 * a retried request apply once.
 */
export class InventoryService {
  constructor(private readonly t: Kysely<TenantDatabase>) {}

  async adjust(
    variantId: string,
    delta: number,
    opts: { reason: string; actorUserId?: string | null; idempotencyKey?: string | null },
  ): Promise<AdjustmentResult> {
    if (!Number.isInteger(delta) || delta === 0)
      throw new AppError(ErrorCode.ValidationFailed, 'delta: must be a non-zero integer', { details: [{ path: 'delta', message: 'non-zero integer' }] });
    if (opts.idempotencyKey) {
      const prior = await this.findByKey(opts.idempotencyKey);
      if (prior) return this.replay(prior, variantId, delta);
    }
    try {
      return await this.t.transaction().execute(async (trx) => {
        const updated = await trx
          .updateTable('variants')
          .set({ inventory_quantity: sql`inventory_quantity + ${delta}`, updated_at: new Date() })
          .where('id', '=', variantId)
          .where(sql<boolean>`inventory_quantity + ${delta} >= 0`)
          .returning(['inventory_quantity'])
          .executeTakeFirst();
        if (!updated) {
          // A concurrent request with the same key may have just taken the stock (we waited on its row lock): replay it.
          if (opts.idempotencyKey) {
            const prior = await trx.selectFrom('inventory_adjustments').selectAll().where('idempotency_key', '=', opts.idempotencyKey).executeTakeFirst();
            if (prior) return this.replay(prior, variantId, delta);
          }
          const exists = await trx.selectFrom('variants').select('inventory_quantity').where('id', '=', variantId).executeTakeFirst();
          if (!exists) throw notFound('Variant');
          throw new AppError(ErrorCode.InsufficientStock, `Not enough stock: ${exists.inventory_quantity} available`, {
            details: { available: exists.inventory_quantity },
          });
        }
        const id = newId();
        await trx
          .insertInto('inventory_adjustments')
          .values({
            id,
            variant_id: variantId,
            delta,
            quantity_after: updated.inventory_quantity,
            reason: opts.reason,
            actor_user_id: opts.actorUserId ?? null,
            idempotency_key: opts.idempotencyKey ?? null,
            created_at: new Date(),
          })
          .execute();
        return { adjustmentId: id, variantId, delta, inventoryQuantity: updated.inventory_quantity, replayed: false };
      });
    } catch (e) {
      if (isCheckViolation(e)) throw new AppError(ErrorCode.InsufficientStock, 'Not enough stock');
      // Two requests with the same key raced: the loser's transaction rolled back; answer with the winner's result.
      if (opts.idempotencyKey && isUniqueViolation(e)) {
        const prior = await this.findByKey(opts.idempotencyKey);
        if (prior) return this.replay(prior, variantId, delta);
      }
      throw e;
    }
  }

  private findByKey(key: string) {
    return this.t.selectFrom('inventory_adjustments').selectAll().where('idempotency_key', '=', key).executeTakeFirst();
  }

  private replay(prior: { id: string; variant_id: string; delta: number; quantity_after: number }, variantId: string, delta: number): AdjustmentResult {
    if (prior.variant_id !== variantId || prior.delta !== delta)
      throw new AppError(ErrorCode.IdempotencyKeyReused, 'This Idempotency-Key was used for a different adjustment');
    return { adjustmentId: prior.id, variantId, delta, inventoryQuantity: prior.quantity_after, replayed: true };
  }

  /** The variant's adjustments, newest first; an unknown variant is a 404 (like every other object), not an empty history. */
  async history(variantId: string, limit = 50) {
    if (!(await this.t.selectFrom('variants').select('id').where('id', '=', variantId).executeTakeFirst())) throw notFound('Variant');
    const rows = await this.t.selectFrom('inventory_adjustments').selectAll().where('variant_id', '=', variantId).orderBy('id', 'desc').limit(limit).execute();
    return rows.map((r) => ({
      id: r.id,
      delta: r.delta,
      quantityAfter: r.quantity_after,
      reason: r.reason,
      actorUserId: r.actor_user_id,
      createdAt: r.created_at,
    }));
  }
}

/**
 * The same conditional stock change as `InventoryService.adjust`, inside a
 * caller's transaction (checkout reserves several variants atomically).
 * Returns the new quantity, or null when the stock would go below zero.
 */
export async function applyStockDelta(
  trx: Kysely<TenantDatabase>,
  variantId: string,
  delta: number,
  opts: { reason: string; idempotencyKey: string | null },
): Promise<number | null> {
  const updated = await trx
    .updateTable('variants')
    .set({ inventory_quantity: sql`inventory_quantity + ${delta}`, updated_at: new Date() })
    .where('id', '=', variantId)
    .where(sql<boolean>`inventory_quantity + ${delta} >= 0`)
    .returning(['inventory_quantity'])
    .executeTakeFirst();
  if (!updated) return null;
  await trx
    .insertInto('inventory_adjustments')
    .values({
      id: newId(),
      variant_id: variantId,
      delta,
      quantity_after: updated.inventory_quantity,
      reason: opts.reason,
      actor_user_id: null,
      idempotency_key: opts.idempotencyKey,
      created_at: new Date(),
    })
    .execute();
  return updated.inventory_quantity;
}
