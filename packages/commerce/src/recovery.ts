/**
 * Abandoned-cart recovery. A cart with an e-mail and lines that sat unchanged
 * for the store's delay (default 4 h) gets one reminder (a second 24 h later
 * when the store enables it) with its contents, a signed link that restores it
 * on any device, the store's optional recovery code, and a one-click
 * unsubscribe link (List-Unsubscribe + List-Unsubscribe-Post). Never after an
 * order (the cart's lines are gone, or the address ordered since), never to an
 * unsubscribed address, never when the store's privacy settings refuse
 * marketing mail, and, when the store reminds only `subscribed` addresses,
 * never to an address without a recorded marketing consent. Each reminder is claimed by a conditional update of the
 * cart's counter in the transaction that writes the mail, so two workers (or
 * a retried job) send it once. An order placed from a reminded cart (or from
 * its restored copy) is `recovered`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { generateToken, sha256Hex } from '@storeloom/auth';
import { type Kysely, newId, sql, type TenantDatabase } from '@storeloom/db';
import { type MailOutbox, renderMail } from '@storeloom/mail';
import { formatMoney } from '@storeloom/money';
import { type PricedCart, priceCartOf } from './cart-pricing.ts';
import { MarketingConsentService } from './marketing-consent.ts';
import { loadSettings, type StorefrontSettings } from './settings.ts';

const SECOND_REMINDER_MS = 24 * 3_600_000;
/** Carts left longer than this before the first reminder are not reminded (e.g. when a store turns recovery on). */
export const RECOVERY_MAX_AGE_MS = 7 * 24 * 3_600_000;
const PAID_STATUSES = ['paid', 'partially_refunded'] as const;

