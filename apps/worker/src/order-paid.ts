/**
 * `commerce.order-paid`: a paid order's lines become planning sales and one
 * recommendation purchase. Both writes are idempotent (per order line, per
 * order), so a retried or duplicated job records each exactly once.
 */
import { createHash } from 'node:crypto';
import { type Commerce, newOrderMerchantMail, paidOrderLines } from '@storeloom/commerce';
import type { Database, Store } from '@storeloom/db';
import type { MailOutbox } from '@storeloom/mail';
import { alertRecipients } from '@storeloom/planning';
import type { PlanningDeps } from '@storeloom/planning';
import { recordPaidOrderLine } from '@storeloom/planning';
import { RecoEventService } from '@storeloom/reco/store';

const PAID = new Set(['paid', 'partially_refunded', 'refunded']);

/** Thrown while the paying transaction is not visible yet; the job retries with backoff. */
export class OrderNotPaidYet extends Error {}

export interface OrderPaidResult {
  skipped?: 'order_missing' | 'store_unavailable';
  linesRecorded: number;
  purchaseRecorded: boolean;
}

/**
 * Guests have no customer id: their purchases are attributed to a stable,
 * non-reversible key derived from the e-mail so repeat guest orders still
 * connect, without the address itself entering the event tables.
 */
export const guestActorId = (email: string) => `guest-${createHash('sha256').update(email.trim().toLowerCase()).digest('hex').slice(0, 40)}`;

export async function recordPaidOrder(
  deps: PlanningDeps & { db: Database },
  store: { id: string; schemaName: string },
  orderId: string,
): Promise<OrderPaidResult> {
  const t = deps.db.tenant(store.schemaName);
  const found = await paidOrderLines(t, orderId);
  if (!found) return { skipped: 'order_missing', linesRecorded: 0, purchaseRecorded: false };
  const { order, lines } = found;
  if (!PAID.has(order.payment_status) || !order.paid_at) throw new OrderNotPaidYet(`order ${orderId} is ${order.payment_status}`);
  const at = new Date(order.paid_at);
  let linesRecorded = 0;
  for (const l of lines) {
    // A line whose variant was deleted since has nothing to plan for.
    if (!l.variant_id || l.quantity <= 0) continue;
    // Planning counts in the store's currency: a market order's line keeps its store-currency price (null: same currency).
    const r = await recordPaidOrderLine(deps, store, {
      orderLineId: l.id,
      variantId: l.variant_id,
      units: l.quantity,
      unitPrice: l.store_unit_price ?? l.unit_price,
      at,
    });
    if (r.recorded) linesRecorded++;
  }
  const purchaseLines = lines
    .filter((l) => l.product_id && l.quantity > 0)
    .map((l) => ({ productId: l.product_id as string, variantId: l.variant_id, quantity: l.quantity }));
  let purchaseRecorded = false;
  if (purchaseLines.length)
    purchaseRecorded = await new RecoEventService(t).recordPurchase({
      orderId,
      ...(order.customer_id ? { customerId: order.customer_id } : { sessionId: guestActorId(order.email) }),
      lines: purchaseLines,
      at,
    });
  return { linesRecorded, purchaseRecorded };
}

/**
 * The merchant's new-order mail: one per paid order and recipient (the store's owners and admins), in the store's
 * language, linking to the order in the console. The dedup key makes a retried or duplicated job mail once.
 */
export async function mailNewOrder(
  deps: { db: Database; commerce: Commerce; mail: MailOutbox; consoleUrl?: string | null },
  store: Store,
  orderId: string,
): Promise<number> {
  const order = await deps.commerce.orders(store).detail(orderId);
  if (!order) return 0;
  const lang = store.default_locale;
  const base = deps.consoleUrl?.replace(/\/$/, '') ?? null;
  const m = newOrderMerchantMail(order, { storeName: store.name, lang, orderUrl: base ? `${base}/stores/${store.id}/orders/${orderId}` : null });
  let written = 0;
  for (const to of await alertRecipients(deps.db, store.id)) {
    await deps.mail.enqueue({ kind: 'order-new-merchant', to, storeId: store.id, dedupKey: `order-new-merchant:${store.id}:${orderId}:${to}`, ...m });
    written++;
  }
  return written;
}
