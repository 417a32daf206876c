/**
 * Orders: placing one from a cart (prices from the database, stock reserved
 * by conditional decrements, the next per-store number), confirming or failing
 * its payment, expiring unpaid reservations, fulfilment and refunds. Every
 * state change is one conditional UPDATE on the order row, so concurrent
 * confirmations, expiries and retries apply exactly once.
 */
import { markOrderForAnalytics } from '@storeloom/analytics';
import { applyStockDelta } from '@storeloom/catalog';
import { isUuid, type Kysely, newId, type Order, type OrderAddress, sql, type TenantDatabase, type Transaction } from '@storeloom/db';
import { AppError, ErrorCode, isUniqueViolation } from '@storeloom/errors';
import { allocate } from '@storeloom/money';
import type { MailOutbox } from '@storeloom/mail';
import { emitWebhookEvent, type WebhookEventType } from '@storeloom/webhooks';
import { type CartLineView, CartService } from './cart.ts';
import { discountRefusal } from './cart-promotions.ts';
import { DiscountService } from './discounts.ts';
import { disableRefundedGiftCards } from './gift-card-products.ts';
import { GiftCardService } from './gift-cards.ts';
import { type MailContext, orderConfirmationMail, orderShippedMail } from './mails.ts';
import { marketFor, marketSettings, type PricingMarket, storeAmount } from './markets.ts';
import { PaymentProviders } from './payments.ts';
import { pricingDestination, validateVatIdFormat } from './tax.ts';
import { signCheckoutQuote, verifyCheckoutQuote } from './signing.ts';
import type { StorefrontSettings } from './settings.ts';
import { type PriceAdjustment, type PricingContext, type PricingExtensions, priceCart, pricingSteps, tenderTotal } from './pricing.ts';
import { promotionPricing } from './promotion-steps.ts';
import { type PlannedRefundPart, planRefund, type RefundableOrder, type RefundRequest, shippingTaxOf } from './refunds.ts';
import type { Totals } from './totals.ts';
import { type OrderDetail, type OrderEventData, type OrderSummary, type RefundView, toOrderDetail, toOrderSummary } from './views.ts';
import { returnSoldUnits } from '@storeloom/planning';
import { completeDraftOrder } from './draft-events.ts';

export const DEFAULT_RESERVATION_TTL_MS = 15 * 60 * 1000;
export const DEFAULT_QUOTE_MAX_AGE_MS = 60 * 60 * 1000;
/** Orders paid by gift cards alone never see a payment provider. */
export const GIFT_CARD_PROVIDER = 'gift_card';

export interface OrderStore {
  id: string;
  name: string;
  currency: string;
}

export interface OrderServiceOptions {
  store: OrderStore;
  providers?: PaymentProviders;
  mail?: MailOutbox;
  /** Builds the mail's money format and signed status link. */
  mailContext?: (order: OrderDetail) => MailContext;
  /** After a commit that wrote mail: enqueue delivery. */
  onMailWritten?: () => void;
  /**
   * After the commit that marked an order paid: enqueue the follow-up work
   * (sales recording, recommendation events). Not called when the service runs
   * inside a caller's transaction; that caller signals after its own commit.
   */
  onPaid?: (orderId: string) => void;
  /**
   * Key of the checkout price snapshot (see signCheckoutQuote). With it,
   * `quote` returns a token and `place` honours the prices it signed.
   */
  quoteSecret?: string;
  /** How long a checkout keeps the prices it showed (default 60 minutes). */
  quoteMaxAgeMs?: number;
  /** Extra pricing steps (discounts, tenders) run by both `quote` and `place`; see pricing.ts. */
  pricing?: PricingExtensions;
}

/** Who is checking out and the codes they entered, for pricing steps that depend on them. */
export interface PricingInput {
  customerId?: string | null;
  email?: string | null;
  codes?: readonly string[];
}

export interface CheckoutQuote {
  lines: CartLineView[];
  totals: Totals;
  adjustments: PriceAdjustment[];
  /** Signed snapshot of the line prices shown; null without a quoteSecret. */
  quoteToken: string | null;
  /** The market the cart's country picked; every amount above is in its currency. */
  market: PricingMarket;
  /** With shipping zones: whether the cart's country can be shipped to (null: no zones, or no country yet). */
  shippingAvailable: boolean | null;
}

export interface PlaceOrderInput {
  cartId: string;
  email: string;
  customerId: string | null;
  customerName: string | null;
  address: OrderAddress;
  locale: string;
  settings: StorefrontSettings;
  provider?: string;
  reservationTtlMs?: number;
  /** The total the shopper saw; when prices moved since, the order is refused so nobody pays what they did not see. */
  expectedTotal?: number;
  /** The checkout page's price snapshot (`quote().quoteToken`): its prices are charged while it is fresh and the cart unchanged. */
  quoteToken?: string;
  /** Codes the shopper entered, handed to the pricing steps. */
  codes?: readonly string[];
  /** A business buyer's VAT id (format-checked: 422 vat_id_invalid); default the cart's. */
  vatId?: string | null;
  /** Placing a draft order (drafts.ts): its lines instead of the cart's (`cartId` is then the draft's id). */
  draft?: DraftPlacement;
}

/** What a draft order hands to `place`: priced through the same pipeline as a checkout, plus its own steps. */
export interface DraftPlacement {
  id: string;
  /** Catalogue lines and custom items (variantId `custom:<line id>`, productId ''). */
  lines: CartLineView[];
  /** The draft's discount codes (instead of a cart's). */
  codes: readonly string[];
  /** The draft's manual discount and its untaxed custom items. */
  steps: PricingExtensions;
  /** Units the draft already holds in stock per variant: moved onto the order, not reserved again. */
  held: Record<string, number>;
}

/** A draft's custom item travels through pricing under this variant id prefix (no variant, no stock). */
export const CUSTOM_LINE_PREFIX = 'custom:';
export const isCustomLine = (variantId: string) => variantId.startsWith(CUSTOM_LINE_PREFIX);

export interface OrderListQuery {
  status?: Order['status'];
  paymentStatus?: Order['payment_status'];
  fulfillmentStatus?: Order['fulfillment_status'];
  q?: string;
  cursor?: string;
  limit: number;
  customerId?: string;
}

type Tx = Transaction<TenantDatabase>;
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * A paid order's payment state and lines, in the order's line order: what `commerce.order-paid` turns into
 * planning sales and a recommendation purchase. null when there is no such order.
 */
