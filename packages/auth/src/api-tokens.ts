/**
 * Personal API tokens (`Authorization: Bearer slk_…`) for scripts. Shown once
 * at creation; only sha256(token) is stored; revocable.
 */
import { type Database, newId } from '@storeloom/db';
import { generateToken, sha256Hex } from './crypto.ts';
import { hasSecondFactor } from './second-factor.ts';
import type { SessionUser } from './lucia.ts';
import { PrincipalCache } from './principal-cache.ts';
import { type ApiScope, isApiScope } from './scopes.ts';

export const API_TOKEN_PREFIX = 'slk_';

export interface ApiTokenInfo {
  id: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  scopes: ApiScope[];
}

/** A valid token: whose it is and what it may do. */
export interface TokenAuth {
  user: SessionUser;
  tokenId: string;
  scopes: ApiScope[];
}

type CachedToken = TokenAuth & { expiresAt: Date | null };

export class ApiTokenService {
  /**
   * Validated tokens (`t:<sha256>`), shared with the sessions (see PrincipalCache: revocation anywhere is announced
   * by the database and dropped at once by a listening process; without a listener it takes up to the TTL elsewhere).
   */
  constructor(
    private readonly db: Database,
    private readonly cache = new PrincipalCache(),
  ) {}

  /** `scopes`: exactly what the token may do (none unless asked: least privilege). */
  async create(userId: string, name: string, expiresAt: Date | null, scopes: readonly ApiScope[] = []): Promise<{ token: string; info: ApiTokenInfo }> {
    const token = `${API_TOKEN_PREFIX}${generateToken(20)}`;
    const row = await this.db.control
      .insertInto('api_tokens')
      .values({
        id: newId(),
        user_id: userId,
        name,
        token_hash: sha256Hex(token),
        token_prefix: token.slice(0, 10),
        expires_at: expiresAt,
        scopes: [...new Set(scopes)].sort(),
      })
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
    // Before and after: a validation in flight meanwhile must not keep the token (see PrincipalCache.epoch).
    this.cache.forgetUser(userId);
    const r = await this.db.control
      .updateTable('api_tokens')
      .set({ revoked_at: new Date() })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    this.cache.forgetUser(userId);
    return Number(r.numUpdatedRows) > 0;
  }

  /** After tokens were revoked elsewhere (a password reset): stop trusting cached validations now. */
  forgetCached(): void {
    this.cache.clear();
  }

  async validate(token: string): Promise<SessionUser | null> {
    return (await this.authenticate(token))?.user ?? null;
  }

  /**
   * The token's user and scopes, or null for an unknown, revoked or expired token. Answered without a promise when
   * the token is known from memory (every API request asks: issue 23), so the caller need not await then.
   */
  authenticate(token: string): TokenAuth | null | Promise<TokenAuth | null> {
    if (!token.startsWith(API_TOKEN_PREFIX) || token.length > 100) return null;
    const hash = sha256Hex(token);
    const key = `t:${hash}`;
    const cached = this.cache.get<CachedToken>(key);
    if (cached && (!cached.expiresAt || cached.expiresAt.getTime() > Date.now())) return { user: cached.user, tokenId: cached.tokenId, scopes: cached.scopes };
    // Requests arriving while the lookup runs share it (see PrincipalCache.shared).
    return this.cache.shared(key, () => this.lookup(hash, key));
  }

  private async lookup(hash: string, key: string): Promise<TokenAuth | null> {
    const epoch = this.cache.epoch;
    const row = await this.db.control
      .selectFrom('api_tokens')
      .innerJoin('users', 'users.id', 'api_tokens.user_id')
      .select([
        'api_tokens.id',
        'api_tokens.expires_at',
        'api_tokens.revoked_at',
        'api_tokens.last_used_at',
        'api_tokens.scopes',
        'users.id as user_id',
        'users.email',
        'users.name',
      ])
      .select((eb) => hasSecondFactor(eb).as('second_factor'))
      .where('api_tokens.token_hash', '=', hash)
      .executeTakeFirst();
    if (!row || row.revoked_at || (row.expires_at && new Date(row.expires_at) <= new Date())) return null;
    // Touch last_used_at at most once a minute to keep reads cheap.
    if (!row.last_used_at || Date.now() - new Date(row.last_used_at).getTime() > 60_000) {
      await this.db.control.updateTable('api_tokens').set({ last_used_at: new Date() }).where('id', '=', row.id).execute();
    }
    const user = { id: row.user_id, email: row.email, name: row.name, twoFactor: Boolean(row.second_factor) };
    const scopes = (row.scopes ?? []).filter(isApiScope);
    this.cache.set<CachedToken>(key, { user, tokenId: row.id, scopes, expiresAt: row.expires_at ? new Date(row.expires_at) : null }, user.id, epoch);
    return { user, tokenId: row.id, scopes };
  }

  private toInfo(r: {
    id: string;
    name: string;
    token_prefix: string;
    created_at: Date;
    last_used_at: Date | null;
    expires_at: Date | null;
    scopes: string[];
  }): ApiTokenInfo {
    return {
      id: r.id,
      name: r.name,
      prefix: r.token_prefix,
      createdAt: r.created_at,
      lastUsedAt: r.last_used_at,
      expiresAt: r.expires_at,
      scopes: (r.scopes ?? []).filter(isApiScope),
    };
  }
}
