/**
 * Merchant billing: plan limits, Stripe Checkout (mode `subscription`) and the
 * customer portal, and the suspension of stores whose grace period has ended.
 * The subscription state itself arrives by webhook (see webhooks.ts).
 */
import { type Database, type Store, writeAudit } from '@storeloom/db';
import { AppError, ErrorCode } from '@storeloom/errors';
import type Stripe from 'stripe';
import type { BillingConfig } from './config.ts';
import { mailOwners } from './notify.ts';
import { type PaidPlanId, PLANS, type Plan, type PlanId, type PlanLimit, planForPrice, planOf } from './plans.ts';

export const BILLING_SUSPENSION = 'billing_past_due';

export interface Actor {
  userId: string | null;
  requestId?: string | null;
}

export interface Usage {
  activeProducts: number;
  staffSeats: number;
  customDomain: boolean;
}

export interface BillingSummary {
  enabled: boolean;
  plan: Plan;
  plans: Plan[];
  usage: Usage;
  status: Store['billing_status'];
  subscriptionStatus: string | null;
  pastDueSince: Date | null;
  graceUntil: Date | null;
  currentPeriodEnd: Date | null;
  suspended: boolean;
  /** Whether the portal can be opened (a Stripe customer exists). */
  hasBillingAccount: boolean;
}

/** Stripe failures reach the merchant as a stable 503, never as Stripe's raw message. */
export async function callStripe<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw new AppError(ErrorCode.PaymentProviderUnavailable, `Stripe could not ${what}; try again in a moment`, { cause: e });
  }
}

/**
 * The catalogue's view of a store's plan (see CatalogLimits in @storeloom/catalog): read fresh on each check, because
 * a cached store row may predate a downgrade. `enforced` is whether billing is on (self-hosted = unlimited).
 */
export function storeCatalogLimits(db: Database, storeId: string, enforced: boolean) {
  return {
    async activeProducts(): Promise<{ max: number; planId: string; planName: string } | null> {
      if (!enforced) return null;
      const row = await db.control.selectFrom('stores').select('plan').where('id', '=', storeId).executeTakeFirst();
      const plan = planOf(row?.plan);
      return plan.activeProducts === null ? null : { max: plan.activeProducts, planId: plan.id, planName: plan.name };
    },
  };
}

export class BillingService {
  constructor(
    private readonly db: Database,
    readonly config: BillingConfig,
    readonly stripe: Stripe | null,
    /** Drops cached copies of a store row after billing changed it. */
    private readonly onStoreChanged: (storeId: string) => void = () => {},
  ) {}

  /** Billing is on when a Stripe secret key is configured; without one every store is unlimited (self-hosted). */
  get enabled(): boolean {
    return this.stripe !== null && this.config.stripe !== null;
  }

  private requireStripe(): Stripe {
    if (!this.stripe || !this.config.stripe) throw new AppError(ErrorCode.BillingDisabled, 'Billing is not configured on this installation (no Stripe keys)');
    return this.stripe;
  }

  /** The store's plan limits for the catalogue service (every path that publishes products). */
  catalogLimits(store: Pick<Store, 'id'>) {
    return storeCatalogLimits(this.db, store.id, this.enabled);
  }

  async usage(store: Store): Promise<Usage> {
    const [products, members] = await Promise.all([
      this.db
        .tenant(store.schema_name)
        .selectFrom('products')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('status', '=', 'active')
        .executeTakeFirstOrThrow(),
      this.db.control
        .selectFrom('memberships')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('store_id', '=', store.id)
        .executeTakeFirstOrThrow(),
    ]);
    return { activeProducts: Number(products.n), staffSeats: Number(members.n), customDomain: store.custom_domain !== null };
  }

  async summary(store: Store): Promise<BillingSummary> {
    const row = (await this.db.control.selectFrom('stores').selectAll().where('id', '=', store.id).executeTakeFirst()) ?? store;
    return {
      enabled: this.enabled,
      plan: planOf(row.plan),
      plans: Object.values(PLANS),
      usage: await this.usage(row),
      status: row.billing_status,
      subscriptionStatus: row.subscription_status,
      pastDueSince: row.past_due_since,
      graceUntil: row.grace_until,
      currentPeriodEnd: row.current_period_end,
      suspended: row.status === 'suspended',
      hasBillingAccount: row.stripe_customer_id !== null,
    };
  }

