/**
 * Planning counts money in the store's currency (issue 19): an order paid in a market's currency records its
 * sales lines at the store-currency unit price stored on the order line (the rate of the order), so the pricing
 * policy and the demand forecast never mix euros into a pound store's revenue.
 */
import { OrderService } from '@storeloom/commerce';
import { createLogger } from '@storeloom/log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { createStorefrontApp } from '../../storefront/src/app.ts';
import { recordPaidOrder } from '../src/order-paid.ts';

describe('paid order in a market currency → planning in the store currency', () => {
  let p: TestPlatform;
  let owner: string;

  beforeAll(async () => {
    p = await startTestPlatform();
    owner = (await signup(p)).cookie;
  });
  afterAll(async () => {
    await p?.close();
  });

  it('records the store-currency unit price of a euro order on a pound store', async () => {
    const store = await createStore(p, owner, undefined, 'GBP');
    const merchant = (method: string, path: string, body?: unknown) => p.request(method, `/api/v1/stores/${store.id}${path}`, { cookie: owner, body });
    expect((await merchant('PUT', '/settings', { country: 'GB' })).status).toBe(200);
    const market = await merchant('POST', '/markets', { name: 'Euro area', countries: ['DE'], currency: 'EUR', exchangeRate: '1.25', taxInclusive: true });
    expect(market.status, JSON.stringify(market.body)).toBe(201);
    const variant = (await createProduct(p, owner, store.id, { title: 'Sencha', variants: [{ sku: 'TEA-1', price: 1000, inventoryQuantity: 50 }] })).variants[0]
      .id;

    const app = createStorefrontApp(p.db, createLogger({ level: 'silent' }), {
      rootDomain: 'localhost',
      secret: 'test-secret-0123456789abcdef0123456789',
      storeCacheTtlMs: 0,
    });
    const host = `${store.slug}.localhost`;
    const call = async (method: string, path: string, body: unknown) => {
      const res = await app.request(`http://${host}/api/storefront/v1${path}`, {
        method,
        headers: { host, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    };
    const cart = await call('POST', '/carts', { country: 'DE' });
    expect((await call('POST', `/carts/${cart.body.id}/lines`, { variantId: variant, quantity: 2 })).status).toBe(200);
    const placed = await call('POST', `/carts/${cart.body.id}/checkout`, {
      email: 'anna@example.com',
      shippingAddress: { name: 'Anna Schmidt', line1: 'Hauptstr. 1', city: 'Berlin', postalCode: '10115', country: 'DE' },
    });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    expect(placed.body.order.currency).toBe('EUR');

    const row = await p.db.control.selectFrom('stores').selectAll().where('id', '=', store.id).executeTakeFirstOrThrow();
    const t = p.db.tenant(row.schema_name);
    const orders = new OrderService(t, { store: { id: row.id, name: row.name, currency: row.currency } });
    const order = placed.body.order;
    expect((await orders.confirmPayment(order.id, { provider: 'manual', reference: `manual_charge:${order.id}:1`, amount: order.amountDue })).applied).toBe(
      true,
    );
    await recordPaidOrder({ db: p.db }, { id: row.id, schemaName: row.schema_name }, order.id);

    const line = await t.selectFrom('order_lines').select(['unit_price', 'store_unit_price']).where('order_id', '=', order.id).executeTakeFirstOrThrow();
    // £10.00 × 1.25 = €12.50 shown; the store side is £10.00 again.
    expect(line).toEqual({ unit_price: 1250, store_unit_price: 1000 });
    const sale = await t.selectFrom('variant_sale_lines').select(['unit_price', 'units']).where('variant_id', '=', variant).executeTakeFirstOrThrow();
    expect(sale).toEqual({ unit_price: 1000, units: 2 });
    const daily = await t.selectFrom('variant_sales_daily').select(['revenue', 'avg_price_shown']).where('variant_id', '=', variant).executeTakeFirstOrThrow();
    expect(daily).toEqual({ revenue: 2000, avg_price_shown: 1000 });
  });
});
