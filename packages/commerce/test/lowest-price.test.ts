/**
 * The EU price-reduction rule (issue 22, Omnibus) over real Postgres: every price writer records the variant's
 * price history in its own transaction (API create and edit, CSV/Shopify import, dynamic pricing approve and
 * rollback, market fixed prices and a market's currency change, the migration's backfill), and
 * `lowestPriceInLast30Days` gets the edges right: raised then lowered, a new product, market currency (conversion
 * and fixed prices) and the 30-day boundary.
 */
import { importProductsCsv, recordPriceChanges, UNLIMITED_CATALOG } from '@storeloom/catalog';
import { migrateTenant, newId, sql } from '@storeloom/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lowestPriceInLast30Days, lowestPricesInLast30Days, marketPrice, type PricingMarket } from '../src/index.ts';
import { openShop, type Shop, startTestPlatform } from './helpers.ts';

const MIGRATION = '20261206150300_variant_price_history';
const DAY = 86_400_000;
const NOW = new Date('2027-03-01T12:00:00.000Z');
const ago = (days: number, ms = 0) => new Date(NOW.getTime() - days * DAY + ms);

describe('variant price history and the lowest price of the last 30 days', () => {
  let shop: Shop;
  let close: () => Promise<void>;
  let marketId: string;
  let market: PricingMarket;
  const primary = (): PricingMarket => ({
    id: null,
    name: 'Store',
    countries: [],
    currency: 'EUR',
    storeCurrency: 'EUR',
    rate: { rate: '1', asOf: null, source: 'same_currency' },
    roundingIncrement: 1,
    taxInclusive: true,
    languages: [],
  });

  const history = (variantId: string) =>
    shop.t
      .selectFrom('variant_price_history')
      .select(['market_id', 'price', 'source'])
      .where('variant_id', '=', variantId)
      .orderBy('changed_at')
      .orderBy('id')
      .execute();

  /** A variant whose history is exactly `points` (the creation row removed), written through the one writer. */
  const variantWith = async (points: [Date, number][], marketPoints: [Date, number | null][] = []) => {
    const product = await shop.product({ variants: [{ price: points.at(-1)?.[1] ?? 1000, inventoryQuantity: 5 }] });
    const id = product.variants[0]?.id as string;
    await shop.t.deleteFrom('variant_price_history').where('variant_id', '=', id).execute();
    for (const [at, price] of points) await recordPriceChanges(shop.t, [{ variantId: id, price }], 'edit', at);
    for (const [at, price] of marketPoints) await recordPriceChanges(shop.t, [{ variantId: id, marketId, price }], 'market', at);
    return id;
  };

  beforeAll(async () => {
    const p = await startTestPlatform();
    close = () => p.close();
    shop = await openShop(p, 'EUR');
    const m = await p.request('POST', `/api/v1/stores/${shop.store.id}/markets`, {
      cookie: shop.cookie,
      body: { name: 'Switzerland', countries: ['CH'], currency: 'CHF', exchangeRate: '0.9412', roundingIncrement: 5, taxInclusive: true, languages: [] },
    });
    expect(m.status, m.text).toBe(201);
    marketId = m.body.id;
    market = {
      ...primary(),
      id: marketId,
      name: 'Switzerland',
      countries: ['CH'],
      currency: 'CHF',
      rate: { rate: '0.9412', asOf: null, source: 'market' },
      roundingIncrement: 5,
    };
  });
  afterAll(async () => {
    await close?.();
  });

  describe('every price change writes the history, in its transaction', () => {
    it('API create and edit; an edit that keeps the price writes nothing', async () => {
      const product = await shop.product({ variants: [{ sku: 'H-1', price: 5000, inventoryQuantity: 3 }] });
      const v = product.variants[0] as { id: string };
      expect(await history(v.id)).toEqual([{ market_id: null, price: 5000, source: 'create' }]);
      const path = `/api/v1/stores/${shop.store.id}/products/${product.id}`;
      const get = async () => (await shop.p.request('GET', path, { cookie: shop.cookie })).body;
      let current = await get();
      let res = await shop.p.request('PATCH', path, { cookie: shop.cookie, body: { version: current.version, variants: [{ id: v.id, price: 4000 }] } });
      expect(res.status, res.text).toBe(200);
      current = await get();
      res = await shop.p.request('PATCH', path, {
        cookie: shop.cookie,
        body: { version: current.version, title: 'Renamed', variants: [{ id: v.id, price: 4000 }] },
      });
      expect(res.status, res.text).toBe(200);
      expect(await history(v.id)).toEqual([
        { market_id: null, price: 5000, source: 'create' },
        { market_id: null, price: 4000, source: 'edit' },
      ]);
    });

    it('a refused edit (stale version) leaves no history row', async () => {
      const product = await shop.product({ variants: [{ price: 3000, inventoryQuantity: 3 }] });
      const v = product.variants[0] as { id: string };
      const path = `/api/v1/stores/${shop.store.id}/products/${product.id}`;
      const res = await shop.p.request('PATCH', path, { cookie: shop.cookie, body: { version: 999, variants: [{ id: v.id, price: 1 }] } });
      expect(res.status).toBe(409);
      expect((await history(v.id)).map((r) => r.price)).toEqual([3000]);
    });

    it('CSV (Shopify) import: new products and a re-import that changes the price', async () => {
      const csv = (price: string) => `Handle,Title,Variant SKU,Variant Price,Variant Inventory Qty,Status\nomni-tee,Omni tee,OMNI-1,${price},4,active\n`;
      await importProductsCsv(shop.t, csv('20.00'), { currency: 'EUR', limits: UNLIMITED_CATALOG });
      await importProductsCsv(shop.t, csv('17.50'), { currency: 'EUR', limits: UNLIMITED_CATALOG });
      const v = await shop.t.selectFrom('variants').select('id').where('sku', '=', 'OMNI-1').executeTakeFirstOrThrow();
      expect(await history(v.id)).toEqual([
        { market_id: null, price: 2000, source: 'import' },
        { market_id: null, price: 1750, source: 'import' },
      ]);
    });

    it('dynamic pricing: an approved change and its rollback', async () => {
      const product = await shop.product({ variants: [{ price: 4500, inventoryQuantity: 3 }] });
      const v = product.variants[0] as { id: string };
      const changeId = newId();
      await shop.t
        .insertInto('price_changes')
        .values({
          id: changeId,
          variant_id: v.id,
          product_id: product.id,
          old_price: 4500,
          new_price: 3900,
          reason: 'test',
          inputs: '{}',
          status: 'suggested',
          source: 'policy',
        })
        .execute();
      const base = `/api/v1/stores/${shop.store.id}/pricing/changes/${changeId}`;
      const approved = await shop.p.request('POST', `${base}/approve`, { cookie: shop.cookie });
      expect(approved.status, approved.text).toBe(200);
      const rolled = await shop.p.request('POST', `${base}/rollback`, { cookie: shop.cookie });
      expect(rolled.status, rolled.text).toBe(200);
      expect(await history(v.id)).toEqual([
        { market_id: null, price: 4500, source: 'create' },
        { market_id: null, price: 3900, source: 'pricing' },
        { market_id: null, price: 4500, source: 'rollback' },
      ]);
    });

    it('market fixed prices: set, change, remove; a currency change ends them', async () => {
      const product = await shop.product({ variants: [{ price: 2500, inventoryQuantity: 3 }] });
      const v = product.variants[0] as { id: string };
      const other = await shop.p.request('POST', `/api/v1/stores/${shop.store.id}/markets`, {
        cookie: shop.cookie,
        body: { name: 'UK', countries: ['GB'], currency: 'GBP', exchangeRate: '0.85', roundingIncrement: 1, taxInclusive: true, languages: [] },
      });
      expect(other.status, other.text).toBe(201);
      const price = (mid: string, body: { price: number | null }) =>
        shop.p.request('PUT', `/api/v1/stores/${shop.store.id}/markets/${mid}/prices/${v.id}`, { cookie: shop.cookie, body });
      expect((await price(marketId, { price: 2400 })).status).toBe(200);
      expect((await price(marketId, { price: 2400 })).status).toBe(200);
      expect((await price(marketId, { price: 2200 })).status).toBe(200);
      expect((await price(marketId, { price: null })).status).toBe(200);
      expect((await price(other.body.id, { price: 2100 })).status).toBe(200);
      const changed = await shop.p.request('PATCH', `/api/v1/stores/${shop.store.id}/markets/${other.body.id}`, {
        cookie: shop.cookie,
        body: { currency: 'USD', exchangeRate: '1.08' },
      });
      expect(changed.status, changed.text).toBe(200);
      expect(await history(v.id)).toEqual([
        { market_id: null, price: 2500, source: 'create' },
        { market_id: marketId, price: 2400, source: 'market' },
        { market_id: marketId, price: 2200, source: 'market' },
        { market_id: marketId, price: null, source: 'market' },
        { market_id: other.body.id, price: 2100, source: 'market' },
        { market_id: other.body.id, price: null, source: 'market_currency' },
      ]);
    });

    it('the migration backfills the current price of existing variants and market prices', async () => {
      const product = await shop.product({ variants: [{ price: 1234, inventoryQuantity: 3 }] });
      const v = product.variants[0] as { id: string };
      await shop.p.request('PUT', `/api/v1/stores/${shop.store.id}/markets/${marketId}/prices/${v.id}`, { cookie: shop.cookie, body: { price: 1111 } });
      // Back to the schema before the migration (with variants and market prices in it), then migrate.
      const { schema_name: schema } = await shop.p.db.control
        .selectFrom('stores')
        .select('schema_name')
        .where('id', '=', shop.store.id)
        .executeTakeFirstOrThrow();
      await sql`drop table ${sql.table(`${schema}.variant_price_history`)}`.execute(shop.p.db.kysely);
      await sql`delete from ${sql.table(`${schema}.storeloom_migrations`)} where name = ${MIGRATION}`.execute(shop.p.db.kysely);
      expect((await migrateTenant(shop.p.db, schema)).applied).toEqual([MIGRATION]);
      const rows = await history(v.id);
      expect(rows).toEqual(
        expect.arrayContaining([
          { market_id: null, price: 1234, source: 'backfill' },
          { market_id: marketId, price: 1111, source: 'backfill' },
        ]),
      );
      const variants = await shop.t
        .selectFrom('variants')
        .select(({ fn }) => fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow();
      const base = await shop.t
        .selectFrom('variant_price_history')
        .select(({ fn }) => fn.countAll<string>().as('n'))
        .where('market_id', 'is', null)
        .executeTakeFirstOrThrow();
      expect(Number(base.n)).toBe(Number(variants.n));
      expect(await lowestPriceInLast30Days(shop.t, v.id, primary())).toBe(1234);
    });
  });

  describe('the edges of the rule', () => {
    it('raised then lowered: the lowest of the 30 days before the reduction, the pre-raise price included', async () => {
      const id = await variantWith([
        [ago(50), 8000],
        [ago(25), 12000],
        [ago(1), 10000],
      ]);
      expect(await lowestPriceInLast30Days(shop.t, id, primary(), NOW)).toBe(8000);
      // The pre-raise price ended more than 30 days before the reduction: only the raised price counts.
      const old = await variantWith([
        [ago(70), 8000],
        [ago(40), 12000],
        [ago(1), 10000],
      ]);
      expect(await lowestPriceInLast30Days(shop.t, old, primary(), NOW)).toBe(12000);
    });

    it('progressive reductions count the earlier reduced price; an equal re-save does not move the reduction', async () => {
      const id = await variantWith([
        [ago(100), 10000],
        [ago(10), 8000],
        [ago(2), 7000],
      ]);
      expect(await lowestPriceInLast30Days(shop.t, id, primary(), NOW)).toBe(8000);
      const resaved = await variantWith([
        [ago(100), 10000],
        [ago(5), 8000],
      ]);
      await recordPriceChanges(shop.t, [{ variantId: resaved, price: 8000 }], 'edit', ago(1));
      expect((await history(resaved)).length).toBe(2);
      expect(await lowestPriceInLast30Days(shop.t, resaved, primary(), NOW)).toBe(10000);
    });

    it('a new product with less than 30 days of history: the lowest over its existence', async () => {
      const id = await variantWith([
        [ago(12), 6000],
        [ago(8), 5000],
        [ago(4), 6500],
        [ago(1), 4500],
      ]);
      expect(await lowestPriceInLast30Days(shop.t, id, primary(), NOW)).toBe(5000);
      // One price only (a compare-at price set on a new product): nothing lower was ever charged.
      const fresh = await variantWith([[ago(3), 4500]]);
      expect(await lowestPriceInLast30Days(shop.t, fresh, primary(), NOW)).toBe(4500);
    });

    it('the 30-day boundary: a price replaced exactly 30 × 24 h before the reduction is out, a second later it is in', async () => {
      const out = await variantWith([
        [ago(60), 5000],
        [ago(31), 9000],
        [ago(1), 8000],
      ]);
      expect(await lowestPriceInLast30Days(shop.t, out, primary(), NOW)).toBe(9000);
      const inside = await variantWith([
        [ago(60), 5000],
        [ago(31, 1000), 9000],
        [ago(1), 8000],
      ]);
      expect(await lowestPriceInLast30Days(shop.t, inside, primary(), NOW)).toBe(5000);
      // A reduction in effect for 30 days by now: the current price is the lowest of the last 30 days.
      const settled = await variantWith([
        [ago(90), 5000],
        [ago(40), 9000],
        [ago(30), 8000],
      ]);
      expect(await lowestPriceInLast30Days(shop.t, settled, primary(), NOW)).toBe(8000);
      expect(await lowestPriceInLast30Days(shop.t, settled, primary(), new Date(NOW.getTime() - 1))).toBe(5000);
    });

    it('a market converts the history exactly as the shown price is converted', async () => {
      const id = await variantWith([
        [ago(40), 10000],
        [ago(2), 7990],
      ]);
      const lowest = await lowestPriceInLast30Days(shop.t, id, market, NOW);
      expect(lowest).toBe(marketPrice(market, 10000));
      // 10000 × 0.9412 = 9412 → increment 5 → 9410 CHF cents
      expect(lowest).toBe(9410);
    });

    it('a market with fixed prices uses their history; before a fixed price the converted price counts', async () => {
      const fixed = await variantWith(
        [[ago(60), 10000]],
        [
          [ago(20), 9500],
          [ago(1), 8500],
        ],
      );
      expect(await lowestPriceInLast30Days(shop.t, fixed, market, NOW)).toBe(9410);
      const fixedLower = await variantWith(
        [[ago(60), 10000]],
        [
          [ago(60), 9000],
          [ago(20), 9500],
          [ago(1), 8500],
        ],
      );
      expect(await lowestPriceInLast30Days(shop.t, fixedLower, market, NOW)).toBe(9000);
      // The fixed price removed: the converted store price is the current one again (a store reduction shows through).
      const removed = await variantWith(
        [
          [ago(60), 10000],
          [ago(2), 8000],
        ],
        [
          [ago(50), 9900],
          [ago(1), null],
        ],
      );
      expect(await lowestPriceInLast30Days(shop.t, removed, market, NOW)).toBe(9900);
      // The store currency ignores the market's fixed prices.
      expect(await lowestPriceInLast30Days(shop.t, removed, primary(), NOW)).toBe(10000);
      const many = await lowestPricesInLast30Days(shop.t, [fixed, fixedLower, removed], market, NOW);
      expect([...many.values()]).toEqual([9410, 9000, 9900]);
    });
  });
});
