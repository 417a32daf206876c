/**
 * Mail outbox: `enqueue` writes a message (inside the caller's transaction when
 * given, so a mail exists only if its cause committed); `deliverDue` sends what
 * is due with bounded retries. A dedup key makes retried callers mail once.
 */
import { clusterKysely, type Database, newId, PRIMARY_CLUSTER, type Transaction } from '@storeloom/db';
import type { ControlDatabase, MailStatus } from '@storeloom/db';
import { AppError, ErrorCode } from '@storeloom/errors';
import { type Kysely, sql } from 'kysely';
import type { MailTransport } from './transport.ts';

export interface MailMessage {
  kind: string;
  to: string;
  subject: string;
  text: string;
  html?: string;
  storeId?: string;
  /** Same key twice → one message (e.g. `order-confirmation:<orderId>`). */
  dedupKey?: string;
  /** Extra headers, e.g. `List-Unsubscribe` + `List-Unsubscribe-Post` on marketing mail. */
  headers?: Record<string, string>;
}

export interface OutboxEntry {
  id: string;
  storeId: string | null;
  kind: string;
  to: string;
  subject: string;
  text: string;
  html: string | null;
  headers: Record<string, string> | null;
  status: MailStatus;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

export const MAX_DELIVERY_ATTEMPTS = 8;
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

type Executor = Kysely<ControlDatabase> | Transaction<ControlDatabase>;

export class MailOutbox {
  constructor(
    private readonly db: Database,
    private readonly transport: MailTransport,
    private readonly from: string,
  ) {}

  get transportKind(): MailTransport['kind'] {
    return this.transport.kind;
  }

  /** Returns the message id (the existing one when the dedup key was used before). */
  async enqueue(message: MailMessage, executor?: Executor): Promise<string> {
    const to = message.to.trim().toLowerCase();
    if (!EMAIL_RE.test(to)) throw new AppError(ErrorCode.ValidationFailed, 'Invalid e-mail address', { details: { field: 'to' } });
    if (!executor) return this.write(this.db.kysely, message, to);
    // A store transaction runs under the store's role (`SET LOCAL ROLE`), which cannot reach the control schema.
    // The mail must still commit with its cause, so the outbox row is written in the same transaction with the
    // role lifted for this one write, then the store role is put back for the rest of the transaction.
    const { prev, login } = (
      await sql<{ prev: string; login: string }>`select current_user::text as prev, session_user::text as login, set_config('role', 'none', true)`.execute(
        executor,
      )
    ).rows[0] as { prev: string; login: string };
    const restore = () => (prev === login ? Promise.resolve() : sql`select set_config('role', ${prev}, true)`.execute(executor).then(() => {}));
    let id: string;
    try {
      id = await this.write(executor, message, to);
    } catch (e) {
      // The transaction is aborted by the failed write; never mask its error with the restore's.
      await restore().catch(() => {});
      throw e;
    }
    await restore();
    return id;
  }

