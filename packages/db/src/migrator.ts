/**
 * Migration runner: control migrations, then every store's schema.
 *
 * A migration is a timestamped file in migrations/{control,tenant} exporting
 * `up(db: Kysely<any>)`. Tenant migrations receive a handle already qualified
 * with the store's schema (`withSchema`), so they never name a schema and
 * never touch `search_path`. Each schema records what it has applied in its
 * own `storeloom_migrations` table; all pending migrations of one schema run in
 * one transaction under a per-schema advisory lock, so a crash leaves a schema
 * either at its old or its new version and two runners never collide.
 */
import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
  sql,
} from 'kysely';
import { CONTROL_SCHEMA, clusterKysely, type Database, PRIMARY_CLUSTER } from './client.ts';
import { assertTenantSchema } from './ids.ts';
import { ensureTenantRole } from './tenant-roles.ts';

export interface Migration {
  name: string;
  up(db: Kysely<any>): Promise<void>;
}

const MIGRATIONS_ROOT = new URL('../../../migrations/', import.meta.url);
const MIGRATION_TABLE = 'storeloom_migrations';

export async function loadMigrations(kind: 'control' | 'tenant'): Promise<Migration[]> {
  const dir = new URL(`${kind}/`, MIGRATIONS_ROOT);
  const files = (await readdir(fileURLToPath(dir))).filter((f) => /^\d{14}_[a-z0-9_]+\.(ts|js)$/.test(f)).sort();
  const out: Migration[] = [];
  for (const file of files) {
    const mod = (await import(pathToFileURL(fileURLToPath(new URL(file, dir))).href)) as { up?: Migration['up'] };
    if (typeof mod.up !== 'function') throw new Error(`migration ${kind}/${file} exports no up()`);
    out.push({ name: file.replace(/\.(ts|js)$/, ''), up: mod.up });
  }
  return out;
}

let cached: { control?: Promise<Migration[]>; tenant?: Promise<Migration[]> } = {};
export function migrations(kind: 'control' | 'tenant'): Promise<Migration[]> {
  cached[kind] ??= loadMigrations(kind);
  return cached[kind] as Promise<Migration[]>;
}
export const resetMigrationCache = () => {
  cached = {};
};

