import { AppError, ErrorCode } from '@storeloom/errors';
import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import { assertTenantSchema } from './ids.ts';
import { RoleScopedDialect, type TenantRoute } from './role-scoped-driver.ts';
import { ensureTenantRole, tenantRoleName } from './tenant-roles.ts';
import type { ControlDatabase, TenantDatabase } from './types.ts';

// int8 (counts, bigserial ids) arrive as strings by default; counts we read are
// small, so parse them as numbers. Money columns are int4 minor units.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));

export const CONTROL_SCHEMA = 'control';
/** The cluster of DATABASE_URL: it holds the control schema and every store not placed elsewhere. */
export const PRIMARY_CLUSTER = 'main';

export interface DatabaseOptions {
  url: string;
  poolMax?: number;
  applicationName?: string;
  /** Recycle connections so per-connection caches (plans, catalog) stay bounded. */
  maxLifetimeSeconds?: number;
  /** Recycle a connection after this many checkouts (default 1000: a backend caches ~46 kB of catalogue per store it touched). */
  maxUses?: number;
  /** Postgres `statement_timeout` of every connection (ms; 0 or unset = none). */
  statementTimeoutMs?: number;
  /** Postgres `idle_in_transaction_session_timeout` of every connection (ms; 0 or unset = none). */
  idleInTransactionTimeoutMs?: number;
  /** Called for each compiled query (benchmarks count statements with it). */
  onQuery?: (sql: string) => void;
  /**
   * `role` (default): tenant queries run under the store's own Postgres role
   * (`SET LOCAL ROLE` per transaction), so Postgres refuses anything outside
   * the store's schema. `schema`: only `withSchema` qualification (the
   * pre-role behaviour; for databases where the login role may not create roles).
   */
  tenantIsolation?: 'role' | 'schema';
  /** Further clusters holding store schemas: id → URL (DATABASE_CLUSTERS). The control schema stays on `url`. */
  clusters?: Record<string, string>;
  /** Pool size per further cluster (created on first use); default poolMax. */
  clusterPoolMax?: number;
  /** How long the store → cluster map is trusted before the placement version is checked again (ms). */
  placementTtlMs?: number;
  /** Place every new store on this cluster (PLACEMENT_PIN_CLUSTER). */
  placementPin?: string;
  /**
   * Prepared statements a connection keeps for tenant statements run outside a transaction (default 64, 0 = none).
   * Never on a server that shares one session between its connections (embedded PGlite, found by `select version()`).
   */
  preparedStatementsPerConnection?: number;
}

/**
 * A store's cluster (or one holding a copy of it) that this process has no connection for: registered in
 * `control.database_clusters` but not in this process's DATABASE_CLUSTERS (another process's, or taken out of this
 * one's configuration). An AppError 503 `service_unavailable` (Retry-After: 60) whose message names no cluster, so
 * an error handler may answer it as it is; `cluster` and `detail` are for logs and operators' tools.
 */
export class ClusterUnavailableError extends AppError {
  readonly cluster: string;
  readonly detail: string;
  constructor(cluster: string) {
    super(ErrorCode.ServiceUnavailable, "The store's database is not reachable from this server right now; please retry later", {
      headers: { 'Retry-After': '60' },
    });
    this.name = 'ClusterUnavailableError';
    this.cluster = cluster;
    this.detail = `database cluster "${cluster}" is not configured in DATABASE_CLUSTERS of this process`;
  }
}

/** A privileged (login role) handle on one cluster: migrations, provisioning, moves. */
export interface ClusterHandle {
  id: string;
  kysely: Kysely<any>;
  pool: pg.Pool;
}

export interface StorePlacement {
  cluster: string;
  readOnly: boolean;
}

