/**
 * Draft orders (issue 21): an order the merchant keys in (a phone order, a wholesale quote). Its lines are
 * catalogue variants and custom items (title, price, taxable); its discounts a code or a manual amount; its shipping
 * one line the merchant sets. It is priced through the checkout's own pipeline (`OrderService.price`, the same
 * market, discount, shipping and tax steps) and becomes a real order through `OrderService.place`, either
 *
 * - by its **invoice link**: a random token (kept as its sha256) mailed to the customer opens a storefront page that
 *   places the order and starts the store's payment provider (Stripe, or the manual test page); the order's payment
 *   confirmation completes the draft; or
 * - by **mark paid** (paid outside Storeloom): placed and confirmed with the manual provider in one transaction.
 *
 * Either way the draft row is locked first and `order_id` is set once, so paying an invoice twice (two tabs, a
 * double click, a retried request) makes one order. Stock is held only when the merchant chooses `reserve`: the
 * draft then moves units through the inventory ledger whenever its lines change, and hands them to the order.
 * Webhooks `draft_order.created` / `.updated` / `.completed` are written in the transaction of the change.
 */
import { generateToken, sha256Hex } from '@storeloom/auth';
import { applyStockDelta } from '@storeloom/catalog';
import { type DraftOrderLine, isUuid, type Kysely, newId, type OrderAddress, sql, type TenantDatabase, type Transaction } from '@storeloom/db';
import { AppError, ErrorCode, isUniqueViolation } from '@storeloom/errors';
import type { MailOutbox } from '@storeloom/mail';
import { allocate, formatMoney } from '@storeloom/money';
import { emitWebhookEvent, type WebhookEventType } from '@storeloom/webhooks';
import type { CartLineView } from './cart.ts';
import { type DraftOrderRecord, draftRecord } from './draft-events.ts';
import { marketFor, marketSettings } from './markets.ts';
import { CUSTOM_LINE_PREFIX, type DraftPlacement, isCustomLine, type OrderService } from './orders.ts';
import { discountTotal, type PriceAdjustment, type PricingExtensions, type PricingStep } from './pricing.ts';
import type { StorefrontSettings } from './settings.ts';
import { pricingDestination } from './tax.ts';
import { applyTax, type Totals } from './totals.ts';
import type { OrderDetail } from './views.ts';

export type { DraftOrderRecord } from './draft-events.ts';

export interface DraftLineInput {
  /** A catalogue variant; absent for a custom item. */
  variantId?: string | null;
  quantity: number;
  /** Custom items: title, unit price (minor units of the draft's currency) and whether tax applies. */
  title?: string;
  unitPrice?: number;
  taxable?: boolean;
}

export interface DraftInput {
  email?: string | null;
  customerId?: string | null;
  customerName?: string | null;
  shippingAddress?: OrderAddress | null;
  lines?: DraftLineInput[];
  discountCodes?: string[];
  manualDiscount?: { amount: number; title?: string | null } | null;
  shippingLine?: { title: string; amount: number } | null;
  note?: string | null;
  /** Hold the lines' stock while the draft is open. */
  reserve?: boolean;
}

export interface DraftLineView {
  id: string;
  variantId: string | null;
  productId: string | null;
  title: string;
  variantTitle: string | null;
  sku: string | null;
  quantity: number;
  unitPrice: number;
  total: number;
  discount: number;
  taxable: boolean;
  custom: boolean;
  available: number | null;
  imageUrl: string | null;
}

export interface DraftOrderView extends DraftOrderRecord {
  pricedLines: DraftLineView[];
  totals: Totals & { discountTotal: number };
  adjustments: { label: string; amount: number; code: string | null }[];
  /** Codes entered that do not apply (with why). */
  rejectedCodes: { code: string; reason: string }[];
}

export interface DraftListQuery {
  q?: string;
  status?: DraftOrderRecord['status'];
  cursor?: string;
  limit: number;
}