const mac = (secret: string, what: string) => createHmac('sha256', secret).update(what).digest('base64url').slice(0, 32);
const same = (a: string, b: string | null | undefined) => {
  if (!b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

export const recoveryLinkSignature = (secret: string, storeId: string, cartId: string) => mac(secret, `cart-recovery:${storeId}:${cartId}`);
export const verifyRecoveryLink = (secret: string, storeId: string, cartId: string, sig: string | null | undefined) =>
  same(recoveryLinkSignature(secret, storeId, cartId), sig);
export const unsubscribeSignature = (secret: string, storeId: string, email: string) => mac(secret, `unsubscribe:${storeId}:${email.trim().toLowerCase()}`);
export const verifyUnsubscribe = (secret: string, storeId: string, email: string, sig: string | null | undefined) =>
  same(unsubscribeSignature(secret, storeId, email), sig);

/** Storefront paths a reminder links to (routes in apps/storefront/src/routes/recovery.ts). */
export const recoveryPaths = {
  restore: (secret: string, storeId: string, cartId: string, code?: string | null) =>
    `/cart/recover/${cartId}?${new URLSearchParams({ sig: recoveryLinkSignature(secret, storeId, cartId), ...(code ? { code } : {}) })}`,
  unsubscribe: (secret: string, storeId: string, email: string) =>
    `/unsubscribe?${new URLSearchParams({ email: email.trim().toLowerCase(), sig: unsubscribeSignature(secret, storeId, email) })}`,
};

export interface RecoveryStore {
  id: string;
  name: string;
  currency: string;
  default_locale: string;
}

export interface CartRecoveryOptions {
  store: RecoveryStore;
  /** STOREFRONT_SECRET: signs the restore and unsubscribe links. */
  secret: string;
  /** The store's public storefront origin. */
  origin: string;
  mail: MailOutbox;
  clock?: () => Date;
}

export interface RecoveryRunResult {
  sent: number;
  /** Why nothing was looked at: recovery off, or marketing mail not allowed by the store's privacy settings. */
  skipped?: 'recovery_disabled' | 'marketing_not_allowed';
}

type RecoveryWords = {
  subject: string;
  subjectAgain: string;
  heading: string;
  intro: string;
  subtotal: string;
  code: string;
  button: string;
  why: string;
  unsubscribe: string;
};

/** The reminder's words in the six storefront languages ({store}, {code} filled in). */
const RECOVERY_WORDS: Record<string, RecoveryWords> = {
  en: {
    subject: '{store}: you left something in your cart',
    subjectAgain: '{store}: your cart is still waiting',
    heading: 'Your cart is waiting',
    intro: 'You left these items in your cart at {store}:',
    subtotal: 'Subtotal',
    code: 'Use the code {code} when you complete your order.',
    button: 'Return to your cart',
    why: 'You get this mail because you started a checkout.',
    unsubscribe: 'Unsubscribe from such mail',
  },
  de: {
    subject: '{store}: Sie haben etwas in Ihrem Warenkorb vergessen',
    subjectAgain: '{store}: Ihr Warenkorb wartet noch auf Sie',
    heading: 'Ihr Warenkorb wartet',
    intro: 'Diese Artikel liegen noch in Ihrem Warenkorb bei {store}:',
    subtotal: 'Zwischensumme',
    code: 'Verwenden Sie den Code {code}, wenn Sie Ihre Bestellung abschließen.',
    button: 'Zurück zum Warenkorb',
    why: 'Sie erhalten diese E-Mail, weil Sie einen Bestellvorgang begonnen haben.',
    unsubscribe: 'Solche E-Mails abbestellen',
  },
  fr: {
    subject: '{store} : vous avez oublié quelque chose dans votre panier',
    subjectAgain: '{store} : votre panier vous attend toujours',
    heading: 'Votre panier vous attend',
    intro: 'Vous avez laissé ces articles dans votre panier chez {store} :',
    subtotal: 'Sous-total',
    code: 'Utilisez le code {code} pour finaliser votre commande.',
    button: 'Retourner au panier',
    why: 'Vous recevez cet e-mail parce que vous avez commencé une commande.',
    unsubscribe: 'Se désabonner de ces e-mails',
  },
  es: {
    subject: '{store}: has dejado algo en tu carrito',
    subjectAgain: '{store}: tu carrito todavía te espera',
    heading: 'Tu carrito te espera',
    intro: 'Dejaste estos artículos en tu carrito de {store}:',
    subtotal: 'Subtotal',
    code: 'Usa el código {code} al completar tu pedido.',
    button: 'Volver al carrito',
    why: 'Recibes este correo porque iniciaste un pago.',
    unsubscribe: 'Darse de baja de estos correos',
  },
  ja: {
    subject: '{store}：カートに商品が残っています',
    subjectAgain: '{store}：カートの商品がお待ちしています',
    heading: 'カートに商品が残っています',
    intro: '{store} のカートに次の商品が残っています：',
    subtotal: '小計',
    code: 'ご注文の際にコード {code} をご利用ください。',
    button: 'カートに戻る',
    why: 'ご購入手続きを開始されたため、このメールをお送りしています。',
    unsubscribe: 'このようなメールの配信を停止する',
  },
  'zh-CN': {
    subject: '{store}：您的购物车中还有商品',
    subjectAgain: '{store}：您的购物车仍在等您',
    heading: '您的购物车在等您',
    intro: '您在 {store} 的购物车中留下了这些商品：',
    subtotal: '小计',
    code: '完成订单时请使用优惠码 {code}。',
    button: '返回购物车',
    why: '您收到这封邮件是因为您开始了结账。',
    unsubscribe: '退订此类邮件',
  },
};

function recoveryWords(lang: string | undefined): { lang: string; w: RecoveryWords } {
  const l = lang && RECOVERY_WORDS[lang] ? lang : lang?.toLowerCase().startsWith('zh') ? 'zh-CN' : (lang?.slice(0, 2) ?? 'en');
  const w = RECOVERY_WORDS[l];
  return w ? { lang: l, w } : { lang: 'en', w: RECOVERY_WORDS.en as RecoveryWords };
}

/** The reminder in the platform's one layout (branded HTML + the same words as plain text), in the cart's language. */
export function recoveryMail(
  priced: PricedCart,
  ctx: {
    storeName: string;
    homeUrl?: string | null;
    restoreUrl: string;
    unsubscribeUrl: string;
    code: string | null;
    reminder: number;
    lang?: string;
    money: (n: number) => string;
  },
) {
  const { lang, w } = recoveryWords(ctx.lang);
  const fill = (s: string) => s.replace('{store}', ctx.storeName).replace('{code}', ctx.code ?? '');
  const discounts = priced.state.adjustments.filter((a) => a.kind === 'discount' && a.amount > 0);
  const subject = fill(ctx.reminder > 1 ? w.subjectAgain : w.subject);
  const rows = [
    ...priced.lines.map((l) => ({
      label: `${l.quantity} × ${l.title}${l.variantTitle ? ` (${l.variantTitle})` : ''}`,
      value: ctx.money(l.unitPrice * l.quantity),
    })),
    ...discounts.map((d) => ({ label: d.label, value: `−${ctx.money(d.amount)}` })),
    { label: w.subtotal, value: ctx.money(priced.state.totals.subtotal - priced.discountTotal), strong: true },
  ];
  const m = renderMail(
    { name: ctx.storeName, homeUrl: ctx.homeUrl ?? null, lang },
    {
      preheader: subject,
      heading: w.heading,
      blocks: [
        { kind: 'text', text: fill(w.intro) },
        { kind: 'rows', rows },
        ...(ctx.code ? [{ kind: 'text' as const, text: fill(w.code) }] : []),
        { kind: 'button', label: w.button, url: ctx.restoreUrl },
      ],
      footer: w.why,
      footerLink: { label: w.unsubscribe, url: ctx.unsubscribeUrl },
    },
  );
  return { subject, ...m };
}

export class CartRecoveryService {
  constructor(
    private readonly t: Kysely<TenantDatabase>,
    private readonly opts: CartRecoveryOptions,
  ) {}

  private now() {
    return this.opts.clock?.() ?? new Date();
  }

  /** Carts due a reminder now: (id, e-mail, reminders sent so far). */
  async due(settings: StorefrontSettings, limit = 200): Promise<{ id: string; email: string; sent: number; locale: string | null }[]> {
    const r = settings.promotions.recovery;
    const now = this.now().getTime();
    const cutoff = new Date(now - r.delayMinutes * 60_000);
    const oldest = new Date(now - r.delayMinutes * 60_000 - RECOVERY_MAX_AGE_MS);
    const secondCutoff = new Date(now - SECOND_REMINDER_MS);
    const rows = await this.t
      .selectFrom('carts as c')
      .select(['c.id', 'c.email', 'c.recovery_sent_count', 'c.locale'])
      .where('c.email', 'is not', null)
      .where('c.restored_from', 'is', null)
      .where('c.recovered_at', 'is', null)
      .where('c.updated_at', '<=', cutoff)
      .where((eb) =>
        eb.or([
          eb.and([eb('c.recovery_sent_count', '=', 0), eb('c.updated_at', '>', oldest)]),
          ...(r.secondReminder ? [eb.and([eb('c.recovery_sent_count', '=', 1), eb('c.recovery_sent_at', '<=', secondCutoff)])] : []),
        ]),
      )
      .where((eb) => eb.exists(eb.selectFrom('cart_lines as l').select(sql`1`.as('x')).whereRef('l.cart_id', '=', 'c.id')))
      // `subscribed`: only addresses whose latest marketing choice agrees (the unsubscribe below still wins).
      .$if(settings.promotions.recoveryRecipients === 'subscribed', (q) =>
        q.where((eb) =>
          eb(
            eb
              .selectFrom('consents as k')
              .select(sql<boolean>`(k.choices ->> 'marketing') = 'true'`.as('agreed'))
              .whereRef('k.email', '=', 'c.email')
              .where('k.source', 'is not', null)
              .orderBy('k.created_at', 'desc')
              .orderBy('k.id', 'desc')
              .limit(1),
            '=',
            true,
          ),
        ),
      )
      .where((eb) => eb.not(eb.exists(eb.selectFrom('marketing_unsubscribes as u').select(sql`1`.as('x')).whereRef('u.email', '=', 'c.email'))))
      // The address ordered since it left this cart (from another cart or device): no reminder.
      .where((eb) =>
        eb.not(
          eb.exists(eb.selectFrom('orders as o').select(sql`1`.as('x')).whereRef('o.email', '=', 'c.email').whereRef('o.created_at', '>=', 'c.updated_at')),
        ),
      )
      .orderBy('c.updated_at')
      .limit(limit)
      .execute();
    return rows.map((x) => ({ id: x.id, email: x.email as string, sent: x.recovery_sent_count, locale: x.locale }));
  }

  /** Writes every due reminder (one transaction per cart: claim + mail). */
  async sendDue(limit = 200): Promise<RecoveryRunResult> {
    const settings = await loadSettings(this.t);
    if (!settings.promotions.recovery.enabled) return { sent: 0, skipped: 'recovery_disabled' };
    if (!settings.promotions.marketingEmails) return { sent: 0, skipped: 'marketing_not_allowed' };
    let sent = 0;
    for (const cart of await this.due(settings, limit)) if (await this.remind(cart, settings)) sent++;
    return { sent };
  }

  private async remind(cart: { id: string; email: string; sent: number; locale: string | null }, settings: StorefrontSettings): Promise<boolean> {
    const { store, secret, origin, mail } = this.opts;
    const now = this.now();
    const reminder = cart.sent + 1;
    return this.t.transaction().execute(async (trx) => {
      const claimed = await trx
        .updateTable('carts')
        .set({ recovery_sent_count: reminder, recovery_sent_at: now })
        .where('id', '=', cart.id)
        .where('recovery_sent_count', '=', cart.sent)
        .where('recovered_at', 'is', null)
        .returning('id')
        .executeTakeFirst();
      if (!claimed) return false;
      // Priced after the claim: a checkout that committed meanwhile has emptied the cart, and nothing is sent.
      const priced = await priceCartOf(trx, cart.id, { storeId: store.id, settings, currency: store.currency, clock: () => now, email: cart.email });
      if (!priced.lines.length) {
        await trx.updateTable('carts').set({ recovery_sent_count: cart.sent }).where('id', '=', cart.id).execute();
        return false;
      }
      const code = settings.promotions.recovery.discountCode ?? null;
      const locale = cart.locale ?? store.default_locale;
      const body = recoveryMail(priced, {
        storeName: store.name,
        restoreUrl: `${origin}${recoveryPaths.restore(secret, store.id, cart.id, code)}`,
        unsubscribeUrl: `${origin}${recoveryPaths.unsubscribe(secret, store.id, cart.email)}`,
        homeUrl: origin,
        code,
        reminder,
        lang: locale,
        money: (n) => formatMoney(n, store.currency, locale),
      });
      await mail.enqueue(
        {
          kind: 'cart-recovery',
          to: cart.email,
          storeId: store.id,
          dedupKey: `cart-recovery:${store.id}:${cart.id}:${reminder}`,
          ...body,
          headers: {
            'List-Unsubscribe': `<${origin}${recoveryPaths.unsubscribe(secret, store.id, cart.email)}>`,
            'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
          },
        },
        trx as never,
      );
      return true;
    });
  }
}

/**
 * The cart a reminder's link names, for this browser: the same cart when this
 * browser already holds it, else a copy (lines, codes, e-mail) with a fresh
 * token for the cookie, so the link works on any device and leaves the
 * original device's cart alone. Null when the cart is gone or already ordered.
 */
export async function restoreRecoveredCart(
  t: Kysely<TenantDatabase>,
  cartId: string,
  currentCartId: string | null,
): Promise<{ cartId: string; token: string | null } | null> {
  if (currentCartId === cartId) return { cartId, token: null };
  return t.transaction().execute(async (trx) => {
    const original = await trx
      .selectFrom('carts')
      .select(['id', 'email', 'country', 'locale', 'discount_codes', 'recovery_sent_count', 'recovery_sent_at', 'restored_from'])
      .where('id', '=', cartId)
      .executeTakeFirst();
    if (!original) return null;
    const lines = await trx.selectFrom('cart_lines').select(['variant_id', 'quantity']).where('cart_id', '=', cartId).execute();
    if (!lines.length) return null;
    const token = generateToken();
    const id = newId();
    const now = new Date();
    await trx
      .insertInto('carts')
      .values({
        id,
        token_hash: sha256Hex(token),
        email: original.email,
        country: original.country,
        locale: original.locale,
        discount_codes: JSON.stringify(original.discount_codes ?? []),
        recovery_sent_count: original.recovery_sent_count,
        recovery_sent_at: original.recovery_sent_at,
        restored_from: original.restored_from ?? original.id,
        created_at: now,
        updated_at: now,
      })
      .execute();
    await trx
      .insertInto('cart_lines')
      .values(lines.map((l) => ({ cart_id: id, variant_id: l.variant_id, quantity: l.quantity, created_at: now })))
      .execute();
    return { cartId: id, token };
  });
}

/** One-click unsubscribe from the store's marketing mail (idempotent suppression; each click records a withdrawal). */
export async function unsubscribeMarketing(t: Kysely<TenantDatabase>, email: string): Promise<void> {
  const address = email.trim().toLowerCase();
  const run = <T>(fn: (trx: Kysely<TenantDatabase>) => Promise<T>) => (t.isTransaction ? fn(t) : t.transaction().execute(fn));
  await run(async (trx) => {
    await trx
      .insertInto('marketing_unsubscribes')
      .values({ email: address, created_at: new Date() })
      .onConflict((oc) => oc.column('email').doNothing())
      .execute();
    await new MarketingConsentService(trx).record({ email: address, agreed: false, source: 'unsubscribe' });
  });
}

export type AbandonedStatus = 'open' | 'reminded' | 'recovered';

export interface AbandonedCheckout {
  id: string;
  email: string;
  /** Current value of the cart's lines (catalogue prices), or the recovered order's total. */
  value: number;
  itemCount: number;
  status: AbandonedStatus;
  remindersSent: number;
  lastReminderAt: string | null;
  unsubscribed: boolean;
  abandonedAt: string;
  recoveredOrder: { id: string; number: number; total: number } | null;
}

export interface RecoveryStats {
  /** Over the window: checkouts left with an e-mail, their value, reminders sent, recovered orders and revenue (paid orders). */
  since: string;
  abandoned: number;
  abandonedValue: number;
  reminded: number;
  recoveredOrders: number;
  recoveredRevenue: number;
}

/**
 * The console's abandoned checkouts: carts with an e-mail left for at least
 * the store's delay (or already reminded), newest first, with their value and
 * whether a reminder went out and an order came back; and the window's totals.
 */
export async function abandonedCheckouts(
  t: Kysely<TenantDatabase>,
  o: { now?: Date; limit?: number; before?: string | null; days?: number } = {},
): Promise<{ data: AbandonedCheckout[]; nextCursor: string | null; stats: RecoveryStats }> {
  const now = o.now ?? new Date();
  const settings = await loadSettings(t);
  const cutoff = new Date(now.getTime() - settings.promotions.recovery.delayMinutes * 60_000);
  const since = new Date(now.getTime() - (o.days ?? 30) * 86_400_000);
  const limit = Math.min(Math.max(o.limit ?? 50, 1), 200);
  const base = t
    .selectFrom('carts as c')
    .where('c.email', 'is not', null)
    .where('c.restored_from', 'is', null)
    .where('c.updated_at', '>=', since)
    .where((eb) =>
      eb.or([
        eb('c.recovery_sent_count', '>', 0),
        eb.and([eb('c.updated_at', '<=', cutoff), eb.exists(eb.selectFrom('cart_lines as l').select(sql`1`.as('x')).whereRef('l.cart_id', '=', 'c.id'))]),
      ]),
    );
  let page = base
    .select((eb) => [
      'c.id',
      'c.email',
      'c.updated_at',
      'c.recovery_sent_count',
      'c.recovery_sent_at',
      eb
        .selectFrom('cart_lines as l')
        .innerJoin('variants as v', 'v.id', 'l.variant_id')
        .select(sql<number>`coalesce(sum(l.quantity * v.price), 0)::int`.as('v'))
        .whereRef('l.cart_id', '=', 'c.id')
        .as('value'),
      eb.selectFrom('cart_lines as l').select(sql<number>`coalesce(sum(l.quantity), 0)::int`.as('n')).whereRef('l.cart_id', '=', 'c.id').as('items'),
      eb.exists(eb.selectFrom('marketing_unsubscribes as u').select(sql`1`.as('x')).whereRef('u.email', '=', 'c.email')).as('unsubscribed'),
      // An order from the cart or from its restored copy that counted as recovered.
      eb
        .selectFrom('orders as o')
        .select(sql<string>`json_build_object('id', o.id, 'number', o.number, 'total', o.total, 'items', o.item_count)::text`.as('j'))
        .where('o.recovered', '=', true)
        .where(
          'o.cart_id',
          'in',
          eb
            .selectFrom('carts as r')
            .select('r.id')
            .where((w) => w.or([w('r.id', '=', w.ref('c.id')), w('r.restored_from', '=', w.ref('c.id'))])),
        )
        .orderBy('o.created_at')
        .limit(1)
        .as('recovered_order'),
    ])
    .orderBy('c.updated_at', 'desc')
    .orderBy('c.id', 'desc')
    .limit(limit + 1);
  if (o.before) {
    const [at, id] = o.before.split('|');
    const when = new Date(at ?? '');
    if (!Number.isNaN(when.getTime()) && id)
      page = page.where((eb) => eb.or([eb('c.updated_at', '<', when), eb.and([eb('c.updated_at', '=', when), eb('c.id', '<', id)])]));
  }
  const rows = await page.execute();
  const more = rows.length > limit;
  const data = rows.slice(0, limit).map((r): AbandonedCheckout => {
    const order = r.recovered_order ? (JSON.parse(r.recovered_order) as { id: string; number: number; total: number; items: number }) : null;
    return {
      id: r.id,
      email: r.email as string,
      value: order ? order.total : (r.value ?? 0),
      itemCount: order ? order.items : (r.items ?? 0),
      status: order ? 'recovered' : r.recovery_sent_count > 0 ? 'reminded' : 'open',
      remindersSent: r.recovery_sent_count,
      lastReminderAt: r.recovery_sent_at ? new Date(r.recovery_sent_at).toISOString() : null,
      unsubscribed: Boolean(r.unsubscribed),
      abandonedAt: new Date(r.updated_at).toISOString(),
      recoveredOrder: order ? { id: order.id, number: order.number, total: order.total } : null,
    };
  });
  const last = data.at(-1);
  const totals = await base
    .select((eb) => [
      eb.fn.countAll<number>().as('n'),
      eb.fn
        .coalesce(
          eb.fn.sum(
            eb
              .selectFrom('cart_lines as l')
              .innerJoin('variants as v', 'v.id', 'l.variant_id')
              .select(sql<number>`coalesce(sum(l.quantity * v.price), 0)`.as('v'))
              .whereRef('l.cart_id', '=', 'c.id'),
          ),
          sql<number>`0`,
        )
        .as('value'),
      sql<number>`count(*) filter (where c.recovery_sent_count > 0)::int`.as('reminded'),
    ])
    .executeTakeFirstOrThrow();
  const recovered = await t
    .selectFrom('orders')
    .select([sql<number>`count(*)::int`.as('n'), sql<number>`coalesce(sum(total), 0)::int`.as('revenue')])
    .where('recovered', '=', true)
    .where('payment_status', 'in', [...PAID_STATUSES])
    .where('created_at', '>=', since)
    .executeTakeFirstOrThrow();
  return {
    data,
    nextCursor: more && last ? `${last.abandonedAt}|${last.id}` : null,
    stats: {
      since: since.toISOString(),
      abandoned: Number(totals.n),
      abandonedValue: Number(totals.value),
      reminded: totals.reminded,
      recoveredOrders: recovered.n,
      recoveredRevenue: recovered.revenue,
    },
  };
}
