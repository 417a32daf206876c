/**
 * The console and control-plane mails (account, team and store alerts) in the
 * one layout (`renderMail`: branded HTML and a plain-text part) and in the
 * recipient's console language (`en`, `zh-CN`; English when unknown), the
 * same way order mails keep their strings beside their builder
 * (packages/commerce/src/mails.ts). Platform mails carry the Storeloom brand;
 * a mail sent on a store's behalf (a team invitation) carries the store's name.
 * Callers pass plain values; dates are written for people, never as ISO stamps.
 */
import { type MailBlock, type MailBrand, renderMail } from './layout.ts';

export const PLATFORM_MAIL_LOCALES = ['en', 'zh-CN'] as const;
export type PlatformMailLocale = (typeof PLATFORM_MAIL_LOCALES)[number];

/** The recipient's language: a console locale, or English. */
export function mailLocale(locale: string | null | undefined): PlatformMailLocale {
  if (!locale) return 'en';
  return locale.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

const en = {
  brand: 'Storeloom',
  hello: 'Hello,',
  helloName: 'Hello {name},',
  existingSubject: 'You already have a Storeloom account',
  existingHeading: 'You already have an account',
  existingText: 'Someone (hopefully you) tried to sign up for Storeloom with this address, which already has an account.',
  signIn: 'Sign in',
  existingReset: 'Lost your password? Choose a new one:',
  existingNote: 'If it was not you, ignore this e-mail: nothing changed.',
  resetSubject: 'Reset your Storeloom password',
  resetHeading: 'Reset your password',
  resetText: 'Someone (hopefully you) asked to reset the password of your Storeloom account. Open this link within one hour to choose a new password.',
  resetButton: 'Reset my password',
  resetNote: 'If you did not ask for this, ignore this e-mail: your password stays the same.',
  noAccountSubject: 'Your Storeloom password reset request',
  noAccountHeading: 'No account with this address',
  noAccountText: 'Someone (hopefully you) asked to reset the password of a Storeloom account for this address, but there is no account with it.',
  signUp: 'Sign up',
  noAccountNote: 'If you meant to open one, sign up. If you did not ask for this, ignore this e-mail.',
  deviceSubject: 'New sign-in to your Storeloom account',
  deviceHeading: 'New sign-in to your account',
  deviceText: 'Your Storeloom account was just signed in to from a device it has not used before:',
  deviceFrom: '{device}, from {network}',
  unknownNetwork: 'an unknown network',
  deviceNote: 'If this was you, there is nothing to do. If not, change your password now and end the session under Account → Sessions.',
  reviewSessions: 'Review sessions',
  inviteSubject: '{who} invited you to {store} on Storeloom',
  inviteHeading: 'Join {store}',
  inviteText: '{who} invited you to join the store "{store}" on Storeloom as {role}.',
  inviteButton: 'Accept the invitation',
  inviteNote: 'The invitation is valid for 7 days. If you did not expect this, ignore this e-mail.',
  colleague: 'A colleague',
  role_owner: 'owner',
  role_admin: 'admin',
  role_staff: 'staff',
  lowSubject: 'Low stock: {item}',
  lowHeading: 'Low stock: {item}',
  lowText: '{item} is down to {onHand}, at or below its reorder point of {reorderPoint}.',
  lowSuggested: 'Suggested order',
  lowOnHand: 'On hand',
  lowReorderPoint: 'Reorder point',
  lowSku: 'SKU',
  lowButton: 'See suggested purchase orders',
  lowNoLink: 'See the suggested purchase orders in the console.',
  units: '{n} units',
  unit: '{n} unit',
  storeFooter: 'You receive this as an owner or admin of {store}.',
  pricingSubject: 'Dynamic pricing paused for {item}',
  pricingHeading: 'Dynamic pricing paused',
  pricingText: 'Dynamic pricing stopped changing the price of {item} because its sales data looks wrong.',
  pricingNote: 'Check the sales data, then resume dynamic pricing in the console.',
  pricingButton: 'Open pricing',
  pricingReasons: 'What the check found:',
  'reason_malformed-state': 'The saved pricing state is damaged.',
  'reason_invalid-count': 'Some sales or offer counts are not whole numbers of zero or more.',
  'reason_sales-exceed-offers': 'More sales were recorded than times the price was offered.',
  'reason_sales-exceed-inventory': 'More units were recorded sold than were in stock.',
  'reason_inventory-mismatch': 'The stock left does not match the stock at the start minus the units sold.',
  'reason_price-index-out-of-range': 'A sale was recorded at a price that is not one of the candidate prices.',
  'reason_sale-without-stock': 'A sale was recorded on a day with no stock.',
  'reason_time-not-increasing': 'The sales days are out of order.',
  'reason_demand-increases-with-price': 'The higher price sells clearly better than the lower one, which usually means mixed-up sales data.',
  'reason_no-sales-recorded': 'Many offers and not a single sale: is sales tracking working?',
  'reason_every-offer-sold': 'Every offer sold: are offers counted from orders?',
  reason_other: 'The sales data failed a consistency check.',
  webhookSubject: 'Webhook disabled: {url}',
  webhookHeading: 'A webhook was disabled',
  webhookText: 'Deliveries to {url} have failed {failures} times in a row since {since}, so Storeloom stopped sending to it.',
  webhookNote:
    'Fix the endpoint, then enable it again in Settings → Webhooks. Deliveries still inside their 3-day window are sent then, and any delivery can be redelivered from its log.',
  webhookButton: 'Open webhooks',
  failedSubject: 'Payment failed for {store}',
  failedHeading: 'We could not collect your payment',
  failedText:
    'We could not collect the payment for your {store} subscription. Update your payment method from the Billing page before {deadline}, or your storefront will be suspended until the invoice is paid.',
  suspendedSubject: '{store} is suspended: payment overdue',
  suspendedHeading: '{store} is offline',
  suspendedText:
    'Your storefront {store} is offline because the subscription payment is overdue since {since}. Pay the open invoice from the Billing page and the store comes back at once.',
  lastRenewal: 'the last renewal',
  billingButton: 'Open billing',
} as const;
type Key = keyof typeof en;

const zh: Record<Key, string> = {
  brand: 'Storeloom',
  hello: '您好：',
  helloName: '{name}，您好：',
  existingSubject: '您已有 Storeloom 账户',
  existingHeading: '您已有账户',
  existingText: '有人（希望是您本人）尝试用这个邮箱注册 Storeloom，但该邮箱已有账户。',
  signIn: '登录',
  existingReset: '忘记密码？设置新密码：',
  existingNote: '如果不是您本人操作，请忽略此邮件：账户没有任何变化。',
  resetSubject: '重置您的 Storeloom 密码',
  resetHeading: '重置密码',
  resetText: '有人（希望是您本人）请求重置您的 Storeloom 账户密码。请在一小时内打开此链接设置新密码。',
  resetButton: '重置密码',
  resetNote: '如果您没有提出此请求，请忽略此邮件：您的密码保持不变。',
  noAccountSubject: '您的 Storeloom 密码重置请求',
  noAccountHeading: '此邮箱没有账户',
  noAccountText: '有人（希望是您本人）请求重置此邮箱的 Storeloom 账户密码，但此邮箱没有账户。',
  signUp: '注册',
  noAccountNote: '如果您想开设账户，请注册。如果您没有提出此请求，请忽略此邮件。',
  deviceSubject: '您的 Storeloom 账户有新的登录',
  deviceHeading: '您的账户有新的登录',
  deviceText: '您的 Storeloom 账户刚刚在一台从未使用过的设备上登录：',
  deviceFrom: '{device}，来自 {network}',
  unknownNetwork: '未知网络',
  deviceNote: '如果是您本人，无需任何操作。如果不是，请立即修改密码，并在“账户 → 会话”中结束该会话。',
  reviewSessions: '查看会话',
  inviteSubject: '{who} 邀请您加入 Storeloom 上的 {store}',
  inviteHeading: '加入 {store}',
  inviteText: '{who} 邀请您以{role}身份加入 Storeloom 上的店铺“{store}”。',
  inviteButton: '接受邀请',
  inviteNote: '邀请 7 天内有效。如果您没有预料到此邀请，请忽略此邮件。',
  colleague: '一位同事',
  role_owner: '所有者',
  role_admin: '管理员',
  role_staff: '员工',
  lowSubject: '库存不足：{item}',
  lowHeading: '库存不足：{item}',
  lowText: '{item} 的库存已降至 {onHand}，达到或低于再订货点 {reorderPoint}。',
  lowSuggested: '建议订购',
  lowOnHand: '现有库存',
  lowReorderPoint: '再订货点',
  lowSku: 'SKU',
  lowButton: '查看建议采购单',
  lowNoLink: '请在控制台中查看建议采购单。',
  units: '{n} 件',
  unit: '{n} 件',
  storeFooter: '您以 {store} 所有者或管理员的身份收到此邮件。',
  pricingSubject: '{item} 的动态定价已暂停',
  pricingHeading: '动态定价已暂停',
  pricingText: '由于销售数据看起来有误，动态定价已停止调整 {item} 的价格。',
  pricingNote: '请检查销售数据，然后在控制台中恢复动态定价。',
  pricingButton: '打开定价',
  pricingReasons: '检查发现：',
  'reason_malformed-state': '已保存的定价状态已损坏。',
  'reason_invalid-count': '部分销售或报价次数不是非负整数。',
  'reason_sales-exceed-offers': '记录的销量多于该价格的报价次数。',
  'reason_sales-exceed-inventory': '记录的销量多于库存数量。',
  'reason_inventory-mismatch': '剩余库存与期初库存减去销量不一致。',
  'reason_price-index-out-of-range': '有销售记录的价格不在候选价格之中。',
  'reason_sale-without-stock': '有销售记录发生在无库存的日子。',
  'reason_time-not-increasing': '销售日期顺序错乱。',
  'reason_demand-increases-with-price': '较高价格的销量明显好于较低价格，这通常意味着销售数据混乱。',
  'reason_no-sales-recorded': '多次报价却没有一笔销售：销售跟踪是否正常？',
  'reason_every-offer-sold': '每次报价都售出了：报价是否按订单计数？',
  reason_other: '销售数据未通过一致性检查。',
  webhookSubject: 'Webhook 已停用：{url}',
  webhookHeading: '一个 Webhook 已停用',
  webhookText: '自 {since} 起，发往 {url} 的推送已连续失败 {failures} 次，因此 Storeloom 已停止向其发送。',
  webhookNote: '请修复该端点，然后在“设置 → Webhooks”中重新启用。仍在 3 天窗口内的推送届时会发送，任何推送都可以从其日志中重新发送。',
  webhookButton: '打开 Webhooks',
  failedSubject: '{store} 付款失败',
  failedHeading: '我们未能收取您的付款',
  failedText: '我们未能收取您的 {store} 订阅费用。请在 {deadline} 之前在“账单”页面更新付款方式，否则您的店铺将被暂停，直到账单付清。',
  suspendedSubject: '{store} 已暂停：付款逾期',
  suspendedHeading: '{store} 已下线',
  suspendedText: '由于订阅费用自 {since} 起逾期未付，您的店铺 {store} 已下线。在“账单”页面支付未结账单后，店铺会立即恢复。',
  lastRenewal: '上次续订',
  billingButton: '打开账单',
};

type Msg = (k: Key, p?: Record<string, string | number>) => string;
function catalogue(lang: PlatformMailLocale): Msg {
  const c = lang === 'zh-CN' ? zh : en;
  return (k, p = {}) => c[k].replace(/\{(\w+)\}/g, (_, n: string) => String(p[n] ?? ''));
}

/** The console pages alert mails link to. */
export type ConsolePage = 'pricing' | 'planning' | 'webhooks' | 'billing';

/**
 * The console deep link an alert mail's button opens: `<console>/stores/<storeId>/<page>`; null without a console
 * URL (the mail then says where to look instead of linking).
 */
export function consoleLink(consoleUrl: string | null | undefined, storeId: string, page: ConsolePage): string | null {
  if (!consoleUrl) return null;
  return `${consoleUrl.replace(/\/+$/, '')}/stores/${encodeURIComponent(storeId)}/${page}`;
}

/** A date and time for people, in UTC (a platform mail has no store time zone to go by), e.g. "7 December 2026, 14:05 UTC". */
function when(d: Date, lang: PlatformMailLocale): string {
  return new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }).format(d) + (lang === 'zh-CN' ? '（UTC）' : ' UTC');
}
const num = (n: number, lang: PlatformMailLocale) => new Intl.NumberFormat(lang).format(n);

