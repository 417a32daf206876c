/**
 * A local Stripe for tests and development: an HTTP server speaking the subset
 * of Stripe's REST API Storeloom uses, answering with objects shaped from
 * Stripe's own samples (fixtures.json), and sending webhooks signed exactly as
 * Stripe signs them. Point the real `stripe` client at it with
 * `{ host, port, protocol: 'http' }` (or STRIPE_API_URL=fake.url).
 *
 * Never imported by server packages: it is a dev/test dependency only.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fromStripeAmount, toDecimalString } from '@storeloom/money';
import Stripe from 'stripe';
import fixtures from './fixtures.json' with { type: 'json' };
import { type FormValue, int, list, obj, parseStripeForm, str, strings } from './form.ts';

type Json = any;
type Resource = keyof typeof fixtures.resources;

export interface WebhookEndpoint {
  url: string;
  secret: string;
  /** Connect endpoints receive events of connected accounts (those with `account`); platform endpoints the rest. */
  connect: boolean;
}

export interface DeliverOptions {
  /** Send the same event twice at once (as Stripe may after a timeout). */
  duplicate?: boolean;
  delayMs?: number;
  /** Sign with another secret (a forged or misconfigured sender). */
  signatureSecret?: string;
  /** Unix seconds of the signature (a replay of an old delivery). */
  timestamp?: number;
  /** Only to this URL (default: every endpoint the event belongs to). */
  url?: string;
}

export interface Delivery {
  eventId: string;
  type: string;
  url: string;
  status: number;
  body: string;
}

export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

interface Stored {
  account: string | null;
  object: Json;
}

interface Price {
  id: string;
  unit_amount: number;
  currency: string;
  interval: 'month' | 'year';
  product: string;
}

const now = () => Math.floor(Date.now() / 1000);
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const clone = <T>(v: T): T => structuredClone(v);
const API_VERSION = '2026-10-28.endive';

export class StripeFake {
  readonly endpoints: WebhookEndpoint[] = [];
  readonly events: Json[] = [];
  readonly deliveries: Delivery[] = [];
  /** Every API request received (method, path, account, idempotency key, params): tests assert on what was sent. */
  readonly requests: { method: string; path: string; account: string | null; idempotencyKey: string | null; params: Record<string, FormValue> }[] = [];
  /** When false, control methods only record events; send them with `deliver`. */
  autoDeliver = true;
  private readonly objects = new Map<string, Stored>();
  private readonly prices = new Map<string, Price>();
  private readonly idempotency = new Map<string, { hash: string; status: number; body: string }>();
  private server: Server | null = null;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Options for `new Stripe(key, …)`. */
  get clientOptions() {
    return { host: '127.0.0.1', port: this.port, protocol: 'http' as const, maxNetworkRetries: 0 };
  }

  static async start(opts: { port?: number; endpoints?: WebhookEndpoint[] } = {}): Promise<StripeFake> {
    const fake = new StripeFake();
    fake.endpoints.push(...(opts.endpoints ?? []));
    await fake.listen(opts.port ?? 0);
    return fake;
  }

  async listen(port: number): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  // ---------------------------------------------------------------- objects

  private id(prefix: string) {
    return `${prefix}_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`;
  }

  private make(resource: Resource, overrides: Json): Json {
    return { ...clone((fixtures.resources as Json)[resource]), livemode: false, created: now(), ...overrides };
  }

  private put(account: string | null, object: Json): Json {
    this.objects.set(object.id, { account, object });
    return object;
  }

  /** An object by id, seen from `account` (null = the platform). */
  get(id: string, account: string | null = null): Json | undefined {
    const s = this.objects.get(id);
    if (!s) return undefined;
    // An account object is visible to the platform and to itself.
    if (s.object.object === 'account') return s.object;
    return s.account === account ? s.object : undefined;
  }

  private must(id: string | undefined, account: string | null, what: string, param = 'id'): Json {
    const o = id ? this.get(id, account) : undefined;
    if (!o) throw new StripeApiError(404, 'invalid_request_error', `No such ${what}: '${id ?? ''}'`, { code: 'resource_missing', param });
    return o;
  }

  private ownerOf(id: string): string | null {
    return this.objects.get(id)?.account ?? null;
  }

  /** Defines a recurring Price (what you would create in the Stripe dashboard). */
  createPrice(p: { id?: string; unitAmount: number; currency?: string; interval?: 'month' | 'year'; nickname?: string }): string {
    const id = p.id ?? this.id('price');
    const price: Price = { id, unit_amount: p.unitAmount, currency: p.currency ?? 'usd', interval: p.interval ?? 'month', product: this.id('prod') };
    this.prices.set(id, price);
    return id;
  }

