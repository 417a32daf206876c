/**
 * Error handling and platform endpoints: the stable error body, request ids,
 * no internals in responses, body limits, health checks and the API document.
 */
import { randomBytes } from 'node:crypto';
import { sql } from '@storeloom/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiResponse, createProduct, createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';

const rnd = (n = 4) => randomBytes(n).toString('hex');
const PASSWORD = 'correct horse battery';
const REQUEST_ID_RE = /^[A-Za-z0-9._-]{8,64}$/;
/** A request id the server makes: the 128-bit W3C trace id the request starts (round 17; a UUID before). */
const NEW_REQUEST_ID_RE = /^[0-9a-f]{32}$/;

/** Things that must never reach a client: stack frames, file paths, SQL, driver messages. */
const LEAKS: RegExp[] = [
  /\bat (?:async |new )?[\w$.<>[\]]+ \(/, // "at fn (file:1:2)"
  /\bat (?:file:|node:|\/)/, // "at /app/x.ts:1:2"
  /\n\s*at\s/,
  /\.(?:ts|js|mjs|cjs):\d+/,
  /node_modules|file:\/\//,
  /"stack"/,
  /\b(?:Type|Reference|Syntax|Range)?Error: /,
  /\bselect\s/i,
  /\binsert\s/i,
  /\bupdate\s+"?[\w.]+"?\s+set\b/i,
  /\bdelete\s+from\b/i,
  /\bfrom\s+"?(?:control|t_[0-9a-f])/i,
  /relation "|does not exist|duplicate key|violates|syntax error|invalid input syntax|pg_|sqlstate/i,
  /\bt_[0-9a-f]{32}\b/,
];

function expectCleanError(res: ApiResponse, label: string) {
  expect(res.status, label).toBeGreaterThanOrEqual(400);
  expect(res.headers.get('x-request-id'), `${label}: X-Request-Id`).toMatch(REQUEST_ID_RE);
  expect(res.headers.get('content-type'), label).toMatch(/^application\/json/);
  expect(Object.keys(res.body ?? {}), `${label}: ${res.text}`).toEqual(['error']);
  const { error } = res.body;
  for (const k of Object.keys(error)) expect(['code', 'message', 'details'], `${label}: key ${k}`).toContain(k);
  expect(error.code, label).toMatch(/^[a-z_]+$/);
  expect(typeof error.message, label).toBe('string');
  expect(error.message.length, label).toBeGreaterThan(0);
  for (const re of LEAKS) expect(res.text, `${label} leaks ${re}`).not.toMatch(re);
}

describe('errors', () => {
  let p: TestPlatform;
  let cookie: string;
  let storeId: string;
  let productId: string;
  beforeAll(async () => {
    p = await startTestPlatform();
    const s = await signup(p);
    cookie = s.cookie;
    storeId = (await createStore(p, cookie)).id;
    productId = (await createProduct(p, cookie, storeId)).id;
  });
  afterAll(async () => {
    await p.close();
  });

  const userCount = async () =>
    Number(
      (
        await p.db.control
          .selectFrom('users')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  describe('malformed and invalid input', () => {
    it('answers malformed JSON with 400 invalid_json and writes nothing', async () => {
      const before = await userCount();
      for (const raw of ['{"email":', '{email: "x@example.com"}', "{'a':1}", '{"a":1}}', 'nul', '']) {
        const res = await p.request('POST', '/api/v1/auth/signup', { rawBody: raw });
        expect(res.status, JSON.stringify(raw)).toBe(400);
        expect(res.body.error.code).toBe('invalid_json');
        expectCleanError(res, `invalid json ${JSON.stringify(raw)}`);
      }
      expect(await userCount()).toBe(before);
      const stores = await p.request('POST', '/api/v1/stores', { cookie, rawBody: '{"name":"x","slug":', contentType: 'application/json; charset=utf-8' });
      expect(stores.status).toBe(400);
      expect(stores.body.error.code).toBe('invalid_json');
    });

    it('gives validation errors as {error:{code, message, details:[{path, message}]}}', async () => {
      const res = await p.request('POST', '/api/v1/auth/signup', { body: { email: 'not-an-email', password: 'short', name: '' } });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        error: {
          code: 'validation_failed',
          message: expect.any(String),
          details: expect.arrayContaining([
            { path: 'email', message: expect.any(String) },
            { path: 'password', message: expect.any(String) },
            { path: 'name', message: expect.any(String) },
          ]),
        },
      });
      expect(res.body.error.details).toHaveLength(3);
      for (const d of res.body.error.details) {
        expect(Object.keys(d).sort()).toEqual(['message', 'path']);
        expect(d.message.length).toBeGreaterThan(0);
      }
      expectCleanError(res, 'validation');

      // One problem: the message names the field.
      const one = await p.request('POST', '/api/v1/auth/signup', { body: { email: `ok${rnd()}@example.com`, password: 'short', name: 'Ok' } });
      expect(one.status).toBe(400);
      expect(one.body.error.details).toEqual([{ path: 'password', message: expect.any(String) }]);
      expect(one.body.error.message.startsWith('password: ')).toBe(true);
    });

    it('reports nested, query, header and whole-body validation paths', async () => {
      const nested = await p.request('POST', `/api/v1/stores/${storeId}/products`, { cookie, body: { title: 'Bad price', variants: [{ price: -1 }] } });
      expect(nested.status).toBe(400);
      expect(nested.body.error.code).toBe('validation_failed');
      expect(nested.body.error.details).toEqual([{ path: 'variants.0.price', message: expect.any(String) }]);

      const query = await p.request('GET', `/api/v1/stores/${storeId}/products?limit=0`, { cookie });
      expect(query.status).toBe(400);
      expect(query.body.error.details).toEqual([{ path: 'limit', message: expect.any(String) }]);

      const header = await p.request('POST', '/api/v1/stores', {
        cookie,
        headers: { 'idempotency-key': '' },
        body: { name: 'H', slug: `h-${rnd()}`, currency: 'USD' },
      });
      expect(header.status).toBe(400);
      expect(header.body.error.details).toEqual([{ path: 'idempotency-key', message: expect.any(String) }]);

      for (const raw of ['null', '[]', '"string"', '42']) {
        const res = await p.request('POST', '/api/v1/auth/signup', { rawBody: raw });
        expect(res.status, raw).toBe(400);
        expect(res.body.error.code).toBe('validation_failed');
        expect(res.body.error.details).toEqual([{ path: '', message: expect.any(String) }]);
        expectCleanError(res, `body ${raw}`);
      }

      // Service-level validation uses the same shape.
      const slug = await p.request('POST', '/api/v1/stores', { cookie, body: { name: 'S', slug: '-bad', currency: 'USD' } });
      expect(slug.status).toBe(400);
      expect(slug.body.error).toEqual({ code: 'validation_failed', message: expect.any(String), details: [{ path: 'slug', message: expect.any(String) }] });
    });

    it('refuses text Postgres cannot store (NUL) with 400, not a 500', async () => {
      const before = await userCount();
      const res = await p.request('POST', '/api/v1/auth/signup', { body: { email: `nul${rnd()}@example.com`, password: PASSWORD, name: 'a\u0000b' } });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expectCleanError(res, 'NUL in signup');
      expect(await userCount()).toBe(before);

      const store = await p.request('POST', '/api/v1/stores', { cookie, body: { name: 'nul\u0000store', slug: `nul-${rnd()}`, currency: 'USD' } });
      expect(store.status).toBe(400);
      expectCleanError(store, 'NUL in store name');
      const product = await p.request('POST', `/api/v1/stores/${storeId}/products`, {
        cookie,
        body: { title: 'T', description: 'x\u0000y', variants: [{ price: 1 }] },
      });
      expect(product.status).toBe(400);
      expectCleanError(product, 'NUL in product');
    });
  });

  describe('routes and internals', () => {
    it('answers unknown routes and methods with a JSON 404', async () => {
      for (const [method, path] of [
        ['GET', '/api/v1/nope'],
        // Other GETs outside the API are the console's SPA fallback (below); a missing asset is still a 404.
        ['GET', '/assets/definitely-not-here.js'],
        ['POST', '/definitely/not/here'],
        ['PUT', '/api/v1/stores'],
        ['POST', '/api/v1/nope'],
        ['GET', '/api/v2/stores'],
        ['DELETE', `/api/v1/stores/${storeId}/products`],
      ] as const) {
        const res = await p.request(method, path, { cookie, ...(method === 'POST' || method === 'PUT' ? { body: {} } : {}) });
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(res.body.error.code).toBe('not_found');
        expectCleanError(res, `${method} ${path}`);
      }
      expect((await p.request('GET', `/api/v1/stores/${storeId}`, { cookie })).status).toBe(200);
      // The console answers unknown GETs outside the API with its index page (client-side routes), never with an error body.
      const spa = await p.request('GET', '/definitely/not/here', { cookie });
      expect([200, 503], spa.text).toContain(spa.status);
      expect(spa.headers.get('content-type')).toContain('text/html');
      expect(spa.text).not.toMatch(/stack|at \w+ \(|node_modules/i);
    });

    it('turns an unexpected database failure into a bare 500 with a request id', async () => {
      const store = await createStore(p, cookie);
      await createProduct(p, cookie, store.id);
      const row = await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', store.id).executeTakeFirstOrThrow();
      // cascade: import_rows (resumable imports) references imports.
      await sql`drop table ${sql.id(row.schema_name, 'imports')} cascade`.execute(p.db.kysely);

      const res = await p.request('GET', `/api/v1/stores/${store.id}/imports`, { cookie, headers: { 'x-request-id': 'trace-500-abcdef' } });
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ error: { code: 'internal_error', message: 'Internal server error' } });
      expect(res.headers.get('x-request-id')).toBe('trace-500-abcdef');
      expectCleanError(res, '500');
      expect(res.text).not.toContain(row.schema_name);
      expect(res.text).not.toContain('imports');

      const write = await p.request('POST', `/api/v1/stores/${store.id}/imports`, { cookie, rawBody: 'Handle,Title\nx,X\n', contentType: 'text/csv' });
      expect(write.status).toBe(500);
      expectCleanError(write, '500 on write');
      // The rest of the store still works.
      expect((await p.request('GET', `/api/v1/stores/${store.id}/products`, { cookie })).status).toBe(200);
    });

    it('every error response carries X-Request-Id and no internals', async () => {
      const { cookie: other } = await signup(p);
      const email = `limit${rnd()}@example.com`;
      // Sign-in backs off per account + IP (no hard lock): the first refused attempt after the free ones is a 429.
      const throttledLogin = async (to: string) => {
        for (let i = 0; i < 20; i++) {
          const res = await p.request('POST', '/api/v1/auth/login', { body: { email: to, password: 'wrong wrong wrong' } });
          if (res.status === 429) return res;
        }
        throw new Error('sign-in was never throttled');
      };
      const taken = (await createStore(p, cookie)).slug;
      const responses: [string, ApiResponse][] = [
        ['400 invalid_json', await p.request('POST', '/api/v1/auth/login', { rawBody: '{' })],
        ['400 validation', await p.request('POST', '/api/v1/auth/login', { body: { email: 'x' } })],
        ['401 me', await p.request('GET', '/api/v1/me')],
        ['401 login', await p.request('POST', '/api/v1/auth/login', { body: { email: `x${rnd()}@example.com`, password: 'whatever it is' } })],
        ['401 bad token', await p.request('GET', '/api/v1/stores', { token: 'slk_bogus' })],
        [
          '403 csrf',
          await p.request('POST', '/api/v1/stores', { cookie, origin: 'http://evil.example', body: { name: 'x', slug: `c-${rnd()}`, currency: 'USD' } }),
        ],
        ['404 route', await p.request('GET', '/api/v1/nothing-here')],
        ['404 store', await p.request('GET', `/api/v1/stores/${storeId}`, { cookie: other })],
        ['404 product', await p.request('GET', `/api/v1/stores/${storeId}/products/00000000-0000-7000-8000-000000000000`, { cookie })],
        ['409 slug', await p.request('POST', '/api/v1/stores', { cookie, body: { name: 'x', slug: taken, currency: 'USD' } })],
        ['409 version', await p.request('PATCH', `/api/v1/stores/${storeId}/products/${productId}`, { cookie, body: { version: 999, title: 'Stale' } })],
        ['415', await p.request('POST', '/api/v1/stores', { cookie, rawBody: '{}', contentType: 'text/plain' })],
        ['422 reserved', await p.request('POST', '/api/v1/stores', { cookie, body: { name: 'x', slug: 'admin', currency: 'USD' } })],
        ['429', await throttledLogin(email)],
      ];
      const seen = new Set<number>();
      for (const [label, res] of responses) {
        expect(res.status, `${label}: ${res.text}`).toBe(Number(label.slice(0, 3)));
        expectCleanError(res, label);
        seen.add(res.status);
      }
      expect([...seen].sort()).toEqual([400, 401, 403, 404, 409, 415, 422, 429]);
      // Distinct requests get distinct ids.
      const ids = new Set(responses.map(([, r]) => r.headers.get('x-request-id')));
      expect(ids.size).toBe(responses.length);
    });
  });

  describe('request ids', () => {
    it('echoes a well-formed client X-Request-Id, on success and on errors', async () => {
      for (const id of ['client-req-12345', 'abc.DEF_123-xyz', 'a'.repeat(64)]) {
        const ok = await p.request('GET', '/healthz', { headers: { 'x-request-id': id } });
        expect(ok.headers.get('x-request-id')).toBe(id);
        const err = await p.request('GET', '/api/v1/me', { headers: { 'x-request-id': id } });
        expect(err.status).toBe(401);
        expect(err.headers.get('x-request-id')).toBe(id);
      }
    });

    it('replaces a malformed one with a fresh id: the trace id the request starts', async () => {
      for (const id of ['short', 'has spaces in it', 'a'.repeat(65), '<script>alert(1)</script>', 'line\u00e9break-id']) {
        const res = await p.request('GET', '/api/v1/me', { headers: { 'x-request-id': id } });
        const got = res.headers.get('x-request-id');
        expect(got, id).not.toBe(id);
        expect(got, id).toMatch(NEW_REQUEST_ID_RE);
        expect(res.headers.get('traceparent')?.split('-')[1], id).toBe(got);
      }
      const a = await p.request('GET', '/healthz');
      const b = await p.request('GET', '/healthz');
      expect(a.headers.get('x-request-id')).toMatch(NEW_REQUEST_ID_RE);
      expect(a.headers.get('x-request-id')).not.toBe(b.headers.get('x-request-id'));
    });
  });

  describe('health and documentation', () => {
    it('GET /healthz is 200', async () => {
      const res = await p.request('GET', '/healthz');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ok' });
    });

    it('GET /readyz is 200 with the database and the queue up', async () => {
      const res = await p.request('GET', '/readyz');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'ready', database: true, queue: true, queueBackend: 'redis' });
    });

    it('serves an OpenAPI 3.1 document listing the API', async () => {
      const res = await p.request('GET', '/api/v1/openapi.json');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const doc = res.body;
      expect(doc.openapi).toBe('3.1.0');
      expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
      expect(doc.servers).toEqual([{ url: '/api/v1' }]);
      expect(doc.paths['/auth/signup']?.post).toBeDefined();
      expect(doc.paths['/auth/login']?.post).toBeDefined();
      expect(doc.paths['/stores']?.post).toBeDefined();
      expect(doc.paths['/stores']?.get).toBeDefined();
      expect(doc.paths['/stores/{storeId}']?.get).toBeDefined();
      expect(doc.paths['/stores/{storeId}/products']?.get).toBeDefined();
      expect(doc.paths['/stores/{storeId}/products']?.post).toBeDefined();
      expect(doc.paths['/stores/{storeId}/products/{productId}']?.patch).toBeDefined();
      expect(doc.components.securitySchemes).toMatchObject({
        cookieAuth: { type: 'apiKey', in: 'cookie', name: 'storeloom_session' },
        bearerAuth: { type: 'http', scheme: 'bearer' },
      });
      expect(doc.components.schemas.Error).toBeDefined();
      // The signup body schema is the one validation uses.
      const signupSchema = doc.paths['/auth/signup'].post.requestBody.content['application/json'].schema;
      expect(signupSchema.required).toEqual(expect.arrayContaining(['email', 'password', 'name']));
      // Store-scoped operations document the refusals they give.
      for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>)) {
        if (!path.startsWith('/stores/{storeId}')) continue;
        for (const [method, op] of Object.entries(item)) {
          expect(op.responses['401'], `${method} ${path} documents 401`).toBeDefined();
          expect(op.responses['404'], `${method} ${path} documents 404`).toBeDefined();
        }
      }
    });

    it('serves the API reference as HTML', async () => {
      const res = await p.request('GET', '/api/v1/docs');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.text).toMatch(/^<!doctype html>/i);
      expect(res.text).toContain('/api/v1/openapi.json');
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    });
  });
});

