/**
 * Autocomplete through the search service on Postgres
 * (`node --import tsx bench/search/autocomplete.ts [--products 2000] [--connections 4] [--rounds 2]`).
 *
 * A fresh database and store with the latency bench's catalogue (first N rows)
 * indexed by the real indexer, `search_query_stats` filled with the bench's
 * query mix (as if every query had been searched), then the mix's prefixes sent
 * through `StoreSearchService.autocomplete` by closed-loop callers in this
 * process: once reading the popular-query suggestions on every request
 * (`suggestTtlMs: 0`, the round-3 behaviour) and once with the per-prefix
 * cache (default TTL). What differs between the two is the SQL round trip per
 * request. One JSON line per figure on stdout (wall ms per request, CPU ms of
 * this process per request, SQL reads of the suggestions).
 */
import { parseArgs } from 'node:util';
import { migrateTenant, newId } from '@storeloom/db';
import { createTestDatabase } from '@storeloom/db/testing';
import { SearchIndexer, StoreSearchService, searchDb } from '@storeloom/store-search';
import { ADMIN_DATABASE_URL, randomSuffix } from '../lib/env.ts';
import { emit, progress } from '../lib/report.ts';
import { catalogue, latencyQueries } from './catalogue.ts';

const { values } = parseArgs({ options: { products: { type: 'string' }, connections: { type: 'string' }, rounds: { type: 'string' } } });
const products = Number(values.products ?? 2000);
const connections = Number(values.connections ?? 4);
const rounds = Number(values.rounds ?? 2);

const testDb = await createTestDatabase(ADMIN_DATABASE_URL);
const db = testDb.db;
try {
  const schema = `t_${randomSuffix(8)}`;
  await migrateTenant(db, schema);
  const t = db.tenant(schema);
  const rows = catalogue(products);
  for (let i = 0; i < rows.length; i += 500) {
    const batch = rows.slice(i, i + 500).map((r, j) => ({ r, id: newId(), n: i + j }));
    await t
      .insertInto('products')
      .values(
        batch.map(({ r, id, n }) => ({
          id,
          handle: `p-${n}`,
          title: r.title || `Product ${n}`,
          description: r.description,
          vendor: r.vendor,
          product_type: r.type,
          status: 'active' as const,
          tags: r.tags,
          options: '[]',
        })),
      )
      .execute();
    await t
      .insertInto('variants')
      .values(
        batch.map(({ r, id, n }) => ({
          id: newId(),
          product_id: id,
          sku: `SKU-${n}`,
          title: 'Default Title',
          option_values: '{}',
          price: r.price,
          inventory_quantity: n % 7 === 0 ? 0 : 3,
          position: 0,
        })),
      )
      .execute();
  }
  const indexed = await new SearchIndexer(t, schema).reindex();
  const { search, prefixes } = latencyQueries();
  const counts = new Map<string, number>();
  for (const q of search) {
    const k = q.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
    counts.set(k, (counts.get(k) ?? 0) + 1 + (k.length % 5));
  }
  await searchDb(t)
    .insertInto('search_query_stats')
    .values([...counts].map(([query, searches]) => ({ query, searches, last_results: 1, last_at: new Date() })))
    .execute();
  progress(`store: ${indexed.indexed} products indexed, ${counts.size} query stats, ${prefixes.length} prefixes × ${rounds} rounds, ${connections} callers`);
  const store = { id: 'bench', schema };

  for (const [label, suggestTtlMs] of [
    ['uncached', 0],
    ['cached', undefined],
  ] as const) {
    const service = new StoreSearchService(db, suggestTtlMs === undefined ? {} : { suggestTtlMs });
    await service.autocomplete(store, 'warm'); // cold index load, outside the figures
    service.popularStats = { hits: 0, misses: 0 };
    const work = Array.from({ length: rounds }, () => prefixes).flat();
    const times: number[] = [];
    let next = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (next < work.length) {
          const q = work[next++] as string;
          const s = performance.now();
          await service.autocomplete(store, q);
          times.push(performance.now() - s);
        }
      }),
    );
    const wallS = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    times.sort((a, b) => a - b);
    const pct = (p: number) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))] ?? 0;
    const figure = {
      bench: `search.autocomplete-service.${label}`,
      metric: 'ms',
      value: pct(95),
      target: null,
      p50: pct(50),
      p99: pct(99),
      mean: times.reduce((a, b) => a + b, 0) / times.length,
      rps: times.length / wallS,
      cpu_ms_per_request: (cpu.user + cpu.system) / 1000 / times.length,
      sql_reads: service.popularStats.misses,
      requests: times.length,
      products: indexed.indexed,
      connections,
    };
    emit(figure);
    await service.close();
  }
} finally {
  await testDb.drop();
}