export interface DraftOrderDeps {
  store: { id: string; name: string; currency: string; defaultLocale: string };
  /** The store's order service on a handle (the draft's transaction inside `complete`). */
  orders: (t: Kysely<TenantDatabase>) => OrderService;
  settings: (t: Kysely<TenantDatabase>) => Promise<StorefrontSettings>;
  mail?: MailOutbox;
  /** The storefront's invoice page for a token; absent where no storefront origin is known. */
  invoiceUrl?: (token: string) => string;
}

type Tx = Transaction<TenantDatabase>;
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MAX_LINES = 100;
const invalid = (path: string, message: string) =>
  new AppError(ErrorCode.ValidationFailed, `${path}: ${message}`, { details: [{ path, message }] as unknown as Record<string, unknown> });

/** A draft's manual discount: taken off the goods after the other discounts, allocated over the lines by value. */
export function manualDiscountStep(d: { amount: number; title: string } | null): PricingStep {
  return {
    name: 'draft.manual-discount',
    apply(state) {
      if (!d || d.amount <= 0 || !state.lines.length) return state;
      const goods = Math.max(0, state.totals.subtotal - discountTotal(state));
      const amount = Math.min(d.amount, goods);
      if (amount === 0) return state;
      const already = new Map<string, number>();
      for (const a of state.adjustments)
        if (a.kind === 'discount') for (const [k, x] of Object.entries(a.lines ?? {})) already.set(k, (already.get(k) ?? 0) + x);
      const weights = state.lines.map((l) => Math.max(0, l.unitPrice * l.quantity - (already.get(l.variantId) ?? 0)));
      const shares = allocate(amount, weights);
      const lines: Record<string, number> = {};
      state.lines.forEach((l, i) => {
        if ((shares[i] ?? 0) > 0) lines[l.variantId] = shares[i] as number;
      });
      const adj: PriceAdjustment = { kind: 'discount', source: 'manual', label: d.title, amount, lines, code: null };
      return { ...state, adjustments: [...state.adjustments, adj] };
    },
  };
}

/**
 * Custom items marked not taxable: destination tax skips them by their `exempt` class; the store's flat rate taxes
 * the whole basket, so this step (after tax) takes their net value out of its base.
 */
export const untaxedCustomItemsStep: PricingStep = {
  name: 'draft.untaxed',
  apply(state, ctx) {
    if (state.tax) return state;
    const untaxed = state.lines.filter((l) => isCustomLine(l.variantId) && l.taxClass === 'exempt');
    if (!untaxed.length) return state;
    const lineDiscount = new Map<string, number>();
    for (const a of state.adjustments)
      if (a.kind === 'discount') for (const [k, x] of Object.entries(a.lines ?? {})) lineDiscount.set(k, (lineDiscount.get(k) ?? 0) + x);
    const untaxedNet = untaxed.reduce((n, l) => n + Math.max(0, l.unitPrice * l.quantity - (lineDiscount.get(l.variantId) ?? 0)), 0);
    const full = Math.max(0, state.totals.subtotal - discountTotal(state)) + state.totals.shipping;
    const t = applyTax(Math.max(0, full - untaxedNet), ctx.settings.tax);
    return { ...state, totals: { ...state.totals, tax: t.tax, total: t.taxIncluded ? full : full + t.tax } };
  },
};

export function draftPricingSteps(d: { manual_discount: { amount: number; title: string } | null }): PricingExtensions {
  return { discounts: [manualDiscountStep(d.manual_discount)], tenders: [untaxedCustomItemsStep] };
}

/** The store's settings with the draft's shipping line as the only shipping (none: free). */
export function draftSettings(settings: StorefrontSettings, shippingLine: { amount: number } | null): StorefrontSettings {
  return {
    ...settings,
    shipping: { mode: 'flat', flatRate: shippingLine?.amount ?? 0, freeOver: null, weightRates: [] },
    shippingZones: [],
  };
}

