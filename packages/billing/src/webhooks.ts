/**
 * Stripe webhooks for both endpoints. Every event is:
 * - verified on the raw body (signature and a 300 s timestamp tolerance, both ways: a timestamp more than 300 s in
 *   the future is refused as well as one more than 300 s old);
 * - about a store only when the subscription's customer is that store's own Stripe customer: an event whose
 *   metadata names another store, or a subscription Stripe does not know, is recorded and answered 2xx (ignored,
 *   audited on the named store and logged), never applied and never a 5xx that Stripe would retry for days;
 * - processed exactly once: its id goes into `stripe_events` (primary key) in
 *   the same transaction as its effect, so a duplicate either finds the row or
 *   waits on the key and then finds it, and a failed effect leaves no row and
 *   Stripe retries. Connect payment events are the exception: their effect is
 *   on the store's data, which may live on another cluster, so it is applied
 *   first in the store's own transactions (idempotent: conditional updates on
 *   the order) and the id is recorded after it commits; a failure anywhere
 *   leaves no row, Stripe retries, and the retry changes nothing twice;
 * - safe out of order: the effect is computed from the object's current state,
 *   read from Stripe while the store's row is locked, never from the payload's
 *   snapshot, so an old event re-applies the latest state.
 */
import { type AuditEntry, type Database, isUuid, type Kysely, type Store, type Transaction, writeAudit } from '@storeloom/db';
import type { ControlDatabase } from '@storeloom/db';
import { AppError, ErrorCode } from '@storeloom/errors';
import type Stripe from 'stripe';
import type { BillingConfig } from './config.ts';
import { mailOwners } from './notify.ts';
import { BILLING_SUSPENSION, callStripe, subscriptionEffect } from './service.ts';

export type WebhookEndpointName = 'billing' | 'connect';
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export interface WebhookResult {
  eventId: string;
  type: string;
  duplicate: boolean;
  outcome: string;
}

type Trx = Transaction<ControlDatabase>;

/** What a Connect event did to its store; the webhook records it (event id + audits) in the control schema afterwards. */
export interface ConnectEffect {
  outcome: string;
  /** Whether this run changed the store's data (a concurrent duplicate that did the work still reports its outcome). */
  changed: boolean;
  storeId: string | null;
  /** Written with the event's `stripe_events` row, in one control transaction. */
  audits: AuditEntry[];
}

/** Handles Connect payment events (shopper checkouts); provided by the payments integration. */
export interface ConnectEventHandler {
  types: readonly string[];
  /**
   * Applies the event to the store's data in the store's own transactions (`db.tenant`: its cluster, role and
   * read-only window) BEFORE the event is recorded, so it must be idempotent: a redelivery after a crash or a
   * concurrent duplicate runs it again. Throwing leaves the event unrecorded and Stripe retries it.
   */
  handle(event: Stripe.Event): Promise<ConnectEffect>;
}

const LIVE_SUBSCRIPTION = new Set(['active', 'trialing', 'past_due', 'unpaid']);
const BILLING_TYPES = new Set([
  'checkout.session.completed',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'invoice.paid',
  'invoice.payment_failed',
]);

const idOf = (v: string | { id: string } | null | undefined): string | null => (v == null ? null : typeof v === 'string' ? v : v.id);

/** Which store and subscription an event is about, from the ids and metadata we put on the objects. */
function billingRef(event: Stripe.Event): { subscriptionId: string | null; storeId: string | null; customerId: string | null } | null {
  const o = event.data.object as any;
  switch (event.type) {
    case 'checkout.session.completed':
      if (o.mode !== 'subscription') return null;
      return { subscriptionId: idOf(o.subscription), storeId: o.client_reference_id ?? o.metadata?.storeId ?? null, customerId: idOf(o.customer) };
    case 'customer.subscription.created':
    case 'customer.subscription.updated':
    case 'customer.subscription.deleted':
      return { subscriptionId: o.id, storeId: o.metadata?.storeId ?? null, customerId: idOf(o.customer) };
    case 'invoice.paid':
    case 'invoice.payment_failed': {
      const details = o.parent?.subscription_details;
      return { subscriptionId: idOf(details?.subscription ?? o.subscription), storeId: details?.metadata?.storeId ?? null, customerId: idOf(o.customer) };
    }
    default:
      return null;
  }
}