export interface Database {
  /** Unqualified handle; prefer `control` / `tenant(schema)`. */
  readonly kysely: Kysely<ControlDatabase>;
  /** Every query qualified with the control schema. */
  readonly control: Kysely<ControlDatabase>;
  /** Every query qualified with one store's schema (never `SET search_path`). */
  tenant(schema: string): Kysely<TenantDatabase>;
  /** Runs `fn` in one transaction of the store (under its role when isolation is `role`). */
  tenantTransaction<T>(schema: string, fn: (trx: Transaction<TenantDatabase>) => Promise<T>): Promise<T>;
  readonly tenantIsolation: 'role' | 'schema';
  /** The primary cluster's pool. */
  readonly pool: pg.Pool;
  /** Clusters this process can reach: `main` first, then DATABASE_CLUSTERS. */
  readonly clusterIds: readonly string[];
  /** Login-role handle on a cluster (pool created lazily, bounded by clusterPoolMax). Throws ClusterUnavailableError for an id not configured here. */
  cluster(id: string): ClusterHandle;
  /** Where a store schema lives and whether it is read-only (cached; a move bumps the placement version). */
  placementOf(schema: string): Promise<StorePlacement>;
  /** Forgets this process's cached placement at once (other processes notice the version bump within the TTL). */
  invalidatePlacement(): void;
  /** How long a process may route by a stale placement: a move waits this long after each switch. */
  readonly placementTtlMs: number;
  /** New stores all go to this cluster when set (see pickCluster in @storeloom/stores). */
  readonly placementPin: string | undefined;
  destroy(): Promise<void>;
}

/**
 * The login-role handle of one cluster; the primary through `db.kysely` (the same as `cluster('main')`, but wrappers
 * of it keep working). Throws ClusterUnavailableError for a cluster not configured in this process, as `cluster(id)` does.
 */
export function clusterKysely(db: Database, cluster: string): Kysely<any> {
  return cluster === PRIMARY_CLUSTER ? (db.kysely as Kysely<any>) : db.cluster(cluster).kysely;
}

const newPool = (url: string, max: number, applicationName: string, opts: DatabaseOptions) => {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    application_name: applicationName,
    maxLifetimeSeconds: opts.maxLifetimeSeconds ?? 900,
    maxUses: opts.maxUses ?? 1000,
    // Sent in the startup packet: no extra round trip, and a cancelled statement rolls its transaction back.
    ...(opts.statementTimeoutMs ? { statement_timeout: opts.statementTimeoutMs } : {}),
    ...(opts.idleInTransactionTimeoutMs ? { idle_in_transaction_session_timeout: opts.idleInTransactionTimeoutMs } : {}),
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
  });
  // An idle client that dies (database restart) must not crash the process.
  pool.on('error', () => {});
  // A checked-out client whose backend dies between statements emits 'error' with no pool listener
  // attached: unhandled, that would crash the process. The failing query still rejects for its caller.
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  return pool;
};

/**
 * store schema → cluster, loaded lazily from control.stores per schema and
 * dropped whole when `control.placement_version` changes (checked at most once
 * per TTL). A process therefore routes by a placement at most ~TTL old; moves
 * keep the store read-only for longer than that around the switch.
 */
class PlacementCache {
  private readonly map = new Map<string, StorePlacement>();
  private version: number | null = null;
  private checkedAt = 0;
  private checking: Promise<void> | null = null;
  constructor(
    private readonly control: Kysely<ControlDatabase>,
    readonly ttlMs: number,
  ) {}

  invalidate(): void {
    this.map.clear();
    this.checkedAt = 0;
  }

  private async check(): Promise<void> {
    if (Date.now() - this.checkedAt < this.ttlMs) return;
    this.checking ??= (async () => {
      const started = Date.now();
      const row = await this.control.selectFrom('placement_version').select('version').where('id', '=', 1).executeTakeFirst();
      const v = Number(row?.version ?? 0);
      if (v !== this.version) {
        this.map.clear();
        this.version = v;
      }
      this.checkedAt = started;
    })().finally(() => {
      this.checking = null;
    });
    await this.checking;
  }

  async get(schema: string): Promise<StorePlacement> {
    await this.check();
    const hit = this.map.get(schema);
    if (hit) return hit;
    const row = await this.control.selectFrom('stores').select(['cluster_id', 'read_only']).where('schema_name', '=', schema).executeTakeFirst();
    const placement = { cluster: row?.cluster_id ?? PRIMARY_CLUSTER, readOnly: row?.read_only ?? false };
    if (this.map.size >= 20_000) this.map.delete(this.map.keys().next().value as string);
    this.map.set(schema, placement);
    return placement;
  }
}

