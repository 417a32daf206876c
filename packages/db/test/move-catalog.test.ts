/**
 * A store move lists its schema's tables (in foreign-key order) and sequences on a cluster that may hold thousands
 * of stores. pg_class, pg_constraint and pg_sequence have no index by namespace, so the move's old lookups by
 * schema name (pg_class and pg_constraint joined to pg_namespace on nspname, the pg_sequences view's schemaname)
 * read those catalogues whole for every store moved. Checked here, on Postgres 15 and on embedded PGlite, in a
 * migrated store schema with partitioned tables (sub-partitioned, referencing and referenced), a self-reference and
 * sequences of every kind added: tablesInCopyOrder and sequenceStates scan none of the catalogues they read
 * sequentially and read fewer pg_class rows than the schema has relations (the transaction's own counters), and
 * they return what the old queries, kept below as the oracle, return.
 */
import { type Database, MoveError, migrateTenant, newId, quoteIdent as q, schemaNameForStore, sequenceStates, tablesInCopyOrder } from '@storeloom/db';
import { createEmbeddedTestDatabase, createTestDatabase, type TestDatabase } from '@storeloom/db/testing';
import { loadEnv, testEnvSchema } from '@storeloom/env';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ADMIN_URL = loadEnv(testEnvSchema).TEST_DATABASE_URL;

/** The old tablesInCopyOrder, verbatim but for the `order by` of its foreign keys (their order was unspecified). */
async function oldTablesInCopyOrder(client: pg.PoolClient, schema: string): Promise<string[]> {
  const { rows: tables } = await client.query<{ relname: string }>(
    `select c.relname from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and c.relkind in ('r','p') and not c.relispartition order by c.relname`,
    [schema],
  );
  const { rows: fks } = await client.query<{ child: string; parent: string }>(
    `select ch.relname as child, pa.relname as parent
       from pg_catalog.pg_constraint k
       join pg_catalog.pg_class ch on ch.oid = k.conrelid
       join pg_catalog.pg_class pa on pa.oid = k.confrelid
       join pg_catalog.pg_namespace n on n.oid = ch.relnamespace
      where k.contype = 'f' and n.nspname = $1
      order by ch.relname, pa.relname`,
    [schema],
  );
  const names = tables.map((t) => t.relname);
  const parents = new Map(names.map((n) => [n, new Set<string>()]));
  for (const fk of fks) if (fk.child !== fk.parent && parents.has(fk.parent)) parents.get(fk.child)?.add(fk.parent);
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (t: string) => {
    if (state.get(t) === 'done') return;
    if (state.get(t) === 'visiting') throw new Error(`cycle through ${t}`);
    state.set(t, 'visiting');
    for (const p of parents.get(t) ?? []) visit(p);
    state.set(t, 'done');
    order.push(t);
  };
  for (const t of names) visit(t);
  return order;
}

/** The old copySequences' query, as the setval arguments it led to. */
async function oldSequenceStates(client: pg.PoolClient, schema: string): Promise<{ name: string; value: string; called: boolean }[]> {
  const { rows } = await client.query<{ sequencename: string; last_value: string | null; start_value: string }>(
    'select sequencename, last_value::text, start_value::text from pg_catalog.pg_sequences where schemaname = $1 order by sequencename',
    [schema],
  );
  return rows.map((s) => ({ name: s.sequencename, value: s.last_value ?? s.start_value, called: s.last_value !== null }));
}

const WATCHED = ['pg_class', 'pg_constraint', 'pg_sequence', 'pg_depend', 'pg_attribute'] as const;

/** Per watched catalogue: sequential scans, and rows read (sequentially or through an index), in this transaction. */
async function catalogReads(client: pg.PoolClient): Promise<Record<string, { seq: number; rows: number }>> {
  // Literal names (typed `name`), so that the statistics view finds them through pg_class's index on relname.
  const { rows } = await client.query<{ relname: string; seq: string; rows: string }>(
    `select relname, seq_scan::text as seq, (seq_tup_read + coalesce(idx_tup_fetch, 0))::text as rows
       from pg_catalog.pg_stat_xact_sys_tables
      where relname in (${WATCHED.map((n) => `'${n}'`).join(', ')})`,
  );
  return Object.fromEntries(rows.map((r) => [r.relname, { seq: Number(r.seq), rows: Number(r.rows) }]));
}

