/**
 * Authentication: signup/login/logout, session storage and rotation, rate
 * limiting, CSRF defences, content-type enforcement and personal API tokens.
 */
import { createHash, randomBytes } from 'node:crypto';
import { LoginThrottle } from '@storeloom/auth';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ApiResponse, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';

const PASSWORD = 'correct horse battery';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const uniqueEmail = (tag = 'u') => `${tag}${randomBytes(5).toString('hex')}@example.com`;

/** The session Set-Cookie header of a response (there must be exactly one). */
function sessionSetCookie(res: ApiResponse): string {
  const all = res.headers.getSetCookie().filter((c) => c.startsWith('storeloom_session='));
  expect(all).toHaveLength(1);
  return all[0] as string;
}
const cookiePair = (setCookie: string) => setCookie.split(';')[0] as string;
const tokenOf = (cookie: string) => cookie.slice('storeloom_session='.length);

describe('auth', () => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await startTestPlatform();
  });
  afterAll(async () => {
    await p.close();
  });
  // In-process requests have no socket address, so every signup here shares one
  // per-IP signup bucket (20/hour); this file signs up more users than that.
  beforeEach(async () => {
    await p.db.control.deleteFrom('rate_limits').where('key', 'like', 'signup:ip:%').execute();
  });

  const countRows = async (table: 'users' | 'stores' | 'api_tokens' | 'sessions') =>
    Number(
      (
        await p.db.control
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  describe('signup', () => {
    it('returns 201 with the user and sets an HttpOnly SameSite=Lax session cookie', async () => {
      const email = uniqueEmail('signup');
      const res = await p.request('POST', '/api/v1/auth/signup', { body: { email, password: PASSWORD, name: '  Ada Lovelace ' } });
      expect(res.status).toBe(201);
      expect(res.body.user).toEqual({ id: expect.any(String), email, name: 'Ada Lovelace' });
      expect(res.text).not.toContain(PASSWORD);
      expect(res.text).not.toMatch(/password/i);

      const setCookie = sessionSetCookie(res);
      expect(setCookie).toMatch(/^storeloom_session=[a-z2-7]{20,64};/);
      expect(setCookie).toMatch(/;\s*HttpOnly(;|$)/i);
      expect(setCookie).toMatch(/;\s*SameSite=Lax(;|$)/i);
      expect(setCookie).toMatch(/;\s*Path=\/(;|$)/i);
      // Plain-http test config: no Secure flag (it would stop the browser sending it to localhost).
      expect(setCookie).not.toMatch(/;\s*Secure(;|$)/i);

      const me = await p.request('GET', '/api/v1/me', { cookie: cookiePair(setCookie) });
      expect(me.status).toBe(200);
      expect(me.body.user).toEqual({ ...res.body.user, locale: null });
      expect(me.body.stores).toEqual([]);
    });

    it('stores the email lower-cased; a duplicate email (any case) answers exactly like a new sign-up, creates nothing and mails the owner (issue 15)', async () => {
      const email = uniqueEmail('dup');
      const first = await p.request('POST', '/api/v1/auth/signup', { body: { email, password: PASSWORD, name: 'First' } });
      expect(first.status).toBe(201);
      const before = await countRows('users');
      const shape = (r: { status: number; body: any; headers: Headers }) => ({
        status: r.status,
        keys: Object.keys(r.body.user).sort(),
        cookie: /^storeloom_session=[a-z2-7]{32}; /.test(r.headers.getSetCookie()[0] ?? ''),
      });

      for (const variant of [email, email.toUpperCase(), `  ${email.replace(/^./, (c) => c.toUpperCase())}  `]) {
        const res = await p.request('POST', '/api/v1/auth/signup', { body: { email: variant, password: PASSWORD, name: 'Second' } });
        expect(shape(res), variant).toEqual(shape(first));
        expect(res.body.user.email).toBe(email);
        // The cookie opens nothing, and the owner's account is untouched.
        const cookie = (res.headers.getSetCookie()[0] ?? '').split(';')[0] as string;
        expect((await p.request('GET', '/api/v1/me', { cookie })).status).toBe(401);
      }
      expect(await countRows('users')).toBe(before);
      const mails = await p.services.mail.list({ to: email });
      expect(mails.filter((m) => m.kind === 'signup-existing-account')).toHaveLength(3);

      const mixed = `MiXeD${randomBytes(4).toString('hex')}@Example.COM`;
      const created = await p.request('POST', '/api/v1/auth/signup', { body: { email: mixed, password: PASSWORD, name: 'Mixed' } });
      expect(created.status).toBe(201);
      expect(created.body.user.email).toBe(mixed.toLowerCase());
      const row = await p.db.control.selectFrom('users').select('email').where('id', '=', created.body.user.id).executeTakeFirstOrThrow();
      expect(row.email).toBe(mixed.toLowerCase());
    });

    it('concurrent signups with one email create one account; all answer 201 alike', async () => {
      const email = uniqueEmail('race');
      const results = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          p.request('POST', '/api/v1/auth/signup', { body: { email: i % 2 ? email.toUpperCase() : email, password: PASSWORD, name: `Racer ${i}` } }),
        ),
      );
      expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
      const users = await p.db.control.selectFrom('users').select('id').where('email', '=', email).execute();
      expect(users).toHaveLength(1);
      // Exactly one of the answers holds a working session: the one that created the account.
      let working = 0;
      for (const r of results)
        if ((await p.request('GET', '/api/v1/me', { cookie: (r.headers.getSetCookie()[0] ?? '').split(';')[0] as string })).status === 200) working++;
      expect(working).toBe(1);
    });

    it('refuses a weak password with 400 validation_failed and creates nothing', async () => {
      const before = await countRows('users');
      const email = uniqueEmail('weak');
      for (const password of ['short', '123456789', '']) {
        const res = await p.request('POST', '/api/v1/auth/signup', { body: { email, password, name: 'Weak' } });
        expect(res.status, password).toBe(400);
        expect(res.body.error.code).toBe('validation_failed');
        expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'password' })]));
        expect(res.headers.getSetCookie()).toEqual([]);
      }
      expect(await countRows('users')).toBe(before);
      const row = await p.db.control.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst();
      expect(row).toBeUndefined();
    });

    it('hashes passwords with argon2id and never stores them in clear', async () => {
      const { user } = await signup(p, uniqueEmail('hash'));
      const row = await p.db.control.selectFrom('users').select('password_hash').where('id', '=', user.id).executeTakeFirstOrThrow();
      expect(row.password_hash.startsWith('$argon2id$')).toBe(true);
      expect(row.password_hash).not.toContain(PASSWORD);
    });
  });

  describe('sessions', () => {
    it('stores only the sha256 of the cookie token as the session id', async () => {
      const { cookie, user } = await signup(p, uniqueEmail('hashsess'));
      const token = tokenOf(cookie);
      expect(token).toMatch(/^[a-z2-7]{20,64}$/);

      const all = await p.db.control.selectFrom('sessions').selectAll().execute();
      expect(JSON.stringify(all)).not.toContain(token);
      const mine = all.filter((s) => s.user_id === user.id);
      expect(mine).toHaveLength(1);
      expect(mine[0]?.id).toBe(sha256(token));
      expect(mine[0]?.id).toMatch(/^[0-9a-f]{64}$/);
      expect(new Date(mine[0]?.expires_at as Date).getTime()).toBeGreaterThan(Date.now());
    });

    it('logs in with the right password (email case-insensitive), with a fresh hashed session', async () => {
      const email = uniqueEmail('login');
      const { user } = await signup(p, email);
      const res = await p.request('POST', '/api/v1/auth/login', { body: { email: email.toUpperCase(), password: PASSWORD } });
      expect(res.status).toBe(200);
      expect(res.body.user).toEqual({ id: user.id, email, name: 'Merchant' });
      const setCookie = sessionSetCookie(res);
      expect(setCookie).toMatch(/HttpOnly/i);
      expect(setCookie).toMatch(/SameSite=Lax/i);
      const cookie = cookiePair(setCookie);
      const session = await p.db.control
        .selectFrom('sessions')
        .select('user_id')
        .where('id', '=', sha256(tokenOf(cookie)))
        .executeTakeFirst();
      expect(session?.user_id).toBe(user.id);
      const me = await p.request('GET', '/api/v1/me', { cookie });
      expect(me.status).toBe(200);
      expect(me.body.user.id).toBe(user.id);
    });

    it('answers a wrong password and an unknown email with the same 401 invalid_credentials body', async () => {
      const email = uniqueEmail('creds');
      await signup(p, email);
      const wrong = await p.request('POST', '/api/v1/auth/login', { body: { email, password: 'not the password' } });
      const unknown = await p.request('POST', '/api/v1/auth/login', { body: { email: uniqueEmail('nobody'), password: 'not the password' } });
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(wrong.body.error.code).toBe('invalid_credentials');
      expect(wrong.body).toEqual(unknown.body);
      expect(wrong.headers.getSetCookie()).toEqual([]);
      expect(unknown.headers.getSetCookie()).toEqual([]);
    });

    it('rotates the session on login: the cookie the browser had stops working', async () => {
      const email = uniqueEmail('rotate');
      const { cookie: oldCookie, user } = await signup(p, email);
      expect((await p.request('GET', '/api/v1/me', { cookie: oldCookie })).status).toBe(200);

      const res = await p.request('POST', '/api/v1/auth/login', { cookie: oldCookie, body: { email, password: PASSWORD } });
      expect(res.status).toBe(200);
      const newCookie = cookiePair(sessionSetCookie(res));
      expect(newCookie).not.toBe(oldCookie);

      const oldMe = await p.request('GET', '/api/v1/me', { cookie: oldCookie });
      expect(oldMe.status).toBe(401);
      expect(oldMe.body.error.code).toBe('unauthenticated');
      expect((await p.request('GET', '/api/v1/me', { cookie: newCookie })).status).toBe(200);

      const ids = (await p.db.control.selectFrom('sessions').select('id').where('user_id', '=', user.id).execute()).map((r) => r.id);
      expect(ids).toEqual([sha256(tokenOf(newCookie))]);
    });

    it('logout deletes the session and clears the cookie', async () => {
      const { cookie, user } = await signup(p, uniqueEmail('logout'));
      const res = await p.request('POST', '/api/v1/auth/logout', { cookie });
      expect(res.status).toBe(204);
      const cleared = sessionSetCookie(res);
      expect(cleared).toMatch(/^storeloom_session=;/);
      expect(cleared).toMatch(/Max-Age=0/i);

      const me = await p.request('GET', '/api/v1/me', { cookie });
      expect(me.status).toBe(401);
      const rows = await p.db.control.selectFrom('sessions').select('id').where('user_id', '=', user.id).execute();
      expect(rows).toEqual([]);
    });

    it('an expired session is refused and removed', async () => {
      const { cookie, user } = await signup(p, uniqueEmail('expired'));
      await p.db.control
        .updateTable('sessions')
        .set({ expires_at: new Date(Date.now() - 1000) })
        .where('user_id', '=', user.id)
        .execute();
      const res = await p.request('GET', '/api/v1/me', { cookie });
      expect(res.status).toBe(401);
      expect(await p.db.control.selectFrom('sessions').select('id').where('user_id', '=', user.id).execute()).toEqual([]);
    });

    it('extends a session in the second half of its life and re-sends the same token', async () => {
      const { cookie, user } = await signup(p, uniqueEmail('refresh'));
      const soon = new Date(Date.now() + 5 * 86_400_000);
      await p.db.control.updateTable('sessions').set({ expires_at: soon }).where('user_id', '=', user.id).execute();
      const res = await p.request('GET', '/api/v1/me', { cookie });
      expect(res.status).toBe(200);
      const setCookie = sessionSetCookie(res);
      expect(cookiePair(setCookie)).toBe(cookie);
      expect(setCookie).toMatch(/HttpOnly/i);
      expect(setCookie).toMatch(/SameSite=Lax/i);
      const row = await p.db.control.selectFrom('sessions').select('expires_at').where('user_id', '=', user.id).executeTakeFirstOrThrow();
      expect(new Date(row.expires_at).getTime()).toBeGreaterThan(Date.now() + 25 * 86_400_000);
      // A fresh session is not re-sent on every request.
      const again = await p.request('GET', '/api/v1/me', { cookie });
      expect(again.headers.getSetCookie()).toEqual([]);
    });

    it('GET /me is 401 without auth, with a garbage cookie and with a forged session token', async () => {
      const none = await p.request('GET', '/api/v1/me');
      expect(none.status).toBe(401);
      expect(none.body.error.code).toBe('unauthenticated');
      expect((await p.request('GET', '/api/v1/me', { cookie: 'storeloom_session=garbage!' })).status).toBe(401);
      // Well-formed but never issued.
      expect((await p.request('GET', '/api/v1/me', { cookie: `storeloom_session=${'a'.repeat(32)}` })).status).toBe(401);
      // The stored session id itself is not a usable token (it is a hash of one).
      const { cookie } = await signup(p, uniqueEmail('hashreplay'));
      const hashed = sha256(tokenOf(cookie));
      expect((await p.request('GET', '/api/v1/me', { cookie: `storeloom_session=${hashed}` })).status).toBe(401);
    });
  });

  describe('rate limiting', () => {
    it('throttles sign-in for an account + client after repeated failures with 429 and Retry-After (backoff, not a lock)', async () => {
      const email = uniqueEmail('limited');
      await signup(p, email);
      for (let i = 0; i < 3; i++) {
        const res = await p.request('POST', '/api/v1/auth/login', { body: { email, password: `wrong password ${i}` } });
        expect(res.status, `attempt ${i + 1}`).toBe(401);
      }
      // Ten failures from this client (in-process requests have no socket address: ip "unknown"): the wait is 2^5 s.
      const throttle = new LoginThrottle(p.db, 'cp-login');
      for (let i = 0; i < 7; i++) await throttle.failed(email, 'unknown');
      // Even the right password is refused now: the limit is checked before the credentials.
      const limited = await p.request('POST', '/api/v1/auth/login', { body: { email: email.toUpperCase(), password: PASSWORD } });
      expect(limited.status).toBe(429);
      expect(limited.body.error.code).toBe('rate_limited');
      const retryAfter = Number(limited.headers.get('retry-after'));
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(32);
      expect(limited.headers.getSetCookie()).toEqual([]);

      // Another account is not affected.
      const other = uniqueEmail('unaffected');
      await signup(p, other);
      expect((await p.request('POST', '/api/v1/auth/login', { body: { email: other, password: PASSWORD } })).status).toBe(200);
    });

    it('refuses signups beyond the per-IP hourly budget with 429 and creates nothing', async () => {
      // In-process requests have no socket address (client ip "unknown"): pretend it already signed up 20 accounts.
      const bucket = 'signup:ip:unknown';
      await p.db.control
        .insertInto('rate_limits')
        .values({ key: bucket, window_start: new Date(), count: 20 })
        .onConflict((oc) => oc.column('key').doUpdateSet({ count: 20, window_start: new Date() }))
        .execute();
      const email = uniqueEmail('toomany');
      const res = await p.request('POST', '/api/v1/auth/signup', { body: { email, password: PASSWORD, name: 'Too many' } });
      expect(res.status).toBe(429);
      expect(res.body.error.code).toBe('rate_limited');
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(3600);
      expect(await p.db.control.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst()).toBeUndefined();
    });

    it("a successful login clears this client's failure count (the account-wide count only decays)", async () => {
      const email = uniqueEmail('reset');
      await signup(p, email);
      for (let i = 0; i < 3; i++) expect((await p.request('POST', '/api/v1/auth/login', { body: { email, password: 'nope nope nope' } })).status).toBe(401);
      const key = `cp-login:acct-ip:${createHash('sha256').update(email).digest('hex').slice(0, 32)}:unknown`;
      const before = await p.db.control.selectFrom('rate_limits').select('count').where('key', '=', key).executeTakeFirst();
      expect(before?.count).toBe(3);
      expect((await p.request('POST', '/api/v1/auth/login', { body: { email, password: PASSWORD } })).status).toBe(200);
      const after = await p.db.control.selectFrom('rate_limits').select('count').where('key', '=', key).executeTakeFirst();
      expect(after).toBeUndefined();
    });
  });

  describe('CSRF', () => {
    let cookie: string;
    let userId: string;
    let storeId: string;
    beforeAll(async () => {
      const s = await signup(p, uniqueEmail('csrf'));
      cookie = s.cookie;
      userId = s.user.id;
      storeId = (await createStore(p, cookie)).id;
    });
    const storesOf = async () => p.db.control.selectFrom('memberships').select('store_id').where('user_id', '=', userId).execute();

    it('refuses a cookie-authenticated POST from another origin with 403 csrf_rejected and writes nothing', async () => {
      const before = await countRows('stores');
      const res = await p.request('POST', '/api/v1/stores', {
        cookie,
        origin: 'http://evil.example',
        body: { name: 'Evil', slug: `evil${randomBytes(3).toString('hex')}`, currency: 'USD' },
      });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('csrf_rejected');
      expect(await countRows('stores')).toBe(before);
      expect(await storesOf()).toHaveLength(1);

      const token = await p.request('POST', '/api/v1/me/api-tokens', { cookie, origin: 'http://evil.example', body: { name: 'stolen' } });
      expect(token.status).toBe(403);
      expect(token.body.error.code).toBe('csrf_rejected');
      expect(await p.db.control.selectFrom('api_tokens').select('id').where('user_id', '=', userId).execute()).toEqual([]);
    });

    it('refuses cross-origin PATCH/DELETE and logout, leaving the store and session alone', async () => {
      const patch = await p.request('PATCH', `/api/v1/stores/${storeId}`, { cookie, origin: 'http://evil.example', body: { name: 'Pwned' } });
      expect(patch.status).toBe(403);
      const del = await p.request('DELETE', `/api/v1/stores/${storeId}`, { cookie, origin: 'https://localhost:3000' });
      expect(del.status).toBe(403);
      const nullOrigin = await p.request('DELETE', `/api/v1/stores/${storeId}`, { cookie, origin: 'null' });
      expect(nullOrigin.status).toBe(403);
      const logout = await p.request('POST', '/api/v1/auth/logout', { cookie, origin: 'http://evil.example' });
      expect(logout.status).toBe(403);

      const row = await p.db.control.selectFrom('stores').select(['name', 'status']).where('id', '=', storeId).executeTakeFirstOrThrow();
      expect(row.status).toBe('active');
      expect(row.name).not.toBe('Pwned');
      expect((await p.request('GET', '/api/v1/me', { cookie })).status).toBe(200);
    });

    it('refuses a cookie-authenticated POST with neither Origin nor Referer, and judges Referer when Origin is absent', async () => {
      const before = await countRows('stores');
      const bare = await p.request('POST', '/api/v1/stores', {
        cookie,
        origin: null,
        body: { name: 'Bare', slug: `bare${randomBytes(3).toString('hex')}`, currency: 'USD' },
      });
      expect(bare.status).toBe(403);
      expect(bare.body.error.code).toBe('csrf_rejected');

      const evilReferer = await p.request('POST', '/api/v1/stores', {
        cookie,
        origin: null,
        headers: { referer: 'http://evil.example/attack.html' },
        body: { name: 'Ref', slug: `ref${randomBytes(3).toString('hex')}`, currency: 'USD' },
      });
      expect(evilReferer.status).toBe(403);
      expect(await countRows('stores')).toBe(before);

      const sameSiteReferer = await p.request('POST', '/api/v1/stores', {
        cookie,
        origin: null,
        headers: { referer: 'http://localhost:3000/console/stores/new' },
        body: { name: 'Ok', slug: `ok${randomBytes(3).toString('hex')}`, currency: 'USD' },
      });
      expect(sameSiteReferer.status).toBe(201);
      expect(await countRows('stores')).toBe(before + 1);
    });

    it('refuses a cross-origin login (login CSRF) even without a cookie', async () => {
      const email = uniqueEmail('logincsrf');
      await signup(p, email);
      const res = await p.request('POST', '/api/v1/auth/login', { origin: 'http://evil.example', body: { email, password: PASSWORD } });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('csrf_rejected');
      expect(res.headers.getSetCookie()).toEqual([]);
    });

    it('accepts a bearer-token POST without Origin (no ambient credentials)', async () => {
      const created = await p.request('POST', '/api/v1/me/api-tokens', { cookie, body: { name: 'ci', scopes: ['write_stores'] } });
      expect(created.status).toBe(201);
      const slug = `tok${randomBytes(3).toString('hex')}`;
      const res = await p.request('POST', '/api/v1/stores', { token: created.body.token, origin: null, body: { name: 'By token', slug, currency: 'EUR' } });
      expect(res.status).toBe(201);
      expect(res.body.slug).toBe(slug);
      const row = await p.db.control.selectFrom('stores').select('created_by').where('id', '=', res.body.id).executeTakeFirstOrThrow();
      expect(row.created_by).toBe(userId);
    });

    it('an invalid bearer token is 401 even with a valid session cookie (no fallback that would skip the origin check)', async () => {
      const before = await countRows('stores');
      const res = await p.request('POST', '/api/v1/stores', {
        cookie,
        token: 'slk_notarealtoken',
        origin: 'http://evil.example',
        body: { name: 'Mixed', slug: `mix${randomBytes(3).toString('hex')}`, currency: 'USD' },
      });
      expect(res.status).toBe(401);
      expect(await countRows('stores')).toBe(before);
    });
  });

  describe('content types', () => {
    it('refuses a text/plain or form body to a JSON endpoint with 415 and creates nothing', async () => {
      const before = await countRows('users');
      const email = uniqueEmail('ctype');
      const json = JSON.stringify({ email, password: PASSWORD, name: 'Plain' });
      for (const contentType of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
        const res = await p.request('POST', '/api/v1/auth/signup', { rawBody: json, contentType });
        expect(res.status, contentType).toBe(415);
        expect(res.body.error.code).toBe('unsupported_media_type');
      }
      expect(await countRows('users')).toBe(before);
      // application/json with parameters is fine.
      const ok = await p.request('POST', '/api/v1/auth/signup', { rawBody: json, contentType: 'application/json; charset=utf-8' });
      expect(ok.status).toBe(201);
    });

    it('refuses text/plain on a cookie-authenticated write too', async () => {
      const { cookie } = await signup(p, uniqueEmail('ctype2'));
      const before = await countRows('stores');
      const res = await p.request('POST', '/api/v1/stores', {
        cookie,
        rawBody: JSON.stringify({ name: 'X', slug: `ct${randomBytes(3).toString('hex')}`, currency: 'USD' }),
        contentType: 'text/plain',
      });
      expect(res.status).toBe(415);
      expect(res.body.error.code).toBe('unsupported_media_type');
      expect(await countRows('stores')).toBe(before);
    });
  });

  describe('API tokens', () => {
    it('creates a token shown once, stores only its sha256, authenticates with it and revokes it', async () => {
      const { cookie, user } = await signup(p, uniqueEmail('tokens'));
      const created = await p.request('POST', '/api/v1/me/api-tokens', { cookie, body: { name: 'deploy script' } });
      expect(created.status).toBe(201);
      const token: string = created.body.token;
      expect(token.startsWith('slk_')).toBe(true);
      expect(token.length).toBeGreaterThanOrEqual(30);
      expect(created.body.apiToken).toMatchObject({
        id: expect.any(String),
        name: 'deploy script',
        prefix: token.slice(0, 10),
        lastUsedAt: null,
        expiresAt: null,
      });

      // Only the hash is stored; the secret appears nowhere in the table.
      const rows = await p.db.control.selectFrom('api_tokens').selectAll().where('user_id', '=', user.id).execute();
      expect(rows).toHaveLength(1);
      expect(rows[0]?.token_hash).toBe(sha256(token));
      expect(JSON.stringify(rows)).not.toContain(token);

      // Usable as a bearer token.
      const me = await p.request('GET', '/api/v1/me', { token });
      expect(me.status).toBe(200);
      expect(me.body.user.id).toBe(user.id);
      const used = await p.db.control.selectFrom('api_tokens').select('last_used_at').where('id', '=', created.body.apiToken.id).executeTakeFirstOrThrow();
      expect(used.last_used_at).not.toBeNull();

      // Listing never reveals the secret (by cookie or by the token itself).
      for (const auth of [{ cookie }, { token }]) {
        const list = await p.request('GET', '/api/v1/me/api-tokens', auth);
        expect(list.status).toBe(200);
        expect(list.body.data).toHaveLength(1);
        expect(list.body.data[0]).toMatchObject({ id: created.body.apiToken.id, name: 'deploy script', prefix: token.slice(0, 10) });
        expect(list.body.data[0]).not.toHaveProperty('token');
        expect(list.text).not.toContain(token);
        expect(list.text).not.toContain(sha256(token));
      }

      const revoked = await p.request('DELETE', `/api/v1/me/api-tokens/${created.body.apiToken.id}`, { cookie });
      expect(revoked.status).toBe(204);
      const after = await p.request('GET', '/api/v1/me', { token });
      expect(after.status).toBe(401);
      expect(after.body.error.code).toBe('unauthenticated');
      expect((await p.request('GET', '/api/v1/me/api-tokens', { cookie })).body.data).toEqual([]);
      // Revoking twice is a 404.
      expect((await p.request('DELETE', `/api/v1/me/api-tokens/${created.body.apiToken.id}`, { cookie })).status).toBe(404);
    });

    it('a user cannot revoke or see another user’s token', async () => {
      const alice = await signup(p, uniqueEmail('alice'));
      const bob = await signup(p, uniqueEmail('bob'));
      const created = await p.request('POST', '/api/v1/me/api-tokens', { cookie: alice.cookie, body: { name: 'alice token' } });
      expect(created.status).toBe(201);
      const res = await p.request('DELETE', `/api/v1/me/api-tokens/${created.body.apiToken.id}`, { cookie: bob.cookie });
      expect(res.status).toBe(404);
      expect((await p.request('GET', '/api/v1/me/api-tokens', { cookie: bob.cookie })).body.data).toEqual([]);
      expect((await p.request('GET', '/api/v1/me', { token: created.body.token })).body.user.id).toBe(alice.user.id);
      expect((await p.request('DELETE', '/api/v1/me/api-tokens/not-a-uuid', { cookie: alice.cookie })).status).toBe(404);
    });

    it('expired and malformed tokens are 401', async () => {
      const { cookie } = await signup(p, uniqueEmail('expiry'));
      const created = await p.request('POST', '/api/v1/me/api-tokens', { cookie, body: { name: 'short lived', expiresInDays: 1 } });
      expect(created.status).toBe(201);
      expect(new Date(created.body.apiToken.expiresAt).getTime()).toBeGreaterThan(Date.now());
      expect((await p.request('GET', '/api/v1/me', { token: created.body.token })).status).toBe(200);
      // A second token whose expiry has passed (set in the database before its first use: validated tokens are cached briefly).
      const lapsed = await p.request('POST', '/api/v1/me/api-tokens', { cookie, body: { name: 'lapsed', expiresInDays: 1 } });
      await p.db.control
        .updateTable('api_tokens')
        .set({ expires_at: new Date(Date.now() - 1000) })
        .where('id', '=', lapsed.body.apiToken.id)
        .execute();
      expect((await p.request('GET', '/api/v1/me', { token: lapsed.body.token })).status).toBe(401);

      for (const bad of ['slk_', 'not-a-token', `slk_${'a'.repeat(200)}`, created.body.token.slice(0, -1)]) {
        const res = await p.request('GET', '/api/v1/me', { token: bad });
        expect(res.status, bad).toBe(401);
      }
    });

    it('token endpoints require authentication', async () => {
      expect((await p.request('GET', '/api/v1/me/api-tokens')).status).toBe(401);
      const res = await p.request('POST', '/api/v1/me/api-tokens', { body: { name: 'anon' } });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthenticated');
    });
  });
});

describe('auth with secure cookies', () => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await startTestPlatform({ config: { secureCookies: true } });
  });
  afterAll(async () => {
    await p.close();
  });

  it('marks the session cookie Secure when configured', async () => {
    const res = await p.request('POST', '/api/v1/auth/signup', { body: { email: uniqueEmail('secure'), password: PASSWORD, name: 'Secure' } });
    expect(res.status).toBe(201);
    const setCookie = sessionSetCookie(res);
    expect(setCookie).toMatch(/;\s*Secure(;|$)/i);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
  });
});
