/**
 * Returns and exchanges (issue 21). The shopper asks to send back units of a
 * delivered order within the store's return window; the merchant approves
 * (with a return label reference) or declines, marks the parcel received with
 * each line's condition (restocked through the inventory ledger, or not), then
 * refunds it through the order's refund lines (the line's price after its
 * discount allocation, its tax, shipping per the store's policy, back to the
 * original tenders) or exchanges it for another variant (the price difference
 * charged through the order's provider, or refunded).
 *
 * requested → approved | declined; approved → received; received → refunded |
 * exchanged. Every transition is one conditional UPDATE (`where status =
 * <from>`) in the transaction that does its effects, so two approvals or
 * receipts at once do the work once and the loser answers with the result;
 * repeating a finished step is a no-op. Each step writes its webhook event
 * (outbox) and the shopper's mail in the same transaction.
 */
import { EXCHANGE_CHARGE_REASON, markOrderForAnalytics } from '@storeloom/analytics';
import { applyStockDelta } from '@storeloom/catalog';
import { type Kysely, newId, type ReturnStatus, sql, type TenantDatabase, type Transaction } from '@storeloom/db';
import { AppError, ErrorCode, isUniqueViolation } from '@storeloom/errors';
import { emitWebhookEvent, type WebhookEventType } from '@storeloom/webhooks';
import { fixedMarketPrices, marketPrice, type PricingMarket } from './markets.ts';
import { GIFT_CARD_PROVIDER, OrderService, type OrderServiceOptions } from './orders.ts';
import { PaymentProviders } from './payments.ts';
import { type PlannedRefundPart, shippingLeft, unitsValue } from './refunds.ts';
import { type ReturnMailStep, returnMail } from './return-mails.ts';
import { loadReturnPolicy, loadSettings, type ReturnPolicy } from './settings.ts';
import { loadTaxRates, tableTaxProvider } from './tax.ts';
import { applyTax } from './totals.ts';
import type { OrderDetail, OrderEventData } from './views.ts';

type Tx = Transaction<TenantDatabase>;

/** Statuses whose units are spoken for (a new return cannot ask for them again). */
export const OPEN_RETURN_STATUSES: readonly ReturnStatus[] = ['requested', 'approved', 'received'];

export interface ReturnLineView {
  id: string;
  orderLineId: string;
  title: string;
  variantTitle: string | null;
  sku: string | null;
  quantity: number;
  /** Set when received: back into stock (true) or not (false). */
  restock: boolean | null;
  conditionNote: string | null;
  exchangeVariantId: string | null;
  exchangeUnitPrice: number | null;
}

export interface ReturnView {
  id: string;
  orderId: string;
  orderNumber: number;
  email: string;
  currency: string;
  status: ReturnStatus;
  reason: string;
  customerNote: string | null;
  /** Storage keys of the shopper's photos. */
  photos: string[];
  merchantNote: string | null;
  labelReference: string | null;
  resolution: 'refund' | 'exchange' | null;
  refundId: string | null;
  refundAmount: number | null;
  exchange: { difference: number; paymentStatus: 'pending' | 'paid' | 'none' | null; paymentUrl: string | null } | null;
  lines: ReturnLineView[];
  requestedAt: string;
  decidedAt: string | null;
  receivedAt: string | null;
  closedAt: string | null;
}

export interface ReturnableLine {
  orderLineId: string;
  title: string;
  variantTitle: string | null;
  quantity: number;
  /** Units that can still be asked back: bought − refunded − in open returns. */
  returnable: number;
}

export interface Returnability {
  policy: ReturnPolicy;
  /** When the window closes (null: the order is not delivered yet). */
  deadline: string | null;
  open: boolean;
  /** Why not, when closed: `disabled`, `not_delivered`, `not_paid`, `window_closed`, `nothing_left`. */
  why: string | null;
  lines: ReturnableLine[];
}

export interface RequestReturnInput {
  lines: readonly { orderLineId: string; quantity: number }[];
  reason: string;
  note?: string | null;
  photos?: readonly string[];
}

export interface ReceiveInput {
  /** Each line of the return with its condition; a line not listed is not restocked. */
  lines?: readonly { orderLineId: string; restock: boolean; note?: string | null }[];
}

export interface ReturnServiceOptions extends OrderServiceOptions {
  /** Where the shopper pays an exchange's difference and comes back to (the order status page); default none. */
  exchangeUrls?: (order: OrderDetail) => { returnUrl: string; cancelUrl: string; hostedPayUrl: string };
}

export interface ReturnListQuery {
  status?: ReturnStatus;
  orderId?: string;
  cursor?: string;
  limit: number;
}

const DAY_MS = 86_400_000;
const invalid = (path: string, message: string) => new AppError(ErrorCode.ValidationFailed, `${path}: ${message}`, { details: [{ path, message }] });
const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

