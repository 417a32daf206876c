/**
 * Policy pages (refund, privacy, terms, shipping, legal notice/imprint) made
 * from templates the merchant fills in. Only the fields are stored; the page
 * is generated when it is served, so the privacy policy always lists what the
 * store collects *now*, read from its settings (`dataPractices`), never a copy
 * that went stale when a setting changed.
 */
import { DEFAULT_PROMOTION_SETTINGS, promotionSettingsSchema } from '@storeloom/commerce';
import type { Kysely, PolicyKind, TenantDatabase } from '@storeloom/db';
import { AppError, ErrorCode } from '@storeloom/errors';
import { z } from 'zod';

export const POLICY_KINDS = ['refund', 'privacy', 'terms', 'shipping', 'imprint'] as const satisfies readonly PolicyKind[];

/** URL handles, as Shopify names them (/policies/refund-policy…). */
export const POLICY_HANDLES: Record<PolicyKind, string> = {
  refund: 'refund-policy',
  privacy: 'privacy-policy',
  terms: 'terms-of-service',
  shipping: 'shipping-policy',
  imprint: 'legal-notice',
};
export const POLICY_TITLES: Record<PolicyKind, string> = {
  refund: 'Refund policy',
  privacy: 'Privacy policy',
  terms: 'Terms of service',
  shipping: 'Shipping policy',
  imprint: 'Legal notice',
};

export interface PolicyField {
  name: string;
  label: string;
  required: boolean;
  multiline?: boolean;
}

const f = (name: string, label: string, required = false, multiline = false): PolicyField => ({ name, label, required, multiline });

/** The fields each template asks for (the console shows these; unknown names are refused). */
export const POLICY_FIELDS: Record<PolicyKind, PolicyField[]> = {
  refund: [
    f('returnWindowDays', 'Days a customer has to return an item', true),
    f('condition', 'Condition items must be in'),
    f('returnAddress', 'Where returns are sent', false, true),
    f('refundMethod', 'How refunds are paid'),
    f('exceptions', 'Items that cannot be returned', false, true),
    f('contactEmail', 'Contact e-mail', true),
  ],
  privacy: [
    f('controllerName', 'Who is responsible for the data (legal name)', true),
    f('contactEmail', 'Contact e-mail for privacy requests', true),
    f('address', 'Postal address', false, true),
    f('retention', 'How long order records are kept'),
    f('extra', 'Anything else to say', false, true),
  ],
  terms: [
    f('legalName', 'Legal name of the seller', true),
    f('governingLaw', 'Governing law (country or state)', true),
    f('contactEmail', 'Contact e-mail', true),
    f('extra', 'Additional terms', false, true),
  ],
  shipping: [
    f('processingDays', 'Days to dispatch an order', true),
    f('regions', 'Where you ship to', true),
    f('carriers', 'Carriers you use'),
    f('extra', 'Anything else (customs, duties…)', false, true),
  ],
  imprint: [
    f('legalName', 'Legal name', true),
    f('address', 'Registered address', true, true),
    f('representative', 'Represented by'),
    f('email', 'E-mail', true),
    f('phone', 'Phone'),
    f('registration', 'Company register and number'),
    f('vatId', 'VAT identification number'),
  ],
};

export const policyKindSchema = z.enum(POLICY_KINDS);

/** Fields of one policy: known names only, plain text (escaped when the page is generated). */
export function checkPolicyFields(kind: PolicyKind, fields: Record<string, string>): Record<string, string> {
  const known = new Map(POLICY_FIELDS[kind].map((x) => [x.name, x]));
  const details: { path: string; message: string }[] = [];
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (!known.has(name)) details.push({ path: `fields.${name}`, message: 'unknown field' });
    else if (value.length > 5000) details.push({ path: `fields.${name}`, message: 'at most 5000 characters' });
    else if (value.trim()) out[name] = value.trim();
  }
  for (const x of POLICY_FIELDS[kind]) if (x.required && !out[x.name]) details.push({ path: `fields.${x.name}`, message: 'required' });
  if (details.length) throw new AppError(ErrorCode.ValidationFailed, `Policy fields: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`, { details });
  return out;
}

