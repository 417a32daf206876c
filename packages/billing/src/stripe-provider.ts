/**
 * Shopper payments through Stripe Connect: a Checkout Session (mode `payment`)
 * created on the store's connected account, for the server-side order total,
 * with the platform's fee from the store's plan as `application_fee_amount`,
 * and the order attempt's idempotency key, so a retried start never opens a
 * second session. Confirmation arrives by the Connect webhook (connect-payments.ts).
 */
import type { ChargeInput, PaymentProvider, PaymentStart, PaymentStartInput, RefundInput, ShopperPayments } from '@storeloom/commerce';
import type { Database } from '@storeloom/db';
import { AppError, ErrorCode } from '@storeloom/errors';
import { roundToIncrement, StripeAmountError, stripeCurrency, stripeIncrement, toStripeAmount } from '@storeloom/money';
import type Stripe from 'stripe';
import { applicationFee, type Plan, planOf } from './plans.ts';
import { callStripe } from './service.ts';

/**
 * Stripe refuses Checkout Sessions that expire sooner than this (seconds). No
 * `expires_at` is sent (a retried start must send identical parameters), so a
 * session lives Stripe's default 24 h; the storefront holds the stock at least
 * this long, and a payment after the order expired is refunded automatically.
 */
export const MIN_SESSION_SECONDS = 30 * 60;

export interface ConnectedStore {
  id: string;
  accountId: string;
  chargesEnabled: boolean;
  plan: Plan;
}

/** The store's connected account and plan, read when a payment starts (so a plan change applies to the next order). */
export async function connectedStore(db: Database, storeId: string): Promise<ConnectedStore | null> {
  const row = await db.control
    .selectFrom('stripe_connect_accounts')
    .innerJoin('stores', 'stores.id', 'stripe_connect_accounts.store_id')
    .select(['stripe_connect_accounts.account_id', 'stripe_connect_accounts.charges_enabled', 'stores.plan'])
    .where('stripe_connect_accounts.store_id', '=', storeId)
    .executeTakeFirst();
  return row ? { id: storeId, accountId: row.account_id, chargesEnabled: row.charges_enabled, plan: planOf(row.plan) } : null;
}

/** Shoppers pay through Stripe once the store's connected account can take charges; otherwise the manual provider. */
export async function shopperPaymentProviderName(db: Database, stripe: Stripe | null, storeId: string): Promise<'stripe' | 'manual'> {
  if (!stripe) return 'manual';
  return (await connectedStore(db, storeId))?.chargesEnabled ? 'stripe' : 'manual';
}

/** Stripe Connect for `createCommerce` (nothing without a Stripe client): the provider, the checkout's choice, the stock hold. */
export function shopperPayments(db: Database, stripe: Stripe | null): ShopperPayments {
  return {
    providers: (storeId) => (stripe ? [new StripePaymentProvider(stripe, () => connectedStore(db, storeId))] : []),
    checkoutProvider: (storeId) => shopperPaymentProviderName(db, stripe, storeId),
    // Hold the stock until the Checkout Session has expired (plus two minutes for its webhook).
    minReservationMs: (provider) => (provider === 'stripe' ? (MIN_SESSION_SECONDS + 120) * 1000 : 0),
  };
}

export class StripePaymentProvider implements PaymentProvider {
  readonly name = 'stripe';
  readonly canRefund = true;

  constructor(
    private readonly stripe: Stripe,
    /** Resolved per call: providers are built per request without a query. */
    private readonly store: () => Promise<ConnectedStore | null>,
  ) {}

  private async account(): Promise<ConnectedStore> {
    const s = await this.store();
    if (!s) throw new AppError(ErrorCode.Conflict, 'This store has not connected a Stripe account');
    return s;
  }

  async start(input: PaymentStartInput): Promise<PaymentStart> {
    if (!Number.isInteger(input.amount) || input.amount <= 0) throw new AppError(ErrorCode.ValidationFailed, 'Nothing to pay');
    const store = await this.account();
    if (!store.chargesEnabled) throw new AppError(ErrorCode.Conflict, 'This store cannot take card payments yet');
    const metadata = {
      orderId: input.orderId,
      storeId: store.id,
      orderNumber: String(input.orderNumber),
      ...(input.returnId ? { returnId: input.returnId } : {}),
    };
    const unitAmount = stripeAmount(input.amount, input.currency);
    // The fee is cut in the store's minor units, then down to an amount Stripe accepts (a multiple of 10 fils for KWD).
    const fee = toStripeAmount(roundToIncrement(applicationFee(input.amount, store.plan), stripeIncrement(input.currency), 'down'), input.currency);
    const session = await callStripe('start the payment', () =>
      this.stripe.checkout.sessions.create(
        {
          mode: 'payment',
          line_items: [
            {
              quantity: 1,
              price_data: {
                currency: stripeCurrency(input.currency),
                unit_amount: unitAmount,
                product_data: { name: input.returnId ? `Exchange for order #${input.orderNumber}` : `Order #${input.orderNumber}` },
              },
            },
          ],
          customer_email: input.email,
          client_reference_id: input.orderId,
          metadata,
          // The card is kept on the connected account's customer, so an order edit can charge the difference later.
          customer_creation: 'always',
          payment_intent_data: { application_fee_amount: fee, metadata, setup_future_usage: 'off_session' },
          success_url: input.returnUrl,
          cancel_url: input.cancelUrl,
        },
        { stripeAccount: store.accountId, idempotencyKey: input.idempotencyKey },
      ),
    );
    if (!session.url) throw new AppError(ErrorCode.PaymentProviderUnavailable, 'Stripe returned no Checkout URL');
    return { redirectUrl: session.url, reference: session.id };
  }

