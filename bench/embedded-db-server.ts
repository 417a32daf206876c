/**
 * Embedded Postgres (PGlite over the wire protocol, in memory) for the
 * embedded variant of the product-read benchmark, in a process of its own so
 * that its single WASM thread is measured like a database server, not mixed
 * into the bench orchestrator. Announces `{ type: 'listening', port, url }`.
 */
import { startEmbeddedPostgres } from '@storeloom/db/embedded';

const pg = await startEmbeddedPostgres({ host: '127.0.0.1', port: 0 });
process.send?.({ type: 'listening', app: 'embedded-postgres', port: pg.port, url: pg.url });
// The bench asks how many statements the server ran (every connection's), before and after a measured load.
process.on('message', (m: { type?: string } | null) => {
  if (m?.type === 'stats') process.send?.({ type: 'stats', statements: pg.statements() });
});

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await pg.stop().catch(() => {});
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
process.on('disconnect', () => void stop());
