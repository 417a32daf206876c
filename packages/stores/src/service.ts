/**
 * Stores: creation with idempotent, resumable provisioning of the store's own
 * schema; membership lookups; soft delete and purge after retention.
 */
import {
  type Database,
  dropTenantRole,
  type MembershipRole,
  migrateTenant,
  newId,
  PRIMARY_CLUSTER,
  prepareCluster,
  type Store,
  schemaNameForStore,
  sql,
  writeAudit,
} from '@storeloom/db';
import { TtlCache } from '@storeloom/collections';
import { randomBytes } from 'node:crypto';
import { AppError, ErrorCode, isUniqueViolation } from '@storeloom/errors';
import { pickCluster } from './placement.ts';
import { checkSlug, isCurrency } from './validation.ts';

export interface StoreView {
  id: string;
  slug: string;
  name: string;
  status: Store['status'];
  plan: string;
  currency: string;
  /** ISO 3166-1 alpha-2: the store's own country (its primary market); null until set. */
  country: string | null;
  defaultLocale: string;
  customDomain: string | null;
  schemaVersion: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const toStoreView = (s: Store): StoreView => ({
  id: s.id,
  slug: s.slug,
  name: s.name,
  status: s.status,
  plan: s.plan,
  currency: s.currency,
  country: s.country ?? null,
  defaultLocale: s.default_locale,
  customDomain: s.custom_domain,
  schemaVersion: s.schema_version,
  createdAt: s.created_at,
  updatedAt: s.updated_at,
});

/** Test seams: let a test crash provisioning at a precise point. */
export interface ProvisioningHooks {
  afterSchemaCreated?(store: Store): Promise<void> | void;
}

export interface CreateStoreInput {
  name: string;
  slug: string;
  currency: string;
  defaultLocale?: string;
  /** ISO 3166-1 alpha-2 (checked by the caller against the ISO list). */
  country?: string | null;
  /** Clone: the export archive to load; the store stays `provisioning` until the clone job has loaded it. */
  importSource?: string;
}

export interface Actor {
  userId: string | null;
  requestId?: string | null;
}

/** Membership lookups happen on every store request; trust one for this long (writes here drop it at once). */
const ACCESS_CACHE_MS = 5_000;

export class StoreService {
  private readonly accessCache = new TtlCache<string, { store: Store; role: MembershipRole } | null>(ACCESS_CACHE_MS);

  constructor(
    private readonly db: Database,
    private readonly hooks: ProvisioningHooks = {},
  ) {}

  validate(input: CreateStoreInput): void {
    const problem = checkSlug(input.slug);
    if (problem === 'invalid')
      throw new AppError(
        ErrorCode.ValidationFailed,
        'Slug must be 3-63 lower-case letters, digits or single hyphens, starting and ending with a letter or digit',
        {
          details: [{ path: 'slug', message: 'invalid slug' }],
        },
      );
    if (problem === 'reserved') throw new AppError(ErrorCode.SlugReserved, `The slug "${input.slug}" is reserved`);
    if (!isCurrency(input.currency))
      throw new AppError(ErrorCode.ValidationFailed, 'Currency must be an ISO 4217 code such as USD or EUR', {
        details: [{ path: 'currency', message: 'unknown currency' }],
      });
  }

