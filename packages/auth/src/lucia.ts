/**
 * Sessions with lucia v3 on a Kysely adapter. The cookie carries a random
 * token; the database stores only sha256(token) as the session id, so a leaked
 * sessions table cannot be replayed.
 */
import type { Database } from '@storeloom/db';
import { type Adapter, type DatabaseSession, type DatabaseUser, Lucia, TimeSpan } from 'lucia';
import { generateToken, sha256Hex } from './crypto.ts';
import { type CachedSession, PrincipalCache } from './principal-cache.ts';
import { hasSecondFactor } from './second-factor.ts';

export const SESSION_COOKIE = 'storeloom_session';

function kyselyAdapter(db: Database): Adapter {
  const toSession = (r: { id: string; user_id: string; expires_at: Date; last_seen_at?: Date | null }): DatabaseSession => ({
    id: r.id,
    userId: r.user_id,
    expiresAt: new Date(r.expires_at),
    attributes: { lastSeenAt: r.last_seen_at ?? null },
  });
  return {
    async getSessionAndUser(sessionId) {
      const row = await db.control
        .selectFrom('sessions')
        .innerJoin('users', 'users.id', 'sessions.user_id')
        .select(['sessions.id', 'sessions.user_id', 'sessions.expires_at', 'sessions.last_seen_at', 'users.email', 'users.name'])
        .select((eb) => hasSecondFactor(eb).as('second_factor'))
        .where('sessions.id', '=', sessionId)
        .executeTakeFirst();
      if (!row) return [null, null];
      const user: DatabaseUser = {
        id: row.user_id,
        attributes: { email: row.email, name: row.name, twoFactor: Boolean(row.second_factor) },
      };
      return [toSession(row), user];
    },
    async getUserSessions(userId) {
      const rows = await db.control.selectFrom('sessions').select(['id', 'user_id', 'expires_at']).where('user_id', '=', userId).execute();
      return rows.map(toSession);
    },
    async setSession(session) {
      const attrs = session.attributes as { ip?: string | null; userAgent?: string | null };
      await db.control
        .insertInto('sessions')
        .values({
          id: session.id,
          user_id: session.userId,
          expires_at: session.expiresAt,
          ip: attrs.ip ?? null,
          user_agent: attrs.userAgent?.slice(0, 512) ?? null,
          last_seen_at: new Date(),
        })
        .execute();
    },
    async updateSessionExpiration(sessionId, expiresAt) {
      await db.control.updateTable('sessions').set({ expires_at: expiresAt }).where('id', '=', sessionId).execute();
    },
    async deleteSession(sessionId) {
      await db.control.deleteFrom('sessions').where('id', '=', sessionId).execute();
    },
    async deleteUserSessions(userId) {
      await db.control.deleteFrom('sessions').where('user_id', '=', userId).execute();
    },
    async deleteExpiredSessions() {
      await db.control.deleteFrom('sessions').where('expires_at', '<=', new Date()).execute();
    },
  };
}

/** Sessions last this long and are extended by lucia once less than half of it is left. */
const SESSION_DAYS = 30;
const SESSION_MS = SESSION_DAYS * 24 * 3600 * 1000;

export function createLucia(db: Database, opts: { secureCookies: boolean }) {
  return new Lucia(kyselyAdapter(db), {
    sessionExpiresIn: new TimeSpan(SESSION_DAYS, 'd'),
    sessionCookie: {
      name: SESSION_COOKIE,
      expires: true,
      attributes: { secure: opts.secureCookies, sameSite: 'lax', path: '/' },
    },
    getUserAttributes: (a) => ({ email: a.email, name: a.name, twoFactor: a.twoFactor }),
    getSessionAttributes: (a) => ({ lastSeenAt: a.lastSeenAt ?? null }),
  });
}

export type AppLucia = ReturnType<typeof createLucia>;

declare module 'lucia' {
  interface Register {
    Lucia: AppLucia;
    DatabaseUserAttributes: { email: string; name: string; twoFactor: boolean };
    DatabaseSessionAttributes: { ip?: string | null; userAgent?: string | null; lastSeenAt?: Date | null };
  }
}

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  /** Two-factor sign-in is on for this account: an authenticator app, or a passkey (stores may require it of their team). */
  twoFactor: boolean;
}

