/**
 * What every storefront route shares: the app's options, its services (built
 * once per app), and the per-request helpers (the store's origin, locale,
 * cookies, cart, signed-in customer, order and checkout services). Routes get
 * one `Storefront` and never import each other.
 */
import type { ConsentState } from '@storeloom/privacy';
import { randomBytes } from 'node:crypto';
import { LoginThrottle, RateLimiter } from '@storeloom/auth';
import { type Stripe, shopperPayments } from '@storeloom/billing';
import { CartService, type Commerce, CustomerService, createCommerce, type OrderDetail, orderLinkSignature, verifyOrderLink } from '@storeloom/commerce';
import { CatalogVersions, type Database, isUuid, type Store } from '@storeloom/db';
import { clientIp, safeRedirectPath } from '@storeloom/http';
import type { Logger } from '@storeloom/log';
import { deliverMailJob, type Queues } from '@storeloom/jobs';
import type { MailBrand, MailOutbox } from '@storeloom/mail';
import type { Storage } from '@storeloom/storage';
import { type CacheOptions, StoreSearchService } from '@storeloom/store-search';
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { EngineProductSearch, ModelRecommendations } from './engine-seams.ts';
import { Pages } from './pages.ts';
import { loadRenderer, type Renderer } from './render.ts';
import type { ProductSearch, RecommendationSource } from './seams.ts';
import { type Tenant, TenantResolver } from './tenant.ts';
import { translator } from './messages/index.ts';
import type { LocalePrefix } from './locale.ts';
import type { PricingMarket } from '@storeloom/commerce';
import type { Lang } from './ui/i18n.ts';

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
  /**
   * Rendered catalogue pages (pages.ts): kept per catalogue version and store data generation, and re-rendered in
   * the background after this long for what no version covers (reviews, recommendations); 0 disables the cache.
   */
  pageCacheTtlMs?: number;
  /** The search index cache's bounds and staleness (SEARCH_CACHE_BYTES, SEARCH_CACHE_MAX_DOCS, SEARCH_FRESHNESS_MS). */
  searchCache?: CacheOptions;
  /** Where the page cache gets catalogue versions (main.ts makes it listen for the triggers' notifications). */
  catalogVersions?: CatalogVersions;
  trustProxy?: boolean;
  /** Per-minute request limits (undefined or 0 = off). */
  rateLimits?: { perIpPerMinute: number; perStorePerMinute: number };
  requestTimeoutMs?: number;
  /** Bearer token for GET /metrics (undefined = open outside production). */
  metricsToken?: string;
  /** Without a token, whether /metrics is served at all: false in production; default true. Never on store hosts. */
  metricsWithoutToken?: boolean;
  search?: (t: Tenant) => ProductSearch;
  recommendations?: (t: Tenant) => RecommendationSource;
  /** Stripe client (STRIPE_SECRET_KEY): stores whose connected account takes charges are paid through Stripe Checkout. */
  stripe?: Stripe | null;
  /** Media storage (the console's uploads): served at /media/<name> on each store's own host. */
  storage?: Storage | null;
  /** The console's origin (PUBLIC_URL): the only one that may frame theme previews. */
  consoleOrigin?: string;
}

/** `store` is `tenant.store`, for the JSON APIs (search, recommendations) mounted under /api/storefront/v1. */
export type StorefrontEnv = {
  Variables: {
    requestId: string;
    logger: Logger;
    tenant: Tenant;
    store: Store;
    lang: Lang;
    localePrefix: LocalePrefix | null;
    /** The shopper's country (see market.ts) and the market it picks: the currency of the catalogue's prices. */
    country: string | null;
    market: PricingMarket;
    /** The shopper's consent to the store's optional purposes (routes/consent.ts). */
    consent: ConsentState;
  };
};
export type C = Context<StorefrontEnv>;

export const CART_COOKIE = 'sf_cart';
export const SESSION_COOKIE = 'sf_session';
export const LANG_COOKIE = 'sf_lang';
/** Set beside `sf_lang` when the country selector chose the language (the market's), not the shopper. */
export const LANG_BY_MARKET_COOKIE = 'sf_lang_auto';
/** A cart cookie lives 60 days. */
export const CART_COOKIE_SECONDS = 60 * 86_400;

export class Storefront {
  readonly secret: string;
  readonly protocol: 'http' | 'https';
  readonly resolver: TenantResolver;
  readonly commerce: Commerce;
  readonly rateLimiter: RateLimiter;
  readonly customerLogins: LoginThrottle;
  /** One engine (and its per-store index cache) for the search page and the JSON search API. */
  readonly searchEngine: StoreSearchService;
  readonly searchFor: (t: Tenant) => ProductSearch;
  readonly recoFor: (t: Tenant) => RecommendationSource;
  readonly pages: Pages;
  readonly catalogVersions: CatalogVersions;
  private rendererPromise: Promise<Renderer> | undefined;
  private readonly portSuffix: string;

