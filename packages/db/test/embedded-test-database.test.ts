/**
 * createEmbeddedTestDatabase (the embedded counterpart of createTestDatabase): its own in-memory PGlite server with
 * the control schema migrated, reachable at its url by any client until `drop`, which may be called more than once.
 */
import { sql } from '@storeloom/db';
import { createEmbeddedTestDatabase } from '@storeloom/db/testing';
import pg from 'pg';
import { describe, expect, it } from 'vitest';

describe('createEmbeddedTestDatabase', () => {
  it('serves a migrated control schema at its url until dropped; a second drop does nothing', async () => {
    const tdb = await createEmbeddedTestDatabase({ poolMax: 2 });
    let dropped = false;
    try {
      expect(tdb.name).toBe('postgres');
      expect(new URL(tdb.url).pathname).toBe('/postgres');
      const table = await sql<{ t: string | null }>`select to_regclass('control.stores')::text as t`.execute(tdb.db.kysely);
      expect(table.rows[0]?.t).toBe('control.stores');
      const other = new pg.Client({ connectionString: tdb.url });
      await other.connect();
      try {
        const { rows } = await other.query<{ v: string }>('select version() as v');
        expect(rows[0]?.v).toMatch(/PGlite/i);
      } finally {
        await other.end();
      }

      await tdb.drop();
      dropped = true;
      await tdb.drop();
      const late = new pg.Client({ connectionString: tdb.url, connectionTimeoutMillis: 5000 });
      late.on('error', () => {});
      await expect(late.connect()).rejects.toThrow();
    } finally {
      if (!dropped) await tdb.drop();
    }
  }, 120_000);
});
