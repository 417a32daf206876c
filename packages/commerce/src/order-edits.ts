/**
 * Editing a placed, paid order (issue 21): add items, remove items, change quantities. An edit is **staged** first
 * (its changes and a preview of the money: what the added items cost now, what the removed units are worth), then
 * **committed** once, in one transaction under the order's row lock:
 *
 * - added items become new order lines priced through the checkout pipeline (the order's market, destination tax;
 *   no shipping), their stock taken through the inventory ledger (reason `order_edit`), and the difference charged
 *   on the order's payment method through its provider (`PaymentProvider.charge`: Stripe off session on the kept
 *   card; the manual provider records it) as a `charge` payment;
 * - removed units are refunded through refund lines (`OrderService.refundIn`: the line's paid value, restocked);
 * - the order's totals grow by the added lines, `edit_count` rises, the timeline gets an `edited` entry and the
 *   `order.edited` webhook is written with the edit; the analytics worker recomputes the order.
 *
 * A staged edit commits only against the `edit_count` it was staged on: of two edits staged together, the first
 * commit wins and the second is refused (409), so nobody commits changes computed on an order that changed since.
 */
import { applyStockDelta } from '@storeloom/catalog';
import { isUuid, type Kysely, newId, type Order, type OrderEditChange, sql, type TenantDatabase, type Transaction } from '@storeloom/db';
import { AppError, ErrorCode } from '@storeloom/errors';
import type { CartLineView } from './cart.ts';
import { draftSettings } from './drafts.ts';
import { marketSettings, primaryMarket, storeAmount } from './markets.ts';
import type { OrderService } from './orders.ts';
import type { PaymentProviders } from './payments.ts';
import { planRefund } from './refunds.ts';
import type { StorefrontSettings } from './settings.ts';
import { pricingDestination } from './tax.ts';

export interface OrderEditDeps {
  store: { id: string; currency: string };
  orders: (t: Kysely<TenantDatabase>) => OrderService;
  providers: PaymentProviders;
  settings: (t: Kysely<TenantDatabase>) => Promise<StorefrontSettings>;
}

export interface OrderEditView {
  id: string;
  orderId: string;
  status: 'staged' | 'committed' | 'discarded';
  changes: OrderEditChange[];
  note: string | null;
  /** What the edit adds (priced now) and removes (what the units were paid), and the net for the customer. */
  preview: {
    added: { variantId: string; title: string; variantTitle: string | null; quantity: number; unitPrice: number; total: number; tax: number }[];
    removed: { orderLineId: string; title: string; quantity: number; amount: number }[];
    charge: number;
    refund: number;
    totalBefore: number;
    totalAfter: number;
  } | null;
  totalBefore: number | null;
  totalAfter: number | null;
  chargePaymentId: string | null;
  refundPaymentId: string | null;
  createdAt: string;
  committedAt: string | null;
}

type Tx = Transaction<TenantDatabase>;
const invalid = (path: string, message: string) =>
  new AppError(ErrorCode.ValidationFailed, `${path}: ${message}`, { details: [{ path, message }] as unknown as Record<string, unknown> });
const editable = (o: Pick<Order, 'payment_status' | 'status'>) =>
  o.status === 'open' && (o.payment_status === 'paid' || o.payment_status === 'partially_refunded');

export class OrderEditService {
  constructor(
    private readonly t: Kysely<TenantDatabase>,
    private readonly d: OrderEditDeps,
  ) {}

  private async order(t: Kysely<TenantDatabase>, orderId: string, lock = false): Promise<Order> {
    if (!isUuid(orderId)) throw new AppError(ErrorCode.NotFound, 'Order not found');
    let q = t.selectFrom('orders').selectAll().where('id', '=', orderId);
    if (lock) q = q.forUpdate();
    const o = await q.executeTakeFirst();
    if (!o) throw new AppError(ErrorCode.NotFound, 'Order not found');
    return o;
  }