  private priceObject(id: string): Json {
    const p = this.prices.get(id);
    if (!p) throw new StripeApiError(400, 'invalid_request_error', `No such price: '${id}'`, { code: 'resource_missing', param: 'line_items[0][price]' });
    return this.make('price', {
      id: p.id,
      unit_amount: p.unit_amount,
      unit_amount_decimal: String(p.unit_amount),
      currency: p.currency,
      product: p.product,
      type: 'recurring',
      recurring: { interval: p.interval, interval_count: 1, meter: null, usage_type: 'licensed', trial_period_days: null },
    });
  }

  // ---------------------------------------------------------------- events

  private emit(type: string, object: Json, account: string | null, previous?: Json): Json {
    const event = this.make('event', {
      id: this.id('evt'),
      type,
      api_version: API_VERSION,
      data: previous ? { object: clone(object), previous_attributes: previous } : { object: clone(object) },
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      ...(account ? { account } : {}),
    });
    this.events.push(event);
    this.put(account, event);
    return event;
  }

  private async emitAll(events: Json[]): Promise<Json[]> {
    if (this.autoDeliver) for (const e of events) await this.deliver(e);
    return events;
  }

  private readonly pending = new Set<Promise<unknown>>();

  /** Events caused by an API request go out after the response, as Stripe sends them asynchronously. */
  private emitLater(events: Json[]): void {
    if (!this.autoDeliver) return;
    const p: Promise<unknown> = new Promise((r) => setTimeout(r, 5))
      .then(() => this.emitAll(events))
      .catch(() => {})
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  /** Waits for webhooks still being sent after API requests. */
  async settle(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  /** Signs and POSTs an event to its endpoints, as Stripe does. */
  async deliver(event: Json, opts: DeliverOptions = {}): Promise<Delivery[]> {
    if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
    const targets = opts.url
      ? [{ url: opts.url, secret: this.endpointFor(opts.url)?.secret ?? '' }]
      : this.endpoints.filter((e) => e.connect === Boolean(event.account));
    const payload = JSON.stringify(event, null, 2);
    const send = async (target: { url: string; secret: string }): Promise<Delivery> => {
      const header = Stripe.webhooks.generateTestHeaderString({
        payload,
        secret: opts.signatureSecret ?? target.secret,
        ...(opts.timestamp !== undefined ? { timestamp: opts.timestamp } : {}),
      });
      const res = await fetch(target.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'stripe-signature': header,
          'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
        },
        body: payload,
      });
      const d = { eventId: event.id, type: event.type, url: target.url, status: res.status, body: await res.text() };
      this.deliveries.push(d);
      return d;
    };
    const out: Delivery[] = [];
    for (const t of targets) out.push(...(await Promise.all(opts.duplicate ? [send(t), send(t)] : [send(t)])));
    return out;
  }

  private endpointFor(url: string) {
    return this.endpoints.find((e) => e.url === url);
  }

  // ---------------------------------------------------------------- control methods (what a customer does on Stripe's pages)

  /** The shopper/merchant pays on the Checkout page. `async: true` leaves a delayed payment method pending. */
  async completeCheckout(sessionId: string, opts: { async?: boolean } = {}): Promise<Json[]> {
    const account = this.ownerOf(sessionId);
    const session = this.must(sessionId, account, 'checkout.session');
    if (session.status !== 'open') throw new Error(`session ${sessionId} is ${session.status}`);
    const events: Json[] = [];
    if (!session.customer && session.mode === 'subscription') {
      const customer = this.put(account, this.make('customer', { id: this.id('cus'), email: session.customer_email, metadata: {} }));
      session.customer = customer.id;
    }
    if (session.mode === 'subscription') {
      const sub = this.createSubscription(account, session);
      const invoice = this.createInvoice(account, sub, 'paid');
      sub.latest_invoice = invoice.id;
      Object.assign(session, { status: 'complete', payment_status: 'paid', subscription: sub.id, invoice: invoice.id });
      events.push(this.emit('customer.subscription.created', sub, account), this.emit('invoice.paid', invoice, account));
    } else {
      const pi = this.createPaymentIntent(account, session, opts.async ? 'processing' : 'succeeded');
      Object.assign(session, { status: 'complete', payment_status: opts.async ? 'unpaid' : 'paid', payment_intent: pi.id });
    }
    events.push(this.emit('checkout.session.completed', session, account));
    return this.emitAll(events);
  }

  async asyncPaymentSucceeded(sessionId: string): Promise<Json[]> {
    const account = this.ownerOf(sessionId);
    const session = this.must(sessionId, account, 'checkout.session');
    const pi = this.must(session.payment_intent, account, 'payment_intent');
    pi.status = 'succeeded';
    pi.amount_received = pi.amount;
    session.payment_status = 'paid';
    return this.emitAll([this.emit('checkout.session.async_payment_succeeded', session, account)]);
  }

