/** Password reset by mailed link, password change, console language and the developer outbox, on real Postgres. */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';

const rnd = () => randomBytes(4).toString('hex');
const PASSWORD = 'correct horse battery';

describe('account', () => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await startTestPlatform();
  });
  afterAll(async () => {
    await p.close();
  });

  const cookieOf = (res: { headers: Headers }) => (res.headers.get('set-cookie') ?? '').split(';')[0] as string;
  async function resetToken(email: string): Promise<string> {
    const [mail] = await p.services.mail.list({ to: email, limit: 1 });
    const m = /reset-password\?token=([a-z2-7]+)/.exec(mail?.text ?? '');
    if (!m) throw new Error('no reset link mailed');
    return m[1] as string;
  }

  it('mails a single-use, expiring reset link; resetting ends every session and signs in', async () => {
    const { cookie, email } = await signup(p);
    const second = await p.request('POST', '/api/v1/auth/login', { body: { email, password: PASSWORD } });
    const otherCookie = cookieOf(second);
    const res = await p.request('POST', '/api/v1/auth/password-reset', { body: { email: email.toUpperCase() } });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ ok: true });
    const token = await resetToken(email);
    const [mail] = await p.services.mail.list({ to: email });
    expect(mail?.text).toContain(`http://localhost:3000/reset-password?token=${token}`);
    expect(mail?.kind).toBe('password-reset');
    // Only the hash is stored.
    const stored = await p.db.control.selectFrom('password_reset_tokens').select('token_hash').execute();
    expect(stored.map((r) => r.token_hash)).not.toContain(token);

    const weak = await p.request('POST', '/api/v1/auth/password-reset/confirm', { body: { token, password: 'short' } });
    expect(weak.status).toBe(400);
    const done = await p.request('POST', '/api/v1/auth/password-reset/confirm', { body: { token, password: 'a brand new passphrase' } });
    expect(done.status, done.text).toBe(200);
    expect(done.body.user.email).toBe(email);
    const fresh = cookieOf(done);
    expect((await p.request('GET', '/api/v1/me', { cookie: fresh })).status).toBe(200);
    for (const old of [cookie, otherCookie]) expect((await p.request('GET', '/api/v1/me', { cookie: old })).status).toBe(401);

    const again = await p.request('POST', '/api/v1/auth/password-reset/confirm', { body: { token, password: 'yet another passphrase' } });
    expect(again.status).toBe(400);
    expect(again.body.error.code).toBe('invalid_token');
    expect((await p.request('POST', '/api/v1/auth/login', { body: { email, password: PASSWORD } })).status).toBe(401);
    expect((await p.request('POST', '/api/v1/auth/login', { body: { email, password: 'a brand new passphrase' } })).status).toBe(200);
  });

  it('answers and works the same for unknown addresses (a notice without a link is mailed), and voids older links when a new one is issued', async () => {
    const unknown = `nobody-${rnd()}@example.com`;
    const res = await p.request('POST', '/api/v1/auth/password-reset', { body: { email: unknown } });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ ok: true });
    // Issue 15: the same work either way, so timing does not tell accounts apart: a mail is written for both.
    const notice = await p.services.mail.list({ to: unknown });
    expect(notice.map((m) => m.kind)).toEqual(['password-reset-no-account']);
    expect(notice[0]?.text).not.toContain('token=');

    const { email } = await signup(p);
    await p.request('POST', '/api/v1/auth/password-reset', { body: { email } });
    const first = await resetToken(email);
    await p.request('POST', '/api/v1/auth/password-reset', { body: { email } });
    const second = await resetToken(email);
    expect(second).not.toBe(first);
    expect((await p.request('POST', '/api/v1/auth/password-reset/confirm', { body: { token: first, password: 'another long passphrase' } })).status).toBe(400);
    // An expired token is refused.
    await p.db.control
      .updateTable('password_reset_tokens')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .execute();
    const expired = await p.request('POST', '/api/v1/auth/password-reset/confirm', { body: { token: second, password: 'another long passphrase' } });
    expect(expired.body.error.code).toBe('invalid_token');
  });

  it('rate limits reset requests per address', async () => {
    const email = `limited-${rnd()}@example.com`;
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await p.request('POST', '/api/v1/auth/password-reset', { body: { email } })).status);
    expect(statuses.slice(0, 5)).toEqual([202, 202, 202, 202, 202]);
    expect(statuses.slice(5)).toEqual([429, 429]);
  });

  it('changes the password with the current one; other sessions end, this one stays', async () => {
    const { cookie, email } = await signup(p);
    const other = cookieOf(await p.request('POST', '/api/v1/auth/login', { body: { email, password: PASSWORD } }));
    const wrong = await p.request('POST', '/api/v1/me/password', { cookie, body: { currentPassword: 'not it at all', newPassword: 'a changed passphrase' } });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.details).toEqual([expect.objectContaining({ path: 'currentPassword' })]);
    const ok = await p.request('POST', '/api/v1/me/password', { cookie, body: { currentPassword: PASSWORD, newPassword: 'a changed passphrase' } });
    expect(ok.status, ok.text).toBe(204);
    expect((await p.request('GET', '/api/v1/me', { cookie })).status).toBe(200);
    expect((await p.request('GET', '/api/v1/me', { cookie: other })).status).toBe(401);
    expect((await p.request('POST', '/api/v1/auth/login', { body: { email, password: 'a changed passphrase' } })).status).toBe(200);
    expect((await p.request('POST', '/api/v1/me/password', { body: { currentPassword: PASSWORD, newPassword: 'x'.repeat(12) } })).status).toBe(401);
  });

  it('stores the console language and returns it from /me', async () => {
    const { cookie } = await signup(p);
    expect((await p.request('GET', '/api/v1/me', { cookie })).body.user.locale).toBeNull();
    const set = await p.request('PATCH', '/api/v1/me', { cookie, body: { locale: 'zh-CN' } });
    expect(set.status).toBe(200);
    expect(set.body.user.locale).toBe('zh-CN');
    expect((await p.request('GET', '/api/v1/me', { cookie })).body.user.locale).toBe('zh-CN');
    expect((await p.request('PATCH', '/api/v1/me', { cookie, body: { locale: 'fr' } })).status).toBe(400);
    expect((await p.request('PATCH', '/api/v1/me', { cookie, body: { locale: null, name: 'Renamed' } })).body.user).toMatchObject({
      locale: null,
      name: 'Renamed',
    });
  });

  it('developer outbox lists mail newest first without SMTP', async () => {
    const { email } = await signup(p);
    await p.request('POST', '/api/v1/auth/password-reset', { body: { email } });
    const res = await p.request('GET', `/api/v1/dev/outbox?to=${encodeURIComponent(email)}`);
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(1);
    expect(res.body.data[0]).toMatchObject({ to: email, kind: 'password-reset', subject: expect.any(String) });
    const all = await p.request('GET', '/api/v1/dev/outbox?limit=200');
    const times = all.body.data.map((m: { createdAt: string }) => Date.parse(m.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('developer outbox is 404 when SMTP is configured', async () => {
    const q = await startTestPlatform({ config: { smtpUrl: 'smtp://127.0.0.1:2525' } });
    try {
      expect((await q.request('GET', '/api/v1/dev/outbox')).status).toBe(404);
    } finally {
      await q.close();
    }
  });

  describe('console mails (issue 17): the one branded layout, a plain-text part, the recipient language', () => {
    const CJK = /[\u4e00-\u9fff]/;
    async function lastMail(to: string, kind: string) {
      const mails = await p.services.mail.list({ to });
      const m = mails.find((x) => x.kind === kind);
      if (!m) throw new Error(`no ${kind} mail to ${to}: ${mails.map((x) => x.kind).join(', ')}`);
      return m;
    }
    function expectLayout(m: { html: string | null; text: string }, lang: string, brand = 'Storeloom') {
      expect(m.html).toContain(`<!doctype html><html lang="${lang}">`);
      expect(m.html).toContain('role="presentation"');
      expect(m.html).toContain(brand);
      expect(m.text.length).toBeGreaterThan(40);
      expect(m.text).not.toMatch(/<\/?(p|a|br|table|td)\b/);
      expect(CJK.test(m.text)).toBe(lang === 'zh-CN');
    }

    it('password reset, the no-account notice and the existing-account notice follow the console language', async () => {
      const { cookie, email, user } = await signup(p);
      expect((await p.request('PATCH', '/api/v1/me', { cookie, body: { locale: 'zh-CN' } })).status).toBe(200);
      await p.request('POST', '/api/v1/auth/password-reset', { body: { email } });
      const reset = await lastMail(email, 'password-reset');
      expectLayout(reset, 'zh-CN');
      expect(reset.subject).toBe('重置您的 Storeloom 密码');
      const token = /reset-password\?token=([a-z2-7]+)/.exec(reset.text)?.[1];
      expect(token).toBeTruthy();
      expect(reset.html).toContain(`href="http://localhost:3000/reset-password?token=${token}"`);
      expect(reset.text).not.toContain(user.id);

      // The same address signs up again: its owner is told, in the owner's language.
      expect((await p.request('POST', '/api/v1/auth/signup', { body: { email, password: PASSWORD, name: 'Someone' } })).status).toBe(201);
      const existing = await lastMail(email, 'signup-existing-account');
      expectLayout(existing, 'zh-CN');
      expect(existing.html).toContain('href="http://localhost:3000/login"');
      expect(existing.html).toContain('href="http://localhost:3000/forgot-password"');

      // No account, so the language of the request.
      const unknown = `nobody-${rnd()}@example.com`;
      await p.request('POST', '/api/v1/auth/password-reset', { body: { email: unknown }, headers: { 'accept-language': 'zh-CN,zh;q=0.9' } });
      expectLayout(await lastMail(unknown, 'password-reset-no-account'), 'zh-CN');
      const unknownEn = `nobody-${rnd()}@example.com`;
      await p.request('POST', '/api/v1/auth/password-reset', { body: { email: unknownEn } });
      const en = await lastMail(unknownEn, 'password-reset-no-account');
      expectLayout(en, 'en');
      expect(en.html).toContain('href="http://localhost:3000/signup"');
    });

    it("a staff invitation carries the store's name and is in the invitee's language when they have an account", async () => {
      const owner = await signup(p, `owner-${rnd()}@example.com`, 'Olive Owner');
      const store = await createStore(p, owner.cookie, undefined, 'USD', { launch: false });
      const invitee = await signup(p, `staff-${rnd()}@example.com`);
      expect((await p.request('PATCH', '/api/v1/me', { cookie: invitee.cookie, body: { locale: 'zh-CN' } })).status).toBe(200);
      const stranger = `new-${rnd()}@example.com`;
      for (const email of [invitee.email, stranger])
        expect((await p.request('POST', `/api/v1/stores/${store.id}/invitations`, { cookie: owner.cookie, body: { email, role: 'staff' } })).status).toBe(201);
      const zh = await lastMail(invitee.email, 'team-invitation');
      expectLayout(zh, 'zh-CN', `Store ${store.slug}`);
      expect(zh.subject).toBe(`Olive Owner 邀请您加入 Storeloom 上的 Store ${store.slug}`);
      expect(zh.text).toContain('以员工身份');
      const en = await lastMail(stranger, 'team-invitation');
      expectLayout(en, 'en', `Store ${store.slug}`);
      expect(en.text).toContain('as staff.');
      const link = /http:\/\/localhost:3000\/invite\?token=\S+/.exec(en.text)?.[0] as string;
      expect(en.html).toContain(`href="${link}"`);
      for (const m of [zh, en]) {
        expect(m.text).not.toContain(store.id);
        expect(m.html).not.toContain(store.id);
      }
    });
  });
});