export class ReturnService {
  private readonly providers: PaymentProviders;
  constructor(
    private readonly t: Kysely<TenantDatabase>,
    private readonly opts: ReturnServiceOptions,
  ) {
    this.providers = opts.providers ?? new PaymentProviders();
  }

  private orders(trx: Kysely<TenantDatabase>, withMail = false): OrderService {
    return new OrderService(trx, withMail ? this.opts : { ...this.opts, mail: undefined });
  }

  /** What the shopper can still return of an order, and whether the window is open. */
  async returnability(orderId: string, now = new Date()): Promise<Returnability> {
    return this.returnabilityIn(this.t, orderId, now);
  }

  private async returnabilityIn(trx: Kysely<TenantDatabase>, orderId: string, now: Date): Promise<Returnability> {
    const policy = await loadReturnPolicy(trx);
    const o = await trx.selectFrom('orders').select(['payment_status', 'fulfillment_status', 'fulfilled_at']).where('id', '=', orderId).executeTakeFirst();
    if (!o) throw new AppError(ErrorCode.NotFound, 'Order not found');
    const rows = await trx
      .selectFrom('order_lines as l')
      .select((eb) => [
        'l.id',
        'l.title',
        'l.variant_title',
        'l.quantity',
        'l.refunded_quantity',
        eb
          .selectFrom('return_lines as rl')
          .innerJoin('returns as r', 'r.id', 'rl.return_id')
          .select(sql<number>`coalesce(sum(rl.quantity), 0)::int`.as('q'))
          .whereRef('rl.order_line_id', '=', 'l.id')
          .where('r.status', 'in', [...OPEN_RETURN_STATUSES])
          .as('pending'),
      ])
      .where('l.order_id', '=', orderId)
      .orderBy('l.position')
      .execute();
    const lines = rows.map((l) => ({
      orderLineId: l.id,
      title: l.title,
      variantTitle: l.variant_title,
      quantity: l.quantity,
      returnable: Math.max(0, l.quantity - l.refunded_quantity - Number(l.pending ?? 0)),
    }));
    const deadline = o.fulfilled_at ? new Date(new Date(o.fulfilled_at).getTime() + policy.windowDays * DAY_MS) : null;
    const why = !policy.enabled
      ? 'disabled'
      : o.payment_status !== 'paid' && o.payment_status !== 'partially_refunded' && o.payment_status !== 'refunded'
        ? 'not_paid'
        : o.fulfillment_status !== 'fulfilled' || !deadline
          ? 'not_delivered'
          : now.getTime() > deadline.getTime()
            ? 'window_closed'
            : lines.every((l) => l.returnable === 0)
              ? 'nothing_left'
              : null;
    return { policy, deadline: iso(deadline), open: why === null, why, lines };
  }