/** A session as its owner sees it on the sessions page: never the token, nor the stored hash. */
export interface SessionInfo {
  /** A public handle derived from the stored hash, for revoking. */
  id: string;
  current: boolean;
  device: string;
  /** The address truncated to its network (/24 or /48): where, roughly, without a location lookup. */
  network: string | null;
  createdAt: Date;
  lastSeenAt: Date | null;
  expiresAt: Date;
}

/** "Firefox on Linux" from a user agent string; no lookup tables, no fingerprinting. */
export function describeDevice(userAgent: string | null): string {
  if (!userAgent) return 'Unknown device';
  const ua = userAgent;
  const browser = /Edg\//.test(ua)
    ? 'Edge'
    : /OPR\//.test(ua)
      ? 'Opera'
      : /Firefox\//.test(ua)
        ? 'Firefox'
        : /Chrome\/|Chromium\//.test(ua)
          ? 'Chrome'
          : /Safari\//.test(ua)
            ? 'Safari'
            : /curl|node|undici|python|Go-http/i.test(ua)
              ? 'API client'
              : 'Browser';
  const os = /iPhone|iPad/.test(ua)
    ? 'iOS'
    : /Android/.test(ua)
      ? 'Android'
      : /Mac OS X|Macintosh/.test(ua)
        ? 'macOS'
        : /Windows/.test(ua)
          ? 'Windows'
          : /CrOS/.test(ua)
            ? 'ChromeOS'
            : /Linux/.test(ua)
              ? 'Linux'
              : null;
  return os ? `${browser} on ${os}` : browser;
}

/** 203.0.113.7 → 203.0.113.0/24; 2001:db8:1:2::5 → 2001:db8:1::/48. */
export function networkOf(ip: string | null): string | null {
  if (!ip) return null;
  const v4 = /^(?:::ffff:)?(\d+)\.(\d+)\.(\d+)\.\d+$/.exec(ip);
  if (v4) return `${v4[1]}.${v4[2]}.${v4[3]}.0/24`;
  if (ip.includes(':')) {
    const head = ip.split('::')[0]?.split(':').filter(Boolean).slice(0, 3) ?? [];
    return `${head.join(':')}::/48`;
  }
  return null;
}

/** A valid session: whose it is; `refreshed` when lucia extended it (the cookie's expiry is to be sent again). */
export interface ValidatedSession {
  user: SessionUser;
  sessionId: string;
  expiresAt: Date;
  refreshed: boolean;
}

const publicSessionId = (storedId: string) => sha256Hex(`session-handle:${storedId}`).slice(0, 32);
/** A session's "last seen" is written at most this often, so reads stay reads. */
const LAST_SEEN_RESOLUTION_MS = 5 * 60 * 1000;

export class SessionManager {
  /** `cache`: validated sessions (`s:<id>`), shared with the API tokens (see PrincipalCache for how revocation stays immediate). */
  constructor(
    readonly lucia: AppLucia,
    private readonly db: Database,
    private readonly cache = new PrincipalCache(),
  ) {}

  /** Creates a session; returns the token for the cookie (only its hash is stored). */
  async create(userId: string, meta: { ip?: string | null; userAgent?: string | null }) {
    const token = generateToken(20);
    const session = await this.lucia.createSession(userId, { ip: meta.ip ?? null, userAgent: meta.userAgent ?? null }, { sessionId: sha256Hex(token) });
    return { token, expiresAt: session.expiresAt };
  }

