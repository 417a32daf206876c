/**
 * Moves a store's schema from the cluster holding it to another one:
 *
 * 1. bring the source up to date (tenant migrations), record a `store_moves` row;
 * 2. target (before the window: it is not live): drop any leftover of an
 *    earlier attempt, create schema + role and run the tenant migrations there;
 * 3. read-only: `stores.read_only = true` + placement version bump, then wait
 *    2 × the placement TTL so every process runs the store's transactions
 *    `read only` (Postgres refuses writes with 25006 → 503 `store_read_only`);
 * 4. copy: one source transaction takes SHARE locks on every table (waits for
 *    any writer still in flight, blocks new ones; readers go on), then each
 *    table streams `COPY … TO STDOUT` → `COPY … FROM STDIN` into one target
 *    transaction, parents before children; sequences are set to the source's;
 * 5. verify: row count and an order-independent checksum (sum of the md5 of
 *    each row's text) per table, source (still locked) against target;
 * 6. switch: `stores.cluster_id = target` + version bump in one control
 *    transaction, wait 2 × TTL (stale processes may still read the frozen
 *    source, never write it), then clear read-only (another bump);
 * 7. drop the source schema (and its role on that cluster), unless `keepSource`
 *    (then dropMovedSource drops it later, or the store's purge does); a schema
 *    or role that cannot be dropped is on record for the purge job
 *    (tenant-role-drops.ts), and the result says so (sourceOnRecord).
 *
 * A failure before the switch rolls back to the source: read-only cleared, the
 * move marked failed with its error, the target's copy and role dropped (on
 * record for the purge job when that fails); the error is thrown. A run that finds
 * an unfinished move of the same store (a crashed mover) resumes it: before
 * the switch it starts the copy again, after it only finishes the last steps.
 * One mover per store at a time (session advisory lock).
 */
import { pipeline } from 'node:stream/promises';
import { type Kysely, sql } from 'kysely';
import type pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { CONTROL_SCHEMA, ClusterUnavailableError, clusterKysely, type Database } from './client.ts';
import { newId, quoteIdent, storeIdOfSchema } from './ids.ts';
import { migrateTenant, migrations, prepareCluster } from './migrator.ts';
import { dropTenantLeftovers, recordTenantDrops, type TenantDropFailReason, tenantDropFailReason } from './tenant-role-drops.ts';

export type MoveStep = 'prepare' | 'target' | 'read_only' | 'copy' | 'verify' | 'switch' | 'writable' | 'drop_source' | 'done';

export interface MoveProgress {
  moveId: string;
  step: MoveStep;
  tablesDone: number;
  tablesTotal: number;
  rowsCopied: number;
  table?: string;
}

export interface TableCheck {
  table: string;
  rows: number;
  checksum: string;
}

export interface MoveResult {
  moveId: string;
  storeId: string;
  from: string;
  to: string;
  tables: TableCheck[];
  rowsCopied: number;
  readOnlyMs: number;
  /** The source schema is gone (false with keepSource, or when its drop failed: see sourceOnRecord). */
  sourceDropped: boolean;
  /** What of the source could not be dropped and is on record for the purge job; null when nothing is. */
  sourceOnRecord: SourceOnRecord | null;
  resumed: boolean;
}

/**
 * A moved store's old copy on the cluster it left that could not be dropped: on record (control.tenant_role_drops) for
 * the purge job, which tries it every run, never where the store lives. `schema`: the schema is still there (the role
 * after it); else only the role. `role`: the role is to drop (store roles are in use: TENANT_ISOLATION=role).
 */
export interface SourceOnRecord {
  schema: boolean;
  role: boolean;
  reason: TenantDropFailReason;
}

export interface MoveOptions {
  /** Keep the source schema (e.g. for N days; drop it later with dropMovedSource, or the store's purge drops it). Default: drop after the switch. */
  keepSource?: boolean;
  onProgress?: (p: MoveProgress) => void;
  /** Test seam: called after each table is copied (throw to fail the move there). */
  afterTableCopied?: (table: string) => Promise<void> | void;
}

export class MoveError extends Error {}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function bumpVersion(trx: Kysely<any>): Promise<void> {
  await sql`update ${sql.id(CONTROL_SCHEMA, 'placement_version')} set version = version + 1 where id = 1`.execute(trx);
}

