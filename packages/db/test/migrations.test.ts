/**
 * Migration runner against a real Postgres: per-schema migration tables,
 * idempotency, atomic multi-migration runs, the advisory lock, and
 * migrateAllTenants with bounded concurrency, failure isolation, resumability
 * and canary mode.
 */
import { randomBytes } from 'node:crypto';
import { type Database, type Kysely, type Migration, migrateAllTenants, migrateTenant, migrations, newId, schemaNameForStore, sql } from '@storeloom/db';
import { createTestDatabase, type TestDatabase } from '@storeloom/db/testing';
import { loadEnv, testEnvSchema } from '@storeloom/env';
import { TENANT_TABLES } from '../../../test/helpers/tenant.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ADMIN_URL = loadEnv(testEnvSchema).TEST_DATABASE_URL;

let tdb: TestDatabase;
let db: Database;
let all: Migration[];
let latest: string;

beforeAll(async () => {
  tdb = await createTestDatabase(ADMIN_URL);
  db = tdb.db;
  all = await migrations('tenant');
  latest = all.at(-1)?.name as string;
  expect(all.length).toBeGreaterThan(0);
});
afterAll(async () => {
  await tdb?.drop();
});

const randomSchema = () => `t_test_${randomBytes(6).toString('hex')}`;

async function tablesOf(d: Database, schema: string): Promise<string[]> {
  const r = await sql<{ table_name: string }>`select table_name from information_schema.tables where table_schema = ${schema} order by table_name`.execute(
    d.kysely,
  );
  return r.rows.map((x) => x.table_name);
}
async function schemaExists(d: Database, schema: string) {
  const r = await sql<{ n: number }>`select count(*)::int as n from information_schema.schemata where schema_name = ${schema}`.execute(d.kysely);
  return r.rows[0]?.n === 1;
}
async function appliedRows(d: Database, schema: string) {
  return (await (d.kysely as Kysely<any>).withSchema(schema).selectFrom('storeloom_migrations').selectAll().orderBy('name').execute()) as {
    name: string;
    applied_at: Date;
  }[];
}

async function createUser(d: Database) {
  const id = newId();
  await d.control
    .insertInto('users')
    .values({ id, email: `u${randomBytes(5).toString('hex')}@example.com`, name: 'Owner', password_hash: 'x' } as never)
    .execute();
  return id;
}

