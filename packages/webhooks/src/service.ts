/**
 * Merchant webhook subscriptions of one store: create (the signing secret is
 * returned once and stored encrypted), list, update, delete, rotate the
 * secret, the delivery log with each attempt's request and response
 * (truncated), redelivery, and a synchronous test ping. The old single
 * low-stock alert webhook is the subscription marked `legacy_alert`
 * (`getLegacy`/`setLegacy`/`deleteLegacy` keep its API).
 */
import { type ControlDatabase, isUuid, type Kysely, newId, type TenantDatabase, type WebhookSubscriptionsTable } from '@storeloom/db';
import type { Selectable } from 'kysely';
import { AppError, ErrorCode, notFound } from '@storeloom/errors';
import { checkOutboundUrl, type EgressPolicy, type Resolver, STRICT_EGRESS } from './egress.ts';
import { RETRY_WINDOW_MS, WEBHOOK_EVENT_TYPES } from './events.ts';
import type { SecretBox } from '@storeloom/secret-box';
import { openWebhookSecret, sealWebhookSecret } from './secrets.ts';
import { attemptDelivery, type DeliveryAttemptResult } from './deliver.ts';
import { newWebhookSecret, validateWebhookUrl } from './signing.ts';

export const MAX_SUBSCRIPTIONS_PER_STORE = 20;

export interface WebhookServiceDeps {
  t: Kysely<TenantDatabase>;
  storeId: string;
  box: SecretBox;
  /** Control schema: the sweep's list of stores with subscriptions. */
  control?: Kysely<ControlDatabase>;
  egress?: EgressPolicy | undefined;
  resolver?: Resolver | undefined;
}

