/**
 * npm run bench:inventory [-- --lead-time 7 --service-target 0.95 --forecast ...]
 *
 * Runs the shared, neutral backtest (`../shared/bench/inventory/backtest.mjs`
 * from the repository root) on this package's policy adapter (bench/policy.ts,
 * which calls the same src/ code the worker uses), streaming its JSON lines.
 * Extra arguments are passed through. Exit code = the backtest's.
 *
 * In --forecast mode the backtest prints one `forecast` line; this runner then
 * also scores the 56-day-mean reference forecast the same way (the backtest's
 * own reference policy module) and prints a final `summary` line comparing the
 * two WAPEs.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { backtestScript, policyAdapter, referencePolicy, repoRoot } from './paths.ts';

interface RunResult {
  code: number;
  lines: string[];
}

/** Run the backtest with `node --import tsx`, echoing stdout line by line. */
function runBacktest(args: string[], echo: boolean): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', backtestScript, ...args], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines: string[] = [];
    const rl = createInterface({ input: child.stdout });
    rl.on('line', (line) => {
      lines.push(line);
      if (echo) process.stdout.write(`${line}\n`);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      rl.close();
      resolvePromise({ code: code ?? (signal ? 1 : 0), lines });
    });
  });
}

function parseLines(lines: string[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const l of lines) {
    try {
      out.push(JSON.parse(l) as Record<string, unknown>);
    } catch {
      // not a JSON line: ignore
    }
  }
  return out;
}

async function main(): Promise<number> {
  if (!existsSync(backtestScript)) {
    process.stderr.write(`bench:inventory: backtest not found at ${backtestScript} (expected ../shared next to the repository)\n`);
    return 2;
  }
  const passThrough = process.argv.slice(2);
  const args = ['--policy', policyAdapter, ...passThrough];
  const ours = await runBacktest(args, true);
  if (ours.code !== 0 || !passThrough.includes('--forecast')) return ours.code;

  // Forecast mode: score the 56-day-mean reference with the same options.
  const refArgs = ['--policy', referencePolicy, ...passThrough.filter((a, i, all) => a !== '--policy' && all[i - 1] !== '--policy')];
  const ref = await runBacktest(refArgs, false);
  if (ref.code !== 0) return ref.code;
  const f = parseLines(ours.lines).find((r) => r.type === 'forecast');
  const rf = parseLines(ref.lines).find((r) => r.type === 'forecast');
  if (!f || !rf) {
    process.stderr.write('bench:inventory: no forecast line in the backtest output\n');
    return 1;
  }
  const wape = Number(f.wape);
  const refWape = Number(rf.wape);
  const summary = {
    type: 'summary',
    mode: 'forecast',
    policy: f.policy,
    wape,
    mase: f.mase,
    bias: f.bias,
    referencePolicy: '56-day-mean',
    referenceWape: refWape,
    referenceMase: rf.mase,
    referenceBias: rf.bias,
    wapeVsReference: Math.round((wape / refWape) * 1e4) / 1e4,
    seasonalNaiveWape: f.seasonalNaiveWape,
    pass: wape < refWape,
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`bench:inventory: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
