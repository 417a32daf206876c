/**
 * Fixed-window counters in Postgres: shared by every API process (and the
 * embedded mode) without Redis. One upsert per hit.
 */
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
