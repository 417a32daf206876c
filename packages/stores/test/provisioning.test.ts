/**
 * Store provisioning crash recovery with StoreService on a real Postgres: a
 * crash between creating the schema and migrating it leaves the store in
 * `provisioning` (never active); the reconciler (or provision) repairs it;
 * soft-deleted stores are purged with their schema.
 */
import { randomBytes } from 'node:crypto';
import { type Database, migrations, newId, sql } from '@storeloom/db';
import { createTestDatabase, recordingDatabase, type TestDatabase } from '@storeloom/db/testing';
import { loadEnv, testEnvSchema } from '@storeloom/env';
import { StoreService } from '@storeloom/stores';
import { TENANT_TABLES } from '../../../test/helpers/tenant.ts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

const ADMIN_URL = loadEnv(testEnvSchema).TEST_DATABASE_URL;

let tdb: TestDatabase;
let db: Database;
let userId: string;
let latest: string;
/** How many of the next provisioning attempts crash right after the schema is created. */
let crashes = 0;
const hookCalls: string[] = [];
let service: StoreService;

beforeAll(async () => {
  tdb = await createTestDatabase(ADMIN_URL);
  db = tdb.db;
  latest = (await migrations('tenant')).at(-1)?.name as string;
  userId = newId();
  await db.control
    .insertInto('users')
    .values({ id: userId, email: `owner-${randomBytes(4).toString('hex')}@example.com`, name: 'Owner', password_hash: 'x' } as never)
    .execute();
  service = new StoreService(db, {
    afterSchemaCreated(store) {
      hookCalls.push(store.id);
      if (crashes > 0) {
        crashes--;
        throw new Error('crash between schema creation and migration');
      }
    },
  });
});
afterAll(async () => {
  await tdb?.drop();
});
beforeEach(() => {
  crashes = 0;
  hookCalls.length = 0;
});

const slug = () => `s${randomBytes(5).toString('hex')}`;
const input = (s = slug()) => ({ name: 'Crash test', slug: s, currency: 'EUR' });

async function schemaOf(storeId: string) {
  return (await db.control.selectFrom('stores').select('schema_name').where('id', '=', storeId).executeTakeFirstOrThrow()).schema_name;
}
async function schemaExists(schema: string) {
  const r = await sql<{ n: number }>`select count(*)::int as n from pg_namespace where nspname = ${schema}`.execute(db.kysely);
  return r.rows[0]?.n === 1;
}
async function tablesOf(schema: string) {
  const r = await sql<{ table_name: string }>`select table_name from information_schema.tables where table_schema = ${schema} order by table_name`.execute(
    db.kysely,
  );
  return r.rows.map((x) => x.table_name);
}
const row = (id: string) => db.control.selectFrom('stores').selectAll().where('id', '=', id).executeTakeFirst();

