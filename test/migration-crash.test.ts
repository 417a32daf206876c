/**
 * Crash during tenant migration: a child process migrating many store schemas
 * (a slow migration, two schemas at a time) is SIGKILLed mid-run. Afterwards no
 * schema is half-migrated (each migration runs in one transaction with its
 * bookkeeping row), the per-schema advisory locks are gone with the dead
 * session, and running the migrator again finishes every schema with each
 * migration applied exactly once.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { migrateTenant, sql } from '@storeloom/db';
import { createTestDatabase, type TestDatabase } from '@storeloom/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEnv } from './helpers/platform.ts';

const SLOW = '29991231000000_crash_test_slow';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a tenant migration run killed midway', () => {
  let t: TestDatabase;
  const schemas = Array.from({ length: 8 }, () => `t_crash_${randomBytes(6).toString('hex')}`);
  const children: ChildProcess[] = [];

  const runChild = (sleepMs: number) => {
    const child = fork(join(import.meta.dirname, 'helpers/migrate-child.ts'), [JSON.stringify({ url: t.url, schemas, sleepMs })], {
      execArgv: ['--import', 'tsx'],
      stdio: 'ignore',
    });
    children.push(child);
    const messages: { type: string; schema?: string }[] = [];
    child.on('message', (m) => messages.push(m as { type: string }));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, messages, exited };
  };

  /** Per schema: is the slow migration recorded, does its table exist, how many rows. */
  async function state(schema: string) {
    const { rows } = await sql<{ recorded: number; has_table: boolean }>`
      select (select count(*)::int from ${sql.table(`${schema}.storeloom_migrations`)} where name = ${SLOW}) as recorded,
             exists (select 1 from pg_catalog.pg_tables where schemaname = ${schema} and tablename = 'crash_marker') as has_table`.execute(t.db.kysely);
    const r = rows[0] as { recorded: number; has_table: boolean };
    const markers = r.has_table
      ? Number((await sql<{ n: number }>`select count(*)::int as n from ${sql.table(`${schema}.crash_marker`)}`.execute(t.db.kysely)).rows[0]?.n)
      : 0;
    return { recorded: r.recorded, hasTable: r.has_table, markers };
  }
  const advisoryLocks = async () =>
    Number(
      (
        await sql<{ n: number }>`select count(*)::int as n from pg_catalog.pg_locks l join pg_catalog.pg_database d on d.oid = l.database
                                  where l.locktype = 'advisory' and d.datname = current_database()`.execute(t.db.kysely)
      ).rows[0]?.n,
    );

  beforeAll(async () => {
    t = await createTestDatabase(testEnv.TEST_DATABASE_URL);
    // Existing stores: every schema already has the shipped migrations.
    for (const s of schemas) await migrateTenant(t.db, s);
  }, 240_000);
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await t?.drop();
  }, 240_000);

  it('leaves no half-applied migration and no lock; a re-run migrates every schema exactly once', async () => {
    const first = runChild(400);
    const deadline = Date.now() + 120_000;
    while (first.messages.filter((m) => m.type === 'done').length < 3) {
      if (Date.now() > deadline) throw new Error('the migrating child made no progress');
      await sleep(20);
    }
    first.child.kill('SIGKILL');
    await first.exited;
    const doneBeforeKill = new Set(first.messages.filter((m) => m.type === 'done').map((m) => m.schema));

    // The dead session's transaction rolls back and its advisory locks go with it.
    const lockDeadline = Date.now() + 30_000;
    while ((await advisoryLocks()) > 0) {
      if (Date.now() > lockDeadline) throw new Error('advisory locks still held after the migrator died');
      await sleep(100);
    }
    let migrated = 0;
    for (const s of schemas) {
      const st = await state(s);
      // All or nothing per schema: the table and its row exist exactly when the migration is recorded.
      expect(st.hasTable, s).toBe(st.recorded === 1);
      expect(st.markers).toBe(st.recorded);
      if (doneBeforeKill.has(s)) expect(st.recorded).toBe(1);
      migrated += st.recorded;
    }
    // Killed mid-run: some schemas were still to do.
    expect(migrated).toBeGreaterThanOrEqual(3);
    expect(migrated).toBeLessThan(schemas.length);

    const second = runChild(50);
    expect(await second.exited).toBe(0);
    const applied = second.messages.filter((m) => m.type === 'done') as unknown as { schema: string; applied: string[] }[];
    expect(applied).toHaveLength(schemas.length);
    // Schemas finished before the kill get nothing again (the others may or may not have committed before it).
    for (const m of applied) if (doneBeforeKill.has(m.schema)) expect(m.applied).toEqual([]);
    for (const s of schemas) expect(await state(s)).toEqual({ recorded: 1, hasTable: true, markers: 1 });
    expect(await advisoryLocks()).toBe(0);
  }, 240_000);
});
