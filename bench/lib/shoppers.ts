/**
 * Mixed storefront traffic over many stores: seeding (stores with a small catalogue) and closed-loop virtual
 * shoppers that browse, search, add to cart and check out with the manual payment provider, like a browser
 * (cookies kept per shopper and store, same-origin Origin on form POSTs, redirects followed by hand, the
 * variant id and expected total read from the served HTML). Used by the load bench (`--only load`) and by
 * test/load.test.ts (a short run that asserts zero errors and one order per placed checkout).
 */
import http from 'node:http';
import { CollectionService, ProductService, UNLIMITED_CATALOG } from '@storeloom/catalog';
import type { Database } from '@storeloom/db';
import { StoreService } from '@storeloom/stores';

export const KINDS = ['home', 'collection', 'product', 'search', 'cart-add', 'cart', 'checkout', 'pay', 'order'] as const;
export type Kind = (typeof KINDS)[number];

export interface SeededStore {
  id: string;
  slug: string;
  schema: string;
  collection: string;
  products: string[];
}

const CATALOGUE = [
  ['Washed Linen Shirt', 'linen'],
  ['Merino Wool Scarf', 'wool'],
  ['Canvas Tote Bag', 'canvas'],
  ['Organic Cotton Tee', 'cotton'],
  ['Selvedge Denim Jacket', 'denim'],
  ['Leather Card Holder', 'leather'],
] as const;
export const SEARCH_TERMS = ['linen', 'wool', 'canvas', 'cotton', 'denim', 'leather', 'shirt', 'bag'];

/** `count` stores through StoreService.create, each with six products (two variants, deep stock) in one collection. */
export async function seedShops(db: Database, ownerId: string, count: number, concurrency = 4, onProgress?: (done: number) => void): Promise<SeededStore[]> {
  const stores = new StoreService(db);
  const run = Math.random().toString(36).slice(2, 8);
  const out: SeededStore[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const { store } = await stores.create({ userId: ownerId }, { name: `Load Shop ${i}`, slug: `load-${run}-${i}`, currency: 'EUR' });
      if (store.status !== 'active') throw new Error(`store ${store.slug} is ${store.status}`);
      await stores.launch(store.id, { userId: ownerId });
      const schema = (await db.control.selectFrom('stores').select('schema_name').where('id', '=', store.id).executeTakeFirstOrThrow()).schema_name;
      const t = db.tenant(schema);
      const products = new ProductService(t, UNLIMITED_CATALOG);
      const ids: string[] = [];
      const handles: string[] = [];
      for (const [title, word] of CATALOGUE) {
        const p = await products.create({
          title,
          description: `A ${word} piece from the load-test catalogue.`,
          status: 'active',
          vendor: 'Load Mills',
          productType: 'Apparel',
          tags: [word],
          options: [{ name: 'Size', values: ['S', 'M'] }],
          variants: ['S', 'M'].map((s, k) => ({
            sku: `${word.toUpperCase()}-${s}-${i}`,
            price: 2000 + k * 500,
            inventoryQuantity: 1_000_000,
            options: { Size: s },
          })),
        } as never);
        ids.push(p.id);
        handles.push(p.handle);
      }
      const collection = await new CollectionService(t).create({ title: 'Everything', handle: 'everything', productIds: ids });
      out.push({ id: store.id, slug: store.slug, schema, collection: collection.handle, products: handles });
      onProgress?.(out.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, worker));
  return out;
}

export interface RequestError {
  kind: Kind;
  method: string;
  path: string;
  status: number;
  detail: string;
}

export interface ShopperRunResult {
  durationMs: number;
  sessions: number;
  latencies: Record<Kind, number[]>;
  errors: RequestError[];
  /** Per store id: order ids whose checkout POST redirected to the payment page. */
  placed: Map<string, string[]>;
  /** Per store id: order ids whose payment POST redirected to the order page and whose order page answered 200. */
  paid: Map<string, string[]>;
}

interface Res {
  status: number;
  location: string;
  body: string;
}

class Unexpected extends Error {}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

/** Requests retried because a reused keep-alive connection was closed by the server as the request went out. */
export const transport = { reusedSocketRetries: 0 };

/**
 * One request; like a browser, it is sent again once when it went out on a reused keep-alive connection that
 * the server had just closed (ECONNRESET/EPIPE before any response byte: the server never saw it). Any
 * duplicate a retried POST could cause would show in the order check.
 */
async function request(base: URL, host: string, method: string, path: string, cookies: Map<string, string>, form?: Record<string, string>): Promise<Res> {
  try {
    return await requestOnce(base, host, method, path, cookies, form);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (!(e as { reusedSocket?: boolean }).reusedSocket || (code !== 'ECONNRESET' && code !== 'EPIPE')) throw e;
    transport.reusedSocketRetries++;
    return requestOnce(base, host, method, path, cookies, form);
  }
}

