/**
 * Sign-in notices: the first sign-in from a device the account has not used
 * before mails the account's owner (device and network, never the full address),
 * so a stolen password shows up at once. A device is sha256(user id + user agent):
 * no cookie, no fingerprinting. The account's very first device gets no mail.
 */
import type { Database } from '@storeloom/db';
import { sql } from 'kysely';
import type { MailSink } from './account.ts';
import { sha256Hex } from './crypto.ts';
import { describeDevice, networkOf } from './lucia.ts';

export class SignInNotices {
  constructor(
    private readonly db: Database,
    private readonly mail: MailSink,
    private readonly publicUrl: string,
  ) {}

  /** Records the device; returns true when it was new and a notice was queued. */
  async signedIn(user: { id: string; email: string; name: string }, meta: { ip: string | null; userAgent: string | null }): Promise<boolean> {
    const deviceHash = sha256Hex(`device:${user.id}:${meta.userAgent ?? ''}`);
    return this.db.control.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('user_devices')
        .values({ user_id: user.id, device_hash: deviceHash })
        .onConflict((oc) => oc.columns(['user_id', 'device_hash']).doUpdateSet({ last_seen_at: new Date() }))
        // xmax = 0 only on a row this statement inserted (an upsert that updated carries the updating xid).
        .returning(sql<boolean>`xmax = 0`.as('inserted'))
        .executeTakeFirstOrThrow();
      if (!inserted.inserted) return false;
      const known = await trx
        .selectFrom('user_devices')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('user_id', '=', user.id)
        .executeTakeFirstOrThrow();
      if (Number(known.n) <= 1) return false;
      const device = describeDevice(meta.userAgent);
      const network = networkOf(meta.ip) ?? 'an unknown network';
      const sessionsUrl = `${this.publicUrl.replace(/\/$/, '')}/account`;
      await this.mail.enqueue(
        {
          kind: 'new-device-sign-in',
          to: user.email,
          subject: 'New sign-in to your Storeloom account',
          text: `Hello ${user.name},\n\nYour Storeloom account was just signed in to from a device it has not used before:\n\n  ${device}, from ${network}\n\nIf this was you, there is nothing to do. If not, change your password now and end the session under Account → Sessions:\n\n${sessionsUrl}\n`,
        },
        trx,
      );
      return true;
    });
  }
}
