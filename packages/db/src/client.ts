import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { assertTenantSchema } from './ids.ts';
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
  /** Called for each compiled query (benchmarks count statements with it). */
  onQuery?: (sql: string) => void;
}

export interface Database {
  /** Unqualified handle; prefer `control` / `tenant(schema)`. */
  readonly kysely: Kysely<ControlDatabase>;
  /** Every query qualified with the control schema. */
  readonly control: Kysely<ControlDatabase>;
  /** Every query qualified with one store's schema (never `SET search_path`). */
  tenant(schema: string): Kysely<TenantDatabase>;
  readonly pool: pg.Pool;
  destroy(): Promise<void>;
}

export function createDatabase(opts: DatabaseOptions): Database {
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolMax ?? 10,
    application_name: opts.applicationName ?? 'storeloom',
    maxLifetimeSeconds: opts.maxLifetimeSeconds ?? 900,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
  });
  // An idle client that dies (database restart) must not crash the process.
  pool.on('error', () => {});
  const kysely = new Kysely<ControlDatabase>({
    dialect: new PostgresDialect({ pool }),
    log: opts.onQuery
      ? (event) => {
          if (event.level === 'query') opts.onQuery?.(event.query.sql);
        }
      : undefined,
  });
  const control = kysely.withSchema(CONTROL_SCHEMA);
  const tenantCache = new Map<string, Kysely<TenantDatabase>>();
  return {
    kysely,
    control,
    pool,
    tenant(schema) {
      let handle = tenantCache.get(schema);
      if (!handle) {
        handle = (kysely as unknown as Kysely<TenantDatabase>).withSchema(assertTenantSchema(schema));
        // Bounded: thousands of stores fit; beyond that, drop the oldest entries.
        if (tenantCache.size > 5000) tenantCache.delete(tenantCache.keys().next().value as string);
        tenantCache.set(schema, handle);
      }
      return handle;
    },
    destroy: () => kysely.destroy(),
  };
}
