/**
 * requestTimeout without a timer per request (issue 23): requests still in flight past the deadline get 503 with
 * Retry-After, each one of several, while requests that finish in time, requests that fail on their own and skipped
 * routes are answered as the handler says.
 */
import { AppError, ErrorCode } from '@storeloom/errors';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { toErrorResponse } from '../src/errors.ts';
import { requestTimeout } from '../src/protection.ts';

function app(ms: number) {
  const releases: (() => void)[] = [];
  const a = new Hono();
  a.onError((err, c) => toErrorResponse(c, err));
  a.use('*', requestTimeout(ms, { skip: (c) => c.req.path === '/skipped' }));
  // Stuck until released (as a request waiting for a lock is).
  const stuck = async (c: { text(t: string): Response }) => {
    await new Promise<void>((resolve) => releases.push(resolve));
    return c.text('late');
  };
  a.get('/stuck', stuck);
  a.get('/skipped', stuck);
  a.get('/fast', (c) => c.text('fast'));
  a.get('/fails', () => {
    throw new AppError(ErrorCode.Conflict, 'No');
  });
  return {
    a,
    release: () => {
      for (const r of releases.splice(0)) r();
    },
  };
}

describe('requestTimeout', () => {
  it('answers each request stuck past the deadline with 503 and Retry-After, and others as usual', async () => {
    const { a, release } = app(100);
    const first = a.request('/stuck');
    const fast = await a.request('/fast');
    const second = a.request('/stuck');
    expect(fast.status).toBe(200);
    expect(await fast.text()).toBe('fast');
    for (const res of await Promise.all([first, second])) {
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect((await res.json()).error.code).toBe('service_unavailable');
    }
    release();
    // After the deadline machinery went idle, it serves and cuts again.
    expect((await a.request('/fast')).status).toBe(200);
    const third = a.request('/stuck');
    expect((await third).status).toBe(503);
    release();
  });

  it("passes a handler's own error through and leaves skipped routes alone", async () => {
    const { a, release } = app(50);
    const failed = await a.request('/fails');
    expect(failed.status).toBe(409);
    const skipped = a.request('/skipped');
    // A stuck request on a route with a deadline is cut; the skipped one is still waiting for its handler.
    expect((await a.request('/stuck')).status).toBe(503);
    release();
    const res = await skipped;
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('late');
  });

  it('with 0 arms nothing', async () => {
    const { a, release } = app(0);
    const res = a.request('/stuck');
    release();
    await new Promise((r) => setTimeout(r, 0));
    release();
    expect((await res).status).toBe(200);
  });
});
