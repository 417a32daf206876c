/** The jobs list names what each job worked on (an import's file with its rows done of its total, a product, a collection), never an id. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';

async function waitFor<T>(fn: () => Promise<T>, ok: (v: T) => boolean, what: string, ms = 60_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

type Job = { name: string; state: string; subject: string | null; subjectDeleted: boolean; progressCount: { done: number; total: number } | null };

describe('store job subjects', () => {
  let p: TestPlatform;
  let cookie: string;
  let storeId: string;
  beforeAll(async () => {
    p = await startTestPlatform({ queueBackend: 'redis' });
    cookie = (await signup(p)).cookie;
    storeId = (await createStore(p, cookie)).id;
  });
  afterAll(async () => {
    await p.close();
  });

  const jobs = async (): Promise<Job[]> => (await p.request('GET', `/api/v1/stores/${storeId}/jobs`, { cookie })).body.data;

  it('names an import by its file with its rows done of its total, and the reindex after it by the same file', async () => {
    const imp = await p.request('POST', `/api/v1/stores/${storeId}/imports?filename=products.csv`, {
      cookie,
      rawBody: 'Handle,Title,Variant Price\nmug,Mug,12.00\ncup,Cup,8.00\nbowl,Bowl,9.00\n',
      contentType: 'text/csv',
    });
    expect(imp.status, imp.text).toBe(202);
    // Queued (no worker yet): already named; its rows are counted when it starts.
    const queued = (await jobs()).find((j) => j.name === 'catalog.import-products');
    expect(queued).toMatchObject({ state: 'waiting', subject: 'products.csv', subjectDeleted: false, progressCount: null });
    await p.startWorker();
    const done = await waitFor(jobs, (d) => d.length === 2 && d.every((j) => j.state === 'completed'), 'the import and its reindex');
    expect(done.find((j) => j.name === 'catalog.import-products')).toMatchObject({ subject: 'products.csv', progressCount: { done: 3, total: 3 } });
    expect(done.find((j) => j.name === 'search.reindex-store')).toMatchObject({ subject: 'products.csv', progressCount: null });
    expect(JSON.stringify(done)).not.toContain(imp.body.id);
  });

  it('names a product job by its title and a collection reindex by its title; a deleted product reads as deleted', { timeout: 240_000 }, async () => {
    const product = await p.request('POST', `/api/v1/stores/${storeId}/products`, { cookie, body: { title: 'Kettle', variants: [{ price: 1999 }] } });
    expect(product.status, product.text).toBe(201);
    const indexed = await waitFor(jobs, (d) => d.some((j) => j.name === 'search.index-product' && j.subject === 'Kettle'), 'the product index job');
    expect(indexed.find((j) => j.name === 'search.index-product')).toMatchObject({ subjectDeleted: false, progressCount: null });
    // A bulk add of more than 200 products to a collection is one job named by the collection, not a job per product.
    const imported = await p.request('POST', `/api/v1/stores/${storeId}/imports?filename=bulk.csv`, {
      cookie,
      rawBody: `Handle,Title,Variant Price\n${Array.from({ length: 210 }, (_, i) => `p-${i},Product ${i},1.00`).join('\n')}\n`,
      contentType: 'text/csv',
    });
    expect(imported.status, imported.text).toBe(202);
    await waitFor(
      jobs,
      (d) => d.filter((j) => j.subject === 'bulk.csv').every((j) => j.state === 'completed') && d.filter((j) => j.subject === 'bulk.csv').length === 2,
      'the bulk import',
      180_000,
    );
    const products = await p.request('GET', `/api/v1/stores/${storeId}/products?limit=100`, { cookie });
    const ids: string[] = products.body.data.map((x: { id: string }) => x.id);
    for (let cursor = products.body.nextCursor; cursor; ) {
      const more = await p.request('GET', `/api/v1/stores/${storeId}/products?limit=100&cursor=${cursor}`, { cookie });
      ids.push(...more.body.data.map((x: { id: string }) => x.id));
      cursor = more.body.nextCursor;
    }
    expect(ids.length).toBeGreaterThan(200);
    const collection = await p.request('POST', `/api/v1/stores/${storeId}/collections`, { cookie, body: { title: 'Summer collection' } });
    expect(collection.status, collection.text).toBe(201);
    const before = (await jobs()).length;
    const added = await p.request('POST', `/api/v1/stores/${storeId}/collections/${collection.body.id}/products`, { cookie, body: { productIds: ids } });
    expect(added.status, added.text).toBe(200);
    const after = await waitFor(jobs, (d) => d.some((j) => j.subject === 'Summer collection'), 'the collection reindex');
    expect(after.length).toBe(before + 1);
    expect(after[0]).toMatchObject({ name: 'search.reindex-store', subject: 'Summer collection' });
    // The product is deleted: its job says so.
    expect((await p.request('DELETE', `/api/v1/stores/${storeId}/products/${product.body.id}`, { cookie })).status).toBe(204);
    const gone = (await jobs()).find((j) => j.name === 'search.index-product' && j.subject === null);
    expect(gone).toMatchObject({ subjectDeleted: true });
  });
});
