/** Transactional mail bodies for orders (plain text + simple HTML). */
import type { OrderDetail } from './views.ts';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export interface MailContext {
  storeName: string;
  statusUrl: string;
  formatMoney(amount: number): string;
}

export function orderConfirmationMail(order: OrderDetail, ctx: MailContext) {
  const lines = order.lines.map((l) => `${l.quantity} × ${l.title}${l.variantTitle ? ` (${l.variantTitle})` : ''} — ${ctx.formatMoney(l.total)}`);
  const text = [
    `Thank you for your order at ${ctx.storeName}!`,
    '',
    `Order #${order.number}`,
    ...lines,
    '',
    `Subtotal: ${ctx.formatMoney(order.subtotal)}`,
    `Shipping: ${ctx.formatMoney(order.shipping)}`,
    `Tax: ${ctx.formatMoney(order.tax)}`,
    `Total: ${ctx.formatMoney(order.total)}`,
    '',
    `Track your order: ${ctx.statusUrl}`,
  ].join('\n');
  const html = `<h1>Thank you for your order</h1><p>${esc(ctx.storeName)} — order #${order.number}</p><ul>${lines.map((l) => `<li>${esc(l)}</li>`).join('')}</ul><p><strong>Total: ${esc(ctx.formatMoney(order.total))}</strong></p><p><a href="${esc(ctx.statusUrl)}">View your order</a></p>`;
  return { subject: `${ctx.storeName}: order #${order.number} confirmed`, text, html };
}

export function orderShippedMail(order: OrderDetail, ctx: MailContext) {
  const tracking = order.fulfillment?.trackingNumber
    ? `Tracking: ${order.fulfillment.carrier ? `${order.fulfillment.carrier} ` : ''}${order.fulfillment.trackingNumber}`
    : 'Your parcel is on its way.';
  const text = [`Good news: order #${order.number} from ${ctx.storeName} has shipped.`, tracking, '', `Order status: ${ctx.statusUrl}`].join('\n');
  const html = `<h1>Your order has shipped</h1><p>${esc(ctx.storeName)} — order #${order.number}</p><p>${esc(tracking)}</p><p><a href="${esc(ctx.statusUrl)}">View your order</a></p>`;
  return { subject: `${ctx.storeName}: order #${order.number} has shipped`, text, html };
}
