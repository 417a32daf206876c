/**
 * Gift cards: a tender, not a discount. The code is random (80 bits), shown
 * once when issued and stored as a sha256 hash with its last 4 characters
 * visible. The balance moves only by one conditional UPDATE (`balance >=
 * amount`, with a CHECK backstop) plus a ledger row keyed per order and card,
 * so two simultaneous checkouts can never spend more than the balance and a
 * retried release or refund applies once.
 */
import { randomBytes } from 'node:crypto';
import { sha256Hex } from '@storeloom/auth';
import { type GiftCard, type Kysely, newId, sql, type TenantDatabase, type Transaction } from '@storeloom/db';
import { AppError, ErrorCode } from '@storeloom/errors';

type Tx = Transaction<TenantDatabase>;

/** No 0/O/1/I: codes are read aloud and typed from paper. */
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

export function generateGiftCardCode(): string {
  const bytes = randomBytes(16);
  let out = '';
  for (const b of bytes) out += ALPHABET.charAt(b % 32);
  return out.match(/.{4}/g)?.join('-') ?? out;
}

/** Case, spaces and dashes do not matter. */
export const normaliseGiftCardCode = (code: string) => code.toUpperCase().replace(/[\s-]/g, '');
export const hashGiftCardCode = (code: string) => sha256Hex(`giftcard:${normaliseGiftCardCode(code)}`);

export interface GiftCardView {
  id: string;
  last4: string;
  initialValue: number;
  balance: number;
  currency: string;
  expiresAt: string | null;
  note: string | null;
  disabled: boolean;
  sourceOrderId: string | null;
  createdAt: string;
}

