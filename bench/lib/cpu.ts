/**
 * CPU time per request: what a server process and the Postgres backends serving it spent on a fixed number of
 * requests, read from /proc (utime + stime of every thread). Unlike req/s this barely moves with the machine's
 * load (other processes take wall time, not our CPU time), so it is how changes are chosen on a shared machine;
 * the throughput figures are still what the targets are about.
 *
 * Postgres backends come and go (the pools recycle connections), so the backends of the server's database are
 * polled during the run and each one's CPU is counted from when it was first seen (or from its start, when it
 * started during the run); a backend ending between two polls loses at most one poll interval of CPU.
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { ADMIN_DATABASE_URL } from './env.ts';
import { type LoadResult, runLoad } from './load.ts';

const TICK_US = 10_000; // CLK_TCK = 100 on Linux

/** utime + stime of a process (all its threads) in µs; null when it is gone or /proc is not there. */
export function processCpuUs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces: fields are counted after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_US;
  } catch {
    return null;
  }
}

/** Polls the backends connected to `database` and sums the CPU they spend between start() and stop(). */
export class PostgresCpu {
  private readonly client = new pg.Client({ connectionString: ADMIN_DATABASE_URL, application_name: 'storeloom-bench-cpu' });
  private readonly baseline = new Map<number, number>();
  private readonly last = new Map<number, number>();
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> = Promise.resolve();

  constructor(private readonly database: string) {}

  private async poll(initial: boolean): Promise<void> {
    const { rows } = await this.client.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1', [this.database]);
    for (const { pid } of rows) {
      const cpu = processCpuUs(pid);
      if (cpu === null) continue;
      if (!this.baseline.has(pid)) this.baseline.set(pid, initial ? cpu : 0);
      this.last.set(pid, cpu);
    }
  }

  async start(intervalMs = 100): Promise<void> {
    await this.client.connect();
    await this.poll(true);
    this.timer = setInterval(() => {
      this.polling = this.polling.then(() => this.poll(false)).catch(() => {});
    }, intervalMs);
  }

  /** CPU µs of the database's backends since start(). */
  async stop(): Promise<number> {
    if (this.timer) clearInterval(this.timer);
    await this.polling;
    await this.poll(false);
    await this.client.end();
    let us = 0;
    for (const [pid, cpu] of this.last) us += cpu - (this.baseline.get(pid) ?? 0);
    return us;
  }
}

export interface CpuRun {
  load: LoadResult;
  /** Server process CPU µs per request. */
  serverUs: number;
  /** CPU µs per request of the Postgres backends of `database` (null when no database was given). */
  postgresUs: number | null;
}

/** `amount` requests at `connections` against a server, with the CPU the server (and its database's backends) spent. */
export async function cpuPerRequest(o: {
  label: string;
  url: string;
  headers?: Record<string, string>;
  pid: number;
  database?: string;
  amount: number;
  connections: number;
  /** Run for this many seconds instead of `amount` requests (autocannon's per-second rate is then a throughput). */
  durationS?: number;
}): Promise<CpuRun> {
  const pgCpu = o.database ? new PostgresCpu(o.database) : null;
  await pgCpu?.start();
  const before = processCpuUs(o.pid);
  const load = await runLoad({
    label: o.label,
    url: o.url,
    headers: o.headers,
    connections: o.connections,
    durationS: o.durationS ?? 0,
    amount: o.durationS ? undefined : o.amount,
  });
  const after = processCpuUs(o.pid);
  const pgUs = pgCpu ? await pgCpu.stop() : null;
  if (before === null || after === null) throw new Error(`cannot read the CPU time of pid ${o.pid} from /proc`);
  return { load, serverUs: (after - before) / load.requests, postgresUs: pgUs === null ? null : pgUs / load.requests };
}
