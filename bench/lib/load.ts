/**
 * HTTP load with autocannon, run through its CLI in a process of its own: the
 * load generator shares a process with neither the server it measures nor the
 * orchestrator.
 */
import { spawn } from 'node:child_process';
import { onCleanup } from './cleanup.ts';
import { processCpuUs } from './cpu.ts';
import { AUTOCANNON_CLI, ROOT } from './paths.ts';
import { progress } from './report.ts';

export interface LoadOptions {
  label: string;
  url: string;
  headers?: Record<string, string>;
  connections: number;
  durationS: number;
  /** A fixed number of requests instead of a duration (the CPU-per-request runs). */
  amount?: number;
}

export interface LoadResult {
  label: string;
  /** Mean of autocannon's per-second request samples. */
  rps: number;
  rpsStddev: number;
  requests: number;
  durationS: number;
  latencyAvgMs: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /**
   * CPU of the autocannon process over its run, as a fraction of one core (polled from /proc every 100 ms, so the
   * last 100 ms may be missing; null without /proc). Near 1: the load generator, not the server, set the pace.
   */
  loadGeneratorCpuShare: number | null;
}

/** The part of autocannon's --json result we read. */
interface AutocannonJson {
  requests: { average: number; stddev: number; total: number };
  latency: { average: number; p50: number; p99: number };
  duration: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  '2xx': number;
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const args = [AUTOCANNON_CLI, '-c', String(o.connections), ...(o.amount ? ['-a', String(o.amount)] : ['-d', String(o.durationS)]), '-n', '-j'];
  for (const [k, v] of Object.entries(o.headers ?? {})) args.push('-H', `${k}=${v}`);
  args.push(o.url);
  let loadGeneratorCpuShare: number | null = null;
  progress(`load: ${o.label} (${o.connections} connections, ${o.amount ? `${o.amount} requests` : `${o.durationS} s`})`);
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const p = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const started = performance.now();
    const poll = setInterval(() => {
      const us = p.pid === undefined ? null : processCpuUs(p.pid);
      if (us !== null) loadGeneratorCpuShare = us / 1000 / (performance.now() - started);
    }, 100);
    p.once('close', () => clearInterval(poll));
    // Interrupted mid-run: stop the load too (a no-op once it has exited).
    const stop = onCleanup(`stop autocannon (${o.label})`, () => {
      p.kill('SIGTERM');
    });
    p.once('close', () => void stop());
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.once('error', reject);
    p.once('close', (code) => resolve({ code, stdout, stderr }));
  });
  const json = stdout.trim().split('\n').at(-1) ?? '';
  let r: AutocannonJson;
  try {
    r = JSON.parse(json) as AutocannonJson;
  } catch {
    throw new Error(`autocannon failed (exit ${code}) for ${o.label}: ${stderr.slice(-2000) || stdout.slice(-2000)}`);
  }
  const result: LoadResult = {
    label: o.label,
    rps: r.requests.average,
    rpsStddev: r.requests.stddev,
    requests: r.requests.total,
    durationS: r.duration,
    latencyAvgMs: r.latency.average,
    latencyP50Ms: r.latency.p50,
    latencyP99Ms: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    loadGeneratorCpuShare,
  };
  progress(`load: ${o.label}: ${result.rps.toFixed(0)} req/s, p50 ${result.latencyP50Ms} ms, p99 ${result.latencyP99Ms} ms`);
  // A figure from failing requests would measure error handling, not the endpoint.
  if (result.non2xx || result.errors || result.timeouts || !result.requests)
    throw new Error(`${o.label}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts out of ${result.requests} requests`);
  return result;
}

/** The raw numbers of a run, for the JSON lines. */
export const rawOf = (r: LoadResult) => ({
  rps: r.rps,
  rps_stddev: r.rpsStddev,
  requests: r.requests,
  latency_p50_ms: r.latencyP50Ms,
  latency_p99_ms: r.latencyP99Ms,
});
