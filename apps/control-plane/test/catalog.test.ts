/**
 * Catalogue: products (variants from options, handles, SKUs, optimistic
 * concurrency, variant replacement, listing with cursors/filters/sorts,
 * archive/delete) and manual collections, through the real HTTP API on a
 * real Postgres.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, createStore, signup, startTestPlatform, type ApiResponse, type TestPlatform } from '../../../test/helpers/platform.ts';

let p: TestPlatform;
let cookie: string;

beforeAll(async () => {
  p = await startTestPlatform();
  ({ cookie } = await signup(p));
});
afterAll(async () => {
  await p?.close();
});

const sku = (prefix = 'SKU') => `${prefix}-${randomBytes(4).toString('hex')}`;

/** A fresh store; returns a request helper scoped to it plus its schema. */
async function newStore(currency = 'USD') {
  const store = await createStore(p, cookie, undefined, currency);
  const row = await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', store.id).executeTakeFirstOrThrow();
  const call = <T = any>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> =>
    p.request<T>(method, `/api/v1/stores/${store.id}${path}`, body === undefined ? { cookie } : { cookie, body });
  return { store, schema: row.schema_name, t: p.db.tenant(row.schema_name), call };
}

type Store = Awaited<ReturnType<typeof newStore>>;

async function productCount(s: Store) {
  const r = await s.t
    .selectFrom('products')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

describe('products: create', () => {
  let s: Store;
  beforeAll(async () => {
    s = await newStore();
  });

  it('creates a product with Size x Colour options generating 4 variants, money in minor units, images, tags and SEO', async () => {
    const skus = [sku('S-BL'), sku('S-RD'), sku('M-BL'), sku('M-RD')];
    const res = await s.call('POST', '/products', {
      title: '  Linen Shirt  ',
      description: '<p>Breathable</p>',
      status: 'active',
      vendor: 'Loomworks',
      productType: 'Shirts',
      tags: ['summer', ' Summer ', 'linen', ''],
      options: [
        { name: 'Size', values: ['S', 'M'] },
        { name: 'Colour', values: ['Blue', 'Red'] },
      ],
      seoTitle: 'Linen shirt | Loomworks',
      seoDescription: 'A breathable linen shirt',
      variants: [
        { sku: skus[0], price: 4500, compareAtPrice: 5900, inventoryQuantity: 3, options: { Size: 'S', Colour: 'Blue' } },
        { sku: skus[1], price: 4500, options: { Size: 'S', Colour: 'Red' } },
        { sku: skus[2], price: 4999, compareAtPrice: null, options: { size: 'M', colour: 'Blue' } },
        { sku: skus[3], price: 5001, inventoryQuantity: 7, options: { Size: 'M', Colour: 'Red' } },
      ],
      images: [{ url: 'https://cdn.example.com/a.jpg', alt: 'Front' }, { url: 'https://cdn.example.com/b.jpg' }],
    });
    expect(res.status).toBe(201);
    const prod = res.body;
    expect(prod.title).toBe('Linen Shirt');
    expect(prod.handle).toBe('linen-shirt');
    expect(prod.status).toBe('active');
    expect(prod.version).toBe(1);
    expect(prod.vendor).toBe('Loomworks');
    expect(prod.productType).toBe('Shirts');
    expect(prod.tags).toEqual(['summer', 'linen']);
    expect(prod.seoTitle).toBe('Linen shirt | Loomworks');
    expect(prod.seoDescription).toBe('A breathable linen shirt');
    expect(prod.options).toEqual([
      { name: 'Size', values: ['S', 'M'] },
      { name: 'Colour', values: ['Blue', 'Red'] },
    ]);
    expect(prod.variants.map((v: any) => v.title)).toEqual(['S / Blue', 'S / Red', 'M / Blue', 'M / Red']);
    expect(prod.variants.map((v: any) => v.position)).toEqual([0, 1, 2, 3]);
    expect(prod.variants.map((v: any) => v.sku)).toEqual(skus);
    expect(prod.variants.map((v: any) => v.price)).toEqual([4500, 4500, 4999, 5001]);
    expect(prod.variants.map((v: any) => v.compareAtPrice)).toEqual([5900, null, null, null]);
    expect(prod.variants.map((v: any) => v.inventoryQuantity)).toEqual([3, 0, 0, 7]);
    expect(prod.variants[2].options).toEqual({ Size: 'M', Colour: 'Blue' });
    expect(new Set(prod.variants.map((v: any) => v.id)).size).toBe(4);
    expect(prod.images).toEqual([
      { id: expect.any(String), url: 'https://cdn.example.com/a.jpg', alt: 'Front', position: 0 },
      { id: expect.any(String), url: 'https://cdn.example.com/b.jpg', alt: null, position: 1 },
    ]);
    expect(prod.collectionIds).toEqual([]);

    // Stored in the store's own schema, money as integers.
    const rows = await s.t
      .selectFrom('variants')
      .select(['sku', 'price', 'compare_at_price', 'title'])
      .where('product_id', '=', prod.id)
      .orderBy('position')
      .execute();
    expect(rows).toEqual([
      { sku: skus[0], price: 4500, compare_at_price: 5900, title: 'S / Blue' },
      { sku: skus[1], price: 4500, compare_at_price: null, title: 'S / Red' },
      { sku: skus[2], price: 4999, compare_at_price: null, title: 'M / Blue' },
      { sku: skus[3], price: 5001, compare_at_price: null, title: 'M / Red' },
    ]);
    const got = await s.call('GET', `/products/${prod.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(prod);
  });

  it('a single variant without options is the "Default Title" variant; prices must be integer minor units', async () => {
    const prod = await createProduct(p, cookie, s.store.id, { title: 'Plain tee' });
    expect(prod.variants).toHaveLength(1);
    expect(prod.variants[0].title).toBe('Default Title');
    expect(prod.options).toEqual([]);
    for (const price of [19.99, -1, '4500']) {
      const before = await productCount(s);
      const res = await s.call('POST', '/products', { title: 'Bad price', variants: [{ price }] });
      expect(res.status, `price ${price}`).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(await productCount(s)).toBe(before);
    }
  });

  it('accepts non-ASCII handles (as Shopify generates for Japanese titles), derives them from such titles, and still refuses spaces and capitals', async () => {
    const given = await createProduct(p, cookie, s.store.id, { title: '有機抹茶', handle: '抹茶-有機-30g' });
    expect(given.handle).toBe('抹茶-有機-30g');
    const derived = await createProduct(p, cookie, s.store.id, { title: 'ほうじ茶 ティーバッグ' });
    expect(derived.handle).toBe('ほうじ茶-ティーバッグ');
    // Decomposed kana (a dakuten as a combining mark) is stored composed: one handle, one product.
    const decomposed = '\u307b\u3046\u3057\u3099\u8336-2';
    const nfc = await createProduct(p, cookie, s.store.id, { title: 'x', handle: decomposed });
    expect(nfc.handle).toBe('ほうじ茶-2');
    for (const bad of ['抹茶 セット', 'Matcha', '抹茶--セット', '抹茶/セット']) {
      const res = await s.call('POST', '/products', { title: 'Bad', handle: bad, variants: [{ price: 100 }] });
      expect(res.status, bad).toBe(400);
    }
  });

  it('derives the handle from the title and suffixes it on collision; an explicit taken handle is 409', async () => {
    const a = await createProduct(p, cookie, s.store.id, { title: 'Café Crème Mug!' });
    const b = await createProduct(p, cookie, s.store.id, { title: 'Cafe creme mug' });
    const c = await createProduct(p, cookie, s.store.id, { title: 'CAFÉ  crème -- mug' });
    expect([a.handle, b.handle, c.handle]).toEqual(['cafe-creme-mug', 'cafe-creme-mug-2', 'cafe-creme-mug-3']);
    const explicit = await createProduct(p, cookie, s.store.id, { title: 'Anything', handle: 'custom-handle' });
    expect(explicit.handle).toBe('custom-handle');
    const before = await productCount(s);
    const taken = await s.call('POST', '/products', { title: 'Other', handle: 'cafe-creme-mug', variants: [{ price: 100 }] });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('handle_taken');
    const badHandle = await s.call('POST', '/products', { title: 'Other', handle: 'Not A Handle', variants: [{ price: 100 }] });
    expect(badHandle.status).toBe(400);
    expect(await productCount(s)).toBe(before);
  });

  it('accepts a SKU another product already uses and a SKU repeated within a product (Shopify semantics); stock stays per variant', async () => {
    const shared = sku('DUP');
    const first = await createProduct(p, cookie, s.store.id, { title: 'First', variants: [{ sku: shared, price: 1000, inventoryQuantity: 3 }] });
    const res = await s.call('POST', '/products', {
      title: 'Second',
      options: [{ name: 'Size', values: ['S', 'M'] }],
      variants: [
        { sku: shared, price: 1000, inventoryQuantity: 5, options: { Size: 'S' } },
        { sku: shared, price: 1200, inventoryQuantity: 8, options: { Size: 'M' } },
      ],
    });
    expect(res.status).toBe(201);
    expect(res.body.variants.map((v: any) => [v.sku, v.inventoryQuantity])).toEqual([
      [shared, 5],
      [shared, 8],
    ]);
    // A stock move on one variant leaves the others with the same SKU alone.
    const adjusted = await s.call('POST', `/variants/${res.body.variants[0].id}/inventory-adjustments`, { delta: -2 });
    expect(adjusted.status).toBe(201);
    const rows = await s.t.selectFrom('variants').select(['id', 'inventory_quantity']).where('sku', '=', shared).orderBy('inventory_quantity').execute();
    expect(rows).toEqual([
      { id: first.variants[0].id, inventory_quantity: 3 },
      { id: res.body.variants[0].id, inventory_quantity: 3 },
      { id: res.body.variants[1].id, inventory_quantity: 8 },
    ]);
  });

  it('refuses two variants with the same option values, missing option values and unknown options with 400', async () => {
    const before = await productCount(s);
    const same = await s.call('POST', '/products', {
      title: 'Twins',
      options: [
        { name: 'Size', values: ['S'] },
        { name: 'Colour', values: ['Blue'] },
      ],
      variants: [
        { price: 100, options: { Size: 'S', Colour: 'Blue' } },
        { price: 200, options: { Size: 'S', Colour: ' Blue ' } },
      ],
    });
    expect(same.status).toBe(400);
    expect(same.body.error.code).toBe('validation_failed');
    expect(same.body.error.details).toEqual([{ path: 'variants.1.options', message: expect.stringContaining('same option values') }]);
    const missing = await s.call('POST', '/products', {
      title: 'Missing',
      options: [
        { name: 'Size', values: ['S'] },
        { name: 'Colour', values: ['Blue'] },
      ],
      variants: [{ price: 100, options: { Size: 'S' } }],
    });
    expect(missing.status).toBe(400);
    const unknown = await s.call('POST', '/products', {
      title: 'Unknown',
      options: [{ name: 'Size', values: ['S'] }],
      variants: [{ price: 100, options: { Size: 'S', Material: 'Wool' } }],
    });
    expect(unknown.status).toBe(400);
    const noOptions = await s.call('POST', '/products', { title: 'Two plain', variants: [{ price: 1 }, { price: 2 }] });
    expect(noOptions.status).toBe(400);
    expect(await productCount(s)).toBe(before);
  });

  it('replays a create with the same Idempotency-Key and refuses the key with a different body', async () => {
    const key = `k-${randomBytes(6).toString('hex')}`;
    const body = { title: 'Idempotent hat', variants: [{ sku: sku('HAT'), price: 1500 }] };
    const first = await p.request('POST', `/api/v1/stores/${s.store.id}/products`, { cookie, body, headers: { 'idempotency-key': key } });
    expect(first.status).toBe(201);
    const again = await p.request('POST', `/api/v1/stores/${s.store.id}/products`, { cookie, body, headers: { 'idempotency-key': key } });
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const other = await p.request('POST', `/api/v1/stores/${s.store.id}/products`, {
      cookie,
      body: { ...body, title: 'Other hat' },
      headers: { 'idempotency-key': key },
    });
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('idempotency_key_reused');
    const rows = await s.t.selectFrom('products').select('id').where('title', 'in', ['Idempotent hat', 'Other hat']).execute();
    expect(rows.map((r) => r.id)).toEqual([first.body.id]);
  });
});

describe('products: update', () => {
  let s: Store;
  beforeAll(async () => {
    s = await newStore();
  });

  it('applies an update with the current version (version+1) and refuses a stale one with 409, changing nothing', async () => {
    const prod = await createProduct(p, cookie, s.store.id, { title: 'Wool scarf', tags: ['winter'] });
    const ok = await s.call('PATCH', `/products/${prod.id}`, { version: 1, title: 'Merino scarf', tags: ['winter', 'gift'], seoTitle: 'Scarf' });
    expect(ok.status).toBe(200);
    expect(ok.body.version).toBe(2);
    expect(ok.body.title).toBe('Merino scarf');
    expect(ok.body.tags).toEqual(['winter', 'gift']);
    expect(ok.body.handle).toBe('wool-scarf'); // handles do not follow title edits
    expect(new Date(ok.body.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(prod.updatedAt).getTime());

    const stale = await s.call('PATCH', `/products/${prod.id}`, { version: 1, title: 'Lost update', status: 'archived' });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('version_conflict');
    expect(stale.body.error.details).toEqual({ currentVersion: 2 });
    const after = await s.call('GET', `/products/${prod.id}`);
    expect(after.body).toEqual(ok.body);
    const row = await s.t.selectFrom('products').select(['title', 'status', 'version']).where('id', '=', prod.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ title: 'Merino scarf', status: 'active', version: 2 });

    const future = await s.call('PATCH', `/products/${prod.id}`, { version: 3, title: 'From the future' });
    expect(future.status).toBe(409);
    expect(future.body.error.details).toEqual({ currentVersion: 2 });

    // Changing the handle to one another product has is a 409 that changes nothing either.
    const other = await createProduct(p, cookie, s.store.id, { title: 'Taken handle' });
    const clash = await s.call('PATCH', `/products/${prod.id}`, { version: 2, handle: other.handle, title: 'Clash' });
    expect(clash.status).toBe(409);
    expect(clash.body.error.code).toBe('handle_taken');
    expect((await s.call('GET', `/products/${prod.id}`)).body).toEqual(ok.body);
    const rehandled = await s.call('PATCH', `/products/${prod.id}`, { version: 2, handle: 'merino-scarf' });
    expect(rehandled.status).toBe(200);
    expect(rehandled.body).toMatchObject({ handle: 'merino-scarf', version: 3 });
  });

  it('lets exactly one of two concurrent edits with the same version win', async () => {
    const prod = await createProduct(p, cookie, s.store.id, { title: 'Contended' });
    const results = await Promise.all(['Edit A', 'Edit B', 'Edit C'].map((title) => s.call('PATCH', `/products/${prod.id}`, { version: 1, title })));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 409, 409]);
    const winner = results.find((r) => r.status === 200)?.body;
    const row = await s.t.selectFrom('products').select(['title', 'version']).where('id', '=', prod.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ title: winner.title, version: 2 });
  });

  it('replacing variants keeps the ids of those sent with an id, deletes the rest and adds new ones', async () => {
    const [skuS, skuM, skuL] = [sku('S'), sku('M'), sku('L')];
    const prod = await createProduct(p, cookie, s.store.id, {
      title: 'Trousers',
      options: [{ name: 'Size', values: ['S', 'M', 'L'] }],
      variants: [
        { sku: skuS, price: 6000, inventoryQuantity: 1, options: { Size: 'S' } },
        { sku: skuM, price: 6000, inventoryQuantity: 2, options: { Size: 'M' } },
        { sku: skuL, price: 6500, inventoryQuantity: 3, options: { Size: 'L' } },
      ],
    });
    const [vS, vM, vL] = prod.variants;
    const skuXL = sku('XL');
    const res = await s.call('PATCH', `/products/${prod.id}`, {
      version: prod.version,
      variants: [
        { id: vL.id, sku: skuL, price: 7000, inventoryQuantity: 9, options: { Size: 'L' } },
        { sku: skuXL, price: 7500, options: { Size: 'XL' } },
        { id: vM.id, price: 6100, options: { Size: 'M' } },
      ],
    });
    expect(res.status).toBe(200);
    const v = res.body.variants;
    expect(v.map((x: any) => x.title)).toEqual(['L', 'XL', 'M']);
    expect(v[0].id).toBe(vL.id);
    expect(v[2].id).toBe(vM.id);
    expect([vS.id, vM.id, vL.id]).not.toContain(v[1].id);
    expect(v.map((x: any) => x.price)).toEqual([7000, 7500, 6100]);
    expect(v.map((x: any) => x.sku)).toEqual([skuL, skuXL, skuM]);
    expect(v.map((x: any) => x.inventoryQuantity)).toEqual([9, 0, 2]);
    expect(res.body.options).toEqual([{ name: 'Size', values: ['L', 'XL', 'M'] }]);
    expect(res.body.version).toBe(prod.version + 1);

    const rows = await s.t.selectFrom('variants').select('id').where('product_id', '=', prod.id).execute();
    expect(rows.map((r) => r.id).sort()).toEqual([vL.id, vM.id, v[1].id].sort());
    expect(await s.t.selectFrom('variants').select('id').where('id', '=', vS.id).execute()).toEqual([]);
    // The stock change made through the edit is in the ledger.
    const ledger = await s.t
      .selectFrom('inventory_adjustments')
      .select(['variant_id', 'delta', 'quantity_after', 'reason'])
      .where('variant_id', '=', vL.id)
      .execute();
    expect(ledger).toEqual([{ variant_id: vL.id, delta: 6, quantity_after: 9, reason: 'product_edit' }]);
    // The deleted variant's SKU is free again.
    const reuse = await createProduct(p, cookie, s.store.id, { title: 'Reuses SKU', variants: [{ sku: skuS, price: 100 }] });
    expect(reuse.variants[0].sku).toBe(skuS);
  });

  it('swaps SKUs between kept variants, and refuses a variant id of another product with 400 (nothing changed)', async () => {
    const [a, b] = [sku('A'), sku('B')];
    const prod = await createProduct(p, cookie, s.store.id, {
      title: 'Swapper',
      variants: [
        { sku: a, price: 100, options: { Size: 'S' } },
        { sku: b, price: 100, options: { Size: 'M' } },
      ],
    });
    const [v0, v1] = prod.variants;
    const swapped = await s.call('PATCH', `/products/${prod.id}`, {
      version: 1,
      variants: [
        { id: v0.id, sku: b, price: 100, options: { Size: 'S' } },
        { id: v1.id, sku: a, price: 100, options: { Size: 'M' } },
      ],
    });
    expect(swapped.status).toBe(200);
    expect(swapped.body.variants.map((v: any) => [v.id, v.sku])).toEqual([
      [v0.id, b],
      [v1.id, a],
    ]);

    const other = await createProduct(p, cookie, s.store.id, { title: 'Other' });
    const res = await s.call('PATCH', `/products/${prod.id}`, { version: 2, variants: [{ id: other.variants[0].id, price: 1 }] });
    expect(res.status).toBe(400);
    const again = await s.call('GET', `/products/${prod.id}`);
    expect(again.body.version).toBe(2);
    expect(again.body.variants.map((v: any) => v.id)).toEqual([v0.id, v1.id]);
    const otherAfter = await s.call('GET', `/products/${other.id}`);
    expect(otherAfter.body.variants).toEqual(other.variants);
  });

  it('an update may give a variant a SKU another product uses', async () => {
    const taken = sku('TAKEN');
    await createProduct(p, cookie, s.store.id, { title: 'Owner', variants: [{ sku: taken, price: 100 }] });
    const prod = await createProduct(p, cookie, s.store.id, { title: 'Wannabe' });
    const res = await s.call('PATCH', `/products/${prod.id}`, {
      version: 1,
      title: 'Renamed',
      variants: [{ id: prod.variants[0].id, sku: taken, price: 100 }],
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ title: 'Renamed', version: 2 });
    expect(res.body.variants[0]).toMatchObject({ id: prod.variants[0].id, sku: taken });
  });

  it('PATCH of an unknown product is 404', async () => {
    const res = await s.call('PATCH', '/products/018f0000-0000-7000-8000-000000000000', { version: 1, title: 'x' });
    expect(res.status).toBe(404);
    const notUuid = await s.call('GET', '/products/not-a-uuid');
    expect(notUuid.status).toBe(404);
  });

  it('archives (idempotently) and deletes products', async () => {
    const prod = await createProduct(p, cookie, s.store.id, { title: 'Old stock' });
    const archived = await s.call('POST', `/products/${prod.id}/archive`);
    expect(archived.status).toBe(200);
    expect(archived.body.status).toBe('archived');
    expect(archived.body.version).toBe(2);
    const again = await s.call('POST', `/products/${prod.id}/archive`);
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('archived');
    expect(again.body.version).toBe(2);
    const listed = await s.call('GET', '/products?status=archived&limit=250');
    expect(listed.body.data.map((x: any) => x.id)).toContain(prod.id);
    expect((await s.call('POST', '/products/018f0000-0000-7000-8000-000000000000/archive')).status).toBe(404);

    const del = await s.call('DELETE', `/products/${prod.id}`);
    expect(del.status).toBe(204);
    expect((await s.call('GET', `/products/${prod.id}`)).status).toBe(404);
    expect((await s.call('DELETE', `/products/${prod.id}`)).status).toBe(404);
    expect(await s.t.selectFrom('variants').select('id').where('product_id', '=', prod.id).execute()).toEqual([]);
  });
});

describe('products: list', () => {
  let s: Store;
  const titles = [
    'delta',
    'Alpha',
    'charlie',
    'bravo',
    'alpha',
    'echo',
    'Bravo',
    'foxtrot',
    'golf',
    'hotel',
    'alpha',
    'india',
    'juliet',
    'kilo',
    'lima',
    'mike',
    'november',
    'oscar',
    'papa',
    'quebec',
    'romeo',
    'sierra',
    'tango',
    'uniform',
    'victor',
  ];
  const all: any[] = [];

  beforeAll(async () => {
    s = await newStore();
    for (const [i, title] of titles.entries()) {
      all.push(
        await createProduct(p, cookie, s.store.id, {
          title,
          status: i % 5 === 0 ? 'draft' : 'active',
          variants: [{ sku: `LIST-${String(i).padStart(2, '0')}-${title.toUpperCase()}`, price: 100 + i }],
        }),
      );
    }
    // Touch some products so updatedAt order differs from createdAt order.
    for (const i of [3, 17, 0, 9]) {
      const r = await s.call('PATCH', `/products/${all[i].id}`, { version: 1, description: 'touched' });
      expect(r.status).toBe(200);
      all[i] = r.body;
    }
  });

  async function pages(query: string, limit = 10) {
    const seen: any[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 50; i++) {
      const res: ApiResponse = await s.call('GET', `/products?limit=${limit}${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(res.status, res.text).toBe(200);
      sizes.push(res.body.data.length);
      seen.push(...res.body.data);
      cursor = res.body.nextCursor;
      if (!cursor) break;
    }
    return { seen, sizes };
  }

  const cmp = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);
  const expectedOrder: Record<string, (a: any, b: any) => number> = {
    createdAt: (a, b) => cmp(a.id, b.id),
    '-createdAt': (a, b) => -cmp(a.id, b.id),
    title: (a, b) => cmp(a.title, b.title) || cmp(a.id, b.id),
    '-title': (a, b) => -(cmp(a.title, b.title) || cmp(a.id, b.id)),
    updatedAt: (a, b) => cmp(new Date(a.updatedAt).getTime(), new Date(b.updatedAt).getTime()) || cmp(a.id, b.id),
    '-updatedAt': (a, b) => -(cmp(new Date(a.updatedAt).getTime(), new Date(b.updatedAt).getTime()) || cmp(a.id, b.id)),
  };

  it.each(['createdAt', '-createdAt', 'title', '-title', 'updatedAt', '-updatedAt'])(
    'pages through all 25 products exactly once, in order, sorted by %s',
    async (sort) => {
      const { seen, sizes } = await pages(`&sort=${sort}`);
      expect(sizes).toEqual([10, 10, 5]);
      const ids = seen.map((x) => x.id);
      expect(new Set(ids).size).toBe(25);
      expect(ids.slice().sort()).toEqual(all.map((x) => x.id).sort());
      const expected = all
        .slice()
        .sort(expectedOrder[sort])
        .map((x) => x.id);
      expect(ids).toEqual(expected);
    },
  );

  it('uses -createdAt by default and returns nextCursor null when the page is the last one', async () => {
    const res = await s.call('GET', '/products?limit=25');
    expect(res.body.data.map((x: any) => x.id)).toEqual(
      all
        .map((x) => x.id)
        .sort()
        .reverse(),
    );
    expect(res.body.nextCursor).toBeNull();
    const exact = await pages('&sort=title', 5);
    expect(exact.sizes).toEqual([5, 5, 5, 5, 5]);
  });

  it('filters by status, tag, q (title, handle or SKU; case-insensitive; wildcards literal) and collectionId', async () => {
    const drafts = await pages('&status=draft', 2);
    expect(drafts.seen.map((x) => x.id).sort()).toEqual(
      all
        .filter((_, i) => i % 5 === 0)
        .map((x) => x.id)
        .sort(),
    );
    expect(drafts.seen.every((x) => x.status === 'draft')).toBe(true);

    const tagged = await s.call('PATCH', `/products/${all[5].id}`, { version: all[5].version, tags: ['Sale', 'summer'] });
    expect(tagged.status).toBe(200);
    all[5] = tagged.body;
    const tagged2 = await s.call('PATCH', `/products/${all[6].id}`, { version: all[6].version, tags: ['summer'] });
    all[6] = tagged2.body;
    const bySummer = await s.call('GET', '/products?tag=summer&sort=createdAt');
    expect(bySummer.body.data.map((x: any) => x.id)).toEqual([all[5].id, all[6].id]);
    const bySale = await s.call('GET', '/products?tag=Sale');
    expect(bySale.body.data.map((x: any) => x.id)).toEqual([all[5].id]);
    expect((await s.call('GET', '/products?tag=nothing')).body.data).toEqual([]);

    const byTitle = await s.call('GET', '/products?q=ALPHA&sort=createdAt');
    expect(byTitle.body.data.map((x: any) => x.title)).toEqual(['Alpha', 'alpha', 'alpha']);
    const bySku = await s.call('GET', '/products?q=list-07');
    expect(bySku.body.data.map((x: any) => x.id)).toEqual([all[7].id]);
    const byHandle = await s.call('GET', '/products?q=alpha-3');
    expect(byHandle.body.data.map((x: any) => x.id)).toEqual([all[10].id]);
    const wildcard = await s.call('GET', `/products?q=${encodeURIComponent('%')}`);
    expect(wildcard.body.data).toEqual([]);
    const underscore = await s.call('GET', `/products?q=${encodeURIComponent('_')}`);
    expect(underscore.body.data).toEqual([]);
    const combined = await s.call('GET', '/products?q=alpha&status=draft');
    expect(combined.body.data.map((x: any) => x.id)).toEqual([all[10].id]);

    const coll = await s.call('POST', '/collections', { title: 'Picks', productIds: [all[2].id, all[20].id] });
    expect(coll.status).toBe(201);
    const inColl = await s.call('GET', `/products?collectionId=${coll.body.id}&sort=createdAt`);
    expect(inColl.body.data.map((x: any) => x.id)).toEqual([all[2].id, all[20].id]);
    expect(inColl.body.data[0].collectionIds).toEqual([coll.body.id]);
  });

  it('refuses bad cursors and bad query parameters with 400', async () => {
    const cases = [
      '/products?cursor=garbage',
      `/products?cursor=${Buffer.from('{"a":1}').toString('base64url')}`,
      `/products?cursor=${Buffer.from(JSON.stringify([1, 'not-a-uuid'])).toString('base64url')}`,
      // A well-formed cursor whose value does not fit the sort.
      `/products?sort=updatedAt&cursor=${Buffer.from(JSON.stringify(['not a date', all[0].id])).toString('base64url')}`,
      `/products?sort=-updatedAt&cursor=${Buffer.from(JSON.stringify([null, all[0].id])).toString('base64url')}`,
      '/products?sort=price',
      '/products?limit=0',
      '/products?limit=251',
      '/products?status=gone',
      '/products?collectionId=nope',
    ];
    for (const path of cases) {
      const res = await s.call('GET', path);
      expect(res.status, path).toBe(400);
      expect(res.body.error.code, path).toBe('validation_failed');
    }
  });
});

describe('collections', () => {
  let s: Store;
  beforeAll(async () => {
    s = await newStore();
  });

  it('creates, lists, updates and deletes collections; membership and productCount', async () => {
    const a = await createProduct(p, cookie, s.store.id, { title: 'A' });
    const b = await createProduct(p, cookie, s.store.id, { title: 'B' });
    const c = await createProduct(p, cookie, s.store.id, { title: 'C' });

    const created = await s.call('POST', '/collections', { title: 'Summer Sale', description: 'Hot' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ handle: 'summer-sale', title: 'Summer Sale', description: 'Hot', version: 1, productCount: 0 });
    const second = await s.call('POST', '/collections', { title: 'Summer sale!' });
    expect(second.body.handle).toBe('summer-sale-2');
    const dupHandle = await s.call('POST', '/collections', { title: 'x', handle: 'summer-sale' });
    expect(dupHandle.status).toBe(409);
    expect(dupHandle.body.error.code).toBe('handle_taken');
    const id = created.body.id;

    const added = await s.call('POST', `/collections/${id}/products`, { productIds: [a.id, b.id, a.id] });
    expect(added.status).toBe(200);
    expect(added.body.productCount).toBe(2);
    const addedAgain = await s.call('POST', `/collections/${id}/products`, { productIds: [b.id, c.id] });
    expect(addedAgain.body.productCount).toBe(3);
    // Kept in the order they were added; re-adding a member neither duplicates nor moves it.
    const links = await s.t.selectFrom('collection_products').select(['product_id']).where('collection_id', '=', id).orderBy('position').execute();
    expect(links.map((l) => l.product_id)).toEqual([a.id, b.id, c.id]);
    expect((await s.call('GET', `/products/${a.id}`)).body.collectionIds).toEqual([id]);

    const unknownProduct = await s.call('POST', `/collections/${id}/products`, { productIds: [a.id, '018f0000-0000-7000-8000-000000000000'] });
    expect(unknownProduct.status).toBe(400);
    expect((await s.call('GET', `/collections/${id}`)).body.productCount).toBe(3);
    const unknownCollection = await s.call('POST', '/collections/018f0000-0000-7000-8000-000000000000/products', { productIds: [a.id] });
    expect(unknownCollection.status).toBe(404);

    const removed = await s.call('DELETE', `/collections/${id}/products/${b.id}`);
    expect(removed.status).toBe(204);
    expect((await s.call('DELETE', `/collections/${id}/products/${b.id}`)).status).toBe(404);
    expect((await s.call('GET', `/collections/${id}`)).body.productCount).toBe(2);
    expect((await s.call('GET', `/products/${b.id}`)).body.collectionIds).toEqual([]);

    const list = await s.call('GET', '/collections');
    expect(list.status).toBe(200);
    expect(list.body.data.map((x: any) => [x.id, x.productCount])).toEqual([
      [id, 2],
      [second.body.id, 0],
    ]);
    const page1 = await s.call('GET', '/collections?limit=1');
    expect(page1.body.data.map((x: any) => x.id)).toEqual([id]);
    const page2 = await s.call('GET', `/collections?limit=1&cursor=${page1.body.nextCursor}`);
    expect(page2.body.data.map((x: any) => x.id)).toEqual([second.body.id]);
    expect(page2.body.nextCursor).toBeNull();

    // Deleting a product removes it from the collection.
    expect((await s.call('DELETE', `/products/${c.id}`)).status).toBe(204);
    expect((await s.call('GET', `/collections/${id}`)).body.productCount).toBe(1);

    const updated = await s.call('PATCH', `/collections/${id}`, { version: 1, title: 'Autumn', handle: 'autumn' });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ title: 'Autumn', handle: 'autumn', version: 2, productCount: 1 });
    const stale = await s.call('PATCH', `/collections/${id}`, { version: 1, title: 'Lost' });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('version_conflict');
    expect(stale.body.error.details).toEqual({ currentVersion: 2 });
    expect((await s.call('GET', `/collections/${id}`)).body.title).toBe('Autumn');
    const takenHandle = await s.call('PATCH', `/collections/${id}`, { version: 2, handle: 'summer-sale-2' });
    expect(takenHandle.status).toBe(409);
    expect(takenHandle.body.error.code).toBe('handle_taken');
    expect((await s.call('PATCH', '/collections/018f0000-0000-7000-8000-000000000000', { version: 1, title: 'x' })).status).toBe(404);

    const del = await s.call('DELETE', `/collections/${id}`);
    expect(del.status).toBe(204);
    expect((await s.call('GET', `/collections/${id}`)).status).toBe(404);
    expect((await s.call('DELETE', `/collections/${id}`)).status).toBe(404);
    // Its products stay.
    expect((await s.call('GET', `/products/${a.id}`)).body.collectionIds).toEqual([]);
    expect(await s.t.selectFrom('collection_products').select('product_id').where('collection_id', '=', id).execute()).toEqual([]);
  });

  it('links products to collections through the product API (collectionIds), refusing unknown collections', async () => {
    const coll = await s.call('POST', '/collections', { title: 'Via product' });
    const prod = await createProduct(p, cookie, s.store.id, { title: 'Linked', collectionIds: [coll.body.id] });
    expect(prod.collectionIds).toEqual([coll.body.id]);
    expect((await s.call('GET', `/collections/${coll.body.id}`)).body.productCount).toBe(1);
    const unlinked = await s.call('PATCH', `/products/${prod.id}`, { version: 1, collectionIds: [] });
    expect(unlinked.body.collectionIds).toEqual([]);
    expect((await s.call('GET', `/collections/${coll.body.id}`)).body.productCount).toBe(0);
    const bad = await s.call('POST', '/products', { title: 'Bad link', collectionIds: ['018f0000-0000-7000-8000-000000000000'], variants: [{ price: 1 }] });
    expect(bad.status).toBe(400);
    expect(await s.t.selectFrom('products').select('id').where('title', '=', 'Bad link').execute()).toEqual([]);
  });

  it("does not see another store's collections or products", async () => {
    const other = await newStore();
    const coll = await s.call('POST', '/collections', { title: 'Private' });
    const prod = await createProduct(p, cookie, s.store.id, { title: 'Mine' });
    expect((await other.call('GET', `/collections/${coll.body.id}`)).status).toBe(404);
    expect((await other.call('GET', `/products/${prod.id}`)).status).toBe(404);
    const cross = await other.call('POST', '/products', { title: 'Cross', collectionIds: [coll.body.id], variants: [{ price: 1 }] });
    expect(cross.status).toBe(400);
  });
});
