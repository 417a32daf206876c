/**
 * The retention SQL on the embedded database (PGlite, a newer Postgres than the machine's 15), with a fake clock:
 * settings round-trip with their row lock, batched deletes by primary key, the jsonb `?` tests on store exports,
 * and the mail-body update across the control schema.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Database, newId } from '@storeloom/db';
import { createEmbeddedTestDatabase, type TestDatabase } from '@storeloom/db/testing';
import { archiveKey, type Storage, storageFromSettings } from '@storeloom/storage';
import { StoreService } from '@storeloom/stores';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyRetention, loadPrivacySettings, updatePrivacySettings } from '../src/index.ts';

const DAY = 86_400_000;

describe('retention on embedded Postgres (PGlite)', () => {
  let tdb: TestDatabase;
  let db: Database;
  let dir: string;
  let storage: Storage;
  beforeAll(async () => {
    tdb = await createEmbeddedTestDatabase({ poolMax: 4 });
    db = tdb.db;
    dir = await mkdtemp(join(tmpdir(), 'retention-'));
    storage = storageFromSettings({ driver: 'local', uploadsDir: dir, mediaPublicUrl: 'http://localhost/media' });
  }, 300_000);
  afterAll(async () => {
    await tdb?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('applies the store’s periods against a fake clock, in batches, once', async () => {
    const owner = newId();
    await db.control.insertInto('users').values({ id: owner, email: 'o@example.com', name: 'O', password_hash: 'x' }).execute();
    const created = await new StoreService(db).create({ userId: owner }, { name: 'R', slug: 'retained', currency: 'EUR' }, 'k');
    const store = await db.control.selectFrom('stores').select(['id', 'schema_name']).where('id', '=', created.store.id).executeTakeFirstOrThrow();
    const t = db.tenant(store.schema_name);
    // The clock is 2030-01-01; rows are dated relative to it.
    const now = new Date('2030-01-01T00:00:00Z');
    const ago = (d: number) => new Date(now.getTime() - d * DAY);

    expect((await loadPrivacySettings(t)).retention.eventsDays).toBe(365);
    await Promise.all([updatePrivacySettings(t, { retention: { eventsDays: 30 } }), updatePrivacySettings(t, { retention: { abandonedCartsDays: 60 } })]);
    const settings = await loadPrivacySettings(t);
    expect(settings.retention).toMatchObject({ eventsDays: 30, abandonedCartsDays: 60, searchLogsDays: 90 });

    await t
      .insertInto('reco_events')
      .values(
        [...Array.from({ length: 9 }, () => 45), 10].map((d, i) => ({
          kind: 'view' as const,
          customer_id: null,
          session_id: `s-${i}`,
          product_id: null,
          variant_id: null,
          order_id: null,
          quantity: null,
          slot: null,
          occurred_at: ago(d),
        })),
      )
      .execute();
    for (const d of [61, 59])
      await t
        .insertInto('carts')
        .values({ id: randomUUID(), token_hash: randomUUID(), created_at: ago(d), updated_at: ago(d) })
        .execute();
    await db.control
      .insertInto('mail_outbox')
      .values({
        id: randomUUID(),
        store_id: store.id,
        kind: 'x',
        to_address: 'a@example.com',
        subject: 's',
        text_body: 'body',
        html_body: null,
        dedup_key: null,
        headers: null,
        status: 'sent',
        last_error: null,
        next_attempt_at: ago(100),
        created_at: ago(100),
        sent_at: ago(100),
      })
      .execute();
    const exportId = randomUUID();
    await storage.put(archiveKey(store.id, exportId), new Uint8Array([1]), 'application/gzip');
    await db.control
      .insertInto('store_jobs')
      .values({
        id: randomUUID(),
        store_id: store.id,
        queue: 'maintenance',
        job_id: `e-${exportId}`,
        name: 'stores.export',
        data: JSON.stringify({ v: 1, payload: { storeId: store.id, exportId } }),
        state: 'completed',
        result: JSON.stringify({ key: archiveKey(store.id, exportId) }),
        error: null,
        created_at: ago(31),
        started_at: ago(31),
        finished_at: ago(31),
        updated_at: ago(31),
      })
      .execute();

    const first = await applyRetention(db, store, { now, batchSize: 2, storage });
    expect(first).toMatchObject({ events: 9, carts: 1, mailBodies: 1, storeExports: 1, sessions: 0 });
    expect(await storage.get(archiveKey(store.id, exportId))).toBeNull();
    const again = await applyRetention(db, store, { now, batchSize: 2, storage });
    expect(Object.values(again).every((n) => n === 0)).toBe(true);
  });
});
