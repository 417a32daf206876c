/**
 * Theme figures (`--only theme`, issue 20):
 *   theme.home-page-12-sections  SSR home page of a store whose published home layout holds 12 sections (one of each
 *                                section type: hero, featured collection and product, image with text, rich text,
 *                                multicolumn, testimonials, newsletter, recommendations, FAQ, video, logo list) vs the
 *                                home page of a store without a layout (today's default: hero, two collections, new
 *                                arrivals), same catalogue, same storefront process, same run (>= 0.8)
 * Runs interleave default, sections, sections, default so drift over the run weighs on both sides alike.
 */
import { fileURLToPath } from 'node:url';
import { CollectionService, ProductService, UNLIMITED_CATALOG } from '@storeloom/catalog';
import { ThemeLayoutService } from '@storeloom/content';
import type { Database } from '@storeloom/db';
import type { Layout } from '@storeloom/theme';
import { ensureStorefrontBuilt } from '../../apps/storefront/src/build.ts';
import { type ChildServer, startServer } from './child.ts';
import { type BenchDatabase, createBenchDatabase, openDatabase } from './database.ts';
import { childEnv, REDIS_URL, randomSuffix } from './env.ts';
import type { LoadResult } from './load.ts';
import { emit, emitError, progress } from './report.ts';
import { createOwner, provisionStores } from './stores.ts';

const STOREFRONT_MAIN = fileURLToPath(new URL('../../apps/storefront/src/main.ts', import.meta.url));
type Load = (label: string, url: string, headers?: Record<string, string>, durationS?: number) => Promise<LoadResult>;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

const BENCH = 'theme.home-page-12-sections';
const METRIC = 'ratio_vs_default_home';
const TARGET = '>=0.8';
const IMG = 'https://images.example.com/linen-shirt.jpg';

/** The same catalogue in each store: 12 products in two collections, each with an image. */
async function catalogue(db: Database, schema: string): Promise<{ collections: string[]; products: string[] }> {
  const t = db.tenant(schema);
  const products = new ProductService(t, UNLIMITED_CATALOG);
  const ids: string[] = [];
  for (let i = 0; i < 12; i++)
    ids.push(
      (
        await products.create({
          title: `Linen piece ${i}`,
          description: 'Washed linen.',
          status: 'active',
          variants: [{ sku: `THEME-${i}`, price: 1900 + i * 100, inventoryQuantity: 1_000_000 }],
          images: [{ url: IMG, alt: `Linen piece ${i}` }],
        } as never)
      ).id,
    );
  const collections = new CollectionService(t);
  const a = await collections.create({ title: 'Summer', handle: 'summer', productIds: ids.slice(0, 6) });
  const b = await collections.create({ title: 'Autumn', handle: 'autumn', productIds: ids.slice(6) });
  return { collections: [a.id, b.id], products: ids };
}

/** One section of each of the 12 types, with realistic settings and blocks. */
function twelveSections(collectionId: string, productId: string): Layout {
  const s = (id: string, type: string, settings: Layout['sections'][number]['settings'], blocks: Layout['sections'][number]['blocks'] = []) => ({
    id,
    type,
    settings,
    blocks,
  });
  const many = (n: number, type: string, settings: (i: number) => Layout['sections'][number]['settings']) =>
    Array.from({ length: n }, (_, i) => ({ id: `${type}-${i}`, type, settings: settings(i) }));
  return {
    sections: [
      s('hero', 'hero-banner', { heading: 'Linen for summer', text: 'Washed, breathable, made in Portugal.', image: IMG, image_alt: 'Linen' }),
      s('featured', 'featured-collection', { heading: 'Summer', collection: collectionId, products_to_show: 4 }),
      s('product', 'featured-product', { product: productId }),
      s('story', 'image-with-text', { image: IMG, image_alt: 'Our workshop', heading: 'Our workshop', text: '<p>Since <strong>1987</strong>.</p>' }),
      s('about', 'rich-text', { heading: 'About us', text: '<p>We make <em>few</em> things, well.</p><ul><li>Flax</li><li>Hemp</li></ul>' }),
      s(
        'columns',
        'multicolumn',
        { heading: 'Why linen', columns: 3 },
        many(3, 'column', (i) => ({ title: `Reason ${i}`, text: '<p>It breathes.</p>', image: IMG, image_alt: '' })),
      ),
      s(
        'quotes',
        'testimonials',
        { heading: 'Customers say' },
        many(3, 'testimonial', (i) => ({ quote: `Lovely shirt number ${i}.`, author: `Customer ${i}`, rating: 5 })),
      ),
      s('news', 'newsletter', { heading: 'Stay in touch', text: 'One letter a month.' }),
      s('reco', 'recommendations', { heading: 'New arrivals', products_to_show: 8 }),
      s(
        'faq',
        'faq',
        { heading: 'Questions', open_first: true },
        many(4, 'question', (i) => ({ question: `Question ${i}?`, answer: '<p>An answer.</p>' })),
      ),
      s('film', 'video', { heading: 'How it is made', video_url: 'https://www.youtube.com/watch?v=dQw4w9WgXcQ', description: 'Weaving linen' }),
      s(
        'press',
        'logo-list',
        { heading: 'As seen in' },
        many(5, 'logo', (i) => ({ image: IMG, alt: `Magazine ${i}`, link: '/pages/press' })),
      ),
    ],
  };
}

