/**
 * A store export or import reads each exported table's columns and primary key from the catalogue (tableShape),
 * once per table, on a cluster that may hold thousands of stores. Looked up by schema and table name, the planner
 * fetched the table by name alone (pg_class_relname_nsp_index on relname: the same table of every store on the
 * cluster) and read pg_namespace sequentially to match the schema. Checked here, on Postgres 15 and on embedded
 * PGlite, with several stores migrated: no sequential scan of pg_class, pg_namespace or pg_attribute, fewer pg_class
 * rows read than there are stores (the transaction's own counters), and the same columns, types and primary key as
 * the old lookup, kept below as the oracle.
 */
import { type Database, migrateTenant, newId, schemaNameForStore, sql } from '@storeloom/db';
import { createEmbeddedTestDatabase, createTestDatabase, type TestDatabase } from '@storeloom/db/testing';
import { loadEnv, testEnvSchema } from '@storeloom/env';
import { tableShape } from '@storeloom/stores';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ADMIN_URL = loadEnv(testEnvSchema).TEST_DATABASE_URL;
const WATCHED = ['pg_class', 'pg_namespace', 'pg_attribute'] as const;

/** The old tableShape's query. */
async function oldTableShape(db: Kysely<any>, schema: string, table: string): Promise<{ columns: Map<string, string>; pk: string[] }> {
  const cols = await sql<{ name: string; type: string; pk: boolean }>`
    select a.attname as name, format_type(a.atttypid, a.atttypmod) as type,
           exists (select 1 from pg_catalog.pg_index i where i.indrelid = c.oid and i.indisprimary and a.attnum = any(i.indkey)) as pk
      from pg_catalog.pg_class c
      join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      join pg_catalog.pg_attribute a on a.attrelid = c.oid
     where n.nspname = ${schema} and c.relname = ${table} and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
     order by a.attnum`.execute(db);
  return { columns: new Map(cols.rows.map((r) => [r.name, r.type])), pk: cols.rows.filter((r) => r.pk).map((r) => r.name) };
}

/**
 * Sequential scans of the watched catalogues and rows of pg_class read (sequentially or through its indexes), in
 * the current transaction. Asked of the statistics functions by oid: the pg_stat_xact_* views scan pg_namespace
 * themselves.
 */
async function catalogReads(trx: Kysely<any>): Promise<{ seq: Record<string, number>; pgClassRows: number }> {
  const { rows } = await sql<Record<string, string>>`
    select pg_catalog.pg_stat_get_xact_numscans('pg_catalog.pg_class'::pg_catalog.regclass)::text as pg_class,
           pg_catalog.pg_stat_get_xact_numscans('pg_catalog.pg_namespace'::pg_catalog.regclass)::text as pg_namespace,
           pg_catalog.pg_stat_get_xact_numscans('pg_catalog.pg_attribute'::pg_catalog.regclass)::text as pg_attribute,
           (pg_catalog.pg_stat_get_xact_tuples_returned('pg_catalog.pg_class'::pg_catalog.regclass)
            + pg_catalog.pg_stat_get_xact_tuples_fetched('pg_catalog.pg_class'::pg_catalog.regclass)
            + pg_catalog.pg_stat_get_xact_tuples_fetched('pg_catalog.pg_class_oid_index'::pg_catalog.regclass)
            + pg_catalog.pg_stat_get_xact_tuples_fetched('pg_catalog.pg_class_relname_nsp_index'::pg_catalog.regclass))::text as rows`.execute(trx);
  const r = rows[0] ?? {};
  return { seq: Object.fromEntries(WATCHED.map((n) => [n, Number(r[n])])), pgClassRows: Number(r.rows) };
}

function backupCatalogSuite(name: string, open: () => Promise<TestDatabase>, stores: number) {
  describe(name, () => {
    let tdb: TestDatabase;
    let db: Database;
    const schemas = Array.from({ length: stores }, () => schemaNameForStore(newId()));
    const schema = schemas[0] as string;

    beforeAll(async () => {
      tdb = await open();
      db = tdb.db;
      // Every store has the same tables: a lookup by table name alone finds one per store.
      for (const s of schemas) await migrateTenant(db, s);
      // PGlite start-up plus tenant migrations is slow on a loaded 2-core machine.
    }, 300_000);
    afterAll(async () => {
      await tdb?.drop();
    });

    it("reads an exported table's shape as the old lookup by names did, without scanning the catalogue", async () => {
      for (const table of ['products', 'variants', 'orders', 'store_translations']) {
        const expected = await oldTableShape(db.kysely, schema, table);
        expect(expected.columns.size).toBeGreaterThan(2);
        expect(expected.pk.length).toBeGreaterThan(0);
        const { shape, before, after } = await db.tenantTransaction(schema, async (trx) => {
          const before = await catalogReads(trx as unknown as Kysely<any>);
          const shape = await tableShape(trx, schema, table);
          return { shape, before, after: await catalogReads(trx as unknown as Kysely<any>) };
        });
        expect(Object.fromEntries(WATCHED.map((n) => [n, (after.seq[n] ?? Number.NaN) - (before.seq[n] ?? Number.NaN)]))).toEqual(
          Object.fromEntries(WATCHED.map((n) => [n, 0])),
        );
        expect(after.pgClassRows - before.pgClassRows).toBeLessThan(stores);
        expect(shape).toEqual(expected);
      }
    });

    it('gives no columns for a table the schema does not have', async () => {
      expect(await db.tenantTransaction(schema, (trx) => tableShape(trx, schema, 'no_such_table'))).toEqual({ columns: new Map(), pk: [] });
    });
  });
}

backupCatalogSuite('export table shapes on Postgres 15', () => createTestDatabase(ADMIN_URL, { poolMax: 2 }), 3);
backupCatalogSuite('export table shapes on embedded PGlite', () => createEmbeddedTestDatabase({ poolMax: 2 }), 2);
