/** Locations relative to this file: never absolute paths of a machine. */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** Repository root (packages/inventory/bench -> ../../..). */
export const repoRoot = resolve(here, '..', '..', '..');
/** The read-only shared folder next to the checkout (`../shared` from the repo root). */
export const sharedDir = resolve(repoRoot, '..', 'shared');
export const backtestScript = resolve(sharedDir, 'bench', 'inventory', 'backtest.mjs');
export const referencePolicy = resolve(sharedDir, 'bench', 'inventory', 'policies', 'reorder-point.mjs');
export const policyAdapter = resolve(here, 'policy.ts');