/**
 * The relations of a schema, found without reading the whole catalogue: pg_class (like pg_constraint and pg_sequence)
 * has no index on the namespace, so a lookup by it (`join pg_namespace … where nspname = $1`, or the pg_sequences
 * view's schemaname) reads all of pg_class, millions of rows on a cluster of thousands of stores, for every store
 * moved. Every relation of a schema depends on the schema in pg_depend, which is indexed by what is depended on
 * (pg_depend_reference_index), and each one found there is fetched by oid. `offset 0` keeps that fetch a probe of
 * pg_class's oid index per dependency: without it the planner may join pg_class as a whole instead, by a sequential
 * scan when the catalogue looks small. `$1` is the schema's name; the lateral subquery is `c`.
 */
const schemaRelations = (where: string) => `
       from pg_catalog.pg_depend d
      cross join lateral (select k.oid, k.relname from pg_catalog.pg_class k
                           where k.oid = d.objid and k.relnamespace = d.refobjid and ${where} offset 0) c
      where d.refclassid = 'pg_catalog.pg_namespace'::pg_catalog.regclass
        and d.refobjid = pg_catalog.to_regnamespace($1)
        and d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass`;

/** Tables of a schema, parents before children (FK order); partitions are copied through their parent. */
export async function tablesInCopyOrder(client: pg.PoolClient, schema: string): Promise<string[]> {
  // Each table with the tables its foreign keys reference (oids), read by conrelid (an index of pg_constraint).
  const { rows: tables } = await client.query<{ oid: string; relname: string; refs: string[] | null }>(
    `select c.oid::pg_catalog.text as oid, c.relname,
            (select pg_catalog.array_agg(f.confrelid::pg_catalog.text) from pg_catalog.pg_constraint f
              where f.conrelid = c.oid and f.contype = 'f') as refs
     ${schemaRelations("k.relkind in ('r', 'p') and not k.relispartition")}
      order by c.relname`,
    [schema],
  );
  const names = tables.map((t) => t.relname);
  const byOid = new Map(tables.map((t, i) => [t.oid, i]));
  // A table's parents: the tables of this schema it references (not itself), in name order.
  const parents = new Map(
    tables.map((t) => {
      const refs = new Set<number>();
      for (const ref of t.refs ?? []) if (ref !== t.oid && byOid.has(ref)) refs.add(byOid.get(ref) as number);
      return [t.relname, [...refs].sort((x, y) => x - y).map((i) => names[i] as string)];
    }),
  );
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (t: string) => {
    if (state.get(t) === 'done') return;
    if (state.get(t) === 'visiting') throw new MoveError(`foreign keys form a cycle through ${schema}.${t}`);
    state.set(t, 'visiting');
    for (const p of parents.get(t) ?? []) visit(p);
    state.set(t, 'done');
    order.push(t);
  };
  for (const t of names) visit(t);
  return order;
}

async function copyableColumns(client: pg.PoolClient, schema: string, table: string): Promise<string[]> {
  const { rows } = await client.query<{ attname: string }>(
    `select a.attname from pg_catalog.pg_attribute a
      where a.attrelid = $1::regclass and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
      order by a.attnum`,
    [`${quoteIdent(schema)}.${quoteIdent(table)}`],
  );
  return rows.map((r) => r.attname);
}

/** Row count and an order-independent checksum of a table (run inside a transaction with TimeZone fixed). */
async function checkTable(client: pg.PoolClient, schema: string, table: string): Promise<TableCheck> {
  const { rows } = await client.query<{ n: number; sum: string }>(
    `select count(*)::bigint as n, coalesce(sum(('x' || left(md5(t::text), 15))::bit(60)::bigint), 0)::text as sum from ${quoteIdent(schema)}.${quoteIdent(table)} t`,
  );
  return { table, rows: Number(rows[0]?.n ?? 0), checksum: rows[0]?.sum ?? '0' };
}

/**
 * The state of each sequence of a schema, in name order: what `setval(seq, value, called)` needs to make another
 * copy of it hand out the same next value. Read from the sequence relations themselves (as pg_dump does), after
 * listing them through pg_depend: the pg_sequences view filters by schema name, which reads every sequence of the
 * cluster (and its pg_class row) for each store. It also gave no value for a sequence not used since a
 * `setval(…, false)` or `restart`, whose copy then restarted at the start value instead.
 */
