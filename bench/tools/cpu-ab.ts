/**
 * A/B of the API read's CPU per request between two checkouts on a shared machine: a control plane from this tree
 * (B) and one from another worktree (A, e.g. main), each on its own fresh database with the bench's read fixture,
 * plus the bare hello server, measured in alternating rounds (A, B, hello, A, B, hello…) so both see the same load
 * average. No profiler: CPU µs per request from /proc, as `bench/lib/cpu.ts` reads it. Prints each round and the
 * medians, the CPU ratio hello µs / read µs (what the throughput ratio tends to on an idle machine), and each run's
 * throughput (requests over autocannon's own duration) against the hello run of its round.
 *
 *   node --import tsx bench/tools/cpu-ab.ts --base ../main-copy [--requests N | --seconds S] [--rounds R]   (a worktree of the other commit: git worktree add ../main-copy main)
 */
import { join } from 'node:path';
import { bearer, setUpReadFixture, session } from '../lib/api.ts';
import { cleanupAll } from '../lib/cleanup.ts';
import { cpuPerRequest } from '../lib/cpu.ts';
import { createBenchDatabase } from '../lib/database.ts';
import { REDIS_URL } from '../lib/env.ts';
import { CONTROL_PLANE_MAIN } from '../lib/paths.ts';
import { startControlPlane, startHello } from '../lib/servers.ts';
import { flagValue, median } from '../lib/cli.ts';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => flagValue(args, name) ?? fallback;
const base = flag('--base', '');
const requests = Number(flag('--requests', '10000'));
const rounds = Number(flag('--rounds', '5'));
// With --seconds, each run lasts that long instead of --requests requests: the req/s figures are then autocannon's
// per-second average, a throughput comparable with the bench's (a run of a fixed number of requests has only whole
// seconds of autocannon's duration to divide by).
const secondsFlag = flagValue(args, '--seconds');
const seconds = secondsFlag === undefined ? undefined : Number(secondsFlag);
if (!base) throw new Error('--base <worktree> is required');

async function controlPlane(name: string, entry: string) {
  const database = await createBenchDatabase(name.replace('-', '_'));
  const server = await startControlPlane({ name, entry, databaseUrl: database.url, redisUrl: REDIS_URL, logLevel: 'info' });
  const fixture = await setUpReadFixture(`http://127.0.0.1:${server.port}`);
  return { name, server, database, fixture, url: `${fixture.baseUrl}${fixture.path}` };
}

/** Requests per second of the load itself (autocannon's own duration, without its start-up): the runs are not rate-limited. */
const throughput = (r: { load: { rps: number; requests: number; durationS: number } }) => (seconds ? r.load.rps : r.load.requests / r.load.durationS);

try {
  const a = await controlPlane('cp-a', join(base, 'apps/control-plane/src/main.ts'));
  const b = await controlPlane('cp-b', CONTROL_PLANE_MAIN);
  const hello = await startHello();
  const helloUrl = `http://127.0.0.1:${hello.port}/`;
  const results: Record<string, number[]> = {};
  const record = (key: string, v: number) => {
    results[key] ??= [];
    results[key].push(v);
  };
  for (const cp of [a, b]) {
    await cpuPerRequest({ label: `${cp.name} warm-up token`, url: cp.url, headers: bearer(cp.fixture), pid: cp.server.pid, amount: 3000, connections: 20 });
    await cpuPerRequest({ label: `${cp.name} warm-up cookie`, url: cp.url, headers: session(cp.fixture), pid: cp.server.pid, amount: 3000, connections: 20 });
  }
  await cpuPerRequest({ label: 'hello warm-up', url: helloUrl, pid: hello.pid, amount: 3000, connections: 20 });
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 ? [b, a] : [a, b];
    for (const cp of order) {
      for (const [kind, headers] of [
        ['token', bearer(cp.fixture)],
        ['cookie', session(cp.fixture)],
      ] as const) {
        const r = await cpuPerRequest({
          label: `${cp.name} ${kind}`,
          url: cp.url,
          headers,
          pid: cp.server.pid,
          database: cp.database.name,
          amount: requests,
          durationS: seconds,
          connections: 20,
        });
        record(`${cp.name} ${kind} server`, r.serverUs);
        record(`${cp.name} ${kind} postgres`, r.postgresUs ?? 0);
        record(`${cp.name} ${kind} req/s`, throughput(r));
        console.log(
          `round ${round} ${cp.name} ${kind}: server ${r.serverUs.toFixed(1)} µs, Postgres ${r.postgresUs?.toFixed(1)} µs, ${throughput(r).toFixed(0)} req/s`,
        );
      }
    }
    const h = await cpuPerRequest({ label: 'hello', url: helloUrl, pid: hello.pid, amount: requests, durationS: seconds, connections: 20 });
    record('hello server', h.serverUs);
    record('hello req/s', throughput(h));
    console.log(`round ${round} hello: server ${h.serverUs.toFixed(1)} µs, ${throughput(h).toFixed(0)} req/s`);
  }
  console.log(`\nmedians over ${rounds} rounds of ${seconds ? `${seconds} s` : `${requests} requests`} (A = ${base}, B = this tree):`);
  for (const [key, values] of Object.entries(results))
    console.log(`  ${key.padEnd(22)} ${median(values).toFixed(1)}${key.endsWith('req/s') ? '' : ' µs'}   [${values.map((v) => v.toFixed(0)).join(', ')}]`);
  const h = median(results['hello server'] ?? []);
  for (const cp of ['cp-a', 'cp-b'])
    for (const kind of ['token', 'cookie']) {
      const total = median(results[`${cp} ${kind} server`] ?? []);
      console.log(`  ${cp} ${kind}: hello/read CPU ratio ${(h / total).toFixed(3)}`);
      // Throughput of each run against the hello run of its round (as the bench's median over rounds).
      const reads = results[`${cp} ${kind} req/s`] ?? [];
      const hellos = results['hello req/s'] ?? [];
      console.log(`  ${cp} ${kind}: read/hello throughput ratio, median over rounds ${median(reads.map((r, i) => r / (hellos[i] ?? Number.NaN))).toFixed(3)}`);
    }
  await Promise.all([a.server.stop(), b.server.stop(), hello.stop()]);
  await Promise.all([a.database.drop(), b.database.drop()]);
} finally {
  await cleanupAll();
}
