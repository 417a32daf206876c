/**
 * Many-stores figures on one Postgres (`npm run bench -- --only fleet --migrate 1000,10000`):
 *
 *   fleet.migrate-all          migrateAllTenants time over fresh schemas: time(small) / time(large)
 *                              (>= 0.9 × small/large, i.e. linear: 0.09 for 1,000 vs 10,000). Small runs
 *                              before and after the large one on fresh databases (averaged), after an untimed
 *                              warm-up on a third; per-tenth times of the large run show whether it slows down.
 *   fleet.provision            StoreService.create throughput (stores/s) in databases already holding 1,
 *                              small and large stores (three lines)
 *   fleet.api-read             GET product through the real control plane, large-count database vs 1 store
 *                              (>= 0.8), interleaved A B B A
 *   fleet.storefront-read      SSR product page through the real storefront, the same comparison (>= 0.8)
 *   fleet.catalog              per-store catalogue overhead: (catalogue size at large − at 1) / (large − 1)
 *   fleet.relcache             catalogue cache of one connection after reading 1..N stores (MB per store read)
 *   fleet.pg-memory            Postgres backend PSS/RSS of the bench databases per phase (from /proc)
 *
 * The large database is migrated once and reused for the reads and the provisioning figure: its stores were
 * created by migrateAllTenants (the same schemas, roles and migrations provisioning makes) and then marked
 * active; they have no membership or audit rows, which the reads never touch.
 */
import { type Database, describeConcurrencyCap, migrateAllTenants, migrations } from '@storeloom/db';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { ensureStorefrontBuilt } from '../../apps/storefront/src/build.ts';
import { bearer, type ReadFixture, setUpReadFixture } from './api.ts';
import { type ChildServer, startServer } from './child.ts';
import { type BenchDatabase, createBenchDatabase, openDatabase } from './database.ts';
import { childEnv, REDIS_URL, randomSuffix } from './env.ts';
import type { LoadResult } from './load.ts';
import { BackendMemorySampler, type CatalogSize, catalogCacheGrowth, catalogSize } from './pgmem.ts';
import { emit, emitError, progress } from './report.ts';
import { startRedisControlPlane } from './servers.ts';
import { createOwner, insertUnprovisionedStores, provisionStores } from './stores.ts';

type Load = (label: string, url: string, headers?: Record<string, string>, durationS?: number) => Promise<LoadResult>;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const STOREFRONT_MAIN = fileURLToPath(new URL('../../apps/storefront/src/main.ts', import.meta.url));

export interface FleetOptions {
  small: number;
  large: number;
  /** Stores provisioned per provisioning figure. */
  provisionCount: number;
  provisionConcurrency: number;
  migrateConcurrency: number;
  load: Load;
  warmUp: Load;
  logLevel: string;
  common: Record<string, unknown>;
}

interface Fleet {
  database: BenchDatabase;
  db: Database;
  close(): Promise<void>;
  drop(): Promise<void>;
}

async function fleetDatabase(label: string, stores: number, sampler: BackendMemorySampler, poolMax: number): Promise<Fleet> {
  const database = await createBenchDatabase(label);
  sampler.watch(database.name);
  const { db, close } = await openDatabase(database.url, poolMax);
  const owner = await createOwner(db);
  if (stores) await insertUnprovisionedStores(db, owner, stores);
  return {
    database,
    db,
    close,
    drop: async () => {
      await close();
      await database.drop();
    },
  };
}

