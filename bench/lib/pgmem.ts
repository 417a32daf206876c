/**
 * Postgres memory and catalogue size, for the many-stores figures.
 *
 * - Backend memory: the backends connected to the bench's own databases (pg_stat_activity), their
 *   RSS and PSS summed from /proc/<pid>/smaps_rollup (PSS shares shared_buffers pages fairly; RSS counts
 *   every shared page in every backend). Sampled every few seconds per named phase; peak and mean kept.
 *   Needs the bench to run as root or as the postgres user (else: reported as unavailable).
 * - Catalogue size: pg_total_relation_size of the database's own (non-shared) catalogue tables.
 * - Catalogue cache: CacheMemoryContext (and its children) of one connection after it has read
 *   N stores' schemas, from pg_backend_memory_contexts (PG 14+): what pool recycling bounds.
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { ADMIN_DATABASE_URL } from './env.ts';
import { progress } from './report.ts';

export interface MemSample {
  backends: number;
  rssKb: number;
  pssKb: number;
}

function readRollup(pid: number): { rss: number; pss: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? Number.NaN);
    const rss = kb('Rss');
    const pss = kb('Pss');
    return Number.isFinite(rss) && Number.isFinite(pss) ? { rss, pss } : null;
  } catch {
    return null;
  }
}

export interface PhaseMemory {
  phase: string;
  samples: number;
  backends_max: number;
  pss_mb_max: number;
  pss_mb_mean: number;
  rss_mb_max: number;
  /** Per backend, at the sample with the highest PSS sum. */
  pss_mb_per_backend_at_max: number;
}

/** Samples the memory of the backends of `databases` every `everyMs`, attributing samples to the current phase. */
export class BackendMemorySampler {
  private readonly client: pg.Client;
  private readonly databases = new Set<string>();
  private phase = 'idle';
  private readonly byPhase = new Map<string, MemSample[]>();
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  available = true;

  constructor(private readonly everyMs = 3000) {
    this.client = new pg.Client({ connectionString: ADMIN_DATABASE_URL, application_name: 'storeloom-bench-memory' });
  }

  async start(): Promise<void> {
    await this.client.connect();
    this.client.on('error', () => {});
    const own = (await this.client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid ?? 0;
    if (!readRollup(own)) {
      this.available = false;
      progress('memory: /proc/<postgres pid>/smaps_rollup is not readable (run as root or postgres): backend memory not measured');
    }
    this.timer = setInterval(() => void this.sample(), this.everyMs);
  }

  watch(database: string): void {
    this.databases.add(database);
  }

  setPhase(phase: string): void {
    this.phase = phase;
  }

  async sample(): Promise<MemSample | null> {
    if (this.busy || !this.available || this.databases.size === 0) return null;
    this.busy = true;
    try {
      const { rows } = await this.client.query<{ pid: number }>('select pid from pg_stat_activity where datname = any($1::text[])', [[...this.databases]]);
      const s: MemSample = { backends: 0, rssKb: 0, pssKb: 0 };
      for (const r of rows) {
        const m = readRollup(r.pid);
        if (!m) continue;
        s.backends++;
        s.rssKb += m.rss;
        s.pssKb += m.pss;
      }
      const list = this.byPhase.get(this.phase) ?? [];
      list.push(s);
      this.byPhase.set(this.phase, list);
      return s;
    } catch {
      return null;
    } finally {
      this.busy = false;
    }
  }

  summary(phase: string): PhaseMemory | null {
    const list = (this.byPhase.get(phase) ?? []).filter((s) => s.backends > 0);
    if (!list.length) return null;
    const top = list.reduce((a, b) => (b.pssKb > a.pssKb ? b : a));
    const mb = (kb: number) => kb / 1024;
    return {
      phase,
      samples: list.length,
      backends_max: Math.max(...list.map((s) => s.backends)),
      pss_mb_max: mb(top.pssKb),
      pss_mb_mean: mb(list.reduce((n, s) => n + s.pssKb, 0) / list.length),
      rss_mb_max: mb(Math.max(...list.map((s) => s.rssKb))),
      pss_mb_per_backend_at_max: mb(top.pssKb / top.backends),
    };
  }

  phases(): string[] {
    return [...this.byPhase.keys()];
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.client.end().catch(() => {});
  }
}

export interface CatalogSize {
  database_mb: number;
  catalog_mb: number;
  pg_class_rows: number;
  /** pg_total_relation_size in MB of the largest catalogue tables. */
  tables_mb: Record<string, number>;
}

/** Size of the database's own catalogue (pg_catalog tables that are not shared across the cluster). */
export async function catalogSize(url: string): Promise<CatalogSize> {
  const c = new pg.Client({ connectionString: url, application_name: 'storeloom-bench-catalog' });
  await c.connect();
  try {
    const mb = (b: string | number) => Number(b) / 1024 / 1024;
    const total = await c.query<{ catalog: string; database: string; classes: string }>(
      `select sum(pg_total_relation_size(c.oid)) as catalog, pg_database_size(current_database()) as database,
              (select count(*) from pg_class) as classes
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'pg_catalog' and c.relkind = 'r' and not c.relisshared`,
    );
    const top = await c.query<{ relname: string; size: string }>(
      `select c.relname, pg_total_relation_size(c.oid) as size
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'pg_catalog' and c.relkind = 'r' and not c.relisshared
        order by 2 desc limit 8`,
    );
    const row = total.rows[0];
    return {
      database_mb: mb(row?.database ?? 0),
      catalog_mb: mb(row?.catalog ?? 0),
      pg_class_rows: Number(row?.classes ?? 0),
      tables_mb: Object.fromEntries(top.rows.map((r) => [r.relname, Math.round(mb(r.size) * 10) / 10])),
    };
  } finally {
    await c.end();
  }
}

/**
 * CacheMemoryContext of one fresh connection (with its children: relcache index info etc.) after it has
 * read the products and variants of the first n stores, for each n of `steps` (ascending).
 */
export async function catalogCacheGrowth(url: string, schemas: string[], steps: number[]): Promise<{ stores_read: number; cache_mb: number }[]> {
  const c = new pg.Client({ connectionString: url, application_name: 'storeloom-bench-relcache' });
  await c.connect();
  try {
    const cacheBytes = async () =>
      Number(
        (
          await c.query<{ b: string }>(
            `select coalesce(sum(total_bytes), 0) as b from pg_backend_memory_contexts
              where name = 'CacheMemoryContext' or parent = 'CacheMemoryContext'`,
          )
        ).rows[0]?.b ?? 0,
      );
    const out: { stores_read: number; cache_mb: number }[] = [{ stores_read: 0, cache_mb: (await cacheBytes()) / 1024 / 1024 }];
    let read = 0;
    for (const n of steps) {
      for (; read < Math.min(n, schemas.length); read++) {
        const s = schemas[read] as string;
        await c.query(
          `select p.id, v.id from "${s}".products p left join "${s}".variants v on v.product_id = p.id where p.id = '00000000-0000-0000-0000-000000000000'`,
        );
      }
      out.push({ stores_read: read, cache_mb: (await cacheBytes()) / 1024 / 1024 });
    }
    return out;
  } finally {
    await c.end();
  }
}
