/**
 * API token scopes in the console (issue 21), Chromium: the merchant creates a token with only `read_products`, sees
 * it once, sees its scopes in the list; the token reads the store's products and is refused (403) on a write that
 * needs `write_products` and on orders (`read_orders`); after "Revoke" it is refused altogether (401).
 * axe: 0 serious/critical; screenshots at 1280/390.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations } from '../helpers/axe.ts';
import { artifactPath, VIEWPORTS } from '../helpers/browser.ts';
import { createProduct, createStore, signup, type TestPlatform } from '../helpers/platform.ts';
import { startConsoleE2e, type ConsoleE2e } from '../helpers/console-e2e.ts';

describe('console API tokens in Chromium', { timeout: 300_000 }, () => {
  let e2e: ConsoleE2e;
  let p: TestPlatform;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    e2e = await startConsoleE2e();
    ({ p, browser, base } = e2e);
  });
  afterAll(() => e2e?.close());

  it('creates a read_products token that reads products, is refused writes and orders, and stops working when revoked', async () => {
    const owner = await signup(p);
    const store = await createStore(p, owner.cookie);
    const product = await createProduct(p, owner.cookie, store.id, { title: 'Linen Shirt' });
    const api = (path: string, token: string, init: RequestInit = {}) =>
      fetch(`${base}/api/v1${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers } });

    const ctx = await browser.newContext({ viewport: VIEWPORTS.desktop, locale: 'en-US' });
    const [name, value] = owner.cookie.split('=') as [string, string];
    await ctx.addCookies([{ name, value, url: base }]);
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('dialog', (d) => void d.accept());
    const settled = () => page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'));

    await page.goto(`${base}/stores/${store.id}/settings/api-tokens`);
    await page.getByRole('heading', { name: 'API tokens' }).waitFor();
    await page.getByLabel('Token name').fill('Inventory sync');
    const scopes = page.getByRole('group', { name: /Scopes/ });
    await scopes.getByLabel('read_products').check();
    await settled();
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Create token' }).click();
    const secretEl = page.getByTestId('new-token');
    await secretEl.waitFor();
    const token = ((await secretEl.textContent()) ?? '').trim();
    expect(token.length).toBeGreaterThan(20);
    await settled();
    expect(await axeViolations(page)).toEqual([]);
    for (const [vp, viewport] of Object.entries(VIEWPORTS)) {
      await page.setViewportSize(viewport);
      await page.screenshot({ path: artifactPath(`console-api-token-${vp}.png`), fullPage: true });
    }
    await page.setViewportSize(VIEWPORTS.desktop);
    await page.getByRole('button', { name: 'Done' }).click();

    // The list names the token and its scopes; after a reload the secret is nowhere on the page.
    const item = page.locator('.token-list li', { hasText: 'Inventory sync' });
    await item.getByText('Scopes: read_products').waitFor();
    await page.reload();
    await page.locator('.token-list li', { hasText: 'Inventory sync' }).getByText('Scopes: read_products').waitFor();
    expect(await page.content()).not.toContain(token);

    // What the scope allows, and what it does not.
    const read = await api(`/stores/${store.id}/products/${product.id}`, token);
    expect(read.status).toBe(200);
    expect(((await read.json()) as { title: string }).title).toBe('Linen Shirt');
    const write = await api(`/stores/${store.id}/products`, token, { method: 'POST', body: JSON.stringify({ title: 'Wool Scarf' }) });
    expect(write.status).toBe(403);
    expect(((await write.json()) as { error: unknown }).error).toMatchObject({ code: 'insufficient_scope', details: { required: 'write_products' } });
    const orders = await api(`/stores/${store.id}/orders`, token);
    expect(orders.status).toBe(403);
    expect(((await orders.json()) as { error: unknown }).error).toMatchObject({ code: 'insufficient_scope', details: { required: 'read_orders' } });

    // Revoked: refused at once.
    await page.locator('.token-list li', { hasText: 'Inventory sync' }).getByRole('button', { name: 'Revoke' }).click();
    await page.locator('.token-list li', { hasText: 'Inventory sync' }).waitFor({ state: 'detached' });
    expect((await api(`/stores/${store.id}/products/${product.id}`, token)).status).toBe(401);
    expect(errors).toEqual([]);
    await ctx.close();
  });
});
