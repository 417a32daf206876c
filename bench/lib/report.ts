/** Output: one JSON line per figure on stdout; everything else (progress, diagnostics) on stderr. */
import { loadavg } from 'node:os';

const started = Date.now();

export function progress(msg: string): void {
  const s = ((Date.now() - started) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[bench ${s}s] ${msg}\n`);
}

/** ">=0.3" / "<=11" / null (reported only, no target). */
export type Target = `>=${number}` | `<=${number}` | null;

export function meets(value: number, target: Target): boolean | null {
  if (target === null) return null;
  const bound = Number(target.slice(2));
  return target.startsWith('>=') ? value >= bound : value <= bound;
}

export interface Figure {
  bench: string;
  metric: string;
  value: number;
  target: Target;
  [raw: string]: unknown;
}

const round = (v: unknown): unknown => {
  // Small values (ratios) keep 4 significant digits, large ones (ms, req/s) one decimal.
  if (typeof v === 'number') return Number.isInteger(v) || !Number.isFinite(v) ? v : Math.abs(v) >= 100 ? Math.round(v * 10) / 10 : Number(v.toPrecision(4));
  if (Array.isArray(v)) return v.map(round);
  if (v && typeof v === 'object' && !(v instanceof Date)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, round(x)]));
  return v;
};

const figures: Record<string, unknown>[] = [];

/** After an interrupt, whatever the run still does is teardown noise: print no more figures. */
let muted = false;
export function mute(): void {
  muted = true;
}

export function emit(f: Figure): void {
  const { bench, metric, value, target, ...raw } = f;
  // The machine is shared: every figure carries the load average it was measured under.
  const line = round({ bench, metric, value, target, pass: meets(value, target), ...raw, load_avg: loadavg() }) as Record<string, unknown>;
  figures.push(line);
  if (!muted) process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** A figure that could not be measured: reported as a failure, the run goes on. */
export function emitError(bench: string, metric: string, target: Target, err: unknown, extra: Record<string, unknown> = {}): void {
  const error = err instanceof Error ? err.message : String(err);
  const line = { bench, metric, value: null, target, pass: target === null ? null : false, error, ...extra };
  figures.push(line);
  if (muted) return;
  process.stdout.write(`${JSON.stringify(line)}\n`);
  progress(`${bench}: FAILED: ${error}`);
}

/** Forwards a line another benchmark script printed (already JSON). */
export function forward(line: Record<string, unknown>): void {
  figures.push(line);
  if (!muted) process.stdout.write(`${JSON.stringify(line)}\n`);
}

export const emitted = (): readonly Record<string, unknown>[] => figures;
