/**
 * Personal API tokens (`Authorization: Bearer slk_…`) for scripts. Shown once
 * at creation; only sha256(token) is stored; revocable.
 */
import { TtlCache } from '@storeloom/collections';
import { type Database, newId } from '@storeloom/db';
import { generateToken, sha256Hex } from './crypto.ts';
import type { SessionUser } from './lucia.ts';

export const API_TOKEN_PREFIX = 'slk_';

export interface ApiTokenInfo {
  id: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
}

/** How long a validated token is trusted without asking the database again (revocation elsewhere takes this long to apply). */
const TOKEN_CACHE_MS = 5_000;

export class ApiTokenService {
  private readonly cache = new TtlCache<string, { user: SessionUser; tokenId: string; expiresAt: Date | null }>(TOKEN_CACHE_MS);

  constructor(private readonly db: Database) {}

  async create(userId: string, name: string, expiresAt: Date | null): Promise<{ token: string; info: ApiTokenInfo }> {
    const token = `${API_TOKEN_PREFIX}${generateToken(20)}`;
    const row = await this.db.control
      .insertInto('api_tokens')
      .values({ id: newId(), user_id: userId, name, token_hash: sha256Hex(token), token_prefix: token.slice(0, 10), expires_at: expiresAt })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { token, info: this.toInfo(row) };
  }

  async list(userId: string): Promise<ApiTokenInfo[]> {
    const rows = await this.db.control
      .selectFrom('api_tokens')
      .selectAll()
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .orderBy('created_at', 'desc')
      .execute();
    return rows.map((r) => this.toInfo(r));
  }

  /** True when a live token of this user was revoked. */
  async revoke(userId: string, id: string): Promise<boolean> {
    // Revocation is rare: forget every cached token rather than look this one's hash up.
    this.cache.clear();
    const r = await this.db.control
      .updateTable('api_tokens')
      .set({ revoked_at: new Date() })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async validate(token: string): Promise<SessionUser | null> {
    if (!token.startsWith(API_TOKEN_PREFIX) || token.length > 100) return null;
    const hash = sha256Hex(token);
    const cached = this.cache.get(hash);
    if (cached && (!cached.expiresAt || cached.expiresAt > new Date())) return cached.user;
    const row = await this.db.control
      .selectFrom('api_tokens')
      .innerJoin('users', 'users.id', 'api_tokens.user_id')
      .select([
        'api_tokens.id',
        'api_tokens.expires_at',
        'api_tokens.revoked_at',
        'api_tokens.last_used_at',
        'users.id as user_id',
        'users.email',
        'users.name',
        'users.totp_enabled_at',
      ])
      .where('api_tokens.token_hash', '=', hash)
      .executeTakeFirst();
    if (!row || row.revoked_at || (row.expires_at && new Date(row.expires_at) <= new Date())) return null;
    // Touch last_used_at at most once a minute to keep reads cheap.
    if (!row.last_used_at || Date.now() - new Date(row.last_used_at).getTime() > 60_000) {
      await this.db.control.updateTable('api_tokens').set({ last_used_at: new Date() }).where('id', '=', row.id).execute();
    }
    const user = { id: row.user_id, email: row.email, name: row.name, twoFactor: row.totp_enabled_at !== null };
    this.cache.set(hash, { user, tokenId: row.id, expiresAt: row.expires_at ? new Date(row.expires_at) : null });
    return user;
  }

  private toInfo(r: { id: string; name: string; token_prefix: string; created_at: Date; last_used_at: Date | null; expires_at: Date | null }): ApiTokenInfo {
    return { id: r.id, name: r.name, prefix: r.token_prefix, createdAt: r.created_at, lastUsedAt: r.last_used_at, expiresAt: r.expires_at };
  }
}
