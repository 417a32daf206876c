/**
 * Shopper payment events from connected accounts, applied to the order of the
 * store that owns the account through `db.tenant(schema)`: on the store's own
 * cluster, under its role, refused (503, Stripe retries) while the store is
 * read-only during a move. Each order change is its own store transaction
 * whose conditional update makes "paid once, stock converted once, released
 * once" hold across events and redeliveries, and the effect is decided from the
 * Checkout Session / charge as Stripe has it now, so the order in which events
 * arrive does not matter. The webhook records the event id (and the audit
 * entries returned here) in the control schema only after this returns.
 */
import type { OrderService, ReturnService } from '@storeloom/commerce';
import { type AuditEntry, type Database, isUuid, type Kysely, type Store, type TenantDatabase } from '@storeloom/db';
import { AppError, ErrorCode } from '@storeloom/errors';
import { fromStripeAmount } from '@storeloom/money';
import type Stripe from 'stripe';
import { callStripe } from './service.ts';
import type { ConnectEffect, ConnectEventHandler } from './webhooks.ts';

export const CONNECT_PAYMENT_EVENTS = [
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
  'checkout.session.async_payment_failed',
  'checkout.session.expired',
  'charge.refunded',
  'payment_intent.payment_failed',
] as const;

export type OrderServiceFactory = (tenant: Kysely<TenantDatabase>, store: Store) => OrderService;
export type ReturnServiceFactory = (tenant: Kysely<TenantDatabase>, store: Store) => ReturnService;

const idOf = (v: string | { id: string } | null | undefined) => (v == null ? null : typeof v === 'string' ? v : v.id);
/** Outcomes where this run changed the order (the others found it already so, or left it). */
const CHANGED = new Set(['paid', 'failed', 'expired', 'refund_recorded', 'late_payment_refunded', 'exchange_paid']);

export class ConnectPaymentEvents implements ConnectEventHandler {
  readonly types = CONNECT_PAYMENT_EVENTS;

  /**
   * `ordersFor` gets the store's `db.tenant(schema)` handle (not a transaction), so every order change commits on its
   * own in the store's cluster and the service's own after-commit hooks (mail delivery, order-paid job) fire.
   */
  constructor(
    private readonly stripe: Stripe,
    private readonly db: Database,
    private readonly ordersFor: OrderServiceFactory,
    /** Returns: a Checkout Session with `metadata.returnId` pays an exchange's price difference. */
    private readonly returnsFor?: ReturnServiceFactory,
  ) {}

  async handle(event: Stripe.Event): Promise<ConnectEffect> {
    const audits: AuditEntry[] = [];
    const account = event.account;
    if (!account) return { outcome: 'no_account', changed: false, storeId: null, audits };
    const store = await this.db.control
      .selectFrom('stripe_connect_accounts')
      .innerJoin('stores', 'stores.id', 'stripe_connect_accounts.store_id')
      .selectAll('stores')
      .where('stripe_connect_accounts.account_id', '=', account)
      .executeTakeFirst();
    if (!store || (store.status !== 'active' && store.status !== 'suspended')) return { outcome: 'unknown_account', changed: false, storeId: null, audits };
    const orders = this.ordersFor(this.db.tenant(store.schema_name), store);
    const outcome = await this.apply(orders, store, account, event, audits);
    return { outcome, changed: CHANGED.has(outcome), storeId: store.id, audits };
  }

