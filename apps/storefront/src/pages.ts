/**
 * Rendering and sending pages: the chrome every page carries, Solid SSR into
 * the document, the CSP, ETags and caching headers, the catalogue page cache,
 * the 404 page, and the shapes the UI gets from server objects.
 */
import { createHash } from 'node:crypto';
import type { CartLineView, OrderDetail, PriceAdjustment } from '@storeloom/commerce';
import { plainResponse } from '@storeloom/http';
import { getCookie } from 'hono/cookie';
import { type C, CART_COOKIE, type Storefront } from './context.ts';
import type { Head } from './render.ts';
import type { PricingMarket } from '@storeloom/commerce';
import { hreflangAlternates, prefixOf } from './locale.ts';
import { offersInMarket, pageInMarket, selectableCountries, withLowestPrices } from './market.ts';
import { pageInLanguage } from './translate.ts';
import { isThemePreview, themeFor } from './theme-preview.ts';
import { catalog } from './messages/index.ts';
import type { Lang } from './ui/i18n.ts';
import type { AppData, Chrome, LineData, OrderData, PageData, PromotionsData } from './ui/types.ts';

export interface RenderedPage {
  html: string;
  status: number;
  /** The page loads <model-viewer>: its CSP also allows WebAssembly compilation (see `csp`). */
  modelViewer?: boolean;
  /** The page embeds a YouTube or Vimeo player (a video section): its CSP allows those two frame origins. */
  videoEmbeds?: boolean;
}

type CachePolicy = 'public' | 'private';

/**
 * A rendered catalogue page as it is sent: the HTML encoded once (a hit writes these bytes; the string was encoded
 * to UTF-8 again on every request), and its response headers per cache policy as plain objects (`plainResponse`).
 * `stamp`: the catalogue version and store data generation the page was rendered from.
 */
interface PageEntry {
  status: number;
  body: Uint8Array<ArrayBuffer>;
  etag: string;
  headers: Record<CachePolicy, Record<string, string>>;
  stamp: string;
  freshUntil: number;
  staleUntil: number;
  refreshing: boolean;
}

const HTML_TYPE = 'text/html; charset=UTF-8';
const VARY = 'Cookie, Accept-Language, Sec-GPC, DNT';
const CACHE_CONTROL: Record<CachePolicy, string> = { public: 'public, max-age=30, stale-while-revalidate=60', private: 'private, no-cache' };

export const escXml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);