export async function paidOrderLines(t: Kysely<TenantDatabase>, orderId: string) {
  const order = await t.selectFrom('orders').select(['id', 'payment_status', 'paid_at', 'customer_id', 'email']).where('id', '=', orderId).executeTakeFirst();
  if (!order) return null;
  const lines = await t
    .selectFrom('order_lines')
    .select(['id', 'product_id', 'variant_id', 'quantity', 'unit_price', 'store_unit_price'])
    .where('order_id', '=', orderId)
    .orderBy('position')
    .execute();
  return { order, lines };
}

export class OrderService {
  private readonly providers: PaymentProviders;
  constructor(
    private readonly t: Kysely<TenantDatabase>,
    private readonly opts: OrderServiceOptions,
  ) {
    this.providers = opts.providers ?? new PaymentProviders();
  }

  /**
   * The quote a checkout page shows: current prices, shipping and tax, and
   * (with a quoteSecret) the signed snapshot of those prices that `place`
   * honours, so a price change while the checkout is open does not change
   * what the shopper pays.
   */
  async quote(cartId: string, settings: StorefrontSettings, now = new Date(), who: PricingInput = {}): Promise<CheckoutQuote> {
    const lines = await new CartService(this.t).lines(cartId);
    const quoteToken = this.opts.quoteSecret ? signCheckoutQuote(this.opts.quoteSecret, this.opts.store.id, cartId, lines, now.getTime()) : null;
    const cart =
      settings.markets?.length || settings.shippingZones?.length || settings.taxRates?.length
        ? await this.t.selectFrom('carts').select(['country', 'vat_id']).where('id', '=', cartId).executeTakeFirst()
        : undefined;
    const market = marketFor(settings, this.opts.store.currency, cart?.country);
    const ctx = this.pricingContext(this.t, cartId, settings, who, 'quote', now, market);
    const priced = await this.price(lines, { ...ctx, destination: pricingDestination(settings, cart?.country, null, cart?.vat_id) });
    return {
      lines: priced.lines,
      totals: priced.totals,
      adjustments: priced.adjustments,
      quoteToken,
      market,
      shippingAvailable: priced.shipping ? priced.shipping.available : null,
    };
  }

  private pricingContext(
    t: Kysely<TenantDatabase>,
    cartId: string,
    settings: StorefrontSettings,
    who: PricingInput,
    phase: PricingContext['phase'],
    now: Date,
    market: PricingMarket,
  ): PricingContext {
    return {
      t,
      market,
      storeId: this.opts.store.id,
      cartId,
      settings: marketSettings(settings, market),
      customerId: who.customerId ?? null,
      email: who.email ?? null,
      codes: who.codes ?? [],
      phase,
      now,
    };
  }

  price(lines: CartLineView[], ctx: PricingContext, extra: PricingExtensions = {}) {
    // Promotions (discounts, gift cards) are part of every store's pipeline; extra steps run after them.
    const promotions = promotionPricing(ctx.market?.currency ?? this.opts.store.currency);
    return priceCart(
      lines,
      ctx,
      pricingSteps({
        discounts: [...(promotions.discounts ?? []), ...(this.opts.pricing?.discounts ?? []), ...(extra.discounts ?? [])],
        tenders: [...(extra.tenders ?? []), ...(promotions.tenders ?? []), ...(this.opts.pricing?.tenders ?? [])],
      }),
    );
  }

  /** Cart lines priced from a valid snapshot of the same lines; the live lines otherwise. */
  private priceFromQuote(cartId: string, lines: CartLineView[], token: string | undefined): CartLineView[] {
    if (!this.opts.quoteSecret || !token) return lines;
    const quoted = verifyCheckoutQuote(
      this.opts.quoteSecret,
      this.opts.store.id,
      cartId,
      token,
      Date.now(),
      this.opts.quoteMaxAgeMs ?? DEFAULT_QUOTE_MAX_AGE_MS,
    );
    if (!quoted || quoted.length !== lines.length) return lines;
    const byVariant = new Map(quoted.map((q) => [q.variantId, q]));
    const priced: CartLineView[] = [];
    for (const l of lines) {
      const q = byVariant.get(l.variantId);
      if (!q || q.quantity !== l.quantity) return lines;
      priced.push({ ...l, unitPrice: q.unitPrice });
    }
    return priced;
  }

