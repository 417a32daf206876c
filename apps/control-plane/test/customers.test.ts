/**
 * The customers API (issue 21, the draft order's customer picker): search by name or e-mail (word prefixes,
 * case-insensitive, answered by the customers_search_idx GIN index), cursor pages newest first like the other lists,
 * one customer with their saved addresses and order count, the audit of a viewed customer, and a second store's
 * customers never visible.
 */
import { randomBytes } from 'node:crypto';
import { CartService, CustomerService, customerSearchCondition, customerSearchQuery, OrderService, parseSettings } from '@storeloom/commerce';
import { type Kysely, newId, sql, type TenantDatabase } from '@storeloom/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';

const ADDRESS = { name: 'Jane Doe', line1: '1 Main St', line2: null, city: 'Springfield', postalCode: '12345', region: null, country: 'US', phone: '555-0100' };

describe('customers API', { timeout: 120_000 }, () => {
  let p: TestPlatform;
  let m: { cookie: string };
  let other: { cookie: string };
  let store: { id: string };
  let otherStore: { id: string };
  let schema: string;
  const ids = {} as Record<'jane' | 'john' | 'zoe' | 'janet' | 'otherJane', string>;

  const api = (path: string, cookie = m.cookie, storeId = store.id) => p.request('GET', `/api/v1/stores/${storeId}${path}`, { cookie });
  const schemaOf = async (id: string) =>
    (await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', id).executeTakeFirstOrThrow()).schema_name;
  // Each customer a millisecond after the last, its id and created_at from one clock, so "newest first" is the order
  // the test made them in by either column (newId also counts up within a millisecond now, in one process).
  let clock = Date.now();
  const addCustomer = async (s: string, name: string, email: string) => {
    clock += 1;
    const id = newId(clock);
    await p.db
      .tenant(s)
      .insertInto('customers')
      .values({ id, name, email, password_hash: 'x', created_at: new Date(clock), email_verified_at: null })
      .execute();
    return id;
  };

  beforeAll(async () => {
    p = await startTestPlatform();
    m = await signup(p);
    other = await signup(p);
    store = await createStore(p, m.cookie);
    otherStore = await createStore(p, other.cookie);
    schema = await schemaOf(store.id);
    // Created oldest first: the list is newest first.
    ids.jane = await addCustomer(schema, 'Jane Doe', 'jane.doe@example.com');
    ids.john = await addCustomer(schema, 'John Smith', 'JSMITH@Example.org');
    ids.zoe = await addCustomer(schema, 'Zoë Ångström', 'zoe@nordic.example');
    ids.janet = await addCustomer(schema, 'Janet Jackson', 'janet@music.example');
    // The other store has a Jane too (same e-mail: accounts are per store).
    ids.otherJane = await addCustomer(await schemaOf(otherStore.id), 'Jane Doe', 'jane.doe@example.com');

    const customers = new CustomerService(p.db.tenant(schema));
    await customers.saveAddress(ids.jane, { ...ADDRESS, line1: '9 Old Rd' });
    await customers.saveAddress(ids.jane, ADDRESS);
    // Jane places an order signed in.
    const product = await createProduct(p, m.cookie, store.id, {
      variants: [{ sku: `CU-${randomBytes(3).toString('hex')}`, price: 1500, inventoryQuantity: 5 }],
    });
    const t = p.db.tenant(schema);
    const cart = await new CartService(t).findOrCreate(undefined);
    await new CartService(t).add(cart.id, product.variants[0].id, 1);
    const row = await p.db.control.selectFrom('stores').selectAll().where('id', '=', store.id).executeTakeFirstOrThrow();
    await new OrderService(t, { store: { id: store.id, name: row.name, currency: row.currency } }).place({
      cartId: cart.id,
      email: 'jane.doe@example.com',
      customerId: ids.jane,
      customerName: 'Jane Doe',
      address: ADDRESS,
      locale: 'en',
      settings: parseSettings([]),
    });
  });
  afterAll(async () => {
    await p?.close();
  });

  const names = (r: { body: { items: { name: string }[] } }) => r.body.items.map((c) => c.name);

  it('lists the store’s customers newest first, with their default address and order count', async () => {
    const r = await api('/customers');
    expect(r.status, r.text).toBe(200);
    expect(names(r)).toEqual(['Janet Jackson', 'Zoë Ångström', 'John Smith', 'Jane Doe']);
    const jane = r.body.items.find((c: { id: string }) => c.id === ids.jane);
    expect(jane).toMatchObject({ email: 'jane.doe@example.com', ordersCount: 1, emailVerified: false, defaultAddress: ADDRESS });
    expect(jane.lastOrderAt).toEqual(expect.any(String));
    expect(r.body.items.find((c: { id: string }) => c.id === ids.john)).toMatchObject({ ordersCount: 0, lastOrderAt: null, defaultAddress: null });
    expect(r.body.nextCursor).toBeNull();
  });

  it('searches names and e-mails by word prefix, case-insensitively, every word having to match', async () => {
    const q = async (query: string) => names(await api(`/customers?query=${encodeURIComponent(query)}`));
    expect(await q('jan')).toEqual(['Janet Jackson', 'Jane Doe']);
    expect(await q('JANE')).toEqual(['Janet Jackson', 'Jane Doe']);
    expect(await q('jane doe')).toEqual(['Jane Doe']);
    expect(await q('doe jane')).toEqual(['Jane Doe']);
    expect(await q('jane.doe@example.com')).toEqual(['Jane Doe']);
    expect(await q('jane.doe@ex')).toEqual(['Jane Doe']);
    expect(await q('example')).toEqual(['Janet Jackson', 'Zoë Ångström', 'John Smith', 'Jane Doe']);
    expect(await q('nordic')).toEqual(['Zoë Ångström']);
    expect(await q('jsmith')).toEqual(['John Smith']);
    expect(await q('EXAMPLE.ORG')).toEqual(['John Smith']);
    expect(await q('smi')).toEqual(['John Smith']);
    expect(await q('zoë')).toEqual(['Zoë Ångström']);
    expect(await q('ÅNGS')).toEqual(['Zoë Ångström']);
    // Not a word prefix, no match, punctuation only, and tsquery syntax is just text.
    expect(await q('oe')).toEqual([]);
    expect(await q('nobody')).toEqual([]);
    expect(await q('@.')).toEqual([]);
    expect(await q("jane' | !x:* & (")).toEqual([]);
    expect(await q("jane' & !(")).toEqual(['Janet Jackson', 'Jane Doe']);
  });

  it('pages with the last id as cursor, like the other lists, also while searching', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const r = await api(`/customers?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.status, r.text).toBe(200);
      expect(r.body.items.length).toBeLessThanOrEqual(1);
      seen.push(...names(r));
      cursor = r.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['Janet Jackson', 'Zoë Ångström', 'John Smith', 'Jane Doe']);
    const first = await api('/customers?query=jan&limit=1');
    expect(names(first)).toEqual(['Janet Jackson']);
    const second = await api(`/customers?query=jan&limit=1&cursor=${first.body.nextCursor}`);
    expect(names(second)).toEqual(['Jane Doe']);
    expect(second.body.nextCursor).toBeNull();
    expect((await api('/customers?cursor=not-an-id')).status).toBe(400);
    expect((await api('/customers?limit=0')).status).toBe(400);
    expect((await api('/customers?limit=251')).status).toBe(400);
  });

  it('shows one customer with all saved addresses (newest first) and audits the view', async () => {
    const r = await api(`/customers/${ids.jane}`);
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({ id: ids.jane, name: 'Jane Doe', ordersCount: 1, defaultAddress: ADDRESS });
    expect(r.body.addresses.map((a: { line1: string }) => a.line1)).toEqual(['1 Main St', '9 Old Rd']);
    const audit = await p.db.control
      .selectFrom('audit_log')
      .select(['action', 'target_type'])
      .where('store_id', '=', store.id)
      .where('target_id', '=', ids.jane)
      .execute();
    expect(audit).toEqual([{ action: 'customer_data.viewed', target_type: 'customer' }]);
    const missing = await api(`/customers/${newId()}`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
    expect((await api('/customers/not-a-uuid')).status).toBe(404);
  });

  it('never shows another store’s customers', async () => {
    // The other store's Jane is not in this store's list or search, nor reachable by id.
    const all = await api('/customers?limit=250');
    expect(all.body.items.map((c: { id: string }) => c.id)).not.toContain(ids.otherJane);
    const searched = await api('/customers?query=jane');
    expect(searched.body.items.map((c: { id: string }) => c.id)).toEqual([ids.janet, ids.jane]);
    const byId = await api(`/customers/${ids.otherJane}`);
    expect(byId.status).toBe(404);
    expect(byId.body.error.code).toBe('not_found');
    // The other merchant cannot read this store at all, and sees only their own Jane.
    expect((await api('/customers', other.cookie)).status).toBe(404);
    const theirs = await api('/customers?query=jane', other.cookie, otherStore.id);
    expect(theirs.body.items.map((c: { id: string }) => c.id)).toEqual([ids.otherJane]);
  });

  it('answers a search from the GIN index', async () => {
    // Enough rows that the statistics are real; with sequential scans off, a plan without the index would be a seq scan.
    await sql`insert into ${sql.table(`${schema}.customers`)} (id, name, email, password_hash, created_at)
      select gen_random_uuid(), 'Filler ' || g, 'filler' || g || '@bulk.example', 'x', now() from generate_series(1, 2000) g`.execute(p.db.control);
    await sql`analyze ${sql.table(`${schema}.customers`)}`.execute(p.db.control);
    const ts = customerSearchQuery('jane doe') as string;
    const plan = await p.db.control.transaction().execute(async (trx) => {
      await sql`set local enable_seqscan = off`.execute(trx);
      const compiled = (trx.withSchema(schema) as unknown as Kysely<TenantDatabase>)
        .selectFrom('customers')
        .select('id')
        .where(customerSearchCondition(ts))
        .compile();
      return trx.executeQuery({ ...compiled, sql: `explain ${compiled.sql}` });
    });
    const text = (plan.rows as { 'QUERY PLAN': string }[]).map((r) => r['QUERY PLAN']).join('\n');
    expect(text).toContain('customers_search_idx');
    // The list still finds Jane among the fillers.
    expect(names(await api('/customers?query=jane%20doe'))).toEqual(['Jane Doe']);
  });
});