async function applyPending(trx: Kysely<any>, schema: string, list: Migration[], tenantRole = false): Promise<string[]> {
  await sql`select pg_advisory_xact_lock(hashtext(${`storeloom:migrate:${schema}`}))`.execute(trx);
  await sql`create schema if not exists ${sql.id(schema)}`.execute(trx);
  await trx.schema
    .withSchema(schema)
    .createTable(MIGRATION_TABLE)
    .ifNotExists()
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('applied_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  const done = new Set((await trx.withSchema(schema).selectFrom(MIGRATION_TABLE).select('name').execute()).map((r) => r.name as string));
  const applied: string[] = [];
  for (const m of list) {
    if (done.has(m.name)) continue;
    await m.up(trx.withSchema(schema));
    await trx.withSchema(schema).insertInto(MIGRATION_TABLE).values({ name: m.name }).execute();
    applied.push(m.name);
  }
  // New tables and sequences must be reachable by the store role; re-granting is idempotent.
  if (tenantRole && applied.length) await ensureTenantRole(trx, schema);
  return applied;
}

export async function migrateControl(db: Database): Promise<string[]> {
  const list = await migrations('control');
  return (db.kysely as Kysely<any>).transaction().execute((trx) => applyPending(trx, CONTROL_SCHEMA, list));
}

export interface TenantMigrationResult {
  schema: string;
  applied: string[];
  latest: string | null;
}

/**
 * Brings one store schema to the latest version (creating it if needed), on the
 * cluster holding the store (or `cluster` when given: provisioning and moves
 * name the target). Idempotent.
 */
export async function migrateTenant(db: Database, schema: string, list?: Migration[], cluster?: string): Promise<TenantMigrationResult> {
  assertTenantSchema(schema);
  const all = list ?? (await migrations('tenant'));
  const latest = all.at(-1)?.name ?? null;
  const target = cluster ?? (await db.placementOf(schema)).cluster;
  const on = clusterKysely(db, target);
  const state = await schemaState(on, schema);
  const have = state.applied;
  if (have && all.every((m) => have.has(m.name))) return { schema, applied: [], latest };
  const tenantRole = db.tenantIsolation === 'role';
  // A schema that does not exist yet or holds nothing at all (provisioning, a fresh fleet):
  // the whole chain as one pre-rendered batch once it is known (see freshChain below).
  const chain = state.fresh ? freshChains(on, all, tenantRole) : null;
  // Wait for the schema's lock *before* BEGIN: a transaction that started before a concurrent
  // runner committed keeps stale catalog caches (its negative lookup of the schema), so
  // `create schema if not exists` would fail with a duplicate-key error. A transaction
  // begun after the lock is granted sees the other runner's work.
  const key = `storeloom:migrate:${schema}`;
  const applied = await on.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(hashtext(${key}))`.execute(conn);
    try {
      return await conn.transaction().execute(async (trx) => {
        // Still fresh now that the lock is ours (another runner may have migrated it meanwhile)?
        if (chain && (await schemaState(trx, schema)).fresh) {
          const rendered = chain.rendered(schema);
          if (rendered !== null) {
            await sql.raw(rendered).execute(trx);
            return all.map((m) => m.name);
          }
          return chain.record(trx, schema, (t) => applyPending(t, schema, all, tenantRole));
        }
        return applyPending(trx, schema, all, tenantRole);
      });
    } finally {
      await sql`select pg_advisory_unlock(hashtext(${key}))`.execute(conn);
    }
  });
  return { schema, applied, latest };
}

/**
 * What a schema holds: the migrations it recorded (null when the schema or its
 * migrations table does not exist), and whether it is *fresh*: no migrations
 * table and no object in it (or no schema at all). One query. Objects are found
 * through pg_depend (every relation, function, type and other schema object
 * depends on its schema, and pg_depend is indexed by what is depended on): a
 * lookup by namespace in pg_class, pg_proc or pg_type has no index and reads the
 * whole catalogue, which on a cluster of thousands of stores is millions of rows
 * per store migrated.
 */
export async function schemaState(db: Kysely<any>, schema: string): Promise<{ applied: Set<string> | null; fresh: boolean }> {
  const r = await sql<{ t: string | null; objects: boolean }>`
    select to_regclass(${`${schema}.${MIGRATION_TABLE}`})::text as t,
           exists (select 1 from pg_catalog.pg_namespace n
                    where n.nspname = ${schema}
                      and exists (select 1 from pg_catalog.pg_depend d
                                   where d.refclassid = 'pg_catalog.pg_namespace'::pg_catalog.regclass
                                     and d.refobjid = n.oid)) as objects`.execute(db);
  const row = r.rows[0];
  if (!row?.t) return { applied: null, fresh: !row?.objects };
  const rows = await db.withSchema(schema).selectFrom(MIGRATION_TABLE).select('name').execute();
  return { applied: new Set(rows.map((r) => r.name as string)), fresh: false };
}

/*
 * Fresh schemas: the migration chain as one pre-rendered statement batch.
 *
 * Creating a store's schema step by step costs ~300 statements, each compiled by
 * Kysely and sent in its own round trip. For a schema that holds nothing yet, the
 * chain does exactly the same thing every time except for the schema's name: the
 * step-by-step runs of the first fresh schemas on a cluster are recorded statement
 * by statement (parameters inlined as untyped literals, which Postgres resolves
 * exactly as it resolves untyped parameters), and once two recordings agree after
 * their schema names are swapped for a placeholder, later fresh schemas on that
 * cluster run the recording as one multi-statement string in one round trip.
 * The batch contains every statement of the step-by-step path (advisory lock,
 * `create schema`, the migrations table, each migration followed by its
 * `storeloom_migrations` row, the store role and grants), so the schema, its
 * grants and its migration records are the same, and later migrations continue
 * from it normally. Anything a recording cannot express exactly (a parameter that
 * is not a string, number, boolean, null or JSON object; two recordings that
 * differ, e.g. a migration generating a random value in JavaScript) disables the
 * batch for that chain: every schema then migrates step by step as before.
 * It is one transaction like the step-by-step path: a failure leaves no half schema.
 */
const PLACEHOLDER = '\u0000storeloom_schema\u0000';
const RECORDABLE_SCHEMA = /^t_[0-9a-f]{32}$/;
const SAMPLES_NEEDED = 2;

interface FreshChain {
  /** The batch for this schema, or null while it is not known (or never will be). */
  rendered(schema: string): string | null;
  /** Runs `run` (the step-by-step migration of a fresh schema) recording its statements. */
  record(trx: Kysely<any>, schema: string, run: (recorder: Kysely<any>) => Promise<string[]>): Promise<string[]>;
}

const migrationIds = new WeakMap<Migration['up'], number>();
let nextMigrationId = 0;
function migrationId(m: Migration): number {
  let id = migrationIds.get(m.up);
  if (id === undefined) {
    id = nextMigrationId++;
    migrationIds.set(m.up, id);
  }
  return id;
}

const freshChainCache = new WeakMap<Kysely<any>, Map<string, FreshChain>>();

/** Turns the pre-rendered path off in this process (tests compare it with the step-by-step path). */
let freshBatchEnabled = true;
export function setFreshMigrationBatch(enabled: boolean): void {
  freshBatchEnabled = enabled;
}

function freshChains(on: Kysely<any>, list: Migration[], tenantRole: boolean): FreshChain | null {
  if (!freshBatchEnabled) return null;
  let perCluster = freshChainCache.get(on);
  if (!perCluster) {
    perCluster = new Map();
    freshChainCache.set(on, perCluster);
  }
  // By identity, not only by name: two lists with the same names but other code are other chains.
  const key = `${tenantRole ? 'role' : 'schema'}:${list.map((m) => `${m.name}#${migrationId(m)}`).join(',')}`;
  let chain = perCluster.get(key);
  if (!chain) {
    chain = newFreshChain();
    perCluster.set(key, chain);
  }
  return chain;
}

function newFreshChain(): FreshChain {
  const samples: string[] = [];
  let batch: string | null | undefined; // undefined: not known yet; null: never
  return {
    rendered(schema) {
      return typeof batch === 'string' ? batch.replaceAll(PLACEHOLDER, schema) : null;
    },
    async record(trx, schema, run) {
      if (batch !== undefined || !RECORDABLE_SCHEMA.test(schema)) return run(trx);
      const statements: string[] = [];
      let renderable = true;
      const applied = await run(
        recordingKysely(trx, (q) => {
          const text = inlineParameters(q);
          if (text === null) renderable = false;
          else statements.push(text);
        }),
      );
      // Only a recording of the whole chain can stand in for it.
      if (batch !== undefined) return applied;
      if (!renderable || statements.some((s) => s.includes(PLACEHOLDER))) {
        batch = null;
        return applied;
      }
      const sample = statements.map(guardedColumnAdds).join('\n;\n').replaceAll(schema, PLACEHOLDER);
      if (samples.length && samples[0] !== sample) {
        batch = null;
        return applied;
      }
      samples.push(sample);
      if (samples.length >= SAMPLES_NEEDED) batch = sample;
      return applied;
    },
  };
}

const ALTER_TABLE = /^alter table ((?:"(?:[^"]|"")+"\.)?"(?:[^"]|"")+") (add column .*)$/s;
const ADD_COLUMN = /^add column ("(?:[^"]|"")+") ([a-z][a-z0-9_]*(?:\[\])?)(?: default (-?\d+(?:\.\d+)?|true|false|'(?:[^']|'')*'(?:::[a-z]+)?))?( not null)?$/;
const GUARD_TAG = '$storeloom_add_column$';

/**
 * `alter table t add column c <type> default <constant> [not null]` as the batch runs it. Postgres keeps such a
 * default as the column's "missing value" for the rows already there, and an ALTER TABLE that does reads one
 * catalogue (pg_index, by Postgres' own counters) from end to end: ~0.3 M rows per statement on a cluster of 1,000
 * stores, and today's chain has 19 of them, so a fresh store's migration grew with the size of the fleet. A fresh
 * schema's tables are empty when the chain adds their columns, and for an empty table `add column c <type> [not null],
 * alter column c set default <constant>` makes the same column, default and constraint without that read (only the
 * missing-value bookkeeping, which no row uses, differs). The batch runs that form when the table is indeed empty at
 * that point, and the original statement otherwise, so the outcome is the step-by-step path's in either case.
 * Only statements Kysely compiles in exactly this shape (quoted names, a one-word type, a number, boolean or quoted
 * literal default) are rewritten; anything else runs as recorded.
 */
export function guardedColumnAdds(statement: string): string {
  const m = ALTER_TABLE.exec(statement);
  if (!m || statement.includes(GUARD_TAG)) return statement;
  const [, table, actions] = m as unknown as [string, string, string];
  const split: string[] = [];
  let defaults = 0;
  for (const action of actions.split(/, (?=add column ")/)) {
    const a = ADD_COLUMN.exec(action);
    if (!a) return statement;
    const [, column, type, dflt, notNull] = a;
    split.push(`add column ${column} ${type}${notNull ?? ''}`);
    if (dflt !== undefined) {
      split.push(`alter column ${column} set default ${dflt}`);
      defaults++;
    }
  }
  if (!defaults) return statement;
  return `do ${GUARD_TAG} begin
  if exists (select 1 from ${table}) then
    execute ${`'${statement.replaceAll("'", "''")}'`};
  else
    alter table ${table} ${split.join(', ')};
  end if;
end ${GUARD_TAG}`;
}

/** A Kysely whose every query runs on `target` (one transaction) and is passed to `onQuery` first. */
function recordingKysely(target: Kysely<any>, onQuery: (q: CompiledQuery) => void): Kysely<any> {
  const connection: DatabaseConnection = {
    executeQuery<R>(q: CompiledQuery): Promise<QueryResult<R>> {
      onQuery(q);
      return target.executeQuery<R>(q);
    },
    // biome-ignore lint/correctness/useYield: never streams
    async *streamQuery() {
      throw new Error('streaming is not supported while recording migrations');
    },
  };
  const driver: Driver = {
    init: async () => {},
    acquireConnection: async () => connection,
    beginTransaction: async () => {
      throw new Error('a migration must not open its own transaction');
    },
    commitTransaction: async () => {},
    rollbackTransaction: async () => {},
    releaseConnection: async () => {},
    destroy: async () => {},
  };
  return new Kysely<any>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => driver,
      createIntrospector: (db) => new PostgresIntrospector(db),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
}

/** A parameter as the untyped literal Postgres would resolve like the untyped parameter node-postgres sends; null when not exact. */
function literal(v: unknown): string | null {
  if (v === null || v === undefined) return 'null';
  let text: string;
  if (typeof v === 'string') text = v;
  else if (typeof v === 'number' || typeof v === 'bigint') {
    if (typeof v === 'number' && !Number.isFinite(v)) return null;
    text = String(v);
  } else if (typeof v === 'boolean') text = v ? 'true' : 'false';
  else if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) text = JSON.stringify(v);
  else return null; // Date, Buffer, arrays: node-postgres formats these itself; stay step by step
  if (text.includes('\u0000')) return null;
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * The query with its `$n` parameters replaced by literals, skipping quoted strings,
 * quoted identifiers, dollar-quoted bodies and comments; null when a parameter has
 * no exact literal form.
 */
export function inlineParameters(q: { sql: string; parameters: readonly unknown[] }): string | null {
  const params = q.parameters;
  if (!params.length) return q.sql;
  const lits = params.map(literal);
  if (lits.some((l) => l === null)) return null;
  const s = q.sql;
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i] as string;
    if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < s.length) {
        if (s[j] === c) {
          if (s[j + 1] === c) j += 2;
          else break;
        } else j++;
      }
      out += s.slice(i, j + 1);
      i = j + 1;
    } else if (c === '-' && s[i + 1] === '-') {
      const j = s.indexOf('\n', i);
      const end = j < 0 ? s.length : j;
      out += s.slice(i, end);
      i = end;
    } else if (c === '/' && s[i + 1] === '*') {
      const j = s.indexOf('*/', i + 2);
      const end = j < 0 ? s.length : j + 2;
      out += s.slice(i, end);
      i = end;
    } else if (c === '$' && !/[A-Za-z0-9_$]/.test(s[i - 1] ?? ' ')) {
      const m = /^\$(\d+)/.exec(s.slice(i));
      const tag = m ? null : /^\$[A-Za-z_]*\$/.exec(s.slice(i));
      if (m) {
        const n = Number(m[1]);
        const lit = lits[n - 1];
        if (lit === undefined || lit === null) return null;
        out += lit;
        i += m[0].length;
      } else if (tag) {
        const j = s.indexOf(tag[0], i + tag[0].length);
        const end = j < 0 ? s.length : j + tag[0].length;
        out += s.slice(i, end);
        i = end;
      } else {
        out += c;
        i++;
      }
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/*
 * Lock-table-aware concurrency.
 *
 * A migration transaction holds its heavyweight locks until commit, and a fresh store schema is created by one
 * transaction (see freshChain above): every table, index, sequence, toast table and type it makes is locked until
 * the end. Postgres keeps those locks in one shared table of max_locks_per_transaction × (max_connections +
 * max_prepared_transactions) slots (64 × 100 = 6,400 by default) for the whole server, and a transaction that
 * finds it full fails with "out of shared memory" (so does any other session's, whatever its database). So
 * migrateAllTenants runs at most as many migrations side by side as fit, at the worst case of a fresh schema each,
 * in half of that table (the other half stays for everything else on the server), reading the settings once per
 * run from each cluster it migrates on; a request above that is capped and reported through `onConcurrencyCapped`.
 * An upgrade of an existing schema locks what its migrations touch, at most the schema's objects, which a fresh
 * schema creates: the same bound holds, pessimistically.
 */

/** Locks one transaction creating a fresh store schema holds at commit: 1,204 rows in pg_locks (round 14), plus headroom for later migrations; packages/db/test/lock-budget.test.ts checks the measure stays within it. */
export const LOCKS_PER_FRESH_SCHEMA = 1400;
/** Locks one `drop schema ... cascade` of a store schema holds at commit: 1,532 (round 14), plus headroom (same test). */
export const LOCKS_PER_SCHEMA_DROP = 1800;

export interface LockTableSettings {
  maxLocksPerTransaction: number;
  maxConnections: number;
  maxPreparedTransactions: number;
}

/** Slots of the server's shared lock table (the size Postgres' documentation gives for max_locks_per_transaction). */
export const lockTableSlots = (s: LockTableSettings): number => s.maxLocksPerTransaction * (s.maxConnections + s.maxPreparedTransactions);

/** `requested`, lowered (never below 1) so that many transactions of `locksEach` locks fit in half the lock table. */
export function lockBoundConcurrency(requested: number, settings: LockTableSettings, locksEach: number): number {
  const fit = Math.floor(lockTableSlots(settings) / 2 / Math.max(1, locksEach));
  return Math.max(1, Math.min(requested, fit));
}

/** The lock table's settings as one row (l, c, p); for callers holding a plain pg client (see readLockTableSettings). */
export const LOCK_TABLE_SETTINGS_SQL =
  "select current_setting('max_locks_per_transaction')::int as l, current_setting('max_connections')::int as c, current_setting('max_prepared_transactions')::int as p";

/** The row of LOCK_TABLE_SETTINGS_SQL as settings; null when it does not make sense (then nothing is capped). */
export function lockTableSettingsOf(row: { l: unknown; c: unknown; p: unknown } | undefined): LockTableSettings | null {
  if (!row) return null;
  const s = { maxLocksPerTransaction: Number(row.l), maxConnections: Number(row.c), maxPreparedTransactions: Number(row.p) };
  const ok = Number.isInteger(s.maxLocksPerTransaction) && s.maxLocksPerTransaction > 0 && Number.isInteger(s.maxConnections) && s.maxConnections > 0;
  return ok && Number.isInteger(s.maxPreparedTransactions) && s.maxPreparedTransactions >= 0 ? s : null;
}

/** The lock table's settings of the server behind `db`; null when it does not say (then nothing is capped). */
export async function readLockTableSettings(db: Kysely<any>): Promise<LockTableSettings | null> {
  try {
    const r = await sql.raw<{ l: unknown; c: unknown; p: unknown }>(LOCK_TABLE_SETTINGS_SQL).execute(db);
    return lockTableSettingsOf(r.rows[0]);
  } catch {
    return null;
  }
}

export interface ConcurrencyCap {
  requested: number;
  used: number;
  /** The cluster whose lock table is the smallest for this run. */
  cluster: string;
  settings: LockTableSettings;
  locksPerMigration: number;
}

/** One line for a log saying why the concurrency was capped (no store data in it). */
export function describeConcurrencyCap(cap: ConcurrencyCap): string {
  const s = cap.settings;
  return (
    `concurrency ${cap.requested} capped to ${cap.used}: a migration transaction may hold ~${cap.locksPerMigration} locks until commit, ` +
    `and half of cluster ${cap.cluster}'s lock table is ${Math.floor(lockTableSlots(s) / 2)} slots ` +
    `(max_locks_per_transaction ${s.maxLocksPerTransaction} × (max_connections ${s.maxConnections} + max_prepared_transactions ${s.maxPreparedTransactions}) / 2); ` +
    'raise max_locks_per_transaction for more'
  );
}