  async asyncPaymentFailed(sessionId: string): Promise<Json[]> {
    const account = this.ownerOf(sessionId);
    const session = this.must(sessionId, account, 'checkout.session');
    const pi = this.must(session.payment_intent, account, 'payment_intent');
    pi.status = 'requires_payment_method';
    pi.last_payment_error = { type: 'card_error', code: 'card_declined', message: 'Your card was declined.' };
    const charge = this.get(pi.latest_charge, account);
    if (charge) Object.assign(charge, { status: 'failed', paid: false, failure_code: 'card_declined' });
    return this.emitAll([this.emit('payment_intent.payment_failed', pi, account), this.emit('checkout.session.async_payment_failed', session, account)]);
  }

  async expireSession(sessionId: string): Promise<Json[]> {
    const account = this.ownerOf(sessionId);
    const session = this.must(sessionId, account, 'checkout.session');
    return this.emitAll(this.expire(session, account));
  }

  private expire(session: Json, account: string | null): Json[] {
    if (session.status !== 'open')
      throw new StripeApiError(400, 'invalid_request_error', `Only Checkout Sessions with a status in ["open"] can be expired.`, {
        code: 'checkout_session_not_open',
      });
    Object.assign(session, { status: 'expired', url: null });
    return [this.emit('checkout.session.expired', session, account)];
  }

  /** The next renewal fails: a new open invoice and the subscription goes past_due. */
  async failInvoice(subscriptionId: string): Promise<Json[]> {
    const account = this.ownerOf(subscriptionId);
    const sub = this.must(subscriptionId, account, 'subscription');
    const invoice = this.createInvoice(account, sub, 'open');
    sub.latest_invoice = invoice.id;
    const previous = { status: sub.status };
    sub.status = 'past_due';
    return this.emitAll([this.emit('invoice.payment_failed', invoice, account), this.emit('customer.subscription.updated', sub, account, previous)]);
  }

  /** The customer pays the open invoice (e.g. a new card in the portal): the subscription is active again. */
  async payInvoice(subscriptionId: string): Promise<Json[]> {
    const account = this.ownerOf(subscriptionId);
    const sub = this.must(subscriptionId, account, 'subscription');
    const invoice = this.must(sub.latest_invoice, account, 'invoice');
    Object.assign(invoice, {
      status: 'paid',
      amount_paid: invoice.amount_due,
      amount_remaining: 0,
      attempt_count: invoice.attempt_count + 1,
      status_transitions: { ...invoice.status_transitions, paid_at: now() },
    });
    const previous = { status: sub.status };
    sub.status = 'active';
    return this.emitAll([this.emit('invoice.paid', invoice, account), this.emit('customer.subscription.updated', sub, account, previous)]);
  }

  async cancelSubscription(subscriptionId: string): Promise<Json[]> {
    const account = this.ownerOf(subscriptionId);
    const sub = this.must(subscriptionId, account, 'subscription');
    return this.emitAll(this.cancel(sub, account));
  }

  private cancel(sub: Json, account: string | null): Json[] {
    Object.assign(sub, { status: 'canceled', canceled_at: now(), ended_at: now() });
    return [this.emit('customer.subscription.deleted', sub, account)];
  }

  /** The customer confirms a plan change in a portal `subscription_update_confirm` flow. */
  async confirmPortalFlow(portalSessionId: string): Promise<Json[]> {
    const portal = this.must(portalSessionId, null, 'billing_portal.session');
    const confirm = portal.flow?.subscription_update_confirm;
    if (portal.flow?.type !== 'subscription_update_confirm' || !confirm) throw new Error('not a subscription_update_confirm portal session');
    const sub = this.must(confirm.subscription, null, 'subscription');
    return this.emitAll(this.updateSubscriptionItems(sub, confirm.items));
  }

  /** Connect onboarding progress: merge into the account and send `account.updated` to Connect endpoints. */
  async updateAccount(accountId: string, patch: Json): Promise<Json[]> {
    const account = this.must(accountId, null, 'account');
    const previous = Object.fromEntries(Object.keys(patch).map((k) => [k, clone(account[k])]));
    Object.assign(account, patch);
    return this.emitAll([this.emit('account.updated', account, accountId, previous)]);
  }

  /** The merchant finishes onboarding: charges and payouts enabled, nothing due. */
  completeOnboarding(accountId: string): Promise<Json[]> {
    const empty = {
      alternatives: [],
      current_deadline: null,
      currently_due: [],
      disabled_reason: null,
      errors: [],
      eventually_due: [],
      past_due: [],
      pending_verification: [],
    };
    return this.updateAccount(accountId, { charges_enabled: true, payouts_enabled: true, details_submitted: true, requirements: empty });
  }

  // ---------------------------------------------------------------- builders

