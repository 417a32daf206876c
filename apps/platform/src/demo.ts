/**
 * `npm run demo`: a demo merchant and a demo store with a real catalogue
 * (300 products derived from the UCI Online Retail data), created through the
 * public API of the running platform: the same CSV import path merchants use.
 */
import { readFileSync } from 'node:fs';
import { loadEnv, platformEnvSchema } from '@storeloom/env';

const env = loadEnv(platformEnvSchema);
const base = (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/$/, '');
const api = `${base}/api/v1`;
const EMAIL = 'demo@storeloom.dev';
const PASSWORD = 'storeloom-demo-2026';
const SLUG = 'demo';

interface DemoProduct {
  sku: string;
  title: string;
  productType: string;
  vendor: string;
  tags: string[];
  price: number;
  inventoryQuantity: number;
}
const catalog = JSON.parse(readFileSync(new URL('../data/demo-catalog.json', import.meta.url), 'utf8')) as {
  currency: string;
  products: DemoProduct[];
  source: string;
};

let cookie = '';
async function call<T = any>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: T }> {
  const res = await fetch(`${api}${path}`, {
    method,
    headers: { origin: base, ...(cookie ? { cookie } : {}), ...(body !== undefined ? { 'content-type': contentType } : {}) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const setCookie = res.headers.get('set-cookie');
  if (setCookie) cookie = setCookie.split(';')[0] as string;
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

const csvCell = (v: string | number) => {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
const minorToDecimal = (minor: number) => (minor / 100).toFixed(2);

function progress(done: number, total: number) {
  const width = 30;
  const filled = total ? Math.round((done / total) * width) : 0;
  process.stdout.write(`\r  importing [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} rows`);
}

// The demo talks to the platform `npm start` runs: same PORT (or PUBLIC_URL) as that one.
const reachable = await fetch(`${base}/healthz`).then(
  (r) => r.ok,
  () => false,
);
if (!reachable) {
  process.stderr.write(
    `The platform is not reachable at ${base} (${env.PUBLIC_URL ? 'PUBLIC_URL' : `PORT=${env.PORT}`}).\n` +
      'Start it first with `npm start` in another terminal. If it runs on other ports, give the demo the same ones,\n' +
      'e.g. `PORT=4000 STOREFRONT_PORT=4001 npm run demo` (see "Quick start" in the README).\n',
  );
  process.exit(1);
}

let r = await call('POST', '/auth/login', { email: EMAIL, password: PASSWORD });
if (r.status !== 200) {
  r = await call('POST', '/auth/signup', { email: EMAIL, password: PASSWORD, name: 'Demo Merchant' });
  if (r.status !== 201) throw new Error(`could not create the demo merchant: ${JSON.stringify(r.body)}`);
}
const stores = await call<{ data: { id: string; slug: string; url: string }[] }>('GET', '/stores');
let store = stores.body.data.find((s) => s.slug === SLUG);
if (!store) {
  const created = await call('POST', '/stores', { name: 'Storeloom Demo Shop', slug: SLUG, currency: catalog.currency });
  if (created.status !== 201) throw new Error(`could not create the demo store: ${JSON.stringify(created.body)}`);
  store = created.body;
}
const storeId = (store as { id: string }).id;
// New stores show shoppers "opening soon" until launched; the demo shop is open at once (launching again is a no-op).
const launched = await call('POST', `/stores/${storeId}/launch`, {});
if (launched.status !== 200) throw new Error(`could not launch the demo store: ${JSON.stringify(launched.body)}`);
process.stdout.write(`demo store ${store?.url}\n`);

const header = ['Handle', 'Title', 'Body (HTML)', 'Vendor', 'Type', 'Tags', 'Published', 'Variant SKU', 'Variant Inventory Qty', 'Variant Price', 'Status'];
const lines = [header.join(',')];
for (const p of catalog.products) {
  const handle = `${p.title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')}-${p.sku.toLowerCase()}`;
  const body = `<p>${p.title}. From the ${p.productType.toLowerCase()} range.</p>`;
  lines.push(
    [handle, p.title, body, p.vendor, p.productType, p.tags.join(', '), 'TRUE', p.sku, p.inventoryQuantity, minorToDecimal(p.price), 'active']
      .map(csvCell)
      .join(','),
  );
}
const started = await call('POST', '/stores/' + storeId + '/imports?filename=demo-catalog.csv', `${lines.join('\n')}\n`, 'text/csv');
if (started.status !== 202) throw new Error(`import was refused: ${JSON.stringify(started.body)}`);
const importId = started.body.id as string;
for (;;) {
  const s = await call('GET', `/stores/${storeId}/imports/${importId}`);
  progress(s.body.processedRows, s.body.totalRows || catalog.products.length);
  if (s.body.status === 'completed' || s.body.status === 'failed') {
    process.stdout.write(`\n  import ${s.body.status}: ${s.body.createdCount} created, ${s.body.updatedCount} updated, ${s.body.errorCount} errors\n`);
    break;
  }
  await new Promise((res) => setTimeout(res, 500));
}

// One collection per product type.
const byType = new Map<string, string[]>();
let cursor: string | null = null;
do {
  const page: { body: { data: { id: string; productType: string | null }[]; nextCursor: string | null } } = await call(
    'GET',
    `/stores/${storeId}/products?limit=250${cursor ? `&cursor=${cursor}` : ''}`,
  );
  for (const p of page.body.data) if (p.productType) byType.set(p.productType, [...(byType.get(p.productType) ?? []), p.id]);
  cursor = page.body.nextCursor;
} while (cursor);
const existing = await call<{ data: { id: string; title: string }[] }>('GET', `/stores/${storeId}/collections?limit=250`);
for (const [type, ids] of byType) {
  let coll = existing.body.data.find((c) => c.title === type);
  if (!coll) coll = (await call('POST', `/stores/${storeId}/collections`, { title: type })).body;
  await call('POST', `/stores/${storeId}/collections/${coll?.id}/products`, { productIds: ids });
}
process.stdout.write(`  ${byType.size} collections\n\n`);
process.stdout.write(`Console:    ${base}/  (${EMAIL} / ${PASSWORD})\n`);
process.stdout.write(`Storefront: ${store?.url}\n`);
process.stdout.write(`Catalogue data: ${catalog.source}\n`);
