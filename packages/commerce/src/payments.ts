/**
 * Payment providers. A provider is redirect-based: `start` returns where to
 * send the shopper; the provider later confirms asynchronously (its webhook,
 * or for the manual provider its own pay page), and the confirmation goes
 * through `OrderService.confirmPayment`, which converts the order's stock
 * reservation exactly once. Every charge attempt carries an idempotency key
 * (`charge:<orderId>:<attempt>`), every refund the merchant's key.
 */

export interface PaymentStartInput {
  orderId: string;
  orderNumber: number;
  amount: number;
  currency: string;
  email: string;
  idempotencyKey: string;
  /** Where the shopper lands after paying (the order status page). */
  returnUrl: string;
  /** Where the shopper lands after giving up. */
  cancelUrl: string;
  /** The storefront's own pay page (used by the manual provider). */
  hostedPayUrl: string;
  /** Set when the payment is an exchange's price difference (not the order's own payment): the provider's confirmation goes to that return. */
  returnId?: string;
}

export interface PaymentStart {
  redirectUrl: string;
  reference: string | null;
}

export interface RefundInput {
  orderId: string;
  reference: string | null;
  amount: number;
  currency: string;
  idempotencyKey: string;
}

/** What a provider's webhook tells us, after the provider verified its signature. */
export interface PaymentEvent {
  type: 'succeeded' | 'failed';
  orderId: string;
  reference: string;
  amount: number;
}

/** A further charge on an order's payment method (an order edit that added items), without the shopper present. */
export interface ChargeInput {
  orderId: string;
  /** The order's confirmed payment (the provider's reference, e.g. a PaymentIntent). */
  reference: string | null;
  amount: number;
  currency: string;
  idempotencyKey: string;
}

export interface PaymentProvider {
  readonly name: string;
  readonly canRefund: boolean;
  start(input: PaymentStartInput): Promise<PaymentStart>;
  /** Charges the difference of an order edit on the payment method the order was paid with; absent: the provider cannot. */
  charge?(input: ChargeInput): Promise<{ reference: string }>;
  refund(input: RefundInput): Promise<{ reference: string }>;
  /** Verifies and decodes a webhook; null when the event is not for us. Absent for providers without webhooks. */
  parseWebhook?(rawBody: string, headers: Record<string, string | undefined>): Promise<PaymentEvent | null>;
}

/**
 * The built-in test provider: its "hosted page" is the storefront's own page
 * with Pay now / Fail payment buttons; refunds are recorded, nothing moves.
 */
export class ManualPaymentProvider implements PaymentProvider {
  readonly name = 'manual';
  readonly canRefund = true;
  async start(input: PaymentStartInput): Promise<PaymentStart> {
    return { redirectUrl: input.hostedPayUrl, reference: `manual_${input.idempotencyKey}` };
  }
  async refund(input: RefundInput): Promise<{ reference: string }> {
    return { reference: `manual_refund_${input.idempotencyKey}` };
  }
  async charge(input: ChargeInput): Promise<{ reference: string }> {
    return { reference: `manual_charge_${input.idempotencyKey}` };
  }
}

export class PaymentProviders {
  private readonly byName = new Map<string, PaymentProvider>();
  constructor(providers: PaymentProvider[] = [new ManualPaymentProvider()]) {
    for (const p of providers) this.byName.set(p.name, p);
  }
  get(name: string): PaymentProvider {
    const p = this.byName.get(name);
    if (!p) throw new Error(`unknown payment provider ${name}`);
    return p;
  }
  has(name: string): boolean {
    return this.byName.has(name);
  }
  get default(): PaymentProvider {
    return this.get('manual');
  }
}
