/**
 * Sessions with lucia v3 on a Kysely adapter. The cookie carries a random
 * token; the database stores only sha256(token) as the session id, so a leaked
 * sessions table cannot be replayed.
 */
import type { Database } from '@storeloom/db';
import { type Adapter, type DatabaseSession, type DatabaseUser, Lucia, TimeSpan } from 'lucia';
import { generateToken, sha256Hex } from './crypto.ts';

export const SESSION_COOKIE = 'storeloom_session';

function kyselyAdapter(db: Database): Adapter {
  const toSession = (r: { id: string; user_id: string; expires_at: Date }): DatabaseSession => ({
    id: r.id,
    userId: r.user_id,
    expiresAt: new Date(r.expires_at),
    attributes: {},
  });
  return {
    async getSessionAndUser(sessionId) {
      const row = await db.control
        .selectFrom('sessions')
        .innerJoin('users', 'users.id', 'sessions.user_id')
        .select(['sessions.id', 'sessions.user_id', 'sessions.expires_at', 'users.email', 'users.name'])
        .where('sessions.id', '=', sessionId)
        .executeTakeFirst();
      if (!row) return [null, null];
      const user: DatabaseUser = { id: row.user_id, attributes: { email: row.email, name: row.name } };
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

export function createLucia(db: Database, opts: { secureCookies: boolean }) {
  return new Lucia(kyselyAdapter(db), {
    sessionExpiresIn: new TimeSpan(30, 'd'),
    sessionCookie: {
      name: SESSION_COOKIE,
      expires: true,
      attributes: { secure: opts.secureCookies, sameSite: 'lax', path: '/' },
    },
    getUserAttributes: (a) => ({ email: a.email, name: a.name }),
  });
}

export type AppLucia = ReturnType<typeof createLucia>;

declare module 'lucia' {
  interface Register {
    Lucia: AppLucia;
    DatabaseUserAttributes: { email: string; name: string };
    DatabaseSessionAttributes: { ip?: string | null; userAgent?: string | null };
  }
}

export interface SessionUser {
  id: string;
  email: string;
  name: string;
}

export class SessionManager {
  constructor(readonly lucia: AppLucia) {}

  /** Creates a session; returns the token for the cookie (only its hash is stored). */
  async create(userId: string, meta: { ip?: string | null; userAgent?: string | null }) {
    const token = generateToken(20);
    const session = await this.lucia.createSession(userId, { ip: meta.ip ?? null, userAgent: meta.userAgent ?? null }, { sessionId: sha256Hex(token) });
    return { token, expiresAt: session.expiresAt };
  }

  /** Validates a cookie token; `refreshed` means the cookie's expiry should be re-sent. */
  async validate(token: string): Promise<{ user: SessionUser; sessionId: string; expiresAt: Date; refreshed: boolean } | null> {
    if (!/^[a-z2-7]{20,64}$/.test(token)) return null;
    const { session, user } = await this.lucia.validateSession(sha256Hex(token));
    if (!session || !user) return null;
    return { user: { id: user.id, email: user.email, name: user.name }, sessionId: session.id, expiresAt: session.expiresAt, refreshed: session.fresh };
  }

  invalidate(sessionId: string) {
    return this.lucia.invalidateSession(sessionId);
  }

  invalidateUser(userId: string) {
    return this.lucia.invalidateUserSessions(userId);
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