  private createSubscription(account: string | null, session: Json): Json {
    const id = this.id('sub');
    const start = now();
    const end = start + 30 * 24 * 3600;
    const items = (session._line_items as { price: string; quantity: number }[]).map((li) => ({
      ...clone(fixtures.resources.subscription.items.data[0]),
      id: this.id('si'),
      created: start,
      price: this.priceObject(li.price),
      plan: null,
      quantity: li.quantity,
      subscription: id,
      current_period_start: start,
      current_period_end: end,
      metadata: {},
    }));
    return this.put(
      account,
      this.make('subscription', {
        id,
        customer: session.customer,
        status: 'active',
        metadata: clone(session._subscription_metadata ?? {}),
        items: { object: 'list', data: items, has_more: false, total_count: items.length, url: `/v1/subscription_items?subscription=${id}` },
        currency: items[0]?.price.currency ?? 'usd',
        start_date: start,
        billing_cycle_anchor: start,
        cancel_at: null,
        canceled_at: null,
        ended_at: null,
        cancel_at_period_end: false,
        trial_end: null,
        trial_start: null,
        latest_invoice: null,
        schedule: null,
        pending_update: null,
      }),
    );
  }

  private createInvoice(account: string | null, sub: Json, status: 'paid' | 'open'): Json {
    const amount = (sub.items.data as Json[]).reduce((s, it) => s + it.price.unit_amount * (it.quantity ?? 1), 0);
    const paid = status === 'paid';
    return this.put(
      account,
      this.make('invoice', {
        id: this.id('in'),
        customer: sub.customer,
        subscription: sub.id,
        parent: { type: 'subscription_details', quote_details: null, subscription_details: { metadata: clone(sub.metadata), subscription: sub.id } },
        status,
        amount_due: amount,
        amount_paid: paid ? amount : 0,
        amount_remaining: paid ? 0 : amount,
        subtotal: amount,
        total: amount,
        currency: sub.currency,
        attempted: true,
        attempt_count: 1,
        billing_reason: paid ? 'subscription_create' : 'subscription_cycle',
        hosted_invoice_url: `${this.url}/invoices/pay`,
        status_transitions: { finalized_at: now(), marked_uncollectible_at: null, paid_at: paid ? now() : null, voided_at: null },
        lines: { object: 'list', data: [], has_more: false, url: '/v1/invoices/lines' },
      }),
    );
  }

  private createPaymentIntent(account: string | null, session: Json, status: 'succeeded' | 'processing'): Json {
    const piId = this.id('pi');
    const chargeId = this.id('ch');
    const data = session._payment_intent_data ?? {};
    const charge = this.put(
      account,
      this.make('charge', {
        id: chargeId,
        amount: session.amount_total,
        amount_captured: status === 'succeeded' ? session.amount_total : 0,
        amount_refunded: 0,
        refunded: false,
        currency: session.currency,
        paid: status === 'succeeded',
        captured: status === 'succeeded',
        status: status === 'succeeded' ? 'succeeded' : 'pending',
        payment_intent: piId,
        application_fee_amount: data.application_fee_amount ?? null,
        metadata: clone(data.metadata ?? {}),
        refunds: { object: 'list', data: [], has_more: false, url: `/v1/charges/${chargeId}/refunds` },
        failure_code: null,
        failure_message: null,
      }),
    );
    return this.put(
      account,
      this.make('payment_intent', {
        id: piId,
        amount: session.amount_total,
        amount_received: status === 'succeeded' ? session.amount_total : 0,
        currency: session.currency,
        status,
        application_fee_amount: data.application_fee_amount ?? null,
        metadata: clone(data.metadata ?? {}),
        latest_charge: charge.id,
        // A card kept for later off-session charges (Checkout with setup_future_usage).
        payment_method: `pm_${randomBytes(6).toString('hex')}`,
        customer: session.customer ?? null,
        canceled_at: null,
        last_payment_error: null,
        next_action: null,
        client_secret: `${piId}_secret_${randomBytes(8).toString('hex')}`,
      }),
    );
  }

  private updateSubscriptionItems(sub: Json, items: Json[]): Json[] {
    const previous = { items: clone(sub.items) };
    for (const change of items) {
      const item = (sub.items.data as Json[]).find((i) => i.id === change.id) ?? sub.items.data[0];
      if (item && change.price) item.price = this.priceObject(change.price);
      if (item && change.quantity) item.quantity = Number(change.quantity);
    }
    return [this.emit('customer.subscription.updated', sub, this.ownerOf(sub.id), previous)];
  }