export function createDatabase(opts: DatabaseOptions): Database {
  const appName = opts.applicationName ?? 'storeloom';
  const pool = newPool(opts.url, opts.poolMax ?? 10, appName, opts);
  const log = opts.onQuery
    ? (event: { level: string; query: { sql: string } }) => {
        if (event.level === 'query') opts.onQuery?.(event.query.sql);
      }
    : undefined;
  const kysely = new Kysely<ControlDatabase>({ dialect: new PostgresDialect({ pool }), log });
  const tenantIsolation = opts.tenantIsolation ?? 'role';
  const control = kysely.withSchema(CONTROL_SCHEMA);

  const clusterUrls = new Map(Object.entries(opts.clusters ?? {}).filter(([id]) => id !== PRIMARY_CLUSTER));
  const clusterIds = [PRIMARY_CLUSTER, ...clusterUrls.keys()];
  const handles = new Map<string, ClusterHandle>([[PRIMARY_CLUSTER, { id: PRIMARY_CLUSTER, kysely, pool }]]);
  const cluster = (id: string): ClusterHandle => {
    let h = handles.get(id);
    if (!h) {
      const url = clusterUrls.get(id);
      if (!url) throw new ClusterUnavailableError(id);
      const p = newPool(url, opts.clusterPoolMax ?? opts.poolMax ?? 10, `${appName}@${id}`, opts);
      h = { id, pool: p, kysely: new Kysely<any>({ dialect: new PostgresDialect({ pool: p }), log }) };
      handles.set(id, h);
    }
    return h;
  };
  const placementTtlMs = opts.placementTtlMs ?? 2000;
  const placement = new PlacementCache(control, placementTtlMs);
  // One cluster: every store is on it and none can be moved (a move needs a target), so no lookup at all.
  const multiCluster = clusterUrls.size > 0;
  const placementOf = (schema: string): Promise<StorePlacement> =>
    multiCluster ? placement.get(schema) : Promise.resolve({ cluster: PRIMARY_CLUSTER, readOnly: false });
  const mainRoute: TenantRoute = { pool, cluster: PRIMARY_CLUSTER, readOnly: false };
  // Named statements are per session: on PGlite every connection shares one, so names would collide between them.
  let prepared: Promise<number> | null = null;
  const maxPrepared = opts.preparedStatementsPerConnection ?? 64;
  const preparedPerConnection = () =>
    (prepared ??=
      maxPrepared <= 0
        ? Promise.resolve(0)
        : pool.query<{ v: string }>('select version() as v').then(
            (r) => (/PGlite/i.test(r.rows[0]?.v ?? '') ? 0 : maxPrepared),
            () => {
              prepared = null; // unreachable now: ask again next time
              return 0;
            },
          ));

  const scoped = (schema: string): Kysely<TenantDatabase> => {
    if (tenantIsolation === 'schema' && !multiCluster) return (kysely as unknown as Kysely<TenantDatabase>).withSchema(schema);
    const dialect = new RoleScopedDialect({
      route: multiCluster
        ? async () => {
            const p = await placement.get(schema);
            return { pool: cluster(p.cluster).pool, cluster: p.cluster, readOnly: p.readOnly };
          }
        : () => mainRoute,
      role: tenantIsolation === 'role' ? tenantRoleName(schema) : undefined,
      preparedPerConnection,
      // Serialised with migrations/provisioning of the same schema (same advisory lock), on the store's cluster.
      repairRole: (clusterId) =>
        cluster(clusterId)
          .kysely.transaction()
          .execute(async (trx) => {
            await sql`select pg_advisory_xact_lock(hashtext(${`storeloom:migrate:${schema}`}))`.execute(trx);
            await ensureTenantRole(trx, schema);
          }),
    });
    return new Kysely<TenantDatabase>({ dialect, log }).withSchema(schema);
  };
  const tenantCache = new Map<string, Kysely<TenantDatabase>>();
  const tenant = (schema: string): Kysely<TenantDatabase> => {
    let handle = tenantCache.get(schema);
    if (!handle) {
      handle = scoped(assertTenantSchema(schema));
      // Bounded: thousands of stores fit; beyond that, drop the oldest entries.
      if (tenantCache.size > 5000) tenantCache.delete(tenantCache.keys().next().value as string);
      tenantCache.set(schema, handle);
    }
    return handle;
  };
  return {
    kysely,
    control,
    pool,
    tenant,
    tenantTransaction: (schema, fn) => tenant(schema).transaction().execute(fn),
    tenantIsolation,
    clusterIds,
    cluster,
    placementOf,
    invalidatePlacement: () => placement.invalidate(),
    placementTtlMs,
    placementPin: opts.placementPin,
    destroy: async () => {
      await Promise.all([...handles.values()].map((h) => h.kysely.destroy()));
    },
  };
}
