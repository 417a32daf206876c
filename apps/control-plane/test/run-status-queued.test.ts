/**
 * A pricing or inventory run that waits in the fair queue (its store already has its share of jobs in BullMQ, so the
 * fair scheduler holds the run back) reports "waiting" on its status endpoint, not 404, and is followed through to
 * "completed" once the store's earlier jobs are done and a worker runs it. Real Postgres and Redis, fairness on (the
 * platform's default of two jobs in flight per store).
 */
import { inventoryRunJob, pricingRunJob } from '@storeloom/jobs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';

const KINDS = [
  // Each kind's store is kept busy by two runs of the other kind, so "Run now" does not find a run of its own kind.
  { path: 'pricing/runs', busy: inventoryRunJob },
  { path: 'inventory-planning/runs', busy: pricingRunJob },
] as const;

describe('status of a run waiting in the fair queue', () => {
  let p: TestPlatform;
  let cookie: string;
  const stores: string[] = [];
  const runs: string[] = [];
  beforeAll(async () => {
    p = await startTestPlatform({ queueBackend: 'redis' });
    cookie = (await signup(p)).cookie;
    for (const _ of KINDS) stores.push((await createStore(p, cookie)).id);
  });
  afterAll(async () => {
    await p?.close();
  });

  const status = (storeId: string, path: string, jobId: string) =>
    p.request('GET', `/api/v1/stores/${storeId}/${path}/${encodeURIComponent(jobId)}`, { cookie });
  const maintenance = async (storeId: string) => (await p.queues.storeDepths(1000, storeId)).find((d) => d.queue === 'maintenance');

  it('answers "waiting" while the fair scheduler holds the run (no worker yet)', async () => {
    for (const [i, kind] of KINDS.entries()) {
      const storeId = stores[i] as string;
      // The store's two slots in BullMQ are taken by jobs no worker picks up yet.
      for (const runKey of ['busy-1', 'busy-2']) await p.queues.enqueue(kind.busy, { storeId, runKey });
      expect(await maintenance(storeId)).toMatchObject({ pending: 0, inFlight: 2 });

      const started = await p.request('POST', `/api/v1/stores/${storeId}/${kind.path}`, { cookie });
      expect(started.status, started.text).toBe(202);
      expect(started.body).toMatchObject({ state: 'waiting', existing: false });
      const jobId = started.body.jobId as string;
      runs.push(jobId);
      // The run is staged in the fair queue, not in BullMQ.
      expect(await maintenance(storeId)).toMatchObject({ pending: 1, inFlight: 2 });
      expect(await p.queues.getJob('maintenance', jobId)).toBeUndefined();

      const res = await status(storeId, kind.path, jobId);
      expect(res.status, `${kind.path}: ${res.text}`).toBe(200);
      expect(res.body).toEqual({ jobId, state: 'waiting', progress: 0, result: null, failedReason: null });

      // Another store's member, or an id this store never queued, still gets 404.
      const other = stores[1 - i] as string;
      expect((await status(other, kind.path, jobId)).status).toBe(404);
      expect((await status(storeId, kind.path, `${jobId}-none`)).status).toBe(404);
    }
  });

  it('follows the run from waiting to completed once a worker frees the slots', async () => {
    await p.startWorker();
    for (const [i, kind] of KINDS.entries()) {
      const storeId = stores[i] as string;
      const jobId = runs[i] as string;
      const seen = new Set<string>();
      for (const until = Date.now() + 60_000; ; ) {
        const res = await status(storeId, kind.path, jobId);
        // Never "not found" on the way: staged, handed to BullMQ, running, done.
        expect(res.status, `${kind.path}: ${res.text}`).toBe(200);
        seen.add(res.body.state);
        if (res.body.state === 'completed' || res.body.state === 'failed') {
          expect(res.body.state, res.body.failedReason ?? '').toBe('completed');
          expect(res.body.result).not.toBeNull();
          break;
        }
        if (Date.now() > until) throw new Error(`${kind.path}: the run did not finish (${[...seen].join(', ')})`);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(
        [...seen].every((s) => ['waiting', 'active', 'completed'].includes(s)),
        [...seen].join(', '),
      ).toBe(true);
    }
  });
});