export interface SubscriptionView {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  enabled: boolean;
  disabledReason: string | null;
  consecutiveFailures: number;
  failingSince: Date | null;
  lastSuccessAt: Date | null;
  lastFailureAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface SubscriptionInput {
  url: string;
  events: string[];
  description?: string | null;
}

const invalid = (path: string, message: string) => new AppError(ErrorCode.ValidationFailed, `${path}: ${message}`, { details: [{ path, message }] });

function view(r: Selectable<WebhookSubscriptionsTable>): SubscriptionView {
  return {
    id: r.id,
    url: r.url,
    events: parseEvents(r.events),
    description: r.description,
    enabled: r.status === 'enabled',
    disabledReason: r.disabled_reason,
    consecutiveFailures: r.consecutive_failures,
    failingSince: r.failing_since,
    lastSuccessAt: r.last_success_at,
    lastFailureAt: r.last_failure_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function parseEvents(raw: unknown): string[] {
  const v = typeof raw === 'string' ? (JSON.parse(raw) as unknown) : raw;
  return Array.isArray(v) ? (v as string[]) : [];
}

export class WebhookService {
  private readonly t: Kysely<TenantDatabase>;
  constructor(private readonly deps: WebhookServiceDeps) {
    this.t = deps.t;
  }

  private get egress() {
    return this.deps.egress ?? STRICT_EGRESS;
  }

  private async row(id: string) {
    if (!isUuid(id)) return undefined;
    return this.t.selectFrom('webhook_subscriptions').selectAll().where('id', '=', id).executeTakeFirst();
  }

  private async checkUrl(url: string) {
    const problem = validateWebhookUrl(url, this.egress);
    if (problem) throw invalid('url', problem);
    // The host must resolve to public addresses only (checked again at every delivery).
    const refused = await checkOutboundUrl(url, this.egress, this.deps.resolver);
    if (refused) throw new AppError(ErrorCode.UrlNotAllowed, `url: ${refused}`, { details: [{ path: 'url', message: refused }] });
  }

  private checkEvents(events: string[]): string[] {
    const known = new Set<string>(WEBHOOK_EVENT_TYPES);
    const unique = [...new Set(events)];
    if (!unique.length) throw invalid('events', 'subscribe to at least one event');
    const bad = unique.find((e) => !known.has(e));
    if (bad) throw invalid('events', `unknown event ${bad}`);
    return unique.sort();
  }

  /** Keeps the control schema's list of stores with subscriptions (what the sweep visits) in step. */
  async syncStoreFlag() {
    if (!this.deps.control) return;
    const any = await this.t.selectFrom('webhook_subscriptions').select('id').limit(1).executeTakeFirst();
    if (any)
      await this.deps.control
        .insertInto('webhook_stores')
        .values({ store_id: this.deps.storeId, updated_at: new Date() })
        .onConflict((oc) => oc.column('store_id').doUpdateSet({ updated_at: new Date() }))
        .execute();
    else await this.deps.control.deleteFrom('webhook_stores').where('store_id', '=', this.deps.storeId).execute();
  }

  async list(): Promise<SubscriptionView[]> {
    const rows = await this.t.selectFrom('webhook_subscriptions').selectAll().where('legacy_alert', '=', false).orderBy('created_at').orderBy('id').execute();
    return rows.map(view);
  }

  async get(id: string): Promise<SubscriptionView> {
    const r = await this.row(id);
    if (!r || r.legacy_alert) throw notFound('Webhook');
    return view(r);
  }

  /** Creates a subscription; the secret is in this answer only. */
  async create(input: SubscriptionInput): Promise<SubscriptionView & { secret: string }> {
    await this.checkUrl(input.url);
    const events = this.checkEvents(input.events);
    const count = await this.t
      .selectFrom('webhook_subscriptions')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('legacy_alert', '=', false)
      .executeTakeFirstOrThrow();
    if (Number(count.n) >= MAX_SUBSCRIPTIONS_PER_STORE)
      throw new AppError(ErrorCode.Conflict, `A store can have at most ${MAX_SUBSCRIPTIONS_PER_STORE} webhooks`);
    const secret = newWebhookSecret();
    const now = new Date();
    const row = await this.t
      .insertInto('webhook_subscriptions')
      .values({
        id: newId(),
        url: input.url,
        events: JSON.stringify(events),
        description: input.description ?? null,
        secret_ciphertext: sealWebhookSecret(this.deps.box, secret),
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await this.syncStoreFlag();
    return { ...view(row), secret };
  }

  /** `enabled: true` re-enables an endpoint disabled after failures (its failure count starts again). */
  async update(id: string, patch: Partial<SubscriptionInput> & { enabled?: boolean }): Promise<SubscriptionView> {
    const current = await this.row(id);
    if (!current || current.legacy_alert) throw notFound('Webhook');
    if (patch.url !== undefined) await this.checkUrl(patch.url);
    const set: Record<string, unknown> = { updated_at: new Date() };
    if (patch.url !== undefined) set.url = patch.url;
    if (patch.events !== undefined) set.events = JSON.stringify(this.checkEvents(patch.events));
    if (patch.description !== undefined) set.description = patch.description;
    if (patch.enabled === true && current.status !== 'enabled')
      Object.assign(set, { status: 'enabled', disabled_reason: null, consecutive_failures: 0, failing_since: null });
    if (patch.enabled === false) Object.assign(set, { status: 'disabled', disabled_reason: 'merchant' });
    const row = await this.t.updateTable('webhook_subscriptions').set(set).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
    return view(row);
  }

  async delete(id: string): Promise<void> {
    const current = await this.row(id);
    if (!current || current.legacy_alert) throw notFound('Webhook');
    await this.t.deleteFrom('webhook_subscriptions').where('id', '=', id).execute();
    await this.syncStoreFlag();
  }

  /** A new secret, returned once; deliveries signed from now on use it. */
  async rotateSecret(id: string): Promise<{ secret: string }> {
    const current = await this.row(id);
    if (!current || current.legacy_alert) throw notFound('Webhook');
    const secret = newWebhookSecret();
    await this.t
      .updateTable('webhook_subscriptions')
      .set({ secret_ciphertext: sealWebhookSecret(this.deps.box, secret), updated_at: new Date() })
      .where('id', '=', id)
      .execute();
    return { secret };
  }

  /** The delivery log of an endpoint, newest first (cursor = last delivery id seen). */
  async deliveries(id: string, q: { status?: 'pending' | 'succeeded' | 'failed'; cursor?: string; limit: number }) {
    await this.get(id);
    let query = this.t
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhook_events as e', 'e.id', 'd.event_id')
      .select([
        'd.id',
        'd.event_id',
        'e.type',
        'd.status',
        'd.attempts',
        'd.next_attempt_at',
        'd.last_attempt_at',
        'd.last_status',
        'd.last_error',
        'd.delivered_at',
        'd.created_at',
      ])
      .where('d.subscription_id', '=', id);
    if (q.status) query = query.where('d.status', '=', q.status);
    if (q.cursor) {
      if (!isUuid(q.cursor)) throw invalid('cursor', 'invalid');
      query = query.where('d.id', '<', q.cursor);
    }
    const rows = await query
      .orderBy('d.id', 'desc')
      .limit(q.limit + 1)
      .execute();
    const page = rows.slice(0, q.limit);
    return {
      items: page.map((r) => ({
        id: r.id,
        eventId: r.event_id,
        type: r.type,
        status: r.status,
        attempts: r.attempts,
        nextAttemptAt: r.status === 'pending' ? r.next_attempt_at : null,
        lastAttemptAt: r.last_attempt_at,
        lastStatus: r.last_status,
        lastError: r.last_error,
        deliveredAt: r.delivered_at,
        createdAt: r.created_at,
      })),
      nextCursor: rows.length > q.limit ? (page.at(-1)?.id ?? null) : null,
    };
  }

  /** One delivery with every attempt's request (headers, body) and response (status, body), truncated. */
  async delivery(id: string, deliveryId: string) {
    await this.get(id);
    if (!isUuid(deliveryId)) throw notFound('Delivery');
    const d = await this.t
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhook_events as e', 'e.id', 'd.event_id')
      .select([
        'd.id',
        'd.event_id',
        'e.type',
        'e.data',
        'e.created_at as event_created_at',
        'd.status',
        'd.attempts',
        'd.next_attempt_at',
        'd.delivered_at',
        'd.created_at',
      ])
      .where('d.id', '=', deliveryId)
      .where('d.subscription_id', '=', id)
      .executeTakeFirst();
    if (!d) throw notFound('Delivery');
    const attempts = await this.t
      .selectFrom('webhook_delivery_attempts')
      .selectAll()
      .where('delivery_id', '=', deliveryId)
      .orderBy('attempt')
      .orderBy('id')
      .execute();
    return {
      id: d.id,
      eventId: d.event_id,
      type: d.type,
      status: d.status,
      attempts: d.attempts,
      nextAttemptAt: d.status === 'pending' ? d.next_attempt_at : null,
      deliveredAt: d.delivered_at,
      createdAt: d.created_at,
      log: attempts.map((a) => ({
        attempt: a.attempt,
        at: a.created_at,
        durationMs: a.duration_ms,
        request: { headers: typeof a.request_headers === 'string' ? JSON.parse(a.request_headers) : a.request_headers, body: a.request_body },
        response: { status: a.response_status, body: a.response_body },
        error: a.error,
      })),
    };
  }

  /** Sends the delivery again as soon as the dispatcher runs (a new 3-day retry window; the event id is unchanged). */
  async redeliver(id: string, deliveryId: string, now = new Date()) {
    await this.get(id);
    if (!isUuid(deliveryId)) throw notFound('Delivery');
    const r = await this.t
      .updateTable('webhook_deliveries')
      .set({ status: 'pending', next_attempt_at: now, expires_at: new Date(now.getTime() + RETRY_WINDOW_MS), delivered_at: null })
      .where('id', '=', deliveryId)
      .where('subscription_id', '=', id)
      .returning('id')
      .executeTakeFirst();
    if (!r) throw notFound('Delivery');
    return this.delivery(id, deliveryId);
  }

  /** The decrypted secret of a subscription; one in an older format or under a previous key is sealed again now. */
  secretOf(row: { id: string; secret_ciphertext: string }): Promise<string> {
    return openWebhookSecret(this.t, this.deps.box, row);
  }

  /** One signed test event (`webhook.test`), answered synchronously, not retried, not logged. */
  async sendTest(id: string): Promise<DeliveryAttemptResult> {
    const r = await this.row(id);
    if (!r || r.legacy_alert) throw notFound('Webhook');
    return this.ping(r);
  }

  private async ping(r: { id: string; url: string; secret_ciphertext: string }, type = 'webhook.test') {
    const body = JSON.stringify({ id: newId(), type, createdAt: new Date().toISOString(), storeId: this.deps.storeId, data: {} });
    return attemptDelivery(r.url, await this.secretOf(r), body, { egress: this.egress, resolver: this.deps.resolver });
  }

  // ---- the old low-stock alert webhook (one per store) ----------------------------

  private legacyRow() {
    return this.t.selectFrom('webhook_subscriptions').selectAll().where('legacy_alert', '=', true).executeTakeFirst();
  }

  async getLegacy(): Promise<{ url: string; secret: string; enabled: boolean; updatedAt: Date } | null> {
    const r = await this.legacyRow();
    return r ? { url: r.url, secret: await this.secretOf(r), enabled: r.status === 'enabled', updatedAt: r.updated_at } : null;
  }

  async setLegacy(input: { url: string; enabled?: boolean; rotateSecret?: boolean }) {
    await this.checkUrl(input.url);
    const existing = await this.legacyRow();
    const now = new Date();
    const enabled = input.enabled ?? true;
    const status = { status: enabled ? ('enabled' as const) : ('disabled' as const), disabled_reason: enabled ? null : 'merchant' };
    if (!existing) {
      await this.t
        .insertInto('webhook_subscriptions')
        .values({
          id: newId(),
          url: input.url,
          events: JSON.stringify(['inventory.low_stock']),
          description: 'Low-stock alert webhook',
          secret_ciphertext: sealWebhookSecret(this.deps.box, newWebhookSecret()),
          legacy_alert: true,
          ...status,
          created_at: now,
          updated_at: now,
        })
        .execute();
    } else {
      await this.t
        .updateTable('webhook_subscriptions')
        .set({
          url: input.url,
          ...status,
          ...(enabled ? { consecutive_failures: 0, failing_since: null } : {}),
          ...(input.rotateSecret ? { secret_ciphertext: sealWebhookSecret(this.deps.box, newWebhookSecret()) } : {}),
          updated_at: now,
        })
        .where('id', '=', existing.id)
        .execute();
    }
    await this.syncStoreFlag();
    return (await this.getLegacy()) as NonNullable<Awaited<ReturnType<WebhookService['getLegacy']>>>;
  }

  async deleteLegacy() {
    await this.t.deleteFrom('webhook_subscriptions').where('legacy_alert', '=', true).execute();
    await this.syncStoreFlag();
  }

  /** The old alert webhook's test: a signed `test` event. */
  async sendLegacyTest(): Promise<DeliveryAttemptResult> {
    const r = await this.legacyRow();
    if (!r) throw new AppError(ErrorCode.Conflict, 'Set a webhook URL first');
    return this.ping(r, 'test');
  }
}
