import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, api, errorFromResponse, fieldErrorsOf, onUnauthenticated, withQuery } from '../src/lib/api.ts';

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
    expect(withQuery('/p', { q: 'a b', status: '', cursor: undefined, limit: 25 })).toBe('/p?q=a+b&limit=25');
    expect(withQuery('/p', {})).toBe('/p');
  });
});

describe('request', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('sends JSON with the session cookie only and parses the reply', async () => {
    const fetchMock = vi.fn(async () => new Response(JSON.stringify({ ok: 1 }), { status: 200 }));
    vi.stubGlobal('fetch', fetchMock);
    expect(await api.post('/stores', { name: 'x' }, { headers: { 'idempotency-key': 'k' } })).toEqual({ ok: 1 });
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/v1/stores');
    expect(init.credentials).toBe('same-origin');
    expect(init.body).toBe('{"name":"x"}');
    expect(init.headers).toMatchObject({ 'content-type': 'application/json', 'idempotency-key': 'k' });
    expect(JSON.stringify(init.headers)).not.toMatch(/authorization/i);
  });

  it('throws ApiError and tells listeners about a lost session', async () => {
    vi.stubGlobal('fetch', async () => new Response(JSON.stringify({ error: { code: 'unauthenticated', message: 'Sign in' } }), { status: 401 }));
    const seen: string[] = [];
    const off = onUnauthenticated((e) => seen.push(e.code));
    await expect(api.get('/me')).rejects.toMatchObject({ status: 401, code: 'unauthenticated' });
    await expect(api.post('/auth/login', {})).rejects.toBeInstanceOf(ApiError);
    off();
    expect(seen).toEqual(['unauthenticated']);
  });

  it('reports an unreachable server as a network error', async () => {
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('fetch failed');
    });
    await expect(api.get('/me')).rejects.toMatchObject({ code: 'network_error', status: 0 });
  });
});
