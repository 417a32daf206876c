/**
 * Shopify product CSV import through the real API and the real BullMQ worker,
 * on both queue backends (Redis and Postgres).
 */
import { ImportService, UNLIMITED_CATALOG } from '@storeloom/catalog';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore, signup, startTestPlatform, type ApiResponse, type TestPlatform } from '../../../test/helpers/platform.ts';

const HEADER = [
  'Handle',
  'Title',
  'Body (HTML)',
  'Vendor',
  'Type',
  'Tags',
  'Published',
  'Option1 Name',
  'Option1 Value',
  'Variant SKU',
  'Variant Inventory Qty',
  'Variant Price',
  'Variant Compare At Price',
  'Image Src',
  'Image Alt Text',
  'Status',
] as const;
type Col = (typeof HEADER)[number];

const quote = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
const toCsv = (rows: Partial<Record<Col, string>>[]) =>
  [HEADER.join(','), ...rows.map((r) => HEADER.map((h) => quote(r[h] ?? '')).join(','))].join('\n') + '\n';

/**
 * The test file. Rows (file row numbers, header = 1):
 *  2-5  classic-tee: 3 sizes and an image-only row
 *  6    mug: a single "Default Title" variant
 *  7    bad-price: price "abc"
 *  8-9  missing-price: the second variant has no price (the whole product is refused)
 *  10   bad-status: status "bogus" (with Published=TRUE, as Shopify exports carry both)
 *  11   yen-fraction (JPY only): a price with a fraction the currency does not have
 *  last multiline: a description spanning several lines
 */
function productCsv(
  prices: { tee: [string, string, string]; teeCompare: string; mug: string; multi: string },
  opts: { extraJpyRow?: boolean; teeMPrice?: string } = {},
) {
  const rows: Partial<Record<Col, string>>[] = [
    {
      Handle: 'classic-tee',
      Title: 'Classic Tee',
      'Body (HTML)': '<p>Soft cotton</p>',
      Vendor: 'Acme',
      Type: 'Shirts',
      Tags: 'summer, cotton',
      Published: 'TRUE',
      'Option1 Name': 'Size',
      'Option1 Value': 'S',
      'Variant SKU': 'TEE-S',
      'Variant Inventory Qty': '5',
      'Variant Price': prices.tee[0],
      'Variant Compare At Price': prices.teeCompare,
      'Image Src': 'https://cdn.example.com/tee-front.jpg',
      'Image Alt Text': 'Front',
      Status: 'active',
    },
    { Handle: 'classic-tee', 'Option1 Value': 'M', 'Variant SKU': 'TEE-M', 'Variant Inventory Qty': '3', 'Variant Price': opts.teeMPrice ?? prices.tee[1] },
    { Handle: 'classic-tee', 'Option1 Value': 'L', 'Variant SKU': 'TEE-L', 'Variant Inventory Qty': '0', 'Variant Price': prices.tee[2] },
    { Handle: 'classic-tee', 'Image Src': 'https://cdn.example.com/tee-back.jpg', 'Image Alt Text': 'Back' },
    {
      Handle: 'mug',
      Title: 'Enamel Mug',
      Vendor: 'Acme',
      Published: 'FALSE',
      'Option1 Name': 'Title',
      'Option1 Value': 'Default Title',
      'Variant SKU': 'MUG-1',
      'Variant Inventory Qty': '12',
      'Variant Price': prices.mug,
      Status: 'draft',
    },
    { Handle: 'bad-price', Title: 'Bad price', 'Option1 Name': 'Size', 'Option1 Value': 'S', 'Variant SKU': 'BP-S', 'Variant Price': 'abc', Status: 'active' },
    {
      Handle: 'missing-price',
      Title: 'Missing price',
      'Option1 Name': 'Size',
      'Option1 Value': 'S',
      'Variant SKU': 'MP-S',
      'Variant Price': prices.mug,
      Status: 'active',
    },
    { Handle: 'missing-price', 'Option1 Value': 'M', 'Variant SKU': 'MP-M' },
    { Handle: 'bad-status', Title: 'Bad status', Published: 'TRUE', 'Variant SKU': 'BS-1', 'Variant Price': prices.mug, Status: 'bogus' },
  ];
  if (opts.extraJpyRow) rows.push({ Handle: 'yen-fraction', Title: 'Yen fraction', 'Variant SKU': 'YF-1', 'Variant Price': '12.50', Status: 'active' });
  rows.push({
    Handle: 'multiline',
    Title: 'Multi line',
    'Body (HTML)': '<p>Line one, with "quotes"</p>\n<p>Line two</p>',
    'Variant SKU': 'ML-1',
    'Variant Price': prices.multi,
    Status: 'active',
  });
  return toCsv(rows);
}

