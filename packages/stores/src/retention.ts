/**
 * The end of a store: soft delete (the storefront goes dark at once), restore
 * by the owner within the retention period, and purge after it (schema and
 * role dropped under the store's advisory lock, so a restore never races it;
 * also the copies that moves kept on the clusters they left).
 */
import {
  ClusterUnavailableError,
  type ControlDatabase,
  clusterKysely,
  type Database,
  dropTenantRole,
  PRIMARY_CLUSTER,
  sql,
  type Transaction,
  writeAudit,
} from '@storeloom/db';
import { AppError, ErrorCode, isUniqueViolation } from '@storeloom/errors';
import type { StoreAccess } from './access.ts';
import { type Actor, type StoreView, toStoreView } from './view.ts';

/**
 * The clusters other than `current` where a move of the store left its source copy in place: the move switched (its
 * source is not the store's cluster now; a failed move never switched, and its source stayed live) and did not record
 * dropping it. Read under the purge's row lock, in the purge's transaction.
 */
async function keptMoveSources(trx: Transaction<ControlDatabase>, storeId: string, current: string): Promise<string[]> {
  const rows = await trx
    .withSchema('control')
    .selectFrom('store_moves')
    .select('source_cluster')
    .distinct()
    .where('store_id', '=', storeId)
    .where('status', '!=', 'failed')
    .where('source_dropped_at', 'is', null)
    .where('source_cluster', '!=', current)
    .orderBy('source_cluster')
    .execute();
  return rows.map((r) => r.source_cluster);
}

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
    // The schema is checked on the store's own cluster: one this process has no connection for (not in its
    // DATABASE_CLUSTERS) is a 503 before anything is changed, as a cluster that does not answer is.
    if (!this.db.clusterIds.includes(store.cluster_id)) throw new ClusterUnavailableError(store.cluster_id);
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
        // primary, so the lock taken above serialises the two there too.
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

  /** Drops the schemas of stores deleted more than `retentionDays` ago and removes their rows. */
  async purgeDeleted(retentionDays: number): Promise<string[]> {
    const due = await this.db.control
      .selectFrom('stores')
      .select(['id', 'schema_name', 'cluster_id'])
      .where('status', '=', 'deleted')
      .where('deleted_at', '<=', sql<Date>`now() - make_interval(days => ${retentionDays})`)
      .limit(50)
      .execute();
    const purged: string[] = [];
    for (const s of due) {
      const dropped = await this.db.kysely.transaction().execute(async (trx) => {
        await sql`select pg_advisory_xact_lock(hashtext(${`storeloom:migrate:${s.schema_name}`}))`.execute(trx);
        // Re-check under the lock: a restore (which takes the same lock) may have revived the store meanwhile.
        const still = await trx
          .withSchema('control')
          .selectFrom('stores')
          .select('id')
          .where('id', '=', s.id)
          .where('status', '=', 'deleted')
          .where('deleted_at', '<=', sql<Date>`now() - make_interval(days => ${retentionDays})`)
          .forUpdate()
          .executeTakeFirst();
        if (!still) return false;
        // The copies a move kept on the clusters it left (keepSource, or a mover that stopped after the switch) are
        // recorded only in store_moves, whose rows go with the store's: drop them before it, in the same way.
        const kept = await keptMoveSources(trx, s.id, s.cluster_id);
        for (const cluster of [s.cluster_id, ...kept]) {
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
        await trx.withSchema('control').deleteFrom('stores').where('id', '=', s.id).where('status', '=', 'deleted').execute();
        await writeAudit(trx.withSchema('control'), { storeId: s.id, action: 'store.purged', targetType: 'store', targetId: s.id });
        return [s.cluster_id, ...kept];
      });
      if (!dropped) continue;
      // Roles are cluster-wide: drop the store's role with its schema, on each cluster it had a copy on. A role still
      // referenced elsewhere in the cluster stays (dropOrphanTenantRoles sweeps it later).
      if (this.db.tenantIsolation === 'role') {
        for (const cluster of dropped) await dropTenantRole(clusterKysely(this.db, cluster), s.schema_name).catch(() => false);
      }
      purged.push(s.id);
    }
    return purged;
  }
}
