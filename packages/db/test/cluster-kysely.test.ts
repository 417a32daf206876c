/**
 * clusterKysely: the primary through `db.kysely` (so a wrapper of the Database that replaces it is honoured), a
 * further cluster through its own login-role handle, and a cluster this process does not know refused.
 */
import { clusterKysely, createDatabase, type Database } from '@storeloom/db';
import { describe, expect, it } from 'vitest';

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
      expect(() => clusterKysely(db, 'nowhere')).toThrow(/not configured/);
    } finally {
      await db.destroy();
    }
  });
});
