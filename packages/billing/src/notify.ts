/**
 * Billing mail to a store's owners, written to the outbox inside the caller's
 * transaction (so it exists only if the change committed) and delivered by the
 * worker's mail sweep. A dedup key per cause mails once however often the
 * cause is replayed.
 */
import type { ControlDatabase, Transaction } from '@storeloom/db';
import { consoleLink, LocalOutboxTransport, MailOutbox, type PlatformMailInput, platformMail } from '@storeloom/mail';
import type { Database } from '@storeloom/db';

export async function mailOwners(
  db: Database,
  trx: Transaction<ControlDatabase>,
  storeId: string,
  message: {
    kind: 'billing.payment_failed' | 'billing.store_suspended';
    dedupKey: string;
    mail: Extract<PlatformMailInput, { kind: 'billing.payment_failed' | 'billing.store_suspended' }>;
  },
  /** The console's public URL: the mail links to the store's billing page there. */
  consoleUrl?: string | null,
): Promise<void> {
  // Only enqueues; the worker's own outbox (with the configured transport and sender) delivers.
  const outbox = new MailOutbox(db, new LocalOutboxTransport(), 'Storeloom <no-reply@storeloom.localhost>');
  const owners = await trx
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['users.email', 'users.locale'])
    .where('memberships.store_id', '=', storeId)
    .where('memberships.role', '=', 'owner')
    .execute();
  for (const o of owners) {
    // Each owner reads it in their own console language.
    const m = platformMail({ ...message.mail, consoleUrl: consoleLink(consoleUrl, storeId, 'billing') }, o.locale);
    await outbox.enqueue(
      { kind: message.kind, subject: m.subject, text: m.text, html: m.html, to: o.email, storeId, dedupKey: `${message.dedupKey}:${o.email}` },
      trx,
    );
  }
}
