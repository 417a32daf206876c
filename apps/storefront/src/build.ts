/**
 * Builds the storefront UI with Vite: a client bundle with hashed names
 * (dist/client, plus its manifest) and the SSR entry (dist/server). A stamp
 * holds a hash of the UI sources, so callers (the launcher, test setup)
 * rebuild only when the sources changed.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const STOREFRONT_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DIST = join(STOREFRONT_ROOT, 'dist');
const UI_DIR = join(STOREFRONT_ROOT, 'src', 'ui');
const STAMP = join(DIST, 'build-stamp.json');

function files(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? files(p) : [p];
    })
    .sort();
}

/** Hash of everything the bundles are made from. */
export function sourceHash(): string {
  const h = createHash('sha256');
  for (const f of [...files(UI_DIR), fileURLToPath(import.meta.url)]) h.update(relative(STOREFRONT_ROOT, f)).update('\0').update(readFileSync(f));
  return h.digest('hex').slice(0, 16);
}

export function storefrontBuildIsStale(): boolean {
  if (!existsSync(STAMP) || !existsSync(join(DIST, 'server', 'entry-server.js'))) return true;
  try {
    return (JSON.parse(readFileSync(STAMP, 'utf8')) as { hash?: string }).hash !== sourceHash();
  } catch {
    return true;
  }
}

export async function buildStorefront(opts: { quiet?: boolean } = {}): Promise<void> {
  const { build } = await import('vite');
  const { default: solid } = await import('vite-plugin-solid');
  const hash = sourceHash();
  const common = { root: STOREFRONT_ROOT, configFile: false as const, logLevel: opts.quiet ? ('warn' as const) : ('info' as const), publicDir: false as const };
  await build({
    ...common,
    plugins: [solid({ ssr: true })],
    build: {
      outDir: join(DIST, 'client'),
      emptyOutDir: true,
      manifest: true,
      target: 'es2020',
      rollupOptions: { input: join(UI_DIR, 'entry-client.tsx') },
    },
  });
  await build({
    ...common,
    plugins: [solid({ ssr: true })],
    build: {
      outDir: join(DIST, 'server'),
      emptyOutDir: true,
      ssr: join(UI_DIR, 'entry-server.tsx'),
      target: 'node20',
      rollupOptions: { output: { entryFileNames: 'entry-server.js' } },
    },
  });
  writeFileSync(STAMP, JSON.stringify({ hash, builtAt: new Date().toISOString() }));
}

/** Builds when missing or stale; returns whether it built. */
export async function ensureStorefrontBuilt(opts: { quiet?: boolean } = {}): Promise<boolean> {
  if (!storefrontBuildIsStale()) return false;
  await buildStorefront(opts);
  return true;
}
