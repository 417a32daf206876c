/**
 * The console's Search and Recommendations pages in real Chromium, against the control plane serving the built
 * console and a real worker (Redis queues): sign up and onboard, create products, reindex with progress, add a
 * synonym and see it change a query in the "try a query" box, pin a product, save settings across a version bump,
 * train recommendations and see the run listed, preview a product's "also bought" list (page and product editor).
 * Runs axe-core on both pages (serious/critical violations fail) and saves screenshots at desktop and phone widths.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { deflateSync } from 'node:zlib';
import { newId } from '@storeloom/db';
import { RecoEventService } from '@storeloom/reco/store';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactPath, VIEWPORTS } from '../helpers/browser.ts';
import type { TestPlatform } from '../helpers/platform.ts';
import { startConsoleE2e, type ConsoleE2e } from '../helpers/console-e2e.ts';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    type V = { id: string; impact: string | null; help: string; nodes: { target: string[] }[] };
    const axe = (globalThis as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: V[] }> } }).axe;
    const r = await axe.run((globalThis as unknown as { document: unknown }).document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

async function screenshots(ctx: BrowserContext, url: string, name: string, ready: (p: Page) => Promise<unknown>) {
  for (const [vp, viewport] of Object.entries(VIEWPORTS)) {
    const page = await ctx.newPage();
    await page.setViewportSize(viewport);
    await page.goto(url);
    await ready(page);
    await page.screenshot({ path: artifactPath(`console-${name}-${vp}.png`), fullPage: true });
    await page.close();
  }
}

async function cookieHeader(ctx: BrowserContext) {
  return (await ctx.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
}

describe('console search and recommendations pages in Chromium', () => {
  let e2e: ConsoleE2e;
  let p: TestPlatform;
  let browser: Browser;
  let base: string;
  let ctx: BrowserContext;
  let page: Page;
  let storeId: string;
  const ids: Record<string, string> = {};
  const pageErrors: string[] = [];
  const email = `sr${Date.now().toString(36)}@example.com`;
  const slug = `sr-${Date.now().toString(36)}`;

  beforeAll(async () => {
    e2e = await startConsoleE2e();
    ({ p, browser, base } = e2e);
    await p.startWorker();
  }, 120_000);
  afterAll(async () => {
    await ctx?.close();
    await e2e?.close();
  }, 240_000);

  it('signs up, onboards a store and creates products', { timeout: 300_000 }, async () => {
    ctx = await browser.newContext({ viewport: VIEWPORTS.desktop, locale: 'en-US' });
    page = await ctx.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${base}/signup`);
    await page.getByLabel('Your name', { exact: true }).fill('Sam Searcher');
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill('correct horse battery');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(/\/onboarding/);
    await page.getByLabel('Store name', { exact: true }).fill('Sam Home Goods');
    await page.getByLabel('Store address', { exact: true }).fill(slug);
    await page.getByText('Available').waitFor();
    await page.getByRole('button', { name: 'Create store' }).click();
    await page.getByRole('link', { name: 'Go to the console' }).click();
    await page.waitForURL(/\/stores\/[0-9a-f-]+\/products$/);
    storeId = page.url().split('/')[4] as string;

    const cookie = await cookieHeader(ctx);
    const products: [string, string, string, number][] = [
      ['shirt', 'Linen Shirt', 'Breathable linen shirt, garment washed.', 0x3c78c8],
      ['trousers', 'Linen Trousers', 'Relaxed linen trousers with a drawstring.', 0x8c6e3c],
      ['couch', 'Velvet Couch', 'A deep three-seat couch in green velvet.', 0x2e8b57],
      ['blanket', 'Wool Blanket', 'Warm merino wool throw.', 0xb04050],
    ];
    for (const [key, title, description, colour] of products) {
      const res = await p.request('POST', `/api/v1/stores/${storeId}/products`, {
        cookie,
        body: { title, description, status: 'active', variants: [{ sku: `${key.toUpperCase()}-${slug}`, price: 4900, inventoryQuantity: 5 }] },
      });
      expect(res.status).toBe(201);
      ids[key] = res.body.id;
      const form = new FormData();
      form.set('file', new Blob([new Uint8Array(solidPng(32, colour))], { type: 'image/png' }), `${key}.png`);
      const img = await p.request('POST', `/api/v1/stores/${storeId}/products/${res.body.id}/images`, {
        cookie,
        form,
        headers: { 'idempotency-key': `img-${key}-${slug}` },
      });
      expect(img.status).toBe(201);
    }
  });

  it('reindexes with live progress and shows the index status', { timeout: 300_000 }, async () => {
    await page.getByRole('link', { name: 'Search', exact: true }).click();
    await page.waitForURL(/\/search$/);
    await page.getByRole('heading', { name: 'Search index' }).waitFor();
    await page.getByRole('button', { name: 'Reindex' }).click();
    const job = page.getByTestId('search-job');
    await job.getByText('Rebuilding the index').waitFor();
    await job.getByText('Completed').waitFor({ timeout: 120_000 });
    await expect(job.getByRole('progressbar').getAttribute('aria-valuenow')).resolves.toBe('100');
    await expect.poll(() => page.getByTestId('index-documents').textContent(), { timeout: 30_000 }).toBe('4');

    // The consistency check runs as a job too and reports the index matches.
    await page.getByRole('button', { name: 'Check index' }).click();
    await job.getByText('Checking the index').waitFor();
    await page.getByTestId('index-consistency').getByText('Matches the catalogue').waitFor({ timeout: 120_000 });
  });

  it('adds a synonym that changes a query’s results, with inline validation errors', { timeout: 300_000 }, async () => {
    const tryQuery = async (q: string) => {
      await page.getByLabel('Query', { exact: true }).first().fill(q);
      await page.getByRole('region', { name: 'Try a query' }).getByRole('button', { name: 'Search', exact: true }).click();
    };
    const results = page.getByTestId('try-results');
    await tryQuery('sofa');
    await results.getByText('No products match this query.').waitFor();

    // The API refuses a two-way synonym with one word: the message shows next to the field.
    await page.getByLabel('Equivalent words (comma separated)').fill('sofa');
    await page.getByRole('button', { name: 'Add synonym' }).click();
    await expect(page.locator('#syn-terms-error').textContent()).resolves.toContain('at least two words');
    await page.getByLabel('Equivalent words (comma separated)').fill('sofa, couch');
    await page.getByRole('button', { name: 'Add synonym' }).click();
    await page.getByTestId('synonym-list').getByText('sofa ⇄ couch').waitFor();

    // The same query now finds the couch, and explain shows why it ranks.
    await expect
      .poll(
        async () => {
          await tryQuery('sofa');
          await results.getByText(/\d+ results?\b/).waitFor();
          return results.locator('.result-title a').allTextContents();
        },
        { timeout: 30_000 },
      )
      .toEqual(['Velvet Couch']);
    // Score parts stay hidden until the Explain toggle is pressed, and go again when it is released.
    const explainToggle = page.getByRole('region', { name: 'Try a query' }).getByRole('button', { name: 'Explain' });
    await expect(results.getByTestId('explain').count()).resolves.toBe(0);
    await expect(results.getByText(/score \d/).count()).resolves.toBe(0);
    await expect(explainToggle.getAttribute('aria-pressed')).resolves.toBe('false');
    await explainToggle.click();
    await expect(explainToggle.getAttribute('aria-pressed')).resolves.toBe('true');
    await expect(results.getByTestId('explain').first().textContent()).resolves.toContain('Text match');
    await expect(results.getByText(/score \d/).count()).resolves.toBeGreaterThan(0);
    await page.getByRole('region', { name: 'Try a query' }).screenshot({ path: artifactPath('console-search-explain-desktop.png') });
    await explainToggle.click();
    await expect(results.getByTestId('explain').count()).resolves.toBe(0);

    // One-way synonym: the form changes and shows both fields.
    await page.getByRole('region', { name: 'Synonyms' }).getByText('One-way', { exact: true }).click();
    await page.getByLabel('When shoppers type').fill('throw');
    await page.getByRole('button', { name: 'Add synonym' }).click();
    await expect(page.locator('#syn-synonyms-error').textContent()).resolves.toContain('at least one word');
    await page.getByLabel('Also find (comma separated)').fill('blanket');
    await page.getByRole('button', { name: 'Add synonym' }).click();
    await page.getByTestId('synonym-list').getByText('throw → blanket').waitFor();
  });

  it('pins a product for a query, and saves settings after synonyms bumped their version', { timeout: 300_000 }, async () => {
    await page.getByLabel('Query', { exact: true }).nth(1).fill('linen');
    await page.getByLabel('Product', { exact: true }).fill('Trousers');
    await page
      .locator('#pin-product-list')
      .getByRole('option', { name: /Linen Trousers/ })
      .click();
    await page.getByRole('button', { name: 'Pin product' }).click();
    await page.getByTestId('pin-list').getByRole('link', { name: 'Linen Trousers' }).waitFor();

    const results = page.getByTestId('try-results');
    await expect
      .poll(
        async () => {
          await page.getByLabel('Query', { exact: true }).first().fill('linen');
          await page.getByRole('region', { name: 'Try a query' }).getByRole('button', { name: 'Search', exact: true }).click();
          await results.getByText(/\d+ results?\b/).waitFor();
          return results.locator('.result-item').first().textContent();
        },
        { timeout: 30_000 },
      )
      .toMatch(/Linen Trousers.*Pinned/);
    await page.getByRole('region', { name: 'Try a query' }).screenshot({ path: artifactPath('console-search-try-desktop.png') });

    // Settings were loaded before the synonyms and the pin bumped the config version: the save still goes through.
    await page.getByLabel('In-stock boost').fill('0.5');
    await page.getByLabel('Stop words').fill('the, a');
    await page.getByRole('region', { name: 'Search settings' }).getByRole('button', { name: 'Save' }).click();
    await page.getByText('Search settings saved').waitFor();
    const saved = await p.request('GET', `/api/v1/stores/${storeId}/search/settings`, { cookie: await cookieHeader(ctx) });
    expect(saved.body).toMatchObject({ inStockBoost: 0.5, stopWords: ['the', 'a'] });

    // A real conflict (someone changed the boost meanwhile) is reported, not overwritten.
    await p.request('PATCH', `/api/v1/stores/${storeId}/search/settings`, { cookie: await cookieHeader(ctx), body: { inStockBoost: 1 } });
    await page.getByLabel('In-stock boost').fill('2');
    await page.getByRole('region', { name: 'Search settings' }).getByRole('button', { name: 'Save' }).click();
    await page.getByText('Someone else changed the search settings').waitFor();
    const after = await p.request('GET', `/api/v1/stores/${storeId}/search/settings`, { cookie: await cookieHeader(ctx) });
    expect(after.body.inStockBoost).toBe(1);

    // Analytics: the period switch reloads the summary.
    await page.getByRole('region', { name: 'Search analytics' }).getByText('7 days').click();
    await page.getByRole('region', { name: 'Search analytics' }).getByText('Top queries').waitFor();
    await page.getByTestId('overall-ctr').waitFor();

    expect(await axeViolations(page), 'accessibility of the search page').toEqual([]);
    await screenshots(ctx, page.url(), 'search', (pg) => pg.getByTestId('synonym-list').waitFor());
  });

  it('trains recommendations, lists the run and previews a product’s also-bought list', { timeout: 400_000 }, async () => {
    // Orders: the shirt sells with the trousers.
    const { schema_name } = await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', storeId).executeTakeFirstOrThrow();
    const day = 86_400_000;
    // Four real customer accounts placed the orders: the customer preview finds them by name or e-mail.
    const shoppers = [
      ['Ada Lindqvist', 'ada@example.se'],
      ['Bruno Costa', 'bruno@example.pt'],
      ['Chidi Okafor', 'chidi@example.ng'],
      ['Dana Weiss', 'dana@example.de'],
    ].map(([name, email]) => ({ id: newId(), name: name as string, email: email as string }));
    const tenant = p.db.tenant(schema_name);
    for (const c of shoppers) {
      await tenant
        .insertInto('customers')
        .values({ id: c.id, name: c.name, email: c.email, password_hash: 'x', created_at: new Date(), email_verified_at: null })
        .execute();
    }
    await new RecoEventService(p.db.tenant(schema_name)).recordPurchases(
      Array.from({ length: 12 }, (_, k) => ({
        orderId: `o-${k}`,
        customerId: (shoppers[k % 4] as { id: string }).id,
        at: new Date(Date.now() - (20 - k) * day),
        lines: (k % 3 === 2 ? [ids.blanket, ids.couch] : [ids.shirt, ids.trousers]).map((productId) => ({ productId: productId as string, quantity: 1 })),
      })),
    );

    await page.getByRole('link', { name: 'Recommendations', exact: true }).click();
    await page.waitForURL(/\/recommendations$/);
    await page.getByRole('heading', { name: 'Not trained yet' }).waitFor();
    await page.getByRole('button', { name: 'Train now' }).click();
    await page.getByTestId('training-progress').waitFor();
    const history = page.getByTestId('run-history');
    await history.getByText('Succeeded').waitFor({ timeout: 300_000 });
    await expect(history.locator('tbody tr').count()).resolves.toBe(1);
    await expect(page.getByTestId('run-orders').textContent()).resolves.toBe('12');
    await page.getByTestId('last-run').getByText('Live').waitFor();

    // Preview: pick the shirt, see the trousers bought with it (image, title, source).
    await page.getByLabel('Product', { exact: true }).fill('Shirt');
    await page
      .locator('#reco-product-picker-list')
      .getByRole('option', { name: /Linen Shirt/ })
      .click();
    const list = page.getByTestId('reco-product-list');
    await list.getByRole('link', { name: 'Linen Trousers' }).waitFor();
    await expect(list.locator('.result-item').first().textContent()).resolves.toMatch(/Linen Trousers.*Bought together/);
    await expect(list.locator('img.thumb').first().getAttribute('src')).resolves.toContain('/media/');
    await page.getByRole('region', { name: 'Preview: customers also bought' }).screenshot({ path: artifactPath('console-reco-preview-desktop.png') });

    // Customer preview: a searchable picker over the store's customers, by name or e-mail (no raw ids shown).
    const who = page.getByRole('combobox', { name: 'Customer', exact: true });
    await who.fill('ada');
    const found = page.getByRole('listbox', { name: 'Customer', exact: true }).getByRole('option');
    await found.filter({ hasText: 'Ada Lindqvist' }).waitFor();
    expect(await found.allInnerTexts()).toEqual([expect.stringMatching(/Ada Lindqvist\s*ada@example\.se/)]);
    await who.press('Enter');
    expect(await who.inputValue()).toBe('Ada Lindqvist');
    await page.getByRole('region', { name: 'Preview: a customer’s picks' }).getByRole('heading', { name: 'For you' }).waitFor();

    expect(await axeViolations(page), 'accessibility of the recommendations page').toEqual([]);
    await screenshots(ctx, page.url(), 'recommendations', (pg) => pg.getByTestId('run-history').waitFor());

    // The product editor shows the same preview with a link to the page.
    await page.goto(`${base}/stores/${storeId}/products/${ids.shirt}`);
    const panel = page.getByTestId('product-reco-list');
    await panel.getByRole('link', { name: 'Linen Trousers' }).waitFor();
    await page.getByRole('link', { name: 'All recommendations →' }).waitFor();
    await page.getByRole('region', { name: 'Recommendations', exact: true }).screenshot({ path: artifactPath('console-product-reco-panel.png') });
    expect(await axeViolations(page), 'accessibility of the product editor with its recommendations panel').toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});

/** A solid-colour PNG (no image library needed). */
function solidPng(size: number, rgb: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc32 = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const b of buf) c = (crcTable[(c ^ b) & 0xff] as number) ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const raw = Buffer.alloc((size * 3 + 1) * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) raw.set([(rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255], y * (size * 3 + 1) + 1 + x * 3);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
