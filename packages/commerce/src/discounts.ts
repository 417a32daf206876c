/**
 * Discounts: the merchant's CRUD, the lookup of live discounts for a cart
 * (codes entered + automatic ones), and the checkout-time claim of a use.
 *
 * A use is claimed inside the checkout transaction by one conditional
 * `UPDATE discounts SET used_count = used_count + 1 WHERE … used_count <
 * usage_limit` (row lock + re-check under READ COMMITTED, so 50 parallel
 * checkouts against a limit of 10 give exactly 10), and once-per-customer by a
 * partial unique index on the live usage (discount, e-mail). A failed or
 * expired payment releases the use in the same transaction that cancels the
 * order.
 */
import { type Discount, type Kysely, newId, sql, type TenantDatabase, type Transaction } from '@storeloom/db';
import { AppError, ErrorCode, isUniqueViolation } from '@storeloom/errors';
import type { AppliedDiscount, BuyXGetY, CombinesWith, DiscountKind, DiscountRule } from './pricing-engine.ts';

export type DiscountStatus = 'scheduled' | 'active' | 'expired' | 'inactive' | 'used_up';

export interface DiscountInput {
  title: string;
  code?: string | null;
  automatic?: boolean;
  kind: DiscountKind;
  value?: number;
  appliesTo?: { productIds?: string[]; collectionIds?: string[] } | null;
  minSubtotal?: number | null;
  usageLimit?: number | null;
  oncePerCustomer?: boolean;
  startsAt?: string | null;
  endsAt?: string | null;
  combinesWith?: Partial<CombinesWith>;
  buyXGetY?: BuyXGetY | null;
  active?: boolean;
}

export interface DiscountView {
  id: string;
  title: string;
  code: string | null;
  automatic: boolean;
  kind: DiscountKind;
  value: number;
  appliesTo: { productIds: string[]; collectionIds: string[] } | null;
  minSubtotal: number | null;
  usageLimit: number | null;
  usedCount: number;
  oncePerCustomer: boolean;
  startsAt: string | null;
  endsAt: string | null;
  combinesWith: CombinesWith;
  buyXGetY: BuyXGetY | null;
  active: boolean;
  status: DiscountStatus;
  /** Paid orders that used it, and what they paid in total (after all discounts). */
  orders: number;
  revenue: number;
  discountedAmount: number;
  createdAt: string;
  updatedAt: string;
}

type Tx = Transaction<TenantDatabase>;

const NO_COMBINE: CombinesWith = { orderDiscounts: false, productDiscounts: false, shippingDiscounts: false };
export const CODE_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
export const normaliseCode = (code: string) => code.trim().toLowerCase();

export function discountStatus(d: Pick<Discount, 'active' | 'starts_at' | 'ends_at' | 'usage_limit' | 'used_count'>, now = new Date()): DiscountStatus {
  if (!d.active) return 'inactive';
  if (d.starts_at && new Date(d.starts_at) > now) return 'scheduled';
  if (d.ends_at && new Date(d.ends_at) <= now) return 'expired';
  if (d.usage_limit !== null && d.used_count >= d.usage_limit) return 'used_up';
  return 'active';
}

