/**
 * Storefront server: resolves the store from the Host header and renders its
 * pages. (The Solid SSR storefront replaces these pages; tenant resolution
 * and status handling stay.)
 */
import { ProductService } from '@storeloom/catalog';
import type { Database, Store } from '@storeloom/db';
import { AppError, isConnectionError } from '@storeloom/errors';
import { clientIp, httpMetrics, type Logger, MetricsRegistry, poolGauges, rateLimit, requestContext, requestTimeout, securityHeaders } from '@storeloom/http';
import { StoreService } from '@storeloom/stores';
import { Hono } from 'hono';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

type Env = { Variables: { requestId: string; logger: Logger; store: Store } };

/** Host -> store, cached briefly so a page costs no control-plane query when warm. */
export class StoreResolver {
  private cache = new Map<string, { store: Store | null; at: number }>();
  constructor(
    private readonly stores: StoreService,
    private readonly rootDomain: string,
    private readonly ttlMs = 5000,
  ) {}
  async resolve(host: string): Promise<Store | null> {
    const hit = this.cache.get(host);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.store;
    const store = await this.stores.findByHost(host, this.rootDomain);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(host, { store, at: Date.now() });
    return store;
  }
}

export interface StorefrontOptions {
  rootDomain: string;
  trustProxy?: boolean;
  /** Per-minute request limits (undefined or 0 = off). */
  rateLimits?: { perIpPerMinute: number; perStorePerMinute: number };
  requestTimeoutMs?: number;
  /** Bearer token for GET /metrics (undefined = open). */
  metricsToken?: string;
}

export function createStorefrontApp(db: Database, logger: Logger, opts: StorefrontOptions) {
  const resolver = new StoreResolver(new StoreService(db), opts.rootDomain);
  const app = new Hono<Env>();
  app.use('*', requestContext(logger));
  // CSP with a per-request nonce (cspNonce(c)) for SSR inline scripts; HSTS only over https.
  app.use('*', securityHeaders({ trustProxy: opts.trustProxy ?? false, csp: { 'img-src': ['https:'] } }));
  const metrics = new MetricsRegistry();
  metrics.collect(() => poolGauges('storefront', db.pool));
  app.use('*', httpMetrics(metrics, 'storefront'));
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  // Scraped on the internal network (the storefront answers every public host name).
  app.get('/metrics', async (c) => {
    if (opts.metricsToken && c.req.header('authorization') !== `Bearer ${opts.metricsToken}`) return c.text('metrics token required', 401);
    return c.text(await metrics.render(), 200, { 'Content-Type': 'text/plain; version=0.0.4' });
  });
  app.use('*', requestTimeout(opts.requestTimeoutMs ?? 0));
  app.use('*', rateLimit([{ name: 'ip', limit: opts.rateLimits?.perIpPerMinute ?? 0, windowSeconds: 60, key: (c) => clientIp(c, opts.trustProxy ?? false) }]));
  app.use('*', async (c, next) => {
    const store = await resolver.resolve(c.req.header('host') ?? '');
    if (!store) return c.html(page('Store not found', '<h1>Store not found</h1><p>There is no store at this address.</p>'), 404);
    if (store.status !== 'active') {
      c.header('Retry-After', '3600');
      return c.html(page(store.name, `<h1>${esc(store.name)}</h1><p>This store is currently unavailable. Please check back later.</p>`), 503);
    }
    c.set('store', store);
    await next();
  });
  app.use(
    '*',
    rateLimit([
      { name: 'store', limit: opts.rateLimits?.perStorePerMinute ?? 0, windowSeconds: 60, key: (c) => (c.var as { store?: Store }).store?.id ?? null },
    ]),
  );
  app.get('/', async (c) => {
    const store = c.var.store;
    const { data } = await new ProductService(db.tenant(store.schema_name)).list({ limit: 48, status: 'active', sort: '-createdAt' });
    const fmt = new Intl.NumberFormat(store.default_locale, { style: 'currency', currency: store.currency.trim() });
    const exp = fmt.resolvedOptions().maximumFractionDigits ?? 2;
    const items = data
      .map((p) => {
        const price = Math.min(...p.variants.map((v) => v.price));
        const img = p.images[0];
        return `<li class="card">${img ? `<img src="${esc(img.url)}" alt="${esc(img.alt ?? p.title)}" loading="lazy">` : '<div class="ph"></div>'}<div class="t">${esc(p.title)}</div><div class="p">${esc(fmt.format(price / 10 ** exp))}</div></li>`;
      })
      .join('');
    return c.html(page(store.name, `<h1>${esc(store.name)}</h1>${items ? `<ul class="grid">${items}</ul>` : '<p>No products yet.</p>'}`));
  });
  app.notFound((c) => c.html(page('Not found', '<h1>Page not found</h1>'), 404));
  app.onError((err, c) => {
    if (err instanceof AppError) {
      // Rate limits (429) and deadlines (503) carry their status and Retry-After.
      for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
      return c.html(page('Please wait', `<h1>Please try again shortly</h1><p>${esc(err.message)}</p>`), err.status as 429 | 503);
    }
    if (isConnectionError(err)) {
      c.header('Retry-After', '2');
      return c.html(page('Temporarily unavailable', '<h1>Temporarily unavailable</h1><p>Please try again in a moment.</p>'), 503);
    }
    c.var.logger?.error('storefront error', { err });
    return c.html(page('Error', '<h1>Something went wrong</h1><p>Please try again.</p>'), 500);
  });
  return app;
}

const page = (
  title: string,
  body: string,
) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title>
<style>body{margin:0;font:15px/1.5 system-ui,sans-serif;color:#1a1d21}main{max-width:1100px;margin:0 auto;padding:24px}
.grid{list-style:none;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:18px}
.card img,.ph{width:100%;aspect-ratio:1;object-fit:cover;background:#f0f1f3;border-radius:8px}.t{margin-top:8px}.p{color:#555}</style>
</head><body><main>${body}</main></body></html>`;
