/** Test helpers: a fresh, randomly named database per test file on the machine's Postgres. */
import { randomBytes } from 'node:crypto';
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
