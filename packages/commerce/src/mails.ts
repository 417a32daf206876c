/**
 * Order mails in the platform's one layout (`renderMail`: branded HTML and a
 * plain-text part with the same words and links), in the shopper's language
 * (English or Simplified Chinese, like the storefront): the confirmation and
 * shipping mails to the shopper, and the new-order mail to the merchant.
 */
import { type MailBlock, renderMail } from '@storeloom/mail';
import { formatMoney } from '@storeloom/money';
import type { OrderDetail } from './views.ts';

export interface MailContext {
  storeName: string;
  statusUrl: string;
  formatMoney(amount: number): string;
  /** The shopper's language (`en`, `zh-CN`); English when absent or unknown. */
  lang?: string;
  /** The storefront's home, linked from the header. */
  homeUrl?: string | null;
}

const en = {
  confirmSubject: '{store}: order #{n} confirmed',
  confirmHeading: 'Thank you for your order',
  confirmText: 'We have received your payment for order #{n}. We will let you know when it ships.',
  viewOrder: 'View your order',
  subtotal: 'Subtotal',
  discount: 'Discount',
  shipping: 'Shipping',
  tax: 'Tax',
  total: 'Total',
  shipTo: 'Shipping to',
  shippedSubject: '{store}: order #{n} has shipped',
  shippedHeading: 'Your order is on its way',
  shippedText: 'Good news: order #{n} has shipped.',
  tracking: 'Tracking: {t}',
  noTracking: 'Your parcel is on its way.',
  newSubject: 'New order #{n}: {total} from {who}',
  newHeading: 'New order #{n}',
  newText: '{who} ({email}) placed an order of {total} at {store}; it is paid and waiting to be fulfilled.',
  openOrder: 'Open the order',
  newFooter: 'You receive this as an owner or admin of {store}.',
} as const;
type Key = keyof typeof en;
const zh: Record<Key, string> = {
  confirmSubject: '{store}：订单 #{n} 已确认',
  confirmHeading: '感谢您的订购',
  confirmText: '我们已收到订单 #{n} 的付款，发货后会通知您。',
  viewOrder: '查看订单',
  subtotal: '小计',
  discount: '折扣',
  shipping: '运费',
  tax: '税费',
  total: '合计',
  shipTo: '收货地址',
  shippedSubject: '{store}：订单 #{n} 已发货',
  shippedHeading: '您的订单已发出',
  shippedText: '好消息：订单 #{n} 已发货。',
  tracking: '物流单号：{t}',
  noTracking: '您的包裹正在路上。',
  newSubject: '新订单 #{n}：{who} 支付 {total}',
  newHeading: '新订单 #{n}',
  newText: '{who}（{email}）在 {store} 下了一笔 {total} 的订单，已付款，等待发货。',
  openOrder: '打开订单',
  newFooter: '您收到此邮件是因为您是 {store} 的所有者或管理员。',
};
function tr(lang: string | undefined) {
  const m = lang?.toLowerCase().startsWith('zh') ? zh : en;
  return (key: Key, p: Record<string, string | number> = {}) => m[key].replace(/\{(\w+)\}/g, (_, k: string) => String(p[k] ?? ''));
}

function lineRows(order: OrderDetail, ctx: MailContext, t: ReturnType<typeof tr>) {
  return [
    ...order.lines.map((l) => ({ label: `${l.quantity} × ${l.title}${l.variantTitle ? ` (${l.variantTitle})` : ''}`, value: ctx.formatMoney(l.total) })),
    { label: t('subtotal'), value: ctx.formatMoney(order.subtotal) },
    ...(order.discountTotal > 0 ? [{ label: t('discount'), value: `−${ctx.formatMoney(order.discountTotal)}` }] : []),
    { label: t('shipping'), value: ctx.formatMoney(order.shipping) },
    { label: t('tax'), value: ctx.formatMoney(order.tax) },
    { label: t('total'), value: ctx.formatMoney(order.total), strong: true },
  ];
}

function addressBlock(order: OrderDetail, t: ReturnType<typeof tr>): MailBlock[] {
  const a = order.shippingAddress;
  if (!a) return [];
  const lines = [a.name, a.line1, a.line2, `${a.postalCode} ${a.city}`.trim(), a.region, a.country].filter(Boolean);
  return [{ kind: 'note', text: `${t('shipTo')}:\n${lines.join('\n')}` }];
}

const brandOf = (ctx: MailContext) => ({ name: ctx.storeName, homeUrl: ctx.homeUrl ?? null, lang: ctx.lang?.startsWith('zh') ? 'zh-CN' : 'en' });

export function orderConfirmationMail(order: OrderDetail, ctx: MailContext) {
  const t = tr(ctx.lang);
  const n = order.number;
  const subject = t('confirmSubject', { store: ctx.storeName, n });
  const m = renderMail(brandOf(ctx), {
    preheader: subject,
    heading: t('confirmHeading'),
    blocks: [
      { kind: 'text', text: t('confirmText', { n }) },
      { kind: 'rows', rows: lineRows(order, ctx, t) },
      ...addressBlock(order, t),
      { kind: 'button', label: t('viewOrder'), url: ctx.statusUrl },
    ],
  });
  return { subject, ...m };
}

export function orderShippedMail(order: OrderDetail, ctx: MailContext) {
  const t = tr(ctx.lang);
  const n = order.number;
  const f = order.fulfillment;
  const subject = t('shippedSubject', { store: ctx.storeName, n });
  const m = renderMail(brandOf(ctx), {
    preheader: subject,
    heading: t('shippedHeading'),
    blocks: [
      { kind: 'text', text: t('shippedText', { n }) },
      { kind: 'text', text: f?.trackingNumber ? t('tracking', { t: `${f.carrier ? `${f.carrier} ` : ''}${f.trackingNumber}` }) : t('noTracking') },
      { kind: 'button', label: t('viewOrder'), url: ctx.statusUrl },
    ],
  });
  return { subject, ...m };
}

/** To the store's owners and admins when an order is paid: who bought what, where it goes, and a link to the order in the console. */
export function newOrderMerchantMail(order: OrderDetail, o: { storeName: string; lang: string; orderUrl: string | null }) {
  const ctx: MailContext = { storeName: o.storeName, statusUrl: '', lang: o.lang, formatMoney: (n) => formatMoney(n, order.currency, o.lang) };
  const t = tr(ctx.lang);
  const n = order.number;
  const who = order.customerName || order.shippingAddress?.name || order.email;
  const total = ctx.formatMoney(order.total);
  const subject = t('newSubject', { n, total, who });
  const m = renderMail(brandOf(ctx), {
    preheader: subject,
    heading: t('newHeading', { n }),
    blocks: [
      { kind: 'text', text: t('newText', { who, email: order.email, total, store: ctx.storeName }) },
      { kind: 'rows', rows: lineRows(order, ctx, t) },
      ...addressBlock(order, t),
      ...(o.orderUrl ? [{ kind: 'button' as const, label: t('openOrder'), url: o.orderUrl }] : []),
    ],
    footer: t('newFooter', { store: ctx.storeName }),
  });
  return { subject, ...m };
}
