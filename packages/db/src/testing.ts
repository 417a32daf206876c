/** Test helpers: a fresh database per test file, randomly named on the machine's Postgres or on its own embedded server. */
import { randomBytes } from 'node:crypto';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { createDatabase, type Database } from './client.ts';
import { migrateControl, registerConfiguredClusters } from './migrator.ts';
import { dropTenantRolesOfDatabase } from './tenant-roles.ts';

export interface TestDatabase {
  url: string;
  name: string;
  db: Database;
  drop(): Promise<void>;
}

export async function createTestDatabase(
  adminUrl: string,
  opts: { poolMax?: number; clusters?: Record<string, string>; placementTtlMs?: number } = {},
): Promise<TestDatabase> {
  const name = `storeloom_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = createDatabase({
    url: url.toString(),
    poolMax: opts.poolMax ?? 20,
    applicationName: 'storeloom-test',
    clusters: opts.clusters,
    placementTtlMs: opts.placementTtlMs,
  });
  await migrateControl(db);
  if (opts.clusters) await registerConfiguredClusters(db);
  return {
    url: url.toString(),
    name,
    db,
    async drop() {
      await db.destroy();
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
        // Store roles are cluster-wide and outlive the database: drop the ones it created.
        await dropTenantRolesOfDatabase(c, name);
      } finally {
        await c.end();
      }
    },
  };
}

/**
 * A fresh in-memory embedded server (PGlite over its socket server: what `npm start` runs without DATABASE_URL) with
 * the control schema migrated, for tests of the SQL on PGlite. `drop` destroys the pool and stops the server; calling
 * it again does nothing more.
 */
export async function createEmbeddedTestDatabase(opts: { poolMax?: number } = {}): Promise<TestDatabase> {
  // Loaded here, not at the top: the many tests on the machine's Postgres import this module and need no PGlite.
  const { startEmbeddedPostgres } = await import('./embedded.ts');
  const server = await startEmbeddedPostgres();
  const db = createDatabase({ url: server.url, poolMax: opts.poolMax ?? 4, applicationName: 'storeloom-test' });
  let dropped: Promise<void> | null = null;
  const drop = () =>
    (dropped ??= (async () => {
      try {
        await db.destroy();
      } finally {
        await server.stop();
      }
    })());
  try {
    await migrateControl(db);
  } catch (e) {
    await drop().catch(() => {}); // the migration's error is the one to report
    throw e;
  }
  return { url: server.url, name: new URL(server.url).pathname.slice(1), db, drop };
}

/**
 * `db` with its `kysely` replaced by a handle on the same pool that records every statement's SQL, as a tracing or
 * instrumenting wrapper of the Database would see them: code that reaches the primary around `db.kysely` is missing
 * from `seen`.
 */
export function recordingDatabase(db: Database): { db: Database; seen: string[] } {
  const seen: string[] = [];
  const kysely = new Kysely<any>({
    dialect: new PostgresDialect({ pool: db.pool }),
    log: (e) => {
      if (e.level === 'query') seen.push(e.query.sql);
    },
  });
  return { db: { ...db, kysely }, seen };
}
