/**
 * Gift cards sold as products (issue 18). A product flagged `gift_card` is a
 * tender for sale: its variants are the denominations, its lines ship nothing,
 * carry no tax and take no discount (pricing.ts). When the order is paid, the
 * `commerce.order-paid` job calls `issueOrderGiftCards`: one card per unit of
 * each gift-card line, worth the line's unit price in the order's currency,
 * and one mail per card with its code to the recipient (or the buyer), written
 * to the outbox in the transaction that issues the card, so a card exists only
 * with its mail. The order line is locked while its cards are counted and the
 * (order line, unit) pair is unique, so retried or duplicated paid events issue
 * nothing twice. Refunding units of such a line disables their unused cards
 * (`disableRefundedGiftCards`, inside the refund's transaction).
 */
import type { GiftCardRecipient, Kysely, TenantDatabase, Transaction } from '@storeloom/db';
import { AppError, ErrorCode } from '@storeloom/errors';
import { type MailOutbox, renderMail } from '@storeloom/mail';
import { formatMoney } from '@storeloom/money';
import { GiftCardService } from './gift-cards.ts';
import type { PlannedRefundPart } from './refunds.ts';

type Tx = Transaction<TenantDatabase>;

const PAID = new Set(['paid', 'partially_refunded', 'refunded']);

const en = {
  subjectGift: '{from} sent you a {value} gift card for {store}',
  subjectOwn: 'Your {value} gift card for {store}',
  headingGift: 'You have received a gift card',
  headingOwn: 'Here is your gift card',
  textGift: '{from} sent you a gift card worth {value} to spend at {store}.',
  textOwn: 'Thank you for your order #{n}. Here is your gift card worth {value} to spend at {store}.',
  messageFrom: 'Message from {from}:',
  code: 'Gift card code',
  value: 'Value',
  howTo: 'Enter the code in your cart at checkout. What you do not spend stays on the card.',
  shop: 'Visit {store}',
  keep: 'Keep this code safe: anyone who has it can spend the card.',
  someone: 'Someone',
} as const;
type Key = keyof typeof en;
const zh: Record<Key, string> = {
  subjectGift: '{from} 送给您一张 {store} 的 {value} 礼品卡',
  subjectOwn: '您的 {store} {value} 礼品卡',
  headingGift: '您收到了一张礼品卡',
  headingOwn: '这是您的礼品卡',
  textGift: '{from} 送给您一张价值 {value} 的礼品卡，可在 {store} 使用。',
  textOwn: '感谢您的订单 #{n}。这是您价值 {value} 的礼品卡，可在 {store} 使用。',
  messageFrom: '{from} 的留言：',
  code: '礼品卡代码',
  value: '面值',
  howTo: '结账时在购物车中输入此代码。未用完的余额会保留在卡上。',
  shop: '访问 {store}',
  keep: '请妥善保管此代码：任何拥有它的人都可以使用这张卡。',
  someone: '有人',
};
function tr(lang: string) {
  const m = lang.toLowerCase().startsWith('zh') ? zh : en;
  return (key: Key, p: Record<string, string | number> = {}) => m[key].replace(/\{(\w+)\}/g, (_, k: string) => String(p[k] ?? ''));
}

