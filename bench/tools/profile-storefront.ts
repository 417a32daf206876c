/**
 * The storefront's catalogue pages under the bench's load (issue 23, target 2): the bench's shop (bench/lib/storefront.ts
 * `shopDatabase`), a storefront process, and a pre-rendered static copy of each page (bench/static-page-server.ts), with
 * server CPU µs per request (and the Postgres backends' µs) over a fixed number of requests per page.
 *
 * Profile (default): the storefront runs with `--cpu-prof`, and the profile is summarised over exactly each page's
 * window (the driver's process.hrtime and V8's profile timestamps are the same monotonic clock).
 *
 *   node --import tsx bench/tools/profile-storefront.ts [--requests N] [--top N] [--out DIR] [--pages product,home,collection]
 *        [--tree <checkout>]   (the storefront of another checkout, e.g. main before a change; default this tree)
 *
 * A/B (`--base <checkout>`, e.g. a worktree of main): a storefront from that checkout (A) and one from this tree (B) on
 * the same database, no profiler; first both must answer each page with the same HTML and the same headers but the
 * per-request ones (request id, trace context), then alternating rounds (A, B, static copy; B, A, static copy…), so
 * both see the same machine load. Prints each round, the medians and the CPU ratios static / SSR.
 *
 *   node --import tsx bench/tools/profile-storefront.ts --base ../main-copy [--requests N] [--rounds R]
 */
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ChildServer, startServer } from '../lib/child.ts';
import { cleanupAll } from '../lib/cleanup.ts';
import { cpuPerRequest } from '../lib/cpu.ts';
import { childEnv } from '../lib/env.ts';
import { STATIC_SERVER, shopDatabase, startStorefront } from '../lib/storefront.ts';
import { profileStartUs, summarise } from './profile-summary.ts';
import { flagValue, median, nowUs } from '../lib/cli.ts';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => flagValue(args, name) ?? fallback;
const requests = Number(flag('--requests', '5000'));
const rounds = Number(flag('--rounds', '5'));
const top = Number(flag('--top', '30'));
const base = flag('--base', '');
const tree = flag('--tree', '');
const PAGES: Record<string, string> = { product: '/products/washed-linen-shirt', home: '/', collection: '/collections/summer' };
const pages = flag('--pages', 'product,home').split(',');
for (const p of pages) if (!PAGES[p]) throw new Error(`--pages: unknown page ${p} (${Object.keys(PAGES).join(', ')})`);

/** GET with an explicit Host header; the body and the headers as sent. */
function get(url: string, host?: string): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: host ? { host } : {} }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      })
      .on('error', reject);
  });
}

/** The headers that must not differ between two servers answering the same request (all but the per-request ones). */
const stableHeaders = (h: http.IncomingHttpHeaders) =>
  JSON.stringify(
    Object.entries(h)
      .filter(([k]) => !['x-request-id', 'traceparent', 'date', 'connection', 'keep-alive'].includes(k))
      .sort(([a], [b]) => a.localeCompare(b)),
  );

