/**
 * Builds the merchant console (Vite) when apps/console/dist is missing or
 * older than its sources. Used by `npm start` and by the test setup, so a
 * fresh clone serves a console without a separate build step.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rawEnv } from '@storeloom/env';

export const consoleDir = fileURLToPath(new URL('../../console/', import.meta.url));
const SOURCES = ['src', 'public', 'index.html', 'vite.config.ts', 'package.json', 'tsconfig.json'];

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Why the console needs a build, or null when dist is up to date. */
export function consoleBuildReason(dir = consoleDir): string | null {
  const built = join(dir, 'dist', 'index.html');
  if (!existsSync(built)) return 'not built yet';
  const sources = Math.max(...SOURCES.map((s) => newestMtime(join(dir, s))));
  return sources > statSync(built).mtimeMs ? 'sources changed since the last build' : null;
}

export function viteBin(dir = consoleDir): string {
  const require = createRequire(join(dir, 'package.json'));
  return join(dirname(require.resolve('vite/package.json')), 'bin', 'vite.js');
}

function filesUnder(root: string, path = root): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [relative(root, path)];
  return readdirSync(path).flatMap((entry) => filesUnder(root, join(path, entry)));
}

/**
 * Moves a finished build into dist file by file (each rename is atomic; index.html last; files the new
 * build no longer has go afterwards), so a server reading dist while another process rebuilds it never
 * finds it empty or half-written (a plain `vite build` empties dist first: for a few seconds every page
 * was the "not built yet" page).
 */
function swapIntoDist(staged: string, dist: string): void {
  const fresh = filesUnder(staged);
  const ordered = [...fresh.filter((f) => f !== 'index.html'), ...fresh.filter((f) => f === 'index.html')];
  for (const f of ordered) {
    mkdirSync(dirname(join(dist, f)), { recursive: true });
    renameSync(join(staged, f), join(dist, f));
  }
  const keep = new Set(fresh);
  for (const f of filesUnder(dist)) if (!keep.has(f)) unlinkSync(join(dist, f));
  rmSync(staged, { recursive: true, force: true });
}

/**
 * Runs `vite build` in apps/console into a private directory, then swaps the result into dist;
 * resolves when done, rejects with its output on failure.
 */
export function buildConsole(log: (line: string) => void = () => {}, dir = consoleDir): Promise<void> {
  const staged = join(dir, `.dist-build-${process.pid}-${Date.now()}`);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const proc = spawn(process.execPath, [viteBin(dir), 'build', '--logLevel', 'warn', '--outDir', staged, '--emptyOutDir'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...rawEnv(), NODE_ENV: 'production' },
    });
    let output = '';
    proc.stdout.on('data', (d) => (output += d));
    proc.stderr.on('data', (d) => (output += d));
    proc.on('error', reject);
    proc.on('exit', (code) => {
      if (code === 0) {
        try {
          swapIntoDist(staged, join(dir, 'dist'));
        } catch (e) {
          rmSync(staged, { recursive: true, force: true });
          reject(e);
          return;
        }
        log(`console built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        resolve();
      } else {
        rmSync(staged, { recursive: true, force: true });
        reject(new Error(`console build failed (exit ${code}):\n${output}`));
      }
    });
  });
}

export async function ensureConsoleBuilt(log: (line: string) => void = () => {}, dir = consoleDir): Promise<boolean> {
  const reason = consoleBuildReason(dir);
  if (!reason) return false;
  log(`building the merchant console (${reason})…`);
  await buildConsole(log, dir);
  return true;
}
