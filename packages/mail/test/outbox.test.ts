import { testEnvSchema, loadEnv } from '@storeloom/env';
import { createTestDatabase, type TestDatabase } from '@storeloom/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailOutbox, MAX_DELIVERY_ATTEMPTS, type MailTransport, type OutgoingMail } from '../src/index.ts';

class RecordingTransport implements MailTransport {
  readonly kind = 'smtp' as const;
  sent: OutgoingMail[] = [];
  failNext = 0;
  async send(mail: OutgoingMail) {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('421 try again later');
    }
    this.sent.push(mail);
  }
}

const env = loadEnv(testEnvSchema);
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase(env.TEST_DATABASE_URL);
});
afterAll(async () => {
  await t?.drop();
});

describe('mail outbox', () => {
  it('delivers once per dedup key and lists newest first', async () => {
    const transport = new RecordingTransport();
    const outbox = new MailOutbox(t.db, transport, 'Shop <shop@example.com>');
    const msg = { kind: 'test', to: 'A@Example.com ', subject: 'Hello', text: 'Body', dedupKey: `k-${Math.random()}` };
    const [a, b] = await Promise.all([outbox.enqueue(msg), outbox.enqueue(msg)]);
    expect(a).toBe(b);
    expect(await outbox.deliverDue()).toEqual({ sent: 1, failed: 0 });
    expect(transport.sent).toEqual([{ from: 'Shop <shop@example.com>', to: 'a@example.com', subject: 'Hello', text: 'Body', html: undefined }]);
    expect(await outbox.deliverDue()).toEqual({ sent: 0, failed: 0 });
    const listed = await outbox.list({ to: 'a@example.com' });
    expect(listed.map((m) => [m.id, m.status])).toEqual([[a, 'sent']]);
  });

  it('writes nothing when the causing transaction rolls back', async () => {
    const outbox = new MailOutbox(t.db, new RecordingTransport(), 'x@example.com');
    await expect(
      t.db.control.transaction().execute(async (trx) => {
        await outbox.enqueue({ kind: 'test', to: 'rollback@example.com', subject: 's', text: 't' }, trx);
        throw new Error('cause failed');
      }),
    ).rejects.toThrow('cause failed');
    expect(await outbox.list({ to: 'rollback@example.com' })).toEqual([]);
  });

  it('backs off after a failure and gives up after the attempt limit', async () => {
    const transport = new RecordingTransport();
    const outbox = new MailOutbox(t.db, transport, 'x@example.com');
    await outbox.enqueue({ kind: 'test', to: 'flaky@example.com', subject: 's', text: 't' });
    transport.failNext = 1;
    expect(await outbox.deliverDue()).toEqual({ sent: 0, failed: 1 });
    // Not due again until its backoff passes.
    expect(await outbox.deliverDue()).toEqual({ sent: 0, failed: 0 });
    const [pending] = await outbox.list({ to: 'flaky@example.com' });
    expect(pending).toMatchObject({ status: 'pending', attempts: 1, lastError: '421 try again later' });

    transport.failNext = MAX_DELIVERY_ATTEMPTS;
    for (let i = 1; i < MAX_DELIVERY_ATTEMPTS; i++) {
      await t.db.control
        .updateTable('mail_outbox')
        .set({ next_attempt_at: new Date(0) })
        .where('to_address', '=', 'flaky@example.com')
        .execute();
      await outbox.deliverDue();
    }
    const [failed] = await outbox.list({ to: 'flaky@example.com' });
    expect(failed).toMatchObject({ status: 'failed', attempts: MAX_DELIVERY_ATTEMPTS });
    expect(transport.sent).toEqual([]);
  });

  it('rejects an invalid address', async () => {
    const outbox = new MailOutbox(t.db, new RecordingTransport(), 'x@example.com');
    await expect(outbox.enqueue({ kind: 'test', to: 'not-an-address', subject: 's', text: 't' })).rejects.toMatchObject({ code: 'validation_failed' });
  });
});
