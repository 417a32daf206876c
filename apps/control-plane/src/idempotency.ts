import { withIdempotency } from '@storeloom/http';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppEnv } from './context.ts';

/** What an idempotent operation answers: one of its route's success statuses and the body declared for it. */
export type IdempotentResult<S extends ContentfulStatusCode, B> = { status: S; body: B };

/**
 * Idempotency-Key for POSTs (`withIdempotency` of packages/http, scoped to the
 * user, method and path): the first response is stored and replayed for
 * retries, marked `Idempotent-Replayed: true`; the same key with a different
 * body is a 422; a retry while the first is still running is a 409.
 *
 * Generic over the route's response: `run` returns a status and body that the
 * route's response schema checks (through the typed `c.json` below), and a
 * replay answers the body stored by the same route (the scope includes method
 * and path), so it has that same type.
 */
export async function idempotent<S extends ContentfulStatusCode, B extends object>(
  c: Context<AppEnv>,
  userId: string,
  body: unknown,
  run: () => Promise<IdempotentResult<S, B>>,
) {
  const scope = `${userId}:${c.req.method}:${c.req.path}`;
  const r = await withIdempotency<B>(c.var.services.db, scope, c.req.header('idempotency-key'), body, async () => {
    const first = await run();
    // What is stored is JSON: answer the first call with the same JSON a replay gets.
    return { status: first.status, body: JSON.parse(JSON.stringify(first.body)) as B };
  });
  if (r.replayed) c.header('Idempotent-Replayed', 'true');
  // A replay was stored by this route's own first run, so it is one of the statuses and bodies `run` returns.
  return c.json(r.body, r.status as S);
}
