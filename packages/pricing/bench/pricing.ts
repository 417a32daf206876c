/**
 * `npm run bench:pricing [-- extra simulator args]`
 *
 * Runs the neutral shared simulator on this package's policy adapter with
 * TS-fixed as the paired baseline. The shared folder is always `../shared`
 * relative to the repository root; it is resolved from this file's location.
 * Extra CLI args (--params F, --T 1000, --alpha 0.5, --seeds 5, ...) are passed
 * through. The simulator's JSON lines stream to stdout (summary last) and its
 * exit code becomes ours.
 */

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url)); // <repo>/packages/pricing/bench
const repoRoot = resolve(here, '..', '..', '..');
const benchDir = resolve(repoRoot, '..', 'shared', 'bench', 'pricing');
const simulator = resolve(benchDir, 'simulate.mjs');
const baseline = resolve(benchDir, 'policies', 'ts-fixed.mjs');
const adapter = resolve(here, 'policy.ts');

if (!existsSync(simulator)) {
  process.stderr.write(`bench:pricing: simulator not found at ${simulator}\n`);
  process.exit(2);
}

// Resolve tsx from this package so the child can load the .ts adapter whatever the cwd.
const tsx = import.meta.resolve('tsx');

const child = spawn(process.execPath, ['--import', tsx, simulator, '--policy', adapter, '--baseline', baseline, ...process.argv.slice(2)], {
  stdio: ['ignore', 'inherit', 'inherit'],
});

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    child.kill(sig);
  });
}

child.on('error', (err) => {
  process.stderr.write(`bench:pricing: cannot start simulator: ${err.message}\n`);
  process.exit(1);
});

child.on('exit', (code, signal) => {
  process.exit(code ?? (signal ? 128 + (signal === 'SIGINT' ? 2 : 15) : 1));
});