describe('provisioning crash recovery', () => {
  it('a crash between schema creation and migration leaves the store provisioning (not active); the reconciler brings it to active', async () => {
    crashes = 1;
    const { store, replayed } = await service.create({ userId }, input());
    expect(replayed).toBe(false);
    expect(store.status).toBe('provisioning');
    expect(store.schemaVersion).toBeNull();
    expect(hookCalls).toEqual([store.id]);

    const schema = await schemaOf(store.id);
    expect(await schemaExists(schema)).toBe(true);
    expect(await tablesOf(schema)).toEqual([]);
    const stuck = await row(store.id);
    expect(stuck).toMatchObject({ status: 'provisioning', provisioning_attempts: 1, schema_version: null });
    expect(stuck?.provisioning_error).toContain('crash between schema creation and migration');

    // Not active anywhere: the owner sees it as provisioning, nothing lists it as active.
    const listed = await service.access.listForUser(userId);
    expect(listed.find((s) => s.id === store.id)?.status).toBe('provisioning');
    expect(listed.filter((s) => s.status === 'active').map((s) => s.id)).not.toContain(store.id);
    expect((await service.access.accessFor(store.id, userId))?.store.status).toBe('provisioning');

    // A store that failed just now is not stale yet for a reconciler with a long grace period.
    expect(await service.reconcileProvisioning(3600)).toEqual({ retried: 0, failed: 0 });
    expect((await row(store.id))?.status).toBe('provisioning');

    const result = await service.reconcileProvisioning(0);
    expect(result).toEqual({ retried: 1, failed: 0 });
    const repaired = await row(store.id);
    expect(repaired).toMatchObject({ status: 'active', schema_version: latest, provisioning_error: null, provisioning_attempts: 2 });
    expect(await tablesOf(schema)).toEqual(TENANT_TABLES);
    expect((await service.access.listForUser(userId)).find((s) => s.id === store.id)?.status).toBe('active');
    // The tenant schema works.
    await db
      .tenant(schema)
      .insertInto('products')
      .values({ id: newId(), handle: 'after-repair', title: 'After repair' } as never)
      .execute();

    // Nothing left to reconcile; an active store is not touched again.
    expect(await service.reconcileProvisioning(0)).toEqual({ retried: 0, failed: 0 });
    expect((await row(store.id))?.provisioning_attempts).toBe(2);
  });

  it('provision() repairs a stuck store too, and is a no-op for an active store', async () => {
    crashes = 1;
    const { store } = await service.create({ userId }, input());
    expect(store.status).toBe('provisioning');
    const schema = await schemaOf(store.id);
    expect(await tablesOf(schema)).toEqual([]);

    const view = await service.provision(store.id);
    expect(view.status).toBe('active');
    expect(view.schemaVersion).toBe(latest);
    expect(await tablesOf(schema)).toEqual(TENANT_TABLES);
    const attempts = (await row(store.id))?.provisioning_attempts;
    expect((await service.provision(store.id)).status).toBe('active');
    expect((await row(store.id))?.provisioning_attempts).toBe(attempts);
  });

  it('repeating create with the same Idempotency-Key finishes the stuck provisioning and returns the same store', async () => {
    crashes = 1;
    const key = `key-${randomBytes(4).toString('hex')}`;
    const data = input();
    const first = await service.create({ userId }, data, key);
    expect(first.store.status).toBe('provisioning');
    const again = await service.create({ userId }, data, key);
    expect(again.replayed).toBe(true);
    expect(again.store.id).toBe(first.store.id);
    expect(again.store.status).toBe('active');
    expect(await tablesOf(await schemaOf(first.store.id))).toEqual(TENANT_TABLES);
    const rows = await db.control.selectFrom('stores').select('id').where('slug', '=', data.slug).execute();
    expect(rows).toHaveLength(1);
  });

  it('a store whose provisioning keeps failing stays provisioning and is reported as failed by the reconciler', async () => {
    crashes = 3;
    const { store } = await service.create({ userId }, input());
    expect(await service.reconcileProvisioning(0)).toEqual({ retried: 1, failed: 1 });
    expect(await service.reconcileProvisioning(0)).toEqual({ retried: 1, failed: 1 });
    expect(await row(store.id)).toMatchObject({ status: 'provisioning', provisioning_attempts: 3 });
    expect(await tablesOf(await schemaOf(store.id))).toEqual([]);
    expect(await service.reconcileProvisioning(0)).toEqual({ retried: 1, failed: 0 });
    expect(await row(store.id)).toMatchObject({ status: 'active', provisioning_attempts: 4, provisioning_error: null });
  });

  it('concurrent reconcilers and provision calls on the same stuck store all end with one active store', async () => {
    crashes = 1;
    const { store } = await service.create({ userId }, input());
    const others = [new StoreService(db), new StoreService(db)];
    const results = await Promise.allSettled([service.provision(store.id), others[0]?.provision(store.id), others[1]?.reconcileProvisioning(0)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect((await row(store.id))?.status).toBe('active');
    const applied = await (db.kysely as any)
      .withSchema(await schemaOf(store.id))
      .selectFrom('storeloom_migrations')
      .select('name')
      .execute();
    expect(applied.map((r: { name: string }) => r.name)).toEqual((await migrations('tenant')).map((m) => m.name));
  });

  it('concurrent provisioning of a store whose schema does not exist yet creates it once', async () => {
    // A store row as left by a crash right after its insert: no schema at all.
    const id = newId();
    const schema = `t_${id.replaceAll('-', '')}`;
    await db.control
      .insertInto('stores')
      .values({ id, slug: slug(), schema_name: schema, name: 'Fresh', status: 'provisioning', currency: 'USD', created_by: userId } as never)
      .execute();
    expect(await schemaExists(schema)).toBe(false);
    const results = await Promise.allSettled([service.provision(id), new StoreService(db).provision(id), new StoreService(db).provision(id)]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value.status : String(r.reason)))).toEqual(['active', 'active', 'active']);
    expect(await tablesOf(schema)).toEqual(TENANT_TABLES);
    expect((await row(id))?.status).toBe('active');
  });
});

