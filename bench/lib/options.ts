/** Command-line options of bench/run.ts (`npm run bench -- [options]`). */
import { parseArgs } from 'node:util';

export interface BenchOptions {
  quick: boolean;
  /** Seconds per measured load run. */
  durationS: number;
  /** Seconds of unmeasured load before each server's first measured run. */
  warmupS: number;
  connections: number;
  /** Rounds of the api group's reads between hello runs (the ratios are medians over rounds). */
  apiRounds: number;
  /** Stores in the database for the "many stores" read (1 read store + fillers). */
  stores: number;
  /** Stores provisioned at a time by the in-process provisioning run. */
  provisionConcurrency: number;
  /** Stores provisioned per fleet provisioning figure. */
  provisionCount: number;
  /** migrateAllTenants concurrency of the fleet group. */
  migrateConcurrency: number;
  /** Load group: stores, seconds, virtual shoppers. */
  loadStores: number;
  loadDurationS: number;
  loadShoppers: number;
  /** Store counts of the two migrateAllTenants runs. */
  migrateSmall: number;
  migrateLarge: number;
  /** Which groups run: api, migrate, embedded, and packages (bench:pricing, bench:inventory when they exist) only with --all. */
  only: ReadonlySet<Group>;
  /** LOG_LEVEL of the control plane under load (info = production's access log). */
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
}

const HELP = `Usage: npm run bench -- [options]

  --quick                  short runs (5 s per load run, 200 stores, migrations 50 vs 500)
  --all                    also run bench:pricing and bench:inventory when their files exist
  --no-embedded            skip the embedded-PGlite variant of the product read
  --duration <s>           seconds per measured load run (default 10, quick 5)
  --connections <n>        concurrent connections (default 20)
  --api-rounds <n>         api: rounds of hello / token / cookie / many-stores runs (default 5, quick 3)
  --stores <n>             stores in the database for the many-stores read (default 1000, quick 200)
  --migrate <small,large>  store counts of the migration runs (default 100,1000, quick 50,500)
  --provision <n>          fleet: stores provisioned per provisioning figure (default 200, quick 20)
  --provision-concurrency <n>  stores provisioned at a time (default 4)
  --migrate-concurrency <n>    fleet: migrateAllTenants concurrency (default 4)
  --load <stores,seconds,shoppers>  load: storefront load test size (default 100,60,40; quick 10,10,10)
  --log-level <level>      control plane LOG_LEVEL under load (default info)
  --only <groups>          comma-separated subset of: api (product reads, provisioning),
                           cpu (server and Postgres CPU µs per product read),
                           migrate, embedded, packages (implies --all), scale (store-role
                           overhead, fair job waits), storefront, search (bench:search --latency
                           at 10k products, 5k with --quick), fleet (many stores on one
                           Postgres: migration, reads, provisioning, memory; not in the default set),
                           load (mixed storefront traffic over many stores; not in the default set),
                           promotions (cart read and checkout with discounts; not in the default set),
                           markets (product page and cart read with 5 markets and 6 languages vs a
                           single-market store; not in the default set),
                           theme (SSR home page with 12 sections vs the default home page;
                           not in the default set),
                           analytics (sales dashboard API p95 with 1,000,000 order lines vs raw-table
                           queries; not in the default set)
  -h, --help

Prints one JSON line per figure on stdout; progress goes to stderr.
Exits 1 when a figure could not be measured; a missed target is reported ("pass": false), not fatal.`;

const LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export const GROUPS = [
  'api',
  'cpu',
  'migrate',
  'embedded',
  'packages',
  'scale',
  'storefront',
  'search',
  'fleet',
  'load',
  'promotions',
  'markets',
  'theme',
  'analytics',
] as const;
export type Group = (typeof GROUPS)[number];

function int(name: string, v: string | undefined, fallback: number, min: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, got ${v}`);
  return n;
}

export function parseOptions(argv: string[] = process.argv.slice(2)): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      all: { type: 'boolean', default: false },
      'no-embedded': { type: 'boolean', default: false },
      duration: { type: 'string' },
      connections: { type: 'string' },
      'api-rounds': { type: 'string' },
      stores: { type: 'string' },
      migrate: { type: 'string' },
      provision: { type: 'string' },
      'provision-concurrency': { type: 'string' },
      'migrate-concurrency': { type: 'string' },
      load: { type: 'string' },
      'log-level': { type: 'string' },
      only: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stderr.write(`${HELP}\n`);
    process.exit(0);
  }
  const quick = values.quick === true;
  const [small, large] = (values.migrate ?? (quick ? '50,500' : '100,1000')).split(',');
  const migrateSmall = int('migrate', small, 100, 1);
  const migrateLarge = int('migrate', large, 1000, 1);
  if (migrateLarge <= migrateSmall) throw new Error('--migrate: the second count must be larger than the first');
  const [ls, ld, lv] = (values.load ?? (quick ? '10,10,10' : '100,60,40')).split(',');
  const logLevel = values['log-level'] ?? 'info';
  if (!(LEVELS as readonly string[]).includes(logLevel)) throw new Error(`--log-level must be one of ${LEVELS.join(', ')}`);
  const only = new Set<Group>();
  for (const g of (values.only ?? 'api,cpu,migrate,embedded,packages,scale,storefront,search').split(',').map((x) => x.trim())) {
    if (!(GROUPS as readonly string[]).includes(g)) throw new Error(`--only: unknown group "${g}" (groups: ${GROUPS.join(', ')})`);
    only.add(g as Group);
  }
  const all = values.all === true || (values.only !== undefined && only.has('packages'));
  if (!all) only.delete('packages');
  if (values['no-embedded']) only.delete('embedded');
  return {
    quick,
    only,
    durationS: int('duration', values.duration, quick ? 5 : 10, 1),
    warmupS: quick ? 2 : 3,
    connections: int('connections', values.connections, 20, 1),
    apiRounds: int('api-rounds', values['api-rounds'], quick ? 3 : 5, 1),
    stores: int('stores', values.stores, quick ? 200 : 1000, 2),
    provisionConcurrency: int('provision-concurrency', values['provision-concurrency'], 4, 1),
    provisionCount: int('provision', values.provision, quick ? 20 : 200, 1),
    migrateConcurrency: int('migrate-concurrency', values['migrate-concurrency'], 4, 1),
    loadStores: int('load', ls, 100, 1),
    loadDurationS: int('load', ld, 60, 1),
    loadShoppers: int('load', lv, 40, 1),
    migrateSmall,
    migrateLarge,
    logLevel: logLevel as BenchOptions['logLevel'],
  };
}