export function toRule(d: Discount): DiscountRule {
  const a = d.applies_to as { productIds?: string[]; collectionIds?: string[] } | null;
  return {
    id: d.id,
    title: d.title,
    code: d.code,
    automatic: d.automatic,
    kind: d.kind,
    value: d.value,
    appliesTo: a ? { productIds: a.productIds ?? [], collectionIds: a.collectionIds ?? [] } : null,
    minSubtotal: d.min_subtotal,
    combinesWith: { ...NO_COMBINE, ...(d.combines_with as Partial<CombinesWith>) },
    buyXGetY: (d.buy_x_get_y as BuyXGetY | null) ?? null,
  };
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

function toView(
  d: Discount & { orders?: number | string | null; revenue?: number | string | null; discounted?: number | string | null },
  now: Date,
): DiscountView {
  const r = toRule(d);
  return {
    id: d.id,
    title: d.title,
    code: d.code,
    automatic: d.automatic,
    kind: d.kind,
    value: d.value,
    appliesTo: r.appliesTo ? { productIds: r.appliesTo.productIds ?? [], collectionIds: r.appliesTo.collectionIds ?? [] } : null,
    minSubtotal: d.min_subtotal,
    usageLimit: d.usage_limit,
    usedCount: d.used_count,
    oncePerCustomer: d.once_per_customer,
    startsAt: iso(d.starts_at),
    endsAt: iso(d.ends_at),
    combinesWith: r.combinesWith,
    buyXGetY: r.buyXGetY,
    active: d.active,
    status: discountStatus(d, now),
    orders: Number(d.orders ?? 0),
    revenue: Number(d.revenue ?? 0),
    discountedAmount: Number(d.discounted ?? 0),
    createdAt: iso(d.created_at) as string,
    updatedAt: iso(d.updated_at) as string,
  };
}

const invalid = (path: string, message: string) => new AppError(ErrorCode.ValidationFailed, `${path}: ${message}`, { details: [{ path, message }] });

/** Cross-field rules the route schema cannot express; returns the row values. */
function toRow(input: DiscountInput) {
  const automatic = input.automatic ?? false;
  const code = input.code?.trim() || null;
  if (automatic && code) throw invalid('code', 'an automatic discount has no code');
  if (!automatic && !code) throw invalid('code', 'required unless automatic is true');
  if (code && !CODE_RE.test(code)) throw invalid('code', 'letters, digits, - and _, at most 64');
  const value = input.value ?? 0;
  if (input.kind === 'percentage' && (!Number.isInteger(value) || value < 1 || value > 100)) throw invalid('value', 'a percentage from 1 to 100');
  if (input.kind === 'fixed_amount' && (!Number.isInteger(value) || value < 1)) throw invalid('value', 'an amount in minor units, at least 1');
  if (input.kind === 'buy_x_get_y') {
    const b = input.buyXGetY;
    if (!b) throw invalid('buyXGetY', 'required for buy_x_get_y');
    if (!(b.buyProductIds?.length || b.buyCollectionIds?.length)) throw invalid('buyXGetY.buyProductIds', 'give buyProductIds or buyCollectionIds');
    if (!(b.getProductIds?.length || b.getCollectionIds?.length)) throw invalid('buyXGetY.getProductIds', 'give getProductIds or getCollectionIds');
  } else if (input.buyXGetY) throw invalid('buyXGetY', 'only for buy_x_get_y');
  if (input.startsAt && input.endsAt && new Date(input.endsAt) <= new Date(input.startsAt)) throw invalid('endsAt', 'must be after startsAt');
  const a = input.appliesTo;
  return {
    title: input.title.trim(),
    code,
    code_key: code ? normaliseCode(code) : null,
    automatic,
    kind: input.kind,
    value: input.kind === 'percentage' || input.kind === 'fixed_amount' ? value : 0,
    applies_to:
      a && (a.productIds?.length || a.collectionIds?.length) ? JSON.stringify({ productIds: a.productIds ?? [], collectionIds: a.collectionIds ?? [] }) : null,
    min_subtotal: input.minSubtotal ?? null,
    usage_limit: input.usageLimit ?? null,
    once_per_customer: input.oncePerCustomer ?? false,
    starts_at: input.startsAt ? new Date(input.startsAt) : null,
    ends_at: input.endsAt ? new Date(input.endsAt) : null,
    combines_with: JSON.stringify({ ...NO_COMBINE, ...(input.combinesWith ?? {}) }),
    buy_x_get_y: input.buyXGetY ? JSON.stringify(input.buyXGetY) : null,
    active: input.active ?? true,
  };
}

export interface LiveDiscounts {
  codeRules: DiscountRule[];
  rejections: { code: string; reason: string }[];
  automatic: DiscountRule[];
}

export class DiscountService {
  constructor(
    private readonly t: Kysely<TenantDatabase>,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  private withStats() {
    return this.t
      .selectFrom('discounts as d')
      .selectAll('d')
      .select((eb) => [
        eb
          .selectFrom('discount_usages as u')
          .innerJoin('orders as o', 'o.id', 'u.order_id')
          .select(sql<number>`count(*)::int`.as('n'))
          .whereRef('u.discount_id', '=', 'd.id')
          .where('u.status', '=', 'active')
          .where('o.payment_status', 'in', ['paid', 'partially_refunded', 'refunded'])
          .as('orders'),
        eb
          .selectFrom('discount_usages as u')
          .innerJoin('orders as o', 'o.id', 'u.order_id')
          .select(sql<number>`coalesce(sum(o.total - o.refunded), 0)::int`.as('r'))
          .whereRef('u.discount_id', '=', 'd.id')
          .where('u.status', '=', 'active')
          .where('o.payment_status', 'in', ['paid', 'partially_refunded', 'refunded'])
          .as('revenue'),
        eb
          .selectFrom('discount_usages as u')
          .select(sql<number>`coalesce(sum(u.amount), 0)::int`.as('a'))
          .whereRef('u.discount_id', '=', 'd.id')
          .where('u.status', '=', 'active')
          .as('discounted'),
      ]);
  }

  async create(input: DiscountInput): Promise<DiscountView> {
    const row = toRow(input);
    const now = this.clock();
    const id = newId();
    try {
      await this.t
        .insertInto('discounts')
        .values({ id, ...row, created_at: now, updated_at: now })
        .execute();
    } catch (e) {
      if (isUniqueViolation(e)) throw new AppError(ErrorCode.Conflict, 'A discount with this code already exists', { details: { field: 'code' } });
      throw e;
    }
    return this.getOrThrow(id);
  }

  async get(id: string): Promise<DiscountView | null> {
    const row = await this.withStats().where('d.id', '=', id).executeTakeFirst();
    return row ? toView(row as never, this.clock()) : null;
  }

  async getOrThrow(id: string): Promise<DiscountView> {
    const d = await this.get(id);
    if (!d) throw new AppError(ErrorCode.NotFound, 'Discount not found');
    return d;
  }

  async list(q: { status?: DiscountStatus; q?: string; limit: number; cursor?: string }): Promise<{ items: DiscountView[]; nextCursor: string | null }> {
    let query = this.withStats();
    const text = q.q?.trim();
    if (text) {
      const like = `%${text.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
      query = query.where((eb) => eb.or([eb('d.title', 'ilike', like), eb('d.code', 'ilike', like)]));
    }
    if (q.cursor) query = query.where('d.id', '<', q.cursor);
    // Status depends on the clock and counters: filter after reading (a store has hundreds of discounts, not millions).
    const rows = await query
      .orderBy('d.id', 'desc')
      .limit(q.status ? 1000 : q.limit + 1)
      .execute();
    const now = this.clock();
    let views = rows.map((r) => toView(r as never, now));
    if (q.status) views = views.filter((v) => v.status === q.status);
    const page = views.slice(0, q.limit);
    return { items: page, nextCursor: views.length > q.limit ? (page.at(-1)?.id ?? null) : null };
  }

  async update(id: string, patch: Partial<DiscountInput>): Promise<DiscountView> {
    const current = await this.getOrThrow(id);
    const merged: DiscountInput = {
      title: patch.title ?? current.title,
      code: patch.code !== undefined ? patch.code : current.code,
      automatic: patch.automatic ?? current.automatic,
      kind: patch.kind ?? current.kind,
      value: patch.value ?? current.value,
      appliesTo: patch.appliesTo !== undefined ? patch.appliesTo : current.appliesTo,
      minSubtotal: patch.minSubtotal !== undefined ? patch.minSubtotal : current.minSubtotal,
      usageLimit: patch.usageLimit !== undefined ? patch.usageLimit : current.usageLimit,
      oncePerCustomer: patch.oncePerCustomer ?? current.oncePerCustomer,
      startsAt: patch.startsAt !== undefined ? patch.startsAt : current.startsAt,
      endsAt: patch.endsAt !== undefined ? patch.endsAt : current.endsAt,
      combinesWith: { ...current.combinesWith, ...(patch.combinesWith ?? {}) },
      buyXGetY: patch.buyXGetY !== undefined ? patch.buyXGetY : current.buyXGetY,
      active: patch.active ?? current.active,
    };
    if (patch.automatic === true && patch.code === undefined) merged.code = null;
    const row = toRow(merged);
    if (row.usage_limit !== null && row.usage_limit < current.usedCount) throw invalid('usageLimit', `already used ${current.usedCount} times`);
    try {
      await this.t
        .updateTable('discounts')
        .set({ ...row, updated_at: this.clock() })
        .where('id', '=', id)
        .execute();
    } catch (e) {
      if (isUniqueViolation(e)) throw new AppError(ErrorCode.Conflict, 'A discount with this code already exists', { details: { field: 'code' } });
      throw e;
    }
    return this.getOrThrow(id);
  }

  async delete(id: string): Promise<void> {
    const r = await this.t.deleteFrom('discounts').where('id', '=', id).executeTakeFirst();
    if (!r.numDeletedRows) throw new AppError(ErrorCode.NotFound, 'Discount not found');
  }

  /**
   * The live discounts for a cart, in one statement: the entered codes (with
   * why each one that does not apply is refused) and the automatic ones.
   */
  async live(codes: string[], email: string | null): Promise<LiveDiscounts> {
    const keys = [...new Set(codes.map(normaliseCode))];
    const now = this.clock();
    const rows = await this.t
      .selectFrom('discounts as d')
      .selectAll('d')
      .select((eb) =>
        eb
          .exists(
            eb
              .selectFrom('discount_usages as u')
              .select('u.id')
              .whereRef('u.discount_id', '=', 'd.id')
              // Without an e-mail nothing matches: once-per-customer is checked again at checkout.
              .where('u.email', '=', email?.trim().toLowerCase() ?? '')
              .where('u.status', '=', 'active'),
          )
          .as('used_by_customer'),
      )
      .where((eb) => eb.or([eb.and([eb('d.automatic', '=', true), eb('d.active', '=', true)]), ...(keys.length ? [eb('d.code_key', 'in', keys)] : [])]))
      .execute();
    const codeRules: DiscountRule[] = [];
    const rejections: { code: string; reason: string }[] = [];
    for (const code of codes) {
      const d = rows.find((r) => r.code_key === normaliseCode(code));
      const reason = d ? refusal(d, now) : 'unknown: this code does not exist';
      if (reason) rejections.push({ code, reason });
      else if (d?.once_per_customer && d.used_by_customer) rejections.push({ code, reason: 'once_per_customer: this code was already used with this e-mail' });
      else if (d) codeRules.push(toRule(d));
    }
    const automatic = rows.filter((r) => r.automatic && !refusal(r, now)).map(toRule);
    return { codeRules, rejections, automatic };
  }

  /**
   * Claims one use of each applied discount for the order, inside the
   * checkout's transaction. Throws `discount_not_applicable` when a limit was
   * reached meanwhile or the e-mail already used a once-per-customer code; the
   * caller's transaction then rolls back and nothing is created.
   */
  static async claim(
    trx: Tx,
    orderId: string,
    email: string,
    applied: Pick<AppliedDiscount, 'discountId' | 'code' | 'title' | 'amount'>[],
    now: Date,
  ): Promise<void> {
    for (const a of [...applied].sort((x, y) => (x.discountId < y.discountId ? -1 : 1))) {
      const row = await trx
        .updateTable('discounts')
        .set({ used_count: sql`used_count + 1` })
        .where('id', '=', a.discountId)
        .where('active', '=', true)
        .where((eb) => eb.or([eb('usage_limit', 'is', null), eb('used_count', '<', eb.ref('usage_limit'))]))
        .where((eb) => eb.or([eb('starts_at', 'is', null), eb('starts_at', '<=', now)]))
        .where((eb) => eb.or([eb('ends_at', 'is', null), eb('ends_at', '>', now)]))
        .returning(['once_per_customer'])
        .executeTakeFirst();
      const label = a.code ?? a.title;
      if (!row)
        throw new AppError(ErrorCode.DiscountNotApplicable, `${label} can no longer be used (used up or ended)`, {
          details: { code: a.code, reason: 'used_up' },
        });
      try {
        await trx
          .insertInto('discount_usages')
          .values({ id: newId(), discount_id: a.discountId, order_id: orderId, email: email.toLowerCase(), amount: a.amount, created_at: now })
          .execute();
      } catch (e) {
        if (isUniqueViolation(e))
          throw new AppError(ErrorCode.DiscountNotApplicable, `${label} can be used once per customer and was already used with this e-mail`, {
            details: { code: a.code, reason: 'once_per_customer' },
          });
        throw e;
      }
    }
  }

  /** Gives back the uses of an order whose payment failed or expired (same transaction as the cancellation). */
  static async release(trx: Tx, orderId: string): Promise<number> {
    const released = await trx
      .updateTable('discount_usages')
      .set({ status: 'released' })
      .where('order_id', '=', orderId)
      .where('status', '=', 'active')
      .returning('discount_id')
      .execute();
    for (const r of released.sort((a, b) => (a.discount_id < b.discount_id ? -1 : 1)))
      await trx.updateTable('discounts').set({ used_count: sql`used_count - 1` }).where('id', '=', r.discount_id).where('used_count', '>', 0).execute();
    return released.length;
  }
}

/** Why a discount row cannot be used now, or null when it can. */
function refusal(d: Discount, now: Date): string | null {
  if (!d.active) return 'inactive: this code is not active';
  if (d.starts_at && new Date(d.starts_at) > now) return 'not_started: this code is not valid yet';
  if (d.ends_at && new Date(d.ends_at) <= now) return 'expired: this code has expired';
  if (d.usage_limit !== null && d.used_count >= d.usage_limit) return 'used_up: this code has reached its usage limit';
  return null;
}
