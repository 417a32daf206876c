import { isCurrencyCode, STORE_LANGUAGES, type StoreLanguage } from '@storeloom/money';

/** Slugs are DNS labels: they become <slug>.<store domain>. */
export const SLUG_RE = /^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$/;

export const RESERVED_SLUGS = new Set([
  'www',
  'api',
  'admin',
  'app',
  'apps',
  'console',
  'dashboard',
  'static',
  'assets',
  'cdn',
  'img',
  'images',
  'media',
  'mail',
  'email',
  'smtp',
  'imap',
  'pop',
  'ftp',
  'ssh',
  'vpn',
  'ns',
  'ns1',
  'ns2',
  'dns',
  'mx',
  'help',
  'support',
  'docs',
  'status',
  'blog',
  'about',
  'pricing',
  'billing',
  'checkout',
  'pay',
  'payments',
  'account',
  'accounts',
  'login',
  'logout',
  'signup',
  'register',
  'auth',
  'oauth',
  'sso',
  'id',
  'store',
  'stores',
  'shop',
  'shops',
  'storeloom',
  'internal',
  'test',
  'dev',
  'staging',
  'prod',
  'production',
  'localhost',
  'root',
  'system',
  'webhooks',
  'webhook',
  'healthz',
  'readyz',
  'metrics',
]);

export type SlugProblem = 'invalid' | 'reserved';
export function checkSlug(slug: string): SlugProblem | null {
  if (!SLUG_RE.test(slug) || slug.includes('--')) return 'invalid';
  if (RESERVED_SLUGS.has(slug)) return 'reserved';
  return null;
}

/** A store sells in an ISO 4217 currency that has minor units (see @storeloom/money). */
export const isCurrency = isCurrencyCode;

/** The storefront's languages: the one list in @storeloom/money (locales.ts). */
export const SUPPORTED_LOCALES = STORE_LANGUAGES;
export type SupportedLocale = StoreLanguage;

/** Custom domains: a hostname with at least two labels, lower-case, no port. */
export const DOMAIN_RE = /^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/**
 * An IANA time zone name the runtime knows ("Europe/London", "UTC"), as Intl accepts it; the canonical spelling is
 * what `canonicalTimeZone` returns.
 */
export function isTimeZone(value: string): boolean {
  if (!value || value.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** The runtime's spelling of a valid zone ("europe/london" → "Europe/London"). */
export const canonicalTimeZone = (value: string): string => new Intl.DateTimeFormat('en', { timeZone: value }).resolvedOptions().timeZone;
