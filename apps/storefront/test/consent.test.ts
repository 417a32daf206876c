/**
 * Consent model (issue 22) over real Postgres: no banner while the store uses nothing optional; the store's
 * switches make purposes (and the consent version); accept / reject / customise recorded with time, version and
 * purposes for anonymous browsers and signed-in customers; Sec-GPC and DNT recorded once as a refusal and no
 * banner; optional tracking (recommendation events linked beyond the visit, search analytics) only with consent;
 * the event id cookie dropped when consent is withdrawn; a new purpose asks again; consents in the export and
 * gone after an erasure (with the same browser's signed-out decisions).
 */
import { randomBytes } from 'node:crypto';
import { createLogger } from '@storeloom/log';
import { sql } from 'kysely';
import { collectExport, consentVersion, eraseInStore } from '@storeloom/privacy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { createStorefrontApp } from '../src/app.ts';

describe('storefront consent', () => {
  let p: TestPlatform;
  let app: ReturnType<typeof createStorefrontApp>;
  let cookie: string;
  let store: { id: string; slug: string; name: string; schema_name: string };
  let productId: string;
  const host = () => `${store.slug}.localhost`;
  const req = (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    headers.set('host', host());
    if (init.method === 'POST' && !headers.has('origin')) headers.set('origin', `http://${host()}`);
    return app.request(`http://${host()}${path}`, { ...init, headers });
  };
  const form = (data: Record<string, string>, extra: Record<string, string> = {}): RequestInit => ({
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...extra },
    body: new URLSearchParams(data).toString(),
  });
  const setCookieOf = (res: Response, name: string) => res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
  const cookieOf = (res: Response, name: string) => (setCookieOf(res, name) ?? '').split(';')[0] as string;
  const consents = () => p.db.tenant(store.schema_name).selectFrom('consents').selectAll().orderBy('created_at').orderBy('id').execute();
  const banner = (html: string) => html.includes('data-testid="consent-banner"');
  const settings = async (body: Record<string, unknown>) => {
    const res = await p.request('PATCH', `/api/v1/stores/${store.id}/privacy-settings`, { cookie, body });
    expect(res.status, res.text).toBe(200);
    app.resolver.invalidate();
    return res.body;
  };

  beforeAll(async () => {
    p = await startTestPlatform();
    app = createStorefrontApp(p.db, createLogger({ level: 'silent' }), {
      rootDomain: 'localhost',
      secret: 'consent-test-secret-0123456789abcdef01234',
      storeCacheTtlMs: 0,
      pageCacheTtlMs: 0,
    });
    ({ cookie } = await signup(p));
    const s = await createStore(p, cookie);
    const row = await p.db.control.selectFrom('stores').selectAll().where('id', '=', s.id).executeTakeFirstOrThrow();
    store = { id: row.id, slug: row.slug, name: row.name, schema_name: row.schema_name };
    productId = (await createProduct(p, cookie, store.id, { title: 'Oolong Tea', variants: [{ sku: 'OO-1', price: 1200, inventoryQuantity: 9 }] })).id;
  });
  afterAll(async () => {
    await p?.close();
  });

  it('shows no banner and records nothing while the store uses nothing optional', async () => {
    expect((await settings({})).recommendationTracking).toBe(false);
    const home = await req('/');
    const html = await home.text();
    expect(banner(html)).toBe(false);
    expect(html).not.toContain('privacy-choices');
    expect((await req('/', { headers: { 'sec-gpc': '1' } })).status).toBe(200);
    expect(await consents()).toEqual([]);
  });

  it('asks once the store turns on optional tracking; accept, reject and customise are recorded with time, version and purposes', async () => {
    const saved = await settings({ recommendationTracking: true, analytics: true });
    expect(saved).toMatchObject({ recommendationTracking: true, analytics: true });
    const version = consentVersion(['recommendations', 'analytics', 'marketing']);
    expect(version).toBe('1:analytics+marketing+recommendations');
    const html = await (await req('/')).text();
    expect(banner(html)).toBe(true);
    for (const name of ['purpose_recommendations', 'purpose_analytics', 'purpose_marketing']) expect(html).toContain(`name="${name}"`);
    expect(html).toContain('value="accept"');
    expect(html).toContain('value="reject"');
    expect(html).toContain('?privacy-choices');

    // Reject: recorded, remembered, the event id cookie dropped, the banner gone.
    const before = Date.now();
    const rejected = await req('/consent', form({ choice: 'reject', next: '/products/oolong-tea' }, { cookie: 'sf_sid=abcdefgh12345678' }));
    expect(rejected.status).toBe(303);
    expect(rejected.headers.get('location')).toBe('/products/oolong-tea');
    expect(setCookieOf(rejected, 'sf_sid')).toMatch(/Max-Age=0/i);
    const jar = cookieOf(rejected, 'sf_consent');
    const id = decodeURIComponent(jar.split('=')[1] as string).split('.')[0];
    let rows = await consents();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      subject: id,
      customer_id: null,
      version,
      signal: null,
      choices: { recommendations: false, analytics: false, marketing: false },
    });
    expect(new Date(rows[0]?.created_at as Date).getTime()).toBeGreaterThanOrEqual(before - 1000);
    const after = await req('/', { headers: { cookie: jar } });
    expect(banner(await after.text())).toBe(false);
    expect(after.headers.get('cache-control')).toContain('private');
    // The footer link reopens the choices.
    expect(banner(await (await req('/?privacy-choices', { headers: { cookie: jar } })).text())).toBe(true);

    // Customise, same browser: a second record under the same consent id.
    const custom = await req('/consent', form({ choice: 'custom', purpose_analytics: '1', next: '/' }, { cookie: jar }));
    expect(custom.status).toBe(303);
    rows = await consents();
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatchObject({ subject: id, choices: { recommendations: false, analytics: true, marketing: false } });

    // Accept by a signed-in customer: the record names the customer.
    const reg = await req(
      '/account/register',
      form({ email: `c-${randomBytes(3).toString('hex')}@example.com`, name: 'Consent Customer', password: 'a long shopper passphrase' }),
    );
    const session = cookieOf(reg, 'sf_session');
    const accepted = await req('/consent', form({ choice: 'accept', next: '//evil.example/' }, { cookie: session }));
    expect(accepted.headers.get('location')).toBe('/');
    rows = await consents();
    expect(rows[2]).toMatchObject({ customer_id: expect.any(String), choices: { recommendations: true, analytics: true, marketing: true } });
    expect(decodeURIComponent(cookieOf(accepted, 'sf_consent'))).toMatch(/\.recommendations\+analytics\+marketing$/);
  });

  it('takes Sec-GPC and DNT as a refusal: no banner, recorded once with the signal, a click cannot override it', async () => {
    await p.db.tenant(store.schema_name).deleteFrom('consents').execute();
    const gpc = await req('/', { headers: { 'sec-gpc': '1' } });
    expect(banner(await gpc.text())).toBe(false);
    expect(gpc.headers.get('vary')).toContain('Sec-GPC');
    const jar = cookieOf(gpc, 'sf_consent');
    expect(jar).not.toBe('');
    let rows = await consents();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ signal: 'gpc', choices: { recommendations: false, analytics: false, marketing: false } });
    // Remembered: the next page records nothing new.
    await req('/products/oolong-tea', { headers: { 'sec-gpc': '1', cookie: jar } });
    expect(await consents()).toHaveLength(1);
    // Accepting with GPC on is recorded as what is done: refused, by the signal.
    await req('/consent', form({ choice: 'accept', next: '/' }, { 'sec-gpc': '1', cookie: jar }));
    rows = await consents();
    expect(rows[1]).toMatchObject({ signal: 'gpc', choices: { recommendations: false, analytics: false, marketing: false } });

    const dnt = await req('/', { headers: { dnt: '1' } });
    expect(banner(await dnt.text())).toBe(false);
    expect((await consents()).at(-1)).toMatchObject({ signal: 'dnt' });
  });

  it('does optional tracking only with consent: account-linked events and search analytics', async () => {
    const t = p.db.tenant(store.schema_name);
    const email = `t-${randomBytes(3).toString('hex')}@example.com`;
    const reg = await req('/account/register', form({ email, name: 'Tracked Customer', password: 'a long shopper passphrase' }));
    const session = cookieOf(reg, 'sf_session');
    const event = (jar: string, sessionId: string) =>
      req('/api/storefront/v1/events', {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: jar, origin: `http://${host()}` },
        body: JSON.stringify({ sessionId, events: [{ type: 'view', productId }] }),
      });
    // No decision yet: the visit's event is kept under the session id only, not linked to the account.
    expect((await event(session, 'visitonly00000001')).status).toBe(204);
    const customerId = (await t.selectFrom('customers').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
    expect(await t.selectFrom('reco_events').select(['customer_id', 'session_id']).where('session_id', '=', 'visitonly00000001').execute()).toEqual([
      { customer_id: null, session_id: 'visitonly00000001' },
    ]);
    const search = (jar: string, q: string) => req(`/api/storefront/v1/search?q=${q}`, { headers: { cookie: jar } });
    const searched = async (q: string) => {
      await app.searchEngine.flush();
      return (await sql<{ query: string }>`select query from ${sql.table(`${store.schema_name}.search_queries`)} where query = ${q}`.execute(t)).rows.length;
    };
    expect((await search(session, 'oolongnoconsent')).status).toBe(200);
    expect(await searched('oolongnoconsent')).toBe(0);

    // With consent: linked to the account, searches logged.
    const accepted = await req('/consent', form({ choice: 'accept', next: '/' }, { cookie: session }));
    const jar = `${session}; ${cookieOf(accepted, 'sf_consent')}`;
    expect((await event(jar, 'withconsent000001')).status).toBe(204);
    expect(await t.selectFrom('reco_events').select('customer_id').where('session_id', '=', 'withconsent000001').execute()).toEqual([
      { customer_id: customerId },
    ]);
    await search(jar, 'oolongconsented');
    expect(await searched('oolongconsented')).toBe(1);
    // Under GPC the same cookie grants nothing.
    await search(jar, 'oolonggpc');
    await req('/api/storefront/v1/search?q=oolonggpc', { headers: { cookie: jar, 'sec-gpc': '1' } });
    expect(await searched('oolonggpc')).toBe(1);

    // The export carries the customer's decisions (and the same browser's signed-out ones); erasure removes them.
    const subject = decodeURIComponent(cookieOf(accepted, 'sf_consent').split('=')[1] as string).split('.')[0] as string;
    await t
      .insertInto('consents')
      .values({ id: crypto.randomUUID(), subject, customer_id: null, choices: JSON.stringify({ analytics: false }), version: 'old', signal: null })
      .execute();
    const exported = await collectExport(p.db, store, email);
    expect(exported.consents.map((c) => c.version)).toEqual(['1:analytics+marketing+recommendations', 'old']);
    await eraseInStore(p.db, store, email, 'anon-consent-test', crypto.randomUUID());
    expect(await t.selectFrom('consents').select('id').where('subject', '=', subject).execute()).toEqual([]);
  });

  it('asks again when the store asks for something else (a new consent version)', async () => {
    const accepted = await req('/consent', form({ choice: 'accept', next: '/' }));
    const jar = cookieOf(accepted, 'sf_consent');
    expect(banner(await (await req('/', { headers: { cookie: jar } })).text())).toBe(false);
    await settings({ analytics: false });
    expect(banner(await (await req('/', { headers: { cookie: jar } })).text())).toBe(true);
    // Nothing optional left: no banner, no link.
    await settings({ recommendationTracking: false });
    const html = await (await req('/', { headers: { cookie: jar } })).text();
    expect(banner(html)).toBe(false);
    expect(html).not.toContain('privacy-choices');
  });
});