export interface MigrateAllOptions {
  concurrency?: number;
  /** Called once, before any store is migrated, when `concurrency` was lowered to fit the lock table. */
  onConcurrencyCapped?: (cap: ConcurrencyCap) => void;
  /** Migrate only this many stores first and stop if any of them fails. */
  canary?: number;
  onProgress?: (p: { done: number; total: number; failed: number; schema: string }) => void;
}

export interface MigrateAllResult {
  total: number;
  migrated: number;
  upToDate: number;
  failed: { storeId: string; schema: string; error: string }[];
  stoppedByCanary: boolean;
}

/** Runs tenant migrations over every non-deleted store with bounded concurrency; failures are reported, the rest continue. */
export async function migrateAllTenants(db: Database, opts: MigrateAllOptions = {}): Promise<MigrateAllResult> {
  const list = await migrations('tenant');
  const latest = list.at(-1)?.name ?? null;
  const stores = await db.control.selectFrom('stores').select(['id', 'schema_name', 'cluster_id']).where('status', '!=', 'deleted').orderBy('id').execute();
  const result: MigrateAllResult = { total: stores.length, migrated: 0, upToDate: 0, failed: [], stoppedByCanary: false };
  let done = 0;
  const runBatch = async (batch: typeof stores, concurrency: number) => {
    let next = 0;
    const worker = async () => {
      while (next < batch.length) {
        const store = batch[next++];
        if (!store) break;
        try {
          // Each store on its own cluster (the placement recorded in control.stores).
          const r = await migrateTenant(db, store.schema_name, list, store.cluster_id);
          if (r.applied.length) {
            result.migrated++;
            await db.control.updateTable('stores').set({ schema_version: latest }).where('id', '=', store.id).execute();
          } else result.upToDate++;
        } catch (e) {
          result.failed.push({ storeId: store.id, schema: store.schema_name, error: e instanceof Error ? e.message : String(e) });
        }
        done++;
        opts.onProgress?.({ done, total: stores.length, failed: result.failed.length, schema: store.schema_name });
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, batch.length)) }, worker));
  };
  const concurrency = await lockBoundRunConcurrency(db, opts, stores);
  if (opts.canary && opts.canary > 0) {
    await runBatch(stores.slice(0, opts.canary), concurrency);
    if (result.failed.length) {
      result.stoppedByCanary = true;
      return result;
    }
    await runBatch(stores.slice(opts.canary), concurrency);
  } else {
    await runBatch(stores, concurrency);
  }
  return result;
}