export interface GiftCardLedgerEntry {
  id: string;
  kind: string;
  amount: number;
  balanceAfter: number;
  orderId: string | null;
  createdAt: string;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

export function toGiftCardView(g: GiftCard): GiftCardView {
  return {
    id: g.id,
    last4: g.last4,
    initialValue: g.initial_value,
    balance: g.balance,
    currency: g.currency,
    expiresAt: iso(g.expires_at),
    note: g.note,
    disabled: g.disabled,
    sourceOrderId: g.source_order_id,
    createdAt: iso(g.created_at) as string,
  };
}

export class GiftCardService {
  constructor(
    private readonly t: Kysely<TenantDatabase>,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Issues a card; the full code is returned here only. */
  async issue(
    input: {
      initialValue: number;
      currency: string;
      expiresAt?: string | null;
      note?: string | null;
      sourceOrderId?: string | null;
      /** Sold in the shop: the order line and unit it is issued for (unique). */
      sourceOrderLineId?: string | null;
      sourceUnit?: number | null;
    },
    trx?: Tx,
  ) {
    if (!Number.isInteger(input.initialValue) || input.initialValue < 1 || input.initialValue > 100_000_000)
      throw new AppError(ErrorCode.ValidationFailed, 'initialValue: 1 to 100000000', { details: [{ path: 'initialValue', message: 'out of range' }] });
    const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
    if (expiresAt && expiresAt <= this.clock())
      throw new AppError(ErrorCode.ValidationFailed, 'expiresAt: must be in the future', { details: [{ path: 'expiresAt', message: 'in the past' }] });
    const code = generateGiftCardCode();
    const id = newId();
    const now = this.clock();
    const run = async (x: Tx) => {
      await x
        .insertInto('gift_cards')
        .values({
          id,
          code_hash: hashGiftCardCode(code),
          last4: normaliseGiftCardCode(code).slice(-4),
          initial_value: input.initialValue,
          balance: input.initialValue,
          currency: input.currency,
          expires_at: expiresAt,
          note: input.note ?? null,
          source_order_id: input.sourceOrderId ?? null,
          source_order_line_id: input.sourceOrderLineId ?? null,
          source_unit: input.sourceUnit ?? null,
          created_at: now,
          updated_at: now,
        })
        .execute();
      await x
        .insertInto('gift_card_ledger')
        .values({
          id: newId(),
          gift_card_id: id,
          order_id: input.sourceOrderId ?? null,
          kind: 'issue',
          amount: input.initialValue,
          balance_after: input.initialValue,
          idempotency_key: `issue:${id}`,
          created_at: now,
        })
        .execute();
    };
    if (trx) await run(trx);
    else await this.t.transaction().execute(run);
    return {
      id,
      code,
      last4: normaliseGiftCardCode(code).slice(-4),
      balance: input.initialValue,
      currency: input.currency,
      expiresAt: expiresAt?.toISOString() ?? null,
    };
  }

  async list(q: { limit: number; cursor?: string; q?: string }): Promise<{ items: GiftCardView[]; nextCursor: string | null }> {
    let query = this.t.selectFrom('gift_cards').selectAll();
    if (q.q?.trim()) query = query.where('last4', '=', normaliseGiftCardCode(q.q).slice(-4));
    if (q.cursor) query = query.where('id', '<', q.cursor);
    const rows = await query
      .orderBy('id', 'desc')
      .limit(q.limit + 1)
      .execute();
    const page = rows.slice(0, q.limit);
    return { items: page.map(toGiftCardView), nextCursor: rows.length > q.limit ? (page.at(-1)?.id ?? null) : null };
  }

  async get(id: string): Promise<(GiftCardView & { ledger: GiftCardLedgerEntry[] }) | null> {
    const g = await this.t.selectFrom('gift_cards').selectAll().where('id', '=', id).executeTakeFirst();
    if (!g) return null;
    const ledger = await this.t.selectFrom('gift_card_ledger').selectAll().where('gift_card_id', '=', id).orderBy('created_at').orderBy('id').execute();
    return {
      ...toGiftCardView(g),
      ledger: ledger.map((l) => ({
        id: l.id,
        kind: l.kind,
        amount: l.amount,
        balanceAfter: l.balance_after,
        orderId: l.order_id,
        createdAt: iso(l.created_at) as string,
      })),
    };
  }

  async update(id: string, patch: { disabled?: boolean; note?: string | null; expiresAt?: string | null }): Promise<GiftCardView> {
    const row = await this.t
      .updateTable('gift_cards')
      .set({
        ...(patch.disabled !== undefined ? { disabled: patch.disabled } : {}),
        ...(patch.note !== undefined ? { note: patch.note } : {}),
        ...(patch.expiresAt !== undefined ? { expires_at: patch.expiresAt ? new Date(patch.expiresAt) : null } : {}),
        updated_at: this.clock(),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new AppError(ErrorCode.NotFound, 'Gift card not found');
    return toGiftCardView(row);
  }

  /** The usable card behind a code, or `gift_card_invalid` saying why. */
  async findUsable(code: string, currency: string): Promise<GiftCard> {
    const norm = normaliseGiftCardCode(code);
    if (!/^[A-Z0-9]{8,32}$/.test(norm)) throw new AppError(ErrorCode.GiftCardInvalid, 'This gift card code is not valid', { details: { reason: 'unknown' } });
    const g = await this.t.selectFrom('gift_cards').selectAll().where('code_hash', '=', hashGiftCardCode(code)).executeTakeFirst();
    const reason = !g
      ? 'unknown'
      : g.disabled
        ? 'disabled'
        : g.expires_at && new Date(g.expires_at) <= this.clock()
          ? 'expired'
          : g.currency !== currency
            ? 'currency'
            : g.balance <= 0
              ? 'no_balance'
              : null;
    if (!g || reason) {
      const message = {
        unknown: 'This gift card code is not valid',
        disabled: 'This gift card has been disabled',
        expired: 'This gift card has expired',
        currency: 'This gift card is in another currency',
        no_balance: 'This gift card has no balance left',
      }[reason ?? 'unknown'];
      throw new AppError(ErrorCode.GiftCardInvalid, message, { details: { reason } });
    }
    return g;
  }

  /** Balances of the cards a cart holds, still usable now, in the order given. */
  async usable(ids: string[], currency: string): Promise<{ id: string; last4: string; balance: number }[]> {
    if (!ids.length) return [];
    const rows = await this.t
      .selectFrom('gift_cards')
      .select(['id', 'last4', 'balance'])
      .where('id', 'in', ids)
      .where('disabled', '=', false)
      .where('currency', '=', currency)
      .where('balance', '>', 0)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', this.clock())]))
      .execute();
    return ids.flatMap((id) => rows.filter((r) => r.id === id));
  }

  /**
   * Takes `amount` off a card for an order inside the checkout transaction;
   * `gift_card_invalid` (and the caller's rollback) when the balance no longer
   * covers it because another checkout spent it meanwhile.
   */
  static async redeem(trx: Tx, cardId: string, orderId: string, amount: number, now: Date): Promise<number> {
    const row = await trx
      .updateTable('gift_cards')
      .set({ balance: sql`balance - ${amount}`, updated_at: now })
      .where('id', '=', cardId)
      .where('balance', '>=', amount)
      .where('disabled', '=', false)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .returning(['balance', 'last4'])
      .executeTakeFirst();
    if (!row)
      throw new AppError(ErrorCode.GiftCardInvalid, 'A gift card in your cart no longer has the balance shown; please review your cart', {
        details: { giftCardId: cardId, reason: 'balance_spent' },
      });
    await trx
      .insertInto('gift_card_ledger')
      .values({
        id: newId(),
        gift_card_id: cardId,
        order_id: orderId,
        kind: 'redeem',
        amount: -amount,
        balance_after: row.balance,
        idempotency_key: `redeem:${orderId}:${cardId}`,
        created_at: now,
      })
      .execute();
    return row.balance;
  }

  /** Puts back what an order whose payment failed or expired took from its cards (once: keyed per order and card). */
  static async release(trx: Tx, orderId: string, now: Date): Promise<number> {
    const redeemed = await trx
      .selectFrom('gift_card_ledger')
      .select(['gift_card_id', 'amount'])
      .where('order_id', '=', orderId)
      .where('kind', '=', 'redeem')
      .orderBy('gift_card_id')
      .execute();
    let total = 0;
    for (const r of redeemed) total += await credit(trx, r.gift_card_id, orderId, -r.amount, 'release', `release:${orderId}:${r.gift_card_id}`, now);
    return total;
  }

  /**
   * Refunds `amount` of an order back to the cards it was paid with (the card
   * used last first), never more than each card gave to the order.
   */
  static async refund(trx: Tx, orderId: string, amount: number, key: string, now: Date): Promise<number> {
    if (amount <= 0) return 0;
    const rows = await trx
      .selectFrom('gift_card_ledger')
      .select(['gift_card_id', sql<number>`(-sum(amount) filter (where kind in ('redeem','release','refund')))::int`.as('net')])
      .where('order_id', '=', orderId)
      .groupBy('gift_card_id')
      .orderBy('gift_card_id', 'desc')
      .execute();
    let left = amount;
    let i = 0;
    for (const r of rows) {
      if (left <= 0) break;
      const give = Math.min(left, Math.max(0, r.net ?? 0));
      if (give <= 0) continue;
      left -= await credit(trx, r.gift_card_id, orderId, give, 'refund', `refund:${key}:${i++}`, now);
    }
    return amount - left;
  }
}

async function credit(trx: Tx, cardId: string, orderId: string, amount: number, kind: 'release' | 'refund', key: string, now: Date): Promise<number> {
  const claimed = await trx
    .insertInto('gift_card_ledger')
    .values({ id: newId(), gift_card_id: cardId, order_id: orderId, kind, amount, balance_after: 0, idempotency_key: key, created_at: now })
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!claimed) return 0;
  const row = await trx
    .updateTable('gift_cards')
    .set({ balance: sql`balance + ${amount}`, updated_at: now })
    .where('id', '=', cardId)
    .returning('balance')
    .executeTakeFirstOrThrow();
  await trx.updateTable('gift_card_ledger').set({ balance_after: row.balance }).where('id', '=', claimed.id).execute();
  return amount;
}
