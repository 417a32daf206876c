/** Access lines: every request by default; with a sampling policy, fast successful reads are sampled and the rest always kept. */
import { createLogger } from '@storeloom/log';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { type BaseVariables, requestContext } from '../src/middleware.ts';

function appWith(accessLog?: { sample: number; slowMs: number }) {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: 'info', write: (l) => lines.push(JSON.parse(l)), ...(accessLog ? { accessLog } : {}) });
  const app = new Hono<{ Variables: BaseVariables }>();
  app.use('*', requestContext(logger));
  app.get('/ok', (c) => c.text('ok'));
  app.get('/slow', async (c) => {
    await new Promise((r) => setTimeout(r, 30));
    return c.text('slow');
  });
  app.get('/missing', (c) => c.text('no', 404));
  app.get('/boom', (c) => c.text('boom', 500));
  app.post('/ok', (c) => c.text('written'));
  return { app, requests: () => lines.filter((l) => l.msg === 'request') };
}

describe('access log', () => {
  it('logs every request without a policy', async () => {
    const { app, requests } = appWith();
    for (let i = 0; i < 20; i++) await app.request('/ok');
    expect(requests()).toHaveLength(20);
    expect(requests()[0]).toMatchObject({ method: 'GET', path: '/ok', status: 200 });
    expect(requests()[0]?.sampled).toBeUndefined();
  });

  it('drops fast successful reads at sample 0 but keeps writes, errors and slow requests', async () => {
    const { app, requests } = appWith({ sample: 0, slowMs: 60_000 });
    for (let i = 0; i < 20; i++) await app.request('/ok');
    expect(requests()).toHaveLength(0);
    await app.request('/ok', { method: 'POST' });
    await app.request('/missing');
    await app.request('/boom');
    expect(requests().map((l) => `${l.method} ${l.path} ${l.status}`)).toEqual(['POST /ok 200', 'GET /missing 404', 'GET /boom 500']);
    // Slow: at or above slowMs (0 here, so any request is slow; a timing threshold would be flaky on a loaded machine).
    const slow = appWith({ sample: 0, slowMs: 0 });
    await slow.app.request('/slow');
    expect(slow.requests().map((l) => `${l.method} ${l.path} ${l.status}`)).toEqual(['GET /slow 200']);
  });

  it('keeps about the sampled fraction of fast reads, each marked with the rate', async () => {
    const { app, requests } = appWith({ sample: 0.25, slowMs: 10_000 });
    for (let i = 0; i < 400; i++) await app.request('/ok');
    const n = requests().length;
    // Binomial(400, 0.25): mean 100, sd ~8.7; 40..160 fails only on a broken sampler.
    expect(n).toBeGreaterThan(40);
    expect(n).toBeLessThan(160);
    expect(requests().every((l) => l.sampled === 0.25)).toBe(true);
  });
});

describe('requestContext options', () => {
  it('sets the app variables before anything runs and reports every finished request with its final status and route', async () => {
    const finished: string[] = [];
    const services = { name: 'services' };
    const app = new Hono<{ Variables: BaseVariables & { services: typeof services } }>();
    app.use(
      '*',
      requestContext(createLogger({ level: 'silent' }), {
        vars: { services },
        onFinished: (c, ms) => finished.push(`${c.req.method} ${c.req.routePath} ${c.res.status} ${ms >= 0}`),
      }),
    );
    app.onError((err, c) => c.text(err.message, 418));
    app.get('/items/:id', (c) => c.text(c.get('services') === services ? 'same' : 'other'));
    app.get('/throws', () => {
      throw new Error('boom');
    });
    const res = await app.request('/items/7');
    expect(await res.text()).toBe('same');
    await app.request('/throws');
    await app.request('/nowhere');
    expect(finished).toEqual(['GET /items/:id 200 true', 'GET /throws 418 true', 'GET /* 404 true']);
  });
});
