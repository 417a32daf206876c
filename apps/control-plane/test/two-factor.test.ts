/**
 * Merchant account security on real Postgres: TOTP enrolment, two-step sign-in,
 * replay and clock-skew rules, recovery codes, password reset with two-factor
 * on, the sessions page, the new-device mail, a store requiring two-factor
 * sign-in of its team, and /.well-known/security.txt.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOTP_PERIOD_SECONDS, TwoFactorService, totpCodeAt } from '@storeloom/auth';
import { SecretBox } from '@storeloom/secret-box';
import { sealAuthV1 } from '../../../packages/secret-box/test/legacy.ts';
import { createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';

const PASSWORD = 'correct horse battery';
const CHROME_LINUX = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';
const FIREFOX_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0';

describe('two-factor sign-in and account security', () => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await startTestPlatform();
  });
  afterAll(async () => {
    await p.close();
  });

  const cookieOf = (res: { headers: Headers }) => (res.headers.get('set-cookie') ?? '').split(';')[0] as string;
  const login = (email: string, ua = CHROME_LINUX, password = PASSWORD) =>
    p.request('POST', '/api/v1/auth/login', { body: { email, password }, headers: { 'user-agent': ua } });

  /** Signs up and turns two-factor on; returns the base32 secret, the recovery codes and the (only live) cookie. */
  async function enrolled() {
    const { cookie, email, user } = await signup(p);
    const begin = await p.request('POST', '/api/v1/me/two-factor/totp', { cookie, body: { password: PASSWORD } });
    expect(begin.status, begin.text).toBe(200);
    const secret = begin.body.secret as string;
    const confirm = await p.request('POST', '/api/v1/me/two-factor/totp/confirm', { cookie, body: { code: totpCodeAt(secret, Date.now()) } });
    expect(confirm.status, confirm.text).toBe(200);
    return { cookie, email, user, secret, recoveryCodes: confirm.body.recoveryCodes as string[] };
  }

  it('enrols an authenticator only with the password and a correct code; the seed is stored sealed', async () => {
    const { cookie, email, user } = await signup(p);
    const other = cookieOf(await login(email, FIREFOX_MAC));
    expect((await p.request('POST', '/api/v1/me/two-factor/totp', { cookie, body: { password: 'wrong password!' } })).status).toBe(401);
    const begin = await p.request('POST', '/api/v1/me/two-factor/totp', { cookie, body: { password: PASSWORD } });
    expect(begin.status, begin.text).toBe(200);
    expect(begin.body.uri).toMatch(/^otpauth:\/\/totp\/Storeloom:.*secret=/);
    expect(begin.body.qrSvg).toContain('<svg');
    const secret = begin.body.secret as string;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);

    // Not on until a code proves the app has the seed.
    expect((await p.request('GET', '/api/v1/me/two-factor', { cookie })).body).toEqual({ enabled: false, enabledAt: null, recoveryCodesLeft: 0 });
    const wrong = await p.request('POST', '/api/v1/me/two-factor/totp/confirm', { cookie, body: { code: totpCodeAt(secret, Date.now() + 10 * 60_000) } });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('invalid_credentials');

    const ok = await p.request('POST', '/api/v1/me/two-factor/totp/confirm', { cookie, body: { code: totpCodeAt(secret, Date.now()) } });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body.recoveryCodes).toHaveLength(10);
    expect(new Set(ok.body.recoveryCodes).size).toBe(10);
    const status = await p.request('GET', '/api/v1/me/two-factor', { cookie });
    expect(status.body.enabled).toBe(true);
    expect(status.body.recoveryCodesLeft).toBe(10);
    // Turning it on ends the other sessions, keeps this one.
    expect((await p.request('GET', '/api/v1/me', { cookie: other })).status).toBe(401);
    expect((await p.request('GET', '/api/v1/me', { cookie })).status).toBe(200);

    const row = await p.db.control.selectFrom('users').select(['totp_secret_sealed']).where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(row.totp_secret_sealed).toMatch(/^v2\./);
    expect(row.totp_secret_sealed).not.toContain(secret);
    const codes = await p.db.control.selectFrom('user_recovery_codes').select('code_hash').where('user_id', '=', user.id).execute();
    for (const c of ok.body.recoveryCodes as string[]) expect(codes.map((r) => r.code_hash)).not.toContain(c);
    // A second enrolment while on is refused (turn it off first).
    expect((await p.request('POST', '/api/v1/me/two-factor/totp', { cookie, body: { password: PASSWORD } })).status).toBe(409);
  });

  it('signs in in two steps; a code works once, wrong codes burn the ticket, recovery codes work once', async () => {
    const { email, secret, recoveryCodes } = await enrolled();
    const first = await login(email);
    expect(first.status, first.text).toBe(200);
    expect(first.body.twoFactorRequired).toBe(true);
    expect(first.body.user).toBeUndefined();
    expect(first.headers.get('set-cookie')).toBeNull();
    const ticket = first.body.ticket as string;

    const bad = await p.request('POST', '/api/v1/auth/login/two-factor', { body: { ticket, code: '000000' } });
    expect(bad.status).toBe(401);
    // The next step's code (one step of skew allowed): the enrolment used this step at most.
    const code = totpCodeAt(secret, Date.now() + TOTP_PERIOD_SECONDS * 1000);
    const done = await p.request('POST', '/api/v1/auth/login/two-factor', { body: { ticket, code } });
    expect(done.status, done.text).toBe(200);
    expect(done.body.user.email).toBe(email);
    const cookie = cookieOf(done);
    expect((await p.request('GET', '/api/v1/me', { cookie })).status).toBe(200);
    // The ticket is spent.
    expect((await p.request('POST', '/api/v1/auth/login/two-factor', { body: { ticket, code } })).body.error.code).toBe('invalid_token');

    // The same code again, on a fresh ticket: refused as a replay.
    const again = await login(email);
    const replay = await p.request('POST', '/api/v1/auth/login/two-factor', { body: { ticket: again.body.ticket, code } });
    expect(replay.status).toBe(401);
    expect(replay.body.error.message).toMatch(/already used/);

    // Five wrong codes void the ticket, even for a right code after.
    const burnt = (await login(email)).body.ticket as string;
    for (let i = 0; i < 5; i++)
      expect((await p.request('POST', '/api/v1/auth/login/two-factor', { body: { ticket: burnt, code: '123456' } })).status).toBe(401);
    const late = await p.request('POST', '/api/v1/auth/login/two-factor', { body: { ticket: burnt, code: recoveryCodes[0] } });
    expect(late.body.error.code).toBe('invalid_token');

    // A recovery code signs in once (any case, with or without the dash).
    const t1 = (await login(email)).body.ticket as string;
    const viaRecovery = await p.request('POST', '/api/v1/auth/login/two-factor', {
      body: { ticket: t1, code: (recoveryCodes[0] as string).toUpperCase().replace('-', '') },
    });
    expect(viaRecovery.status, viaRecovery.text).toBe(200);
    const t2 = (await login(email)).body.ticket as string;
    expect((await p.request('POST', '/api/v1/auth/login/two-factor', { body: { ticket: t2, code: recoveryCodes[0] } })).status).toBe(401);
    expect((await p.request('GET', '/api/v1/me/two-factor', { cookie })).body.recoveryCodesLeft).toBe(9);
  });

  it('accepts one time step of clock skew either way, never more, and never the same step twice', async () => {
    // A service on the same database with a clock we control.
    const box = new SecretBox('k'.repeat(40));
    let now = Date.UTC(2026, 11, 6, 12, 0, 10);
    const svc = new TwoFactorService(p.db, box, { issuer: 'Storeloom', now: () => now });
    const other = await signup(p);
    const enrolment = await svc.beginTotp(other.user.id, other.email);
    await svc.confirmTotp(other.user.id, totpCodeAt(enrolment.secret, now - 30_000));
    // Step -1 was used by the confirmation: the same code again is a replay.
    await expect(svc.verify(other.user.id, totpCodeAt(enrolment.secret, now - 30_000))).rejects.toMatchObject({ code: 'invalid_credentials' });
    await expect(svc.verify(other.user.id, totpCodeAt(enrolment.secret, now + 2 * 30_000))).rejects.toMatchObject({ code: 'invalid_credentials' });
    await expect(svc.verify(other.user.id, totpCodeAt(enrolment.secret, now + 30_000))).resolves.toEqual({ method: 'totp' });
    // After step +1 was used, the current step (older) is refused too: steps only move forward.
    await expect(svc.verify(other.user.id, totpCodeAt(enrolment.secret, now))).rejects.toMatchObject({ code: 'invalid_credentials' });
    now += 5 * 30_000;
    await expect(svc.verify(other.user.id, totpCodeAt(enrolment.secret, now - 30_000))).resolves.toEqual({ method: 'totp' });
    // Concurrent use of one code: exactly one wins.
    now += 5 * 30_000;
    const code = totpCodeAt(enrolment.secret, now);
    const results = await Promise.allSettled([svc.verify(other.user.id, code), svc.verify(other.user.id, code), svc.verify(other.user.id, code)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('opens a seed sealed by the old auth box (v1), also after a key rotation, and seals it again under the current key', async () => {
    const PURPOSE = 'users.totp_secret_sealed';
    const oldKey = 'o'.repeat(40);
    let now = Date.UTC(2026, 11, 6, 15, 0, 10);
    const before = new TwoFactorService(p.db, new SecretBox(oldKey), { issuer: 'Storeloom', now: () => now });
    for (const box of [new SecretBox(oldKey), new SecretBox({ current: 'n'.repeat(40), previous: [oldKey] })]) {
      const u = await signup(p);
      const enrolment = await before.beginTotp(u.user.id, u.email);
      await before.confirmTotp(u.user.id, totpCodeAt(enrolment.secret, now));
      // Rewrite the seed exactly as the old SecretBox of @storeloom/auth stored it.
      const sealedSeed = async () =>
        (await p.db.control.selectFrom('users').select('totp_secret_sealed').where('id', '=', u.user.id).executeTakeFirstOrThrow())
          .totp_secret_sealed as string;
      const seed = new SecretBox(oldKey).open(await sealedSeed(), PURPOSE);
      const v1 = sealAuthV1(oldKey, seed, PURPOSE);
      await p.db.control.updateTable('users').set({ totp_secret_sealed: v1 }).where('id', '=', u.user.id).execute();
      now += 30_000;
      const svc = new TwoFactorService(p.db, box, { issuer: 'Storeloom', now: () => now });
      await expect(svc.verify(u.user.id, totpCodeAt(enrolment.secret, now))).resolves.toEqual({ method: 'totp' });
      const resealed = await sealedSeed();
      expect(resealed.startsWith(`v2.${box.keyId}.`)).toBe(true);
      expect(box.open(resealed, PURPOSE)).toBe(seed);
      now += 30_000;
      await expect(svc.verify(u.user.id, totpCodeAt(enrolment.secret, now))).resolves.toEqual({ method: 'totp' });
      expect(await sealedSeed()).toBe(resealed);
    }
  });

  it('a password reset does not bypass the second factor', async () => {
    const { email, secret } = await enrolled();
    await p.request('POST', '/api/v1/auth/password-reset', { body: { email } });
    const [mail] = await p.services.mail.list({ to: email, limit: 1 });
    const token = /reset-password\?token=([a-z2-7]+)/.exec(mail?.text ?? '')?.[1] as string;
    const res = await p.request('POST', '/api/v1/auth/password-reset/confirm', { body: { token, password: 'a brand new passphrase' } });
    expect(res.status, res.text).toBe(200);
    expect(res.body.twoFactorRequired).toBe(true);
    expect(res.headers.get('set-cookie')).toBeNull();
    const done = await p.request('POST', '/api/v1/auth/login/two-factor', {
      body: { ticket: res.body.ticket, code: totpCodeAt(secret, Date.now() + TOTP_PERIOD_SECONDS * 1000) },
    });
    expect(done.status, done.text).toBe(200);
  });

  it('turns two-factor off only with the password and a current code', async () => {
    const { cookie, email, secret } = await enrolled();
    const noCode = await p.request('POST', '/api/v1/me/two-factor/disable', { cookie, body: { password: PASSWORD, code: '000000' } });
    expect(noCode.status).toBe(401);
    const off = await p.request('POST', '/api/v1/me/two-factor/disable', {
      cookie,
      body: { password: PASSWORD, code: totpCodeAt(secret, Date.now() + TOTP_PERIOD_SECONDS * 1000) },
    });
    expect(off.status, off.text).toBe(204);
    const res = await login(email);
    expect(res.body.user.email).toBe(email);
    expect(await p.db.control.selectFrom('user_recovery_codes').selectAll().where('user_id', '=', res.body.user.id).execute()).toEqual([]);
  });

  it('lists sessions with device and network, ends one or all others', async () => {
    const { cookie, email } = await signup(p);
    const firefox = cookieOf(await login(email, FIREFOX_MAC));
    const chrome = cookieOf(await login(email, CHROME_LINUX));
    const list = await p.request('GET', '/api/v1/me/sessions', { cookie: chrome });
    expect(list.status).toBe(200);
    const sessions = list.body.data as { id: string; current: boolean; device: string }[];
    expect(sessions).toHaveLength(3);
    expect(sessions.filter((s) => s.current).map((s) => s.device)).toEqual(['Chrome on Linux']);
    expect(sessions.map((s) => s.device)).toContain('Firefox on macOS');
    // Ids are handles, not the stored hashes.
    const stored = await p.db.control.selectFrom('sessions').select('id').execute();
    for (const s of sessions) expect(stored.map((r) => r.id)).not.toContain(s.id);

    const ff = sessions.find((s) => s.device === 'Firefox on macOS') as { id: string };
    expect((await p.request('DELETE', `/api/v1/me/sessions/${ff.id}`, { cookie: chrome })).status).toBe(204);
    expect((await p.request('GET', '/api/v1/me', { cookie: firefox })).status).toBe(401);
    expect((await p.request('DELETE', `/api/v1/me/sessions/${ff.id}`, { cookie: chrome })).status).toBe(404);
    // Another user's handle is not found.
    const stranger = await signup(p);
    expect(
      (await p.request('DELETE', `/api/v1/me/sessions/${(sessions.find((s) => s.current) as { id: string }).id}`, { cookie: stranger.cookie })).status,
    ).toBe(404);

    const others = await p.request('POST', '/api/v1/me/sessions/revoke-others', { cookie: chrome });
    expect(others.body).toEqual({ revoked: 1 });
    expect((await p.request('GET', '/api/v1/me', { cookie })).status).toBe(401);
    expect((await p.request('GET', '/api/v1/me', { cookie: chrome })).status).toBe(200);
  });

  it('mails the account on a sign-in from a device it has not used, once', async () => {
    const { email } = await signup(p);
    const count = async () => (await p.services.mail.list({ to: email })).filter((m) => m.kind === 'new-device-sign-in').length;
    await login(email, CHROME_LINUX);
    await login(email, CHROME_LINUX);
    // Sign-up ran without this user agent: the first Chrome sign-in was already a new device.
    expect(await count()).toBe(1);
    await login(email, FIREFOX_MAC);
    expect(await count()).toBe(2);
    const [mail] = (await p.services.mail.list({ to: email })).filter((m) => m.kind === 'new-device-sign-in');
    expect(mail?.text).toContain('Firefox on macOS');
  });

  it('a store can require two-factor sign-in of its team, tokens included', async () => {
    const owner = await signup(p);
    const store = await createStore(p, owner.cookie);
    const refused = await p.request('PATCH', `/api/v1/stores/${store.id}/security`, { cookie: owner.cookie, body: { requireTwoFactor: true } });
    expect(refused.status).toBe(409);

    const staff = await signup(p);
    await p.db.control.insertInto('memberships').values({ store_id: store.id, user_id: staff.user.id, role: 'staff' }).execute();
    p.services.stores.access.forget(store.id);
    expect((await p.request('GET', `/api/v1/stores/${store.id}`, { cookie: staff.cookie })).status).toBe(200);
    const staffPatch = await p.request('PATCH', `/api/v1/stores/${store.id}/security`, { cookie: staff.cookie, body: { requireTwoFactor: false } });
    expect(staffPatch.status).toBe(403);

    // The owner turns two-factor on (which ends other sessions), then requires it.
    const begin = await p.request('POST', '/api/v1/me/two-factor/totp', { cookie: owner.cookie, body: { password: PASSWORD } });
    await p.request('POST', '/api/v1/me/two-factor/totp/confirm', { cookie: owner.cookie, body: { code: totpCodeAt(begin.body.secret, Date.now()) } });
    const on = await p.request('PATCH', `/api/v1/stores/${store.id}/security`, { cookie: owner.cookie, body: { requireTwoFactor: true } });
    expect(on.status, on.text).toBe(200);
    expect(on.body.requireTwoFactor).toBe(true);
    expect(on.body.members.map((m: { twoFactor: boolean }) => m.twoFactor).sort()).toEqual([false, true]);

    const blocked = await p.request('GET', `/api/v1/stores/${store.id}`, { cookie: staff.cookie });
    expect(blocked.status).toBe(403);
    expect(blocked.body.error.code).toBe('two_factor_required');
    const token = await p.request('POST', '/api/v1/me/api-tokens', { cookie: staff.cookie, body: { name: 'ci' } });
    expect(token.status, token.text).toBe(201);
    expect((await p.request('GET', `/api/v1/stores/${store.id}/products`, { token: token.body.token })).status).toBe(403);
    expect((await p.request('GET', `/api/v1/stores/${store.id}`, { cookie: owner.cookie })).status).toBe(200);

    // The staff member turns it on: access comes back.
    const sb = await p.request('POST', '/api/v1/me/two-factor/totp', { cookie: staff.cookie, body: { password: PASSWORD } });
    await p.request('POST', '/api/v1/me/two-factor/totp/confirm', { cookie: staff.cookie, body: { code: totpCodeAt(sb.body.secret, Date.now()) } });
    expect((await p.request('GET', `/api/v1/stores/${store.id}`, { cookie: staff.cookie })).status).toBe(200);
    const audit = await p.db.control.selectFrom('audit_log').select('action').where('store_id', '=', store.id).execute();
    expect(audit.map((a) => a.action)).toContain('store.two_factor_required');
  });

  it('publishes /.well-known/security.txt (RFC 9116)', async () => {
    const res = await p.request('GET', '/.well-known/security.txt');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.text).toMatch(/^Contact: mailto:security@localhost$/m);
    const expires = new Date(/^Expires: (.+)$/m.exec(res.text)?.[1] ?? '');
    expect(expires.getTime()).toBeGreaterThan(Date.now());
    expect(expires.getTime()).toBeLessThan(Date.now() + 366 * 24 * 3600 * 1000);
  });

  it('refuses passkey answers it cannot verify, and passkey changes through API tokens', async () => {
    const { cookie } = await signup(p);
    const options = await p.request('POST', '/api/v1/auth/passkey/options');
    expect(options.status).toBe(200);
    expect(options.body.rpId).toBe('localhost');
    expect(options.body.userVerification).toBe('required');
    const forged = { id: 'AAAA', rawId: 'AAAA', type: 'public-key', response: { clientDataJSON: 'e30', authenticatorData: 'AAAA', signature: 'AAAA' } };
    const res = await p.request('POST', '/api/v1/auth/passkey', { body: { credential: forged } });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('invalid_credentials');
    expect(res.headers.get('set-cookie')).toBeNull();

    const reg = await p.request('POST', '/api/v1/me/passkeys/options', { cookie });
    expect(reg.status).toBe(200);
    expect(reg.body.authenticatorSelection).toMatchObject({ residentKey: 'required', userVerification: 'required' });
    const bad = await p.request('POST', '/api/v1/me/passkeys', {
      cookie,
      body: { name: 'x', credential: { ...forged, response: { clientDataJSON: 'e30', attestationObject: 'AAAA' } } },
    });
    expect(bad.status).toBe(401);
    expect((await p.request('GET', '/api/v1/me/passkeys', { cookie })).body.data).toEqual([]);

    const token = await p.request('POST', '/api/v1/me/api-tokens', { cookie, body: { name: 'ci' } });
    expect((await p.request('POST', '/api/v1/me/passkeys/options', { token: token.body.token })).status).toBe(403);
  });
});
