/**
 * Two-factor sign-in in Chromium: the merchant enrols an authenticator from
 * the account page (QR code and typed key), keeps the recovery codes, signs
 * out, and signs back in with password then code; the sessions card lists the
 * session. axe: no serious or critical violations on the account page and the
 * code step; screenshots at desktop and phone widths.
 */
import { totpCodeAt } from '@storeloom/auth';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations } from '../helpers/axe.ts';
import { artifactPath, VIEWPORTS } from '../helpers/browser.ts';
import { signup, type TestPlatform } from '../helpers/platform.ts';
import { startConsoleE2e, type ConsoleE2e } from '../helpers/console-e2e.ts';

describe('console two-factor sign-in', { timeout: 240_000 }, () => {
  let e2e: ConsoleE2e;
  let p: TestPlatform;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    e2e = await startConsoleE2e();
    ({ p, browser, base } = e2e);
  });
  afterAll(() => e2e?.close());

  it('enrols an authenticator, then signs in with password and code', async () => {
    const owner = await signup(p);
    const ctx = await browser.newContext({ viewport: VIEWPORTS.desktop, locale: 'en-US' });
    const [name, value] = owner.cookie.split('=') as [string, string];
    await ctx.addCookies([{ name, value, url: base }]);
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));

    await page.goto(`${base}/account`);
    await page.getByRole('heading', { name: 'Two-factor sign-in' }).waitFor();
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    await page.getByLabel('Your password, to continue').fill('correct horse battery');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('img', { name: 'QR code for your authenticator app' }).waitFor();
    const secret = ((await page.getByTestId('totp-secret').textContent()) ?? '').replace(/\s/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(await axeViolations(page)).toEqual([]);
    for (const [vp, viewport] of Object.entries(VIEWPORTS)) {
      await page.setViewportSize(viewport);
      await page.screenshot({ path: artifactPath(`console-two-factor-enrol-${vp}.png`), fullPage: true });
    }
    await page.setViewportSize(VIEWPORTS.desktop);
    await page.getByLabel('Code from the app').fill(totpCodeAt(secret, Date.now()));
    await page.getByRole('button', { name: 'Turn on' }).click();
    const codes = page.getByTestId('recovery-codes').getByRole('listitem');
    await codes.first().waitFor();
    expect(await codes.count()).toBe(10);
    await page.getByRole('button', { name: 'I have saved them' }).click();
    await page.getByText(/^On since .*10 recovery codes left\.$/).waitFor();
    await page.getByRole('heading', { name: 'Sessions' }).waitFor();
    await page.getByText('This device').waitFor();

    // Sign in again from a fresh browser: password, then the code step.
    const fresh = await browser.newContext({ viewport: VIEWPORTS.phone, locale: 'en-US' });
    const login = await fresh.newPage();
    login.on('pageerror', (e) => errors.push(e.message));
    await login.goto(`${base}/login`);
    await login.getByLabel('Email').fill(owner.email);
    await login.getByLabel('Password').fill('correct horse battery');
    await login.getByRole('button', { name: 'Log in' }).click();
    await login.getByRole('heading', { name: 'Two-factor sign-in' }).waitFor();
    expect(await axeViolations(login)).toEqual([]);
    await login.screenshot({ path: artifactPath('console-two-factor-code-phone.png'), fullPage: true });
    await login.getByLabel('Code').fill('000000');
    await login.getByRole('button', { name: 'Verify' }).click();
    await login.getByText(/not valid/).waitFor();
    // The next time step's code (the enrolment used the current one).
    await login.getByLabel('Code').fill(totpCodeAt(secret, Date.now() + 30_000));
    await login.getByRole('button', { name: 'Verify' }).click();
    await login.waitForURL((u) => !u.pathname.startsWith('/login'));
    const cookies = await fresh.cookies(base);
    expect(cookies.map((c) => c.name)).toContain('storeloom_session');
    expect(errors).toEqual([]);
    await fresh.close();
    await ctx.close();
  });

  it('adds a passkey (Chromium virtual authenticator) and signs in with it, without a password', async () => {
    const owner = await signup(p);
    const ctx = await browser.newContext({ viewport: VIEWPORTS.desktop, locale: 'en-US' });
    const [name, value] = owner.cookie.split('=') as [string, string];
    await ctx.addCookies([{ name, value, url: base }]);
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });

    await page.goto(`${base}/account`);
    await page.getByRole('heading', { name: 'Passkeys' }).waitFor();
    await page.getByLabel('Name').fill('Test laptop');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByTestId('passkey-list').getByText('Test laptop').waitFor();
    const listed = await p.request('GET', '/api/v1/me/passkeys', { cookie: owner.cookie });
    expect(listed.body.data).toHaveLength(1);
    expect(listed.body.data[0].name).toBe('Test laptop');
    expect(await axeViolations(page)).toEqual([]);

    // With a passkey, the password alone no longer signs in: the second step offers the passkey.
    await ctx.clearCookies();
    await page.goto(`${base}/login`);
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Two-factor sign-in' }).waitFor();
    expect((await ctx.cookies(base)).map((c) => c.name)).not.toContain('storeloom_session');
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    // Signed out again, the passkey alone signs in from the first step (it counts as two-factor sign-in).
    await ctx.clearCookies();
    await page.goto(`${base}/login`);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    const session = (await ctx.cookies(base)).find((c) => c.name === 'storeloom_session');
    expect(session).toBeDefined();
    const me = await p.request('GET', '/api/v1/me', { cookie: `storeloom_session=${session?.value}` });
    expect(me.body.user.email).toBe(owner.email);
    const used = await p.request('GET', '/api/v1/me/passkeys', { cookie: owner.cookie });
    expect(used.body.data[0].lastUsedAt).not.toBeNull();
    expect(errors).toEqual([]);
    await ctx.close();
  });
});