  /**
   * Refuses a change that would take the store past its plan. `adding` is how
   * many of the resource the change adds (one product activated, one member
   * invited). Without billing every store is unlimited.
   */
  async assertWithinPlan(store: Store, limit: PlanLimit, opts: { adding?: number } = {}): Promise<void> {
    if (!this.enabled) return;
    // The caller's store row may come from a short-lived cache; the plan must not.
    const fresh = await this.db.control.selectFrom('stores').select('plan').where('id', '=', store.id).executeTakeFirst();
    const plan = planOf(fresh?.plan ?? store.plan);
    const adding = opts.adding ?? 1;
    const refuse = (message: string, details: Record<string, unknown>) => {
      throw new AppError(ErrorCode.PlanLimitReached, message, { details: { limit, plan: plan.id, ...details } });
    };
    if (limit === 'customDomain') {
      if (!plan.customDomain) refuse(`Custom domains need a paid plan; the ${plan.name} plan does not include them`, { allowed: false });
      return;
    }
    const max = limit === 'activeProducts' ? plan.activeProducts : plan.staffSeats;
    if (max === null) return;
    const usage = await this.usage(store);
    const current = limit === 'activeProducts' ? usage.activeProducts : usage.staffSeats;
    if (current + adding > max)
      refuse(
        limit === 'activeProducts'
          ? `The ${plan.name} plan allows ${max} active products; upgrade to publish more`
          : `The ${plan.name} plan allows ${max} members; upgrade to add more`,
        { max, current },
      );
  }

  /** The store's Stripe customer, created once (idempotency key per store, conditional write). */
  private async ensureCustomer(store: Store, email: string | null): Promise<string> {
    if (store.stripe_customer_id) return store.stripe_customer_id;
    const stripe = this.requireStripe();
    const customer = await callStripe('create the billing customer', () =>
      stripe.customers.create(
        { name: store.name, ...(email ? { email } : {}), metadata: { storeId: store.id } },
        { idempotencyKey: `storeloom:customer:${store.id}` },
      ),
    );
    await this.db.control
      .updateTable('stores')
      .set({ stripe_customer_id: customer.id, updated_at: new Date() })
      .where('id', '=', store.id)
      .where('stripe_customer_id', 'is', null)
      .execute();
    const row = await this.db.control.selectFrom('stores').select('stripe_customer_id').where('id', '=', store.id).executeTakeFirstOrThrow();
    return row.stripe_customer_id ?? customer.id;
  }

  private billingUrl(storeId: string, query: string) {
    return `${this.config.publicUrl.replace(/\/$/, '')}/stores/${storeId}/billing?${query}`;
  }

  /**
   * Upgrade or downgrade between paid plans. Without a live subscription this
   * is a Checkout Session (mode `subscription`); with one, a portal session
   * that confirms the price change, so a store never ends up with two
   * subscriptions.
   */
  async startCheckout(store: Store, planId: PaidPlanId, actor: Actor & { email?: string | null }): Promise<{ url: string; kind: 'checkout' | 'portal' }> {
    const stripe = this.requireStripe();
    const price = this.config.stripe?.prices[planId];
    if (!price) throw new AppError(ErrorCode.BillingDisabled, `The ${PLANS[planId].name} plan has no Stripe price configured`);
    const row = await this.db.control.selectFrom('stores').selectAll().where('id', '=', store.id).executeTakeFirstOrThrow();
    const customer = await this.ensureCustomer(row, actor.email ?? null);
    const live = row.stripe_subscription_id && row.billing_status !== 'canceled' ? row.stripe_subscription_id : null;
    let url: string;
    let kind: 'checkout' | 'portal';
    if (live) {
      if (row.plan === planId) throw new AppError(ErrorCode.Conflict, `This store is already on the ${PLANS[planId].name} plan`);
      const sub = await callStripe('read the subscription', () => stripe.subscriptions.retrieve(live));
      const item = sub.items.data[0];
      if (!item) throw new AppError(ErrorCode.Conflict, 'The subscription has no item to change');
      const session = await callStripe('open the billing portal', () =>
        stripe.billingPortal.sessions.create({
          customer,
          return_url: this.billingUrl(store.id, 'portal=return'),
          flow_data: { type: 'subscription_update_confirm', subscription_update_confirm: { subscription: live, items: [{ id: item.id, price, quantity: 1 }] } },
        }),
      );
      url = session.url;
      kind = 'portal';
    } else {
      const session = await callStripe('start Checkout', () =>
        stripe.checkout.sessions.create({
          mode: 'subscription',
          customer,
          line_items: [{ price, quantity: 1 }],
          client_reference_id: store.id,
          metadata: { storeId: store.id, plan: planId },
          subscription_data: { metadata: { storeId: store.id, plan: planId } },
          success_url: this.billingUrl(store.id, 'checkout=success&session_id={CHECKOUT_SESSION_ID}'),
          cancel_url: this.billingUrl(store.id, 'checkout=cancelled'),
        }),
      );
      if (!session.url) throw new AppError(ErrorCode.PaymentProviderUnavailable, 'Stripe returned no Checkout URL');
      url = session.url;
      kind = 'checkout';
    }
    await writeAudit(this.db, {
      storeId: store.id,
      actorUserId: actor.userId,
      action: 'billing.checkout_started',
      targetType: 'store',
      targetId: store.id,
      data: { plan: planId, kind },
      requestId: actor.requestId ?? null,
    });
    return { url, kind };
  }

