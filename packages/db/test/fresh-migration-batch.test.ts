/**
 * The pre-rendered migration batch for fresh schemas (packages/db/src/migrator.ts): once two
 * step-by-step runs of fresh store schemas agree, later fresh schemas run the recorded chain as
 * one statement batch. A schema made that way must be exactly what the step-by-step path makes —
 * tables, columns, defaults, indexes, constraints, triggers, functions, sequences, grants,
 * default privileges, RLS, the store role and its membership, seeded rows and migration records —
 * compared through pg_catalog on real Postgres and on embedded PGlite; a failure inside the batch
 * leaves no schema and no role behind; later migrations apply to it normally.
 */
import {
  createDatabase,
  type Database,
  type Kysely,
  type Migration,
  migrateTenant,
  migrations,
  newId,
  schemaNameForStore,
  setFreshMigrationBatch,
  sql,
  tenantRoleName,
} from '@storeloom/db';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '@storeloom/db/embedded';
import { createTestDatabase, type TestDatabase } from '@storeloom/db/testing';
import { loadEnv, testEnvSchema } from '@storeloom/env';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const ADMIN_URL = loadEnv(testEnvSchema).TEST_DATABASE_URL;
const freshSchema = () => schemaNameForStore(newId());

/** Everything pg_catalog says about a store schema and its role, with the schema's name replaced by `S`. */
async function catalogDump(db: Kysely<any>, schema: string): Promise<string[]> {
  const role = tenantRoleName(schema);
  const { rows } = await sql<{ k: string; v: string }>`
    with n as (select oid from pg_catalog.pg_namespace where nspname = ${schema})
    select 'namespace' as k, coalesce(nspacl::text, '') as v from pg_catalog.pg_namespace where nspname = ${schema}
    union all
    select 'relation', c.relname || ' kind=' || c.relkind::text || ' persistence=' || c.relpersistence::text || ' rls=' || c.relrowsecurity ||
           ' force_rls=' || c.relforcerowsecurity || ' acl=' || coalesce(c.relacl::text, '') || ' options=' || coalesce(c.reloptions::text, '') ||
           ' replident=' || c.relreplident::text || ' comment=' || coalesce(pg_catalog.obj_description(c.oid, 'pg_class'), '')
      from pg_catalog.pg_class c where c.relnamespace = (select oid from n) and c.relkind <> 't'
    union all
    select 'column', c.relname || '.' || a.attname || ' #' || a.attnum || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod) ||
           ' notnull=' || a.attnotnull || ' default=' || coalesce(pg_catalog.pg_get_expr(d.adbin, d.adrelid), '') ||
           ' identity=' || a.attidentity::text || ' generated=' || a.attgenerated::text || ' collation=' || a.attcollation ||
           ' acl=' || coalesce(a.attacl::text, '') || ' comment=' || coalesce(pg_catalog.col_description(c.oid, a.attnum), '')
      from pg_catalog.pg_attribute a
      join pg_catalog.pg_class c on c.oid = a.attrelid
      left join pg_catalog.pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
     where c.relnamespace = (select oid from n) and c.relkind in ('r', 'p', 'v', 'm', 'f') and a.attnum > 0 and not a.attisdropped
    union all
    select 'index', pg_catalog.pg_get_indexdef(i.indexrelid) || ' primary=' || i.indisprimary || ' unique=' || i.indisunique || ' valid=' || i.indisvalid
      from pg_catalog.pg_index i join pg_catalog.pg_class c on c.oid = i.indexrelid where c.relnamespace = (select oid from n)
    union all
    select 'constraint', r.relname || ' ' || o.conname || ' ' || o.contype::text || ' ' || pg_catalog.pg_get_constraintdef(o.oid) ||
           ' deferrable=' || o.condeferrable || ' deferred=' || o.condeferred || ' validated=' || o.convalidated
      from pg_catalog.pg_constraint o left join pg_catalog.pg_class r on r.oid = o.conrelid where o.connamespace = (select oid from n)
    union all
    select 'trigger', pg_catalog.pg_get_triggerdef(t.oid) || ' enabled=' || t.tgenabled::text
      from pg_catalog.pg_trigger t join pg_catalog.pg_class c on c.oid = t.tgrelid where c.relnamespace = (select oid from n) and not t.tgisinternal
    union all
    select 'function', pg_catalog.pg_get_functiondef(p.oid) || ' acl=' || coalesce(p.proacl::text, '')
      from pg_catalog.pg_proc p where p.pronamespace = (select oid from n)
    union all
    select 'type', y.typname || ' ' || y.typtype::text || ' acl=' || coalesce(y.typacl::text, '') ||
           ' labels=' || coalesce((select string_agg(e.enumlabel, ',' order by e.enumsortorder) from pg_catalog.pg_enum e where e.enumtypid = y.oid), '')
      from pg_catalog.pg_type y where y.typnamespace = (select oid from n)
    union all
    select 'sequence', c.relname || ' ' || s.seqtypid::regtype::text || ' start=' || s.seqstart || ' inc=' || s.seqincrement || ' cycle=' || s.seqcycle
      from pg_catalog.pg_sequence s join pg_catalog.pg_class c on c.oid = s.seqrelid where c.relnamespace = (select oid from n)
    union all
    select 'policy', p.tablename || ' ' || p.policyname || ' ' || p.permissive || ' ' || p.roles::text || ' ' || p.cmd || ' ' ||
           coalesce(p.qual, '') || ' ' || coalesce(p.with_check, '')
      from pg_catalog.pg_policies p where p.schemaname = ${schema}
    union all
    select 'default_acl', d.defaclobjtype::text || ' ' || pg_catalog.pg_get_userbyid(d.defaclrole) || ' ' || coalesce(d.defaclacl::text, '')
      from pg_catalog.pg_default_acl d where d.defaclnamespace = (select oid from n)
    union all
    select 'role', r.rolname || ' login=' || r.rolcanlogin || ' inherit=' || r.rolinherit || ' super=' || r.rolsuper ||
           ' createrole=' || r.rolcreaterole || ' createdb=' || r.rolcreatedb || ' bypassrls=' || r.rolbypassrls ||
           ' comment=' || coalesce(pg_catalog.shobj_description(r.oid, 'pg_authid'), '')
      from pg_catalog.pg_roles r where r.rolname = ${role}
    union all
    select 'member', pg_catalog.pg_get_userbyid(m.roleid) || ' <- ' || pg_catalog.pg_get_userbyid(m.member) || ' admin=' || m.admin_option
      from pg_catalog.pg_auth_members m where m.roleid = (select oid from pg_catalog.pg_roles where rolname = ${role})
  `.execute(db);
  const out = rows.map((r) => `${r.k}: ${r.v}`.replaceAll(schema, 'S'));
  // Rows the chain seeds (counters, singletons) and the migration records, in order.
  const tables = rows.filter((r) => r.k === 'relation' && r.v.includes(' kind=r ')).map((r) => r.v.split(' ')[0] as string);
  for (const t of tables.sort()) {
    const data = await sql<{ j: unknown }>`select row_to_json(x) as j from ${sql.id(schema, t)} x`.execute(db);
    const normalised = data.rows
      .map((r) =>
        JSON.stringify(r.j)
          .replace(/"\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)?"/g, '"<time>"')
          // catalog_version starts at the clock in microseconds (set by SQL when the row is made)
          .replace(/"version":\d{13,}/g, '"version":"<clock>"'),
      )
      .sort();
    out.push(`rows ${t}: ${normalised.join(' | ')}`);
  }
  const applied = await sql<{ name: string }>`select name from ${sql.id(schema, 'storeloom_migrations')} order by applied_at, name`.execute(db);
  out.push(`migrations: ${applied.rows.map((r) => r.name).join(',')}`);
  return out.sort();
}

