/**
 * The request's header bag (issue 23): request id, trace context and security headers reach every response, whether
 * the handler answered through Hono (c.json, c.body, a thrown error) or with a plain-object response built by
 * plainResponse (the API's cache hits), and a repeated header (a refreshed session cookie) is appended beside the
 * handler's own instead of replacing it.
 */
import { createLogger } from '@storeloom/log';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '@storeloom/errors';
import { toErrorResponse } from '../src/errors.ts';
import { requestContext } from '../src/middleware.ts';
import { securityHeaders } from '../src/protection.ts';
import { appendResponseHeader, plainResponse } from '../src/response-headers.ts';

const SECURITY = [
  'content-security-policy',
  'x-content-type-options',
  'x-frame-options',
  'referrer-policy',
  'cross-origin-opener-policy',
  'cross-origin-resource-policy',
  'x-dns-prefetch-control',
  'x-permitted-cross-domain-policies',
];

function app(opts: { withContext?: boolean; hsts?: 'auto' | 'always' | 'never' } = {}) {
  const logger = createLogger({ level: 'error', write: () => {} });
  const a = new Hono();
  if (opts.withContext !== false) a.use('*', requestContext(logger));
  a.use('*', securityHeaders({ hsts: opts.hsts ?? 'auto' }));
  a.use('/refresh/*', async (c, next) => {
    appendResponseHeader(c, 'Set-Cookie', 'session=renewed; Path=/; HttpOnly');
    await next();
  });
  a.onError((err, c) => toErrorResponse(c, err, logger));
  a.get('/json', (c) => c.json({ ok: true }));
  a.get('/plain', (c) => plainResponse(c, '{"ok":true}', 200, { 'Content-Type': 'application/json', ETag: '"1"' }));
  a.get('/plain-304', (c) => plainResponse(c, null, 304, { ETag: '"1"' }));
  a.get('/raw', () => new Response('raw', { headers: { 'Content-Type': 'text/plain', 'Strict-Transport-Security': 'max-age=1' } }));
  a.get('/error', () => {
    throw new AppError(ErrorCode.NotFound, 'nothing here');
  });
  a.get('/refresh/json', (c) => {
    c.header('Set-Cookie', 'theme=dark; Path=/', { append: true });
    return c.json({ ok: true });
  });
  a.get('/refresh/plain', (c) => plainResponse(c, 'x', 200, { 'Content-Type': 'text/plain' }));
  // An outer replacement of a plain response still gets the bag.
  a.get('/replaced', async (c) => {
    plainResponse(c, 'first', 200, {});
    return c.text('second');
  });
  return a;
}

function expectCommon(res: Response) {
  expect(res.headers.get('x-request-id')).toMatch(/^[\w-]{8,64}$/);
  expect(res.headers.get('traceparent')).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  for (const h of SECURITY) expect(res.headers.get(h), h).toBeTruthy();
  expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]{24}'/);
}

describe('response header bag', () => {
  it('puts the request and security headers on Hono responses, plain responses, raw responses and errors', async () => {
    const a = app();
    for (const path of ['/json', '/plain', '/plain-304', '/raw', '/error', '/replaced']) {
      const res = await a.request(path);
      expectCommon(res);
    }
    const plain = await a.request('/plain');
    expect(plain.headers.get('etag')).toBe('"1"');
    expect(plain.headers.get('content-type')).toBe('application/json');
    expect(await plain.text()).toBe('{"ok":true}');
    expect((await a.request('/plain-304')).status).toBe(304);
    expect((await a.request('/error')).status).toBe(404);
    expect(await (await a.request('/replaced')).text()).toBe('second');
  });

  it('gives each request its own id and nonce, and keeps a caller-supplied request id', async () => {
    const a = app();
    const [r1, r2] = [await a.request('/plain'), await a.request('/plain')];
    expect(r1.headers.get('x-request-id')).not.toBe(r2.headers.get('x-request-id'));
    expect(r1.headers.get('content-security-policy')).not.toBe(r2.headers.get('content-security-policy'));
    const given = await a.request('/plain', { headers: { 'x-request-id': 'caller-id-1234' } });
    expect(given.headers.get('x-request-id')).toBe('caller-id-1234');
  });

  it('gives requests continuing one caller trace distinct request and span ids, and keeps the trace id', async () => {
    const a = app();
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const responses = [];
    for (let i = 0; i < 50; i++) responses.push(await a.request('/plain', { headers: { traceparent } }));
    const ids = responses.map((r) => r.headers.get('x-request-id'));
    const spans = responses.map((r) => r.headers.get('traceparent')?.split('-')[2]);
    expect(new Set(ids).size).toBe(50);
    expect(new Set(spans).size).toBe(50);
    for (const r of responses) {
      expect(r.headers.get('traceparent')).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
      expect(r.headers.get('x-request-id')).toMatch(/^[0-9a-f]{16,32}$/);
      expect(r.headers.get('x-request-id')).not.toContain('0af7651916cd43dd8448eb211c80319c');
    }
    // A request that starts its own trace is named by it: one id to search the logs by.
    const own = await a.request('/plain');
    expect(own.headers.get('traceparent')?.split('-')[1]).toBe(own.headers.get('x-request-id'));
  });

  it('appends a bagged Set-Cookie beside the handler’s own, on both kinds of response', async () => {
    const a = app();
    const json = await a.request('/refresh/json');
    expect(json.headers.getSetCookie().sort()).toEqual(['session=renewed; Path=/; HttpOnly', 'theme=dark; Path=/']);
    const plain = await a.request('/refresh/plain');
    expect(plain.headers.getSetCookie()).toEqual(['session=renewed; Path=/; HttpOnly']);
    expectCommon(plain);
  });

  it('sends HSTS only over https (or always), and removes a handler’s HSTS otherwise', async () => {
    const a = app();
    expect((await a.request('/plain')).headers.get('strict-transport-security')).toBeNull();
    expect((await a.request('/raw')).headers.get('strict-transport-security')).toBeNull();
    expect((await a.request('https://shop.example/plain')).headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
    expect((await app({ hsts: 'always' }).request('/json')).headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
  });

  it('securityHeaders without requestContext applies its own headers', async () => {
    const a = app({ withContext: false });
    for (const path of ['/json', '/plain', '/raw', '/error']) {
      const res = await a.request(path);
      for (const h of SECURITY) expect(res.headers.get(h), `${path} ${h}`).toBeTruthy();
    }
  });
});