function requestOnce(base: URL, host: string, method: string, path: string, cookies: Map<string, string>, form?: Record<string, string>): Promise<Res> {
  const headers: Record<string, string> = { host, accept: 'text/html', 'user-agent': 'storeloom-load' };
  if (cookies.size) headers.cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const body = form ? new URLSearchParams(form).toString() : undefined;
  if (body !== undefined) {
    headers.origin = `http://${host}`;
    headers['content-type'] = 'application/x-www-form-urlencoded';
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  return new Promise((resolve, reject) => {
    const req = http.request({ host: base.hostname, port: base.port, method, path, headers, agent }, (res) => {
      for (const c of res.headers['set-cookie'] ?? []) {
        const [pair = ''] = c.split(';');
        const eq = pair.indexOf('=');
        if (eq <= 0) continue;
        const name = pair.slice(0, eq).trim();
        const value = pair.slice(eq + 1).trim();
        if (/max-age=0/i.test(c) || value === '') cookies.delete(name);
        else cookies.set(name, value);
      }
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        text += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: String(res.headers.location ?? ''), body: text }));
      res.on('error', reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error('timed out after 30 s')));
    req.on('error', (e) => reject(Object.assign(e, { reusedSocket: req.reusedSocket })));
    req.end(body);
  });
}

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)] as T;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runShoppers(o: {
  baseUrl: string;
  stores: SeededStore[];
  shoppers: number;
  durationMs: number;
  thinkMs: [number, number];
  rootDomain?: string;
}): Promise<ShopperRunResult> {
  const base = new URL(o.baseUrl);
  const latencies = Object.fromEntries(KINDS.map((k) => [k, [] as number[]])) as Record<Kind, number[]>;
  const errors: RequestError[] = [];
  const placed = new Map<string, string[]>();
  const paid = new Map<string, string[]>();
  let sessions = 0;
  const started = performance.now();
  const end = started + o.durationMs;
  const think = () => sleep(o.thinkMs[0] + Math.random() * (o.thinkMs[1] - o.thinkMs[0]));

  const session = async (cookiesByStore: Map<string, Map<string, string>>) => {
    const store = pick(o.stores);
    const host = `${store.slug}.${o.rootDomain ?? 'localhost'}`;
    const cookies = cookiesByStore.get(store.id) ?? new Map<string, string>();
    cookiesByStore.set(store.id, cookies);
    /** One request; anything but the expected status (or a failure to connect) is an error and ends the session. */
    const step = async (kind: Kind, method: string, path: string, expect: number, form?: Record<string, string>): Promise<Res> => {
      const t0 = performance.now();
      let res: Res;
      try {
        res = await request(base, host, method, path, cookies, form);
      } catch (e) {
        errors.push({ kind, method, path, status: 0, detail: e instanceof Error ? e.message : String(e) });
        throw new Unexpected();
      }
      latencies[kind].push(performance.now() - t0);
      if (res.status !== expect) {
        errors.push({
          kind,
          method,
          path,
          status: res.status,
          detail: `expected ${expect}${res.location ? ` (location ${res.location})` : ''}: ${res.body.slice(0, 200)}`,
        });
        throw new Unexpected();
      }
      return res;
    };
    const fail = (kind: Kind, method: string, path: string, detail: string) => {
      errors.push({ kind, method, path, status: 0, detail });
      throw new Unexpected();
    };
    try {
      await step('home', 'GET', '/', 200);
      await think();
      if (Math.random() < 0.7) {
        await step('collection', 'GET', `/collections/${store.collection}`, 200);
        await think();
      }
      let page = await step('product', 'GET', `/products/${pick(store.products)}`, 200);
      await think();
      if (Math.random() < 0.5) {
        await step('search', 'GET', `/search?q=${pick(SEARCH_TERMS)}`, 200);
        await think();
        page = await step('product', 'GET', `/products/${pick(store.products)}`, 200);
        await think();
      }
      if (Math.random() >= 0.45) return;
      const variantId = /name="variantId"[^>]*?value="([0-9a-f-]{36})"/.exec(page.body)?.[1];
      if (!variantId) fail('product', 'GET', '/products/…', 'no add-to-cart form (variantId) on the product page');
      const add = await step('cart-add', 'POST', '/cart/add', 303, { variantId: variantId as string, quantity: String(1 + Math.floor(Math.random() * 2)) });
      if (add.location !== '/cart') fail('cart-add', 'POST', '/cart/add', `redirected to ${add.location}`);
      await step('cart', 'GET', '/cart', 200);
      await think();
      if (Math.random() >= 0.5) return;
      const form = await step('checkout', 'GET', '/checkout', 200);
      const expectedTotal = /name="expectedTotal"[^>]*?value="(\d+)"/.exec(form.body)?.[1];
      if (!expectedTotal) fail('checkout', 'GET', '/checkout', 'no expectedTotal on the checkout page');
      await think();
      const placedRes = await step('checkout', 'POST', '/checkout', 303, {
        email: `shopper-${Math.random().toString(36).slice(2, 10)}@example.com`,
        name: 'Load Shopper',
        line1: '1 Load Street',
        city: 'Paris',
        postalCode: '75001',
        country: 'FR',
        expectedTotal: expectedTotal as string,
      });
      const payPath = placedRes.location.replace(/^https?:\/\/[^/]+/, '');
      const orderId = /^\/checkout\/pay\/([0-9a-f-]{36})\?sig=/.exec(payPath)?.[1];
      if (!orderId) fail('checkout', 'POST', '/checkout', `redirected to ${placedRes.location}, not to the payment page`);
      const list = placed.get(store.id) ?? [];
      list.push(orderId as string);
      placed.set(store.id, list);
      await step('pay', 'GET', payPath, 200);
      await think();
      const confirmed = await step('pay', 'POST', payPath, 303, { outcome: 'success' });
      const orderPath = confirmed.location.replace(/^https?:\/\/[^/]+/, '');
      if (!orderPath.startsWith(`/orders/${orderId}?`)) fail('pay', 'POST', payPath, `redirected to ${confirmed.location}`);
      await step('order', 'GET', orderPath, 200);
      const done = paid.get(store.id) ?? [];
      done.push(orderId as string);
      paid.set(store.id, done);
    } catch (e) {
      if (!(e instanceof Unexpected)) errors.push({ kind: 'home', method: '-', path: '-', status: 0, detail: e instanceof Error ? e.message : String(e) });
    }
  };

  await Promise.all(
    Array.from({ length: o.shoppers }, async (_, i) => {
      // Stagger the arrivals over the first think interval.
      await sleep((i / o.shoppers) * o.thinkMs[1]);
      const cookiesByStore = new Map<string, Map<string, string>>();
      while (performance.now() < end) {
        sessions++;
        await session(cookiesByStore);
        // A new visit: a shopper who checked out has an empty cart again; one who did not keeps theirs.
      }
    }),
  );
  return { durationMs: performance.now() - started, sessions, latencies, errors, placed, paid };
}

