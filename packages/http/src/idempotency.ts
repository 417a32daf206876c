/**
 * Idempotency-Key, one implementation for every API: the first response for
 * (scope, key) is stored in control.idempotency_keys and replayed for
 * retries; the same key with a different body is a 422; a retry while the
 * first is still running is a 409 (a crashed first attempt is taken over once
 * its lock has expired). Nothing is stored when the first attempt fails (its
 * transaction created nothing), so the client may retry with the same key.
 * Scopes: the control plane's `<user>:<method>:<path>`, the Storefront API
 * checkout's `sf:<store>:<cart hash>`.
 */
import { createHash } from 'node:crypto';
import type { Database } from '@storeloom/db';
import { AppError, ErrorCode } from '@storeloom/errors';

export interface StoredResponse<T> {
  status: number;
  body: T;
  replayed: boolean;
}

export async function withIdempotency<T>(
  db: Database,
  scope: string,
  key: string | undefined,
  request: unknown,
  run: () => Promise<{ status: number; body: T }>,
): Promise<StoredResponse<T>> {
  if (!key) return { ...(await run()), replayed: false };
  if (key.length > 255) throw new AppError(ErrorCode.ValidationFailed, 'Idempotency-Key: at most 255 characters');
  const hash = createHash('sha256')
    .update(JSON.stringify(request ?? null))
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
    if (row.status === 'completed') return { status: row.response_status ?? 200, body: row.response_body as T, replayed: true };
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
    await db.control
      .updateTable('idempotency_keys')
      .set({ status: 'completed', response_status: r.status, response_body: JSON.stringify(r.body) })
      .where('scope', '=', scope)
      .where('key', '=', key)
      .execute();
    return { ...r, replayed: false };
  } catch (e) {
    // Nothing was written (the service's transaction rolled back): let the client retry with the same key.
    await db.control.deleteFrom('idempotency_keys').where('scope', '=', scope).where('key', '=', key).execute();
    throw e;
  }
}
