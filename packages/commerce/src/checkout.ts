/**
 * The storefront checkout as one service call: pick the store's payment
 * provider, place the order (prices through the pricing pipeline, stock
 * reserved), remember the address, schedule the reservation's release, and
 * start the provider's payment. Routes parse the form and render the result;
 * the Storefront API calls the same method, so both checkouts behave alike.
 */
import type { Kysely, OrderAddress, Store, TenantDatabase } from '@storeloom/db';
import { type Queues, releaseReservationJob } from '@storeloom/jobs';
import { CustomerService } from './customers.ts';
import type { DraftOrderService } from './drafts.ts';
import type { CheckoutQuote, OrderService, PricingInput } from './orders.ts';
import type { PaymentProviders } from './payments.ts';
import type { StorefrontSettings } from './settings.ts';
import { orderLinkSignature } from './signing.ts';
import type { OrderDetail } from './views.ts';

/** Links of the storefront's own pages that a checkout hands out (provider return URLs, mail). */
export const storefrontPaths = {
  order: (secret: string, storeId: string, orderId: string) => `/orders/${orderId}?sig=${orderLinkSignature(secret, storeId, orderId)}`,
  pay: (secret: string, storeId: string, orderId: string) => `/checkout/pay/${orderId}?sig=${orderLinkSignature(secret, storeId, orderId)}`,
  cart: '/cart',
};

export interface CheckoutDeps {
  store: Store;
  tenant: Kysely<TenantDatabase>;
  orders: OrderService;
  providers: PaymentProviders;
  /** The provider a new checkout of this store pays with (Stripe once its account takes charges, else manual). */
  checkoutProvider: () => Promise<string>;
  /** The shortest stock hold this provider's payment page needs (Stripe Checkout lives at least 30 minutes). */
  minReservationMs: (provider: string) => number;
  reservationTtlMs: number;
  secret: string;
  /** The storefront origin the shopper returns to, e.g. `https://tea.shops.example`. */
  origin: string;
  queues: Queues | null;
  warn: (msg: string, fields?: Record<string, unknown>) => void;
}

export interface PlaceCheckoutInput {
  cartId: string;
  email: string;
  address: OrderAddress;
  /** The signed-in customer, if any. */
  customerId: string | null;
  /** Save the address to the customer's address book (signed in only). */
  saveAddress: boolean;
  locale: string;
  settings: StorefrontSettings;
  /** The total the shopper saw; a different total now refuses the order (409 conflict). */
  expectedTotal?: number;
  /** `quote().quoteToken` of the page the shopper saw. */
  quoteToken?: string;
  /** Discount or gift-card codes, passed to the pricing steps. */
  codes?: readonly string[];
  /** A business buyer's VAT id; default the cart's. */
  vatId?: string | null;
}

export interface PlacedCheckout {
  order: OrderDetail;
  /** Where to send the shopper: the provider's payment page (or the manual provider's pay page); null when gift cards paid it all. */
  redirectUrl: string | null;
  /** The order's signed status page (path and query). */
  statusPath: string;
  /** Stock is held until then. */
  expiresAt: Date;
}

export class CheckoutService {
  constructor(private readonly d: CheckoutDeps) {}

  /** What the checkout page shows: lines, totals through the pricing pipeline, and the signed price snapshot. */
  quote(cartId: string, settings: StorefrontSettings, who: PricingInput = {}): Promise<CheckoutQuote> {
    return this.d.orders.quote(cartId, settings, new Date(), who);
  }

