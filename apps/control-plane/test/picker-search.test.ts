/**
 * Server-side search behind the console's searchable pickers (issue 17: "searchable pickers instead of 300-item
 * dropdowns"): collections, pages and articles take `query` (title or handle contains, case-insensitive, LIKE's
 * wildcards taken literally), and `/images` searches every product's images by alt text or product title, a page at a
 * time. Through the real HTTP API on a real Postgres; another store's rows are never found.
 */
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

async function newStore() {
  const store = await createStore(p, cookie);
  const call = <T = any>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> =>
    p.request<T>(method, `/api/v1/stores/${store.id}${path}`, body === undefined ? { cookie } : { cookie, body });
  return { store, call };
}

const titles = (r: ApiResponse<any>) => (r.body.data as { title: string }[]).map((x) => x.title).sort();

describe('picker search', () => {
  it('collections: `query` matches title or handle, case-insensitive, wildcards literal, with the cursor', async () => {
    const s = await newStore();
    for (const title of ['Summer Linen', 'Winter Wool', 'Linen basics', '100% cotton'])
      expect((await s.call('POST', '/collections', { title })).status).toBe(201);
    await s.call('POST', '/collections', { title: 'Sale', handle: 'linen-sale' });
    expect(titles(await s.call('GET', '/collections?query=LINEN'))).toEqual(['Linen basics', 'Sale', 'Summer Linen']);
    expect(titles(await s.call('GET', '/collections?query=%25'))).toEqual(['100% cotton']);
    expect(titles(await s.call('GET', '/collections?query=_'))).toEqual([]);
    expect(titles(await s.call('GET', '/collections?query=zzz'))).toEqual([]);
    // Blank is no filter.
    expect((await s.call('GET', '/collections?query=%20')).body.data).toHaveLength(5);
    const first = await s.call('GET', '/collections?query=linen&limit=2');
    expect(first.body.data).toHaveLength(2);
    const rest = await s.call('GET', `/collections?query=linen&limit=2&cursor=${first.body.nextCursor}`);
    expect(rest.body.nextCursor).toBeNull();
    expect([...titles(first), ...titles(rest)].sort()).toEqual(['Linen basics', 'Sale', 'Summer Linen']);
    expect((await s.call('GET', `/collections?query=${'x'.repeat(201)}`)).status).toBe(400);
  });

  it('pages and articles: `query` matches title or handle; `limit` caps the list', async () => {
    const s = await newStore();
    for (const title of ['About us', 'Shipping FAQ', 'Our story']) expect((await s.call('POST', '/pages', { title, body: '<p>x</p>' })).status).toBe(201);
    expect((await s.call('POST', '/pages', { title: 'Returns', body: '', handle: 'about-returns' })).status).toBe(201);
    expect(titles(await s.call('GET', '/pages?query=ABOUT'))).toEqual(['About us', 'Returns']);
    expect(titles(await s.call('GET', '/pages?query=faq'))).toEqual(['Shipping FAQ']);
    expect((await s.call('GET', '/pages?limit=2')).body.data).toHaveLength(2);
    expect((await s.call('GET', '/pages')).body.data).toHaveLength(4);
    expect((await s.call('GET', '/pages?limit=0')).status).toBe(400);

    for (const title of ['Spring lookbook', 'How we dye linen', 'Care guide'])
      expect((await s.call('POST', '/articles', { title, body: '<p>x</p>' })).status).toBe(201);
    expect(titles(await s.call('GET', '/articles?query=LINEN'))).toEqual(['How we dye linen']);
    expect(titles(await s.call('GET', '/articles?query=oo'))).toEqual(['Spring lookbook']);
    expect((await s.call('GET', '/articles?query=%25')).body.data).toEqual([]);
  });

  it("images: every product's images by alt text or product title, newest product first, a page at a time; never another store's", async () => {
    const s = await newStore();
    const shirt = await createProduct(p, cookie, s.store.id, {
      title: 'Linen Shirt',
      images: [{ url: 'https://cdn.example.com/shirt-front.jpg', alt: 'Front' }, { url: 'https://cdn.example.com/shirt-back.jpg' }],
    });
    const socks = await createProduct(p, cookie, s.store.id, {
      title: 'Wool Socks',
      images: [{ url: 'https://cdn.example.com/socks.jpg', alt: 'Linen-blend heel' }],
    });
    const other = await newStore();
    await createProduct(p, cookie, other.store.id, { title: 'Linen Towel', images: [{ url: 'https://cdn.example.com/towel.jpg', alt: 'Linen' }] });

    const linen = await s.call('GET', '/images?query=linen');
    expect(linen.status).toBe(200);
    expect(linen.body.data.map((i: any) => [i.url, i.productTitle])).toEqual([
      ['https://cdn.example.com/socks.jpg', 'Wool Socks'],
      ['https://cdn.example.com/shirt-front.jpg', 'Linen Shirt'],
      ['https://cdn.example.com/shirt-back.jpg', 'Linen Shirt'],
    ]);
    expect(linen.body.data[0]).toMatchObject({ productId: socks.id, alt: 'Linen-blend heel' });
    expect(linen.body.data[1]).toMatchObject({ productId: shirt.id, alt: 'Front', position: 0 });
    expect((await s.call('GET', '/images?query=front')).body.data.map((i: any) => i.url)).toEqual(['https://cdn.example.com/shirt-front.jpg']);
    expect((await s.call('GET', '/images?query=towel')).body.data).toEqual([]);

    const page1 = await s.call('GET', '/images?limit=2');
    expect(page1.body.data).toHaveLength(2);
    const page2 = await s.call('GET', `/images?limit=2&cursor=${page1.body.nextCursor}`);
    expect(page2.body.data.map((i: any) => i.url)).toEqual(['https://cdn.example.com/shirt-back.jpg']);
    expect(page2.body.nextCursor).toBeNull();
    expect((await s.call('GET', '/images?cursor=nonsense')).status).toBe(400);
    expect((await s.call('GET', '/images?limit=101')).status).toBe(400);
  });
});