  /**
   * The shopper's request (order status page or account). Under the order's row lock: the window must be open and
   * each line's units at most what was bought, not refunded and not in another open return. The key makes a
   * resubmitted form create one return.
   */
  async request(orderId: string, input: RequestReturnInput, o: { idempotencyKey?: string; now?: Date } = {}): Promise<ReturnView> {
    const now = o.now ?? new Date();
    const reason = input.reason.trim();
    if (!reason) throw invalid('reason', 'required');
    if (!input.lines.length) throw invalid('lines', 'choose at least one item');
    let id: string | null = null;
    try {
      id = await this.t.transaction().execute(async (trx) => {
        if (o.idempotencyKey) {
          const prior = await trx.selectFrom('returns').select(['id', 'order_id']).where('idempotency_key', '=', o.idempotencyKey).executeTakeFirst();
          if (prior) {
            if (prior.order_id !== orderId) throw new AppError(ErrorCode.IdempotencyKeyReused, 'This key was used for another return');
            return prior.id;
          }
        }
        const order = await trx.selectFrom('orders').select(['id']).where('id', '=', orderId).forUpdate().executeTakeFirst();
        if (!order) throw new AppError(ErrorCode.NotFound, 'Order not found');
        const r = await this.returnabilityIn(trx, orderId, now);
        if (r.why && r.why !== 'nothing_left') {
          throw new AppError(
            r.why === 'window_closed' || r.why === 'disabled' ? ErrorCode.ReturnWindowClosed : ErrorCode.InvalidState,
            r.why === 'window_closed'
              ? `Returns for this order closed on ${r.deadline?.slice(0, 10)}`
              : r.why === 'disabled'
                ? 'This store does not take returns online'
                : r.why === 'not_delivered'
                  ? 'This order has not been delivered yet'
                  : 'This order cannot be returned',
          );
        }
        const byId = new Map(r.lines.map((l) => [l.orderLineId, l]));
        const seen = new Set<string>();
        for (const [i, l] of input.lines.entries()) {
          const line = byId.get(l.orderLineId);
          if (!line) throw invalid(`lines.${i}.orderLineId`, 'not a line of this order');
          if (seen.has(l.orderLineId)) throw invalid(`lines.${i}.orderLineId`, 'listed twice');
          seen.add(l.orderLineId);
          if (!Number.isSafeInteger(l.quantity) || l.quantity < 1 || l.quantity > line.returnable)
            throw new AppError(ErrorCode.ValidationFailed, `lines.${i}.quantity: 1 to ${line.returnable} (${line.title})`, {
              details: [{ path: `lines.${i}.quantity`, message: line.returnable === 0 ? 'nothing left to return of this item' : `at most ${line.returnable}` }],
            });
        }
        const returnId = newId();
        await trx
          .insertInto('returns')
          .values({
            id: returnId,
            order_id: orderId,
            reason: reason.slice(0, 500),
            customer_note: input.note?.trim().slice(0, 2000) || null,
            photos: JSON.stringify((input.photos ?? []).slice(0, 5)),
            merchant_note: null,
            label_reference: null,
            resolution: null,
            refund_id: null,
            refund_amount: null,
            exchange_difference: null,
            exchange_tax: null,
            exchange_payment_status: null,
            exchange_payment_reference: null,
            exchange_payment_url: null,
            idempotency_key: o.idempotencyKey ?? null,
            requested_at: now,
            updated_at: now,
          })
          .execute();
        await trx
          .insertInto('return_lines')
          .values(
            input.lines.map((l) => ({
              id: newId(),
              return_id: returnId,
              order_line_id: l.orderLineId,
              quantity: l.quantity,
              restock: null,
              condition_note: null,
              exchange_variant_id: null,
              exchange_unit_price: null,
            })),
          )
          .execute();
        const units = input.lines.reduce((n, l) => n + l.quantity, 0);
        await this.step(trx, returnId, 'return.requested', 'requested', `Return requested (${units} ${units === 1 ? 'unit' : 'units'}): ${reason}`, {
          units,
          reason,
        });
        return returnId;
      });
    } catch (e) {
      // The same key submitted twice at once: the loser answers with the winner's return.
      if (!(o.idempotencyKey && isUniqueViolation(e))) throw e;
      id = (await this.t.selectFrom('returns').select('id').where('idempotency_key', '=', o.idempotencyKey).executeTakeFirstOrThrow()).id;
    }
    this.opts.onMailWritten?.();
    return this.getOrThrow(id as string);
  }

  /** requested → approved, with an optional note and return label reference (mailed to the shopper). */
  async approve(id: string, input: { note?: string | null; labelReference?: string | null } = {}): Promise<ReturnView> {
    return this.transition(id, 'requested', 'approved', async (trx) => {
      await trx
        .updateTable('returns')
        .set({ merchant_note: input.note?.trim() || null, label_reference: input.labelReference?.trim() || null })
        .where('id', '=', id)
        .execute();
      return { event: 'return.approved', mail: 'approved', message: `Return approved${input.labelReference ? ` (label ${input.labelReference})` : ''}` };
    });
  }

  /** requested → declined (closed), with the note the shopper gets. */
  async decline(id: string, input: { note?: string | null } = {}): Promise<ReturnView> {
    return this.transition(id, 'requested', 'declined', async (trx) => {
      await trx
        .updateTable('returns')
        .set({ merchant_note: input.note?.trim() || null, closed_at: new Date() })
        .where('id', '=', id)
        .execute();
      return { event: 'return.declined', mail: 'declined', message: `Return declined${input.note ? `: ${input.note}` : ''}` };
    });
  }

