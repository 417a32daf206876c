/**
 * The end of a store: soft delete (the storefront goes dark at once), restore
 * by the owner within the retention period, and purge after it (schema and
 * role dropped under the store's advisory lock, so a restore never races it;
 * also the copies that moves kept on the clusters they left, and the partial
 * copy an unfinished move left on its target).
 */
import {
  ClusterUnavailableError,
  type ControlDatabase,
  clusterKysely,
  type Database,
  PRIMARY_CLUSTER,
  recordTenantDrops,
  retryTenantDrop,
  sql,
  type TenantDropFailReason,
  type Transaction,
  tenantDropFailReason,
  type UnconfiguredClusterDrops,
  unconfiguredTenantDrops,
  writeAudit,
} from '@storeloom/db';
import { AppError, ErrorCode, isConnectionError, isUniqueViolation } from '@storeloom/errors';
import type { Expression, QueryCreator } from 'kysely';
import type { StoreAccess } from './access.ts';
import { type Actor, type StoreView, toStoreView } from './view.ts';

/**
 * The one definition of "a move of the store whose source copy is still kept": the moves of `store` that switched (their
 * source is not the store's cluster `current` now; a failed move never switched, and its source stayed live) and did
 * not record dropping their source. Both the purge of a store (otherCopyClusters) and the order of the purge's batch
 * read it, so what the purge drops and what the batch expects it to need cannot drift apart. `store` and `current` are
 * values, or references to an outer query's store row. The moves are `m`.
 */
function keptSourceMoves(q: QueryCreator<ControlDatabase>, store: Expression<string>, current: Expression<string>) {
  return q
    .selectFrom('store_moves as m')
    .where('m.store_id', '=', store)
    .where('m.status', '!=', 'failed')
    .where('m.source_dropped_at', 'is', null)
    .where('m.source_cluster', '!=', current);
}

/**
 * The one definition of "an unfinished move of the store that left a partial copy on its target": a move still
 * pending or running (a mover at work, or one that stopped without recording an end) to a cluster other than the
 * store's `current` one. Before the switch its target holds what the mover made there so far (schema and role, part of
 * the data); after the switch the target is the store's cluster and the source is a kept copy (keptSourceMoves).
 * Read, as keptSourceMoves, by both the purge of a store and the order of its batch. The moves are `m`.
 */
function partialTargetMoves(q: QueryCreator<ControlDatabase>, store: Expression<string>, current: Expression<string>) {
  return q
    .selectFrom('store_moves as m')
    .where('m.store_id', '=', store)
    .where('m.status', 'in', ['pending', 'running'])
    .where('m.target_cluster', '!=', current);
}

/**
 * The clusters other than `current` that hold a copy of the store its moves left there (a kept source, a partial
 * target), each once, in name order. Read under the purge's row lock, in its transaction.
 */
async function otherCopyClusters(trx: Transaction<ControlDatabase>, storeId: string, current: string): Promise<string[]> {
  const control = trx.withSchema('control');
  const [store, here] = [sql.val(storeId), sql.val(current)];
  const rows = await keptSourceMoves(control, store, here)
    .select('m.source_cluster as cluster')
    .union(partialTargetMoves(control, store, here).select('m.target_cluster as cluster'))
    .orderBy('cluster')
    .execute();
  return rows.map((r) => r.cluster);
}

/** A mover holds the store (see purgeOne). */
class MoveInProgressError extends Error {}

/** Why a due store was not purged this run (stable: logs and alerts match on it). */
export type PurgeSkipReason = 'cluster_not_configured' | 'database_unavailable' | 'move_in_progress' | 'failed';

/**
 * Why a store's role (of a purged store, or of a moved one on a cluster it left) was not dropped on a cluster (stable:
 * logs and alerts match on it; see TenantDropFailReason). A record of a cluster not configured here is not tried: it is
 * in `rolesOnUnconfiguredClusters`, not here.
 */
export type RoleDropFailReason = TenantDropFailReason;

