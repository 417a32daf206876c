/**
 * Delivers a store's pending webhook deliveries (the `webhooks.dispatch` job).
 *
 * - At least once: a delivery is marked succeeded only after a 2xx answer; a
 *   crash in between sends it again (receivers dedupe by event id).
 * - Retries: exponential backoff from `baseDelayMs`, doubling, capped at
 *   `maxDelayMs`, until the delivery's window (3 days) ends: then `failed`.
 * - Ordering: per endpoint and resource (`order:<id>`…), a delivery waits while
 *   an earlier one of the same resource is still pending, so `order.paid` never
 *   overtakes `order.created`.
 * - One dispatcher per store at a time (a lease row), deliveries one after the
 *   other.
 * - An endpoint failing for `disableAfterMs` with at least `disableMinFailures`
 *   failed attempts in a row is disabled, and the store's owners and admins
 *   get a mail (`onDisabled`).
 */
import { randomBytes } from 'node:crypto';
import { type ControlDatabase, type Kysely, newId, type StoreStatus, sql, type TenantDatabase } from '@storeloom/db';
import type { ExpressionBuilder } from 'kysely';
import { attemptDelivery, truncateForLog } from './deliver.ts';
import type { EgressPolicy, Resolver } from './egress.ts';
import type { Opened, SecretBox } from '@storeloom/secret-box';
import { resealWebhookSecret, WEBHOOK_SECRET_PURPOSE } from './secrets.ts';

export interface RetryPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
}
export const DEFAULT_RETRY: RetryPolicy = { baseDelayMs: 30_000, maxDelayMs: 6 * 3600_000 };
export const DEFAULT_DISABLE = { afterMs: 48 * 3600_000, minFailures: 10 };
const LEASE_MS = 5 * 60_000;

/** Delay before attempt `attempts + 1` after `attempts` failed ones. */
export function backoffDelay(attempts: number, p: RetryPolicy = DEFAULT_RETRY): number {
  return Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** Math.max(0, attempts - 1));
}

export interface DispatchDeps {
  t: Kysely<TenantDatabase>;
  storeId: string;
  box: SecretBox;
  egress?: EgressPolicy | undefined;
  resolver?: Resolver | undefined;
  retry?: RetryPolicy;
  disable?: { afterMs: number; minFailures: number };
  /** The clock (tests move it forward instead of waiting). */
  now?: () => Date;
  /** Called once when an endpoint gets disabled (the worker mails the merchant). */
  onDisabled?: (sub: { id: string; url: string; failingSince: Date; failures: number }) => Promise<void>;
  timeoutMs?: number;
  /** Deliveries per call at most (the job re-runs for the rest). */
  maxDeliveries?: number;
}

export interface DispatchResult {
  /** Another dispatcher holds this store's lease. */
  busy: boolean;
  attempted: number;
  succeeded: number;
  failed: number;
  /** Earliest pending delivery still to try (the job schedules itself then); null when nothing waits. */
  nextDueAt: Date | null;
  /** More deliveries were due than this call sent. */
  more: boolean;
}

