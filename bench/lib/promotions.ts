/**
 * Promotion figures (`--only promotions`):
 *   promotions.sql-per-cart-read        SQL statements of GET /api/storefront/v1/carts/:id with two discount codes and a
 *                                       gift card applied, warm tenant cache (reported)
 *   promotions.sql-per-checkout         SQL statements of POST /carts/:id/checkout with two discounts + a gift card (<= 30)
 *   promotions.cart-read                the same cart read over HTTP (the real storefront process, autocannon with the
 *                                       store's Host header) vs a bare Hono hello, same run (reported)
 */
import { ProductService, UNLIMITED_CATALOG } from '@storeloom/catalog';
import { DiscountService, GiftCardService } from '@storeloom/commerce';
import { createDatabase, type Database } from '@storeloom/db';
import { createLogger } from '@storeloom/log';
import { request as httpRequest } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createStorefrontApp } from '../../apps/storefront/src/app.ts';
import { ensureStorefrontBuilt } from '../../apps/storefront/src/build.ts';
import { type ChildServer, startServer } from './child.ts';
import { type BenchDatabase, createBenchDatabase, openDatabase } from './database.ts';
import { childEnv, REDIS_URL, randomSuffix } from './env.ts';
import type { LoadResult } from './load.ts';
import { emit, emitError, progress } from './report.ts';
import { startHello } from './servers.ts';
import { createOwner, provisionStores } from './stores.ts';

const STOREFRONT_MAIN = fileURLToPath(new URL('../../apps/storefront/src/main.ts', import.meta.url));
type Load = (label: string, url: string, headers?: Record<string, string>, durationS?: number) => Promise<LoadResult>;

interface PromoShop {
  database: BenchDatabase;
  slug: string;
  schema: string;
  variantId: string;
  giftCardCodes: string[];
}

async function promoShop(): Promise<PromoShop> {
  const database = await createBenchDatabase('promo');
  const { db, close } = await openDatabase(database.url);
  try {
    const owner = await createOwner(db);
    await provisionStores(db, owner, 1, 1);
    const store = await db.control.selectFrom('stores').select(['slug', 'schema_name', 'currency']).executeTakeFirstOrThrow();
    const t = db.tenant(store.schema_name);
    const product = await new ProductService(t, UNLIMITED_CATALOG).create({
      title: 'Linen Shirt',
      status: 'active',
      variants: [{ sku: 'PROMO-BENCH', price: 5900, inventoryQuantity: 1_000_000 }],
    } as never);
    const discounts = new DiscountService(t);
    await discounts.create({ title: '10 % off', code: 'TEN', kind: 'percentage', value: 10, combinesWith: { shippingDiscounts: true } });
    await discounts.create({ title: 'Free shipping', code: 'SHIP', kind: 'free_shipping', combinesWith: { orderDiscounts: true } });
    const cards = new GiftCardService(t);
    const giftCardCodes: string[] = [];
    for (let i = 0; i < 2; i++) giftCardCodes.push((await cards.issue({ initialValue: 1000, currency: store.currency.trim() })).code);
    return { database, slug: store.slug, schema: store.schema_name, variantId: product.variants[0]?.id as string, giftCardCodes };
  } finally {
    await close();
  }
}

type Call = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: { id?: string } }>;

/** A cart with one line, two codes and a gift card, through the API. */
async function preparedCart(call: Call, shop: PromoShop, giftCardCode: string): Promise<string> {
  const cart = await call('POST', '/carts', {});
  const id = cart.body.id as string;
  await call('POST', `/carts/${id}/lines`, { variantId: shop.variantId, quantity: 2 });
  for (const code of ['TEN', 'SHIP']) {
    const r = await call('POST', `/carts/${id}/discount-codes`, { code });
    if (r.status !== 200) throw new Error(`applying ${code} answered ${r.status}`);
  }
  const g = await call('POST', `/carts/${id}/gift-cards`, { code: giftCardCode });
  if (g.status !== 200) throw new Error(`applying the gift card answered ${g.status}`);
  return id;
}

