/** Files the benchmarks start, resolved from this file so nothing depends on the machine's layout. */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));

export const ROOT = here('../../');
export const CONTROL_PLANE_MAIN = here('../../apps/control-plane/src/main.ts');
export const HELLO_SERVER = here('../hello-server.ts');
export const EMBEDDED_DB_SERVER = here('../embedded-db-server.ts');
export const PRICING_BENCH = here('../../packages/pricing/bench/pricing.ts');
export const INVENTORY_BENCH = here('../../packages/inventory/bench/inventory.ts');
/** autocannon's CLI, run as its own process so the load generator never shares a process with a server. */
export const AUTOCANNON_CLI = createRequire(import.meta.url).resolve('autocannon/autocannon.js');
