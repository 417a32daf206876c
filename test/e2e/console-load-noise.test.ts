/**
 * Loading the console makes no noise (issue 17): signed out and signed in, no
 * request answers 4xx/5xx and the browser console logs no error. The session
 * probe (GET /auth/session) answers 200 either way; GET /me stays 401 without
 * a session. The page has a favicon.
 */
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VIEWPORTS } from '../helpers/browser.ts';
import { createProduct, createStore, signup, type TestPlatform } from '../helpers/platform.ts';
import { startConsoleE2e, type ConsoleE2e } from '../helpers/console-e2e.ts';

describe('console load noise', { timeout: 240_000 }, () => {
  let e2e: ConsoleE2e;
  let p: TestPlatform;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    e2e = await startConsoleE2e();
    ({ p, browser, base } = e2e);
  });
  afterAll(() => e2e?.close());

  /** Opens `path`, waits for `ready`, and returns every failed request and console error seen on the way. */
  async function noiseOf(ctx: BrowserContext, path: string, ready: (page: import('playwright-core').Page) => Promise<unknown>) {
    const page = await ctx.newPage();
    const noise: string[] = [];
    page.on('response', (r) => {
      if (r.status() >= 400) noise.push(`${r.status()} ${r.request().method()} ${r.url()}`);
    });
    page.on('requestfailed', (r) => noise.push(`failed ${r.url()}: ${r.failure()?.errorText}`));
    page.on('console', (m) => {
      if (m.type() === 'error') noise.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => noise.push(`pageerror: ${e.message}`));
    await page.goto(`${base}${path}`);
    await ready(page);
    await page.waitForLoadState('networkidle');
    const icon = await page.locator('link[rel=icon]').getAttribute('href');
    await page.close();
    return { noise, icon };
  }

  it('answers the session probe with 200 signed in or not; /me stays 401 without a session', async () => {
    const anon = await p.request('GET', '/api/v1/auth/session');
    expect(anon.status).toBe(200);
    expect(anon.body).toEqual({ signedIn: false });
    expect((await p.request('GET', '/api/v1/me')).status).toBe(401);
    const owner = await signup(p, undefined, 'Probe Owner');
    const signed = await p.request('GET', '/api/v1/auth/session', { cookie: owner.cookie });
    expect(signed.status).toBe(200);
    expect(signed.body).toMatchObject({ signedIn: true, user: { email: owner.email, name: 'Probe Owner', locale: null }, stores: [] });
    // A forged or ended session is simply signed out.
    const forged = await p.request('GET', '/api/v1/auth/session', { cookie: 'storeloom_session=not-a-session' });
    expect(forged.status).toBe(200);
    expect(forged.body).toEqual({ signedIn: false });
  });

  it('loads signed out and signed in without a failed request or a console error, with a favicon', async () => {
    const anon = await browser.newContext({ viewport: VIEWPORTS.desktop, locale: 'en-US' });
    const signedOut = await noiseOf(anon, '/', async (page) => {
      await page.waitForURL(/\/login/);
      await page.getByRole('heading', { name: 'Log in to Storeloom' }).waitFor();
    });
    expect(signedOut.noise).toEqual([]);
    expect(signedOut.icon).toMatch(/^(data:image\/svg\+xml|\/)/);
    await anon.close();

    const owner = await signup(p);
    const store = await createStore(p, owner.cookie);
    await createProduct(p, owner.cookie, store.id, { title: 'Quiet Mug' });
    const ctx = await browser.newContext({ viewport: VIEWPORTS.desktop, locale: 'en-US' });
    const [name, value] = owner.cookie.split('=') as [string, string];
    await ctx.addCookies([{ name, value, url: base }]);
    const signedIn = await noiseOf(ctx, '/', async (page) => {
      await page.waitForURL(/\/stores\/[0-9a-f-]{36}\/home$/);
      await page.getByRole('heading', { name: 'Home', exact: true }).waitFor();
    });
    expect(signedIn.noise).toEqual([]);
    const products = await noiseOf(ctx, `/stores/${store.id}/products`, (page) => page.getByRole('link', { name: 'Quiet Mug' }).waitFor());
    expect(products.noise).toEqual([]);
    await ctx.close();
  });
});
