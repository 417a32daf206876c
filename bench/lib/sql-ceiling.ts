/**
 * The ceiling of a database server itself (issue 23 target 4): a single-row statement (`select $1::int, now()`, a
 * bind parameter, one row back) from `clients` closed-loop clients on their own connections for `durationS`
 * seconds, from this process. Run against embedded PGlite (through pglite-socket, as the platform reaches it) and
 * against the machine's Postgres in the same run, it says how many statements per second the embedded server can
 * answer at all, which bounds any API read that needs one.
 */
import pg from 'pg';
import { progress } from './report.ts';

export interface SqlCeiling {
  statements: number;
  statementsPerSecond: number;
  p50Ms: number;
  p95Ms: number;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;

export async function sqlCeiling(label: string, url: string, clients: number, durationS: number): Promise<SqlCeiling> {
  const connections = await Promise.all(
    Array.from({ length: clients }, async () => {
      const c = new pg.Client({ connectionString: url, application_name: 'storeloom-bench-ceiling' });
      await c.connect();
      return c;
    }),
  );
  try {
    const run = async (seconds: number) => {
      const lat: number[] = [];
      const end = performance.now() + seconds * 1000;
      const t0 = performance.now();
      await Promise.all(
        connections.map(async (c, i) => {
          let n = i;
          while (performance.now() < end) {
            const s = performance.now();
            // One statement name per client: PGlite serves every socket connection from its one session, where a
            // shared name would already exist.
            await c.query({ text: 'select $1::int as n, now() as at', values: [n++], name: `ceiling_${i}` });
            lat.push(performance.now() - s);
          }
        }),
      );
      return { lat: lat.sort((a, b) => a - b), seconds: (performance.now() - t0) / 1000 };
    };
    await run(Math.min(2, durationS)); // warm-up: connections, the prepared statement, the JIT
    const { lat, seconds } = await run(durationS);
    const r = { statements: lat.length, statementsPerSecond: lat.length / seconds, p50Ms: pct(lat, 50), p95Ms: pct(lat, 95) };
    progress(`${label}: ${r.statementsPerSecond.toFixed(0)} statements/s at ${clients} clients, p50 ${r.p50Ms.toFixed(2)} ms, p95 ${r.p95Ms.toFixed(2)} ms`);
    return r;
  } finally {
    await Promise.all(connections.map((c) => c.end().catch(() => {})));
  }
}
