/** Fresh, randomly named benchmark databases on the machine's Postgres, dropped at the end whatever happens. */
import {
  createDatabase,
  type Database,
  dropTenantRolesOfDatabase,
  LOCK_TABLE_SETTINGS_SQL,
  LOCKS_PER_SCHEMA_DROP,
  lockBoundConcurrency,
  lockTableSettingsOf,
  migrateControl,
  quoteIdent,
} from '@storeloom/db';
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

/** Connections that drop store schemas side by side (see dropStoreSchemasFirst), at most. */
const DROP_CONCURRENCY = 8;

/**
 * A database with many store schemas takes minutes to drop, and one long DROP DATABASE holds up every other
 * session's DROP DATABASE on the cluster (they wait for it to absorb their ProcSignalBarrier). Dropping the schemas
 * first spreads that work into short transactions. The time goes to deleting files: a store schema is ~290
 * relations, each its own files, and on this machine's ext4 (mounted with online discard) an unlink took ~3 ms.
 * 200 stores' schemas took 2.6 min one after the other; DROP DATABASE alone took 2.1 min for 180 of them. Parallel
 * unlinks overlap (4 processes deleted 3,000 files 4.5x faster than one), so the schemas are dropped over
 * DROP_CONCURRENCY connections, each dropping its share one schema at a time (200 schemas: 34 s at load 15-18).
 * Fewer when the server's lock table is small: a DROP SCHEMA ... CASCADE holds a lock on every object of the schema
 * until it commits (LOCKS_PER_SCHEMA_DROP), and 8 of them at once overflowed the default table (64 × 100 slots) in a
 * clean-up of ~900 schemas ("out of shared memory"); the drops in flight keep to half of it, like migrateAllTenants.
 */
async function dropStoreSchemasFirst(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url, application_name: 'storeloom-bench-admin' });
  try {
    await c.connect();
  } catch {
    return; // already gone
  }
  let names: string[];
  let concurrency = DROP_CONCURRENCY;
  try {
    const { rows } = await c.query<{ nspname: string }>(`select nspname from pg_namespace where nspname like 't\\_%' order by 1`);
    names = rows.map((r) => r.nspname);
    const settings = lockTableSettingsOf((await c.query<{ l: number; c: number; p: number }>(LOCK_TABLE_SETTINGS_SQL)).rows[0]);
    if (settings) concurrency = lockBoundConcurrency(DROP_CONCURRENCY, settings, LOCKS_PER_SCHEMA_DROP);
  } finally {
    await c.end().catch(() => {});
  }
  if (names.length < 50) return;
  const t0 = performance.now();
  progress(
    `dropping ${names.length} store schemas before the database (${concurrency} connections${concurrency < DROP_CONCURRENCY ? `, not ${DROP_CONCURRENCY}: the lock table holds no more` : ''})`,
  );
  let next = 0;
  let n = 0;
  const worker = async () => {
    const w = new pg.Client({ connectionString: url, application_name: 'storeloom-bench-admin' });
    await w.connect();
    try {
      while (next < names.length) {
        const name = names[next++] as string;
        await w.query(`drop schema if exists ${quoteIdent(name)} cascade`);
        if (++n % 500 === 0) progress(`  dropped ${n}/${names.length} schemas`);
      }
    } finally {
      await w.end().catch(() => {});
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, names.length) }, worker));
  progress(`dropped ${names.length} store schemas in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
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
