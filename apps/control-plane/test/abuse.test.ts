/**
 * Abuse and bad input: security headers with a per-request CSP nonce, HSTS
 * only over https, per-IP and per-store rate limits (429 + Retry-After), the
 * request deadline (503 + Retry-After), the role walker over the OpenAPI
 * document (staff is refused admin routes with 403 and changes nothing) and
 * session fixation.
 */
import { randomBytes } from 'node:crypto';
import { sql } from '@storeloom/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';

const rnd = () => randomBytes(4).toString('hex');

describe('security headers', () => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await startTestPlatform({ config: { trustProxy: true } });
  });
  afterAll(async () => {
    await p.close();
  });

  it('sends CSP with a fresh nonce per request that the inline script of the docs page carries', async () => {
    const one = await p.request('GET', '/api/v1/docs');
    const two = await p.request('GET', '/api/v1/docs');
    const nonceOf = (csp: string | null) => /script-src 'self' 'nonce-([A-Za-z0-9+/=]+)'/.exec(csp ?? '')?.[1];
    const n1 = nonceOf(one.headers.get('content-security-policy'));
    const n2 = nonceOf(two.headers.get('content-security-policy'));
    expect(n1).toBeTruthy();
    expect(n2).toBeTruthy();
    expect(n1).not.toBe(n2);
    expect(one.text).toContain(`<script nonce="${n1}">`);
    // No script runs without the nonce: the policy allows no inline script otherwise.
    expect(one.headers.get('content-security-policy')).not.toMatch(/script-src[^;]*'unsafe-inline'/);
  });

  it('forbids framing and sniffing on API, console and error responses; HSTS only over https', async () => {
    for (const path of ['/', '/api/v1/me', '/api/v1/nope', '/healthz']) {
      const res = await p.request('GET', path);
      expect(res.headers.get('content-security-policy'), path).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.headers.get('strict-transport-security'), path).toBeNull();
    }
    const https = await p.request('GET', '/', { headers: { 'x-forwarded-proto': 'https' } });
    expect(https.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
  });

  it('answers API data with a policy that allows nothing and no nonce; documents keep theirs (issue 23)', async () => {
    const m = await signup(p);
    const store = await createStore(p, m.cookie);
    const product = await createProduct(p, m.cookie, store.id);
    const path = `/api/v1/stores/${store.id}/products/${product.id}`;
    const miss = await p.request('GET', path, { cookie: m.cookie });
    const hit = await p.request('GET', path, { cookie: m.cookie });
    const notModified = await p.request('GET', path, { cookie: m.cookie, headers: { 'if-none-match': hit.headers.get('etag') ?? '' } });
    const refused = await p.request('GET', '/api/v1/me');
    const created = await p.request('POST', `/api/v1/stores/${store.id}/products`, {
      cookie: m.cookie,
      body: { title: 'Mug', variants: [{ sku: `MUG-${rnd()}`, price: 1200 }] },
    });
    expect([miss.status, hit.status, notModified.status, refused.status, created.status]).toEqual([200, 200, 304, 401, 201]);
    for (const [name, res] of Object.entries({ miss, hit, notModified, refused, created, spec: await p.request('GET', '/api/v1/openapi.json') })) {
      expect(res.headers.get('content-security-policy'), name).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(res.headers.get('x-content-type-options'), name).toBe('nosniff');
      expect(res.headers.get('x-frame-options'), name).toBe('DENY');
      expect(res.headers.get('cross-origin-resource-policy'), name).toBe('same-origin');
      // Headers only a rendered document uses are not sent with data.
      expect(res.headers.get('cross-origin-opener-policy'), name).toBeNull();
      expect(res.headers.get('referrer-policy'), name).toBeNull();
      expect(res.headers.get('strict-transport-security'), name).toBeNull();
    }
    const overHttps = await p.request('GET', path, { cookie: m.cookie, headers: { 'x-forwarded-proto': 'https' } });
    expect(overHttps.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    // The API reference and the console are documents: the full policy with a nonce.
    for (const doc of ['/api/v1/docs', '/']) {
      const res = await p.request('GET', doc);
      expect(res.headers.get('content-security-policy'), doc).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+'/);
      expect(res.headers.get('cross-origin-opener-policy'), doc).toBe('same-origin');
      expect(res.headers.get('referrer-policy'), doc).toBe('strict-origin-when-cross-origin');
    }
  });

  it('lets the console frame only the stores (theme preview) and compile WebAssembly (3D preview), never eval', async () => {
    const csp = (await p.request('GET', '/')).headers.get('content-security-policy') ?? '';
    // Test platform: stores on http://<slug>.localhost:3001.
    expect(csp).toMatch(/frame-src 'self' http:\/\/\*\.localhost:3001(;|$)/);
    expect(csp).toMatch(/script-src [^;]*'wasm-unsafe-eval'/);
    expect(csp).not.toMatch(/'unsafe-eval'/);
    expect(csp).toMatch(/connect-src 'self' blob:/);
    expect(csp).toContain("frame-ancestors 'none'");
  });
});

