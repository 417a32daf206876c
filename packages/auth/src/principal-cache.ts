/**
 * Validated sessions and API tokens, kept in process memory for a few seconds so a read does not ask the database
 * who is calling (issue 23). Shared by SessionManager and ApiTokenService.
 *
 * Revocation stays immediate:
 * - every change that outdates an entry is announced by control-schema triggers on the `storeloom_auth` channel
 *   (migrations/control/20261206210600_auth_notify.ts), whichever process or path makes it; the control plane's
 *   listener calls `forgetUser` for each, so other processes drop the user's entries as soon as the notification is
 *   in (normally well under a millisecond after the commit);
 * - this process's own changes call `forgetUser`/`clear` synchronously (sign-out, revocations, password reset, and
 *   after every authenticated write request), without waiting for the notification;
 * - a lookup that was in flight while anything was forgotten is not kept (`epoch`), so a read that began before a
 *   revocation committed cannot put the revoked principal back;
 * - without a trusted listener (several clusters, a server that does not deliver notifications) a change made by
 *   another process takes up to the TTL to apply, as it always did for API tokens;
 * - concurrent misses of one key share one lookup (`shared`), but only while nothing was forgotten since it began: a
 *   request that arrives after a forget starts its own, so it never gets an answer that may predate the change.
 */
import type { SessionUser } from './lucia.ts';

/** How long a validated principal is trusted without asking the database again. */
export const PRINCIPAL_CACHE_MS = 5_000;

interface Entry<V> {
  value: V;
  userId: string;
  expires: number;
}

export interface PrincipalCacheStats {
  hits: number;
  misses: number;
  forgotten: number;
}

export class PrincipalCache {
  private readonly map = new Map<string, Entry<unknown>>();
  private readonly inflight = new Map<string, { epoch: number; promise: Promise<unknown> }>();
  private currentEpoch = 0;
  private counts: PrincipalCacheStats = { hits: 0, misses: 0, forgotten: 0 };

  constructor(
    private readonly ttlMs = PRINCIPAL_CACHE_MS,
    private readonly maxEntries = 20_000,
  ) {}

  /** Take it before the database lookup; `set` keeps the result only if nothing was forgotten since. */
  get epoch(): number {
    return this.currentEpoch;
  }

  get<V>(key: string, now = Date.now()): V | undefined {
    const hit = this.map.get(key);
    if (!hit || hit.expires <= now) {
      if (hit) this.map.delete(key);
      this.counts.misses++;
      return undefined;
    }
    this.counts.hits++;
    return hit.value as V;
  }

  /**
   * The lookup of `key` already in flight, if it began since the last forget, or a new one (issue 23: when an entry
   * expired, each of the ~20 requests in flight at that moment made the same lookup). Its result is every joiner's.
   */
  shared<R>(key: string, lookup: () => Promise<R>): Promise<R> {
    const f = this.inflight.get(key);
    if (f && f.epoch === this.currentEpoch) return f.promise as Promise<R>;
    const entry = { epoch: this.currentEpoch, promise: lookup() };
    this.inflight.set(key, entry);
    const done = () => {
      if (this.inflight.get(key) === entry) this.inflight.delete(key);
    };
    entry.promise.then(done, done);
    return entry.promise;
  }

  set<V>(key: string, value: V, userId: string, epoch: number): void {
    if (epoch !== this.currentEpoch || this.ttlMs <= 0) return;
    if (this.map.size >= this.maxEntries) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
    this.map.set(key, { value, userId, expires: Date.now() + this.ttlMs });
  }

  delete(key: string): void {
    this.currentEpoch++;
    this.map.delete(key);
  }

  /** Every cached session and token of the user (rare: a scan is fine). */
  forgetUser(userId: string): void {
    this.currentEpoch++;
    this.counts.forgotten++;
    for (const [k, e] of this.map) if (e.userId === userId) this.map.delete(k);
  }

  clear(): void {
    this.currentEpoch++;
    this.counts.forgotten++;
    this.map.clear();
  }

  stats(): PrincipalCacheStats {
    return { ...this.counts };
  }
}

/** What a cached session holds: enough to answer `SessionManager.validate` without lucia. */
export interface CachedSession {
  user: SessionUser;
  expiresAt: Date;
  lastSeenAt: number;
}
