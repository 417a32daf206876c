/**
 * Servers under measurement run as child processes on the same runtime as
 * production (`node --import tsx <entry>`), each announcing its port over IPC
 * with `{ type: 'listening', port }` (what each app's src/main.ts already sends to
 * the platform launcher). Their output goes to a log file, not a pipe: the
 * bench process must not spend CPU reading access logs while it measures.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onCleanup } from './cleanup.ts';
import { ROOT } from './paths.ts';
import { progress } from './report.ts';

let logDir: string | null = null;
function logDirectory(): string {
  if (!logDir) {
    const dir = mkdtempSync(join(tmpdir(), 'storeloom-bench-'));
    logDir = dir;
    onCleanup('remove bench logs', () => rmSync(dir, { recursive: true, force: true }));
  }
  return logDir;
}

export interface ListeningMessage {
  type: 'listening';
  port: number;
  [k: string]: unknown;
}

export interface ChildServer {
  name: string;
  pid: number;
  port: number;
  message: ListeningMessage;
  /** The last `bytes` of the child's output, for diagnostics. */
  tail(bytes?: number): string;
  /** Bytes the child has written so far (its logs). */
  logBytes(): number;
  /** Sends `{ type }` over IPC and resolves with the child's first answer of the same type. */
  ask(type: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

function stopProcess(proc: ChildProcess, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    const kill = setTimeout(() => proc.kill('SIGKILL'), graceMs);
    proc.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    proc.kill('SIGTERM');
  });
}

export async function startServer(
  name: string,
  entry: string,
  opts: { env: Record<string, string>; args?: string[]; timeoutMs?: number },
): Promise<ChildServer> {
  const logFile = join(logDirectory(), `${name}.log`);
  const fd = openSync(logFile, 'a');
  // BENCH_CPU_PROF=<dir>: every server under measurement writes a V8 CPU profile there when it stops
  // (open it in Chrome DevTools or speedscope; docs/design/perf.md shows how the figures were profiled).
  const profDir = process.env.BENCH_CPU_PROF;
  const execArgv = ['--import', 'tsx', ...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [])];
  const proc = fork(entry, opts.args ?? [], { cwd: ROOT, env: opts.env, execArgv, stdio: ['ignore', fd, fd, 'ipc'] });
  closeSync(fd);
  const tail = (bytes = 4000) => {
    try {
      const text = readFileSync(logFile, 'utf8');
      return text.slice(-bytes);
    } catch {
      return '';
    }
  };
  const stop = onCleanup(`stop ${name}`, async () => {
    await stopProcess(proc, 10_000);
    progress(`stopped ${name} (pid ${proc.pid})`);
  });
  const timeoutMs = opts.timeoutMs ?? 60_000;
  try {
    const message = await new Promise<ListeningMessage>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} did not start listening within ${timeoutMs} ms`)), timeoutMs);
      proc.on('message', (m: unknown) => {
        const msg = m as Partial<ListeningMessage> | null;
        if (msg?.type === 'listening' && typeof msg.port === 'number') {
          clearTimeout(timer);
          resolve(msg as ListeningMessage);
        }
      });
      proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited before listening (${signal ?? `code ${code}`})`));
      });
      proc.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    // A crash later on is reported with its output.
    proc.once('exit', (code, signal) => {
      if (code !== 0 && signal !== 'SIGTERM') progress(`${name} (pid ${proc.pid}) exited unexpectedly (${signal ?? `code ${code}`}); last output:\n${tail()}`);
    });
    progress(`${name} listening on 127.0.0.1:${message.port} (pid ${proc.pid})`);
    return {
      name,
      pid: proc.pid as number,
      port: message.port,
      message,
      tail,
      logBytes: () => {
        try {
          return statSync(logFile).size;
        } catch {
          return 0;
        }
      },
      stop,
      ask: (type, askTimeoutMs = 10_000) =>
        new Promise((resolve, reject) => {
          const timer = setTimeout(() => {
            proc.off('message', onMessage);
            reject(new Error(`${name} did not answer ${type} within ${askTimeoutMs} ms`));
          }, askTimeoutMs);
          const onMessage = (m: unknown) => {
            const msg = m as Record<string, unknown> | null;
            if (msg?.type !== type) return;
            clearTimeout(timer);
            proc.off('message', onMessage);
            resolve(msg);
          };
          proc.on('message', onMessage);
          proc.send({ type });
        }),
    };
  } catch (e) {
    await stop();
    throw new Error(`${e instanceof Error ? e.message : String(e)}; last output:\n${tail()}`);
  }
}
