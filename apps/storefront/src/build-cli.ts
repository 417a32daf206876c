/**
 * `npm run build -w @storeloom/storefront`: builds the storefront UI.
 * `--if-stale` builds only when the sources changed since the last build and
 * `--quiet` keeps Vite to warnings: the launcher (apps/platform) runs it so, as
 * a child process, since an app never imports another app.
 */
import { buildStorefront, storefrontBuildIsStale } from './build.ts';

const args = new Set(process.argv.slice(2));
if (!args.has('--if-stale') || storefrontBuildIsStale()) {
  if (args.has('--if-stale')) process.stdout.write('[storeloom] building the storefront UI (vite)\n');
  await buildStorefront({ quiet: args.has('--quiet') });
}
