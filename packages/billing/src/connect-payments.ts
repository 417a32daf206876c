/**
 * Shopper payment events from connected accounts. Runs inside the webhook's
 * transaction (which has just recorded the event id), on the order of the
 * store that owns the account: the order's own conditional updates make
 * "paid once, stock converted once, released once" hold even across events,
 * and the effect is decided from the Checkout Session / charge as Stripe has
 * it now, so the order in which events arrive does not matter.
 */
import type { OrderService } from '@storeloom/commerce';
import type { ControlDatabase, Kysely, Store, TenantDatabase, Transaction } from '@storeloom/db';
import { writeAudit } from '@storeloom/db';
import { AppError, ErrorCode } from '@storeloom/errors';
import type Stripe from 'stripe';
import { callStripe } from './service.ts';
import type { ConnectEventHandler } from './webhooks.ts';

export const CONNECT_PAYMENT_EVENTS = [
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
  'checkout.session.async_payment_failed',
  'checkout.session.expired',
  'charge.refunded',
  'payment_intent.payment_failed',
] as const;

export type OrderServiceFactory = (tenant: Kysely<TenantDatabase>, store: Store) => OrderService;

const idOf = (v: string | { id: string } | null | undefined) => (v == null ? null : typeof v === 'string' ? v : v.id);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class ConnectPaymentEvents implements ConnectEventHandler {
  readonly types = CONNECT_PAYMENT_EVENTS;

  constructor(
    private readonly stripe: Stripe,
    private readonly ordersFor: OrderServiceFactory,
    private readonly onMailWritten: () => void = () => {},
    /** After the webhook's transaction commits, for each order it marked paid. */
    private readonly onPaid: (storeId: string, orderId: string) => void = () => {},
  ) {}

  /** Orders marked paid by an event whose transaction has not committed yet, by event id. */
  private readonly paidPending = new Map<string, { storeId: string; orderId: string }>();

  async handle(trx: Transaction<ControlDatabase>, event: Stripe.Event): Promise<string> {
    this.paidPending.delete(event.id);
    try {
      return await this.apply(trx, event);
    } catch (e) {
      this.paidPending.delete(event.id);
      throw e;
    }
  }

  private async apply(trx: Transaction<ControlDatabase>, event: Stripe.Event): Promise<string> {
    const account = event.account;
    if (!account) return 'no_account';
    const store = await trx
      .selectFrom('stripe_connect_accounts')
      .innerJoin('stores', 'stores.id', 'stripe_connect_accounts.store_id')
      .selectAll('stores')
      .where('stripe_connect_accounts.account_id', '=', account)
      .executeTakeFirst();
    if (!store || (store.status !== 'active' && store.status !== 'suspended')) return 'unknown_account';
    await trx.updateTable('stripe_events').set({ store_id: store.id }).where('id', '=', event.id).execute();
    // The same transaction, seen through the store's schema.
    const orders = this.ordersFor((trx as unknown as Kysely<TenantDatabase>).withSchema(store.schema_name), store);
    const opts = { stripeAccount: account };
    const obj = event.data.object as { id: string; metadata?: Record<string, string> | null };

    if (event.type.startsWith('checkout.session.')) {
      const session = await callStripe('read the Checkout Session', () => this.stripe.checkout.sessions.retrieve(obj.id, { expand: ['payment_intent'] }, opts));
      const orderId = session.metadata?.orderId ?? session.client_reference_id;
      if (!orderId || !UUID.test(orderId)) return 'not_an_order';
      return this.applySession(trx, orders, store, session, orderId, account, event.id);
    }
    if (event.type === 'payment_intent.payment_failed') {
      const pi = await callStripe('read the payment', () => this.stripe.paymentIntents.retrieve(obj.id, {}, opts));
      const orderId = pi.metadata?.orderId;
      if (!orderId || !UUID.test(orderId)) return 'not_an_order';
      // A declined card inside Checkout can be retried on the same page: only a cancelled intent ends the order.
      if (pi.status !== 'canceled') return 'retry_possible';
      return (await orders.failPayment(orderId, 'Payment cancelled at Stripe')).applied ? 'failed' : 'unchanged';
    }
    if (event.type === 'charge.refunded') {
      const charge = await callStripe('read the charge', () => this.stripe.charges.retrieve(obj.id, {}, opts));
      const piId = idOf(charge.payment_intent);
      let orderId = charge.metadata?.orderId;
      if (!orderId && piId) orderId = (await callStripe('read the payment', () => this.stripe.paymentIntents.retrieve(piId, {}, opts))).metadata?.orderId;
      if (!orderId || !UUID.test(orderId)) return 'not_an_order';
      const applied = await orders.syncProviderRefunds(orderId, { provider: 'stripe', totalRefunded: charge.amount_refunded, reference: charge.id });
      return applied ? 'refund_recorded' : 'unchanged';
    }
    return 'ignored';
  }

  private async applySession(
    trx: Transaction<ControlDatabase>,
    orders: OrderService,
    store: Store,
    session: Stripe.Checkout.Session,
    orderId: string,
    account: string,
    eventId: string,
  ) {
    const order = await orders.detail(orderId);
    if (!order) return 'unknown_order';
    const pi = session.payment_intent && typeof session.payment_intent === 'object' ? session.payment_intent : null;
    const piId = idOf(session.payment_intent);
    if (session.status === 'expired')
      return (await orders.expireNow(orderId, 'Stripe Checkout expired unpaid; reserved stock released')) ? 'expired' : 'unchanged';
    if (session.status !== 'complete') return 'open';
    if (session.payment_status === 'paid' || session.payment_status === 'no_payment_required') {
      if (!piId) return 'no_payment';
      if (session.amount_total !== order.total || session.currency?.toUpperCase() !== order.currency.toUpperCase()) {
        await writeAudit(trx, {
          storeId: store.id,
          action: 'payments.amount_mismatch',
          targetType: 'order',
          targetId: orderId,
          data: { session: session.id, amount: session.amount_total, currency: session.currency, orderTotal: order.total, orderCurrency: order.currency },
        });
        return 'amount_mismatch';
      }
      try {
        const r = await orders.confirmPayment(orderId, { provider: 'stripe', reference: piId, amount: order.total });
        if (r.applied) {
          this.onMailWritten();
          this.paidPending.set(eventId, { storeId: store.id, orderId });
        }
        return r.applied ? 'paid' : 'already_paid';
      } catch (e) {
        if (!(e instanceof AppError && e.code === ErrorCode.InvalidState)) throw e;
        // Paid after the order expired or failed (its stock is gone): give the money back, once.
        const refund = await callStripe('refund a late payment', () =>
          this.stripe.refunds.create(
            { payment_intent: piId, metadata: { orderId, reason: 'order_no_longer_payable' } },
            { stripeAccount: account, idempotencyKey: `storeloom:late-payment:${orderId}:${piId}` },
          ),
        );
        await writeAudit(trx, {
          storeId: store.id,
          action: 'payments.late_payment_refunded',
          targetType: 'order',
          targetId: orderId,
          data: { session: session.id, paymentIntent: piId, refund: refund.id, orderStatus: order.paymentStatus },
        });
        return 'late_payment_refunded';
      }
    }
    // Complete but unpaid: a delayed method (bank debit) still processing, or it failed.
    const status = pi?.status;
    if (status === 'requires_payment_method' || status === 'canceled')
      return (await orders.failPayment(orderId, 'Payment failed at Stripe')).applied ? 'failed' : 'unchanged';
    return 'awaiting_payment';
  }

  afterCommit(event: Stripe.Event): void {
    const paid = this.paidPending.get(event.id);
    if (!paid) return;
    this.paidPending.delete(event.id);
    this.onPaid(paid.storeId, paid.orderId);
  }
}
