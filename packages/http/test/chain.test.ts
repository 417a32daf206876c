/** `chain` (issue 23, round 13): several middlewares as one, same order, same error responses; the lazy request logger. */
import { AppError, ErrorCode } from '@storeloom/errors';
import { createLogger, LazyChildLogger } from '@storeloom/log';
import { Hono, type MiddlewareHandler } from 'hono';
import { describe, expect, it } from 'vitest';
import { chain } from '../src/chain.ts';
import { toErrorResponse } from '../src/errors.ts';

function appWith(fail: string | null, sync = false) {
  const seen: string[] = [];
  const step =
    (name: string): MiddlewareHandler =>
    async (_c, next) => {
      seen.push(`${name} in`);
      if (name === fail) throw new AppError(ErrorCode.RateLimited, `refused by ${name}`, { headers: { 'Retry-After': '7' } });
      try {
        await next();
      } finally {
        seen.push(`${name} out`);
      }
    };
  const syncThrow: MiddlewareHandler = (_c, next) => {
    seen.push('sync in');
    if (sync) throw new AppError(ErrorCode.CsrfRejected, 'refused synchronously');
    return next();
  };
  const app = new Hono();
  app.onError((err, c) => toErrorResponse(c, err, createLogger({ level: 'silent' })));
  app.use('*', step('outer'));
  app.use('*', chain(step('a'), syncThrow, step('b'), step('c')));
  app.get('/x', (c) => {
    seen.push('handler');
    return c.text('ok');
  });
  return { app, seen };
}

describe('chain', () => {
  it('runs the middlewares in order around the handler', async () => {
    const { app, seen } = appWith(null);
    const res = await app.request('/x');
    expect(await res.text()).toBe('ok');
    expect(seen).toEqual(['outer in', 'a in', 'sync in', 'b in', 'c in', 'handler', 'c out', 'b out', 'a out', 'outer out']);
  });

  it('an error of one of them is the same error response, the later ones and the handler do not run', async () => {
    const { app, seen } = appWith('b');
    const res = await app.request('/x');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
    expect(seen).toEqual(['outer in', 'a in', 'sync in', 'b in', 'a out', 'outer out']);
  });

  it('a synchronous throw is an error response too, and the finally of the ones before it runs', async () => {
    const { app, seen } = appWith(null, true);
    const res = await app.request('/x');
    expect(res.status).toBe(403);
    expect(seen).toEqual(['outer in', 'a in', 'sync in', 'a out', 'outer out']);
  });
});

describe('LazyChildLogger', () => {
  it('writes the same lines as the child logger, and builds it only when something is logged', () => {
    const lines: string[] = [];
    const root = createLogger({ level: 'info', base: { app: 'x' }, write: (l) => lines.push(l), accessLog: { sample: 0.5, slowMs: 9 } });
    let children = 0;
    const counting = Object.assign(Object.create(root), {
      child: (f: Record<string, unknown>) => {
        children++;
        return root.child(f);
      },
    });
    const lazy = new LazyChildLogger(counting, { requestId: 'r1', traceId: 't1' });
    expect(lazy.accessLog).toEqual({ sample: 0.5, slowMs: 9 });
    expect(children).toBe(0);
    lazy.info('request', { status: 200 });
    lazy.child({ storeId: 's' }).warn('deeper');
    root.child({ requestId: 'r1', traceId: 't1' }).info('request', { status: 200 });
    expect(children).toBe(1);
    const [a, b, c] = lines.map((l) => {
      const { time: _t, ...rest } = JSON.parse(l) as Record<string, unknown>;
      return rest;
    });
    expect(a).toEqual(c);
    expect(a).toEqual({ level: 'info', msg: 'request', app: 'x', requestId: 'r1', traceId: 't1', status: 200 });
    expect(b).toMatchObject({ level: 'warn', msg: 'deeper', requestId: 'r1', storeId: 's' });
  });
});
