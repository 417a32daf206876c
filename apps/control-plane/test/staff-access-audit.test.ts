/**
 * Staff access to a customer's personal data lands in the store's audit log
 * (who, what, when), and only the owner reads the log.
 */
import { createLogger } from '@storeloom/log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorefrontApp } from '../../storefront/src/app.ts';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';

describe('staff access audit', () => {
  let p: TestPlatform;
  let owner: Awaited<ReturnType<typeof signup>>;
  let staff: Awaited<ReturnType<typeof signup>>;
  let storeId: string;
  let orderId: string;

  beforeAll(async () => {
    p = await startTestPlatform({ queueBackend: 'redis' });
    owner = await signup(p);
    staff = await signup(p);
    const store = await createStore(p, owner.cookie);
    storeId = store.id;
    await p.db.control.insertInto('memberships').values({ store_id: storeId, user_id: staff.user.id, role: 'staff', created_at: new Date() }).execute();
    const prod = await createProduct(p, owner.cookie, storeId);
    const sf = createStorefrontApp(p.db, createLogger({ level: 'silent' }), { rootDomain: 'localhost', storeCacheTtlMs: 0 });
    const host = `${store.slug}.localhost`;
    const post = (path: string, data: Record<string, string>, cookie?: string) =>
      sf.request(`http://${host}${path}`, {
        method: 'POST',
        headers: { host, origin: `http://${host}`, 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
        body: new URLSearchParams(data).toString(),
      });
    const add = await post('/cart/add', { variantId: prod.variants[0].id, quantity: '1' });
    const cart = (add.headers.getSetCookie().find((c) => c.startsWith('sf_cart=')) ?? '').split(';')[0] as string;
    const res = await post(
      '/checkout',
      { email: 'audit.buyer@example.org', name: 'Aud Buyer', line1: '1 Ledger Road', city: 'Oslo', postalCode: '0150', country: 'NO' },
      cart,
    );
    expect(res.status).toBe(303);
    orderId = new URL(res.headers.get('location') as string, `http://${host}`).pathname.split('/').pop() as string;
  });
  afterAll(async () => {
    await p?.close();
  });

  it('writes who viewed an order (name, address, e-mail) and shows the owner, not staff, the log', async () => {
    expect(orderId, 'an order to view').toBeTruthy();
    const viewed = await p.request('GET', `/api/v1/stores/${storeId}/orders/${orderId}`, { cookie: staff.cookie });
    expect(viewed.status).toBe(200);
    const denied = await p.request('GET', `/api/v1/stores/${storeId}/audit-log`, { cookie: staff.cookie });
    expect(denied.status).toBe(403);
    const log = await p.request('GET', `/api/v1/stores/${storeId}/audit-log?action=customer_data.viewed`, { cookie: owner.cookie });
    expect(log.status).toBe(200);
    expect(log.body.items[0]).toMatchObject({
      action: 'customer_data.viewed',
      actorUserId: staff.user.id,
      actorEmail: staff.email,
      targetType: 'order',
      targetId: orderId,
    });
    expect(Date.now() - new Date(log.body.items[0].createdAt).getTime()).toBeLessThan(60_000);
    // The entry names ids, never the buyer's personal data.
    expect(JSON.stringify(log.body)).not.toContain('audit.buyer@example.org');
    const bad = await p.request('GET', `/api/v1/stores/${storeId}/audit-log?action=DROP%20TABLE`, { cookie: owner.cookie });
    expect(bad.status).toBe(400);
  });
});
