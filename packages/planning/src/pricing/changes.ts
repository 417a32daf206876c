/**
 * The price change log (`price_changes`): suggestions waiting for approval,
 * applied, rejected and rolled-back changes, each with the policy's reason
 * and inputs. Reading it, and writing a policy's row.
 */
import { type Kysely, newId, type TenantDatabase, type Transaction } from '@storeloom/db';
import { notFound } from '@storeloom/errors';
import type { PriceChangeView } from './shared.ts';

type ChangeRow = {
  id: string;
  variant_id: string;
  product_id: string;
  old_price: number;
  new_price: number;
  reason: string;
  inputs: unknown;
  expected_revenue_per_day: number | null;
  status: PriceChangeView['status'];
  source: PriceChangeView['source'];
  rollback_of: string | null;
  decided_by: string | null;
  decided_at: Date | null;
  applied_at: Date | null;
  created_at: Date;
};

function changeView(r: ChangeRow): PriceChangeView {
  return {
    id: r.id,
    variantId: r.variant_id,
    productId: r.product_id,
    oldPrice: r.old_price,
    newPrice: r.new_price,
    reason: r.reason,
    inputs: (r.inputs as Record<string, unknown>) ?? {},
    expectedRevenuePerDay: r.expected_revenue_per_day,
    status: r.status,
    source: r.source,
    rollbackOf: r.rollback_of,
    decidedBy: r.decided_by,
    decidedAt: r.decided_at,
    appliedAt: r.applied_at,
    createdAt: r.created_at,
  };
}

export interface ChangeQuery {
  status?: PriceChangeView['status'];
  productId?: string;
  variantId?: string;
  limit?: number;
}

export async function listChanges(t: Kysely<TenantDatabase>, q: ChangeQuery): Promise<PriceChangeView[]> {
  let query = t.selectFrom('price_changes').selectAll();
  if (q.status) query = query.where('status', '=', q.status);
  if (q.productId) query = query.where('product_id', '=', q.productId);
  if (q.variantId) query = query.where('variant_id', '=', q.variantId);
  const rows = await query
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(q.limit ?? 100)
    .execute();
  return rows.map(changeView);
}

export async function getChange(t: Kysely<TenantDatabase>, id: string): Promise<PriceChangeView> {
  const row = await t.selectFrom('price_changes').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('Price change');
  return changeView(row);
}

/** A change locked for a decision, or 404. */
export async function lockChange(trx: Transaction<TenantDatabase>, id: string) {
  const change = await trx.selectFrom('price_changes').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  if (!change) throw notFound('Price change');
  return change;
}

/** Rejects the variant's waiting suggestion (a newer one replaces it, or the price it was computed from changed). */
export async function rejectWaitingSuggestion(trx: Transaction<TenantDatabase>, variantId: string, at: Date): Promise<void> {
  await trx
    .updateTable('price_changes')
    .set({ status: 'rejected', decided_at: at })
    .where('variant_id', '=', variantId)
    .where('status', '=', 'suggested')
    .execute();
}

/** The variant's price as the policy state last saw it, after a merchant's decision moved it. */
export async function setPolicyLastPrice(trx: Transaction<TenantDatabase>, variantId: string, price: number): Promise<void> {
  await trx.updateTable('pricing_policy_state').set({ last_price: price }).where('variant_id', '=', variantId).execute();
}

/** Writes one change row: a policy's suggestion or applied change, or a merchant's rollback. */
export async function insertChange(
  trx: Transaction<TenantDatabase>,
  c: {
    id?: string;
    variant: { id: string; product_id: string };
    oldPrice: number;
    newPrice: number;
    reason: string;
    inputs: Record<string, unknown>;
    expected: number | null;
    status: 'suggested' | 'applied';
    source?: PriceChangeView['source'];
    rollbackOf?: string | null;
    decidedBy?: string | null;
    at?: Date;
  },
): Promise<void> {
  const now = c.at ?? new Date();
  await trx
    .insertInto('price_changes')
    .values({
      id: c.id ?? newId(),
      variant_id: c.variant.id,
      product_id: c.variant.product_id,
      old_price: c.oldPrice,
      new_price: c.newPrice,
      reason: c.reason,
      inputs: JSON.stringify(c.inputs),
      expected_revenue_per_day: c.expected,
      status: c.status,
      source: c.source ?? 'policy',
      rollback_of: c.rollbackOf ?? null,
      decided_by: c.decidedBy ?? null,
      decided_at: c.status === 'applied' ? now : null,
      applied_at: c.status === 'applied' ? now : null,
      created_at: now,
    })
    .execute();
}
