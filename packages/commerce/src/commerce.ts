/**
 * The one place an app builds its order and checkout services. The storefront,
 * the control plane (orders API, Stripe Connect webhook) and the worker
 * (reservation release and sweep) each call `createCommerce` once at start-up
 * and ask it for a store's services, so an order behaves the same whichever
 * process touches it: same payment providers, same mail (written in the
 * causing transaction, delivered by the worker), same after-commit jobs.
 */
import type { Database, Kysely, Store, TenantDatabase } from '@storeloom/db';
import { deliverMailJob, orderPaidJob, type Queues } from '@storeloom/jobs';
import { LocalOutboxTransport, MailOutbox } from '@storeloom/mail';
import { CheckoutService, storefrontPaths } from './checkout.ts';
import { formatMoney } from '@storeloom/money';
import { DEFAULT_RESERVATION_TTL_MS, OrderService, type OrderServiceOptions } from './orders.ts';
import { ReturnService } from './returns.ts';
import { DraftOrderService } from './drafts.ts';
import { OrderEditService } from './order-edits.ts';
import { loadSettings } from './settings.ts';
import { loadPricingMarkets } from './markets.ts';
import { loadTaxRates } from './tax.ts';
import { ManualPaymentProvider, type PaymentProvider, PaymentProviders } from './payments.ts';
import type { PricingExtensions } from './pricing.ts';

/**
 * Shopper payments beyond the built-in manual provider. packages/billing's
 * `shopperPayments(db, stripe)` supplies Stripe Connect (billing depends on
 * commerce, so commerce takes the provider through this seam).
 */
export interface ShopperPayments {
  /** Providers a store's orders may use besides `manual` (refunds and webhooks need them even when a new checkout would not). */
  providers(storeId: string): PaymentProvider[];
  /** The provider a new checkout of the store pays with. */
  checkoutProvider(storeId: string): Promise<string>;
  /** The shortest stock hold a provider's payment page needs, in ms (0: none). */
  minReservationMs(provider: string): number;
}

export interface CommerceLogger {
  warn(msg: string, fields?: Record<string, unknown>): void;
}

export interface CommerceOptions {
  db: Database;
  /** After-commit jobs (mail delivery, order paid, reservation release); null in tests that do not run a worker. */
  queues: Queues | null;
  /** Stripe and other shopper payment providers; absent: manual only. */
  payments?: ShopperPayments;
  /** HMAC key of order-status links and checkout price snapshots (STOREFRONT_SECRET); null where none is configured. */
  secret: string | null;
  /** Public origin of a store's storefront (`https://tea.shops.example`), for links in mail and payment return URLs. */
  storeUrl?: (store: Store) => string;
  /** Where order mail is written; default an outbox that only writes (the worker's outbox delivers). */
  mail?: MailOutbox;
  logger?: CommerceLogger;
  /** How long a checkout holds stock (RESERVATION_TTL_SECONDS). */
  reservationTtlMs?: number;
  /** Extra pricing steps (discounts, tenders) for every quote and order. */
  pricing?: PricingExtensions;
}

export interface StoreServiceOptions {
  /** The store's tenant handle, or a transaction on it; default `db.tenant(store.schema_name)`. */
  tenant?: Kysely<TenantDatabase>;
  /** The origin this request came in on, when it should win over `storeUrl` (links the shopper follows in this browser). */
  origin?: string;
  /** Locale of money in mail written through this service (the shopper's page locale); default the store's. */
  locale?: string;
  logger?: CommerceLogger;
}

export class Commerce {
  private readonly manual = new ManualPaymentProvider();
  private readonly mail: MailOutbox;
  private readonly logger: CommerceLogger;

  constructor(private readonly opts: CommerceOptions) {
    this.mail = opts.mail ?? new MailOutbox(opts.db, new LocalOutboxTransport(), '');
    this.logger = opts.logger ?? { warn: () => {} };
  }

  paymentProviders(storeId: string): PaymentProviders {
    return new PaymentProviders([this.manual, ...(this.opts.payments?.providers(storeId) ?? [])]);
  }

  private originOf(store: Store, o: StoreServiceOptions): string | null {
    return o.origin ?? this.opts.storeUrl?.(store) ?? null;
  }

  orders(store: Store, o: StoreServiceOptions = {}): OrderService {
    return new OrderService(o.tenant ?? this.opts.db.tenant(store.schema_name), this.orderOptions(store, o));
  }