describe('metrics and trace ids', () => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await startTestPlatform();
  });
  afterAll(async () => {
    await p.close();
  });

  it('exposes Prometheus metrics labelled by route pattern (never raw ids) and continues W3C trace ids', async () => {
    const m = await signup(p);
    const store = await createStore(p, m.cookie);
    await p.request('GET', `/api/v1/stores/${store.id}/products`, { cookie: m.cookie });
    await p.request('GET', '/healthz');
    const res = await p.request('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(res.text).toMatch(/storeloom_http_requests_total\{app="control-plane",method="GET",route="\/healthz",status="2xx"\} \d+/);
    expect(res.text).toMatch(/route="\/api\/v1\/stores\/:storeId\/products"/);
    expect(res.text).toMatch(/storeloom_http_request_duration_seconds_bucket\{/);
    expect(res.text).toMatch(/storeloom_db_pool_connections\{app="control-plane",state="total"\} \d+/);
    expect(res.text).not.toContain(store.id);
    const traced = await p.request('GET', '/healthz', { headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } });
    expect(traced.headers.get('traceparent')).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    expect((await p.request('GET', '/healthz')).headers.get('traceparent')).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });
});

describe('rate limits and deadlines', () => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await startTestPlatform({ config: { trustProxy: true, rateLimits: { perIpPerMinute: 8, perStorePerMinute: 6 } } });
  });
  afterAll(async () => {
    await p.close();
  });

  it('answers 429 with Retry-After once one IP is over its limit, and other IPs are unaffected', async () => {
    const ip = { 'x-forwarded-for': '203.0.113.7' };
    const statuses: number[] = [];
    let last: { status: number; body: any; headers: Headers } | undefined;
    for (let i = 0; i < 10; i++) {
      last = await p.request('GET', '/api/v1/openapi.json', { headers: ip });
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 8)).toEqual(Array(8).fill(200));
    expect(statuses.slice(8)).toEqual([429, 429]);
    expect(last?.body.error.code).toBe('rate_limited');
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await p.request('GET', '/api/v1/openapi.json', { headers: { 'x-forwarded-for': '203.0.113.8' } })).status).toBe(200);
  });

  it("limits a busy store's calls without touching another store's", async () => {
    const ip = () => ({ 'x-forwarded-for': `198.51.100.${Math.floor(Math.random() * 250)}` });
    const m = await signup(p);
    // Not launched: the launch call would spend one of the busy store's six calls before the loop counts them.
    const busy = await createStore(p, m.cookie, undefined, undefined, { launch: false });
    const quiet = await createStore(p, m.cookie, undefined, undefined, { launch: false });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await p.request('GET', `/api/v1/stores/${busy.id}/products`, { cookie: m.cookie, headers: ip() })).status);
    expect(statuses.slice(0, 6)).toEqual(Array(6).fill(200));
    expect(statuses.slice(6)).toEqual([429, 429]);
    expect((await p.request('GET', `/api/v1/stores/${quiet.id}/products`, { cookie: m.cookie, headers: ip() })).status).toBe(200);
  });

  it('answers 503 with Retry-After when a request is stuck past the deadline, and serves again afterwards', async () => {
    const slow = await startTestPlatform({ config: { requestTimeoutMs: 1500 } });
    try {
      await deadline(slow);
    } finally {
      await slow.close();
    }
  });
});