/**
 * A store's role left on a cluster (a purged store's; a moved store's on the cluster it left, or on the target of a
 * failed move, with the copy there): on record (control.tenant_role_drops), every run tries it again.
 */
export interface RoleNotDropped {
  storeId: string;
  cluster: string;
  reason: RoleDropFailReason;
  error: unknown;
}

export interface PurgeResult {
  /** Stores purged (schema, kept copies, role, control row). */
  purged: string[];
  /** Stores left as they were, tried again by the next run; `cluster` for cluster_not_configured, `error` for logs. */
  skipped: { storeId: string; reason: PurgeSkipReason; cluster?: string; error: unknown }[];
  /** Store roles on record (this run's purges', earlier runs', moves') that could not be dropped this run. */
  rolesNotDropped: RoleNotDropped[];
  /**
   * The records of clusters not configured in this process, not tried: per cluster, their number and since when a purge
   * first found it so (kept, never expired; see unconfiguredTenantDrops).
   */
  rolesOnUnconfiguredClusters: UnconfiguredClusterDrops[];
}

const skipReason = (error: unknown): { reason: PurgeSkipReason; cluster?: string } =>
  error instanceof ClusterUnavailableError
    ? { reason: 'cluster_not_configured', cluster: error.cluster }
    : error instanceof MoveInProgressError
      ? { reason: 'move_in_progress' }
      : isConnectionError(error)
        ? { reason: 'database_unavailable' }
        : { reason: 'failed' };

export class StoreRetention {
  constructor(
    private readonly db: Database,
    private readonly access: StoreAccess,
  ) {}

