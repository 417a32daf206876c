/**
 * Retention of the webhook outbox: events older than `days` are deleted with their deliveries and attempt logs
 * (foreign keys cascade), in batches so no statement runs long. An event with a delivery still pending is kept
 * whatever its age (it is still inside its retry window, or its endpoint is disabled and it waits to be sent).
 */
import type { Kysely, TenantDatabase } from '@storeloom/db';

const DAY_MS = 86_400_000;

export async function pruneWebhookEvents(t: Kysely<TenantDatabase>, days: number, now = new Date(), batch = 2000): Promise<{ events: number }> {
  if (!Number.isInteger(days) || days < 1) throw new RangeError('days must be a positive integer');
  const cutoff = new Date(now.getTime() - days * DAY_MS);
  let events = 0;
  for (;;) {
    const r = await t
      .deleteFrom('webhook_events')
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('webhook_events as e')
          .select('e.id')
          .where('e.created_at', '<', cutoff)
          .where((w) =>
            w.not(w.exists(w.selectFrom('webhook_deliveries as d').select('d.id').whereRef('d.event_id', '=', 'e.id').where('d.status', '=', 'pending'))),
          )
          .limit(batch),
      )
      .executeTakeFirst();
    const n = Number(r.numDeletedRows);
    events += n;
    if (n < batch) return { events };
  }
}
