/**
 * Storefront server: resolves the store from the Host header, loads a page's
 * data through services, renders it with Solid on the server and sends HTML
 * the browser hydrates. Every page works without JavaScript: links and forms
 * that POST and redirect. Mounts are one line each (see `api` below).
 */
import { createHash, randomBytes } from 'node:crypto';
import { LoginThrottle, RateLimiter } from '@storeloom/auth';
import { type Stripe, shopperPayments } from '@storeloom/billing';
import { isProductHandle, normaliseHandle } from '@storeloom/catalog';
import { CartService, CustomerService, createCommerce, type OrderDetail, orderLinkSignature, parseAddress, verifyOrderLink } from '@storeloom/commerce';
import type { Database, Store } from '@storeloom/db';
import { AppError, ErrorCode, isAppError, isConnectionError, isStatementTimeout } from '@storeloom/errors';
import { clientIp, httpMetrics, type Logger, MetricsRegistry, poolGauges, rateLimit, requestContext, requestTimeout, safeRedirectPath } from '@storeloom/http';
import type { Queues } from '@storeloom/jobs';
import type { MailOutbox } from '@storeloom/mail';
import { toDecimalString } from '@storeloom/money';
import { type Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { secureHeaders } from 'hono/secure-headers';
import { StorefrontCatalog } from './catalog.ts';
import { descriptionToText } from '@storeloom/catalog';
import { type Head, loadRenderer, type Renderer } from './render.ts';
import type { ProductSearch, RecommendationSource } from './seams.ts';
import { EngineProductSearch, ModelRecommendations } from './engine-seams.ts';
import { StoreSearchService } from '@storeloom/store-search';
import { type Tenant, TenantResolver } from './tenant.ts';
import { type Lang, type MessageKey, translator } from './ui/i18n.ts';
import type { AppData, Chrome, LineData, OrderData, PageData } from './ui/types.ts';
import { TtlCache } from '@storeloom/db';
import { createStorefrontSearchApi } from './api/search.ts';
import { createRecoApi } from './api/reco.ts';
import { absoluteMedia, createMediaRoutes } from './media.ts';
import { launchGate } from './launch.ts';
import type { Storage } from '@storeloom/storage';

export interface StorefrontOptions {
  rootDomain: string;
  /** HMAC key of order links; tests may omit it (a random one per process). */
  secret?: string;
  protocol?: 'http' | 'https';
  /** Public port of storefront URLs (STOREFRONT_PORT); omitted from links when it is the protocol's default or unset. */
  publicPort?: number;
  reservationTtlMs?: number;
  queues?: Queues | null;
  mail?: MailOutbox;
  renderer?: Renderer;
  storeCacheTtlMs?: number;
  /** Rendered catalogue pages are reused this long (0 disables). */
  pageCacheTtlMs?: number;
  trustProxy?: boolean;
  /** Per-minute request limits (undefined or 0 = off). */
  rateLimits?: { perIpPerMinute: number; perStorePerMinute: number };
  requestTimeoutMs?: number;
  /** Bearer token for GET /metrics (undefined = open). */
  metricsToken?: string;
  search?: (t: Tenant) => ProductSearch;
  recommendations?: (t: Tenant) => RecommendationSource;
  /** Stripe client (STRIPE_SECRET_KEY): stores whose connected account takes charges are paid through Stripe Checkout. */
  stripe?: Stripe | null;
  /** Media storage (the console's uploads): served at /media/<name> on each store's own host. */
  storage?: Storage | null;
}

/** `store` is `tenant.store`, for the JSON APIs (search, recommendations) mounted under /api/storefront/v1. */
export type StorefrontEnv = { Variables: { requestId: string; logger: Logger; tenant: Tenant; store: Store; lang: Lang } };
type C = Context<StorefrontEnv>;

const CART_COOKIE = 'sf_cart';
const SESSION_COOKIE = 'sf_session';
const LANG_COOKIE = 'sf_lang';
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HANDLE_RE = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const COLLECTION_PAGE = 24;

const escXml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);
const plainPage = (title: string, text: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escXml(title)}</title><style>body{margin:0;min-height:100vh;display:grid;place-items:center;font:16px/1.5 system-ui,sans-serif;color:#1f2937;background:#f8fafc}main{text-align:center;padding:24px}h1{font-size:1.6rem}</style></head><body><main><h1>${escXml(title)}</h1><p>${escXml(text)}</p></main></body></html>`;

export function createStorefrontApp(db: Database, logger: Logger, opts: StorefrontOptions) {
  const resolver = new TenantResolver(db, opts.rootDomain, opts.storeCacheTtlMs ?? 5000);
  const secret = opts.secret ?? randomBytes(32).toString('hex');
  const protocol = opts.protocol ?? 'http';
  const reservationTtlMs = opts.reservationTtlMs ?? 15 * 60_000;
  const commerce = createCommerce({
    db,
    queues: opts.queues ?? null,
    payments: shopperPayments(db, opts.stripe ?? null),
    secret,
    reservationTtlMs,
    // Mail is only written here; the worker delivers it.
    ...(opts.mail ? { mail: opts.mail } : {}),
    logger,
  });
  const rateLimiter = new RateLimiter(db);
  const customerLogins = new LoginThrottle(db, 'sf-login');
  // One engine (and its per-store index cache) for the search page and the JSON search API.
  const searchEngine = new StoreSearchService(db);
  const searchFor = opts.search ?? ((t: Tenant) => new EngineProductSearch(t, searchEngine));
  const recoFor = opts.recommendations ?? ((t: Tenant) => new ModelRecommendations(t.t, t.store.schema_name));
  let rendererPromise: Promise<Renderer> | undefined = opts.renderer ? Promise.resolve(opts.renderer) : undefined;
  const renderer = () => {
    rendererPromise ??= loadRenderer();
    return rendererPromise;
  };

  const app = new Hono<StorefrontEnv>();
  app.use('*', requestContext(logger));
  // Not `no-referrer`: with it Chromium sends `Origin: null` on form POSTs, which the CSRF check must refuse.
  app.use('*', secureHeaders({ contentSecurityPolicy: undefined, crossOriginEmbedderPolicy: false, referrerPolicy: 'strict-origin-when-cross-origin' }));
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

  // Hashed assets: content-addressed names, cached for a year.
  app.get('/assets/:file', async (c) => {
    const asset = (await renderer()).assets.get(c.req.path);
    if (!asset) return c.text('Not found', 404);
    return c.body(new Uint8Array(asset.body), 200, { 'Content-Type': asset.type, 'Cache-Control': 'public, max-age=31536000, immutable' });
  });

  // Tenant resolution: unknown host 404, store not open 503.
  app.use('*', async (c, next) => {
    const tenant = await resolver.resolve(c.req.header('host') ?? '');
    if (!tenant) return c.html(plainPage('Store not found', 'There is no store at this address.'), 404);
    if (tenant.store.status !== 'active') {
      c.header('Retry-After', '3600');
      return c.html(plainPage(tenant.store.name, 'This store is currently unavailable. Please check back later.'), 503);
    }
    c.set('tenant', tenant);
    c.set('store', tenant.store);
    const langs = tenant.settings.languages;
    const wanted = getCookie(c, LANG_COOKIE);
    c.set('lang', (langs.find((l) => l === wanted) ?? langs[0] ?? 'en') as Lang);
    await next();
  });
  // Not launched yet: shoppers see "opening soon"; the merchant's preview link sees the store.
  app.use('*', launchGate({ secureCookies: protocol === 'https' }));

  // CSRF: storefront forms are same-origin POSTs; the cookies are SameSite=Lax as well.
  // The JSON APIs under /api/storefront/v1 are not forms: they accept only application/json (which a cross-site
  // form cannot send), refuse a foreign Origin themselves, and answer with JSON errors.
  app.use('*', async (c, next) => {
    if (c.req.method === 'POST' && !c.req.path.startsWith('/api/storefront/v1/')) {
      const source = c.req.header('origin') ?? c.req.header('referer');
      let sourceHost: string | null = null;
      try {
        sourceHost = source ? new URL(source).host : null;
      } catch {
        sourceHost = null;
      }
      if (!sourceHost || sourceHost !== (c.req.header('host') ?? '').toLowerCase()) return c.text('Cross-site request refused', 403);
    }
    await next();
  });

  // The storefront JSON API namespace (search, recommendations), behind the tenant middleware above.
  app.route('/api/storefront/v1', createStorefrontSearchApi(db, { service: searchEngine }));
  app.route(
    '/api/storefront/v1',
    createRecoApi(db, {
      // The signed-in shopper's events and home picks follow their account, not only this browser.
      identify: async (c) => (await new CustomerService(db.tenant(c.var.store.schema_name)).validateSession(getCookie(c, SESSION_COOKIE)))?.id ?? null,
      trustProxy: opts.trustProxy ?? false,
    }),
  );

  app.route('/media', createMediaRoutes(opts.storage ?? null));

  // Links, canonical URLs and payment return URLs use the store's configured origin, never the raw Host header:
  // a Host with a stray port (or any other spelling) would otherwise end up in cached pages and mails of other shoppers.
  const portSuffix = opts.publicPort && opts.publicPort !== (protocol === 'https' ? 443 : 80) ? `:${opts.publicPort}` : '';
  const originOf = (c: C) => {
    const { store } = c.var.tenant;
    const requested = (c.req.header('host') ?? '').toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
    const onCustomDomain = Boolean(store.custom_domain && store.custom_domain_verified_at && requested === store.custom_domain);
    return `${protocol}://${onCustomDomain ? store.custom_domain : `${store.slug}.${opts.rootDomain}`}${portSuffix}`;
  };
  const localeOf = (c: C) => (c.var.lang === 'zh-CN' ? 'zh-CN' : c.var.tenant.store.default_locale.startsWith('en') ? c.var.tenant.store.default_locale : 'en');
  const tOf = (c: C) => translator(c.var.lang);
  const cookieOpts = (maxAgeSeconds: number) => ({ path: '/', httpOnly: true, sameSite: 'Lax' as const, secure: protocol === 'https', maxAge: maxAgeSeconds });
  const orderLink = (c: C, orderId: string) => `/orders/${orderId}?sig=${orderLinkSignature(secret, c.var.tenant.store.id, orderId)}`;
  const safeNext = (n: string | undefined) => safeRedirectPath(n, '/account');

  const cartCount = async (c: C): Promise<number> => {
    const token = getCookie(c, CART_COOKIE);
    if (!token) return 0;
    const id = await new CartService(c.var.tenant.t).find(token);
    return id ? new CartService(c.var.tenant.t).count(id) : 0;
  };

  const customerOf = (c: C) => new CustomerService(c.var.tenant.t).validateSession(getCookie(c, SESSION_COOKIE));

  // Order mail links and payment return URLs use the origin the shopper is on.
  const orderService = (c: C) =>
    commerce.orders(c.var.tenant.store, { tenant: c.var.tenant.t, origin: originOf(c), locale: localeOf(c), logger: c.var.logger });
  const checkoutService = (c: C) =>
    commerce.checkout(c.var.tenant.store, { tenant: c.var.tenant.t, origin: originOf(c), locale: localeOf(c), logger: c.var.logger });

  async function chromeOf(c: C, count: number, signedIn = false): Promise<Chrome> {
    const { store, settings } = c.var.tenant;
    return {
      shop: {
        id: store.id,
        name: store.name,
        logoUrl: settings.theme.logoUrl,
        lang: c.var.lang,
        languages: settings.languages as Lang[],
        currency: store.currency,
        locale: localeOf(c),
      },
      cartCount: count,
      path: c.req.path,
      signedIn,
      query: c.req.path === '/search' ? (c.req.query('q') ?? '').slice(0, 200) : '',
    };
  }

  async function renderPage(c: C, data: PageData, head: Head, o: { status?: number; count: number; signedIn?: boolean }) {
    const r = await renderer();
    const appData: AppData = { chrome: await chromeOf(c, o.count, o.signedIn), data };
    const html = r.document({
      lang: c.var.lang,
      head,
      theme: c.var.tenant.settings.theme,
      storeName: c.var.tenant.store.name,
      data: appData,
      html: r.render(appData),
    });
    return { html, status: o.status ?? 200 };
  }

  let cspHeader: string | undefined;
  const csp = async () => {
    cspHeader ??= `default-src 'self'; img-src 'self' https: data:; style-src 'self' 'unsafe-inline'; script-src 'self' ${(await renderer()).scriptHash}; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'`;
    return cspHeader;
  };

  async function send(c: C, page: { html: string; status: number }, cache: 'public' | 'private', etag?: string) {
    const tag = etag ?? `W/"${createHash('sha1').update(page.html).digest('base64url')}"`;
    c.header('Content-Security-Policy', await csp());
    c.header('Vary', 'Cookie');
    c.header('ETag', tag);
    c.header('Cache-Control', cache === 'public' ? 'public, max-age=30, stale-while-revalidate=60' : 'private, no-cache');
    if (page.status === 200 && c.req.header('if-none-match') === tag) return c.body(null, 304);
    return c.html(page.html, page.status as 200);
  }

  /**
   * Catalogue pages: rendered output reused per store, language, cart size and
   * URL. After the TTL an entry is still served while one request re-renders it
   * in the background (no stampede of identical renders), and dropped after a
   * grace period, so an edit shows within about one TTL.
   */
  type PageEntry = { html: string; etag: string; status: number; freshUntil: number; staleUntil: number; refreshing: boolean };
  const pages = new Map<string, PageEntry>();
  const pageTtl = opts.pageCacheTtlMs ?? 5000;
  const storeEntry = (key: string, page: { html: string; status: number }): PageEntry => {
    const now = Date.now();
    const entry = {
      ...page,
      etag: `W/"${createHash('sha1').update(page.html).digest('base64url')}"`,
      freshUntil: now + pageTtl,
      staleUntil: now + pageTtl * 12,
      refreshing: false,
    };
    if (pageTtl > 0 && page.status === 200) {
      if (pages.size >= 5000) pages.delete(pages.keys().next().value as string);
      pages.delete(key);
      pages.set(key, entry);
    }
    return entry;
  };

  async function cachedPage(c: C, build: (count: number) => Promise<{ html: string; status: number }>) {
    const hasCart = Boolean(getCookie(c, CART_COOKIE));
    const count = hasCart ? await cartCount(c) : 0;
    const url = new URL(c.req.url);
    // Keyed by the origin the page's links are built from (a store answering on its subdomain and its domain has two).
    const key = `${c.var.tenant.store.id}|${originOf(c)}|${c.var.lang}|${count}|${url.pathname}${url.search}`;
    const now = Date.now();
    let entry = pages.get(key);
    if (entry && entry.staleUntil < now) entry = undefined;
    if (entry && entry.freshUntil < now && !entry.refreshing) {
      entry.refreshing = true;
      build(count).then(
        (page) => storeEntry(key, page),
        (err) => {
          pages.delete(key);
          c.var.logger.warn('page refresh failed', { err });
        },
      );
    }
    if (!entry) entry = storeEntry(key, await build(count));
    return send(c, entry, hasCart ? 'private' : 'public', entry.etag);
  }

  const notFound = async (c: C, count: number) => {
    const t = tOf(c);
    return renderPage(
      c,
      { page: 'notfound' },
      { title: `${t('notFoundTitle')} – ${c.var.tenant.store.name}`, description: t('notFoundText'), canonical: originOf(c), noindex: true },
      { status: 404, count },
    );
  };

  // ---------- catalogue ----------
  app.get('/', (c) =>
    cachedPage(c, async (count) => {
      const { tenant } = c.var;
      const t = tOf(c);
      const catalog = new StorefrontCatalog(tenant.t);
      const featuredRefs = tenant.collections.slice(0, 2);
      const [featured, newest] = await Promise.all([catalog.featured(featuredRefs, 4), recoFor(tenant).forHome({ viewedProductIds: [] }, 8)]);
      const origin = originOf(c);
      return renderPage(
        c,
        {
          page: 'home',
          collections: featuredRefs.map((r) => ({ handle: r.handle, title: r.title, products: featured.get(r.id) ?? [] })).filter((x) => x.products.length > 0),
          newest,
        },
        {
          title: tenant.store.name,
          description: `${tenant.store.name} — ${t('heroText')}`,
          canonical: `${origin}/`,
          jsonLd: [
            {
              '@context': 'https://schema.org',
              '@type': 'WebSite',
              name: tenant.store.name,
              url: `${origin}/`,
              potentialAction: {
                '@type': 'SearchAction',
                target: `${origin}/search?q={search_term_string}`,
                'query-input': 'required name=search_term_string',
              },
            },
          ],
        },
        { count },
      );
    }),
  );

  app.get('/collections/:handle', (c) =>
    cachedPage(c, async (count) => {
      const { tenant } = c.var;
      const handle = c.req.param('handle');
      const ref = HANDLE_RE.test(handle) ? tenant.collections.find((x) => x.handle === handle) : undefined;
      if (!ref) return notFound(c, count);
      const pageNumber = Math.max(1, Math.min(1000, Number.parseInt(c.req.query('page') ?? '1', 10) || 1));
      const cards = await new StorefrontCatalog(tenant.t).inCollection(ref.id, COLLECTION_PAGE + 1, (pageNumber - 1) * COLLECTION_PAGE);
      if (pageNumber > 1 && cards.length === 0) return notFound(c, count);
      const origin = originOf(c);
      const t = tOf(c);
      const canonical = `${origin}/collections/${ref.handle}${pageNumber > 1 ? `?page=${pageNumber}` : ''}`;
      return renderPage(
        c,
        {
          page: 'collection',
          collection: { handle: ref.handle, title: ref.title, description: ref.description },
          products: cards.slice(0, COLLECTION_PAGE),
          pageNumber,
          hasNext: cards.length > COLLECTION_PAGE,
        },
        {
          title: `${ref.title} – ${tenant.store.name}`,
          description: (ref.description || `${ref.title} · ${tenant.store.name}`).slice(0, 160),
          canonical,
          jsonLd: [
            breadcrumbs([
              { name: t('home'), url: `${origin}/` },
              { name: ref.title, url: `${origin}/collections/${ref.handle}` },
            ]),
          ],
        },
        { count },
      );
    }),
  );

  app.get('/products/:handle', (c) =>
    cachedPage(c, async (count) => {
      const { tenant } = c.var;
      // Handles may be non-ASCII (Shopify's Japanese handles); browsers send them percent-encoded.
      const handle = normaliseHandle(c.req.param('handle'));
      const product = isProductHandle(handle) ? await new StorefrontCatalog(tenant.t).product(handle) : null;
      if (!product?.variants.length) return notFound(c, count);
      const wanted = c.req.query('variant');
      const selected = product.variants.find((v) => v.id === wanted) ?? product.variants.find((v) => v.available > 0) ?? product.variants[0];
      const related = await recoFor(tenant).alsoBought(product.id, 4);
      const collection = tenant.collections.find((x) => product.collectionIds.includes(x.id)) ?? null;
      const origin = originOf(c);
      const url = `${origin}/products/${encodeURIComponent(product.handle)}`;
      const t = tOf(c);
      const decimal = (n: number) => toDecimalString(n, tenant.store.currency);
      const { collectionIds: _c, seoTitle, seoDescription, updatedAt: _u, description: rawDescription, ...productData } = product;
      const plainDescription = descriptionToText(rawDescription);
      const description = (seoDescription || plainDescription || `${product.title} · ${tenant.store.name}`).replace(/\s+/g, ' ').slice(0, 160);
      const crumbs = [{ name: t('home'), url: `${origin}/` }];
      if (collection) crumbs.push({ name: collection.title, url: `${origin}/collections/${collection.handle}` });
      crumbs.push({ name: product.title, url });
      return renderPage(
        c,
        {
          page: 'product',
          product: productData,
          selectedVariantId: selected?.id ?? '',
          related,
          relatedTitle: 'alsoBought',
          collection: collection ? { handle: collection.handle, title: collection.title } : null,
        },
        {
          title: seoTitle || `${product.title} – ${tenant.store.name}`,
          description,
          canonical: url,
          ogType: 'product',
          image: product.images[0] ? absoluteMedia(origin, product.images[0].url, tenant.store.id) : null,
          jsonLd: [
            {
              '@context': 'https://schema.org',
              '@type': 'Product',
              name: product.title,
              description: plainDescription || undefined,
              sku: selected?.sku ?? undefined,
              brand: product.vendor ? { '@type': 'Brand', name: product.vendor } : undefined,
              image: product.images.map((i) => absoluteMedia(origin, i.url, tenant.store.id)),
              url,
              offers: product.variants.map((v) => ({
                '@type': 'Offer',
                url: `${url}?variant=${v.id}`,
                sku: v.sku ?? undefined,
                price: decimal(v.price),
                priceCurrency: tenant.store.currency,
                availability: v.available > 0 ? 'https://schema.org/InStock' : 'https://schema.org/OutOfStock',
              })),
            },
            breadcrumbs(crumbs),
          ],
        },
        { count },
      );
    }),
  );

  app.get('/search', (c) =>
    cachedPage(c, async (count) => {
      const { tenant } = c.var;
      const q = (c.req.query('q') ?? '').trim().slice(0, 200);
      const collectionHandle = c.req.query('collection') ?? '';
      const sortParam = c.req.query('sort');
      const sort = sortParam === 'price-asc' || sortParam === 'price-desc' ? sortParam : 'relevance';
      const inStock = c.req.query('inStock') === '1';
      const collection = tenant.collections.find((x) => x.handle === collectionHandle) ?? null;
      const r = await searchFor(tenant).search(q, { collection, inStock, sort }, c.req.query('cursor') ?? null);
      const t = tOf(c);
      return renderPage(
        c,
        {
          page: 'search',
          q,
          results: r.items,
          total: r.total,
          collections: r.facets.collections,
          filters: { collection: collection?.handle ?? '', sort, inStock },
          nextCursor: r.nextCursor,
        },
        {
          title: `${q ? `${q} – ` : ''}${t('search')} – ${tenant.store.name}`,
          description: tenant.store.name,
          canonical: `${originOf(c)}/search`,
          noindex: true,
        },
        { count },
      );
    }),
  );

  // ---------- cart ----------
  const lineData = (l: Awaited<ReturnType<CartService['lines']>>[number]): LineData => ({
    variantId: l.variantId,
    handle: l.handle,
    title: l.title,
    variantTitle: l.variantTitle,
    quantity: l.quantity,
    unitPrice: l.unitPrice,
    available: l.available,
    imageUrl: l.imageUrl,
  });

  const NOTICES: Record<string, MessageKey> = { failed: 'paymentFailed', expired: 'checkoutExpired', stock: 'notEnoughStock' };

  app.get('/cart', async (c) => {
    const { tenant } = c.var;
    const carts = new CartService(tenant.t);
    const cartId = await carts.find(getCookie(c, CART_COOKIE));
    const { lines, totals } = cartId ? await orderService(c).quote(cartId, tenant.settings) : { lines: [], totals: null };
    const addOns = lines.length
      ? await recoFor(tenant).forCart(
          lines.map((l) => l.productId),
          4,
        )
      : [];
    const noticeKey = NOTICES[c.req.query('notice') ?? ''];
    const t = tOf(c);
    const page = await renderPage(
      c,
      {
        page: 'cart',
        lines: lines.map(lineData),
        totals: totals ?? { subtotal: 0, shipping: 0, tax: 0, total: 0, taxIncluded: false, itemCount: 0 },
        notice: noticeKey ? t(noticeKey) : null,
        addOns,
        freeOver: tenant.settings.shipping.freeOver,
      },
      { title: `${t('cart')} – ${tenant.store.name}`, description: tenant.store.name, canonical: `${originOf(c)}/cart`, noindex: true },
      { count: totals?.itemCount ?? 0 },
    );
    return send(c, page, 'private');
  });

  app.post('/cart/add', async (c) => {
    const form = await c.req.parseBody();
    const wantsJson = (c.req.header('accept') ?? '').includes('application/json');
    const variantId = String(form.variantId ?? '');
    const quantity = Number.parseInt(String(form.quantity ?? '1'), 10) || 1;
    const carts = new CartService(c.var.tenant.t);
    try {
      if (!UUID_RE.test(variantId)) throw new AppError(ErrorCode.NotFound, 'Product not found');
      const cart = await carts.findOrCreate(getCookie(c, CART_COOKIE));
      if (cart.created) setCookie(c, CART_COOKIE, cart.token, cookieOpts(60 * 86_400));
      await carts.add(cart.id, variantId, Math.min(99, Math.max(1, quantity)));
      if (wantsJson) return c.json({ count: await carts.count(cart.id) });
      return c.redirect('/cart', 303);
    } catch (e) {
      if (!isAppError(e)) throw e;
      const message = e.code === ErrorCode.InsufficientStock ? tOf(c)('notEnoughStock') : e.message;
      if (wantsJson) return c.json({ message }, e.status as 404);
      return c.redirect(e.code === ErrorCode.InsufficientStock ? '/cart?notice=stock' : '/cart', 303);
    }
  });

  app.post('/cart/update', async (c) => {
    const form = await c.req.parseBody();
    const variantId = String(form.variantId ?? '');
    const quantity = Math.max(0, Math.min(99, Number.parseInt(String(form.quantity ?? '0'), 10) || 0));
    const carts = new CartService(c.var.tenant.t);
    const cartId = await carts.find(getCookie(c, CART_COOKIE));
    if (cartId && UUID_RE.test(variantId)) await carts.setQuantity(cartId, variantId, quantity);
    return c.redirect('/cart', 303);
  });

  // ---------- checkout ----------
  const ADDRESS_FIELDS = ['name', 'line1', 'line2', 'city', 'postalCode', 'region', 'country', 'phone'];

  async function checkoutPage(c: C, cartId: string, values: Record<string, string>, error: { message: string; field: string | null } | null, status = 200) {
    const { tenant } = c.var;
    const customer = await customerOf(c);
    const { lines, totals, quoteToken } = await orderService(c).quote(cartId, tenant.settings);
    if (!lines.length) return c.redirect('/cart', 303);
    const addresses = customer ? await new CustomerService(tenant.t).addresses(customer.id) : [];
    const first = addresses[0];
    const prefill: Record<string, string> = {
      email: customer?.email ?? '',
      ...(first && !values.line1
        ? Object.fromEntries(ADDRESS_FIELDS.map((k) => [k, String((first as unknown as Record<string, string | null>)[k] ?? '')]))
        : {}),
      ...values,
    };
    const t = tOf(c);
    const page = await renderPage(
      c,
      {
        page: 'checkout',
        lines: lines.map(lineData),
        totals,
        quoteToken,
        values: prefill,
        error: error?.message ?? null,
        errorField: error?.field ?? null,
        addresses,
        signedIn: Boolean(customer),
      },
      { title: `${t('secureCheckout')} – ${tenant.store.name}`, description: tenant.store.name, canonical: `${originOf(c)}/checkout`, noindex: true },
      { status, count: totals.itemCount, signedIn: Boolean(customer) },
    );
    c.header('Cache-Control', 'private, no-store');
    c.header('Content-Security-Policy', await csp());
    return c.html(page.html, page.status as 200);
  }

  app.get('/checkout', async (c) => {
    const cartId = await new CartService(c.var.tenant.t).find(getCookie(c, CART_COOKIE));
    if (!cartId) return c.redirect('/cart', 303);
    const values = Object.fromEntries(ADDRESS_FIELDS.map((k) => [k, (c.req.query(k) ?? '').slice(0, 200)]).filter(([, v]) => v));
    return checkoutPage(c, cartId, values, null);
  });

  app.post('/checkout', async (c) => {
    const { tenant } = c.var;
    // The price snapshot grows with the cart (verifyCheckoutQuote caps it at 16 KiB); other fields are short.
    const form = Object.fromEntries(
      Object.entries(await c.req.parseBody()).map(([k, v]) => [k, typeof v === 'string' ? v.slice(0, k === 'quoteToken' ? 16_384 : 500) : '']),
    );
    const cartId = await new CartService(tenant.t).find(getCookie(c, CART_COOKIE));
    if (!cartId) return c.redirect('/cart', 303);
    const t = tOf(c);
    const customer = await customerOf(c);
    try {
      const expected = Number.parseInt(form.expectedTotal ?? '', 10);
      const placed = await checkoutService(c).place({
        cartId,
        email: form.email ?? '',
        address: parseAddress(form),
        customerId: customer?.id ?? null,
        saveAddress: form.saveAddress === '1',
        locale: c.var.lang,
        settings: tenant.settings,
        ...(Number.isFinite(expected) ? { expectedTotal: expected } : {}),
        ...(form.quoteToken ? { quoteToken: form.quoteToken } : {}),
      });
      return c.redirect(placed.redirectUrl, 303);
    } catch (e) {
      if (!isAppError(e)) throw e;
      if (e.code === ErrorCode.InvalidState) return c.redirect('/cart', 303);
      const field = (e.details as { field?: string } | undefined)?.field ?? null;
      const message =
        e.code === ErrorCode.Conflict
          ? t('pricesChanged')
          : e.code === ErrorCode.InsufficientStock
            ? `${t('notEnoughStock')} (${(e.details as { title?: string })?.title ?? ''})`
            : e.message;
      return checkoutPage(c, cartId, form, { message, field }, e.status);
    }
  });

  const orderData = (o: OrderDetail): OrderData => ({
    id: o.id,
    number: o.number,
    email: o.email,
    paymentStatus: o.paymentStatus,
    fulfillmentStatus: o.fulfillmentStatus,
    createdAt: o.createdAt,
    lines: o.lines.map((l) => ({
      title: l.title,
      variantTitle: l.variantTitle,
      quantity: l.quantity,
      unitPrice: l.unitPrice,
      total: l.total,
      imageUrl: l.imageUrl,
    })),
    subtotal: o.subtotal,
    shipping: o.shipping,
    tax: o.tax,
    total: o.total,
    refunded: o.refunded,
    shippingAddress: o.shippingAddress,
    trackingNumber: o.fulfillment?.trackingNumber ?? null,
    carrier: o.fulfillment?.carrier ?? null,
  });

  /** The order behind a signed link, or null (a tampered or foreign link is a plain 404). */
  const signedOrder = async (c: C): Promise<OrderDetail | null> => {
    const id = c.req.param('orderId') ?? '';
    if (!UUID_RE.test(id) || !verifyOrderLink(secret, c.var.tenant.store.id, id, c.req.query('sig'))) return null;
    return orderService(c).detail(id);
  };

  /** Puts a failed or expired checkout's lines back into the shopper's cart. */
  async function restoreCart(c: C, order: OrderDetail) {
    const carts = new CartService(c.var.tenant.t);
    const cart = await carts.findOrCreate(getCookie(c, CART_COOKIE));
    if (cart.created) setCookie(c, CART_COOKIE, cart.token, cookieOpts(60 * 86_400));
    for (const l of order.lines) if (l.variantId) await carts.add(cart.id, l.variantId, l.quantity).catch(() => undefined);
  }

  app.get('/checkout/pay/:orderId', async (c) => {
    const order = await signedOrder(c);
    if (!order) return send(c, await notFound(c, 0), 'private');
    if (order.paymentStatus !== 'pending' || order.payment.provider !== 'manual') return c.redirect(orderLink(c, order.id), 303);
    const t = tOf(c);
    const expires = await c.var.tenant.t.selectFrom('orders').select('reservation_expires_at').where('id', '=', order.id).executeTakeFirstOrThrow();
    const page = await renderPage(
      c,
      {
        page: 'pay',
        order: orderData(order),
        action: `/checkout/pay/${order.id}?sig=${c.req.query('sig')}`,
        expiresAt: new Date(expires.reservation_expires_at).toISOString(),
      },
      { title: `${t('payTitle')} – ${c.var.tenant.store.name}`, description: c.var.tenant.store.name, canonical: `${originOf(c)}/checkout`, noindex: true },
      { count: 0 },
    );
    c.header('Cache-Control', 'private, no-store');
    c.header('Content-Security-Policy', await csp());
    return c.html(page.html, 200);
  });

  app.post('/checkout/pay/:orderId', async (c) => {
    const order = await signedOrder(c);
    if (!order) return c.text('Not found', 404);
    // Only an order placed with the manual provider is settled on this page; a Stripe order is paid (or not) at Stripe.
    if (order.payment.provider !== 'manual') return c.redirect(orderLink(c, order.id), 303);
    const outcome = String((await c.req.parseBody()).outcome ?? '');
    const service = orderService(c);
    if (outcome === 'fail') {
      const r = await service.failPayment(order.id, 'Declined on the test payment page');
      if (r.applied) await restoreCart(c, order);
      return c.redirect('/cart?notice=failed', 303);
    }
    try {
      // The manual provider's confirmation; a real provider confirms through its webhook instead.
      await service.confirmPayment(order.id, { provider: 'manual', reference: `manual_charge:${order.id}:1`, amount: order.total });
    } catch (e) {
      if (isAppError(e) && e.code === ErrorCode.InvalidState) {
        await restoreCart(c, order);
        return c.redirect('/cart?notice=expired', 303);
      }
      throw e;
    }
    return c.redirect(`${orderLink(c, order.id)}&placed=1`, 303);
  });

  app.get('/orders/:orderId', async (c) => {
    const order = await signedOrder(c);
    if (!order) return send(c, await notFound(c, await cartCount(c)), 'private');
    const t = tOf(c);
    const page = await renderPage(
      c,
      { page: 'order', order: orderData(order), justPlaced: c.req.query('placed') === '1' },
      {
        title: `${t('orderNumber', { n: order.number })} – ${c.var.tenant.store.name}`,
        description: c.var.tenant.store.name,
        canonical: `${originOf(c)}/`,
        noindex: true,
      },
      { count: await cartCount(c) },
    );
    c.header('Cache-Control', 'private, no-store');
    c.header('Content-Security-Policy', await csp());
    return c.html(page.html, 200);
  });

  // ---------- customer accounts ----------
  const authPage = async (c: C, kind: 'login' | 'register', v: { error?: string | null; email?: string; name?: string; next?: string }, status = 200) => {
    const t = tOf(c);
    const page = await renderPage(
      c,
      { page: kind, error: v.error ?? null, email: v.email ?? '', name: v.name ?? '', next: safeNext(v.next) },
      {
        title: `${kind === 'login' ? t('signIn') : t('register')} – ${c.var.tenant.store.name}`,
        description: c.var.tenant.store.name,
        canonical: `${originOf(c)}/account/${kind}`,
        noindex: true,
      },
      { status, count: await cartCount(c) },
    );
    c.header('Cache-Control', 'private, no-store');
    c.header('Content-Security-Policy', await csp());
    return c.html(page.html, page.status as 200);
  };

  app.get('/account', async (c) => {
    const { tenant } = c.var;
    const customer = await customerOf(c);
    if (!customer) return c.redirect('/account/login?next=/account', 303);
    const [orders, addresses, count] = await Promise.all([
      orderService(c).list({ customerId: customer.id, limit: 50 }),
      new CustomerService(tenant.t).addresses(customer.id),
      cartCount(c),
    ]);
    const t = tOf(c);
    const page = await renderPage(
      c,
      {
        page: 'account',
        customer: { name: customer.name, email: customer.email },
        orders: orders.items.map((o) => ({
          number: o.number,
          url: orderLink(c, o.id),
          createdAt: o.createdAt,
          total: o.total,
          paymentStatus: o.paymentStatus,
          fulfillmentStatus: o.fulfillmentStatus,
        })),
        addresses,
      },
      { title: `${t('account')} – ${tenant.store.name}`, description: tenant.store.name, canonical: `${originOf(c)}/account`, noindex: true },
      { count, signedIn: true },
    );
    return send(c, page, 'private');
  });

  app.get('/account/login', (c) => authPage(c, 'login', { next: c.req.query('next') }));
  app.get('/account/register', (c) => authPage(c, 'register', { next: c.req.query('next') }));

  const limited = async (c: C, kind: string) => {
    const r = await rateLimiter.hit(`sf-${kind}:${c.var.tenant.store.id}:${clientIp(c, opts.trustProxy ?? false)}`, 10, 60);
    return !r.allowed;
  };

  const signIn = async (c: C, customerId: string) => {
    const s = await new CustomerService(c.var.tenant.t).createSession(customerId);
    setCookie(c, SESSION_COOKIE, s.token, cookieOpts(Math.floor((s.expiresAt.getTime() - Date.now()) / 1000)));
  };

  app.post('/account/login', async (c) => {
    const f = await c.req.parseBody();
    const email = String(f.email ?? '').slice(0, 254);
    const next = String(f.next ?? '');
    if (await limited(c, 'login')) return authPage(c, 'login', { error: tOf(c)('tooManyAttempts'), email, next }, 429);
    // Per account as well as per IP: a guesser spreading over many IPs slows down on the account it targets.
    const account = `${c.var.tenant.store.id}:${email}`;
    const ip = clientIp(c, opts.trustProxy ?? false);
    const wait = await customerLogins.waitSeconds(account, ip);
    if (wait > 0) {
      c.header('Retry-After', String(wait));
      return authPage(c, 'login', { error: tOf(c)('tooManyAttempts'), email, next }, 429);
    }
    try {
      const customer = await new CustomerService(c.var.tenant.t).authenticate(email, String(f.password ?? '').slice(0, 200));
      await customerLogins.succeeded(account, ip);
      await signIn(c, customer.id);
      return c.redirect(safeNext(next), 303);
    } catch (e) {
      if (!isAppError(e)) throw e;
      if (e.code === ErrorCode.InvalidCredentials) await customerLogins.failed(account, ip);
      return authPage(c, 'login', { error: e.message, email, next }, e.status);
    }
  });

  app.post('/account/register', async (c) => {
    const f = await c.req.parseBody();
    const email = String(f.email ?? '').slice(0, 254);
    const name = String(f.name ?? '').slice(0, 200);
    const next = String(f.next ?? '');
    if (await limited(c, 'register')) return authPage(c, 'register', { error: tOf(c)('tooManyAttempts'), email, name, next }, 429);
    try {
      const customer = await new CustomerService(c.var.tenant.t).register({ email, name, password: String(f.password ?? '').slice(0, 200) });
      await signIn(c, customer.id);
      return c.redirect(safeNext(next), 303);
    } catch (e) {
      if (!isAppError(e)) throw e;
      return authPage(c, 'register', { error: e.message, email, name, next }, e.status);
    }
  });

  app.post('/account/logout', async (c) => {
    await new CustomerService(c.var.tenant.t).endSession(getCookie(c, SESSION_COOKIE));
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.redirect('/', 303);
  });

  app.get('/lang/:code', (c) => {
    const code = c.req.param('code');
    if (c.var.tenant.settings.languages.includes(code as Lang)) setCookie(c, LANG_COOKIE, code, { ...cookieOpts(365 * 86_400), httpOnly: false });
    return c.redirect(safeRedirectPath(c.req.query('to'), '/'), 303);
  });

  // ---------- SEO ----------
  app.get('/robots.txt', (c) => {
    c.header('Cache-Control', 'public, max-age=3600');
    return c.text(
      [
        'User-agent: *',
        'Disallow: /cart',
        'Disallow: /checkout',
        'Disallow: /account',
        'Disallow: /orders',
        'Disallow: /search',
        `Sitemap: ${originOf(c)}/sitemap.xml`,
        '',
      ].join('\n'),
    );
  });

  app.get('/sitemap.xml', async (c) => {
    const origin = originOf(c);
    const { products, collections } = await new StorefrontCatalog(c.var.tenant.t).sitemapEntries();
    const url = (loc: string, lastmod?: Date) =>
      `<url><loc>${escXml(loc)}</loc>${lastmod ? `<lastmod>${new Date(lastmod).toISOString()}</lastmod>` : ''}</url>`;
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${[
      url(`${origin}/`),
      ...collections.map((x) => url(`${origin}/collections/${x.handle}`, x.updated_at)),
      ...products.map((x) => url(`${origin}/products/${encodeURIComponent(x.handle)}`, x.updated_at)),
    ].join('')}</urlset>`;
    c.header('Cache-Control', 'public, max-age=300');
    return c.body(body, 200, { 'Content-Type': 'application/xml; charset=utf-8' });
  });

  app.notFound(async (c) => {
    if (!c.var.tenant) return c.html(plainPage('Not found', 'Page not found'), 404);
    return send(c as C, await notFound(c as C, await cartCount(c as C)), 'private');
  });
  app.onError((err, c) => {
    if (err instanceof AppError) {
      // Rate limits (429) and deadlines (503) carry their status and Retry-After.
      for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
      return c.html(plainPage('Please try again shortly', err.message), err.status as 429 | 503);
    }
    if (isStatementTimeout(err)) {
      c.header('Retry-After', '1');
      return c.html(plainPage('Please try again shortly', 'The request took too long; please retry.'), 503);
    }
    if (isConnectionError(err)) {
      c.header('Retry-After', '2');
      return c.html(plainPage('Temporarily unavailable', 'Please try again in a moment.'), 503);
    }
    c.var.logger?.error('storefront error', { err });
    return c.html(plainPage('Something went wrong', 'Please try again in a moment.'), 500);
  });
  return Object.assign(app, { resolver });
}

function breadcrumbs(items: { name: string; url: string }[]) {
  return {
    '@context': 'https://schema.org',
    '@type': 'BreadcrumbList',
    itemListElement: items.map((it, i) => ({ '@type': 'ListItem', position: i + 1, name: it.name, item: it.url })),
  };
}