const EUR = {
  csv: productCsv({ tee: ['19.99', '19.99', '21.5'], teeCompare: '24.99', mug: '8.00', multi: '1,299.00' }),
  tee: [1999, 1999, 2150],
  teeCompare: 2499,
  mug: 800,
  multi: 129900,
};
const JPY = {
  csv: productCsv({ tee: ['1999', '1999.00', '2150'], teeCompare: '2499', mug: '800', multi: '1,299' }, { extraJpyRow: true }),
  tee: [1999, 1999, 2150],
  teeCompare: 2499,
  mug: 800,
  multi: 1299,
};

const EXPECTED_ERRORS = [
  { row: 7, handle: 'bad-price', code: 'invalid_price' },
  { row: 9, handle: 'missing-price', code: 'missing_price' },
  { row: 10, handle: 'bad-status', code: 'invalid_status' },
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(['redis', 'postgres'] as const)('CSV product import via the %s queue backend', (backend) => {
  let p: TestPlatform;
  let cookie: string;

  beforeAll(async () => {
    p = await startTestPlatform({ queueBackend: backend });
    ({ cookie } = await signup(p));
  });
  afterAll(async () => {
    await p?.close();
  });

  let worker: Promise<unknown> | undefined;
  const ensureWorker = () => {
    worker ??= p.startWorker();
    return worker;
  };

  async function store(currency: string) {
    const s = await createStore(p, cookie, undefined, currency);
    const { schema_name } = await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', s.id).executeTakeFirstOrThrow();
    return { id: s.id, t: p.db.tenant(schema_name) };
  }

  const upload = (storeId: string, csv: string, query = '') =>
    p.request('POST', `/api/v1/stores/${storeId}/imports${query}`, { cookie, rawBody: csv, contentType: 'text/csv' });

  /** Polls the import until it is finished (completed or failed), with a deadline. */
  async function waitForImport(storeId: string, importId: string, timeoutMs = 60_000): Promise<ApiResponse> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await p.request('GET', `/api/v1/stores/${storeId}/imports/${importId}`, { cookie });
      expect(res.status).toBe(200);
      if (res.body.status === 'completed' || res.body.status === 'failed') return res;
      if (Date.now() > deadline) throw new Error(`import ${importId} still ${res.body.status} after ${timeoutMs} ms`);
      await sleep(100);
    }
  }

  async function waitForJob(jobId: string, timeoutMs = 60_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const state = await (await p.queues.getJob('catalog', jobId))?.getState();
      // Read the job again once it is finished: a copy fetched while it was active has no return value yet.
      const job = state === 'completed' || state === 'failed' ? await p.queues.getJob('catalog', jobId) : undefined;
      if (job && (state === 'completed' || state === 'failed')) return { job, state };
      if (Date.now() > deadline) throw new Error(`job ${jobId} still ${state} after ${timeoutMs} ms`);
      await sleep(100);
    }
  }

  async function products(storeId: string) {
    const res = await p.request('GET', `/api/v1/stores/${storeId}/products?limit=250&sort=title`, { cookie });
    expect(res.status).toBe(200);
    return res.body.data as any[];
  }

  function expectValidProducts(list: any[], prices: typeof EUR) {
    expect(list.map((x) => x.handle).sort()).toEqual(['classic-tee', 'mug', 'multiline']);
    const tee = list.find((x) => x.handle === 'classic-tee');
    expect(tee).toMatchObject({
      title: 'Classic Tee',
      description: '<p>Soft cotton</p>',
      vendor: 'Acme',
      productType: 'Shirts',
      status: 'active',
      tags: ['summer', 'cotton'],
    });
    expect(tee.options).toEqual([{ name: 'Size', values: ['S', 'M', 'L'] }]);
    expect(tee.variants.map((v: any) => [v.title, v.sku, v.price, v.compareAtPrice, v.inventoryQuantity])).toEqual([
      ['S', 'TEE-S', prices.tee[0], prices.teeCompare, 5],
      ['M', 'TEE-M', prices.tee[1], null, 3],
      ['L', 'TEE-L', prices.tee[2], null, 0],
    ]);
    expect(tee.images.map((i: any) => [i.url, i.alt, i.position])).toEqual([
      ['https://cdn.example.com/tee-front.jpg', 'Front', 0],
      ['https://cdn.example.com/tee-back.jpg', 'Back', 1],
    ]);
    const mug = list.find((x) => x.handle === 'mug');
    expect(mug).toMatchObject({ title: 'Enamel Mug', status: 'draft', options: [] });
    expect(mug.variants.map((v: any) => [v.title, v.sku, v.price, v.inventoryQuantity])).toEqual([['Default Title', 'MUG-1', prices.mug, 12]]);
    const multi = list.find((x) => x.handle === 'multiline');
    expect(multi.description).toBe('<p>Line one, with "quotes"</p>\n<p>Line two</p>');
    expect(multi.variants[0].price).toBe(prices.multi);
  }

  async function expectNoPartialProducts(t: Awaited<ReturnType<typeof store>>['t']) {
    const bad = await t.selectFrom('products').select('handle').where('handle', 'in', ['bad-price', 'missing-price', 'bad-status', 'yen-fraction']).execute();
    expect(bad).toEqual([]);
    const strayVariants = await t.selectFrom('variants').select('sku').where('sku', 'in', ['BP-S', 'MP-S', 'MP-M', 'BS-1', 'YF-1']).execute();
    expect(strayVariants).toEqual([]);
  }

  it('queues an EUR import (202), the worker runs it: valid products created in minor units, bad rows reported by row, no partial products', async () => {
    const s = await store('EUR');
    const res = await upload(s.id, EUR.csv, '?filename=products.csv');
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      id: expect.any(String),
      jobId: expect.any(String),
      status: 'queued',
      kind: 'products_csv',
      filename: 'products.csv',
      createdCount: 0,
      errors: [],
    });
    const { id: importId, jobId } = res.body;
    // Nothing happens before a worker runs.
    expect((await p.request('GET', `/api/v1/stores/${s.id}/imports/${importId}`, { cookie })).body.status).toBe('queued');
    expect(await products(s.id)).toEqual([]);

    await ensureWorker();
    const done = await waitForImport(s.id, importId);
    expect(done.body).toMatchObject({ status: 'completed', totalRows: 10, processedRows: 10, progress: 1, createdCount: 3, updatedCount: 0, errorCount: 3 });
    expect(done.body.startedAt).toEqual(expect.any(String));
    expect(done.body.finishedAt).toEqual(expect.any(String));
    expect(done.body.errors.map((e: any) => ({ row: e.row, handle: e.handle, code: e.code }))).toEqual(EXPECTED_ERRORS);
    for (const e of done.body.errors) expect(e.message).toEqual(expect.any(String));
    expect(done.body.errors[0].message).toContain('abc');

    expectValidProducts(await products(s.id), EUR);
    await expectNoPartialProducts(s.t);

    const { job, state } = await waitForJob(jobId);
    expect(state).toBe('completed');
    expect(job.progress).toBe(100);
    expect(job.returnvalue).toEqual({ status: 'completed', created: 3, updated: 0, errors: 3 });

    const list = await p.request('GET', `/api/v1/stores/${s.id}/imports`, { cookie });
    expect(list.body.data.map((x: any) => [x.id, x.status, x.createdCount])).toEqual([[importId, 'completed', 3]]);
  });

  it('imports a JPY store (0 decimals): whole-yen prices, and a price with a fraction is an error', async () => {
    const s = await store('JPY');
    const res = await upload(s.id, JPY.csv);
    expect(res.status).toBe(202);
    await ensureWorker();
    const done = await waitForImport(s.id, res.body.id);
    expect(done.body).toMatchObject({ status: 'completed', totalRows: 11, processedRows: 11, createdCount: 3, updatedCount: 0, errorCount: 4 });
    expect(done.body.errors.map((e: any) => ({ row: e.row, handle: e.handle, code: e.code }))).toEqual([
      ...EXPECTED_ERRORS,
      { row: 11, handle: 'yen-fraction', code: 'invalid_price' },
    ]);
    expectValidProducts(await products(s.id), JPY);
    await expectNoPartialProducts(s.t);
    const { job } = await waitForJob(res.body.jobId);
    expect(job.progress).toBe(100);
  });

  it('re-importing the same file updates in place (no duplicates, same variant ids), and a changed file updates prices', async () => {
    const s = await store('EUR');
    const first = await upload(s.id, EUR.csv);
    await ensureWorker();
    expect((await waitForImport(s.id, first.body.id)).body.createdCount).toBe(3);
    const before = await products(s.id);

    const again = await upload(s.id, EUR.csv);
    expect(again.status).toBe(202);
    expect(again.body.id).not.toBe(first.body.id);
    const done = await waitForImport(s.id, again.body.id);
    expect(done.body).toMatchObject({ status: 'completed', createdCount: 0, updatedCount: 3, errorCount: 3 });
    const after = await products(s.id);
    expect(after.map((x) => x.id).sort()).toEqual(before.map((x) => x.id).sort());
    expectValidProducts(after, EUR);
    const tee = (list: any[]) => list.find((x) => x.handle === 'classic-tee');
    expect(tee(after).variants.map((v: any) => v.id)).toEqual(tee(before).variants.map((v: any) => v.id));
    const counts = await s.t
      .selectFrom('variants')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(counts.n)).toBe(5);
    const images = await s.t
      .selectFrom('images')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(images.n)).toBe(2);

    const changed = await upload(
      s.id,
      productCsv({ tee: ['19.99', '19.99', '21.5'], teeCompare: '24.99', mug: '8.00', multi: '1,299.00' }, { teeMPrice: '17.25' }),
    );
    const done2 = await waitForImport(s.id, changed.body.id);
    expect(done2.body).toMatchObject({ status: 'completed', createdCount: 0, updatedCount: 3 });
    const teeNow = tee(await products(s.id));
    expect(teeNow.variants.map((v: any) => v.price)).toEqual([1999, 1725, 2150]);
    expect(teeNow.variants.map((v: any) => v.id)).toEqual(tee(before).variants.map((v: any) => v.id));
    expect(teeNow.version).toBeGreaterThan(tee(before).version);
  });

  it('fails a malformed CSV (unclosed quote) as a whole with an invalid_file error and creates nothing', async () => {
    const s = await store('EUR');
    const csv = `${HEADER.join(',')}\nbroken,"Broken title,,,,,,,,,,10.00,,,,active\nother,Other,,,,,,,,,,5.00,,,,active\n`;
    const res = await upload(s.id, csv);
    expect(res.status).toBe(202);
    await ensureWorker();
    const done = await waitForImport(s.id, res.body.id);
    expect(done.body.status).toBe('failed');
    expect(done.body.errorCount).toBe(1);
    expect(done.body.errors).toEqual([{ row: 0, code: 'invalid_file', message: expect.any(String) }]);
    expect(done.body.finishedAt).toEqual(expect.any(String));
    expect(await products(s.id)).toEqual([]);
    const { job, state } = await waitForJob(res.body.jobId);
    // The failure is the import's, recorded on it; the job itself is not retried.
    expect(state).toBe('completed');
    expect(job.returnvalue).toMatchObject({ status: 'failed' });
  });

  it('imports a product whose SKU another product uses (as Shopify allows) with a duplicate_sku warning at its row, and reports bad handles', async () => {
    const s = await store('USD');
    const csv = toCsv([
      { Handle: 'first', Title: 'First', 'Variant SKU': 'SHARED-1', 'Variant Price': '1.00', 'Variant Inventory Qty': '4' },
      { Handle: 'second', Title: 'Second', 'Option1 Name': 'Size', 'Option1 Value': 'S', 'Variant SKU': 'OWN-1', 'Variant Price': '2.00' },
      { Handle: 'second', 'Option1 Value': 'M', 'Variant SKU': 'SHARED-1', 'Variant Price': '2.00', 'Variant Inventory Qty': '7' },
      { Handle: '', Title: '', 'Variant SKU': 'NO-HANDLE', 'Variant Price': '3.00' },
      { Handle: 'Not A Handle', Title: 'x', 'Variant SKU': 'BAD-HANDLE', 'Variant Price': '3.00' },
      { Title: 'From Title Only', 'Variant SKU': 'TITLE-1', 'Variant Price': '4.00' },
    ]);
    const res = await upload(s.id, csv);
    await ensureWorker();
    const done = await waitForImport(s.id, res.body.id);
    expect(done.body).toMatchObject({ status: 'completed', createdCount: 3, errorCount: 2, warningCount: 2 });
    expect(done.body.errors.map((e: any) => [e.row, e.code])).toEqual([
      [5, 'missing_handle'],
      [6, 'invalid_handle'],
    ]);
    // Both products name the other: the merchant sees the pair from either side.
    expect(done.body.warnings.map((e: any) => [e.row, e.handle, e.code])).toEqual([
      [2, 'first', 'duplicate_sku'],
      [4, 'second', 'duplicate_sku'],
    ]);
    expect(done.body.warnings[1].message).toContain('first');
    expect((await products(s.id)).map((x) => [x.handle, x.variants.length])).toEqual([
      ['first', 1],
      ['from-title-only', 1],
      ['second', 2],
    ]);
    // Stock belongs to the variant, not the SKU: two variants with one SKU keep their own quantities.
    const shared = await s.t.selectFrom('variants').select(['sku', 'inventory_quantity']).where('sku', '=', 'SHARED-1').orderBy('inventory_quantity').execute();
    expect(shared).toEqual([
      { sku: 'SHARED-1', inventory_quantity: 4 },
      { sku: 'SHARED-1', inventory_quantity: 7 },
    ]);
    expect(await s.t.selectFrom('variants').select('sku').where('sku', 'in', ['NO-HANDLE', 'BAD-HANDLE']).execute()).toEqual([]);
  });

  it('keeps an image the worker may not fetch (loopback under the default egress policy) as a link, with an image_not_fetched warning at its row', async () => {
    const s = await store('USD');
    const csv = toCsv([
      { Handle: 'lamp', Title: 'Lamp', 'Variant SKU': 'LAMP-1', 'Variant Price': '10.00', 'Image Src': 'http://127.0.0.1:9/lamp.png' },
      { Handle: 'lamp', 'Image Src': 'https://127.0.0.1:9/lamp-2.png' },
    ]);
    const res = await upload(s.id, csv);
    await ensureWorker();
    const done = await waitForImport(s.id, res.body.id);
    expect(done.body).toMatchObject({ status: 'completed', createdCount: 1, errorCount: 0, warningCount: 2 });
    expect(done.body.warnings.map((e: any) => [e.row, e.code])).toEqual([
      [2, 'image_not_fetched'],
      [3, 'image_not_fetched'],
    ]);
    expect(done.body.warnings[0].message).toContain('https');
    expect(done.body.warnings[1].message).toContain('loopback');
    const [lamp] = await products(s.id);
    expect(lamp.images.map((i: any) => i.url)).toEqual(['http://127.0.0.1:9/lamp.png', 'https://127.0.0.1:9/lamp-2.png']);
    expect(await s.t.selectFrom('images').select('storage_key').where('storage_key', 'is not', null).execute()).toEqual([]);
  });

  it('refuses an empty file, a non-CSV content type and unknown imports', async () => {
    const s = await store('EUR');
    const empty = await upload(s.id, '   \n');
    expect(empty.status).toBe(400);
    const json = await p.request('POST', `/api/v1/stores/${s.id}/imports`, { cookie, body: { csv: 'x' } });
    expect(json.status).toBe(415);
    expect((await p.request('GET', `/api/v1/stores/${s.id}/imports/018f0000-0000-7000-8000-000000000000`, { cookie })).status).toBe(404);
    const imports = await s.t.selectFrom('imports').select('id').execute();
    expect(imports).toEqual([]);
  });
  it('a resumed import (worker crash mid-file) counts each row once and does not write committed products again (issue 15)', async () => {
    const s = await store('EUR');
    const total = 120;
    const csv = toCsv(Array.from({ length: total }, (_, i) => ({ Handle: `resume-${i}`, Title: `Resume ${i}`, 'Variant Price': '5.00', Status: 'draft' })));
    const record = await new ImportService(s.t).createCsvImport(csv, 'resume.csv', null);
    // First run: the worker dies after the first progress report (50 rows committed).
    let reports = 0;
    await new ImportService(s.t).run(record.id, {
      currency: 'EUR',
      limits: UNLIMITED_CATALOG,
      onProgress: () => {
        reports++;
        throw new Error('worker crashed');
      },
    });
    expect(reports).toBe(1);
    const committed = await s.t.selectFrom('products').select(['id', 'version']).execute();
    expect(committed.length).toBeGreaterThanOrEqual(50);
    expect(committed.length).toBeLessThan(total);
    // What a crash leaves: the record still running, the committed products in place.
    await s.t.updateTable('imports').set({ status: 'running', error_count: 0, errors: '[]', finished_at: null }).where('id', '=', record.id).execute();

    const resumed = await new ImportService(s.t).run(record.id, { currency: 'EUR', limits: UNLIMITED_CATALOG });
    expect(resumed).toMatchObject({ status: 'completed', totalRows: total, processedRows: total, createdCount: total, updatedCount: 0, errorCount: 0 });
    const after = await s.t.selectFrom('products').select(['id', 'version']).execute();
    expect(after).toHaveLength(total);
    // The products of the first run were not written again: same versions.
    const versions = new Map(after.map((r) => [r.id, r.version]));
    for (const r of committed) expect(versions.get(r.id), r.id).toBe(r.version);
  });
});