  /** Sets or changes the return label reference of an approved return (mailed again). */
  async setLabel(id: string, labelReference: string): Promise<ReturnView> {
    const label = labelReference.trim();
    if (!label) throw invalid('labelReference', 'required');
    const changed = await this.t.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable('returns')
        .set({ label_reference: label, updated_at: new Date() })
        .where('id', '=', id)
        .where('status', '=', 'approved')
        .where(sql<boolean>`label_reference is distinct from ${label}`)
        .returning('order_id')
        .executeTakeFirst();
      if (!row) {
        const cur = await this.row(trx, id);
        if (cur.status !== 'approved') throw new AppError(ErrorCode.InvalidState, `A ${cur.status} return has no label to change`);
        return false;
      }
      await this.orderEvent(trx, row.order_id, 'return_label', `Return label ${label}`, { label });
      await this.mail(trx, id, 'approved', `return-label-${label}`);
      return true;
    });
    if (changed) this.opts.onMailWritten?.();
    return this.getOrThrow(id);
  }

  /**
   * approved → received, with each line's condition: restocked lines go back into stock through the inventory ledger
   * (reason `returned`, keyed by the return line, so a replay restocks once).
   */
  async receive(id: string, input: ReceiveInput = {}): Promise<ReturnView> {
    return this.transition(id, 'approved', 'received', async (trx, r) => {
      const lines = await trx
        .selectFrom('return_lines as rl')
        .innerJoin('order_lines as l', 'l.id', 'rl.order_line_id')
        .select(['rl.id', 'rl.order_line_id', 'rl.quantity', 'l.variant_id'])
        .where('rl.return_id', '=', id)
        .execute();
      const cond = new Map((input.lines ?? []).map((l) => [l.orderLineId, l]));
      for (const [i, l] of (input.lines ?? []).entries())
        if (!lines.some((x) => x.order_line_id === l.orderLineId)) throw invalid(`lines.${i}.orderLineId`, 'not a line of this return');
      let restocked = 0;
      for (const l of lines) {
        const c = cond.get(l.order_line_id);
        const restock = c?.restock === true && l.variant_id !== null;
        await trx
          .updateTable('return_lines')
          .set({ restock, condition_note: c?.note?.trim() || null })
          .where('id', '=', l.id)
          .execute();
        if (restock && l.variant_id) {
          await applyStockDelta(trx, l.variant_id, l.quantity, { reason: 'returned', idempotencyKey: `return-restock:${l.id}` });
          restocked += l.quantity;
        }
      }
      await trx.updateTable('returns').set({ received_at: new Date() }).where('id', '=', id).execute();
      void r;
      return { event: 'return.received', mail: 'received', message: `Return received${restocked ? ` (${restocked} restocked)` : ''}` };
    });
  }

  /**
   * What refunding the return would give back now: its units at their paid value (after discount allocation, with
   * tax), plus shipping when the policy says so, split into what goes to the provider and to gift cards.
   */
  async refundQuote(id: string): Promise<{ amount: number; shipping: number; parts: PlannedRefundPart[]; tenders: { provider: number; giftCards: number } }> {
    const r = await this.row(this.t, id);
    const req = await this.refundRequestOf(this.t, r.order_id, id);
    const preview = await this.orders(this.t).previewRefund(r.order_id, req);
    return { amount: preview.amount, shipping: req.shipping ?? 0, parts: preview.parts, tenders: preview.tenders };
  }

  private async refundRequestOf(trx: Kysely<TenantDatabase>, orderId: string, id: string) {
    const lines = await trx.selectFrom('return_lines').select(['order_line_id', 'quantity']).where('return_id', '=', id).execute();
    const policy = await loadReturnPolicy(trx);
    let shipping = 0;
    if (policy.shippingRefund === 'full_return') {
      // Shipping comes back when this return takes back every unit not refunded yet.
      const all = await trx.selectFrom('order_lines').select(['id', 'quantity', 'refunded_quantity']).where('order_id', '=', orderId).execute();
      const back = new Map(lines.map((l) => [l.order_line_id, l.quantity]));
      if (all.every((l) => l.quantity - l.refunded_quantity <= (back.get(l.id) ?? 0))) {
        const o = await this.orders(trx).refundable(trx, await trx.selectFrom('orders').selectAll().where('id', '=', orderId).executeTakeFirstOrThrow());
        shipping = shippingLeft(o);
      }
    }
    return { lines: lines.map((l) => ({ orderLineId: l.order_line_id, quantity: l.quantity, restock: false })), ...(shipping > 0 ? { shipping } : {}) };
  }

  /**
   * received → refunded: one refund through the order's refund lines (provider first, then the gift cards that
   * paid), keyed by the return so it happens once. Restocking happened at receipt, so the refund does not restock.
   */
  async refund(id: string): Promise<ReturnView> {
    return this.transition(id, 'received', 'refunded', async (trx, r) => {
      if (r.resolution === 'exchange') throw new AppError(ErrorCode.InvalidState, 'This return is being exchanged');
      const req = await this.refundRequestOf(trx, r.order_id, id);
      const done = await this.orders(trx).refundIn(trx, r.order_id, { ...req, reason: `Return: ${r.reason}` }, `return:${id}`);
      await trx
        .updateTable('returns')
        .set({ resolution: 'refund', refund_id: done.refundId, refund_amount: done.amount, closed_at: new Date() })
        .where('id', '=', id)
        .execute();
      return { event: 'return.closed', mail: 'refunded', message: `Return refunded (${done.amount})`, alsoRefunded: true };
    });
  }

  /**
   * received → exchanged: the returned units are replaced by units of other variants (stock taken now). The price
   * difference (new units at today's price in the order's currency − what the returned units were paid) is refunded to the original tenders
   * when negative; when positive the shopper pays it through the order's provider (the return closes when that
   * payment is confirmed: `confirmExchangePayment`, called by the provider's webhook).
   */
  async exchange(id: string, input: { lines: readonly { orderLineId: string; variantId: string }[] }): Promise<ReturnView> {
    const pay = await this.t.transaction().execute(async (trx) => {
      const r = await this.row(trx, id, true);
      if (r.status === 'exchanged' || (r.status === 'received' && r.resolution === 'exchange')) return null;
      if (r.status !== 'received') throw new AppError(ErrorCode.InvalidState, `A ${r.status} return cannot be exchanged`);
      const order = await trx.selectFrom('orders').selectAll().where('id', '=', r.order_id).forUpdate().executeTakeFirstOrThrow();
      if ((order.store_currency ?? order.currency) !== this.opts.store.currency)
        throw new AppError(ErrorCode.InvalidState, 'This order was placed before the store changed its currency; refund instead');
      const lines = await trx.selectFrom('return_lines').select(['id', 'order_line_id', 'quantity']).where('return_id', '=', id).execute();
      const refundable = await this.orders(trx).refundable(trx, order);
      const want = new Map(input.lines.map((l) => [l.orderLineId, l.variantId]));
      if (!input.lines.length) throw invalid('lines', 'choose a replacement for at least one item');
      for (const [i, l] of input.lines.entries())
        if (!lines.some((x) => x.order_line_id === l.orderLineId)) throw invalid(`lines.${i}.orderLineId`, 'not a line of this return');
      let oldValue = 0;
      let oldTax = 0;
      let newValue = 0;
      const replacements: { key: string; taxClass: string; amount: number }[] = [];
      for (const [i, l] of lines.entries()) {
        const variantId = want.get(l.order_line_id);
        if (!variantId) continue;
        const line = refundable.lines.find((x) => x.id === l.order_line_id);
        if (!line) continue;
        const back = unitsValue(line, refundable.taxIncluded, l.quantity);
        oldValue += back.amount;
        oldTax += back.tax;
        const found = await trx
          .selectFrom('variants as v')
          .innerJoin('products as p', 'p.id', 'v.product_id')
          .select(['v.id', 'v.price', 'p.tax_class'])
          .where('v.id', '=', variantId)
          .executeTakeFirst();
        if (!found) throw invalid(`lines.${i}.variantId`, 'no such variant');
        const v = { id: found.id, price: await exchangePrice(trx, order, found) };
        const after = await applyStockDelta(trx, variantId, -l.quantity, { reason: 'exchange', idempotencyKey: `exchange:${l.id}` });
        if (after === null)
          throw new AppError(ErrorCode.InsufficientStock, 'Not enough stock of the replacement', { details: [{ path: `lines.${i}.variantId` }] });
        newValue += v.price * l.quantity;
        replacements.push({ key: l.id, taxClass: found.tax_class ?? 'standard', amount: v.price * l.quantity });
        await trx.updateTable('return_lines').set({ exchange_variant_id: variantId, exchange_unit_price: v.price }).where('id', '=', l.id).execute();
      }
      // The returned units' value includes the tax they were charged; the replacements carry theirs the same way.
      const tax = await replacementTax(trx, order, replacements);
      newValue += tax;
      const difference = newValue - oldValue;
      // The tax inside the difference (analytics book a charge net of it, and it as tax, as an order's): when tax was
      // added on top, the replacement's tax less the returned units'. With tax inside the prices the difference is the
      // prices' difference, booked whole as sales like an order's tax-inclusive subtotal.
      const exchangeTax = order.tax_included ? 0 : tax - oldTax;
      const withTax = tax > 0 ? `, incl. ${tax} tax on the replacement` : '';
      const now = new Date();
      if (difference < 0) {
        const done = await this.orders(trx).refundIn(trx, r.order_id, { amount: -difference, reason: `Exchange: ${r.reason}` }, `return:${id}`);
        await trx.updateTable('returns').set({ refund_id: done.refundId, refund_amount: done.amount }).where('id', '=', id).execute();
      }
      if (difference <= 0) {
        await trx
          .updateTable('returns')
          .set({
            status: 'exchanged',
            resolution: 'exchange',
            exchange_difference: difference,
            exchange_tax: exchangeTax,
            exchange_payment_status: 'none',
            closed_at: now,
            updated_at: now,
          })
          .where('id', '=', id)
          .where('status', '=', 'received')
          .execute();
        await this.step(trx, id, 'return.closed', 'exchanged', `Return exchanged${difference < 0 ? ` (${-difference} refunded${withTax})` : ''}`, {
          ...(difference < 0 ? { refunded: -difference } : {}),
          ...(tax > 0 ? { tax } : {}),
        });
        return null;
      }
      // The shopper pays the difference through the order's provider (Stripe: a Checkout Session for the amount).
      if (order.payment_provider === GIFT_CARD_PROVIDER || !this.providers.has(order.payment_provider))
        throw new AppError(ErrorCode.InvalidState, 'This order has no payment provider to charge the difference through');
      const provider = this.providers.get(order.payment_provider);
      const detail = await this.orders(trx).detailOrThrow(r.order_id);
      const urls = this.opts.exchangeUrls?.(detail) ?? { returnUrl: '', cancelUrl: '', hostedPayUrl: '' };
      const started = await provider.start({
        orderId: r.order_id,
        orderNumber: order.number,
        amount: difference,
        currency: order.currency,
        email: order.email,
        idempotencyKey: `exchange:${id}`,
        ...urls,
        returnId: id,
      });
      await trx
        .updateTable('returns')
        .set({
          resolution: 'exchange',
          exchange_difference: difference,
          exchange_tax: exchangeTax,
          exchange_payment_status: 'pending',
          exchange_payment_reference: started.reference,
          exchange_payment_url: started.redirectUrl || null,
          updated_at: now,
        })
        .where('id', '=', id)
        .execute();
      await this.orderEvent(trx, r.order_id, 'return_exchange', `Exchange: ${difference} to pay${withTax ? ` (${withTax.slice(2)})` : ''}`, {
        toPay: difference,
        ...(tax > 0 ? { tax } : {}),
      });
      return true;
    });
    void pay;
    return this.getOrThrow(id);
  }

  /**
   * The exchange difference was paid (provider webhook, or the merchant for the manual provider): records the charge
   * and closes the return as exchanged, once.
   */
  async confirmExchangePayment(id: string, p: { provider: string; reference: string; amount: number }): Promise<{ applied: boolean }> {
    const applied = await this.t.transaction().execute(async (trx) => {
      const r = await this.row(trx, id, true);
      if (r.status !== 'received' || r.exchange_payment_status !== 'pending') return false;
      if (p.amount !== r.exchange_difference) throw new AppError(ErrorCode.Conflict, 'The payment does not match the exchange difference');
      const now = new Date();
      await trx
        .insertInto('payments')
        .values({
          id: newId(),
          order_id: r.order_id,
          kind: 'charge',
          provider: p.provider,
          amount: p.amount,
          status: 'succeeded',
          reference: p.reference,
          reason: EXCHANGE_CHARGE_REASON,
          // Exchanges priced before the tax was stored with them: none (the charge counts whole as sales, as it did).
          tax: r.exchange_tax ?? 0,
          idempotency_key: `exchange:${id}`,
          created_at: now,
        })
        .execute();
      await trx
        .updateTable('returns')
        .set({ status: 'exchanged', exchange_payment_status: 'paid', exchange_payment_reference: p.reference, closed_at: now, updated_at: now })
        .where('id', '=', id)
        .execute();
      await this.step(trx, id, 'return.closed', 'exchanged', `Return exchanged (${p.amount} paid)`, { paid: p.amount });
      return true;
    });
    if (applied) this.opts.onMailWritten?.();
    return { applied };
  }

  /**
   * One transition: the conditional update from `from` to `to` decides who does the work; a concurrent or repeated
   * call that finds the return already in `to` answers with it, anything else is 409.
   */
  private async transition(
    id: string,
    from: ReturnStatus,
    to: ReturnStatus,
    work: (trx: Tx, r: ReturnRow) => Promise<{ event: WebhookEventType; mail: ReturnMailStep; message: string; alsoRefunded?: boolean }>,
  ): Promise<ReturnView> {
    const did = await this.t.transaction().execute(async (trx) => {
      const now = new Date();
      const moved = await trx
        .updateTable('returns')
        .set({ status: to, updated_at: now, ...(from === 'requested' ? { decided_at: now } : {}) })
        .where('id', '=', id)
        .where('status', '=', from)
        .returningAll()
        .executeTakeFirst();
      if (!moved) {
        const cur = await this.row(trx, id);
        if (cur.status === to) return false;
        throw new AppError(ErrorCode.InvalidState, `This return is ${cur.status}; it cannot become ${to}`);
      }
      const r = await work(trx, moved as ReturnRow);
      await this.step(trx, id, r.event, r.mail, r.message);
      if (r.alsoRefunded) await this.webhook(trx, 'return.refunded', moved.order_id, id);
      return true;
    });
    if (did) this.opts.onMailWritten?.();
    return this.getOrThrow(id);
  }

  /** The webhook event, the order timeline entry and the shopper's mail of a step. */
  private async step(trx: Tx, id: string, event: WebhookEventType, mail: ReturnMailStep, message: string, data: OrderEventData = {}) {
    const { order_id } = await this.row(trx, id);
    await this.orderEvent(trx, order_id, `return_${mail}`, message, data);
    await this.webhook(trx, event, order_id, id);
    await this.mail(trx, id, mail, `return-${mail}`);
  }

  private async webhook(trx: Tx, type: WebhookEventType, orderId: string, id: string) {
    await markOrderForAnalytics(trx, orderId);
    await emitWebhookEvent(trx, {
      type,
      resourceKey: `order:${orderId}`,
      data: async () => ({ return: await this.get(id, trx), order: await this.orders(trx).detail(orderId) }),
    });
  }

  private async orderEvent(trx: Tx, orderId: string, type: string, message: string, data: OrderEventData = {}) {
    await trx
      .insertInto('order_events')
      .values({ id: newId(), order_id: orderId, type, message, data: JSON.stringify(data), created_at: new Date() })
      .execute();
  }

  private async mail(trx: Tx, id: string, step: ReturnMailStep, kind: string) {
    if (!this.opts.mail || !this.opts.mailContext) return;
    const r = await this.get(id, trx);
    if (!r) return;
    const order = await this.orders(trx).detail(r.orderId);
    if (!order) return;
    const m = returnMail(step, r, order, this.opts.mailContext(order));
    await this.opts.mail.enqueue(
      {
        kind: `return-${step}`,
        to: order.email,
        subject: m.subject,
        text: m.text,
        html: m.html,
        storeId: this.opts.store.id,
        dedupKey: `${kind}:${this.opts.store.id}:${id}`,
      },
      trx as never,
    );
  }

  private async row(trx: Kysely<TenantDatabase>, id: string, lock = false): Promise<ReturnRow> {
    let q = trx.selectFrom('returns').selectAll().where('id', '=', id);
    if (lock) q = q.forUpdate();
    const r = await q.executeTakeFirst();
    if (!r) throw new AppError(ErrorCode.NotFound, 'Return not found');
    return r as ReturnRow;
  }

  async get(id: string, trx: Kysely<TenantDatabase> = this.t): Promise<ReturnView | null> {
    const r = await trx
      .selectFrom('returns as r')
      .innerJoin('orders as o', 'o.id', 'r.order_id')
      .selectAll('r')
      .select(['o.number', 'o.email', 'o.currency'])
      .where('r.id', '=', id)
      .executeTakeFirst();
    if (!r) return null;
    const lines = await trx
      .selectFrom('return_lines as rl')
      .innerJoin('order_lines as l', 'l.id', 'rl.order_line_id')
      .select([
        'rl.id',
        'rl.order_line_id',
        'rl.quantity',
        'rl.restock',
        'rl.condition_note',
        'rl.exchange_variant_id',
        'rl.exchange_unit_price',
        'l.title',
        'l.variant_title',
        'l.sku',
      ])
      .where('rl.return_id', '=', id)
      .orderBy('l.position')
      .execute();
    return toReturnView(r as ReturnRow & { number: number; email: string; currency: string }, lines);
  }

  async getOrThrow(id: string): Promise<ReturnView> {
    const r = await this.get(id);
    if (!r) throw new AppError(ErrorCode.NotFound, 'Return not found');
    return r;
  }

  /** The returns of one order, oldest first (order status page, order detail). */
  async forOrder(orderId: string): Promise<ReturnView[]> {
    const ids = await this.t.selectFrom('returns').select('id').where('order_id', '=', orderId).orderBy('requested_at').orderBy('id').execute();
    return (await Promise.all(ids.map((r) => this.get(r.id)))).filter((r): r is ReturnView => r !== null);
  }

  /** Newest first; the cursor is the last id seen (UUIDv7, time-ordered). */
  async list(q: ReturnListQuery): Promise<{ items: ReturnView[]; nextCursor: string | null }> {
    let query = this.t
      .selectFrom('returns')
      .select('id')
      .orderBy('id', 'desc')
      .limit(q.limit + 1);
    if (q.status) query = query.where('status', '=', q.status);
    if (q.orderId) query = query.where('order_id', '=', q.orderId);
    if (q.cursor) query = query.where('id', '<', q.cursor);
    const rows = await query.execute();
    const page = rows.slice(0, q.limit);
    const items = (await Promise.all(page.map((r) => this.get(r.id)))).filter((r): r is ReturnView => r !== null);
    return { items, nextCursor: rows.length > q.limit ? (page.at(-1)?.id ?? null) : null };
  }
}

