/**
 * The baseline: a bare Hono hello-world on @hono/node-server, the same
 * runtime as the control plane (`node --import tsx`). Started by bench/run.ts
 * as a child; announces its port over IPC. Port: argv[2] (default 0 = any).
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const app = new Hono();
app.get('/', (c) => c.text('Hello, World!'));

serve({ fetch: app.fetch, port: Number(process.argv[2] ?? 0), hostname: '127.0.0.1' }, (info) => {
  process.send?.({ type: 'listening', app: 'hello', port: info.port });
});

// Nothing to flush or close gracefully.
const stop = () => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// The bench process went away without stopping us: do not linger.
process.on('disconnect', stop);