  private async apply(orders: OrderService, store: Store, account: string, event: Stripe.Event, audits: AuditEntry[]): Promise<string> {
    const opts = { stripeAccount: account };
    const obj = event.data.object as { id: string; metadata?: Record<string, string> | null };

    if (event.type.startsWith('checkout.session.')) {
      const session = await callStripe('read the Checkout Session', () => this.stripe.checkout.sessions.retrieve(obj.id, { expand: ['payment_intent'] }, opts));
      const orderId = session.metadata?.orderId ?? session.client_reference_id;
      if (!orderId || !isUuid(orderId.toLowerCase())) return 'not_an_order';
      const returnId = session.metadata?.returnId;
      if (returnId && isUuid(returnId.toLowerCase())) return this.applyExchangeSession(store, session, returnId);
      return this.applySession(orders, store, session, orderId, account, audits);
    }
    if (event.type === 'payment_intent.payment_failed') {
      const pi = await callStripe('read the payment', () => this.stripe.paymentIntents.retrieve(obj.id, {}, opts));
      const orderId = pi.metadata?.orderId;
      if (!orderId || !isUuid(orderId.toLowerCase())) return 'not_an_order';
      // A declined card inside Checkout can be retried on the same page: only a cancelled intent ends the order.
      if (pi.status !== 'canceled') return 'retry_possible';
      return (await orders.failPayment(orderId, 'Payment cancelled at Stripe')).applied ? 'failed' : 'unchanged';
    }
    if (event.type === 'charge.refunded') {
      const charge = await callStripe('read the charge', () => this.stripe.charges.retrieve(obj.id, {}, opts));
      const piId = idOf(charge.payment_intent);
      let orderId = charge.metadata?.orderId;
      if (!orderId && piId) orderId = (await callStripe('read the payment', () => this.stripe.paymentIntents.retrieve(piId, {}, opts))).metadata?.orderId;
      if (!orderId || !isUuid(orderId.toLowerCase())) return 'not_an_order';
      const applied = await orders.syncProviderRefunds(orderId, { provider: 'stripe', totalRefunded: charge.amount_refunded, reference: charge.id });
      return applied ? 'refund_recorded' : 'unchanged';
    }
    return 'ignored';
  }

  /** An exchange's price difference paid: the return closes as exchanged, once (the difference must match). */
  private async applyExchangeSession(store: Store, session: Stripe.Checkout.Session, returnId: string): Promise<string> {
    if (!this.returnsFor) return 'ignored';
    if (session.status !== 'complete' || session.payment_status !== 'paid') return 'open';
    const piId = idOf(session.payment_intent);
    if (!piId || session.amount_total === null || !session.currency) return 'no_payment';
    const returns = this.returnsFor(this.db.tenant(store.schema_name), store);
    const r = await returns.confirmExchangePayment(returnId, {
      provider: 'stripe',
      reference: piId,
      amount: fromStripeAmount(session.amount_total, session.currency.toUpperCase()),
    });
    return r.applied ? 'exchange_paid' : 'unchanged';
  }

  private async applySession(orders: OrderService, store: Store, session: Stripe.Checkout.Session, orderId: string, account: string, audits: AuditEntry[]) {
    const order = await orders.detail(orderId);
    if (!order) return 'unknown_order';
    const pi = session.payment_intent && typeof session.payment_intent === 'object' ? session.payment_intent : null;
    const piId = idOf(session.payment_intent);
    if (session.status === 'expired')
      return (await orders.expireNow(orderId, 'Stripe Checkout expired unpaid; reserved stock released')) ? 'expired' : 'unchanged';
    if (session.status !== 'complete') return 'open';
    if (session.payment_status === 'paid' || session.payment_status === 'no_payment_required') {
      if (!piId) return 'no_payment';
      if (
        session.currency?.toUpperCase() !== order.currency ||
        session.amount_total === null ||
        fromStripeAmount(session.amount_total, order.currency) !== order.amountDue
      ) {
        audits.push({
          storeId: store.id,
          action: 'payments.amount_mismatch',
          targetType: 'order',
          targetId: orderId,
          data: { session: session.id, amount: session.amount_total, currency: session.currency, orderTotal: order.amountDue, orderCurrency: order.currency },
        });
        return 'amount_mismatch';
      }
      try {
        const r = await orders.confirmPayment(orderId, { provider: 'stripe', reference: piId, amount: order.amountDue });
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
        audits.push({
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
}
