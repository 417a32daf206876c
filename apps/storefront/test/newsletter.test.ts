/**
 * The newsletter section's sign-up (issue 20) over real Postgres, storefront in-process: the section's plain form,
 * POST /newsletter recording a marketing consent (source `newsletter`) without JavaScript (303 back to the page, the
 * status shown there) and with it (JSON), bad addresses, cross-site posts refused, the per-visitor and per-address
 * limits, and stores that send no marketing mail.
 */
import { createLogger } from '@storeloom/log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { createStorefrontApp } from '../src/app.ts';

const SECRET = 'newsletter-test-secret-0123456789abcdef0123';

describe('newsletter section sign-up', () => {
  let p: TestPlatform;
  let sf: ReturnType<typeof createStorefrontApp>;
  let cookie: string;
  let storeId: string;
  let host: string;
  const api = (method: string, path: string, body?: unknown) =>
    p.request(method, `/api/v1/stores/${storeId}${path}`, { cookie, ...(body === undefined ? {} : { body }) });
  const get = (path: string) => sf.request(`http://${host}${path}`, { headers: { host } });
  let ip = 0;
  /** A form post from the store's own page (Origin = the store), from its own visitor address unless given. */
  const post = (fields: Record<string, string>, o: { json?: boolean; origin?: string | null; from?: string } = {}) =>
    sf.request(`http://${host}/newsletter`, {
      method: 'POST',
      headers: {
        host,
        'content-type': 'application/x-www-form-urlencoded',
        'x-forwarded-for': o.from ?? `198.51.100.${++ip}`,
        ...(o.origin === null ? {} : { origin: o.origin ?? `http://${host}` }),
        ...(o.json ? { accept: 'application/json' } : {}),
      },
      body: new URLSearchParams(fields).toString(),
    });
  const consents = async (email: string) => {
    const schema = (await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', storeId).executeTakeFirstOrThrow()).schema_name;
    return p.db.tenant(schema).selectFrom('consents').select(['email', 'source', 'choices', 'version']).where('email', '=', email).execute();
  };
  const text = async (r: Response) => (await r.text()).replace(/ data-hk="[^"]*"/g, '').replace(/<!--[$/]-->/g, '');

  beforeAll(async () => {
    p = await startTestPlatform({ config: { orderLinkSecret: SECRET } });
    sf = createStorefrontApp(p.db, createLogger({ level: 'silent' }), {
      rootDomain: 'localhost',
      secret: SECRET,
      storeCacheTtlMs: 0,
      pageCacheTtlMs: 0,
      trustProxy: true,
    });
    cookie = (await signup(p)).cookie;
    const store = await createStore(p, cookie);
    storeId = store.id;
    host = `${store.slug}.localhost`;
    const layout = { sections: [{ id: 'news', type: 'newsletter', settings: { heading: 'Letters from the farm' }, blocks: [] }] };
    expect((await api('PUT', '/theme/templates/home/draft', { layout })).status).toBe(200);
    expect((await api('POST', '/theme/templates/home/publish')).status).toBe(200);
  });
  afterAll(async () => {
    await p?.close();
  });

  it('shows no form while the store sends no marketing mail, and refuses sign-ups then', async () => {
    expect((await api('PUT', '/promotion-settings', { marketingEmails: false })).status).toBe(200);
    const html = await text(await get('/'));
    expect(html).toContain('Letters from the farm');
    expect(html).not.toContain('action="/newsletter"');
    const r = await post({ email: 'closed@example.com' }, { json: true });
    expect(r.status).toBe(409);
    expect(await r.json()).toEqual({ status: 'closed' });
    expect(await consents('closed@example.com')).toEqual([]);
  });

  it('without JavaScript: the plain form posts, a consent is recorded, and the page says so', async () => {
    expect((await api('PUT', '/promotion-settings', { marketingEmails: true })).status).toBe(200);
    const html = await text(await get('/'));
    expect(html).toMatch(/<form class="news-form" method="post" action="\/newsletter">/);
    expect(html).toContain('<input type="hidden" name="back" value="/">');
    expect(html).toMatch(/<input id="newsletter-email-news" type="email" name="email" required/);

    const r = await post({ email: '  Ada@Example.COM ', back: '/' });
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe('/?newsletter=subscribed#newsletter');
    expect(await consents('ada@example.com')).toEqual([
      { email: 'ada@example.com', source: 'newsletter', choices: { marketing: true }, version: 'marketing-mail:1' },
    ]);
    expect(await text(await get('/?newsletter=subscribed'))).toContain('Thanks! You are subscribed.');
    // Only known statuses are shown; anything else in the query is ignored.
    expect(await text(await get('/?newsletter=%3Cscript%3E'))).not.toContain('&lt;script');

    // A bad address goes back with the "invalid" status; a foreign `back` stays on the store.
    const bad = await post({ email: 'not-an-address', back: 'https://evil.example/' });
    expect(bad.status).toBe(303);
    expect(bad.headers.get('location')).toBe('/?newsletter=invalid#newsletter');
  });

  it('with JavaScript: JSON answers, and a bad address is a 400 with a stable status', async () => {
    const ok = await post({ email: 'grace@example.com' }, { json: true });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ status: 'subscribed' });
    expect((await consents('grace@example.com')).map((c) => c.source)).toEqual(['newsletter']);
    const bad = await post({ email: 'x'.repeat(300) }, { json: true });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ status: 'invalid' });
  });

  it('refuses cross-site and origin-less posts (CSRF)', async () => {
    expect((await post({ email: 'csrf@example.com' }, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await post({ email: 'csrf@example.com' }, { origin: null })).status).toBe(403);
    expect(await consents('csrf@example.com')).toEqual([]);
  });

  it('limits sign-ups per visitor and per address without telling whether an address is known', async () => {
    const from = '203.0.113.77';
    const answers: number[] = [];
    for (let i = 0; i < 11; i++) answers.push((await post({ email: `many${i}@example.com` }, { json: true, from })).status);
    expect(answers.slice(0, 10)).toEqual(Array(10).fill(200));
    expect(answers[10]).toBe(429);
    expect(await consents('many10@example.com')).toEqual([]);

    // The same address from different visitors: three recorded, the fourth answered alike but not recorded.
    for (let i = 0; i < 4; i++) expect((await post({ email: 'same@example.com' }, { json: true })).status).toBe(200);
    expect(await consents('same@example.com')).toHaveLength(3);
  });
});
