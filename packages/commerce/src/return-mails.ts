/**
 * Mails to the shopper at each step of a return (requested, approved with the
 * label, declined, received, refunded, exchanged), in the platform's branded
 * layout (`renderMail`) and the order's language (six storefront languages;
 * English for any other).
 */
import { renderMail } from '@storeloom/mail';
import type { MailContext } from './mails.ts';
import type { ReturnView } from './returns.ts';
import type { OrderDetail } from './views.ts';

export type ReturnMailStep = 'requested' | 'approved' | 'declined' | 'received' | 'refunded' | 'exchanged';

type Words = {
  subject: Record<ReturnMailStep, string>;
  heading: Record<ReturnMailStep, string>;
  text: Record<ReturnMailStep, string>;
  label: string;
  note: string;
  view: string;
};

const WORDS: Record<string, Words> = {
  en: {
    subject: {
      requested: '{store}: return request for order #{n} received',
      approved: '{store}: your return for order #{n} is approved',
      declined: '{store}: your return for order #{n} was declined',
      received: '{store}: we received your return for order #{n}',
      refunded: '{store}: refund of {amount} for order #{n}',
      exchanged: '{store}: your exchange for order #{n}',
    },
    heading: {
      requested: 'We have your return request',
      approved: 'Your return is approved',
      declined: 'Your return was declined',
      received: 'Your return has arrived',
      refunded: 'Your refund is on its way',
      exchanged: 'Your exchange is confirmed',
    },
    text: {
      requested: 'We will review your request to return {units} from order #{n} and let you know.',
      approved: 'Please send back {units} from order #{n}.',
      declined: 'We cannot accept the return of {units} from order #{n}.',
      received: 'We received {units} from order #{n} and are processing it.',
      refunded: 'We refunded {amount} to your original payment method for order #{n}.',
      exchanged: 'We are sending you the replacement for {units} from order #{n}.',
    },
    label: 'Return label: {label}',
    note: 'Note from the store: {note}',
    view: 'View your order',
  },
  'zh-CN': {
    subject: {
      requested: '{store}：已收到订单 #{n} 的退货申请',
      approved: '{store}：订单 #{n} 的退货已批准',
      declined: '{store}：订单 #{n} 的退货未获批准',
      received: '{store}：已收到订单 #{n} 的退货',
      refunded: '{store}：订单 #{n} 已退款 {amount}',
      exchanged: '{store}：订单 #{n} 的换货',
    },
    heading: {
      requested: '已收到您的退货申请',
      approved: '退货已批准',
      declined: '退货未获批准',
      received: '退货已收到',
      refunded: '退款已发出',
      exchanged: '换货已确认',
    },
    text: {
      requested: '我们将审核您退回订单 #{n} 中 {units} 的申请，并通知您结果。',
      approved: '请寄回订单 #{n} 中的 {units}。',
      declined: '我们无法接受订单 #{n} 中 {units} 的退货。',
      received: '我们已收到订单 #{n} 中的 {units}，正在处理。',
      refunded: '我们已将 {amount} 退回到订单 #{n} 的原支付方式。',
      exchanged: '我们将为订单 #{n} 中的 {units} 寄出替换商品。',
    },
    label: '退货单号：{label}',
    note: '店铺备注：{note}',
    view: '查看订单',
  },
  de: {
    subject: {
      requested: '{store}: Rücksendeanfrage zu Bestellung #{n} erhalten',
      approved: '{store}: Ihre Rücksendung zu Bestellung #{n} ist genehmigt',
      declined: '{store}: Ihre Rücksendung zu Bestellung #{n} wurde abgelehnt',
      received: '{store}: Ihre Rücksendung zu Bestellung #{n} ist angekommen',
      refunded: '{store}: Erstattung von {amount} für Bestellung #{n}',
      exchanged: '{store}: Ihr Umtausch zu Bestellung #{n}',
    },
    heading: {
      requested: 'Wir haben Ihre Rücksendeanfrage',
      approved: 'Rücksendung genehmigt',
      declined: 'Rücksendung abgelehnt',
      received: 'Rücksendung angekommen',
      refunded: 'Ihre Erstattung ist unterwegs',
      exchanged: 'Umtausch bestätigt',
    },
    text: {
      requested: 'Wir prüfen Ihre Anfrage, {units} aus Bestellung #{n} zurückzusenden, und melden uns.',
      approved: 'Bitte senden Sie {units} aus Bestellung #{n} zurück.',
      declined: 'Wir können die Rücksendung von {units} aus Bestellung #{n} nicht annehmen.',
      received: 'Wir haben {units} aus Bestellung #{n} erhalten und bearbeiten die Rücksendung.',
      refunded: 'Wir haben {amount} für Bestellung #{n} auf Ihre ursprüngliche Zahlungsart erstattet.',
      exchanged: 'Wir senden Ihnen den Ersatz für {units} aus Bestellung #{n}.',
    },
    label: 'Rücksendeetikett: {label}',
    note: 'Hinweis des Shops: {note}',
    view: 'Bestellung ansehen',
  },
  fr: {
    subject: {
      requested: '{store} : demande de retour reçue pour la commande #{n}',
      approved: '{store} : votre retour pour la commande #{n} est accepté',
      declined: '{store} : votre retour pour la commande #{n} est refusé',
      received: '{store} : nous avons reçu votre retour pour la commande #{n}',
      refunded: '{store} : remboursement de {amount} pour la commande #{n}',
      exchanged: '{store} : votre échange pour la commande #{n}',
    },
    heading: {
      requested: 'Nous avons votre demande de retour',
      approved: 'Retour accepté',
      declined: 'Retour refusé',
      received: 'Retour reçu',
      refunded: 'Votre remboursement est en route',
      exchanged: 'Échange confirmé',
    },
    text: {
      requested: 'Nous examinons votre demande de retour de {units} de la commande #{n} et revenons vers vous.',
      approved: 'Merci de renvoyer {units} de la commande #{n}.',
      declined: 'Nous ne pouvons pas accepter le retour de {units} de la commande #{n}.',
      received: 'Nous avons reçu {units} de la commande #{n} et traitons le retour.',
      refunded: 'Nous avons remboursé {amount} sur votre moyen de paiement d’origine pour la commande #{n}.',
      exchanged: 'Nous vous envoyons le remplacement de {units} de la commande #{n}.',
    },
    label: 'Étiquette de retour : {label}',
    note: 'Note de la boutique : {note}',
    view: 'Voir la commande',
  },
  es: {
    subject: {
      requested: '{store}: solicitud de devolución del pedido #{n} recibida',
      approved: '{store}: tu devolución del pedido #{n} está aprobada',
      declined: '{store}: tu devolución del pedido #{n} fue rechazada',
      received: '{store}: hemos recibido tu devolución del pedido #{n}',
      refunded: '{store}: reembolso de {amount} del pedido #{n}',
      exchanged: '{store}: tu cambio del pedido #{n}',
    },
    heading: {
      requested: 'Tenemos tu solicitud de devolución',
      approved: 'Devolución aprobada',
      declined: 'Devolución rechazada',
      received: 'Devolución recibida',
      refunded: 'Tu reembolso está en camino',
      exchanged: 'Cambio confirmado',
    },
    text: {
      requested: 'Revisaremos tu solicitud de devolver {units} del pedido #{n} y te avisaremos.',
      approved: 'Envía de vuelta {units} del pedido #{n}.',
      declined: 'No podemos aceptar la devolución de {units} del pedido #{n}.',
      received: 'Hemos recibido {units} del pedido #{n} y lo estamos procesando.',
      refunded: 'Hemos reembolsado {amount} a tu método de pago original del pedido #{n}.',
      exchanged: 'Te enviamos el reemplazo de {units} del pedido #{n}.',
    },
    label: 'Etiqueta de devolución: {label}',
    note: 'Nota de la tienda: {note}',
    view: 'Ver el pedido',
  },
  ja: {
    subject: {
      requested: '{store}：注文 #{n} の返品リクエストを受け付けました',
      approved: '{store}：注文 #{n} の返品が承認されました',
      declined: '{store}：注文 #{n} の返品はお受けできません',
      received: '{store}：注文 #{n} の返品を受け取りました',
      refunded: '{store}：注文 #{n} の {amount} を返金しました',
      exchanged: '{store}：注文 #{n} の交換',
    },
    heading: {
      requested: '返品リクエストを受け付けました',
      approved: '返品が承認されました',
      declined: '返品はお受けできません',
      received: '返品を受け取りました',
      refunded: '返金を手続きしました',
      exchanged: '交換が確定しました',
    },
    text: {
      requested: '注文 #{n} の {units} の返品リクエストを確認し、ご連絡します。',
      approved: '注文 #{n} の {units} をご返送ください。',
      declined: '注文 #{n} の {units} の返品はお受けできません。',
      received: '注文 #{n} の {units} を受け取り、処理しています。',
      refunded: '注文 #{n} の {amount} を元のお支払い方法に返金しました。',
      exchanged: '注文 #{n} の {units} の交換品をお送りします。',
    },
    label: '返品ラベル：{label}',
    note: 'ストアからのメモ：{note}',
    view: '注文を見る',
  },
};

