/** The control migration that replaces the run-time `storeloom_fair_jobs` tables keeps every staged job. */
import { type Kysely, migrations, sql } from '@storeloom/db';
import { createTestDatabase, type TestDatabase } from '@storeloom/db/testing';
import { loadEnv, testEnvSchema } from '@storeloom/env';
import { afterAll, beforeAll, expect, it } from 'vitest';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase(loadEnv(testEnvSchema).TEST_DATABASE_URL);
});
afterAll(async () => {
  await tdb?.drop();
});

it('moves jobs staged in the old per-namespace tables into control.fair_jobs and drops those tables', async () => {
  const k = tdb.db.kysely as Kysely<any>;
  const migration = (await migrations('control')).find((m) => m.name.endsWith('_fair_jobs'));
  expect(migration).toBeDefined();
  // A database from before the migration: no control table, one old table per queue namespace.
  await sql`drop table control.fair_jobs`.execute(k);
  for (const ns of ['a', 'b']) {
    await sql`create schema ${sql.id(`bullmq_${ns}`)}`.execute(k);
    await sql`create table ${sql.id(`bullmq_${ns}`)}.storeloom_fair_jobs (
      id bigserial primary key, ns text not null, queue text not null, store_id text not null, name text not null, data jsonb not null,
      opts jsonb not null, bull_id text not null, state text not null default 'pending', created_at timestamptz not null default now(),
      dispatched_at timestamptz)`.execute(k);
    await sql`insert into ${sql.id(`bullmq_${ns}`)}.storeloom_fair_jobs (ns, queue, store_id, name, data, opts, bull_id, state)
      values (${ns}, 'catalog', 's1', 'reindex', '{"v":1}', '{}', ${`fair-${ns}-1`}, 'pending'),
             (${ns}, 'catalog', 's1', 'reindex', '{"v":1}', '{}', ${`fair-${ns}-2`}, 'dispatched')`.execute(k);
  }
  await k.transaction().execute((trx) => (migration as { up(d: Kysely<any>): Promise<void> }).up(trx.withSchema('control')));
  const rows = await sql<{ ns: string; bull_id: string; state: string }>`select ns, bull_id, state from control.fair_jobs order by ns, bull_id`.execute(k);
  expect(rows.rows).toEqual([
    { ns: 'a', bull_id: 'fair-a-1', state: 'pending' },
    { ns: 'a', bull_id: 'fair-a-2', state: 'dispatched' },
    { ns: 'b', bull_id: 'fair-b-1', state: 'pending' },
    { ns: 'b', bull_id: 'fair-b-2', state: 'dispatched' },
  ]);
  const left = await sql<{ n: number }>`select count(*)::int as n from information_schema.tables where table_name = 'storeloom_fair_jobs'`.execute(k);
  expect(left.rows[0]?.n).toBe(0);
  const dup =
    await sql`insert into control.fair_jobs (ns, queue, store_id, name, data, opts, bull_id) values ('a', 'catalog', 's1', 'x', '{}', '{}', 'fair-a-1')`
      .execute(k)
      .catch((e) => e);
  expect(dup.code).toBe('23505');
});
