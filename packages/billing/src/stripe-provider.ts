/**
 * Shopper payments through Stripe Connect: a Checkout Session (mode `payment`)
 * created on the store's connected account, for the server-side order total,
 * with the platform's fee from the store's plan as `application_fee_amount`,
 * and the order attempt's idempotency key, so a retried start never opens a
 * second session. Confirmation arrives by the Connect webhook (connect-payments.ts).
 */
import { AppError, ErrorCode } from '@storeloom/errors';
import type Stripe from 'stripe';
import { applicationFee, type Plan } from './plans.ts';
import { callStripe } from './service.ts';

export interface StripeCheckoutInput {
  orderId: string;
  orderNumber: number;
  amount: number;
  currency: string;
  email: string;
  idempotencyKey: string;
  returnUrl: string;
  cancelUrl: string;
}

export interface StripeRefundInput {
  orderId: string;
  reference: string | null;
  amount: number;
  currency: string;
  idempotencyKey: string;
}

/** Stripe refuses Checkout Sessions that expire sooner than this. */
export const MIN_SESSION_SECONDS = 30 * 60;

export class StripePaymentProvider {
  readonly name = 'stripe';
  readonly canRefund = true;

  constructor(
    private readonly stripe: Stripe,
    private readonly store: { id: string; accountId: string; plan: Plan },
  ) {}

  /** The platform fee this store pays on `amount`. */
  fee(amount: number): number {
    return applicationFee(amount, this.store.plan);
  }

  async start(input: StripeCheckoutInput): Promise<{ redirectUrl: string; reference: string | null }> {
    if (!Number.isInteger(input.amount) || input.amount <= 0) throw new AppError(ErrorCode.ValidationFailed, 'Nothing to pay');
    const metadata = { orderId: input.orderId, storeId: this.store.id, orderNumber: String(input.orderNumber) };
    const session = await callStripe('start the payment', () =>
      this.stripe.checkout.sessions.create(
        {
          mode: 'payment',
          line_items: [
            {
              quantity: 1,
              price_data: { currency: input.currency.toLowerCase(), unit_amount: input.amount, product_data: { name: `Order #${input.orderNumber}` } },
            },
          ],
          customer_email: input.email,
          client_reference_id: input.orderId,
          metadata,
          payment_intent_data: { application_fee_amount: this.fee(input.amount), metadata },
          success_url: input.returnUrl,
          cancel_url: input.cancelUrl,
        },
        { stripeAccount: this.store.accountId, idempotencyKey: input.idempotencyKey },
      ),
    );
    if (!session.url) throw new AppError(ErrorCode.PaymentProviderUnavailable, 'Stripe returned no Checkout URL');
    return { redirectUrl: session.url, reference: session.id };
  }

  /** `reference` is the PaymentIntent the confirmation recorded. */
  async refund(input: StripeRefundInput): Promise<{ reference: string }> {
    const paymentIntent = input.reference;
    if (!paymentIntent?.startsWith('pi_')) throw new AppError(ErrorCode.Conflict, 'This order has no Stripe payment to refund');
    const refund = await callStripe('refund the payment', () =>
      this.stripe.refunds.create(
        { payment_intent: paymentIntent, amount: input.amount, metadata: { orderId: input.orderId, storeId: this.store.id } },
        { stripeAccount: this.store.accountId, idempotencyKey: input.idempotencyKey },
      ),
    );
    return { reference: refund.id };
  }
}