  /**
   * Places the order and reserves its stock until `reservation_expires_at`.
   * Variants are locked in id order so two checkouts never deadlock; the
   * order number is taken last so refused checkouts burn no numbers.
   */
  async place(input: PlaceOrderInput): Promise<{ order: OrderDetail; paymentKey: string; expiresAt: Date }> {
    const email = input.email.trim().toLowerCase();
    if (!EMAIL_RE.test(email) || email.length > 254)
      throw new AppError(ErrorCode.ValidationFailed, 'Enter a valid e-mail address', { details: { field: 'email' } });
    const providerName = input.provider ?? 'manual';
    if (!this.providers.has(providerName)) throw new AppError(ErrorCode.ValidationFailed, 'Unknown payment method');
    const ttl = input.reservationTtlMs ?? DEFAULT_RESERVATION_TTL_MS;
    const orderId = newId();
    const paymentKey = `charge:${orderId}:1`;
    const result = await this.inTransaction(async (trx) => {
      // The snapshot's prices when the checkout still holds what it showed: never the live price of an open checkout.
      const draft = input.draft;
      const lines = draft ? draft.lines : this.priceFromQuote(input.cartId, await new CartService(trx).lines(input.cartId), input.quoteToken);
      if (!lines.length) throw new AppError(ErrorCode.InvalidState, draft ? 'This draft order has no lines' : 'Your cart is empty');
      // The delivery country picks the market; a cart priced for another currency must be re-read first.
      const market = marketFor(input.settings, this.opts.store.currency, input.address.country);
      if (input.settings.markets?.length && !draft) {
        const cartCountry = (await trx.selectFrom('carts').select('country').where('id', '=', input.cartId).executeTakeFirst())?.country ?? null;
        const shown = cartCountry ? marketFor(input.settings, this.opts.store.currency, cartCountry) : null;
        if (shown && shown.currency !== market.currency)
          throw new AppError(
            ErrorCode.Conflict,
            `The cart is priced in ${shown.currency}; deliveries to ${input.address.country} are in ${market.currency}. Set the cart's country first.`,
            {
              details: { cartCurrency: shown.currency, deliveryCurrency: market.currency },
            },
          );
      }
      const cartVatId =
        input.vatId === undefined && !draft
          ? ((await trx.selectFrom('carts').select('vat_id').where('id', '=', input.cartId).executeTakeFirst())?.vat_id ?? null)
          : (input.vatId ?? null);
      if (cartVatId && !validateVatIdFormat(cartVatId, input.address.country.toUpperCase()).valid)
        throw new AppError(ErrorCode.VatIdInvalid, `This is not a ${input.address.country.toUpperCase()} VAT number`, { details: { field: 'vatId' } });
      const destination = pricingDestination(input.settings, input.address.country, input.address.region, cartVatId);
      const priced = await this.price(
        lines,
        {
          ...this.pricingContext(
            trx,
            input.cartId,
            input.settings,
            { customerId: input.customerId, email, codes: input.codes ?? [] },
            'place',
            new Date(),
            market,
          ),
          destination,
          ...(draft ? { discountCodes: draft.codes } : {}),
        },
        draft?.steps,
      );
      if (priced.shipping && !priced.shipping.available)
        throw new AppError(ErrorCode.ShippingUnavailable, `This store does not ship to ${input.address.country.toUpperCase()}`, {
          details: { country: input.address.country.toUpperCase() },
        });
      // A code or gift card that no longer applies refuses the checkout (422) before anything is written.
      const refusedCode = priced.promotions?.rejectedCodes[0];
      if (refusedCode)
        throw discountRefusal(refusedCode.code, refusedCode.reason, { minSubtotal: refusedCode.minSubtotal, currency: market.currency, locale: input.locale });
      const cardProblem = priced.promotions?.giftCardProblem;
      if (cardProblem)
        throw new AppError(
          ErrorCode.GiftCardInvalid,
          cardProblem === 'balance_spent'
            ? 'A gift card in your cart was used meanwhile; please review your cart'
            : 'A gift card in your cart can no longer be used; please review your cart',
          {
            details: { reason: cardProblem },
          },
        );
      const totals = priced.totals;
      const discountAdjustments = priced.adjustments.filter((a) => a.kind === 'discount');
      const tenders = priced.adjustments.filter((a) => a.kind === 'tender' && a.amount > 0);
      const pricing = {
        discountTotal: discountAdjustments.reduce((sum, a) => sum + a.amount, 0),
        giftCardTotal: tenderTotal(priced),
        amountDue: totals.total - tenderTotal(priced),
      };
      // The store-currency side of every amount, at the market's rate; subtotal is derived so that the store amounts
      // add up exactly like the presentment ones (total = subtotal − discounts + shipping [+ tax when added]).
      const toStore = (n: number) => storeAmount(market, n);
      const store = {
        total: toStore(totals.total),
        shipping: toStore(totals.shipping),
        tax: toStore(totals.tax),
        discountTotal: toStore(pricing.discountTotal),
      };
      const storeSubtotal = store.total - store.shipping - (totals.taxIncluded ? 0 : store.tax) + store.discountTotal;
      if (input.expectedTotal !== undefined && input.expectedTotal !== totals.total)
        throw new AppError(ErrorCode.Conflict, 'Prices changed since you opened the checkout; please review your order', { details: { total: totals.total } });
      const stocked = lines.filter((l) => !isCustomLine(l.variantId));
      for (const l of [...stocked].sort((a, b) => (a.variantId < b.variantId ? -1 : 1))) {
        // A draft that reserved stock hands its units over; only the rest is reserved now.
        const need = l.quantity - Math.min(l.quantity, draft?.held[l.variantId] ?? 0);
        if (need === 0) continue;
        const left = await applyStockDelta(trx, l.variantId, -need, { reason: 'reserved', idempotencyKey: `reserve:${orderId}:${l.variantId}` });
        if (left === null)
          throw new AppError(ErrorCode.InsufficientStock, `Not enough stock for ${l.title}`, { details: { variantId: l.variantId, title: l.title } });
      }
      const counter = await trx
        .updateTable('order_counter')
        .set({ last_number: sql`last_number + 1` })
        .where('id', '=', 1)
        .returning('last_number')
        .executeTakeFirstOrThrow();
      const now = new Date();
      const expiresAt = new Date(now.getTime() + ttl);
      await trx
        .insertInto('orders')
        .values({
          id: orderId,
          number: counter.last_number,
          email,
          customer_id: input.customerId,
          customer_name: input.customerName ?? input.address.name,
          currency: market.currency,
          locale: input.locale,
          market_id: market.id,
          store_currency: this.opts.store.currency,
          exchange_rate: market.rate.rate,
          exchange_rate_date: market.rate.asOf,
          tax_country: destination?.country ?? null,
          vat_id: destination?.vatId ?? null,
          reverse_charge: priced.tax?.reverseCharge ?? false,
          tax_lines: JSON.stringify(priced.tax?.lines ?? []),
          store_subtotal: storeSubtotal,
          store_shipping: store.shipping,
          store_tax: store.tax,
          store_discount_total: store.discountTotal,
          store_total: store.total,
          subtotal: totals.subtotal,
          shipping: totals.shipping,
          tax: totals.tax,
          tax_included: totals.taxIncluded,
          total: totals.total,
          discount_total: pricing.discountTotal,
          gift_card_total: pricing.giftCardTotal,
          cart_id: draft ? null : input.cartId,
          draft_order_id: draft?.id ?? null,
          // Placed from a cart that got an abandoned-cart reminder (or a copy restored from one): a recovered order.
          recovered: draft ? false : trx.selectFrom('carts').select(sql<boolean>`recovery_sent_at is not null`.as('r')).where('id', '=', input.cartId),
          item_count: totals.itemCount,
          shipping_address: JSON.stringify(input.address),
          shipping_method: priced.shipping?.method ?? (input.settings.shipping.mode === 'weight' ? 'standard-weight' : 'standard'),
          payment_provider: pricing.amountDue === 0 ? GIFT_CARD_PROVIDER : providerName,
          payment_reference: null,
          reservation_expires_at: expiresAt,
          created_at: now,
          updated_at: now,
        })
        .execute();
      // Cart lines are one per variant: the variant names the line until it has its order line id.
      const lineIdOf = new Map(lines.map((l) => [l.variantId, newId()]));
      const discountOf = new Map<string, number>();
      for (const a of discountAdjustments)
        for (const [variantId, x] of Object.entries(a.lines ?? {})) discountOf.set(variantId, (discountOf.get(variantId) ?? 0) + x);
      // Each line's share of the tax (refunds give it back with the line): the destination tax has it per item; the
      // flat store rate taxes goods after discounts plus shipping, so its tax is split over those same bases.
      const lineTax = new Map<string, number>(Object.entries(priced.tax?.perItem ?? {}));
      if (!priced.tax && totals.tax > 0) {
        const shippingDiscount = discountAdjustments.reduce((n, a) => n + (a.amount - Object.values(a.lines ?? {}).reduce((x, y) => x + y, 0)), 0);
        const bases = [
          ...priced.lines.map((l) =>
            l.giftCard || (isCustomLine(l.variantId) && l.taxClass === 'exempt')
              ? 0
              : Math.max(0, l.unitPrice * l.quantity - (discountOf.get(l.variantId) ?? 0)),
          ),
          Math.max(0, totals.shipping - shippingDiscount),
        ];
        allocate(totals.tax, bases).forEach((share, i) => {
          const l = priced.lines[i];
          if (l) lineTax.set(l.variantId, share);
        });
      }
      await trx
        .insertInto('order_lines')
        .values(
          // Priced lines: in the market's currency.
          priced.lines.map((l, i) => ({
            discount_total: discountOf.get(l.variantId) ?? 0,
            id: lineIdOf.get(l.variantId) ?? newId(),
            order_id: orderId,
            product_id: isCustomLine(l.variantId) ? null : l.productId,
            variant_id: isCustomLine(l.variantId) ? null : l.variantId,
            title: l.title,
            variant_title: l.variantTitle,
            sku: l.sku,
            quantity: l.quantity,
            unit_price: l.unitPrice,
            store_unit_price: toStore(l.unitPrice),
            tax: lineTax.get(l.variantId) ?? 0,
            total: l.unitPrice * l.quantity,
            image_url: l.imageUrl,
            position: i,
            gift_card: l.giftCard ?? false,
            gift_card_recipient: l.giftCard && l.giftCardRecipient ? JSON.stringify(l.giftCardRecipient) : null,
          })),
        )
        .execute();
      // Each discount's allocation per line (a shipping discount has no line), kept so refunds give back what was paid.
      const allocations = discountAdjustments.flatMap((a) => {
        const base = { order_id: orderId, discount_id: a.discountId ?? null, code: a.code ?? null, title: a.label };
        const perLine = Object.entries(a.lines ?? {}).filter(([, x]) => x > 0);
        return perLine.length
          ? perLine.map(([variantId, x]) => ({ ...base, id: newId(), order_line_id: lineIdOf.get(variantId) ?? null, amount: x }))
          : a.amount > 0
            ? [{ ...base, id: newId(), order_line_id: null, amount: a.amount }]
            : [];
      });
      if (allocations.length) await trx.insertInto('order_discount_allocations').values(allocations).execute();
      if (stocked.length)
        await trx
          .insertInto('stock_reservations')
          .values(
            stocked.map((l) => ({ id: newId(), order_id: orderId, variant_id: l.variantId, quantity: l.quantity, expires_at: expiresAt, created_at: now })),
          )
          .execute();
      await trx
        .insertInto('payments')
        .values({
          id: newId(),
          order_id: orderId,
          kind: 'charge',
          provider: pricing.amountDue === 0 ? GIFT_CARD_PROVIDER : providerName,
          amount: pricing.amountDue,
          status: 'pending',
          reference: null,
          reason: null,
          idempotency_key: paymentKey,
          created_at: now,
        })
        .execute();
      await this.event(trx, orderId, 'placed', `Order placed; stock reserved until ${expiresAt.toISOString()}`, { reservedUntil: expiresAt.toISOString() });
      await this.webhook(trx, 'order.created', orderId);
      // Discount uses and gift-card balances are claimed last, so their row locks are held only until the commit
      // right after (50 checkouts racing for one code queue for milliseconds, not for whole checkouts). A checkout
      // that loses the race throws here and its whole transaction, order number and stock included, rolls back.
      const claims = discountAdjustments.flatMap((a) =>
        a.discountId ? [{ discountId: a.discountId, code: a.code ?? null, title: a.label, amount: a.amount }] : [],
      );
      await DiscountService.claim(trx, orderId, email, claims, now);
      for (const g of tenders) if (g.giftCardId) await GiftCardService.redeem(trx, g.giftCardId, orderId, g.amount, now);
      if (draft) return { expiresAt, amountDue: pricing.amountDue };
      await trx.deleteFrom('cart_lines').where('cart_id', '=', input.cartId).execute();
      // The codes and cards were spent on this order; a new cart starts clean.
      await trx
        .updateTable('carts')
        .set({
          discount_codes: '[]',
          gift_cards: '[]',
          updated_at: now,
          recovered_at: sql`case when recovery_sent_at is not null then coalesce(recovered_at, ${now}) else recovered_at end`,
        })
        .where('id', '=', input.cartId)
        .execute();
      return { expiresAt, amountDue: pricing.amountDue };
    });
    // Paid by gift cards alone: no provider step, the order is paid now.
    if (result.amountDue === 0) {
      const paid = await this.confirmPayment(orderId, { provider: GIFT_CARD_PROVIDER, reference: `gift_card:${orderId}`, amount: 0 });
      return { order: paid.order, paymentKey, expiresAt: result.expiresAt };
    }
    return { order: await this.detailOrThrow(orderId), paymentKey, expiresAt: result.expiresAt };
  }