export const percentile = (xs: number[], p: number): number => {
  if (!xs.length) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] as number;
};

export interface OrderCheck {
  /** Orders in the stores' databases. */
  ordersInDatabase: number;
  paidInDatabase: number;
  placedCheckouts: number;
  completedCheckouts: number;
  /** Human-readable mismatches: empty when every placed checkout made exactly one order and every completed one is paid once. */
  problems: string[];
}

/** Compares the orders in each store's schema with what the shoppers saw. */
export async function checkOrders(db: Database, stores: SeededStore[], r: ShopperRunResult): Promise<OrderCheck> {
  const out: OrderCheck = { ordersInDatabase: 0, paidInDatabase: 0, placedCheckouts: 0, completedCheckouts: 0, problems: [] };
  for (const s of stores) {
    const t = db.tenant(s.schema);
    const orders = await t.selectFrom('orders').select(['id', 'payment_status']).execute();
    const payments = await t.selectFrom('payments').select(['order_id', 'kind', 'status']).execute();
    const placed = r.placed.get(s.id) ?? [];
    const paid = new Set(r.paid.get(s.id) ?? []);
    out.ordersInDatabase += orders.length;
    out.placedCheckouts += placed.length;
    out.completedCheckouts += paid.size;
    const ids = new Set(orders.map((o) => o.id));
    if (new Set(placed).size !== placed.length) out.problems.push(`${s.slug}: an order id was handed out twice`);
    if (orders.length !== placed.length) out.problems.push(`${s.slug}: ${orders.length} orders in the database, ${placed.length} checkouts placed`);
    for (const id of placed) if (!ids.has(id)) out.problems.push(`${s.slug}: placed order ${id} is missing`);
    for (const o of orders) {
      if (o.payment_status === 'paid') out.paidInDatabase++;
      if (paid.has(o.id) !== (o.payment_status === 'paid'))
        out.problems.push(`${s.slug}: order ${o.id} is ${o.payment_status} (shopper ${paid.has(o.id) ? 'paid' : 'did not pay'})`);
      const captured = payments.filter((p) => p.order_id === o.id && p.status === 'succeeded' && p.kind === 'charge').length;
      if (paid.has(o.id) && captured !== 1) out.problems.push(`${s.slug}: order ${o.id} has ${captured} succeeded payments`);
    }
  }
  return out;
}