  /** Soft delete: the storefront goes dark at once; the schema is dropped by a job after the retention period. */
  async softDelete(storeId: string, actor: Actor): Promise<void> {
    this.access.forget(storeId);
    await this.db.control.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable('stores')
        .set({ status: 'deleted', deleted_at: new Date(), updated_at: new Date() })
        .where('id', '=', storeId)
        .where('status', '!=', 'deleted')
        .returning('id')
        .executeTakeFirst();
      if (!row) throw new AppError(ErrorCode.StoreNotFound, 'Store not found');
      await writeAudit(trx, {
        storeId,
        actorUserId: actor.userId,
        action: 'store.deleted',
        targetType: 'store',
        targetId: storeId,
        requestId: actor.requestId ?? null,
      });
    });
  }

  /** Deleted stores the user owns that can still be restored (within the retention period). */
  async listDeletedForOwner(userId: string, retentionDays: number): Promise<(StoreView & { deletedAt: Date; restorableUntil: Date })[]> {
    const rows = await this.db.control
      .selectFrom('stores')
      .innerJoin('memberships', 'memberships.store_id', 'stores.id')
      .selectAll('stores')
      .where('memberships.user_id', '=', userId)
      .where('memberships.role', '=', 'owner')
      .where('stores.status', '=', 'deleted')
      .orderBy('stores.deleted_at', 'desc')
      .execute();
    return rows.map((r) => {
      const deletedAt = r.deleted_at ?? r.updated_at;
      return { ...toStoreView(r), deletedAt, restorableUntil: new Date(deletedAt.getTime() + retentionDays * 86_400_000) };
    });
  }

  /**
   * Brings a soft-deleted store back (owner only): `deleted` → `active`. Takes
   * the schema's advisory lock that purge holds while dropping, so a restore
   * and a purge never interleave; a purged store is a 409 `store_purged`.
   */
  async restore(storeId: string, actor: { userId: string; requestId?: string | null }): Promise<StoreView> {
    const store = await this.db.control.selectFrom('stores').selectAll().where('id', '=', storeId).executeTakeFirst();
    if (!store) {
      // The row is gone after a purge; the audit log remembers the store and its owner.
      const purged = await this.db.control
        .selectFrom('audit_log as p')
        .select('p.id')
        .where('p.target_id', '=', storeId)
        .where('p.action', '=', 'store.purged')
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom('audit_log as a')
              .select('a.id')
              .where('a.target_id', '=', storeId)
              .where('a.action', 'in', ['store.created', 'store.deleted'])
              .where('a.actor_user_id', '=', actor.userId),
          ),
        )
        .executeTakeFirst();
      if (purged) throw new AppError(ErrorCode.StorePurged, 'This store was purged after its retention period and cannot be restored');
      throw new AppError(ErrorCode.StoreNotFound, 'Store not found');
    }
    const owner = await this.db.control
      .selectFrom('memberships')
      .select('role')
      .where('store_id', '=', storeId)
      .where('user_id', '=', actor.userId)
      .executeTakeFirst();
    if (!owner) throw new AppError(ErrorCode.StoreNotFound, 'Store not found');
    if (owner.role !== 'owner') throw new AppError(ErrorCode.Forbidden, 'Only the owner can restore a store');
    if (store.status !== 'deleted') throw new AppError(ErrorCode.InvalidState, 'The store is not deleted');
    this.access.forget(storeId);
    try {
      const row = await this.db.kysely.transaction().execute(async (trx) => {
        await sql`select pg_advisory_xact_lock(hashtext(${`storeloom:migrate:${store.schema_name}`}))`.execute(trx);
        const restored = await trx
          .withSchema('control')
          .updateTable('stores')
          .set({ status: 'active', deleted_at: null, updated_at: new Date() })
          .where('id', '=', storeId)
          .where('status', '=', 'deleted')
          .returningAll()
          .executeTakeFirst();
        const purged = () => new AppError(ErrorCode.StorePurged, 'This store was purged after its retention period and cannot be restored');
        if (!restored) throw purged();
        // The schema is on the store's cluster. Another cluster's purge drops it while holding this lock on the
        // primary, so the lock taken above serialises the two there too. A cluster this process has no connection for
        // throws ClusterUnavailableError (503) here, and the transaction undoes the update.
        const on = restored.cluster_id === PRIMARY_CLUSTER ? trx : clusterKysely(this.db, restored.cluster_id);
        const schema = await sql<{ ok: boolean }>`select exists (select 1 from pg_catalog.pg_namespace where nspname = ${store.schema_name}) as ok`.execute(on);
        if (!schema.rows[0]?.ok) throw purged();
        await writeAudit(trx.withSchema('control'), {
          storeId,
          actorUserId: actor.userId,
          action: 'store.restored',
          targetType: 'store',
          targetId: storeId,
          data: { slug: restored.slug, deletedAt: store.deleted_at },
          requestId: actor.requestId ?? null,
        });
        return restored;
      });
      this.access.forget(storeId);
      return toStoreView(row);
    } catch (e) {
      if (isUniqueViolation(e, 'stores_slug_key')) throw new AppError(ErrorCode.SlugTaken, `The slug "${store.slug}" is taken by another store now`);
      if (isUniqueViolation(e, 'stores_custom_domain_key')) throw new AppError(ErrorCode.DomainTaken, 'The custom domain is used by another store now');
      throw e;
    }
  }

  /**
   * Drops the schemas of stores deleted more than `retentionDays` ago and removes their rows, up to `batch` a run. A store
   * that cannot be purged (its cluster or that of a copy its moves left is not configured in this process, a mover is
   * at work on it, a cluster does not answer, any other failure) is left as it was and returned in `skipped` with a
   * stable reason; the others of the batch are still purged, and the next run tries it again. Stores whose every
   * cluster this process reaches come first, so stores stuck elsewhere do not take the batch. Each run also tries the
   * store roles earlier purges, moved stores' source drops and failed moves' rollbacks could not drop (up to `batch`;
   * with a moved store's old copy, or a failed move's copy on its target); the ones still left are in `rolesNotDropped`.
   * Those on a cluster not configured here are not tried (but one the store lives on again, taken off with nothing
   * dropped), take no turn, and are reported per cluster in `rolesOnUnconfiguredClusters`.
   */
  async purgeDeleted(retentionDays: number, batch = 50): Promise<PurgeResult> {
    const configured = [...this.db.clusterIds];
    const due = await this.db.control
      .selectFrom('stores')
      .select(['id', 'schema_name', 'cluster_id'])
      .where('status', '=', 'deleted')
      .where('deleted_at', '<=', sql<Date>`now() - make_interval(days => ${retentionDays})`)
      .orderBy((eb) => {
        const here = sql<string[]>`${configured}::text[]`;
        const [store, current] = [eb.ref('stores.id'), eb.ref('stores.cluster_id')];
        const keptElsewhere = keptSourceMoves(this.db.control, store, current)
          .select('m.id')
          .where((m) => m.not(m('m.source_cluster', '=', m.fn.any(here))));
        const partialElsewhere = partialTargetMoves(this.db.control, store, current)
          .select('m.id')
          .where((m) => m.not(m('m.target_cluster', '=', m.fn.any(here))));
        return eb
          .case()
          .when(eb.and([eb('stores.cluster_id', '=', eb.fn.any(here)), eb.not(eb.exists(keptElsewhere)), eb.not(eb.exists(partialElsewhere))]))
          .then(0)
          .else(1)
          .end();
      })
      .orderBy('deleted_at')
      .orderBy('id')
      .limit(batch)
      .execute();
    const result: PurgeResult = { purged: [], skipped: [], rolesNotDropped: [], rolesOnUnconfiguredClusters: [] };
    // The roles earlier purges and moves left on record, the least recently tried first (so roles that keep failing do
    // not take every run's turn); this run's purges try their own right after their commit. Only those this process can
    // act on: on a cluster it has a connection for, or the cluster the store lives on again (forgotten, nothing dropped).
    const left = await this.db.control
      .selectFrom('tenant_role_drops as d')
      .select(['d.cluster', 'd.schema_name', 'd.store_id', 'd.drop_schema'])
      .where((eb) =>
        eb.or([
          eb('d.cluster', '=', eb.fn.any(sql<string[]>`${configured}::text[]`)),
          eb.exists(eb.selectFrom('stores as s').select('s.id').whereRef('s.id', '=', 'd.store_id').whereRef('s.cluster_id', '=', 'd.cluster')),
        ]),
      )
      .orderBy('d.updated_at')
      .orderBy('d.cluster')
      .orderBy('d.schema_name')
      .limit(batch)
      .execute();
    for (const r of left) {
      const failure = await this.dropRole(r);
      if (failure) result.rolesNotDropped.push(failure);
    }
    result.rolesOnUnconfiguredClusters = await unconfiguredTenantDrops(this.db);
    for (const s of due) {
      try {
        const roles = await this.purgeOne(s, retentionDays);
        if (roles) {
          result.purged.push(s.id);
          result.rolesNotDropped.push(...roles);
        }
      } catch (error) {
        result.skipped.push({ storeId: s.id, ...skipReason(error), error });
      }
    }
    return result;
  }

  /**
   * Does what a record says on its cluster (see retryTenantDrop: never where the store lives, never while a mover is at
   * work on it) and takes it off. A failure leaves the record, with the attempt counted and the error kept for an
   * operator, and is returned.
   */
  private async dropRole(r: { cluster: string; schema_name: string; store_id: string; drop_schema?: boolean }): Promise<RoleNotDropped | null> {
    try {
      await retryTenantDrop(this.db, r);
      return null;
    } catch (error) {
      return { storeId: r.store_id, cluster: r.cluster, reason: tenantDropFailReason(error), error };
    }
  }

  /**
   * One store's purge; false when a restore revived it meanwhile, else the store's roles it could not drop. Throws
   * (changing nothing it has not redone) on failure.
   */
  private async purgeOne(s: { id: string; schema_name: string }, retentionDays: number): Promise<RoleNotDropped[] | false> {
    const dropped = await this.db.kysely.transaction().execute(async (trx) => {
      // A mover at work holds the store's move lock (moveStore, a session lock on the primary) from start to end: skip
      // the store then, and try again next run. Dropping under it is unsafe: its next steps would make again what the
      // purge drops (migrations create the schema and role on the source or the target) once store_moves, which names
      // them, is gone with the store's row. Waiting is unsafe too: the mover takes the schema's lock (held here from the
      // next statement) on its clusters, a wait across two servers that no deadlock detector sees, and a move takes
      // minutes. Holding the lock to the commit keeps a mover from starting meanwhile (it would then find no store). A
      // move left unfinished by a mover that stopped holds no lock: its partial copy is dropped below.
      const free = await sql<{ ok: boolean }>`select pg_try_advisory_xact_lock(hashtext(${`storeloom:move:${s.id}`})) as ok`.execute(trx);
      if (!free.rows[0]?.ok) throw new MoveInProgressError(`store ${s.id} is being moved`);
      await sql`select pg_advisory_xact_lock(hashtext(${`storeloom:migrate:${s.schema_name}`}))`.execute(trx);
      // Re-check under the lock: a restore (which takes the same lock) may have revived the store meanwhile.
      const still = await trx
        .withSchema('control')
        .selectFrom('stores')
        .select('cluster_id')
        .where('id', '=', s.id)
        .where('status', '=', 'deleted')
        .where('deleted_at', '<=', sql<Date>`now() - make_interval(days => ${retentionDays})`)
        .forUpdate()
        .executeTakeFirst();
      if (!still) return false;
      // The copies a move kept on the clusters it left (keepSource, or a mover that stopped after the switch) and the
      // partial copies an unfinished move left on its target are recorded only in store_moves, whose rows go with the
      // store's: drop them before it, in the same way (each cluster once). The store's cluster is the one read under
      // the locks: a move may have switched it since the batch was read.
      const clusters = [still.cluster_id, ...(await otherCopyClusters(trx, s.id, still.cluster_id))];
      // Every cluster first: one this process has no connection for fails the store's purge before anything is dropped.
      for (const cluster of clusters) if (!this.db.clusterIds.includes(cluster)) throw new ClusterUnavailableError(cluster);
      for (const cluster of clusters) {
        if (cluster !== PRIMARY_CLUSTER) {
          // Another cluster: drop the schema there while this transaction holds the store's lock (idempotent: if the
          // row delete below fails, the next purge drops nothing and retries the delete).
          await clusterKysely(this.db, cluster)
            .transaction()
            .execute(async (other) => {
              await sql`select pg_advisory_xact_lock(hashtext(${`storeloom:migrate:${s.schema_name}`}))`.execute(other);
              await sql`drop schema if exists ${sql.id(s.schema_name)} cascade`.execute(other);
            });
        } else {
          await sql`drop schema if exists ${sql.id(s.schema_name)} cascade`.execute(trx);
        }
      }
      // Roles are cluster-wide and dropped after the commit (below): put them on record with the row's delete, so one
      // that cannot be dropped then (it still holds privileges or owns objects in another database of the cluster, a
      // cluster that stops answering, a process that stops) is tried again by every run until it is gone.
      if (this.db.tenantIsolation === 'role')
        await recordTenantDrops(
          this.db,
          clusters.map((cluster) => ({ cluster, schema_name: s.schema_name, store_id: s.id })),
          trx,
        );
      await trx.withSchema('control').deleteFrom('stores').where('id', '=', s.id).where('status', '=', 'deleted').execute();
      await writeAudit(trx.withSchema('control'), { storeId: s.id, action: 'store.purged', targetType: 'store', targetId: s.id });
      return clusters;
    });
    if (!dropped) return false;
    // Roles are cluster-wide: drop the store's role with its schema, on each cluster it had a copy on (on record above).
    const failures: RoleNotDropped[] = [];
    if (this.db.tenantIsolation === 'role') {
      for (const cluster of dropped) {
        const failure = await this.dropRole({ cluster, schema_name: s.schema_name, store_id: s.id });
        if (failure) failures.push(failure);
      }
    }
    return failures;
  }
}
