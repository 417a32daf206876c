/**
 * Tax by destination and shipping zones (issue 19) over the real app and Postgres: the tax-rates contract and the
 * dated data file, inclusive and exclusive markets, a reduced class, shipping taxed by its class, per-line rounding
 * that sums exactly, reverse charge with VAT id format checks, zone matching by country, subtotal and weight,
 * `shipping_unavailable` for a country in no zone, variant weights, and the EU OSS report (JSON and CSV).
 */
import { CartService, loadExchangeRates, OrderService } from '@storeloom/commerce';
import { createLogger } from '@storeloom/log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorefrontApp } from '../../storefront/src/app.ts';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';

const ADDRESS = (country: string, region: string | null = null) => ({ name: 'Buyer', line1: '1 Street', city: 'City', postalCode: '12345', country, region });

describe('tax by destination and shipping zones', () => {
  let p: TestPlatform;
  let sf: ReturnType<typeof createStorefrontApp>;
  let owner: string;
  let store: { id: string; slug: string };
  let tea: { id: string; variants: [{ id: string }]; version: number };
  let mug: { id: string; variants: [{ id: string }]; version: number };

  const merchant = (method: string, path: string, body?: unknown) => p.request(method, `/api/v1/stores/${store.id}${path}`, { cookie: owner, body });
  const shopper = async (method: string, path: string, body?: unknown) => {
    const host = `${store.slug}.localhost`;
    const headers = new Headers({ host });
    if (body !== undefined) headers.set('content-type', 'application/json');
    const res = await sf.request(`http://${host}/api/storefront/v1${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, text };
  };
  const cartWith = async (country: string, lines: [string, number][]) => {
    const cart = await shopper('POST', '/carts', { country });
    let body = cart.body;
    for (const [variantId, quantity] of lines) body = (await shopper('POST', `/carts/${cart.body.id}/lines`, { variantId, quantity })).body;
    return body;
  };
  const schema = async () => (await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', store.id).executeTakeFirstOrThrow()).schema_name;

  beforeAll(async () => {
    p = await startTestPlatform();
    sf = createStorefrontApp(p.db, createLogger({ level: 'silent' }), {
      rootDomain: 'localhost',
      secret: 'test-secret-0123456789abcdef0123456789',
      storeCacheTtlMs: 0,
    });
    owner = (await signup(p)).cookie;
    store = await createStore(p, owner, undefined, 'GBP');
    expect((await merchant('PATCH', '', { country: 'GB' })).status).toBe(200);
    await loadExchangeRates(p.db, [{ base: 'GBP', quote: 'EUR', rate: '1.1634', asOf: '2026-12-01' }], 'test');
    tea = await createProduct(p, owner, store.id, {
      title: 'Tea',
      taxClass: 'reduced',
      variants: [{ sku: 'T-1', price: 1000, inventoryQuantity: 100, weightGrams: 200 }],
    });
    mug = await createProduct(p, owner, store.id, { title: 'Mug', variants: [{ sku: 'M-1', price: 2500, inventoryQuantity: 100, weightGrams: 500 }] });
    const eu = await merchant('POST', '/markets', { name: 'EU', countries: ['DE', 'FR', 'AT'], currency: 'EUR', taxInclusive: true });
    expect(eu.status).toBe(201);
  });
  afterAll(async () => {
    await p?.close();
  });

  it('products carry a tax class and variants a weight, through the API and the CSV export', async () => {
    const read = await merchant('GET', `/products/${tea.id}`);
    expect(read.body.taxClass).toBe('reduced');
    expect(read.body.variants[0].weightGrams).toBe(200);
    expect((await merchant('GET', `/products/${mug.id}`)).body.taxClass).toBe('standard');
    const csv = await merchant('GET', '/products/export.csv');
    expect(csv.text.split('\n')[0]).toContain('Variant Grams');
    expect(csv.text).toMatch(/T-1,100,200,10\.00/);
    const bad = await merchant('POST', '/products', { title: 'X', taxClass: 'Not A Class', variants: [{ price: 1 }] });
    expect(bad.status).toBe(400);
  });

  it('tax rates: the dated data file, enabling a country, merchant rates and overrides, validation', async () => {
    const data = await merchant('GET', '/tax-rates/data');
    expect(data.status).toBe(200);
    expect(data.body.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const countries = new Set(data.body.rates.map((r: { country: string }) => r.country));
    for (const c of ['AT', 'DE', 'FR', 'SE', 'GB', 'CH', 'NO', 'AU', 'NZ', 'JP', 'SG', 'CA']) expect(countries.has(c), c).toBe(true);
    expect([...countries].filter((c) => !['GB', 'CH', 'NO', 'AU', 'NZ', 'JP', 'SG', 'CA'].includes(c as string))).toHaveLength(27);
    expect(data.body.rates).toContainEqual({ country: 'CA', region: 'QC', name: 'GST + QST', standard: 14.975, reduced: null });

    const de = await merchant('POST', '/tax-rates/enable', { country: 'DE' });
    expect(de.status).toBe(201);
    expect(de.body.items.map((r: { taxClass: string; rate: number }) => [r.taxClass, r.rate])).toEqual([
      ['standard', 19],
      ['reduced', 7],
    ]);
    expect(de.body.items[0].source).toBe(`data:${data.body.asOf}`);
    expect((await merchant('POST', '/tax-rates/enable', { country: 'GB' })).status).toBe(201);
    const ca = await merchant('POST', '/tax-rates/enable', { country: 'CA' });
    expect(ca.body.items).toHaveLength(13);
    const ny = await merchant('POST', '/tax-rates', { country: 'US', region: 'NY', rate: 8.875, name: 'NY sales tax' });
    expect(ny.status).toBe(201);
    expect(ny.body).toMatchObject({ country: 'US', region: 'NY', taxClass: 'standard', rate: 8.875, name: 'NY sales tax', source: 'merchant' });
    // An override replaces the data file's rate of the same country, region and class.
    const fr = await merchant('POST', '/tax-rates', { country: 'FR', rate: 20, name: 'TVA' });
    expect(fr.status).toBe(201);
    const frAgain = await merchant('POST', '/tax-rates', { country: 'FR', rate: 20.5, name: 'TVA (test)' });
    expect(frAgain.body.id).toBe(fr.body.id);
    expect(frAgain.body.rate).toBe(20.5);
    for (const body of [
      { country: 'XX', rate: 10 },
      { country: 'DE', rate: 101 },
      { country: 'DE', rate: 1.23456 },
      { country: 'DE', rate: 10, taxClass: 'Bad Class' },
      { country: 'DE', rate: 10, region: 'TOOLONG' },
    ]) {
      const r = await merchant('POST', '/tax-rates', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe('validation_failed');
    }
    const list = await merchant('GET', '/tax-rates?country=FR');
    expect(list.body.items).toHaveLength(1);
    expect((await merchant('DELETE', `/tax-rates/${fr.body.id}`)).status).toBe(204);
    expect((await merchant('DELETE', `/tax-rates/${fr.body.id}`)).status).toBe(404);
  });

  it('shipping zones: CRUD, a country in at most one zone, validation', async () => {
    const europe = await merchant('POST', '/shipping-zones', {
      name: 'Europe',
      countries: ['DE', 'FR', 'AT'],
      rates: [
        { name: 'Standard', price: 500, maxWeightGrams: 1999 },
        { name: 'Heavy', price: 1200, minWeightGrams: 2000 },
      ],
    });
    expect(europe.status).toBe(201);
    expect(europe.body).toMatchObject({
      name: 'Europe',
      countries: ['AT', 'DE', 'FR'],
      rates: [{ name: 'Standard', price: 500, maxWeightGrams: 1999, minWeightGrams: null }, {}],
    });
    const uk = await merchant('POST', '/shipping-zones', {
      name: 'UK',
      countries: ['GB'],
      rates: [
        { name: 'Royal Mail', price: 350, maxSubtotal: 4999 },
        { name: 'Free over £50', price: 0, minSubtotal: 5000 },
      ],
    });
    expect(uk.status).toBe(201);
    const clash = await merchant('POST', '/shipping-zones', { name: 'DE', countries: ['DE'], rates: [] });
    expect(clash.status).toBe(409);
    expect(clash.body.error.code).toBe('country_in_other_zone');
    for (const body of [
      { name: 'X', countries: ['ZZ'], rates: [] },
      { name: 'X', countries: ['IT'], rates: [{ name: 'A', price: -1 }] },
      { name: 'X', countries: ['IT'], rates: [{ name: 'A', price: 1, minSubtotal: 10, maxSubtotal: 5 }] },
    ]) {
      const r = await merchant('POST', '/shipping-zones', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
    }
    const tmp = await merchant('POST', '/shipping-zones', { name: 'Tmp', countries: ['IT'], rates: [{ name: 'A', price: 1 }] });
    const patched = await merchant('PATCH', `/shipping-zones/${tmp.body.id}`, { countries: ['IT', 'ES'] });
    expect(patched.body.countries).toEqual(['ES', 'IT']);
    expect((await merchant('GET', '/shipping-zones')).body.items).toHaveLength(3);
    expect((await merchant('DELETE', `/shipping-zones/${tmp.body.id}`)).status).toBe(204);
    expect((await merchant('GET', `/shipping-zones/${tmp.body.id}`)).status).toBe(404);
  });

  it('an inclusive market: reduced and standard classes, shipping taxed at its class, line taxes sum to the tax', async () => {
    const cart = await cartWith('DE', [
      [tea.variants[0].id, 3],
      [mug.variants[0].id, 1],
    ]);
    // Tea €11.63 ×3 = 34.89 at 7 %; mug €29.08 + shipping €5.82 (Standard: 1100 g) at 19 %, inside the prices.
    expect(cart).toMatchObject({ currency: 'EUR', subtotal: 6397, shipping: 582, taxIncluded: true, shippingAvailable: true, total: 6979, tax: 785 });
    expect(cart.taxLines).toEqual([
      { country: 'DE', region: null, taxClass: 'reduced', rate: 7, name: 'MwSt', base: 3261, amount: 228 },
      { country: 'DE', region: null, taxClass: 'standard', rate: 19, name: 'MwSt', base: 2933, amount: 557 },
    ]);
    const placed = await shopper('POST', `/carts/${cart.id}/checkout`, { email: 'de@example.com', shippingAddress: ADDRESS('DE') });
    expect(placed.status).toBe(201);
    expect(placed.body.order).toMatchObject({ currency: 'EUR', total: 6979, tax: 785, taxIncluded: true });
    const t = p.db.tenant(await schema());
    const lines = await t.selectFrom('order_lines').select(['unit_price', 'tax']).where('order_id', '=', placed.body.order.id).orderBy('position').execute();
    // 557 over mug 2908 and shipping 582 by largest remainder: 464.11 → 464, 92.89 → 93.
    expect(lines).toEqual([
      { unit_price: 1163, tax: 228 },
      { unit_price: 2908, tax: 464 },
    ]);
    const order = await t
      .selectFrom('orders')
      .select(['tax_country', 'tax_lines', 'shipping_method', 'store_total', 'store_tax'])
      .where('id', '=', placed.body.order.id)
      .executeTakeFirstOrThrow();
    expect(order).toMatchObject({ tax_country: 'DE', shipping_method: 'Standard', store_total: 5999, store_tax: 675 });
    expect(order.tax_lines.reduce((s, l) => s + l.amount, 0)).toBe(785);
    const o = await new OrderService(t, { store: { id: store.id, name: 'x', currency: 'GBP' } }).confirmPayment(placed.body.order.id, {
      provider: 'manual',
      reference: 'bank',
      amount: 6979,
    });
    expect(o.applied).toBe(true);
  });

  it('weight and subtotal pick the zone rate; an exclusive market adds tax per class', async () => {
    const v = mug.variants[0].id;
    const current = (await merchant('GET', `/products/${mug.id}`)).body;
    const heavy = await merchant('PATCH', `/products/${mug.id}`, { version: current.version, variants: [{ id: v, price: 2500, weightGrams: 1500 }] });
    expect(heavy.status).toBe(200);
    expect(heavy.body.variants[0].weightGrams).toBe(1500);
    const de = await cartWith('DE', [[v, 2]]);
    expect(de).toMatchObject({ shipping: 1396, shippingAvailable: true }); // 3000 g: Heavy, £12 = €13.96
    // The UK: prices exclude tax; £55 ≥ £50 ships free; tea at 5 %, the mug at 20 %.
    const gb = await cartWith('GB', [
      [tea.variants[0].id, 3],
      [v, 1],
    ]);
    expect(gb).toMatchObject({ currency: 'GBP', subtotal: 5500, shipping: 0, taxIncluded: false, tax: 650, total: 6150 });
    const small = await cartWith('GB', [[tea.variants[0].id, 1]]);
    expect(small).toMatchObject({ subtotal: 1000, shipping: 350, tax: 120, total: 1470 }); // 1000 × 5 % + 350 × 20 %
  });

  it('a country in no zone cannot check out (422 shipping_unavailable) and nothing is created', async () => {
    const cart = await cartWith('US', [[tea.variants[0].id, 1]]);
    expect(cart.shippingAvailable).toBe(false);
    const t = p.db.tenant(await schema());
    const before = await t
      .selectFrom('orders')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const r = await shopper('POST', `/carts/${cart.id}/checkout`, { email: 'us@example.com', shippingAddress: ADDRESS('US', 'NY') });
    expect(r.status).toBe(422);
    expect(r.body.error).toMatchObject({ code: 'shipping_unavailable', details: { country: 'US' } });
    const after = await t
      .selectFrom('orders')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
    expect((await shopper('GET', `/carts/${cart.id}`)).body.lines).toHaveLength(1);
  });

  it('the server-rendered checkout says where the store ships before the address step, and offers only those countries', async () => {
    const t = p.db.tenant(await schema());
    const carts = new CartService(t);
    const cart = await carts.findOrCreate(undefined);
    await carts.add(cart.id, tea.variants[0].id, 1);
    const host = `${store.slug}.localhost`;
    const res = await sf.request(`http://${host}/checkout`, { headers: { host, cookie: `sf_cart=${cart.token}` } });
    expect(res.status).toBe(200);
    const html = await res.text();
    // Countries by name in the page's language; the select lists exactly the zones' countries, sorted by name.
    expect(html).toContain('We ship to: Austria, Germany, France, United Kingdom.');
    const select = /<select id="ship-country"[^>]*>(.*?)<\/select>/s.exec(html)?.[1] ?? '';
    const options = [...select.matchAll(/<option[^>]*value="([A-Z]{2})"/g)].map((m) => m[1]);
    expect(options).toEqual(['AT', 'FR', 'DE', 'GB']);
  });

  it('reverse charge: an EU business with a valid VAT id pays the price without VAT; a malformed id is refused', async () => {
    expect((await merchant('PUT', '/tax-settings', { shippingTaxClass: 'standard', reverseCharge: true })).status).toBe(200);
    expect((await merchant('GET', '/tax-settings')).body).toEqual({ shippingTaxClass: 'standard', reverseCharge: true });
    const cart = await cartWith('DE', [[tea.variants[0].id, 3]]);
    const bad = await shopper('PATCH', `/carts/${cart.id}`, { vatId: 'DE12' });
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe('vat_id_invalid');
    const ok = await shopper('PATCH', `/carts/${cart.id}`, { vatId: 'de 123 456 789' });
    expect(ok.status).toBe(200);
    // €34.89 + €5.82 shipping, inclusive: 228 + 93 of VAT inside (3489×7/107, 582×19/119); reverse charge removes it.
    expect(ok.body).toMatchObject({
      vatId: 'DE123456789',
      reverseCharge: true,
      tax: 0,
      taxLines: [],
      subtotal: 3489,
      shipping: 582,
      total: 3489 + 582 - 228 - 93,
    });
    const placed = await shopper('POST', `/carts/${cart.id}/checkout`, { email: 'b2b@example.com', shippingAddress: ADDRESS('DE') });
    expect(placed.status).toBe(201);
    expect(placed.body.order).toMatchObject({ tax: 0, total: 3750 });
    const row = await p.db
      .tenant(await schema())
      .selectFrom('orders')
      .select(['reverse_charge', 'vat_id'])
      .where('id', '=', placed.body.order.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ reverse_charge: true, vat_id: 'DE123456789' });
    const badAtCheckout = await shopper('POST', `/carts/${(await cartWith('FR', [[tea.variants[0].id, 1]])).id}/checkout`, {
      email: 'b2b@example.com',
      shippingAddress: ADDRESS('FR'),
      vatId: 'FR1',
    });
    expect(badAtCheckout.status).toBe(422);
    expect(badAtCheckout.body.error.code).toBe('vat_id_invalid');
  });

  it('EU OSS: year-to-date cross-border B2C sales against €10,000, tax per country and quarter, as JSON and CSV', async () => {
    const year = new Date().getUTCFullYear();
    const report = await merchant('GET', `/reports/eu-oss?year=${year}`);
    expect(report.status).toBe(200);
    // Only the paid German B2C order: £59.99 with £6.75 VAT (the reverse-charge order is B2B and unpaid).
    const quarter = Math.floor(new Date().getUTCMonth() / 3) + 1;
    expect(report.body).toMatchObject({
      year,
      storeCountry: 'GB',
      storeCurrency: 'GBP',
      crossBorderSales: 5324,
      crossBorderSalesEur: 6194,
      thresholdEur: 1_000_000,
      exceeded: false,
      eurRate: { rate: '1.1634', asOf: '2026-12-01' },
      rows: [{ period: `${year}-Q${quarter}`, country: 'DE', orders: 1, netSales: 5324, tax: 675 }],
    });
    const csv = await merchant('GET', `/reports/eu-oss?year=${year}&format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.text).toBe(`period,country,orders,net_sales,tax,currency\n${year}-Q${quarter},DE,1,53.24,6.75,GBP\n`);
  });

  it('EU OSS subtracts refunds: the refunded share of the sales and of the tax, all of both once fully refunded', async () => {
    const year = new Date().getUTCFullYear();
    const quarter = Math.floor(new Date().getUTCMonth() / 3) + 1;
    const order = await p.db
      .tenant(await schema())
      .selectFrom('orders')
      .select(['id', 'total'])
      .where('tax_country', '=', 'DE')
      .where('payment_status', '=', 'paid')
      .where('reverse_charge', '=', false)
      .executeTakeFirstOrThrow();
    const refund = (amount: number, key: string) =>
      p.request('POST', `/api/v1/stores/${store.id}/orders/${order.id}/refunds`, { cookie: owner, headers: { 'idempotency-key': key }, body: { amount } });
    // €10.00 back of €69.79 (store total £59.99, VAT £6.75): store_refunded 1000 / 1.1634 = 859.55 → £8.60, of which
    // the order's VAT share 675 × 860 / 5999 = 96.77 → £0.97; net sales 5324 − (860 − 97) = 4561, tax 675 − 97 = 578.
    const first = await refund(1000, 'oss-refund-1');
    expect(first.status, first.text).toBeLessThan(300);
    const partly = await merchant('GET', `/reports/eu-oss?year=${year}`);
    expect(partly.body).toMatchObject({
      crossBorderSales: 4561,
      rows: [{ period: `${year}-Q${quarter}`, country: 'DE', orders: 1, netSales: 4561, tax: 578 }],
    });
    const csv = await merchant('GET', `/reports/eu-oss?year=${year}&format=csv`);
    expect(csv.text).toBe(`period,country,orders,net_sales,tax,currency\n${year}-Q${quarter},DE,1,45.61,5.78,GBP\n`);
    const rest = await refund(order.total - 1000, 'oss-refund-2');
    expect(rest.status, rest.text).toBeLessThan(300);
    const none = await merchant('GET', `/reports/eu-oss?year=${year}`);
    expect(none.body).toMatchObject({ crossBorderSales: 0, crossBorderSalesEur: 0, rows: [{ country: 'DE', orders: 1, netSales: 0, tax: 0 }] });
  });
});
