/**
 * Merchant billing end to end against the local Stripe fake: plans and their
 * limits, Checkout and the portal, the webhook endpoint (signature, tolerance,
 * exactly-once, out-of-order), past_due → suspension after the grace period →
 * payment → restored, and the suspension job on both queue backends.
 */
import { randomBytes } from 'node:crypto';
import { suspendOverdueStores } from '@storeloom/billing';
import { createLogger } from '@storeloom/log';
import { suspendOverdueStoresJob } from '@storeloom/jobs';
import type { StripeFake } from '@storeloom/stripe-fake';
import Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createStorefrontApp } from '../../storefront/src/app.ts';
import { createProduct, createStore, ORIGIN, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { type StripeTestPlatform, startStripePlatform } from '../../../test/helpers/stripe-platform.ts';

const DAY = 86_400_000;

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await fn();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('billing with Stripe (fake)', () => {
  let fake: StripeFake;
  let p: TestPlatform;
  let stripe: StripeTestPlatform;
  let server: { port: number };
  let prices: { basic: string; pro: string };
  let billingSecret: string;
  let connectSecret: string;

  beforeAll(async () => {
    // The same services behind a real port, so the fake can deliver webhooks over HTTP.
    stripe = await startStripePlatform();
    ({ fake, p, server, prices, billingSecret, connectSecret } = stripe);
  });
  afterAll(async () => {
    await stripe?.close();
  });
  beforeEach(async () => {
    fake.autoDeliver = true;
    await p.db.control.deleteFrom('rate_limits').where('key', 'like', 'signup:ip:%').execute();
  });

  const storeRow = (id: string) => p.db.control.selectFrom('stores').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const billing = (storeId: string, cookie: string) => p.request('GET', `/api/v1/stores/${storeId}/billing`, { cookie });
  const audits = (storeId: string, action: string) =>
    p.db.control.selectFrom('audit_log').selectAll().where('store_id', '=', storeId).where('action', '=', action).orderBy('id').execute();
  const storefrontStatus = async (slug: string) => {
    // A fresh storefront app each time: its host cache would otherwise hide the change for a few seconds.
    const app = createStorefrontApp(p.db, createLogger({ level: 'silent' }), { rootDomain: 'localhost' });
    return (await app.request(`http://${slug}.localhost/`, { headers: { host: `${slug}.localhost` } })).status;
  };

  /** A merchant on the given paid plan, paid through Checkout. */
  async function subscribedStore(plan: 'basic' | 'pro' = 'basic') {
    const m = await signup(p);
    const store = await createStore(p, m.cookie);
    const res = await p.request('POST', `/api/v1/stores/${store.id}/billing/checkout`, { cookie: m.cookie, body: { plan } });
    expect(res.status, res.text).toBe(200);
    const sessionId = new URL(res.body.url).pathname.split('/').pop() as string;
    await fake.completeCheckout(sessionId);
    const row = await storeRow(store.id);
    expect(row.plan).toBe(plan);
    return { m, store, sessionId, subscriptionId: row.stripe_subscription_id as string };
  }

  it('shows plan, usage and limits; Checkout (mode subscription) upgrades the store', async () => {
    const m = await signup(p);
    const store = await createStore(p, m.cookie);
    await createProduct(p, m.cookie, store.id);
    const before = await billing(store.id, m.cookie);
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({
      enabled: true,
      plan: { id: 'free', limits: { activeProducts: 10, staffSeats: 1, customDomain: false }, transactionFeePercent: 2 },
      usage: { activeProducts: 1, staffSeats: 1, customDomain: false },
      status: 'active',
      suspended: false,
      hasBillingAccount: false,
      canManage: true,
    });
    expect(before.body.plans.map((x: { id: string; available: boolean }) => [x.id, x.available])).toEqual([
      ['free', true],
      ['basic', true],
      ['pro', true],
    ]);

    const res = await p.request('POST', `/api/v1/stores/${store.id}/billing/checkout`, { cookie: m.cookie, body: { plan: 'basic' } });
    expect(res.status).toBe(200);
    expect(res.body.url).toMatch(/\/checkout\/pay\/cs_test_/);
    const created = fake.requests.filter((r) => r.path === '/v1/checkout/sessions' && r.method === 'POST').at(-1);
    expect(created?.params).toMatchObject({
      mode: 'subscription',
      client_reference_id: store.id,
      line_items: [{ price: prices.basic, quantity: '1' }],
      subscription_data: { metadata: { storeId: store.id, plan: 'basic' } },
    });
    // Nothing changes until Stripe says the payment went through.
    expect((await storeRow(store.id)).plan).toBe('free');

    const sessionId = new URL(res.body.url).pathname.split('/').pop() as string;
    const events = await fake.completeCheckout(sessionId);
    expect(fake.deliveries.filter((d) => events.some((e) => e.id === d.eventId)).map((d) => d.status)).toEqual([200, 200, 200]);
    const after = await billing(store.id, m.cookie);
    expect(after.body).toMatchObject({ plan: { id: 'basic' }, status: 'active', subscriptionStatus: 'active', hasBillingAccount: true });
    expect(after.body.currentPeriodEnd).not.toBeNull();
    const row = await storeRow(store.id);
    expect(row.stripe_subscription_id).toMatch(/^sub_/);
    expect(row.stripe_customer_id).toMatch(/^cus_/);
    const synced = await audits(store.id, 'billing.subscription_synced');
    expect(synced.length).toBeGreaterThanOrEqual(1);
    expect(synced[0]?.data).toMatchObject({ changes: { plan: ['free', 'basic'] } });
    // The store JSON carries the plan too.
    expect((await p.request('GET', `/api/v1/stores/${store.id}`, { cookie: m.cookie })).body.plan).toBe('basic');

    // A plan change on a live subscription goes through the portal, never a second subscription.
    const up = await p.request('POST', `/api/v1/stores/${store.id}/billing/checkout`, { cookie: m.cookie, body: { plan: 'pro' } });
    expect(up.status).toBe(200);
    expect(up.body.url).toMatch(/\/billing_portal\/bps_/);
    await fake.confirmPortalFlow(new URL(up.body.url).pathname.split('/').pop() as string);
    expect((await storeRow(store.id)).plan).toBe('pro');
    expect((await storeRow(store.id)).stripe_subscription_id).toBe(row.stripe_subscription_id);
    const same = await p.request('POST', `/api/v1/stores/${store.id}/billing/checkout`, { cookie: m.cookie, body: { plan: 'pro' } });
    expect(same.status).toBe(409);

    const portal = await p.request('POST', `/api/v1/stores/${store.id}/billing/portal`, { cookie: m.cookie });
    expect(portal.status).toBe(200);
    expect(portal.body.url).toMatch(/\/billing_portal\/bps_/);
  });

  it('refuses plan changes to staff, unknown plans and portal before any plan', async () => {
    const m = await signup(p);
    const store = await createStore(p, m.cookie);
    expect((await p.request('POST', `/api/v1/stores/${store.id}/billing/checkout`, { cookie: m.cookie, body: { plan: 'gold' } })).status).toBe(400);
    const noAccount = await p.request('POST', `/api/v1/stores/${store.id}/billing/portal`, { cookie: m.cookie });
    expect(noAccount.status).toBe(409);
    const staff = await signup(p);
    await p.db.control.insertInto('memberships').values({ store_id: store.id, user_id: staff.user.id, role: 'staff' }).execute();
    const viewed = await billing(store.id, staff.cookie);
    expect(viewed.status).toBe(200);
    expect(viewed.body.canManage).toBe(false);
    const refused = await p.request('POST', `/api/v1/stores/${store.id}/billing/checkout`, { cookie: staff.cookie, body: { plan: 'basic' } });
    expect(refused.status).toBe(403);
    expect((await p.request('POST', `/api/v1/stores/${store.id}/billing/portal`, { cookie: staff.cookie })).status).toBe(403);
    expect((await p.request('POST', `/api/v1/stores/${store.id}/payouts/connect`, { cookie: staff.cookie })).status).toBe(403);
    // Another merchant cannot see it at all.
    const other = await signup(p);
    expect((await billing(store.id, other.cookie)).status).toBe(404);
  });

  it('failed payment → past_due with a grace period → suspended storefront → payment restores it', async () => {
    const { m, store, subscriptionId } = await subscribedStore('basic');
    expect(await storefrontStatus(store.slug)).toBe(200);

    const t0 = Date.now();
    await fake.failInvoice(subscriptionId);
    const pastDue = await billing(store.id, m.cookie);
    expect(pastDue.body).toMatchObject({ status: 'past_due', subscriptionStatus: 'past_due', suspended: false, plan: { id: 'basic' } });
    const graceUntil = new Date(pastDue.body.graceUntil).getTime();
    expect(graceUntil).toBeGreaterThanOrEqual(t0 + 7 * DAY - 1000);
    expect(graceUntil).toBeLessThanOrEqual(Date.now() + 7 * DAY + 1000);
    // Still selling during the grace period.
    expect(await storefrontStatus(store.slug)).toBe(200);
    expect(await suspendOverdueStores(p.db, new Date(graceUntil - 60_000))).not.toContain(store.id);

    // A second failure does not extend the grace period.
    await fake.failInvoice(subscriptionId);
    expect(new Date((await billing(store.id, m.cookie)).body.graceUntil).getTime()).toBe(graceUntil);

    // The grace period ends: the sweep suspends the storefront (and a second sweep changes nothing).
    // The worker passes the console's public URL (PUBLIC_URL): the suspension mail links to the store's billing page.
    expect(await suspendOverdueStores(p.db, new Date(graceUntil + 1000), undefined, ORIGIN)).toContain(store.id);
    expect(await suspendOverdueStores(p.db, new Date(graceUntil + 2000))).not.toContain(store.id);
    const row = await storeRow(store.id);
    expect(row).toMatchObject({ status: 'suspended', suspended_reason: 'billing_past_due', billing_status: 'past_due' });
    expect(await storefrontStatus(store.slug)).toBe(503);
    expect((await billing(store.id, m.cookie)).body).toMatchObject({ suspended: true, status: 'past_due' });
    // The merchant can still reach the console API of a suspended store, to pay.
    expect((await p.request('POST', `/api/v1/stores/${store.id}/billing/portal`, { cookie: m.cookie })).status).toBe(200);

    await fake.payInvoice(subscriptionId);
    const restored = await storeRow(store.id);
    expect(restored).toMatchObject({
      status: 'active',
      suspended_reason: null,
      billing_status: 'active',
      past_due_since: null,
      grace_until: null,
      plan: 'basic',
    });
    expect(await storefrontStatus(store.slug)).toBe(200);
    expect(await audits(store.id, 'store.suspended')).toHaveLength(1);
    expect(await audits(store.id, 'store.unsuspended')).toHaveLength(1);
    // The owner was told twice: once at the first failure, once at the suspension.
    const mail = await p.db.control
      .selectFrom('mail_outbox')
      .select(['kind', 'to_address', 'text_body', 'html_body'])
      .where('store_id', '=', store.id)
      .orderBy('created_at')
      .execute();
    expect(mail.map(({ kind, to_address }) => ({ kind, to_address }))).toEqual([
      { kind: 'billing.payment_failed', to_address: m.email.toLowerCase() },
      { kind: 'billing.store_suspended', to_address: m.email.toLowerCase() },
    ]);
    // Both open the store's billing page in the console (the Stripe webhook's from the control plane's public URL).
    for (const x of mail) {
      expect(x.text_body).toContain(`${ORIGIN}/stores/${store.id}/billing`);
      expect(x.html_body).toContain(`href="${ORIGIN}/stores/${store.id}/billing"`);
    }
  });

  it('a store suspended for another reason is not restored by a payment', async () => {
    const { store, subscriptionId } = await subscribedStore('basic');
    await p.db.control.updateTable('stores').set({ status: 'suspended', suspended_reason: 'abuse' }).where('id', '=', store.id).execute();
    await fake.failInvoice(subscriptionId);
    await fake.payInvoice(subscriptionId);
    expect(await storeRow(store.id)).toMatchObject({ status: 'suspended', suspended_reason: 'abuse', billing_status: 'active' });
  });

  it('cancellation returns the store to Free', async () => {
    const { m, store, subscriptionId } = await subscribedStore('pro');
    await fake.cancelSubscription(subscriptionId);
    expect((await billing(store.id, m.cookie)).body).toMatchObject({ plan: { id: 'free' }, status: 'canceled', subscriptionStatus: 'canceled' });
  });

  it('duplicated and out-of-order events apply once and converge on the current state', async () => {
    const { store, subscriptionId, sessionId } = await subscribedStore('basic');
    fake.autoDeliver = false;
    const failed = await fake.failInvoice(subscriptionId);
    const paid = await fake.payInvoice(subscriptionId);
    const auditCount = (await audits(store.id, 'billing.subscription_synced')).length;
    // Newest first, each delivered twice at once.
    for (const e of [...paid, ...failed]) {
      const ds = await fake.deliver(e, { duplicate: true });
      expect(ds.map((d) => d.status)).toEqual([200, 200]);
      const bodies = ds.map((d) => JSON.parse(d.body));
      expect(bodies.filter((b) => b.duplicate === false)).toHaveLength(1);
    }
    // The late `payment_failed` did not put the store back into past_due: Stripe's current state is active.
    expect(await storeRow(store.id)).toMatchObject({ billing_status: 'active', past_due_since: null, grace_until: null, status: 'active' });
    expect((await audits(store.id, 'billing.subscription_synced')).length).toBe(auditCount);
    const ids = [...paid, ...failed].map((e) => e.id);
    const recorded = await p.db.control.selectFrom('stripe_events').select('id').where('id', 'in', ids).execute();
    expect(recorded.map((r) => r.id).sort()).toEqual([...ids].sort());

    // A replay of the very first event, much later, is a no-op.
    const first = fake.events.find((e) => e.type === 'checkout.session.completed' && e.data.object.id === sessionId);
    const [replay] = await fake.deliver(first);
    expect(replay?.status).toBe(200);
    expect(JSON.parse(replay?.body ?? '{}')).toMatchObject({ duplicate: true });
  });

  it('refuses a bad signature, a stale timestamp and a missing header with 400, changing nothing', async () => {
    const { store, subscriptionId } = await subscribedStore('basic');
    fake.autoDeliver = false;
    const events = await fake.failInvoice(subscriptionId);
    const before = await storeRow(store.id);
    const auditsBefore = (await p.db.control.selectFrom('audit_log').select('id').where('store_id', '=', store.id).execute()).length;
    for (const e of events) {
      const forged = await fake.deliver(e, { signatureSecret: 'whsec_not_the_secret' });
      expect(forged.map((d) => d.status)).toEqual([400]);
      expect(JSON.parse(forged[0]?.body ?? '{}').error.code).toBe('invalid_signature');
      const stale = await fake.deliver(e, { timestamp: Math.floor(Date.now() / 1000) - 301 });
      expect(stale.map((d) => d.status)).toEqual([400]);
      // The connect endpoint's secret does not open the billing endpoint.
      expect((await fake.deliver(e, { signatureSecret: connectSecret })).map((d) => d.status)).toEqual([400]);
    }
    const unsigned = await fetch(`http://127.0.0.1:${server.port}/webhooks/stripe/billing`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(events[0]),
    });
    expect(unsigned.status).toBe(400);
    // A body altered after signing.
    const signed = JSON.stringify(events[0]);
    const tampered = await fetch(`http://127.0.0.1:${server.port}/webhooks/stripe/billing`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload: signed, secret: billingSecret }),
      },
      body: signed.replace('"type":"invoice.payment_failed"', '"type":"invoice.paid"'),
    });
    expect(signed).toContain('"type":"invoice.payment_failed"');
    expect(tampered.status).toBe(400);
    expect(await storeRow(store.id)).toEqual(before);
    expect((await p.db.control.selectFrom('audit_log').select('id').where('store_id', '=', store.id).execute()).length).toBe(auditsBefore);
    expect(
      await p.db.control
        .selectFrom('stripe_events')
        .select('id')
        .where(
          'id',
          'in',
          events.map((e) => e.id),
        )
        .execute(),
    ).toEqual([]);
    // Within the tolerance (e.g. 4 minutes late) it is accepted.
    for (const e of events) expect((await fake.deliver(e, { timestamp: Math.floor(Date.now() / 1000) - 240 })).map((d) => d.status)).toEqual([200]);
    expect((await storeRow(store.id)).billing_status).toBe('past_due');
  });

  it('refuses a signature timestamped beyond the tolerance in the future, as in the past (issue 15)', async () => {
    const { subscriptionId } = await subscribedStore();
    const event = () => ({
      id: `evt_future_${randomBytes(6).toString('hex')}`,
      object: 'event',
      type: 'customer.subscription.updated',
      created: Math.floor(Date.now() / 1000),
      data: { object: fake.get(subscriptionId) },
    });
    const now = Math.floor(Date.now() / 1000);
    const future = await fake.deliver(event(), { timestamp: now + 600 });
    expect(future.map((d) => d.status)).toEqual([400]);
    expect(JSON.parse(future[0]?.body ?? '{}').error.code).toBe('invalid_signature');
    // Within the tolerance (a signer's clock a few minutes fast) it is accepted.
    expect((await fake.deliver(event(), { timestamp: now + 200 })).map((d) => d.status)).toEqual([200]);
  });

  it('ignores (2xx, audited) an event whose metadata names a store the subscription is not of, and one for an unknown subscription (issue 15)', async () => {
    const { subscriptionId } = await subscribedStore();
    const victimOwner = await signup(p);
    const victim = await createStore(p, victimOwner.cookie);
    const before = await storeRow(victim.id);
    const sub = fake.get(subscriptionId) as Record<string, any>;
    const forge = (object: Record<string, unknown>) => ({
      id: `evt_forged_${randomBytes(6).toString('hex')}`,
      object: 'event',
      type: 'customer.subscription.updated',
      created: Math.floor(Date.now() / 1000),
      data: { object },
    });
    const foreign = await fake.deliver(forge({ ...sub, metadata: { ...sub.metadata, storeId: victim.id } }));
    expect(foreign.map((d) => d.status)).toEqual([200]);
    expect(JSON.parse(foreign[0]?.body ?? '{}').outcome).toBe('customer_mismatch');
    const unknown = await fake.deliver(forge({ ...sub, id: 'sub_does_not_exist', metadata: { storeId: victim.id } }));
    expect(unknown.map((d) => d.status)).toEqual([200]);
    expect(JSON.parse(unknown[0]?.body ?? '{}').outcome).toBe('unknown_subscription');
    expect(await storeRow(victim.id)).toEqual(before);
    expect((await audits(victim.id, 'billing.event_ignored')).map((a) => (a.data as { reason: string }).reason)).toEqual([
      'customer_mismatch',
      'unknown_subscription',
    ]);
  });

  it('enforces plan limits: active products and custom domains', async () => {
    const m = await signup(p);
    const store = await createStore(p, m.cookie);
    for (let i = 0; i < 10; i++) await createProduct(p, m.cookie, store.id, { title: `Product ${i}` });
    const over = await p.request('POST', `/api/v1/stores/${store.id}/products`, {
      cookie: m.cookie,
      body: { title: 'One too many', status: 'active', variants: [{ price: 100 }] },
    });
    expect(over.status).toBe(403);
    expect(over.body.error).toMatchObject({ code: 'plan_limit_reached', details: { limit: 'activeProducts', plan: 'free', max: 10, current: 10 } });
    // Drafts are not limited; publishing one is.
    const draft = await createProduct(p, m.cookie, store.id, { title: 'Draft', status: 'draft' });
    const publish = await p.request('PATCH', `/api/v1/stores/${store.id}/products/${draft.id}`, {
      cookie: m.cookie,
      body: { version: draft.version, status: 'active' },
    });
    expect(publish.status).toBe(403);
    expect(publish.body.error.code).toBe('plan_limit_reached');
    const list = await p.request('GET', `/api/v1/stores/${store.id}/products?status=active&limit=50`, { cookie: m.cookie });
    expect(list.body.data).toHaveLength(10);
    // Editing an already active product is fine at the limit.
    const active = list.body.data[0];
    expect(
      (
        await p.request('PATCH', `/api/v1/stores/${store.id}/products/${active.id}`, {
          cookie: m.cookie,
          body: { version: active.version, status: 'active', title: 'Renamed' },
        })
      ).status,
    ).toBe(200);
    // Archiving one frees a slot.
    expect((await p.request('POST', `/api/v1/stores/${store.id}/products/${active.id}/archive`, { cookie: m.cookie })).status).toBe(200);
    expect(
      (await p.request('PATCH', `/api/v1/stores/${store.id}/products/${draft.id}`, { cookie: m.cookie, body: { version: draft.version, status: 'active' } }))
        .status,
    ).toBe(200);

    const domain = `shop-${randomBytes(4).toString('hex')}.example.com`;
    const refused = await p.request('PATCH', `/api/v1/stores/${store.id}`, { cookie: m.cookie, body: { customDomain: domain } });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'plan_limit_reached', details: { limit: 'customDomain' } });
    const seats = p.services.billing.assertWithinPlan(await storeRow(store.id), 'staffSeats');
    await expect(seats).rejects.toMatchObject({ code: 'plan_limit_reached' });
    const invite = await p.request('POST', `/api/v1/stores/${store.id}/invitations`, {
      cookie: m.cookie,
      body: { email: 'helper@example.com', role: 'staff' },
    });
    expect(invite.status).toBe(403);
    expect(invite.body.error).toMatchObject({ code: 'plan_limit_reached', details: { limit: 'staffSeats' } });
    const domainPut = await p.request('PUT', `/api/v1/stores/${store.id}/domain`, {
      cookie: m.cookie,
      body: { domain: `d-${randomBytes(3).toString('hex')}.example.net` },
    });
    expect(domainPut.status).toBe(403);

    // Upgrade: the limits follow the plan.
    const res = await p.request('POST', `/api/v1/stores/${store.id}/billing/checkout`, { cookie: m.cookie, body: { plan: 'basic' } });
    await fake.completeCheckout(new URL(res.body.url).pathname.split('/').pop() as string);
    p.services.stores.access.forget(store.id);
    expect((await p.request('PATCH', `/api/v1/stores/${store.id}`, { cookie: m.cookie, body: { customDomain: domain } })).status).toBe(200);
    expect(
      (
        await p.request('POST', `/api/v1/stores/${store.id}/products`, {
          cookie: m.cookie,
          body: { title: 'Now allowed', status: 'active', variants: [{ price: 100 }] },
        })
      ).status,
    ).toBe(201);
    await expect(p.services.billing.assertWithinPlan(await storeRow(store.id), 'staffSeats')).resolves.toBeUndefined();
  });

  it('the suspension job runs on the worker (Redis queues)', async () => {
    const { store, subscriptionId } = await subscribedStore('basic');
    await fake.failInvoice(subscriptionId);
    // The grace period has run out (as if a week had passed).
    await p.db.control
      .updateTable('stores')
      .set({ grace_until: new Date(Date.now() - 1000) })
      .where('id', '=', store.id)
      .execute();
    await p.startWorker();
    await p.queues.enqueue(suspendOverdueStoresJob, {});
    await until(
      () => storeRow(store.id),
      (r) => r.status === 'suspended',
      'the suspension job',
    );
    expect(await storefrontStatus(store.slug)).toBe(503);
  });

  describe('Connect onboarding', () => {
    it('creates one Express account per store, links to onboarding and follows account.updated', async () => {
      const m = await signup(p);
      const store = await createStore(p, m.cookie);
      const empty = await p.request('GET', `/api/v1/stores/${store.id}/payouts`, { cookie: m.cookie });
      expect(empty.body).toMatchObject({ enabled: true, connected: false, chargesEnabled: false, accountId: null });

      const [a, b] = await Promise.all([
        p.request('POST', `/api/v1/stores/${store.id}/payouts/connect`, { cookie: m.cookie }),
        p.request('POST', `/api/v1/stores/${store.id}/payouts/connect`, { cookie: m.cookie }),
      ]);
      expect([a.status, b.status]).toEqual([200, 200]);
      expect(a.body.url).toMatch(/\/connect\/onboarding\/acct_/);
      const status = await p.request('GET', `/api/v1/stores/${store.id}/payouts`, { cookie: m.cookie });
      expect(status.body).toMatchObject({ connected: true, chargesEnabled: false, payoutsEnabled: false, detailsSubmitted: false });
      expect(status.body.requirements.currentlyDue.length).toBeGreaterThan(0);
      const accountId = status.body.accountId as string;
      expect(a.body.url).toContain(accountId);
      expect(b.body.url).toContain(accountId);
      const created = fake.requests.filter((r) => r.path === '/v1/accounts' && r.method === 'POST' && (r.params.metadata as any)?.storeId === store.id);
      expect(new Set(created.map((r) => r.idempotencyKey)).size).toBe(1);
      expect((await p.request('POST', `/api/v1/stores/${store.id}/payouts/connect`, { cookie: m.cookie })).body.url).toContain(accountId);

      fake.autoDeliver = false;
      const early = await fake.updateAccount(accountId, { details_submitted: true });
      const done = await fake.completeOnboarding(accountId);
      // Newest first, then the stale one, twice.
      await fake.deliver(done[0]);
      await fake.deliver(early[0], { duplicate: true });
      const after = await p.request('GET', `/api/v1/stores/${store.id}/payouts`, { cookie: m.cookie });
      expect(after.body).toMatchObject({
        connected: true,
        chargesEnabled: true,
        payoutsEnabled: true,
        detailsSubmitted: true,
        requirements: { currentlyDue: [] },
      });
      expect(await audits(store.id, 'payouts.account_updated')).toHaveLength(1);
      // account.updated must be signed with the Connect secret.
      expect((await fake.deliver(done[0], { signatureSecret: billingSecret })).map((d) => d.status)).toEqual([400]);
    });
  });
});