/**
 * Runs `read` in a transaction on one client and returns its result with the sequential scans of each watched
 * catalogue and the pg_class rows it read (counted in the transaction's own statistics).
 */
async function measured<T>(client: pg.PoolClient, read: () => Promise<T>): Promise<{ result: T; seqScans: Record<string, number>; pgClassRows: number }> {
  await client.query('begin');
  try {
    const before = await catalogReads(client);
    const result = await read();
    const after = await catalogReads(client);
    const seqScans = Object.fromEntries(WATCHED.map((n) => [n, (after[n]?.seq ?? Number.NaN) - (before[n]?.seq ?? Number.NaN)]));
    return { result, seqScans, pgClassRows: (after.pg_class?.rows ?? Number.NaN) - (before.pg_class?.rows ?? Number.NaN) };
  } finally {
    await client.query('commit');
  }
}

const NO_SEQ_SCANS = Object.fromEntries(WATCHED.map((n) => [n, 0]));

/** What a store schema does not get from the migrations but a move must handle: partitions, a self-reference, sequences. */
function extras(schema: string): string {
  const s = q(schema);
  return [
    // A partitioned table referencing a store table, partitioned again below, with a default partition.
    `create table ${s}.zz_events (id int, at date, product_id uuid references ${s}.products (id), primary key (id, at)) partition by range (at)`,
    `create table ${s}.zz_events_2026 partition of ${s}.zz_events for values from ('2026-01-01') to ('2027-01-01') partition by list (id)`,
    `create table ${s}.zz_events_2026_low partition of ${s}.zz_events_2026 for values in (1, 2)`,
    `create table ${s}.zz_events_other partition of ${s}.zz_events default`,
    // Referencing the partitioned table, and named before it: it must still come after it.
    `create table ${s}.aa_event_notes (event_id int, event_at date, body text, foreign key (event_id, event_at) references ${s}.zz_events)`,
    `create table ${s}.ab_tree (id int primary key, parent int references ${s}.ab_tree)`,
    // Sequences: an identity column's, one never used (with its own start), one used, one with an awkward name.
    `create table ${s}.ac_counted (id bigint generated by default as identity primary key, note text)`,
    `insert into ${s}.ac_counted (note) values ('a'), ('b')`,
    `create sequence ${s}.ad_fresh start 100`,
    `create sequence ${s}.ae_used increment 5`,
    `select pg_catalog.nextval('${s}.ae_used'), pg_catalog.nextval('${s}.ae_used'), pg_catalog.nextval('${s}.ae_used')`,
    `create sequence ${s}."odd ""seq"" name"`,
    // Relations that are not tables: never copied.
    `create view ${s}.zz_view as select 1 as one`,
    `create materialized view ${s}.zz_matview as select 1 as one`,
    `create type ${s}.zz_pair as (a int, b int)`,
  ].join(';\n');
}

