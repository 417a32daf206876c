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
  return (c: Context, next: Next) => run(middlewares, 0, c, next);
}

// A module-level function, not a named closure per request: under tsx (how `npm start` runs) every named function
// expression is wrapped in esbuild's `__name`, an Object.defineProperty each time the closure is created (0.8% of
// a cached API read's CPU in round 16's profile).
function run(middlewares: MiddlewareHandler[], i: number, c: Context, next: Next): Promise<void> {
  if (i === middlewares.length) return next();
  try {
    return (middlewares[i] as MiddlewareHandler)(c, () => run(middlewares, i + 1, c, next)) as Promise<void>;
  } catch (err) {
    // A middleware that throws synchronously rejects, as an async one would (the ones before it may await).
    return Promise.reject(err);
  }
}