export const RETURN_MAIL_LANGUAGES = Object.keys(WORDS);

function wordsFor(lang: string | undefined): { lang: string; w: Words } {
  const l = lang && WORDS[lang] ? lang : lang?.toLowerCase().startsWith('zh') ? 'zh-CN' : (lang?.slice(0, 2) ?? 'en');
  const w = WORDS[l] ?? WORDS.en;
  return { lang: WORDS[l] ? l : 'en', w: w as Words };
}

const fill = (s: string, p: Record<string, string | number>) => s.replace(/\{(\w+)\}/g, (_, k: string) => String(p[k] ?? ''));

export function returnMail(step: ReturnMailStep, r: ReturnView, order: OrderDetail, ctx: MailContext) {
  const { lang, w } = wordsFor(ctx.lang);
  const units = r.lines.map((l) => `${l.quantity} × ${l.title}${l.variantTitle ? ` (${l.variantTitle})` : ''}`).join(', ');
  const p = { store: ctx.storeName, n: order.number, units, amount: ctx.formatMoney(r.refundAmount ?? 0) };
  const subject = fill(w.subject[step], p);
  const blocks = [
    { kind: 'text' as const, text: fill(w.text[step], p) },
    { kind: 'rows' as const, rows: r.lines.map((l) => ({ label: `${l.quantity} × ${l.title}`, value: l.variantTitle ?? '' })) },
    ...(step === 'approved' && r.labelReference ? [{ kind: 'text' as const, text: fill(w.label, { label: r.labelReference }) }] : []),
    ...(r.merchantNote && (step === 'approved' || step === 'declined') ? [{ kind: 'note' as const, text: fill(w.note, { note: r.merchantNote }) }] : []),
    { kind: 'button' as const, label: w.view, url: ctx.statusUrl },
  ];
  const m = renderMail({ name: ctx.storeName, homeUrl: ctx.homeUrl ?? null, lang }, { preheader: subject, heading: w.heading[step], blocks });
  return { subject, ...m };
}
