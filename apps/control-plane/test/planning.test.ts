/**
 * Dynamic pricing and inventory planning through the real API and the real
 * BullMQ worker: suggest → approve → roll back, auto mode, the data check that
 * pauses pricing, the inventory run with a low-stock alert (mail + signed
 * webhook retried until the merchant's server answers) and its dedup.
 * Pricing runs on the Redis queue backend, inventory on the Postgres one.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Database, newId } from '@storeloom/db';
import { createLogger } from '@storeloom/log';
import { recordPaidOrderLine, recordSale, SIGNATURE_HEADER, utcDay, verifySignature } from '@storeloom/planning';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkers } from '../../worker/src/worker.ts';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';

/** The console's public URL the worker is given (PUBLIC_URL in production): alert mails link there. */
const CONSOLE = 'http://console.test';
const DAY_MS = 86_400_000;
/** Test-only: the webhook receiver of these tests listens on 127.0.0.1 over http. */
const LOCAL_EGRESS = { allowHttp: true, allowPrivateAddresses: true };

async function schemaOf(db: Database, storeId: string) {
  const s = await db.control.selectFrom('stores').select('schema_name').where('id', '=', storeId).executeTakeFirstOrThrow();
  return s.schema_name;
}

/** Sales on each of the last `days` days (yesterday backwards), `units` a day at `price`. */
async function seedSales(db: Database, schema: string, variantId: string, days: number, units: (i: number) => number, price: number) {
  const t = db.tenant(schema);
  for (let i = 1; i <= days; i++) {
    const u = units(i);
    if (u > 0) await recordSale(t, { orderLineId: `seed-${variantId}-${i}`, variantId, units: u, unitPrice: price, at: new Date(Date.now() - i * DAY_MS) });
  }
}

async function waitForJob(p: TestPlatform, cookie: string, path: string) {
  for (let i = 0; i < 300; i++) {
    const res = await p.request('GET', path, { cookie });
    expect(res.status).toBe(200);
    if (res.body.state === 'completed' || res.body.state === 'failed') return res.body;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`job did not finish: ${path}`);
}