  /** Stripe's customer portal: payment method, invoices, cancellation. */
  async portal(store: Store, actor: Actor): Promise<{ url: string }> {
    const stripe = this.requireStripe();
    const row = await this.db.control.selectFrom('stores').select('stripe_customer_id').where('id', '=', store.id).executeTakeFirstOrThrow();
    const customer = row.stripe_customer_id;
    if (!customer) throw new AppError(ErrorCode.Conflict, 'This store has no billing account yet; choose a plan first');
    const session = await callStripe('open the billing portal', () =>
      stripe.billingPortal.sessions.create({ customer, return_url: this.billingUrl(store.id, 'portal=return') }),
    );
    await writeAudit(this.db, {
      storeId: store.id,
      actorUserId: actor.userId,
      action: 'billing.portal_opened',
      targetType: 'store',
      targetId: store.id,
      requestId: actor.requestId ?? null,
    });
    return { url: session.url };
  }

  suspendOverdue(now: Date = new Date()): Promise<string[]> {
    return suspendOverdueStores(this.db, now, this.onStoreChanged, this.config.publicUrl);
  }
}

/** What a Stripe subscription means for a store row: the fields to set. */
export function subscriptionEffect(
  store: Pick<Store, 'plan' | 'status' | 'suspended_reason' | 'past_due_since' | 'grace_until' | 'stripe_customer_id' | 'billing_status'>,
  sub: Pick<Stripe.Subscription, 'id' | 'status' | 'customer' | 'items'>,
  prices: Record<PaidPlanId, string | undefined>,
  graceDays: number,
  now: Date,
): Partial<Record<string, unknown>> & { plan: PlanId; billing_status: Store['billing_status'] } {
  const item = sub.items.data[0];
  const paid = planForPrice(item?.price.id, prices);
  const currentPlan = planOf(store.plan).id;
  const periodEnd =
    item && typeof (item as { current_period_end?: number }).current_period_end === 'number'
      ? (item as { current_period_end: number }).current_period_end
      : null;
  const base = {
    stripe_subscription_id: sub.id,
    stripe_customer_id: store.stripe_customer_id ?? (typeof sub.customer === 'string' ? sub.customer : sub.customer.id),
    subscription_status: sub.status,
    current_period_end: periodEnd ? new Date(periodEnd * 1000) : null,
  };
  const lift = store.status === 'suspended' && store.suspended_reason === BILLING_SUSPENSION ? { status: 'active', suspended_reason: null } : {};
  switch (sub.status) {
    case 'active':
    case 'trialing':
      return { ...base, ...lift, plan: paid ?? currentPlan, billing_status: 'active', past_due_since: null, grace_until: null };
    case 'past_due':
    case 'unpaid':
      return {
        ...base,
        plan: paid ?? currentPlan,
        billing_status: 'past_due',
        // The grace period starts at the first failure and is not extended by later ones.
        past_due_since: store.past_due_since ?? now,
        grace_until: store.grace_until ?? new Date(now.getTime() + graceDays * 86_400_000),
      };
    case 'canceled':
    case 'incomplete_expired':
      return { ...base, ...lift, plan: 'free', billing_status: 'canceled', past_due_since: null, grace_until: null };
    default:
      // incomplete / paused: nothing is owed yet and nothing was granted.
      return { ...base, plan: currentPlan, billing_status: store.billing_status };
  }
}

/**
 * Suspends the storefront of every store whose grace period ended while it
 * was still past due. Conditional on that state, so it is safe to run
 * concurrently and again; a payment (webhook) lifts it.
 */
export async function suspendOverdueStores(
  db: Database,
  now: Date = new Date(),
  onStoreChanged: (storeId: string) => void = () => {},
  /** The console's public URL (the suspension mail links to the store's billing page). */
  consoleUrl?: string | null,
): Promise<string[]> {
  const due = await db.control
    .selectFrom('stores')
    .select('id')
    .where('billing_status', '=', 'past_due')
    .where('grace_until', '<=', now)
    .where('status', '=', 'active')
    .orderBy('grace_until')
    .limit(500)
    .execute();
  const suspended: string[] = [];
  for (const { id } of due) {
    const done = await db.control.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable('stores')
        .set({ status: 'suspended', suspended_reason: BILLING_SUSPENSION, updated_at: new Date() })
        .where('id', '=', id)
        .where('status', '=', 'active')
        .where('billing_status', '=', 'past_due')
        .where('grace_until', '<=', now)
        .returning(['id', 'name', 'grace_until', 'past_due_since'])
        .executeTakeFirst();
      if (!row) return false;
      await writeAudit(trx, {
        storeId: id,
        action: 'store.suspended',
        targetType: 'store',
        targetId: id,
        data: { reason: BILLING_SUSPENSION, pastDueSince: row.past_due_since, graceUntil: row.grace_until },
      });
      await mailOwners(
        db,
        trx,
        id,
        {
          kind: 'billing.store_suspended',
          mail: { kind: 'billing.store_suspended', storeName: row.name, pastDueSince: row.past_due_since ?? null },
          dedupKey: `billing-suspended:${id}:${row.grace_until?.toISOString() ?? ''}`,
        },
        consoleUrl,
      );
      return true;
    });
    if (done) {
      suspended.push(id);
      onStoreChanged(id);
    }
  }
  return suspended;
}