export class DraftOrderService {
  constructor(
    private readonly t: Kysely<TenantDatabase>,
    private readonly d: DraftOrderDeps,
  ) {}

  private inTransaction<T>(fn: (trx: Tx) => Promise<T>): Promise<T> {
    return this.t.isTransaction ? fn(this.t as Tx) : this.t.transaction().execute(fn);
  }

  /** Checks and normalises the input; catalogue lines of one variant are merged (an order has one line per variant). */
  private async normalise(t: Kysely<TenantDatabase>, input: DraftInput) {
    const out: Record<string, unknown> = {};
    if (input.email !== undefined) {
      const email = input.email?.trim().toLowerCase() || null;
      if (email && (!EMAIL_RE.test(email) || email.length > 254)) throw invalid('email', 'not a valid e-mail address');
      out.email = email;
    }
    if (input.customerId !== undefined) {
      if (input.customerId !== null) {
        if (!isUuid(input.customerId)) throw invalid('customerId', 'not a customer of this store');
        const c = await t.selectFrom('customers').select(['id', 'email', 'name']).where('id', '=', input.customerId).executeTakeFirst();
        if (!c) throw invalid('customerId', 'not a customer of this store');
        if (input.email === undefined) out.email = c.email;
        if (input.customerName === undefined) out.customer_name = c.name ?? null;
      }
      out.customer_id = input.customerId;
    }
    if (input.customerName !== undefined) out.customer_name = input.customerName?.trim() || null;
    if (input.shippingAddress !== undefined) {
      out.shipping_address = input.shippingAddress ? JSON.stringify({ ...input.shippingAddress, country: input.shippingAddress.country.toUpperCase() }) : null;
      out.country = input.shippingAddress?.country.toUpperCase() ?? null;
    }
    if (input.lines !== undefined) {
      if (input.lines.length > MAX_LINES) throw invalid('lines', `at most ${MAX_LINES}`);
      const merged: DraftOrderLine[] = [];
      const variantIds = [...new Set(input.lines.flatMap((l) => (l.variantId ? [l.variantId] : [])))];
      const known = new Set(
        variantIds.length && variantIds.every(isUuid)
          ? (
              await t
                .selectFrom('variants as v')
                .innerJoin('products as p', 'p.id', 'v.product_id')
                .select('v.id')
                .where('v.id', 'in', variantIds)
                .where('p.status', '!=', 'archived')
                .execute()
            ).map((r) => r.id)
          : [],
      );
      input.lines.forEach((l, i) => {
        if (!Number.isInteger(l.quantity) || l.quantity < 1 || l.quantity > 10_000) throw invalid(`lines.${i}.quantity`, '1 to 10000');
        if (l.variantId) {
          if (!known.has(l.variantId)) throw invalid(`lines.${i}.variantId`, 'not a product of this store');
          const same = merged.find((m) => m.variantId === l.variantId);
          if (same) same.quantity += l.quantity;
          else merged.push({ id: newId(), variantId: l.variantId, quantity: l.quantity });
        } else {
          const title = l.title?.trim();
          if (!title) throw invalid(`lines.${i}.title`, 'a custom item needs a title');
          if (title.length > 200) throw invalid(`lines.${i}.title`, 'at most 200 characters');
          if (l.unitPrice === undefined || !Number.isInteger(l.unitPrice) || l.unitPrice < 0 || l.unitPrice > 100_000_000)
            throw invalid(`lines.${i}.unitPrice`, 'a custom item needs a price (0 to 100000000 minor units)');
          merged.push({ id: newId(), variantId: null, quantity: l.quantity, title, unitPrice: l.unitPrice, taxable: l.taxable ?? true });
        }
      });
      out.lines = JSON.stringify(merged);
    }
    if (input.discountCodes !== undefined) {
      const codes = [...new Set(input.discountCodes.map((c) => c.trim()).filter(Boolean))];
      if (codes.length > 5) throw invalid('discountCodes', 'at most 5');
      out.discount_codes = JSON.stringify(codes);
    }
    if (input.manualDiscount !== undefined) {
      const m = input.manualDiscount;
      if (m && (!Number.isInteger(m.amount) || m.amount < 1 || m.amount > 100_000_000)) throw invalid('manualDiscount.amount', '1 to 100000000');
      out.manual_discount = m ? JSON.stringify({ amount: m.amount, title: m.title?.trim() || 'Discount' }) : null;
    }
    if (input.shippingLine !== undefined) {
      const s = input.shippingLine;
      if (s && (!Number.isInteger(s.amount) || s.amount < 0 || s.amount > 100_000_000)) throw invalid('shippingLine.amount', '0 to 100000000');
      out.shipping_line = s ? JSON.stringify({ title: s.title.trim() || 'Shipping', amount: s.amount }) : null;
    }
    if (input.note !== undefined) out.note = input.note?.trim() || null;
    if (input.reserve !== undefined) out.reserve = input.reserve;
    return out;
  }

