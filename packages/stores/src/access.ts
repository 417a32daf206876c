/**
 * Who may reach a store: the stores a user is a member of, and the store and
 * role behind every store request, cached in-process for a few seconds (a
 * write here, or any service that changes a store or its members, drops the
 * store's entries at once through `forget`; other processes drop them when the
 * `store <id>` notification of the change arrives (control-plane listener on
 * `storeloom_auth`), or within the TTL without a listener).
 */
import { TtlCache } from '@storeloom/collections';
import type { Database, MembershipRole, Store } from '@storeloom/db';
import { type StoreView, toStoreView } from './view.ts';

/** A member's way into a store: the store and the member's role. */
export interface StoreAccessInfo {
  store: Store;
  role: MembershipRole;
}

/** Membership lookups happen on every store request; trust one for this long (writes here drop it at once). */
const ACCESS_CACHE_MS = 5_000;

export class StoreAccess {
  private readonly cache = new TtlCache<string, { store: Store; role: MembershipRole } | null>(ACCESS_CACHE_MS);
  /** Bumped by every forget: a lookup in flight meanwhile is not kept (it may predate the change). */
  private epoch = 0;
  private readonly inflight = new Map<string, { epoch: number; promise: Promise<{ store: Store; role: MembershipRole } | null> }>();

  constructor(private readonly db: Database) {}

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

  /**
   * The store and the user's role in it, or null when the user is not a member (or it is deleted). Answered without a
   * promise when known from memory (every store request asks: issue 23), so the caller need not await then.
   */
  accessFor(storeId: string, userId: string): StoreAccessInfo | null | Promise<StoreAccessInfo | null> {
    const key = `${storeId}:${userId}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    // Concurrent misses share one lookup (issue 23: when an entry expired, each of the ~20 requests in flight made the
    // same one), unless something was forgotten since it began: a request after a forget starts its own.
    const f = this.inflight.get(key);
    if (f && f.epoch === this.epoch) return f.promise;
    const entry = { epoch: this.epoch, promise: this.lookup(storeId, userId, key) };
    this.inflight.set(key, entry);
    const done = () => {
      if (this.inflight.get(key) === entry) this.inflight.delete(key);
    };
    entry.promise.then(done, done);
    return entry.promise;
  }

  private async lookup(storeId: string, userId: string, key: string): Promise<{ store: Store; role: MembershipRole } | null> {
    const epoch = this.epoch;
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
    if ((store.status === 'active' || store.status === 'suspended') && epoch === this.epoch) this.cache.set(key, { store, role });
    return { store, role };
  }

  /** Drops cached access to a store after a change to it or its members. */
  forget(storeId: string): void {
    this.epoch++;
    this.cache.deleteWhere((k) => k.startsWith(`${storeId}:`));
  }

  /** Drops every cached access (the change notifications stopped being trusted). */
  forgetAll(): void {
    this.epoch++;
    this.cache.clear();
  }
}
