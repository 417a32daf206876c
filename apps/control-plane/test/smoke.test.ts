import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';

describe('control plane smoke', () => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await startTestPlatform();
  });
  afterAll(async () => {
    await p.close();
  });

  it('signs up, creates a store with its own schema and a product', async () => {
    const { cookie } = await signup(p);
    const store = await createStore(p, cookie);
    expect(store.status).toBe('active');
    const row = await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', store.id).executeTakeFirstOrThrow();
    expect(row.schema_name).toMatch(/^t_[a-z0-9_]{1,60}$/);
    const product = await createProduct(p, cookie, store.id);
    const inSchema = await p.db.tenant(row.schema_name).selectFrom('products').select('id').execute();
    expect(inSchema.map((r) => r.id)).toEqual([product.id]);
    const got = await p.request('GET', `/api/v1/stores/${store.id}/products/${product.id}`, { cookie });
    expect(got.status).toBe(200);
    expect(got.body.variants[0].price).toBe(4500);
  });
});