  private async write(executor: Executor, message: MailMessage, to: string): Promise<string> {
    const q = executor.withSchema('control');
    const id = newId();
    const inserted = await q
      .insertInto('mail_outbox')
      .values({
        id,
        store_id: message.storeId ?? null,
        kind: message.kind,
        to_address: to,
        subject: message.subject,
        text_body: message.text,
        html_body: message.html ?? null,
        dedup_key: message.dedupKey ?? null,
        ...(message.headers ? { headers: JSON.stringify(message.headers) } : {}),
        sent_at: null,
        last_error: null,
      })
      .onConflict((oc) => oc.column('dedup_key').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (inserted) return inserted.id;
    const existing = await q
      .selectFrom('mail_outbox')
      .select('id')
      .where('dedup_key', '=', message.dedupKey ?? '')
      .executeTakeFirstOrThrow();
    return existing.id;
  }

  /**
   * Delivers up to `limit` due messages. Rows are claimed with SKIP LOCKED so
   * several workers never send the same message; a failure backs off
   * exponentially and gives up after MAX_DELIVERY_ATTEMPTS.
   */
  async deliverDue(limit = 50): Promise<{ sent: number; failed: number }> {
    await this.relayClusterOutboxes();
    let sent = 0;
    let failed = 0;
    for (let i = 0; i < limit; i++) {
      const outcome = await this.db.control.transaction().execute(async (trx) => {
        const row = await trx
          .selectFrom('mail_outbox')
          .selectAll()
          .where('status', '=', 'pending')
          .where('next_attempt_at', '<=', new Date())
          .orderBy('created_at')
          .limit(1)
          .forUpdate()
          .skipLocked()
          .executeTakeFirst();
        if (!row) return 'empty' as const;
        try {
          await this.transport.send({
            from: this.from,
            to: row.to_address,
            subject: row.subject,
            text: row.text_body,
            html: row.html_body ?? undefined,
            ...(row.headers ? { headers: row.headers } : {}),
          });
          await trx
            .updateTable('mail_outbox')
            .set({ status: 'sent', sent_at: new Date(), attempts: row.attempts + 1, last_error: null })
            .where('id', '=', row.id)
            .execute();
          return 'sent' as const;
        } catch (err) {
          const attempts = row.attempts + 1;
          const giveUp = attempts >= MAX_DELIVERY_ATTEMPTS;
          await trx
            .updateTable('mail_outbox')
            .set({
              attempts,
              status: giveUp ? 'failed' : 'pending',
              last_error: err instanceof Error ? err.message.slice(0, 500) : 'delivery failed',
              next_attempt_at: new Date(Date.now() + 2 ** attempts * 1000),
            })
            .where('id', '=', row.id)
            .execute();
          return 'failed' as const;
        }
      });
      if (outcome === 'empty') break;
      if (outcome === 'sent') sent++;
      else failed++;
    }
    return { sent, failed };
  }

  /**
   * Stores on further clusters write their mail into that cluster's own
   * `control.mail_outbox` (same transaction as the cause, see prepareCluster);
   * this moves such rows into the primary outbox. The primary insert commits
   * before the remote delete, so a crash in between relays a row again, and the
   * id (and dedup key) make the second insert a no-op: each mail exists once.
   */
  async relayClusterOutboxes(limit = 500): Promise<number> {
    let moved = 0;
    for (const id of this.db.clusterIds) {
      if (id === PRIMARY_CLUSTER) continue;
      const remote = clusterKysely(this.db, id) as Kysely<ControlDatabase>;
      const exists = await sql<{ t: string | null }>`select to_regclass('control.mail_outbox')::text as t`.execute(remote);
      if (!exists.rows[0]?.t) continue;
      await remote
        .withSchema('control')
        .transaction()
        .execute(async (trx) => {
          const rows = await trx.selectFrom('mail_outbox').selectAll().orderBy('created_at').limit(limit).forUpdate().skipLocked().execute();
          if (!rows.length) return;
          await this.db.control
            .insertInto('mail_outbox')
            .values(rows as never)
            .onConflict((oc) => oc.doNothing())
            .execute();
          await trx
            .deleteFrom('mail_outbox')
            .where(
              'id',
              'in',
              rows.map((r) => r.id),
            )
            .execute();
          moved += rows.length;
        });
    }
    return moved;
  }

  /** Newest first; the developer outbox page and tests read mail through this. */
  async list(filter: { to?: string; storeId?: string; limit?: number } = {}): Promise<OutboxEntry[]> {
    await this.relayClusterOutboxes();
    let q = this.db.control.selectFrom('mail_outbox').selectAll();
    if (filter.to) q = q.where('to_address', '=', filter.to.trim().toLowerCase());
    if (filter.storeId) q = q.where('store_id', '=', filter.storeId);
    const rows = await q
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(Math.min(filter.limit ?? 50, 500))
      .execute();
    return rows.map((r) => ({
      id: r.id,
      storeId: r.store_id,
      kind: r.kind,
      to: r.to_address,
      subject: r.subject,
      text: r.text_body,
      html: r.html_body,
      headers: r.headers ?? null,
      status: r.status,
      attempts: r.attempts,
      lastError: r.last_error,
      createdAt: r.created_at,
      sentAt: r.sent_at,
    }));
  }
}