/** What a platform mail says; `to` and the outbox fields are the caller's. */
export type PlatformMailInput =
  | { kind: 'signup-existing-account'; loginUrl: string; resetUrl: string }
  | { kind: 'password-reset'; name: string; link: string }
  | { kind: 'password-reset-no-account'; signupUrl: string }
  | { kind: 'new-device-sign-in'; name: string; device: string; network: string | null; sessionsUrl: string }
  | {
      kind: 'team-invitation';
      inviter: string | null;
      storeName: string;
      role: string;
      link: string;
      homeUrl?: string | null;
      logoUrl?: string | null;
      accentColor?: string | null;
    }
  | {
      kind: 'low-stock';
      storeName: string;
      item: string;
      sku: string | null;
      onHand: number;
      reorderPoint: number;
      suggested: number;
      consoleUrl?: string | null;
    }
  | {
      kind: 'pricing-paused';
      storeName: string;
      item: string;
      /** Codes of the data checks that failed (packages/pricing `DataIssueCode`), written in the recipient's language. */
      reasons: readonly string[];
      consoleUrl?: string | null;
    }
  | { kind: 'webhook-disabled'; storeName: string; url: string; failures: number; failingSince: Date; consoleUrl?: string | null }
  | { kind: 'billing.payment_failed'; storeName: string; deadline: Date; consoleUrl?: string | null }
  | { kind: 'billing.store_suspended'; storeName: string; pastDueSince: Date | null; consoleUrl?: string | null };