  /**
   * Creates a store owned by the actor and provisions it. With an idempotency
   * key, a repeated call returns the store the first call created (a unique
   * index on (created_by, idempotency_key) guarantees there is only one).
   */
  async create(
    actor: { userId: string; requestId?: string | null },
    input: CreateStoreInput,
    idempotencyKey?: string,
  ): Promise<{ store: StoreView; replayed: boolean }> {
    this.validate(input);
    if (idempotencyKey) {
      const existing = await this.findByIdempotencyKey(actor.userId, idempotencyKey);
      if (existing) return { store: await this.replay(existing, input), replayed: true };
    }
    const id = newId();
    let created: Store;
    try {
      created = await this.db.control.transaction().execute(async (trx) => {
        // Placement policy: the pinned cluster, else the open cluster with the fewest stores per weight.
        const clusterId = await pickCluster(trx, this.db.clusterIds, this.db.placementPin);
        const store = await trx
          .insertInto('stores')
          .values({
            id,
            cluster_id: clusterId,
            slug: input.slug,
            schema_name: schemaNameForStore(id),
            name: input.name.trim(),
            status: 'provisioning',
            currency: input.currency,
            country: input.country ?? null,
            default_locale: input.defaultLocale ?? 'en',
            created_by: actor.userId,
            idempotency_key: idempotencyKey ?? null,
            custom_domain: null,
            provisioning_error: null,
            schema_version: null,
            deleted_at: null,
            import_source: input.importSource ?? null,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await trx.insertInto('memberships').values({ store_id: id, user_id: actor.userId, role: 'owner' }).execute();
        await writeAudit(trx, {
          storeId: id,
          actorUserId: actor.userId,
          action: 'store.created',
          targetType: 'store',
          targetId: id,
          data: { slug: input.slug },
          requestId: actor.requestId ?? null,
        });
        return store;
      });
    } catch (e) {
      // A concurrent request with the same key won the race. Postgres may report
      // the slug index rather than the key index (it checks unique indexes in
      // creation order), so look the key up on any unique violation.
      if (idempotencyKey && isUniqueViolation(e)) {
        const existing = await this.findByIdempotencyKey(actor.userId, idempotencyKey);
        if (existing) return { store: await this.replay(existing, input), replayed: true };
      }
      if (isUniqueViolation(e, 'stores_slug_key')) throw new AppError(ErrorCode.SlugTaken, `The slug "${input.slug}" is already taken`);
      throw e;
    }
    try {
      return { store: await this.provision(created.id), replayed: false };
    } catch {
      // Left in `provisioning`: the reconciler retries it. Never shown as active.
      return { store: toStoreView((await this.getRow(created.id)) ?? created), replayed: false };
    }
  }

  private async replay(existing: Store, input: CreateStoreInput): Promise<StoreView> {
    if (existing.slug !== input.slug || existing.currency !== input.currency)
      throw new AppError(ErrorCode.IdempotencyKeyReused, 'This Idempotency-Key was used for a different store');
    if (existing.status === 'provisioning') {
      try {
        return await this.provision(existing.id);
      } catch {
        return toStoreView(existing);
      }
    }
    return toStoreView(existing);
  }

  private findByIdempotencyKey(userId: string, key: string) {
    return this.db.control.selectFrom('stores').selectAll().where('created_by', '=', userId).where('idempotency_key', '=', key).executeTakeFirst();
  }

  /** Whether any store, live or deleted, holds this slug. */
  async slugTaken(slug: string): Promise<boolean> {
    return Boolean(await this.db.control.selectFrom('stores').select('id').where('slug', '=', slug).executeTakeFirst());
  }

  /** Points a store created for an archive upload at the stored archive (only while it still waits for one). */
  async attachImportArchive(storeId: string, key: string): Promise<void> {
    await this.db.control.updateTable('stores').set({ import_source: key }).where('id', '=', storeId).where('import_source', '=', 'pending-upload').execute();
  }

  getRow(id: string): Promise<Store | undefined> {
    return this.db.control.selectFrom('stores').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /**
   * Creates and migrates the store's schema, then flips it to `active`. Every
   * step is idempotent, so a crash anywhere is repaired by running it again.
   */
  async provision(storeId: string): Promise<StoreView> {
    const store = await this.getRow(storeId);
    if (!store) throw new AppError(ErrorCode.StoreNotFound, 'Store not found');
    if (store.status !== 'provisioning') return toStoreView(store);
    await this.db.control
      .updateTable('stores')
      .set({ provisioning_attempts: sql`provisioning_attempts + 1`, updated_at: new Date() })
      .where('id', '=', storeId)
      .execute();
    try {
      // Schema, role and migrations on the cluster the store was placed on.
      await prepareCluster(this.db, store.cluster_id);
      await this.db
        .cluster(store.cluster_id)
        .kysely.transaction()
        .execute(async (trx) => {
          await sql`select pg_advisory_xact_lock(hashtext(${`storeloom:migrate:${store.schema_name}`}))`.execute(trx);
          await sql`create schema if not exists ${sql.id(store.schema_name)}`.execute(trx);
        });
      await this.hooks.afterSchemaCreated?.(store);
      const result = await migrateTenant(this.db, store.schema_name, undefined, store.cluster_id);
      const active = await this.db.control
        .updateTable('stores')
        .set({ status: 'active', schema_version: result.latest, provisioning_error: null, updated_at: new Date() })
        .where('id', '=', storeId)
        .where('status', '=', 'provisioning')
        // A clone stays provisioning until its data is loaded (packages/stores/src/backup.ts activates it).
        .where('import_source', 'is', null)
        .returningAll()
        .executeTakeFirst();
      return toStoreView(active ?? ((await this.getRow(storeId)) as Store));
    } catch (e) {
      await this.db.control
        .updateTable('stores')
        .set({ provisioning_error: (e instanceof Error ? e.message : String(e)).slice(0, 500) })
        .where('id', '=', storeId)
        .execute()
        .catch(() => {});
      throw e;
    }
  }

  /** Retries stores stuck in `provisioning` (a crashed request, a failed migration). */
  async reconcileProvisioning(staleSeconds: number): Promise<{ retried: number; failed: number }> {
    const stuck = await this.db.control
      .selectFrom('stores')
      .select('id')
      .where('status', '=', 'provisioning')
      .where('updated_at', '<', sql<Date>`now() - make_interval(secs => ${staleSeconds})`)
      .orderBy('created_at')
      .limit(100)
      .execute();
    let failed = 0;
    for (const s of stuck) {
      await this.provision(s.id).catch(() => {
        failed++;
      });
    }
    return { retried: stuck.length, failed };
  }

  async listForUser(userId: string): Promise<(StoreView & { role: MembershipRole })[]> {
    const rows = await this.db.control
      .selectFrom('stores')
      .innerJoin('memberships', 'memberships.store_id', 'stores.id')
      .selectAll('stores')
      .select('memberships.role')
      .where('memberships.user_id', '=', userId)
      .where('stores.status', '!=', 'deleted')
      .orderBy('stores.created_at', 'asc')
      .execute();
    return rows.map((r) => ({ ...toStoreView(r), role: r.role }));
  }

  /** The store and the user's role in it, or null when the user is not a member (or it is deleted). */
  async accessFor(storeId: string, userId: string): Promise<{ store: Store; role: MembershipRole } | null> {
    const key = `${storeId}:${userId}`;
    const cached = this.accessCache.get(key);
    if (cached !== undefined) return cached;
    const row = await this.db.control
      .selectFrom('stores')
      .innerJoin('memberships', 'memberships.store_id', 'stores.id')
      .selectAll('stores')
      .select('memberships.role')
      .where('stores.id', '=', storeId)
      .where('memberships.user_id', '=', userId)
      .where('stores.status', '!=', 'deleted')
      .executeTakeFirst();
    // Misses are not cached: a store being created must be reachable at once.
    if (!row) return null;
    const { role, ...store } = row;
    // Only settled stores are cached; a provisioning store changes state any moment.
    if (store.status === 'active' || store.status === 'suspended') this.accessCache.set(key, { store, role });
    return { store, role };
  }

  /** Drops cached access to a store after a change to it or its members. */
  forgetAccess(storeId: string): void {
    this.accessCache.deleteWhere((k) => k.startsWith(`${storeId}:`));
  }

  async update(
    storeId: string,
    patch: { name?: string; defaultLocale?: string; currency?: string; country?: string | null; customDomain?: string | null },
    actor: Actor,
  ): Promise<StoreView> {
    if (patch.currency !== undefined && !isCurrency(patch.currency))
      throw new AppError(ErrorCode.ValidationFailed, 'Currency must be an ISO 4217 code', { details: [{ path: 'currency', message: 'unknown currency' }] });
    const set: Record<string, unknown> = { updated_at: new Date() };
    if (patch.name !== undefined) set.name = patch.name.trim();
    if (patch.defaultLocale !== undefined) set.default_locale = patch.defaultLocale;
    if (patch.currency !== undefined) set.currency = patch.currency;
    if (patch.country !== undefined) set.country = patch.country;
    if (patch.customDomain !== undefined) {
      set.custom_domain = patch.customDomain;
      // A different domain must be verified again, with a new token; the same one keeps its state.
      set.custom_domain_token = sql`case when custom_domain is not distinct from ${patch.customDomain} then custom_domain_token else ${patch.customDomain ? newDomainToken() : null} end`;
      set.custom_domain_verified_at = sql`case when custom_domain is not distinct from ${patch.customDomain} then custom_domain_verified_at else null end`;
    }
    this.forgetAccess(storeId);
    try {
      return await this.db.control.transaction().execute(async (trx) => {
        const row = await trx.updateTable('stores').set(set).where('id', '=', storeId).where('status', '!=', 'deleted').returningAll().executeTakeFirst();
        if (!row) throw new AppError(ErrorCode.StoreNotFound, 'Store not found');
        await writeAudit(trx, {
          storeId,
          actorUserId: actor.userId,
          action: 'store.updated',
          targetType: 'store',
          targetId: storeId,
          data: { changes: patch },
          requestId: actor.requestId ?? null,
        });
        return toStoreView(row);
      });
    } catch (e) {
      if (isUniqueViolation(e, 'stores_custom_domain_key')) throw new AppError(ErrorCode.Conflict, 'That domain is already used by another store');
      throw e;
    }
  }

  /**
   * Opens the store to shoppers. Idempotent: launching again keeps the first
   * launch time (and writes no second audit entry).
   */
  async launch(storeId: string, actor: Actor): Promise<Store> {
    this.forgetAccess(storeId);
    return this.db.control.transaction().execute(async (trx) => {
      const launched = await trx
        .updateTable('stores')
        .set({ launched_at: new Date(), updated_at: new Date() })
        .where('id', '=', storeId)
        .where('status', '!=', 'deleted')
        .where('launched_at', 'is', null)
        .returningAll()
        .executeTakeFirst();
      if (launched) {
        await writeAudit(trx, {
          storeId,
          actorUserId: actor.userId,
          action: 'store.launched',
          targetType: 'store',
          targetId: storeId,
          requestId: actor.requestId ?? null,
        });
        return launched;
      }
      const row = await trx.selectFrom('stores').selectAll().where('id', '=', storeId).where('status', '!=', 'deleted').executeTakeFirst();
      if (!row) throw new AppError(ErrorCode.StoreNotFound, 'Store not found');
      return row;
    });
  }

  /** The secret of the store's preview link, made once (concurrent first calls agree on one). */
  async previewToken(storeId: string): Promise<string> {
    const row = await this.db.control
      .updateTable('stores')
      .set({ preview_token: sql<string>`coalesce(preview_token, ${randomBytes(24).toString('base64url')})` })
      .where('id', '=', storeId)
      .returning('preview_token')
      .executeTakeFirst();
    if (!row?.preview_token) throw new AppError(ErrorCode.StoreNotFound, 'Store not found');
    return row.preview_token;
  }

  /** Soft delete: the storefront goes dark at once; the schema is dropped by a job after the retention period. */
  async softDelete(storeId: string, actor: Actor): Promise<void> {
    this.forgetAccess(storeId);
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
    const store = await this.getRow(storeId);
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
    this.forgetAccess(storeId);
    try {
      const row = await this.db.kysely.transaction().execute(async (trx) => {
        await sql`select pg_advisory_xact_lock(hashtext(${`storeloom:migrate:${store.schema_name}`}))`.execute(trx);
        const schema = await sql<{ ok: boolean }>`select exists (select 1 from pg_catalog.pg_namespace where nspname = ${store.schema_name}) as ok`.execute(
          trx,
        );
        const restored = await trx
          .withSchema('control')
          .updateTable('stores')
          .set({ status: 'active', deleted_at: null, updated_at: new Date() })
          .where('id', '=', storeId)
          .where('status', '=', 'deleted')
          .returningAll()
          .executeTakeFirst();
        if (!restored || !schema.rows[0]?.ok)
          throw new AppError(ErrorCode.StorePurged, 'This store was purged after its retention period and cannot be restored');
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
      this.forgetAccess(storeId);
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
        if (s.cluster_id !== PRIMARY_CLUSTER) {
          // Another cluster: drop the schema there while this transaction holds the store's lock (idempotent: if the
          // row delete below fails, the next purge drops nothing and retries the delete).
          await this.db
            .cluster(s.cluster_id)
            .kysely.transaction()
            .execute(async (other) => {
              await sql`select pg_advisory_xact_lock(hashtext(${`storeloom:migrate:${s.schema_name}`}))`.execute(other);
              await sql`drop schema if exists ${sql.id(s.schema_name)} cascade`.execute(other);
            });
        } else {
          await sql`drop schema if exists ${sql.id(s.schema_name)} cascade`.execute(trx);
        }
        await trx.withSchema('control').deleteFrom('stores').where('id', '=', s.id).where('status', '=', 'deleted').execute();
        await writeAudit(trx.withSchema('control'), { storeId: s.id, action: 'store.purged', targetType: 'store', targetId: s.id });
        return true;
      });
      if (!dropped) continue;
      // Roles are cluster-wide: drop the store's role with its schema. A role still referenced
      // elsewhere in the cluster stays (dropOrphanTenantRoles sweeps it later).
      if (this.db.tenantIsolation === 'role') {
        const on = s.cluster_id === PRIMARY_CLUSTER ? this.db.kysely : this.db.cluster(s.cluster_id).kysely;
        await dropTenantRole(on, s.schema_name).catch(() => false);
      }
      purged.push(s.id);
    }
    return purged;
  }

  /** Sets the store's custom domain; the same domain again keeps its token and verification (idempotent PUT). */
  async setDomain(storeId: string, domain: string, actor: Actor): Promise<Store> {
    this.forgetAccess(storeId);
    try {
      return await this.db.control.transaction().execute(async (trx) => {
        const current = await trx.selectFrom('stores').selectAll().where('id', '=', storeId).where('status', '!=', 'deleted').forUpdate().executeTakeFirst();
        if (!current) throw new AppError(ErrorCode.StoreNotFound, 'Store not found');
        if (current.custom_domain === domain && current.custom_domain_token) return current;
        const row = await trx
          .updateTable('stores')
          .set({ custom_domain: domain, custom_domain_token: newDomainToken(), custom_domain_verified_at: null, updated_at: new Date() })
          .where('id', '=', storeId)
          .returningAll()
          .executeTakeFirstOrThrow();
        await writeAudit(trx, {
          storeId,
          actorUserId: actor.userId,
          action: 'store.domain_set',
          targetType: 'store',
          targetId: storeId,
          data: { domain, previous: current.custom_domain },
          requestId: actor.requestId ?? null,
        });
        return row;
      });
    } catch (e) {
      if (isUniqueViolation(e, 'stores_custom_domain_key')) throw new AppError(ErrorCode.DomainTaken, 'That domain is already used by another store');
      throw e;
    }
  }

  /**
   * Checks the TXT record `_storeloom-verify.<domain>` for the store's token and
   * marks the domain verified. `lookupTxt` is injected (real DNS or a fake).
   */
  async verifyDomain(storeId: string, lookupTxt: (name: string) => Promise<string[]>, actor: Actor): Promise<Store> {
    const store = await this.getRow(storeId);
    if (!store || store.status === 'deleted') throw new AppError(ErrorCode.StoreNotFound, 'Store not found');
    if (!store.custom_domain || !store.custom_domain_token) throw new AppError(ErrorCode.InvalidState, 'Set a custom domain first');
    if (store.custom_domain_verified_at) return store;
    const name = `_storeloom-verify.${store.custom_domain}`;
    const expected = domainTxtValue(store.custom_domain_token);
    const found = await lookupTxt(name);
    if (!found.includes(expected))
      throw new AppError(ErrorCode.DnsVerificationFailed, `The TXT record ${name} does not contain ${expected} yet; DNS changes can take a while to appear`, {
        details: { name, expected, found: found.slice(0, 10) },
      });
    this.forgetAccess(storeId);
    return this.db.control.transaction().execute(async (trx) => {
      // Conditional: the domain may have changed while DNS was being asked.
      const row = await trx
        .updateTable('stores')
        .set({ custom_domain_verified_at: new Date(), updated_at: new Date() })
        .where('id', '=', storeId)
        .where('custom_domain', '=', store.custom_domain)
        .where('custom_domain_token', '=', store.custom_domain_token)
        .returningAll()
        .executeTakeFirst();
      if (!row) throw new AppError(ErrorCode.Conflict, 'The domain changed meanwhile; check it again');
      await writeAudit(trx, {
        storeId,
        actorUserId: actor.userId,
        action: 'store.domain_verified',
        targetType: 'store',
        targetId: storeId,
        data: { domain: store.custom_domain },
        requestId: actor.requestId ?? null,
      });
      return row;
    });
  }

  async removeDomain(storeId: string, actor: Actor): Promise<void> {
    this.forgetAccess(storeId);
    await this.db.control.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable('stores')
        .set({ custom_domain: null, custom_domain_token: null, custom_domain_verified_at: null, updated_at: new Date() })
        .where('id', '=', storeId)
        .where('status', '!=', 'deleted')
        .returning('id')
        .executeTakeFirst();
      if (!row) throw new AppError(ErrorCode.StoreNotFound, 'Store not found');
      await writeAudit(trx, {
        storeId,
        actorUserId: actor.userId,
        action: 'store.domain_removed',
        targetType: 'store',
        targetId: storeId,
        requestId: actor.requestId ?? null,
      });
    });
  }

  /** Storefront routing: <slug>.<root domain> or a custom domain. */
  async findByHost(hostHeader: string, rootDomain: string): Promise<Store | null> {
    const host = hostHeader.toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
    const suffix = `.${rootDomain}`;
    let q = this.db.control.selectFrom('stores').selectAll();
    if (host.endsWith(suffix)) {
      const slug = host.slice(0, -suffix.length);
      if (!slug || slug.includes('.')) return null;
      q = q.where('slug', '=', slug);
    } else {
      // Only a verified custom domain routes: claiming a domain without proving it must not hijack it.
      q = q.where('custom_domain', '=', host).where('custom_domain_verified_at', 'is not', null);
    }
    return (await q.where('status', '!=', 'deleted').executeTakeFirst()) ?? null;
  }
}

const newDomainToken = () => randomBytes(16).toString('hex');
export const domainTxtValue = (token: string) => `storeloom-verify=${token}`;