/** A page without the store's theme (unknown host, store closed, errors). */
export const plainPage = (title: string, text: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escXml(title)}</title><style>body{margin:0;min-height:100vh;display:grid;place-items:center;font:16px/1.5 system-ui,sans-serif;color:#1f2937;background:#f8fafc}main{text-align:center;padding:24px}h1{font-size:1.6rem}</style></head><body><main><h1>${escXml(title)}</h1><p>${escXml(text)}</p></main></body></html>`;

export function breadcrumbs(items: { name: string; url: string }[]) {
  return {
    '@context': 'https://schema.org',
    '@type': 'BreadcrumbList',
    itemListElement: items.map((it, i) => ({ '@type': 'ListItem', position: i + 1, name: it.name, item: it.url })),
  };
}

export const lineData = (l: CartLineView): LineData => ({
  variantId: l.variantId,
  handle: l.handle,
  title: l.title,
  variantTitle: l.variantTitle,
  quantity: l.quantity,
  unitPrice: l.unitPrice,
  available: l.available,
  imageUrl: l.imageUrl,
  ...(l.giftCard && (l.giftCardRecipient?.name || l.giftCardRecipient?.email)
    ? { giftCardFor: (l.giftCardRecipient?.name || l.giftCardRecipient?.email) as string }
    : {}),
});

/** The discount lines and gift-card tenders of a priced cart, as the cart and checkout summaries show them. */
export function promotionsData(adjustments: readonly PriceAdjustment[], total: number, codes: string[] = []): PromotionsData {
  const discounts = adjustments.filter((a) => a.kind === 'discount' && a.amount > 0);
  const tenders = adjustments.filter((a) => a.kind === 'tender' && a.amount > 0);
  return {
    discounts: discounts.map((a) => ({ code: a.code ?? null, title: a.label, amount: a.amount })),
    codes,
    giftCards: tenders.map((a) => ({ last4: a.last4 ?? '', amount: a.amount })),
    amountDue: total - tenders.reduce((sum, a) => sum + a.amount, 0),
  };
}

export const orderData = (o: OrderDetail): OrderData => ({
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
  taxIncluded: o.taxIncluded,
  discounts: o.discounts,
  giftCards: o.giftCards,
  amountDue: o.amountDue,
  shippingAddress: o.shippingAddress,
  trackingNumber: o.fulfillment?.trackingNumber ?? null,
  carrier: o.fulfillment?.carrier ?? null,
});

const weakEtag = (html: string) => `W/"${createHash('sha1').update(html).digest('base64url')}"`;

export class Pages {
  private readonly cspHeaders = new Map<string, string>();
  /** Rendered catalogue pages by store, origin, language, country and market, cart size, consent state and URL. */
  private readonly cache = new Map<string, PageEntry>();
  private readonly rendering = new Map<string, Promise<PageEntry>>();

  constructor(
    private readonly sf: Storefront,
    private readonly ttlMs: number,
  ) {}

  private chrome(c: C, count: number, signedIn: boolean, currency: string): Chrome {
    const { store, settings, content } = c.var.tenant;
    const markets = settings.markets ?? [];
    return {
      // Menus in the page's language when they are translated into it (the originals otherwise).
      menus: content.menusByLocale[c.var.lang] ?? { header: content.header, footer: content.footer },
      policies: content.policies,
      shop: {
        id: store.id,
        name: store.name,
        logoUrl: settings.theme.logoUrl,
        lang: c.var.lang,
        ...(c.var.lang === 'en' ? {} : { messages: catalog(c.var.lang) }),
        ...storeText(c),
        languages: settings.languages as Lang[],
        currency,
        locale: this.sf.locale(c),
        // The country selector, when the store sells in more than one market.
        ...(markets.length
          ? {
              country: c.var.country,
              countries: selectableCountries(markets, store.country ?? null, this.sf.locale(c)).map((x) => ({ ...x, currency: x.currency || store.currency })),
            }
          : {}),
      },
      cartCount: count,
      path: c.req.path,
      signedIn,
      query: c.req.path === '/search' ? (c.req.query('q') ?? '').slice(0, 200) : '',
      ...consentChrome(c),
    };
  }

  /**
   * `market`: the market of the page's catalogue prices (default the request's; a cart page passes its cart's);
   * `currency`: the currency of a page's amounts when they are an order's (order status, payment).
   */
  async render(
    c: C,
    data: PageData,
    head: Head,
    o: { status?: number; count: number; signedIn?: boolean; market?: PricingMarket; currency?: string },
  ): Promise<RenderedPage> {
    const r = await this.sf.renderer();
    const market = o.market ?? c.var.market;
    const priced = await withLowestPrices(c.var.tenant.t, market, await pageInMarket(c.var.tenant.t, market, await pageInLanguage(c, data)));
    if (data.page === 'product' && market.id !== null) head = { ...head, jsonLd: offersInMarket(head.jsonLd, priced, market.currency) };
    const appData: AppData = { chrome: this.chrome(c, o.count, o.signedIn ?? false, o.currency ?? market.currency), data: priced };
    head = this.localisedHead(c, head);
    const html = r.document({
      lang: c.var.lang,
      head,
      theme: await themeFor(c),
      storeName: c.var.tenant.store.name,
      data: appData,
      html: r.render(appData),
    });
    const videoEmbeds = 'sections' in data && (data.sections ?? []).some((s) => s.video && s.video.kind !== 'file');
    return { html, status: o.status ?? 200, ...(head.modelViewer ? { modelViewer: true } : {}), ...(videoEmbeds ? { videoEmbeds: true } : {}) };
  }

  /**
   * A page reached through a locale prefix has the prefixed URL as its canonical; every indexable page of a
   * store with several languages lists its translations as hreflang alternates (x-default: the unprefixed URL).
   */
  private localisedHead(c: C, head: Head): Head {
    const origin = this.sf.origin(c);
    const langs = c.var.tenant.settings.languages as Lang[];
    const defaultLang = langs[0] ?? 'en';
    const prefix = c.var.localePrefix ? prefixOf(c.var.localePrefix.lang, defaultLang) : '';
    if (!head.canonical.startsWith(origin)) return head;
    const rest = head.canonical.slice(origin.length) || '/';
    const canonical = prefix ? `${origin}${prefix}${rest === '/' ? '' : rest}` : head.canonical;
    return { ...head, canonical, ...(head.noindex ? {} : { alternates: hreflangAlternates(origin, rest, langs, defaultLang) }) };
  }

  /**
   * No nonce: the hydration bootstrap is allowed by its hash, so cached pages stay valid. `blob:` in img-src and
   * connect-src is for <model-viewer>, which hands a model's embedded textures to three.js as blob: URLs (only
   * same-origin script can mint them). Pages with a 3D model add `'wasm-unsafe-eval'`: model-viewer compiles its
   * bundled mesh decoder (WebAssembly) when it loads; that keyword allows WebAssembly only, never JS eval.
   */
  async csp(modelViewer = false, videoEmbeds = false): Promise<string> {
    const key = `${modelViewer}|${videoEmbeds}`;
    let header = this.cspHeaders.get(key);
    if (!header) {
      const extra = modelViewer ? " 'wasm-unsafe-eval'" : '';
      // Video sections: the privacy-enhanced YouTube and Vimeo players only (uploaded videos are same-origin /media).
      const frames = videoEmbeds ? '; frame-src https://www.youtube-nocookie.com https://player.vimeo.com' : '';
      header = `default-src 'self'; img-src 'self' https: data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'${extra} ${(await this.sf.renderer()).scriptHash}; connect-src 'self' blob:${frames}; frame-ancestors 'none'; base-uri 'self'; object-src 'none'`;
      this.cspHeaders.set(key, header);
    }
    return header;
  }

  /** With ETag (304 on a match) and the public or private cache policy. */
  async send(c: C, page: RenderedPage, cache: CachePolicy, etag?: string) {
    const tag = etag ?? weakEtag(page.html);
    c.header('Content-Security-Policy', await this.csp(page.modelViewer, page.videoEmbeds));
    // The language can come from the cookie or Accept-Language on unprefixed URLs.
    c.header('Vary', VARY);
    c.header('ETag', tag);
    c.header('Cache-Control', CACHE_CONTROL[cache]);
    if (page.status === 200 && c.req.header('if-none-match') === tag) return c.body(null, 304);
    return c.html(page.html, page.status as 200);
  }

  /** Pages with personal or one-time content (checkout, payment, order status, sign-in): never stored. */
  async sendNoStore(c: C, page: RenderedPage) {
    c.header('Cache-Control', 'private, no-store');
    c.header('Content-Security-Policy', await this.csp());
    return c.html(page.html, page.status as 200);
  }

  notFound(c: C, count: number): Promise<RenderedPage> {
    const t = this.sf.t(c);
    return this.render(
      c,
      { page: 'notfound' },
      { title: `${t('notFoundTitle')} – ${c.var.tenant.store.name}`, description: t('notFoundText'), canonical: this.sf.origin(c), noindex: true },
      { status: 404, count },
    );
  }

  private keep(key: string, stamp: string, page: RenderedPage, csp: string): PageEntry {
    const now = Date.now();
    const etag = weakEtag(page.html);
    // What `send` sets, plus the content type `c.html` adds.
    const headers = (policy: CachePolicy) => ({
      'Content-Type': HTML_TYPE,
      'Content-Security-Policy': csp,
      Vary: VARY,
      ETag: etag,
      'Cache-Control': CACHE_CONTROL[policy],
    });
    const entry: PageEntry = {
      status: page.status,
      body: new TextEncoder().encode(page.html),
      etag,
      headers: { public: headers('public'), private: headers('private') },
      stamp,
      freshUntil: now + this.ttlMs,
      staleUntil: now + this.ttlMs * 12,
      refreshing: false,
    };
    if (page.status === 200) {
      if (this.cache.size >= 5000 && !this.cache.has(key)) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(key, entry);
    }
    return entry;
  }

  /**
   * Catalogue pages (product, collection, home): rendered output reused per store, origin, language, country and
   * market, cart size, consent state and URL, and only under the catalogue version and store data generation it was
   * rendered from. The version is read before the render (a write committing meanwhile can only leave a copy newer
   * than its version, which the next request re-renders), so a price, stock or product change shows on the next
   * request; a theme publish or settings change with the store data's next reload (`Tenant.generation`). What no
   * version covers (reviews, recommendations) is re-rendered in the background after the TTL while the copy is
   * still served. Concurrent misses of one key share one render. Theme previews (drafts) are never kept.
   */
  async cached(c: C, build: (count: number) => Promise<RenderedPage>) {
    const hasCart = getCookie(c, CART_COOKIE) !== undefined;
    const count = hasCart ? await this.sf.cartCount(c) : 0;
    // A shopper's consent choice shapes the page (no banner): such pages are theirs, not a shared cache's.
    const policy = hasCart || c.get('consent')?.decided ? 'private' : 'public';
    // A theme preview shows drafts: never stored in the page cache (theme-preview.ts makes the response no-store).
    if (isThemePreview(c)) return this.send(c, await build(count), 'private');
    // Without the in-process cache the page is rendered each time, but what a shared cache may keep is the same.
    if (this.ttlMs <= 0) return this.send(c, await build(count), policy);
    const tenant = c.get('tenant');
    const market = c.get('market');
    const version = await this.sf.catalogVersions.current(tenant.store.schema_name, tenant.t);
    const stamp = `${version}|${tenant.generation}`;
    // Keyed by the origin the page's links are built from (a store answering on its subdomain and its domain has two).
    // Path and query as sent (not the Host spelling: the page's links come from the configured origin).
    const url = c.req.url;
    const pathAndQuery = url.slice(url.indexOf('/', url.indexOf('//') + 2));
    const key = `${tenant.store.id}|${this.sf.origin(c)}|${c.get('lang')}|${c.get('country') ?? ''}|${market.id ?? ''}|${market.currency}|${count}|${consentKey(c)}|${pathAndQuery}`;
    const now = Date.now();
    let entry = this.cache.get(key);
    if (entry && (entry.stamp !== stamp || entry.staleUntil < now)) entry = undefined;
    if (entry && entry.freshUntil < now && !entry.refreshing) {
      entry.refreshing = true;
      const stale = entry;
      this.renderAndKeep(c, key, stamp, count, build).catch((err) => {
        if (this.cache.get(key) === stale) this.cache.delete(key);
        c.get('logger').warn('page refresh failed', { err });
      });
    }
    entry ??= await (this.rendering.get(key) ?? this.renderAndKeep(c, key, stamp, count, build));
    return this.sendEntry(c, entry, policy);
  }

  /** One render per key at a time; kept unless a newer version was kept meanwhile. */
  private renderAndKeep(c: C, key: string, stamp: string, count: number, build: (count: number) => Promise<RenderedPage>): Promise<PageEntry> {
    const pending = (async () => {
      const page = await build(count);
      return this.keep(key, stamp, page, await this.csp(page.modelViewer, page.videoEmbeds));
    })().finally(() => {
      if (this.rendering.get(key) === pending) this.rendering.delete(key);
    });
    this.rendering.set(key, pending);
    return pending;
  }

  /**
   * A kept page, with the headers computed when it was rendered, as a `plainResponse`: the request's own headers
   * (request id, security headers, a consent cookie) come from its header bag, and the adapter writes them all from
   * one plain object (issue 23: ~20 undici `Headers` operations per hit before). Middlewares in front of catalogue
   * pages must therefore put their headers in the bag (`responseHeaders`, `appendResponseHeader`): one set with
   * `c.header()` before the handler would not reach this response.
   */
  private sendEntry(c: C, entry: PageEntry, cache: CachePolicy) {
    const headers = entry.headers[cache];
    if (entry.status === 200 && c.req.header('if-none-match') === entry.etag) {
      const { 'Content-Type': _type, ...notModified } = headers;
      return plainResponse(c, null, 304, notModified);
    }
    return plainResponse(c, entry.body, entry.status, headers);
  }
}

/** The announcement bar and footer text in the page's language (the original where the locale has no translation; none without an original). */
function storeText(c: C): Pick<Chrome['shop'], 'announcement' | 'footerText'> {
  const { content, settings } = c.var.tenant;
  const tr = c.var.lang === (settings.languages[0] ?? 'en') ? undefined : content.storeTexts[c.var.lang];
  // A translation overlays the original: a text the merchant removed shows in no language.
  const announcement = content.storeText.announcement && (tr?.announcement ?? content.storeText.announcement);
  const footerText = content.storeText.footerText && (tr?.footerText ?? content.storeText.footerText);
  return { ...(announcement ? { announcement } : {}), ...(footerText ? { footerText } : {}) };
}

/** The banner's part of the chrome: shown until the shopper decides, again on `?privacy-choices` (footer link). */
function consentChrome(c: C): Pick<Chrome, 'consent'> {
  const state = c.var.consent;
  if (!state?.purposes.length) return {};
  const reopen = c.req.query('privacy-choices') !== undefined && !state.signal;
  return { consent: { purposes: state.purposes, banner: state.banner || reopen, choices: { ...(state.decided ?? {}) } } };
}

function consentKey(c: C): string {
  const s = c.get('consent');
  if (!s?.purposes.length) return '';
  return `${s.banner ? 'b' : ''}${s.signal ?? ''}${
    s.decided
      ? Object.entries(s.decided)
          .map(([k, v]) => (v ? k[0] : ''))
          .join('')
      : ''
  }`;
}