/**
 * What the store collects, from its settings. The privacy policy lists exactly
 * these. Keys read: `promotions` (marketing mail, abandoned-cart reminders) and
 * `privacy` (optional switches `recommendationTracking` and `analytics`; both
 * off when absent). Each switch on is an optional consent purpose
 * (@storeloom/privacy consent.ts): the storefront asks in its banner.
 */
export interface DataPractices {
  /** Always: what an order needs (name, e-mail, addresses, what was bought). */
  orders: true;
  /** Always: the cart, language and sign-in cookies (strictly necessary). */
  essentialCookies: true;
  /** Recommendations from a shopper's history beyond the visit, with consent (honours Do-Not-Track and GPC). */
  recommendationTracking: boolean;
  /** Search queries and clicks, for search analytics, with consent. */
  analytics: boolean;
  /** Marketing e-mail to customers who agreed. */
  marketingEmails: boolean;
  /** A reminder to finish a checkout left with an e-mail address. */
  abandonedCartReminders: boolean;
  /** Reminders only to addresses that agreed to marketing e-mail (the store's `recoveryRecipients: 'subscribed'`). */
  abandonedCartRemindersSubscribedOnly?: boolean;
}

const privacySwitches = z.object({ recommendationTracking: z.boolean().optional(), analytics: z.boolean().optional() });

export function dataPracticesFromSettings(rows: { key: string; value: unknown }[]): DataPractices {
  const by = new Map(rows.map((r) => [r.key, r.value]));
  const promo = promotionSettingsSchema.safeParse(by.get('promotions'));
  const promotions = promo.success ? promo.data : DEFAULT_PROMOTION_SETTINGS;
  const privacy = privacySwitches.safeParse(by.get('privacy'));
  const sw = privacy.success ? privacy.data : {};
  return {
    orders: true,
    essentialCookies: true,
    recommendationTracking: sw.recommendationTracking ?? false,
    analytics: sw.analytics ?? false,
    marketingEmails: promotions.marketingEmails,
    abandonedCartReminders: promotions.marketingEmails && promotions.recovery.enabled,
    abandonedCartRemindersSubscribedOnly: promotions.recoveryRecipients === 'subscribed',
  };
}

