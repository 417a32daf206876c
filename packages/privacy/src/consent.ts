/**
 * The consent model (issue 22). Strictly necessary, never asked: the cart, the sign-in session, the language and
 * market choice, and events of the current visit (a browser id that ends with the browser session). Optional,
 * asked only when the store turns it on, done only for shoppers who agreed:
 *
 * - `recommendations`: recommendation tracking beyond the session (the browser id kept 180 days; a signed-in
 *   customer's events linked to the account) — store switch `privacy.recommendationTracking`;
 * - `analytics`: analytics events (search queries and result clicks) — `privacy.analytics`;
 * - `marketing`: marketing e-mail — `promotions.marketingEmails` (asked beside the other two, never alone: mail only
 *   goes to an address the shopper typed, with an unsubscribe link in every message).
 *
 * Global Privacy Control (`Sec-GPC: 1`) and Do-Not-Track (`DNT: 1`) are a refusal of every optional purpose; the
 * banner is not shown to such a browser. Each decision is one row of `consents` (time, version, purposes, the
 * browser's consent id, the customer when signed in, the signal when a header decided).
 */
import { randomBytes } from 'node:crypto';
import { type Kysely, newId, type TenantDatabase } from '@storeloom/db';
import { parsePrivacySettings, type TrackingSettings } from './settings.ts';

export const OPTIONAL_PURPOSES = ['recommendations', 'analytics', 'marketing'] as const;
export type OptionalPurpose = (typeof OPTIONAL_PURPOSES)[number];
export type ConsentChoices = Record<OptionalPurpose, boolean>;
export const NECESSARY_PURPOSES = ['cart', 'session'] as const;

/** Text version of the banner; a store's consent version adds the purposes it asks for, so a new purpose asks again. */
export const CONSENT_TEXT_VERSION = '1';
export const CONSENT_COOKIE = 'sf_consent';
/** How long a choice is remembered (then the banner asks again). */
export const CONSENT_COOKIE_SECONDS = 180 * 24 * 3600;
/** The browser id cookie of shopper events: this long only with `recommendations` consent, else a session cookie. */
export const EVENT_ID_COOKIE_SECONDS = 180 * 24 * 3600;

export const NO_CONSENT: ConsentChoices = { recommendations: false, analytics: false, marketing: false };

/** The optional purposes a store uses, from its `privacy` and `promotions` settings rows. */
export function optionalPurposes(rows: { key: string; value: unknown }[]): OptionalPurpose[] {
  const by = new Map(rows.map((r) => [r.key, r.value]));
  const tracking: TrackingSettings = parsePrivacySettings(by.get('privacy'));
  const promo = by.get('promotions') as { marketingEmails?: unknown } | undefined;
  const out: OptionalPurpose[] = [];
  if (tracking.recommendationTracking) out.push('recommendations');
  if (tracking.analytics) out.push('analytics');
  // Marketing mail is asked for beside the tracking purposes: on its own it needs no banner (mail goes only to an
  // address the shopper gave, each with an unsubscribe link; promotions.marketingEmails defaults to on).
  if (out.length && (!promo || typeof promo !== 'object' || (promo as { marketingEmails?: unknown }).marketingEmails !== false)) out.push('marketing');
  return out;
}

export async function loadOptionalPurposes(t: Kysely<TenantDatabase>): Promise<OptionalPurpose[]> {
  return optionalPurposes(await t.selectFrom('store_settings').select(['key', 'value']).where('key', 'in', ['privacy', 'promotions']).execute());
}

/** `1:recommendations+analytics`: changes when the store asks for something else, so the banner asks again. */
export function consentVersion(purposes: readonly OptionalPurpose[]): string {
  return `${CONSENT_TEXT_VERSION}:${[...purposes].sort().join('+') || 'none'}`;
}

/** A browser's refusal signal: GPC first (it has legal force under the CCPA), then DNT. */
export function privacySignal(header: (name: string) => string | undefined): 'gpc' | 'dnt' | null {
  if (header('sec-gpc')?.trim() === '1') return 'gpc';
  if (header('dnt')?.trim() === '1') return 'dnt';
  return null;
}

export interface ConsentCookie {
  id: string;
  version: string;
  choices: ConsentChoices;
}

const ID_RE = /^[A-Za-z0-9_-]{16,64}$/;

export const newConsentId = () => randomBytes(16).toString('base64url');

/** `<id>.<version>.<purposes agreed, + separated or "-">`; anything else is no decision. */
export function parseConsentCookie(value: string | undefined): ConsentCookie | null {
  if (!value) return null;
  const [id, version, agreed, ...rest] = decodeURIComponent(value).split('.');
  if (rest.length || !id || !ID_RE.test(id) || !version || version.length > 200 || agreed === undefined) return null;
  const yes = new Set(agreed === '-' ? [] : agreed.split('+'));
  return { id, version, choices: { recommendations: yes.has('recommendations'), analytics: yes.has('analytics'), marketing: yes.has('marketing') } };
}

export function formatConsentCookie(c: ConsentCookie): string {
  const agreed = OPTIONAL_PURPOSES.filter((p) => c.choices[p]);
  return `${c.id}.${c.version}.${agreed.join('+') || '-'}`;
}

export interface ConsentState {
  /** The optional purposes this store asks for (empty: no banner). */
  purposes: OptionalPurpose[];
  version: string;
  /** What may be done now: only purposes the store uses and the shopper agreed to, nothing under GPC/DNT. */
  granted: ConsentChoices;
  /** The shopper's stored choice for this version (null: not decided yet). */
  decided: ConsentChoices | null;
  signal: 'gpc' | 'dnt' | null;
  /** Show the banner: the store asks for something, no decision for this version, no refusal signal. */
  banner: boolean;
}

export function consentState(purposes: OptionalPurpose[], cookie: ConsentCookie | null, signal: 'gpc' | 'dnt' | null): ConsentState {
  const version = consentVersion(purposes);
  const decided = cookie && cookie.version === version ? cookie.choices : null;
  const granted = { ...NO_CONSENT };
  if (!signal && decided) for (const p of purposes) granted[p] = decided[p];
  return { purposes, version, granted, decided, signal, banner: purposes.length > 0 && !decided && !signal };
}

export class ConsentService {
  constructor(private readonly t: Kysely<TenantDatabase>) {}

  /** One decision; only the purposes the store asks for are stored (the others are false). */
  async record(input: {
    subject: string;
    customerId: string | null;
    purposes: readonly OptionalPurpose[];
    choices: Partial<ConsentChoices>;
    signal?: 'gpc' | 'dnt' | null;
    now?: Date;
  }): Promise<ConsentCookie> {
    const version = consentVersion(input.purposes);
    const choices = { ...NO_CONSENT };
    for (const p of input.purposes) choices[p] = input.signal ? false : input.choices[p] === true;
    await this.t
      .insertInto('consents')
      .values({
        id: newId(),
        subject: input.subject,
        customer_id: input.customerId,
        choices: JSON.stringify(choices),
        version,
        signal: input.signal ?? null,
        created_at: input.now ?? new Date(),
      })
      .execute();
    return { id: input.subject, version, choices };
  }

  /** The latest decision of a browser (consent id) or customer. */
  async latest(by: { subject?: string; customerId?: string }) {
    let q = this.t.selectFrom('consents').select(['subject', 'customer_id', 'choices', 'version', 'signal', 'created_at']);
    if (by.subject) q = q.where('subject', '=', by.subject);
    if (by.customerId) q = q.where('customer_id', '=', by.customerId);
    return (await q.orderBy('created_at', 'desc').limit(1).executeTakeFirst()) ?? null;
  }
}
