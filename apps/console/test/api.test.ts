import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, api, errorFromResponse, fieldErrorsOf, onUnauthenticated, serializeQuery } from '../src/lib/api.ts';

describe('API error mapping', () => {
  it('maps validation details to fields by path', () => {
    const err = errorFromResponse(400, {
      error: {
        code: 'validation_failed',
        message: 'Request validation failed',
        details: [
          { path: 'email', message: 'Invalid email address' },
          { path: 'variants.0.price', message: 'Too big' },
          { path: '', message: 'Body problem' },
        ],
      },
    });
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(400);
    expect(err.fieldErrors).toEqual({ email: 'Invalid email address', 'variants.0.price': 'Too big', form: 'Body problem' });
  });

  it('puts errors the server does not locate on the field they concern', () => {
    expect(fieldErrorsOf({ code: 'slug_taken', message: 'That slug is taken' })).toEqual({ slug: 'That slug is taken' });
    expect(fieldErrorsOf({ code: 'email_taken', message: 'In use' })).toEqual({ email: 'In use' });
    expect(fieldErrorsOf({ code: 'invalid_credentials', message: 'Wrong email or password' })).toEqual({ password: 'Wrong email or password' });
    expect(fieldErrorsOf({ code: 'version_conflict', message: 'Stale' })).toEqual({});
  });

  it('survives bodies that are not the API error shape', () => {
    const e = errorFromResponse(502, '<html>Bad gateway</html>');
    expect(e.code).toBe('internal_error');
    expect(e.fieldErrors).toEqual({});
  });

  it('builds query strings without empty values', () => {
    expect(serializeQuery({ q: 'a b', status: '', cursor: undefined, tag: null, limit: 25 })).toBe('q=a+b&limit=25');
    expect(serializeQuery({})).toBe('');
  });
});

describe('typed client', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('sends JSON with the session cookie only and parses the reply', async () => {
    const seen: Request[] = [];
    vi.stubGlobal('fetch', async (req: Request) => {
      seen.push(req);
      return new Response(JSON.stringify({ ok: 1 }), { status: 201, headers: { 'content-type': 'application/json' } });
    });
    expect(await api.POST('/stores', { body: { name: 'x', slug: 'x', currency: 'USD' }, headers: { 'idempotency-key': 'k' } })).toEqual({ ok: 1 });
    const req = seen[0] as Request;
    expect(req.method).toBe('POST');
    expect(new URL(req.url).pathname).toBe('/api/v1/stores');
    expect(req.credentials).toBe('same-origin');
    expect(await req.text()).toBe('{"name":"x","slug":"x","currency":"USD"}');
    expect(req.headers.get('content-type')).toBe('application/json');
    expect(req.headers.get('idempotency-key')).toBe('k');
    expect(req.headers.get('authorization')).toBeNull();
  });

  it('fills path parameters and leaves empty query values out', async () => {
    const urls: string[] = [];
    vi.stubGlobal('fetch', async (req: Request) => {
      urls.push(req.url);
      return new Response(JSON.stringify({ data: [], nextCursor: null }), { status: 200, headers: { 'content-type': 'application/json' } });
    });
    await api.GET('/stores/{storeId}/products', { params: { path: { storeId: 's 1' }, query: { q: '', limit: 5, status: undefined } } });
    const u = new URL(urls[0] as string);
    expect(u.pathname).toBe('/api/v1/stores/s%201/products');
    expect(u.search).toBe('?limit=5');
  });

  it('throws ApiError, tells listeners about a lost session, and goes quiet while the merchant is sent to sign in', async () => {
    vi.stubGlobal('fetch', async () => new Response(JSON.stringify({ error: { code: 'unauthenticated', message: 'Sign in' } }), { status: 401 }));
    const seen: string[] = [];
    let redirect = false;
    const off = onUnauthenticated((e) => {
      seen.push(e.code);
      return redirect;
    });
    await expect(api.GET('/me')).rejects.toMatchObject({ status: 401, code: 'unauthenticated' });
    await expect(api.POST('/auth/login', { body: { email: 'a@b.c', password: 'x' } })).rejects.toBeInstanceOf(ApiError);
    expect(seen).toEqual(['unauthenticated']);
    // A listener that redirects: this and later 401s never settle (no error shown on the page being left), listeners hear it once.
    redirect = true;
    const settled: string[] = [];
    for (const p of [api.GET('/stores'), api.GET('/me/api-tokens')])
      p.then(
        () => settled.push('ok'),
        () => settled.push('err'),
      );
    await new Promise((r) => setTimeout(r, 0));
    await Promise.resolve();
    expect(settled).toEqual([]);
    expect(seen).toEqual(['unauthenticated', 'unauthenticated']);
    // `/me` is the session question itself ("who is signed in?"): it still answers 401 rather than hanging.
    await expect(api.GET('/me')).rejects.toMatchObject({ status: 401 });
    expect(seen).toHaveLength(2);
    // A later success (signed in again) re-arms the listeners.
    vi.stubGlobal('fetch', async () => new Response(JSON.stringify({ data: [] }), { status: 200, headers: { 'content-type': 'application/json' } }));
    await api.GET('/me/api-tokens');
    vi.stubGlobal('fetch', async () => new Response(JSON.stringify({ error: { code: 'unauthenticated', message: 'Sign in' } }), { status: 401 }));
    void api.GET('/stores');
    await new Promise((r) => setTimeout(r, 0));
    expect(seen).toHaveLength(3);
    off();
  });

  it('keeps a non-JSON error body readable', async () => {
    vi.stubGlobal('fetch', async () => new Response('<html>Bad gateway</html>', { status: 502 }));
    await expect(api.GET('/me')).rejects.toMatchObject({ status: 502, code: 'internal_error' });
  });

  it('reports an unreachable server as a network error', async () => {
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('fetch failed');
    });
    await expect(api.GET('/me')).rejects.toMatchObject({ code: 'network_error', status: 0 });
  });
});