export async function dispatchWebhooks(deps: DispatchDeps): Promise<DispatchResult> {
  const clock = deps.now ?? (() => new Date());
  const retry = deps.retry ?? DEFAULT_RETRY;
  const disable = deps.disable ?? DEFAULT_DISABLE;
  const max = deps.maxDeliveries ?? 200;
  const t = deps.t;
  const holder = randomBytes(8).toString('hex');
  const res: DispatchResult = { busy: false, attempted: 0, succeeded: 0, failed: 0, nextDueAt: null, more: false };
  const lease = await t
    .updateTable('webhook_dispatch_lease')
    .set({ holder, locked_until: new Date(Date.now() + LEASE_MS) })
    .where('id', '=', 1)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', new Date())]))
    .returning('id')
    .executeTakeFirst();
  if (!lease) return { ...res, busy: true };
  try {
    for (;;) {
      const now = clock();
      // Heads only: the oldest pending delivery of each (endpoint, resource), due now, on an enabled endpoint.
      const due = await t
        .selectFrom('webhook_deliveries as d')
        .innerJoin('webhook_subscriptions as s', 's.id', 'd.subscription_id')
        .innerJoin('webhook_events as e', 'e.id', 'd.event_id')
        .select([
          'd.id',
          'd.subscription_id',
          'd.event_id',
          'd.attempts',
          'd.expires_at',
          's.url',
          's.secret_ciphertext',
          's.legacy_alert',
          'e.type',
          'e.data',
          'e.created_at as event_created_at',
        ])
        .where('d.status', '=', 'pending')
        .where('d.next_attempt_at', '<=', now)
        .where('s.status', '=', 'enabled')
        .where(({ not, exists, selectFrom }) => not(exists(earlierPending(selectFrom))))
        .orderBy('d.event_id')
        .limit(Math.min(50, max - res.attempted))
        .execute();
      if (!due.length) break;
      for (const d of due) {
        // An endpoint disabled earlier in this batch gets nothing more.
        const sub = await t.selectFrom('webhook_subscriptions').select(['status']).where('id', '=', d.subscription_id).executeTakeFirst();
        if (sub?.status !== 'enabled') continue;
        await deliverOne(deps, d, clock(), retry, disable, res);
      }
      await t
        .updateTable('webhook_dispatch_lease')
        .set({ locked_until: new Date(Date.now() + LEASE_MS) })
        .where('id', '=', 1)
        .where('holder', '=', holder)
        .execute();
      if (res.attempted >= max) {
        res.more = true;
        break;
      }
    }
    // Only heads count: a delivery waiting behind an earlier one of its resource is due when that one is done.
    const next = await t
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhook_subscriptions as s', 's.id', 'd.subscription_id')
      .select((eb) => eb.fn.min('d.next_attempt_at').as('at'))
      .where('d.status', '=', 'pending')
      .where('s.status', '=', 'enabled')
      .where(({ not, exists, selectFrom }) => not(exists(earlierPending(selectFrom))))
      .executeTakeFirst();
    res.nextDueAt = next?.at ? new Date(next.at as Date) : null;
  } finally {
    await t.updateTable('webhook_dispatch_lease').set({ holder: null, locked_until: null }).where('id', '=', 1).where('holder', '=', holder).execute();
  }
  return res;
}

/** An earlier pending delivery of the same endpoint and resource as `d` (which must then wait). */
function earlierPending(selectFrom: ExpressionBuilder<TenantDatabase & { d: TenantDatabase['webhook_deliveries'] }, 'd'>['selectFrom']) {
  return selectFrom('webhook_deliveries as p')
    .select(sql`1`.as('x'))
    .whereRef('p.subscription_id', '=', 'd.subscription_id')
    .whereRef('p.resource_key', '=', 'd.resource_key')
    .where('p.status', '=', 'pending')
    .whereRef('p.event_id', '<', 'd.event_id');
}