  /** Checks the changes against the order: lines of this order, variants of this store, quantities in range. */
  private async validate(t: Kysely<TenantDatabase>, orderId: string, changes: OrderEditChange[]) {
    if (!changes.length) throw invalid('changes', 'at least one change');
    if (changes.length > 50) throw invalid('changes', 'at most 50');
    const lines = await t.selectFrom('order_lines').select(['id', 'quantity', 'refunded_quantity']).where('order_id', '=', orderId).execute();
    const seen = new Set<string>();
    for (const [i, c] of changes.entries()) {
      if (!Number.isInteger(c.quantity) || c.quantity < 0 || c.quantity > 10_000) throw invalid(`changes.${i}.quantity`, '0 to 10000');
      if (c.type === 'add') {
        if (c.quantity < 1) throw invalid(`changes.${i}.quantity`, '1 to 10000');
        const ok = isUuid(c.variantId) && (await t.selectFrom('variants').select('id').where('id', '=', c.variantId).executeTakeFirst());
        if (!ok) throw invalid(`changes.${i}.variantId`, 'not a product of this store');
      } else {
        const line = lines.find((l) => l.id === c.orderLineId);
        if (!line) throw invalid(`changes.${i}.orderLineId`, 'not a line of this order');
        if (seen.has(c.orderLineId)) throw invalid(`changes.${i}.orderLineId`, 'changed twice');
        seen.add(c.orderLineId);
        const current = line.quantity - line.refunded_quantity;
        if (c.quantity > current) throw invalid(`changes.${i}.quantity`, `at most ${current} (add more units with an "add" change)`);
      }
    }
  }

  /** Stages an edit of a paid order. */
  async stage(orderId: string, input: { changes: OrderEditChange[]; note?: string | null }): Promise<OrderEditView> {
    const o = await this.order(this.t, orderId);
    if (!editable(o)) throw new AppError(ErrorCode.InvalidState, 'Only open, paid orders can be edited');
    await this.validate(this.t, orderId, input.changes);
    const id = newId();
    await this.t
      .insertInto('order_edits')
      .values({
        id,
        order_id: orderId,
        base_edit_count: o.edit_count,
        changes: JSON.stringify(input.changes),
        note: input.note?.trim() || null,
        total_before: null,
        total_after: null,
        charge_payment_id: null,
        refund_payment_id: null,
        created_at: new Date(),
      })
      .execute();
    return this.getOrThrow(orderId, id);
  }

  /** Replaces a staged edit's changes. */
  async update(orderId: string, editId: string, input: { changes: OrderEditChange[]; note?: string | null }): Promise<OrderEditView> {
    await this.validate(this.t, orderId, input.changes);
    const row = await this.t
      .updateTable('order_edits')
      .set({ changes: JSON.stringify(input.changes), ...(input.note !== undefined ? { note: input.note?.trim() || null } : {}) })
      .where('id', '=', isUuid(editId) ? editId : newId())
      .where('order_id', '=', orderId)
      .where('status', '=', 'staged')
      .returning('id')
      .executeTakeFirst();
    if (!row) await this.stagedOrThrow(this.t, orderId, editId);
    return this.getOrThrow(orderId, editId);
  }

  async discard(orderId: string, editId: string): Promise<OrderEditView> {
    const row = await this.t
      .updateTable('order_edits')
      .set({ status: 'discarded' })
      .where('id', '=', isUuid(editId) ? editId : newId())
      .where('order_id', '=', orderId)
      .where('status', '=', 'staged')
      .returning('id')
      .executeTakeFirst();
    if (!row) await this.stagedOrThrow(this.t, orderId, editId);
    return this.getOrThrow(orderId, editId);
  }

  private async stagedOrThrow(t: Kysely<TenantDatabase>, orderId: string, editId: string) {
    const e = isUuid(editId)
      ? await t.selectFrom('order_edits').selectAll().where('id', '=', editId).where('order_id', '=', orderId).executeTakeFirst()
      : undefined;
    if (!e) throw new AppError(ErrorCode.NotFound, 'Order edit not found');
    if (e.status !== 'staged') throw new AppError(ErrorCode.InvalidState, `This edit is ${e.status}`);
    return e;
  }

