/**
 * Two-factor sign-in for merchants: TOTP (RFC 6238, authenticator apps) with
 * single-use recovery codes, and the pending sign-in ("challenge") between the
 * password and the second factor.
 *
 * - The TOTP seed is sealed with SECRETS_KEY (the platform's SecretBox,
 *   @storeloom/secret-box); enrolment stores it and only a correct code turns
 *   two-factor on. A seed sealed in an older format or under a previous key is
 *   sealed again under the current key after its next correct code.
 * - A code is accepted one time step either side of now (clock skew) and never
 *   twice: the accepted step is stored and only later steps pass, decided by
 *   one conditional UPDATE so two concurrent sign-ins cannot both use a code.
 * - Recovery codes and challenge tickets are random and stored as sha256 only;
 *   a challenge allows a few attempts, then it is gone and the password is
 *   needed again.
 */
import { randomBytes } from 'node:crypto';
import { type ControlDatabase, type Database, type Kysely, writeAudit } from '@storeloom/db';
import { AppError, ErrorCode } from '@storeloom/errors';
import { createTOTPKeyURI, generateHOTP } from '@oslojs/otp';
import { decodeBase32IgnorePadding, encodeBase32UpperCaseNoPadding } from '@oslojs/encoding';
import QRCode from 'qrcode';
import { generateToken, sha256Hex } from './crypto.ts';
import { hasSecondFactor } from './second-factor.ts';
import type { SecretBox } from '@storeloom/secret-box';

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** Steps accepted either side of now: ±30 s of clock drift between the phone and the server. */
export const TOTP_SKEW_STEPS = 1;
export const RECOVERY_CODE_COUNT = 10;
export const CHALLENGE_TTL_MS = 5 * 60 * 1000;
export const CHALLENGE_MAX_ATTEMPTS = 5;
const SEAL_PURPOSE = 'users.totp_secret_sealed';

export interface TwoFactorStatus {
  enabled: boolean;
  enabledAt: Date | null;
  recoveryCodesLeft: number;
}

export interface TotpEnrolment {
  /** The seed in base32, for typing into an app that cannot scan. */
  secret: string;
  /** otpauth:// URI (what the QR code holds). */
  uri: string;
  /** The URI as an SVG QR code. */
  qrSvg: string;
}

const invalidCode = () => new AppError(ErrorCode.InvalidCredentials, 'That code is not valid; check the time on your device and try the newest code');

/** xxxxx-xxxxx from an unambiguous alphabet (no 0/o, 1/l). */
function newRecoveryCode(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
  const bytes = randomBytes(10);
  let s = '';
  for (let i = 0; i < 10; i++) s += alphabet[(bytes[i] as number) % alphabet.length];
  return `${s.slice(0, 5)}-${s.slice(5)}`;
}
const normaliseRecoveryCode = (code: string) => code.trim().toLowerCase().replace(/[\s-]/g, '');
const hashRecoveryCode = (code: string) => sha256Hex(`recovery:${normaliseRecoveryCode(code)}`);

/** The time step whose code matches the seed (base64), within the allowed skew; null when none does. */
function matchingStep(seedBase64: string, code: string, nowMs: number): bigint | null {
  if (!/^\d{6}$/.test(code)) return null;
  const key = new Uint8Array(Buffer.from(seedBase64, 'base64'));
  const now = BigInt(Math.floor(nowMs / 1000 / TOTP_PERIOD_SECONDS));
  for (let d = -TOTP_SKEW_STEPS; d <= TOTP_SKEW_STEPS; d++) {
    const step = now + BigInt(d);
    if (generateHOTP(key, step, TOTP_DIGITS) === code) return step;
  }
  return null;
}

export class TwoFactorService {
  constructor(
    private readonly db: Database,
    private readonly box: SecretBox | null,
    private readonly opts: { issuer: string; now?: () => number } = { issuer: 'Storeloom' },
  ) {}

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  private requireBox(): SecretBox {
    if (!this.box) throw new AppError(ErrorCode.ServiceUnavailable, 'Two-factor sign-in needs SECRETS_KEY to be configured on this platform');
    return this.box;
  }

  async status(userId: string): Promise<TwoFactorStatus> {
    const row = await this.db.control
      .selectFrom('users')
      .select([
        'totp_enabled_at',
        (eb) =>
          eb
            .selectFrom('user_recovery_codes')
            .select(eb.fn.countAll<string>().as('n'))
            .whereRef('user_recovery_codes.user_id', '=', 'users.id')
            .where('used_at', 'is', null)
            .as('codes_left'),
      ])
      .where('id', '=', userId)
      .executeTakeFirst();
    const enabledAt = row?.totp_enabled_at ?? null;
    return { enabled: enabledAt !== null, enabledAt, recoveryCodesLeft: enabledAt ? Number(row?.codes_left ?? 0) : 0 };
  }

