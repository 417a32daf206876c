/**
 * Account self-service: password reset by e-mailed link, password change and
 * the console language. Reset tokens are random, stored only as sha256,
 * single-use and short-lived; a reset or change ends the user's other sessions.
 */
import { type Database, type Kysely, type Transaction, writeAudit } from '@storeloom/db';
import type { ControlDatabase } from '@storeloom/db';
import { AppError, ErrorCode } from '@storeloom/errors';
import { platformMail } from '@storeloom/mail';
import { generateToken, hashPassword, sha256Hex, verifyPassword } from './crypto.ts';
import { normaliseEmail } from './users.ts';

export const RESET_TOKEN_TTL_MS = 60 * 60 * 1000;
export const CONSOLE_LOCALES = ['en', 'zh-CN'] as const;
export type ConsoleLocale = (typeof CONSOLE_LOCALES)[number];

/** What account flows need from the mail outbox (packages/mail's MailOutbox fits). */
export interface MailSink {
  enqueue(
    message: { kind: string; to: string; subject: string; text: string; html?: string; storeId?: string; dedupKey?: string },
    executor?: Kysely<ControlDatabase> | Transaction<ControlDatabase>,
  ): Promise<string>;
}

export class AccountService {
  constructor(
    private readonly db: Database,
    private readonly mail: MailSink,
  ) {}

  /**
   * Mails a reset link when the address has an account, and otherwise a notice that the address has no account:
   * the same work either way (look-up, token, one transaction with a mail), so neither the caller's answer nor its
   * timing tells accounts apart. Issuing a link voids the user's earlier unused links.
   */
  async requestPasswordReset(emailInput: string, publicUrl: string, requestLocale?: string | null): Promise<{ mailed: boolean }> {
    const email = normaliseEmail(emailInput);
    const user = await this.db.control.selectFrom('users').select(['id', 'email', 'name', 'locale']).where('email', '=', email).executeTakeFirst();
    const token = generateToken(32);
    const base = publicUrl.replace(/\/$/, '');
    const link = `${base}/reset-password?token=${token}`;
    if (!user) {
      await this.db.control.transaction().execute(async (trx) => {
        await trx
          .updateTable('password_reset_tokens')
          .set({ used_at: new Date() })
          .where('token_hash', '=', sha256Hex(token))
          .where('used_at', 'is', null)
          .execute();
        // No account, so no saved language: the language the request was made in.
        const m = platformMail({ kind: 'password-reset-no-account', signupUrl: `${base}/signup` }, requestLocale, base);
        await this.mail.enqueue({ kind: 'password-reset-no-account', to: email, subject: m.subject, text: m.text, html: m.html }, trx);
      });
      return { mailed: true };
    }
    await this.db.control.transaction().execute(async (trx) => {
      await trx.updateTable('password_reset_tokens').set({ used_at: new Date() }).where('user_id', '=', user.id).where('used_at', 'is', null).execute();
      await trx
        .insertInto('password_reset_tokens')
        .values({ token_hash: sha256Hex(token), user_id: user.id, expires_at: new Date(Date.now() + RESET_TOKEN_TTL_MS), used_at: null })
        .execute();
      const m = platformMail({ kind: 'password-reset', name: user.name, link }, user.locale ?? requestLocale, base);
      await this.mail.enqueue({ kind: 'password-reset', to: user.email, subject: m.subject, text: m.text, html: m.html }, trx);
      await writeAudit(trx, { actorUserId: user.id, action: 'user.password_reset_requested', targetType: 'user', targetId: user.id });
    });
    return { mailed: true };
  }

  /**
   * Consumes a reset token (once), sets the new password, ends every session of the user and revokes every API token
   * of the user (in the same transaction): a reset says the old credentials may be in other hands.
   */
  async resetPassword(token: string, newPassword: string): Promise<{ id: string; email: string; name: string }> {
    const invalid = () => new AppError(ErrorCode.InvalidToken, 'This reset link is invalid or has expired; ask for a new one');
    if (!/^[a-z2-7]{20,80}$/.test(token)) throw invalid();
    const passwordHash = await hashPassword(newPassword);
    return this.db.control.transaction().execute(async (trx) => {
      // Conditional: of two concurrent uses of one token, exactly one wins.
      const row = await trx
        .updateTable('password_reset_tokens')
        .set({ used_at: new Date() })
        .where('token_hash', '=', sha256Hex(token))
        .where('used_at', 'is', null)
        .where('expires_at', '>', new Date())
        .returning('user_id')
        .executeTakeFirst();
      if (!row) throw invalid();
      const user = await trx
        .updateTable('users')
        .set({ password_hash: passwordHash, updated_at: new Date() })
        .where('id', '=', row.user_id)
        .returning(['id', 'email', 'name'])
        .executeTakeFirstOrThrow();
      await trx.deleteFrom('sessions').where('user_id', '=', user.id).execute();
      await trx.updateTable('api_tokens').set({ revoked_at: new Date() }).where('user_id', '=', user.id).where('revoked_at', 'is', null).execute();
      await trx.updateTable('password_reset_tokens').set({ used_at: new Date() }).where('user_id', '=', user.id).where('used_at', 'is', null).execute();
      await writeAudit(trx, { actorUserId: user.id, action: 'user.password_reset', targetType: 'user', targetId: user.id });
      return user;
    });
  }

  /** Needs the current password; every other session of the user ends (the current one stays, if any). */
  async changePassword(userId: string, currentPassword: string, newPassword: string, keepSessionId: string | null): Promise<void> {
    const row = await this.db.control.selectFrom('users').select(['password_hash']).where('id', '=', userId).executeTakeFirst();
    if (!row || !(await verifyPassword(row.password_hash, currentPassword)))
      throw new AppError(ErrorCode.InvalidCredentials, 'The current password is incorrect', {
        details: [{ path: 'currentPassword', message: 'incorrect password' }],
      });
    const passwordHash = await hashPassword(newPassword);
    await this.db.control.transaction().execute(async (trx) => {
      // Conditional on the hash we verified: a concurrent change is not silently overwritten.
      const r = await trx
        .updateTable('users')
        .set({ password_hash: passwordHash, updated_at: new Date() })
        .where('id', '=', userId)
        .where('password_hash', '=', row.password_hash)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) throw new AppError(ErrorCode.Conflict, 'The password was changed meanwhile; try again');
      let del = trx.deleteFrom('sessions').where('user_id', '=', userId);
      if (keepSessionId) del = del.where('id', '!=', keepSessionId);
      await del.execute();
      await trx.updateTable('password_reset_tokens').set({ used_at: new Date() }).where('user_id', '=', userId).where('used_at', 'is', null).execute();
      await writeAudit(trx, { actorUserId: userId, action: 'user.password_changed', targetType: 'user', targetId: userId });
    });
  }

  async profile(userId: string): Promise<{ id: string; email: string; name: string; locale: ConsoleLocale | null } | null> {
    const row = await this.db.control.selectFrom('users').select(['id', 'email', 'name', 'locale']).where('id', '=', userId).executeTakeFirst();
    return row ? { ...row, locale: (row.locale as ConsoleLocale | null) ?? null } : null;
  }

  async updateProfile(userId: string, patch: { name?: string; locale?: ConsoleLocale | null }) {
    const set: Record<string, unknown> = { updated_at: new Date() };
    if (patch.name !== undefined) set.name = patch.name.trim();
    if (patch.locale !== undefined) set.locale = patch.locale;
    await this.db.control.updateTable('users').set(set).where('id', '=', userId).execute();
    return this.profile(userId);
  }
}