export async function sequenceStates(client: pg.PoolClient, schema: string): Promise<{ name: string; value: string; called: boolean }[]> {
  const { rows: seqs } = await client.query<{ relname: string }>(`select c.relname ${schemaRelations("k.relkind = 'S'")} order by c.relname`, [schema]);
  if (!seqs.length) return [];
  const { rows } = await client.query<{ i: number; value: string; called: boolean }>(
    seqs
      .map((s, i) => `select ${i} as i, last_value::text as value, is_called as called from ${quoteIdent(schema)}.${quoteIdent(s.relname)}`)
      .join(' union all '),
  );
  return rows.sort((x, y) => x.i - y.i).map((r) => ({ name: seqs[r.i]?.relname as string, value: r.value, called: r.called }));
}

async function copySequences(src: pg.PoolClient, dst: pg.PoolClient, schema: string): Promise<void> {
  for (const s of await sequenceStates(src, schema))
    await dst.query('select pg_catalog.setval($1::regclass, $2::bigint, $3)', [`${quoteIdent(schema)}.${quoteIdent(s.name)}`, s.value, s.called]);
}

/** Moves one store to `target`; see the file comment for the steps and guarantees. */
export async function moveStore(db: Database, storeId: string, target: string, opts: MoveOptions = {}): Promise<MoveResult> {
  if (!db.clusterIds.includes(target)) throw new MoveError(`cluster "${target}" is not configured (DATABASE_CLUSTERS)`);
  return withMoveLock(db, storeId, () => runMove(db, storeId, target, opts));
}

/**
 * Runs `fn` holding the store's move lock: a session advisory lock on a dedicated primary connection, to its end. One
 * mover per store; the purge and its retry of records try the same lock (as a transaction lock) and leave the store
 * while it is held. Refused (MoveError) while another process holds it.
 */
async function withMoveLock<T>(db: Database, storeId: string, fn: () => Promise<T>): Promise<T> {
  return db.kysely.connection().execute(async (lockConn) => {
    const key = `storeloom:move:${storeId}`;
    const got = await sql<{ ok: boolean }>`select pg_try_advisory_lock(hashtext(${key})) as ok`.execute(lockConn);
    if (!got.rows[0]?.ok) throw new MoveError(`store ${storeId} is being moved by another process`);
    try {
      return await fn();
    } finally {
      await sql`select pg_advisory_unlock(hashtext(${key}))`.execute(lockConn);
    }
  });
}

