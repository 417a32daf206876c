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
import { type Kysely, sql } from 'kysely';
import { CONTROL_SCHEMA, type Database, PRIMARY_CLUSTER } from './client.ts';
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

/** Names already applied in a schema, or null when the schema/table does not exist yet. */
async function appliedNames(db: Kysely<any>, schema: string): Promise<Set<string> | null> {
  const exists = await sql<{ t: string | null }>`select to_regclass(${`${schema}.${MIGRATION_TABLE}`})::text as t`.execute(db);
  if (!exists.rows[0]?.t) return null;
  const rows = await db.withSchema(schema).selectFrom(MIGRATION_TABLE).select('name').execute();
  return new Set(rows.map((r) => r.name as string));
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
  // The primary through `db.kysely` (the same handle as `cluster('main')`, but wrappers of it keep working).
  const on = target === PRIMARY_CLUSTER ? (db.kysely as Kysely<any>) : db.cluster(target).kysely;
  const have = await appliedNames(on, schema);
  if (have && all.every((m) => have.has(m.name))) return { schema, applied: [], latest };
  // Wait for the schema's lock *before* BEGIN: a transaction that started before a concurrent
  // runner committed keeps stale catalog caches (its negative lookup of the schema), so
  // `create schema if not exists` would fail with a duplicate-key error. A transaction
  // begun after the lock is granted sees the other runner's work.
  const key = `storeloom:migrate:${schema}`;
  const applied = await on.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(hashtext(${key}))`.execute(conn);
    try {
      return await conn.transaction().execute((trx) => applyPending(trx, schema, all, db.tenantIsolation === 'role'));
    } finally {
      await sql`select pg_advisory_unlock(hashtext(${key}))`.execute(conn);
    }
  });
  return { schema, applied, latest };
}

export interface MigrateAllOptions {
  concurrency?: number;
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
  const concurrency = opts.concurrency ?? 4;
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
  const on = db.cluster(clusterId).kysely;
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
