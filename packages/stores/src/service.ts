/**
 * Stores: creation with idempotent, resumable provisioning of the store's own
 * schema, settings, launch and preview link. The other concerns are their own
 * classes, built here and reached through this service: membership access and
 * its cache (`access.ts`), custom domains and the host lookup (`domains.ts`),
 * soft delete, restore and purge (`retention.ts`).
 */
import {
  clusterKysely,
  type ControlDatabase,
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
  type Transaction,
  writeAudit,
} from '@storeloom/db';
import { randomBytes } from 'node:crypto';
import { RateLimiter } from '@storeloom/auth';
import { AppError, ErrorCode, isUniqueViolation } from '@storeloom/errors';
import { StoreAccess } from './access.ts';
import { newDomainToken, StoreDomains } from './domains.ts';
import { pickCluster } from './placement.ts';
import { StoreRetention } from './retention.ts';
import { checkSlug, isCurrency } from './validation.ts';
import { type Actor, type StoreView, toStoreView } from './view.ts';

/** Test seams: let a test crash provisioning at a precise point. */
export interface ProvisioningHooks {
  afterSchemaCreated?(store: Store): Promise<void> | void;
}

/**
 * Caps on store creation (issue 15: each store is a schema of ~140 relations and a server-wide Postgres role). Every
 * path that creates a store (create, clone, archive import) passes `StoreService.create`, which applies them. 0 or
 * undefined = no cap.
 */
export interface StoreCreationLimits {
  /** Stores one account may own (any status but deleted). */
  perAccount?: number;
  /** Of those, stores on the Free plan; applies when billing is on (`billingEnabled`). */
  freePerAccount?: number;
  billingEnabled?: boolean;
  /** Store creations per account per hour (429 rate_limited + Retry-After beyond). */
  createsPerHour?: number;
}

export interface CreateStoreInput {
  name: string;
  slug: string;
  currency: string;
  defaultLocale?: string;
  /** ISO 3166-1 alpha-2 (checked by the caller against the ISO list). */
  country?: string | null;
  /** IANA time zone (checked by the caller with isTimeZone); 'UTC' when not given. */
  timezone?: string;
  /** Clone: the export archive to load; the store stays `provisioning` until the clone job has loaded it. */
  importSource?: string;
}

export class StoreService {
  /** Membership lookups (cached); `access.forget(storeId)` after any change to a store or its members. */
  readonly access: StoreAccess;
  /** Custom domains and the storefront's host lookup. */
  readonly domains: StoreDomains;
  /** Soft delete, restore, purge after retention. */
  readonly retention: StoreRetention;

  private readonly rateLimiter: RateLimiter;

  constructor(
    private readonly db: Database,
    private readonly hooks: ProvisioningHooks = {},
    private readonly limits: StoreCreationLimits = {},
  ) {
    this.rateLimiter = new RateLimiter(db);
    this.access = new StoreAccess(db);
    this.domains = new StoreDomains(db, this.access);
    this.retention = new StoreRetention(db, this.access);
  }
  /** Inside the creating transaction, with the owner's user row locked: parallel creations see each other's rows. */
  private async assertMayCreate(trx: Transaction<ControlDatabase>, userId: string): Promise<void> {
    const { perAccount, freePerAccount, billingEnabled } = this.limits;
    if (!perAccount && !(billingEnabled && freePerAccount)) return;
    await trx.selectFrom('users').select('id').where('id', '=', userId).forUpdate().execute();
    const owned = await trx
      .selectFrom('memberships')
      .innerJoin('stores', 'stores.id', 'memberships.store_id')
      .select(['stores.plan'])
      .where('memberships.user_id', '=', userId)
      .where('memberships.role', '=', 'owner')
      .where('stores.status', '!=', 'deleted')
      .execute();
    const refuse = (limit: string, max: number, current: number, message: string) => {
      throw new AppError(ErrorCode.PlanLimitReached, message, { details: { limit, max, current } });
    };
    if (perAccount && owned.length >= perAccount)
      refuse('storesPerAccount', perAccount, owned.length, `An account may own at most ${perAccount} stores; delete one or contact support`);
    const free = owned.filter((s) => !s.plan || s.plan === 'free').length;
    if (billingEnabled && freePerAccount && free >= freePerAccount)
      refuse(
        'freeStoresPerAccount',
        freePerAccount,
        free,
        `An account may own at most ${freePerAccount} stores on the Free plan; upgrade one of them to open another`,
      );
  }

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
    if (this.limits.createsPerHour) {
      const rate = await this.rateLimiter.hit(`store-create:user:${actor.userId}`, this.limits.createsPerHour, 3600);
      if (!rate.allowed)
        throw new AppError(ErrorCode.RateLimited, `Too many new stores from this account; try again in ${Math.ceil(rate.retryAfterSeconds / 60)} minutes`, {
          headers: { 'Retry-After': String(rate.retryAfterSeconds) },
        });
    }
    const id = newId();
    let created: Store;
    try {
      created = await this.db.control.transaction().execute(async (trx) => {
        await this.assertMayCreate(trx, actor.userId);
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
            timezone: input.timezone ?? 'UTC',
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
      // Schema, role and migrations on the cluster the store was placed on (the primary through db.kysely, so a
      // wrapped Database sees these statements as it sees the migrations').
      await prepareCluster(this.db, store.cluster_id);
      await clusterKysely(this.db, store.cluster_id)
        .transaction()
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

  async update(
    storeId: string,
    patch: { name?: string; defaultLocale?: string; currency?: string; country?: string | null; timezone?: string; customDomain?: string | null },
    actor: Actor,
  ): Promise<StoreView> {
    if (patch.currency !== undefined && !isCurrency(patch.currency))
      throw new AppError(ErrorCode.ValidationFailed, 'Currency must be an ISO 4217 code', { details: [{ path: 'currency', message: 'unknown currency' }] });
    const set: Record<string, unknown> = { updated_at: new Date() };
    if (patch.name !== undefined) set.name = patch.name.trim();
    if (patch.defaultLocale !== undefined) set.default_locale = patch.defaultLocale;
    if (patch.currency !== undefined) set.currency = patch.currency;
    if (patch.country !== undefined) set.country = patch.country;
    if (patch.timezone !== undefined) set.timezone = patch.timezone;
    if (patch.customDomain !== undefined) {
      set.custom_domain = patch.customDomain;
      // A different domain must be verified again, with a new token; the same one keeps its state.
      set.custom_domain_token = sql`case when custom_domain is not distinct from ${patch.customDomain} then custom_domain_token else ${patch.customDomain ? newDomainToken() : null} end`;
      set.custom_domain_verified_at = sql`case when custom_domain is not distinct from ${patch.customDomain} then custom_domain_verified_at else null end`;
    }
    this.access.forget(storeId);
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
    this.access.forget(storeId);
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
}