  /**
   * Validates a cookie token; `refreshed` means the cookie's expiry should be re-sent. Answered without a promise when
   * the session is known from memory (every console request asks: issue 23), so the caller need not await then.
   */
  validate(token: string): ValidatedSession | null | Promise<ValidatedSession | null> {
    if (!/^[a-z2-7]{20,64}$/.test(token)) return null;
    const sessionId = sha256Hex(token);
    const key = `s:${sessionId}`;
    const now = Date.now();
    const cached = this.cache.get<CachedSession>(key, now);
    // From memory only while lucia would neither extend the session (more than half its life left) nor we touch
    // last_seen_at: otherwise the slow path below does both.
    if (cached && cached.expiresAt.getTime() - SESSION_MS / 2 > now && now - cached.lastSeenAt <= LAST_SEEN_RESOLUTION_MS) {
      return { user: cached.user, sessionId, expiresAt: cached.expiresAt, refreshed: false };
    }
    // Requests arriving while the lookup runs share it (see PrincipalCache.shared).
    return this.cache.shared(key, () => this.lookup(sessionId, key));
  }

  private async lookup(sessionId: string, key: string): Promise<ValidatedSession | null> {
    const epoch = this.cache.epoch;
    const { session, user } = await this.lucia.validateSession(sessionId);
    if (!session || !user) return null;
    let lastSeen = session.lastSeenAt ? new Date(session.lastSeenAt).getTime() : 0;
    if (Date.now() - lastSeen > LAST_SEEN_RESOLUTION_MS) {
      await this.db.control.updateTable('sessions').set({ last_seen_at: new Date() }).where('id', '=', session.id).execute();
      lastSeen = Date.now();
    }
    const sessionUser = { id: user.id, email: user.email, name: user.name, twoFactor: user.twoFactor };
    this.cache.set<CachedSession>(key, { user: sessionUser, expiresAt: session.expiresAt, lastSeenAt: lastSeen }, user.id, epoch);
    return {
      user: { id: user.id, email: user.email, name: user.name, twoFactor: user.twoFactor },
      sessionId: session.id,
      expiresAt: session.expiresAt,
      refreshed: session.fresh,
    };
  }

  /** The user's live sessions, newest use first; `currentSessionId` marks the caller's own. */
  async list(userId: string, currentSessionId: string | null): Promise<SessionInfo[]> {
    const rows = await this.db.control
      .selectFrom('sessions')
      .select(['id', 'ip', 'user_agent', 'created_at', 'last_seen_at', 'expires_at'])
      .where('user_id', '=', userId)
      .where('expires_at', '>', new Date())
      .orderBy('last_seen_at', 'desc')
      .execute();
    return rows.map((r) => ({
      id: publicSessionId(r.id),
      current: r.id === currentSessionId,
      device: describeDevice(r.user_agent),
      network: networkOf(r.ip),
      createdAt: r.created_at,
      lastSeenAt: r.last_seen_at,
      expiresAt: r.expires_at,
    }));
  }

  /** Ends one of the user's sessions by its public handle; false when there is none. */
  async revoke(userId: string, handle: string): Promise<boolean> {
    const rows = await this.db.control.selectFrom('sessions').select('id').where('user_id', '=', userId).execute();
    const row = rows.find((r) => publicSessionId(r.id) === handle);
    if (!row) return false;
    await this.lucia.invalidateSession(row.id);
    this.cache.forgetUser(userId);
    return true;
  }

  /** Ends every session of the user except `keepSessionId`; returns how many ended. */
  async revokeOthers(userId: string, keepSessionId: string | null): Promise<number> {
    let q = this.db.control.deleteFrom('sessions').where('user_id', '=', userId);
    if (keepSessionId) q = q.where('id', '!=', keepSessionId);
    const r = await q.executeTakeFirst();
    this.cache.forgetUser(userId);
    return Number(r.numDeletedRows);
  }

  async invalidate(sessionId: string) {
    await this.lucia.invalidateSession(sessionId);
    this.cache.delete(`s:${sessionId}`);
  }

  async invalidateUser(userId: string) {
    await this.lucia.invalidateUserSessions(userId);
    this.cache.forgetUser(userId);
  }

  /** Serialised Set-Cookie value carrying the token. */
  cookie(token: string, expiresAt: Date): string {
    const c = this.lucia.createSessionCookie(token);
    c.attributes.expires = expiresAt;
    c.attributes.httpOnly = true;
    return c.serialize();
  }

  blankCookie(): string {
    return this.lucia.createBlankSessionCookie().serialize();
  }
}
