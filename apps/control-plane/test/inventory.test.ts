/**
 * Inventory adjustments: atomic relative changes that never go below zero,
 * a ledger row per applied change, and Idempotency-Key replays — under real
 * concurrency against a real Postgres.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';

let p: TestPlatform;
let cookie: string;
let storeId: string;
let schema: string;

beforeAll(async () => {
  p = await startTestPlatform();
  ({ cookie } = await signup(p));
  storeId = (await createStore(p, cookie)).id;
  schema = (await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', storeId).executeTakeFirstOrThrow()).schema_name;
});
afterAll(async () => {
  await p?.close();
});

const t = () => p.db.tenant(schema);

async function variantWith(quantity: number, store = storeId) {
  const prod = await createProduct(p, cookie, store, {
    variants: [{ sku: `INV-${randomBytes(4).toString('hex')}`, price: 1000, inventoryQuantity: quantity }],
  });
  return prod.variants[0].id as string;
}

const adjust = (variantId: string, body: unknown, key?: string, store = storeId) =>
  p.request('POST', `/api/v1/stores/${store}/variants/${variantId}/inventory-adjustments`, { cookie, body, headers: key ? { 'idempotency-key': key } : {} });

async function quantityOf(variantId: string) {
  return (await t().selectFrom('variants').select('inventory_quantity').where('id', '=', variantId).executeTakeFirstOrThrow()).inventory_quantity;
}
const ledger = (variantId: string) => t().selectFrom('inventory_adjustments').selectAll().where('variant_id', '=', variantId).orderBy('id').execute();

describe('inventory adjustments', () => {
  it('50 concurrent decrements of a variant with 10 units: exactly 10 succeed, 40 are insufficient_stock, stock ends at 0 with 10 ledger rows', async () => {
    const variantId = await variantWith(10);
    const results = await Promise.all(Array.from({ length: 50 }, () => adjust(variantId, { delta: -1, reason: 'sold' })));
    const ok = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status === 409);
    expect(ok).toHaveLength(10);
    expect(refused).toHaveLength(40);
    for (const r of refused) expect(r.body.error.code).toBe('insufficient_stock');
    // Every success saw a distinct quantity on its way down: 9..0.
    expect(ok.map((r) => r.body.inventoryQuantity).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(new Set(ok.map((r) => r.body.adjustmentId)).size).toBe(10);
    expect(await quantityOf(variantId)).toBe(0);
    const rows = await ledger(variantId);
    expect(rows).toHaveLength(10);
    expect(rows.every((r) => r.delta === -1 && r.reason === 'sold')).toBe(true);
    expect(rows.map((r) => r.id).sort()).toEqual(ok.map((r) => r.body.adjustmentId).sort());
    expect(rows.map((r) => r.quantity_after).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

    const history = await p.request('GET', `/api/v1/stores/${storeId}/variants/${variantId}/inventory-adjustments`, { cookie });
    expect(history.status).toBe(200);
    expect(history.body.data).toHaveLength(10);
    // The product view shows the same stock.
    const prodRow = await t().selectFrom('variants').select('product_id').where('id', '=', variantId).executeTakeFirstOrThrow();
    const prod = await p.request('GET', `/api/v1/stores/${storeId}/products/${prodRow.product_id}`, { cookie });
    expect(prod.body.variants[0].inventoryQuantity).toBe(0);
  });

  it('a decrement larger than the stock is refused with the available quantity and changes nothing', async () => {
    const variantId = await variantWith(3);
    const res = await adjust(variantId, { delta: -4 });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('insufficient_stock');
    expect(res.body.error.details).toEqual({ available: 3 });
    expect(await quantityOf(variantId)).toBe(3);
    expect(await ledger(variantId)).toEqual([]);
  });

  it('applies a positive delta and records it in the ledger with the actor and reason', async () => {
    const variantId = await variantWith(2);
    const res = await adjust(variantId, { delta: 25, reason: 'received' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ adjustmentId: expect.any(String), variantId, delta: 25, inventoryQuantity: 27, replayed: false });
    expect(await quantityOf(variantId)).toBe(27);
    const rows = await ledger(variantId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: res.body.adjustmentId, delta: 25, quantity_after: 27, reason: 'received', idempotency_key: null });
    expect(rows[0]?.actor_user_id).toEqual(expect.any(String));
    const history = await p.request('GET', `/api/v1/stores/${storeId}/variants/${variantId}/inventory-adjustments`, { cookie });
    expect(history.body.data).toEqual([
      { id: res.body.adjustmentId, delta: 25, quantityAfter: 27, reason: 'received', actorUserId: rows[0]?.actor_user_id, createdAt: expect.any(String) },
    ]);
  });

  it('refuses a zero, fractional or missing delta and an unknown reason with 400', async () => {
    const variantId = await variantWith(5);
    for (const body of [{ delta: 0 }, { delta: 1.5 }, {}, { delta: '3' }, { delta: 1, reason: 'stolen' }]) {
      const res = await adjust(variantId, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    expect(await quantityOf(variantId)).toBe(5);
    expect(await ledger(variantId)).toEqual([]);
  });

  it('applies a repeated Idempotency-Key once and replays the same adjustmentId', async () => {
    const variantId = await variantWith(10);
    const key = `adj-${randomBytes(6).toString('hex')}`;
    const first = await adjust(variantId, { delta: -3 }, key);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ delta: -3, inventoryQuantity: 7, replayed: false });
    const second = await adjust(variantId, { delta: -3 }, key);
    expect(second.status).toBe(201);
    expect(second.body).toEqual({ ...first.body, replayed: true });
    expect(await quantityOf(variantId)).toBe(7);
    expect(await ledger(variantId)).toHaveLength(1);
  });

  it('applies the same Idempotency-Key sent concurrently exactly once; all callers get the same adjustmentId', async () => {
    const variantId = await variantWith(10);
    const key = `adj-${randomBytes(6).toString('hex')}`;
    const results = await Promise.all(Array.from({ length: 10 }, () => adjust(variantId, { delta: -2 }, key)));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(201));
    const ids = new Set(results.map((r) => r.body.adjustmentId));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.body.replayed === false)).toHaveLength(1);
    expect(results.every((r) => r.body.inventoryQuantity === 8)).toBe(true);
    expect(await quantityOf(variantId)).toBe(8);
    const rows = await ledger(variantId);
    expect(rows.map((r) => r.id)).toEqual([...ids]);
  });

  it('replays a concurrent same-key decrement that takes the last unit, instead of reporting insufficient stock', async () => {
    const variantId = await variantWith(1);
    const key = `adj-${randomBytes(6).toString('hex')}`;
    const results = await Promise.all(Array.from({ length: 8 }, () => adjust(variantId, { delta: -1 }, key)));
    expect(results.map((r) => `${r.status} ${r.body.error?.code ?? ''}`)).toEqual(Array(8).fill('201 '));
    expect(new Set(results.map((r) => r.body.adjustmentId)).size).toBe(1);
    expect(results.every((r) => r.body.inventoryQuantity === 0)).toBe(true);
    expect(await quantityOf(variantId)).toBe(0);
    expect(await ledger(variantId)).toHaveLength(1);
  });

  it('refuses the same Idempotency-Key with a different delta or variant with 422, changing nothing', async () => {
    const variantId = await variantWith(10);
    const otherVariant = await variantWith(10);
    const key = `adj-${randomBytes(6).toString('hex')}`;
    expect((await adjust(variantId, { delta: -1 }, key)).status).toBe(201);
    const differentDelta = await adjust(variantId, { delta: -2 }, key);
    expect(differentDelta.status).toBe(422);
    expect(differentDelta.body.error.code).toBe('idempotency_key_reused');
    const differentVariant = await adjust(otherVariant, { delta: -1 }, key);
    expect(differentVariant.status).toBe(422);
    expect(await quantityOf(variantId)).toBe(9);
    expect(await quantityOf(otherVariant)).toBe(10);
    expect(await ledger(variantId)).toHaveLength(1);
    expect(await ledger(otherVariant)).toEqual([]);
  });

  it('a refused adjustment does not burn its Idempotency-Key: a retry after restocking applies', async () => {
    const variantId = await variantWith(0);
    const key = `adj-${randomBytes(6).toString('hex')}`;
    expect((await adjust(variantId, { delta: -1 }, key)).status).toBe(409);
    expect((await adjust(variantId, { delta: 5 })).status).toBe(201);
    const retry = await adjust(variantId, { delta: -1 }, key);
    expect(retry.status).toBe(201);
    expect(retry.body).toMatchObject({ inventoryQuantity: 4, replayed: false });
  });

  it("answers 404 for another store's variant and for an unknown variant, changing nothing", async () => {
    const otherStore = (await createStore(p, cookie)).id;
    const foreignVariant = await variantWith(5, otherStore);
    const res = await adjust(foreignVariant, { delta: -1 });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
    const unknown = await adjust('018f0000-0000-7000-8000-000000000000', { delta: 1 });
    expect(unknown.status).toBe(404);
    const notUuid = await adjust('nope', { delta: 1 });
    expect(notUuid.status).toBe(404);
    const otherSchema = (await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', otherStore).executeTakeFirstOrThrow()).schema_name;
    const row = await p.db.tenant(otherSchema).selectFrom('variants').select('inventory_quantity').where('id', '=', foreignVariant).executeTakeFirstOrThrow();
    expect(row.inventory_quantity).toBe(5);
    expect(await p.db.tenant(otherSchema).selectFrom('inventory_adjustments').select('id').execute()).toEqual([]);

    // A user who is not a member of the other store cannot reach it at all.
    const stranger = await signup(p);
    const strangerRes = await p.request('POST', `/api/v1/stores/${otherStore}/variants/${foreignVariant}/inventory-adjustments`, {
      cookie: stranger.cookie,
      body: { delta: -1 },
    });
    expect(strangerRes.status).toBe(404);
    const after = await p.db.tenant(otherSchema).selectFrom('variants').select('inventory_quantity').where('id', '=', foreignVariant).executeTakeFirstOrThrow();
    expect(after.inventory_quantity).toBe(5);
  });
});