export async function loadDataPractices(t: Kysely<TenantDatabase>): Promise<DataPractices> {
  return dataPracticesFromSettings(await t.selectFrom('store_settings').select(['key', 'value']).where('key', 'in', ['promotions', 'privacy']).execute());
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
const para = (s: string) =>
  s
    .split(/\n\s*\n/)
    .map((p) => `<p>${esc(p.trim()).replace(/\r?\n/g, '<br>')}</p>`)
    .join('');
const mail = (s: string) => `<a href="mailto:${esc(s)}">${esc(s)}</a>`;

export interface PolicyContext {
  storeName: string;
  practices: DataPractices;
}

/** The policy page's HTML from the template, the fields (escaped) and, for privacy, the store's data practices. */
export function renderPolicy(kind: PolicyKind, fields: Record<string, string>, ctx: PolicyContext): string {
  const v = (k: string) => fields[k] ?? '';
  const store = esc(ctx.storeName);
  switch (kind) {
    case 'refund':
      return [
        `<p>You may return most items bought from ${store} within <strong>${esc(v('returnWindowDays'))} days</strong> of delivery for a refund.</p>`,
        v('condition') ? `<p>Items must be ${esc(v('condition'))}.</p>` : '',
        v('returnAddress') ? `<h2>Where to send returns</h2>${para(v('returnAddress'))}` : '',
        `<h2>Refunds</h2><p>Once we receive and inspect your return we refund ${v('refundMethod') ? esc(v('refundMethod')) : 'to the original payment method'}.</p>`,
        v('exceptions') ? `<h2>Exceptions</h2>${para(v('exceptions'))}` : '',
        `<h2>Contact</h2><p>Questions about a return: ${mail(v('contactEmail'))}.</p>`,
      ].join('');
    case 'shipping':
      return [
        `<p>${store} dispatches orders within <strong>${esc(v('processingDays'))}</strong> business days.</p>`,
        `<h2>Where we ship</h2>${para(v('regions'))}`,
        v('carriers') ? `<h2>Carriers</h2>${para(v('carriers'))}` : '',
        v('extra') ? `<h2>More</h2>${para(v('extra'))}` : '',
      ].join('');
    case 'terms':
      return [
        `<p>These terms apply to every purchase from ${store}, operated by ${esc(v('legalName'))}.</p>`,
        '<h2>Orders and prices</h2><p>An order is a contract once we confirm it by e-mail. Prices include the taxes shown at checkout.</p>',
        '<h2>Returns</h2><p>See our <a href="/policies/refund-policy">refund policy</a>.</p>',
        `<h2>Governing law</h2><p>These terms are governed by the law of ${esc(v('governingLaw'))}.</p>`,
        v('extra') ? `<h2>Additional terms</h2>${para(v('extra'))}` : '',
        `<h2>Contact</h2><p>${mail(v('contactEmail'))}</p>`,
      ].join('');
    case 'imprint':
      return [
        `<p><strong>${esc(v('legalName'))}</strong></p>`,
        para(v('address')),
        v('representative') ? `<p>Represented by: ${esc(v('representative'))}</p>` : '',
        `<p>E-mail: ${mail(v('email'))}${v('phone') ? `<br>Phone: ${esc(v('phone'))}` : ''}</p>`,
        v('registration') ? `<p>Register: ${esc(v('registration'))}</p>` : '',
        v('vatId') ? `<p>VAT ID: ${esc(v('vatId'))}</p>` : '',
      ].join('');
    case 'privacy':
      return privacyPolicy(v, store, ctx.practices);
  }
}

/** The data the store collects, one list item per practice that is on (the privacy policy's core). */
export function collectedDataItems(p: DataPractices): { id: keyof DataPractices | 'consentRecords'; text: string }[] {
  const items: { id: keyof DataPractices | 'consentRecords'; text: string }[] = [
    { id: 'orders', text: 'Order details: your name, e-mail address, shipping and billing addresses and what you bought, to deliver your order.' },
    {
      id: 'essentialCookies',
      text: 'Essential cookies: your cart, your language and, if you sign in, your session, and the products you view during this visit to suggest related ones (forgotten when you close the browser). The shop does not work without them.',
    },
  ];
  if (p.recommendationTracking)
    items.push({
      id: 'recommendationTracking',
      text: 'Only if you agree in our privacy choices: the products you view and add to your cart across visits (a browser identifier kept for 180 days, and your account when you sign in), to recommend other products. Never when your browser sends Do Not Track or Global Privacy Control.',
    });
  if (p.analytics)
    items.push({
      id: 'analytics',
      text: 'Only if you agree in our privacy choices: what you search for in the shop and which results you open, to improve search. Never when your browser sends Do Not Track or Global Privacy Control.',
    });
  if (p.marketingEmails)
    items.push({
      id: 'marketingEmails',
      text: 'Your e-mail address for news and offers, only if you tick "Email me with news and offers" at checkout or when you create an account (the box is never ticked for you). We record when you agreed or withdrew, where, and the version of the question. You can withdraw at any time in your account or with the unsubscribe link in every message.',
    });
  if (p.recommendationTracking || p.analytics)
    items.push({
      id: 'consentRecords',
      text: 'Your privacy choices: what you agreed to or refused, when, and the version of the question, so we can show that we asked (you can change them from the "Privacy choices" link at the bottom of every page).',
    });
  if (p.abandonedCartReminders)
    items.push({
      id: 'abandonedCartReminders',
      text: p.abandonedCartRemindersSubscribedOnly
        ? 'The e-mail address you enter at checkout, to remind you once of an unfinished order, only if you agreed to news and offers by e-mail.'
        : 'The e-mail address you enter at checkout, to remind you once of an unfinished order.',
    });
  return items;
}

function privacyPolicy(v: (k: string) => string, store: string, p: DataPractices): string {
  return [
    `<p>This policy explains what ${store} collects about you and why. ${esc(v('controllerName'))} is responsible for your data.</p>`,
    `<h2>What we collect</h2><ul data-collected>${collectedDataItems(p)
      .map((i) => `<li data-practice="${i.id}">${esc(i.text)}</li>`)
      .join('')}</ul>`,
    '<h2>Who we share it with</h2><p>Our payment provider (to take payment) and carriers (to deliver). We do not sell your data.</p>',
    `<h2>How long we keep it</h2><p>${v('retention') ? esc(v('retention')) : 'Order records as long as tax law requires; everything else no longer than needed.'}</p>`,
    `<h2>Your rights</h2><p>You may ask for a copy of your data, its correction or erasure: ${mail(v('contactEmail'))}.</p>`,
    v('address') ? para(v('address')) : '',
    v('extra') ? para(v('extra')) : '',
  ].join('');
}

export interface PolicyView {
  kind: PolicyKind;
  handle: string;
  title: string;
  fields: Record<string, string>;
  published: boolean;
  updatedAt: string | null;
}

export class PolicyService {
  constructor(private readonly t: Kysely<TenantDatabase>) {}

  /** Every kind, filled in or not (an unfilled one has no row and is not shown to shoppers). */
  async list(): Promise<PolicyView[]> {
    const rows = await this.t.selectFrom('policies').selectAll().execute();
    const by = new Map(rows.map((r) => [r.kind, r]));
    return POLICY_KINDS.map((kind) => {
      const r = by.get(kind);
      return {
        kind,
        handle: POLICY_HANDLES[kind],
        title: POLICY_TITLES[kind],
        fields: r?.fields ?? {},
        published: r?.published ?? false,
        updatedAt: r ? new Date(r.updated_at).toISOString() : null,
      };
    });
  }

  async put(kind: PolicyKind, input: { fields: Record<string, string>; published?: boolean }): Promise<PolicyView> {
    const fields = JSON.stringify(checkPolicyFields(kind, input.fields));
    const published = input.published ?? true;
    await this.t
      .insertInto('policies')
      .values({ kind, fields, published, updated_at: new Date() })
      .onConflict((oc) => oc.column('kind').doUpdateSet({ fields, published, updated_at: new Date() }))
      .execute();
    return (await this.list()).find((p) => p.kind === kind) as PolicyView;
  }

  /** Several kinds at once, in one transaction, every one checked before any is written (null removes a kind). */
  async apply(changes: Partial<Record<PolicyKind, { fields: Record<string, string>; published?: boolean | undefined } | null | undefined>>): Promise<void> {
    const checked = POLICY_KINDS.flatMap((kind) => {
      const input = changes[kind];
      if (input === undefined) return [];
      return [{ kind, input: input && { fields: JSON.stringify(checkPolicyFields(kind, input.fields)), published: input.published ?? true } }];
    });
    await this.t.transaction().execute(async (trx) => {
      for (const { kind, input } of checked) {
        if (!input) await trx.deleteFrom('policies').where('kind', '=', kind).execute();
        else
          await trx
            .insertInto('policies')
            .values({ kind, ...input, updated_at: new Date() })
            .onConflict((oc) => oc.column('kind').doUpdateSet({ ...input, updated_at: new Date() }))
            .execute();
      }
    });
  }

  async delete(kind: PolicyKind): Promise<void> {
    await this.t.deleteFrom('policies').where('kind', '=', kind).execute();
  }

  /** Published policies (kind, handle, title) for footer and checkout links. */
  async publishedLinks(): Promise<{ kind: PolicyKind; url: string; title: string }[]> {
    const rows = await this.t.selectFrom('policies').select('kind').where('published', '=', true).execute();
    const on = new Set(rows.map((r) => r.kind));
    return POLICY_KINDS.filter((k) => on.has(k)).map((k) => ({ kind: k, url: `/policies/${POLICY_HANDLES[k]}`, title: POLICY_TITLES[k] }));
  }

  /** A published policy by its URL handle, rendered with the store's current data practices. */
  async page(handle: string, storeName: string): Promise<{ kind: PolicyKind; title: string; html: string; updatedAt: string } | null> {
    const kind = POLICY_KINDS.find((k) => POLICY_HANDLES[k] === handle);
    if (!kind) return null;
    const row = await this.t.selectFrom('policies').selectAll().where('kind', '=', kind).where('published', '=', true).executeTakeFirst();
    if (!row) return null;
    const practices = kind === 'privacy' ? await loadDataPractices(this.t) : dataPracticesFromSettings([]);
    return {
      kind,
      title: POLICY_TITLES[kind],
      html: renderPolicy(kind, row.fields, { storeName, practices }),
      updatedAt: new Date(row.updated_at).toISOString(),
    };
  }
}