  /**
   * The provider says the order is paid. Applies once: a replay (webhook
   * retry, double click) finds the order no longer pending and changes
   * nothing. An order whose reservation already expired is refused.
   */
  async confirmPayment(orderId: string, p: { provider: string; reference: string; amount: number }): Promise<{ order: OrderDetail; applied: boolean }> {
    const applied = await this.inTransaction(async (trx) => {
      const row = await trx
        .updateTable('orders')
        .set({ payment_status: 'paid', paid_at: new Date(), payment_reference: p.reference, updated_at: new Date() })
        .where('id', '=', orderId)
        .where('payment_status', '=', 'pending')
        // The provider collects what gift cards left to pay.
        .where(sql<number>`total - gift_card_total`, '=', p.amount)
        // Only the provider the order was placed with can confirm it (the manual pay page must not settle a Stripe order).
        .where('payment_provider', '=', p.provider)
        .returningAll()
        .executeTakeFirst();
      if (!row) return false;
      await trx
        .updateTable('stock_reservations')
        .set({ status: 'converted', settled_at: new Date() })
        .where('order_id', '=', orderId)
        .where('status', '=', 'active')
        .execute();
      await trx
        .updateTable('payments')
        .set({ status: 'succeeded', reference: p.reference })
        .where('order_id', '=', orderId)
        .where('kind', '=', 'charge')
        .where('status', '=', 'pending')
        .execute();
      await this.event(trx, orderId, 'paid', `Payment received (${p.provider})`, { provider: p.provider, amount: p.amount });
      await this.webhook(trx, 'order.paid', orderId);
      if (row.draft_order_id) await completeDraftOrder(trx, row.draft_order_id, orderId);
      await this.mail(trx, orderId, 'order-confirmation', orderConfirmationMail);
      return true;
    });
    const order = await this.detailOrThrow(orderId);
    if (!applied && order.payment.provider !== p.provider)
      throw new AppError(ErrorCode.PaymentProviderMismatch, `This order is paid through ${order.payment.provider}, not ${p.provider}`);
    if (applied) {
      this.opts.onMailWritten?.();
      if (!this.t.isTransaction) this.opts.onPaid?.(orderId);
    } else if (order.paymentStatus !== 'paid' && order.paymentStatus !== 'partially_refunded' && order.paymentStatus !== 'refunded')
      throw new AppError(
        ErrorCode.InvalidState,
        order.paymentStatus === 'expired' ? 'This checkout expired; please check out again' : 'This order cannot be paid',
      );
    return { order, applied };
  }

