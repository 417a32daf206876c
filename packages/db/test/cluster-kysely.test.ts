/**
 * clusterKysely: the primary through `db.kysely` (so a wrapper of the Database that replaces it is honoured), a
 * further cluster through its own login-role handle, and a cluster this process does not know refused. The code that
 * reaches a cluster's primary by id (dropping a moved store's source) goes through it: a wrapper that records the
 * statements of its db.kysely sees them.
 */
import {
  ClusterUnavailableError,
  clusterKysely,
  createDatabase,
  type Database,
  dropMovedSource,
  migrateTenant,
  newId,
  schemaNameForStore,
  sql,
  tenantRoleName,
} from '@storeloom/db';
import { createTestDatabase, recordingDatabase, type TestDatabase } from '@storeloom/db/testing';
import { loadEnv, testEnvSchema } from '@storeloom/env';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ADMIN_URL = loadEnv(testEnvSchema).TEST_DATABASE_URL;

describe('clusterKysely', () => {
  it('picks db.kysely for the primary and the cluster handle otherwise', async () => {
    // Nothing connects: pools open their first connection on the first query.
    const db = createDatabase({ url: 'postgres://127.0.0.1:9/primary', clusters: { c2: 'postgres://127.0.0.1:9/second' } });
    try {
      expect(clusterKysely(db, 'main')).toBe(db.kysely);
      expect(clusterKysely(db, 'c2')).toBe(db.cluster('c2').kysely);
      expect(clusterKysely(db, 'c2')).not.toBe(db.kysely);
      const wrapped: Database = { ...db, kysely: db.kysely.withSchema('control') };
      expect(clusterKysely(wrapped, 'main')).toBe(wrapped.kysely);
      expect(clusterKysely(wrapped, 'main')).not.toBe(db.cluster('main').kysely);
      // Refused with the typed 503 (its message names no cluster; the id and the operator's detail ride on it).
      let refused: unknown;
      try {
        clusterKysely(db, 'nowhere');
      } catch (err) {
        refused = err;
      }
      expect(refused).toBeInstanceOf(ClusterUnavailableError);
      expect((refused as ClusterUnavailableError).status).toBe(503);
      expect((refused as ClusterUnavailableError).cluster).toBe('nowhere');
      expect((refused as ClusterUnavailableError).detail).toMatch(/"nowhere" is not configured/);
      expect((refused as ClusterUnavailableError).message).not.toContain('nowhere');
    } finally {
      await db.destroy();
    }
  });
});

describe('a wrapped Database on real Postgres', () => {
  let tdb: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    tdb = await createTestDatabase(ADMIN_URL, { poolMax: 4 });
    db = tdb.db;
  });
  afterAll(async () => {
    await tdb?.drop();
  });

  it("drops a moved store's source on the primary through the wrapper's db.kysely", async () => {
    const schema = schemaNameForStore(newId());
    // A source left on the primary: no store row names the primary for it any more.
    await migrateTenant(db, schema, undefined, 'main');
    const { db: wrapped, seen } = recordingDatabase(db);
    await dropMovedSource(wrapped, 'main', schema);
    expect(seen).toContain(`drop schema if exists "${schema}" cascade`);
    expect(seen.some((q) => q.includes('pg_roles'))).toBe(true);
    const left = await sql<{ n: number }>`select count(*)::int as n from pg_catalog.pg_namespace where nspname = ${schema}`.execute(db.kysely);
    expect(left.rows[0]?.n).toBe(0);
    const role = await sql<{ n: number }>`select count(*)::int as n from pg_catalog.pg_roles where rolname = ${tenantRoleName(schema)}`.execute(db.kysely);
    expect(role.rows[0]?.n).toBe(0);
  });
});
