/** Fresh, randomly named benchmark databases on the machine's Postgres, dropped at the end whatever happens. */
import { createDatabase, type Database, dropTenantRolesOfDatabase, migrateControl } from '@storeloom/db';
import pg from 'pg';
import { onCleanup } from './cleanup.ts';
import { ADMIN_DATABASE_URL, randomSuffix } from './env.ts';
import { progress } from './report.ts';

export interface BenchDatabase {
  name: string;
  url: string;
  /** Drops the database (idempotent; also runs at clean-up). */
  drop(): Promise<void>;
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: ADMIN_DATABASE_URL, application_name: 'storeloom-bench-admin' });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/**
 * A database with thousands of store schemas takes minutes to drop, and one long DROP DATABASE holds up
 * every other session's DROP DATABASE on the cluster (they wait for it to absorb their ProcSignalBarrier).
 * Dropping the schemas one statement at a time first spreads that work into short transactions.
 */
async function dropStoreSchemasFirst(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url, application_name: 'storeloom-bench-admin' });
  try {
    await c.connect();
  } catch {
    return; // already gone
  }
  try {
    const { rows } = await c.query<{ nspname: string }>(`select nspname from pg_namespace where nspname like 't\\_%' order by 1`);
    if (rows.length < 50) return;
    progress(`dropping ${rows.length} store schemas before the database`);
    let n = 0;
    for (const r of rows) {
      await c.query(`drop schema if exists "${r.nspname.replaceAll('"', '""')}" cascade`);
      if (++n % 500 === 0) progress(`  dropped ${n}/${rows.length} schemas`);
    }
  } finally {
    await c.end().catch(() => {});
  }
}

export async function createBenchDatabase(label?: string): Promise<BenchDatabase> {
  const name = `storeloom_bench_${randomSuffix(6)}${label ? `_${label}` : ''}`;
  if (!/^[a-z0-9_]{1,63}$/.test(name)) throw new Error(`bad database name ${name}`);
  await admin((c) => c.query(`create database ${name}`));
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  const drop = onCleanup(`drop database ${name}`, async () => {
    await dropStoreSchemasFirst(url.toString());
    await admin((c) => c.query(`drop database if exists ${name} with (force)`));
    // Store roles are cluster-wide and outlive the database.
    await admin((c) => dropTenantRolesOfDatabase(c, name));
    progress(`dropped database ${name}`);
  });
  progress(`created database ${name}`);
  return { name, url: url.toString(), drop };
}

/** A pool on a benchmark database with the control schema migrated; closed at clean-up. */
export async function openDatabase(url: string, poolMax = 10): Promise<{ db: Database; close(): Promise<void> }> {
  const db = createDatabase({ url, poolMax, applicationName: 'storeloom-bench' });
  const close = onCleanup('close bench pool', () => db.destroy());
  await migrateControl(db);
  return { db, close };
}