  async create(input: DraftInput): Promise<DraftOrderView> {
    const id = newId();
    for (let attempt = 0; ; attempt++) {
      try {
        await this.inTransaction(async (trx) => {
          const values = await this.normalise(trx, input);
          const settings = await this.d.settings(trx);
          const country = (values.country as string | null | undefined) ?? null;
          const now = new Date();
          await trx
            .insertInto('draft_orders')
            .values({
              id,
              number: trx.selectFrom('draft_orders').select(sql<number>`coalesce(max(number), 1000) + 1`.as('n')),
              currency: marketFor(settings, this.d.store.currency, country).currency,
              created_at: now,
              updated_at: now,
              ...(values as object),
            } as never)
            .execute();
          await this.syncReservation(trx, id);
          await this.refreshTotal(trx, id);
          await this.webhook(trx, 'draft_order.created', id);
        });
        break;
      } catch (e) {
        // Two drafts took the same number: take the next.
        if (!isUniqueViolation(e) || attempt >= 4) throw e;
      }
    }
    return this.getOrThrow(id);
  }

  async update(id: string, input: DraftInput): Promise<DraftOrderView> {
    await this.inTransaction(async (trx) => {
      const row = await this.lockOpen(trx, id);
      const values = await this.normalise(trx, input);
      const settings = await this.d.settings(trx);
      const country = values.country !== undefined ? (values.country as string | null) : row.country;
      await trx
        .updateTable('draft_orders')
        .set({ ...(values as object), currency: marketFor(settings, this.d.store.currency, country).currency, updated_at: new Date() } as never)
        .where('id', '=', id)
        .execute();
      await this.syncReservation(trx, id);
      await this.refreshTotal(trx, id);
      await this.webhook(trx, 'draft_order.updated', id);
    });
    return this.getOrThrow(id);
  }

  /** Cancels an open draft and lets go of its stock. */
  async cancel(id: string): Promise<DraftOrderView> {
    await this.inTransaction(async (trx) => {
      await this.lockOpen(trx, id);
      await trx
        .updateTable('draft_orders')
        .set({ status: 'cancelled', reserve: false, invoice_token_hash: null, updated_at: new Date() })
        .where('id', '=', id)
        .execute();
      await this.syncReservation(trx, id);
      await this.webhook(trx, 'draft_order.updated', id);
    });
    return this.getOrThrow(id);
  }