  /**
   * Places the order and starts its payment. Errors are AppErrors for the
   * caller to show: validation_failed (with `details.field`), conflict (prices
   * changed), insufficient_stock (`details.title`), invalid_state (cart empty).
   */
  /**
   * Pays a draft order's invoice link: places its order once (a second submit finds the first order) and starts the
   * provider's payment for it, exactly as a checkout does. A paid invoice has no provider step (redirectUrl null).
   */
  async payInvoice(drafts: DraftOrderService, token: string, locale: string): Promise<PlacedCheckout> {
    const { store, secret, origin } = this.d;
    const provider = await this.d.checkoutProvider();
    const r = await drafts.complete('', {
      provider,
      markPaid: false,
      invoiceToken: token,
      locale,
      reservationTtlMs: Math.max(this.d.reservationTtlMs, this.d.minReservationMs(provider)),
    });
    const order = r.order;
    const statusPath = storefrontPaths.order(secret, store.id, order.id);
    const expiresAt = r.expiresAt ?? new Date();
    if (r.created && r.expiresAt)
      this.d.queues
        ?.enqueue(releaseReservationJob, { storeId: store.id, orderId: order.id }, { delay: Math.max(0, r.expiresAt.getTime() - Date.now()) })
        .catch((err) => this.d.warn('reservation release enqueue failed; the sweep releases it', { err }));
    if (order.paymentStatus !== 'pending' || order.amountDue === 0) return { order, redirectUrl: null, statusPath, expiresAt };
    const start = await this.d.providers.get(order.payment.provider).start({
      orderId: order.id,
      orderNumber: order.number,
      amount: order.amountDue,
      currency: order.currency,
      email: order.email,
      // The order's one charge key: a second click starts (or finds) the same provider session.
      idempotencyKey: r.paymentKey,
      returnUrl: `${origin}${statusPath}&placed=1`,
      cancelUrl: `${origin}/`,
      hostedPayUrl: storefrontPaths.pay(secret, store.id, order.id),
    });
    return { order, redirectUrl: start.redirectUrl, statusPath, expiresAt };
  }

  async place(input: PlaceCheckoutInput): Promise<PlacedCheckout> {
    const { store, secret, origin } = this.d;
    const provider = await this.d.checkoutProvider();
    const placed = await this.d.orders.place({
      provider,
      cartId: input.cartId,
      email: input.email,
      customerId: input.customerId,
      customerName: input.address.name,
      address: input.address,
      locale: input.locale,
      settings: input.settings,
      reservationTtlMs: Math.max(this.d.reservationTtlMs, this.d.minReservationMs(provider)),
      ...(input.expectedTotal !== undefined ? { expectedTotal: input.expectedTotal } : {}),
      ...(input.quoteToken ? { quoteToken: input.quoteToken } : {}),
      ...(input.codes ? { codes: input.codes } : {}),
      ...(input.vatId !== undefined ? { vatId: input.vatId } : {}),
    });
    const order = placed.order;
    if (input.customerId && input.saveAddress) await new CustomerService(this.d.tenant).saveAddress(input.customerId, input.address);
    // The sweep job releases it too if this enqueue is lost.
    this.d.queues
      ?.enqueue(releaseReservationJob, { storeId: store.id, orderId: order.id }, { delay: Math.max(0, placed.expiresAt.getTime() - Date.now()) })
      .catch((err) => this.d.warn('reservation release enqueue failed; the sweep releases it', { err }));
    const statusPath = storefrontPaths.order(secret, store.id, order.id);
    // Gift cards paid everything: the order is already paid, there is no provider step.
    if (order.amountDue === 0) return { order, redirectUrl: null, statusPath, expiresAt: placed.expiresAt };
    const start = await this.d.providers.get(order.payment.provider).start({
      orderId: order.id,
      orderNumber: order.number,
      // The provider collects what the gift cards left to pay.
      amount: order.amountDue,
      currency: order.currency,
      email: order.email,
      idempotencyKey: placed.paymentKey,
      returnUrl: `${origin}${storefrontPaths.order(secret, store.id, order.id)}&placed=1`,
      cancelUrl: `${origin}${storefrontPaths.cart}`,
      // Same-origin page: a relative redirect needs no origin (and cannot carry a wrong one).
      hostedPayUrl: storefrontPaths.pay(secret, store.id, order.id),
    });
    return { order, redirectUrl: start.redirectUrl, statusPath, expiresAt: placed.expiresAt };
  }
}