/** The mail that carries a gift card's code: branded HTML and plain text, in the store's language. */
export function giftCardIssuedMail(o: {
  storeName: string;
  lang: string;
  homeUrl: string | null;
  code: string;
  value: number;
  currency: string;
  orderNumber: number;
  /** Null: the buyer's own card. */
  recipient: GiftCardRecipient | null;
  buyerName: string | null;
}): { subject: string; html: string; text: string } {
  const t = tr(o.lang);
  const value = formatMoney(o.value, o.currency, o.lang);
  const gift = o.recipient?.email != null;
  const from = o.buyerName?.trim() || t('someone');
  const subject = gift ? t('subjectGift', { from, value, store: o.storeName }) : t('subjectOwn', { value, store: o.storeName });
  const greeting = o.recipient?.name ? `${o.recipient.name},` : null;
  const m = renderMail(
    { name: o.storeName, homeUrl: o.homeUrl, lang: o.lang.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en' },
    {
      preheader: subject,
      heading: t(gift ? 'headingGift' : 'headingOwn'),
      blocks: [
        ...(greeting ? [{ kind: 'text' as const, text: greeting }] : []),
        { kind: 'text', text: gift ? t('textGift', { from, value, store: o.storeName }) : t('textOwn', { n: o.orderNumber, value, store: o.storeName }) },
        ...(gift && o.recipient?.message ? [{ kind: 'text' as const, text: `${t('messageFrom', { from })}\n${o.recipient.message}` }] : []),
        {
          kind: 'rows',
          rows: [
            { label: t('code'), value: o.code, strong: true },
            { label: t('value'), value },
          ],
        },
        { kind: 'text', text: t('howTo') },
        ...(o.homeUrl ? [{ kind: 'button' as const, label: t('shop', { store: o.storeName }), url: o.homeUrl }] : []),
        { kind: 'note', text: t('keep') },
      ],
    },
  );
  return { subject, ...m };
}

export interface IssueOrderGiftCardsOptions {
  store: { id: string; name: string; defaultLocale: string };
  mail: Pick<MailOutbox, 'enqueue'>;
  /** The storefront's home (the mail's button); none without a storefront origin. */
  homeUrl?: string | null;
  clock?: () => Date;
}

/**
 * Issues the cards a paid order bought: per gift-card line, as many as its units not refunded minus the cards it
 * already has (not disabled). Each card and its mail commit together. Returns how many were issued now.
 */
export async function issueOrderGiftCards(t: Kysely<TenantDatabase>, orderId: string, o: IssueOrderGiftCardsOptions): Promise<{ issued: number }> {
  const order = await t
    .selectFrom('orders')
    .select(['id', 'number', 'email', 'customer_name', 'currency', 'payment_status', 'shipping_address'])
    .where('id', '=', orderId)
    .executeTakeFirst();
  if (!order || !PAID.has(order.payment_status)) return { issued: 0 };
  const lines = await t.selectFrom('order_lines').select('id').where('order_id', '=', orderId).where('gift_card', '=', true).orderBy('position').execute();
  const cards = new GiftCardService(t, o.clock);
  let issued = 0;
  for (const { id: lineId } of lines) {
    issued += await t.transaction().execute(async (trx) => {
      // The line's lock serialises duplicate jobs and refunds of this line: the second one counts the first's cards.
      const line = await trx
        .selectFrom('order_lines')
        .select(['id', 'quantity', 'refunded_quantity', 'unit_price', 'gift_card_recipient'])
        .where('id', '=', lineId)
        .forUpdate()
        .executeTakeFirstOrThrow();
      const existing = await trx.selectFrom('gift_cards').select(['source_unit', 'disabled']).where('source_order_line_id', '=', lineId).execute();
      const active = existing.filter((c) => !c.disabled).length;
      let unit = existing.reduce((max, c) => Math.max(max, (c.source_unit ?? -1) + 1), 0);
      const wanted = line.quantity - line.refunded_quantity - active;
      const recipient = line.gift_card_recipient ?? null;
      const to = recipient?.email ?? order.email;
      for (let i = 0; i < wanted; i++) {
        const card = await cards.issue(
          {
            initialValue: line.unit_price,
            currency: order.currency,
            note: `Order #${order.number}`,
            sourceOrderId: orderId,
            sourceOrderLineId: lineId,
            sourceUnit: unit++,
          },
          trx,
        );
        const m = giftCardIssuedMail({
          storeName: o.store.name,
          lang: o.store.defaultLocale,
          homeUrl: o.homeUrl ?? null,
          code: card.code,
          value: line.unit_price,
          currency: order.currency,
          orderNumber: order.number,
          recipient: recipient?.email ? recipient : null,
          buyerName: order.customer_name ?? order.shipping_address?.name ?? null,
        });
        await o.mail.enqueue({ kind: 'gift-card-issued', to, storeId: o.store.id, dedupKey: `gift-card-issued:${o.store.id}:${card.id}`, ...m }, trx as never);
      }
      return Math.max(0, wanted);
    });
  }
  return { issued };
}

/**
 * Inside a refund's transaction: refunding units of a gift-card line disables that many of its cards. Units whose
 * card is not issued yet go first (the issuing job then issues fewer); an issued card must be unused (balance =
 * value), otherwise the refund is refused (409-like `invalid_state`), since its money was already spent.
 */
export async function disableRefundedGiftCards(trx: Tx, orderId: string, parts: readonly PlannedRefundPart[], now: Date): Promise<number> {
  const byLine = new Map<string, number>();
  for (const p of parts) if (p.kind === 'line' && p.orderLineId && p.quantity > 0) byLine.set(p.orderLineId, (byLine.get(p.orderLineId) ?? 0) + p.quantity);
  if (!byLine.size) return 0;
  let disabled = 0;
  for (const [lineId, units] of byLine) {
    const line = await trx
      .selectFrom('order_lines')
      .select(['quantity', 'refunded_quantity', 'gift_card'])
      .where('id', '=', lineId)
      .where('order_id', '=', orderId)
      .forUpdate()
      .executeTakeFirst();
    if (!line?.gift_card) continue;
    const cards = await trx
      .selectFrom('gift_cards')
      .select(['id', 'balance', 'initial_value'])
      .where('source_order_line_id', '=', lineId)
      .where('disabled', '=', false)
      .orderBy('source_unit', 'desc')
      .forUpdate()
      .execute();
    const notIssued = Math.max(0, line.quantity - line.refunded_quantity - cards.length);
    const toDisable = units - Math.min(units, notIssued);
    if (toDisable <= 0) continue;
    const unused = cards.filter((c) => c.balance === c.initial_value).slice(0, toDisable);
    if (unused.length < toDisable)
      throw new AppError(ErrorCode.InvalidState, 'A gift card bought with this order has been used; only unused gift cards can be refunded', {
        details: { orderLineId: lineId, unusedCards: cards.filter((c) => c.balance === c.initial_value).length },
      });
    await trx
      .updateTable('gift_cards')
      .set({ disabled: true, updated_at: now })
      .where(
        'id',
        'in',
        unused.map((c) => c.id),
      )
      .execute();
    disabled += unused.length;
  }
  return disabled;
}
