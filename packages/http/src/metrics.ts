/**
 * Prometheus text-format metrics without a dependency. Label values come from
 * small fixed sets (method, status class, matched route pattern, app), never
 * from ids or raw paths, so the number of series stays bounded.
 */
import type { Context, MiddlewareHandler } from 'hono';

type Labels = Record<string, string>;
/** Label sets reused across calls (httpMetrics keeps one per method/route/status) render their key once. */
const renderedKeys = new WeakMap<Labels, string>();
const key = (l: Labels) => {
  let k = renderedKeys.get(l);
  if (k === undefined) {
    k = renderKey(l);
    renderedKeys.set(l, k);
  }
  return k;
};
const renderKey = (l: Labels) =>
  Object.entries(l)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class MetricsRegistry {
  private readonly counters = new Map<string, { help: string; values: Map<string, number> }>();
  private readonly histograms = new Map<string, { help: string; values: Map<string, { buckets: number[]; sum: number; count: number }> }>();
  private readonly collectors: (() => Promise<string> | string)[] = [];
  /** Hard cap per metric: a bug that leaks an id into a label stops adding series instead of exhausting memory. */
  private readonly maxSeries = 2000;

  inc(name: string, help: string, labels: Labels, by = 1): void {
    let c = this.counters.get(name);
    if (!c) {
      c = { help, values: new Map() };
      this.counters.set(name, c);
    }
    const k = key(labels);
    if (!c.values.has(k) && c.values.size >= this.maxSeries) return;
    c.values.set(k, (c.values.get(k) ?? 0) + by);
  }

  observe(name: string, help: string, labels: Labels, seconds: number): void {
    let h = this.histograms.get(name);
    if (!h) {
      h = { help, values: new Map() };
      this.histograms.set(name, h);
    }
    const k = key(labels);
    let v = h.values.get(k);
    if (!v) {
      if (h.values.size >= this.maxSeries) return;
      v = { buckets: BUCKETS.map(() => 0), sum: 0, count: 0 };
      h.values.set(k, v);
    }
    const counts = v.buckets;
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= (BUCKETS[i] as number)) counts[i] = (counts[i] ?? 0) + 1;
    v.sum += seconds;
    v.count++;
  }

  /** Adds gauges computed at scrape time (pool sizes, queue depths); returns Prometheus text. */
  collect(fn: () => Promise<string> | string): void {
    this.collectors.push(fn);
  }

  async render(): Promise<string> {
    const out: string[] = [];
    for (const [name, c] of this.counters) {
      out.push(`# HELP ${name} ${c.help}`, `# TYPE ${name} counter`);
      for (const [k, v] of c.values) out.push(`${name}{${k}} ${v}`);
    }
    for (const [name, h] of this.histograms) {
      out.push(`# HELP ${name} ${h.help}`, `# TYPE ${name} histogram`);
      for (const [k, v] of h.values) {
        const sep = k ? ',' : '';
        BUCKETS.forEach((b, i) => {
          out.push(`${name}_bucket{${k}${sep}le="${b}"} ${v.buckets[i]}`);
        });
        out.push(`${name}_bucket{${k}${sep}le="+Inf"} ${v.count}`, `${name}_sum{${k}} ${v.sum}`, `${name}_count{${k}} ${v.count}`);
      }
    }
    for (const fn of this.collectors) {
      try {
        out.push((await fn()).trimEnd());
      } catch {
        // A collector whose source is down (Redis, Postgres) must not break the scrape.
      }
    }
    return `${out.filter(Boolean).join('\n')}\n`;
  }
}

/** A gauge block in Prometheus text. */
export function gauge(name: string, help: string, series: { labels?: Labels; value: number }[]): string {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, ...series.map((s) => `${name}${s.labels ? `{${key(s.labels)}}` : ''} ${s.value}`)].join('\n');
}

/** The status class label of each hundred ("2xx"), one string each rather than one per request. */
const STATUS_CLASSES = ['0xx', '1xx', '2xx', '3xx', '4xx', '5xx'];

const METRIC_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Counts requests and their latency by method, matched route pattern and status class. */
export function httpMetrics(registry: MetricsRegistry, app: string): MiddlewareHandler {
  const record = httpMetricsRecorder(registry, app);
  return async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      record(c, performance.now() - started);
    }
  };
}

/**
 * What httpMetrics records of a finished request (`ms`: how long it took), without a middleware of its own: for
 * requestContext's `onFinished` (issue 23).
 */
export function httpMetricsRecorder(registry: MetricsRegistry, app: string): (c: Context, ms: number) => void {
  // One label object per series (a bounded set), so the registry renders each series' key once. Found by route,
  // then method and status class, without building a key string per request.
  const labelSets = new Map<string, Map<string, { counter: Labels; histogram: Labels }>>();
  let kept = 0;
  const labelsOf = (method: string, route: string, status: string) => {
    let byRoute = labelSets.get(route);
    if (!byRoute) {
      byRoute = new Map();
      if (kept < 10_000) labelSets.set(route, byRoute);
    }
    const k = method + status;
    let l = byRoute.get(k);
    if (!l) {
      l = { counter: { app, method, route, status }, histogram: { app, method, route } };
      if (kept < 10_000) {
        byRoute.set(k, l);
        kept++;
      }
    }
    return l;
  };
  return (c, ms) => {
    // routePath is the pattern ("/api/v1/stores/:storeId/products"), never the raw path. Read once: hono's getter
    // maps every matched handler into a new array on each access.
    const routePath = c.req.routePath;
    const route = routePath && routePath !== '*' && routePath !== '/*' ? routePath : 'unmatched';
    const method = METRIC_METHODS.has(c.req.method) ? c.req.method : 'OTHER';
    const status = c.res.status;
    const labels = labelsOf(method, route, STATUS_CLASSES[Math.floor(status / 100)] ?? `${Math.floor(status / 100)}xx`);
    registry.inc('storeloom_http_requests_total', 'HTTP requests', labels.counter);
    registry.observe('storeloom_http_request_duration_seconds', 'HTTP request latency', labels.histogram, ms / 1000);
  };
}

/** pg pool gauges (connections in use, idle, waiting clients). */
export function poolGauges(app: string, pool: { totalCount: number; idleCount: number; waitingCount: number }): string {
  return gauge('storeloom_db_pool_connections', 'Postgres pool connections by state', [
    { labels: { app, state: 'total' }, value: pool.totalCount },
    { labels: { app, state: 'idle' }, value: pool.idleCount },
    { labels: { app, state: 'waiting' }, value: pool.waitingCount },
  ]);
}