async function runMove(db: Database, storeId: string, target: string, opts: MoveOptions): Promise<MoveResult> {
  const control = db.control;
  const store = await control.selectFrom('stores').selectAll().where('id', '=', storeId).executeTakeFirst();
  if (!store || store.status === 'deleted') throw new MoveError(`store ${storeId} not found`);
  if (store.status === 'provisioning') throw new MoveError(`store ${storeId} is still provisioning`);
  const cluster = await control.selectFrom('database_clusters').selectAll().where('id', '=', target).executeTakeFirst();
  if (!cluster) throw new MoveError(`cluster "${target}" is not registered (run npm run migrate)`);
  if (cluster.status === 'closed') throw new MoveError(`cluster "${target}" is closed`);

  const active = await control
    .selectFrom('store_moves')
    .selectAll()
    .where('store_id', '=', storeId)
    .where('status', 'in', ['pending', 'running'])
    .executeTakeFirst();
  if (active && active.target_cluster !== target)
    throw new MoveError(`store ${storeId} has an unfinished move to "${active.target_cluster}"; finish that one first`);
  const schema = store.schema_name;
  // Resume after the switch: the data is on the target already; only finish.
  if (active && store.cluster_id === target) {
    return finish(
      db,
      { moveId: active.id, storeId, schema, from: active.source_cluster, to: target, tables: [], rowsCopied: 0, started: Date.now() },
      opts,
      true,
    );
  }
  if (store.cluster_id === target) throw new MoveError(`store ${storeId} is already on "${target}"`);
  const from = store.cluster_id;
  const moveId = active?.id ?? newId();
  if (!active)
    await control
      .insertInto('store_moves')
      .values({
        id: moveId,
        store_id: storeId,
        source_cluster: from,
        target_cluster: target,
        status: 'running',
        step: 'prepare',
        error: null,
        source_dropped_at: null,
        finished_at: null,
      })
      .execute();
  else
    await control
      .updateTable('store_moves')
      .set({ status: 'running', step: 'prepare', error: null, updated_at: new Date() })
      .where('id', '=', moveId)
      .execute();

  const progress: MoveProgress = { moveId, step: 'prepare', tablesDone: 0, tablesTotal: 0, rowsCopied: 0 };
  const report = async (p: Partial<MoveProgress>) => {
    Object.assign(progress, p);
    opts.onProgress?.({ ...progress });
    await control
      .updateTable('store_moves')
      .set({ step: progress.step, progress: JSON.stringify(progress), updated_at: new Date() })
      .where('id', '=', moveId)
      .execute();
  };

  const list = await migrations('tenant');
  // Schema work on the target through clusterKysely (the primary as db.kysely, so a wrapped Database is honoured); the
  // copy itself streams COPY between raw pg clients of the two clusters' pools, which only the cluster handles hold.
  const src = db.cluster(from);
  const dst = db.cluster(target);
  const dstKysely = clusterKysely(db, target);
  let readOnlySince = 0;
  try {
    // The source must have the same tables as the target will: bring it up to date first.
    await migrateTenant(db, schema, list, from);
    await prepareCluster(db, target);

    // The target schema is not live yet: prepare it before the read-only window, which then covers only the copy.
    await report({ step: 'target' });
    // Anything there is a leftover of a failed attempt: the store is not on the target (checked above, under the move lock).
    // The move takes it over, with any record of drops still to do there (an earlier failed move's copy, the role an
    // earlier move off the target could not drop): the purge job's retry must not drop what this move makes there, or
    // a copy it keeps there later. A failure from here on puts the target back on record (the rollback below).
    await control.deleteFrom('tenant_role_drops').where('cluster', '=', target).where('schema_name', '=', schema).execute();
    await dstKysely.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(hashtext(${`storeloom:migrate:${schema}`}))`.execute(trx);
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(trx);
    });
    await migrateTenant(db, schema, list, target);

    await report({ step: 'read_only' });
    await db.kysely.transaction().execute(async (trx) => {
      await trx.withSchema(CONTROL_SCHEMA).updateTable('stores').set({ read_only: true, updated_at: new Date() }).where('id', '=', storeId).execute();
      await bumpVersion(trx);
    });
    readOnlySince = Date.now();
    db.invalidatePlacement();
    await sleep(2 * db.placementTtlMs + 250);

    const tables = await copyAndVerify(src.pool, dst.pool, schema, report, opts);
    progress.rowsCopied = tables.reduce((n, t) => n + t.rows, 0);

    await report({ step: 'switch' });
    await db.kysely.transaction().execute(async (trx) => {
      const moved = await trx
        .withSchema(CONTROL_SCHEMA)
        .updateTable('stores')
        .set({ cluster_id: target, updated_at: new Date() })
        .where('id', '=', storeId)
        .where('cluster_id', '=', from)
        .returning('id')
        .executeTakeFirst();
      if (!moved) throw new MoveError(`store ${storeId} left cluster "${from}" during the move`);
      await bumpVersion(trx);
      await trx.withSchema(CONTROL_SCHEMA).updateTable('store_moves').set({ step: 'switch', updated_at: new Date() }).where('id', '=', moveId).execute();
    });
    db.invalidatePlacement();
    return await finish(db, { moveId, storeId, schema, from, to: target, tables, rowsCopied: progress.rowsCopied, started: readOnlySince }, opts, false);
  } catch (e) {
    // The rollback's own failure never replaces `e`, which the caller must see: a target it cannot clean is on record
    // (below); a primary that fails here leaves the move unfinished (running, read-only), which a new run resumes.
    await rollBack(db, { storeId, schema, from, target, moveId }, e).catch(() => {});
    throw e;
  }
}

/**
 * Rolls a move that failed before its switch back to the source: the store writable again, the move marked failed, and
 * nothing left on the target (the partial copy, the role the move made there). The target is put on record (schema and
 * role still to drop) in the transaction that marks the move failed, since the purge knows a failed move's target from
 * nothing else; then dropped, and taken off the record. A drop that fails (the target does not answer, the role is in
 * use in another database there) stays on record: the purge job's retry drops it later, never while the store lives
 * there. The store is made writable first, so that a target that does not answer does not keep it read-only.
 */
async function rollBack(db: Database, m: { storeId: string; schema: string; from: string; target: string; moveId: string }, e: unknown): Promise<void> {
  const still = await db.control.selectFrom('stores').select('cluster_id').where('id', '=', m.storeId).executeTakeFirst();
  if (still?.cluster_id !== m.from) return;
  const leftover = { cluster: m.target, schema_name: m.schema, store_id: m.storeId, drop_schema: true };
  await db.kysely.transaction().execute(async (trx) => {
    await recordTenantDrops(db, [leftover], trx);
    await trx.withSchema(CONTROL_SCHEMA).updateTable('stores').set({ read_only: false, updated_at: new Date() }).where('id', '=', m.storeId).execute();
    await bumpVersion(trx);
    await trx
      .withSchema(CONTROL_SCHEMA)
      .updateTable('store_moves')
      .set({ status: 'failed', error: (e instanceof Error ? e.message : String(e)).slice(0, 1000), updated_at: new Date(), finished_at: new Date() })
      .where('id', '=', m.moveId)
      .execute();
  });
  db.invalidatePlacement();
  await dropTenantLeftovers(db, leftover);
}

async function copyAndVerify(
  srcPool: pg.Pool,
  dstPool: pg.Pool,
  schema: string,
  report: (p: Partial<MoveProgress>) => Promise<void>,
  opts: MoveOptions,
): Promise<TableCheck[]> {
  const src = await srcPool.connect();
  const dst = await dstPool.connect();
  let srcOpen = false;
  let dstOpen = false;
  try {
    // Read committed on purpose: a repeatable-read snapshot would be taken by the first query, before the locks.
    // Once the SHARE locks are held nobody can commit a write, so every later statement sees the same data.
    await src.query("begin; set local time zone 'UTC'");
    srcOpen = true;
    const tables = await tablesInCopyOrder(src, schema);
    // SHARE: waits for transactions still writing (begun before read-only took effect) and blocks new writers; readers go on.
    await src.query(`lock table ${tables.map((t) => `${quoteIdent(schema)}.${quoteIdent(t)}`).join(', ')} in share mode`);
    await report({ step: 'copy', tablesTotal: tables.length, tablesDone: 0 });
    await dst.query("begin; set local time zone 'UTC'");
    dstOpen = true;
    // Migrations may have seeded rows: the target must hold exactly the source's.
    if (tables.length) await dst.query(`truncate ${tables.map((t) => `${quoteIdent(schema)}.${quoteIdent(t)}`).join(', ')}`);
    let rows = 0;
    let done = 0;
    for (const table of tables) {
      const cols = (await copyableColumns(src, schema, table)).map(quoteIdent).join(', ');
      const rel = `${quoteIdent(schema)}.${quoteIdent(table)}`;
      const out = src.query(copyTo(`copy (select ${cols} from ${rel}) to stdout`));
      const into = dst.query(copyFrom(`copy ${rel} (${cols}) from stdin`));
      await pipeline(out, into);
      rows += Number(into.rowCount ?? 0);
      await opts.afterTableCopied?.(table);
      done++;
      await report({ tablesDone: done, rowsCopied: rows, table });
    }
    await copySequences(src, dst, schema);
    await dst.query('commit');
    dstOpen = false;

    await report({ step: 'verify', table: undefined });
    await dst.query("begin isolation level repeatable read read only; set local time zone 'UTC'");
    dstOpen = true;
    const checks: TableCheck[] = [];
    for (const table of tables) {
      const a = await checkTable(src, schema, table);
      const b = await checkTable(dst, schema, table);
      if (a.rows !== b.rows || a.checksum !== b.checksum)
        throw new MoveError(`verification failed for ${table}: source ${a.rows} rows/${a.checksum}, target ${b.rows} rows/${b.checksum}`);
      checks.push(a);
    }
    await dst.query('commit');
    dstOpen = false;
    await src.query('commit');
    srcOpen = false;
    return checks;
  } finally {
    // A failed COPY leaves the protocol in an unknown state: such clients are discarded, not pooled.
    const srcBad = srcOpen
      ? await src.query('rollback').then(
          () => false,
          () => true,
        )
      : false;
    const dstBad = dstOpen
      ? await dst.query('rollback').then(
          () => false,
          () => true,
        )
      : false;
    src.release(srcBad);
    dst.release(dstBad);
  }
}

async function finish(
  db: Database,
  m: { moveId: string; storeId: string; schema: string; from: string; to: string; tables: TableCheck[]; rowsCopied: number; started: number },
  opts: MoveOptions,
  resumed: boolean,
): Promise<MoveResult> {
  const setStep = (step: MoveStep) => db.control.updateTable('store_moves').set({ step, updated_at: new Date() }).where('id', '=', m.moveId).execute();
  // Processes may route by the old placement for up to a TTL: they still find the frozen source (reads only).
  await sleep(2 * db.placementTtlMs + 250);
  await setStep('writable');
  await db.kysely.transaction().execute(async (trx) => {
    await trx.withSchema(CONTROL_SCHEMA).updateTable('stores').set({ read_only: false, updated_at: new Date() }).where('id', '=', m.storeId).execute();
    await bumpVersion(trx);
  });
  db.invalidatePlacement();
  const readOnlyMs = Date.now() - m.started;
  opts.onProgress?.({ moveId: m.moveId, step: 'writable', tablesDone: m.tables.length, tablesTotal: m.tables.length, rowsCopied: m.rowsCopied });
  let dropped: DropSourceResult = { schemaDropped: false, onRecord: null };
  if (!opts.keepSource) {
    await setStep('drop_source');
    dropped = await dropSource(db, m.from, m.schema);
  }
  await db.control
    .updateTable('store_moves')
    .set({ status: 'done', step: 'done', finished_at: new Date(), updated_at: new Date(), ...(opts.keepSource ? {} : { source_dropped_at: new Date() }) })
    .where('id', '=', m.moveId)
    .execute();
  opts.onProgress?.({ moveId: m.moveId, step: 'done', tablesDone: m.tables.length, tablesTotal: m.tables.length, rowsCopied: m.rowsCopied });
  return {
    moveId: m.moveId,
    storeId: m.storeId,
    from: m.from,
    to: m.to,
    tables: m.tables,
    rowsCopied: m.rowsCopied,
    readOnlyMs,
    sourceDropped: dropped.schemaDropped,
    sourceOnRecord: dropped.onRecord,
    resumed,
  };
}

/** What dropMovedSource did: the schema is gone; what is left on record for the purge job (null: nothing). */
export interface DropSourceResult {
  schemaDropped: boolean;
  onRecord: SourceOnRecord | null;
}

/**
 * Drops a moved store's old schema and its role there. Refuses while the store still lives on that cluster, and when
 * this process has no connection for it (nothing is done or put on record then: the caller runs it where the cluster
 * is configured; a mistyped cluster is not put on record for ever). The drops are put on record first
 * (control.tenant_role_drops, schema and role) and taken off once done; one that fails (the cluster does not answer,
 * the drop errors, the role still holds privileges or owns objects in another database there) stays on record for the
 * purge job, which tries it again every run, never where the store lives, and reports it while it stands. This does
 * not fail for it (the store is moved; the record is what names the old copy now) and returns what is left.
 * Either way the store's moves from that cluster record the source as dropped (source_dropped_at): the store's purge,
 * which drops the sources its moves kept, does not go back to that cluster for it, and the record is the one thing
 * that does. Holds the store's move lock to its end (refused while a mover is at work on the store): a mover could
 * otherwise switch the store to that cluster between the check that it does not live there and the drop.
 */
export async function dropMovedSource(db: Database, cluster: string, schema: string): Promise<DropSourceResult> {
  const row = await db.control.selectFrom('stores').select('id').where('schema_name', '=', schema).executeTakeFirst();
  // A store purged meanwhile has no row: its id is in its schema's name (a name that is not a store's is refused here).
  return withMoveLock(db, row?.id ?? storeIdOfSchema(schema), () => dropSource(db, cluster, schema));
}

/** dropMovedSource under the store's move lock, which the caller holds (the mover's last step holds it already). */
async function dropSource(db: Database, cluster: string, schema: string): Promise<DropSourceResult> {
  const store = await db.control.selectFrom('stores').select(['id', 'cluster_id']).where('schema_name', '=', schema).executeTakeFirst();
  if (store?.cluster_id === cluster) throw new MoveError(`${schema} still lives on "${cluster}"; not dropping it`);
  if (!db.clusterIds.includes(cluster)) throw new ClusterUnavailableError(cluster);
  const storeId = store?.id ?? storeIdOfSchema(schema);
  const failure = await dropTenantLeftovers(db, { cluster, schema_name: schema, store_id: storeId, drop_schema: true });
  if (store)
    await db.control
      .updateTable('store_moves')
      .set({ source_dropped_at: new Date(), updated_at: new Date() })
      .where('store_id', '=', store.id)
      .where('source_cluster', '=', cluster)
      .where('status', '!=', 'failed')
      .where('source_dropped_at', 'is', null)
      .execute();
  return {
    schemaDropped: !failure || failure.schemaDropped,
    onRecord: failure && { schema: !failure.schemaDropped, role: db.tenantIsolation === 'role', reason: tenantDropFailReason(failure.error) },
  };
}