  /** After a caller's transaction that confirmed a payment commits (draft orders marked paid): deliver mail, enqueue the paid work. */
  afterPaidCommit(orderId: string): void {
    this.opts.onMailWritten?.();
    this.opts.onPaid?.(orderId);
  }

  /** The provider declined: the order is cancelled and its stock released at once. */
  async failPayment(orderId: string, reason: string): Promise<{ order: OrderDetail; applied: boolean }> {
    const applied = await this.settleUnpaid(orderId, 'failed', reason, false);
    return { order: await this.detailOrThrow(orderId), applied };
  }

  /** The provider says the payment session is over unpaid (e.g. Stripe Checkout expired): release the stock now. */
  async expireNow(orderId: string, message: string): Promise<boolean> {
    return this.settleUnpaid(orderId, 'expired', message, false);
  }

  /**
   * Refunds made at the provider (its dashboard, or a console refund whose
   * write was lost) reach the order: `totalRefunded` is the provider's current
   * total for the payment, so replays and out-of-order notices change nothing.
   */
  async syncProviderRefunds(orderId: string, p: { provider: string; totalRefunded: number; reference: string }): Promise<boolean> {
    return this.inTransaction(async (trx) => {
      const o = await trx.selectFrom('orders').selectAll().where('id', '=', orderId).forUpdate().executeTakeFirst();
      if (!o || o.payment_provider !== p.provider) return false;
      const total = Math.min(p.totalRefunded, o.total);
      if (total <= o.refunded || (o.payment_status !== 'paid' && o.payment_status !== 'partially_refunded')) return false;
      const amount = total - o.refunded;
      await this.recordRefund(trx, o, {
        amount,
        provider: p.provider,
        reference: p.reference,
        reason: 'Refunded at the payment provider',
        // Keyed by the provider's running total: a replayed notice adds no second row.
        idempotencyKey: `provider-refund:${orderId}:${total}`,
        replayIsNoop: true,
        message: `Refunded ${amount} at ${p.provider}`,
      });
      return true;
    });
  }

  /** Runs in the caller's transaction when this service was built on one (a webhook recording its event id atomically). */
  private inTransaction<T>(fn: (trx: Tx) => Promise<T>): Promise<T> {
    return this.t.isTransaction ? fn(this.t as Tx) : this.t.transaction().execute(fn);
  }

  /** Releases an unpaid order's reservation once its expiry has passed (job handler; idempotent). */
  async expire(orderId: string): Promise<boolean> {
    return this.settleUnpaid(orderId, 'expired', 'Checkout expired unpaid; reserved stock released', true);
  }

  /** Expires every overdue unpaid order of this store; returns how many it released. */
  async sweepExpired(limit = 500): Promise<number> {
    const due = await this.t
      .selectFrom('orders')
      .select('id')
      .where('payment_status', '=', 'pending')
      .where('reservation_expires_at', '<=', new Date())
      .orderBy('reservation_expires_at')
      .limit(limit)
      .execute();
    let released = 0;
    for (const o of due) if (await this.expire(o.id)) released++;
    return released;
  }

  private async settleUnpaid(orderId: string, to: 'failed' | 'expired', message: string, onlyWhenDue: boolean): Promise<boolean> {
    return this.inTransaction(async (trx) => {
      let q = trx
        .updateTable('orders')
        .set({ payment_status: to, status: 'cancelled', updated_at: new Date() })
        .where('id', '=', orderId)
        .where('payment_status', '=', 'pending');
      if (onlyWhenDue) q = q.where('reservation_expires_at', '<=', new Date());
      const row = await q.returning('id').executeTakeFirst();
      if (!row) return false;
      const released = await trx
        .updateTable('stock_reservations')
        .set({ status: 'released', settled_at: new Date() })
        .where('order_id', '=', orderId)
        .where('status', '=', 'active')
        .returning(['variant_id', 'quantity'])
        .execute();
      for (const r of released.sort((a, b) => (a.variant_id < b.variant_id ? -1 : 1)))
        await applyStockDelta(trx, r.variant_id, r.quantity, { reason: 'reservation_released', idempotencyKey: `release:${orderId}:${r.variant_id}` });
      // The order never happened: its discount uses and gift card balances go back.
      await DiscountService.release(trx, orderId);
      await GiftCardService.release(trx, orderId, new Date());
      await trx
        .updateTable('payments')
        .set({ status: to })
        .where('order_id', '=', orderId)
        .where('kind', '=', 'charge')
        .where('status', '=', 'pending')
        .execute();
      await this.event(trx, orderId, to === 'failed' ? 'payment_failed' : 'expired', message);
      // An invoice whose payment failed or expired can be paid again: the draft lets go of this order.
      await trx
        .updateTable('draft_orders')
        .set({ order_id: null, updated_at: new Date() })
        .where('order_id', '=', orderId)
        .where('status', '!=', 'completed')
        .execute();
      await this.webhook(trx, 'order.cancelled', orderId, { reason: to === 'failed' ? 'payment_failed' : 'expired' });
      return true;
    });
  }

  /** Marks a paid order fulfilled; repeating it updates the tracking details, never fulfils twice. */
  async fulfil(orderId: string, input: { trackingNumber?: string | null; carrier?: string | null }): Promise<OrderDetail> {
    const first = await this.t.transaction().execute(async (trx) => {
      const o = await trx.selectFrom('orders').select(['payment_status', 'fulfillment_status']).where('id', '=', orderId).forUpdate().executeTakeFirst();
      if (!o) throw new AppError(ErrorCode.NotFound, 'Order not found');
      if (o.payment_status !== 'paid' && o.payment_status !== 'partially_refunded')
        throw new AppError(ErrorCode.InvalidState, 'Only paid orders can be fulfilled');
      const isFirst = o.fulfillment_status === 'unfulfilled';
      await trx
        .updateTable('orders')
        .set({
          fulfillment_status: 'fulfilled',
          fulfilled_at: isFirst ? new Date() : sql`fulfilled_at`,
          tracking_number: input.trackingNumber ?? null,
          carrier: input.carrier ?? null,
          updated_at: new Date(),
        })
        .where('id', '=', orderId)
        .execute();
      const track = input.trackingNumber ? ` (${[input.carrier, input.trackingNumber].filter(Boolean).join(' ')})` : '';
      await this.event(trx, orderId, isFirst ? 'fulfilled' : 'tracking_updated', isFirst ? `Order fulfilled${track}` : `Tracking updated${track}`, {
        carrier: input.carrier ?? null,
        trackingNumber: input.trackingNumber ?? null,
      });
      if (isFirst) await this.mail(trx, orderId, 'order-shipped', orderShippedMail);
      if (isFirst) await this.webhook(trx, 'order.fulfilled', orderId);
      return isFirst;
    });
    if (first) this.opts.onMailWritten?.();
    return this.detailOrThrow(orderId);
  }