describe('provisioning through a wrapped Database', () => {
  it("runs the primary's schema creation through the wrapper's db.kysely (as instrumentation wraps it), not around it", async () => {
    // The wrapper's handle: the same pool, its statements recorded (as onQuery / a tracing wrapper would see them).
    const { db: wrapped, seen } = recordingDatabase(db);
    let atHook: string[] = [];
    const recorded = new StoreService(wrapped, {
      afterSchemaCreated() {
        atHook = [...seen];
      },
    });
    const { store } = await recorded.create({ userId }, input());
    expect(store.status).toBe('active');
    const schema = await schemaOf(store.id);
    // provision's own transaction (lock, create schema) ran through the wrapper before the hook, on the primary...
    const create = `create schema if not exists "${schema}"`;
    expect(atHook).toContain(create);
    expect(atHook.some((q) => q.startsWith('select pg_advisory_xact_lock'))).toBe(true);
    // ...and the migrations after it too (migrateTenant goes through clusterKysely already).
    expect(seen.length).toBeGreaterThan(atHook.length);
    expect(await tablesOf(schema)).toEqual(TENANT_TABLES);
  });
});

describe('soft delete and purge', () => {
  it('purgeDeleted(0) after softDelete drops the schema and the row', async () => {
    const { store } = await service.create({ userId }, input());
    expect(store.status).toBe('active');
    const schema = await schemaOf(store.id);
    await db
      .tenant(schema)
      .insertInto('products')
      .values({ id: newId(), handle: 'doomed', title: 'Doomed' } as never)
      .execute();
    const keep = await service.create({ userId }, input());

    await service.retention.softDelete(store.id, { userId });
    expect((await row(store.id))?.status).toBe('deleted');
    expect((await row(store.id))?.deleted_at).toBeInstanceOf(Date);
    expect(await service.access.accessFor(store.id, userId)).toBeNull();
    expect((await service.access.listForUser(userId)).map((s) => s.id)).not.toContain(store.id);
    await expect(service.retention.softDelete(store.id, { userId })).rejects.toMatchObject({ code: 'store_not_found' });
    // Within the retention period, the schema is kept.
    expect((await service.retention.purgeDeleted(30)).purged).toEqual([]);
    expect(await schemaExists(schema)).toBe(true);

    const purged = (await service.retention.purgeDeleted(0)).purged;
    expect(purged).toEqual([store.id]);
    expect(await schemaExists(schema)).toBe(false);
    expect(await row(store.id)).toBeUndefined();
    expect(await db.control.selectFrom('memberships').select('user_id').where('store_id', '=', store.id).execute()).toEqual([]);
    const audit = await db.control.selectFrom('audit_log').select('action').where('store_id', '=', store.id).orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual(['store.created', 'store.deleted', 'store.purged']);

    // Other stores are untouched; a second purge has nothing to do.
    expect((await row(keep.store.id))?.status).toBe('active');
    expect(await schemaExists(await schemaOf(keep.store.id))).toBe(true);
    expect(await service.retention.purgeDeleted(0)).toEqual({ purged: [], skipped: [], rolesNotDropped: [], rolesOnUnconfiguredClusters: [] });
    // The slug is free again.
    const reused = await service.create({ userId }, { ...input(), slug: store.slug });
    expect(reused.store.status).toBe('active');
  });

  it('purges a store deleted while still provisioning (half-created schema)', async () => {
    crashes = 1;
    const { store } = await service.create({ userId }, input());
    const schema = await schemaOf(store.id);
    expect(await schemaExists(schema)).toBe(true);
    await service.retention.softDelete(store.id, { userId });
    // The reconciler leaves deleted stores alone.
    expect(await service.reconcileProvisioning(0)).toEqual({ retried: 0, failed: 0 });
    expect((await service.retention.purgeDeleted(0)).purged).toEqual([store.id]);
    expect(await schemaExists(schema)).toBe(false);
    expect(await row(store.id)).toBeUndefined();
  });
});