interface ReturnRow {
  id: string;
  order_id: string;
  status: ReturnStatus;
  reason: string;
  customer_note: string | null;
  photos: string[] | string;
  merchant_note: string | null;
  label_reference: string | null;
  resolution: 'refund' | 'exchange' | null;
  refund_id: string | null;
  refund_amount: number | null;
  exchange_difference: number | null;
  exchange_tax: number | null;
  exchange_payment_status: 'pending' | 'paid' | 'none' | null;
  exchange_payment_reference: string | null;
  exchange_payment_url: string | null;
  requested_at: Date | string;
  decided_at: Date | string | null;
  received_at: Date | string | null;
  closed_at: Date | string | null;
}

function toReturnView(
  r: ReturnRow & { number: number; email: string; currency: string },
  lines: {
    id: string;
    order_line_id: string;
    quantity: number;
    restock: boolean | null;
    condition_note: string | null;
    exchange_variant_id: string | null;
    exchange_unit_price: number | null;
    title: string;
    variant_title: string | null;
    sku: string | null;
  }[],
): ReturnView {
  const photos = typeof r.photos === 'string' ? (JSON.parse(r.photos) as string[]) : r.photos;
  return {
    id: r.id,
    orderId: r.order_id,
    orderNumber: r.number,
    email: r.email,
    currency: r.currency,
    status: r.status,
    reason: r.reason,
    customerNote: r.customer_note,
    photos,
    merchantNote: r.merchant_note,
    labelReference: r.label_reference,
    resolution: r.resolution,
    refundId: r.refund_id,
    refundAmount: r.refund_amount,
    exchange:
      r.exchange_difference === null
        ? null
        : {
            difference: r.exchange_difference,
            paymentStatus: r.exchange_payment_status,
            paymentUrl: r.exchange_payment_status === 'pending' ? r.exchange_payment_url : null,
          },
    lines: lines.map((l) => ({
      id: l.id,
      orderLineId: l.order_line_id,
      title: l.title,
      variantTitle: l.variant_title,
      sku: l.sku,
      quantity: l.quantity,
      restock: l.restock,
      conditionNote: l.condition_note,
      exchangeVariantId: l.exchange_variant_id,
      exchangeUnitPrice: l.exchange_unit_price,
    })),
    requestedAt: iso(r.requested_at) as string,
    decidedAt: iso(r.decided_at),
    receivedAt: iso(r.received_at),
    closedAt: iso(r.closed_at),
  };
}