  /** Prices the edit against the order as it is now. */
  private async preview(t: Kysely<TenantDatabase>, o: Order, changes: OrderEditChange[]): Promise<NonNullable<OrderEditView['preview']>> {
    const orders = this.d.orders(t);
    // Added units: priced now, in the order's market, taxed for its destination; no shipping.
    const adds = new Map<string, number>();
    const lines = await t.selectFrom('order_lines').selectAll().where('order_id', '=', o.id).execute();
    for (const c of changes) if (c.type === 'add') adds.set(c.variantId, (adds.get(c.variantId) ?? 0) + c.quantity);
    let added: NonNullable<OrderEditView['preview']>['added'] = [];
    let charge = 0;
    if (adds.size) {
      const base = await this.d.settings(t);
      const settings = draftSettings(base, null);
      const market = base.markets?.find((m) => m.id === o.market_id) ?? primaryMarket(this.d.store.currency, base);
      const cartLines = await this.variantLines(t, adds);
      const address = o.shipping_address;
      const state = await orders.price(cartLines, {
        t,
        storeId: this.d.store.id,
        cartId: o.id,
        settings: marketSettings(settings, market),
        customerId: o.customer_id,
        email: o.email,
        codes: [],
        discountCodes: [],
        phase: 'quote',
        now: new Date(),
        market,
        destination: pricingDestination(settings, address?.country ?? null, address?.region ?? null, o.vat_id),
      });
      const perItem = state.tax?.perItem ?? {};
      const taxShares = state.tax ? null : state.totals.tax;
      let left = taxShares ?? 0;
      added = state.lines.map((l, i) => {
        const total = l.unitPrice * l.quantity;
        // The flat store rate taxes the whole addition: split over the lines by value (the last takes the rest).
        const tax =
          taxShares === null
            ? (perItem[l.variantId] ?? 0)
            : i === state.lines.length - 1
              ? left
              : Math.floor((taxShares * total) / Math.max(1, state.totals.subtotal));
        if (taxShares !== null) left -= tax;
        return { variantId: l.variantId, title: l.title, variantTitle: l.variantTitle, quantity: l.quantity, unitPrice: l.unitPrice, total, tax };
      });
      charge = state.totals.total;
    }
    // Removed units: what they were paid (refund lines), through the refund planner.
    const removals = changes.flatMap((c) => {
      if (c.type !== 'set_quantity') return [];
      const line = lines.find((l) => l.id === c.orderLineId);
      const current = line ? line.quantity - line.refunded_quantity : 0;
      return line && c.quantity < current ? [{ orderLineId: line.id, quantity: current - c.quantity, restock: true }] : [];
    });
    let removed: NonNullable<OrderEditView['preview']>['removed'] = [];
    let refund = 0;
    if (removals.length) {
      const plan = planRefund(await orders.refundable(t, o), { lines: removals });
      refund = plan.amount;
      removed = plan.parts
        .filter((p) => p.kind === 'line')
        .map((p) => ({
          orderLineId: p.orderLineId as string,
          title: lines.find((l) => l.id === p.orderLineId)?.title ?? '',
          quantity: p.quantity,
          amount: p.amount,
        }));
    }
    return { added, removed, charge, refund, totalBefore: o.total - o.refunded, totalAfter: o.total - o.refunded + charge - refund };
  }

  private async variantLines(t: Kysely<TenantDatabase>, adds: Map<string, number>): Promise<CartLineView[]> {
    const rows = await t
      .selectFrom('variants as v')
      .innerJoin('products as p', 'p.id', 'v.product_id')
      .select([
        'v.id',
        'p.id as product_id',
        'p.handle',
        'p.title',
        'v.title as variant_title',
        'v.sku',
        'v.price',
        'v.compare_at_price',
        'v.inventory_quantity',
        'v.weight_grams',
        'p.tax_class',
        // The variant's own image (Shopify's Variant Image) when it has one, else the product's first.
        (eb) =>
          eb.fn
            .coalesce('v.image_url', eb.selectFrom('images as i').select('i.url').whereRef('i.product_id', '=', 'p.id').orderBy('i.position').limit(1))
            .as('image_url'),
      ])
      .where('v.id', 'in', [...adds.keys()])
      .orderBy('v.id')
      .execute();
    return rows.map((r) => ({
      variantId: r.id,
      productId: r.product_id,
      handle: r.handle,
      title: r.title,
      variantTitle: r.variant_title === 'Default' || r.variant_title === 'Default Title' ? null : r.variant_title,
      sku: r.sku,
      quantity: adds.get(r.id) ?? 0,
      unitPrice: r.price,
      compareAtPrice: r.compare_at_price,
      available: r.inventory_quantity,
      weightGrams: r.weight_grams,
      imageUrl: r.image_url ?? null,
      taxClass: r.tax_class,
    }));
  }

