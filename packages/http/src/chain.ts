/**
 * Several middlewares as one (issue 23, round 13): hono's `compose` runs each middleware of a route through its own
 * `dispatch` (an async function, its promise and a context write per middleware); an API read went through 17
 * handlers, 11 of them middlewares. `chain` calls the same middlewares in the same order, each one's `next` being
 * the next one, without a dispatch between them.
 *
 * The one difference is where an error becomes a response. With separate middlewares, hono's dispatch of the one
 * that threw turned the error into the error response and the middlewares before it saw their `next()` resolve;
 * within a chain the error rejects the `next()` of the middlewares before it (up to the chain, whose dispatch then
 * turns it into the same response). So only chain middlewares that either do nothing after `next()` or do it in a
 * `finally` or a rejection handler, and that call `next`, throw, or answer by setting `c.res` (a returned Response
 * is not passed on). Errors thrown later, by the handlers after the chain, are still caught by their own dispatch:
 * so the LAST middleware of a chain may also act after `next()` as it likes (its `next` is hono's dispatch of the
 * rest, which resolves with the error response in place, exactly as when it was dispatched on its own).
 */
import type { Context, MiddlewareHandler, Next } from 'hono';

export function chain(...middlewares: MiddlewareHandler[]): MiddlewareHandler {
  const n = middlewares.length;
  return (c: Context, next: Next) => {
    const run = (i: number): Promise<void> => {
      if (i === n) return next();
      try {
        return (middlewares[i] as MiddlewareHandler)(c, () => run(i + 1)) as Promise<void>;
      } catch (err) {
        // A middleware that throws synchronously rejects, as an async one would (the ones before it may await).
        return Promise.reject(err);
      }
    };
    return run(0);
  };
}
