/**
 * "Recompute now", "Run pricing now", "Train now" and "Reindex": the answer carries the queued store job (its id and
 * state, so the console shows "Queued" at once), and a second request while that job is queued or running (even at
 * the same moment) gets the same job back instead of queueing another. Once it has finished, a new request queues anew.
 * On Postgres and on embedded PGlite (what `npm start` runs), where every connection shares one session, so a request
 * that kept a transaction open while another connection queued the job waited for itself until the request deadline.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore, signup, startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';

async function waitFor<T>(fn: () => Promise<T>, ok: (v: T) => boolean, what: string, ms = 60_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const KINDS = [
  { path: 'pricing/runs', name: 'pricing.run' },
  { path: 'inventory-planning/runs', name: 'inventory.run' },
  { path: 'recommendations/training-runs', name: 'reco.train' },
  { path: 'search/reindex', name: 'search.reindex-store' },
] as const;

describe.each([
  { db: 'Postgres', embedded: false },
  { db: 'embedded PGlite', embedded: true },
])('jobs started by hand on $db', { timeout: 120_000 }, ({ embedded }) => {
  let p: TestPlatform;
  let cookie: string;
  let storeId: string;
  beforeAll(async () => {
    p = await startTestPlatform({ embedded });
    cookie = (await signup(p)).cookie;
    storeId = (await createStore(p, cookie)).id;
  });
  afterAll(async () => {
    await p.close();
  });

  const start = (path: string) => p.request('POST', `/api/v1/stores/${storeId}/${path}`, { cookie });
  const jobs = async () =>
    (await p.request('GET', `/api/v1/stores/${storeId}/jobs?limit=100`, { cookie })).body.data as { id: string; name: string; state: string }[];

  it('answer with the queued job, and two clicks at once queue one job per kind', async () => {
    // No worker yet: every job stays queued.
    for (const kind of KINDS) {
      const [a, b] = await Promise.all([start(kind.path), start(kind.path)]);
      expect(a.status, a.text).toBe(202);
      expect(b.status, b.text).toBe(202);
      expect(a.body).toMatchObject({ state: 'waiting', id: expect.any(String), jobId: expect.any(String) });
      expect(b.body.jobId, kind.name).toBe(a.body.jobId);
      expect(b.body.id).toBe(a.body.id);
      expect([a.body.existing, b.body.existing].sort(), kind.name).toEqual([false, true]);
      // A later click while it is still queued: the same job again.
      const c = await start(kind.path);
      expect(c.body).toMatchObject({ id: a.body.id, jobId: a.body.jobId, state: 'waiting', existing: true });
      const listed = (await jobs()).filter((j) => j.name === kind.name);
      expect(
        listed.map((j) => j.id),
        kind.name,
      ).toEqual([a.body.id]);
      expect(listed[0]?.state).toBe('waiting');
    }
  });

  it('queues a new job once the previous one has finished', async () => {
    const before = (await jobs()).find((j) => j.name === 'pricing.run');
    await p.startWorker();
    await waitFor(jobs, (list) => list.find((j) => j.id === before?.id)?.state === 'completed', 'the pricing run to finish');
    const again = await start('pricing/runs');
    expect(again.status, again.text).toBe(202);
    expect(again.body.existing).toBe(false);
    expect(again.body.id).not.toBe(before?.id);
    const status = await waitFor(
      async () => (await p.request('GET', `/api/v1/stores/${storeId}/pricing/runs/${encodeURIComponent(again.body.jobId)}`, { cookie })).body,
      (b) => b.state === 'completed',
      'the second run',
    );
    expect(status.state).toBe('completed');
  });
});
