/**
 * Markets figures (`--only markets`, issue 19):
 *   markets.product-page   SSR product page of a store with 5 markets and 6 languages, read as a German shopper
 *                          (`/de-de/products/…`: German translation, euro prices converted at the market's rate with
 *                          its rounding, VAT included) vs the same page of a single-market, single-language store,
 *                          both in the same storefront process and the same run (>= 0.9)
 *   markets.cart-read      Storefront API GET /carts/:id of a cart shipped to Germany in that store (euro prices, zone
 *                          shipping, German VAT by destination) vs a home cart of the single-market store (>= 0.9)
 * Both stores are GBP stores in GB with the same catalogue and UK VAT; the runs interleave single, markets, markets,
 * single so each ratio compares runs centred on the same moment.
 */
import { fileURLToPath } from 'node:url';
import { ProductService, TranslationService, UNLIMITED_CATALOG } from '@storeloom/catalog';
import { MarketService, ShippingZoneService, TaxRateService } from '@storeloom/commerce';
import type { Database } from '@storeloom/db';
import { createLogger } from '@storeloom/log';
import { StoreSettingsService } from '@storeloom/stores';
import { createStorefrontApp } from '../../apps/storefront/src/app.ts';
import { ensureStorefrontBuilt } from '../../apps/storefront/src/build.ts';
import { type ChildServer, startServer } from './child.ts';
import { type BenchDatabase, createBenchDatabase, openDatabase } from './database.ts';
import { childEnv, REDIS_URL, randomSuffix } from './env.ts';
import type { LoadResult } from './load.ts';
import { primeCartRead } from './promotions.ts';
import { emit, emitError, progress } from './report.ts';
import { createOwner, provisionStores } from './stores.ts';

const STOREFRONT_MAIN = fileURLToPath(new URL('../../apps/storefront/src/main.ts', import.meta.url));
type Load = (label: string, url: string, headers?: Record<string, string>, durationS?: number) => Promise<LoadResult>;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

const FIGURES = [
  ['markets.product-page', 'ratio_vs_single_market', '>=0.9'],
  ['markets.cart-read', 'ratio_vs_single_market', '>=0.9'],
] as const;

const LANGUAGES = ['en', 'zh-CN', 'de', 'fr', 'es', 'ja'] as const;
const TITLES: Record<string, string> = {
  'zh-CN': '水洗亚麻衬衫',
  de: 'Gewaschenes Leinenhemd',
  fr: 'Chemise en lin lavé',
  es: 'Camisa de lino lavado',
  ja: 'ウォッシュドリネンシャツ',
};
const MARKETS = [
  {
    name: 'Europe',
    countries: ['DE', 'AT', 'FR', 'ES', 'IT', 'NL'],
    currency: 'EUR',
    exchangeRate: '1.1634',
    roundingIncrement: 5,
    taxInclusive: true,
    languages: ['de', 'fr', 'es'],
  },
  { name: 'United States', countries: ['US'], currency: 'USD', exchangeRate: '1.2710', roundingIncrement: 1, taxInclusive: false, languages: ['en'] },
  { name: 'Japan', countries: ['JP'], currency: 'JPY', exchangeRate: '190.5', roundingIncrement: 10, taxInclusive: true, languages: ['ja'] },
  { name: 'China', countries: ['CN'], currency: 'CNY', exchangeRate: '9.21', roundingIncrement: 1, taxInclusive: true, languages: ['zh-CN'] },
  { name: 'Switzerland', countries: ['CH'], currency: 'CHF', exchangeRate: '1.118', roundingIncrement: 5, taxInclusive: true, languages: ['de', 'fr'] },
];

interface MarketShop {
  slug: string;
  variantId: string;
}

