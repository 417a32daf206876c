/**
 * Baseline of the storefront figure: a bare Hono handler returning a
 * pre-rendered copy of the storefront product page (argv[3], a file), on the
 * same runtime as the storefront. Port: argv[2] (0 = any); announced over IPC.
 */
import { readFileSync } from 'node:fs';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const html = readFileSync(process.argv[3] as string, 'utf8');
const app = new Hono();
app.get('*', (c) => c.html(html));

serve({ fetch: app.fetch, port: Number(process.argv[2] ?? 0), hostname: '127.0.0.1' }, (info) => {
  process.send?.({ type: 'listening', app: 'static-page', port: info.port });
});
const stop = () => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