  /**
   * Commits a staged edit (once): additions first (stock, lines, charge), then removals (refund lines, restock),
   * then the order's totals and history. A failed charge or missing stock rolls everything back.
   */
  async commit(orderId: string, editId: string): Promise<OrderEditView> {
    await this.t.transaction().execute(async (trx) => {
      const o = await this.order(trx, orderId, true);
      const e = await this.stagedOrThrow(trx, orderId, editId);
      if (o.edit_count !== e.base_edit_count)
        throw new AppError(ErrorCode.Conflict, 'The order changed since this edit was staged; review the edit and stage it again', {
          details: { editCount: o.edit_count },
        });
      if (!editable(o)) throw new AppError(ErrorCode.InvalidState, 'Only open, paid orders can be edited');
      const orders = this.d.orders(trx);
      const preview = await this.preview(trx, o, e.changes);
      const now = new Date();
      let chargePaymentId: string | null = null;
      if (preview.added.length) {
        for (const a of [...preview.added].sort((x, y) => (x.variantId < y.variantId ? -1 : 1))) {
          const left = await applyStockDelta(trx, a.variantId, -a.quantity, { reason: 'order_edit', idempotencyKey: `edit:${editId}:${a.variantId}` });
          if (left === null)
            throw new AppError(ErrorCode.InsufficientStock, `Not enough stock for ${a.title}`, { details: { variantId: a.variantId, title: a.title } });
        }
        const position = Number(
          (
            await trx
              .selectFrom('order_lines')
              .select(sql<number>`coalesce(max(position), -1) + 1`.as('n'))
              .where('order_id', '=', orderId)
              .executeTakeFirstOrThrow()
          ).n,
        );
        const rate = { currency: o.currency, storeCurrency: o.store_currency ?? o.currency, rate: { rate: o.exchange_rate } };
        const productOf = new Map(
          (
            await trx
              .selectFrom('variants')
              .select(['id', 'product_id'])
              .where(
                'id',
                'in',
                preview.added.map((a) => a.variantId),
              )
              .execute()
          ).map((r) => [r.id, r.product_id]),
        );
        await trx
          .insertInto('order_lines')
          .values(
            preview.added.map((a, i) => ({
              id: newId(),
              order_id: orderId,
              product_id: productOf.get(a.variantId) ?? null,
              variant_id: a.variantId,
              title: a.title,
              variant_title: a.variantTitle,
              sku: null,
              quantity: a.quantity,
              unit_price: a.unitPrice,
              store_unit_price: storeAmount(rate, a.unitPrice),
              tax: a.tax,
              total: a.total,
              image_url: null,
              position: position + i,
            })),
          )
          .execute();
        const addedSubtotal = preview.added.reduce((n, a) => n + a.total, 0);
        const addedTax = preview.added.reduce((n, a) => n + a.tax, 0);
        const units = preview.added.reduce((n, a) => n + a.quantity, 0);
        if (preview.charge > 0) {
          const provider = this.d.providers.has(o.payment_provider) ? this.d.providers.get(o.payment_provider) : null;
          if (!provider?.charge)
            throw new AppError(ErrorCode.InvalidState, 'This order’s payment method cannot be charged again; send the customer a draft order invoice');
          const r = await provider.charge({
            orderId,
            reference: o.payment_reference,
            amount: preview.charge,
            currency: o.currency,
            idempotencyKey: `edit:${editId}`,
          });
          chargePaymentId = newId();
          await trx
            .insertInto('payments')
            .values({
              id: chargePaymentId,
              order_id: orderId,
              kind: 'charge',
              provider: provider.name,
              amount: preview.charge,
              status: 'succeeded',
              reference: r.reference,
              reason: 'Order edit',
              idempotency_key: `edit-charge:${editId}`,
              created_at: now,
            })
            .execute();
        }
        await trx
          .updateTable('orders')
          .set({
            subtotal: sql`subtotal + ${addedSubtotal}`,
            tax: sql`tax + ${addedTax}`,
            total: sql`total + ${preview.charge}`,
            item_count: sql`item_count + ${units}`,
            store_subtotal: sql`store_subtotal + ${storeAmount(rate, addedSubtotal)}`,
            store_tax: sql`store_tax + ${storeAmount(rate, addedTax)}`,
            store_total: sql`store_total + ${storeAmount(rate, preview.charge)}`,
            updated_at: now,
          })
          .where('id', '=', orderId)
          .execute();
      }
      let refundPaymentId: string | null = null;
      if (preview.removed.length) {
        const r = await orders.refundIn(
          trx,
          orderId,
          { lines: preview.removed.map((x) => ({ orderLineId: x.orderLineId, quantity: x.quantity, restock: true })), reason: 'Order edited' },
          `edit:${editId}:refund`,
        );
        refundPaymentId = r.refundId;
      }
      const after = await trx.selectFrom('orders').select(['total', 'refunded']).where('id', '=', orderId).executeTakeFirstOrThrow();
      await trx.updateTable('orders').set({ edit_count: sql`edit_count + 1`, updated_at: now }).where('id', '=', orderId).execute();
      await trx
        .updateTable('order_edits')
        .set({
          status: 'committed',
          committed_at: now,
          total_before: preview.totalBefore,
          total_after: after.total - after.refunded,
          charge_payment_id: chargePaymentId,
          refund_payment_id: refundPaymentId,
        })
        .where('id', '=', editId)
        .execute();
      const parts = [...preview.added.map((a) => `added ${a.quantity} × ${a.title}`), ...preview.removed.map((r) => `removed ${r.quantity} × ${r.title}`)];
      const money = [preview.charge ? `charged ${preview.charge}` : '', preview.refund ? `refunded ${preview.refund}` : ''].filter(Boolean).join(', ');
      await orders.recordEdit(trx, orderId, `Order edited: ${parts.join('; ')}${money ? ` (${money})` : ''}${e.note ? `: ${e.note}` : ''}`, {
        id: editId,
        changes: e.changes,
        added: preview.added,
        removed: preview.removed,
        charge: preview.charge,
        refund: preview.refund,
      });
    });
    return this.getOrThrow(orderId, editId);
  }

