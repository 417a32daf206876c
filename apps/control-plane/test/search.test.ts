/**
 * Product search end to end: catalogue writes through the merchant API, the
 * real BullMQ worker indexing (Redis and Postgres backends), queries through
 * the storefront search API (Host -> store) and the merchant search API.
 */
import { createLogger } from '@storeloom/log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorefrontApp } from '../../storefront/src/app.ts';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(['redis', 'postgres'] as const)('product search via the %s queue backend', (backend) => {
  let p: TestPlatform;
  let cookie: string;
  let storefront: ReturnType<typeof createStorefrontApp>;
  let a: { id: string; slug: string };
  let b: { id: string; slug: string };
  /** Cookies the shopper's requests carry (the consent cookie of the analytics test). */
  let jar = '';

  beforeAll(async () => {
    p = await startTestPlatform({ queueBackend: backend });
    ({ cookie } = await signup(p));
    await p.startWorker();
    storefront = createStorefrontApp(p.db, createLogger({ level: 'silent' }), { rootDomain: 'localhost' });
    a = await createStore(p, cookie);
    b = await createStore(p, cookie);
  });
  afterAll(async () => {
    await p?.close();
  });

  async function shop(slug: string, path: string, init: RequestInit = {}) {
    const res = await storefront.request(`http://${slug}.localhost${path}`, {
      ...init,
      headers: { host: `${slug}.localhost`, ...(jar ? { cookie: jar } : {}), ...(init.headers ?? {}) },
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }
  const search = (slug: string, qs: string) => shop(slug, `/api/storefront/v1/search?${qs}`);

  /** Polls the storefront until `check` passes (indexing is asynchronous), with a deadline. */
  async function eventually<T>(fn: () => Promise<T>, check: (v: T) => boolean, what: string, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await fn();
      if (check(v)) return v;
      if (Date.now() > deadline) throw new Error(`${what}: not reached in ${timeoutMs} ms; last ${JSON.stringify(v).slice(0, 500)}`);
      await sleep(150);
    }
  }
  const titles = (r: { body: { hits: { title: string }[] } }) => r.body.hits.map((h) => h.title);

  it('indexes created products, follows edits, stock and deletes, and keeps stores apart', async () => {
    const shirt = await createProduct(p, cookie, a.id, {
      title: 'Organic Linen Shirt',
      description: '<p>Breathable <b>linen</b> for summer</p>',
      vendor: 'Acme',
      productType: 'Shirts',
      tags: ['summer', 'linen'],
      options: [{ name: 'Size', values: ['S', 'M'] }],
      variants: [
        { sku: 'LIN-S', price: 4500, inventoryQuantity: 0, options: { Size: 'S' } },
        { sku: 'LIN-M', price: 4700, inventoryQuantity: 0, options: { Size: 'M' } },
      ],
    });
    await createProduct(p, cookie, a.id, {
      title: 'Wool Sweater',
      vendor: 'Borealis',
      productType: 'Knitwear',
      variants: [{ sku: 'WS-1', price: 9900, inventoryQuantity: 4 }],
    });
    await createProduct(p, cookie, a.id, {
      title: 'Linen Trousers',
      vendor: 'Acme',
      productType: 'Trousers',
      variants: [{ sku: 'LT-1', price: 6500, inventoryQuantity: 2 }],
    });
    await createProduct(p, cookie, a.id, { title: 'Draft Linen Scarf', status: 'draft', variants: [{ sku: 'DS-1', price: 1500 }] });
    // Another store with the same words: never visible from store a.
    await createProduct(p, cookie, b.id, { title: 'Linen Shirt from store B', vendor: 'Acme', variants: [{ sku: 'B-1', price: 100, inventoryQuantity: 1 }] });

    const r = await eventually(
      () => search(a.slug, 'q=linen'),
      (r) => r.status === 200 && r.body.total === 2,
      'two linen products in a',
    );
    expect(titles(r).sort()).toEqual(['Linen Trousers', 'Organic Linen Shirt']);
    expect(r.body.facets.vendor).toEqual([{ value: 'Acme', count: 2 }]);
    expect(r.body.facets.productType).toEqual([
      { value: 'Shirts', count: 1 },
      { value: 'Trousers', count: 1 },
    ]);
    expect(r.body.facets.option.size).toEqual([
      { value: 'M', count: 1 },
      { value: 'S', count: 1 },
    ]);
    expect(r.body.facets.inStock).toBe(1);
    // Not logged for analytics (the store has not turned analytics on, issue 22): no search id to attribute clicks to.
    expect(r.body.searchId).toBeNull();
    const fromB = await eventually(
      () => search(b.slug, 'q=linen'),
      (r) => r.body.total === 1,
      'one linen product in b',
    );
    expect(titles(fromB)).toEqual(['Linen Shirt from store B']);

    // Typo, SKU, filters, sort.
    const typo = await search(a.slug, 'q=sweatr');
    expect(titles(typo)).toEqual(['Wool Sweater']);
    expect(typo.body.didYouMean).toBe('sweater');
    expect(titles(await search(a.slug, 'q=LIN-M'))[0]).toBe('Organic Linen Shirt');
    expect(titles(await search(a.slug, 'q=linen&inStock=1'))).toEqual(['Linen Trousers']);
    expect(titles(await search(a.slug, 'q=&sort=price_desc'))).toEqual(['Wool Sweater', 'Linen Trousers', 'Organic Linen Shirt']);
    expect(titles(await search(a.slug, 'q=&sort=price_asc&priceMax=5000'))).toEqual(['Organic Linen Shirt']);
    expect(titles(await search(a.slug, 'q=linen&option=size:M'))).toEqual(['Organic Linen Shirt']);
    expect((await search(a.slug, 'sort=bogus')).status).toBe(400);

    // Stock arrives: the in-stock facet follows through the worker.
    const variantId = shirt.variants[0].id as string;
    const adj = await p.request('POST', `/api/v1/stores/${a.id}/variants/${variantId}/inventory-adjustments`, {
      cookie,
      body: { delta: 3, reason: 'received' },
    });
    expect(adj.status).toBe(201);
    await eventually(
      () => search(a.slug, 'q=linen&inStock=1'),
      (r) => r.body.total === 2,
      'shirt in stock',
    );

    // Rename: the old word stops matching, the new one matches.
    const patch = await p.request('PATCH', `/api/v1/stores/${a.id}/products/${shirt.id}`, {
      cookie,
      body: { version: shirt.version, title: 'Organic Hemp Shirt' },
    });
    expect(patch.status).toBe(200);
    await eventually(
      () => search(a.slug, 'q=hemp'),
      (r) => r.body.total === 1,
      'renamed product found',
    );
    // Its description and tags still say linen; the title ranks the trousers first.
    expect(titles(await search(a.slug, 'q=linen'))).toEqual(['Linen Trousers', 'Organic Hemp Shirt']);

    // Delete.
    expect((await p.request('DELETE', `/api/v1/stores/${a.id}/products/${shirt.id}`, { cookie })).status).toBe(204);
    await eventually(
      () => search(a.slug, 'q=hemp'),
      (r) => r.body.total === 0,
      'deleted product gone',
    );
    // Store b untouched by everything above.
    expect(titles(await search(b.slug, 'q=shirt'))).toEqual(['Linen Shirt from store B']);
  });

  it('follows collection renames and deletes into its products’ documents (facet label and searchable title)', async () => {
    const bowl = await createProduct(p, cookie, a.id, { title: 'Stoneware Bowl', variants: [{ sku: 'BOWL-1', price: 2400, inventoryQuantity: 3 }] });
    const coll = await p.request('POST', `/api/v1/stores/${a.id}/collections`, { cookie, body: { title: 'Summer Kitchen' } });
    expect(coll.status).toBe(201);
    expect((await p.request('POST', `/api/v1/stores/${a.id}/collections/${coll.body.id}/products`, { cookie, body: { productIds: [bowl.id] } })).status).toBe(
      200,
    );
    const label = (r: { body: { facets: { collection: { value: string; label: string }[] } } }) =>
      r.body.facets.collection.find((f) => f.value === coll.body.id)?.label ?? null;
    await eventually(
      () => search(a.slug, 'q=bowl'),
      (r) => label(r) === 'Summer Kitchen',
      'collection facet',
    );

    // Rename: the facet label and the searchable collection title follow, without touching the product.
    const current = await p.request('GET', `/api/v1/stores/${a.id}/collections/${coll.body.id}`, { cookie });
    const renamed = await p.request('PATCH', `/api/v1/stores/${a.id}/collections/${coll.body.id}`, {
      cookie,
      body: { version: current.body.version, title: 'Harvest Table' },
    });
    expect(renamed.status).toBe(200);
    await eventually(
      () => search(a.slug, 'q=bowl'),
      (r) => label(r) === 'Harvest Table',
      'renamed collection label',
    );
    expect(titles(await search(a.slug, 'q=harvest'))).toEqual(['Stoneware Bowl']);

    // Delete: the product no longer carries the collection.
    expect((await p.request('DELETE', `/api/v1/stores/${a.id}/collections/${coll.body.id}`, { cookie })).status).toBe(204);
    await eventually(
      () => search(a.slug, 'q=bowl'),
      (r) => label(r) === null,
      'deleted collection gone from the facet',
    );
    expect((await search(a.slug, 'q=harvest')).body.total).toBe(0);
    // Leave store a's catalogue as the later tests expect it.
    expect((await p.request('DELETE', `/api/v1/stores/${a.id}/products/${bowl.id}`, { cookie })).status).toBe(204);
    await eventually(
      () => search(a.slug, 'q=bowl'),
      (r) => r.body.total === 0,
      'bowl deleted',
    );
  });

  it('indexes CSV imports, autocompletes, and records clicks for the analytics', async () => {
    // Analytics events are an optional purpose (issue 22): the store turns them on, this shopper agreed.
    const on = await p.request('PATCH', `/api/v1/stores/${a.id}/privacy-settings`, { cookie, body: { analytics: true } });
    expect(on.status, JSON.stringify(on.body)).toBe(200);
    storefront.resolver.invalidate();
    jar = `sf_consent=${encodeURIComponent('consentsearchtest0001.1:analytics+marketing.analytics')}`;
    const csv = [
      'Handle,Title,Body (HTML),Vendor,Type,Tags,Variant SKU,Variant Price,Variant Inventory Qty,Status',
      'espresso-cup,Espresso Cup,Porcelain cup,Kiln,Cups,"coffee, kitchen",EC-1,12.00,5,active',
      'coffee-grinder,Coffee Grinder,Burr grinder for beans,Kiln,Grinders,coffee,CG-1,89.00,1,active',
    ].join('\n');
    const up = await p.request('POST', `/api/v1/stores/${a.id}/imports`, { cookie, rawBody: csv, contentType: 'text/csv' });
    expect(up.status).toBe(202);
    const r = await eventually(
      () => search(a.slug, 'q=coffee'),
      (r) => r.body.total === 2,
      'imported products searchable',
      60_000,
    );
    expect(r.body.facets.tag.find((t: { value: string }) => t.value === 'coffee')?.count).toBe(2);

    const ac = await shop(a.slug, '/api/storefront/v1/autocomplete?q=espr');
    expect(ac.status).toBe(200);
    expect(ac.body.products.map((x: { title: string }) => x.title)).toEqual(['Espresso Cup']);
    expect(ac.body.suggestions).toContain('espresso');

    const hit = r.body.hits[0];
    const click = await shop(a.slug, '/api/storefront/v1/search/click', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ searchId: r.body.searchId, productId: hit.productId, position: 1 }),
    });
    expect(click.status).toBe(204);
    expect((await search(a.slug, 'q=unobtainium')).body.total).toBe(0);
    // The storefront writes its analytics in batches (about every second).
    const stats = await eventually(
      () => p.request('GET', `/api/v1/stores/${a.id}/search/analytics?days=7`, { cookie }),
      (r) => r.status === 200 && r.body.zeroResultQueries.some((z: { query: string }) => z.query === 'unobtainium'),
      'analytics flushed',
    );
    const coffee = stats.body.topQueries.find((q: { query: string }) => q.query === 'coffee');
    expect(coffee.searches).toBeGreaterThanOrEqual(1);
    expect(coffee.clickThroughRate).toBeGreaterThan(0);
  });

  it('applies synonyms, stop words and pins from the merchant API, and explains scores to staff', async () => {
    const base = `/api/v1/stores/${a.id}/search`;
    expect((await p.request('GET', `${base}?q=mug`, { cookie })).body.total).toBe(0);
    const syn = await p.request('POST', `${base}/synonyms`, { cookie, body: { kind: 'one_way', terms: ['mug'], synonyms: ['cup'] } });
    expect(syn.status).toBe(201);
    const mug = await eventually(
      () => p.request('GET', `${base}?q=mug`, { cookie }),
      (r) => r.body.total === 1,
      'one-way synonym applies',
    );
    expect(titles(mug)).toEqual(['Espresso Cup']);
    // One way: "cup" does not match a "mug" (there is none), and two-way needs two terms.
    expect((await p.request('POST', `${base}/synonyms`, { cookie, body: { kind: 'two_way', terms: ['x'] } })).status).toBe(400);

    const trousers = (await p.request('GET', `${base}?q=trousers`, { cookie })).body.hits[0];
    const pin = await p.request('POST', `${base}/pins`, { cookie, body: { query: 'Coffee', productId: trousers.productId } });
    expect(pin.status).toBe(201);
    const pinned = await eventually(
      () => p.request('GET', `${base}?q=coffee`, { cookie }),
      (r) => r.body.hits[0]?.pinned === true,
      'pin applies',
    );
    expect(pinned.body.hits[0].title).toBe('Linen Trousers');

    const explained = await p.request('GET', `${base}?q=coffee+grinder&explain=1`, { cookie });
    // The pin is for "coffee" only.
    const grinder = explained.body.hits[0];
    expect(grinder.title).toBe('Coffee Grinder');
    expect(grinder.explain.coverage).toBe(1);
    expect(grinder.explain.matched).toEqual(['coffee', 'grinder']);
    expect(explained.body.plan.clauses).toHaveLength(2);
    // Shoppers never see explain output.
    const shopper = await search(a.slug, 'q=coffee+grinder&explain=1');
    expect(shopper.body.hits[0].explain).toBeUndefined();

    const settings = await p.request('PATCH', `${base}/settings`, { cookie, body: { stopWords: ['grinder'] } });
    expect(settings.status).toBe(200);
    expect(settings.body.stopWords).toEqual(['grinder']);
    // With the version it read, a writer is refused once the config moved on (a synonym, pin or settings change bumps it).
    const stale = await p.request('PATCH', `${base}/settings`, { cookie, body: { inStockBoost: 2, version: settings.body.version - 1 } });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('version_conflict');
    const fresh = await p.request('PATCH', `${base}/settings`, { cookie, body: { inStockBoost: 2, version: settings.body.version } });
    expect(fresh.status).toBe(200);
    expect(fresh.body).toMatchObject({ inStockBoost: 2, stopWords: ['grinder'], version: settings.body.version + 1 });
  });

  it('filters the merchant search by several values, repeated or comma-separated, as its OpenAPI document says', async () => {
    // Store b: store a's product counts are asserted by the reindex test below.
    const base = `/api/v1/stores/${b.id}/search`;
    await createProduct(p, cookie, b.id, { title: 'Filter Probe Kettle', vendor: 'Probe North', tags: ['probe-n'], variants: [{ sku: 'FP-1', price: 2500 }] });
    await createProduct(p, cookie, b.id, { title: 'Filter Probe Teapot', vendor: 'Probe South', tags: ['probe-s'], variants: [{ sku: 'FP-2', price: 3500 }] });
    const one = await eventually(
      () => p.request('GET', `${base}?q=probe&vendor=${encodeURIComponent('Probe North')}`, { cookie }),
      (r) => r.status === 200 && r.body.total === 1,
      'one vendor filter',
    );
    expect(titles(one)).toEqual(['Filter Probe Kettle']);
    await eventually(
      () => p.request('GET', `${base}?q=probe&vendor=${encodeURIComponent('Probe South')}`, { cookie }),
      (r) => r.status === 200 && r.body.total === 1,
      'the other vendor indexed',
    );
    const repeated = await p.request('GET', `${base}?q=probe&vendor=${encodeURIComponent('Probe North')}&vendor=${encodeURIComponent('Probe South')}`, {
      cookie,
    });
    expect(repeated.status).toBe(200);
    expect(titles(repeated).sort()).toEqual(['Filter Probe Kettle', 'Filter Probe Teapot']);
    const comma = await p.request('GET', `${base}?q=probe&vendor=${encodeURIComponent('Probe North,Probe South')}`, { cookie });
    expect(comma.status).toBe(200);
    expect(titles(comma).sort()).toEqual(['Filter Probe Kettle', 'Filter Probe Teapot']);
    const tags = await p.request('GET', `${base}?q=probe&tag=probe-n&tag=probe-s`, { cookie });
    expect(tags.status).toBe(200);
    expect(tags.body.total).toBe(2);
    // The document describes the same parameter: a string or an array of strings, form style, exploded.
    const doc = (await p.request('GET', '/api/v1/openapi.json')).body;
    const vendor = doc.paths['/stores/{storeId}/search'].get.parameters.find((x: { name: string }) => x.name === 'vendor');
    expect(vendor.schema.anyOf.map((s: { type: string }) => s.type).sort()).toEqual(['array', 'string']);
  });

  it('reindexes with progress and reports the index consistent with the catalogue', async () => {
    const base = `/api/v1/stores/${a.id}/search`;
    // Break the index behind the worker's back: the check must notice and repair it.
    const { schema_name } = await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', a.id).executeTakeFirstOrThrow();
    await p.db
      .tenant(schema_name)
      .deleteFrom('search_documents' as never)
      .execute();
    const check = await p.request('POST', `${base}/check`, { cookie, body: { repair: true } });
    expect(check.status).toBe(202);
    const done = await eventually(
      () => p.request('GET', `${base}/jobs/${encodeURIComponent(check.body.jobId)}`, { cookie }),
      (r) => r.body.state === 'completed',
      'check job',
    );
    expect(done.body.result.missing).toBe(4);
    expect(done.body.result.repaired).toBe(true);

    const reindex = await p.request('POST', `${base}/reindex`, { cookie });
    expect(reindex.status).toBe(202);
    const job = await eventually(
      () => p.request('GET', `${base}/jobs/${encodeURIComponent(reindex.body.jobId)}`, { cookie }),
      (r) => r.body.state === 'completed',
      'reindex job',
    );
    expect(job.body.progress).toBe(100);
    expect(job.body.result.products).toBe(5);
    const status = await p.request('GET', `${base}/status`, { cookie });
    expect(status.body).toMatchObject({ documents: 4, activeProducts: 4 });
    expect((await p.request('GET', `/api/v1/stores/${b.id}/search/jobs/${encodeURIComponent(reindex.body.jobId)}`, { cookie })).status).toBe(404);
  });
});
