/**
 * Database-enforced isolation: a tenant handle runs under the store's own
 * Postgres role, so a query that forgets its schema or names another store's
 * (or the control) schema is refused by Postgres itself — on the machine's
 * Postgres 15 and on the embedded PGlite server.
 */
import { randomBytes } from 'node:crypto';
import { createDatabase, type Database, dropTenantRole, migrateTenant, newId, schemaNameForStore, sql, tenantRoleName } from '@storeloom/db';
import { createEmbeddedTestDatabase, createTestDatabase, type TestDatabase } from '@storeloom/db/testing';
import { loadEnv, testEnvSchema } from '@storeloom/env';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ADMIN_URL = loadEnv(testEnvSchema).TEST_DATABASE_URL;

/** The SQLSTATE a promise rejects with (or 'resolved'). */
async function sqlState(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    return (e as { code?: string }).code ?? `no code: ${(e as Error).message}`;
  }
}

async function roleCount(c: pg.Client, role: string): Promise<number> {
  return (await c.query('select count(*)::int as n from pg_roles where rolname = $1', [role])).rows[0].n;
}

function isolationSuite(name: string, open: () => Promise<{ db: Database; close(): Promise<void> }>) {
  describe(name, () => {
    let db: Database;
    let close: () => Promise<void>;
    const a = schemaNameForStore(newId());
    const b = schemaNameForStore(newId());
    const productA = newId();
    const productB = newId();

    beforeAll(async () => {
      ({ db, close } = await open());
      await migrateTenant(db, a);
      await migrateTenant(db, b);
      await sql`create table public.isolation_probe (secret text)`.execute(db.kysely);
      await sql`insert into public.isolation_probe values ('top secret')`.execute(db.kysely);
      const product = (id: string, title: string) => ({ id, handle: `h-${id.slice(-8)}`, title, description: '', options: '[]', status: 'active' as const });
      await db.tenant(a).insertInto('products').values(product(productA, 'A shirt')).execute();
      await db.tenant(b).insertInto('products').values(product(productB, 'B shirt')).execute();
      // PGlite start-up plus two tenant migrations is slow on a loaded 2-core machine.
    }, 300_000);
    afterAll(async () => {
      await close?.();
    });

    it('runs tenant statements as the store role and nothing else', async () => {
      const who = await sql<{ u: string }>`select current_user as u`.execute(db.tenant(a));
      expect(who.rows[0]?.u).toBe(tenantRoleName(a));
      const inTrx = await db.tenantTransaction(a, (trx) => sql<{ u: string }>`select current_user as u`.execute(trx));
      expect(inTrx.rows[0]?.u).toBe(tenantRoleName(a));
      // The role dies with the transaction: the pooled connection is back to the login role.
      const after = await sql<{ u: string }>`select current_user as u`.execute(db.kysely);
      expect(after.rows[0]?.u).not.toBe(tenantRoleName(a));
      expect(await db.tenant(a).selectFrom('products').select('title').execute()).toEqual([{ title: 'A shirt' }]);
    });

    it('refuses an unqualified query that reaches outside the store schema', async () => {
      // The login role reads it fine: the refusal below comes from the store role, not from a missing table.
      expect((await sql`select secret from isolation_probe`.execute(db.kysely)).rows).toHaveLength(1);
      const state = await sqlState(db.tenantTransaction(a, (trx) => sql`select secret from isolation_probe`.execute(trx)));
      expect(state).toBe('42501'); // insufficient_privilege
      expect(await sqlState(sql`insert into isolation_probe values ('x')`.execute(db.tenant(a)))).toBe('42501');
    });

    it("refuses reads and writes of another store's schema and of the control schema", async () => {
      expect(await sqlState(db.tenantTransaction(a, (trx) => sql`select title from ${sql.id(b, 'products')}`.execute(trx)))).toBe('42501');
      expect(
        await sqlState(db.tenantTransaction(a, (trx) => sql`update ${sql.id(b, 'products')} set title = 'pwned' where id = ${productB}`.execute(trx))),
      ).toBe('42501');
      expect(await sqlState(sql`delete from ${sql.id(b, 'products')}`.execute(db.tenant(a)))).toBe('42501');
      expect(await sqlState(db.tenantTransaction(a, (trx) => sql`select * from control.users`.execute(trx)))).toBe('42501');
      expect(await sqlState(sql`insert into control.users (id) values (${newId()})`.execute(db.tenant(a)))).toBe('42501');
      // A forged id only changes which store's role is used: B's handle cannot reach A either.
      expect(await sqlState(sql`select title from ${sql.id(a, 'products')}`.execute(db.tenant(b)))).toBe('42501');
      // Nothing changed.
      expect(await db.tenant(b).selectFrom('products').select('title').execute()).toEqual([{ title: 'B shirt' }]);
    });

    it('rolls a failed tenant transaction back and leaves the connection clean', async () => {
      const state = await sqlState(
        db.tenantTransaction(a, async (trx) => {
          await trx.updateTable('products').set({ title: 'half done' }).where('id', '=', productA).execute();
          await sql`select * from control.stores`.execute(trx);
        }),
      );
      expect(state).toBe('42501');
      expect(await db.tenant(a).selectFrom('products').select('title').execute()).toEqual([{ title: 'A shirt' }]);
      expect((await sql<{ u: string }>`select current_user as u`.execute(db.kysely)).rows[0]?.u).not.toBe(tenantRoleName(a));
    });

    it('recreates a missing store role on first use, and drops it with the store', async () => {
      await dropTenantRole(db.kysely, a);
      const exists = async () =>
        (await sql<{ n: number }>`select count(*)::int as n from pg_roles where rolname = ${tenantRoleName(a)}`.execute(db.kysely)).rows[0]?.n;
      expect(await exists()).toBe(0);
      expect(await db.tenant(a).selectFrom('products').select('title').execute()).toEqual([{ title: 'A shirt' }]);
      expect(await exists()).toBe(1);
    });
  });
}