  async isEnabled(userId: string): Promise<boolean> {
    return (await this.status(userId)).enabled;
  }

  /**
   * Whether a password alone may not start a session: an authenticator app or a
   * passkey is set up. Both count as two-factor for a store's policy, so a
   * password sign-in must then go through the second step (a code, a recovery
   * code, or the passkey itself).
   */
  async secondFactorRequired(userId: string): Promise<boolean> {
    const row = await this.db.control
      .selectFrom('users')
      .select((eb) => hasSecondFactor(eb).as('second_factor'))
      .where('id', '=', userId)
      .executeTakeFirst();
    return Boolean(row?.second_factor);
  }

  /** Starts enrolment: a new seed replaces any unconfirmed one. Refused while two-factor is on (turn it off first). */
  async beginTotp(userId: string, accountName: string): Promise<TotpEnrolment> {
    const box = this.requireBox();
    const key = randomBytes(20);
    const updated = await this.db.control
      .updateTable('users')
      .set({ totp_secret_sealed: box.seal(Buffer.from(key).toString('base64'), SEAL_PURPOSE), totp_last_step: null })
      .where('id', '=', userId)
      .where('totp_enabled_at', 'is', null)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0)
      throw new AppError(ErrorCode.InvalidState, 'Two-factor sign-in is already on; turn it off first to enrol a new device');
    const uri = createTOTPKeyURI(this.opts.issuer, accountName, key, TOTP_PERIOD_SECONDS, TOTP_DIGITS);
    const qrSvg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    return { secret: encodeBase32UpperCaseNoPadding(key), uri, qrSvg };
  }

  /** Confirms enrolment with a code from the app; turns two-factor on and returns fresh recovery codes (shown once). */
  async confirmTotp(userId: string, code: string): Promise<{ recoveryCodes: string[] }> {
    const row = await this.db.control.selectFrom('users').select(['totp_secret_sealed', 'totp_enabled_at']).where('id', '=', userId).executeTakeFirst();
    if (!row?.totp_secret_sealed || row.totp_enabled_at) throw new AppError(ErrorCode.InvalidState, 'Start the set-up first');
    const step = matchingStep(this.requireBox().open(row.totp_secret_sealed, SEAL_PURPOSE), code, this.now());
    if (step === null) throw invalidCode();
    return this.db.control.transaction().execute(async (trx) => {
      const done = await trx
        .updateTable('users')
        .set({ totp_enabled_at: new Date(this.now()), totp_last_step: String(step) })
        .where('id', '=', userId)
        .where('totp_enabled_at', 'is', null)
        .where('totp_secret_sealed', '=', row.totp_secret_sealed)
        .executeTakeFirst();
      if (Number(done.numUpdatedRows) === 0) throw new AppError(ErrorCode.InvalidState, 'The set-up changed meanwhile; start again');
      const codes = await this.replaceRecoveryCodes(trx, userId);
      await writeAudit(trx, { actorUserId: userId, action: 'user.two_factor_enabled', targetType: 'user', targetId: userId });
      return { recoveryCodes: codes };
    });
  }

  /** Turns two-factor off (the caller has checked the password and a current code). */
  async disable(userId: string): Promise<void> {
    await this.db.control.transaction().execute(async (trx) => {
      await trx.updateTable('users').set({ totp_secret_sealed: null, totp_enabled_at: null, totp_last_step: null }).where('id', '=', userId).execute();
      await trx.deleteFrom('user_recovery_codes').where('user_id', '=', userId).execute();
      await writeAudit(trx, { actorUserId: userId, action: 'user.two_factor_disabled', targetType: 'user', targetId: userId });
    });
  }

  async regenerateRecoveryCodes(userId: string): Promise<{ recoveryCodes: string[] }> {
    if (!(await this.isEnabled(userId))) throw new AppError(ErrorCode.InvalidState, 'Two-factor sign-in is off');
    return this.db.control.transaction().execute(async (trx) => {
      const codes = await this.replaceRecoveryCodes(trx, userId);
      await writeAudit(trx, { actorUserId: userId, action: 'user.recovery_codes_regenerated', targetType: 'user', targetId: userId });
      return { recoveryCodes: codes };
    });
  }

  /**
   * Checks a second factor: a current TOTP code (each time step usable once)
   * or an unused recovery code (then spent). Throws invalid_credentials otherwise.
   */
  async verify(userId: string, code: string): Promise<{ method: 'totp' | 'recovery_code' }> {
    const trimmed = code.trim().replace(/\s/g, '');
    if (/^\d{6}$/.test(trimmed)) {
      const row = await this.db.control.selectFrom('users').select(['totp_secret_sealed', 'totp_enabled_at']).where('id', '=', userId).executeTakeFirst();
      if (!row?.totp_secret_sealed || !row.totp_enabled_at) throw invalidCode();
      const box = this.requireBox();
      const seed = box.inspect(row.totp_secret_sealed, SEAL_PURPOSE);
      const step = matchingStep(seed.plaintext, trimmed, this.now());
      if (step === null) throw invalidCode();
      // Only a step after the last accepted one passes: replays (and a second concurrent use) are refused.
      const used = await this.db.control
        .updateTable('users')
        .set({ totp_last_step: String(step), ...(seed.stale ? { totp_secret_sealed: box.seal(seed.plaintext, SEAL_PURPOSE) } : {}) })
        .where('id', '=', userId)
        .where('totp_secret_sealed', '=', row.totp_secret_sealed)
        .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', String(step))]))
        .executeTakeFirst();
      if (Number(used.numUpdatedRows) === 0) throw new AppError(ErrorCode.InvalidCredentials, 'That code was already used; wait for the next one');
      return { method: 'totp' };
    }
    if (normaliseRecoveryCode(trimmed).length !== 10) throw invalidCode();
    const spent = await this.db.control
      .updateTable('user_recovery_codes')
      .set({ used_at: new Date(this.now()) })
      .where('user_id', '=', userId)
      .where('code_hash', '=', hashRecoveryCode(trimmed))
      .where('used_at', 'is', null)
      .executeTakeFirst();
    if (Number(spent.numUpdatedRows) === 0) throw invalidCode();
    await writeAudit(this.db.control, { actorUserId: userId, action: 'user.recovery_code_used', targetType: 'user', targetId: userId });
    return { method: 'recovery_code' };
  }

  /** After a correct password: a ticket for the second step (only its hash is stored). */
  async createChallenge(userId: string, meta: { ip: string | null; userAgent: string | null }): Promise<{ ticket: string; expiresAt: Date }> {
    const ticket = generateToken(32);
    const expiresAt = new Date(this.now() + CHALLENGE_TTL_MS);
    await this.db.control.deleteFrom('login_challenges').where('expires_at', '<', new Date(this.now())).execute();
    await this.db.control
      .insertInto('login_challenges')
      .values({ id: sha256Hex(ticket), user_id: userId, ip: meta.ip, user_agent: meta.userAgent?.slice(0, 512) ?? null, expires_at: expiresAt })
      .execute();
    return { ticket, expiresAt };
  }

  /** The user a live ticket belongs to (for per-account throttling before the code is checked); null when none. */
  async challengeOwner(ticket: string): Promise<string | null> {
    const row = await this.db.control
      .selectFrom('login_challenges')
      .select('user_id')
      .where('id', '=', sha256Hex(ticket))
      .where('expires_at', '>', new Date(this.now()))
      .executeTakeFirst();
    return row?.user_id ?? null;
  }

  /**
   * Completes a pending sign-in: the ticket must be live, and the code right.
   * Each wrong code costs an attempt; after CHALLENGE_MAX_ATTEMPTS the ticket is void.
   */
  async completeChallenge(ticket: string, code: string): Promise<{ userId: string; method: 'totp' | 'recovery_code' }> {
    const id = sha256Hex(ticket);
    const expired = () => new AppError(ErrorCode.InvalidToken, 'This sign-in has expired; enter your password again');
    // Count the attempt first (atomically), so parallel guesses cannot exceed the limit.
    const row = await this.db.control
      .updateTable('login_challenges')
      .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      .where('id', '=', id)
      .where('expires_at', '>', new Date(this.now()))
      .where('attempts', '<', CHALLENGE_MAX_ATTEMPTS)
      .returning(['user_id'])
      .executeTakeFirst();
    if (!row) {
      await this.db.control.deleteFrom('login_challenges').where('id', '=', id).execute();
      throw expired();
    }
    const result = await this.verify(row.user_id, code);
    const consumed = await this.db.control.deleteFrom('login_challenges').where('id', '=', id).executeTakeFirst();
    if (Number(consumed.numDeletedRows) === 0) throw expired();
    return { userId: row.user_id, method: result.method };
  }

  private async replaceRecoveryCodes(trx: Kysely<ControlDatabase>, userId: string): Promise<string[]> {
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    await trx.deleteFrom('user_recovery_codes').where('user_id', '=', userId).execute();
    await trx
      .insertInto('user_recovery_codes')
      .values(codes.map((c) => ({ user_id: userId, code_hash: hashRecoveryCode(c) })))
      .execute();
    return codes;
  }
}

/** For tests and scripts: the code an authenticator shows for a base32 seed at a time. */
export function totpCodeAt(base32Secret: string, atMs: number): string {
  return generateHOTP(decodeBase32IgnorePadding(base32Secret), BigInt(Math.floor(atMs / 1000 / TOTP_PERIOD_SECONDS)), TOTP_DIGITS);
}