async function countStatements(shop: PromoShop): Promise<{ cartRead: number; checkout: number }> {
  const statements: string[] = [];
  const db: Database = createDatabase({ url: shop.database.url, poolMax: 4, onQuery: (s) => statements.push(s) });
  try {
    const app = createStorefrontApp(db, createLogger({ level: 'silent' }), { rootDomain: 'localhost', secret: 'bench-secret-0123456789abcdef0123' });
    const host = `${shop.slug}.localhost`;
    const call: Call = async (method, path, body) => {
      const res = await app.request(`http://${host}/api/storefront/v1${path}`, {
        method,
        headers: { host, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, body: (await res.json()) as { id?: string } };
    };
    const id = await preparedCart(call, shop, shop.giftCardCodes[0] as string);
    await call('GET', `/carts/${id}`); // warms the tenant cache
    statements.length = 0;
    const read = await call('GET', `/carts/${id}`);
    if (read.status !== 200) throw new Error(`cart read answered ${read.status}`);
    const cartRead = statements.length;
    statements.length = 0;
    const placed = await call('POST', `/carts/${id}/checkout`, {
      email: 'bench@example.com',
      shippingAddress: { name: 'Bench', line1: '1 Road', city: 'Paris', postalCode: '75001', country: 'FR' },
    });
    if (placed.status !== 201) throw new Error(`checkout answered ${placed.status}`);
    return { cartRead, checkout: statements.length };
  } finally {
    await db.destroy();
  }
}

/** One GET over HTTP with a Host header (fetch cannot set Host): status and body. */
function getWithHost(url: string, host: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { host }, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.once('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.once('error', reject);
    req.end();
  });
}

/**
 * The storefront child answers its first cart read cold (tenant resolution, settings, pool connections, prepared
 * statements): under a loaded machine that took longer than the whole 2 s autocannon warm-up, which then ended with
 * 0 completed requests and failed the figure. Read the cart a few times, one at a time, until it answers 200 with the
 * cart, before any load runs; a wrong answer fails here with the status and body instead of as "0 requests".
 */
export async function primeCartRead(url: string, host: string, o: { reads?: number; deadlineMs?: number } = {}): Promise<number> {
  const deadline = Date.now() + (o.deadlineMs ?? 60_000);
  let ok = 0;
  let last = '';
  while (ok < (o.reads ?? 5)) {
    if (Date.now() > deadline) throw new Error(`the cart read never answered 200 while priming: ${last}`);
    try {
      const r = await getWithHost(url, host, Math.max(1, deadline - Date.now()));
      if (r.status === 200 && r.body.includes('"amountDue"')) ok++;
      else last = `${r.status} ${r.body.slice(0, 300)}`;
      if (r.status >= 400 && r.status < 500) throw new Error(`the cart read answered ${last}`);
    } catch (e) {
      if (e instanceof Error && e.message.startsWith('the cart read answered')) throw e;
      last = String(e);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return ok;
}

function startStorefront(databaseUrl: string, logLevel: string): Promise<ChildServer> {
  return startServer('storefront-promo', STOREFRONT_MAIN, {
    env: childEnv({
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      REDIS_URL,
      QUEUE_PREFIX: `bench_${randomSuffix()}`,
      STOREFRONT_PORT: '0',
      HOST: '127.0.0.1',
      STORE_ROOT_DOMAIN: 'localhost',
      STOREFRONT_SECRET: `bench-${randomSuffix(16)}`,
      LOG_LEVEL: logLevel,
      // All load comes from one address: the default per-IP limit (1200/min) would answer the cart reads with 429
      // and the figure would measure the limiter (as storefront.ts found for the product page).
      RATE_LIMIT_PER_IP: '0',
      RATE_LIMIT_PER_STORE: '0',
    }),
  });
}

export async function promotionFigures(o: { load: Load; warmUp: Load; logLevel: string; common: Record<string, unknown> }): Promise<void> {
  let shop: PromoShop;
  try {
    progress('promotions: building the storefront UI if stale, one store with two codes and gift cards');
    await ensureStorefrontBuilt({ quiet: true });
    shop = await promoShop();
  } catch (e) {
    for (const [bench, metric, target] of [
      ['promotions.sql-per-cart-read', 'statements', null],
      ['promotions.sql-per-checkout', 'statements', '<=30'],
      ['promotions.cart-read', 'ratio_vs_hello', null],
    ] as const)
      emitError(bench, metric, target, e, { phase: 'setup', ...o.common });
    return;
  }
  try {
    const counts = await countStatements(shop);
    emit({ bench: 'promotions.sql-per-cart-read', metric: 'statements', value: counts.cartRead, target: null, ...o.common });
    emit({ bench: 'promotions.sql-per-checkout', metric: 'statements', value: counts.checkout, target: '<=30', discounts: 2, gift_cards: 1, ...o.common });
  } catch (e) {
    emitError('promotions.sql-per-cart-read', 'statements', null, e, o.common);
    emitError('promotions.sql-per-checkout', 'statements', '<=30', e, o.common);
  }
  let sf: ChildServer | undefined;
  let hello: ChildServer | undefined;
  try {
    sf = await startStorefront(shop.database.url, o.logLevel);
    hello = await startHello();
    const base = `http://127.0.0.1:${sf.port}/api/storefront/v1`;
    const host = `${shop.slug}.localhost`;
    // fetch cannot set Host: prepare the cart in-process on the same database, then read it over HTTP.
    const { db, close } = await openDatabase(shop.database.url);
    let id: string;
    try {
      const app = createStorefrontApp(db, createLogger({ level: 'silent' }), { rootDomain: 'localhost', secret: 'bench-secret-0123456789abcdef0123' });
      const local: Call = async (method, path, body) => {
        const res = await app.request(`http://${host}/api/storefront/v1${path}`, {
          method,
          headers: { host, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        });
        return { status: res.status, body: (await res.json()) as { id?: string } };
      };
      id = await preparedCart(local, shop, shop.giftCardCodes[1] as string);
    } finally {
      await close();
    }
    const helloUrl = `http://127.0.0.1:${hello.port}/`;
    const cartUrl = `${base}/carts/${id}`;
    await primeCartRead(cartUrl, host);
    await o.warmUp('promotions cart read', cartUrl, { host });
    const h1 = await o.load('hello (promotions)', helloUrl);
    const cart = await o.load('promotions cart read', cartUrl, { host });
    const h2 = await o.load('hello (promotions, after)', helloUrl);
    const helloRps = (h1.rps + h2.rps) / 2;
    emit({
      bench: 'promotions.cart-read',
      metric: 'ratio_vs_hello',
      value: Number((cart.rps / helloRps).toFixed(3)),
      target: null,
      cart_rps: cart.rps,
      hello_rps: helloRps,
      cart_errors: cart.errors,
      ...o.common,
    });
  } catch (e) {
    emitError('promotions.cart-read', 'ratio_vs_hello', null, e, o.common);
  } finally {
    await hello?.stop();
    await sf?.stop();
  }
}