const isUuidOrNull = (s: string | null): s is string => !!s && isUuid(s.toLowerCase());

export class StripeWebhooks {
  constructor(
    private readonly db: Database,
    private readonly config: BillingConfig,
    private readonly stripe: Stripe | null,
    private readonly onStoreChanged: (storeId: string) => void = () => {},
    /** Shopper payment events on connected accounts (ConnectPaymentEvents); null: Connect account events only. */
    private readonly connectHandler: ConnectEventHandler | null = null,
  ) {}

  /** The event, if the signature over the raw body is valid and recent; otherwise a 400. */
  verify(endpoint: WebhookEndpointName, rawBody: Buffer, signature: string | undefined): Stripe.Event {
    const secret = endpoint === 'billing' ? this.config.stripe?.billingWebhookSecret : this.config.stripe?.connectWebhookSecret;
    if (!this.stripe || !secret) throw new AppError(ErrorCode.BillingDisabled, `The Stripe ${endpoint} webhook is not configured`);
    if (!signature) throw new AppError(ErrorCode.InvalidSignature, 'Missing Stripe-Signature header');
    // Stripe's library only refuses old timestamps; a signed timestamp far in the future (a replay window opened in
    // advance, or a skewed signer) is refused here. Checked on every t= of the header (none may be out of range).
    const now = Math.floor(Date.now() / 1000);
    const stamps = signature
      .split(',')
      .map((part) => part.trim().split('='))
      .filter(([k]) => k === 't')
      .map(([, v]) => Number(v));
    if (stamps.some((t) => !Number.isFinite(t) || t > now + SIGNATURE_TOLERANCE_SECONDS))
      throw new AppError(ErrorCode.InvalidSignature, 'Invalid or expired Stripe signature (timestamp outside the tolerance)');
    try {
      return this.stripe.webhooks.constructEvent(rawBody, signature, secret, SIGNATURE_TOLERANCE_SECONDS);
    } catch (e) {
      throw new AppError(ErrorCode.InvalidSignature, 'Invalid or expired Stripe signature', { cause: e });
    }
  }

  async process(endpoint: WebhookEndpointName, event: Stripe.Event): Promise<WebhookResult> {
    const result = (duplicate: boolean, outcome: string): WebhookResult => ({ eventId: event.id, type: event.type, duplicate, outcome });
    // Fast path for redeliveries; the insert below is what actually guarantees once.
    if (await this.db.control.selectFrom('stripe_events').select('id').where('id', '=', event.id).executeTakeFirst()) return result(true, 'duplicate');
    if (endpoint === 'billing') return this.billingEvent(event, result);
    return this.connectEvent(event, result);
  }

  private record(trx: Kysely<ControlDatabase>, endpoint: WebhookEndpointName, event: Stripe.Event, storeId: string | null) {
    return trx
      .insertInto('stripe_events')
      .values({ id: event.id, endpoint, type: event.type, account: event.account ?? null, store_id: storeId })
      .onConflict((oc) => oc.column('id').doNothing())
      .returning('id')
      .executeTakeFirst();
  }

  private async recordOnly(endpoint: WebhookEndpointName, event: Stripe.Event, result: (d: boolean, o: string) => WebhookResult, outcome: string) {
    const inserted = await this.record(this.db.control, endpoint, event, null);
    return result(!inserted, inserted ? outcome : 'duplicate');
  }

