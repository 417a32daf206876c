/**
 * Console in Chromium: Settings → Data exports a store and shows the download
 * link; the account page lists a deleted store and restores it; the jobs page
 * shows queue depth and dead letters. Screenshots at desktop and phone width.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactPath, VIEWPORTS } from '../helpers/browser.ts';
import { createProduct, createStore, signup, type TestPlatform } from '../helpers/platform.ts';
import { startConsoleE2e, type ConsoleE2e } from '../helpers/console-e2e.ts';

describe('console: store data, deleted stores, jobs', () => {
  let e2e: ConsoleE2e;
  let p: TestPlatform;
  let browser: Browser;
  let ctx: BrowserContext;
  let base: string;
  let uploads: string;
  let owner: Awaited<ReturnType<typeof signup>>;

  beforeAll(async () => {
    uploads = await mkdtemp(join(tmpdir(), 'storeloom-e2e-backup-'));
    e2e = await startConsoleE2e({
      config: (base) => ({ trustedOrigins: [base], storage: { driver: 'local', uploadsDir: uploads, mediaPublicUrl: `${base}/media` } }),
    });
    ({ p, browser, base } = e2e);
    await p.startWorker();
    owner = await signup(p);
    ctx = await browser.newContext({ viewport: VIEWPORTS.desktop, locale: 'en-US' });
    const [name, value] = owner.cookie.split('=') as [string, string];
    await ctx.addCookies([{ name, value, url: base }]);
  }, 240_000);
  afterAll(async () => {
    await ctx?.close();
    await e2e?.close();
    if (uploads) await rm(uploads, { recursive: true, force: true });
  }, 240_000);

  const shoot = async (path: string, name: string, ready: string) => {
    for (const [vp, viewport] of Object.entries(VIEWPORTS)) {
      const page = await ctx.newPage();
      await page.setViewportSize(viewport);
      await page.goto(`${base}${path}`);
      await page.locator(ready).first().waitFor({ timeout: 60_000 });
      await page.screenshot({ path: artifactPath(`console-${name}-${vp}.png`), fullPage: true });
      await page.close();
    }
  };

  it('exports from Settings → Data: progress, then a download link', { timeout: 240_000 }, async () => {
    const store = await createStore(p, owner.cookie);
    await createProduct(p, owner.cookie, store.id);
    const page = await ctx.newPage();
    await page.goto(`${base}/stores/${store.id}/settings/store-data`);
    await page.getByTestId('start-export').click();
    const link = page.getByTestId('download-export').first();
    await link.waitFor({ timeout: 120_000 });
    const href = await link.getAttribute('href');
    expect(href).toMatch(new RegExp(`^/api/v1/stores/${store.id}/exports/[0-9a-f-]+/download$`));
    const res = await page.request.get(`${base}${href}`);
    expect(res.status()).toBe(200);
    expect(res.headers()['content-type']).toBe('application/gzip');
    await page.close();
    await shoot(`/stores/${store.id}/settings/store-data`, 'settings-data', '[data-testid="download-export"]');
    await shoot(`/stores/${store.id}/jobs`, 'jobs-depth', '#dead-letters-title');
  });

  it('lists a deleted store on the account page and restores it', { timeout: 240_000 }, async () => {
    const store = await createStore(p, owner.cookie);
    expect((await p.request('DELETE', `/api/v1/stores/${store.id}`, { cookie: owner.cookie })).status).toBe(204);
    await shoot('/account', 'account-deleted-stores', '[data-testid="deleted-stores"]');
    const page = await ctx.newPage();
    await page.goto(`${base}/account`);
    const row = page.getByTestId('deleted-stores').locator('li', { hasText: store.slug });
    await row.getByRole('button', { name: 'Restore' }).click();
    await row.waitFor({ state: 'detached', timeout: 30_000 });
    const after = await p.request('GET', `/api/v1/stores/${store.id}`, { cookie: owner.cookie });
    expect(after.body.status).toBe('active');
    await page.close();
  });
});