/** One GBP store in GB: the shirt (three sizes) and eight companions, UK VAT, a zone for GB (and Europe when `markets`). */
async function shop(db: Database, storeId: string, markets: boolean): Promise<MarketShop> {
  await db.control
    .updateTable('stores')
    .set({ currency: 'GBP', country: 'GB' } as never)
    .where('id', '=', storeId)
    .execute();
  const store = await db.control.selectFrom('stores').selectAll().where('id', '=', storeId).executeTakeFirstOrThrow();
  const t = db.tenant(store.schema_name);
  const products = new ProductService(t, UNLIMITED_CATALOG);
  const product = await products.create({
    title: 'Washed Linen Shirt',
    description: 'Breathable washed linen with a relaxed fit. Made in Portugal from European flax.',
    status: 'active',
    vendor: 'Atelier Nord',
    productType: 'Shirts',
    tags: ['linen', 'summer'],
    options: [{ name: 'Size', values: ['S', 'M', 'L'] }],
    variants: ['S', 'M', 'L'].map((s, i) => ({ sku: `MKT-${s}`, price: 5900 + i * 500, inventoryQuantity: 1_000_000, weightGrams: 300, options: { Size: s } })),
    images: [{ url: 'https://images.example.com/linen-shirt.jpg', alt: 'Linen shirt' }],
  } as never);
  for (let i = 0; i < 8; i++)
    await products.create({ title: `Companion ${i}`, status: 'active', variants: [{ sku: `MKT-COMP-${i}`, price: 1000 + i, inventoryQuantity: 5 }] } as never);
  const taxes = new TaxRateService(t);
  await taxes.enable('GB');
  const zones = new ShippingZoneService(t);
  await zones.create({ name: 'UK', countries: ['GB'], rates: [{ name: 'Standard', price: 495 }] } as never);
  const variantId = product.variants[1]?.id as string;
  if (markets) {
    await new StoreSettingsService(db, store as never).update({ languages: [...LANGUAGES] } as never, { userId: null });
    const service = new MarketService(t, { storeCurrency: 'GBP', rates: { latest: async () => null } });
    const created = [];
    for (const m of MARKETS) created.push(await service.create(m));
    const europe = created[0];
    if (europe) await service.setPrice(europe.id, variantId, 6900);
    for (const c of ['DE', 'AT', 'FR', 'ES', 'IT', 'NL', 'CH', 'JP']) await taxes.enable(c);
    await zones.create({ name: 'Europe', countries: ['DE', 'AT', 'FR', 'ES', 'IT', 'NL', 'CH'], rates: [{ name: 'Standard', price: 995 }] } as never);
    await zones.create({ name: 'Overseas', countries: ['US', 'JP', 'CN'], rates: [{ name: 'Air', price: 1995 }] } as never);
    const translations = new TranslationService(t);
    for (const [locale, title] of Object.entries(TITLES))
      await translations.put('product', product.id, locale, {
        title,
        description: `<p>${title}: ${product.title}.</p>`,
        seoTitle: title,
        options: { Size: { name: locale === 'de' ? 'Größe' : `Size (${locale})`, values: { S: `S-${locale}`, M: `M-${locale}`, L: `L-${locale}` } } },
      });
  }
  return { slug: store.slug, variantId };
}

function startStorefront(databaseUrl: string, logLevel: string): Promise<ChildServer> {
  return startServer('storefront-markets', STOREFRONT_MAIN, {
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
      // All load comes from one address: per-IP/per-store limits would measure the limiter (as in storefront.ts).
      RATE_LIMIT_PER_IP: '0',
      RATE_LIMIT_PER_STORE: '0',
    }),
  });
}