/** Times migrateAllTenants; `tenths` are the cumulative ms at each tenth of the stores. */
async function timedMigration(db: Database, n: number, concurrency: number): Promise<{ ms: number; tenths: number[]; concurrencyUsed: number }> {
  const step = Math.max(1, Math.round(n / 10));
  const tenths: number[] = [];
  let concurrencyUsed = concurrency;
  progress(`migrateAllTenants over ${n} fresh store schemas (concurrency ${concurrency} asked)`);
  const t0 = performance.now();
  const r = await migrateAllTenants(db, {
    concurrency,
    onConcurrencyCapped: (cap) => {
      concurrencyUsed = cap.used;
      progress(`  ${describeConcurrencyCap(cap)}`);
    },
    onProgress: ({ done, total }) => {
      if (done % step === 0 || done === total) {
        tenths.push(performance.now() - t0);
        progress(`  migrated ${done}/${total} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
      }
    },
  });
  const ms = performance.now() - t0;
  if (r.failed.length) throw new Error(`${r.failed.length} schemas failed to migrate, e.g. ${r.failed[0]?.error}`);
  if (r.total !== n || r.migrated !== n) throw new Error(`expected ${n} schemas migrated, got ${r.migrated} of ${r.total}`);
  progress(`  ${n} schemas in ${(ms / 1000).toFixed(1)} s`);
  return { ms, tenths, concurrencyUsed };
}

/** Marks migrated stores active, as provisioning leaves them. */
async function activate(db: Database): Promise<number> {
  const r = await db.control
    .updateTable('stores')
    .set({ status: 'active' })
    .where('status', '=', 'provisioning')
    .where('schema_version', 'is not', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

async function countStores(db: Database): Promise<number> {
  return (
    await db.control
      .selectFrom('stores')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'active')
      .executeTakeFirstOrThrow()
  ).n;
}

function startStorefront(name: string, databaseUrl: string, logLevel: string): Promise<ChildServer> {
  return startServer(name, STOREFRONT_MAIN, {
    env: childEnv({
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      REDIS_URL,
      QUEUE_PREFIX: `bench_${randomSuffix()}`,
      STOREFRONT_PORT: '0',
      HOST: '127.0.0.1',
      STORE_ROOT_DOMAIN: 'localhost',
      STOREFRONT_SECRET: `bench-${randomSuffix(16)}`,
      LOG_LEVEL: logLevel,
      RATE_LIMIT_PER_IP: '0',
      RATE_LIMIT_PER_STORE: '0',
    }),
  });
}

function getStatus(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { host } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

async function slugOf(db: Database, storeId: string): Promise<string> {
  return (await db.control.selectFrom('stores').select('slug').where('id', '=', storeId).executeTakeFirstOrThrow()).slug;
}

const sampleMem = (sampler: BackendMemorySampler, phase: string) => sampler.summary(phase);

export async function fleetFigures(o: FleetOptions): Promise<void> {
  const { small, large } = o;
  const sampler = new BackendMemorySampler();
  await sampler.start();
  const catalogs: Record<string, CatalogSize> = {};
  const owned: Fleet[] = [];
  const pool = o.migrateConcurrency + 2;
  try {
    // ---- migrations -------------------------------------------------------------------------
    let largeFleet: Fleet | null = null;
    let smallFleet: Fleet | null = null;
    const target = `>=${Math.round((small / large) * 0.9 * 10000) / 10000}` as const;
    try {
      await migrations('tenant');
      const warm = await fleetDatabase('fleet_warm', Math.min(small, 200), sampler, pool);
      sampler.setPhase('migrate warm-up');
      progress(`warm-up: migrateAllTenants over ${Math.min(small, 200)} schemas (untimed)`);
      await migrateAllTenants(warm.db, { concurrency: o.migrateConcurrency });
      await warm.drop();

      const s1 = await fleetFigureDb('fleet_small_a', small);
      sampler.setPhase(`migrate ${small}`);
      const first = await timedMigration(s1.db, small, o.migrateConcurrency);
      // Dropped at the end with the others (a mid-run drop of hundreds of schemas is minutes of I/O).
      owned.push(s1);
      largeFleet = await fleetFigureDb('fleet_large', large);
      owned.push(largeFleet);
      sampler.setPhase(`migrate ${large}`);
      const big = await timedMigration(largeFleet.db, large, o.migrateConcurrency);
      smallFleet = await fleetFigureDb('fleet_small_b', small);
      owned.push(smallFleet);
      sampler.setPhase(`migrate ${small}`);
      const second = await timedMigration(smallFleet.db, small, o.migrateConcurrency);
      const smallMs = mean([first.ms, second.ms]);
      const perTenth = big.tenths.map((t, i) => t - (big.tenths[i - 1] ?? 0));
      emit({
        bench: 'fleet.migrate-all',
        metric: 'time_ratio_small_vs_large',
        value: smallMs / big.ms,
        target,
        small_stores: small,
        large_stores: large,
        small_ms: smallMs,
        small_ms_runs: [first.ms, second.ms],
        large_ms: big.ms,
        small_ms_per_store: smallMs / small,
        large_ms_per_store: big.ms / large,
        large_ms_per_tenth: perTenth,
        concurrency: o.migrateConcurrency,
        // What migrateAllTenants ran after fitting the lock table (packages/db/src/migrator.ts, lock-table-aware concurrency).
        concurrency_used: big.concurrencyUsed,
        memory: sampleMem(sampler, `migrate ${large}`),
        ...o.common,
      });
    } catch (e) {
      emitError('fleet.migrate-all', 'time_ratio_small_vs_large', target, e, o.common);
      throw e;
    }

    // ---- catalogue size and cache -------------------------------------------------------------
    await activate(largeFleet.db);
    await activate(smallFleet.db);
    const one = await fleetFigureDb('fleet_one', 0);
    owned.push(one);
    try {
      catalogs['1'] = await catalogSize(one.database.url);
      catalogs[String(small)] = await catalogSize(smallFleet.database.url);
      catalogs[String(large)] = await catalogSize(largeFleet.database.url);
      const c1 = catalogs['1'] as CatalogSize;
      const cl = catalogs[String(large)] as CatalogSize;
      emit({
        bench: 'fleet.catalog',
        metric: 'catalog_kb_per_store',
        value: ((cl.catalog_mb - c1.catalog_mb) * 1024) / (large - 1),
        target: null,
        pg_class_rows_per_store: (cl.pg_class_rows - c1.pg_class_rows) / (large - 1),
        database_kb_per_store: ((cl.database_mb - c1.database_mb) * 1024) / (large - 1),
        catalogs,
        ...o.common,
      });
    } catch (e) {
      emitError('fleet.catalog', 'catalog_kb_per_store', null, e, o.common);
    }
    try {
      const schemas = (await largeFleet.db.control.selectFrom('stores').select('schema_name').orderBy('id').limit(1000).execute()).map((r) => r.schema_name);
      const growth = await catalogCacheGrowth(
        largeFleet.database.url,
        schemas,
        [1, 10, 100, 1000].filter((n) => n <= schemas.length),
      );
      const last = growth.at(-1) as { stores_read: number; cache_mb: number };
      const firstG = growth[0] as { stores_read: number; cache_mb: number };
      emit({
        bench: 'fleet.relcache',
        metric: 'cache_kb_per_store_read',
        value: ((last.cache_mb - firstG.cache_mb) * 1024) / Math.max(1, last.stores_read),
        target: null,
        growth,
        note: 'CacheMemoryContext (+children) of one backend after reading products+variants of N stores',
        ...o.common,
      });
    } catch (e) {
      emitError('fleet.relcache', 'cache_kb_per_store_read', null, e, o.common);
    }

    // ---- reads: API and storefront, large vs 1 ---------------------------------------------------
    const readTargets: { label: string; fleet: Fleet; cp?: ChildServer; sf?: ChildServer; fixture?: ReadFixture; slug?: string }[] = [
      { label: '1', fleet: one },
      { label: String(large), fleet: largeFleet },
    ];
    try {
      progress('building the storefront UI if stale');
      await ensureStorefrontBuilt({ quiet: true });
      for (const t of readTargets) {
        t.cp = await startRedisControlPlane(t.fleet.database.url, o.logLevel, `control-plane-${t.label}`);
        t.fixture = await setUpReadFixture(`http://127.0.0.1:${t.cp.port}`);
        t.slug = await slugOf(t.fleet.db, t.fixture.storeId);
        t.sf = await startStorefront(`storefront-${t.label}`, t.fleet.database.url, o.logLevel);
      }
      const [a, b] = readTargets as [Required<(typeof readTargets)[0]>, Required<(typeof readTargets)[0]>];
      progress(`read targets: 1 store (${await countStores(a.fleet.db)} active) and ${await countStores(b.fleet.db)} active stores`);
      const apiUrl = (t: typeof a) => `${t.fixture.baseUrl}${t.fixture.path}`;
      const sfUrl = (t: typeof a) => `http://127.0.0.1:${t.sf.port}/products/linen-shirt`;
      const sfHost = (t: typeof a) => ({ host: `${t.slug}.localhost` });
      for (const t of [a, b]) {
        const st = await getStatus(sfUrl(t), sfHost(t).host);
        if (st !== 200) throw new Error(`storefront product page of ${t.label} answered ${st}`);
      }
      for (const [bench, url, headers] of [
        ['fleet.api-read', apiUrl, (t: typeof a) => bearer(t.fixture)],
        ['fleet.storefront-read', sfUrl, sfHost],
      ] as const) {
        try {
          sampler.setPhase(`${bench} 1`);
          await o.warmUp(`${bench} 1 store`, url(a), headers(a));
          sampler.setPhase(`${bench} ${large}`);
          await o.warmUp(`${bench} ${large} stores`, url(b), headers(b));
          sampler.setPhase(`${bench} 1`);
          const a1 = await o.load(`${bench} 1 store`, url(a), headers(a));
          sampler.setPhase(`${bench} ${large}`);
          const b1 = await o.load(`${bench} ${large} stores`, url(b), headers(b));
          const b2 = await o.load(`${bench} ${large} stores`, url(b), headers(b));
          sampler.setPhase(`${bench} 1`);
          const a2 = await o.load(`${bench} 1 store`, url(a), headers(a));
          const oneRps = mean([a1.rps, a2.rps]);
          const manyRps = mean([b1.rps, b2.rps]);
          emit({
            bench,
            metric: 'ratio_vs_1_store',
            value: manyRps / oneRps,
            target: '>=0.8',
            stores: large,
            rps: manyRps,
            rps_runs: [b1.rps, b2.rps],
            rps_1_store: oneRps,
            rps_1_store_runs: [a1.rps, a2.rps],
            latency_p50_ms: mean([b1.latencyP50Ms, b2.latencyP50Ms]),
            latency_p99_ms: Math.max(b1.latencyP99Ms, b2.latencyP99Ms),
            latency_p50_ms_1_store: mean([a1.latencyP50Ms, a2.latencyP50Ms]),
            latency_p99_ms_1_store: Math.max(a1.latencyP99Ms, a2.latencyP99Ms),
            memory: sampleMem(sampler, `${bench} ${large}`),
            memory_1_store: sampleMem(sampler, `${bench} 1`),
            ...(bench === 'fleet.storefront-read' ? { page_cache: 'storefront page cache on (5 s TTL, the default)' } : { auth: 'bearer' }),
            ...o.common,
          });
        } catch (e) {
          emitError(bench, 'ratio_vs_1_store', '>=0.8', e, o.common);
        }
      }
    } catch (e) {
      emitError('fleet.api-read', 'ratio_vs_1_store', '>=0.8', e, { phase: 'setup', ...o.common });
      emitError('fleet.storefront-read', 'ratio_vs_1_store', '>=0.8', e, { phase: 'setup', ...o.common });
    } finally {
      for (const t of readTargets) {
        await t.sf?.stop();
        await t.cp?.stop();
      }
    }

    // ---- provisioning throughput at 1, small, large ------------------------------------------------
    for (const [label, fleet] of [
      ['1', one],
      [String(small), smallFleet],
      [String(large), largeFleet],
    ] as const) {
      try {
        const before = await countStores(fleet.db);
        const owner = await createOwner(fleet.db);
        sampler.setPhase(`provision at ${label}`);
        progress(`provisioning ${o.provisionCount} stores into a database with ${before} stores (${o.provisionConcurrency} at a time)`);
        const p = await provisionStores(fleet.db, owner, o.provisionCount, o.provisionConcurrency);
        emit({
          bench: 'fleet.provision',
          metric: 'stores_per_second',
          value: p.storesPerSecond,
          target: null,
          stores_before: before,
          stores: p.count,
          concurrency: p.concurrency,
          ms_per_store: p.ms / p.count,
          via: 'StoreService.create in the bench process',
          memory: sampleMem(sampler, `provision at ${label}`),
          ...o.common,
        });
      } catch (e) {
        emitError('fleet.provision', 'stores_per_second', null, e, { stores_before: label, ...o.common });
      }
    }

    // ---- memory summary --------------------------------------------------------------------------
    const phases = sampler
      .phases()
      .map((p) => sampler.summary(p))
      .filter(Boolean);
    if (sampler.available && phases.length)
      emit({
        bench: 'fleet.pg-memory',
        metric: 'pss_mb_max',
        value: Math.max(...phases.map((p) => p?.pss_mb_max ?? 0)),
        target: null,
        phases,
        note: 'sum over the backends connected to this run’s databases, /proc/<pid>/smaps_rollup',
        ...o.common,
      });
    else emitError('fleet.pg-memory', 'pss_mb_max', null, new Error('backend memory not readable'), o.common);
  } finally {
    await sampler.stop();
    for (const f of owned.reverse()) await f.drop().catch(() => {});
  }

  async function fleetFigureDb(label: string, stores: number): Promise<Fleet> {
    return fleetDatabase(label, stores, sampler, pool);
  }
}
