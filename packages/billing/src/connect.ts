/**
 * Stripe Connect onboarding: one Express account per store, created once
 * (Stripe idempotency key per store plus a primary key on our side), and
 * Account Links to Stripe's hosted onboarding. `account.updated` webhooks keep
 * the status current (webhooks.ts).
 */
import { type Database, type Store, sql, writeAudit } from '@storeloom/db';
import { AppError, ErrorCode } from '@storeloom/errors';
import type Stripe from 'stripe';
import type { BillingConfig } from './config.ts';
import { callStripe } from './service.ts';
import { accountState } from './webhooks.ts';

export interface PayoutStatus {
  enabled: boolean;
  connected: boolean;
  accountId: string | null;
  chargesEnabled: boolean;
  payoutsEnabled: boolean;
  detailsSubmitted: boolean;
  requirements: { currentlyDue: string[]; pastDue: string[]; eventuallyDue: string[]; disabledReason: string | null; currentDeadline: number | null };
  updatedAt: Date | null;
}

const NO_REQUIREMENTS = { currentlyDue: [], pastDue: [], eventuallyDue: [], disabledReason: null, currentDeadline: null };

export class ConnectService {
  constructor(
    private readonly db: Database,
    private readonly config: BillingConfig,
    private readonly stripe: Stripe | null,
  ) {}

  get enabled(): boolean {
    return this.stripe !== null;
  }

  /** The store's connected account id, or null before onboarding started. */
  async accountOf(storeId: string): Promise<{ accountId: string; chargesEnabled: boolean } | null> {
    const row = await this.db.control
      .selectFrom('stripe_connect_accounts')
      .select(['account_id', 'charges_enabled'])
      .where('store_id', '=', storeId)
      .executeTakeFirst();
    return row ? { accountId: row.account_id, chargesEnabled: row.charges_enabled } : null;
  }

  async status(store: Store): Promise<PayoutStatus> {
    const row = await this.db.control.selectFrom('stripe_connect_accounts').selectAll().where('store_id', '=', store.id).executeTakeFirst();
    return {
      enabled: this.enabled,
      connected: !!row,
      accountId: row?.account_id ?? null,
      chargesEnabled: row?.charges_enabled ?? false,
      payoutsEnabled: row?.payouts_enabled ?? false,
      detailsSubmitted: row?.details_submitted ?? false,
      requirements: { ...NO_REQUIREMENTS, ...((row?.requirements as Partial<PayoutStatus['requirements']>) ?? {}) },
      updatedAt: row?.updated_at ?? null,
    };
  }

  /** Creates (or reuses) the store's Express account and returns a fresh onboarding link. */
  async startOnboarding(
    store: Store,
    actor: { userId: string | null; requestId?: string | null; email?: string | null },
  ): Promise<{ url: string; accountId: string }> {
    const stripe = this.stripe;
    if (!stripe) throw new AppError(ErrorCode.BillingDisabled, 'Stripe is not configured on this installation (no Stripe keys)');
    let row = await this.db.control.selectFrom('stripe_connect_accounts').selectAll().where('store_id', '=', store.id).executeTakeFirst();
    if (!row) {
      row = await this.db.control.transaction().execute(async (trx) => {
        // Concurrent first clicks: one creates the account, the others wait on this lock and then reuse it
        // (Stripe refuses the same idempotency key while its first request is still in flight).
        await sql`select pg_advisory_xact_lock(hashtext(${`storeloom:connect-account:${store.id}`}))`.execute(trx);
        const existing = await trx.selectFrom('stripe_connect_accounts').selectAll().where('store_id', '=', store.id).executeTakeFirst();
        if (existing) return existing;
        const account = await callStripe('create the payout account', () =>
          stripe.accounts.create(
            {
              type: 'express',
              ...(actor.email ? { email: actor.email } : {}),
              business_profile: { name: store.name },
              capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
              metadata: { storeId: store.id },
            },
            { idempotencyKey: `storeloom:connect-account:${store.id}` },
          ),
        );
        const state = accountState(account);
        const created = await trx
          .insertInto('stripe_connect_accounts')
          .values({ store_id: store.id, account_id: account.id, ...state, requirements: JSON.stringify(state.requirements) })
          .returningAll()
          .executeTakeFirstOrThrow();
        await writeAudit(trx, {
          storeId: store.id,
          actorUserId: actor.userId,
          action: 'payouts.account_created',
          targetType: 'store',
          targetId: store.id,
          data: { account: account.id },
          requestId: actor.requestId ?? null,
        });
        return created;
      });
    }
    const accountId = row.account_id;
    const base = `${this.config.publicUrl.replace(/\/$/, '')}/stores/${store.id}/payouts`;
    const link = await callStripe('create the onboarding link', () =>
      stripe.accountLinks.create({
        account: accountId,
        refresh_url: `${base}?connect=refresh`,
        return_url: `${base}?connect=return`,
        type: 'account_onboarding',
      }),
    );
    return { url: link.url, accountId };
  }
}