  constructor(
    readonly db: Database,
    readonly logger: Logger,
    readonly opts: StorefrontOptions,
  ) {
    this.resolver = new TenantResolver(db, opts.rootDomain, opts.storeCacheTtlMs ?? 5000);
    this.secret = opts.secret ?? randomBytes(32).toString('hex');
    this.protocol = opts.protocol ?? 'http';
    this.commerce = createCommerce({
      db,
      queues: opts.queues ?? null,
      payments: shopperPayments(db, opts.stripe ?? null),
      secret: this.secret,
      reservationTtlMs: opts.reservationTtlMs ?? 15 * 60_000,
      // Mail is only written here; the worker delivers it.
      ...(opts.mail ? { mail: opts.mail } : {}),
      logger,
    });
    this.rateLimiter = new RateLimiter(db);
    this.customerLogins = new LoginThrottle(db, 'sf-login');
    this.searchEngine = new StoreSearchService(db, opts.searchCache ?? {});
    this.searchFor = opts.search ?? ((t: Tenant) => new EngineProductSearch(t, this.searchEngine));
    this.recoFor = opts.recommendations ?? ((t: Tenant) => new ModelRecommendations(t.t, t.store.schema_name));
    this.rendererPromise = opts.renderer ? Promise.resolve(opts.renderer) : undefined;
    this.portSuffix = opts.publicPort && opts.publicPort !== (this.protocol === 'https' ? 443 : 80) ? `:${opts.publicPort}` : '';
    this.catalogVersions = opts.catalogVersions ?? new CatalogVersions();
    this.pages = new Pages(this, opts.pageCacheTtlMs ?? 5000);
  }

  renderer(): Promise<Renderer> {
    this.rendererPromise ??= loadRenderer();
    return this.rendererPromise;
  }

  /**
   * Links, canonical URLs and payment return URLs use the store's configured origin, never the raw Host header:
   * a Host with a stray port (or any other spelling) would otherwise end up in cached pages and mails of other shoppers.
   */
  origin(c: C): string {
    const { store } = c.get('tenant');
    const requested = (c.req.header('host') ?? '').toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
    const onCustomDomain = Boolean(store.custom_domain && store.custom_domain_verified_at && requested === store.custom_domain);
    return `${this.protocol}://${onCustomDomain ? store.custom_domain : `${store.slug}.${this.opts.rootDomain}`}${this.portSuffix}`;
  }

  locale(c: C): string {
    const store = c.get('tenant').store;
    const lang = c.get('lang');
    // The store's own regional variant when it is of the shopper's language (en-GB, de-AT), else the bare language.
    const regional = store.default_locale.toLowerCase().startsWith(`${lang.slice(0, 2).toLowerCase()}-`);
    return lang === 'zh-CN' ? 'zh-CN' : regional ? store.default_locale : lang;
  }

  t(c: C) {
    return translator(c.get('lang'));
  }

  clientIp(c: C): string {
    return clientIp(c, this.opts.trustProxy ?? false);
  }

  cookieOpts(maxAgeSeconds: number) {
    return { path: '/', httpOnly: true, sameSite: 'Lax' as const, secure: this.protocol === 'https', maxAge: maxAgeSeconds };
  }

  orderLink(c: C, orderId: string): string {
    return `/orders/${orderId}?sig=${orderLinkSignature(this.secret, c.var.tenant.store.id, orderId)}`;
  }

  safeNext(next: string | undefined): string {
    return safeRedirectPath(next, '/account');
  }

  async cartCount(c: C): Promise<number> {
    const token = getCookie(c, CART_COOKIE);
    if (!token) return 0;
    const carts = new CartService(c.var.tenant.t);
    const id = await carts.find(token);
    return id ? carts.count(id) : 0;
  }

  /** The store's branding for the one mail layout (`renderMail`): name, logo as an absolute URL, accent colour, home. */
  mailBrand(c: C): MailBrand {
    const { store, settings } = c.var.tenant;
    const origin = this.origin(c);
    const logo = settings.theme.logoUrl;
    return {
      name: store.name,
      logoUrl: logo ? (logo.startsWith('/') ? `${origin}${logo}` : logo) : null,
      accentColor: settings.theme.accentColor,
      homeUrl: `${origin}/`,
      lang: c.var.lang,
    };
  }

  /** Asks the worker to deliver written mail now (the outbox sweep delivers it anyway when the queue is down). */
  kickMail(c: C): void {
    this.opts.queues?.enqueue(deliverMailJob, {}).catch((err) => c.var.logger.warn('mail delivery enqueue failed; the sweep delivers it', { err }));
  }

  customer(c: C) {
    return new CustomerService(c.var.tenant.t).validateSession(getCookie(c, SESSION_COOKIE));
  }

  /** Order mail links and payment return URLs use the store's origin; money in mail the page's locale. */
  orders(c: C) {
    return this.commerce.orders(c.var.tenant.store, { tenant: c.var.tenant.t, origin: this.origin(c), locale: this.locale(c), logger: c.var.logger });
  }

  /** The store's returns, with mail in the shopper's language and links back to this host. */
  returns(c: C) {
    return this.commerce.returns(c.var.tenant.store, { tenant: c.var.tenant.t, origin: this.origin(c), locale: this.locale(c), logger: c.var.logger });
  }

  drafts(c: C) {
    return this.commerce.drafts(c.var.tenant.store, { tenant: c.var.tenant.t, origin: this.origin(c), locale: this.locale(c), logger: c.var.logger });
  }

  checkout(c: C) {
    return this.commerce.checkout(c.var.tenant.store, { tenant: c.var.tenant.t, origin: this.origin(c), locale: this.locale(c), logger: c.var.logger });
  }

  /** The order behind a signed link, or null (a tampered or foreign link is a plain 404). */
  async signedOrder(c: C): Promise<OrderDetail | null> {
    const id = c.req.param('orderId') ?? '';
    if (!isUuid(id) || !verifyOrderLink(this.secret, c.var.tenant.store.id, id, c.req.query('sig'))) return null;
    return this.orders(c).detail(id);
  }
}
