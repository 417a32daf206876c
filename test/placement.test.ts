/**
 * Tenant placement across two Postgres clusters: the machine's Postgres (`main`,
 * which holds the control schema) and a second cluster started here with initdb
 * on another port. A store placed on cluster 2 is served by the API and the
 * storefront through tenant(); a store on a cluster the process has no connection for
 * answers 503 service_unavailable on both (logged once); a deleted store on cluster 2 can be restored (503 when its
 * cluster is not configured in the process), and is purged there (schema and role) without
 * touching the primary, with any copy a keepSource move left on the other cluster and the partial
 * copy of an unfinished move on its target (a store whose cluster or kept copy is not configured
 * is skipped, the others purged; so is a store a mover is at work on; a role the purge cannot drop
 * is reported, logged and dropped by a later run); a move 1→2 keeps reads
 * working, refuses writes with 503 store_read_only during its window and copies
 * everything; a move that fails midway leaves the store on its source, writable.
 */
import { randomUUID } from 'node:crypto';
import { createDatabase, type Database, dropMovedSource, migrateTenant, moveStore, sql } from '@storeloom/db';
import { moveStoreJob, purgeDeletedStoresJob } from '@storeloom/jobs';
import { StoreService } from '@storeloom/stores';
import { createLogger } from '@storeloom/log';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorefrontApp } from '../apps/storefront/src/app.ts';
import { createHandlers } from '../apps/worker/src/handlers.ts';
import { startPgCluster, type PgCluster } from './helpers/pg-cluster.ts';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from './helpers/platform.ts';
import { TENANT_TABLES } from './helpers/tenant.ts';

const TTL = 150;