function moveCatalogSuite(name: string, open: () => Promise<TestDatabase>, otherStores: number) {
  describe(name, () => {
    let tdb: TestDatabase;
    let db: Database;
    const schema = schemaNameForStore(newId());
    let relations = 0;

    beforeAll(async () => {
      tdb = await open();
      db = tdb.db;
      await migrateTenant(db, schema);
      await db.pool.query(extras(schema));
      // Other stores' objects in the catalogue, so that the planner sees something like a shared cluster.
      for (let i = 0; i < otherStores; i++) await migrateTenant(db, schemaNameForStore(newId()));
      const r = await db.pool.query<{ n: number }>('select count(*)::int as n from pg_catalog.pg_class where relnamespace = $1::regnamespace', [schema]);
      relations = r.rows[0]?.n ?? 0;
      // PGlite start-up plus tenant migrations is slow on a loaded 2-core machine.
    }, 300_000);
    afterAll(async () => {
      await tdb?.drop();
    });

    it('orders the tables as the old lookup by namespace did, scanning no catalogue and reading a fraction of pg_class', async () => {
      const client = await db.pool.connect();
      try {
        const expected = await oldTablesInCopyOrder(client, schema);
        // The oracle is not vacuous: every store table, partitioned tables once (not their partitions), FK order.
        expect(expected.length).toBeGreaterThan(50);
        expect(expected).toEqual(expect.arrayContaining(['products', 'orders', 'zz_events', 'aa_event_notes', 'ab_tree', 'ac_counted']));
        for (const absent of ['zz_events_2026', 'zz_events_2026_low', 'zz_events_other', 'zz_view', 'zz_matview', 'zz_pair'])
          expect(expected).not.toContain(absent);
        const at = (t: string) => expected.indexOf(t);
        expect(at('zz_events')).toBeLessThan(at('aa_event_notes'));
        expect(at('products')).toBeLessThan(at('zz_events'));

        const { result, seqScans, pgClassRows } = await measured(client, () => tablesInCopyOrder(client, schema));
        expect(seqScans).toEqual(NO_SEQ_SCANS);
        // The old lookup read every row of pg_class; this one reads the schema's tables, views and sequences.
        expect(relations).toBeGreaterThan(expected.length * 2);
        expect(pgClassRows).toBeLessThan(relations);
        expect(result).toEqual(expected);
      } finally {
        client.release();
      }
    });

    it('lists no table for a schema that does not exist, and still refuses a cycle of foreign keys', async () => {
      const client = await db.pool.connect();
      try {
        expect(await tablesInCopyOrder(client, schemaNameForStore(newId()))).toEqual([]);
        const cyclic = schemaNameForStore(newId());
        const s = q(cyclic);
        await client.query(
          `create schema ${s}; create table ${s}.a (id int primary key, b int); create table ${s}.b (id int primary key, a int references ${s}.a);
           alter table ${s}.a add foreign key (b) references ${s}.b`,
        );
        await expect(tablesInCopyOrder(client, cyclic)).rejects.toThrow(MoveError);
        await client.query(`drop schema ${s} cascade`);
      } finally {
        client.release();
      }
    });

    it("reads the sequences' states as the old pg_sequences lookup did, scanning no catalogue", async () => {
      const client = await db.pool.connect();
      try {
        const expected = await oldSequenceStates(client, schema);
        const value = (n: string) => expected.find((e) => e.name === n);
        expect(value('ad_fresh')).toEqual({ name: 'ad_fresh', value: '100', called: false });
        expect(value('ae_used')).toEqual({ name: 'ae_used', value: '11', called: true });
        expect(value('ac_counted_id_seq')).toEqual({ name: 'ac_counted_id_seq', value: '2', called: true });
        expect(value('odd "seq" name')?.called).toBe(false);
        expect(expected.length).toBeGreaterThan(4); // and the migrations' own serial sequences

        const { result, seqScans, pgClassRows } = await measured(client, () => sequenceStates(client, schema));
        expect(seqScans).toEqual(NO_SEQ_SCANS);
        expect(pgClassRows).toBeLessThan(relations);
        expect(result).toEqual(expected);
      } finally {
        client.release();
      }
    });

    it('reads a sequence set back to an unused value as it is (the old lookup gave its start value instead)', async () => {
      const client = await db.pool.connect();
      const reset = schemaNameForStore(newId());
      try {
        await client.query(`create schema ${q(reset)}; create sequence ${q(reset)}.s; select pg_catalog.setval('${q(reset)}.s', 42, false)`);
        expect(await oldSequenceStates(client, reset)).toEqual([{ name: 's', value: '1', called: false }]);
        // setval(s, 42, false) on the copy makes its next value 42, as on the source.
        expect(await sequenceStates(client, reset)).toEqual([{ name: 's', value: '42', called: false }]);
        expect(await sequenceStates(client, schemaNameForStore(newId()))).toEqual([]);
      } finally {
        await client.query(`drop schema if exists ${q(reset)} cascade`);
        client.release();
      }
    });
  });
}

moveCatalogSuite('store move catalogue reads on Postgres 15', () => createTestDatabase(ADMIN_URL, { poolMax: 2 }), 1);
moveCatalogSuite('store move catalogue reads on embedded PGlite', () => createEmbeddedTestDatabase({ poolMax: 2 }), 0);