async function deadline(p: TestPlatform) {
  {
    const m = await signup(p, `slow-${rnd()}@example.com`);
    // Hold a lock the store list needs, so the request cannot finish in time.
    const client = await p.db.pool.connect();
    try {
      await client.query('begin');
      await client.query('lock table control.memberships in access exclusive mode');
      const res = await p.request('GET', '/api/v1/stores', { cookie: m.cookie, headers: { 'x-forwarded-for': '192.0.2.44' } });
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('service_unavailable');
      expect(res.headers.get('retry-after')).toBe('1');
    } finally {
      await client.query('rollback');
      client.release();
    }
    const again = await p.request('GET', '/api/v1/stores', { cookie: m.cookie, headers: { 'x-forwarded-for': '192.0.2.45' } });
    expect(again.status).toBe(200);
  }
}

describe('roles walker and sessions', () => {
  let p: TestPlatform;
  let owner: { cookie: string };
  let staff: { cookie: string; user: { id: string } };
  let storeId: string;
  let productId: string;
  beforeAll(async () => {
    p = await startTestPlatform();
    owner = await signup(p);
    staff = await signup(p);
    const store = await createStore(p, owner.cookie);
    storeId = store.id;
    productId = (await createProduct(p, owner.cookie, storeId)).id;
    await p.db.control.insertInto('memberships').values({ store_id: storeId, user_id: staff.user.id, role: 'staff' }).execute();
  });
  afterAll(async () => {
    await p.close();
  });

  /** Routes that need more than staff (admin or owner), from packages/auth/src/roles.ts. */
  const ADMIN_ONLY = ['patch /stores/{storeId}', 'delete /stores/{storeId}', 'post /stores/{storeId}/imports'];

  it('refuses staff with 403 on every admin route in the OpenAPI document and changes nothing', async () => {
    const doc = await p.request('GET', '/api/v1/openapi.json');
    const ops: string[] = [];
    for (const [template, item] of Object.entries(doc.body.paths as Record<string, Record<string, unknown>>))
      for (const method of ['post', 'put', 'patch', 'delete']) if (item[method] && template.startsWith('/stores/{storeId}')) ops.push(`${method} ${template}`);
    for (const k of ADMIN_ONLY) expect(ops, k).toContain(k);
    const before = await p.db.control.selectFrom('stores').selectAll().where('id', '=', storeId).executeTakeFirstOrThrow();
    for (const k of ADMIN_ONLY) {
      const [method, template] = k.split(' ') as [string, string];
      const path = `/api/v1${template.replace('{storeId}', storeId)}`;
      const body =
        method === 'post'
          ? { rawBody: 'Handle,Title,Variant Price\nx,X,1.00\n', contentType: 'text/csv' }
          : method === 'patch'
            ? { body: { name: 'Staff was here' } }
            : {};
      const res = await p.request(method.toUpperCase(), path, { cookie: staff.cookie, ...body });
      expect(res.status, k).toBe(403);
      expect(res.body.error.code, k).toBe('forbidden');
    }
    const after = await p.db.control.selectFrom('stores').selectAll().where('id', '=', storeId).executeTakeFirstOrThrow();
    expect(after).toEqual(before);
    const imports = await sql<{ n: number }>`select count(*)::int as n from ${sql.id(after.schema_name, 'imports')}`.execute(p.db.kysely);
    expect(imports.rows[0]?.n).toBe(0);
    // Staff keeps what staff may do (so the 403s are about the role).
    expect((await p.request('GET', `/api/v1/stores/${storeId}/products/${productId}`, { cookie: staff.cookie })).status).toBe(200);
  });

  it('issues a new session id at login (a planted cookie is never adopted)', async () => {
    const email = `fix-${rnd()}@example.com`;
    await signup(p, email);
    const planted = 'storeloom_session=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
    const login = await p.request('POST', '/api/v1/auth/login', { cookie: planted, body: { email, password: 'correct horse battery' } });
    expect(login.status).toBe(200);
    const issued = (login.headers.get('set-cookie') ?? '').split(';')[0] as string;
    expect(issued).toMatch(/^storeloom_session=/);
    expect(issued).not.toBe(planted);
    expect((await p.request('GET', '/api/v1/me', { cookie: planted })).status).toBe(401);
    expect((await p.request('GET', '/api/v1/me', { cookie: issued })).status).toBe(200);
  });
});