/** Inserts n stores (ascending ids, so `orderBy('id')` is creation order) without provisioning them. */
async function insertStores(d: Database, n: number, status: 'active' | 'provisioning' | 'suspended' | 'deleted' = 'active') {
  const userId = await createUser(d);
  const out: { id: string; schema: string }[] = [];
  for (let i = 0; i < n; i++) {
    const id = newId();
    const schema = schemaNameForStore(id);
    await d.control
      .insertInto('stores')
      .values({ id, slug: `m${randomBytes(6).toString('hex')}`, schema_name: schema, name: `Store ${i}`, status, currency: 'USD', created_by: userId } as never)
      .execute();
    out.push({ id, schema });
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** Breaks a store's schema so its first migration fails: `products` already exists, as a view. */
async function breakSchema(d: Database, schema: string) {
  await sql`create schema ${sql.id(schema)}`.execute(d.kysely);
  await sql`create view ${sql.id(schema, 'products')} as select 1 as id`.execute(d.kysely);
}
async function fixSchema(d: Database, schema: string) {
  await sql`drop view ${sql.id(schema, 'products')}`.execute(d.kysely);
}

async function schemaVersions(d: Database, ids: string[]) {
  const rows = await d.control.selectFrom('stores').select(['id', 'schema_version']).where('id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, r.schema_version]));
}

/** A Database whose migration runs (transactions / dedicated connections) are counted, to observe the runner's concurrency. */
function countingDatabase(d: Database) {
  const stats = { inFlight: 0, max: 0, total: 0 };
  const kysely = new Proxy(d.kysely, {
    get(target, prop) {
      if (prop === 'transaction' || prop === 'connection') {
        return () => {
          const builder = prop === 'transaction' ? target.transaction() : target.connection();
          return {
            async execute<T>(fn: (trx: any) => Promise<T>): Promise<T> {
              stats.total++;
              stats.max = Math.max(stats.max, ++stats.inFlight);
              try {
                return await builder.execute(fn);
              } finally {
                stats.inFlight--;
              }
            },
          };
        };
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { db: { ...d, kysely, control: d.control, tenant: d.tenant, pool: d.pool, destroy: d.destroy } as Database, stats };
}

describe('migrateTenant', () => {
  it('creates the schema with its own storeloom_migrations table and all tables, and is idempotent', async () => {
    const schema = randomSchema();
    expect(await schemaExists(db, schema)).toBe(false);
    const r1 = await migrateTenant(db, schema);
    expect(r1).toEqual({ schema, applied: all.map((m) => m.name), latest });
    expect(await tablesOf(db, schema)).toEqual(TENANT_TABLES);
    const rows = await appliedRows(db, schema);
    expect(rows.map((r) => r.name)).toEqual(all.map((m) => m.name));
    // Tracking is per schema: the control schema's table does not list tenant migrations.
    const controlNames = (await (db.kysely as Kysely<any>).withSchema('control').selectFrom('storeloom_migrations').select('name').execute()).map(
      (r) => r.name,
    );
    expect(controlNames).not.toContain(latest);

    const r2 = await migrateTenant(db, schema);
    expect(r2).toEqual({ schema, applied: [], latest });
    expect(await appliedRows(db, schema)).toEqual(rows);
    expect(await tablesOf(db, schema)).toEqual(TENANT_TABLES);

    // The schema is usable: a product with a variant.
    const t = db.tenant(schema);
    const pid = newId();
    await t
      .insertInto('products')
      .values({ id: pid, handle: 'x', title: 'X' } as never)
      .execute();
    await t
      .insertInto('variants')
      .values({ id: newId(), product_id: pid, title: 'Default Title', price: 100 } as never)
      .execute();
    expect(await t.selectFrom('variants').select('price').execute()).toEqual([{ price: 100 }]);
  });

  it('refuses schema names that are not tenant schemas', async () => {
    for (const bad of ['public', 'control', 't_', 'T_abc', 't_abc; drop schema control', `t_${'a'.repeat(61)}`]) {
      await expect(migrateTenant(db, bad), bad).rejects.toThrow(/not a tenant schema/);
    }
    expect(await schemaExists(db, 't_abc; drop schema control')).toBe(false);
  });

  it('applies only new migrations later, and runs all pending migrations of a schema in one transaction', async () => {
    const schema = randomSchema();
    await migrateTenant(db, schema);
    const extra: Migration = {
      name: '29991231000000_extra',
      up: async (k) => {
        await k.schema
          .createTable('extra')
          .addColumn('id', 'integer', (c) => c.primaryKey())
          .execute();
      },
    };
    const failing: Migration = {
      name: '29991231000001_failing',
      up: async (k) => {
        await k.schema.createTable('half').addColumn('id', 'integer').execute();
        throw new Error('boom in the middle of a migration');
      },
    };
    await expect(migrateTenant(db, schema, [...all, extra, failing])).rejects.toThrow(/boom/);
    // Neither the good nor the failing new migration left anything behind.
    expect(await tablesOf(db, schema)).toEqual(TENANT_TABLES);
    expect((await appliedRows(db, schema)).map((r) => r.name)).toEqual(all.map((m) => m.name));

    const r = await migrateTenant(db, schema, [...all, extra]);
    expect(r).toEqual({ schema, applied: [extra.name], latest: extra.name });
    expect(await tablesOf(db, schema)).toContain('extra');
    expect((await appliedRows(db, schema)).map((x) => x.name)).toEqual([...all.map((m) => m.name), extra.name]);
  });

  it('leaves a brand-new schema absent when its first migration run fails', async () => {
    const schema = randomSchema();
    const failing: Migration = { name: '20000101000000_fails', up: async () => Promise.reject(new Error('nope')) };
    await expect(migrateTenant(db, schema, [failing])).rejects.toThrow('nope');
    expect(await schemaExists(db, schema)).toBe(false);
  });

  it('two concurrent runs on the same schema both succeed and apply each migration once (advisory lock)', async () => {
    // Several rounds: the race (a runner waiting on the lock while another creates the schema) is the point.
    for (let round = 0; round < 5; round++) {
      const schema = randomSchema();
      const results = await Promise.all([migrateTenant(db, schema), migrateTenant(db, schema), migrateTenant(db, schema), migrateTenant(db, schema)]);
      const appliedLists = results.map((r) => r.applied);
      expect(appliedLists.filter((a) => a.length > 0)).toEqual([all.map((m) => m.name)]);
      expect(appliedLists.filter((a) => a.length === 0)).toHaveLength(3);
      const rows = await appliedRows(db, schema);
      expect(rows.map((r) => r.name)).toEqual(all.map((m) => m.name));
      expect(await tablesOf(db, schema)).toEqual(TENANT_TABLES);
    }
  });

  it('concurrent runs from two separate connection pools also serialise', async () => {
    const other = await import('@storeloom/db').then(({ createDatabase }) => createDatabase({ url: tdb.url, poolMax: 3 }));
    try {
      const schema = randomSchema();
      const [a, b] = await Promise.all([migrateTenant(db, schema), migrateTenant(other, schema)]);
      expect([a.applied.length, b.applied.length].sort()).toEqual([0, all.length]);
      expect((await appliedRows(db, schema)).map((r) => r.name)).toEqual(all.map((m) => m.name));
    } finally {
      await other.destroy();
    }
  });
});

describe('migrateAllTenants', () => {
  let mdb: TestDatabase;
  beforeAll(async () => {
    mdb = await createTestDatabase(ADMIN_URL);
  });
  afterAll(async () => {
    await mdb?.drop();
  });

  it('migrates ~20 stores with concurrency 4, isolates a broken one, reports progress, then resumes after the fix', async () => {
    const d = mdb.db;
    const stores = await insertStores(d, 20);
    const deleted = await insertStores(d, 1, 'deleted');
    const broken = stores[7] as { id: string; schema: string };
    await breakSchema(d, broken.schema);

    const progress: { done: number; total: number; failed: number; schema: string }[] = [];
    const counting = countingDatabase(d);
    const r1 = await migrateAllTenants(counting.db, { concurrency: 4, onProgress: (p) => progress.push(p) });
    expect(r1.total).toBe(20);
    expect(r1.migrated).toBe(19);
    expect(r1.upToDate).toBe(0);
    expect(r1.stoppedByCanary).toBe(false);
    expect(r1.failed).toEqual([{ storeId: broken.id, schema: broken.schema, error: expect.stringMatching(/products/) }]);
    expect(counting.stats.max).toBeLessThanOrEqual(4);
    expect(counting.stats.max).toBeGreaterThanOrEqual(2);

    expect(progress.map((p) => p.done)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(progress.every((p) => p.total === 20)).toBe(true);
    expect(progress.at(-1)?.failed).toBe(1);
    expect(new Set(progress.map((p) => p.schema))).toEqual(new Set(stores.map((s) => s.schema)));
    expect(progress.find((p) => p.schema === broken.schema)?.failed).toBeGreaterThanOrEqual(1);

    for (const s of stores) {
      if (s === broken) continue;
      expect(await tablesOf(d, s.schema), s.schema).toEqual(TENANT_TABLES);
    }
    // The broken schema is untouched: the failed run rolled back (no migration table).
    expect(await tablesOf(d, broken.schema)).toEqual(['products']);
    const versions = await schemaVersions(
      d,
      stores.map((s) => s.id),
    );
    for (const s of stores) expect(versions.get(s.id), s.schema).toBe(s === broken ? null : latest);
    // Deleted stores are skipped.
    expect(await schemaExists(d, deleted[0]?.schema as string)).toBe(false);

    await fixSchema(d, broken.schema);
    const progress2: number[] = [];
    const r2 = await migrateAllTenants(d, { concurrency: 4, onProgress: (p) => progress2.push(p.done) });
    expect(r2).toEqual({ total: 20, migrated: 1, upToDate: 19, failed: [], stoppedByCanary: false });
    expect(progress2).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(await tablesOf(d, broken.schema)).toEqual(TENANT_TABLES);
    expect((await schemaVersions(d, [broken.id])).get(broken.id)).toBe(latest);

    const r3 = await migrateAllTenants(d, { concurrency: 4 });
    expect(r3).toEqual({ total: 20, migrated: 0, upToDate: 20, failed: [], stoppedByCanary: false });
  });

  it('runs one at a time with concurrency 1', async () => {
    const cdb = await createTestDatabase(ADMIN_URL);
    try {
      await insertStores(cdb.db, 5);
      const counting = countingDatabase(cdb.db);
      const r = await migrateAllTenants(counting.db, { concurrency: 1 });
      expect(r).toMatchObject({ total: 5, migrated: 5, failed: [] });
      expect(counting.stats).toMatchObject({ max: 1, total: 5 });
    } finally {
      await cdb.drop();
    }
  });
});

describe('migrateAllTenants canary mode', () => {
  let cdb: TestDatabase;
  beforeAll(async () => {
    cdb = await createTestDatabase(ADMIN_URL);
  });
  afterAll(async () => {
    await cdb?.drop();
  });

  it('stops after the first N stores when one of them fails, and continues past them once they pass', async () => {
    const d = cdb.db;
    const stores = await insertStores(d, 8);
    const broken = stores[1] as { id: string; schema: string };
    await breakSchema(d, broken.schema);

    const progress: string[] = [];
    const r1 = await migrateAllTenants(d, { canary: 3, concurrency: 2, onProgress: (p) => progress.push(p.schema) });
    expect(r1.stoppedByCanary).toBe(true);
    expect(r1.total).toBe(8);
    expect(r1.migrated).toBe(2);
    expect(r1.failed.map((f) => f.storeId)).toEqual([broken.id]);
    expect(progress.sort()).toEqual(
      stores
        .slice(0, 3)
        .map((s) => s.schema)
        .sort(),
    );
    // Only the canaries were touched.
    for (const s of stores.slice(3)) expect(await schemaExists(d, s.schema), s.schema).toBe(false);
    for (const s of [stores[0], stores[2]]) expect(await tablesOf(d, s?.schema as string)).toEqual(TENANT_TABLES);

    await fixSchema(d, broken.schema);
    const r2 = await migrateAllTenants(d, { canary: 3, concurrency: 2 });
    expect(r2).toEqual({ total: 8, migrated: 6, upToDate: 2, failed: [], stoppedByCanary: false });
    for (const s of stores) expect(await tablesOf(d, s.schema), s.schema).toEqual(TENANT_TABLES);

    // A failure after the canaries is reported but does not stop the run.
    const more = await insertStores(d, 3);
    const lateBroken = more[1] as { id: string; schema: string };
    await breakSchema(d, lateBroken.schema);
    const r3 = await migrateAllTenants(d, { canary: 3 });
    expect(r3.stoppedByCanary).toBe(false);
    expect(r3.failed.map((f) => f.storeId)).toEqual([lateBroken.id]);
    expect(r3).toMatchObject({ total: 11, migrated: 2, upToDate: 8 });
  });
});
