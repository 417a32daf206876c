/**
 * Sign-in notices: the first sign-in from a device the account has not used
 * before mails the account's owner (device and network, never the full address),
 * so a stolen password shows up at once. A device is sha256(user id + user agent):
 * no cookie, no fingerprinting. The account's very first device gets no mail.
 */
import type { Database } from '@storeloom/db';
import { platformMail } from '@storeloom/mail';
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
  async signedIn(
    user: { id: string; email: string; name: string; locale?: string | null },
    meta: { ip: string | null; userAgent: string | null },
  ): Promise<boolean> {
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
      const sessionsUrl = `${this.publicUrl.replace(/\/$/, '')}/account`;
      const locale =
        user.locale !== undefined
          ? user.locale
          : ((await trx.selectFrom('users').select('locale').where('id', '=', user.id).executeTakeFirst())?.locale ?? null);
      const m = platformMail({ kind: 'new-device-sign-in', name: user.name, device, network: networkOf(meta.ip), sessionsUrl }, locale, this.publicUrl);
      await this.mail.enqueue({ kind: 'new-device-sign-in', to: user.email, subject: m.subject, text: m.text, html: m.html }, trx);
      return true;
    });
  }
}
