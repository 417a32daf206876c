/**
 * Fixed-window counters in Postgres: shared by every API process (and the
 * embedded mode) without Redis. One upsert per hit.
 */
import { createHash } from 'node:crypto';
import { type Database, sql } from '@storeloom/db';

export interface RateLimitResult {
  allowed: boolean;
  remaining: number;
  retryAfterSeconds: number;
}

export class RateLimiter {
  constructor(private readonly db: Database) {}

  async hit(key: string, limit: number, windowSeconds: number): Promise<RateLimitResult> {
    const row = await this.db.control
      .insertInto('rate_limits')
      .values({ key, window_start: new Date(), count: 1 })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          count: sql`case when rate_limits.window_start < now() - make_interval(secs => ${windowSeconds}) then 1 else rate_limits.count + 1 end`,
          window_start: sql`case when rate_limits.window_start < now() - make_interval(secs => ${windowSeconds}) then now() else rate_limits.window_start end`,
        }),
      )
      .returning(['count', 'window_start'])
      .executeTakeFirstOrThrow();
    const resetAt = new Date(row.window_start).getTime() + windowSeconds * 1000;
    return {
      allowed: row.count <= limit,
      remaining: Math.max(0, limit - row.count),
      retryAfterSeconds: Math.max(1, Math.ceil((resetAt - Date.now()) / 1000)),
    };
  }

  async peek(key: string, limit: number, windowSeconds: number): Promise<RateLimitResult> {
    const row = await this.db.control.selectFrom('rate_limits').select(['count', 'window_start']).where('key', '=', key).executeTakeFirst();
    if (!row) return { allowed: true, remaining: limit, retryAfterSeconds: 0 };
    const resetAt = new Date(row.window_start).getTime() + windowSeconds * 1000;
    if (resetAt <= Date.now()) return { allowed: true, remaining: limit, retryAfterSeconds: 0 };
    return { allowed: row.count < limit, remaining: Math.max(0, limit - row.count), retryAfterSeconds: Math.max(1, Math.ceil((resetAt - Date.now()) / 1000)) };
  }

  async reset(key: string): Promise<void> {
    await this.db.control.deleteFrom('rate_limits').where('key', '=', key).execute();
  }
}

export interface LoginThrottleOptions {
  /** Failures from one client IP on one account before each further attempt waits (2^n s, up to `maxDelaySeconds`). */
  freePerAccountIp: number;
  /** Failures on one account from all IPs together before the whole account slows down (up to `maxAccountDelaySeconds`). */
  freePerAccount: number;
  maxDelaySeconds: number;
  maxAccountDelaySeconds: number;
  /** A failure older than this no longer counts. */
  windowSeconds: number;
}

const LOGIN_THROTTLE_DEFAULTS: LoginThrottleOptions = {
  freePerAccountIp: 5,
  freePerAccount: 50,
  maxDelaySeconds: 15 * 60,
  maxAccountDelaySeconds: 60,
  windowSeconds: 3600,
};

/**
 * Password-guessing throttle with backoff, never a hard lock. Failures are
 * counted per account + client IP (the guesser slows down quickly, up to
 * 15 minutes between tries) and per account across all IPs (a distributed
 * guesser slows down too, but that delay is capped at a minute, so a stranger
 * cannot keep the owner out). While a wait is running, attempts are refused
 * without checking the password and without counting. `rate_limits.window_start`
 * holds the time of the last failure here.
 */
export class LoginThrottle {
  private readonly o: LoginThrottleOptions;
  constructor(
    private readonly db: Database,
    private readonly prefix: string,
    options: Partial<LoginThrottleOptions> = {},
  ) {
    this.o = { ...LOGIN_THROTTLE_DEFAULTS, ...options };
  }

  private keys(account: string, ip: string) {
    // Hashed: the key table is not a place for e-mail addresses.
    const a = createHash('sha256').update(account.trim().toLowerCase()).digest('hex').slice(0, 32);
    return { pair: `${this.prefix}:acct-ip:${a}:${ip}`, account: `${this.prefix}:acct:${a}` };
  }

  /** Seconds before the next attempt may be checked (0 = go ahead). */
  async waitSeconds(account: string, ip: string): Promise<number> {
    const k = this.keys(account, ip);
    const rows = await this.db.control.selectFrom('rate_limits').select(['key', 'count', 'window_start']).where('key', 'in', [k.pair, k.account]).execute();
    let wait = 0;
    for (const r of rows) {
      const last = new Date(r.window_start).getTime();
      if (last + this.o.windowSeconds * 1000 <= Date.now()) continue;
      const [free, cap] = r.key === k.pair ? [this.o.freePerAccountIp, this.o.maxDelaySeconds] : [this.o.freePerAccount, this.o.maxAccountDelaySeconds];
      if (r.count < free) continue;
      const delay = Math.min(cap, 2 ** (r.count - free));
      wait = Math.max(wait, Math.ceil((last + delay * 1000 - Date.now()) / 1000));
    }
    return Math.max(0, wait);
  }

  async failed(account: string, ip: string): Promise<void> {
    const k = this.keys(account, ip);
    const w = this.o.windowSeconds;
    for (const key of [k.pair, k.account]) {
      await this.db.control
        .insertInto('rate_limits')
        .values({ key, window_start: new Date(), count: 1 })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet({
            count: sql`case when rate_limits.window_start < now() - make_interval(secs => ${w}) then 1 else rate_limits.count + 1 end`,
            window_start: sql`now()`,
          }),
        )
        .execute();
    }
  }

  /** A right password clears this client's count; the account-wide count only decays (a success must not refill a guesser's budget). */
  async succeeded(account: string, ip: string): Promise<void> {
    await this.db.control.deleteFrom('rate_limits').where('key', '=', this.keys(account, ip).pair).execute();
  }
}