  private async billingEvent(event: Stripe.Event, result: (d: boolean, o: string) => WebhookResult): Promise<WebhookResult> {
    const ref = BILLING_TYPES.has(event.type) ? billingRef(event) : null;
    if (!ref?.subscriptionId) return this.recordOnly('billing', event, result, 'ignored');
    const stripe = this.stripe as Stripe;
    const subscriptionId = ref.subscriptionId;
    let changedStore: string | null = null;
    const outcome = await this.db.control.transaction().execute(async (trx) => {
      // One event per store at a time: the state we read from Stripe below is then never older than what the previous event wrote.
      let store: Store | undefined;
      if (isUuidOrNull(ref.storeId)) store = await trx.selectFrom('stores').selectAll().where('id', '=', ref.storeId).forUpdate().executeTakeFirst();
      if (!store && ref.customerId)
        store = await trx.selectFrom('stores').selectAll().where('stripe_customer_id', '=', ref.customerId).forUpdate().executeTakeFirst();
      if (!(await this.record(trx, 'billing', event, store?.id ?? null))) return 'duplicate';
      if (!store || store.status === 'deleted') return 'no_store';
      let sub: Stripe.Subscription;
      try {
        sub = await stripe.subscriptions.retrieve(subscriptionId);
      } catch (e) {
        // A subscription Stripe does not know (deleted, or of another account) is about nothing of ours: 2xx, noted.
        if ((e as { statusCode?: number }).statusCode === 404) {
          await this.audit(trx, store.id, 'billing.event_ignored', event, { reason: 'unknown_subscription', subscription: subscriptionId });
          return 'unknown_subscription';
        }
        return callStripe('read the subscription', () => Promise.reject(e));
      }
      const customer = idOf(sub.customer);
      // The subscription must belong to this store's own customer (created by us, with the store's id); a store without
      // a customer has no subscription, so the store named in metadata is never taken on trust.
      if (!store.stripe_customer_id || customer !== store.stripe_customer_id) {
        await this.audit(trx, store.id, 'billing.event_ignored', event, { reason: 'customer_mismatch', subscription: sub.id });
        return 'customer_mismatch';
      }
      // A store has one subscription; an old or abandoned one ending must not touch it.
      if (store.stripe_subscription_id && store.stripe_subscription_id !== sub.id && !LIVE_SUBSCRIPTION.has(sub.status)) {
        await this.audit(trx, store.id, 'billing.event_ignored', event, { reason: 'not_the_current_subscription', subscription: sub.id, status: sub.status });
        return 'other_subscription';
      }
      const effect = subscriptionEffect(store, sub, this.config.stripe?.prices ?? { basic: undefined, pro: undefined }, this.config.graceDays, new Date());
      const changes: Record<string, [unknown, unknown]> = {};
      for (const [k, v] of Object.entries(effect)) {
        const before = (store as unknown as Record<string, unknown>)[k] ?? null;
        const same = before instanceof Date && v instanceof Date ? before.getTime() === v.getTime() : before === v;
        if (!same) changes[k] = [before, v];
      }
      if (!Object.keys(changes).length) return 'unchanged';
      await trx
        .updateTable('stores')
        .set({ ...(effect as unknown as Record<string, never>), updated_at: new Date() })
        .where('id', '=', store.id)
        .execute();
      await this.audit(trx, store.id, 'billing.subscription_synced', event, { subscription: sub.id, subscriptionStatus: sub.status, changes });
      if (changes.status && effect.status === 'active') await this.audit(trx, store.id, 'store.unsuspended', event, { reason: BILLING_SUSPENSION });
      if (changes.billing_status && effect.billing_status === 'past_due') {
        const graceUntil = effect.grace_until as Date;
        await mailOwners(
          this.db,
          trx,
          store.id,
          {
            kind: 'billing.payment_failed',
            mail: { kind: 'billing.payment_failed', storeName: store.name, deadline: graceUntil },
            dedupKey: `billing-past-due:${store.id}:${(effect.past_due_since as Date).toISOString()}`,
          },
          this.config.publicUrl,
        );
      }
      changedStore = store.id;
      return 'applied';
    });
    if (changedStore) this.onStoreChanged(changedStore);
    return result(outcome === 'duplicate', outcome);
  }

