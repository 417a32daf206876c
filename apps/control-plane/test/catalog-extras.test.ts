/** Low-stock thresholds and the inventory listing, bulk product actions, and CSV export that round-trips through the importer. */
import { randomBytes } from 'node:crypto';
import { importProductsCsv, parseCsv, UNLIMITED_CATALOG } from '@storeloom/catalog';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';

const rnd = () => randomBytes(4).toString('hex');

describe('catalogue extras', () => {
  let p: TestPlatform;
  let owner: Awaited<ReturnType<typeof signup>>;
  let storeId: string;
  beforeAll(async () => {
    p = await startTestPlatform();
    owner = await signup(p);
    storeId = (await createStore(p, owner.cookie)).id;
  });
  afterAll(async () => {
    await p.close();
  });
  const schemaOf = async (id: string) =>
    (await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', id).executeTakeFirstOrThrow()).schema_name;

  it('low-stock thresholds: set on create, PATCH and the inventory endpoint; listing filters and searches', async () => {
    const mug = await createProduct(p, owner.cookie, storeId, {
      title: 'Alpha mug',
      options: [{ name: 'Colour', values: ['Red', 'Blue'] }],
      variants: [
        { sku: `MUG-R-${rnd()}`, price: 900, inventoryQuantity: 2, lowStockThreshold: 5, options: { Colour: 'Red' } },
        { sku: `MUG-B-${rnd()}`, price: 900, inventoryQuantity: 50, options: { Colour: 'Blue' } },
      ],
    });
    expect(mug.variants.map((v: { lowStockThreshold: number | null }) => v.lowStockThreshold)).toEqual([5, null]);
    const tea = await createProduct(p, owner.cookie, storeId, { title: 'Beta tea', variants: [{ sku: `TEA-${rnd()}`, price: 300, inventoryQuantity: 1 }] });
    const patched = await p.request('PATCH', `/api/v1/stores/${storeId}/products/${tea.id}`, {
      cookie: owner.cookie,
      body: { version: tea.version, variants: [{ id: tea.variants[0].id, price: 300, lowStockThreshold: 3 }] },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body.variants[0]).toMatchObject({ lowStockThreshold: 3, inventoryQuantity: 1 });
    // Omitted in a later PATCH: unchanged.
    const again = await p.request('PATCH', `/api/v1/stores/${storeId}/products/${tea.id}`, {
      cookie: owner.cookie,
      body: { version: patched.body.version, variants: [{ id: tea.variants[0].id, price: 350 }] },
    });
    expect(again.body.variants[0].lowStockThreshold).toBe(3);

    const low = await p.request('GET', `/api/v1/stores/${storeId}/inventory?lowStock=true`, { cookie: owner.cookie });
    expect(low.status, low.text).toBe(200);
    expect(low.body.data.map((r: { productTitle: string; variantTitle: string; lowStock: boolean }) => [r.productTitle, r.variantTitle, r.lowStock])).toEqual([
      ['Alpha mug', 'Red', true],
      ['Beta tea', 'Default Title', true],
    ]);
    const set = await p.request('PUT', `/api/v1/stores/${storeId}/variants/${mug.variants[1].id}/low-stock-threshold`, {
      cookie: owner.cookie,
      body: { lowStockThreshold: 60 },
    });
    expect(set.body).toMatchObject({ variantId: mug.variants[1].id, lowStockThreshold: 60, lowStock: true, productTitle: 'Alpha mug' });
    const cleared = await p.request('PUT', `/api/v1/stores/${storeId}/variants/${mug.variants[0].id}/low-stock-threshold`, {
      cookie: owner.cookie,
      body: { lowStockThreshold: null },
    });
    expect(cleared.body.lowStock).toBe(false);
    expect(
      (
        await p.request('PUT', `/api/v1/stores/${storeId}/variants/${mug.variants[0].id}/low-stock-threshold`, {
          cookie: owner.cookie,
          body: { lowStockThreshold: -1 },
        })
      ).status,
    ).toBe(400);
    const lowAfter = await p.request('GET', `/api/v1/stores/${storeId}/inventory?lowStock=true`, { cookie: owner.cookie });
    expect(lowAfter.body.data.map((r: { variantTitle: string }) => r.variantTitle)).toEqual(['Blue', 'Default Title']);

    const bySku = await p.request('GET', `/api/v1/stores/${storeId}/inventory?q=${encodeURIComponent(tea.variants[0].sku)}`, { cookie: owner.cookie });
    expect(bySku.body.data.map((r: { productId: string }) => r.productId)).toEqual([tea.id]);
    const byTitle = await p.request('GET', `/api/v1/stores/${storeId}/inventory?q=alpha`, { cookie: owner.cookie });
    expect(byTitle.body.data).toHaveLength(2);

    // Keyset pages cover every variant once, in order.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { data: { variantId: string }[]; nextCursor: string | null } } = await p.request(
        'GET',
        `/api/v1/stores/${storeId}/inventory?limit=1${cursor ? `&cursor=${cursor}` : ''}`,
        { cookie: owner.cookie },
      );
      seen.push(...page.body.data.map((r) => r.variantId));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...mug.variants.map((v: { id: string }) => v.id), tea.variants[0].id]);
    expect((await p.request('GET', `/api/v1/stores/${storeId}/inventory?cursor=garbage`, { cookie: owner.cookie })).status).toBe(400);
  });

  it('bulk archive and set-status in one transaction, with a result per id', async () => {
    const a = await createProduct(p, owner.cookie, storeId, { title: 'Bulk A' });
    const b = await createProduct(p, owner.cookie, storeId, { title: 'Bulk B', status: 'draft' });
    const missing = crypto.randomUUID();
    const res = await p.request('POST', `/api/v1/stores/${storeId}/products/bulk`, {
      cookie: owner.cookie,
      body: { action: 'archive', ids: [a.id, b.id, missing] },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.results).toEqual([
      { id: a.id, ok: true, status: 'archived', version: a.version + 1 },
      { id: b.id, ok: true, status: 'archived', version: b.version + 1 },
      { id: missing, ok: false, error: { code: 'not_found', message: 'Product not found' } },
    ]);
    // Repeating is harmless: same status, no version churn.
    const repeat = await p.request('POST', `/api/v1/stores/${storeId}/products/bulk`, { cookie: owner.cookie, body: { action: 'archive', ids: [a.id] } });
    expect(repeat.body.results[0]).toMatchObject({ ok: true, version: a.version + 1 });
    const active = await p.request('POST', `/api/v1/stores/${storeId}/products/bulk`, {
      cookie: owner.cookie,
      body: { action: 'set-status', status: 'active', ids: [a.id, b.id] },
    });
    expect(active.body.results.map((r: { status: string }) => r.status)).toEqual(['active', 'active']);
    expect((await p.request('GET', `/api/v1/stores/${storeId}/products/${a.id}`, { cookie: owner.cookie })).body.status).toBe('active');
    expect(
      (await p.request('POST', `/api/v1/stores/${storeId}/products/bulk`, { cookie: owner.cookie, body: { action: 'set-status', ids: [a.id] } })).status,
    ).toBe(400);
    expect((await p.request('POST', `/api/v1/stores/${storeId}/products/bulk`, { cookie: owner.cookie, body: { action: 'delete', ids: [a.id] } })).status).toBe(
      400,
    );
  });

  it('exports a Shopify CSV that imports back into an identical catalogue', async () => {
    const { cookie } = await signup(p);
    const source = await createStore(p, cookie, `src-${rnd()}`, 'EUR');
    await createProduct(p, cookie, source.id, {
      title: 'Linen shirt, "classic"',
      description: '<p>Soft, breathable\nlinen.</p>',
      vendor: 'Atelier',
      productType: 'Shirts',
      tags: ['linen', 'summer'],
      seoTitle: 'Linen shirt',
      seoDescription: 'A shirt made of linen',
      options: [
        { name: 'Size', values: ['S', 'M'] },
        { name: 'Colour', values: ['White', 'Sand'] },
      ],
      variants: [
        { sku: `LS-S-W-${rnd()}`, price: 4500, compareAtPrice: 5900, inventoryQuantity: 3, options: { Size: 'S', Colour: 'White' } },
        { sku: `LS-M-W-${rnd()}`, price: 4500, inventoryQuantity: 0, options: { Size: 'M', Colour: 'White' } },
        { sku: `LS-M-S-${rnd()}`, price: 4799, inventoryQuantity: 12, options: { Size: 'M', Colour: 'Sand' } },
      ],
      images: [
        { url: 'https://img.example.com/shirt-front.jpg', alt: 'Front' },
        { url: 'https://img.example.com/shirt-back.jpg', alt: null },
        { url: 'https://img.example.com/shirt-a.jpg', alt: 'A' },
        { url: 'https://img.example.com/shirt-b.jpg', alt: 'B, detail' },
      ],
    });
    await createProduct(p, cookie, source.id, { title: 'Gift card', status: 'draft', variants: [{ sku: null, price: 2000, inventoryQuantity: 0 }] });
    for (let i = 0; i < 3; i++) await createProduct(p, cookie, source.id, { title: `Sock ${i}`, variants: [{ sku: `SOCK-${i}-${rnd()}`, price: 990 + i }] });

    const res = await p.request('GET', `/api/v1/stores/${source.id}/products/export.csv`, { cookie });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toContain(`products-${source.slug}.csv`);
    const rows = parseCsv(res.text);
    expect(rows.filter((r) => r.Handle === 'linen-shirt-classic')).toHaveLength(4);
    expect(rows.find((r) => r['Variant Compare At Price'])?.['Variant Compare At Price']).toBe('59.00');

    const target = await createStore(p, cookie, `dst-${rnd()}`, 'EUR');
    const counters = await importProductsCsv(p.db.tenant(await schemaOf(target.id)), res.text, { currency: 'EUR', limits: UNLIMITED_CATALOG });
    expect(counters.errors).toEqual([]);
    expect(counters.created).toBe(5);

    const normalise = (list: any[]) =>
      list
        .map((x) => ({
          handle: x.handle,
          title: x.title,
          description: x.description,
          status: x.status,
          vendor: x.vendor,
          productType: x.productType,
          tags: x.tags,
          options: x.options,
          seoTitle: x.seoTitle,
          seoDescription: x.seoDescription,
          variants: x.variants.map((v: any) => ({
            sku: v.sku,
            title: v.title,
            options: v.options,
            price: v.price,
            compareAtPrice: v.compareAtPrice,
            inventoryQuantity: v.inventoryQuantity,
            position: v.position,
          })),
          images: x.images.map((i: any) => ({ url: i.url, alt: i.alt, position: i.position })),
        }))
        .sort((a, b) => a.handle.localeCompare(b.handle));
    const before = await p.request('GET', `/api/v1/stores/${source.id}/products?limit=250`, { cookie });
    const after = await p.request('GET', `/api/v1/stores/${target.id}/products?limit=250`, { cookie });
    expect(normalise(after.body.data)).toEqual(normalise(before.body.data));
    // And exporting the imported store gives the same file.
    const second = await p.request('GET', `/api/v1/stores/${target.id}/products/export.csv`, { cookie });
    expect(parseCsv(second.text).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual(
      rows.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    );
  });
});