describe('tenant placement on two clusters', () => {
  let c2: PgCluster;
  let p: TestPlatform;
  let c2Admin: pg.Pool;
  let cookie: string;
  /** The API's log lines at warn and above (JSON). */
  const apiLog: string[] = [];

  beforeAll(async () => {
    // Not skipped when initdb is missing: startPgCluster throws and the suite fails loudly.
    c2 = await startPgCluster();
    c2Admin = new pg.Pool({ connectionString: c2.url, max: 2 });
    p = await startTestPlatform({
      database: { clusters: { c2: c2.url }, placementTtlMs: TTL },
      logger: createLogger({ level: 'warn', format: 'json', write: (l) => void apiLog.push(l) }),
    });
    ({ cookie } = await signup(p));
  });
  afterAll(async () => {
    // The second cluster is stopped and removed even when closing the platform fails.
    try {
      await p?.close();
    } finally {
      await c2Admin?.end().catch(() => {});
      await c2?.stop();
    }
  });

  /** Creates a store with only `cluster` open for new stores. */
  const storeOn = async (cluster: 'main' | 'c2') => {
    const other = cluster === 'main' ? 'c2' : 'main';
    await p.db.control.updateTable('database_clusters').set({ status: 'draining' }).where('id', '=', other).execute();
    try {
      return await createStore(p, cookie);
    } finally {
      await p.db.control.updateTable('database_clusters').set({ status: 'open' }).where('id', '=', other).execute();
    }
  };
  const schemaOf = async (storeId: string) =>
    await p.db.control.selectFrom('stores').select(['schema_name', 'cluster_id', 'read_only']).where('id', '=', storeId).executeTakeFirstOrThrow();
  const hasSchema = async (db: pg.Pool | Database, schema: string) => {
    if (db instanceof pg.Pool) return (await db.query('select 1 from pg_namespace where nspname = $1', [schema])).rowCount === 1;
    return (await sql`select 1 from pg_namespace where nspname = ${schema}`.execute(db.kysely)).rows.length === 1;
  };
  /**
   * The worker's jobs as it runs them (retention 0 days) on `db` (default: the platform's, which reaches cluster 2), its
   * warn lines (JSON) kept in `lines`.
   */
  const worker = (db: Database = p.db) => {
    const lines: string[] = [];
    const handlers = createHandlers({
      db,
      logger: createLogger({ level: 'warn', format: 'json', write: (l) => void lines.push(l) }),
      retentionDays: 0,
      provisioningStaleSeconds: 1,
      queues: p.queues,
      storage: p.services.storage,
    });
    const run = <P>(def: { name: string; version: number }, payload: P) =>
      handlers[def.name]?.({ data: { v: def.version, payload }, attemptsMade: 0, opts: {}, id: 'test', updateProgress: async () => {} } as never);
    return { lines, run };
  };
  /** The nightly purge job (see worker). */
  const purgeJob = (db: Database = p.db) => {
    const { lines, run } = worker(db);
    return { lines, runPurgeJob: () => run(purgeDeletedStoresJob, {}) };
  };
  /**
   * Another database of cluster 2 grants `role` a table (a copy of the store restored there, a grant made by hand): the
   * role cannot be dropped while that stands. `release` drops that database.
   */
  const holdRoleOnC2 = async (role: string) => {
    const other = `other_${randomUUID().replaceAll('-', '')}`;
    await c2Admin.query(`create database ${other}`);
    const release = () => c2Admin.query(`drop database if exists ${other} with (force)`).then(() => {});
    try {
      const url = new URL(c2.url);
      url.pathname = `/${other}`;
      const oc = new pg.Client({ connectionString: url.toString() });
      await oc.connect();
      try {
        await oc.query(`create table kept (id int); grant select on kept to "${role}"`);
      } finally {
        await oc.end();
      }
    } catch (err) {
      await release();
      throw err;
    }
    return release;
  };
  const roleOn = async (db: pg.Pool | Database, role: string) => {
    if (db instanceof pg.Pool) return (await db.query('select 1 from pg_roles where rolname = $1', [role])).rowCount === 1;
    return (await sql`select 1 from pg_roles where rolname = ${role}`.execute(db.kysely)).rows.length === 1;
  };
  const count = async (pool: pg.Pool, schema: string, table: string) =>
    Number((await pool.query(`select count(*)::int as n from "${schema}"."${table}"`)).rows[0].n);
  const checksums = async (pool: pg.Pool, schema: string) => {
    const out: Record<string, string> = {};
    for (const t of TENANT_TABLES) {
      const r = await pool.query(
        `select count(*)::text || ':' || coalesce(md5(string_agg(md5(x::text), ',' order by md5(x::text))), '') as c from "${schema}"."${t}" x`,
      );
      out[t] = r.rows[0].c;
    }
    return out;
  };

  it('places new stores by policy: pinned by cluster status, counted per cluster', async () => {
    const clusters = await p.db.control.selectFrom('database_clusters').select(['id', 'status']).orderBy('id').execute();
    expect(clusters).toEqual([
      { id: 'c2', status: 'open' },
      { id: 'main', status: 'open' },
    ]);
    const a = await storeOn('c2');
    const b = await storeOn('main');
    expect((await schemaOf(a.id)).cluster_id).toBe('c2');
    expect((await schemaOf(b.id)).cluster_id).toBe('main');
    // Weighted least stores: give c2 a weight of 0 → everything to main; closed clusters get nothing either.
    await p.db.control.updateTable('database_clusters').set({ weight: 0 }).where('id', '=', 'c2').execute();
    const c = await createStore(p, cookie);
    expect((await schemaOf(c.id)).cluster_id).toBe('main');
    await p.db.control.updateTable('database_clusters').set({ weight: 100 }).where('id', '=', 'c2').execute();
    const counts = Object.fromEntries(
      (await p.db.control.selectFrom('database_clusters').select(['id', 'store_count']).execute()).map((r) => [r.id, r.store_count]),
    );
    const actual = await p.db.control
      .selectFrom('stores')
      .select(['cluster_id', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('cluster_id')
      .execute();
    for (const r of actual) expect(counts[r.cluster_id]).toBe(Number(r.n));
  });

  it('serves a store placed on cluster 2 through the API and the storefront; its data lives only there', async () => {
    const store = await storeOn('c2');
    const { schema_name: schema, cluster_id } = await schemaOf(store.id);
    expect(cluster_id).toBe('c2');
    expect(store.status).toBe('active');
    await createProduct(p, cookie, store.id, { title: 'Remote Tea', variants: [{ sku: 'RT-1', price: 990, inventoryQuantity: 3 }] });
    const list = await p.request('GET', `/api/v1/stores/${store.id}/products`, { cookie });
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).toContain('Remote Tea');
    // Settings (control row + store settings) on a store of another cluster.
    const settings = await p.request('PUT', `/api/v1/stores/${store.id}/settings`, {
      cookie,
      body: { name: 'Remote Shop', languages: ['en', 'zh-CN'], theme: { accentColor: '#ff0000' } },
    });
    expect(settings.status).toBe(200);
    expect(settings.body).toMatchObject({ name: 'Remote Shop', languages: ['en', 'zh-CN'], theme: { accentColor: '#ff0000' } });

    const app = createStorefrontApp(p.db, createLogger({ level: 'silent' }), {
      rootDomain: 'localhost',
      secret: 'test-secret-0123456789abcdef0123456789',
      storeCacheTtlMs: 0,
    });
    const host = `${store.slug}.localhost`;
    const home = await app.request(`http://${host}/`, { headers: { host } });
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('Remote Tea');

    // The data is on cluster 2 only: the primary has no such schema.
    expect(await count(c2Admin, schema, 'products')).toBe(1);
    expect(await hasSchema(p.db, schema)).toBe(false);
    // The store role exists on cluster 2 and tenant queries run under it there.
    const role = await c2Admin.query('select 1 from pg_roles where rolname = $1', [`storeloom_${schema}`]);
    expect(role.rowCount).toBe(1);
  });

  it('restores a deleted store of cluster 2 (its schema is there, not on the primary)', async () => {
    const store = await storeOn('c2');
    const { schema_name: schema } = await schemaOf(store.id);
    await createProduct(p, cookie, store.id, { title: 'Back Again' });
    expect((await p.request('DELETE', `/api/v1/stores/${store.id}`, { cookie })).status).toBe(204);
    const restored = await p.request('POST', `/api/v1/stores/${store.id}/restore`, { cookie });
    expect(restored.status, restored.text).toBe(200);
    expect(restored.body.status).toBe('active');
    expect(await schemaOf(store.id)).toMatchObject({ cluster_id: 'c2', read_only: false });
    const products = await p.request('GET', `/api/v1/stores/${store.id}/products`, { cookie });
    expect(JSON.stringify(products.body)).toContain('Back Again');
    expect(await hasSchema(c2Admin, schema)).toBe(true);
    expect(await hasSchema(p.db, schema)).toBe(false);
    // Purged, it cannot come back: 409 store_purged, as for a store of the primary.
    expect((await p.request('DELETE', `/api/v1/stores/${store.id}`, { cookie })).status).toBe(204);
    expect((await p.services.stores.retention.purgeDeleted(0)).purged).toEqual([store.id]);
    const gone = await p.request('POST', `/api/v1/stores/${store.id}/restore`, { cookie });
    expect(gone.status).toBe(409);
    expect(gone.body.error.code).toBe('store_purged');
  });

  /** Registers `c3` in the control schema; no process of this test has a connection for it. */
  const registerUnconfiguredCluster = async () =>
    await p.db.control
      .insertInto('database_clusters')
      .values({ id: 'c3', name: 'Not configured here', status: 'closed' })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  /** No internals in an answer: neither the cluster's id or configuration, nor SQL, a schema name or a stack. */
  const NO_INTERNALS = /DATABASE_CLUSTERS|c3|select|advisory|pg_|\bt_[0-9a-f]{32}\b|\bat \w|\.ts:|Error:/i;

  it('a store on a cluster this process has no connection for answers 503 service_unavailable on the API and the storefront', async () => {
    const store = await storeOn('c2');
    const product = await createProduct(p, cookie, store.id, { title: 'Unreachable Tea' });
    const sfLog: string[] = [];
    const app = createStorefrontApp(p.db, createLogger({ level: 'warn', format: 'json', write: (l) => void sfLog.push(l) }), {
      rootDomain: 'localhost',
      secret: 'test-secret-0123456789abcdef0123456789',
      storeCacheTtlMs: 0,
    });
    const host = `${store.slug}.localhost`;
    const shop = (path: string) => app.request(`http://${host}${path}`, { headers: { host } });
    expect((await shop('/')).status).toBe(200);
    // Placed on a cluster registered in the control schema but not in this process's DATABASE_CLUSTERS (another
    // process's, or one whose URL was taken out of this one's configuration).
    await registerUnconfiguredCluster();
    await p.db.control.updateTable('stores').set({ cluster_id: 'c3' }).where('id', '=', store.id).execute();
    p.db.invalidatePlacement();
    apiLog.length = 0;
    try {
      const res = await p.request('GET', `/api/v1/stores/${store.id}/products`, { cookie });
      expect(res.status, res.text).toBe(503);
      expect(res.headers.get('retry-after')).toBe('60');
      expect(Object.keys(res.body)).toEqual(['error']);
      expect(Object.keys(res.body.error)).toEqual(['code', 'message']);
      expect(res.body.error.code).toBe('service_unavailable');
      expect(res.text).not.toMatch(NO_INTERNALS);
      // Logged once, at warn, naming the cluster (an operator's fact), with no personal data.
      const logged = apiLog.map((l) => JSON.parse(l)).filter((e) => e.msg !== 'request');
      expect(logged, apiLog.join('')).toHaveLength(1);
      expect(logged[0]).toMatchObject({ level: 'warn', cluster: 'c3' });
      expect(JSON.stringify(logged[0])).not.toMatch(/@example|cookie|password/i);

      // The storefront: a shopper's page is a plain 503 page. A Storefront API path fails the same way before the API
      // runs (the store's settings are read on its cluster while the host is resolved) and answers the API's JSON error
      // with the same status and Retry-After; each request is logged once.
      const page = await shop('/');
      const html = await page.text();
      expect(page.status, html).toBe(503);
      expect(page.headers.get('retry-after')).toBe('60');
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(html).not.toMatch(NO_INTERNALS);
      const api = await shop(`/api/storefront/v1/products/${product.handle}`);
      const text = await api.text();
      expect(api.status, text).toBe(503);
      expect(api.headers.get('retry-after')).toBe('60');
      expect(api.headers.get('content-type')).toMatch(/^application\/json/);
      expect(JSON.parse(text)).toEqual({ error: { code: 'service_unavailable', message: expect.any(String) } });
      expect(text).not.toMatch(NO_INTERNALS);
      const sfLogged = sfLog.map((l) => JSON.parse(l)).filter((e) => e.msg !== 'request');
      expect(sfLogged, sfLog.join('')).toHaveLength(2);
      for (const e of sfLogged) expect(e).toMatchObject({ level: 'warn', cluster: 'c3' });
    } finally {
      await p.db.control.updateTable('stores').set({ cluster_id: 'c2' }).where('id', '=', store.id).execute();
      p.db.invalidatePlacement();
    }
    // Back on its cluster, the store serves again.
    expect((await p.request('GET', `/api/v1/stores/${store.id}/products`, { cookie })).status).toBe(200);
    expect((await shop('/')).status).toBe(200);
  });

  it('a restore of a store on a cluster this process has no connection for answers 503 service_unavailable and changes nothing', async () => {
    const store = await storeOn('c2');
    const { schema_name: schema } = await schemaOf(store.id);
    expect((await p.request('DELETE', `/api/v1/stores/${store.id}`, { cookie })).status).toBe(204);
    // A cluster registered in the control schema but not in this process's DATABASE_CLUSTERS (another process's, or
    // one whose URL was taken out of this one's configuration): the deleted store is placed there.
    await registerUnconfiguredCluster();
    await p.db.control.updateTable('stores').set({ cluster_id: 'c3' }).where('id', '=', store.id).execute();
    const row = async () =>
      await p.db.control.selectFrom('stores').select(['status', 'deleted_at', 'updated_at', 'cluster_id']).where('id', '=', store.id).executeTakeFirstOrThrow();
    const audit = async () =>
      (await p.db.control.selectFrom('audit_log').select('action').where('target_id', '=', store.id).orderBy('id').execute()).map((a) => a.action);
    const before = { row: await row(), audit: await audit() };
    try {
      const res = await p.request('POST', `/api/v1/stores/${store.id}/restore`, { cookie });
      expect(res.status, res.text).toBe(503);
      expect(Object.keys(res.body)).toEqual(['error']);
      expect(Object.keys(res.body.error)).toEqual(['code', 'message']);
      expect(res.body.error.code).toBe('service_unavailable');
      // No internals: neither the cluster's configuration nor SQL nor a stack.
      expect(res.text).not.toMatch(/DATABASE_CLUSTERS|c3|select|advisory|pg_|\bat \w|\.ts:/i);
      expect(await row()).toEqual(before.row);
      expect(await audit()).toEqual(before.audit);
      expect(before.row.status).toBe('deleted');
    } finally {
      await p.db.control.updateTable('stores').set({ cluster_id: 'c2' }).where('id', '=', store.id).execute();
    }
    // Back on a cluster it can reach, the same store is restored.
    const restored = await p.request('POST', `/api/v1/stores/${store.id}/restore`, { cookie });
    expect(restored.status, restored.text).toBe(200);
    expect(await hasSchema(c2Admin, schema)).toBe(true);
  });

  it('purges a deleted store of cluster 2 there (schema, role, control rows) and leaves the primary as it was', async () => {
    const doomed = await storeOn('c2');
    const kept = await storeOn('c2');
    const onMain = await storeOn('main');
    const { schema_name: schema } = await schemaOf(doomed.id);
    const keptSchema = (await schemaOf(kept.id)).schema_name;
    const mainSchema = (await schemaOf(onMain.id)).schema_name;
    await createProduct(p, cookie, doomed.id, { title: 'Doomed Tea' });
    await createProduct(p, cookie, onMain.id, { title: 'Main Tea' });
    const role = `storeloom_${schema}`;
    const c2Roles = async () =>
      (await c2Admin.query<{ rolname: string }>("select rolname from pg_roles where rolname like 'storeloom\\_t\\_%' order by 1")).rows.map((r) => r.rolname);
    expect(await hasSchema(c2Admin, schema)).toBe(true);
    expect(await c2Roles()).toContain(role);
    expect(await count(c2Admin, schema, 'products')).toBe(1);
    // The primary: every schema of its database (but a backend's temporary ones), and the store roles this database
    // made (roles are per cluster).
    const primary = async () => ({
      schemas: (
        await sql<{ n: string }>`select nspname as n from pg_namespace where nspname not like 'pg\\_%temp\\_%' order by 1`.execute(p.db.kysely)
      ).rows.map((r) => r.n),
      roles: (
        await sql<{
          r: string;
        }>`select rolname as r from pg_roles where pg_catalog.shobj_description(oid, 'pg_authid') = ${`storeloom tenant role; database=${p.testDb.name}`} order by 1`.execute(
          p.db.kysely,
        )
      ).rows.map((r) => r.r),
    });
    const before = await primary();
    expect(before.schemas).toContain(mainSchema);
    expect(before.schemas).not.toContain(schema);
    expect(before.roles).toContain(`storeloom_${mainSchema}`);
    expect(before.roles).not.toContain(role);
    const clusterCounts = async () =>
      Object.fromEntries((await p.db.control.selectFrom('database_clusters').select(['id', 'store_count']).execute()).map((r) => [r.id, r.store_count]));
    const countsBefore = await clusterCounts();

    expect((await p.request('DELETE', `/api/v1/stores/${doomed.id}`, { cookie })).status).toBe(204);
    expect(await clusterCounts()).toEqual({ ...countsBefore, c2: (countsBefore.c2 ?? 0) - 1 });
    // Within the retention period nothing is dropped.
    expect((await p.services.stores.retention.purgeDeleted(30)).purged).not.toContain(doomed.id);
    expect(await hasSchema(c2Admin, schema)).toBe(true);

    expect((await p.services.stores.retention.purgeDeleted(0)).purged).toEqual([doomed.id]);
    // On cluster 2: the store's schema and its role are gone; the other store there keeps both.
    expect(await hasSchema(c2Admin, schema)).toBe(false);
    expect(await c2Roles()).not.toContain(role);
    expect(await hasSchema(c2Admin, keptSchema)).toBe(true);
    expect(await c2Roles()).toContain(`storeloom_${keptSchema}`);
    // Control rows as for a store of the primary: the row and its memberships gone, the purge audited, counts unchanged.
    expect(await p.db.control.selectFrom('stores').select('id').where('id', '=', doomed.id).executeTakeFirst()).toBeUndefined();
    expect(await p.db.control.selectFrom('memberships').select('user_id').where('store_id', '=', doomed.id).execute()).toEqual([]);
    const audit = await p.db.control.selectFrom('audit_log').select('action').where('store_id', '=', doomed.id).orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual(['store.created', 'store.launched', 'store.deleted', 'store.purged']);
    expect(await clusterCounts()).toEqual({ ...countsBefore, c2: (countsBefore.c2 ?? 0) - 1 });
    // The primary is as it was, and its store and the kept one on cluster 2 still serve.
    expect(await primary()).toEqual(before);
    for (const id of [onMain.id, kept.id]) expect((await p.request('GET', `/api/v1/stores/${id}/products`, { cookie })).status).toBe(200);
    expect(JSON.stringify((await p.request('GET', `/api/v1/stores/${onMain.id}/products`, { cookie })).body)).toContain('Main Tea');
    expect(await p.services.stores.retention.purgeDeleted(0)).toEqual({ purged: [], skipped: [], rolesNotDropped: [], rolesOnUnconfiguredClusters: [] });
  });

  it('purging a store moved with keepSource also drops the kept copy (schema and role) on the previous cluster', async () => {
    // a: main → c2, the copy kept on the primary; b: c2 → main, the copy kept on c2; c: main → c2, kept, and its copy's
    // schema already dropped by an earlier purge attempt that failed before it committed (the role is still there).
    const a = await storeOn('main');
    const b = await storeOn('c2');
    const c = await storeOn('main');
    const bystanderMain = await storeOn('main');
    const bystanderC2 = await storeOn('c2');
    for (const s of [a, b, c, bystanderMain, bystanderC2]) await createProduct(p, cookie, s.id, { title: `Tea of ${s.slug}` });
    expect(await moveStore(p.db, a.id, 'c2', { keepSource: true })).toMatchObject({ from: 'main', to: 'c2', sourceDropped: false });
    expect(await moveStore(p.db, b.id, 'main', { keepSource: true })).toMatchObject({ from: 'c2', to: 'main', sourceDropped: false });
    expect(await moveStore(p.db, c.id, 'c2', { keepSource: true })).toMatchObject({ from: 'main', to: 'c2', sourceDropped: false });
    const [sa, sb, sc, sm, s2] = await Promise.all([a, b, c, bystanderMain, bystanderC2].map(async (s) => (await schemaOf(s.id)).schema_name));
    // Both copies of each moved store exist, with their roles.
    for (const s of [sa as string, sb as string, sc as string]) {
      expect(await hasSchema(p.db, s)).toBe(true);
      expect(await hasSchema(c2Admin, s)).toBe(true);
      expect(await roleOn(p.db, `storeloom_${s}`)).toBe(true);
      expect(await roleOn(c2Admin, `storeloom_${s}`)).toBe(true);
    }
    await sql`drop schema ${sql.id(sc as string)} cascade`.execute(p.db.kysely);

    for (const s of [a, b, c]) expect((await p.request('DELETE', `/api/v1/stores/${s.id}`, { cookie })).status).toBe(204);
    // (arrayContaining: a store an earlier failed test left deleted may be purged with them.)
    expect((await p.services.stores.retention.purgeDeleted(0)).purged).toEqual(expect.arrayContaining([a.id, b.id, c.id]));
    // Nothing of the three is left on either cluster: neither the live schema nor the kept copy, nor a role.
    for (const s of [sa as string, sb as string, sc as string]) {
      expect(await hasSchema(p.db, s), `${s} on main`).toBe(false);
      expect(await hasSchema(c2Admin, s), `${s} on c2`).toBe(false);
      expect(await roleOn(p.db, `storeloom_${s}`), `role of ${s} on main`).toBe(false);
      expect(await roleOn(c2Admin, `storeloom_${s}`), `role of ${s} on c2`).toBe(false);
    }
    expect(await p.db.control.selectFrom('store_moves').select('id').where('store_id', 'in', [a.id, b.id, c.id]).execute()).toEqual([]);
    // The other stores of both clusters keep their schema, role and data, and still serve.
    expect(await hasSchema(p.db, sm as string)).toBe(true);
    expect(await roleOn(p.db, `storeloom_${sm}`)).toBe(true);
    expect(await hasSchema(c2Admin, s2 as string)).toBe(true);
    expect(await roleOn(c2Admin, `storeloom_${s2}`)).toBe(true);
    for (const s of [bystanderMain, bystanderC2]) {
      const list = await p.request('GET', `/api/v1/stores/${s.id}/products`, { cookie });
      expect(list.status).toBe(200);
      expect(JSON.stringify(list.body)).toContain(`Tea of ${s.slug}`);
    }
    // A retry finds nothing more to do.
    expect(await p.services.stores.retention.purgeDeleted(0)).toEqual({ purged: [], skipped: [], rolesNotDropped: [], rolesOnUnconfiguredClusters: [] });
  });

  it('a purge isolates the stores it cannot purge here (cluster or kept copy not configured): the others are purged, a later run retries', async () => {
    // a: its cluster is not configured here; b: on the primary, with a copy a move kept on that cluster; c (cluster 2)
    // and d (primary): nothing unconfigured.
    const [a, b, c, d] = [await storeOn('c2'), await storeOn('main'), await storeOn('c2'), await storeOn('main')];
    const [sa, sb, sc, sd] = await Promise.all([a, b, c, d].map(async (s) => (await schemaOf(s.id)).schema_name));
    for (const s of [a, b, c, d]) expect((await p.request('DELETE', `/api/v1/stores/${s.id}`, { cookie })).status).toBe(204);
    await registerUnconfiguredCluster();
    await p.db.control.updateTable('stores').set({ cluster_id: 'c3' }).where('id', '=', a.id).execute();
    const keptMove = randomUUID();
    await p.db.control
      .insertInto('store_moves')
      .values({ id: keptMove, store_id: b.id, source_cluster: 'c3', target_cluster: 'main', status: 'done', finished_at: new Date() })
      .execute();
    const { lines, runPurgeJob } = purgeJob();
    const rowOf = async (id: string) => await p.db.control.selectFrom('stores').select(['status', 'cluster_id']).where('id', '=', id).executeTakeFirst();
    try {
      // The nightly job purges c and d, logs a and b with a stable reason, and fails (the jobs page shows it; the queue
      // retries) naming only store ids.
      const run = runPurgeJob();
      await expect(run).rejects.toThrow(/not purged.*2 store/);
      expect(await rowOf(c.id)).toBeUndefined();
      expect(await rowOf(d.id)).toBeUndefined();
      expect(await hasSchema(c2Admin, sc as string)).toBe(false);
      expect(await hasSchema(p.db, sd as string)).toBe(false);
      // a and b: nothing changed (row, schema, the record of b's kept copy).
      expect(await rowOf(a.id)).toEqual({ status: 'deleted', cluster_id: 'c3' });
      expect(await rowOf(b.id)).toEqual({ status: 'deleted', cluster_id: 'main' });
      expect(await hasSchema(c2Admin, sa as string)).toBe(true);
      expect(await hasSchema(p.db, sb as string)).toBe(true);
      expect(await p.db.control.selectFrom('store_moves').select('id').where('id', '=', keptMove).executeTakeFirst()).toBeDefined();
      const logged = lines.map((l) => JSON.parse(l));
      for (const s of [a, b])
        expect(logged.filter((e) => e.storeId === s.id)).toEqual([
          expect.objectContaining({ level: 'warn', storeId: s.id, reason: 'cluster_not_configured', cluster: 'c3' }),
        ]);
      // Each run tries them again (returned as skipped), and purges them once their clusters are reachable.
      const again = await p.services.stores.retention.purgeDeleted(0);
      expect(again.purged).toEqual([]);
      expect(again.skipped.map((x) => [x.storeId, x.reason]).sort()).toEqual(
        [
          [a.id, 'cluster_not_configured'],
          [b.id, 'cluster_not_configured'],
        ].sort(),
      );
      // A store deleted after them still gets a batch of one: the stores this process can purge come first.
      const e = await storeOn('c2');
      expect((await p.request('DELETE', `/api/v1/stores/${e.id}`, { cookie })).status).toBe(204);
      expect(await p.services.stores.retention.purgeDeleted(0, 1)).toEqual({
        purged: [e.id],
        skipped: [],
        rolesNotDropped: [],
        rolesOnUnconfiguredClusters: [],
      });
      // So does one whose moves from or to that cluster kept no copy there: moved to it keeping the source (the source
      // is its cluster now), a move back that failed (never switched), and the move back that dropped its source. The
      // batch's order and the purge read the same definition of a kept copy: neither counts these.
      const g = await storeOn('main');
      expect((await p.request('DELETE', `/api/v1/stores/${g.id}`, { cookie })).status).toBe(204);
      const moves = [
        { source_cluster: 'main', target_cluster: 'c3', status: 'done' as const, source_dropped_at: null },
        { source_cluster: 'c3', target_cluster: 'main', status: 'failed' as const, source_dropped_at: null },
        { source_cluster: 'c3', target_cluster: 'main', status: 'done' as const, source_dropped_at: new Date() },
      ];
      for (const m of moves)
        await p.db.control
          .insertInto('store_moves')
          .values({ id: randomUUID(), store_id: g.id, finished_at: new Date(), ...m })
          .execute();
      expect(await p.services.stores.retention.purgeDeleted(0, 1)).toEqual({
        purged: [g.id],
        skipped: [],
        rolesNotDropped: [],
        rolesOnUnconfiguredClusters: [],
      });
    } finally {
      await p.db.control.updateTable('stores').set({ cluster_id: 'c2' }).where('id', '=', a.id).execute();
      await p.db.control.updateTable('store_moves').set({ source_dropped_at: new Date() }).where('id', '=', keptMove).execute();
    }
    const last = await p.services.stores.retention.purgeDeleted(0);
    expect(last.purged).toEqual(expect.arrayContaining([a.id, b.id]));
    expect(last.skipped).toEqual([]);
    expect(await hasSchema(c2Admin, sa as string)).toBe(false);
    expect(await hasSchema(p.db, sb as string)).toBe(false);
  });

  it('purging a store with an unfinished move also drops the partial copy on its target (schema and role)', async () => {
    // a: on the primary, its mover stopped (crashed) while copying to cluster 2: the move is running, the target schema
    // (migrated, as the move's target step leaves it) and role are on cluster 2. b: on cluster 2, its mover stopped while
    // copying to the primary, and an earlier purge attempt dropped the partial schema there already (the role is left).
    const a = await storeOn('main');
    const b = await storeOn('c2');
    const bystander = await storeOn('c2');
    const [sa, sb, s2] = [(await schemaOf(a.id)).schema_name, (await schemaOf(b.id)).schema_name, (await schemaOf(bystander.id)).schema_name];
    const unfinished = async (storeId: string, from: string, to: string) =>
      await p.db.control
        .insertInto('store_moves')
        .values({ id: randomUUID(), store_id: storeId, source_cluster: from, target_cluster: to, status: 'running', step: 'copy' })
        .execute();
    await unfinished(a.id, 'main', 'c2');
    await migrateTenant(p.db, sa, undefined, 'c2');
    await unfinished(b.id, 'c2', 'main');
    await migrateTenant(p.db, sb, undefined, 'main');
    await sql`drop schema ${sql.id(sb)} cascade`.execute(p.db.kysely);
    expect(await hasSchema(c2Admin, sa)).toBe(true);
    expect(await roleOn(c2Admin, `storeloom_${sa}`)).toBe(true);
    expect(await roleOn(p.db, `storeloom_${sb}`)).toBe(true);

    for (const s of [a, b]) expect((await p.request('DELETE', `/api/v1/stores/${s.id}`, { cookie })).status).toBe(204);
    const result = await p.services.stores.retention.purgeDeleted(0);
    expect(result.purged).toEqual(expect.arrayContaining([a.id, b.id]));
    expect(result.skipped).toEqual([]);
    // Nothing of either is left on either cluster: the live schema, the partial copy, their roles.
    for (const s of [sa, sb]) {
      expect(await hasSchema(p.db, s), `${s} on main`).toBe(false);
      expect(await hasSchema(c2Admin, s), `${s} on c2`).toBe(false);
      expect(await roleOn(p.db, `storeloom_${s}`), `role of ${s} on main`).toBe(false);
      expect(await roleOn(c2Admin, `storeloom_${s}`), `role of ${s} on c2`).toBe(false);
    }
    expect(await p.db.control.selectFrom('store_moves').select('id').where('store_id', 'in', [a.id, b.id]).execute()).toEqual([]);
    // The other store of cluster 2 keeps its schema and role; a retry finds nothing more to do.
    expect(await hasSchema(c2Admin, s2)).toBe(true);
    expect(await roleOn(c2Admin, `storeloom_${s2}`)).toBe(true);
    expect(await p.services.stores.retention.purgeDeleted(0)).toEqual({ purged: [], skipped: [], rolesNotDropped: [], rolesOnUnconfiguredClusters: [] });
  });

  it('a purge skips a store while its mover runs (move_in_progress, nothing dropped) and purges it, with its copies, once the move is over', async () => {
    const store = await storeOn('main');
    const { schema_name: schema } = await schemaOf(store.id);
    await createProduct(p, cookie, store.id, { title: 'Moving Tea' });
    let reached!: () => void;
    let release!: () => void;
    const atCopy = new Promise<void>((r) => {
      reached = r;
    });
    const gate = new Promise<void>((r) => {
      release = r;
    });
    // The mover pauses after its first table's copy (target schema and role made, the copy in flight).
    const moving = moveStore(p.db, store.id, 'c2', {
      afterTableCopied: async () => {
        reached();
        await gate;
      },
    });
    moving.catch(() => {}); // awaited below; not an unhandled rejection when an assertion fails first
    try {
      await atCopy;
      expect((await p.request('DELETE', `/api/v1/stores/${store.id}`, { cookie })).status).toBe(204);
      // A purge that waited for the mover (its table locks) instead of skipping would wait for ever here: the mover is
      // let go once the purge waits for a lock, so such a purge fails the assertions below instead of hanging the file.
      let over = false;
      const purging = p.services.stores.retention.purgeDeleted(0).finally(() => {
        over = true;
      });
      while (!over) {
        const waiting = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock'`.execute(p.db.kysely);
        if (waiting.rows[0]?.n) release();
        await new Promise((r) => setTimeout(r, 50));
      }
      const during = await purging;
      expect(during.purged).not.toContain(store.id);
      expect(during.skipped).toEqual([{ storeId: store.id, reason: 'move_in_progress', error: expect.anything() }]);
      expect(await schemaOf(store.id)).toMatchObject({ cluster_id: 'main' });
      expect(await hasSchema(p.db, schema)).toBe(true);
      expect(await hasSchema(c2Admin, schema)).toBe(true);
    } finally {
      release();
    }
    // The move finishes (the store was deleted after it began; it is switched and its source dropped as usual).
    expect(await moving).toMatchObject({ from: 'main', to: 'c2', sourceDropped: true });
    expect(await p.services.stores.retention.purgeDeleted(0)).toEqual({
      purged: [store.id],
      skipped: [],
      rolesNotDropped: [],
      rolesOnUnconfiguredClusters: [],
    });
    for (const [db, where] of [
      [p.db, 'main'],
      [c2Admin, 'c2'],
    ] as const) {
      expect(await hasSchema(db, schema), where).toBe(false);
      expect(await roleOn(db, `storeloom_${schema}`), where).toBe(false);
    }
  });

  it('a store role the purge cannot drop (privileges in another database of its cluster) is reported and logged, and dropped by a later run', async () => {
    const store = await storeOn('c2');
    const { schema_name: schema } = await schemaOf(store.id);
    const role = `storeloom_${schema}`;
    const release = await holdRoleOnC2(role);
    try {
      expect((await p.request('DELETE', `/api/v1/stores/${store.id}`, { cookie })).status).toBe(204);
      const { lines, runPurgeJob } = purgeJob();
      // The store is purged (schema, rows); the job succeeds and counts the role; the role is logged at warn with the
      // store id, cluster and a stable reason, nothing else (no error text, no personal data).
      expect(await runPurgeJob()).toEqual({ purged: 1, rolesNotDropped: 1, rolesOnUnconfiguredClusters: 0 });
      expect(await p.db.control.selectFrom('stores').select('id').where('id', '=', store.id).executeTakeFirst()).toBeUndefined();
      expect(await hasSchema(c2Admin, schema)).toBe(false);
      expect(await roleOn(c2Admin, role)).toBe(true);
      const logged = lines.map((l) => JSON.parse(l)).filter((e) => e.storeId === store.id);
      expect(logged).toEqual([
        { level: 'warn', msg: 'store role not dropped', time: expect.anything(), storeId: store.id, cluster: 'c2', reason: 'role_in_use' },
      ]);
      // Every run tries it again, and reports it while it stands.
      expect(await p.services.stores.retention.purgeDeleted(0)).toEqual({
        purged: [],
        skipped: [],
        rolesNotDropped: [{ storeId: store.id, cluster: 'c2', reason: 'role_in_use', error: expect.anything() }],
        rolesOnUnconfiguredClusters: [],
      });
    } finally {
      await release();
    }
    // Once nothing else holds it, the next run drops it, and the one after has nothing to do.
    expect(await p.services.stores.retention.purgeDeleted(0)).toEqual({ purged: [], skipped: [], rolesNotDropped: [], rolesOnUnconfiguredClusters: [] });
    expect(await roleOn(c2Admin, role)).toBe(false);
    expect(await p.db.control.selectFrom('tenant_role_drops').select('store_id').where('store_id', '=', store.id).execute()).toEqual([]);
  });

  it('moves a store 1→2: reads keep working, writes get 503 store_read_only during the window, the copy equals the source', async () => {
    const store = await storeOn('main');
    const { schema_name: schema } = await schemaOf(store.id);
    for (let i = 0; i < 5; i++) await createProduct(p, cookie, store.id, { title: `Product ${i}` });
    const progress: string[] = [];
    const reads: number[] = [];
    const writes: { status: number; code?: string; retryAfter?: string | null }[] = [];
    let moving = true;
    // Writers stop at the switch (still read-only then), so every accepted write was made before the copy.
    let writing = true;
    const move = moveStore(p.db, store.id, 'c2', {
      keepSource: true,
      onProgress: (x) => {
        progress.push(x.step);
        if (x.step === 'switch') writing = false;
      },
    }).finally(() => {
      moving = false;
      writing = false;
    });
    const reader = (async () => {
      while (moving) {
        const r = await p.request('GET', `/api/v1/stores/${store.id}/products`, { cookie });
        reads.push(r.status);
        await new Promise((res) => setTimeout(res, 20));
      }
    })();
    let n = 0;
    const writer = (async () => {
      while (writing) {
        const r = await p.request('POST', `/api/v1/stores/${store.id}/products`, {
          cookie,
          body: { title: `During ${n++}`, status: 'active', variants: [{ sku: `DUR-${n}`, price: 100 }] },
        });
        writes.push({ status: r.status, code: r.body?.error?.code, retryAfter: r.headers.get('retry-after') });
        await new Promise((res) => setTimeout(res, 25));
      }
    })();
    const result = await move;
    await Promise.all([reader, writer]);

    expect(result).toMatchObject({ from: 'main', to: 'c2', sourceDropped: false });
    // Figure (not asserted): how long writes were refused, with the TTL used here.
    process.stdout.write(
      `${JSON.stringify({ figure: 'placement.move-read-only-ms', value: result.readOnlyMs, placementTtlMs: TTL, rows: result.rowsCopied, tables: result.tables.length, writesRefused: writes.filter((w) => w.status === 503).length, writesAccepted: writes.filter((w) => w.status === 201).length, reads: reads.length })}\n`,
    );
    expect(progress).toEqual(expect.arrayContaining(['read_only', 'target', 'copy', 'verify', 'switch', 'writable', 'done']));
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every((s) => s === 200)).toBe(true);
    const refused = writes.filter((w) => w.status === 503);
    expect(refused.length).toBeGreaterThan(0);
    for (const w of refused) expect(w).toMatchObject({ code: 'store_read_only', retryAfter: '5' });
    expect(writes.every((w) => w.status === 201 || w.status === 503)).toBe(true);

    const row = await schemaOf(store.id);
    expect(row).toMatchObject({ cluster_id: 'c2', read_only: false });
    // The copy equals the source, table by table (the source was kept: --keep-source).
    const mainAdmin = p.db.pool;
    expect(await checksums(c2Admin, schema)).toEqual(await checksums(mainAdmin, schema));
    const accepted = writes.filter((w) => w.status === 201).length;
    expect(await count(c2Admin, schema, 'products')).toBe(5 + accepted);
    // Sequences came along: a new row on the target does not collide.
    const after = await p.request('POST', `/api/v1/stores/${store.id}/products`, {
      cookie,
      body: { title: 'After move', status: 'active', variants: [{ sku: 'AFTER-1', price: 100 }] },
    });
    expect(after.status).toBe(201);
    expect(await count(c2Admin, schema, 'products')).toBe(6 + accepted);
    expect(await count(mainAdmin, schema, 'products')).toBe(5 + accepted);
    const moveRow = await p.db.control.selectFrom('store_moves').selectAll().where('id', '=', result.moveId).executeTakeFirstOrThrow();
    expect(moveRow).toMatchObject({ status: 'done', step: 'done', source_dropped_at: null });

    // Not while a mover is at work on the store (it holds the store's move lock): it could switch the store to that
    // cluster between the check and the drop. Nothing is dropped or put on record.
    const mover = await p.db.pool.connect();
    try {
      await mover.query('select pg_advisory_lock(hashtext($1))', [`storeloom:move:${store.id}`]);
      await expect(dropMovedSource(p.db, 'main', schema)).rejects.toThrow(/being moved/);
      expect(await hasSchema(p.db, schema)).toBe(true);
      expect(await recordsOf(schema)).toEqual([]);
    } finally {
      await mover.query('select pg_advisory_unlock_all()');
      mover.release();
    }
    expect(await dropMovedSource(p.db, 'main', schema)).toEqual({ schemaDropped: true, onRecord: null });
    expect(await hasSchema(p.db, schema)).toBe(false);
    // Recorded on the move, so the store's purge does not go back to the primary for it.
    expect(await p.db.control.selectFrom('store_moves').select('source_dropped_at').where('id', '=', result.moveId).executeTakeFirstOrThrow()).toEqual({
      source_dropped_at: expect.any(Date),
    });
    await expect(dropMovedSource(p.db, 'c2', schema)).rejects.toThrow(/still lives/);
  });

  it('a move that fails midway leaves the store on the source, writable; running it again completes it', async () => {
    const store = await storeOn('main');
    const { schema_name: schema } = await schemaOf(store.id);
    await createProduct(p, cookie, store.id, { title: 'Stay put' });
    let copied = 0;
    await expect(
      moveStore(p.db, store.id, 'c2', {
        afterTableCopied: () => {
          if (++copied === 10) throw new Error('disk full (simulated)');
        },
      }),
    ).rejects.toThrow(/disk full/);
    expect(await schemaOf(store.id)).toMatchObject({ cluster_id: 'main', read_only: false });
    const failed = await p.db.control.selectFrom('store_moves').selectAll().where('store_id', '=', store.id).executeTakeFirstOrThrow();
    expect(failed).toMatchObject({ status: 'failed', error: expect.stringContaining('disk full') });
    // Nothing of the move is left on its target: neither the partial copy nor the role it made there, nor a record.
    expect(await hasSchema(c2Admin, schema)).toBe(false);
    expect(await roleOn(c2Admin, `storeloom_${schema}`)).toBe(false);
    expect(await p.db.control.selectFrom('tenant_role_drops').select('cluster').where('schema_name', '=', schema).execute()).toEqual([]);
    const write = await p.request('POST', `/api/v1/stores/${store.id}/products`, {
      cookie,
      body: { title: 'Still writable', status: 'active', variants: [{ sku: 'SW-1', price: 100 }] },
    });
    expect(write.status).toBe(201);
    expect((await p.request('GET', `/api/v1/stores/${store.id}/products`, { cookie })).status).toBe(200);

    const again = await moveStore(p.db, store.id, 'c2');
    expect(again).toMatchObject({ from: 'main', to: 'c2', sourceDropped: true });
    expect(await count(c2Admin, schema, 'products')).toBe(2);
    expect(await hasSchema(p.db, schema)).toBe(false);
    expect(await schemaOf(store.id)).toMatchObject({ cluster_id: 'c2', read_only: false });
  });

  const recordsOf = (schema: string) =>
    p.db.control
      .selectFrom('tenant_role_drops')
      .select(['cluster', 'store_id', 'drop_schema', 'attempts'])
      .where('schema_name', '=', schema)
      .orderBy('cluster')
      .execute();

  /** Cluster 2 refuses every schema drop (an event trigger raises) until allowSchemaDropsOnC2. */
  const refuseSchemaDropsOnC2 = () =>
    c2Admin
      .query(`create function refuse_drop() returns event_trigger language plpgsql as $$ begin raise exception 'schema drops refused (test)'; end $$;
        create event trigger refuse_schema_drop on ddl_command_start when tag in ('DROP SCHEMA') execute function refuse_drop()`)
      .then(() => {});
  const allowSchemaDropsOnC2 = () => c2Admin.query('drop event trigger if exists refuse_schema_drop; drop function if exists refuse_drop()').then(() => {});
  /** The store's schema and role on both clusters. */
  const copiesOf = async (schema: string) => ({
    main: { schema: await hasSchema(p.db, schema), role: await roleOn(p.db, `storeloom_${schema}`) },
    c2: { schema: await hasSchema(c2Admin, schema), role: await roleOn(c2Admin, `storeloom_${schema}`) },
  });

  it('a failed move whose target copy cannot be dropped puts it on record (the move error still thrown); the purge job drops it there later', async () => {
    const store = await storeOn('main');
    const { schema_name: schema } = await schemaOf(store.id);
    const role = `storeloom_${schema}`;
    let copied = 0;
    try {
      await expect(
        moveStore(p.db, store.id, 'c2', {
          afterTableCopied: async () => {
            if (++copied !== 3) return;
            // Cluster 2 refuses every schema drop from now on (as a cluster that stops answering would fail it).
            await refuseSchemaDropsOnC2();
            throw new Error('disk full (simulated)');
          },
        }),
      ).rejects.toThrow(/disk full/);
      expect(await schemaOf(store.id)).toMatchObject({ cluster_id: 'main', read_only: false });
      expect(await hasSchema(c2Admin, schema)).toBe(true);
      expect(await roleOn(c2Admin, role)).toBe(true);
      expect(await recordsOf(schema)).toEqual([{ cluster: 'c2', store_id: store.id, drop_schema: true, attempts: 1 }]);
      expect(await p.services.stores.retention.purgeDeleted(0)).toEqual({
        purged: [],
        skipped: [],
        rolesNotDropped: [{ storeId: store.id, cluster: 'c2', reason: 'failed', error: expect.anything() }],
        rolesOnUnconfiguredClusters: [],
      });
    } finally {
      await allowSchemaDropsOnC2();
    }
    // The next run drops the copy and the role on cluster 2, and nothing of the store where it lives.
    expect(await p.services.stores.retention.purgeDeleted(0)).toEqual({ purged: [], skipped: [], rolesNotDropped: [], rolesOnUnconfiguredClusters: [] });
    expect(await hasSchema(c2Admin, schema)).toBe(false);
    expect(await roleOn(c2Admin, role)).toBe(false);
    expect(await recordsOf(schema)).toEqual([]);
    expect(await hasSchema(p.db, schema)).toBe(true);
    expect(await roleOn(p.db, role)).toBe(true);
    expect((await p.request('GET', `/api/v1/stores/${store.id}/products`, { cookie })).status).toBe(200);
  });

  it("a moved store's old role that cannot be dropped (privileges in another database of that cluster) is on record, reported by the purge, dropped once free", async () => {
    const store = await storeOn('c2');
    const { schema_name: schema } = await schemaOf(store.id);
    const role = `storeloom_${schema}`;
    const release = await holdRoleOnC2(role);
    try {
      // The move drops its source (dropMovedSource): the schema goes, the role cannot, and is put on record.
      expect(await moveStore(p.db, store.id, 'main')).toMatchObject({
        from: 'c2',
        to: 'main',
        sourceDropped: true,
        sourceOnRecord: { schema: false, role: true, reason: 'role_in_use' },
      });
      expect(await hasSchema(c2Admin, schema)).toBe(false);
      expect(await roleOn(c2Admin, role)).toBe(true);
      expect(await recordsOf(schema)).toEqual([{ cluster: 'c2', store_id: store.id, drop_schema: false, attempts: 1 }]);
      expect(await p.services.stores.retention.purgeDeleted(0)).toEqual({
        purged: [],
        skipped: [],
        rolesNotDropped: [{ storeId: store.id, cluster: 'c2', reason: 'role_in_use', error: expect.anything() }],
        rolesOnUnconfiguredClusters: [],
      });
      // While a mover is at work on the store (it holds the store's move lock), the retry leaves the record as it is.
      const mover = await p.db.pool.connect();
      try {
        await mover.query('select pg_advisory_lock(hashtext($1))', [`storeloom:move:${store.id}`]);
        expect(await p.services.stores.retention.purgeDeleted(0)).toEqual({
          purged: [],
          skipped: [],
          rolesNotDropped: [{ storeId: store.id, cluster: 'c2', reason: 'move_in_progress', error: expect.anything() }],
          rolesOnUnconfiguredClusters: [],
        });
      } finally {
        await mover.query('select pg_advisory_unlock_all()');
        mover.release();
      }
    } finally {
      await release();
    }
    expect(await p.services.stores.retention.purgeDeleted(0)).toEqual({ purged: [], skipped: [], rolesNotDropped: [], rolesOnUnconfiguredClusters: [] });
    expect(await roleOn(c2Admin, role)).toBe(false);
    expect(await recordsOf(schema)).toEqual([]);
    // The store, on the primary now, keeps its role there.
    expect(await roleOn(p.db, role)).toBe(true);
    expect((await p.request('GET', `/api/v1/stores/${store.id}/products`, { cookie })).status).toBe(200);
  });

  it("a moved store's old schema that cannot be dropped (the old cluster refuses the drop) is on record with its role, reported by the move, its job and log line; the purge job drops both there later", async () => {
    const store = await storeOn('c2');
    const { schema_name: schema } = await schemaOf(store.id);
    const { lines, run } = worker();
    await refuseSchemaDropsOnC2();
    try {
      // The move is done (the store lives on the primary, writable); what it could not drop on cluster 2 is on record, and
      // the job says so in its result and in one warn line (store id, cluster, what is left, stable reason; no error text).
      expect(await run(moveStoreJob, { storeId: store.id, target: 'main' })).toEqual({
        from: 'c2',
        to: 'main',
        rowsCopied: expect.any(Number),
        readOnlyMs: expect.any(Number),
        sourceDropped: false,
        sourceOnRecord: { schema: true, role: true, reason: 'failed' },
      });
      expect(await schemaOf(store.id)).toMatchObject({ cluster_id: 'main', read_only: false });
      expect(await p.db.control.selectFrom('store_moves').select(['status', 'source_dropped_at']).where('store_id', '=', store.id).execute()).toEqual([
        // The record is the one thing naming the old copy now: the store's purge does not go back there for it.
        { status: 'done', source_dropped_at: expect.any(Date) },
      ]);
      expect(await copiesOf(schema)).toEqual({ main: { schema: true, role: true }, c2: { schema: true, role: true } });
      expect(await recordsOf(schema)).toEqual([{ cluster: 'c2', store_id: store.id, drop_schema: true, attempts: 1 }]);
      expect(lines.map((l) => JSON.parse(l)).filter((e) => e.storeId === store.id)).toEqual([
        {
          level: 'warn',
          msg: 'moved store source not dropped',
          time: expect.anything(),
          storeId: store.id,
          cluster: 'c2',
          left: ['schema', 'role'],
          reason: 'failed',
        },
      ]);
      expect(await p.services.stores.retention.purgeDeleted(0)).toEqual({
        purged: [],
        skipped: [],
        rolesNotDropped: [{ storeId: store.id, cluster: 'c2', reason: 'failed', error: expect.anything() }],
        rolesOnUnconfiguredClusters: [],
      });
    } finally {
      await allowSchemaDropsOnC2();
    }
    // The next run drops the old copy and role on cluster 2, and nothing of the store where it lives.
    expect(await p.services.stores.retention.purgeDeleted(0)).toEqual({ purged: [], skipped: [], rolesNotDropped: [], rolesOnUnconfiguredClusters: [] });
    expect(await copiesOf(schema)).toEqual({ main: { schema: true, role: true }, c2: { schema: false, role: false } });
    expect(await recordsOf(schema)).toEqual([]);
    expect((await p.request('GET', `/api/v1/stores/${store.id}/products`, { cookie })).status).toBe(200);
  });

  it('dropMovedSource with the old cluster unreachable puts schema and role on record; a purge without that cluster reports them with their age, a purge that reaches it drops them', async () => {
    const store = await storeOn('c2');
    const { schema_name: schema } = await schemaOf(store.id);
    expect(await moveStore(p.db, store.id, 'main', { keepSource: true })).toMatchObject({ from: 'c2', to: 'main', sourceDropped: false });
    // A process whose cluster 2 does not answer (nothing listens on that port), and one that has no cluster 2 at all.
    const cut = createDatabase({ url: p.testDb.url, poolMax: 2, clusters: { c2: 'postgres://postgres@127.0.0.1:9/none' } });
    const without = createDatabase({ url: p.testDb.url, poolMax: 2 });
    try {
      expect(await dropMovedSource(cut, 'c2', schema)).toEqual({
        schemaDropped: false,
        onRecord: { schema: true, role: true, reason: 'database_unavailable' },
      });
      expect(await copiesOf(schema)).toEqual({ main: { schema: true, role: true }, c2: { schema: true, role: true } });
      expect(await recordsOf(schema)).toEqual([{ cluster: 'c2', store_id: store.id, drop_schema: true, attempts: 1 }]);
      expect(await p.db.control.selectFrom('store_moves').select('source_dropped_at').where('store_id', '=', store.id).execute()).toEqual([
        { source_dropped_at: expect.any(Date) },
      ]);
      // The purge of a process without cluster 2 keeps the record and does not count an attempt; it reports the cluster
      // once (its records, since when a purge first found it not configured), not each record, every run, in one warn line.
      const { lines, runPurgeJob } = purgeJob(without);
      expect(await runPurgeJob()).toEqual({ purged: 0, rolesNotDropped: 0, rolesOnUnconfiguredClusters: 1 });
      const first = await new StoreService(without).retention.purgeDeleted(0);
      expect(first).toEqual({
        purged: [],
        skipped: [],
        rolesNotDropped: [],
        rolesOnUnconfiguredClusters: [{ cluster: 'c2', records: 1, since: expect.any(Date) }],
      });
      const since = first.rolesOnUnconfiguredClusters[0]?.since as Date;
      expect(lines.map((l) => JSON.parse(l))).toEqual([
        {
          level: 'warn',
          msg: 'store roles on record for a cluster not configured here',
          time: expect.anything(),
          cluster: 'c2',
          records: 1,
          since: since.toISOString(),
        },
      ]);
      expect(await p.db.control.selectFrom('tenant_role_drops').select(['attempts', 'unconfigured_since']).where('schema_name', '=', schema).execute()).toEqual(
        [{ attempts: 1, unconfigured_since: since }],
      );
    } finally {
      await cut.destroy();
      await without.destroy();
    }
    // The cluster is back (a process that reaches it): its purge drops the old copy and role there, and the record goes.
    expect(await p.services.stores.retention.purgeDeleted(0)).toEqual({ purged: [], skipped: [], rolesNotDropped: [], rolesOnUnconfiguredClusters: [] });
    expect(await copiesOf(schema)).toEqual({ main: { schema: true, role: true }, c2: { schema: false, role: false } });
    expect(await recordsOf(schema)).toEqual([]);
  });

  it('a move takes over what is on record on its target: a copy it later keeps there is not dropped by the purge job', async () => {
    const store = await storeOn('main');
    const { schema_name: schema } = await schemaOf(store.id);
    // An earlier failed move to cluster 2 left its copy there on record.
    await p.db.control.insertInto('tenant_role_drops').values({ cluster: 'c2', schema_name: schema, store_id: store.id, drop_schema: true }).execute();
    expect(await moveStore(p.db, store.id, 'c2', { keepSource: true })).toMatchObject({ from: 'main', to: 'c2' });
    expect(await recordsOf(schema)).toEqual([]);
    // Moved back keeping its source: cluster 2 holds a kept copy now, which the purge job leaves alone.
    expect(await moveStore(p.db, store.id, 'main', { keepSource: true })).toMatchObject({ from: 'c2', to: 'main', sourceDropped: false });
    expect(await p.services.stores.retention.purgeDeleted(0)).toEqual({ purged: [], skipped: [], rolesNotDropped: [], rolesOnUnconfiguredClusters: [] });
    expect(await hasSchema(c2Admin, schema)).toBe(true);
    expect(await roleOn(c2Admin, `storeloom_${schema}`)).toBe(true);
    await dropMovedSource(p.db, 'c2', schema);
  });
});
