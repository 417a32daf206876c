/**
 * Marketing mail as a consent the shopper gives (issue 22). An unchecked-by-default "Email me with news and offers"
 * box at checkout and registration, the newsletter section's sign-up (or `acceptsMarketing` in the Storefront API's checkout) records a `consents` row
 * for the address (purpose `marketing`, time, version, source, the customer when signed in); the account page
 * withdraws or gives it again, and the one-click unsubscribe records a withdrawal beside its suppression row.
 *
 * Which address has a marketing consent: its latest marketing row agrees. An unsubscribe (`marketing_unsubscribes`)
 * always wins, whatever the consents say; only the signed-in shopper's own opt-in on the account page lifts it (a
 * checkout box can be ticked for anyone's address, so it never does).
 */
import { type Kysely, newId, type TenantDatabase } from '@storeloom/db';

/** The text version of the opt-in ("Email me with news and offers"); a new wording gets a new version. */
export const MARKETING_CONSENT_VERSION = 'marketing-mail:1';
export const MARKETING_SOURCES = ['checkout', 'registration', 'api', 'account', 'unsubscribe', 'newsletter'] as const;
export type MarketingConsentSource = (typeof MARKETING_SOURCES)[number];

export interface MarketingConsentState {
  subscribed: boolean;
  /** When the latest choice was recorded, and where (null: never asked). */
  at: string | null;
  source: MarketingConsentSource | null;
  unsubscribed: boolean;
}

const norm = (email: string) => email.trim().toLowerCase();

export class MarketingConsentService {
  constructor(private readonly t: Kysely<TenantDatabase>) {}

  /** Records one choice for the address (and the customer when known). */
  async record(input: {
    email: string;
    agreed: boolean;
    source: MarketingConsentSource;
    customerId?: string | null;
    subject?: string | null;
    now?: Date;
  }): Promise<void> {
    const email = norm(input.email);
    if (!email) return;
    await this.t
      .insertInto('consents')
      .values({
        id: newId(),
        // The browser's consent id when there is one; else a per-address marker (never a cookie value).
        subject: input.subject ?? `mail:${newId()}`,
        customer_id: input.customerId ?? null,
        choices: JSON.stringify({ marketing: input.agreed }),
        version: MARKETING_CONSENT_VERSION,
        signal: null,
        email,
        source: input.source,
        created_at: input.now ?? new Date(),
      })
      .execute();
  }

  /**
   * The signed-in shopper's choice on the account page: an opt-in lifts their own address's unsubscribe; a
   * withdrawal also suppresses the address (so a store mailing everyone stops too).
   */
  async setFromAccount(input: { email: string; customerId: string; agreed: boolean; now?: Date }): Promise<void> {
    const email = norm(input.email);
    const run = <T>(fn: (trx: Kysely<TenantDatabase>) => Promise<T>) => (this.t.isTransaction ? fn(this.t) : this.t.transaction().execute(fn));
    await run(async (trx) => {
      const svc = new MarketingConsentService(trx);
      await svc.record({ email, agreed: input.agreed, source: 'account', customerId: input.customerId, ...(input.now ? { now: input.now } : {}) });
      if (input.agreed) await trx.deleteFrom('marketing_unsubscribes').where('email', '=', email).execute();
      else
        await trx
          .insertInto('marketing_unsubscribes')
          .values({ email, created_at: input.now ?? new Date() })
          .onConflict((oc) => oc.column('email').doNothing())
          .execute();
    });
  }

  async state(email: string): Promise<MarketingConsentState> {
    const e = norm(email);
    const [latest, unsub] = await Promise.all([
      this.t
        .selectFrom('consents')
        .select(['choices', 'source', 'created_at'])
        .where('email', '=', e)
        .where('source', 'is not', null)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst(),
      this.t.selectFrom('marketing_unsubscribes').select('email').where('email', '=', e).executeTakeFirst(),
    ]);
    return {
      subscribed: Boolean(latest?.choices.marketing) && !unsub,
      at: latest ? new Date(latest.created_at).toISOString() : null,
      source: (latest?.source as MarketingConsentSource | undefined) ?? null,
      unsubscribed: Boolean(unsub),
    };
  }
}
