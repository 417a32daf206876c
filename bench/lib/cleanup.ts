/**
 * Clean-up that must happen however the run ends (success, a failed figure,
 * an exception, Ctrl-C): stop child servers, drop benchmark databases, remove
 * temporary files. Tasks run last-registered first.
 */
import { mute, progress } from './report.ts';

type Task = { name: string; run: () => Promise<void> | void };
const tasks: Task[] = [];

/** Tasks started early (through the function onCleanup returns) that have not finished yet. */
const inflight = new Set<Promise<void>>();

/** Registers a clean-up task; the returned function runs it now (once) and forgets it. */
export function onCleanup(name: string, run: Task['run']): () => Promise<void> {
  const task = { name, run };
  tasks.push(task);
  return async () => {
    const i = tasks.indexOf(task);
    if (i < 0) return;
    tasks.splice(i, 1);
    const p = Promise.resolve().then(run);
    inflight.add(p);
    try {
      await p;
    } finally {
      inflight.delete(p);
    }
  };
}

let running: Promise<void> | null = null;
/** Runs every registered task, and waits for those already running, so nothing is cut off by process.exit. */
export function cleanupAll(): Promise<void> {
  running ??= (async () => {
    while (tasks.length || inflight.size) {
      const t = tasks.pop();
      if (!t) {
        await Promise.allSettled([...inflight]);
        continue;
      }
      try {
        await t.run();
      } catch (e) {
        progress(`clean-up "${t.name}" failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    running = null;
  })();
  return running;
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    mute();
    progress(`${signal}: cleaning up (send again to exit at once)`);
    void cleanupAll().finally(() => process.exit(130));
  });
}
