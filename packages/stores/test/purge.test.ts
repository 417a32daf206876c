/**
 * The retention purge's own SQL, on Postgres 15 and on embedded PGlite (what `npm start` runs without DATABASE_URL),
 * on one cluster: the batch's order and the purge of each store read the records of the store's moves (the copies a
 * move kept on a cluster it left, the partial copy of an unfinished move on its target), and a store with a copy on a
 * cluster this process has no connection for is taken last and skipped with its reason; the store roles a purge could
 * not drop are on record and dropped by a later run. The purge across two real clusters is in test/placement.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { type Database, newId, quoteIdent, schemaNameForStore, sql, tenantRoleName } from '@storeloom/db';
import { createEmbeddedTestDatabase, createTestDatabase, type TestDatabase } from '@storeloom/db/testing';
import { loadEnv, testEnvSchema } from '@storeloom/env';
import { StoreService } from '@storeloom/stores';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ADMIN_URL = loadEnv(testEnvSchema).TEST_DATABASE_URL;

type Rec = { id: string; schema: string };

function purgeSuite(name: string, open: () => Promise<TestDatabase>) {
  describe(name, () => {
    let tdb: TestDatabase;
    let db: Database;
    let service: StoreService;
    let userId: string;

    beforeAll(async () => {
      tdb = await open();
      db = tdb.db;
      service = new StoreService(db);
      userId = newId();
      await db.control
        .insertInto('users')
        .values({ id: userId, email: `owner-${randomBytes(4).toString('hex')}@example.com`, name: 'Owner', password_hash: 'x' } as never)
        .execute();
    });
    afterAll(async () => {
      await tdb?.drop();
    });

    /** A store on the primary, deleted `daysAgo` days ago; its schema name. */
    const deletedStore = async (daysAgo: number) => {
      const { store } = await service.create({ userId }, { name: 'Purge test', slug: `p${randomBytes(5).toString('hex')}`, currency: 'EUR' });
      await service.retention.softDelete(store.id, { userId });
      await db.control
        .updateTable('stores')
        .set({ deleted_at: sql<Date>`now() - make_interval(days => ${daysAgo})` })
        .where('id', '=', store.id)
        .execute();
      const { schema_name } = await db.control.selectFrom('stores').select('schema_name').where('id', '=', store.id).executeTakeFirstOrThrow();
      return { id: store.id, schema: schema_name };
    };
    const move = (
      storeId: string,
      m: { source_cluster: string; target_cluster: string; status: 'running' | 'done' | 'failed'; source_dropped_at?: Date | null },
    ) =>
      db.control
        .insertInto('store_moves')
        .values({ id: newId(), store_id: storeId, finished_at: new Date(), source_dropped_at: null, ...m })
        .execute();
    const exists = async (schema: string) => ({
      schema: (await sql`select 1 from pg_catalog.pg_namespace where nspname = ${schema}`.execute(db.kysely)).rows.length === 1,
      role: (await sql`select 1 from pg_catalog.pg_roles where rolname = ${`storeloom_${schema}`}`.execute(db.kysely)).rows.length === 1,
    });

    it('takes the stores whose every copy is reachable first; a copy kept on a cluster not configured here skips its store', async () => {
      // x: a move from c3 (not configured here) kept its source there. z: moves that kept no copy elsewhere (moved to c3
      // keeping the source, which is its cluster now; a move back that failed; the move back that dropped its source).
      // y: no moves. Deleted in that order.
      const x = await deletedStore(3);
      const z = await deletedStore(2);
      const y = await deletedStore(1);
      await move(x.id, { source_cluster: 'c3', target_cluster: 'main', status: 'done' });
      await move(z.id, { source_cluster: 'main', target_cluster: 'c3', status: 'done' });
      await move(z.id, { source_cluster: 'c3', target_cluster: 'main', status: 'failed' });
      await move(z.id, { source_cluster: 'c3', target_cluster: 'main', status: 'done', source_dropped_at: new Date() });

      expect(await service.retention.purgeDeleted(0, 1)).toEqual({ purged: [z.id], skipped: [], rolesNotDropped: [], rolesOnUnconfiguredClusters: [] });
      expect(await service.retention.purgeDeleted(0, 1)).toEqual({ purged: [y.id], skipped: [], rolesNotDropped: [], rolesOnUnconfiguredClusters: [] });
      for (const s of [y, z]) expect(await exists(s.schema)).toEqual({ schema: false, role: false });
      const stuck = await service.retention.purgeDeleted(0);
      expect(stuck).toEqual({
        purged: [],
        skipped: [{ storeId: x.id, reason: 'cluster_not_configured', cluster: 'c3', error: expect.anything() }],
        rolesNotDropped: [],
        rolesOnUnconfiguredClusters: [],
      });
      expect(await exists(x.schema)).toEqual({ schema: true, role: true });
      // Once the kept copy is recorded as dropped, the store is purged.
      await db.control.updateTable('store_moves').set({ source_dropped_at: new Date() }).where('store_id', '=', x.id).execute();
      expect(await service.retention.purgeDeleted(0)).toEqual({ purged: [x.id], skipped: [], rolesNotDropped: [], rolesOnUnconfiguredClusters: [] });
      expect(await exists(x.schema)).toEqual({ schema: false, role: false });
      expect(await db.control.selectFrom('store_moves').select('id').where('store_id', 'in', [x.id, y.id, z.id]).execute()).toEqual([]);
      // Every role was dropped: none is left on record for a later run.
      expect(await db.control.selectFrom('tenant_role_drops').select('store_id').execute()).toEqual([]);
    });

    it('an unfinished move to a cluster not configured here (its partial copy there) skips its store and takes it last', async () => {
      // u: a mover stopped while copying it to c3 (not configured here). v: deleted after it, nothing elsewhere.
      const u = await deletedStore(2);
      const v = await deletedStore(1);
      await move(u.id, { source_cluster: 'main', target_cluster: 'c3', status: 'running' });
      expect(await service.retention.purgeDeleted(0, 1)).toEqual({ purged: [v.id], skipped: [], rolesNotDropped: [], rolesOnUnconfiguredClusters: [] });
      expect(await service.retention.purgeDeleted(0)).toEqual({
        purged: [],
        skipped: [{ storeId: u.id, reason: 'cluster_not_configured', cluster: 'c3', error: expect.anything() }],
        rolesNotDropped: [],
        rolesOnUnconfiguredClusters: [],
      });
      expect(await exists(u.schema)).toEqual({ schema: true, role: true });
      // Once the move is marked failed (its copy on c3 dropped by an operator there), the store is purged.
      await db.control.updateTable('store_moves').set({ status: 'failed' }).where('store_id', '=', u.id).execute();
      expect(await service.retention.purgeDeleted(0)).toEqual({ purged: [u.id], skipped: [], rolesNotDropped: [], rolesOnUnconfiguredClusters: [] });
      expect(await exists(u.schema)).toEqual({ schema: false, role: false });
    });

    it('drops the store roles an earlier run could not (on record); those of a cluster not configured here are kept, take no turn, and are reported per cluster with the time first found', async () => {
      // Left on record by earlier runs: the role of a purged store whose drop failed (it still exists), one dropped since
      // by someone else, two on c3 and one on c4 (neither configured here; recorded before the others, so the least
      // recently tried), and one on c3 for a store that lives on c3 again (its own role there: forgotten, nothing dropped).
      const [left, gone, far, farther, other] = [newId(), newId(), newId(), newId(), newId()].map((id) => ({ id, schema: schemaNameForStore(id) })) as [
        Rec,
        Rec,
        Rec,
        Rec,
        Rec,
      ];
      const { store } = await service.create({ userId }, { name: 'Back on c3', slug: `b${randomBytes(5).toString('hex')}`, currency: 'EUR' });
      const home = { id: store.id, schema: schemaNameForStore(store.id) };
      await db.control
        .insertInto('database_clusters')
        .values({ id: 'c3', name: 'c3' })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
      await db.control.updateTable('stores').set({ cluster_id: 'c3' }).where('id', '=', home.id).execute();
      await sql.raw(`create role ${quoteIdent(tenantRoleName(left.schema))} nologin`).execute(db.kysely);
      const earlier = new Date(Date.now() - 86_400_000);
      await db.control
        .insertInto('tenant_role_drops')
        .values([
          { cluster: 'c3', schema_name: far.schema, store_id: far.id, attempts: 1, updated_at: earlier },
          { cluster: 'c3', schema_name: farther.schema, store_id: farther.id, attempts: 1, updated_at: earlier },
          { cluster: 'c4', schema_name: other.schema, store_id: other.id, attempts: 1, updated_at: earlier },
          { cluster: 'c3', schema_name: home.schema, store_id: home.id, attempts: 1, updated_at: earlier },
          { cluster: 'main', schema_name: left.schema, store_id: left.id, attempts: 1 },
          { cluster: 'main', schema_name: gone.schema, store_id: gone.id, attempts: 1 },
        ])
        .execute();
      const records = () =>
        db.control
          .selectFrom('tenant_role_drops')
          .select(['cluster', 'store_id', 'attempts', 'unconfigured_since'])
          .orderBy('cluster')
          .orderBy('store_id')
          .execute();
      // A batch of 3: the records of clusters not configured here take no turn in it.
      const first = await service.retention.purgeDeleted(0, 3);
      expect(first).toEqual({
        purged: [],
        skipped: [],
        rolesNotDropped: [],
        rolesOnUnconfiguredClusters: [
          { cluster: 'c3', records: 2, since: expect.any(Date) },
          { cluster: 'c4', records: 1, since: expect.any(Date) },
        ],
      });
      expect((await exists(left.schema)).role).toBe(false);
      expect(await exists(home.schema)).toEqual({ schema: true, role: true });
      const [c3, c4] = first.rolesOnUnconfiguredClusters.map((c) => c.since);
      // Kept, no attempt counted, each marked with the time a purge first found its cluster not configured.
      const kept = [
        { cluster: 'c3', store_id: far.id, attempts: 1, unconfigured_since: c3 },
        { cluster: 'c3', store_id: farther.id, attempts: 1, unconfigured_since: c3 },
        { cluster: 'c4', store_id: other.id, attempts: 1, unconfigured_since: c4 },
      ].sort((a, b) => a.cluster.localeCompare(b.cluster) || a.store_id.localeCompare(b.store_id));
      expect(await records()).toEqual(kept);
      // The next run reports the same (the time first found is kept: an operator sees how long it has been).
      expect(await service.retention.purgeDeleted(0, 3)).toEqual(first);
      expect(await records()).toEqual(kept);
      await db.control.deleteFrom('tenant_role_drops').execute();
      await db.control.updateTable('stores').set({ cluster_id: 'main' }).where('id', '=', home.id).execute();
    });

    it('a moved store on record: drops its leftover copy (schema, role) where it no longer lives, never where it lives now', async () => {
      // Two live stores with schema and role here. `away` lives on c3 now: a failed move's rollback or a dropped source
      // left its copy here, on record with its schema still to drop. `home` was recorded here too, and lives here now.
      const live = async () => {
        const { store } = await service.create({ userId }, { name: 'Moved', slug: `m${randomBytes(5).toString('hex')}`, currency: 'EUR' });
        return { id: store.id, schema: schemaNameForStore(store.id) };
      };
      const [away, home] = [await live(), await live()];
      await db.control
        .insertInto('database_clusters')
        .values({ id: 'c3', name: 'c3' })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
      await db.control.updateTable('stores').set({ cluster_id: 'c3' }).where('id', '=', away.id).execute();
      await db.control
        .insertInto('tenant_role_drops')
        .values([
          { cluster: 'main', schema_name: away.schema, store_id: away.id, drop_schema: true },
          { cluster: 'main', schema_name: home.schema, store_id: home.id, drop_schema: true },
        ])
        .execute();
      expect(await service.retention.purgeDeleted(0)).toEqual({ purged: [], skipped: [], rolesNotDropped: [], rolesOnUnconfiguredClusters: [] });
      expect(await exists(away.schema)).toEqual({ schema: false, role: false });
      expect(await exists(home.schema)).toEqual({ schema: true, role: true });
      // Both records are done with: one dropped, the other is the live store's own copy.
      expect(await db.control.selectFrom('tenant_role_drops').select('store_id').execute()).toEqual([]);
    });
  });
}

purgeSuite('purge on Postgres 15', () => createTestDatabase(ADMIN_URL, { poolMax: 4 }));
purgeSuite('purge on embedded PGlite', () => createEmbeddedTestDatabase({ poolMax: 4 }));