export interface PlatformMail {
  kind: PlatformMailInput['kind'];
  subject: string;
  text: string;
  html: string;
}

/**
 * One console/control-plane mail: subject, HTML part and text part in the recipient's language.
 * `platformUrl` is the console's public URL (the Storeloom header links to it).
 */
export function platformMail(input: PlatformMailInput, locale: string | null | undefined, platformUrl?: string | null): PlatformMail {
  const lang = mailLocale(locale);
  const t = catalogue(lang);
  const brand: MailBrand = { name: t('brand'), homeUrl: platformUrl ?? null, lang };
  const units = (n: number) => t(n === 1 ? 'unit' : 'units', { n: num(n, lang) });
  const button = (label: string, url: string | null | undefined): MailBlock[] => (url ? [{ kind: 'button', label, url }] : []);
  const out = (subject: string, heading: string, blocks: MailBlock[], footer?: string, b: MailBrand = brand): PlatformMail => {
    const m = renderMail(b, { preheader: subject, heading, blocks, ...(footer ? { footer } : {}) });
    return { kind: input.kind, subject, ...m };
  };
  switch (input.kind) {
    case 'signup-existing-account':
      return out(t('existingSubject'), t('existingHeading'), [
        { kind: 'text', text: t('hello') },
        { kind: 'text', text: t('existingText') },
        { kind: 'button', label: t('signIn'), url: input.loginUrl },
        { kind: 'text', text: t('existingReset') },
        { kind: 'button', label: t('resetButton'), url: input.resetUrl },
        { kind: 'note', text: t('existingNote') },
      ]);
    case 'password-reset':
      return out(t('resetSubject'), t('resetHeading'), [
        { kind: 'text', text: t('helloName', { name: input.name }) },
        { kind: 'text', text: t('resetText') },
        { kind: 'button', label: t('resetButton'), url: input.link },
        { kind: 'note', text: t('resetNote') },
      ]);
    case 'password-reset-no-account':
      return out(t('noAccountSubject'), t('noAccountHeading'), [
        { kind: 'text', text: t('hello') },
        { kind: 'text', text: t('noAccountText') },
        { kind: 'button', label: t('signUp'), url: input.signupUrl },
        { kind: 'note', text: t('noAccountNote') },
      ]);
    case 'new-device-sign-in':
      return out(t('deviceSubject'), t('deviceHeading'), [
        { kind: 'text', text: t('helloName', { name: input.name }) },
        { kind: 'text', text: t('deviceText') },
        { kind: 'text', text: t('deviceFrom', { device: input.device, network: input.network ?? t('unknownNetwork') }) },
        { kind: 'note', text: t('deviceNote') },
        { kind: 'button', label: t('reviewSessions'), url: input.sessionsUrl },
      ]);
    case 'team-invitation': {
      const who = input.inviter ?? t('colleague');
      const role = (['owner', 'admin', 'staff'] as const).includes(input.role as never) ? t(`role_${input.role}` as Key) : input.role;
      const p = { who, store: input.storeName, role };
      // On the store's behalf: the store's name (and logo, colour) in the header.
      const storeBrand: MailBrand = {
        name: input.storeName,
        homeUrl: input.homeUrl ?? null,
        logoUrl: input.logoUrl ?? null,
        accentColor: input.accentColor ?? null,
        lang,
      };
      return out(
        t('inviteSubject', p),
        t('inviteHeading', p),
        [
          { kind: 'text', text: t('inviteText', p) },
          { kind: 'button', label: t('inviteButton'), url: input.link },
          { kind: 'note', text: t('inviteNote') },
        ],
        undefined,
        storeBrand,
      );
    }
    case 'low-stock': {
      const p = { item: input.item, onHand: units(input.onHand), reorderPoint: num(input.reorderPoint, lang) };
      return out(
        t('lowSubject', p),
        t('lowHeading', p),
        [
          { kind: 'text', text: t('lowText', p) },
          {
            kind: 'rows',
            rows: [
              ...(input.sku ? [{ label: t('lowSku'), value: input.sku }] : []),
              { label: t('lowOnHand'), value: units(input.onHand) },
              { label: t('lowReorderPoint'), value: num(input.reorderPoint, lang) },
              { label: t('lowSuggested'), value: units(input.suggested), strong: true },
            ],
          },
          ...(input.consoleUrl ? button(t('lowButton'), input.consoleUrl) : [{ kind: 'note' as const, text: t('lowNoLink') }]),
        ],
        t('storeFooter', { store: input.storeName }),
      );
    }
    case 'pricing-paused':
      return out(
        t('pricingSubject', { item: input.item }),
        t('pricingHeading'),
        [
          { kind: 'text', text: t('pricingText', { item: input.item }) },
          { kind: 'text', text: t('pricingReasons') },
          ...[...new Set(input.reasons.map((code) => (`reason_${code}` in en ? (`reason_${code}` as Key) : 'reason_other')))].map(
            (key): MailBlock => ({ kind: 'note', text: t(key) }),
          ),
          { kind: 'text', text: t('pricingNote') },
          ...button(t('pricingButton'), input.consoleUrl),
        ],
        t('storeFooter', { store: input.storeName }),
      );
    case 'webhook-disabled':
      return out(
        t('webhookSubject', { url: input.url }),
        t('webhookHeading'),
        [
          { kind: 'text', text: t('webhookText', { url: input.url, failures: num(input.failures, lang), since: when(input.failingSince, lang) }) },
          { kind: 'text', text: t('webhookNote') },
          ...button(t('webhookButton'), input.consoleUrl),
        ],
        t('storeFooter', { store: input.storeName }),
      );
    case 'billing.payment_failed':
      return out(
        t('failedSubject', { store: input.storeName }),
        t('failedHeading'),
        [
          { kind: 'text', text: t('failedText', { store: input.storeName, deadline: when(input.deadline, lang) }) },
          ...button(t('billingButton'), input.consoleUrl),
        ],
        t('storeFooter', { store: input.storeName }),
      );
    case 'billing.store_suspended':
      return out(
        t('suspendedSubject', { store: input.storeName }),
        t('suspendedHeading', { store: input.storeName }),
        [
          { kind: 'text', text: t('suspendedText', { store: input.storeName, since: input.pastDueSince ? when(input.pastDueSince, lang) : t('lastRenewal') }) },
          ...button(t('billingButton'), input.consoleUrl),
        ],
        t('storeFooter', { store: input.storeName }),
      );
  }
}