/** The run's concurrency: the one asked for, capped to what the lock table of every cluster involved holds. */
async function lockBoundRunConcurrency(db: Database, opts: MigrateAllOptions, stores: readonly { cluster_id: string }[]): Promise<number> {
  const requested = opts.concurrency ?? 4;
  if (requested <= 1 || stores.length <= 1) return requested;
  let cap: ConcurrencyCap | null = null;
  for (const cluster of new Set(stores.map((s) => s.cluster_id))) {
    let on: Kysely<any>;
    try {
      on = clusterKysely(db, cluster);
    } catch {
      continue; // not configured in this process: its stores fail one by one below, as before
    }
    const settings = await readLockTableSettings(on);
    if (!settings) continue;
    const used = lockBoundConcurrency(requested, settings, LOCKS_PER_FRESH_SCHEMA);
    if (used < (cap?.used ?? requested)) cap = { requested, used, cluster, settings, locksPerMigration: LOCKS_PER_FRESH_SCHEMA };
  }
  if (!cap) return requested;
  opts.onConcurrencyCapped?.(cap);
  return cap.used;
}

/**
 * Records every cluster this process is configured with in control.database_clusters
 * (new ones open, weight 100; existing rows keep their status and weight). Returns the ids added.
 */
export async function registerConfiguredClusters(db: Database): Promise<string[]> {
  const added: string[] = [];
  for (const id of db.clusterIds) {
    const row = await db.control
      .insertInto('database_clusters')
      .values({ id, name: id })
      .onConflict((oc) => oc.column('id').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (row) added.push(id);
  }
  return added;
}

const preparedClusters = new WeakMap<Database, Set<string>>();
/**
 * Makes a further cluster ready to hold stores: its own `control.mail_outbox`,
 * so a store transaction there can write its mail atomically (the mail outbox
 * relays such rows to the primary's outbox). Idempotent; once per process.
 */
export async function prepareCluster(db: Database, clusterId: string): Promise<void> {
  if (clusterId === PRIMARY_CLUSTER) return;
  const done = preparedClusters.get(db) ?? new Set<string>();
  preparedClusters.set(db, done);
  if (done.has(clusterId)) return;
  const on = clusterKysely(db, clusterId);
  const outbox = (await migrations('control')).find((m) => m.name.endsWith('_mail_outbox'));
  if (!outbox) throw new Error('control migration *_mail_outbox not found');
  await on.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(hashtext('storeloom:prepare-cluster'))`.execute(conn);
    try {
      await conn.transaction().execute(async (trx) => {
        await sql`create schema if not exists ${sql.id(CONTROL_SCHEMA)}`.execute(trx);
        const exists = await sql<{ t: string | null }>`select to_regclass(${`${CONTROL_SCHEMA}.mail_outbox`})::text as t`.execute(trx);
        if (!exists.rows[0]?.t) await outbox.up(trx.withSchema(CONTROL_SCHEMA));
        // Columns later control migrations added to the primary's outbox (the relay copies whole rows).
        await sql`alter table ${sql.id(CONTROL_SCHEMA)}.mail_outbox add column if not exists headers jsonb`.execute(trx);
      });
    } finally {
      await sql`select pg_advisory_unlock(hashtext('storeloom:prepare-cluster'))`.execute(conn);
    }
  });
  done.add(clusterId);
}
