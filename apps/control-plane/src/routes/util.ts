import { createHash } from 'node:crypto';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { AppError, ErrorCode } from '@storeloom/errors';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppEnv } from '../context.ts';

export type Api = OpenAPIHono<AppEnv>;

/** JSON response; Dates serialise as ISO strings. */
export const send = (c: Context<AppEnv>, status: ContentfulStatusCode, body: unknown) => c.json(body as never, status) as never;

/**
 * Generic idempotency for POSTs: the first response for (user, route, key) is
 * stored and replayed for retries; the same key with a different body is a
 * 422; a retry while the first is still running is a 409.
 */
export async function idempotent(c: Context<AppEnv>, userId: string, body: unknown, run: () => Promise<{ status: ContentfulStatusCode; body: unknown }>) {
  const key = c.req.header('idempotency-key');
  if (!key) {
    const r = await run();
    return send(c, r.status, r.body);
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
      return send(c, (row.response_status ?? 200) as ContentfulStatusCode, row.response_body);
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
    const json = JSON.parse(JSON.stringify(r.body)) as unknown;
    await db.control
      .updateTable('idempotency_keys')
      .set({ status: 'completed', response_status: r.status, response_body: JSON.stringify(json) })
      .where('scope', '=', scope)
      .where('key', '=', key)
      .execute();
    return send(c, r.status, json);
  } catch (e) {
    // Nothing was written (the service's transaction rolled back): let the client retry with the same key.
    await db.control.deleteFrom('idempotency_keys').where('scope', '=', scope).where('key', '=', key).execute();
    throw e;
  }
}
