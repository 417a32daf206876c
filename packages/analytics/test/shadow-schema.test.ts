/**
 * The rebuild's shadow tables (`analytics_rebuild_*`, migration 20261207040000) repeat the live aggregates' column
 * lists by hand, and the swap copies between them by column name. In a migrated store schema, on the machine's
 * Postgres 15 and on PGlite, every shadow table must have exactly the live table's columns (name, type with its
 * modifiers, nullability, default) and primary key, so a column later added to one and not the other fails here.
 */
import { type Database, migrateTenant, sql } from '@storeloom/db';
import { createEmbeddedTestDatabase, createTestDatabase } from '@storeloom/db/testing';
import { loadEnv, testEnvSchema } from '@storeloom/env';
import { afterAll, describe, expect, it } from 'vitest';

const PAIRS = [
  ['analytics_order_facts', 'analytics_rebuild_order_facts'],
  ['analytics_daily', 'analytics_rebuild_daily'],
  ['analytics_product_daily', 'analytics_rebuild_product_daily'],
  ['analytics_funnel_daily', 'analytics_rebuild_funnel_daily'],
] as const;

interface Column {
  column: string;
  type: string;
  notNull: boolean;
  default: string | null;
  primaryKey: boolean;
}

/** The table's columns as the catalogue has them, by name (the swap names its columns, so order does not matter). */
async function columnsOf(db: Database, schema: string, table: string): Promise<Column[]> {
  const { rows } = await sql<Column>`
    select a.attname as "column", format_type(a.atttypid, a.atttypmod) as "type", a.attnotnull as "notNull",
           pg_get_expr(d.adbin, d.adrelid) as "default",
           exists (select 1 from pg_index i where i.indrelid = c.oid and i.indisprimary and a.attnum = any(i.indkey)) as "primaryKey"
      from pg_attribute a
      join pg_class c on c.oid = a.attrelid
      join pg_namespace n on n.oid = c.relnamespace
      left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
     where n.nspname = ${schema} and c.relname = ${table} and a.attnum > 0 and not a.attisdropped
     order by a.attname`.execute(db.kysely);
  return rows;
}

/** Differences between each live table and its shadow copy (empty when they match). */
async function differences(db: Database, schema: string): Promise<string[]> {
  const out: string[] = [];
  for (const [live, shadow] of PAIRS) {
    const [a, b] = await Promise.all([columnsOf(db, schema, live), columnsOf(db, schema, shadow)]);
    // A table that is missing has no columns: that is a difference too.
    if (!a.length) out.push(`${live} has no columns`);
    const key = (c: Column) => JSON.stringify(c);
    const inB = new Set(b.map(key));
    const inA = new Set(a.map(key));
    for (const c of a) if (!inB.has(key(c))) out.push(`${live}.${c.column} (${c.type}) differs in ${shadow}: ${key(c)}`);
    for (const c of b) if (!inA.has(key(c))) out.push(`${shadow}.${c.column} (${c.type}) differs in ${live}: ${key(c)}`);
  }
  return out;
}

async function check(db: Database, schema: string) {
  await migrateTenant(db, schema);
  expect(await differences(db, schema)).toEqual([]);
  // The check sees a column added to one side only (and its type, nullability and default), so it cannot pass vacuously.
  const t = db.tenant(schema);
  await sql`alter table ${sql.id(schema, 'analytics_daily')} add column late_measure bigint not null default 0`.execute(db.kysely);
  expect(await differences(db, schema)).toEqual([expect.stringContaining('analytics_daily.late_measure (bigint)')]);
  await sql`alter table ${sql.id(schema, 'analytics_rebuild_daily')} add column late_measure bigint`.execute(db.kysely);
  expect((await differences(db, schema)).length).toBe(2);
  await sql`alter table ${sql.id(schema, 'analytics_rebuild_daily')} alter column late_measure set not null, alter column late_measure set default 0`.execute(
    db.kysely,
  );
  expect(await differences(db, schema)).toEqual([]);
  expect(await t.selectFrom('analytics_rebuild_daily').select('day').execute()).toEqual([]);
}

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('analytics shadow tables match the live ones', { timeout: 300_000 }, () => {
  it('Postgres 15', async () => {
    const tdb = await createTestDatabase(loadEnv(testEnvSchema).TEST_DATABASE_URL, { poolMax: 2 });
    cleanups.push(() => tdb.drop());
    await check(tdb.db, 't_shadow_schema_pg');
  });

  it('PGlite', async () => {
    const tdb = await createEmbeddedTestDatabase({ poolMax: 2 });
    cleanups.push(() => tdb.drop());
    await check(tdb.db, 't_shadow_schema_embedded');
  });
});