/** A cart with two shirts shipped to `country`, made through the Storefront API in-process on the same database. */
async function cartIn(db: Database, slug: string, variantId: string, country: string): Promise<string> {
  const app = createStorefrontApp(db, createLogger({ level: 'silent' }), { rootDomain: 'localhost', secret: 'bench-secret-0123456789abcdef0123' });
  const host = `${slug}.localhost`;
  const call = async (method: string, path: string, body: unknown) => {
    const res = await app.request(`http://${host}/api/storefront/v1${path}`, {
      method,
      headers: { host, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as { id?: string; currency?: string };
    if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status} ${JSON.stringify(json).slice(0, 200)}`);
    return json;
  };
  const cart = await call('POST', '/carts', { country });
  const id = cart.id as string;
  await call('POST', `/carts/${id}/lines`, { variantId, quantity: 2 });
  return id;
}

async function pageOk(url: string, host: string, expect: string): Promise<void> {
  const { request } = await import('node:http');
  const body = await new Promise<string>((resolve, reject) => {
    request(url, { headers: { host } }, (res) => {
      let b = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (b += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(b) : reject(new Error(`${url} answered ${res.statusCode}`))));
    })
      .on('error', reject)
      .end();
  });
  if (!body.includes(expect)) throw new Error(`${url} does not show "${expect}"`);
}

/**
 * One figure: the store with 5 markets and 6 languages (B) against the single-market store (A) on the same
 * storefront, warmed up, then measured A, B, B, A so that drift over the run weighs on both sides alike.
 */
async function emitVsSingleMarket(
  o: { load: Load; warmUp: Load; common: Record<string, unknown> },
  bench: string,
  [labelA, urlA, hostA]: [string, string, { host: string }],
  [labelB, urlB, hostB]: [string, string, { host: string }],
  extra: Record<string, unknown>,
): Promise<void> {
  await o.warmUp(labelA, urlA, hostA);
  await o.warmUp(labelB, urlB, hostB);
  const a1 = await o.load(labelA, urlA, hostA);
  const b1 = await o.load(labelB, urlB, hostB);
  const b2 = await o.load(labelB, urlB, hostB);
  const a2 = await o.load(labelA, urlA, hostA);
  const singleRps = mean([a1.rps, a2.rps]);
  const multiRps = mean([b1.rps, b2.rps]);
  emit({
    bench,
    metric: 'ratio_vs_single_market',
    value: multiRps / singleRps,
    target: '>=0.9',
    rps: multiRps,
    rps_runs: [b1.rps, b2.rps],
    single_market_rps: singleRps,
    single_market_rps_runs: [a1.rps, a2.rps],
    latency_p50_ms: mean([b1.latencyP50Ms, b2.latencyP50Ms]),
    single_market_latency_p50_ms: mean([a1.latencyP50Ms, a2.latencyP50Ms]),
    latency_p99_ms: Math.max(b1.latencyP99Ms, b2.latencyP99Ms),
    single_market_latency_p99_ms: Math.max(a1.latencyP99Ms, a2.latencyP99Ms),
    errors: a1.errors + a2.errors + b1.errors + b2.errors,
    markets: MARKETS.length,
    languages: LANGUAGES.length,
    ...extra,
    ...o.common,
  });
}

export async function marketFigures(o: { load: Load; warmUp: Load; logLevel: string; common: Record<string, unknown> }): Promise<void> {
  let database: BenchDatabase;
  let single: MarketShop;
  let multi: MarketShop;
  try {
    progress('markets: building the storefront UI if stale, a single-market store and one with 5 markets and 6 languages');
    await ensureStorefrontBuilt({ quiet: true });
    database = await createBenchDatabase('markets');
    const { db, close } = await openDatabase(database.url);
    try {
      const owner = await createOwner(db);
      await provisionStores(db, owner, 2, 1);
      const ids = (await db.control.selectFrom('stores').select('id').orderBy('created_at').execute()).map((r) => r.id);
      single = await shop(db, ids[0] as string, false);
      multi = await shop(db, ids[1] as string, true);
    } finally {
      await close();
    }
  } catch (e) {
    for (const [bench, metric, target] of FIGURES) emitError(bench, metric, target, e, { phase: 'setup', ...o.common });
    return;
  }
  let sf: ChildServer | undefined;
  try {
    sf = await startStorefront(database.url, o.logLevel);
    const base = `http://127.0.0.1:${sf.port}`;
    const hostSingle = { host: `${single.slug}.localhost` };
    const hostMulti = { host: `${multi.slug}.localhost` };
    try {
      const pageSingle = `${base}/products/washed-linen-shirt`;
      const pageMulti = `${base}/de-de/products/washed-linen-shirt`;
      await pageOk(pageSingle, hostSingle.host, 'Washed Linen Shirt');
      await pageOk(pageMulti, hostMulti.host, 'Gewaschenes Leinenhemd');
      await emitVsSingleMarket(
        o,
        'markets.product-page',
        ['product page (single market)', pageSingle, hostSingle],
        ['product page (5 markets, de-DE)', pageMulti, hostMulti],
        {
          path: '/de-de/products/washed-linen-shirt',
        },
      );
    } catch (e) {
      emitError('markets.product-page', 'ratio_vs_single_market', '>=0.9', e, o.common);
    }
    try {
      const { db, close } = await openDatabase(database.url);
      let idSingle: string;
      let idMulti: string;
      try {
        idSingle = await cartIn(db, single.slug, single.variantId, 'GB');
        idMulti = await cartIn(db, multi.slug, multi.variantId, 'DE');
      } finally {
        await close();
      }
      const cartSingle = `${base}/api/storefront/v1/carts/${idSingle}`;
      const cartMulti = `${base}/api/storefront/v1/carts/${idMulti}`;
      await primeCartRead(cartSingle, hostSingle.host);
      await primeCartRead(cartMulti, hostMulti.host);
      await emitVsSingleMarket(
        o,
        'markets.cart-read',
        ['cart read (single market)', cartSingle, hostSingle],
        ['cart read (5 markets, DE)', cartMulti, hostMulti],
        {
          country: 'DE',
        },
      );
    } catch (e) {
      emitError('markets.cart-read', 'ratio_vs_single_market', '>=0.9', e, o.common);
    }
  } catch (e) {
    for (const [bench, metric, target] of FIGURES) emitError(bench, metric, target, e, o.common);
  } finally {
    await sf?.stop();
  }
}