  private async lockOpen(trx: Kysely<TenantDatabase>, id: string) {
    if (!isUuid(id)) throw new AppError(ErrorCode.NotFound, 'Draft order not found');
    const row = await trx.selectFrom('draft_orders').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!row) throw new AppError(ErrorCode.NotFound, 'Draft order not found');
    if (row.status === 'completed' || row.status === 'cancelled') throw new AppError(ErrorCode.InvalidState, `This draft order is ${row.status}`);
    if (row.order_id) throw new AppError(ErrorCode.InvalidState, 'This draft order is being paid; wait for its payment to finish or fail');
    return row;
  }

  /** Moves the draft's held stock to what its lines need (nothing when not reserving), through the inventory ledger. */
  private async syncReservation(trx: Kysely<TenantDatabase>, id: string) {
    const row = await trx.selectFrom('draft_orders').select(['lines', 'reserve', 'reserved', 'status']).where('id', '=', id).executeTakeFirstOrThrow();
    const want = new Map<string, number>();
    if (row.reserve && (row.status === 'open' || row.status === 'invoice_sent'))
      for (const l of row.lines) if (l.variantId) want.set(l.variantId, (want.get(l.variantId) ?? 0) + l.quantity);
    const held = row.reserved ?? {};
    const variants = [...new Set([...want.keys(), ...Object.keys(held)])].sort();
    const next: Record<string, number> = {};
    for (const v of variants) {
      const delta = (want.get(v) ?? 0) - (held[v] ?? 0);
      if (delta !== 0) {
        const left = await applyStockDelta(trx, v, -delta, {
          reason: delta > 0 ? 'reserved' : 'reservation_released',
          idempotencyKey: `draft:${id}:${newId()}`,
        });
        if (left === null) {
          const title = (
            await trx.selectFrom('products as p').innerJoin('variants as x', 'x.product_id', 'p.id').select('p.title').where('x.id', '=', v).executeTakeFirst()
          )?.title;
          throw new AppError(ErrorCode.InsufficientStock, `Not enough stock to reserve ${title ?? 'this item'}`, {
            details: { variantId: v, title: title ?? null },
          });
        }
      }
      if (want.get(v)) next[v] = want.get(v) as number;
    }
    await trx
      .updateTable('draft_orders')
      .set({ reserved: JSON.stringify(next) })
      .where('id', '=', id)
      .execute();
  }

  private async refreshTotal(trx: Kysely<TenantDatabase>, id: string) {
    const v = await this.price(trx, id);
    if (v) await trx.updateTable('draft_orders').set({ total: v.totals.total }).where('id', '=', id).execute();
  }

  /** The draft's lines as the pricing pipeline takes them (catalogue data now, custom items as they are). */
  private async cartLines(t: Kysely<TenantDatabase>, lines: DraftOrderLine[]): Promise<CartLineView[]> {
    const ids = lines.flatMap((l) => (l.variantId ? [l.variantId] : []));
    const rows = ids.length
      ? await t
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
            'p.gift_card',
            // The variant's own image (Shopify's Variant Image) when it has one, else the product's first.
            (eb) =>
              eb.fn
                .coalesce('v.image_url', eb.selectFrom('images as i').select('i.url').whereRef('i.product_id', '=', 'p.id').orderBy('i.position').limit(1))
                .as('image_url'),
          ])
          .where('v.id', 'in', ids)
          .execute()
      : [];
    const byId = new Map(rows.map((r) => [r.id, r]));
    return lines.flatMap((l): CartLineView[] => {
      if (!l.variantId)
        return [
          {
            variantId: `${CUSTOM_LINE_PREFIX}${l.id}`,
            productId: '',
            handle: '',
            title: l.title ?? 'Custom item',
            variantTitle: null,
            sku: null,
            quantity: l.quantity,
            unitPrice: l.unitPrice ?? 0,
            compareAtPrice: null,
            available: l.quantity,
            weightGrams: 0,
            imageUrl: null,
            taxClass: l.taxable === false ? 'exempt' : 'standard',
          },
        ];
      const r = byId.get(l.variantId);
      if (!r) return [];
      return [
        {
          variantId: r.id,
          productId: r.product_id,
          handle: r.handle,
          title: r.title,
          variantTitle: r.variant_title === 'Default' || r.variant_title === 'Default Title' ? null : r.variant_title,
          sku: r.sku,
          quantity: l.quantity,
          unitPrice: r.price,
          compareAtPrice: r.compare_at_price,
          available: r.inventory_quantity,
          weightGrams: r.weight_grams,
          imageUrl: r.image_url ?? null,
          taxClass: r.tax_class,
          // A gift card product issues a card when paid (to the draft's customer; no recipient).
          ...(r.gift_card ? { giftCard: true, giftCardRecipient: null } : {}),
        },
      ];
    });
  }

  /** The draft priced now through the checkout pipeline (phase `quote`). */
  private async price(t: Kysely<TenantDatabase>, id: string): Promise<DraftOrderView | null> {
    const rec = await draftRecord(t, id);
    if (!rec) return null;
    const row = { manual_discount: rec.manualDiscount };
    const base = await this.d.settings(t);
    const settings = draftSettings(base, rec.shippingLine);
    const market = marketFor(base, this.d.store.currency, rec.country);
    const lines = await this.cartLines(t, rec.lines);
    const state = await this.d.orders(t).price(
      lines,
      {
        t,
        storeId: this.d.store.id,
        cartId: id,
        settings: marketSettings(settings, market),
        customerId: rec.customerId,
        email: rec.email,
        codes: [],
        phase: 'quote',
        now: new Date(),
        market,
        destination: pricingDestination(settings, rec.country, rec.shippingAddress?.region ?? null, null),
        discountCodes: rec.discountCodes,
      },
      draftPricingSteps(row),
    );
    const lineDiscount = new Map<string, number>();
    for (const a of state.adjustments)
      if (a.kind === 'discount') for (const [k, x] of Object.entries(a.lines ?? {})) lineDiscount.set(k, (lineDiscount.get(k) ?? 0) + x);
    const held = rec.reserved;
    const pricedLines = state.lines.map((l): DraftLineView => {
      const custom = isCustomLine(l.variantId);
      return {
        id: custom ? l.variantId.slice(CUSTOM_LINE_PREFIX.length) : (rec.lines.find((x) => x.variantId === l.variantId)?.id ?? l.variantId),
        variantId: custom ? null : l.variantId,
        productId: custom ? null : l.productId,
        title: l.title,
        variantTitle: l.variantTitle,
        sku: l.sku,
        quantity: l.quantity,
        unitPrice: l.unitPrice,
        total: l.unitPrice * l.quantity,
        discount: lineDiscount.get(l.variantId) ?? 0,
        taxable: l.taxClass !== 'exempt',
        custom,
        // What could still be sold to this draft: stock on hand plus what the draft itself holds.
        available: custom ? null : l.available + (held[l.variantId] ?? 0),
        imageUrl: l.imageUrl,
      };
    });
    return {
      ...rec,
      total: state.totals.total,
      pricedLines,
      totals: { ...state.totals, discountTotal: discountTotal(state) },
      adjustments: state.adjustments.filter((a) => a.kind === 'discount').map((a) => ({ label: a.label, amount: a.amount, code: a.code ?? null })),
      rejectedCodes: (state.promotions?.rejectedCodes ?? []).map((r) => ({ code: r.code, reason: r.reason })),
    };
  }

  async get(id: string): Promise<DraftOrderView | null> {
    if (!isUuid(id)) return null;
    return this.price(this.t, id);
  }

  async getOrThrow(id: string): Promise<DraftOrderView> {
    const v = await this.get(id);
    if (!v) throw new AppError(ErrorCode.NotFound, 'Draft order not found');
    return v;
  }

  /** Newest first; `q` matches the e-mail, the customer's name or the draft number (D1001 or 1001). */
  async list(q: DraftListQuery): Promise<{ items: DraftOrderRecord[]; nextCursor: string | null }> {
    let query = this.t.selectFrom('draft_orders').select('id');
    if (q.status) query = query.where('status', '=', q.status);
    const text = q.q?.trim().replace(/^[#dD]/, '');
    if (text) {
      const like = `%${text.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
      query = query.where((eb) => {
        const ors = [eb('email', 'ilike', like), eb('customer_name', 'ilike', like)];
        if (/^\d{1,9}$/.test(text)) ors.push(eb('number', '=', Number(text)));
        return eb.or(ors);
      });
    }
    if (q.cursor) {
      if (!isUuid(q.cursor)) throw invalid('cursor', 'invalid');
      query = query.where('id', '<', q.cursor);
    }
    const rows = await query
      .orderBy('id', 'desc')
      .limit(q.limit + 1)
      .execute();
    const page = rows.slice(0, q.limit);
    const items = (await Promise.all(page.map((r) => draftRecord(this.t, r.id)))).filter((x): x is DraftOrderRecord => x !== null);
    return { items, nextCursor: rows.length > q.limit ? (page.at(-1)?.id ?? null) : null };
  }

  /**
   * A new invoice link (any earlier link stops working) mailed to the draft's e-mail in the same transaction.
   * Returns the link so the merchant can also send it themselves.
   */
  async sendInvoice(id: string, o: { message?: string | null } = {}): Promise<{ draft: DraftOrderView; invoiceUrl: string }> {
    if (!this.d.invoiceUrl) throw new AppError(ErrorCode.InvalidState, 'This store has no storefront address to link the invoice to');
    const invoiceUrlOf = this.d.invoiceUrl;
    const url = await this.inTransaction(async (trx) => {
      const row = await this.lockOpen(trx, id);
      this.requireOrderable(row);
      const token = generateToken();
      await trx
        .updateTable('draft_orders')
        .set({ status: 'invoice_sent', invoice_token_hash: sha256Hex(token), invoice_sent_at: new Date(), updated_at: new Date() })
        .where('id', '=', id)
        .execute();
      const url = invoiceUrlOf(token);
      const priced = await this.price(trx, id);
      if (this.d.mail && row.email && priced) {
        const money = (n: number) => formatMoney(n, priced.currency, this.d.store.defaultLocale);
        const items = priced.pricedLines.map((l) => `${l.quantity} × ${l.title}${l.variantTitle ? ` (${l.variantTitle})` : ''}: ${money(l.total)}`);
        const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
        const intro = o.message?.trim() ? `${o.message.trim()}\n\n` : '';
        await this.d.mail.enqueue(
          {
            kind: 'draft-invoice',
            to: row.email,
            subject: `Invoice D${row.number} from ${this.d.store.name}`,
            text: `${intro}${items.join('\n')}\nTotal: ${money(priced.totals.total)}\n\nPay here: ${url}\n`,
            html: `${intro ? `<p>${esc(intro.trim())}</p>` : ''}<ul>${items.map((i) => `<li>${esc(i)}</li>`).join('')}</ul><p><strong>Total: ${esc(money(priced.totals.total))}</strong></p><p><a href="${esc(url)}">Pay your invoice</a></p>`,
            storeId: this.d.store.id,
            dedupKey: `draft-invoice:${this.d.store.id}:${id}:${sha256Hex(token).slice(0, 16)}`,
          },
          trx as never,
        );
      }
      await this.webhook(trx, 'draft_order.updated', id);
      return url;
    });
    return { draft: await this.getOrThrow(id), invoiceUrl: url };
  }

  private requireOrderable(row: { email: string | null; shipping_address: OrderAddress | null; lines: DraftOrderLine[] }) {
    if (!row.lines.length) throw new AppError(ErrorCode.InvalidState, 'Add a line to the draft order first');
    if (!row.email) throw invalid('email', 'the draft order needs the customer’s e-mail');
    if (!row.shipping_address) throw invalid('shippingAddress', 'the draft order needs an address');
  }

  /** The draft behind an invoice link (null: unknown, replaced or cancelled link). */
  async byInvoiceToken(token: string): Promise<DraftOrderView | null> {
    if (!token || token.length > 200) return null;
    const row = await this.t.selectFrom('draft_orders').select('id').where('invoice_token_hash', '=', sha256Hex(token)).executeTakeFirst();
    return row ? this.get(row.id) : null;
  }

  /**
   * Makes the order (once): under the draft's row lock, an existing order is returned as it is (`created: false`);
   * otherwise the draft is placed through `OrderService.place` with `provider`, and with `markPaid` confirmed in the
   * same transaction (paid outside Storeloom, manual provider).
   */
  async complete(
    id: string,
    o: { provider: string; markPaid: boolean; reservationTtlMs?: number; locale?: string; invoiceToken?: string },
  ): Promise<{ order: OrderDetail; paymentKey: string; created: boolean; expiresAt: Date | null }> {
    const result = await this.inTransaction(async (trx) => {
      const row = await trx
        .selectFrom('draft_orders')
        .selectAll()
        .where(o.invoiceToken ? 'invoice_token_hash' : 'id', '=', o.invoiceToken ? sha256Hex(o.invoiceToken) : id)
        .forUpdate()
        .executeTakeFirst();
      if (!row) throw new AppError(ErrorCode.NotFound, 'Draft order not found');
      const orders = this.d.orders(trx);
      if (row.order_id) {
        const order = await orders.detailOrThrow(row.order_id);
        if (o.markPaid && order.paymentStatus === 'pending' && order.payment.provider === 'manual')
          await orders.confirmPayment(order.id, { provider: 'manual', reference: `draft:${row.id}`, amount: order.amountDue });
        else if (o.markPaid && order.paymentStatus === 'pending')
          throw new AppError(ErrorCode.InvalidState, 'The customer is paying this invoice now; wait for the payment to finish or fail');
        return { orderId: order.id, paymentKey: `charge:${order.id}:1`, created: false, expiresAt: null, markedPaid: false };
      }
      if (row.status === 'completed' || row.status === 'cancelled') throw new AppError(ErrorCode.InvalidState, `This draft order is ${row.status}`);
      this.requireOrderable(row);
      const address = row.shipping_address as OrderAddress;
      const settings = await this.d.settings(trx);
      const lines = await this.cartLines(trx, row.lines);
      if (lines.length !== row.lines.length) throw new AppError(ErrorCode.InvalidState, 'A product of this draft order was deleted; edit the draft');
      const draft: DraftPlacement = { id: row.id, lines, codes: row.discount_codes, steps: draftPricingSteps(row), held: row.reserved ?? {} };
      const placed = await orders.place({
        cartId: row.id,
        email: row.email as string,
        customerId: row.customer_id,
        customerName: row.customer_name ?? address.name,
        address,
        locale: o.locale ?? this.d.store.defaultLocale,
        settings: draftSettings(settings, row.shipping_line),
        provider: o.provider,
        ...(o.reservationTtlMs ? { reservationTtlMs: o.reservationTtlMs } : {}),
        draft,
      });
      // The draft's held units now belong to the order (its reservation).
      await trx.updateTable('draft_orders').set({ order_id: placed.order.id, reserved: '{}', updated_at: new Date() }).where('id', '=', row.id).execute();
      if (o.markPaid && placed.order.paymentStatus === 'pending')
        await orders.confirmPayment(placed.order.id, { provider: o.provider, reference: `draft:${row.id}`, amount: placed.order.amountDue });
      else if (placed.order.paymentStatus !== 'pending') {
        // Nothing to pay (a 100% discount): place confirmed it already; the draft completes with it.
      }
      return { orderId: placed.order.id, paymentKey: placed.paymentKey, created: true, expiresAt: placed.expiresAt, markedPaid: o.markPaid };
    });
    const orders = this.d.orders(this.t);
    const order = await orders.detailOrThrow(result.orderId);
    if (result.created && order.paymentStatus === 'paid') orders.afterPaidCommit(order.id);
    return { order, paymentKey: result.paymentKey, created: result.created, expiresAt: result.expiresAt };
  }

  private async webhook(trx: Kysely<TenantDatabase>, type: WebhookEventType, id: string) {
    await emitWebhookEvent(trx, { type, resourceKey: `draft_order:${id}`, data: async () => ({ draftOrder: await this.price(trx, id) }) });
  }
}
