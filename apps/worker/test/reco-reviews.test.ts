/**
 * Reviews reach recommendations only through the review prior (packages/reco/src/quality.ts, docs/design/reco.md
 * "Reviews"), over real Postgres: the serving path reads the candidates' published reviews; pending and hidden reviews
 * change nothing; one review is not enough to move a product.
 */
import { newId } from '@storeloom/db';
import { clearActiveVersionCache, RecommendationService } from '@storeloom/reco/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';

describe('recommendations read reviews through the review prior', () => {
  let p: TestPlatform;
  let schema: string;
  let anchor: string;
  /** Two candidates the model scores the same; `first` wins the tie-break without reviews. */
  let first: string;
  let second: string;
  const t = () => p.db.tenant(schema);
  const service = () => new RecommendationService(t(), schema);
  const ids = async (req: Parameters<RecommendationService['recommend']>[0]) => (await service().recommend(req)).items.map((i) => i.productId);
  const review = (productId: string, rating: number, status: 'published' | 'pending' | 'hidden', n: number) =>
    t()
      .insertInto('reviews')
      .values(
        Array.from({ length: n }, (_, k) => ({
          id: newId(),
          product_id: productId,
          author: `Buyer ${k}`,
          rating,
          title: 'Review',
          status,
          source: 'import' as const,
        })),
      )
      .execute();
  const setStatus = (productId: string, status: 'published' | 'hidden') =>
    t().updateTable('reviews').set({ status }).where('product_id', '=', productId).execute();

  beforeAll(async () => {
    p = await startTestPlatform();
    const { cookie } = await signup(p);
    const store = await createStore(p, cookie);
    schema = (await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', store.id).executeTakeFirstOrThrow()).schema_name;
    anchor = (await createProduct(p, cookie, store.id, { title: 'Teapot' })).id;
    const x = (await createProduct(p, cookie, store.id, { title: 'Green tea' })).id as string;
    const y = (await createProduct(p, cookie, store.id, { title: 'Black tea' })).id as string;
    [first, second] = x < y ? [x, y] : [y, x];
  });
  afterAll(async () => {
    await p?.close();
  });

  it('orders two candidates the model scores the same by their published reviews; pending and hidden ones count for nothing', async () => {
    const version = (
      await t()
        .insertInto('reco_models')
        .values({ status: 'succeeded', trigger: 'manual', finished_at: new Date(), stats: JSON.stringify({}) as never, metrics: JSON.stringify({}) as never })
        .returning('version')
        .executeTakeFirstOrThrow()
    ).version;
    await t().insertInto('reco_active_model').values({ id: true, version }).execute();
    await t()
      .insertInto('reco_item_recs')
      .values({
        version,
        product_id: anchor,
        repeat: false,
        items: JSON.stringify([
          { p: first, s: 2, src: 'cf' },
          { p: second, s: 2, src: 'cf' },
        ]) as never,
      })
      .execute();
    clearActiveVersionCache();
    const slot = { slot: 'product' as const, productId: anchor, limit: 5 };
    expect(await ids(slot)).toEqual([first, second]);

    await review(second, 5, 'pending', 20);
    await review(first, 1, 'pending', 20);
    expect(await ids(slot)).toEqual([first, second]);

    await setStatus(second, 'published');
    await setStatus(first, 'published');
    expect(await ids(slot)).toEqual([second, first]);
    expect(await service().ratingSignals([first, second, anchor])).toEqual(
      new Map([
        [first, { average: 1, count: 20 }],
        [second, { average: 5, count: 20 }],
      ]),
    );

    // Hidden by the merchant: the tie-break again.
    await setStatus(second, 'hidden');
    await setStatus(first, 'hidden');
    expect(await ids(slot)).toEqual([first, second]);

    // One 5-star review does not lift a product (below the minimum count).
    await t().deleteFrom('reviews').execute();
    await review(second, 5, 'published', 1);
    expect(await ids(slot)).toEqual([first, second]);
  });
});
