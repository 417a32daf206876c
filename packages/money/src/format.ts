import { minorDigits } from './currency.ts';
import { toDecimalString } from './decimal.ts';

const formats = new Map<string, Intl.NumberFormat | null>();

/** A cached currency formatter showing exactly the ISO minor digits; null when Intl does not know the currency or locale. */
function currencyFormat(currency: string, locale: string): Intl.NumberFormat | null {
  const key = `${locale}|${currency}`;
  let f = formats.get(key);
  if (f === undefined) {
    const digits = minorDigits(currency);
    try {
      f = new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: digits, maximumFractionDigits: digits });
    } catch {
      f = null;
    }
    if (formats.size >= 1000) formats.clear();
    formats.set(key, f);
  }
  return f;
}

/**
 * Integer minor units -> a localised currency string: 1250 USD en "$12.50", 1250 JPY "¥1,250", 123456 EUR de-DE
 * "1.234,56 €", 1 KWD en "KWD 0.001". Always the ISO 4217 digits (CLDR would show HUF or IDR without decimals).
 * The exact decimal string is formatted, so large amounts do not pick up binary floating-point error.
 * A fractional amount (an average, an estimate) is shown rounded to the minor unit, half away from zero, as Intl
 * would. Throws RangeError for a code that is not a known currency or an amount that is not finite.
 */
export function formatMoney(minor: number, currency: string, locale: string): string {
  const decimal = toDecimalString(Number.isInteger(minor) ? minor : Math.sign(minor) * Math.round(Math.abs(minor)), currency);
  const f = currencyFormat(currency, locale);
  return f ? f.format(decimal as `${number}`) : `${decimal} ${currency}`;
}

/** A formatter bound to one currency and locale, for templates that print many amounts. */
export function moneyFormatter(currency: string, locale: string): (minor: number) => string {
  minorDigits(currency);
  return (minor) => formatMoney(minor, currency, locale);
}