  /** An order edit's difference, off session on the card and customer of the order's PaymentIntent. */
  async charge(input: ChargeInput): Promise<{ reference: string }> {
    const original = input.reference;
    if (!original?.startsWith('pi_')) throw new AppError(ErrorCode.Conflict, 'This order has no Stripe payment to charge again');
    const store = await this.account();
    const pi = await callStripe('read the payment', () => this.stripe.paymentIntents.retrieve(original, {}, { stripeAccount: store.accountId }));
    const paymentMethod = typeof pi.payment_method === 'string' ? pi.payment_method : (pi.payment_method?.id ?? null);
    const customer = typeof pi.customer === 'string' ? pi.customer : (pi.customer?.id ?? null);
    if (!paymentMethod) throw new AppError(ErrorCode.Conflict, 'The card of this order was not kept; send the customer an invoice instead');
    const fee = toStripeAmount(roundToIncrement(applicationFee(input.amount, store.plan), stripeIncrement(input.currency), 'down'), input.currency);
    const charged = await callStripe('charge the difference', () =>
      this.stripe.paymentIntents.create(
        {
          amount: stripeAmount(input.amount, input.currency),
          currency: stripeCurrency(input.currency),
          payment_method: paymentMethod,
          ...(customer ? { customer } : {}),
          off_session: true,
          confirm: true,
          application_fee_amount: fee,
          metadata: { orderId: input.orderId, storeId: store.id, kind: 'order_edit' },
        },
        { stripeAccount: store.accountId, idempotencyKey: input.idempotencyKey },
      ),
    );
    if (charged.status !== 'succeeded')
      throw new AppError(ErrorCode.PaymentProviderUnavailable, 'The card was not charged; send the customer an invoice instead');
    return { reference: charged.id };
  }

  /** `reference` is the PaymentIntent the confirmation recorded. */
  async refund(input: RefundInput): Promise<{ reference: string }> {
    const paymentIntent = input.reference;
    if (!paymentIntent?.startsWith('pi_')) throw new AppError(ErrorCode.Conflict, 'This order has no Stripe payment to refund');
    const store = await this.account();
    const refund = await callStripe('refund the payment', () =>
      this.stripe.refunds.create(
        { payment_intent: paymentIntent, amount: stripeAmount(input.amount, input.currency), metadata: { orderId: input.orderId, storeId: store.id } },
        { stripeAccount: store.accountId, idempotencyKey: input.idempotencyKey },
      ),
    );
    return { reference: refund.id };
  }
}

/** Store minor units -> Stripe's amount; an amount Stripe cannot take (5.124 KWD, 10.50 MGA) is the caller's 422. */
function stripeAmount(minor: number, currency: string): number {
  try {
    return toStripeAmount(minor, currency);
  } catch (e) {
    if (!(e instanceof StripeAmountError)) throw e;
    throw new AppError(ErrorCode.ValidationFailed, `Card payments in ${currency} must be a multiple of ${e.increment} minor units`, {
      details: { amount: minor, currency, increment: e.increment },
    });
  }
}

/**
 * Erasure at Stripe: deletes the customer objects with the shopper's address
 * on the store's connected account (Stripe's own records of charges stay with
 * Stripe, which keeps them for its legal obligations; `remaining` tells the
 * merchant how to ask for those).
 */
export function stripeCustomerErasure(db: Database, stripe: Stripe | null) {
  return {
    async eraseCustomer(storeId: string, email: string) {
      if (!stripe) return null;
      const store = await connectedStore(db, storeId);
      if (!store) return null;
      const opts = { stripeAccount: store.accountId };
      let deleted = 0;
      const found = await stripe.customers.list({ email, limit: 100 }, opts);
      for (const c of found.data) {
        await stripe.customers.del(c.id, {}, opts);
        deleted++;
      }
      return {
        provider: 'stripe',
        customersDeleted: deleted,
        remaining:
          "Stripe keeps its records of the shopper's payments (charges, payment intents) under its own legal duties; ask Stripe to redact them through its privacy request form, naming the connected account.",
      };
    },
  };
}