  private async connectEvent(event: Stripe.Event, result: (d: boolean, o: string) => WebhookResult): Promise<WebhookResult> {
    if (event.type === 'account.updated') return this.accountUpdated(event, result);
    const handler = this.connectHandler;
    if (!handler?.types.includes(event.type)) return this.recordOnly('connect', event, result, 'ignored');
    // 1. The effect, on the store's cluster; if it throws (store read-only mid-move, cluster down, Stripe error) nothing is recorded.
    const effect = await handler.handle(event);
    // 2. Then the event id (the dedup key) with the effect's audit entries. A concurrent duplicate finds the row here (or
    //    waits on the key): the order's conditional updates let only one of them change anything, and that one reports it.
    const inserted = await this.db.control.transaction().execute(async (trx) => {
      if (!(await this.record(trx, 'connect', event, effect.storeId))) return false;
      for (const a of effect.audits) await writeAudit(trx, a);
      return true;
    });
    return result(!inserted, inserted || effect.changed ? effect.outcome : 'duplicate');
  }

  private async accountUpdated(event: Stripe.Event, result: (d: boolean, o: string) => WebhookResult): Promise<WebhookResult> {
    const accountId = event.account ?? (event.data.object as { id: string }).id;
    const stripe = this.stripe as Stripe;
    const outcome = await this.db.control.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('stripe_connect_accounts').selectAll().where('account_id', '=', accountId).forUpdate().executeTakeFirst();
      if (!(await this.record(trx, 'connect', event, row?.store_id ?? null))) return 'duplicate';
      if (!row) return 'unknown_account';
      const account = await callStripe('read the connected account', () => stripe.accounts.retrieve(accountId));
      const next = accountState(account);
      const changed =
        row.charges_enabled !== next.charges_enabled ||
        row.payouts_enabled !== next.payouts_enabled ||
        row.details_submitted !== next.details_submitted ||
        stableJson(row.requirements) !== stableJson(next.requirements);
      if (!changed) return 'unchanged';
      await trx
        .updateTable('stripe_connect_accounts')
        .set({ ...next, requirements: JSON.stringify(next.requirements), updated_at: new Date() })
        .where('store_id', '=', row.store_id)
        .execute();
      await this.audit(trx, row.store_id, 'payouts.account_updated', event, {
        account: accountId,
        from: { chargesEnabled: row.charges_enabled, payoutsEnabled: row.payouts_enabled, detailsSubmitted: row.details_submitted },
        to: { chargesEnabled: next.charges_enabled, payoutsEnabled: next.payouts_enabled, detailsSubmitted: next.details_submitted },
      });
      return 'applied';
    });
    return result(outcome === 'duplicate', outcome);
  }

  private audit(trx: Trx, storeId: string, action: string, event: Stripe.Event, data: Record<string, unknown>) {
    return writeAudit(trx, { storeId, action, targetType: 'store', targetId: storeId, data: { eventId: event.id, eventType: event.type, ...data } });
  }
}

/** JSON with sorted keys: jsonb does not keep key order, so compare this way. */
const stableJson = (v: unknown): string =>
  JSON.stringify(v, (_k, x) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1))) : x,
  );

/** The onboarding fields we keep from a Connect account. */
export function accountState(account: Stripe.Account) {
  const r = account.requirements;
  return {
    charges_enabled: account.charges_enabled ?? false,
    payouts_enabled: account.payouts_enabled ?? false,
    details_submitted: account.details_submitted ?? false,
    requirements: {
      currentlyDue: r?.currently_due ?? [],
      pastDue: r?.past_due ?? [],
      eventuallyDue: r?.eventually_due ?? [],
      disabledReason: r?.disabled_reason ?? null,
      currentDeadline: r?.current_deadline ?? null,
    },
  };
}
