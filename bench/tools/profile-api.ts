/**
 * Profiles the control plane under the API read load (issue 23): a control plane with `--cpu-prof` on a fresh
 * database, the bench's read fixture, a warm-up, then a fixed number of product reads by token and by cookie with
 * the server's CPU per request; the profile is summarised over exactly each load's window (the driver's
 * process.hrtime and V8's profile timestamps are the same monotonic clock).
 *
 *   node --import tsx bench/tools/profile-api.ts [--requests N] [--top N] [--out DIR]
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { bearer, setUpReadFixture, session } from '../lib/api.ts';
import { cleanupAll } from '../lib/cleanup.ts';
import { cpuPerRequest } from '../lib/cpu.ts';
import { createBenchDatabase } from '../lib/database.ts';
import { startRedisControlPlane } from '../lib/servers.ts';
import { profileStartUs, summarise } from './profile-summary.ts';
import { flagValue, nowUs } from '../lib/cli.ts';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => flagValue(args, name) ?? fallback;
const requests = Number(flag('--requests', '5000'));
const top = Number(flag('--top', '25'));
const out = flag('--out', `/tmp/storeloom-profile-${Date.now()}`);
mkdirSync(out, { recursive: true });
process.env.BENCH_CPU_PROF = out;

try {
  const database = await createBenchDatabase('prof');
  const cp = await startRedisControlPlane(database.url, 'info', 'control-plane-prof');
  const fixture = await setUpReadFixture(`http://127.0.0.1:${cp.port}`);
  const url = `${fixture.baseUrl}${fixture.path}`;
  const run = (label: string, headers: Record<string, string>, amount = requests) =>
    cpuPerRequest({ label, url, headers, pid: cp.pid, database: database.name, amount, connections: 20 });
  await run('warm-up (token)', bearer(fixture), 2000);
  await run('warm-up (cookie)', session(fixture), 2000);
  const windows: { label: string; fromUs: number; toUs: number; serverUs: number; postgresUs: number | null; rps: number }[] = [];
  for (const [label, headers] of [
    ['token', bearer(fixture)],
    ['cookie', session(fixture)],
  ] as const) {
    const fromUs = nowUs();
    const r = await run(label, headers);
    windows.push({ label, fromUs, toUs: nowUs(), serverUs: r.serverUs, postgresUs: r.postgresUs, rps: r.load.rps });
  }
  await cp.stop();
  await database.drop();
  const file = readdirSync(out).find((f) => f.includes(`.${cp.pid}.0.`) && f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no profile of pid ${cp.pid} in ${out}`);
  const path = join(out, file);
  const start = profileStartUs(path);
  for (const w of windows) {
    console.log(
      `\n## ${w.label}: ${requests} reads, server ${w.serverUs.toFixed(0)} µs/request, Postgres ${w.postgresUs?.toFixed(0)} µs/request, ${w.rps.toFixed(0)} req/s`,
    );
    console.log(summarise(path, { fromS: (w.fromUs - start) / 1e6, toS: (w.toUs - start) / 1e6, top }));
  }
  console.log(`\nprofile: ${path}`);
} finally {
  await cleanupAll();
}
