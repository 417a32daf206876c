/**
 * Store → Audit log in Chromium (issue 22): the owner sees who on the team viewed customers' personal data, newest
 * first, 50 a page with older/newer paging, filtered by team member and by kind of action; a staff member has no
 * such page in the menu. Settings → Optional tracking turns the storefront's consent purposes on. axe: no serious or
 * critical violations; screenshots at 1280 and 390 px.
 */
import { writeAudit } from '@storeloom/db';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations } from '../helpers/axe.ts';
import { artifactPath, VIEWPORTS } from '../helpers/browser.ts';
import { createStore, signup, type TestPlatform } from '../helpers/platform.ts';
import { startConsoleE2e, type ConsoleE2e } from '../helpers/console-e2e.ts';

describe('console audit log', { timeout: 240_000 }, () => {
  let e2e: ConsoleE2e;
  let p: TestPlatform;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    e2e = await startConsoleE2e();
    ({ p, browser, base } = e2e);
  });
  afterAll(() => e2e?.close());

  it('shows the owner who viewed what and when, paged and filtered; staff have no audit page', async () => {
    const owner = await signup(p, undefined, 'Olga Owner');
    const staff = await signup(p, undefined, 'Sam Staff');
    const store = await createStore(p, owner.cookie);
    await p.db.control.insertInto('memberships').values({ store_id: store.id, user_id: staff.user.id, role: 'staff', created_at: new Date() }).execute();
    // 60 order views by the staff member (older), then the owner downloads a privacy export (newest).
    for (let i = 0; i < 60; i++)
      await writeAudit(p.db, {
        storeId: store.id,
        actorUserId: staff.user.id,
        action: 'customer_data.viewed',
        targetType: 'order',
        targetId: crypto.randomUUID(),
        data: {},
        requestId: crypto.randomUUID(),
      });
    await writeAudit(p.db, {
      storeId: store.id,
      actorUserId: owner.user.id,
      action: 'privacy.export_downloaded',
      targetType: 'privacy_request',
      targetId: crypto.randomUUID(),
      data: {},
      requestId: crypto.randomUUID(),
    });

    const ctx = await browser.newContext({ viewport: VIEWPORTS.desktop, locale: 'en-US' });
    const [name, value] = owner.cookie.split('=') as [string, string];
    await ctx.addCookies([{ name, value, url: base }]);
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/stores/${store.id}/home`);
    // The audit log is under Settings .
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('link', { name: /^Audit log/ }).click();
    const table = page.getByTestId('audit-log');
    await table.waitFor();
    const rows = table.locator('tbody tr');
    expect(await rows.count()).toBe(50);
    expect(await rows.first().innerText()).toContain('Downloaded a shopper’s data export');
    expect(await rows.first().innerText()).toContain(owner.email);
    expect(await rows.nth(1).innerText()).toContain('Viewed a customer’s personal data');
    expect(await rows.nth(1).innerText()).toContain(staff.email);
    expect(await axeViolations(page)).toEqual([]);
    for (const [vp, viewport] of Object.entries(VIEWPORTS)) {
      await page.setViewportSize(viewport);
      await page.screenshot({ path: artifactPath(`console-audit-log-${vp}.png`), fullPage: false });
    }
    await page.setViewportSize(VIEWPORTS.desktop);

    // Paging: the older page has the rest (the 11 above and the store's creation and launch), then back.
    const total = (await p.db.control.selectFrom('audit_log').select('id').where('store_id', '=', store.id).execute()).length;
    expect(total).toBeGreaterThan(61);
    await page.getByRole('button', { name: 'Older' }).click();
    await expect.poll(() => rows.count()).toBe(total - 50);
    expect(await page.getByRole('button', { name: 'Older' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Newer' }).click();
    await expect.poll(() => rows.count()).toBe(50);

    // Filters: by team member, and by kind of action.
    await page.getByLabel('Team member').selectOption({ label: 'Olga Owner' });
    await expect.poll(() => rows.count()).toBe(total - 60);
    await page.getByLabel('Team member').selectOption({ label: 'Everyone' });
    await page.getByLabel('Action').selectOption({ label: 'Privacy requests and settings' });
    await expect.poll(() => rows.count()).toBe(1);
    await page.getByLabel('Action').selectOption({ label: 'Customer data viewed' });
    await page.getByLabel('Team member').selectOption({ label: 'Sam Staff' });
    await expect.poll(() => rows.count()).toBe(50);
    expect(await axeViolations(page)).toEqual([]);

    // Settings → Optional tracking: off by default; turning analytics on saves through the API.
    await page.goto(`${base}/stores/${store.id}/settings/privacy`);
    const tracking = page.getByRole('region', { name: 'Optional tracking' });
    const analytics = tracking.getByLabel('Search analytics');
    await analytics.waitFor();
    expect(await analytics.isChecked()).toBe(false);
    await analytics.check();
    await page.getByText('Settings saved').first().waitFor();
    expect((await p.request('GET', `/api/v1/stores/${store.id}/privacy-settings`, { cookie: owner.cookie })).body).toMatchObject({
      analytics: true,
      recommendationTracking: false,
    });
    await tracking.scrollIntoViewIfNeeded();
    await tracking.screenshot({ path: artifactPath('console-tracking-desktop.png') });
    expect(await axeViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await ctx.close();

    // Staff: no audit page under Settings, and the API refuses.
    const staffCtx = await browser.newContext({ viewport: VIEWPORTS.desktop, locale: 'en-US' });
    const [sn, sv] = staff.cookie.split('=') as [string, string];
    await staffCtx.addCookies([{ name: sn, value: sv, url: base }]);
    const staffPage = await staffCtx.newPage();
    await staffPage.goto(`${base}/stores/${store.id}/settings`);
    await staffPage.getByRole('link', { name: /^Users and permissions/ }).waitFor();
    expect(await staffPage.getByRole('link', { name: /^Audit log/ }).count()).toBe(0);
    expect((await p.request('GET', `/api/v1/stores/${store.id}/audit-log`, { cookie: staff.cookie })).status).toBe(403);
    await staffCtx.close();
  });
});