try {
  if (!base) {
    const out = flag('--out', `/tmp/storeloom-sf-profile-${Date.now()}`);
    mkdirSync(out, { recursive: true });
    process.env.BENCH_CPU_PROF = out;
  }
  const shop = await shopDatabase('sf_prof', 0);
  const host = `${shop.slug}.localhost`;
  const servers: { name: string; server: ChildServer }[] = [];
  if (base) servers.push({ name: 'A', server: await startStorefront('storefront-a', shop.database.url, 'info', join(base, 'apps/storefront/src/main.ts')) });
  const entry = tree ? join(tree, 'apps/storefront/src/main.ts') : undefined;
  servers.push({ name: base ? 'B' : 'storefront', server: await startStorefront('storefront-b', shop.database.url, 'info', entry) });
  const dir = mkdtempSync(join(tmpdir(), 'storeloom-sf-profile-'));
  const copies = new Map<string, { server: ChildServer; url: string }>();
  for (const page of pages) {
    const path = PAGES[page] as string;
    const answers = await Promise.all(servers.map((s) => get(`http://127.0.0.1:${s.server.port}${path}`, host)));
    const first = answers[0] as Awaited<ReturnType<typeof get>>;
    if (first.status !== 200) throw new Error(`${path} answered ${first.status}`);
    for (const [i, a] of answers.entries()) {
      if (a.body !== first.body) throw new Error(`${path}: ${servers[i]?.name} rendered different HTML from ${servers[0]?.name}`);
      if (stableHeaders(a.headers) !== stableHeaders(first.headers))
        throw new Error(
          `${path}: ${servers[i]?.name} sent other headers than ${servers[0]?.name}:\n${stableHeaders(a.headers)}\n${stableHeaders(first.headers)}`,
        );
    }
    console.log(`${page} (${path}): ${first.body.length} bytes${base ? ', same HTML and headers from A and B' : ''}`);
    const file = join(dir, `${page}.html`);
    writeFileSync(file, first.body);
    const server = await startServer(`static-${page}`, STATIC_SERVER, { env: childEnv({ NODE_ENV: 'production' }), args: ['0', file] });
    copies.set(page, { server, url: `http://127.0.0.1:${server.port}${path}` });
  }
  const ssr = (s: ChildServer, page: string, label: string, amount = requests) =>
    cpuPerRequest({
      label,
      url: `http://127.0.0.1:${s.port}${PAGES[page]}`,
      headers: { host },
      pid: s.pid,
      database: shop.database.name,
      amount,
      connections: 20,
    });
  const copy = (page: string, label: string, amount = requests) => {
    const c = copies.get(page) as { server: ChildServer; url: string };
    return cpuPerRequest({ label, url: c.url, pid: c.server.pid, amount, connections: 20 });
  };
  for (const page of pages) {
    for (const s of servers) await ssr(s.server, page, `warm-up ${s.name} ${page}`, 3000);
    await copy(page, `warm-up static ${page}`, 3000);
  }

  if (!base) {
    const s = servers[0]?.server as ChildServer;
    const windows: { label: string; fromUs: number; toUs: number; serverUs: number; postgresUs: number | null; rps: number; copyUs: number }[] = [];
    for (const page of pages) {
      const fromUs = nowUs();
      const r = await ssr(s, page, page);
      const toUs = nowUs();
      const c = await copy(page, `static ${page}`);
      windows.push({ label: page, fromUs, toUs, serverUs: r.serverUs, postgresUs: r.postgresUs, rps: r.load.rps, copyUs: c.serverUs });
    }
    await s.stop();
    const file = readdirSync(process.env.BENCH_CPU_PROF as string).find((f) => f.includes(`.${s.pid}.0.`) && f.endsWith('.cpuprofile'));
    if (!file) throw new Error(`no profile of pid ${s.pid}`);
    const path = join(process.env.BENCH_CPU_PROF as string, file);
    const start = profileStartUs(path);
    for (const w of windows)
      console.log(
        `\n## ${w.label}: ${requests} requests, server ${w.serverUs.toFixed(0)} µs/request (static copy ${w.copyUs.toFixed(0)} µs, ratio ${(w.copyUs / w.serverUs).toFixed(3)}), Postgres ${w.postgresUs?.toFixed(1)} µs/request, ${w.rps.toFixed(0)} req/s\n${summarise(path, { fromS: (w.fromUs - start) / 1e6, toS: (w.toUs - start) / 1e6, top })}`,
      );
    console.log(`\nprofile: ${path}`);
  } else {
    const results: Record<string, number[]> = {};
    const record = (key: string, v: number) => {
      results[key] ??= [];
      results[key].push(v);
    };
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 ? [...servers].reverse() : servers;
      for (const page of pages) {
        for (const s of order) {
          const r = await ssr(s.server, page, `${s.name} ${page}`);
          record(`${s.name} ${page}`, r.serverUs);
          record(`${s.name} ${page} postgres`, r.postgresUs ?? 0);
          console.log(
            `round ${round} ${s.name} ${page}: server ${r.serverUs.toFixed(1)} µs, Postgres ${r.postgresUs?.toFixed(1)} µs, ${r.load.rps.toFixed(0)} req/s`,
          );
        }
        const c = await copy(page, `static ${page}`);
        record(`static ${page}`, c.serverUs);
        console.log(`round ${round} static ${page}: server ${c.serverUs.toFixed(1)} µs, ${c.load.rps.toFixed(0)} req/s`);
      }
    }
    console.log(`\nmedians over ${rounds} rounds of ${requests} requests (A = ${base}, B = this tree):`);
    for (const [key, values] of Object.entries(results))
      console.log(`  ${key.padEnd(26)} ${median(values).toFixed(1)} µs   [${values.map((v) => v.toFixed(0)).join(', ')}]`);
    for (const page of pages)
      for (const s of servers)
        console.log(
          `  ${s.name} ${page}: static/SSR CPU ratio ${(median(results[`static ${page}`] ?? []) / median(results[`${s.name} ${page}`] ?? [])).toFixed(3)}`,
        );
  }
} finally {
  await cleanupAll();
}
