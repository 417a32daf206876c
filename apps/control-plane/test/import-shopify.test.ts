/**
 * Real Shopify exports (test/fixtures/shopify): a Japanese tea shop in the
 * 2024 column layout (Product Category + Type, Unicode handles, one of them
 * percent-encoded) and a candle shop in the 2022 layout (Standardized/Custom
 * Product Type, SKUs reused across and within products, variant images).
 * Images are served by a loopback server standing in for Shopify's CDN, which
 * the worker may reach only under the explicit local test egress policy.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startImageServer, withImageOrigin, type ImageServer } from '../../../test/helpers/images.ts';
import { createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';

const fixture = (name: string) => readFileSync(new URL(`../../../test/fixtures/shopify/${name}`, import.meta.url), 'utf8');
const LOCAL_EGRESS = { allowHttp: true, allowPrivateAddresses: true };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('importing real Shopify exports', () => {
  let p: TestPlatform;
  let cookie: string;
  let cdn: ImageServer;

  beforeAll(async () => {
    cdn = await startImageServer({ missing: (path) => path.includes('kyusu-missing') });
    p = await startTestPlatform({ importEgress: LOCAL_EGRESS });
    ({ cookie } = await signup(p));
    await p.startWorker();
  });
  afterAll(async () => {
    await p?.close();
    await cdn?.close();
  });

  async function store(currency: string) {
    const s = await createStore(p, cookie, undefined, currency);
    const { schema_name } = await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', s.id).executeTakeFirstOrThrow();
    return { id: s.id, t: p.db.tenant(schema_name) };
  }
  const call = (method: string, path: string, csv?: string) =>
    p.request(method, `/api/v1${path}`, { cookie, ...(csv !== undefined ? { rawBody: csv, contentType: 'text/csv' } : {}) });

  async function runImport(storeId: string, csv: string) {
    const res = await call('POST', `/stores/${storeId}/imports?filename=products_export.csv`, csv);
    expect(res.status).toBe(202);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const got = await call('GET', `/stores/${storeId}/imports/${res.body.id}`);
      if (got.body.status === 'completed' || got.body.status === 'failed') return got.body;
      if (Date.now() > deadline) throw new Error(`import still ${got.body.status}`);
      await sleep(100);
    }
  }
  async function productsOf(storeId: string) {
    const res = await call('GET', `/stores/${storeId}/products?limit=250&sort=title`);
    return res.body.data as any[];
  }

  it('imports the Japanese 2024-layout export: Unicode handles kept, types from Type or the category, every image copied into the store', async () => {
    const s = await store('JPY');
    const done = await runImport(s.id, withImageOrigin(fixture('tea-shop-ja-2024.csv'), cdn.origin));
    expect(done).toMatchObject({ status: 'completed', totalRows: 6, createdCount: 4, errorCount: 0 });
    const list = await productsOf(s.id);
    const byHandle = new Map(list.map((x) => [x.handle, x]));
    expect([...byHandle.keys()].sort()).toEqual(['kyusu-teapot', 'ギフトセット-桜', 'ほうじ茶-ティーバッグ', '抹茶-有機-30g'].sort());
    expect(list.map((x) => [x.handle, x.productType])).toEqual(
      expect.arrayContaining([
        ['抹茶-有機-30g', '抹茶'],
        ['ほうじ茶-ティーバッグ', 'ほうじ茶'],
        // No Type: the last level of the Shopify category.
        ['kyusu-teapot', 'Coffee & Tea Sets'],
        ['ギフトセット-桜', 'ギフト'],
      ]),
    );
    const matcha = byHandle.get('抹茶-有機-30g');
    expect(matcha).toMatchObject({ title: '有機抹茶 30g', vendor: '茶房しずく', status: 'active', tags: ['お茶', '有機', 'ギフト'] });
    expect(matcha.variants.map((v: any) => [v.sku, v.price, v.compareAtPrice, v.inventoryQuantity])).toEqual([['MATCHA-30', 2800, 3200, 24]]);
    // Images live in the store's storage now, in Image Position order, with their alt text.
    const mediaPrefix = `http://localhost:3000/media/${s.id}/`;
    expect(matcha.images.map((i: any) => [i.url.startsWith(mediaPrefix), i.alt])).toEqual([
      [true, '有機抹茶の缶'],
      [true, '茶碗に点てた抹茶'],
    ]);
    const stored = await p.services.storage.get(matcha.images[0].url.slice(mediaPrefix.length - s.id.length - 1));
    expect(stored?.contentType).toBe('image/png');
    // Variant Image: each variant points at its own (copied) image; an oversold -2 becomes 0.
    const hoji = byHandle.get('ほうじ茶-ティーバッグ');
    expect(hoji.options).toEqual([{ name: '容量', values: ['10袋', '30袋'] }]);
    expect(hoji.variants.map((v: any) => [v.sku, v.inventoryQuantity, v.imageUrl])).toEqual([
      ['HOJI-10', 50, hoji.images[0].url],
      ['HOJI-30', 0, hoji.images[1].url],
    ]);
    expect(hoji.images.every((i: any) => i.url.startsWith(mediaPrefix))).toBe(true);
    // The image the old shop no longer has: a warning at its row, kept as a link.
    expect(done.warnings).toEqual([{ row: 6, handle: 'kyusu-teapot', code: 'image_not_fetched', message: expect.stringContaining('HTTP 404') }]);
    expect(byHandle.get('kyusu-teapot').images.map((i: any) => i.url)).toEqual([`${cdn.origin}/s/files/1/0612/3456/7890/files/kyusu-missing.png?v=1703000000`]);
    // The HTML body is stored as the merchant wrote it (rendering sanitises it).
    expect(matcha.description).toContain('<li>内容量：30g</li>');
    // The product page of a Unicode handle is reachable by its URL (percent-encoded by browsers).
    const got = await call('GET', `/stores/${s.id}/products/${matcha.id}`);
    expect(got.body.handle).toBe('抹茶-有機-30g');
  });

  it('imports the 2022-layout candle export: Custom/Standardized Product Type, reused SKUs with warnings, variant images; a re-run fetches nothing again', async () => {
    const s = await store('USD');
    const csv = withImageOrigin(fixture('candle-shop-2022.csv'), cdn.origin);
    const hitsBefore = cdn.hits.length;
    const done = await runImport(s.id, csv);
    expect(done).toMatchObject({ status: 'completed', createdCount: 5, errorCount: 0 });
    const fetched = cdn.hits.length - hitsBefore;
    expect(fetched).toBe(7);
    const list = await productsOf(s.id);
    expect(list.map((x) => [x.handle, x.productType, x.variants.length, x.images.length])).toEqual([
      ['gift-trio', 'Gift Sets', 2, 2],
      ['cedar-smoke-candle', 'Candles', 2, 2],
      ['fig-leaf-candle', 'Candles', 2, 2],
      ['sea-salt-candle', 'Candles', 1, 1],
      ['wick-trimmer', 'Candle Snuffers', 1, 0],
    ]);
    // Stock stays with each variant even where SKUs repeat.
    const qty = (handle: string) => list.find((x) => x.handle === handle).variants.map((v: any) => [v.sku, v.inventoryQuantity]);
    expect(qty('cedar-smoke-candle')).toEqual([
      ['CND-8OZ', 14],
      ['CND-16OZ', 6],
    ]);
    expect(qty('fig-leaf-candle')).toEqual([
      ['CND-8OZ', 9],
      ['CND-16OZ', 0],
    ]);
    expect(qty('gift-trio')).toEqual([
      ['TRIO', 5],
      ['TRIO', 2],
    ]);
    expect(done.warnings.map((w: any) => [w.row, w.handle, w.code])).toEqual([
      [2, 'cedar-smoke-candle', 'duplicate_sku'],
      [3, 'cedar-smoke-candle', 'duplicate_sku'],
      [4, 'fig-leaf-candle', 'duplicate_sku'],
      [5, 'fig-leaf-candle', 'duplicate_sku'],
      [6, 'sea-salt-candle', 'duplicate_sku'],
      [8, 'gift-trio', 'duplicate_sku'],
    ]);
    for (const x of list) for (const v of x.variants) if (x.images.length) expect(x.images.map((i: any) => i.url)).toContain(v.imageUrl);

    // The same file again: products updated in place, every image reused from storage.
    const again = await runImport(s.id, csv);
    expect(again).toMatchObject({ status: 'completed', createdCount: 0, updatedCount: 5, errorCount: 0 });
    expect(cdn.hits.length - hitsBefore).toBe(fetched);
    const after = await productsOf(s.id);
    expect(after.map((x) => x.images.map((i: any) => i.url))).toEqual(list.map((x) => x.images.map((i: any) => i.url)));
    const keys = await s.t.selectFrom('images').select('storage_key').execute();
    expect(keys).toHaveLength(7);
    expect(keys.every((k) => k.storage_key)).toBe(true);
  });

  it('previews an import (dry run): counts, warnings and errors, and writes nothing', async () => {
    const s = await store('USD');
    const csv = `${withImageOrigin(fixture('candle-shop-2022.csv'), cdn.origin)}bad-one,Bad,,,,,,,,,,,,,SKU-X,,,,,,abc\n`;
    const hits = cdn.hits.length;
    const res = await call('POST', `/stores/${s.id}/imports/preview`, csv);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ totalRows: 9, createCount: 5, updateCount: 0, variantCount: 8, imageCount: 7, errorCount: 1, warningCount: 6 });
    expect(res.body.errors).toEqual([{ row: 10, handle: 'bad-one', code: 'invalid_price', message: expect.stringContaining('abc') }]);
    expect(res.body.warnings.map((w: any) => w.code)).toEqual(Array(6).fill('duplicate_sku'));
    expect(cdn.hits.length).toBe(hits);
    expect(await s.t.selectFrom('products').select('id').execute()).toEqual([]);
    expect(await s.t.selectFrom('imports').select('id').execute()).toEqual([]);
    // Against a store that has the products: they count as updates.
    await runImport(s.id, csv);
    const second = await call('POST', `/stores/${s.id}/imports/preview`, csv);
    expect(second.body).toMatchObject({ createCount: 0, updateCount: 5, errorCount: 1 });
    const broken = await call('POST', `/stores/${s.id}/imports/preview`, 'Handle,Title\n"unclosed,x\n');
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe('validation_failed');
  });

  it('previews an export larger than a JSON body may be: the preview takes the upload limit, like the import', async () => {
    const s = await store('USD');
    // ~1.5 MB: 3,000 products with long descriptions, as a real shop's export easily is.
    const body = `<p>${'Hand-thrown stoneware, glazed in small batches. '.repeat(10)}</p>`;
    const rows = Array.from({ length: 3000 }, (_, i) => `big-${i},Product ${i},"${body}",9.50`).join('\n');
    const csv = `Handle,Title,Body (HTML),Variant Price\n${rows}\n`;
    expect(csv.length).toBeGreaterThan(1024 * 1024);
    const res = await call('POST', `/stores/${s.id}/imports/preview`, csv);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ totalRows: 3000, createCount: 3000, errorCount: 0 });
  });

  it('offers a CSV template that previews cleanly', async () => {
    const s = await store('EUR');
    const res = await p.request('GET', `/api/v1/stores/${s.id}/imports/template`, { cookie });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    expect(res.headers.get('content-disposition')).toContain('product-import-template.csv');
    expect(res.text.split('\n')[0]).toContain('Variant Image');
    const preview = await call('POST', `/stores/${s.id}/imports/preview`, res.text);
    expect(preview.body).toMatchObject({ createCount: 1, variantCount: 2, imageCount: 2, errorCount: 0, warningCount: 0 });
  });
});