  /**
   * Refunds part or all of a paid order through its provider, line by line: `lines` (units of order lines, optionally
   * restocked), `shipping`, and/or an `amount` (see planRefund). The key makes a retried refund apply once.
   */
  async refund(orderId: string, input: RefundRequest & { reason?: string | null; idempotencyKey: string }): Promise<OrderDetail> {
    const key = `refund:${orderId}:${input.idempotencyKey}`;
    try {
      await this.t.transaction().execute(async (trx) => {
        const prior = await trx.selectFrom('payments').select(['amount']).where('idempotency_key', '=', key).executeTakeFirst();
        if (prior) {
          if (input.amount !== undefined && prior.amount !== input.amount)
            throw new AppError(ErrorCode.IdempotencyKeyReused, 'This Idempotency-Key was used for a different refund');
          return;
        }
        await this.refundIn(trx, orderId, input, key);
      });
    } catch (e) {
      // Two requests with the same key raced; the loser answers with the winner's result.
      if (!isUniqueViolation(e)) throw e;
    }
    return this.detailOrThrow(orderId);
  }

  /**
   * The refund inside the caller's transaction (returns use it): locks the order, plans the parts, sends the money
   * back (provider first, then the gift cards that paid), and records it. Returns the refund's payment id and amount.
   */
  async refundIn(
    trx: Tx,
    orderId: string,
    input: RefundRequest & { reason?: string | null },
    key: string,
  ): Promise<{ refundId: string; amount: number; parts: PlannedRefundPart[] }> {
    const o = await trx.selectFrom('orders').selectAll().where('id', '=', orderId).forUpdate().executeTakeFirst();
    if (!o) throw new AppError(ErrorCode.NotFound, 'Order not found');
    const provider = o.payment_provider === GIFT_CARD_PROVIDER ? null : this.providers.get(o.payment_provider);
    if ((provider && !provider.canRefund) || (o.payment_status !== 'paid' && o.payment_status !== 'partially_refunded'))
      throw new AppError(ErrorCode.InvalidState, 'This order cannot be refunded');
    const plan = planRefund(await this.refundable(trx, o), input);
    // Gift cards bought with the order: their refunded units' cards are disabled first (refused when already used).
    await disableRefundedGiftCards(trx, orderId, plan.parts, new Date());
    // What the provider collected goes back there first; the rest goes back to the gift cards that paid it.
    const providerPaid = o.total - o.gift_card_total;
    const toProvider = provider ? Math.min(plan.amount, Math.max(0, providerPaid - Math.min(o.refunded, providerPaid))) : 0;
    const toCards = plan.amount - toProvider;
    const r =
      provider && toProvider > 0
        ? await provider.refund({ orderId, reference: o.payment_reference, amount: toProvider, currency: o.currency, idempotencyKey: key })
        : { reference: toCards > 0 ? `gift_card_refund:${key}` : `no_money:${key}` };
    if (toCards > 0 && (await GiftCardService.refund(trx, orderId, toCards, key, new Date())) !== toCards)
      throw new AppError(ErrorCode.InvalidState, 'This order cannot be refunded to its gift cards');
    const units = plan.parts.reduce((n, p) => n + p.quantity, 0);
    const refundId = await this.recordRefund(trx, o, {
      amount: plan.amount,
      provider: toProvider > 0 && provider ? provider.name : toCards > 0 ? GIFT_CARD_PROVIDER : (provider?.name ?? GIFT_CARD_PROVIDER),
      reference: r.reference,
      reason: input.reason ?? null,
      idempotencyKey: key,
      replayIsNoop: false,
      message: `Refunded ${plan.amount}${units ? ` (${units} ${units === 1 ? 'unit' : 'units'})` : ''}${input.reason ? `: ${input.reason}` : ''}`,
      parts: plan.parts,
      tenders: { provider: toProvider, giftCards: toCards },
    });
    return { refundId: refundId as string, amount: plan.amount, parts: plan.parts };
  }

  /**
   * What a refund would give back, computed as `refund` would now (the console shows it before the merchant
   * confirms): the amount, its parts, and how it splits between the provider and the gift cards. Writes nothing.
   */
  async previewRefund(
    orderId: string,
    input: RefundRequest,
  ): Promise<{ amount: number; parts: PlannedRefundPart[]; tenders: { provider: number; giftCards: number } }> {
    const o = await this.t.selectFrom('orders').selectAll().where('id', '=', orderId).executeTakeFirst();
    if (!o) throw new AppError(ErrorCode.NotFound, 'Order not found');
    if (o.payment_status !== 'paid' && o.payment_status !== 'partially_refunded') throw new AppError(ErrorCode.InvalidState, 'This order cannot be refunded');
    const plan = planRefund(await this.refundable(this.t, o), input);
    const providerPaid = o.total - o.gift_card_total;
    const toProvider = o.payment_provider === GIFT_CARD_PROVIDER ? 0 : Math.min(plan.amount, Math.max(0, providerPaid - Math.min(o.refunded, providerPaid)));
    return { amount: plan.amount, parts: plan.parts, tenders: { provider: toProvider, giftCards: plan.amount - toProvider } };
  }

  /** The order's lines and shipping as planRefund needs them. */
  async refundable(trx: Kysely<TenantDatabase>, o: Order): Promise<RefundableOrder> {
    const lines = await trx
      .selectFrom('order_lines')
      .select(['id', 'variant_id', 'title', 'quantity', 'total', 'discount_total', 'tax', 'refunded_quantity', 'refunded_amount'])
      .where('order_id', '=', o.id)
      .orderBy('position')
      .execute();
    const shippingDiscount = await trx
      .selectFrom('order_discount_allocations')
      .select(sql<string>`coalesce(sum(amount), 0)`.as('s'))
      .where('order_id', '=', o.id)
      .where('order_line_id', 'is', null)
      .executeTakeFirstOrThrow();
    return {
      total: o.total,
      refunded: o.refunded,
      shipping: o.shipping,
      shippingDiscount: Number(shippingDiscount.s),
      shippingTax: shippingTaxOf(
        { tax: o.tax, taxIncluded: o.tax_included },
        lines.map((l) => l.tax),
      ),
      shippingRefunded: o.shipping_refunded,
      taxIncluded: o.tax_included,
      lines: lines.map((l) => ({
        id: l.id,
        variantId: l.variant_id,
        title: l.title,
        quantity: l.quantity,
        total: l.total,
        discountTotal: l.discount_total,
        tax: l.tax,
        refundedQuantity: l.refunded_quantity,
        refundedAmount: l.refunded_amount,
      })),
    };
  }

