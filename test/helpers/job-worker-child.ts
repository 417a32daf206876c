/**
 * A worker process for the fault tests: runs one queue with a handler that
 * applies its effect idempotently, tells the parent it is mid-job, then stalls
 * (the parent kills it with SIGKILL). Config comes as JSON in argv[2].
 */
import { Queues } from '@storeloom/jobs';
import pg from 'pg';

const cfg = JSON.parse(process.argv[2] as string) as { databaseUrl: string; redisUrl: string; prefix: string };
const queues = new Queues({ redisUrl: cfg.redisUrl, databaseUrl: cfg.databaseUrl, prefix: cfg.prefix });
const pool = new pg.Pool({ connectionString: cfg.databaseUrl, max: 2 });
await queues.init();
queues.worker(
  'catalog',
  async (job) => {
    const { key } = job.data.payload as { key: string };
    await pool.query('insert into fault_effects (key) values ($1) on conflict (key) do nothing', [key]);
    process.send?.({ type: 'mid-job', jobId: job.id });
    await new Promise((r) => setTimeout(r, 60_000));
  },
  { concurrency: 1, lockDuration: 2000, stalledInterval: 1000 },
);
process.send?.({ type: 'ready' });