  async list(orderId: string): Promise<OrderEditView[]> {
    const o = await this.order(this.t, orderId);
    const rows = await this.t.selectFrom('order_edits').select('id').where('order_id', '=', o.id).orderBy('created_at').orderBy('id').execute();
    return Promise.all(rows.map((r) => this.getOrThrow(orderId, r.id)));
  }

  async getOrThrow(orderId: string, editId: string): Promise<OrderEditView> {
    const e =
      isUuid(editId) && isUuid(orderId)
        ? await this.t.selectFrom('order_edits').selectAll().where('id', '=', editId).where('order_id', '=', orderId).executeTakeFirst()
        : undefined;
    if (!e) throw new AppError(ErrorCode.NotFound, 'Order edit not found');
    const preview = e.status === 'staged' ? await this.preview(this.t, await this.order(this.t, orderId), e.changes).catch(() => null) : null;
    return {
      id: e.id,
      orderId: e.order_id,
      status: e.status,
      changes: e.changes,
      note: e.note,
      preview,
      totalBefore: e.total_before,
      totalAfter: e.total_after,
      chargePaymentId: e.charge_payment_id,
      refundPaymentId: e.refund_payment_id,
      createdAt: new Date(e.created_at).toISOString(),
      committedAt: e.committed_at ? new Date(e.committed_at).toISOString() : null,
    };
  }
}