/**
 * A replacement unit's price in the order's currency, priced as the order was: the store price for orders in the store
 * currency; for a market order the market's fixed price when it has one now, else the store price converted at the
 * order's own rate (not the market's current one) and rounded to the market's increment, as the checkout did.
 */
async function exchangePrice(
  trx: Kysely<TenantDatabase>,
  order: { market_id: string | null; currency: string; store_currency: string | null; exchange_rate: string; tax_included: boolean },
  variant: { id: string; price: number },
): Promise<number> {
  const storeCurrency = order.store_currency ?? order.currency;
  if (order.currency === storeCurrency && order.exchange_rate === '1') return variant.price;
  const row = order.market_id
    ? await trx.selectFrom('markets').select(['id', 'name', 'rounding_increment', 'tax_inclusive']).where('id', '=', order.market_id).executeTakeFirst()
    : undefined;
  const market: PricingMarket = {
    id: row?.id ?? null,
    name: row?.name ?? '',
    countries: [],
    currency: order.currency,
    storeCurrency,
    rate: { rate: order.exchange_rate, asOf: null, source: 'market' },
    roundingIncrement: row?.rounding_increment ?? 1,
    taxInclusive: row?.tax_inclusive ?? order.tax_included,
    languages: [],
  };
  const fixed = row ? (await fixedMarketPrices(trx, row.id, [variant.id])).get(variant.id) : undefined;
  return marketPrice(market, variant.price, fixed);
}

