/** Money, numbers and dates through Intl for the console's locale. Money is integer minor units (@storeloom/money). */
import { formatMoney, isCurrencyCode, minorDigits, parseMoneyInput, toDecimalString } from '@storeloom/money';

/** Minor-unit digits of a currency (2 for USD, 0 for JPY, 3 for BHD), from ISO 4217; 2 for a code it does not know. */
export function currencyDigits(currency: string): number {
  return isCurrencyCode(currency) ? minorDigits(currency) : 2;
}

/** Amount for a money input: "12.50" for 1250 USD, "1250" for 1250 JPY. Locale-neutral so it round-trips. */
export function minorToInput(minor: number | null | undefined, currency: string): string {
  if (minor === null || minor === undefined) return '';
  return toDecimalString(Math.round(minor), currency);
}

/** What a merchant typed into a price field -> minor units (see parseMoneyInput in @storeloom/money). */
export const parseMoney = parseMoneyInput;
export { formatMoney };

export const formatNumber = (n: number, locale: string) => new Intl.NumberFormat(locale).format(n);
export const formatPercent = (fraction: number, locale: string) =>
  new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(fraction);

/**
 * The time zone dates and times are shown in: the current store's (Shell sets it from the store's `timezone`), the
 * browser's until a store is chosen. Every date on screen goes through the formatters below, never an ISO string.
 */
let displayTimeZone: string | undefined;
export function setDisplayTimeZone(timeZone: string | null | undefined) {
  displayTimeZone = timeZone || undefined;
}
/** The browser's IANA zone (the default for a new store). */
export const browserTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

export function formatDate(iso: string | Date, locale: string, timeZone: string | undefined = displayTimeZone): string {
  return new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric', timeZone }).format(new Date(iso));
}

export function formatDateTime(iso: string | Date, locale: string, timeZone: string | undefined = displayTimeZone): string {
  return new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZone }).format(
    new Date(iso),
  );
}

export function formatTime(iso: string | Date, locale: string, timeZone: string | undefined = displayTimeZone): string {
  return new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit', timeZone }).format(new Date(iso));
}

/** "3 minutes ago" style, through Intl.RelativeTimeFormat. */
export function formatRelative(iso: string | Date, locale: string, now: Date = new Date()): string {
  const diff = (new Date(iso).getTime() - now.getTime()) / 1000;
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ['year', 31_536_000],
    ['month', 2_592_000],
    ['day', 86_400],
    ['hour', 3600],
    ['minute', 60],
  ];
  for (const [unit, secs] of units) if (Math.abs(diff) >= secs) return rtf.format(Math.round(diff / secs), unit);
  return rtf.format(Math.round(diff), 'second');
}

/**
 * A moment as merchants read it: relative when recent ("5 minutes ago", "3 hours ago", under a day), otherwise the
 * date and time in the store's zone ("Dec 6, 2026, 6:07 PM").
 */
export function formatWhen(iso: string | Date, locale: string, now: Date = new Date(), timeZone: string | undefined = displayTimeZone): string {
  const ageMs = Math.abs(now.getTime() - new Date(iso).getTime());
  return ageMs < 86_400_000 ? formatRelative(iso, locale, now) : formatDateTime(iso, locale, timeZone);
}

/** Black or white, whichever reads better on a #rrggbb background (WCAG relative luminance). */
export function readableOn(hex: string): '#111111' | '#ffffff' {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex.trim());
  if (!m) return '#111111';
  const n = Number.parseInt(m[1] as string, 16);
  const channel = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  const lum = 0.2126 * channel((n >> 16) & 255) + 0.7152 * channel((n >> 8) & 255) + 0.0722 * channel(n & 255);
  // Contrast with white is 1.05/(L+0.05); with near-black (L≈0.0056) is (L+0.05)/0.0556.
  return 1.05 / (lum + 0.05) >= (lum + 0.05) / 0.0556 ? '#ffffff' : '#111111';
}
