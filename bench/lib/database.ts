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

export async function createBenchDatabase(label?: string): Promise<BenchDatabase> {
  const name = `storeloom_bench_${randomSuffix(6)}${label ? `_${label}` : ''}`;
  if (!/^[a-z0-9_]{1,63}$/.test(name)) throw new Error(`bad database name ${name}`);
  await admin((c) => c.query(`create database ${name}`));
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  const drop = onCleanup(`drop database ${name}`, async () => {
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