async function deliverOne(
  deps: DispatchDeps,
  d: {
    id: string;
    subscription_id: string;
    event_id: string;
    attempts: number;
    expires_at: Date;
    url: string;
    secret_ciphertext: string;
    legacy_alert: boolean;
    type: string;
    data: unknown;
    event_created_at: Date;
  },
  now: Date,
  retry: RetryPolicy,
  disable: { afterMs: number; minFailures: number },
  res: DispatchResult,
) {
  const t = deps.t;
  const data = typeof d.data === 'string' ? (JSON.parse(d.data) as unknown) : d.data;
  // The same bytes every attempt: id, type, createdAt, storeId, data.
  const body = JSON.stringify({ id: d.event_id, type: d.type, createdAt: new Date(d.event_created_at).toISOString(), storeId: deps.storeId, data });
  let opened: Opened | null;
  try {
    opened = deps.box.inspect(d.secret_ciphertext, WEBHOOK_SECRET_PURPOSE, { allowPlain: true });
  } catch {
    opened = null;
  }
  if (opened?.stale) await resealWebhookSecret(t, deps.box, { id: d.subscription_id, secret_ciphertext: d.secret_ciphertext }, opened.plaintext);
  const secret = opened?.plaintext ?? '';
  const attempt = d.attempts + 1;
  const r = secret
    ? await attemptDelivery(d.url, secret, body, {
        egress: deps.egress,
        resolver: deps.resolver,
        now,
        ...(deps.timeoutMs ? { timeoutMs: deps.timeoutMs } : {}),
      })
    : {
        ok: false,
        status: null,
        error: 'the signing secret cannot be read (SECRETS_KEY changed without SECRETS_KEY_PREVIOUS?)',
        requestHeaders: {},
        responseBody: null,
        durationMs: 0,
      };
  res.attempted++;
  const after = deps.now ? deps.now() : new Date();
  const gaveUp = !r.ok && new Date(now.getTime() + backoffDelay(attempt, retry)) > new Date(d.expires_at);
  let disabled: { id: string; url: string; failingSince: Date; failures: number } | null = null;
  await t.transaction().execute(async (trx) => {
    await trx
      .insertInto('webhook_delivery_attempts')
      .values({
        id: newId(),
        delivery_id: d.id,
        attempt,
        request_headers: JSON.stringify(r.requestHeaders),
        request_body: truncateForLog(body),
        response_status: r.status,
        response_body: r.responseBody,
        error: r.error,
        duration_ms: r.durationMs,
        created_at: after,
      })
      .execute();
    await trx
      .updateTable('webhook_deliveries')
      .set({
        attempts: attempt,
        status: r.ok ? 'succeeded' : gaveUp ? 'failed' : 'pending',
        last_attempt_at: now,
        last_status: r.status,
        last_error: r.error,
        delivered_at: r.ok ? after : null,
        next_attempt_at: r.ok || gaveUp ? now : new Date(now.getTime() + backoffDelay(attempt, retry)),
      })
      .where('id', '=', d.id)
      .execute();
    if (r.ok) {
      await trx
        .updateTable('webhook_subscriptions')
        .set({ consecutive_failures: 0, failing_since: null, last_success_at: now })
        .where('id', '=', d.subscription_id)
        .execute();
    } else {
      const s = await trx
        .updateTable('webhook_subscriptions')
        .set({ consecutive_failures: sql`consecutive_failures + 1`, failing_since: sql`coalesce(failing_since, ${now})`, last_failure_at: now })
        .where('id', '=', d.subscription_id)
        .returning(['consecutive_failures', 'failing_since', 'url'])
        .executeTakeFirstOrThrow();
      const since = new Date(s.failing_since as Date);
      if (s.consecutive_failures >= disable.minFailures && now.getTime() - since.getTime() >= disable.afterMs) {
        const flipped = await trx
          .updateTable('webhook_subscriptions')
          .set({ status: 'disabled', disabled_reason: 'failing', updated_at: now })
          .where('id', '=', d.subscription_id)
          .where('status', '=', 'enabled')
          .returning('id')
          .executeTakeFirst();
        if (flipped) disabled = { id: d.subscription_id, url: s.url, failingSince: since, failures: s.consecutive_failures };
      }
    }
    // The old alert webhook's status on the alert itself (the alert id is the event id).
    if (d.legacy_alert && d.type === 'inventory.low_stock')
      await trx
        .updateTable('low_stock_alerts')
        .set({
          webhook_attempts: attempt,
          webhook_status: r.ok ? 'delivered' : gaveUp ? 'failed' : 'pending',
          webhook_last_error: r.error,
          webhook_delivered_at: r.ok ? after : null,
        })
        .where('id', '=', d.event_id)
        .execute();
  });
  if (r.ok) res.succeeded++;
  else res.failed++;
  if (disabled) await deps.onDisabled?.(disabled);
}

/** The stores (of these statuses) that have at least one webhook endpoint: the sweep's candidates. */
export async function storesWithWebhooks(control: Kysely<ControlDatabase>, statuses: readonly StoreStatus[]): Promise<string[]> {
  const rows = await control
    .selectFrom('webhook_stores')
    .innerJoin('stores', 'stores.id', 'webhook_stores.store_id')
    .select(['stores.id'])
    .where('stores.status', 'in', [...statuses])
    .execute();
  return rows.map((r) => r.id);
}

/** Whether a pending delivery of this store is due (`next_attempt_at` passed): the sweep then kicks its dispatcher. */
export async function hasDueDeliveries(t: Kysely<TenantDatabase>, now = new Date()): Promise<boolean> {
  const due = await t
    .selectFrom('webhook_deliveries')
    .select('id')
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', now)
    .limit(1)
    .executeTakeFirst();
  return !!due;
}