describe('body size limit', () => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await startTestPlatform({ config: { maxBodyBytes: 2048 } });
  });
  afterAll(async () => {
    await p.close();
  });

  /** A signup body of exactly `size` bytes (unknown keys are ignored by validation). */
  const bodyOf = (size: number, email: string) => {
    const base = { email, password: PASSWORD, name: 'Limit', pad: '' };
    const pad = size - Buffer.byteLength(JSON.stringify(base));
    const raw = JSON.stringify({ ...base, pad: 'x'.repeat(pad) });
    expect(Buffer.byteLength(raw)).toBe(size);
    return raw;
  };

  it('accepts a body at the limit and refuses one byte more with 413', async () => {
    const atLimit = await p.request('POST', '/api/v1/auth/signup', { rawBody: bodyOf(2048, `at${rnd()}@example.com`) });
    expect(atLimit.status).toBe(201);

    const email = `over${rnd()}@example.com`;
    const over = await p.request('POST', '/api/v1/auth/signup', { rawBody: bodyOf(2049, email) });
    expect(over.status).toBe(413);
    expect(over.body.error.code).toBe('payload_too_large');
    expectCleanError(over, '413');
    expect(await p.db.control.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst()).toBeUndefined();
  });

  it('refuses oversized bodies before authentication and on CSV uploads', async () => {
    const big = 'x'.repeat(10_000);
    const anon = await p.request('POST', '/api/v1/stores', { body: { name: big, slug: 'big-store', currency: 'USD' } });
    expect(anon.status).toBe(413);
    expectCleanError(anon, '413 anonymous');

    const { cookie } = await signup(p);
    const store = await createStore(p, cookie);
    const csv = `Handle,Title\n${Array.from({ length: 200 }, (_, i) => `h${i},Title ${i}`).join('\n')}\n`;
    expect(Buffer.byteLength(csv)).toBeGreaterThan(2048);
    const res = await p.request('POST', `/api/v1/stores/${store.id}/imports`, { cookie, rawBody: csv, contentType: 'text/csv' });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
    const row = await p.db.control.selectFrom('stores').select('schema_name').where('id', '=', store.id).executeTakeFirstOrThrow();
    expect(await p.db.tenant(row.schema_name).selectFrom('imports').select('id').execute()).toEqual([]);
  });
});
