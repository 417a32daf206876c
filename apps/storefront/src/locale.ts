/**
 * Which language (and, for markets, which country) a storefront request is in. Order: a locale path prefix
 * (`/de/…`, `/de-at/…`, what search engines crawl), then the shopper's choice remembered in a cookie, then the
 * browser's Accept-Language, then the store's default. Never an IP lookup.
 */
import { getPath } from 'hono/utils/url';
import { isLang } from './messages/index.ts';
import type { Lang } from './ui/i18n.ts';

export interface LocalePrefix {
  lang: Lang;
  /** ISO 3166-1 alpha-2, upper case, when the prefix names a region (`/de-at/` → AT). */
  country: string | null;
  /** The prefix as written in the URL, lower case, with its leading slash (`/de-at`). */
  prefix: string;
}

const PREFIX_RE = /^\/([a-z]{2})(?:-([a-z]{2}))?(?=\/|$)/i;

/** `zh` and `zh-cn` are Simplified Chinese; other languages by their two-letter code. */
function langOf(code: string, region: string | null): Lang | null {
  const c = code.toLowerCase();
  if (c === 'zh') return region === null || region.toUpperCase() === 'CN' ? 'zh-CN' : null;
  return isLang(c) ? c : null;
}

export function parseLocalePrefix(pathname: string): LocalePrefix | null {
  const m = PREFIX_RE.exec(pathname);
  if (!m) return null;
  const region = m[2] ?? null;
  const lang = langOf(m[1] as string, region);
  if (!lang) return null;
  return { lang, country: region ? region.toUpperCase() : null, prefix: (m[0] as string).toLowerCase() };
}

/** The path the routes see: the locale prefix removed (`/de/products/x` → `/products/x`, `/de` → `/`). */
export function routePath(request: Request): string {
  const path = getPath(request);
  const p = parseLocalePrefix(path);
  if (!p) return path;
  const rest = path.slice(p.prefix.length);
  return rest === '' ? '/' : rest;
}

/** Accept-Language entries by preference (RFC 9110 q-values; ties keep their order). */
function ranges(header: string): { tag: string; q: number }[] {
  return header
    .split(',')
    .map((part, i) => {
      const [tag = '', ...params] = part.trim().split(';');
      const qp = params.map((x) => x.trim()).find((x) => x.startsWith('q='));
      const q = qp ? Number(qp.slice(2)) : 1;
      return { tag: tag.trim(), q: Number.isFinite(q) ? q : 0, i };
    })
    .filter((r) => r.tag !== '' && r.tag !== '*' && r.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
}

/** The best of the store's languages for an Accept-Language header (exact tag, then the primary language), or null. */
export function negotiateLanguage(header: string | undefined, offered: readonly Lang[]): Lang | null {
  if (!header) return null;
  for (const { tag } of ranges(header.slice(0, 500))) {
    const [primary = '', region = null] = tag.split('-');
    const exact = offered.find((l) => l.toLowerCase() === tag.toLowerCase());
    if (exact) return exact;
    const lang =
      langOf(primary, region && /^[a-z]{2}$/i.test(region) ? region : null) ?? (primary.toLowerCase() === 'zh' && /hans/i.test(tag) ? 'zh-CN' : null);
    if (lang && offered.includes(lang)) return lang;
  }
  return null;
}

/** The first region named in Accept-Language (`de-AT` → AT), a hint for the market when nothing else says. */
export function acceptLanguageCountry(header: string | undefined): string | null {
  if (!header) return null;
  for (const { tag } of ranges(header.slice(0, 500))) {
    const region = tag.split('-').find((part, i) => i > 0 && /^[a-z]{2}$/i.test(part));
    if (region) return region.toUpperCase();
  }
  return null;
}

/** The URL prefix of a language on a store whose default language has none. */
export const prefixOf = (lang: Lang, defaultLang: Lang): string => (lang === defaultLang ? '' : `/${lang.toLowerCase()}`);

/**
 * `<link rel="alternate" hreflang>` entries for a page at `path` (without prefix): one per store language and
 * `x-default` for the unprefixed URL. Empty when the store speaks one language.
 */
export function hreflangAlternates(origin: string, path: string, langs: readonly Lang[], defaultLang: Lang): { hreflang: string; href: string }[] {
  if (langs.length < 2) return [];
  const tail = path === '/' ? '' : path;
  const url = (prefix: string) => `${origin}${prefix}${tail}` + (prefix === '' && tail === '' ? '/' : '');
  return [...langs.map((l) => ({ hreflang: l, href: url(prefixOf(l, defaultLang)) })), { hreflang: 'x-default', href: url('') }];
}