  /** Every refund of an order with its parts, oldest first. */
  async refunds(orderId: string): Promise<RefundView[]> {
    const rows = await this.t
      .selectFrom('payments')
      .select(['id', 'amount', 'provider', 'reason', 'created_at'])
      .where('order_id', '=', orderId)
      .where('kind', '=', 'refund')
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    if (!rows.length) return [];
    // Parts in the order's line order, then shipping, then adjustments.
    const parts = await this.t
      .selectFrom('refund_lines as r')
      .leftJoin('order_lines as l', 'l.id', 'r.order_line_id')
      .select(['r.refund_id', 'r.kind', 'r.order_line_id', 'r.quantity', 'r.amount', 'r.tax', 'r.restock'])
      .where('r.order_id', '=', orderId)
      .orderBy(sql`l.position nulls last`)
      .orderBy(sql`r.kind = 'adjustment'`)
      .orderBy('r.id')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      amount: r.amount,
      provider: r.provider,
      reason: r.reason,
      createdAt: new Date(r.created_at).toISOString(),
      lines: parts
        .filter((p) => p.refund_id === r.id)
        .map((p) => ({ kind: p.kind, orderLineId: p.order_line_id, quantity: p.quantity, amount: p.amount, tax: p.tax, restock: p.restock })),
    }));
  }

  async detail(orderId: string): Promise<OrderDetail | null> {
    const o = await this.t
      .selectFrom('orders')
      .selectAll('orders')
      .select((eb) => [
        sql<
          unknown[]
        >`coalesce((${eb.selectFrom('order_lines as l').select(sql`json_agg(l order by l.position)`.as('x')).whereRef('l.order_id', '=', 'orders.id')}), '[]'::json)`.as(
          'line_rows',
        ),
        sql<
          unknown[]
        >`coalesce((${eb.selectFrom('order_events as e').select(sql`json_agg(e order by e.created_at, e.id)`.as('x')).whereRef('e.order_id', '=', 'orders.id')}), '[]'::json)`.as(
          'event_rows',
        ),
        sql<
          unknown[]
        >`coalesce((${eb.selectFrom('order_discount_allocations as a').select(sql`json_agg(a order by a.id)`.as('x')).whereRef('a.order_id', '=', 'orders.id')}), '[]'::json)`.as(
          'allocation_rows',
        ),
        // Each gift card that paid part of the order (its redemptions), for the order page's tenders.
        sql<{ last4: string; amount: number }[]>`coalesce((${eb
          .selectFrom(
            eb
              .selectFrom('gift_card_ledger as gl')
              .innerJoin('gift_cards as gc', 'gc.id', 'gl.gift_card_id')
              .select(['gc.last4', sql<number>`-sum(gl.amount)::int`.as('amount'), sql<Date>`min(gl.created_at)`.as('first_at')])
              .whereRef('gl.order_id', '=', 'orders.id')
              .where('gl.kind', '=', 'redeem')
              .groupBy(['gc.id', 'gc.last4'])
              .as('r'),
          )
          .select(sql`json_agg(json_build_object('last4', r.last4, 'amount', r.amount) order by r.first_at)`.as('x'))}), '[]'::json)`.as('gift_card_rows'),
      ])
      .where('id', '=', orderId)
      .executeTakeFirst();
    if (!o) return null;
    const { line_rows, event_rows, allocation_rows, gift_card_rows, ...order } = o;
    const provider = this.providers.has(order.payment_provider) ? this.providers.get(order.payment_provider) : null;
    // Gift-card-only orders refund back to the cards, no provider involved.
    const canRefund = order.payment_provider === GIFT_CARD_PROVIDER || (provider?.canRefund ?? false);
    const refunds = await this.refunds(orderId);
    return toOrderDetail(order as Order, line_rows as never, event_rows as never, canRefund, allocation_rows as never, gift_card_rows, refunds);
  }

  /** Until when an unpaid order holds its stock (the manual pay page shows it); null for an unknown order. */
  async reservationExpiresAt(orderId: string): Promise<Date | null> {
    const row = await this.t.selectFrom('orders').select('reservation_expires_at').where('id', '=', orderId).executeTakeFirst();
    return row ? new Date(row.reservation_expires_at) : null;
  }

  async detailOrThrow(orderId: string): Promise<OrderDetail> {
    const d = await this.detail(orderId);
    if (!d) throw new AppError(ErrorCode.NotFound, 'Order not found');
    return d;
  }

  /** Newest first; the cursor is the last id seen (ids are time-ordered UUIDv7). */
  async list(q: OrderListQuery): Promise<{ items: OrderSummary[]; nextCursor: string | null }> {
    let query = this.t.selectFrom('orders').selectAll();
    if (q.status) query = query.where('status', '=', q.status);
    if (q.paymentStatus) query = query.where('payment_status', '=', q.paymentStatus);
    if (q.fulfillmentStatus) query = query.where('fulfillment_status', '=', q.fulfillmentStatus);
    if (q.customerId) query = query.where('customer_id', '=', q.customerId);
    const text = q.q?.trim().replace(/^#/, '');
    if (text) {
      const like = `%${text.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
      query = query.where((eb) => {
        const ors = [eb('email', 'ilike', like), eb('customer_name', 'ilike', like)];
        if (/^\d{1,9}$/.test(text)) ors.push(eb('number', '=', Number(text)));
        return eb.or(ors);
      });
    }
    if (q.cursor) {
      if (!isUuid(q.cursor)) throw new AppError(ErrorCode.ValidationFailed, 'cursor: invalid');
      query = query.where('id', '<', q.cursor);
    }
    const rows = await query
      .orderBy('id', 'desc')
      .limit(q.limit + 1)
      .execute();
    const page = rows.slice(0, q.limit);
    return { items: page.map(toOrderSummary), nextCursor: rows.length > q.limit ? (page.at(-1)?.id ?? null) : null };
  }

  /**
   * The bookkeeping of a refund that happened at the provider: the order's
   * refunded total and payment status, a `refund` payment row under its
   * idempotency key, and a timeline event. A key seen before is a unique
   * violation (the caller's race handling) unless `replayIsNoop`.
   */
  private async recordRefund(
    trx: Tx,
    o: Order,
    r: {
      amount: number;
      provider: string;
      reference: string;
      reason: string | null;
      idempotencyKey: string;
      replayIsNoop: boolean;
      message: string;
      /** What the refund gives back; without parts (a refund made at the provider) the amount is one adjustment. */
      parts?: PlannedRefundPart[];
      tenders?: { provider: number; giftCards: number };
    },
  ): Promise<string | null> {
    const refunded = o.refunded + r.amount;
    // The store-currency side, cumulatively at the order's rate: a full refund gives back exactly store_total.
    const storeRefunded =
      refunded === o.total && o.store_total !== null
        ? o.store_total
        : storeAmount({ currency: o.currency, storeCurrency: o.store_currency ?? o.currency, rate: { rate: o.exchange_rate } }, refunded);
    const parts: PlannedRefundPart[] = r.parts ?? [
      { kind: 'adjustment', orderLineId: null, variantId: null, quantity: 0, amount: r.amount, tax: 0, restock: false },
    ];
    const shipping = parts.filter((p) => p.kind === 'shipping').reduce((n, p) => n + p.amount, 0);
    await trx
      .updateTable('orders')
      .set({
        refunded,
        store_refunded: storeRefunded,
        payment_status: refunded === o.total ? 'refunded' : refunded > 0 ? 'partially_refunded' : o.payment_status,
        shipping_refunded: sql`shipping_refunded + ${shipping}`,
        updated_at: new Date(),
      })
      .where('id', '=', o.id)
      .execute();
    const paymentId = newId();
    const row = trx.insertInto('payments').values({
      id: paymentId,
      order_id: o.id,
      kind: 'refund',
      provider: r.provider,
      amount: r.amount,
      status: 'succeeded',
      reference: r.reference,
      reason: r.reason,
      idempotency_key: r.idempotencyKey,
      created_at: new Date(),
    });
    const inserted = await (r.replayIsNoop ? row.onConflict((oc) => oc.doNothing()) : row).returning('id').executeTakeFirst();
    if (!inserted) return null;
    const now = new Date();
    const paidAt = o.paid_at ? new Date(o.paid_at) : now;
    for (const p of parts) {
      if (p.amount === 0 && p.quantity === 0) continue;
      const lineId = newId();
      if (p.kind === 'line' && p.orderLineId) {
        // Conditional on what is left of the line; the table's checks are the backstop of the same rule.
        const line = await trx
          .updateTable('order_lines')
          .set({ refunded_quantity: sql`refunded_quantity + ${p.quantity}`, refunded_amount: sql`refunded_amount + ${p.amount}` })
          .where('id', '=', p.orderLineId)
          .where('order_id', '=', o.id)
          .where(sql<boolean>`refunded_quantity + ${p.quantity} <= quantity`)
          .returning(['unit_price', 'quantity'])
          .executeTakeFirst();
        if (!line) throw new AppError(ErrorCode.Conflict, 'This line was refunded meanwhile; reload the order');
        if (p.quantity > 0 && p.variantId) {
          // Returned units are not demand for the planner.
          await returnSoldUnits(
            trx,
            { orderLineId: p.orderLineId, variantId: p.variantId, units: line.quantity, unitPrice: line.unit_price, at: paidAt },
            p.quantity,
          );
          if (p.restock) await applyStockDelta(trx, p.variantId, p.quantity, { reason: 'returned', idempotencyKey: `restock:${lineId}` });
        }
      }
      await trx
        .insertInto('refund_lines')
        .values({
          id: lineId,
          refund_id: paymentId,
          order_id: o.id,
          order_line_id: p.kind === 'line' ? p.orderLineId : null,
          kind: p.kind,
          quantity: p.quantity,
          amount: p.amount,
          tax: p.tax,
          restock: p.restock && p.variantId !== null,
          created_at: now,
        })
        .execute();
    }
    await this.event(trx, o.id, 'refunded', r.message, {
      amount: r.amount,
      provider: r.provider,
      units: parts.reduce((n, p) => n + (p.kind === 'line' ? p.quantity : 0), 0),
      reason: r.reason,
    });
    await this.webhook(trx, 'order.refunded', o.id, {
      refund: {
        id: paymentId,
        amount: r.amount,
        reason: r.reason,
        provider: r.provider,
        ...(r.tenders ? { tenders: r.tenders } : {}),
        lines: parts.map((p) => ({ kind: p.kind, orderLineId: p.orderLineId, quantity: p.quantity, amount: p.amount, tax: p.tax, restock: p.restock })),
      },
    });
    return paymentId;
  }

  /** An order edit's timeline entry and `order.edited` webhook (with the edit), in the edit's transaction. */
  async recordEdit(trx: Tx, orderId: string, message: string, edit: Record<string, unknown>): Promise<void> {
    await this.event(trx, orderId, 'edited', message);
    await this.webhook(trx, 'order.edited', orderId, { edit });
  }

  /**
   * The merchant webhook event of an order change, written in the change's own transaction (outbox): `data` is
   * the order as the API shows it after the change, plus `extra`.
   */
  private async webhook(trx: Tx, type: WebhookEventType, orderId: string, extra: Record<string, unknown> = {}) {
    // Every order change that merchants hear about may move a sales figure: the analytics worker recomputes the order.
    await markOrderForAnalytics(trx, orderId);
    await emitWebhookEvent(trx, {
      type,
      resourceKey: `order:${orderId}`,
      data: async () => ({ order: await new OrderService(trx, { ...this.opts, mail: undefined }).detail(orderId), ...extra }),
    });
  }

  /** A timeline entry: `message` in English for webhooks and exports, `data` for the console to write it in the merchant's language. */
  private async event(trx: Tx, orderId: string, type: string, message: string, data: OrderEventData = {}) {
    await trx
      .insertInto('order_events')
      .values({ id: newId(), order_id: orderId, type, message, data: JSON.stringify(data), created_at: new Date() })
      .execute();
  }

  /** Writes the mail inside the transaction that caused it; the dedup key makes it once per order and kind. */
  private async mail(trx: Tx, orderId: string, kind: string, build: (o: OrderDetail, ctx: MailContext) => { subject: string; text: string; html: string }) {
    if (!this.opts.mail || !this.opts.mailContext) return;
    const detail = await new OrderService(trx, { ...this.opts, mail: undefined }).detail(orderId);
    if (!detail) return;
    const m = build(detail, this.opts.mailContext(detail));
    await this.opts.mail.enqueue(
      {
        kind,
        to: detail.email,
        subject: m.subject,
        text: m.text,
        html: m.html,
        storeId: this.opts.store.id,
        dedupKey: `${kind}:${this.opts.store.id}:${orderId}`,
      },
      trx as never,
    );
  }
}

export type { Totals };
