/**
 * Webhook event retention (`webhooks.prune`): events older than the setting go with their deliveries and attempt
 * logs; newer ones and old ones with a delivery still pending stay. Real Postgres, the worker's job handler.
 */
import { migrateControl, migrateTenant, newId } from '@storeloom/db';
import { createTestDatabase } from '@storeloom/db/testing';
import { loadEnv, testEnvSchema } from '@storeloom/env';
import { createLogger } from '@storeloom/log';
import { afterAll, describe, expect, it } from 'vitest';
import { createAnalyticsHandlers } from '../../../apps/worker/src/analytics.ts';
import { pruneWebhookEvents } from '../src/index.ts';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});
const DAY = 86_400_000;

describe('webhook event retention', () => {
  it('prunes old events with their deliveries and attempts, keeps pending and recent ones', async () => {
    const tdb = await createTestDatabase(loadEnv(testEnvSchema).TEST_DATABASE_URL, { poolMax: 4 });
    cleanups.push(() => tdb.drop());
    const db = tdb.db;
    await migrateControl(db);
    const owner = newId();
    await db.control
      .insertInto('users')
      .values({ id: owner, email: `o${owner.slice(-8)}@example.com`, name: 'O', password_hash: 'x' })
      .execute();
    const storeId = newId();
    const schema = `t_${storeId.replace(/-/g, '')}`;
    await db.control
      .insertInto('stores')
      .values({ id: storeId, slug: `s${storeId.slice(-8)}`, schema_name: schema, name: 'S', currency: 'USD', created_by: owner, status: 'active' } as never)
      .execute();
    await migrateTenant(db, schema);
    const t = db.tenant(schema);
    const now = new Date('2026-12-06T12:00:00Z');
    const sub = newId();
    await t
      .insertInto('webhook_subscriptions')
      .values({ id: sub, url: 'https://example.com/h', events: JSON.stringify(['order.paid']), secret_ciphertext: 'x' } as never)
      .execute();
    const event = async (ageDays: number, status: 'pending' | 'succeeded' | 'failed') => {
      const id = newId();
      const at = new Date(now.getTime() - ageDays * DAY);
      await t
        .insertInto('webhook_events')
        .values({ id, type: 'order.paid', resource_key: `order:${id}`, data: JSON.stringify({}), created_at: at })
        .execute();
      const delivery = newId();
      await t
        .insertInto('webhook_deliveries')
        .values({
          id: delivery,
          subscription_id: sub,
          event_id: id,
          resource_key: `order:${id}`,
          status,
          expires_at: new Date(at.getTime() + 3 * DAY),
          created_at: at,
        } as never)
        .execute();
      await t
        .insertInto('webhook_delivery_attempts')
        .values({
          id: newId(),
          delivery_id: delivery,
          attempt: 1,
          request_headers: JSON.stringify({}),
          request_body: '{}',
          duration_ms: 5,
          created_at: at,
        } as never)
        .execute();
      return id;
    };
    const old1 = await event(40, 'succeeded');
    const old2 = await event(31, 'failed');
    const oldPending = await event(45, 'pending');
    const recent = await event(29, 'succeeded');
    const fresh = await event(1, 'failed');

    // The job over every store, with the setting (30 days) and a moved clock.
    const handlers = createAnalyticsHandlers({ db, logger: createLogger({ level: 'silent' }), webhookEventRetentionDays: 30, clock: () => now });
    const job = { name: 'webhooks.prune', data: { v: 1, payload: {} } } as never;
    const r = (await handlers['webhooks.prune']?.(job)) as { events: number; days: number };
    expect(r).toMatchObject({ events: 2, days: 30 });
    const left = (await t.selectFrom('webhook_events').select('id').execute()).map((e) => e.id).sort();
    expect(left).toEqual([oldPending, recent, fresh].sort());
    expect(left).not.toContain(old1);
    expect(left).not.toContain(old2);
    expect(await t.selectFrom('webhook_deliveries').select('id').execute()).toHaveLength(3);
    expect(await t.selectFrom('webhook_delivery_attempts').select('id').execute()).toHaveLength(3);
    // Again: nothing more to do; a smaller batch still finishes; a shorter window takes the 29-day one too.
    expect(await pruneWebhookEvents(t, 30, now)).toEqual({ events: 0 });
    expect(await pruneWebhookEvents(t, 7, now, 1)).toEqual({ events: 1 });
    await expect(pruneWebhookEvents(t, 0, now)).rejects.toThrow(RangeError);
  });
});
