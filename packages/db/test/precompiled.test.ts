/** Queries compiled once per handle: same rows as the builder, each store's own schema, arguments checked. */
import { migrateTenant, newId, precompiled, schemaNameForStore, type Kysely, type TenantDatabase } from '@storeloom/db';
import { createTestDatabase, type TestDatabase } from '@storeloom/db/testing';
import { loadEnv, testEnvSchema } from '@storeloom/env';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ADMIN_URL = loadEnv(testEnvSchema).TEST_DATABASE_URL;

describe('precompiled queries', () => {
  let tdb: TestDatabase;
  const a = schemaNameForStore(newId());
  const b = schemaNameForStore(newId());
  const ids = { a: newId(), b: newId() };
  const byHandle = precompiled((t: Kysely<TenantDatabase>, handle: string, status: string) =>
    t
      .selectFrom('products')
      .select(['id', 'title'])
      .where('handle', '=', handle)
      .where('status', '=', status as 'active')
      .where('title', '!=', 'never'),
  );

  beforeAll(async () => {
    tdb = await createTestDatabase(ADMIN_URL, { poolMax: 2 });
    for (const [schema, id, title] of [
      [a, ids.a, 'A shirt'],
      [b, ids.b, 'B shirt'],
    ] as const) {
      await migrateTenant(tdb.db, schema);
      await tdb.db.tenant(schema).insertInto('products').values({ id, handle: 'shirt', title, description: '', options: '[]', status: 'active' }).execute();
    }
  }, 120_000);
  afterAll(async () => {
    await tdb?.drop();
  });

  it('re-runs the compiled query with new arguments, on each store handle separately', async () => {
    expect(await byHandle(tdb.db.tenant(a), 'shirt', 'active')).toEqual([{ id: ids.a, title: 'A shirt' }]);
    expect(await byHandle(tdb.db.tenant(a), 'shirt', 'draft')).toEqual([]);
    expect(await byHandle(tdb.db.tenant(a), 'nope', 'active')).toEqual([]);
    // Another store's handle compiles its own (schema-qualified) statement.
    expect(await byHandle(tdb.db.tenant(b), 'shirt', 'active')).toEqual([{ id: ids.b, title: 'B shirt' }]);
    // Inside a transaction too.
    const inTrx = await tdb.db.tenantTransaction(a, (trx) => byHandle(trx, 'shirt', 'active'));
    expect(inTrx).toEqual([{ id: ids.a, title: 'A shirt' }]);
  });

  it('refuses a query that transforms or drops an argument', async () => {
    const transformed = precompiled((t: Kysely<TenantDatabase>, q: string) => t.selectFrom('products').select('id').where('title', 'like', `%${q}%`));
    await expect(transformed(tdb.db.tenant(a), 'shirt')).rejects.toThrow(/transformed/);
    const dropped = precompiled((t: Kysely<TenantDatabase>, _q: string) => t.selectFrom('products').select('id'));
    await expect(dropped(tdb.db.tenant(a), 'shirt')).rejects.toThrow(/every argument/);
  });
});
