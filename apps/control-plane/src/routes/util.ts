import { createHash } from 'node:crypto';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { AppError, ErrorCode } from '@storeloom/errors';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppEnv } from '../context.ts';

export type Api = OpenAPIHono<AppEnv>;

/** What an idempotent operation answers: one of its route's success statuses and the body declared for it. */
export type IdempotentResult<S extends ContentfulStatusCode, B> = { status: S; body: B };

/**
 * Generic idempotency for POSTs: the first response for (user, route, key) is
 * stored and replayed for retries; the same key with a different body is a
 * 422; a retry while the first is still running is a 409.
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
  const key = c.req.header('idempotency-key');
  if (!key) {
    const r = await run();
    return c.json(r.body, r.status);
  }
  if (key.length > 255) throw new AppError(ErrorCode.ValidationFailed, 'Idempotency-Key: at most 255 characters');
  const db = c.var.services.db;
  const scope = `${userId}:${c.req.method}:${c.req.path}`;
  const hash = createHash('sha256')
    .update(JSON.stringify(body ?? null))
    .digest('hex');
  const claimed = await db.control
    .insertInto('idempotency_keys')
    .values({ scope, key, request_hash: hash, status: 'in_progress', locked_until: new Date(Date.now() + 60_000) })
    .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
    .returning('key')
    .executeTakeFirst();
  if (!claimed) {
    const row = await db.control.selectFrom('idempotency_keys').selectAll().where('scope', '=', scope).where('key', '=', key).executeTakeFirstOrThrow();
    if (row.request_hash !== hash) throw new AppError(ErrorCode.IdempotencyKeyReused, 'This Idempotency-Key was used with a different request');
    if (row.status === 'completed') {
      c.header('Idempotent-Replayed', 'true');
      // Stored by this route's own first run, so it is one of the statuses and bodies `run` returns.
      return c.json(row.response_body as B, (row.response_status ?? 200) as S);
    }
    // A crashed first attempt: take the key over once its lock has expired.
    const takeover = await db.control
      .updateTable('idempotency_keys')
      .set({ locked_until: new Date(Date.now() + 60_000) })
      .where('scope', '=', scope)
      .where('key', '=', key)
      .where('status', '=', 'in_progress')
      .where('locked_until', '<', new Date())
      .returning('key')
      .executeTakeFirst();
    if (!takeover)
      throw new AppError(ErrorCode.IdempotencyInProgress, 'A request with this Idempotency-Key is still in progress', { headers: { 'Retry-After': '1' } });
  }
  try {
    const r = await run();
    const json = JSON.parse(JSON.stringify(r.body)) as B;
    await db.control
      .updateTable('idempotency_keys')
      .set({ status: 'completed', response_status: r.status, response_body: JSON.stringify(json) })
      .where('scope', '=', scope)
      .where('key', '=', key)
      .execute();
    return c.json(json, r.status);
  } catch (e) {
    // Nothing was written (the service's transaction rolled back): let the client retry with the same key.
    await db.control.deleteFrom('idempotency_keys').where('scope', '=', scope).where('key', '=', key).execute();
    throw e;
  }
}