isolationSuite('store roles on Postgres 15', async () => {
  const tdb: TestDatabase = await createTestDatabase(ADMIN_URL, { poolMax: 2 });
  return { db: tdb.db, close: () => tdb.drop() };
});

isolationSuite('store roles on embedded PGlite', async () => {
  const tdb: TestDatabase = await createEmbeddedTestDatabase({ poolMax: 4 });
  return { db: tdb.db, close: () => tdb.drop() };
});

describe('one-round-trip tenant statements (pipelined, prepared)', () => {
  let tdb: TestDatabase;
  let db: Database;
  const a = schemaNameForStore(newId());
  const b = schemaNameForStore(newId());
  const productA = newId();
  const prepared = async () =>
    (await sql<{ n: number }>`select count(*)::int as n from pg_prepared_statements where name like 'sl\_%'`.execute(db.kysely)).rows[0]?.n;

  beforeAll(async () => {
    tdb = await createTestDatabase(ADMIN_URL, { poolMax: 1 });
    // One connection, so what one statement leaves on it is what the next one finds; at most 2 prepared statements.
    db = createDatabase({ url: tdb.url, poolMax: 1, preparedStatementsPerConnection: 2 });
    await migrateTenant(db, a);
    await migrateTenant(db, b);
    await db
      .tenant(a)
      .insertInto('products')
      .values({ id: productA, handle: 'h-a', title: 'A shirt', description: '', options: '[]', status: 'active' })
      .execute();
  }, 120_000);
  afterAll(async () => {
    await db?.destroy();
    await tdb?.drop();
  });

  it('runs a prepared statement under the store role, and the connection is back to the login role after it', async () => {
    for (let i = 0; i < 3; i++) {
      const who = await sql<{ u: string }>`select current_user as u`.execute(db.tenant(a));
      expect(who.rows[0]?.u).toBe(tenantRoleName(a));
      expect(await db.tenant(a).selectFrom('products').select('title').where('id', '=', productA).execute()).toEqual([{ title: 'A shirt' }]);
    }
    expect(await prepared()).toBeGreaterThan(0);
    expect((await sql<{ u: string }>`select current_user as u`.execute(db.kysely)).rows[0]?.u).not.toBe(tenantRoleName(a));
    // The same statement text on another store's handle is another statement (schema-qualified), run as that store's role.
    expect(await db.tenant(b).selectFrom('products').select('title').where('id', '=', productA).execute()).toEqual([]);
    expect(await sqlState(sql`select title from ${sql.id(a, 'products')}`.execute(db.tenant(b)))).toBe('42501');
    expect((await sql<{ u: string }>`select current_user as u`.execute(db.kysely)).rows[0]?.u).not.toBe(tenantRoleName(b));
  });

  it('keeps at most the configured number of prepared statements per connection', async () => {
    for (let i = 0; i < 6; i++)
      await db
        .tenant(a)
        .selectFrom('products')
        .select(sql<number>`${sql.lit(i)}`.as('n'))
        .execute();
    expect(await prepared()).toBeLessThanOrEqual(2);
    // Evicted statements are prepared again when they come back.
    expect(
      (
        await db
          .tenant(a)
          .selectFrom('products')
          .select(sql<number>`${sql.lit(0)}`.as('n'))
          .execute()
      )[0]?.n,
    ).toBe(0);
  });

  it('re-prepares a statement whose table changed under it (a migration added a column)', async () => {
    const read = () => db.tenant(a).selectFrom('products').selectAll().where('id', '=', productA).executeTakeFirstOrThrow();
    expect((await read()).title).toBe('A shirt');
    await sql`alter table ${sql.id(a, 'products')} add column perf_probe text default 'x'`.execute(db.kysely);
    try {
      expect((await read()) as unknown as { perf_probe: string }).toMatchObject({ title: 'A shirt', perf_probe: 'x' });
    } finally {
      await sql`alter table ${sql.id(a, 'products')} drop column perf_probe`.execute(db.kysely);
    }
    expect((await read()).title).toBe('A shirt');
  });

  it('rolls back a failed statement and leaves the connection with the login role and no open transaction', async () => {
    expect(await sqlState(sql`insert into control.users (id) values (${newId()})`.execute(db.tenant(a)))).toBe('42501');
    expect(await sqlState(db.tenant(a).updateTable('products').set({ title: sql`(1/0)::text` }).execute())).toBe('22012');
    expect(await db.tenant(a).selectFrom('products').select('title').execute()).toEqual([{ title: 'A shirt' }]);
    // The login role is back and no transaction was left open.
    const state = await db.pool.query<{ u: string; x: string }>(
      'select current_user as u, (select state from pg_stat_activity where pid = pg_backend_pid()) as x',
    );
    expect(state.rows[0]?.u).not.toBe(tenantRoleName(a));
    expect(state.rows[0]?.x).toBe('active');
    // (A missing store role is recreated and the statement retried: the suites above, with two connections.)
  });
});

describe('cluster-wide roles are cleaned up', () => {
  it('drops the store roles of a test database together with the database', async () => {
    const tdb = await createTestDatabase(ADMIN_URL, { poolMax: 2 });
    const schema = `t_test_${randomBytes(6).toString('hex')}`;
    await migrateTenant(tdb.db, schema);
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    try {
      expect(await roleCount(admin, tenantRoleName(schema))).toBe(1);
      await tdb.drop();
      expect(await roleCount(admin, tenantRoleName(schema))).toBe(0);
    } finally {
      await admin.end();
    }
  });
});