  /** A store's returns and exchanges, with the same providers, mail and hooks as its orders. */
  returns(store: Store, o: StoreServiceOptions = {}): ReturnService {
    const secret = this.opts.secret;
    const origin = this.originOf(store, o);
    return new ReturnService(o.tenant ?? this.opts.db.tenant(store.schema_name), {
      ...this.orderOptions(store, o),
      ...(origin !== null
        ? {
            // The shopper comes back to the order status page (the account without a link secret).
            exchangeUrls: (order) => {
              const url = secret ? `${origin}${storefrontPaths.order(secret, store.id, order.id)}` : `${origin}/account`;
              return { returnUrl: url, cancelUrl: url, hostedPayUrl: url };
            },
          }
        : {}),
    });
  }

  private orderOptions(store: Store, o: StoreServiceOptions): OrderServiceOptions {
    const { queues, secret } = this.opts;
    const logger = o.logger ?? this.logger;
    const origin = this.originOf(store, o);
    return {
      store: { id: store.id, name: store.name, currency: store.currency },
      providers: this.paymentProviders(store.id),
      ...(secret ? { quoteSecret: secret } : {}),
      ...(this.opts.pricing ? { pricing: this.opts.pricing } : {}),
      // Without a storefront origin (the worker) nothing can link to the order, so no mail is written.
      ...(origin !== null
        ? {
            mail: this.mail,
            mailContext: (order) => ({
              storeName: store.name,
              statusUrl: secret ? `${origin}${storefrontPaths.order(secret, store.id, order.id)}` : `${origin}/account`,
              formatMoney: (n: number) => formatMoney(n, order.currency, o.locale ?? store.default_locale),
              lang: o.locale ?? store.default_locale,
              homeUrl: `${origin}/`,
            }),
          }
        : {}),
      onMailWritten: () => {
        queues?.enqueue(deliverMailJob, {}).catch((err) => logger.warn('mail delivery enqueue failed; the sweep delivers it', { err }));
      },
      onPaid: (orderId) => {
        queues?.enqueue(orderPaidJob, { storeId: store.id, orderId }).catch((err) => logger.warn('order-paid enqueue failed', { err, orderId }));
      },
    };
  }

  /** Editing placed orders of a store (charges through the order's provider, refunds through refund lines). */
  edits(store: Store, o: StoreServiceOptions = {}): OrderEditService {
    const tenant = o.tenant ?? this.opts.db.tenant(store.schema_name);
    return new OrderEditService(tenant, {
      store: { id: store.id, currency: store.currency },
      orders: (t) => this.orders(store, { ...o, tenant: t }),
      providers: this.paymentProviders(store.id),
      settings: async (t) => {
        const [settings, markets, taxRates] = await Promise.all([loadSettings(t), loadPricingMarkets(t, this.opts.db, store.currency), loadTaxRates(t)]);
        return { ...settings, markets, taxRates, storeCountry: store.country ?? null };
      },
    });
  }

  /** Draft orders of a store (invoice links point at the storefront origin when one is known). */
  drafts(store: Store, o: StoreServiceOptions = {}): DraftOrderService {
    const origin = this.originOf(store, o);
    const tenant = o.tenant ?? this.opts.db.tenant(store.schema_name);
    return new DraftOrderService(tenant, {
      store: { id: store.id, name: store.name, currency: store.currency, defaultLocale: store.default_locale },
      orders: (t) => this.orders(store, { ...o, tenant: t }),
      // What a checkout of this store prices with: settings, markets (currency by the address) and destination tax.
      settings: async (t) => {
        const [settings, markets, taxRates] = await Promise.all([loadSettings(t), loadPricingMarkets(t, this.opts.db, store.currency), loadTaxRates(t)]);
        return { ...settings, markets, taxRates, storeCountry: store.country ?? null };
      },
      mail: this.mail,
      ...(origin !== null ? { invoiceUrl: (token: string) => `${origin}/invoices/${token}` } : {}),
    });
  }

  /** The storefront checkout of a store; needs the secret and an origin (the request's, or `storeUrl`). */
  checkout(store: Store, o: StoreServiceOptions = {}): CheckoutService {
    const secret = this.opts.secret;
    const origin = this.originOf(store, o);
    if (!secret || origin === null) throw new Error('checkout needs the storefront secret and the store origin');
    const tenant = o.tenant ?? this.opts.db.tenant(store.schema_name);
    const payments = this.opts.payments;
    const logger = o.logger ?? this.logger;
    return new CheckoutService({
      store,
      tenant,
      orders: this.orders(store, { ...o, tenant }),
      providers: this.paymentProviders(store.id),
      checkoutProvider: async () => (payments ? payments.checkoutProvider(store.id) : 'manual'),
      minReservationMs: (provider) => payments?.minReservationMs(provider) ?? 0,
      reservationTtlMs: this.opts.reservationTtlMs ?? DEFAULT_RESERVATION_TTL_MS,
      secret,
      origin,
      queues: this.opts.queues,
      warn: (msg, fields) => logger.warn(msg, fields),
    });
  }
}

export function createCommerce(opts: CommerceOptions): Commerce {
  return new Commerce(opts);
}