  // ---------------------------------------------------------------- HTTP

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const account = (req.headers['stripe-account'] as string | undefined) ?? null;
    const idemKey = (req.headers['idempotency-key'] as string | undefined) ?? null;
    const reply = (status: number, body: string, replayed = false) => {
      res.writeHead(status, {
        'content-type': 'application/json',
        'request-id': `req_${randomBytes(8).toString('hex')}`,
        'stripe-version': API_VERSION,
        ...(idemKey ? { 'idempotency-key': idemKey } : {}),
        ...(replayed ? { 'idempotent-replayed': 'true' } : {}),
      });
      res.end(body);
    };
    if (!url.pathname.startsWith('/v1/')) return this.page(method, url, raw, res);
    try {
      const authz = req.headers.authorization ?? '';
      if (!/^Bearer sk_(test|live)_\S+$/.test(authz))
        throw new StripeApiError(401, 'invalid_request_error', 'Invalid API Key provided', { code: 'api_key_invalid' });
      const params = parseStripeForm(method === 'GET' || method === 'DELETE' ? url.search.slice(1) : raw);
      this.requests.push({ method, path: url.pathname, account, idempotencyKey: idemKey, params });
      if (method === 'POST' && idemKey) {
        const scope = `${authz}|${account ?? ''}|${idemKey}`;
        const hash = createHash('sha256').update(`${method} ${url.pathname} ${raw}`).digest('hex');
        const seen = this.idempotency.get(scope);
        if (seen) {
          if (seen.hash !== hash)
            throw new StripeApiError(
              400,
              'idempotency_error',
              `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idemKey}' if you meant to execute a different request.`,
            );
          return reply(seen.status, seen.body, true);
        }
        const { status, body } = await this.route(method, url.pathname, params, account);
        const text = JSON.stringify(body);
        this.idempotency.set(scope, { hash, status, body: text });
        return reply(status, text);
      }
      const { status, body } = await this.route(method, url.pathname, params, account);
      return reply(status, JSON.stringify(body));
    } catch (e) {
      if (e instanceof StripeApiError) {
        return reply(e.status, JSON.stringify({ error: { type: e.type, message: e.message, ...e.extra } }));
      }
      return reply(500, JSON.stringify({ error: { type: 'api_error', message: e instanceof Error ? e.message : String(e) } }));
    }
  }

  /**
   * Stand-ins for Stripe's hosted pages (Checkout, portal, Connect onboarding),
   * so the whole flow can be clicked through locally.
   */
  private async page(method: string, url: URL, raw: string, res: ServerResponse) {
    const html = (status: number, title: string, body: string) => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title><style>body{font:15px/1.5 system-ui,sans-serif;max-width:460px;margin:60px auto;padding:0 16px;color:#1a1f36}h1{font-size:20px}button{font:inherit;padding:10px 18px;border:0;border-radius:6px;background:#635bff;color:#fff;cursor:pointer;margin-right:8px}button.secondary{background:#e3e8ee;color:#1a1f36}.note{color:#697386;font-size:13px}</style></head><body><p class="note">Local Stripe fake: test mode</p>${body}</body></html>`,
      );
    };
    const redirect = (to: string) => {
      res.writeHead(303, { location: to });
      res.end();
    };
    const [kind, id, extra] = url.pathname.split('/').filter(Boolean).slice(0, 3) as [string?, string?, string?];
    const action = new URLSearchParams(raw).get('action');
    try {
      if (kind === 'checkout' && id === 'pay' && extra) {
        const session = this.objects.get(extra)?.object;
        if (session?.object !== 'checkout.session') return html(404, 'Not found', '<h1>No such Checkout Session</h1>');
        if (method === 'POST') {
          if (action === 'cancel') return redirect(session.cancel_url ?? '/');
          await this.completeCheckout(extra, { async: action === 'async' });
          return redirect(String(session.success_url ?? '/').replace('{CHECKOUT_SESSION_ID}', extra));
        }
        const currency = String(session.currency).toUpperCase();
        const amount = `${toDecimalString(fromStripeAmount(session.amount_total, currency), currency)} ${currency}`;
        return html(
          200,
          'Checkout',
          session.status !== 'open'
            ? `<h1>This Checkout Session is ${esc(session.status)}</h1>`
            : `<h1>Pay ${esc(amount)}${session.mode === 'subscription' ? ' per month' : ''}</h1><form method="post"><button name="action" value="pay">Pay with 4242 4242 4242 4242</button><button class="secondary" name="action" value="cancel">Back</button></form>`,
        );
      }
      if (kind === 'billing_portal' && id) {
        const portal = this.objects.get(id)?.object;
        if (!portal) return html(404, 'Not found', '<h1>No such portal session</h1>');
        if (method === 'POST') {
          if (action === 'confirm') await this.confirmPortalFlow(id);
          return redirect(portal.return_url ?? '/');
        }
        const confirm = portal.flow?.type === 'subscription_update_confirm';
        return html(
          200,
          'Billing portal',
          `<h1>Billing portal</h1><form method="post">${confirm ? '<button name="action" value="confirm">Confirm plan change</button>' : ''}<button class="secondary" name="action" value="back">Return</button></form>`,
        );
      }
      if (kind === 'connect' && id === 'onboarding' && extra) {
        const link = this.links.get(url.pathname);
        if (!link) return html(404, 'Not found', '<h1>This onboarding link has expired</h1>');
        if (method === 'POST') {
          await this.completeOnboarding(extra);
          return redirect(link.returnUrl);
        }
        return html(200, 'Onboarding', `<h1>Set up payouts</h1><form method="post"><button>Submit test business details</button></form>`);
      }
      return html(404, 'Not found', '<h1>Not found</h1>');
    } catch (e) {
      return html(500, 'Error', `<h1>Error</h1><p>${esc(e instanceof Error ? e.message : String(e))}</p>`);
    }
  }

  private readonly links = new Map<string, { returnUrl: string }>();

  private async route(method: string, path: string, p: Record<string, FormValue>, account: string | null): Promise<{ status: number; body: Json }> {
    const seg = path.split('/').filter(Boolean);
    if (seg[0] !== 'v1') throw new StripeApiError(404, 'invalid_request_error', `Unrecognized request URL (${method}: ${path}).`);
    const [, a, b, c] = seg;
    const ok = (body: Json) => ({ status: 200, body: this.expand(body, p.expand, account) });
    const R =
      a === 'checkout' || a === 'billing_portal'
        ? `${method} ${a}/${b}${c ? '/:id' : ''}${seg[4] ? `/${seg[4]}` : ''}`
        : `${method} ${a}${b ? '/:id' : ''}${c ? `/${c}` : ''}`;
    switch (R) {
      case 'POST customers':
        return ok(
          this.put(
            account,
            this.make('customer', { id: this.id('cus'), email: str(p.email) ?? null, name: str(p.name) ?? null, metadata: strings(p.metadata) }),
          ),
        );
      case 'GET customers/:id':
        return ok(this.must(b, account, 'customer'));
      case 'GET customers': {
        // Stripe's list, newest first, filtered by exact e-mail (case-sensitive, as Stripe's is).
        const email = str(p.email);
        const data = [...this.objects.values()]
          .filter((s) => s.account === account && s.object.object === 'customer' && (email === undefined || s.object.email === email))
          .map((s) => s.object)
          .reverse();
        return ok({ object: 'list', data, has_more: false, url: '/v1/customers' });
      }
      case 'DELETE customers/:id': {
        // The customer object goes; Stripe answers a deleted stub (a second delete is a 404, as on Stripe).
        const cus = this.must(b, account, 'customer');
        this.objects.delete(cus.id);
        return ok({ id: cus.id, object: 'customer', deleted: true });
      }
      case 'POST customers/:id': {
        const cus = this.must(b, account, 'customer');
        if (p.email !== undefined) cus.email = str(p.email) ?? null;
        if (p.name !== undefined) cus.name = str(p.name) ?? null;
        if (p.metadata !== undefined) cus.metadata = { ...cus.metadata, ...strings(p.metadata) };
        return ok(cus);
      }
      case 'POST checkout/sessions':
        return ok(this.createCheckoutSession(p, account));
      case 'GET checkout/sessions/:id':
        return ok(this.must(c, account, 'checkout.session'));
      case 'POST checkout/sessions/:id/expire': {
        const session = this.must(c, account, 'checkout.session');
        this.emitLater(this.expire(session, account));
        return ok(session);
      }
      case 'GET subscriptions/:id':
        return ok(this.must(b, account, 'subscription'));
      case 'POST subscriptions/:id': {
        const sub = this.must(b, account, 'subscription');
        const events: Json[] = [];
        if (p.metadata !== undefined) sub.metadata = { ...sub.metadata, ...strings(p.metadata) };
        if (p.cancel_at_period_end !== undefined) sub.cancel_at_period_end = str(p.cancel_at_period_end) === 'true';
        if (p.items !== undefined) events.push(...this.updateSubscriptionItems(sub, list(p.items).map(obj)));
        else events.push(this.emit('customer.subscription.updated', sub, account, {}));
        this.emitLater(events);
        return ok(sub);
      }
      case 'DELETE subscriptions/:id': {
        const sub = this.must(b, account, 'subscription');
        this.emitLater(this.cancel(sub, account));
        return ok(sub);
      }
      case 'GET invoices/:id':
        return ok(this.must(b, account, 'invoice'));
      case 'POST billing_portal/sessions':
        return ok(this.createPortalSession(p, account));
      case 'POST accounts': {
        const id = this.id('acct');
        const acct = this.make('account', {
          id,
          type: str(p.type) ?? 'express',
          country: str(p.country) ?? 'US',
          email: str(p.email) ?? null,
          metadata: strings(p.metadata),
          charges_enabled: false,
          payouts_enabled: false,
          details_submitted: false,
          external_accounts: { object: 'list', data: [], has_more: false, url: `/v1/accounts/${id}/external_accounts` },
        });
        return ok(this.put(null, acct));
      }
      case 'GET accounts/:id':
        return ok(this.must(b, null, 'account'));
      case 'POST account_links': {
        const acct = this.must(str(p.account), null, 'account', 'account');
        if (!str(p.refresh_url) || !str(p.return_url) || !str(p.type))
          throw new StripeApiError(400, 'invalid_request_error', 'Missing required param: refresh_url, return_url and type.', { code: 'parameter_missing' });
        const path = `/connect/onboarding/${acct.id}/${randomBytes(6).toString('hex')}`;
        this.links.set(path, { returnUrl: str(p.return_url) as string });
        return ok(this.make('account_link', { created: now(), expires_at: now() + 300, url: `${this.url}${path}` }));
      }
      case 'POST payment_intents': {
        // Off-session charge of a kept card: confirmed at once (no 3-D Secure in the fake).
        const amount = Number(p.amount);
        if (!Number.isInteger(amount) || amount <= 0 || !str(p.currency))
          throw new StripeApiError(400, 'invalid_request_error', 'Missing required param: amount and currency.', { code: 'parameter_missing' });
        if (p.confirm !== 'true' || !str(p.payment_method))
          throw new StripeApiError(400, 'invalid_request_error', 'The fake only takes confirmed charges of a payment method.', { code: 'parameter_missing' });
        const session = {
          amount_total: amount,
          currency: str(p.currency),
          customer: str(p.customer) ?? null,
          _payment_intent_data: { application_fee_amount: p.application_fee_amount ? Number(p.application_fee_amount) : null, metadata: strings(p.metadata) },
        };
        const pi = this.createPaymentIntent(account, session, 'succeeded');
        pi.payment_method = str(p.payment_method);
        return ok(pi);
      }
      case 'GET payment_intents/:id':
        return ok(this.must(b, account, 'payment_intent'));
      case 'GET charges/:id':
        return ok(this.must(b, account, 'charge'));
      case 'POST refunds':
        return ok(this.createRefund(p, account));
      case 'GET refunds/:id':
        return ok(this.must(b, account, 'refund'));
      case 'GET events/:id':
        return ok(this.must(b, account, 'event'));
      case 'GET prices/:id':
        return ok(this.priceObject(b ?? ''));
    }
    throw new StripeApiError(404, 'invalid_request_error', `Unrecognized request URL (${method}: ${path}).`);
  }

  /** `expand[]=a.b`: replaces an id at that path by the object it names. */
  private expand(body: Json, expand: FormValue | undefined, account: string | null): Json {
    const paths = list(expand).filter((x): x is string => typeof x === 'string');
    if (!paths.length || typeof body !== 'object') return body;
    const out = clone(body);
    for (const path of paths) {
      const keys = path.split('.');
      let node = out;
      for (const [i, k] of keys.entries()) {
        if (node == null || typeof node !== 'object') break;
        if (i === keys.length - 1) {
          if (typeof node[k] === 'string') node[k] = this.get(node[k], account) ?? node[k];
        } else node = node[k];
      }
    }
    return out;
  }

  private createCheckoutSession(p: Record<string, FormValue>, account: string | null): Json {
    const mode = str(p.mode);
    if (mode !== 'subscription' && mode !== 'payment')
      throw new StripeApiError(400, 'invalid_request_error', 'Invalid mode: must be one of payment, setup, or subscription', { param: 'mode' });
    if (!str(p.success_url) && str(p.ui_mode) !== 'embedded')
      throw new StripeApiError(400, 'invalid_request_error', 'Missing required param: success_url.', { code: 'parameter_missing', param: 'success_url' });
    const items = list(p.line_items).map(obj);
    if (!items.length)
      throw new StripeApiError(400, 'invalid_request_error', 'Missing required param: line_items.', { code: 'parameter_missing', param: 'line_items' });
    let currency = 'usd';
    let total = 0;
    const lineItems = items.map((li, i) => {
      const quantity = int(li.quantity) ?? 1;
      if (str(li.price)) {
        const price = this.priceObject(str(li.price) as string);
        currency = price.currency;
        total += price.unit_amount * quantity;
        return { price: price.id, quantity };
      }
      const pd = obj(li.price_data);
      const amount = int(pd.unit_amount);
      if (amount === undefined || !str(pd.currency))
        throw new StripeApiError(400, 'invalid_request_error', `Missing required param: line_items[${i}][price_data][unit_amount].`, {
          code: 'parameter_missing',
          param: `line_items[${i}][price_data][unit_amount]`,
        });
      if (mode === 'subscription')
        throw new StripeApiError(400, 'invalid_request_error', 'Subscription mode needs recurring prices.', { param: `line_items[${i}]` });
      currency = str(pd.currency) as string;
      total += amount * quantity;
      return { price: null, quantity, name: str(obj(pd.product_data).name) ?? null, unit_amount: amount };
    });
    const pid = obj(p.payment_intent_data);
    const fee = int(pid.application_fee_amount);
    if (fee !== undefined && !account)
      throw new StripeApiError(400, 'invalid_request_error', 'application_fee_amount needs a connected account (Stripe-Account header or transfer_data).', {
        param: 'payment_intent_data[application_fee_amount]',
      });
    if (fee !== undefined && fee > total)
      throw new StripeApiError(400, 'invalid_request_error', 'The application fee cannot exceed the amount.', {
        param: 'payment_intent_data[application_fee_amount]',
      });
    const customer = str(p.customer);
    if (customer) this.must(customer, account, 'customer', 'customer');
    const id = `cs_test_${randomBytes(24).toString('hex')}`;
    const session = this.make('checkout.session', {
      id,
      mode,
      status: 'open',
      payment_status: 'unpaid',
      url: `${this.url}/checkout/pay/${id}`,
      success_url: str(p.success_url) ?? null,
      cancel_url: str(p.cancel_url) ?? null,
      customer: customer ?? null,
      customer_email: str(p.customer_email) ?? null,
      client_reference_id: str(p.client_reference_id) ?? null,
      metadata: strings(p.metadata),
      currency,
      amount_subtotal: total,
      amount_total: total,
      subscription: null,
      payment_intent: null,
      invoice: null,
      expires_at: int(p.expires_at) ?? now() + 24 * 3600,
      client_secret: null,
      ui_mode: 'hosted',
    });
    this.put(account, session);
    // What Stripe keeps server-side and shows through other objects; not part of the session's JSON.
    Object.defineProperties(session, {
      _line_items: { value: lineItems, enumerable: false },
      _subscription_metadata: { value: strings(obj(p.subscription_data).metadata), enumerable: false },
      _payment_intent_data: { value: { application_fee_amount: fee ?? null, metadata: strings(pid.metadata) }, enumerable: false },
    });
    return session;
  }

  private createPortalSession(p: Record<string, FormValue>, account: string | null): Json {
    const customer = this.must(str(p.customer), account, 'customer', 'customer');
    const fd = obj(p.flow_data);
    const type = str(fd.type);
    let flow: Json = null;
    if (type === 'subscription_update_confirm') {
      const c = obj(fd.subscription_update_confirm);
      const sub = this.must(str(c.subscription), account, 'subscription', 'flow_data[subscription_update_confirm][subscription]');
      const items = list(c.items).map(obj);
      for (const it of items) if (str(it.price)) this.priceObject(str(it.price) as string);
      flow = {
        type,
        after_completion: { type: 'portal_homepage', hosted_confirmation: null, redirect: null },
        subscription_cancel: null,
        subscription_update: null,
        subscription_update_confirm: {
          subscription: sub.id,
          discounts: [],
          items: items.map((it) => ({ id: str(it.id) ?? null, price: str(it.price) ?? null, quantity: int(it.quantity) ?? null })),
        },
      };
    } else if (type) {
      flow = { type, after_completion: { type: 'portal_homepage' } };
    }
    const id = this.id('bps');
    return this.put(
      account,
      this.make('billing_portal.session', {
        id,
        customer: customer.id,
        return_url: str(p.return_url) ?? null,
        flow,
        url: `${this.url}/billing_portal/${id}`,
        livemode: false,
      }),
    );
  }

  private createRefund(p: Record<string, FormValue>, account: string | null): Json {
    let charge: Json;
    if (str(p.payment_intent)) {
      const pi = this.must(str(p.payment_intent), account, 'payment_intent', 'payment_intent');
      charge = this.must(pi.latest_charge, account, 'charge', 'payment_intent');
    } else charge = this.must(str(p.charge), account, 'charge', 'charge');
    if (charge.status !== 'succeeded')
      throw new StripeApiError(400, 'invalid_request_error', 'This charge has not succeeded.', { code: 'charge_not_refundable' });
    const remaining = charge.amount - charge.amount_refunded;
    const amount = int(p.amount) ?? remaining;
    if (remaining <= 0)
      throw new StripeApiError(400, 'invalid_request_error', `Charge ${charge.id} has already been refunded.`, { code: 'charge_already_refunded' });
    if (amount <= 0 || amount > remaining)
      throw new StripeApiError(400, 'invalid_request_error', `Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`, {
        param: 'amount',
      });
    const refund = this.put(
      account,
      this.make('refund', {
        id: this.id('re'),
        amount,
        charge: charge.id,
        currency: charge.currency,
        payment_intent: charge.payment_intent,
        reason: str(p.reason) ?? null,
        metadata: strings(p.metadata),
        status: 'succeeded',
      }),
    );
    charge.amount_refunded += amount;
    charge.refunded = charge.amount_refunded === charge.amount;
    charge.refunds.data.unshift(refund);
    this.emitLater([this.emit('charge.refunded', charge, account, { amount_refunded: charge.amount_refunded - amount })]);
    return refund;
  }
}