async function schemaGone(db: Kysely<any>, schema: string) {
  const r = await sql<{ nsp: string | null; roles: number }>`
    select to_regnamespace(${schema})::text as nsp,
           (select count(*)::int from pg_catalog.pg_roles where rolname = ${tenantRoleName(schema)}) as roles`.execute(db);
  return r.rows[0];
}

function sameSchemaTests(label: string, open: () => Promise<{ db: Database; close(): Promise<void> }>) {
  describe(label, () => {
    let db: Database;
    let close: () => Promise<void>;
    let all: Migration[];
    beforeAll(async () => {
      ({ db, close } = await open());
      all = await migrations('tenant');
    });
    // Dropping the database waits for any long DROP DATABASE elsewhere on a shared cluster.
    afterAll(async () => {
      await close?.();
    }, 600_000);
    afterEach(() => setFreshMigrationBatch(true));

    it('a schema made by the batch is the one the step-by-step path makes, down to grants, role and migration records', async () => {
      // Step by step, the reference.
      setFreshMigrationBatch(false);
      const reference = freshSchema();
      const stepwise = await counter.count(() => migrateTenant(db, reference, all, 'main'));
      expect(stepwise.result.applied).toEqual(all.map((m) => m.name));
      setFreshMigrationBatch(true);
      // Two recorded step-by-step runs, then the batch.
      for (let i = 0; i < 2; i++) await migrateTenant(db, freshSchema(), all, 'main');
      const batched = freshSchema();
      const fast = await counter.count(() => migrateTenant(db, batched, all, 'main'));
      expect(fast.result.applied).toEqual(all.map((m) => m.name));
      expect(fast.result.latest).toBe(all.at(-1)?.name);
      // It really was the batch: a handful of statements instead of hundreds.
      expect(stepwise.statements).toBeGreaterThan(100);
      expect(fast.statements).toBeLessThan(10);

      const want = await catalogDump(db.kysely, reference);
      const got = await catalogDump(db.kysely, batched);
      expect(want.length).toBeGreaterThan(500);
      expect(want.some((l) => l.startsWith('default_acl: '))).toBe(true);
      expect(want.some((l) => l.startsWith('role: storeloom_S login=false'))).toBe(true);
      expect(got).toEqual(want);

      // Idempotent and continuing normally: nothing pending, then a later migration applies to both alike.
      expect((await migrateTenant(db, batched, all, 'main')).applied).toEqual([]);
      const later: Migration = {
        name: '99991231000000_later',
        up: async (m) => {
          await m.schema
            .createTable('later_things')
            .addColumn('id', 'uuid', (c) => c.primaryKey())
            .execute();
        },
      };
      for (const s of [reference, batched]) expect((await migrateTenant(db, s, [...all, later], 'main')).applied).toEqual([later.name]);
      expect(await catalogDump(db.kysely, batched)).toEqual(await catalogDump(db.kysely, reference));

      // The store role reaches the tables the batch made (grants), as the request path uses it.
      const role = tenantRoleName(batched);
      await db.kysely.transaction().execute(async (trx) => {
        await sql.raw(`set local role "${role}"`).execute(trx);
        const r = await sql<{ n: number }>`select count(*)::int as n from ${sql.id(batched, 'later_things')}`.execute(trx);
        expect(r.rows[0]?.n).toBe(0);
      });
    });

    it('a failure inside the batch leaves no schema and no role; the next attempt succeeds', async () => {
      // A chain whose last migration fails while a switch table exists (its check is SQL, so the replay checks it too).
      const switchTable = `fresh_batch_fail_${Math.random().toString(36).slice(2, 8)}`;
      const failing: Migration = {
        name: '99991231000001_fail_switch',
        up: async (m) => {
          await sql
            .raw(
              `do $$ begin if exists (select 1 from pg_catalog.pg_class where relname = '${switchTable}') then raise exception 'fail switch on'; end if; end $$`,
            )
            .execute(m);
        },
      };
      const list = [...all, failing];
      for (let i = 0; i < 2; i++) await migrateTenant(db, freshSchema(), list, 'main');
      await sql.raw(`create table public.${switchTable} (x int)`).execute(db.kysely);
      const victim = freshSchema();
      try {
        const run = await counter.count(() =>
          migrateTenant(db, victim, list, 'main').then(
            () => 'ok',
            (e: Error) => e.message,
          ),
        );
        expect(run.result).toMatch(/fail switch on/);
        expect(run.statements).toBeLessThan(10); // it was the batch that failed
        expect(await schemaGone(db.kysely, victim)).toEqual({ nsp: null, roles: 0 });
      } finally {
        await sql.raw(`drop table public.${switchTable}`).execute(db.kysely);
      }
      expect((await migrateTenant(db, victim, list, 'main')).applied).toEqual(list.map((m) => m.name));
      const r = await sql<{ n: number }>`select count(*)::int as n from ${sql.id(victim, 'storeloom_migrations')}`.execute(db.kysely);
      expect(r.rows[0]?.n).toBe(list.length);
    });

    it('a schema that already holds something is migrated step by step, never by the batch', async () => {
      for (let i = 0; i < 2; i++) await migrateTenant(db, freshSchema(), all, 'main');
      const s = freshSchema();
      await sql.raw(`create schema "${s}"; create table "${s}".merchant_scratch (x int)`).execute(db.kysely);
      const run = await counter.count(() => migrateTenant(db, s, all, 'main'));
      expect(run.statements).toBeGreaterThan(100);
      expect(run.result.applied).toEqual(all.map((m) => m.name));
    });
  });
}

// Statements sent through a test database's `kysely` (its onQuery hook), counted around a call.
let statements = 0;
const counter = {
  onQuery: () => {
    statements++;
  },
  async count<T>(fn: () => Promise<T>): Promise<{ result: T; statements: number }> {
    const before = statements;
    const result = await fn();
    return { result, statements: statements - before };
  },
};

sameSchemaTests('on Postgres', async () => {
  const tdb: TestDatabase = await createTestDatabase(ADMIN_URL);
  const db = createDatabase({ url: tdb.url, poolMax: 6, onQuery: counter.onQuery });
  return {
    db,
    close: async () => {
      await db.destroy();
      await tdb.drop();
    },
  };
});

sameSchemaTests('on embedded PGlite', async () => {
  const pg: EmbeddedPostgres = await startEmbeddedPostgres();
  const db = createDatabase({ url: pg.url, poolMax: 4, onQuery: counter.onQuery });
  return {
    db,
    close: async () => {
      await db.destroy();
      await pg.stop();
    },
  };
});
