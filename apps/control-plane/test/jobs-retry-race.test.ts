/**
 * The worker writes a store job's final failure to the ledger before BullMQ has moved the job to failed. A Retry
 * clicked in that window used to be answered 200 while nothing was retried (BullMQ still held the job as active, so
 * neither its retry nor a fresh copy happened) and the ledger row stayed "waiting" for ever. The retry now waits for
 * BullMQ's failed state and retries then; two Retry clicks at once still retry once. Both queue backends.
 */
import { randomUUID } from 'node:crypto';
import { importProductsJob } from '@storeloom/jobs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';

async function waitFor<T>(fn: () => Promise<T> | T, ok: (v: T) => boolean, what: string, ms = 30_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.each(['redis', 'postgres'] as const)('retry in the failure window on %s', (backend) => {
  let p: TestPlatform;
  let cookie: string;
  let storeId: string;
  beforeAll(async () => {
    p = await startTestPlatform({ queueBackend: backend });
    cookie = (await signup(p)).cookie;
    storeId = (await createStore(p, cookie)).id;
    await p.startWorker();
  });
  afterAll(async () => {
    await p.close();
  });

  it('a Retry clicked after the ledger says failed but before BullMQ does runs the job again, once', async () => {
    const ledger = p.queues.storeJobs;
    const original = ledger.failed.bind(ledger);
    // The controlled hook: the worker's failure path pauses right after its ledger write (BullMQ still has the job active).
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let failures = 0;
    ledger.failed = async (...args: Parameters<typeof ledger.failed>) => {
      await original(...args);
      failures++;
      if (failures === 1) await gate;
    };
    try {
      // No such import: every run fails, one attempt each.
      await p.queues.enqueue(importProductsJob, { storeId, importId: randomUUID() }, { attempts: 1 });
      await waitFor(
        () => failures,
        (n) => n === 1,
        'the first failure to reach the ledger',
      );
      const row = (await p.request('GET', `/api/v1/stores/${storeId}/jobs`, { cookie })).body.data[0];
      expect(row).toMatchObject({ name: 'catalog.import-products', state: 'failed' });
      const bull = await p.queues.getJob('catalog', (await ledger.get(storeId, row.id))?.jobId as string);
      expect(await bull?.getState()).toBe('active');

      // Two Retry clicks in the window; the worker finishes its failure once both have claimed the row.
      const retries = Promise.all([0, 1].map(() => p.request('POST', `/api/v1/stores/${storeId}/jobs/${row.id}/retry`, { cookie })));
      await waitFor(
        () => ledger.get(storeId, row.id),
        (r) => r?.state !== 'failed',
        'a retry to claim the row',
      );
      release();
      const answers = await retries;
      expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);

      // The job really ran again (and failed again: the import still does not exist), and only once more.
      await waitFor(
        () => failures,
        (n) => n >= 2,
        'the retried job to run and fail again',
      );
      const after = await waitFor(
        () => ledger.get(storeId, row.id),
        (r) => r?.state === 'failed',
        'the ledger to show the second failure',
      );
      expect(after).toMatchObject({ state: 'failed', attempts: 1 });
      // The ledger writes the failure just before BullMQ records it (that is the window above): wait for BullMQ too.
      await waitFor(
        async () => await bull?.getState(),
        (st) => st === 'failed',
        'BullMQ to record the second failure',
      );
      expect(failures).toBe(2);
    } finally {
      release();
      ledger.failed = original;
    }
  });
});
