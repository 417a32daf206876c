/** Merchant discounts and gift cards API (issue 18 contract) over the real app and Postgres. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';

describe('discounts and gift cards API', () => {
  let p: TestPlatform;
  let owner: string;
  let storeId: string;
  let otherOwner: string;
  let otherStoreId: string;
  let productId: string;

  beforeAll(async () => {
    p = await startTestPlatform();
    owner = (await signup(p)).cookie;
    storeId = (await createStore(p, owner)).id;
    otherOwner = (await signup(p)).cookie;
    otherStoreId = (await createStore(p, otherOwner)).id;
    productId = (await createProduct(p, owner, storeId, { variants: [{ sku: 'API-1', price: 1500, inventoryQuantity: 5 }] })).id;
  });
  afterAll(async () => {
    await p?.close();
  });

  const base = () => `/api/v1/stores/${storeId}`;

  it('creates, lists, reads, changes and deletes a discount; codes are unique case-insensitively', async () => {
    const created = await p.request('POST', `${base()}/discounts`, {
      cookie: owner,
      body: { title: 'Spring', code: 'Spring10', kind: 'percentage', value: 10, usageLimit: 100, combinesWith: { shippingDiscounts: true } },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: expect.any(String),
      title: 'Spring',
      code: 'Spring10',
      automatic: false,
      kind: 'percentage',
      value: 10,
      usageLimit: 100,
      usedCount: 0,
      status: 'active',
      combinesWith: { orderDiscounts: false, productDiscounts: false, shippingDiscounts: true },
    });
    const dup = await p.request('POST', `${base()}/discounts`, { cookie: owner, body: { title: 'Dup', code: 'SPRING10', kind: 'fixed_amount', value: 100 } });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('conflict');
    // The same code in another store is fine: uniqueness is per store.
    expect(
      (
        await p.request('POST', `/api/v1/stores/${otherStoreId}/discounts`, {
          cookie: otherOwner,
          body: { title: 'X', code: 'spring10', kind: 'free_shipping' },
        })
      ).status,
    ).toBe(201);
    const auto = await p.request('POST', `${base()}/discounts`, {
      cookie: owner,
      body: {
        title: 'Buy 2 get 1',
        automatic: true,
        kind: 'buy_x_get_y',
        startsAt: new Date(Date.now() + 86_400_000).toISOString(),
        buyXGetY: { buyQuantity: 2, buyProductIds: [productId], getQuantity: 1, getProductIds: [productId], getPercent: 100 },
      },
    });
    expect(auto.status).toBe(201);
    expect(auto.body).toMatchObject({ code: null, automatic: true, status: 'scheduled' });
    const list = await p.request('GET', `${base()}/discounts?limit=1`, { cookie: owner });
    expect(list.status).toBe(200);
    expect(list.body.items.map((d: { id: string }) => d.id)).toEqual([auto.body.id]);
    expect(list.body.nextCursor).toBe(auto.body.id);
    const scheduled = await p.request('GET', `${base()}/discounts?status=scheduled`, { cookie: owner });
    expect(scheduled.body.items.map((d: { id: string }) => d.id)).toEqual([auto.body.id]);
    const patched = await p.request('PATCH', `${base()}/discounts/${created.body.id}`, { cookie: owner, body: { active: false, title: 'Spring (off)' } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ active: false, status: 'inactive', title: 'Spring (off)', code: 'Spring10' });
    expect((await p.request('GET', `${base()}/discounts/${created.body.id}`, { cookie: owner })).body.status).toBe('inactive');
    expect((await p.request('DELETE', `${base()}/discounts/${created.body.id}`, { cookie: owner })).status).toBe(204);
    expect((await p.request('GET', `${base()}/discounts/${created.body.id}`, { cookie: owner })).status).toBe(404);
  });

  it('validates with stable codes and no internals', async () => {
    const cases = [
      { title: 'No code', kind: 'percentage', value: 10 },
      { title: 'Both', code: 'X1', automatic: true, kind: 'percentage', value: 10 },
      { title: 'Too much', code: 'X2', kind: 'percentage', value: 101 },
      { title: 'Zero', code: 'X3', kind: 'fixed_amount', value: 0 },
      { title: 'Bxgy', code: 'X4', kind: 'buy_x_get_y' },
      { title: 'Dates', code: 'X5', kind: 'free_shipping', startsAt: '2030-01-02T00:00:00Z', endsAt: '2030-01-01T00:00:00Z' },
      { title: 'Bad code', code: 'no spaces', kind: 'free_shipping' },
      { title: 'Kind', code: 'X6', kind: 'bogus' },
    ];
    for (const body of cases) {
      const r = await p.request('POST', `${base()}/discounts`, { cookie: owner, body });
      expect(r.status, body.title).toBe(400);
      expect(['validation_failed'], body.title).toContain(r.body.error.code);
      expect(r.text).not.toMatch(/at .*\.ts|select |insert /i);
    }
  });

  it('issues a gift card whose code appears only in the issue response; the ledger shows its uses', async () => {
    const issued = await p.request('POST', `${base()}/gift-cards`, { cookie: owner, body: { initialValue: 5000, note: 'Apology' } });
    expect(issued.status).toBe(201);
    expect(issued.headers.get('cache-control')).toBe('no-store');
    expect(issued.body).toEqual({
      id: expect.any(String),
      code: expect.stringMatching(/^[A-Z2-9]{4}(-[A-Z2-9]{4}){3}$/),
      last4: issued.body.code.slice(-4),
      balance: 5000,
      currency: 'USD',
      expiresAt: null,
    });
    const read = await p.request('GET', `${base()}/gift-cards/${issued.body.id}`, { cookie: owner });
    expect(read.status).toBe(200);
    expect(read.text).not.toContain(issued.body.code);
    expect(read.text).not.toContain(issued.body.code.replace(/-/g, ''));
    expect(read.body).toMatchObject({
      last4: issued.body.last4,
      balance: 5000,
      note: 'Apology',
      disabled: false,
      ledger: [{ kind: 'issue', amount: 5000, balanceAfter: 5000 }],
    });
    const found = await p.request('GET', `${base()}/gift-cards?q=${issued.body.last4}`, { cookie: owner });
    expect(found.body.items.map((g: { id: string }) => g.id)).toContain(issued.body.id);
    const off = await p.request('PATCH', `${base()}/gift-cards/${issued.body.id}`, { cookie: owner, body: { disabled: true } });
    expect(off.body).toMatchObject({ disabled: true });
    expect((await p.request('POST', `${base()}/gift-cards`, { cookie: owner, body: { initialValue: 0 } })).status).toBe(400);
    expect((await p.request('POST', `${base()}/gift-cards`, { cookie: owner, body: { initialValue: 100, currency: 'EUR' } })).status).toBe(400);
  });

  it("staff read but cannot change; another store's discounts and gift cards are 404", async () => {
    const d = await p.request('POST', `${base()}/discounts`, { cookie: owner, body: { title: 'Iso', code: 'ISO1', kind: 'fixed_amount', value: 100 } });
    const g = await p.request('POST', `${base()}/gift-cards`, { cookie: owner, body: { initialValue: 100 } });
    const staff = await signup(p);
    await p.db.control.insertInto('memberships').values({ store_id: storeId, user_id: staff.user.id, role: 'staff', created_at: new Date() }).execute();
    expect((await p.request('GET', `${base()}/discounts`, { cookie: staff.cookie })).status).toBe(200);
    expect((await p.request('POST', `${base()}/discounts`, { cookie: staff.cookie, body: { title: 'S', code: 'S1', kind: 'free_shipping' } })).status).toBe(
      403,
    );
    expect((await p.request('POST', `${base()}/gift-cards`, { cookie: staff.cookie, body: { initialValue: 100 } })).status).toBe(403);
    // The other store's owner, on their own store path with this store's ids, and on this store's path.
    for (const path of [`/api/v1/stores/${otherStoreId}/discounts/${d.body.id}`, `/api/v1/stores/${otherStoreId}/gift-cards/${g.body.id}`]) {
      expect((await p.request('GET', path, { cookie: otherOwner })).status).toBe(404);
      expect((await p.request('PATCH', path, { cookie: otherOwner, body: { title: 'x', disabled: true } })).status).toBe(404);
    }
    expect((await p.request('GET', `${base()}/discounts/${d.body.id}`, { cookie: otherOwner })).status).toBe(404);
    expect((await p.request('DELETE', `/api/v1/stores/${otherStoreId}/discounts/${d.body.id}`, { cookie: otherOwner })).status).toBe(404);
  });
});