/**
 * The tax on replacement units, charged the way the order's checkout charged it: nothing when its prices included
 * tax (the difference of the prices already carries it) or under reverse charge; with destination rates (the store
 * has some and the order a taxed country), the store's rates for that country and region at each replacement's tax
 * class; otherwise the store's flat rate. Rounded half up once over the replacements (per rate), as the checkout rounds an order's tax.
 */
async function replacementTax(
  trx: Kysely<TenantDatabase>,
  order: { tax_included: boolean; reverse_charge: boolean; tax_country: string | null; shipping_address: { region?: string | null } | null },
  items: readonly { key: string; taxClass: string; amount: number }[],
): Promise<number> {
  if (order.tax_included || order.reverse_charge || !items.length) return 0;
  // As the checkout's tax step: destination rates when the store has them and the order has a destination.
  const rates = order.tax_country ? await loadTaxRates(trx) : [];
  if (order.tax_country && rates.length) {
    const computed = await tableTaxProvider(rates).calculate({
      country: order.tax_country,
      region: order.shipping_address?.region?.trim().toUpperCase() || null,
      inclusive: false,
      items,
    });
    return computed.tax;
  }
  const { tax } = await loadSettings(trx);
  return applyTax(
    items.reduce((n, i) => n + i.amount, 0),
    { ...tax, includedInPrices: false },
  ).tax;
}
