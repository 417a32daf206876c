/**
 * Webhooks in the console (issue 21), Chromium: the merchant adds an endpoint (a local http receiver, allowed by the
 * development egress switches under their old names ALERT_WEBHOOK_ALLOW_HTTP / ALERT_WEBHOOK_ALLOW_PRIVATE), sees
 * the signing secret once, sees a signed delivery in the endpoint's log with its request and response, redelivers
 * it (same event id), and turns the endpoint back on after it was disabled for failing. axe: 0 serious/critical;
 * screenshots at 1280/390.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { controlPlaneEnvSchema, loadEnv, webhookEgressFromEnv } from '@storeloom/env';
import { dispatchWebhooks, verifyWebhook } from '@storeloom/webhooks';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations } from '../helpers/axe.ts';
import { artifactPath, VIEWPORTS } from '../helpers/browser.ts';
import { createProduct, createStore, signup, type TestPlatform } from '../helpers/platform.ts';
import { startConsoleE2e, type ConsoleE2e } from '../helpers/console-e2e.ts';

interface Received {
  body: string;
  signature: string;
  id: string;
  type: string;
}

describe('console webhooks in Chromium', { timeout: 300_000 }, () => {
  let e2e: ConsoleE2e;
  let p: TestPlatform;
  let browser: Browser;
  let base: string;
  let receiver: Server;
  let hookUrl: string;
  const received: Received[] = [];
  let answer = 200;
  // The development switches by their old names, as a developer's .env has them.
  const egress = webhookEgressFromEnv(
    loadEnv(controlPlaneEnvSchema, { NODE_ENV: 'test', ALERT_WEBHOOK_ALLOW_HTTP: 'true', ALERT_WEBHOOK_ALLOW_PRIVATE: 'true' }),
  );

  beforeAll(async () => {
    expect(egress).toEqual({ allowHttp: true, allowPrivateAddresses: true });
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        const e = JSON.parse(body) as { id: string; type: string };
        received.push({ body, signature: String(req.headers['storeloom-signature']), id: e.id, type: e.type });
        res.writeHead(answer, { 'content-type': 'text/plain' }).end(answer === 200 ? 'thanks' : 'broken');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    e2e = await startConsoleE2e({ config: () => ({ webhookEgress: egress }) });
    ({ p, browser, base } = e2e);
  });
  afterAll(async () => {
    await e2e?.close();
    receiver?.closeAllConnections();
    await new Promise((r) => receiver?.close(r));
  });

  const shots = async (page: Page, name: string) => {
    await page.evaluate(() => {
      window.scrollTo(0, 0);
      document.getElementById('main')?.scrollTo(0, 0);
    });
    for (const [vp, viewport] of Object.entries(VIEWPORTS)) {
      await page.setViewportSize(viewport);
      await page.screenshot({ path: artifactPath(`${name}-${vp}.png`), fullPage: true });
    }
    await page.setViewportSize(VIEWPORTS.desktop);
  };

  it('creates an endpoint, shows its secret once, logs and redelivers a signed delivery, and re-enables it', async () => {
    const owner = await signup(p);
    const store = await createStore(p, owner.cookie, undefined, 'EUR');
    const row = await p.db.control.selectFrom('stores').selectAll().where('id', '=', store.id).executeTakeFirstOrThrow();
    const t = p.db.tenant(row.schema_name);
    const dispatch = (extra: Partial<Parameters<typeof dispatchWebhooks>[0]> = {}) =>
      dispatchWebhooks({ t, storeId: store.id, box: p.services.secrets, egress, ...extra });

    const ctx = await browser.newContext({ viewport: VIEWPORTS.desktop, locale: 'en-US' });
    const [name, value] = owner.cookie.split('=') as [string, string];
    await ctx.addCookies([{ name, value, url: base }]);
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const settled = () => page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'));

    // Settings → Webhooks.
    await page.goto(`${base}/stores/${store.id}/settings`);
    await page.getByRole('link', { name: /Webhooks/ }).click();
    await page.getByRole('heading', { name: 'No webhook endpoints' }).waitFor();
    await settled();
    expect(await axeViolations(page)).toEqual([]);

    // Add an endpoint for product events (the order events are ticked to start with).
    await page.getByRole('button', { name: 'Add endpoint' }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Endpoint URL').fill(hookUrl);
    await dialog.getByLabel('Description (optional)').fill('Local ERP');
    await dialog.getByRole('group', { name: 'Products' }).getByLabel('product.created').check();
    await settled();
    expect(await axeViolations(page)).toEqual([]);
    await shots(page, 'console-webhook-form');
    await dialog.getByRole('button', { name: 'Add endpoint' }).click();
    const secretEl = page.getByTestId('webhook-secret');
    await secretEl.waitFor();
    const secret = (await secretEl.textContent()) ?? '';
    expect(secret).toMatch(/^whsec_/);
    await page.getByRole('dialog').getByRole('button', { name: 'Copy' }).waitFor();
    await settled();
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByTestId('webhooks-list').getByText(hookUrl).waitFor();
    // Once: after a reload the secret is nowhere on the page.
    await page.reload();
    await page.getByTestId('webhooks-list').getByText('Local ERP').waitFor();
    expect(await page.content()).not.toContain(secret);

    // A product is created: one signed delivery.
    await createProduct(p, owner.cookie, store.id, { title: 'Linen Shirt' });
    expect((await dispatch()).succeeded).toBe(1);
    expect(received.map((r) => r.type)).toEqual(['product.created']);
    const first = received[0] as Received;
    expect(verifyWebhook(secret, first.body, first.signature)).toMatchObject({ type: 'product.created', storeId: store.id });

    // The delivery log shows it with the receiver's 200; its detail the request and the response.
    await page.getByRole('button', { name: 'Deliveries' }).click();
    const table = page.getByTestId('deliveries-table');
    await table.getByRole('button', { name: 'product.created' }).waitFor();
    expect(await table.textContent()).toContain('200');
    await settled();
    expect(await axeViolations(page)).toEqual([]);
    await shots(page, 'console-webhook-deliveries');
    await table.getByRole('button', { name: 'product.created' }).click();
    const detail = page.getByTestId('delivery-detail');
    await detail.getByText('thanks').waitFor();
    expect(await detail.textContent()).toContain('"type":"product.created"');
    expect(await detail.textContent()).not.toContain(secret);
    await settled();
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Redeliver' }).click();
    await page.getByText('Queued to be delivered again (same event id)').waitFor();
    expect((await dispatch()).succeeded).toBe(1);
    expect(received).toHaveLength(2);
    expect(received[1]?.id).toBe(first.id);
    await page.getByRole('dialog').getByRole('button', { name: 'Close', exact: true }).last().click();
    await page.getByRole('dialog').getByRole('button', { name: 'Close', exact: true }).last().click();

    // The receiver breaks; the endpoint is disabled for failing (threshold lowered for the test) and turned back on.
    answer = 500;
    await createProduct(p, owner.cookie, store.id, { title: 'Wool Socks' });
    const failed = await dispatch({ disable: { afterMs: 0, minFailures: 1 } });
    expect(failed.failed).toBe(1);
    await page.reload();
    await page.getByRole('button', { name: 'Turn back on' }).waitFor();
    await page.getByText(/Turned off after 1 failed delivery in a row/).waitFor();
    await settled();
    expect(await axeViolations(page)).toEqual([]);
    await shots(page, 'console-webhooks-disabled');
    answer = 200;
    await page.getByRole('button', { name: 'Turn back on' }).click();
    await page.getByText('Endpoint turned back on').waitFor();
    await page.getByTestId('webhooks-list').getByText('Enabled').waitFor();
    const hooks = await p.request('GET', `/api/v1/stores/${store.id}/webhooks`, { cookie: owner.cookie });
    expect(hooks.body.items[0]).toMatchObject({ enabled: true, disabledReason: null });
    expect(errors).toEqual([]);
    await ctx.close();
  });
});
