import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import { assertTenantSchema } from './ids.ts';
import { RoleScopedDialect } from './role-scoped-driver.ts';
import { ensureTenantRole, tenantRoleName } from './tenant-roles.ts';
import type { ControlDatabase, TenantDatabase } from './types.ts';

// int8 (counts, bigserial ids) arrive as strings by default; counts we read are
// small, so parse them as numbers. Money columns are int4 minor units.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));

export const CONTROL_SCHEMA = 'control';

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
  readonly pool: pg.Pool;
  destroy(): Promise<void>;
}

export function createDatabase(opts: DatabaseOptions): Database {
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolMax ?? 10,
    application_name: opts.applicationName ?? 'storeloom',
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
  const log = opts.onQuery
    ? (event: { level: string; query: { sql: string } }) => {
        if (event.level === 'query') opts.onQuery?.(event.query.sql);
      }
    : undefined;
  const kysely = new Kysely<ControlDatabase>({ dialect: new PostgresDialect({ pool }), log });
  const tenantIsolation = opts.tenantIsolation ?? 'role';
  const scoped = (schema: string): Kysely<TenantDatabase> => {
    if (tenantIsolation === 'schema') return (kysely as unknown as Kysely<TenantDatabase>).withSchema(schema);
    const dialect = new RoleScopedDialect({
      pool,
      role: tenantRoleName(schema),
      // Serialised with migrations/provisioning of the same schema (same advisory lock).
      repairRole: () =>
        kysely.transaction().execute(async (trx) => {
          await sql`select pg_advisory_xact_lock(hashtext(${`storeloom:migrate:${schema}`}))`.execute(trx);
          await ensureTenantRole(trx, schema);
        }),
    });
    return new Kysely<TenantDatabase>({ dialect, log }).withSchema(schema);
  };
  const control = kysely.withSchema(CONTROL_SCHEMA);
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
    destroy: () => kysely.destroy(),
  };
}
