/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`, e.g. BENCH_CPU_PROF=<dir> npm run bench …): self time by
 * function and by package, optionally over a window of the profile (seconds from its start), and the busy time per
 * second so the load phases can be found. Text output, for docs/design/perf.md.
 *
 *   node --import tsx bench/tools/profile-summary.ts <file.cpuprofile> [--from S] [--to S] [--top N] [--timeline]
 *        [--inclusive <function name>]…
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { flagValue } from '../lib/cli.ts';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface SummaryOptions {
  /** Seconds from the profile's start. */
  fromS?: number;
  toS?: number;
  top?: number;
  timeline?: boolean;
  /** Function names whose inclusive time (self + callees) is reported. */
  inclusive?: string[];
}

/** V8 stamps profiles with the monotonic clock in µs: process.hrtime of any process on the machine compares with it. */
export function profileStartUs(file: string): number {
  return (JSON.parse(readFileSync(file, 'utf8')) as Profile).startTime;
}

export function summarise(file: string, o: SummaryOptions = {}): string {
  const fromS = o.fromS ?? 0;
  const toS = o.toS ?? Number.POSITIVE_INFINITY;
  const top = o.top ?? 30;
  const inclusiveNames = o.inclusive ?? [];
  const out: string[] = [];
  const log = (line: string) => out.push(line);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  /** Where a frame's code comes from: a package name, `node:` internals, the app's own workspace, or V8's pseudo frames. */
  function packageOf(f: CallFrame): string {
    const url = f.url;
    if (!url) return f.functionName.startsWith('(') ? f.functionName : '(native)';
    if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/');
    const nm = url.lastIndexOf('/node_modules/');
    if (nm >= 0) {
      const rest = url.slice(nm + 14).split('/');
      return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
    }
    const ws = /\/(apps|packages)\/([^/]+)\//.exec(url);
    if (ws) return `${ws[1]}/${ws[2]}`;
    return url;
  }
  const fnName = (f: CallFrame) =>
    `${f.functionName || '(anonymous)'} ${f.url ? `${f.url.replace(/^.*\/(node_modules|apps|packages)\//, '$1/')}:${f.lineNumber + 1}` : ''}`.trim();

  const selfByFn = new Map<string, number>();
  const selfByPkg = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const perSecond: number[] = [];
  let t = 0;
  let total = 0;
  let idle = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    t += dt;
    const s = t / 1e6;
    const node = byId.get(profile.samples[i] ?? -1);
    if (!node) continue;
    const name = node.callFrame.functionName;
    const isIdle = name === '(idle)';
    // The weight of a sample is the time until the next one.
    const w = profile.timeDeltas[i + 1] ?? 0;
    if (!isIdle) perSecond[Math.floor(s)] = (perSecond[Math.floor(s)] ?? 0) + w;
    if (s < fromS || s > toS) continue;
    if (isIdle) {
      idle += w;
      continue;
    }
    total += w;
    const fk = fnName(node.callFrame);
    selfByFn.set(fk, (selfByFn.get(fk) ?? 0) + w);
    const pk = packageOf(node.callFrame);
    selfByPkg.set(pk, (selfByPkg.get(pk) ?? 0) + w);
    if (inclusiveNames.length) {
      const seen = new Set<string>();
      for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
        const fn = byId.get(id)?.callFrame.functionName ?? '';
        if (inclusiveNames.includes(fn) && !seen.has(fn)) {
          seen.add(fn);
          inclusive.set(fn, (inclusive.get(fn) ?? 0) + w);
        }
      }
    }
  }

  const ms = (us: number) => (us / 1000).toFixed(0).padStart(7);
  const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
  log(`${file}: window ${fromS}–${Number.isFinite(toS) ? toS : 'end'} s, busy ${ms(total).trim()} ms, idle ${ms(idle).trim()} ms`);
  if (o.timeline) log(`busy ms per second: ${perSecond.map((v) => Math.round((v ?? 0) / 1000)).join(' ')}`);
  log('\nself time by package');
  for (const [k, v] of [...selfByPkg].sort((a, b) => b[1] - a[1]).slice(0, top)) log(`${ms(v)} ms ${pct(v)}  ${k}`);
  log('\nself time by function');
  for (const [k, v] of [...selfByFn].sort((a, b) => b[1] - a[1]).slice(0, top)) log(`${ms(v)} ms ${pct(v)}  ${k}`);
  if (inclusiveNames.length) {
    log('\ninclusive time');
    for (const [k, v] of [...inclusive].sort((a, b) => b[1] - a[1])) log(`${ms(v)} ms ${pct(v)}  ${k}`);
  }
  return out.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const file = args[0];
  if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [--from S] [--to S] [--top N] [--timeline] [--inclusive name]…');
  const flag = (name: string) => flagValue(args, name);
  console.log(
    summarise(file, {
      fromS: Number(flag('--from') ?? 0),
      toS: Number(flag('--to') ?? Number.POSITIVE_INFINITY),
      top: Number(flag('--top') ?? 30),
      timeline: args.includes('--timeline'),
      inclusive: args.flatMap((a, i) => (a === '--inclusive' ? [args[i + 1] ?? ''] : [])),
    }),
  );
}