function startStorefront(databaseUrl: string, logLevel: string): Promise<ChildServer> {
  return startServer('storefront-theme', STOREFRONT_MAIN, {
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

async function page(url: string, host: string): Promise<string> {
  const { request } = await import('node:http');
  return new Promise<string>((resolve, reject) => {
    request(url, { headers: { host } }, (res) => {
      let b = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (b += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(b) : reject(new Error(`${url} answered ${res.statusCode}`))));
    })
      .on('error', reject)
      .end();
  });
}

export async function themeFigures(o: { load: Load; warmUp: Load; logLevel: string; common: Record<string, unknown> }): Promise<void> {
  let database: BenchDatabase;
  let plain: string;
  let themed: string;
  try {
    progress('theme: building the storefront UI if stale, a store without a home layout and one with 12 published sections');
    await ensureStorefrontBuilt({ quiet: true });
    database = await createBenchDatabase('theme');
    const { db, close } = await openDatabase(database.url);
    try {
      const owner = await createOwner(db);
      await provisionStores(db, owner, 2, 1);
      const stores = await db.control.selectFrom('stores').select(['slug', 'schema_name']).orderBy('created_at').execute();
      const [a, b] = stores as [(typeof stores)[number], (typeof stores)[number]];
      await catalogue(db, a.schema_name);
      const { collections, products } = await catalogue(db, b.schema_name);
      const layouts = new ThemeLayoutService(db.tenant(b.schema_name));
      await layouts.saveDraft('home', twelveSections(collections[0] as string, products[0] as string));
      await layouts.publish('home', null);
      plain = a.slug;
      themed = b.slug;
    } finally {
      await close();
    }
  } catch (e) {
    emitError(BENCH, METRIC, TARGET, e, { phase: 'setup', ...o.common });
    return;
  }
  let sf: ChildServer | undefined;
  try {
    sf = await startStorefront(database.url, o.logLevel);
    const url = `http://127.0.0.1:${sf.port}/`;
    const hostPlain = { host: `${plain}.localhost` };
    const hostThemed = { host: `${themed}.localhost` };
    const plainBody = await page(url, hostPlain.host);
    const themedBody = await page(url, hostThemed.host);
    // The figure is only meaningful when the themed page really renders its sections.
    for (const cls of ['sec-hero', 'sec-news', 'sec-faq', 'sec-logos', 'sec-video'])
      if (!themedBody.includes(cls)) throw new Error(`the 12-section home page has no ${cls}`);
    await o.warmUp('home page (no layout)', url, hostPlain);
    await o.warmUp('home page (12 sections)', url, hostThemed);
    const a1 = await o.load('home page (no layout)', url, hostPlain);
    const b1 = await o.load('home page (12 sections)', url, hostThemed);
    const b2 = await o.load('home page (12 sections)', url, hostThemed);
    const a2 = await o.load('home page (no layout)', url, hostPlain);
    const plainRps = mean([a1.rps, a2.rps]);
    const themedRps = mean([b1.rps, b2.rps]);
    emit({
      bench: BENCH,
      metric: METRIC,
      value: themedRps / plainRps,
      target: TARGET,
      rps: themedRps,
      rps_runs: [b1.rps, b2.rps],
      default_home_rps: plainRps,
      default_home_rps_runs: [a1.rps, a2.rps],
      latency_p50_ms: mean([b1.latencyP50Ms, b2.latencyP50Ms]),
      default_home_latency_p50_ms: mean([a1.latencyP50Ms, a2.latencyP50Ms]),
      latency_p99_ms: Math.max(b1.latencyP99Ms, b2.latencyP99Ms),
      errors: a1.errors + a2.errors + b1.errors + b2.errors,
      sections: 12,
      page_bytes: themedBody.length,
      default_home_page_bytes: plainBody.length,
      ...o.common,
    });
  } catch (e) {
    emitError(BENCH, METRIC, TARGET, e, o.common);
  } finally {
    await sf?.stop();
  }
}
