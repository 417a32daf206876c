/**
 * Recommendations through the real stack: events and purchases into a store's
 * schema, the training job, and the storefront JSON API reading the result.
 */
import { randomBytes } from 'node:crypto';
import { createLogger } from '@storeloom/log';
import { trainRecommendationsJob } from '@storeloom/jobs';
import { clearActiveVersionCache, createRecommendationSource, RecoEventService, TrainingAborted, trainStore } from '@storeloom/reco/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorefrontApp } from '../../storefront/src/app.ts';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { runTraining } from '../src/reco.ts';

const logger = createLogger({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Enqueues a training and polls the job until it has finished. */
async function trainViaWorker(p: TestPlatform, storeId: string, timeoutMs = 90_000) {
  const handle = await p.queues.enqueue(trainRecommendationsJob, { storeId, trigger: 'manual', runKey: randomBytes(4).toString('hex') });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await p.queues.getJob('reco', handle.id as string);
    const state = await job?.getState();
    if (job && (state === 'completed' || state === 'failed')) return { job, state };
    if (Date.now() > deadline) throw new Error(`training job still ${state} after ${timeoutMs} ms`);
    await sleep(100);
  }
}
const at = (day: number) => new Date(Date.UTC(2026, 0, 1 + day));

interface Shop {
  id: string;
  slug: string;
  schema: string;
  products: string[];
}

async function makeShop(p: TestPlatform, cookie: string, titles: string[]): Promise<Shop> {
  const store = await createStore(p, cookie);
  const row = await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', store.id).executeTakeFirstOrThrow();
  const products: string[] = [];
  for (const title of titles) products.push((await createProduct(p, cookie, store.id, { title })).id as string);
  return { id: store.id, slug: store.slug, schema: row.schema_name, products };
}

describe('recommendations (Redis queues)', () => {
  let p: TestPlatform;
  let cookie: string;
  let a: Shop;
  let b: Shop;
  let storefront: ReturnType<typeof createStorefrontApp>;
  let worker: Promise<unknown> | undefined;
  /** One worker for the tests that need it (whichever runs first starts it). */
  const ensureWorker = () => {
    worker ??= p.startWorker();
    return worker;
  };
  const get = async (shop: Shop, query: string, headers: Record<string, string> = {}) => {
    const res = await storefront.request(`http://${shop.slug}.localhost/api/storefront/v1/recommendations?${query}`, {
      headers: { host: `${shop.slug}.localhost`, ...headers },
    });
    return { status: res.status, body: (await res.json()) as { modelVersion: number | null; items: { productId: string; source: string }[] } };
  };
  const post = (shop: Shop, body: unknown, headers: Record<string, string> = {}) =>
    storefront.request(`http://${shop.slug}.localhost/api/storefront/v1/events`, {
      method: 'POST',
      headers: { host: `${shop.slug}.localhost`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    p = await startTestPlatform({ queueBackend: 'redis' });
    cookie = (await signup(p)).cookie;
    a = await makeShop(p, cookie, ['Espresso beans dark roast', 'Milk frother', 'Ceramic espresso cup', 'Garden hose', 'Hose nozzle', 'Decaf espresso beans']);
    b = await makeShop(p, cookie, ['Wool socks', 'Wool hat', 'Scarf']);
    storefront = createStorefrontApp(p.db, logger, { rootDomain: 'localhost' });
    const [beans, frother, cup, hose, nozzle] = a.products as [string, string, string, string, string];
    const ev = new RecoEventService(p.db.tenant(a.schema));
    // Beans sell with the frother (3 orders) more than with the cup (1); the hose sells with its nozzle.
    const orders = [
      [beans, frother],
      [beans, frother],
      [beans, frother],
      [beans, cup],
      [hose, nozzle],
      [hose, nozzle],
    ];
    await ev.recordPurchases(
      orders.map((lines, k) => ({ orderId: `a-${k}`, customerId: `cust-${k % 3}`, at: at(k), lines: lines.map((productId) => ({ productId, quantity: 1 })) })),
    );
    // Store B's shoppers buy B's products; none of it may reach A's model.
    await new RecoEventService(p.db.tenant(b.schema)).recordPurchases(
      [0, 1, 2].map((k) => ({ orderId: `b-${k}`, customerId: 'cust-0', at: at(k), lines: b.products.map((productId) => ({ productId, quantity: 1 })) })),
    );
  }, 120_000);
  afterAll(async () => {
    await p?.close();
  });

  it('records a purchase once per order id', async () => {
    const ev = new RecoEventService(p.db.tenant(a.schema));
    const order = { orderId: 'dup-1', sessionId: 'sess-dup-000', at: at(1), lines: [{ productId: a.products[5] as string, quantity: 2 }] };
    expect(await ev.recordPurchase(order)).toBe(true);
    expect(await ev.recordPurchase(order)).toBe(false);
    const rows = await p.db.tenant(a.schema).selectFrom('reco_events').select('id').where('order_id', '=', 'dup-1').execute();
    expect(rows).toHaveLength(1);
  });

  it('serves a new store sensibly before any training (same collection, then newest)', async () => {
    const r = await get(b, `slot=product&productId=${b.products[0]}&limit=5`);
    expect(r.status).toBe(200);
    expect(r.body.modelVersion).toBeNull();
    expect(r.body.items.map((i) => i.productId).sort()).toEqual([b.products[1], b.products[2]].sort());
  });

  it('trains through the worker on Redis and serves also-bought from the store’s own orders', async () => {
    await ensureWorker();
    const { job, state } = await trainViaWorker(p, a.id);
    expect(state).toBe('completed');
    const run = await p.db.tenant(a.schema).selectFrom('reco_models').selectAll().orderBy('version', 'desc').executeTakeFirstOrThrow();
    expect(run.status).toBe('succeeded');
    expect(run.job_id).toBe(job.id);
    // Only store A's data: 6 orders (+ the duplicate-test order), A's products only.
    expect(run.stats.orders).toBe(7);
    const lists = await p.db.tenant(a.schema).selectFrom('reco_item_recs').select(['product_id', 'items']).execute();
    const own = new Set(a.products);
    for (const l of lists) {
      expect(own.has(l.product_id)).toBe(true);
      for (const e of l.items) expect(own.has(e.p)).toBe(true);
    }
    clearActiveVersionCache();
    const r = await get(a, `slot=product&productId=${a.products[0]}&limit=3`);
    expect(r.body.modelVersion).toBe(run.version);
    expect(r.body.items[0]?.productId).toBe(a.products[1]);
    expect(r.body.items.map((i) => i.productId)).not.toContain(a.products[0]);
  });

  it('merchant API: product and customer previews, training runs, trigger', async () => {
    const prev = await p.request('GET', `/api/v1/stores/${a.id}/recommendations/products/${a.products[0]}?limit=3`, { cookie });
    expect(prev.status).toBe(200);
    expect(prev.body.items[0]).toMatchObject({ productId: a.products[1], title: 'Milk frother', status: 'active', image: null, source: 'cf' });
    expect(prev.body.items[0].score).toBeGreaterThan(0);
    const cust = await p.request('GET', `/api/v1/stores/${a.id}/recommendations/customers?customerId=cust-0`, { cookie });
    expect(cust.status).toBe(200);
    expect(cust.body.forYou.length).toBeGreaterThan(0);
    expect(cust.body.forYou[0].source).toBe('history');
    const bought = new Set([a.products[0], a.products[1], a.products[2]]); // cust-0: orders 0 and 3
    for (const e of cust.body.discover) expect(bought.has(e.productId)).toBe(false);
    const dir = await p.request('GET', `/api/v1/stores/${a.id}/recommendations/customers`, { cookie });
    expect(dir.body.customers).toEqual(['cust-0', 'cust-1', 'cust-2']);
    const runs = await p.request('GET', `/api/v1/stores/${a.id}/recommendations/training-runs`, { cookie });
    expect(runs.status).toBe(200);
    expect(runs.body.data[0]).toMatchObject({ status: 'succeeded', trigger: 'manual', active: true, progress: null });
    expect(runs.body.data[0].stats.orders).toBe(7);
    const missing = await p.request('GET', `/api/v1/stores/${a.id}/recommendations/products/00000000-0000-4000-8000-000000000000`, { cookie });
    expect(missing.status).toBe(404);
    const queued = await p.request('POST', `/api/v1/stores/${a.id}/recommendations/training-runs`, { cookie });
    expect(queued.status).toBe(202);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const r = await p.request('GET', `/api/v1/stores/${a.id}/recommendations/training-runs`, { cookie });
      if (r.body.data.length === 2 && r.body.data[0].status !== 'running') {
        expect(r.body.data[0]).toMatchObject({ status: 'succeeded', active: true });
        break;
      }
      if (Date.now() > deadline) throw new Error('triggered training did not finish');
      await sleep(100);
    }
  });

  it('falls back for a product trained after the model: its collection first', async () => {
    const [beans] = a.products as [string];
    const coll = await p.request('POST', `/api/v1/stores/${a.id}/collections`, { cookie, body: { title: 'Coffee', productIds: [beans] } });
    expect(coll.status).toBe(201);
    const fresh = (await createProduct(p, cookie, a.id, { title: 'Pour-over kettle' })).id as string;
    await p.request('POST', `/api/v1/stores/${a.id}/collections/${coll.body.id}/products`, { cookie, body: { productIds: [fresh] } });
    const r = await get(a, `slot=product&productId=${fresh}&limit=4`);
    expect(r.status).toBe(200);
    expect(r.body.items.length).toBe(4);
    expect(r.body.items.map((i) => i.productId)).not.toContain(fresh);
    expect(r.body.items.every((i) => i.source === 'popular')).toBe(true);
  });

  it('a failed training keeps serving the previous model', async () => {
    const db = p.db.tenant(a.schema);
    const before = await db.selectFrom('reco_active_model').select('version').executeTakeFirstOrThrow();
    await expect(trainStore(db, { trigger: 'manual', budget: { maxSeconds: 0 } })).rejects.toBeInstanceOf(TrainingAborted);
    const failed = await db.selectFrom('reco_models').selectAll().orderBy('version', 'desc').executeTakeFirstOrThrow();
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/time budget exceeded/);
    expect(await db.selectFrom('reco_item_recs').select('product_id').where('version', '=', failed.version).execute()).toHaveLength(0);
    expect((await db.selectFrom('reco_active_model').select('version').executeTakeFirstOrThrow()).version).toBe(before.version);
    clearActiveVersionCache();
    const r = await get(a, `slot=product&productId=${a.products[0]}&limit=3`);
    expect(r.body.modelVersion).toBe(before.version);
    expect(r.body.items[0]?.productId).toBe(a.products[1]);
  });

  it('a memory budget overrun fails cleanly through the job', async () => {
    const db = p.db.tenant(a.schema);
    await expect(runTraining({ db: p.db, logger, budget: { maxMemoryMiB: 1 } }, a.id, 'manual')).rejects.toThrow(/memory budget exceeded/);
    expect((await db.selectFrom('reco_models').select('status').orderBy('version', 'desc').executeTakeFirstOrThrow()).status).toBe('failed');
  });

  it('stores nothing for Do-Not-Track or Global Privacy Control requests', async () => {
    const db = p.db.tenant(a.schema);
    const count = async () => (await db.selectFrom('reco_events').select('id').where('session_id', '=', 'sess-dnt-0001').execute()).length;
    const batch = { sessionId: 'sess-dnt-0001', events: [{ type: 'view', productId: a.products[0] }] };
    expect((await post(a, batch, { dnt: '1' })).status).toBe(204);
    expect((await post(a, batch, { 'sec-gpc': '1' })).status).toBe(204);
    expect(await count()).toBe(0);
    expect((await post(a, batch)).status).toBe(204);
    expect(await count()).toBe(1);
  });

  it('validates event batches', async () => {
    const bad = async (body: unknown, headers: Record<string, string> = {}) => {
      const res = await post(a, body, headers);
      return { status: res.status, body: (await res.json()) as { error: { code: string } } };
    };
    expect((await bad({ sessionId: 'sess-val-0001', events: [{ type: 'purchase', productId: a.products[0] }] })).body.error.code).toBe('validation_failed');
    expect((await bad({ sessionId: 'sess-val-0001', events: [{ type: 'view', productId: 'nope' }] })).status).toBe(400);
    expect((await bad({ events: [{ type: 'view', productId: a.products[0] }] })).body.error.code).toBe('validation_failed');
    expect((await bad({ sessionId: 'sess-val-0001', events: [] })).status).toBe(400);
    expect((await bad({ sessionId: 'sess-val-0001', events: [{ type: 'view', productId: a.products[0] }] }, { origin: 'https://evil.example' })).status).toBe(
      403,
    );
    const res = await storefront.request(`http://${a.slug}.localhost/api/storefront/v1/events`, {
      method: 'POST',
      headers: { host: `${a.slug}.localhost`, 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_json');
  });

  it('blends session views into the home slot and hides what is in the cart', async () => {
    const [beans, frother, , hose, nozzle] = a.products as [string, string, string, string, string];
    const sessionId = 'sess-home-0001';
    expect(
      (
        await post(a, {
          sessionId,
          events: [
            { type: 'view', productId: hose },
            { type: 'add_to_cart', productId: nozzle },
          ],
        })
      ).status,
    ).toBe(204);
    const r = await get(a, `slot=home&sessionId=${sessionId}&limit=3`);
    const ids = r.body.items.map((i) => i.productId);
    expect(ids).not.toContain(nozzle);
    const anon = await get(a, 'slot=home&limit=10');
    expect(anon.body.items.length).toBeGreaterThan(0);
    const cart = await get(a, `slot=cart&productIds=${beans}&limit=2`);
    expect(cart.body.items[0]?.productId).toBe(frother);
    // The storefront pages' seam answers the same way.
    const source = createRecommendationSource(p.db.tenant(a.schema), a.schema);
    expect((await source.forCart([beans], 2))[0]).toBe(frother);
    expect((await source.alsoBought(beans, 1))[0]).toBe(frother);
    expect(await source.forHome({ sessionId }, 3)).not.toContain(nozzle);
  });

  it('orders recorded as purchases change the also-bought slot after training', async () => {
    const [beans, frother, , , , decaf] = a.products as [string, string, string, string, string, string];
    const ev = new RecoEventService(p.db.tenant(a.schema));
    const before = await get(a, `slot=product&productId=${beans}&limit=1`);
    expect(before.body.items[0]?.productId).toBe(frother);
    await ev.recordPurchases(
      [0, 1, 2, 3, 4].map((k) => ({
        orderId: `decaf-${k}`,
        customerId: `cust-d${k}`,
        at: at(10 + k),
        lines: [beans, decaf].map((productId) => ({ productId, quantity: 1 })),
      })),
    );
    const { state } = await trainViaWorker(p, a.id);
    expect(state).toBe('completed');
    clearActiveVersionCache();
    const after = await get(a, `slot=product&productId=${beans}&limit=1`);
    expect(after.body.items[0]?.productId).toBe(decaf);
  });

  it('orders placed and paid on the storefront change the also-bought slot after training', async () => {
    // A shop of its own, bought through the real path: cart → checkout → manual payment → commerce.order-paid job
    // (worker) → recordPurchase → training job (worker) → product page and recommendations API.
    await ensureWorker();
    const store = await createStore(p, cookie);
    const schema = (await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', store.id).executeTakeFirstOrThrow()).schema_name;
    const make = async (title: string) => (await createProduct(p, cookie, store.id, { title })) as { id: string; variants: { id: string }[] };
    const pot = await make('Tea pot');
    const cups = await make('Tea cups');
    const kettle = await make('Copper kettle');
    const shop = createStorefrontApp(p.db, logger, {
      rootDomain: 'localhost',
      queues: p.queues,
      secret: 'reco-test-secret-0123456789abcdef0123',
      pageCacheTtlMs: 0,
    });
    const host = `${store.slug}.localhost`;
    const form = async (path: string, fields: Record<string, string>, cartCookie?: string) =>
      shop.request(`http://${host}${path}`, {
        method: 'POST',
        headers: { host, origin: `http://${host}`, 'content-type': 'application/x-www-form-urlencoded', ...(cartCookie ? { cookie: cartCookie } : {}) },
        body: new URLSearchParams(fields).toString(),
      });
    /** One guest order of these variants, placed and paid on the storefront; returns the order id. */
    const buy = async (email: string, variantIds: string[]) => {
      let cart: string | undefined;
      for (const variantId of variantIds) {
        const res = await form('/cart/add', { variantId, quantity: '1' }, cart);
        expect(res.status).toBe(303);
        cart ??= res.headers.get('set-cookie')?.split(';')[0];
      }
      const placed = await form('/checkout', { email, name: 'Tea Drinker', line1: '1 Leaf Lane', city: 'Leeds', postalCode: 'LS1 1AA', country: 'GB' }, cart);
      expect(placed.status).toBe(303);
      const pay = placed.headers.get('location') ?? '';
      expect(pay).toMatch(/\/checkout\/pay\/[0-9a-f-]{36}\?sig=/);
      const payUrl = new URL(pay, `http://${host}`);
      const paid = await form(`${payUrl.pathname}${payUrl.search}`, { outcome: 'pay' }, cart);
      expect(paid.status).toBe(303);
      expect(paid.headers.get('location')).toContain('placed=1');
      return /\/checkout\/pay\/([0-9a-f-]{36})/.exec(pay)?.[1] as string;
    };
    const purchasesRecorded = async (orderIds: string[]) => {
      for (let i = 0; i < 600; i++) {
        const rows = await p.db
          .tenant(schema)
          .selectFrom('reco_events')
          .select('order_id')
          .where('kind', '=', 'purchase')
          .where('order_id', 'in', orderIds)
          .execute();
        if (new Set(rows.map((r) => r.order_id)).size === orderIds.length) return;
        await sleep(100);
      }
      const jobs = await Promise.all(orderIds.map((id) => p.queues.getJob('maintenance', `order-paid:${store.id}:${id}`)));
      const states = await Promise.all(jobs.map(async (j) => `${j ? await j.getState() : 'missing'} ${j?.failedReason ?? ''}`));
      throw new Error(`the order-paid jobs did not record the purchases: ${states.join('; ')}`);
    };
    const alsoBoughtOfPot = async () => (await get({ ...store, schema, products: [] }, `slot=product&productId=${pot.id}&limit=2`)).body;
    /** Which of the two products the product page's also-bought slot shows, in page order. */
    const slotOnPage = async () => {
      const html = await (await shop.request(`http://${host}/products/tea-pot`, { headers: { host } })).text();
      const slot = html.slice(html.indexOf('data-reco-slot="product"'));
      const found = [
        { name: 'kettle', at: slot.indexOf('Copper kettle') },
        { name: 'cups', at: slot.indexOf('Tea cups') },
      ].filter((x) => x.at >= 0);
      return found.sort((x, y) => x.at - y.at).map((x) => x.name);
    };

    // First the pot sells with cups (2 orders) → trained model: cups first.
    const first = [
      await buy('a@example.com', [pot.variants[0]!.id, cups.variants[0]!.id]),
      await buy('b@example.com', [pot.variants[0]!.id, cups.variants[0]!.id]),
    ];
    await purchasesRecorded(first);
    expect((await trainViaWorker(p, store.id)).state).toBe('completed');
    clearActiveVersionCache();
    const before = await alsoBoughtOfPot();
    expect(before.items[0]?.productId).toBe(cups.id);
    expect((await slotOnPage())[0]).toBe('cups');

    // Then four shoppers buy the pot with the kettle; after the next training the kettle leads the slot.
    const next: string[] = [];
    for (const k of [1, 2, 3, 4]) next.push(await buy(`k${k}@example.com`, [pot.variants[0]!.id, kettle.variants[0]!.id]));
    await purchasesRecorded(next);
    const purchases = await p.db
      .tenant(schema)
      .selectFrom('reco_events')
      .select(['order_id', 'product_id', 'session_id'])
      .where('kind', '=', 'purchase')
      .execute();
    expect(purchases).toHaveLength(12);
    expect(new Set(purchases.map((r) => r.session_id)).size).toBe(6);
    expect((await trainViaWorker(p, store.id)).state).toBe('completed');
    clearActiveVersionCache();
    const after = await alsoBoughtOfPot();
    expect(after.modelVersion).toBe((before.modelVersion ?? 0) + 1);
    expect(after.items[0]).toMatchObject({ productId: kettle.id, source: 'cf' });
    expect(await slotOnPage()).toEqual(['kettle', 'cups']);
    const run = await p.db.tenant(schema).selectFrom('reco_models').select(['stats']).orderBy('version', 'desc').executeTakeFirstOrThrow();
    expect(run.stats.orders).toBe(6);
  }, 180_000);
});

describe('recommendations (Postgres queue backend)', () => {
  let p: TestPlatform;
  afterAll(async () => {
    await p?.close();
  });

  it('trains a store through the worker on the Postgres backend', async () => {
    p = await startTestPlatform({ queueBackend: 'postgres' });
    const { cookie } = await signup(p);
    const shop = await makeShop(p, cookie, ['Tea pot', 'Tea cup', 'Tea strainer']);
    await new RecoEventService(p.db.tenant(shop.schema)).recordPurchases(
      [0, 1, 2].map((k) => ({
        orderId: `o${k}`,
        customerId: 'c1',
        at: at(k),
        lines: shop.products.slice(0, 2).map((productId) => ({ productId, quantity: 1 })),
      })),
    );
    await p.startWorker();
    const { state, job } = await trainViaWorker(p, shop.id);
    expect(state).toBe('completed');
    const lists = await p.db
      .tenant(shop.schema)
      .selectFrom('reco_item_recs')
      .select(['product_id', 'items'])
      .where('product_id', '=', shop.products[0] as string)
      .executeTakeFirstOrThrow();
    expect(lists.items[0]?.p).toBe(shop.products[1]);
    const run = await p.db.tenant(shop.schema).selectFrom('reco_models').selectAll().executeTakeFirstOrThrow();
    expect(run).toMatchObject({ version: 1, status: 'succeeded', job_id: job.id });
  }, 120_000);
});