async function until<T>(what: string, f: () => Promise<T | null | undefined | false>): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const v = await f();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('dynamic pricing via the API and the worker (Redis queues)', () => {
  let p: TestPlatform;

  let cookie: string;
  let storeId: string;
  let schema: string;

  beforeAll(async () => {
    p = await startTestPlatform({ queueBackend: 'redis' });
    await startWorkers(p.queues, {
      db: p.db,
      logger: createLogger({ level: 'silent' }),
      concurrency: 2,
      retentionDays: 30,
      provisioningStaleSeconds: 60,
      consoleUrl: CONSOLE,
    });
    const owner = await signup(p);
    cookie = owner.cookie;
    storeId = (await createStore(p, cookie)).id;
    schema = await schemaOf(p.db, storeId);
  });
  afterAll(async () => {
    // p.close() obliterates the queues and closes them with every worker on them.
    await p?.close();
  });

  it('suggests a price inside the guardrails, applies it on approval, and rolls it back', async () => {
    const product = await createProduct(p, cookie, storeId, { variants: [{ sku: 'PRICED-1', price: 4500, inventoryQuantity: 200 }] });
    const variantId = product.variants[0].id as string;
    await seedSales(p.db, schema, variantId, 20, (i) => (i % 3) + 1, 4500);

    const bad = await p.request('POST', `/api/v1/stores/${storeId}/pricing/settings`, {
      cookie,
      body: { productId: product.id, floor: 6000, ceiling: 5000 },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');

    const created = await p.request('POST', `/api/v1/stores/${storeId}/pricing/settings`, {
      cookie,
      body: { productId: product.id, floor: 3000, ceiling: 6000, pricePoints: [3000, 4000, 5000, 6000], maxChangePerDay: 1000, mode: 'suggest' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ mode: 'suggest', paused: false, version: 1 });
    const dup = await p.request('POST', `/api/v1/stores/${storeId}/pricing/settings`, { cookie, body: { productId: product.id, floor: 3000, ceiling: 6000 } });
    expect(dup.status).toBe(409);

    const run = await p.request('POST', `/api/v1/stores/${storeId}/pricing/runs`, { cookie });
    expect(run.status).toBe(202);
    const job = await waitForJob(p, cookie, `/api/v1/stores/${storeId}/pricing/runs/${encodeURIComponent(run.body.jobId)}`);
    expect(job.state).toBe('completed');
    expect(job.progress).toBe(100);
    expect(job.result).toMatchObject({ variants: 1, suggested: 1 });

    // 4500 is not a price point and a day's move is at most 1000: 4000 or 5000 are the only valid answers.
    const list = await p.request('GET', `/api/v1/stores/${storeId}/pricing/changes?status=suggested`, { cookie });
    expect(list.status).toBe(200);
    expect(list.body.data).toHaveLength(1);
    const suggestion = list.body.data[0];
    expect([4000, 5000]).toContain(suggestion.newPrice);
    expect(suggestion).toMatchObject({ oldPrice: 4500, status: 'suggested', variantId });
    expect(suggestion.reason).toMatch(/Thompson sampling/);
    expect(suggestion.inputs.candidates).toEqual([3000, 4000, 5000, 6000]);
    // The suggestion waits: the catalogue price has not moved.
    expect((await p.request('GET', `/api/v1/stores/${storeId}/products/${product.id}`, { cookie })).body.variants[0].price).toBe(4500);

    const approved = await p.request('POST', `/api/v1/stores/${storeId}/pricing/changes/${suggestion.id}/approve`, { cookie });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'applied', decidedBy: expect.any(String) });
    const after = (await p.request('GET', `/api/v1/stores/${storeId}/products/${product.id}`, { cookie })).body;
    expect(after.variants[0].price).toBe(suggestion.newPrice);
    expect(after.version).toBe(product.version + 1);
    // A product edit made from the old version is refused, not silently reverting the price.
    const stale = await p.request('PATCH', `/api/v1/stores/${storeId}/products/${product.id}`, { cookie, body: { version: product.version, title: 'Stale' } });
    expect(stale.status).toBe(409);

    expect((await p.request('POST', `/api/v1/stores/${storeId}/pricing/changes/${suggestion.id}/approve`, { cookie })).status).toBe(409);

    const rolled = await p.request('POST', `/api/v1/stores/${storeId}/pricing/changes/${suggestion.id}/rollback`, { cookie });
    expect(rolled.status).toBe(200);
    expect(rolled.body).toMatchObject({ source: 'rollback', status: 'applied', oldPrice: suggestion.newPrice, newPrice: 4500, rollbackOf: suggestion.id });
    expect((await p.request('GET', `/api/v1/stores/${storeId}/products/${product.id}`, { cookie })).body.variants[0].price).toBe(4500);
    expect((await p.request('GET', `/api/v1/stores/${storeId}/pricing/changes/${suggestion.id}/rollback`, { cookie })).status).toBe(404);
    expect((await p.request('POST', `/api/v1/stores/${storeId}/pricing/changes/${suggestion.id}/rollback`, { cookie })).status).toBe(409);

    const history = await p.request('GET', `/api/v1/stores/${storeId}/pricing/products/${product.id}/history?days=30`, { cookie });
    expect(history.status).toBe(200);
    const h = history.body.variants[0];
    expect(h.daily.reduce((a: number, d: { units: number }) => a + d.units, 0)).toBe(
      Array.from({ length: 20 }, (_, i) => ((i + 1) % 3) + 1).reduce((a, b) => a + b, 0),
    );
    expect(h.changes.map((c: { status: string }) => c.status)).toEqual(['rolled_back', 'applied']);

    const expected = await p.request('GET', `/api/v1/stores/${storeId}/pricing/products/${product.id}/expected-revenue`, { cookie });
    expect(expected.status).toBe(200);
    expect(expected.body.variants[0].learned).toBe(true);
    expect(expected.body.variants[0].prices).toHaveLength(4);

    const audit = await p.db.control.selectFrom('audit_log').select('action').where('store_id', '=', storeId).where('action', 'like', 'pricing.%').execute();
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['pricing.settings.created', 'pricing.change.approved', 'pricing.change.rolled_back']));
  });

  it('auto mode applies the change through the catalogue and logs it with its inputs', async () => {
    const product = await createProduct(p, cookie, storeId, { variants: [{ sku: 'AUTO-1', price: 2500, inventoryQuantity: 50 }] });
    await seedSales(p.db, schema, product.variants[0].id, 14, () => 2, 2500);
    const s = await p.request('POST', `/api/v1/stores/${storeId}/pricing/settings`, {
      cookie,
      body: { productId: product.id, floor: 2000, ceiling: 3000, step: 200, maxChangePerDay: 400, mode: 'auto' },
    });
    expect(s.status).toBe(201);
    const run = await p.request('POST', `/api/v1/stores/${storeId}/pricing/runs`, { cookie });
    await waitForJob(p, cookie, `/api/v1/stores/${storeId}/pricing/runs/${encodeURIComponent(run.body.jobId)}`);
    const changes = (await p.request('GET', `/api/v1/stores/${storeId}/pricing/changes?productId=${product.id}`, { cookie })).body.data;
    // 2500 is off the 200 grid, so the policy must move it, by at most 400, onto the grid.
    expect(changes).toHaveLength(1);
    expect(changes[0].status).toBe('applied');
    expect(changes[0].newPrice % 200).toBe(0);
    expect(Math.abs(changes[0].newPrice - 2500)).toBeLessThanOrEqual(400);
    expect(changes[0].inputs).toMatchObject({ remainingInventory: 50, remainingPeriods: 30 });
    const v = (await p.request('GET', `/api/v1/stores/${storeId}/products/${product.id}`, { cookie })).body.variants[0];
    expect(v.price).toBe(changes[0].newPrice);
  });

  it("a price change during an open checkout does not change that checkout's total; a new checkout sees the new price", async () => {
    const { CartService, OrderService, parseSettings } = await import('@storeloom/commerce');
    const { updateVariantPrice } = await import('@storeloom/catalog');
    const product = await createProduct(p, cookie, storeId, { variants: [{ sku: 'CHECKOUT-1', price: 2500, inventoryQuantity: 100 }] });
    const variantId = product.variants[0].id as string;
    await seedSales(p.db, schema, variantId, 14, () => 2, 2500);
    const t = p.db.tenant(schema);
    const store = await p.db.control.selectFrom('stores').select(['id', 'name', 'currency']).where('id', '=', storeId).executeTakeFirstOrThrow();
    // As the storefront builds it: the checkout page's prices are signed with the storefront secret.
    const orders = new OrderService(t, { store: { id: store.id, name: store.name, currency: store.currency }, quoteSecret: 'q'.repeat(48) });
    const settings = parseSettings([]);
    const address = { name: 'Ada', line1: '1 Main St', line2: null, city: 'Springfield', postalCode: '12345', region: null, country: 'US', phone: null };
    const cartWith = async (qty: number) => {
      const carts = new CartService(t);
      const cart = await carts.findOrCreate(undefined);
      await carts.add(cart.id, variantId, qty);
      return cart.id;
    };
    const open = async (qty: number) => {
      const cartId = await cartWith(qty);
      const q = await orders.quote(cartId, settings);
      expect(q.quoteToken).toBeTruthy();
      return { cartId, shown: q.totals.total, token: q.quoteToken as string };
    };
    const complete = (c: { cartId: string; shown: number; token: string }) =>
      orders.place({
        cartId: c.cartId,
        email: 'ada@example.com',
        customerId: null,
        customerName: null,
        address,
        locale: 'en',
        settings,
        expectedTotal: c.shown,
        quoteToken: c.token,
      });
    const priceNow = async () => (await t.selectFrom('variants').select('price').where('id', '=', variantId).executeTakeFirstOrThrow()).price;

    // Checkouts opened at 2500: A completes after the pricing run, B races the run,
    // C was already placed (payment pending) and is paid after the change.
    const a = await open(2);
    const b = await open(1);
    const c = await open(3);
    const placedC = await complete(c);
    expect(placedC.order.total).toBe(c.shown);

    // The pricing run in auto mode (2500 is off the 200 grid: it must move the price) while B completes.
    const s = await p.request('POST', `/api/v1/stores/${storeId}/pricing/settings`, {
      cookie,
      body: { productId: product.id, floor: 2000, ceiling: 3000, step: 200, maxChangePerDay: 400, mode: 'auto' },
    });
    expect(s.status).toBe(201);
    const run = await p.request('POST', `/api/v1/stores/${storeId}/pricing/runs`, { cookie });
    const [placedB] = await Promise.all([complete(b), waitForJob(p, cookie, `/api/v1/stores/${storeId}/pricing/runs/${encodeURIComponent(run.body.jobId)}`)]);
    expect(placedB.order.total).toBe(b.shown);
    const newPrice = await priceNow();
    expect(newPrice).not.toBe(2500);

    // A completes after the change: it pays the total it was shown, at the old unit price.
    const placedA = await complete(a);
    expect(placedA.order.total).toBe(a.shown);
    expect(placedA.order.lines[0]?.unitPrice).toBe(2500);
    // C's payment arrives after the change: the order keeps its total.
    const paidC = await orders.confirmPayment(placedC.order.id, { provider: 'manual', reference: 'pay-c', amount: c.shown });
    expect(paidC.applied).toBe(true);
    expect(paidC.order.total).toBe(c.shown);

    // A direct catalogue price change racing a completion (D): D still pays what it was shown.
    const d = await open(1);
    const [placedD] = await Promise.all([complete(d), updateVariantPrice(t, { variantId, price: newPrice + 200, expectedPrice: newPrice })]);
    expect(placedD.order.total).toBe(d.shown);

    // A NEW checkout sees the new price.
    const e = await open(1);
    expect(e.shown).toBe((await orders.quote(e.cartId, settings)).totals.total);
    const placedE = await complete(e);
    expect(placedE.order.lines[0]?.unitPrice).toBe(newPrice + 200);

    // A tampered snapshot is ignored: live prices apply, and the expected total no longer matches (409).
    const f = await open(1);
    const [payload = '', mac = ''] = f.token.split('.');
    const forged = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { l: [string, number, number][] };
    forged.l[0]![2] = 1;
    const forgedToken = `${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${mac}`;
    await expect(
      orders.place({
        cartId: f.cartId,
        email: 'ada@example.com',
        customerId: null,
        customerName: null,
        address,
        locale: 'en',
        settings,
        expectedTotal: 1,
        quoteToken: forgedToken,
      }),
    ).rejects.toMatchObject({ code: 'conflict' });
    // A snapshot of a cart that changed since (another quantity) is not used either.
    await new CartService(t).setQuantity(f.cartId, variantId, 2);
    await updateVariantPrice(t, { variantId, price: newPrice + 400, expectedPrice: newPrice + 200 });
    const placedF = await orders.place({
      cartId: f.cartId,
      email: 'ada@example.com',
      customerId: null,
      customerName: null,
      address,
      locale: 'en',
      settings,
      quoteToken: f.token,
    });
    expect(placedF.order.lines[0]?.unitPrice).toBe(newPrice + 400);
  });

  it('stops and alerts (pauses with a reason, mails the owner) when its data looks broken', async () => {
    // An admin who reads the console in Chinese gets the same alert in Chinese, reasons included.
    const admin = await signup(p);
    await p.db.control.updateTable('users').set({ locale: 'zh-CN' }).where('id', '=', admin.user.id).execute();
    await p.db.control.insertInto('memberships').values({ store_id: storeId, user_id: admin.user.id, role: 'admin', created_at: new Date() }).execute();
    const product = await createProduct(p, cookie, storeId, { variants: [{ sku: 'BROKEN-1', price: 1000, inventoryQuantity: 10 }] });
    const variantId = product.variants[0].id as string;
    const s = await p.request('POST', `/api/v1/stores/${storeId}/pricing/settings`, {
      cookie,
      body: { productId: product.id, floor: 800, ceiling: 1200, pricePoints: [800, 1000, 1200] },
    });
    const first = await p.request('POST', `/api/v1/stores/${storeId}/pricing/runs`, { cookie });
    await waitForJob(p, cookie, `/api/v1/stores/${storeId}/pricing/runs/${encodeURIComponent(first.body.jobId)}`);
    // Corrupt the learned counts (as a bad import or a bug would): negative sales.
    const t = p.db.tenant(schema);
    const row = await t.selectFrom('pricing_policy_state').select('state').where('variant_id', '=', variantId).executeTakeFirstOrThrow();
    const state = row.state as { sales: number[] };
    await t
      .updateTable('pricing_policy_state')
      .set({ state: JSON.stringify({ ...state, sales: state.sales.map(() => -3) }) })
      .where('variant_id', '=', variantId)
      .execute();
    const before = (await p.request('GET', `/api/v1/stores/${storeId}/pricing/changes?productId=${product.id}`, { cookie })).body.data.length;
    const run = await p.request('POST', `/api/v1/stores/${storeId}/pricing/runs`, { cookie });
    const job = await waitForJob(p, cookie, `/api/v1/stores/${storeId}/pricing/runs/${encodeURIComponent(run.body.jobId)}`);
    expect(job.result.paused).toEqual([s.body.id]);
    const settings = (await p.request('GET', `/api/v1/stores/${storeId}/pricing/settings/${s.body.id}`, { cookie })).body;
    expect(settings.paused).toBe(true);
    expect(settings.pausedReason).toMatch(/non-negative integers/);
    expect((await p.request('GET', `/api/v1/stores/${storeId}/pricing/changes?productId=${product.id}`, { cookie })).body.data.length).toBe(before);
    const mails = await p.db.control
      .selectFrom('mail_outbox')
      .select(['kind', 'to_address', 'subject', 'text_body', 'html_body'])
      .where('store_id', '=', storeId)
      .where('kind', '=', 'pricing-paused')
      .execute();
    expect(mails).toHaveLength(2);
    const mail = mails.filter((m) => m.to_address !== admin.email.toLowerCase());
    const zh = mails.find((m) => m.to_address === admin.email.toLowerCase());
    // Issue 17: the one layout with a text part, the store named; the only id is the store's in the console link.
    expect(mail[0]?.html_body).toContain('<!doctype html><html lang="en">');
    expect(mail[0]?.text_body).toContain('Dynamic pricing stopped changing the price of');
    expect(mail[0]?.text_body).toContain('Some sales or offer counts are not whole numbers of zero or more.');
    const link = `${CONSOLE}/stores/${storeId}/pricing`;
    for (const m of mails) {
      expect(m.text_body).toContain(link);
      expect(m.html_body).toContain(`href="${link}"`);
      expect(`${m.text_body}${m.html_body}`.replaceAll(link, '')).not.toContain(storeId);
    }
    // The Chinese mail: the check that failed in Chinese, not the English message of the check.
    expect(zh?.html_body).toContain('<html lang="zh-CN">');
    expect(zh?.text_body).toContain('部分销售或报价次数不是非负整数。');
    expect(zh?.text_body).not.toMatch(/non-negative|integers|Data check failed/);
    // Paused settings are skipped by later runs until the merchant resumes them.
    const again = await p.request('POST', `/api/v1/stores/${storeId}/pricing/runs`, { cookie });
    const job2 = await waitForJob(p, cookie, `/api/v1/stores/${storeId}/pricing/runs/${encodeURIComponent(again.body.jobId)}`);
    expect(job2.result.skipped.some((x: { variantId: string }) => x.variantId === variantId)).toBe(true);
  });

  it('refuses alert webhook URLs that are not https or point at non-public addresses (default egress policy)', async () => {
    const put = (url: string) => p.request('PUT', `/api/v1/stores/${storeId}/inventory-planning/webhook`, { cookie, body: { url } });
    const http = await put('http://hooks.example.com/x');
    expect(http.status).toBe(400);
    expect(http.body.error.code).toBe('validation_failed');
    for (const url of [
      'https://127.0.0.1/x',
      'https://[::1]/x',
      'https://10.0.0.1/x',
      'https://169.254.169.254/latest',
      'https://100.64.0.1/',
      'https://[fd00::1]/',
      'https://localhost/x',
    ]) {
      const res = await put(url);
      expect(res.status, url).toBe(422);
      expect(res.body.error.code, url).toBe('url_not_allowed');
      expect(res.text).not.toMatch(/stack|at .*\.ts:/);
    }
    expect((await p.request('GET', `/api/v1/stores/${storeId}/inventory-planning/webhook`, { cookie })).body.webhook).toBeNull();
  });

  it('refuses the development egress switches in production (env validation)', async () => {
    const { controlPlaneEnvSchema, EnvError, loadEnv, workerEnvSchema } = await import('@storeloom/env');
    for (const schema of [controlPlaneEnvSchema, workerEnvSchema]) {
      expect(() => loadEnv(schema, { NODE_ENV: 'production', ALERT_WEBHOOK_ALLOW_PRIVATE: 'true' })).toThrow(EnvError);
      expect(() => loadEnv(schema, { NODE_ENV: 'production', ALERT_WEBHOOK_ALLOW_HTTP: '1' })).toThrow(/ALERT_WEBHOOK_ALLOW_HTTP/);
      const dev = loadEnv(schema, { NODE_ENV: 'test', ALERT_WEBHOOK_ALLOW_PRIVATE: 'true' });
      expect(dev.ALERT_WEBHOOK_ALLOW_PRIVATE).toBe(true);
      expect(dev.ALERT_WEBHOOK_ALLOW_HTTP).toBe(false);
      expect(loadEnv(schema, {}).ALERT_WEBHOOK_ALLOW_PRIVATE).toBe(false);
    }
  });

  it('lets staff read but not change pricing', async () => {
    const { roleCan, Permission } = await import('@storeloom/auth');
    expect(roleCan('staff', Permission.ReadPlanning)).toBe(true);
    expect(roleCan('staff', Permission.ManagePlanning)).toBe(false);
    expect(roleCan('admin', Permission.ManagePlanning)).toBe(true);
    expect(roleCan('owner', Permission.ManagePlanning)).toBe(true);
    const outsider = await signup(p);
    expect((await p.request('GET', `/api/v1/stores/${storeId}/pricing/settings`, { cookie: outsider.cookie })).status).toBe(404);
  });
});

