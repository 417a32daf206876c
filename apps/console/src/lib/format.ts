/** Money, numbers and dates through Intl for the console's locale. Money is integer minor units. */

const fractionCache = new Map<string, number>();

/** Minor-unit digits of a currency (2 for USD, 0 for JPY, 3 for BHD). */
export function currencyDigits(currency: string): number {
  let d = fractionCache.get(currency);
  if (d === undefined) {
    try {
      d = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      d = 2;
    }
    fractionCache.set(currency, d);
  }
  return d;
}

export function formatMoney(minor: number, currency: string, locale: string): string {
  const digits = currencyDigits(currency);
  try {
    return new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: digits, maximumFractionDigits: digits }).format(
      minor / 10 ** digits,
    );
  } catch {
    return `${(minor / 10 ** digits).toFixed(digits)} ${currency}`;
  }
}

/** Amount for a money input: "12.50" for 1250 USD, "1250" for 1250 JPY. Locale-neutral so it round-trips. */
export function minorToInput(minor: number | null | undefined, currency: string): string {
  if (minor === null || minor === undefined) return '';
  const digits = currencyDigits(currency);
  return (minor / 10 ** digits).toFixed(digits);
}

/**
 * Parses what a merchant typed into minor units: accepts "12", "12.5", "12,50",
 * "1,234.56", "1 234,56" and a leading currency symbol. Null when it is not a
 * non-negative amount with at most the currency's digits.
 */
export function parseMoney(input: string, currency: string): number | null {
  const digits = currencyDigits(currency);
  const s = input.trim().replace(/[^\d.,-]/g, '');
  if (!s || s.includes('-')) return null;
  const dots = s.split('.').length - 1;
  const commas = s.split(',').length - 1;
  let decimalAt = -1;
  if (dots && commas) decimalAt = Math.max(s.lastIndexOf('.'), s.lastIndexOf(','));
  else if (dots + commas === 1) {
    const at = Math.max(s.lastIndexOf('.'), s.lastIndexOf(','));
    // "1,234" is a thousands separator unless the currency really has three decimals.
    const tailLength = s.length - at - 1;
    decimalAt = tailLength === 3 && digits < 3 ? -1 : at;
  }
  const whole = (decimalAt >= 0 ? s.slice(0, decimalAt) : s).replace(/[.,]/g, '');
  const frac = decimalAt >= 0 ? s.slice(decimalAt + 1) : '';
  if (!/^\d*$/.test(whole) || !/^\d*$/.test(frac) || (whole === '' && frac === '')) return null;
  if (frac.length > digits) return null;
  const n = Number(`${whole || '0'}${frac.padEnd(digits, '0')}`);
  return Number.isSafeInteger(n) ? n : null;
}

export const formatNumber = (n: number, locale: string) => new Intl.NumberFormat(locale).format(n);
export const formatPercent = (fraction: number, locale: string) =>
  new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(fraction);

export function formatDate(iso: string | Date, locale: string): string {
  return new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric' }).format(new Date(iso));
}

export function formatDateTime(iso: string | Date, locale: string): string {
  return new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
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