describe('billing without Stripe keys', () => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await startTestPlatform({ queueBackend: 'postgres' });
  });
  afterAll(async () => {
    await p?.close();
  });

  it('says billing is off, refuses plan changes and enforces no limits', async () => {
    const m = await signup(p);
    const store = await createStore(p, m.cookie);
    const res = await p.request('GET', `/api/v1/stores/${store.id}/billing`, { cookie: m.cookie });
    expect(res.body).toMatchObject({ enabled: false, plan: { id: 'free' } });
    expect(res.body.plans.filter((x: { available: boolean }) => x.available).map((x: { id: string }) => x.id)).toEqual(['free']);
    const checkout = await p.request('POST', `/api/v1/stores/${store.id}/billing/checkout`, { cookie: m.cookie, body: { plan: 'basic' } });
    expect(checkout.status).toBe(409);
    expect(checkout.body.error.code).toBe('billing_disabled');
    expect((await p.request('POST', `/api/v1/stores/${store.id}/payouts/connect`, { cookie: m.cookie })).body.error.code).toBe('billing_disabled');
    expect((await p.request('GET', `/api/v1/stores/${store.id}/payouts`, { cookie: m.cookie })).body).toMatchObject({ enabled: false, connected: false });
    for (let i = 0; i < 11; i++) await createProduct(p, m.cookie, store.id, { title: `P${i}` });
    expect(
      (await p.request('PATCH', `/api/v1/stores/${store.id}`, { cookie: m.cookie, body: { customDomain: `x${randomBytes(3).toString('hex')}.example.org` } }))
        .status,
    ).toBe(200);
    const hook = await p.request('POST', '/webhooks/stripe/billing', { rawBody: '{}', headers: { 'stripe-signature': 't=1,v1=00' }, origin: null });
    expect(hook.status).toBe(409);
  });

  it('the suspension job runs on the Postgres queue backend', async () => {
    const m = await signup(p);
    const store = await createStore(p, m.cookie);
    await p.db.control
      .updateTable('stores')
      .set({ billing_status: 'past_due', past_due_since: new Date(Date.now() - 8 * DAY), grace_until: new Date(Date.now() - DAY) })
      .where('id', '=', store.id)
      .execute();
    await p.startWorker();
    await p.queues.enqueue(suspendOverdueStoresJob, {});
    const row = await until(
      () => p.db.control.selectFrom('stores').selectAll().where('id', '=', store.id).executeTakeFirstOrThrow(),
      (r) => r.status === 'suspended',
      'the suspension job',
    );
    expect(row.suspended_reason).toBe('billing_past_due');
  });
});
