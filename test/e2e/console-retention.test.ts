/**
 * Settings → Data retention in Chromium: the store's periods (defaults at first), a bad value refused beside its field,
 * a change saved through PATCH /privacy-settings; the jobs page shows what a retention run removed. axe: no serious or
 * critical violations; screenshots at desktop and phone widths.
 */
import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations } from '../helpers/axe.ts';
import { artifactPath, VIEWPORTS } from '../helpers/browser.ts';
import { createStore, signup, type TestPlatform } from '../helpers/platform.ts';
import { startConsoleE2e, type ConsoleE2e } from '../helpers/console-e2e.ts';

describe('console data retention', { timeout: 240_000 }, () => {
  let e2e: ConsoleE2e;
  let p: TestPlatform;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    e2e = await startConsoleE2e();
    ({ p, browser, base } = e2e);
  });
  afterAll(() => e2e?.close());

  it('shows and changes the periods, and the jobs page shows a run’s counts', async () => {
    const owner = await signup(p);
    const store = await createStore(p, owner.cookie);
    // A finished retention run in the store's job ledger (what the worker records).
    await p.db.control
      .insertInto('store_jobs')
      .values({
        id: randomUUID(),
        store_id: store.id,
        queue: 'maintenance',
        job_id: `retention:${store.id}:2026-12-06`,
        name: 'privacy.retention-store',
        data: JSON.stringify({ v: 1, payload: { storeId: store.id, runKey: '2026-12-06' } }),
        state: 'completed',
        progress: 100,
        result: JSON.stringify({ carts: 12, events: 340, sessions: 0, mailBodies: 5 }),
        error: null,
        created_at: new Date(),
        started_at: new Date(),
        finished_at: new Date(),
        updated_at: new Date(),
      })
      .execute();

    const ctx = await browser.newContext({ viewport: VIEWPORTS.desktop, locale: 'en-US' });
    const [name, value] = owner.cookie.split('=') as [string, string];
    await ctx.addCookies([{ name, value, url: base }]);
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/stores/${store.id}/settings/privacy`);
    const section = page.getByRole('region', { name: 'Data retention' });
    const carts = section.getByLabel('Abandoned carts (days)');
    await carts.waitFor();
    expect(await carts.inputValue()).toBe('90');
    expect(await section.getByLabel('Shopper events (days)').inputValue()).toBe('365');

    await carts.fill('0');
    await section.getByRole('button', { name: 'Save' }).click();
    await section.getByText('Enter a whole number of days from 1 to 3650').waitFor();
    expect(await carts.getAttribute('aria-invalid')).toBe('true');
    await carts.fill('45');
    await section.getByLabel('Search logs (days)').fill('30');
    await section.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Settings saved').first().waitFor();
    const saved = await p.request('GET', `/api/v1/stores/${store.id}/privacy-settings`, { cookie: owner.cookie });
    expect(saved.body.retention).toMatchObject({ abandonedCartsDays: 45, searchLogsDays: 30, eventsDays: 365 });
    await section.scrollIntoViewIfNeeded();
    expect(await axeViolations(page)).toEqual([]);
    for (const [vp, viewport] of Object.entries(VIEWPORTS)) {
      await page.setViewportSize(viewport);
      await section.screenshot({ path: artifactPath(`console-retention-${vp}.png`) });
    }

    // The storefront's announcement bar and footer text (issue 19): Settings → General.
    await page.setViewportSize(VIEWPORTS.desktop);
    await page.goto(`${base}/stores/${store.id}/settings/general`);
    const storeText = page.getByRole('region', { name: 'Storefront text' });
    await storeText.getByLabel('Announcement bar').fill('Free delivery this week');
    await storeText.getByLabel('Footer text').fill('Roasted in Leeds.');
    await storeText.getByRole('button', { name: 'Save' }).click();
    for (const until = Date.now() + 15_000; ; ) {
      const settings = await p.request('GET', `/api/v1/stores/${store.id}/settings`, { cookie: owner.cookie });
      if (settings.body.announcement === 'Free delivery this week') {
        expect(settings.body.footerText).toBe('Roasted in Leeds.');
        break;
      }
      if (Date.now() > until) throw new Error('the storefront text was not saved');
      await page.waitForTimeout(100);
    }
    expect(await axeViolations(page)).toEqual([]);
    for (const [vp, viewport] of Object.entries(VIEWPORTS)) {
      await page.setViewportSize(viewport);
      await storeText.screenshot({ path: artifactPath(`console-storefront-text-${vp}.png`) });
    }
    await page.setViewportSize(VIEWPORTS.desktop);
    await page.goto(`${base}/stores/${store.id}/jobs`);
    const counts = page.getByTestId('job-counts');
    await counts.waitFor();
    expect(await counts.textContent()).toBe('12 carts · 340 events · 5 mail bodies');
    await page.getByText('Data retention run').waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: artifactPath('console-retention-jobs-desktop.png'), fullPage: true });
    expect(errors).toEqual([]);
  });
});