describe('inventory planning and low-stock alerts (Postgres queues)', () => {
  let p: TestPlatform;

  let cookie: string;
  let storeId: string;
  let schema: string;
  let server: Server;
  let hookUrl: string;
  const received: { body: string; signature: string | undefined; status: number }[] = [];

  beforeAll(async () => {
    // The receiver runs on this machine: allow http and loopback explicitly (the default refuses both).
    p = await startTestPlatform({ queueBackend: 'postgres', config: { webhookEgress: LOCAL_EGRESS } });
    await startWorkers(p.queues, {
      db: p.db,
      logger: createLogger({ level: 'silent' }),
      concurrency: 2,
      retentionDays: 30,
      provisioningStaleSeconds: 60,
      alertWebhookBackoffMs: 100,
      webhookEgress: LOCAL_EGRESS,
      consoleUrl: CONSOLE,
    });
    const owner = await signup(p);
    cookie = owner.cookie;
    storeId = (await createStore(p, cookie)).id;
    schema = await schemaOf(p.db, storeId);
    // Fails the first delivery of each event, accepts the retry.
    const seen = new Set<string>();
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        const id = (JSON.parse(body) as { id: string }).id;
        const status = seen.has(id) ? 200 : 500;
        seen.add(id);
        received.push({ body, signature: req.headers[SIGNATURE_HEADER] as string | undefined, status });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/storeloom`;
  });
  afterAll(async () => {
    await p?.close();
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
  });

  it('forecasts, suggests purchase orders by supplier, and alerts once per crossing with a signed, retried webhook', async () => {
    const product = await createProduct(p, cookie, storeId, { title: 'Espresso beans', variants: [{ sku: 'BEANS-1', price: 1800, inventoryQuantity: 12 }] });
    const variantId = product.variants[0].id as string;
    const calm = await createProduct(p, cookie, storeId, { title: 'Spare filter', variants: [{ sku: 'FILTER-1', price: 500, inventoryQuantity: 500 }] });
    await seedSales(p.db, schema, variantId, 90, (i) => 6 + (i % 4), 1800);
    await seedSales(p.db, schema, calm.variants[0].id, 90, (i) => (i % 7 === 0 ? 1 : 0), 500);

    const supplier = await p.request('POST', `/api/v1/stores/${storeId}/inventory-planning/suppliers`, {
      cookie,
      body: { name: 'Roastery Ltd', email: 'orders@roastery.example', leadTimeDays: 5 },
    });
    expect(supplier.status).toBe(201);
    const policy = await p.request('PUT', `/api/v1/stores/${storeId}/inventory-planning/policies/${variantId}`, {
      cookie,
      body: { supplierId: supplier.body.id, serviceLevel: 0.95 },
    });
    expect(policy.status).toBe(200);
    expect(policy.body).toMatchObject({ effectiveLeadTimeDays: 5, supplierId: supplier.body.id, custom: true });

    const badHook = await p.request('PUT', `/api/v1/stores/${storeId}/inventory-planning/webhook`, { cookie, body: { url: 'ftp://example.com/x' } });
    expect(badHook.status).toBe(400);
    const hook = await p.request('PUT', `/api/v1/stores/${storeId}/inventory-planning/webhook`, { cookie, body: { url: hookUrl } });
    expect(hook.status).toBe(200);
    const secret = hook.body.webhook.secret as string;
    expect(secret).toMatch(/^whsec_/);

    const forecast = await p.request('GET', `/api/v1/stores/${storeId}/inventory-planning/variants/${variantId}/forecast`, { cookie });
    expect(forecast.status).toBe(200);
    expect(forecast.body.protectionDays).toBe(6);
    for (const d of forecast.body.days) expect(d.lower).toBeLessThanOrEqual(d.upper);
    expect(forecast.body.protectionDemand.mean).toBeGreaterThan(6 * 6);
    expect(forecast.body.protectionDemand.upper).toBeGreaterThan(forecast.body.protectionDemand.lower);
    expect(forecast.body.reorderPoint).toBeGreaterThan(12);

    const run = await p.request('POST', `/api/v1/stores/${storeId}/inventory-planning/runs`, { cookie });
    expect(run.status).toBe(202);
    const job = await waitForJob(p, cookie, `/api/v1/stores/${storeId}/inventory-planning/runs/${encodeURIComponent(run.body.jobId)}`);
    expect(job.state).toBe('completed');
    expect(job.progress).toBe(100);
    expect(job.result).toMatchObject({ variants: 2, alerts: 1 });

    const orders = (await p.request('GET', `/api/v1/stores/${storeId}/inventory-planning/purchase-orders`, { cookie })).body.data;
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({ supplierName: 'Roastery Ltd', supplierEmail: 'orders@roastery.example' });
    expect(orders[0].lines.map((l: { variantId: string }) => l.variantId)).toEqual([variantId]);
    expect(orders[0].lines[0].quantity).toBeGreaterThan(0);

    // The policies list carries each variant's latest plan for the console (null before a run covered it).
    const planned = (await p.request('GET', `/api/v1/stores/${storeId}/inventory-planning/policies`, { cookie })).body.data;
    const mine = planned.find((x: { variantId: string }) => x.variantId === variantId);
    expect(mine.plan).toMatchObject({ onHand: 12, suggestedQuantity: orders[0].lines[0].quantity, leadTimeDays: 5, low: true });
    expect(mine.plan.reorderPoint).toBeCloseTo(orders[0].lines[0].reorderPoint, 5);
    expect(mine.plan.forecast.length).toBeGreaterThan(0);
    for (const d of mine.plan.forecast) expect(d.lower).toBeLessThanOrEqual(d.upper);
    expect(typeof mine.plan.computedAt).toBe('string');

    // The webhook: first attempt refused with 500, the BullMQ retry delivered, both signed.
    const alerts = await until('webhook delivered', async () => {
      const a = (await p.request('GET', `/api/v1/stores/${storeId}/inventory-planning/alerts`, { cookie })).body.data;
      return a.length === 1 && a[0].webhookStatus === 'delivered' ? a : null;
    });
    expect(alerts[0]).toMatchObject({ variantId, onHand: 12, webhookAttempts: 2, webhookLastError: null });
    expect(received.map((r) => r.status)).toEqual([500, 200]);
    for (const r of received) {
      expect(verifySignature(secret, r.body, r.signature)).toBe(true);
      expect(verifySignature(secret, `${r.body} `, r.signature)).toBe(false);
      expect(verifySignature('whsec_wrong', r.body, r.signature)).toBe(false);
    }
    const payload = JSON.parse(received[1]?.body ?? '{}');
    expect(payload).toMatchObject({ type: 'inventory.low_stock', storeId, data: { variantId, sku: 'BEANS-1', onHand: 12, supplierId: supplier.body.id } });

    const mails = await p.db.control
      .selectFrom('mail_outbox')
      .select(['kind', 'to_address', 'text_body', 'html_body'])
      .where('store_id', '=', storeId)
      .where('kind', '=', 'low-stock')
      .execute();
    expect(mails).toHaveLength(1);
    // Issue 17: the one layout (HTML) with a plain-text part; SKU and counts, no internal ids.
    expect(mails[0]?.html_body).toContain('<!doctype html><html lang="en">');
    expect(mails[0]?.html_body).toContain('BEANS-1');
    expect(mails[0]?.text_body).toMatch(/SKU\s+BEANS-1/);
    expect(mails[0]?.text_body).toContain('is down to 12 units');
    expect(`${mails[0]?.text_body}${mails[0]?.html_body}`).not.toContain(variantId);
    // The button opens the store's reorder page in the console (HTML and text part).
    expect(mails[0]?.text_body).toContain(`${CONSOLE}/stores/${storeId}/planning`);
    expect(mails[0]?.html_body).toContain(`href="${CONSOLE}/stores/${storeId}/planning"`);

    // The same crossing never alerts twice: run again, and sell one more unit.
    const again = await p.request('POST', `/api/v1/stores/${storeId}/inventory-planning/runs`, { cookie });
    expect((await waitForJob(p, cookie, `/api/v1/stores/${storeId}/inventory-planning/runs/${encodeURIComponent(again.body.jobId)}`)).result.alerts).toBe(0);
    await p.request('POST', `/api/v1/stores/${storeId}/variants/${variantId}/inventory-adjustments`, { cookie, body: { delta: -1, reason: 'sold' } });
    const sale = await recordPaidOrderLine(
      { db: p.db },
      { id: storeId, schemaName: schema },
      { orderLineId: newId(), variantId, units: 1, unitPrice: 1800, at: new Date() },
    );
    expect(sale).toEqual({ recorded: true, alerted: false });
    expect((await p.request('GET', `/api/v1/stores/${storeId}/inventory-planning/alerts`, { cookie })).body.data).toHaveLength(1);

    // Restocked above the reorder point re-arms it; falling back below is a new crossing.
    await p.request('POST', `/api/v1/stores/${storeId}/variants/${variantId}/inventory-adjustments`, { cookie, body: { delta: 1000, reason: 'received' } });
    const restocked = await p.request('POST', `/api/v1/stores/${storeId}/inventory-planning/runs`, { cookie });
    await waitForJob(p, cookie, `/api/v1/stores/${storeId}/inventory-planning/runs/${encodeURIComponent(restocked.body.jobId)}`);
    await p.request('POST', `/api/v1/stores/${storeId}/variants/${variantId}/inventory-adjustments`, { cookie, body: { delta: -1005, reason: 'correction' } });
    const crossing = await recordPaidOrderLine(
      { db: p.db },
      { id: storeId, schemaName: schema },
      { orderLineId: newId(), variantId, units: 1, unitPrice: 1800, at: new Date() },
    );
    expect(crossing).toEqual({ recorded: true, alerted: true });
    expect((await p.request('GET', `/api/v1/stores/${storeId}/inventory-planning/alerts`, { cookie })).body.data).toHaveLength(2);
  });

  it('sends a signed test event on demand', async () => {
    const before = received.length;
    const res = await p.request('POST', `/api/v1/stores/${storeId}/inventory-planning/webhook/test`, { cookie });
    expect(res.status).toBe(200);
    // The test server refuses the first delivery of any event id.
    expect(res.body).toMatchObject({ ok: false, status: 500 });
    expect(received.length).toBe(before + 1);
  });

  it('records each order line once, even when the call is repeated concurrently', async () => {
    const product = await createProduct(p, cookie, storeId, { variants: [{ sku: 'ONCE-1', price: 900, inventoryQuantity: 5 }] });
    const variantId = product.variants[0].id as string;
    const t = p.db.tenant(schema);
    const at = new Date();
    const line = { orderLineId: 'order-1001/line-1', variantId, units: 2, unitPrice: 900, at };
    const results = await Promise.all([recordSale(t, line), recordSale(t, line), recordSale(t, line)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    await recordSale(t, { ...line, orderLineId: 'order-1001/line-2', units: 1, unitPrice: 600 });
    const row = await t.selectFrom('variant_sales_daily').selectAll().where('variant_id', '=', variantId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ units: 3, revenue: 2 * 900 + 600, avg_price_shown: 800 });
    expect(String(row.day).length).toBeGreaterThan(0);
    expect(utcDay(at)).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });
});
