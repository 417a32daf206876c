/**
 * The transactional outbox. `emitWebhookEvent` runs inside the transaction of
 * the change it reports: the event row and one delivery row per enabled
 * subscription to its type commit or roll back with that change, so no event
 * is lost and none is sent for a change that did not happen. A store without
 * a subscription to the type pays one indexed read and writes nothing.
 */
import { type Kysely, newId, sql, type TenantDatabase } from '@storeloom/db';

export const WEBHOOK_EVENT_TYPES = [
  'order.created',
  'order.paid',
  'order.fulfilled',
  'order.refunded',
  'order.cancelled',
  'order.edited',
  'draft_order.created',
  'draft_order.updated',
  'draft_order.completed',
  'return.requested',
  'return.approved',
  'return.declined',
  'return.received',
  'return.refunded',
  'return.closed',
  'product.created',
  'product.updated',
  'product.deleted',
  'inventory.low_stock',
  'customer.created',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** How long a delivery is retried (3 days) before it is given up. */
export const RETRY_WINDOW_MS = 3 * 24 * 3600_000;

export interface EmitInput {
  type: WebhookEventType;
  /** Events of one resource (e.g. `order:<id>`) reach each endpoint in the order they were written. */
  resourceKey: string;
  /** The payload's `data`, built only when some subscription wants the event. */
  data: unknown | (() => Promise<unknown> | unknown);
  /** Event id (default a new time-ordered UUID); the low-stock alert uses its alert id. */
  id?: string;
  now?: Date;
}

/** Writes the event and its deliveries in the caller's transaction; returns the event id, or null when nobody subscribes. */
export async function emitWebhookEvent(trx: Kysely<TenantDatabase>, e: EmitInput): Promise<string | null> {
  const subs = await trx
    .selectFrom('webhook_subscriptions')
    .select('id')
    .where('status', '=', 'enabled')
    .where(sql<boolean>`events @> ${JSON.stringify([e.type])}::jsonb`)
    .execute();
  if (!subs.length) return null;
  const id = e.id ?? newId();
  const now = e.now ?? new Date();
  const data = typeof e.data === 'function' ? await (e.data as () => unknown)() : e.data;
  await trx
    .insertInto('webhook_events')
    .values({ id, type: e.type, resource_key: e.resourceKey, data: JSON.stringify(data ?? {}), created_at: now })
    .execute();
  await trx
    .insertInto('webhook_deliveries')
    .values(
      subs.map((s) => ({
        id: newId(),
        subscription_id: s.id,
        event_id: id,
        resource_key: e.resourceKey,
        next_attempt_at: now,
        expires_at: new Date(now.getTime() + RETRY_WINDOW_MS),
        created_at: now,
      })),
    )
    .execute();
  return id;
}
