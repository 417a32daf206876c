/**
 * Passkeys (WebAuthn, verified by @simplewebauthn/server): a merchant adds one
 * from the account page and then signs in with it, without a password. User
 * verification is required, so a passkey is two factors in itself (the device
 * plus its PIN or biometric) and counts for a store's two-factor policy.
 *
 * Challenges are stored as sha256 with an expiry and deleted when answered, so
 * each is usable once; the signature counter is checked and advanced by the
 * library (a cloned authenticator shows up as a counter that goes backwards).
 */
import { type Database, writeAudit } from '@storeloom/db';
import { AppError, ErrorCode } from '@storeloom/errors';
import {
  type AuthenticationResponseJSON,
  type AuthenticatorTransportFuture,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { sha256Hex } from './crypto.ts';

export const PASSKEY_CHALLENGE_TTL_MS = 5 * 60 * 1000;
export const MAX_PASSKEYS_PER_USER = 20;

export interface PasskeyInfo {
  id: string;
  name: string;
  backedUp: boolean;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export interface RelyingParty {
  /** Shown by the browser ("Storeloom"). */
  name: string;
  /** The console's host name (passkeys are bound to it). */
  id: string;
  /** The console's origin, e.g. https://app.storeloom.com. */
  origin: string;
}

/** The relying party of a console served at `publicUrl`. */
export function relyingPartyOf(publicUrl: string): RelyingParty {
  const u = new URL(publicUrl);
  return { name: 'Storeloom', id: u.hostname, origin: u.origin };
}

const refused = () => new AppError(ErrorCode.InvalidCredentials, 'The passkey could not be verified; try again');

export class PasskeyService {
  constructor(
    private readonly db: Database,
    private readonly rp: RelyingParty,
  ) {}

  async list(userId: string): Promise<PasskeyInfo[]> {
    const rows = await this.db.control
      .selectFrom('user_passkeys')
      .select(['id', 'name', 'backed_up', 'created_at', 'last_used_at'])
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .execute();
    return rows.map((r) => ({ id: r.id, name: r.name, backedUp: r.backed_up, createdAt: r.created_at, lastUsedAt: r.last_used_at }));
  }

  async registrationOptions(user: { id: string; email: string; name: string }): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const existing = await this.db.control.selectFrom('user_passkeys').select(['id', 'transports']).where('user_id', '=', user.id).execute();
    if (existing.length >= MAX_PASSKEYS_PER_USER) throw new AppError(ErrorCode.Conflict, `At most ${MAX_PASSKEYS_PER_USER} passkeys per account`);
    const options = await generateRegistrationOptions({
      rpName: this.rp.name,
      rpID: this.rp.id,
      userName: user.email,
      userDisplayName: user.name,
      userID: new TextEncoder().encode(user.id),
      attestationType: 'none',
      excludeCredentials: existing.map((c) => ({ id: c.id, ...transportsOf(c.transports) })),
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    });
    await this.storeChallenge(options.challenge, user.id, 'register');
    return options;
  }

  async register(userId: string, response: RegistrationResponseJSON, name: string): Promise<PasskeyInfo> {
    let verification: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
    try {
      verification = await verifyRegistrationResponse({
        response,
        expectedChallenge: (challenge) => this.consumeChallenge(challenge, 'register', userId),
        expectedOrigin: this.rp.origin,
        expectedRPID: this.rp.id,
        requireUserVerification: true,
      });
    } catch {
      throw refused();
    }
    if (!verification.verified) throw refused();
    const { credential, credentialBackedUp } = verification.registrationInfo;
    const row = await this.db.control
      .insertInto('user_passkeys')
      .values({
        id: credential.id,
        user_id: userId,
        public_key: Buffer.from(credential.publicKey),
        counter: credential.counter,
        transports: credential.transports ? JSON.stringify(credential.transports) : null,
        name: name.trim() || 'Passkey',
        backed_up: credentialBackedUp,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .returning(['id', 'name', 'backed_up', 'created_at', 'last_used_at'])
      .executeTakeFirst();
    if (!row) throw new AppError(ErrorCode.Conflict, 'This passkey is already registered');
    await writeAudit(this.db, { actorUserId: userId, action: 'user.passkey_added', targetType: 'passkey', targetId: row.id });
    return { id: row.id, name: row.name, backedUp: row.backed_up, createdAt: row.created_at, lastUsedAt: row.last_used_at };
  }

  async remove(userId: string, id: string): Promise<boolean> {
    const r = await this.db.control.deleteFrom('user_passkeys').where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
    const removed = Number(r.numDeletedRows) > 0;
    if (removed) await writeAudit(this.db, { actorUserId: userId, action: 'user.passkey_removed', targetType: 'passkey', targetId: id });
    return removed;
  }

  /** Options for a passwordless sign-in: any passkey of this site (discoverable credentials). */
  async authenticationOptions(): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const options = await generateAuthenticationOptions({ rpID: this.rp.id, userVerification: 'required' });
    await this.storeChallenge(options.challenge, null, 'authenticate');
    return options;
  }

  /** Verifies a sign-in assertion; returns the user it belongs to. */
  async authenticate(response: AuthenticationResponseJSON): Promise<{ userId: string }> {
    const cred = await this.db.control.selectFrom('user_passkeys').selectAll().where('id', '=', response.id).executeTakeFirst();
    if (!cred) {
      // Still spend the challenge, so an unknown credential cannot keep it alive for another try.
      await this.spendChallengeOf(response);
      throw refused();
    }
    let verification: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
    try {
      verification = await verifyAuthenticationResponse({
        response,
        expectedChallenge: (challenge) => this.consumeChallenge(challenge, 'authenticate', null),
        expectedOrigin: this.rp.origin,
        expectedRPID: this.rp.id,
        credential: { id: cred.id, publicKey: new Uint8Array(cred.public_key), counter: Number(cred.counter), ...transportsOf(cred.transports) },
        requireUserVerification: true,
      });
    } catch {
      throw refused();
    }
    if (!verification.verified) throw refused();
    await this.db.control
      .updateTable('user_passkeys')
      .set({ counter: verification.authenticationInfo.newCounter, last_used_at: new Date() })
      .where('id', '=', cred.id)
      .execute();
    return { userId: cred.user_id };
  }

  private async storeChallenge(challenge: string, userId: string | null, purpose: 'register' | 'authenticate') {
    await this.db.control.deleteFrom('webauthn_challenges').where('expires_at', '<', new Date()).execute();
    await this.db.control
      .insertInto('webauthn_challenges')
      .values({ id: sha256Hex(challenge), user_id: userId, purpose, expires_at: new Date(Date.now() + PASSKEY_CHALLENGE_TTL_MS) })
      .execute();
  }

  /** True once for a live challenge of this purpose (and user, when registering); deletes it. */
  private async consumeChallenge(challenge: string, purpose: 'register' | 'authenticate', userId: string | null): Promise<boolean> {
    let q = this.db.control
      .deleteFrom('webauthn_challenges')
      .where('id', '=', sha256Hex(challenge))
      .where('purpose', '=', purpose)
      .where('expires_at', '>', new Date());
    if (userId) q = q.where('user_id', '=', userId);
    const r = await q.executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  private async spendChallengeOf(response: AuthenticationResponseJSON) {
    try {
      const clientData = JSON.parse(Buffer.from(response.response.clientDataJSON, 'base64url').toString('utf8')) as { challenge?: string };
      if (clientData.challenge) await this.consumeChallenge(clientData.challenge, 'authenticate', null);
    } catch {
      // Unparseable client data: nothing to spend.
    }
  }
}

function transportsOf(json: string | null): { transports?: AuthenticatorTransportFuture[] } {
  if (!json) return {};
  try {
    return { transports: JSON.parse(json) as AuthenticatorTransportFuture[] };
  } catch {
    return {};
  }
}

export type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
