/**
 * The draft order as the API and its webhooks show it (stored fields; `DraftOrderService.get` adds the priced lines
 * and totals), and the step of a draft's completion that runs inside `confirmPayment` (orders.ts) when the order it
 * became is paid. Kept apart from drafts.ts so orders.ts can call it without an import cycle.
 */
import type { DraftOrderLine, Kysely, OrderAddress, TenantDatabase } from '@storeloom/db';
import { emitWebhookEvent } from '@storeloom/webhooks';

export interface DraftOrderRecord {
  id: string;
  number: number;
  name: string;
  status: 'open' | 'invoice_sent' | 'completed' | 'cancelled';
  email: string | null;
  customerId: string | null;
  customerName: string | null;
  shippingAddress: OrderAddress | null;
  country: string | null;
  lines: DraftOrderLine[];
  discountCodes: string[];
  manualDiscount: { amount: number; title: string } | null;
  shippingLine: { title: string; amount: number } | null;
  note: string | null;
  reserve: boolean;
  reserved: Record<string, number>;
  currency: string;
  total: number;
  invoiceSentAt: string | null;
  orderId: string | null;
  completedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

export async function draftRecord(t: Kysely<TenantDatabase>, id: string): Promise<DraftOrderRecord | null> {
  const r = await t.selectFrom('draft_orders').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r) return null;
  return {
    id: r.id,
    number: r.number,
    name: `D${r.number}`,
    status: r.status,
    email: r.email,
    customerId: r.customer_id,
    customerName: r.customer_name,
    shippingAddress: r.shipping_address,
    country: r.country,
    lines: r.lines,
    discountCodes: r.discount_codes,
    manualDiscount: r.manual_discount,
    shippingLine: r.shipping_line,
    note: r.note,
    reserve: r.reserve,
    reserved: r.reserved,
    currency: r.currency,
    total: r.total,
    invoiceSentAt: iso(r.invoice_sent_at),
    orderId: r.order_id,
    completedAt: iso(r.completed_at),
    createdAt: iso(r.created_at) as string,
    updatedAt: iso(r.updated_at) as string,
  };
}

/** The order made from the draft was paid: the draft is completed (once) and `draft_order.completed` written. */
export async function completeDraftOrder(trx: Kysely<TenantDatabase>, draftId: string, orderId: string): Promise<boolean> {
  const now = new Date();
  const row = await trx
    .updateTable('draft_orders')
    .set({ status: 'completed', order_id: orderId, completed_at: now, updated_at: now })
    .where('id', '=', draftId)
    .where('status', '!=', 'completed')
    .returning('id')
    .executeTakeFirst();
  if (!row) return false;
  await emitWebhookEvent(trx, {
    type: 'draft_order.completed',
    resourceKey: `draft_order:${draftId}`,
    data: async () => ({ draftOrder: await draftRecord(trx, draftId), orderId }),
  });
  return true;
}
